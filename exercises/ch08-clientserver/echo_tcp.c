/*
 * echo_tcp - the echo service of RFC 862 over TCP: every byte a client sends comes back to it.
 *
 * usage: echo_tcp PORT
 * out:   to each client, exactly the bytes it sent, in order (binary-safe: NULs, no lines);
 *        when the client half-closes, the rest of its echo and then the server's close.
 *        Clients are served at once from one process (poll); one that sends without
 *        reading stops being read once 64 KiB of its echo are pending, so it can neither
 *        grow the server nor hold up the others.  All clients together hold at most
 *        16 MiB of echo (256 buffers, taken while echo is pending and given back when
 *        it is sent): past that, clients wait, unread, for a buffer.  A client whose
 *        pending echo has not moved for 10 s (it does not read, half-closed or not) is
 *        dropped.  A client the server has no memory for is refused (closed), not the
 *        end of the server.  "listening on port N" on stderr once it accepts; nothing
 *        on stdout; problems on stderr, at most one line a second of each kind.
 * exit:  0 after SIGINT or SIGTERM, 64 usage (arguments, PORT not a decimal 0..65535),
 *        71 socket/bind/listen/poll/malloc failed (a port in use, a port below 1024
 *        without privilege)
 * try:   ./echo_tcp 5000     and elsewhere:  nc ::1 5000     (type lines; each comes back)
 * text:  chapter 8, "Exercises", exercise 1
 */
#define _GNU_SOURCE	/* ppoll, accept4 and SOCK_NONBLOCK are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/*
 * The most echo the server holds for one client.  While that much is
 * pending the client is not read: its bytes wait in the kernel's buffers,
 * then TCP's window closes and the client's own send blocks.  That is
 * backpressure: the memory a client costs is bounded by CAP, whatever it does.
 */
#define CAP 65536

/*
 * Buffers for all clients together: 256 of CAP bytes, 16 MiB.  Idle clients
 * hold none: a buffer is taken when a client's bytes are read and given back
 * once its echo is sent, so 2,000 clients that send without reading cost
 * 16 MiB, not 2,000 buffers.
 */
#define MAX_BUFFERS 256

/* A client whose pending echo does not move for this long (ms) is dropped. */
#define STALL_MS 10000

/* Connections taken per wake-up, so that a flood of them cannot starve the clients. */
#define ACCEPT_BATCH 64

/* How long to stop accepting after running out of descriptors (EMFILE), in ms. */
#define PAUSE_MS 200

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

struct client {
	int cfd;
	bool eof;		/* the client half-closed: flush its echo, then close */
	size_t start, len;	/* the pending echo is buf[start .. start + len) */
	unsigned char *buf;	/* CAP bytes while echo is pending, else NULL */
	long long moved_ms;	/* now_ms() when its echo last moved (for STALL_MS) */
};

/* The clients, and the poll set: pfd[0] is the listener, pfd[i + 1] is client i. */
struct server {
	struct client *cl;
	struct pollfd *pfd;
	size_t n, cap;
	size_t buffers;		/* client buffers allocated, at most MAX_BUFFERS */
	struct log_limit refused;	/* "no memory for a client" lines */
};

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

/* canon: make_room (see CONTRIBUTING.md) */
/*
 * Room for one more client: the clients S->cl and the poll set S->pfd (one
 * entry more, the listener's) grow together, doubling.  Returns 0, or -1.
 */
static int
make_room(struct server *s)
{
	struct client *cl;
	struct pollfd *pfd;
	size_t cap;

	if (s->n < s->cap)
		return 0;
	cap = s->cap > 0 ? s->cap * 2 : 16;
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
/* end canon: make_room */

/*
 * Closes client I and moves the last one into its place: the caller must
 * look at index I again, or the client moved there would be skipped.
 */
static void
drop_client(struct server *s, size_t i)
{
	close(s->cl[i].cfd);
	if (s->cl[i].buf != NULL) {
		free(s->cl[i].buf);
		s->buffers--;
	}
	s->n--;
	if (i != s->n) {
		s->cl[i] = s->cl[s->n];
		s->pfd[i + 1] = s->pfd[s->n + 1];
	}
	s->cl[s->n].buf = NULL;	/* the slot left behind owns nothing */
}

/*
 * Takes the connections waiting on the listener.  accept failing for a
 * reason of the new connection's (it was reset while queued: ECONNABORTED,
 * or a network error Linux passes on) only loses that one.  Out of
 * descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM), the connection
 * stays queued and the listener stays readable: polling it again at once
 * would spin at full CPU.  So the listener is left out of the poll set
 * until a client leaves or PAUSE_MS has passed (*PAUSED).  No memory for one
 * more client refuses that client only.
 */
static void
accept_clients(struct server *s, int sd, bool *paused)
{
	for (int k = 0; k < ACCEPT_BATCH; k++) {
		struct client c = { .eof = false };

		c.cfd = accept4(sd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c.cfd == -1) {
			if (errno == EAGAIN)
				return;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				warn("accept (pausing for %d ms)", PAUSE_MS);
				*paused = true;
				return;
			}
			if (errno != EINTR)
				warn("accept");
			continue;
		}
		if (make_room(s) == -1) {
			warnx_limited(&s->refused, "no memory for one more client: refused it");
			close(c.cfd);
			continue;
		}
		s->cl[s->n++] = c;
	}
}

/*
 * Sends what is pending for C as far as the kernel takes it now.  Returns
 * 0, or -1 when the connection is finished (reset, gone: EPIPE).
 */
static int
flush_echo(struct server *s, struct client *c)
{
	while (c->len > 0) {
		/* MSG_NOSIGNAL as well as the ignored SIGPIPE: either alone would do. */
		ssize_t n = send(c->cfd, c->buf + c->start, c->len, MSG_NOSIGNAL);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		c->start += (size_t)n;
		c->len -= (size_t)n;
		c->moved_ms = now_ms();
	}
	/* All sent: the buffer goes back for another client. */
	c->start = 0;
	if (c->buf != NULL) {
		free(c->buf);
		c->buf = NULL;
		s->buffers--;
	}
	return 0;
}

/*
 * Reads what client C sent into the free end of its buffer and echoes it
 * at once.  Returns 0, or -1 when the connection is finished.
 */
static int
read_client(struct server *s, struct client *c)
{
	ssize_t n;

	if (c->buf == NULL) {	/* wanted() asks for POLLIN only if one may be taken */
		c->buf = malloc(CAP);
		if (c->buf == NULL) {
			warnx_limited(&s->refused, "no memory for a client's echo: dropped it");
			return -1;
		}
		s->buffers++;
		c->start = c->len = 0;
		c->moved_ms = now_ms();
	}
	if (c->start + c->len == CAP) {	/* free room only at the front: compact */
		memmove(c->buf, c->buf + c->start, c->len);
		c->start = 0;
	}
	n = recv(c->cfd, c->buf + c->start + c->len, CAP - c->start - c->len, 0);
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		c->eof = true;	/* a half-close: the echo still goes out */
	c->len += (size_t)n;
	return flush_echo(s, c);
}

/*
 * What poll should wait for on client C.  Reading stops while CAP bytes of
 * echo are pending (backpressure) and after the client's EOF (a socket at
 * EOF is always readable: polling it would spin).  POLLOUT only while there
 * is something to send.  Not POLLIN either while all MAX_BUFFERS are taken
 * by others: the client then waits, unread.  POLLHUP and POLLERR are
 * reported whatever is asked.
 */
static short
wanted(const struct server *s, const struct client *c)
{
	short ev = 0;

	if (!c->eof && c->len < CAP && (c->buf != NULL || s->buffers < MAX_BUFFERS))
		ev |= POLLIN;
	if (c->len > 0)
		ev |= POLLOUT;
	return ev;
}

/*
 * Serves client I after poll.  POLLERR (a reset) and POLLHUP (both
 * directions closed) end the client: nothing sent to it could arrive.
 * Returns 0 to keep it, -1 to drop it.
 */
static int
serve_client(struct server *s, struct client *c, short revents)
{
	if (revents & (POLLERR | POLLHUP | POLLNVAL))
		return -1;
	if ((revents & POLLIN) && read_client(s, c) == -1)
		return -1;
	if ((revents & POLLOUT) && flush_echo(s, c) == -1)
		return -1;
	/* The client said it was done and has all of its echo: close, which sends our FIN. */
	if (c->eof && c->len == 0)
		return -1;
	return 0;
}

/* The main loop: returns when a signal came (0) or poll failed (-1, errno set). */
static int
serve(struct server *s, int sd, const sigset_t *waitmask)
{
	bool paused = false;
	long long paused_at = 0;

	while (!stop_requested) {
		struct timespec wait_left;
		const struct timespec *timeout = NULL;
		long long now, next, wait_ms = -1;	/* -1: no deadline, wait for an event */
		size_t i;

		/*
		 * Clients whose echo has not moved for STALL_MS go (they do not
		 * read); the next such deadline bounds the wait.
		 */
		now = now_ms();
		next = -1;
		for (i = 0; i < s->n;) {
			if (s->cl[i].len > 0) {
				long long due = s->cl[i].moved_ms + STALL_MS;

				if (due <= now) {
					drop_client(s, i);
					paused = false;
					continue;	/* the last client now sits at I */
				}
				if (next == -1 || due < next)
					next = due;
			}
			i++;
		}
		if (next != -1)
			wait_ms = next - now;
		if (paused) {
			long long left = paused_at + PAUSE_MS - now;

			if (left <= 0)
				paused = false;
			else if (wait_ms == -1 || left < wait_ms)
				wait_ms = left;
		}
		if (wait_ms >= 0) {
			wait_left.tv_sec = wait_ms / 1000;
			wait_left.tv_nsec = (wait_ms % 1000) * 1000000;
			timeout = &wait_left;
		}
		s->pfd[0] = (struct pollfd){ .fd = sd, .events = paused ? 0 : POLLIN };
		for (i = 0; i < s->n; i++)
			s->pfd[i + 1] = (struct pollfd){ .fd = s->cl[i].cfd,
			    .events = wanted(s, &s->cl[i]) };
		if (ppoll(s->pfd, s->n + 1, timeout, waitmask) == -1) {
			if (errno == EINTR)	/* a signal: the loop test decides */
				continue;
			return -1;
		}
		/* Clients first: accepting may move the arrays (realloc). */
		for (i = 0; i < s->n;) {
			if (s->pfd[i + 1].revents != 0 &&
			    serve_client(s, &s->cl[i], s->pfd[i + 1].revents) == -1) {
				drop_client(s, i);
				paused = false;	/* a descriptor is free again */
				continue;	/* the last client now sits at I */
			}
			i++;
		}
		if (s->pfd[0].revents & POLLIN) {
			bool was = paused;

			accept_clients(s, sd, &paused);
			if (paused && !was)
				paused_at = now_ms();
		}
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct server s = { .cap = 16 };
	const char *what;
	sigset_t waitmask;
	uint16_t port;
	int sd, status = EX_OK;

	if (argc != 2 || parse_port(argv[1], &port) == -1) {
		fprintf(stderr, "usage: %s PORT   (PORT a decimal number 0..65535)\n", argv[0]);
		return EX_USAGE;
	}
	if (catch_signals(&waitmask) == -1)
		err(EX_OSERR, "signals");
	sd = open_tcp_server(port, SOMAXCONN, &what);
	if (sd == -1)
		err(EX_OSERR, "%s (TCP port %u)", what, (unsigned int)port);
	if (say_listening(sd) == -1)
		err(EX_OSERR, "getsockname");
	s.cl = malloc(s.cap * sizeof *s.cl);
	s.pfd = malloc((s.cap + 1) * sizeof *s.pfd);
	if (s.cl == NULL || s.pfd == NULL) {
		warn("malloc");
		status = EX_OSERR;
	} else if (serve(&s, sd, &waitmask) == -1) {
		warn("poll");
		status = EX_OSERR;
	}
	while (s.n > 0)
		drop_client(&s, s.n - 1);
	free(s.cl);
	free(s.pfd);
	close(sd);
	return status;
}
