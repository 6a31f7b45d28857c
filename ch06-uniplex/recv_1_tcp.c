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
 *        carries on.  "listening on port N" on stderr once it accepts (N is the port the
 *        kernel chose for PORT 0).  A client is served until it closes: the others wait,
 *        connected, in the kernel's accept queue (that is the uniplex server's limit).
 * exit:  0 on SIGINT or SIGTERM, 64 usage (arguments, PORT not a decimal 0..65535),
 *        71 socket, bind, listen or accept failed (the system's reason, e.g. "Address
 *        already in use"), 74 stdout failed
 * try:   ./recv_1_tcp 5000     and elsewhere:  echo hello | nc -N ::1 5000
 * text:  chapter 6, "Uniplex TCP Server"
 */
#define _GNU_SOURCE	/* getnameinfo, sigaction, ppoll, accept4 and ENONET are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
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

/* canon: peer_max (see CONTRIBUTING.md) */
/*
 * A numeric ADDR:PORT: "[" 45 characters of IPv6, "%" and a scope of up to
 * IF_NAMESIZE, "]:" and five digits.  A longer one (it cannot happen) is cut.
 */
#define PEER_MAX 80
/* end canon: peer_max */

/* How serving one client ended. */
enum outcome { PEER_CLOSED, PEER_FAILED, STOP_REQUESTED, OUTPUT_FAILED };

/* canon: stop_signals (see CONTRIBUTING.md) */
/* Set by the handler, acted on by the loop: all a handler may safely do. */
static volatile sig_atomic_t stop_requested;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/*
 * SIGINT and SIGTERM end the server with status 0.  The handler only sets a
 * flag and is installed without SA_RESTART.  Both signals stay blocked except
 * while the server waits (ppoll, epoll_pwait, pselect), which unblocks them
 * atomically: one that arrives while a client is being served stays pending
 * and interrupts the next wait at once (EINTR), so it is never lost between
 * testing the flag and going to sleep.  The handler is installed even when
 * the signal was ignored on entry (a shell's background job ignores SIGINT).
 * SIGPIPE is ignored: a write to a vanished peer or a closed pipe then fails
 * with EPIPE instead of killing the process.  *WAITMASK receives the mask to
 * wait with.  Returns 0, or -1 with errno set.
 */
static int
catch_signals(sigset_t *waitmask)
{
	struct sigaction stop = { .sa_handler = on_stop }, ignore = { .sa_handler = SIG_IGN };
	sigset_t blocked;

	sigemptyset(&stop.sa_mask);
	sigemptyset(&ignore.sa_mask);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &blocked, waitmask) == -1)
		return -1;
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
	if (sigaction(SIGINT, &stop, NULL) == -1 || sigaction(SIGTERM, &stop, NULL) == -1 ||
	    sigaction(SIGPIPE, &ignore, NULL) == -1)
		return -1;
	return 0;
}
/* end canon: stop_signals */

/* canon: report_signal (see CONTRIBUTING.md) */
/* Set by the SIGUSR1 handler: print a progress line and carry on (as dd does). */
static volatile sig_atomic_t report_requested;

static void
on_report(int sig)
{
	(void)sig;
	report_requested = 1;
}

/*
 * SIGUSR1 asks for a progress line.  Like the stop signals (catch_signals,
 * called first) it stays blocked except while the program waits, so it is
 * acted on between two clients or datagrams, never in the middle of a
 * write.  *WAITMASK, the mask to wait with, lets it through too.  Returns 0,
 * or -1 with errno set.
 */
static int
catch_report_signal(sigset_t *waitmask)
{
	struct sigaction report = { .sa_handler = on_report };
	sigset_t blocked;

	sigemptyset(&report.sa_mask);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &blocked, NULL) == -1)
		return -1;
	sigdelset(waitmask, SIGUSR1);
	return sigaction(SIGUSR1, &report, NULL);
}
/* end canon: report_signal */

/* canon: wait_readable (see CONTRIBUTING.md) */
/*
 * Sleeps until FD has something to read (data, a connection to accept, an
 * EOF or an error) or a signal that *WAITMASK lets through arrives.  ppoll
 * installs the mask and sleeps in one step: a signal that came while it was
 * blocked interrupts this wait at once instead of waiting for the next
 * client.  Returns 0 when FD is ready, or -1 with errno set (EINTR: a
 * signal).
 */
static int
wait_readable(int fd, const sigset_t *waitmask)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return ppoll(&pfd, 1, NULL, waitmask) == -1 ? -1 : 0;
}
/* end canon: wait_readable */

static void
report_count(uintmax_t accepted)
{
	report_requested = 0;
	fprintf(stderr, "%ju connections accepted\n", accepted);
}

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

/* canon: tcp_listener (see CONTRIBUTING.md) */
/*
 * One socket for both families: AF_INET6 on :: with IPV6_V6ONLY off accepts
 * IPv4 clients too, as ::ffff:a.b.c.d (the option's default comes from the
 * net.ipv6.bindv6only sysctl, so it is cleared explicitly).  IPv4 alone only
 * when the kernel has no IPv6 (EAFNOSUPPORT).  SO_REUSEADDR lets a restarted
 * server bind while connections of the last run sit in TIME_WAIT.  The socket
 * is non-blocking: a client that resets between the wait and accept must not
 * leave the server blocked in accept.  BACKLOG is how many connections the
 * kernel completes before we accept them (listen caps it at
 * net.core.somaxconn).  Returns the listening socket, or -1 with errno set
 * and *WHAT naming the call that failed.
 */
static int
open_tcp_server(uint16_t port, int backlog, const char **what)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_ANY_INIT,
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY),
	};
	const struct sockaddr *sa = (const struct sockaddr *)&sin6;
	socklen_t salen = sizeof sin6;
	const int on = 1, off = 0;
	int sd, saved;

	*what = "socket";
	sd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sd == -1 && errno == EAFNOSUPPORT) {
		sa = (const struct sockaddr *)&sin;
		salen = sizeof sin;
		sd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (sd == -1)
		return -1;
	*what = "setsockopt IPV6_V6ONLY";
	if (sa->sa_family == AF_INET6 &&
	    setsockopt(sd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) == -1)
		goto fail;
	*what = "setsockopt SO_REUSEADDR";
	if (setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
		goto fail;
	*what = "bind";
	if (bind(sd, sa, salen) == -1)
		goto fail;
	*what = "listen";
	if (listen(sd, backlog) == -1)
		goto fail;
	return sd;
fail:
	saved = errno;
	close(sd);
	errno = saved;
	return -1;
}
/* end canon: tcp_listener */

/* canon: say_listening (see CONTRIBUTING.md) */
/*
 * Says "listening on port N" on stderr once SD accepts clients (or datagrams),
 * N read back from the socket: with port 0 the kernel picks one, and this line
 * is the only way a student or a test learns which.  Returns 0, or -1 with
 * errno set.
 */
static int
say_listening(int sd)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	in_port_t port;

	/* Zeroed: getsockname fills it, but clang-analyzer cannot see that. */
	memset(&ss, 0, sizeof ss);
	if (getsockname(sd, (struct sockaddr *)&ss, &sslen) == -1)
		return -1;
	if (ss.ss_family == AF_INET6)
		port = ((const struct sockaddr_in6 *)&ss)->sin6_port;
	else
		port = ((const struct sockaddr_in *)&ss)->sin_port;
	fprintf(stderr, "listening on port %u\n", (unsigned)ntohs(port));
	return 0;
}
/* end canon: say_listening */

/* canon: format_peer (see CONTRIBUTING.md) */
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
	/* Numeric forms only: an IPv6 address with "%scope", five digits of port. */
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE], serv[8];
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
/* end canon: format_peer */

/* canon: is_per_connection (see CONTRIBUTING.md) */
/*
 * Errors that accept reports for one connection, not for the listening socket:
 * a client that reset while queued (ECONNABORTED), a firewall's veto (EPERM),
 * and the network errors Linux passes on from the new socket (accept(2)).  The
 * server goes on with the next client.
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
/* end canon: is_per_connection */

/*
 * Copies the client's stream to stdout as it arrives, counting the bytes in
 * *total, until EOF, an error on the connection (errno set), a stop signal or
 * a failed write to stdout.
 */
static enum outcome
copy_stream(int cfd, uintmax_t accepted, uintmax_t *total, const sigset_t *waitmask)
{
	char buf[4096];

	for (;;) {
		ssize_t n;

		if (stop_requested)
			return STOP_REQUESTED;
		if (report_requested)
			report_count(accepted);
		/* The signals are let through only in here: see catch_signals. */
		if (wait_readable(cfd, waitmask) == -1) {
			if (errno == EINTR)
				continue;
			return PEER_FAILED;
		}
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
	sigset_t waitmask;
	uint16_t port;
	int lfd, status = EX_OK;

	if (argc != 2 || parse_port(argv[1], &port) == -1) {
		fprintf(stderr, "usage: %s PORT   (PORT a decimal number 0..65535)\n", argv[0]);
		return EX_USAGE;
	}
	/* Before the socket exists: once the port is bound, a signal must find the handler. */
	if (catch_signals(&waitmask) == -1 || catch_report_signal(&waitmask) == -1)
		err(EX_OSERR, "sigaction");
	lfd = open_tcp_server(port, BACKLOG, &failed);
	if (lfd == -1)
		err(EX_OSERR, "%s port %s", failed, argv[1]);
	if (say_listening(lfd) == -1)
		err(EX_OSERR, "getsockname");

	while (!stop_requested && status == EX_OK) {
		struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
		socklen_t sslen = sizeof ss;
		char peer[PEER_MAX];
		uintmax_t total = 0;
		enum outcome how;
		int cfd, error;

		if (report_requested)
			report_count(accepted);
		if (wait_readable(lfd, &waitmask) == -1) {
			if (errno == EINTR)
				continue;
			warn("poll");
			status = EX_OSERR;
			continue;
		}
		/* The connection is blocking (no SOCK_NONBLOCK): only the listener is not. */
		cfd = accept4(lfd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC);
		if (cfd == -1) {
			error = errno;
			/* EAGAIN: the client reset between the wait and accept. */
			if (error == EINTR || error == EAGAIN)
				continue;
			warn("accept");
			/*
			 * Anything else (EMFILE, ENOBUFS, ENOMEM, EBADF, ...) would
			 * fail again at once: that is the server's end.
			 */
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
			how = copy_stream(cfd, accepted, &total, &waitmask);
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
