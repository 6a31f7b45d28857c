/*
 * echo_designs - one TCP echo server in five designs, for the server-design benchmark.
 *
 * usage: echo_designs DESIGN PORT    (DESIGN iterative, fork, select, poll or epoll;
 *                                     PORT 0..65535, 0: any free port)
 * out:   nothing on stdout; "listening on port N" on stderr once it accepts connections
 *        (the house rule: with PORT 0, that line is how a caller learns the port).
 *        To each client, exactly the bytes it sent; when the client half-closes, the
 *        rest of its echo and then the server's close.  The designs:
 *          iterative  one client at a time, blocking I/O; the others wait in the
 *                     kernel's accept queue
 *          fork       a child process per connection; SIGCHLD reaps them
 *          select     one process, select(2); a connection whose descriptor is not
 *                     below FD_SETSIZE (1024) is closed at once
 *          poll       one process, poll(2)
 *          epoll      one process, epoll(7)
 *        The multiplexed designs use non-blocking sockets and hold at most CAP bytes
 *        of echo per client: one that sends without reading is not read any further
 *        until it reads (backpressure).  A blocking design drops a client that is
 *        silent, or does not read its echo, for 10 s.  The descriptor limit is raised
 *        to its hard limit, so that the multiplexed designs can hold many connections.
 * exit:  0 on SIGTERM or SIGINT (a fork child ends with its parent), 64 usage (arguments,
 *        DESIGN, PORT), 71 socket, bind, listen, the wait call, fork or malloc failed
 * try:   ./bench/echo_designs epoll 5000     and elsewhere:  nc ::1 5000
 * text:  chapter 6, "Uniplex TCP Server"; chapter 7, "Multiplex TCP Server" and
 *        "select and poll"; chapter 8, exercise 1 (the echo service); compared by
 *        bench/designs_bench.sh
 */
#define _GNU_SOURCE	/* accept4, ppoll, pselect, epoll_pwait and prctl are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* The most echo held for one client of a multiplexed design (see "out" above). */
#define CAP 16384

/* Connections taken per wake-up, so that a flood of them cannot starve the clients. */
#define ACCEPT_BATCH 64

/* A blocking design's bound on a client that is silent or does not read. */
#define IDLE_SECONDS 10

/* epoll events taken per call. */
#define EVENTS 256

struct conn {
	int cfd;
	bool eof;		/* the client half-closed: flush its echo, then close */
	size_t start, len;	/* the pending echo is buf[start .. start + len) */
	unsigned char *buf;	/* CAP bytes, allocated with the connection */
	struct conn *prev, *next;	/* epoll: the list of every connection */
};

/* A descriptor kept in reserve, given up for a moment when accept finds the table full. */
static int reserve_fd = -1;

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

/* One SIGCHLD can stand for several children: reap all that have ended. */
static void
reap_children(int signo)
{
	int saved = errno;
	pid_t pid;

	(void)signo;
	do
		pid = waitpid(-1, NULL, WNOHANG);
	while (pid > 0);
	errno = saved;
}

/*
 * The fork design reaps its children in the SIGCHLD handler, which the
 * canon's catch_signals does not install (hence this second helper, called
 * after it): SIGCHLD, like the stop signals, stays blocked except while the
 * server waits with *WAITMASK, and its handler is installed without
 * SA_RESTART.  Returns 0, or -1 with errno set.
 */
static int
catch_children(sigset_t *waitmask)
{
	struct sigaction child = { .sa_handler = reap_children, .sa_flags = SA_NOCLDSTOP };
	sigset_t block;

	sigemptyset(&child.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &block, NULL) == -1)
		return -1;
	sigdelset(waitmask, SIGCHLD);
	return sigaction(SIGCHLD, &child, NULL);
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

/*
 * The port the kernel gave us (PORT itself, or the one it chose for PORT 0),
 * as text in SERV.  Returns 0, or -1.
 */
static int
bound_port(int sd, char *serv, socklen_t servlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;

	if (getsockname(sd, (struct sockaddr *)&ss, &sslen) == -1)
		return -1;
	/* NI_NUMERICSERV: the number itself, not a name from the services database. */
	return getnameinfo((struct sockaddr *)&ss, sslen, NULL, 0, serv, servlen,
	    NI_NUMERICSERV) == 0 ? 0 : -1;
}

/*
 * Takes one connection, FLAGS for accept4.  When the descriptor table is
 * full (EMFILE), the connection stays queued and the listener readable: a
 * server that merely retried would spin.  The reserve descriptor is closed
 * for a moment to accept that client and close it at once.  Returns the
 * descriptor, or -1: EAGAIN when the queue is empty, another errno when
 * this one connection was lost (reset while queued, out of memory).
 */
static int
accept_one(int sd, int flags)
{
	int cfd = accept4(sd, NULL, NULL, flags | SOCK_CLOEXEC);

	if (cfd == -1 && errno == EMFILE && reserve_fd != -1) {
		close(reserve_fd);
		cfd = accept4(sd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd != -1)
			close(cfd);
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		errno = EMFILE;
		return -1;
	}
	return cfd;
}

/* canon: send_all (see CONTRIBUTING.md) */
/*
 * send can write less than asked (a full socket buffer, a signal): loop until
 * all is sent.  MSG_NOSIGNAL: a peer that has gone costs EPIPE, not SIGPIPE.
 * Returns 0, or -1 with errno set (EAGAIN: a send timeout ran out, the peer
 * does not read).
 */
static int
send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}
/* end canon: send_all */

/*
 * The blocking designs' service: echo CFD until the client closes, resets,
 * stays silent for IDLE_SECONDS, or a stop signal comes (it interrupts the
 * ppoll).  Whatever goes wrong ends this client only.
 */
static void
serve_blocking(int cfd, const sigset_t *waitmask)
{
	const struct timeval idle = { .tv_sec = IDLE_SECONDS };
	const struct timespec wait = { .tv_sec = IDLE_SECONDS };
	char buf[CAP];

	/* Bounds each send: a client that never reads must not hold the server for ever. */
	if (setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &idle, sizeof idle) == -1) {
		close(cfd);
		return;
	}
	while (!stop_requested) {
		struct pollfd pfd = { .fd = cfd, .events = POLLIN };
		int ready = ppoll(&pfd, 1, &wait, waitmask);
		ssize_t n;

		if (ready == -1 && errno == EINTR)
			continue;
		if (ready <= 0)
			break;	/* silent for IDLE_SECONDS, or ppoll failed */
		/* MSG_DONTWAIT: readiness is a hint; recv must not sleep with the signals blocked. */
		n = recv(cfd, buf, sizeof buf, MSG_DONTWAIT);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;	/* 0: the client half-closed, and has all of its echo */
		if (send_all(cfd, buf, (size_t)n) == -1)
			break;
	}
	close(cfd);
}

/* Waits until the listener is readable or a signal came.  Returns 0, or -1 (errno). */
static int
wait_listener(int sd, const sigset_t *waitmask)
{
	struct pollfd pfd = { .fd = sd, .events = POLLIN };

	if (ppoll(&pfd, 1, NULL, waitmask) == -1 && errno != EINTR)
		return -1;
	return 0;
}

/* Chapter 6's uniplex server: the next client is accepted when this one is done. */
static int
run_iterative(int sd, const sigset_t *waitmask)
{
	while (!stop_requested) {
		int cfd;

		if (wait_listener(sd, waitmask) == -1)
			return -1;
		cfd = accept_one(sd, 0);
		if (cfd != -1)
			serve_blocking(cfd, waitmask);
	}
	return 0;
}

/*
 * Chapter 7's server: a child per connection.  The child closes the
 * listening socket (else it would hold the port after the parent is gone),
 * asks for SIGTERM when its parent dies (so that stopping the server stops
 * every child), and leaves with _exit (exit would flush stdio buffers
 * copied from the parent).  The parent closes its copy of the connection:
 * the client sees EOF only when the last reference is closed.
 */
static int
run_fork(int sd, const sigset_t *waitmask)
{
	pid_t parent = getpid();

	while (!stop_requested) {
		pid_t pid;
		int cfd;

		if (wait_listener(sd, waitmask) == -1)
			return -1;
		cfd = accept_one(sd, 0);
		if (cfd == -1)
			continue;
		pid = fork();
		if (pid == -1) {
			warn("fork: refused a connection");
			close(cfd);
			continue;
		}
		if (pid == 0) {
			close(sd);
			if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
				_exit(0);
			serve_blocking(cfd, waitmask);
			_exit(0);
		}
		close(cfd);
	}
	return 0;
}

/*
 * Sets up C for the new connection CFD.  Returns 0, or -1 when memory is
 * short (the connection is then closed: one client is never worth the server).
 */
static int
open_conn(struct conn *c, int cfd)
{
	unsigned char *buf = malloc(CAP);

	if (buf == NULL) {
		warnx("malloc: refused a connection");
		close(cfd);
		return -1;
	}
	*c = (struct conn){ .cfd = cfd, .eof = false, .buf = buf };
	return 0;
}

static void
close_conn(struct conn *c)
{
	close(c->cfd);
	free(c->buf);
}

/* open_conn for a connection of its own allocation; NULL when memory is short. */
static struct conn *
new_conn(int cfd)
{
	struct conn *c = malloc(sizeof *c);

	if (c == NULL) {
		warnx("malloc: refused a connection");
		close(cfd);
		return NULL;
	}
	if (open_conn(c, cfd) == -1) {
		free(c);
		return NULL;
	}
	return c;
}

static void
free_conn(struct conn *c)
{
	close_conn(c);
	free(c);
}

/* Sends what is pending for C as far as the kernel takes it now.  Returns 0, or -1 (gone). */
static int
flush_echo(struct conn *c)
{
	while (c->len > 0) {
		ssize_t n = send(c->cfd, c->buf + c->start, c->len, MSG_NOSIGNAL);

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
 * A multiplexed design's service of C after its wait said READABLE and/or
 * WRITABLE (FAILED: an error or hangup was reported).  Reads into the free
 * end of the buffer and echoes at once.  Returns 0 to keep the connection,
 * -1 to close it (reset, gone, or done: half-closed with all of its echo).
 */
static int
serve_conn(struct conn *c, bool readable, bool writable, bool failed)
{
	if (failed)
		return -1;
	if (readable && !c->eof && c->len < CAP) {
		ssize_t n;

		if (c->start + c->len == CAP) {	/* free room only at the front: compact */
			memmove(c->buf, c->buf + c->start, c->len);
			c->start = 0;
		}
		n = recv(c->cfd, c->buf + c->start + c->len, CAP - c->start - c->len, 0);
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n == 0)
			c->eof = true;
		if (n > 0)
			c->len += (size_t)n;
		writable = true;	/* try at once: the send buffer usually has room */
	}
	if (writable && flush_echo(c) == -1)
		return -1;
	return c->eof && c->len == 0 ? -1 : 0;
}

/*
 * What to wait for on C: reading stops while CAP bytes of echo are pending
 * (backpressure) and after the client's EOF (a socket at EOF is always
 * readable: waiting for it would spin); writing only while echo is pending.
 */
static bool
wants_read(const struct conn *c)
{
	return !c->eof && c->len < CAP;
}

/*
 * select(2): the sets are rebuilt before every call (select overwrites
 * them) and its first argument is the highest descriptor plus one.  An
 * fd_set holds descriptors below FD_SETSIZE only, whatever the descriptor
 * limit: FD_SET of a larger one would write past the set, so such a
 * connection is closed at once.
 */
static int
run_select(int sd, const sigset_t *waitmask)
{
	static struct conn *byfd[FD_SETSIZE];
	int status = 0;

	if (sd >= FD_SETSIZE) {
		errno = EMFILE;
		return -1;
	}
	while (!stop_requested) {
		fd_set rd, wr;
		int maxfd = sd, ready;

		FD_ZERO(&rd);
		FD_ZERO(&wr);
		FD_SET(sd, &rd);
		for (int fd = 0; fd < FD_SETSIZE; fd++) {
			if (byfd[fd] == NULL)
				continue;
			if (wants_read(byfd[fd]))
				FD_SET(fd, &rd);
			if (byfd[fd]->len > 0)
				FD_SET(fd, &wr);
			if (fd > maxfd)
				maxfd = fd;
		}
		ready = pselect(maxfd + 1, &rd, &wr, NULL, NULL, waitmask);
		if (ready == -1) {
			if (errno == EINTR)
				continue;
			status = -1;
			break;
		}
		for (int fd = 0; fd <= maxfd; fd++) {
			if (fd == sd || byfd[fd] == NULL || (!FD_ISSET(fd, &rd) && !FD_ISSET(fd, &wr)))
				continue;
			if (serve_conn(byfd[fd], FD_ISSET(fd, &rd), FD_ISSET(fd, &wr), false) == -1) {
				free_conn(byfd[fd]);
				byfd[fd] = NULL;
			}
		}
		for (int k = 0; FD_ISSET(sd, &rd) && k < ACCEPT_BATCH; k++) {
			int cfd = accept_one(sd, SOCK_NONBLOCK);

			if (cfd == -1) {
				if (errno == EAGAIN)
					break;
				continue;
			}
			if (cfd >= FD_SETSIZE) {
				close(cfd);
				continue;
			}
			byfd[cfd] = new_conn(cfd);
		}
	}
	for (int fd = 0; fd < FD_SETSIZE; fd++)
		if (byfd[fd] != NULL)
			free_conn(byfd[fd]);
	return status;
}

/* poll(2): pfd[0] is the listener, pfd[i + 1] is connection cl[i]. */
struct poll_set {
	struct pollfd *pfd;
	struct conn *cl;
	size_t n, cap;
};

/*
 * Room for one more connection: both arrays grow together, doubling.  Not the
 * canon make_room (whose struct server is the exercises'), hence another name.
 * Returns 0, or -1.
 */
static int
make_poll_room(struct poll_set *s)
{
	struct pollfd *pfd;
	struct conn *cl;
	size_t cap;

	if (s->n < s->cap)
		return 0;
	cap = s->cap == 0 ? 64 : s->cap * 2;
	cl = realloc(s->cl, cap * sizeof *cl);
	if (cl == NULL)
		return -1;
	s->cl = cl;
	pfd = realloc(s->pfd, (cap + 1) * sizeof *pfd);
	if (pfd == NULL)
		return -1;
	s->pfd = pfd;
	s->cap = cap;
	return 0;
}

/*
 * poll(2): one array of every descriptor, given to the kernel whole at every
 * call, which looks at each one: the cost of a call grows with the number of
 * connections, busy or not.  A closed connection's place is taken by the
 * last one, whose index is then looked at again.
 */
static int
run_poll(int sd, const sigset_t *waitmask)
{
	struct poll_set s = { .n = 0 };
	int status = 0;

	if (make_poll_room(&s) == -1)
		status = -1;
	while (status == 0 && !stop_requested) {
		size_t i;

		s.pfd[0] = (struct pollfd){ .fd = sd, .events = POLLIN };
		for (i = 0; i < s.n; i++) {
			short ev = wants_read(&s.cl[i]) ? POLLIN : 0;

			if (s.cl[i].len > 0)
				ev |= POLLOUT;
			s.pfd[i + 1] = (struct pollfd){ .fd = s.cl[i].cfd, .events = ev };
		}
		if (ppoll(s.pfd, s.n + 1, NULL, waitmask) == -1) {
			if (errno == EINTR)
				continue;
			status = -1;
			break;
		}
		for (i = 0; i < s.n;) {
			short re = s.pfd[i + 1].revents;

			if (re != 0 && serve_conn(&s.cl[i], re & POLLIN, re & POLLOUT,
			    re & (POLLERR | POLLHUP | POLLNVAL)) == -1) {
				close_conn(&s.cl[i]);
				s.n--;
				s.cl[i] = s.cl[s.n];
				s.pfd[i + 1] = s.pfd[s.n + 1];
				continue;	/* the last connection now sits at I */
			}
			i++;
		}
		for (int k = 0; (s.pfd[0].revents & POLLIN) && k < ACCEPT_BATCH; k++) {
			int cfd = accept_one(sd, SOCK_NONBLOCK);
			struct conn c;

			if (cfd == -1) {
				if (errno == EAGAIN)
					break;
				continue;
			}
			if (open_conn(&c, cfd) == -1)
				continue;
			if (make_poll_room(&s) == -1) {
				warnx("realloc: refused a connection");
				close_conn(&c);
				break;
			}
			s.cl[s.n++] = c;
		}
	}
	while (s.n > 0)
		close_conn(&s.cl[--s.n]);
	free(s.cl);
	free(s.pfd);
	return status;
}

/* Tells epoll what C waits for now.  Returns 0, or -1 (errno). */
static int
epoll_interest(int ep, struct conn *c, int op)
{
	struct epoll_event ev = { .events = wants_read(c) ? EPOLLIN : 0, .data.ptr = c };

	if (c->len > 0)
		ev.events |= EPOLLOUT;
	return epoll_ctl(ep, op, c->cfd, &ev);
}

/*
 * epoll(7): the kernel keeps the interest list between calls and returns
 * only the ready descriptors, so a call costs what is ready, not what is
 * connected.  Level-triggered, like poll.  The listener's data is NULL.
 */
static int
run_epoll(int sd, const sigset_t *waitmask)
{
	struct epoll_event events[EVENTS];
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
	struct conn *all = NULL;	/* every connection, to free them at the end */
	int ep, status = 0;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep == -1)
		return -1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sd, &lev) == -1) {
		close(ep);
		return -1;
	}
	while (!stop_requested) {
		int n = epoll_pwait(ep, events, EVENTS, -1, waitmask);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			status = -1;
			break;
		}
		for (int e = 0; e < n; e++) {
			struct conn *c = events[e].data.ptr;
			uint32_t re = events[e].events;
			bool wanted_in, wanted_out;

			if (c == NULL) {
				for (int k = 0; k < ACCEPT_BATCH; k++) {
					int cfd = accept_one(sd, SOCK_NONBLOCK);

					if (cfd == -1) {
						if (errno == EAGAIN)
							break;
						continue;
					}
					c = new_conn(cfd);
					if (c == NULL)
						continue;
					if (epoll_interest(ep, c, EPOLL_CTL_ADD) == -1) {
						free_conn(c);
						continue;
					}
					c->prev = NULL;
					c->next = all;
					if (all != NULL)
						all->prev = c;
					all = c;
				}
				continue;
			}
			wanted_in = wants_read(c);
			wanted_out = c->len > 0;
			/* epoll_ctl is a system call: made only when what C waits for changes. */
			if (serve_conn(c, re & EPOLLIN, re & EPOLLOUT, re & (EPOLLERR | EPOLLHUP)) == -1 ||
			    ((wanted_in != wants_read(c) || wanted_out != (c->len > 0)) &&
			    epoll_interest(ep, c, EPOLL_CTL_MOD) == -1)) {
				/* Closing removes it from the interest list; it leaves ours. */
				if (c->prev != NULL)
					c->prev->next = c->next;
				else
					all = c->next;
				if (c->next != NULL)
					c->next->prev = c->prev;
				free_conn(c);
				/* No later event of this batch is C's: epoll reports a descriptor once. */
			}
		}
	}
	while (all != NULL) {
		struct conn *next = all->next;

		free_conn(all);
		all = next;
	}
	close(ep);
	return status;
}

/*
 * Up to the hard limit: many connections need many descriptors (select
 * still serves only those below FD_SETSIZE).  Failure leaves the limit as it was.
 */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char *argv[])
{
	static const struct {
		const char *name;
		int (*run)(int, const sigset_t *);
	} designs[] = {
		{ "iterative", run_iterative },
		{ "fork", run_fork },
		{ "select", run_select },
		{ "poll", run_poll },
		{ "epoll", run_epoll },
	};
	int (*run)(int, const sigset_t *) = NULL;
	const char *what;
	char serv[NI_MAXSERV];
	sigset_t waitmask;
	uint16_t port;
	int sd, status = EX_OK;

	for (size_t i = 0; argc == 3 && i < sizeof designs / sizeof designs[0]; i++)
		if (strcmp(argv[1], designs[i].name) == 0)
			run = designs[i].run;
	if (argc != 3 || run == NULL || parse_port(argv[2], &port) == -1) {
		fprintf(stderr, "usage: %s iterative|fork|select|poll|epoll PORT   "
		    "(PORT a decimal number 0..65535)\n", argv[0]);
		return EX_USAGE;
	}
	if (catch_signals(&waitmask) == -1 || catch_children(&waitmask) == -1)
		err(EX_OSERR, "signals");
	raise_fd_limit();
	/* The most the kernel allows: a burst of connects overflows a short queue. */
	sd = open_tcp_server(port, SOMAXCONN, &what);
	if (sd == -1)
		err(EX_OSERR, "%s (TCP port %u)", what, (unsigned int)port);
	reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (bound_port(sd, serv, sizeof serv) == -1)
		err(EX_OSERR, "getsockname");
	/* stderr is unbuffered: the line is out before the first accept. */
	fprintf(stderr, "listening on port %s\n", serv);
	if (run(sd, &waitmask) == -1) {
		warn("%s", argv[1]);
		status = EX_OSERR;
	}
	if (reserve_fd != -1)
		close(reserve_fd);
	close(sd);
	return status;
}
