/*
 * recv_gai_udp - print every datagram that arrives on PORT, from IPv6 and IPv4 peers.
 *
 * usage: recv_gai_udp PORT
 * out:   for each datagram, a line, its bytes, a newline:
 *          Received from ADDR:PORT
 *          DATA
 *        ADDR:PORT is [2001:db8::1]:5000 for an IPv6 peer and 192.0.2.1:5000 for an
 *        IPv4 one (which reaches the dual-stack socket as ::ffff:192.0.2.1 and is
 *        shown unmapped).  DATA is the datagram's bytes exactly, NULs included, at
 *        most 1472 of them; the line of a longer datagram ends in
 *        " (truncated: N bytes, first 1472 shown)".
 *        SIGUSR1 writes "N datagrams received" to stderr and the server carries on
 *        (as dd does).
 * exit:  0 on SIGINT or SIGTERM, 64 usage (arguments, PORT not a decimal 0..65535),
 *        71 socket or bind failed (the system's reason, e.g. "Address already in use"),
 *        74 recvfrom or stdout failed
 * try:   ./recv_gai_udp 5000     and elsewhere:  printf hello | nc -u -q0 ::1 5000
 * text:  chapter 6, "UDP Server"
 */
#define _GNU_SOURCE	/* getnameinfo, NI_MAXHOST and sigaction are not in C17 */
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
#include <unistd.h>

/*
 * 1500 bytes of Ethernet MTU less 20 of IPv4 header and 8 of UDP header: the
 * largest payload that travels as one unfragmented IPv4 packet on Ethernet.
 * (576, the datagram every IPv4 host must accept (RFC 791), counts the headers.)
 */
#define DATAGRAM_MAX 1472

/* ADDR:PORT of a peer: "[" host "]:" port, and the terminating NUL. */
#define PEER_MAX (NI_MAXHOST + NI_MAXSERV + 4)

/* Set by the handler, acted on by the loop: all a handler may safely do. */
static volatile sig_atomic_t stop_requested, report_requested;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		report_requested = 1;
	else
		stop_requested = 1;
}

/*
 * Without SA_RESTART a signal makes a blocked recvfrom fail with EINTR, so
 * the loop sees the flag at once instead of after the next datagram.
 */
static int
catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGUSR1, &sa, NULL) == -1)
		return -1;
	return 0;
}

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

/*
 * One socket for both families: AF_INET6 on :: with IPV6_V6ONLY off receives
 * IPv4 datagrams too (the default comes from net.ipv6.bindv6only, so clear it
 * explicitly).  IPv4 alone only when the kernel has no IPv6.  No SO_REUSEADDR:
 * UDP has no TIME_WAIT for it to help with, and on Linux it would let a second
 * server bind the same port and take the datagrams meant for this one.
 * Returns the socket, or -1 with errno set and *failed naming the call.
 */
static int
open_server(uint16_t port, const char **failed)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
		.sin6_addr = IN6ADDR_ANY_INIT,
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	const struct sockaddr *addr = (const struct sockaddr *)&sin6;
	socklen_t addrlen = sizeof sin6;
	const int off = 0;
	int sd, saved;

	*failed = "socket";
	sd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (sd == -1) {
		if (errno != EAFNOSUPPORT)
			return -1;
		/* A kernel without IPv6: IPv4 is all there is. */
		sd = socket(AF_INET, SOCK_DGRAM, 0);
		if (sd == -1)
			return -1;
		addr = (const struct sockaddr *)&sin;
		addrlen = sizeof sin;
	} else if (setsockopt(sd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) == -1) {
		*failed = "setsockopt IPV6_V6ONLY";
		goto fail;
	}
	*failed = "bind";
	if (bind(sd, addr, addrlen) == -1)
		goto fail;
	return sd;
fail:
	saved = errno;
	close(sd);
	errno = saved;
	return -1;
}

/*
 * Writes ADDR:PORT for a peer: [IPv6]:port, or a.b.c.d:port for IPv4.  An IPv4
 * peer of a dual-stack socket arrives as ::ffff:a.b.c.d; it is shown unmapped,
 * so a peer looks the same whichever kind of socket it reached.
 */
static void
format_peer(const struct sockaddr_storage *ss, socklen_t sslen, char *out, size_t outlen)
{
	const struct sockaddr *sa = (const struct sockaddr *)ss;
	struct sockaddr_in sin;
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	int rc;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			memset(&sin, 0, sizeof sin);
			sin.sin_family = AF_INET;
			sin.sin_port = sin6->sin6_port;
			memcpy(&sin.sin_addr, &sin6->sin6_addr.s6_addr[12], sizeof sin.sin_addr);
			sa = (const struct sockaddr *)&sin;
			sslen = sizeof sin;
		}
	}
	rc = getnameinfo(sa, sslen, host, sizeof host, serv, sizeof serv,
	    NI_NUMERICHOST | NI_NUMERICSERV);
	if (rc != 0)
		snprintf(out, outlen, "?:? (%s)", gai_strerror(rc));
	else if (sa->sa_family == AF_INET6)
		snprintf(out, outlen, "[%s]:%s", host, serv);
	else
		snprintf(out, outlen, "%s:%s", host, serv);
}

int
main(int argc, char *argv[])
{
	char buf[DATAGRAM_MAX];
	const char *failed;
	uintmax_t count = 0;
	uint16_t port;
	int sd, status = EX_OK;

	if (argc != 2 || parse_port(argv[1], &port) == -1) {
		fprintf(stderr, "usage: %s PORT   (PORT a decimal number 0..65535)\n", argv[0]);
		return EX_USAGE;
	}
	/* Before the socket exists: once the port is bound, a signal must find the handler. */
	if (catch_signals() == -1)
		err(EX_OSERR, "sigaction");
	sd = open_server(port, &failed);
	if (sd == -1)
		err(EX_OSERR, "%s port %s", failed, argv[1]);

	while (!stop_requested) {
		struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
		socklen_t sslen = sizeof ss;
		char peer[PEER_MAX];
		ssize_t n;
		size_t shown;

		if (report_requested) {
			report_requested = 0;
			fprintf(stderr, "%ju datagrams received\n", count);
		}
		/*
		 * The kernel drops what does not fit in BUF; with MSG_TRUNC (Linux)
		 * recvfrom still returns the datagram's real length, so a cut is seen.
		 * A signal that lands between the flag test and this call waits for
		 * the next datagram (ppoll with a signal mask closes that window).
		 */
		n = recvfrom(sd, buf, sizeof buf, MSG_TRUNC, (struct sockaddr *)&ss, &sslen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			warn("recvfrom");
			status = EX_IOERR;
			break;
		}
		count++;
		shown = (size_t)n < sizeof buf ? (size_t)n : sizeof buf;
		format_peer(&ss, sslen, peer, sizeof peer);
		printf("Received from %s", peer);
		if ((size_t)n > sizeof buf)
			printf(" (truncated: %zd bytes, first %zu shown)", n, shown);
		putchar('\n');
		/* fwrite, not %s: a datagram may hold NUL bytes. */
		fwrite(buf, 1, shown, stdout);
		putchar('\n');
		if (fflush(stdout) == EOF || ferror(stdout)) {
			warn("stdout");
			status = EX_IOERR;
			break;
		}
	}
	close(sd);
	return status;
}
