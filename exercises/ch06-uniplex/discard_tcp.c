/*
 * discard_tcp - the discard service of RFC 863 over TCP: read everything, answer nothing.
 *
 * usage: discard_tcp PORT
 * out:   nothing, to anyone: what clients send is read and thrown away, and a client's
 *        connection is closed when the client closes it (or resets it).  Several clients
 *        are served at once (see main); nothing on stdout.
 * exit:  0 after SIGINT or SIGTERM, 64 usage (arguments, PORT not a decimal 0..65535),
 *        71 socket/bind/listen/accept failed (a port in use, a port below 1024 without
 *        privilege)
 * try:   ./discard_tcp 5000     and elsewhere:  head -c 10M /dev/zero | nc -N ::1 5000
 * text:  chapter 6, "Exercises", exercise 2
 */
#define _GNU_SOURCE	/* ppoll, accept4, SOCK_NONBLOCK and ENONET are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* Clients served at once; more wait in the listen queue until one leaves. */
#define MAX_CLIENTS 256

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

/* canon: accept_failure (see CONTRIBUTING.md) */
/* What to do after accept failed; see accept_failure. */
enum accept_failure { ACCEPT_RETRY, ACCEPT_PAUSE, ACCEPT_FAIL };

/*
 * Most accept failures belong to one client, not to the server: its
 * connection was reset while it waited in the queue (ECONNABORTED), it was
 * gone by the time accept ran (EAGAIN), a firewall refused it (EPERM), or
 * Linux passed on a network error of that connection (the list in
 * accept(2)).  Try again at once.  Running out of descriptors or memory is
 * the server's trouble but passes; the waiting connection keeps the
 * listener readable, so trying again at once would spin: pause.  Anything
 * else is a bug.
 */
static enum accept_failure
accept_failure(int error)
{
	switch (error) {
	case EAGAIN:	/* the same number as EWOULDBLOCK on Linux */
	case EINTR:
	case ECONNABORTED:
	case EPERM:
	case EPROTO:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
	case ENETDOWN:
		return ACCEPT_RETRY;
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		return ACCEPT_PAUSE;
	default:
		return ACCEPT_FAIL;
	}
}
/* end canon: accept_failure */

/* canon: now_ms (see CONTRIBUTING.md) */
/* Milliseconds since an arbitrary point, from a clock that never jumps. */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
/* end canon: now_ms */

/* canon: log_limited (see CONTRIBUTING.md) */
/*
 * Lines that a remote peer can cause at will (an ignored datagram, a refused
 * connection, a reset) must not let it fill the disk or drown the other
 * messages: at most one line per LOG_INTERVAL_MS for each struct log_limit,
 * the lines held back in between counted and reported with the next one
 * ("... (and 1999 more since the last)").  Needs now_ms.
 */
#define LOG_INTERVAL_MS 1000

struct log_limit {
	long long last_ms;	/* when the last line was written; 0: never */
	unsigned long held;	/* lines held back since */
};

static void __attribute__((format(printf, 2, 3)))
warnx_limited(struct log_limit *limit, const char *fmt, ...)
{
	long long now = now_ms();
	char line[512];
	va_list ap;

	if (limit->last_ms != 0 && now - limit->last_ms < LOG_INTERVAL_MS) {
		limit->held++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (limit->held > 0)
		warnx("%s (and %lu more since the last)", line, limit->held);
	else
		warnx("%s", line);
	limit->last_ms = now;
	limit->held = 0;
}
/* end canon: log_limited */

/*
 * Reads what has arrived on CFD (non-blocking) and throws it away: one
 * read of up to 64 KiB per wake-up, so that a fast client cannot starve
 * the others.  Returns 1 while the client is connected, 0 when it is gone:
 * it closed (recv returns 0), reset, or keepalive found it dead.
 */
static int
discard_some(int cfd)
{
	static char buf[64 * 1024];
	static struct log_limit failures;	/* a client can cause them: see log_limited */
	ssize_t n = recv(cfd, buf, sizeof buf, 0);

	if (n > 0)
		return 1;
	if (n == 0)
		return 0;
	if (errno == EAGAIN || errno == EINTR)	/* nothing after all: a spurious wake-up */
		return 1;
	if (errno != ECONNRESET && errno != ETIMEDOUT)	/* those two are the client's own end */
		warnx_limited(&failures, "recv: %s", strerror(errno));
	return 0;
}

/*
 * RFC 863 lets a client stay connected for as long as it likes, sending or
 * not.  A server that read one client to the end before accepting the next
 * (the chapter's uniplex server) would belong to the first client that
 * connects and goes quiet.  So the listener and every client sit in one
 * poll set (chapter 7's subject, used here because it is cheap): an idle
 * client costs one slot and holds no one up.  There is no idle timeout, as
 * the RFC promises none; TCP keepalive ends a connection whose peer has
 * vanished (after about two hours with Linux's defaults).  At MAX_CLIENTS
 * the listener leaves the set and new clients wait in its queue.
 */
int
main(int argc, char *argv[])
{
	/* How long new clients wait after the server ran out of descriptors or memory. */
	const struct timespec backoff = { .tv_sec = 1 };
	struct pollfd fds[1 + MAX_CLIENTS];	/* fds[0]: the listener */
	nfds_t nfds = 1;
	const char *what;
	sigset_t waitmask;
	uint16_t port;
	int lfd, on = 1, paused = 0, status = EX_OK;

	if (argc != 2 || parse_port(argv[1], &port) == -1) {
		fprintf(stderr, "usage: %s PORT   (PORT a decimal number 0..65535)\n", argv[0]);
		return EX_USAGE;
	}
	if (catch_signals(&waitmask) == -1)
		err(EX_OSERR, "signals");
	lfd = open_tcp_server(port, SOMAXCONN, &what);
	if (lfd == -1)
		err(EX_OSERR, "%s (TCP port %u)", what, (unsigned int)port);
	if (say_listening(lfd) == -1)
		err(EX_OSERR, "getsockname");

	while (!stop_requested) {
		int n, cfd;

		/* poll skips a negative descriptor: the listener, while full or paused. */
		fds[0] = (struct pollfd){
			.fd = paused || nfds > MAX_CLIENTS ? -1 : lfd, .events = POLLIN,
		};
		n = ppoll(fds, nfds, paused ? &backoff : NULL, &waitmask);
		if (n == -1) {
			if (errno == EINTR)	/* a signal: the loop test decides */
				continue;
			warn("ppoll");
			status = EX_OSERR;
			break;
		}
		paused = 0;
		/* POLLHUP and POLLERR come without being asked for; recv tells which. */
		for (nfds_t i = 1; i < nfds;) {
			if (fds[i].revents == 0 || discard_some(fds[i].fd)) {
				i++;
				continue;
			}
			close(fds[i].fd);
			/* The last entry moves here, revents and all: look at index i again. */
			fds[i] = fds[--nfds];
		}
		if (!(fds[0].revents & POLLIN))
			continue;
		cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			enum accept_failure failure = accept_failure(errno);

			if (failure == ACCEPT_FAIL) {
				warn("accept");
				status = EX_OSERR;
				break;
			}
			if (failure == ACCEPT_PAUSE) {
				warn("accept");
				paused = 1;
			}
			continue;
		}
		/* Without keepalive, a peer that vanished without a word would hold its slot for ever. */
		if (setsockopt(cfd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == -1)
			warn("setsockopt SO_KEEPALIVE");
		fds[nfds++] = (struct pollfd){ .fd = cfd, .events = POLLIN };
	}
	for (nfds_t i = 1; i < nfds; i++)
		close(fds[i].fd);
	close(lfd);
	return status;
}
