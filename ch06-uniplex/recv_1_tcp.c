/*
 * recv_1_tcp - print the stream of every TCP client on PORT, one client at a time.
 *
 * usage: recv_1_tcp PORT
 * out:   for each connection, in the order they are accepted:
 *          Received from ADDR:PORT
 *          the client's bytes exactly as they arrive (NULs included), then a newline
 *          Closed ADDR:PORT (N bytes)              the client closed its side (EOF)
 *          Reset ADDR:PORT (N bytes): REASON       the connection failed (REASON is the
 *                                                  system's, e.g. "Connection reset by peer")
 *        ADDR:PORT is [2001:db8::1]:5000 for an IPv6 client and 192.0.2.1:5000 for an
 *        IPv4 one (which reaches the dual-stack socket as ::ffff:192.0.2.1 and is shown
 *        unmapped).  SIGUSR1 writes "N connections accepted" to stderr and the server
 *        carries on.  A client is served until it closes: the others wait, connected,
 *        in the kernel's accept queue (that is the uniplex server's limit).
 * exit:  0 on SIGINT or SIGTERM, 64 usage (arguments, PORT not a decimal 0..65535),
 *        71 socket, bind, listen or accept failed (the system's reason, e.g. "Address
 *        already in use"), 74 stdout failed
 * try:   ./recv_1_tcp 5000     and elsewhere:  echo hello | nc -N ::1 5000
 * text:  chapter 6, "Uniplex TCP Server"
 */
#define _GNU_SOURCE	/* getnameinfo, NI_MAXHOST, sigaction and ENONET are not in C17 */
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
 * Connections the kernel completes while we serve someone else.  Linux keeps
 * BACKLOG + 1 of them (capped by net.core.somaxconn): their connect succeeded
 * and what they send is buffered, but nobody has accepted them yet.  Past
 * that, new SYNs are dropped and those clients retry.
 */
#define BACKLOG 5

/* ADDR:PORT of a peer: "[" host "]:" port, and the terminating NUL. */
#define PEER_MAX (NI_MAXHOST + NI_MAXSERV + 4)

/* How serving one client ended. */
enum outcome { PEER_CLOSED, PEER_FAILED, STOP_REQUESTED, OUTPUT_FAILED };

/* Set by the handler, acted on by the loops: all a handler may safely do. */
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
 * Without SA_RESTART a signal makes a blocked accept or recv fail with EINTR,
 * so the loops see the flag at once.  SIGPIPE is ignored: a failed write then
 * returns EPIPE instead of killing the server.
 */
static int
catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal }, ignore = { .sa_handler = SIG_IGN };

	sigemptyset(&sa.sa_mask);
	sigemptyset(&ignore.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGUSR1, &sa, NULL) == -1 || sigaction(SIGPIPE, &ignore, NULL) == -1)
		return -1;
	return 0;
}

static void
report(uintmax_t accepted)
{
	report_requested = 0;
	fprintf(stderr, "%ju connections accepted\n", accepted);
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
 * One socket for both families: AF_INET6 on :: with IPV6_V6ONLY off accepts
 * IPv4 clients too (the default comes from net.ipv6.bindv6only, so clear it
 * explicitly).  IPv4 alone only when the kernel has no IPv6.  SO_REUSEADDR lets
 * a restarted server bind while connections of the last run are in TIME_WAIT.
 * Returns the listening socket, or -1 with errno set and *failed naming the call.
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
	const int off = 0, on = 1;
	int lfd, saved;

	*failed = "socket";
	lfd = socket(AF_INET6, SOCK_STREAM, 0);
	if (lfd == -1) {
		if (errno != EAFNOSUPPORT)
			return -1;
		/* A kernel without IPv6: IPv4 is all there is. */
		lfd = socket(AF_INET, SOCK_STREAM, 0);
		if (lfd == -1)
			return -1;
		addr = (const struct sockaddr *)&sin;
		addrlen = sizeof sin;
	} else if (setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) == -1) {
		*failed = "setsockopt IPV6_V6ONLY";
		goto fail;
	}
	*failed = "setsockopt SO_REUSEADDR";
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
		goto fail;
	*failed = "bind";
	if (bind(lfd, addr, addrlen) == -1)
		goto fail;
	*failed = "listen";
	if (listen(lfd, BACKLOG) == -1)
		goto fail;
	return lfd;
fail:
	saved = errno;
	close(lfd);
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

/*
 * Errors that accept reports for one connection, not for the listening socket:
 * a client that reset while queued (ECONNABORTED), a firewall's veto (EPERM),
 * and the network errors Linux passes on from the new socket (accept(2)).  The
 * server goes on with the next client.  Anything else (EMFILE, ENOBUFS, ENOMEM,
 * EBADF, ...) would fail again at once: that is the server's end.
 */
static int
is_per_connection(int error)
{
	switch (error) {
	case ECONNABORTED:
	case EPERM:
	case EPROTO:
	case ENETDOWN:
	case ENETUNREACH:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case EHOSTUNREACH:
	case ENONET:
	case EOPNOTSUPP:
		return 1;
	default:
		return 0;
	}
}

/*
 * Copies the client's stream to stdout as it arrives, counting the bytes in
 * *total, until EOF, an error on the connection (errno set), a stop signal or
 * a failed write to stdout.
 */
static enum outcome
copy_stream(int cfd, uintmax_t accepted, uintmax_t *total)
{
	char buf[4096];

	for (;;) {
		ssize_t n;

		if (stop_requested)
			return STOP_REQUESTED;
		if (report_requested)
			report(accepted);
		n = recv(cfd, buf, sizeof buf, 0);
		if (n == 0)
			return PEER_CLOSED;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return PEER_FAILED;
		}
		*total += (uintmax_t)n;
		/* fwrite, not %s: a stream may hold NUL bytes. */
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n || fflush(stdout) == EOF)
			return OUTPUT_FAILED;
	}
}

int
main(int argc, char *argv[])
{
	const char *failed;
	uintmax_t accepted = 0;
	uint16_t port;
	int lfd, status = EX_OK;

	if (argc != 2 || parse_port(argv[1], &port) == -1) {
		fprintf(stderr, "usage: %s PORT   (PORT a decimal number 0..65535)\n", argv[0]);
		return EX_USAGE;
	}
	/* Before the socket exists: once the port is bound, a signal must find the handler. */
	if (catch_signals() == -1)
		err(EX_OSERR, "sigaction");
	lfd = open_server(port, &failed);
	if (lfd == -1)
		err(EX_OSERR, "%s port %s", failed, argv[1]);

	while (!stop_requested && status == EX_OK) {
		struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
		socklen_t sslen = sizeof ss;
		char peer[PEER_MAX];
		uintmax_t total = 0;
		enum outcome how;
		int cfd, error;

		if (report_requested)
			report(accepted);
		cfd = accept(lfd, (struct sockaddr *)&ss, &sslen);
		if (cfd == -1) {
			error = errno;
			if (error == EINTR)
				continue;
			warn("accept");
			if (!is_per_connection(error))
				status = EX_OSERR;
			continue;
		}
		accepted++;
		format_peer(&ss, sslen, peer, sizeof peer);
		printf("Received from %s\n", peer);
		if (fflush(stdout) == EOF)
			how = OUTPUT_FAILED;
		else
			how = copy_stream(cfd, accepted, &total);
		error = errno;

		switch (how) {
		case PEER_CLOSED:
			printf("\nClosed %s (%ju bytes)\n", peer, total);
			break;
		case PEER_FAILED:
			/* This client's end, not the server's: on to the next one. */
			printf("\nReset %s (%ju bytes): %s\n", peer, total, strerror(error));
			break;
		case STOP_REQUESTED:
			break;
		case OUTPUT_FAILED:
			errno = error;
			break;
		}
		/* Reported before the close: once the client sees EOF, its line is out. */
		if (how == OUTPUT_FAILED || fflush(stdout) == EOF || ferror(stdout)) {
			warn("stdout");
			status = EX_IOERR;
		}
		close(cfd);
	}
	close(lfd);
	return status;
}
