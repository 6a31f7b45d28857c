/*
 * ip_lookup - print every IPv6 and IPv4 address of a host.
 *
 * usage: ip_lookup HOST
 * out:   only addresses, one per line, numeric form, each exactly once, in
 *        getaddrinfo's order
 * exit:  0 ok, 64 usage, 68 unknown host (or it has no address) or a
 *        non-recoverable name service failure (EAI_FAIL), 70 anything else,
 *        71 out of memory or a system error, 74 stdout failed (a closed pipe
 *        included), 75 temporary failure (DNS server failed or did not answer)
 * try:   ./ip_lookup localhost      and compare:  getent ahosts localhost
 * text:  chapter 5, "IP List"
 */
#define _GNU_SOURCE	/* NI_MAXHOST and struct addrinfo are not in C17 */
#include <err.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
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

/*
 * Two results name the same address when family, address and (for IPv6)
 * scope agree; the port is 0 in both, as no service was asked for.
 */
static bool
same_address(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;
		const struct sockaddr_in *b4 = (const struct sockaddr_in *)b;

		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *)b;

		return memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof a6->sin6_addr) == 0 &&
		    a6->sin6_scope_id == b6->sin6_scope_id;
	}
	return false;
}

/*
 * Prints each address of LIST once, in LIST's order.  Returns 0, or the
 * getnameinfo error (errno set for EAI_SYSTEM).
 */
static int
print_addresses(const struct addrinfo *list)
{
	char text[NI_MAXHOST];

	for (const struct addrinfo *p = list; p != NULL; p = p->ai_next) {
		const struct addrinfo *q = list;
		int rc;

		/*
		 * A name listed twice in /etc/hosts, or known to both files and
		 * DNS, comes back twice: print its first occurrence only.
		 */
		while (q != p && !same_address(q->ai_addr, p->ai_addr))
			q = q->ai_next;
		if (q != p)
			continue;
		/* Unlike inet_ntop, this keeps an IPv6 scope: fe80::1%eth0. */
		rc = getnameinfo(p->ai_addr, p->ai_addrlen, text, sizeof text,
		    NULL, 0, NI_NUMERICHOST);
		if (rc != 0)
			return rc;
		printf("%s\n", text);
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	/*
	 * SOCK_STREAM: without a socket type glibc returns every address three
	 * times (stream, datagram, raw).  No AI_ADDRCONFIG: it asks "which
	 * addresses could this machine use now", and on a host with IPv4 but
	 * no IPv6 address besides ::1 it drops every IPv6 address (glibc then
	 * even answers 127.0.0.1 for a name /etc/hosts maps to ::1 only).  This
	 * program lists what the name maps to, so it asks for everything.
	 */
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
	};
	struct addrinfo *res;
	int rc;

	/*
	 * A reader that has gone (ip_lookup HOST | head -1) makes a write to stdout fail
	 * with EPIPE, which is reported (74), instead of killing us without a word.
	 */
	signal(SIGPIPE, SIG_IGN);

	if (argc != 2) {
		fprintf(stderr, "usage: %s HOST\n", argv[0]);
		return EX_USAGE;
	}
	rc = getaddrinfo(argv[1], NULL, &hints, &res);
	if (rc == EAI_SYSTEM)
		err(EX_OSERR, "getaddrinfo %s", argv[1]);
	if (rc != 0)
		errx(gai_exit_status(rc), "%s: %s", argv[1], gai_strerror(rc));

	rc = print_addresses(res);
	freeaddrinfo(res);
	if (rc == EAI_SYSTEM)
		err(EX_OSERR, "getnameinfo");
	if (rc != 0)
		errx(gai_exit_status(rc), "getnameinfo: %s", gai_strerror(rc));

	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return EX_OK;
}
