/*
 * send_gai_udp - send MESSAGE to HOST PORT as one UDP datagram.
 *
 * usage: send_gai_udp HOST PORT MESSAGE
 *        MESSAGE goes out as exactly one datagram, its bytes and nothing else; an empty
 *        MESSAGE is an empty datagram (legal in UDP).  Every address HOST has is tried
 *        in the order getaddrinfo gives them, until one takes the datagram.
 * exit:  0 the kernel took the datagram (nothing more: see below),
 *        64 usage (arguments, PORT not a decimal 1..65535),
 *        68 HOST unknown, 69 no address took the datagram (the last error is shown,
 *        e.g. "Message too long" past 65507 bytes over IPv4, 65527 over IPv6),
 *        71 system error (socket: out of descriptors or memory),
 *        75 temporary name-service failure
 * try:   nc -u -l ::1 5000     and elsewhere:  ./send_gai_udp ::1 5000 'hello world'
 * text:  chapter 6, "UDP Client"
 *
 * UDP has no acknowledgement: success means only that the datagram was handed to
 * the kernel.  A datagram to a port where nothing listens is simply lost; the ICMP
 * "port unreachable" that comes back is not reported to an unconnected socket.
 */
#define _GNU_SOURCE	/* getaddrinfo, struct addrinfo and EAI_NODATA are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

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

/*
 * Sends the whole message as one datagram to AI's address.  Returns 0, or -1
 * with errno set and *failed naming the call that failed.
 */
static int
send_datagram(const struct addrinfo *ai, const char *message, size_t len, const char **failed)
{
	ssize_t sent;
	int sd, saved;

	*failed = "socket";
	sd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (sd == -1)
		return -1;
	*failed = "sendto";
	sent = sendto(sd, message, len, 0, ai->ai_addr, ai->ai_addrlen);
	saved = errno;
	close(sd);
	if (sent == -1) {
		errno = saved;
		return -1;
	}
	/*
	 * A datagram is sent whole or not at all (too long is EMSGSIZE), so this
	 * cannot happen; a short count would still mean the message was not sent.
	 */
	if ((size_t)sent != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

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
	/*
	 * Without a socket type getaddrinfo lists every address three times
	 * (stream, datagram, raw); AI_NUMERICSERV because PORT is checked to be a number.
	 */
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
		.ai_flags = AI_NUMERICSERV,
	};
	struct addrinfo *list;
	const char *failed = "sendto";
	char where[NI_MAXHOST] = "";
	uint16_t port;
	int rc, saved = 0;

	/* Port 0 names no service: a datagram cannot be sent to it. */
	if (argc != 4 || parse_port(argv[2], &port) == -1 || port == 0) {
		fprintf(stderr, "usage: %s HOST PORT MESSAGE   (PORT a decimal number 1..65535)\n",
		    argv[0]);
		return EX_USAGE;
	}

	rc = getaddrinfo(argv[1], argv[2], &hints, &list);
	if (rc == EAI_SYSTEM)
		err(EX_OSERR, "getaddrinfo %s", argv[1]);
	if (rc != 0)
		errx(gai_exit_status(rc), "%s: %s", argv[1], gai_strerror(rc));

	/* IPv6 first when HOST has both (RFC 6724 order); the next address if one fails. */
	for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		if (send_datagram(ai, argv[3], strlen(argv[3]), &failed) == 0) {
			freeaddrinfo(list);
			return EX_OK;
		}
		saved = errno;
		/* Only for the message: which address gave the last error. */
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, where, sizeof where, NULL, 0,
		    NI_NUMERICHOST) != 0)
			snprintf(where, sizeof where, "%s", argv[1]);
	}
	freeaddrinfo(list);
	errno = saved;
	/* Out of descriptors or memory is the system's trouble, not the addresses'. */
	err(strcmp(failed, "socket") == 0 && (saved == EMFILE || saved == ENFILE ||
	    saved == ENOBUFS || saved == ENOMEM) ? EX_OSERR : EX_UNAVAILABLE,
	    "%s %s port %s", failed, where, argv[2]);
}
