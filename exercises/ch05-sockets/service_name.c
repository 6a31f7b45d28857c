/*
 * service_name - print the name the services database gives a port (80 -> http).
 *
 * usage: service_name PORT [tcp|udp]     (tcp when no protocol is given)
 * out:   the service name alone on one line; nothing on stdout when there is none
 * exit:  0 ok, 64 usage (arguments, PORT not a decimal 0..65535, protocol),
 *        68 no service has that port, 70 getnameinfo failed otherwise,
 *        71 out of memory or a system error, 74 stdout, 75 temporary failure
 * try:   ./service_name 80; ./service_name 53 udp     and compare: getent services 53/udp
 * text:  chapter 5, "Exercises", exercise 3
 */
#define _GNU_SOURCE	/* getnameinfo, NI_MAXSERV and NI_DGRAM are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>

/* canon: parse_port (see CONTRIBUTING.md) */
/*
 * A port is a decimal number in 0..65535 and nothing else: strtol alone
 * would also take " 80", "+80", "-0" and "80x".  Returns 0, or -1 when TEXT
 * is not a port.
 */
static int
parse_port(const char *text, uint16_t *port)
{
	char *end;
	long value;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || value > 65535)
		return -1;
	*port = (uint16_t)value;
	return 0;
}
/* end canon: parse_port */

/* canon: gai_exit_status (see CONTRIBUTING.md) */
/*
 * The one table from a getaddrinfo/getnameinfo error to an exit status (see
 * CONTRIBUTING.md): the name does not resolve, now or ever (68); the resolver
 * cannot be reached or answered "try again" (75); the system ran out of
 * something (71, errno set for EAI_SYSTEM); anything else is a flag or a
 * family we asked for wrongly (70).
 */
static int
gai_exit_status(int rc)
{
	switch (rc) {
	case EAI_NONAME:
	case EAI_FAIL:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
	case EAI_ADDRFAMILY:
#endif
		return EX_NOHOST;
	case EAI_AGAIN:
		return EX_TEMPFAIL;
	case EAI_MEMORY:
	case EAI_SYSTEM:
		return EX_OSERR;
	default:
		return EX_SOFTWARE;
	}
}
/* end canon: gai_exit_status */

int
main(int argc, char *argv[])
{
	/* The port is all getnameinfo needs for a service; :: stands in for the host. */
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	char serv[NI_MAXSERV], number[sizeof "65535"];
	uint16_t port;
	int flags = 0, rc;

	/*
	 * A reader that has gone (service_name 80 | head -1) makes a write to stdout fail
	 * with EPIPE, which is reported (74), instead of killing us without a word.
	 */
	signal(SIGPIPE, SIG_IGN);

	if (argc < 2 || argc > 3 || parse_port(argv[1], &port) == -1) {
		fprintf(stderr, "usage: %s PORT [tcp|udp]   (PORT a decimal number 0..65535)\n",
		    argv[0]);
		return EX_USAGE;
	}
	if (argc == 3) {
		/* The services database keeps TCP and UDP apart: 512/tcp is exec, 512/udp biff. */
		if (strcmp(argv[2], "udp") == 0) {
			flags |= NI_DGRAM;
		} else if (strcmp(argv[2], "tcp") != 0) {
			fprintf(stderr, "usage: %s PORT [tcp|udp]   (not \"%s\")\n", argv[0], argv[2]);
			return EX_USAGE;
		}
	}
	sin6.sin6_port = htons(port);

	/* No host buffer: only the service is looked up, so no DNS query is made. */
	rc = getnameinfo((const struct sockaddr *)&sin6, sizeof sin6, NULL, 0, serv, sizeof serv,
	    flags);
	if (rc == EAI_SYSTEM)
		err(EX_OSERR, "getnameinfo");
	if (rc != 0)
		errx(gai_exit_status(rc), "port %u: getnameinfo: %s", (unsigned int)port,
		    gai_strerror(rc));

	/*
	 * getnameinfo has no NI_NAMEREQD for services: a port that the database
	 * does not list comes back as its number.  No service is named with
	 * digits, so getting the number back means "no name".
	 */
	snprintf(number, sizeof number, "%u", (unsigned int)port);
	if (strcmp(serv, number) == 0)
		errx(EX_NOHOST, "port %u/%s has no service name", (unsigned int)port,
		    (flags & NI_DGRAM) ? "udp" : "tcp");

	puts(serv);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return EX_OK;
}
