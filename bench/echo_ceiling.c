/*
 * echo_ceiling - the plainest fast echo server: one thread, epoll, nothing else.
 *
 * usage: echo_ceiling PORT          (PORT 0..65535, 0: any free port)
 * out:   nothing on stdout; "listening on port N" on stderr once it accepts.
 *        To each client, exactly the bytes it sent, then the server's close once
 *        the client has half-closed and has all of its echo.
 * exit:  0 on SIGTERM or SIGINT, 64 usage, 71 socket, bind, listen or epoll failed
 * try:   ./bench/echo_ceiling 5000     and elsewhere:  nc ::1 5000
 * text:  chapter 7, "select and poll" (the ceiling that bench/designs_bench.sh
 *        measures the course's designs against)
 *
 * The ceiling of bench/designs_bench.sh: what a single-threaded event loop on
 * this machine does with no design of its own in the way.  Compared with
 * echo_designs' epoll design it leaves out everything that is about serving
 * many clients fairly rather than fast: no accept batch (it accepts until the
 * queue is empty), no per-connection allocation of its own besides one 64 KiB
 * buffer, one recv then one send per readiness.  A client whose echo does not
 * fit the socket's send buffer has the rest kept, and is not read again until
 * that rest is sent: an echo server that dropped bytes would be no ceiling.
 */
#define _GNU_SOURCE	/* accept4, epoll_pwait and SOCK_NONBLOCK are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#define BUFSIZE 65536
#define EVENTS 256

struct conn {
	int fd;
	size_t start, len;	/* the echo not yet sent: buf[start .. start + len) */
	unsigned char buf[BUFSIZE];
};

/* Every connection by descriptor, so that all are freed at the end. */
static struct conn **byfd;
static size_t nfd;

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

static void
drop(struct conn *c)
{
	byfd[c->fd] = NULL;
	close(c->fd);	/* closing takes it off the epoll interest list */
	free(c);
}

/* Sends the pending echo as far as the kernel takes it.  0, or -1 when the client is gone. */
static int
flush(struct conn *c)
{
	while (c->len > 0) {
		ssize_t n = send(c->fd, c->buf + c->start, c->len, MSG_NOSIGNAL);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		c->start += (size_t)n;
		c->len -= (size_t)n;
	}
	c->start = 0;
	return 0;
}

/*
 * One readiness of C: send what is pending; with nothing pending, one recv
 * and its echo.  Interest is EPOLLIN while nothing is pending, EPOLLOUT
 * while something is (backpressure).  Returns 0 to keep C, -1 to drop it.
 */
static int
serve(int ep, struct conn *c, uint32_t events)
{
	bool was_pending = c->len > 0;

	if (events & EPOLLERR)
		return -1;
	if (flush(c) == -1)
		return -1;
	if (c->len == 0) {
		ssize_t n = recv(c->fd, c->buf, BUFSIZE, 0);

		if (n == 0)
			return -1;	/* half-closed, and every byte was echoed */
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n > 0) {
			c->len = (size_t)n;
			if (flush(c) == -1)
				return -1;
		}
	}
	if (was_pending != (c->len > 0)) {
		struct epoll_event ev = { .events = c->len > 0 ? EPOLLOUT : EPOLLIN, .data.ptr = c };

		if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) == -1)
			return -1;
	}
	return 0;
}

/* Accepts until the queue is empty; a connection that cannot be set up is closed. */
static void
accept_all(int ep, int sd)
{
	for (;;) {
		int fd = accept4(sd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN };
		struct conn *c;

		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;	/* EAGAIN: empty; EMFILE and the like: try at the next wake-up */
		}
		c = (size_t)fd < nfd ? malloc(sizeof *c) : NULL;
		if (c == NULL) {
			close(fd);
			continue;
		}
		/* Field by field: a compound literal would also zero the 64 KiB buffer. */
		c->fd = fd;
		c->start = c->len = 0;
		byfd[fd] = c;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
			drop(c);
	}
}

int
main(int argc, char *argv[])
{
	struct epoll_event events[EVENTS], lev = { .events = EPOLLIN, .data.ptr = NULL };
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	char serv[NI_MAXSERV];
	sigset_t waitmask;
	const char *what;
	struct rlimit rl;
	uint16_t port;
	int sd, ep;

	if (argc != 2 || parse_port(argv[1], &port) == -1) {
		fprintf(stderr, "usage: %s PORT   (PORT a decimal number 0..65535)\n", argv[0]);
		return EX_USAGE;
	}
	/* SIGINT and SIGTERM are let in only inside epoll_pwait: none is lost before the wait. */
	if (catch_signals(&waitmask) == -1)
		err(EX_OSERR, "signals");
	/* Many connections need many descriptors: up to the hard limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	nfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (1u << 20) ? (size_t)rl.rlim_cur
	    : (size_t)1 << 20;
	byfd = calloc(nfd, sizeof(struct conn *));
	if (byfd == NULL)
		err(EX_OSERR, "calloc");
	sd = open_tcp_server(port, SOMAXCONN, &what);
	if (sd == -1)
		err(EX_OSERR, "%s (TCP port %u)", what, (unsigned int)port);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep == -1 || epoll_ctl(ep, EPOLL_CTL_ADD, sd, &lev) == -1)
		err(EX_OSERR, "epoll");
	if (getsockname(sd, (struct sockaddr *)&ss, &sslen) == -1 ||
	    getnameinfo((struct sockaddr *)&ss, sslen, NULL, 0, serv, sizeof serv, NI_NUMERICSERV) != 0)
		err(EX_OSERR, "getsockname");
	fprintf(stderr, "listening on port %s\n", serv);
	while (!stop_requested) {
		int n = epoll_pwait(ep, events, EVENTS, -1, &waitmask);

		if (n == -1 && errno != EINTR)
			err(EX_OSERR, "epoll_pwait");
		for (int i = 0; i < n; i++) {
			struct conn *c = events[i].data.ptr;

			if (c == NULL)
				accept_all(ep, sd);
			else if (serve(ep, c, events[i].events) == -1)
				drop(c);	/* epoll reports a descriptor once a call: no later event is C's */
		}
	}
	for (size_t fd = 0; fd < nfd; fd++)
		if (byfd[fd] != NULL)
			drop(byfd[fd]);
	free(byfd);
	close(ep);
	close(sd);
	return EX_OK;
}
