/*
 * reverse_dns - print the host name that an IPv4 or IPv6 address maps to.
 *
 * usage: reverse_dns IP         (IP is an address literal; an IPv6 one may
 *                                carry a scope: fe80::1%lo)
 * out:   the name and a newline; nothing at all when the address has no name
 * exit:  0 ok, 64 usage or IP is not an address literal, 68 no name for IP or a
 *        non-recoverable name service failure (EAI_FAIL), 70 anything else,
 *        71 out of memory or a system error, 74 stdout failed (a closed pipe
 *        included), 75 temporary failure (DNS server failed or did not answer)
 * try:   ./reverse_dns 127.0.0.1      and compare:  getent hosts 127.0.0.1
 * text:  chapter 5, "Reverse DNS Lookup"
 */
#define _GNU_SOURCE	/* NI_MAXHOST, NI_NAMEREQD and struct addrinfo are not in C17 */
#include <err.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sysexits.h>

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
	 * AI_NUMERICHOST: the argument must be a literal, never a name to look
	 * up.  getaddrinfo rather than inet_pton, because it also parses a
	 * scope ("%lo", "%2") into sin6_scope_id and tells us the family and
	 * the true length of the address it made.
	 */
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,	/* one result per address, not one per socket type */
		.ai_flags = AI_NUMERICHOST,
	};
	struct addrinfo *res;
	char host[NI_MAXHOST];
	int rc;

	/*
	 * A reader that has gone (reverse_dns IP | head -1) makes a write to stdout fail
	 * with EPIPE, which is reported (74), instead of killing us without a word.
	 */
	signal(SIGPIPE, SIG_IGN);

	if (argc != 2) {
		fprintf(stderr, "usage: %s IP\n", argv[0]);
		return EX_USAGE;
	}
	rc = getaddrinfo(argv[1], NULL, &hints, &res);
	if (rc == EAI_NONAME)
		errx(EX_USAGE, "%s: not an IPv4 or IPv6 address", argv[1]);
	if (rc == EAI_SYSTEM)
		err(EX_OSERR, "getaddrinfo");
	if (rc != 0)
		errx(gai_exit_status(rc), "%s: %s", argv[1], gai_strerror(rc));

	/*
	 * ai_addrlen is the size of this family's sockaddr; BSD and macOS
	 * reject any other length (sizeof a sockaddr_storage, say) with
	 * EAI_FAIL.  NI_NAMEREQD makes "no name" an error: without it
	 * getnameinfo quietly returns the address in numeric form, and a
	 * caller cannot tell that from a name.
	 */
	rc = getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof host, NULL, 0, NI_NAMEREQD);
	freeaddrinfo(res);
	if (rc == EAI_NONAME)
		errx(EX_NOHOST, "no name for %s", argv[1]);
	if (rc == EAI_SYSTEM)
		err(EX_OSERR, "getnameinfo %s", argv[1]);
	if (rc != 0)
		errx(gai_exit_status(rc), "%s: %s", argv[1], gai_strerror(rc));

	printf("%s\n", host);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return EX_OK;
}
