/*
 * pool_server - a TCP echo server whose accept loop hands each connection to a pool of threads.
 *
 * usage: pool_server [-t SECONDS] PORT WORKERS   (PORT 0..65535, 0: any free port;
 *                                               WORKERS 1..256)
 *        -t  how long one client may hold a worker in all (1..3600, default 60)
 * out:   nothing on stdout; "listening on port N" on stderr once it accepts connections
 * exit:  0 stopped by SIGTERM or SIGINT, 64 usage (arguments, PORT, WORKERS, SECONDS),
 *        70 the pool failed to stop (cannot happen),
 *        71 socket, bind (port in use), listen, signalfd, threads or memory failed
 * try:   ./pool_server 5000 4     and elsewhere:  nc ::1 5000; nc 127.0.0.1 5000
 * text:  chapter 9, "Worker Pools" (the prethreaded server of UNP, built on worker_pool.h)
 * build: cc -pthread -o pool_server pool_server.c worker_pool.c
 *
 * WORKERS clients are served at once; up to 64 more wait in the queue for a
 * worker, and a connection beyond those is closed at once (refused) rather than
 * queued without bound.  A worker drops a client that sends nothing for 10 s,
 * or does not read its echo for 10 s: otherwise WORKERS silent clients would
 * hold every worker for ever.  And a client holds its worker for at most
 * SECONDS (-t) in all, however it sends: a client that trickles one byte every
 * few seconds restarts the idle timer each time, but not this deadline.  Refused
 * connections are logged at most once a second, with a count.  On SIGTERM or
 * SIGINT the server stops accepting, echoes to every connection it had accepted
 * what that client had sent by then, closes it, joins the workers, frees
 * everything and exits 0.
 */
#define _GNU_SOURCE	/* accept4, pipe2 and signalfd are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <sysexits.h>
#include <unistd.h>

#include "worker_pool.h"

#define MAX_WORKERS	256
#define QUEUE_MAX	64	/* accepted connections that may wait for a worker */
#define IDLE_SECONDS	10
#define SESSION_SECONDS	60	/* the default of -t */
#define SESSION_MAX	3600

/* What a worker needs to serve one connection; the job frees it. */
struct conn {
	int cfd;
	int stopfd;	/* becomes readable (end of file) when the server stops */
	long long deadline_ms;	/* now_ms() past which the client is dropped (-t) */
};

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

/* The same strictness for the number of workers, 1..MAX_WORKERS. */
static int
parse_workers(const char *text, size_t *workers)
{
	char *end;
	long value;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || value < 1 || value > MAX_WORKERS)
		return -1;
	*workers = (size_t)value;
	return 0;
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
 * The job: echo one client until it closes, resets, stays silent for
 * IDLE_SECONDS, or the server stops.  It reports nothing: whatever goes
 * wrong with one client is that client's end, never the server's.
 */
static void
serve(void *arg)
{
	struct conn *c = arg;
	char buf[16384];
	struct pollfd pfd[2] = {
		{ .fd = c->cfd, .events = POLLIN },
		{ .fd = c->stopfd, .events = POLLIN },
	};
	int left = -1;		/* bytes still to echo after the stop; -1 before it */
	ssize_t n;

	for (;;) {
		if (left == -1) {
			long long rest = c->deadline_ms - now_ms();
			int ready;

			if (rest <= 0)
				break;	/* held its worker for SECONDS: the deadline cannot move */
			ready = poll(pfd, 2, rest < IDLE_SECONDS * 1000LL ? (int)rest : IDLE_SECONDS * 1000);

			if (ready == -1 && errno == EINTR)
				continue;
			if (ready <= 0)
				break;	/* silent for IDLE_SECONDS, the deadline, or poll failed */
			if (pfd[1].revents != 0) {
				/*
				 * Stopping: what the client sent before now is in the
				 * socket's receive queue (FIONREAD counts it); echo that
				 * and no more, so no client can keep the server alive.
				 */
				if (ioctl(c->cfd, FIONREAD, &left) == -1 || left < 0)
					left = 0;
				continue;
			}
		}
		if (left == 0)
			break;
		n = recv(c->cfd, buf, left > 0 && (size_t)left < sizeof buf ? (size_t)left : sizeof buf,
		    left > 0 ? MSG_DONTWAIT : 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* 0: the client shut its side; -1: it reset */
		if (left > 0)
			left -= (int)n;
		if (send_all(c->cfd, buf, (size_t)n) == -1)
			break;
	}
	close(c->cfd);
	free(c);
}

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

/*
 * Hands a new connection to the pool.  Any failure refuses it (closes it):
 * one connection more or less is never worth stopping the server for.
 */
static void
hand_over(struct thread_safe_queue *q, int cfd, int stopfd, int session_seconds,
    struct log_limit *refusals)
{
	/* Bounds each send: a client that never reads must not hold a worker for ever. */
	const struct timeval idle = { .tv_sec = IDLE_SECONDS };
	struct conn *c;
	int rc;

	if (setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &idle, sizeof idle) == -1) {
		warnx_limited(refusals, "setsockopt SO_SNDTIMEO: %s: refused a connection",
		    strerror(errno));
		close(cfd);
		return;
	}
	c = malloc(sizeof *c);
	if (c == NULL) {
		warnx_limited(refusals, "malloc: %s: refused a connection", strerror(errno));
		close(cfd);
		return;
	}
	c->cfd = cfd;
	c->stopfd = stopfd;
	c->deadline_ms = now_ms() + (long long)session_seconds * 1000;
	rc = tsq_add_job(q, serve, c);
	if (rc != 0) {
		if (rc == EAGAIN)
			warnx_limited(refusals, "%d connections wait for a worker already: refused one",
			    QUEUE_MAX);
		else
			warnx_limited(refusals, "tsq_add_job: %s: refused a connection", strerror(rc));
		close(cfd);
		free(c);
	}
}

/* canon: parse_seconds (see CONTRIBUTING.md) */
/*
 * A number of seconds: a decimal 1..MAX and nothing else, as strict as
 * parse_port.  Returns 0, or -1 when TEXT is not one.
 */
static int
parse_seconds(const char *text, int max, int *seconds)
{
	char *end;
	long value;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || value < 1 || value > max)
		return -1;
	*seconds = (int)value;
	return 0;
}
/* end canon: parse_seconds */

static int
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-t SECONDS] PORT WORKERS   (PORT 0..65535, WORKERS 1..%d, "
	    "SECONDS 1..%d)\n", prog, MAX_WORKERS, SESSION_MAX);
	return EX_USAGE;
}

int
main(int argc, char *argv[])
{
	const struct sigaction ignore = { .sa_handler = SIG_IGN };
	struct thread_safe_queue *q;
	struct worker_pool *p;
	struct pollfd pfd[2];
	struct signalfd_siginfo si;
	sigset_t stopsigs;
	const char *what;
	uint16_t port;
	size_t workers;
	struct log_limit refusals = { 0 };
	int lfd, sigfd, stop[2], rc, opt, session_seconds = SESSION_SECONDS;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't' || parse_seconds(optarg, SESSION_MAX, &session_seconds) == -1)
			return usage(argv[0]);
	}
	if (argc - optind != 2 || parse_port(argv[optind], &port) == -1 ||
	    parse_workers(argv[optind + 1], &workers) == -1)
		return usage(argv[0]);

	/* A client that resets while we write must end that client, not the server. */
	if (sigaction(SIGPIPE, &ignore, NULL) == -1)
		err(EX_OSERR, "sigaction SIGPIPE");
	/*
	 * SIGTERM and SIGINT are blocked before any worker exists, so every
	 * thread inherits the mask and none is interrupted by them; the accept
	 * loop reads them from a signalfd like any other event.  No handler, no
	 * flag shared between threads.
	 */
	if (sigemptyset(&stopsigs) == -1 || sigaddset(&stopsigs, SIGTERM) == -1 ||
	    sigaddset(&stopsigs, SIGINT) == -1)
		err(EX_SOFTWARE, "sigaddset");
	rc = pthread_sigmask(SIG_BLOCK, &stopsigs, NULL);
	if (rc != 0)
		errx(EX_OSERR, "pthread_sigmask: %s", strerror(rc));
	sigfd = signalfd(-1, &stopsigs, SFD_CLOEXEC);
	if (sigfd == -1)
		err(EX_OSERR, "signalfd");

	/* The most the kernel allows: a burst of clients must not find the queue full. */
	lfd = open_tcp_server(port, SOMAXCONN, &what);
	if (lfd == -1)
		err(EX_OSERR, "%s port %u", what, (unsigned int)port);

	/*
	 * Closing stop[1] is the broadcast that tells every worker to finish:
	 * the read end then polls readable (end of file) for all of them at
	 * once, for good, with no lock and no signal.
	 */
	if (pipe2(stop, O_CLOEXEC) == -1)
		err(EX_OSERR, "pipe2");
	q = tsq_init_bounded(QUEUE_MAX);
	if (q == NULL)
		err(EX_OSERR, "tsq_init_bounded");
	p = wp_init(workers, q);
	if (p == NULL)
		err(EX_OSERR, "wp_init: %zu workers", workers);

	if (say_listening(lfd) == -1)
		err(EX_OSERR, "getsockname");

	pfd[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
	for (;;) {
		int cfd;

		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			err(EX_OSERR, "poll");
		}
		if (pfd[1].revents != 0)
			break;	/* SIGTERM or SIGINT */
		if (pfd[0].revents == 0)
			continue;
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd != -1) {
			hand_over(q, cfd, stop[0], session_seconds, &refusals);
			continue;
		}
		switch (errno) {
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			/*
			 * The connection stays in the backlog and the socket stays
			 * readable: pause (a signal still ends the pause) instead of
			 * spinning until a worker closes a descriptor.
			 */
			warn("accept");
			poll(&pfd[1], 1, 100);
			break;
		default:
			/* EAGAIN, ECONNABORTED, and network errors of a client that left. */
			break;
		}
	}

	/* Stop in order: no new connections (the kernel refuses them from now on) ... */
	if (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si)
		fprintf(stderr, "%s: %s: stopping\n", argv[0], strsignal((int)si.ssi_signo));
	close(lfd);
	/* ... the clients in progress finish, the queued ones get their echo ... */
	close(stop[1]);
	/* ... and every worker is joined before anything it uses is freed. */
	rc = wp_destroy(p);
	if (rc != 0)
		errx(EX_SOFTWARE, "wp_destroy: %s", strerror(rc));
	rc = tsq_destroy(q);
	if (rc != 0)
		errx(EX_SOFTWARE, "tsq_destroy: %s", strerror(rc));
	close(stop[0]);
	close(sigfd);
	return EX_OK;
}
