/*
 * loadgen - load an echo server on this host: connections per second, bulk echo, round trips.
 *
 * usage: loadgen [-c CLIENTS] [-n COUNT] [-s BYTES] [-t SECONDS] [-i IDLE] [-r RUNS] MODE HOST PORT
 *          MODE conn  CLIENTS clients (default 1) at once, each over and over: connect, send
 *                     a line, half-close, read the echo and the server's close; until
 *                     SECONDS (default 1) have passed or COUNT connections were started
 *          MODE bulk  CLIENTS clients at once each send BYTES (default 1048576) and read
 *                     them back as they come (so the echo cannot deadlock), checking every
 *                     byte; at most SECONDS (default 60)
 *          MODE rtt   one client makes COUNT (default 1000) round trips of BYTES (default
 *                     64) while IDLE (default 0) other connections are held open; each idle
 *                     one is checked with a one-byte echo first, so the server holds it
 *        HOST must be a loopback address (::1, 127.0.0.0/8) or a name that resolves to
 *        loopback addresses only (localhost); CLIENTS 1..1000, COUNT 1..10000000, BYTES
 *        1..1073741824 (rtt: 1..65536), SECONDS a decimal number in 0.001..600, IDLE
 *        0..100000, RUNS 1..100 (the measurement is repeated; the connections of rtt are
 *        made once).  The descriptor limit is raised to its hard limit when IDLE needs it.
 * out:   one line per run, words "key=value" after the mode:
 *          conn clients=C conns=N errors=E seconds=S per_second=R
 *          bulk clients=C bytes=N seconds=S mib_per_second=R
 *          rtt idle=H rounds=N median_us=M p99_us=P
 *        errors counts connections refused or reset (conn goes on without them).  rtt's
 *        idle is the number of idle connections the server did echo: when it is below
 *        IDLE (descriptor limit, a select server's FD_SETSIZE), stderr says so.
 * exit:  0 ok, 64 usage or HOST not loopback, 68 HOST unknown, 69 the server refused
 *        (every address) or no conn connection succeeded, 70 getaddrinfo refused the
 *        question (cannot happen), 71 socket, epoll or memory failed,
 *        74 a bulk or rtt connection failed, 75 SECONDS ran out (bulk), a reply took 10 s
 *        (rtt), or a name server did not answer, 76 the echo differed from what was sent
 * try:   ./bench/echo_designs epoll 5000 &   ./bench/loadgen -c 16 conn ::1 5000
 * text:  chapter 7, "select and poll", and chapter 9, "Worker Pools" (the server designs
 *        that bench/designs_bench.sh compares with it); UNP chapter 30 for the method
 *
 * The generator is one process with epoll, so that it is not what limits the
 * figures: no thread or process per client, no call that scans every connection.
 */
#define _GNU_SOURCE	/* accept4-style SOCK_ flags, epoll, clock_gettime and addrinfo need it */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
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
#include <time.h>
#include <unistd.h>

/* The bulk pattern repeats every PERIOD bytes: a prime, so it never lines up with a buffer. */
#define PERIOD 251
#define CHUNK 65536
#define EVENTS 256
#define LINE_MAX 64
#define INFLIGHT 256		/* rtt: idle connections being opened at once */
#define REPLY_MS 10000		/* rtt: the longest a reply may take */
#define GRACE_MS 5000		/* conn: how long connections in progress may finish after SECONDS */

enum mode { CONN, BULK, RTT };
enum state { CONNECTING, SENDING, READING, IDLE_HELD, FREE };

struct conn {
	int fd;
	enum state state;
	unsigned id;
	size_t sent, rcvd;	/* bytes of this connection's stream */
	char line[LINE_MAX];	/* conn: the line sent, and its echo */
	char echo[LINE_MAX];
	size_t linelen;
};

struct opts {
	enum mode mode;
	long clients, count, bytes, idle, runs;
	double seconds;
	struct sockaddr_storage ss;	/* the server: the first address that answered */
	socklen_t sslen;
};

/* The bytes of every bulk stream: PATTERN[(offset + id) % PERIOD ...], contiguous for CHUNK. */
static unsigned char pattern[PERIOD + CHUNK];

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A decimal number in MIN..MAX and nothing else ("", "5x", " 5", "+5" are not).  0 or -1. */
static int
parse_long(const char *text, long min, long max, long *out)
{
	char *end;
	long value;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || value < min || value > max)
		return -1;
	*out = value;
	return 0;
}

/* Seconds: digits, optionally a point and more digits, in 0.001..600.  0 or -1. */
static int
parse_fractional_seconds(const char *text, double *out)
{
	char *end;
	double value;

	if (!isdigit((unsigned char)text[0]) || strspn(text, "0123456789.") != strlen(text))
		return -1;
	errno = 0;
	value = strtod(text, &end);
	if (errno != 0 || *end != '\0' || !(value >= 0.001 && value <= 600))
		return -1;
	*out = value;
	return 0;
}

/*
 * The generator may load this host only: every address HOST resolves to must
 * be loopback (127.0.0.0/8, ::1, or ::ffff:127.x.y.z).
 */
static bool
is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		    (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

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
 * Resolves HOST and PORT, refuses anything but loopback, and keeps the first
 * address that accepts a connection (the probe is closed again).  Returns 0,
 * or the exit status after saying why on stderr.
 */
static int
find_server(const char *host, const char *port, struct opts *o)
{
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV,
	};
	struct addrinfo *res;
	int rc, saved = ECONNREFUSED;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		if (rc == EAI_SYSTEM)
			warn("%s", host);
		else
			warnx("%s port %s: %s", host, port, gai_strerror(rc));
		return gai_exit_status(rc);
	}
	for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		if (!is_loopback(ai->ai_addr)) {
			warnx("%s is not a loopback address: this generator loads this host only", host);
			freeaddrinfo(res);
			return EX_USAGE;
		}
	}
	rc = EX_UNAVAILABLE;
	for (const struct addrinfo *ai = res; ai != NULL && rc != 0; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);

		if (fd == -1) {
			saved = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			memcpy(&o->ss, ai->ai_addr, ai->ai_addrlen);
			o->sslen = ai->ai_addrlen;
			rc = 0;
		} else {
			saved = errno;
		}
		close(fd);
	}
	freeaddrinfo(res);
	if (rc != 0) {
		errno = saved;
		warn("connect %s port %s", host, port);
	}
	return rc;
}

/*
 * Starts a non-blocking connect for C and registers it with EP (for EPOLLOUT:
 * the connection is made, or failed).  Returns 0, or -1 with errno set.
 */
static int
start_connect(int ep, const struct opts *o, struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

	c->fd = socket(o->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		return -1;
	if ((connect(c->fd, (const struct sockaddr *)&o->ss, o->sslen) == -1 &&
	    errno != EINPROGRESS) || epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) == -1) {
		int saved = errno;

		close(c->fd);
		c->fd = -1;
		errno = saved;
		return -1;
	}
	c->state = CONNECTING;
	c->sent = c->rcvd = 0;
	return 0;
}

/* After EPOLLOUT on a connecting socket: 0 when connected, else -1 with errno the reason. */
static int
connect_result(int fd)
{
	int soerr = 0;
	socklen_t len = sizeof soerr;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		return -1;
	errno = soerr;
	return soerr == 0 ? 0 : -1;
}

static int
set_events(int ep, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
drop(struct conn *c)
{
	if (c->fd != -1)
		close(c->fd);	/* closing also removes it from the epoll set */
	c->fd = -1;
	c->state = FREE;
}

/* Milliseconds until DEADLINE for epoll_wait, at least 0, at most a second. */
static int
wait_ms(double deadline)
{
	double left = (deadline - now()) * 1000;

	return left <= 0 ? 0 : left > 1000 ? 1000 : (int)left + 1;
}

/*
 * One step of a conn-mode connection after event EV.  Returns 1 when the
 * connection completed (echo checked, server closed), 0 when it goes on,
 * -1 when it failed (refused, reset: counted, not fatal), -2 on a wrong echo.
 */
static int
conn_step(int ep, struct conn *c, uint32_t ev)
{
	ssize_t n;

	if (c->state == CONNECTING) {
		if (connect_result(c->fd) == -1)
			return -1;
		c->state = SENDING;
	}
	if (c->state == SENDING) {
		n = send(c->fd, c->line + c->sent, c->linelen - c->sent, MSG_NOSIGNAL);
		if (n == -1)
			return errno == EAGAIN ? 0 : -1;
		c->sent += (size_t)n;
		if (c->sent < c->linelen)
			return 0;
		/* The half-close is the request's end: the server echoes, then closes. */
		if (shutdown(c->fd, SHUT_WR) == -1 || set_events(ep, c, EPOLLIN) == -1)
			return -1;
		c->state = READING;
		return 0;
	}
	if (!(ev & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return 0;
	n = recv(c->fd, c->echo + c->rcvd, sizeof c->echo - c->rcvd, 0);
	if (n == -1)
		return errno == EAGAIN ? 0 : -1;
	if (n > 0) {
		c->rcvd += (size_t)n;
		return c->rcvd < sizeof c->echo ? 0 : -2;
	}
	return c->rcvd == c->linelen && memcmp(c->line, c->echo, c->linelen) == 0 ? 1 : -2;
}

/* MODE conn: one run.  Returns 0, or an exit status (after a message). */
static int
run_conn(const struct opts *o, int ep, struct conn *cl)
{
	struct epoll_event events[EVENTS];
	double t0 = now(), stop_at = t0 + o->seconds, last = t0;
	long started = 0, done = 0, errors = 0, active = 0;
	int saved = 0;

	for (long i = 0; i < o->clients; i++)
		cl[i].state = FREE;
	for (;;) {
		bool more = started < o->count && now() < stop_at;
		int n;

		for (long i = 0; more && i < o->clients; i++) {
			if (cl[i].state != FREE || started >= o->count)
				continue;
			cl[i].linelen = (size_t)snprintf(cl[i].line, sizeof cl[i].line,
			    "loadgen connection %ld\n", started);
			started++;
			if (start_connect(ep, o, &cl[i]) == -1) {
				if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) {
					warn("socket");
					return EX_OSERR;
				}
				saved = errno;
				errors++;
				continue;
			}
			active++;
		}
		if (active == 0 && !(started < o->count && now() < stop_at))
			break;
		if (!more && now() > stop_at + GRACE_MS / 1000.0) {
			warnx("conn: %ld connections still unfinished %d ms after the end: dropped",
			    active, GRACE_MS);
			errors += active;
			for (long i = 0; i < o->clients; i++)
				if (cl[i].state != FREE)
					drop(&cl[i]);
			break;
		}
		n = epoll_wait(ep, events, EVENTS, more ? wait_ms(stop_at) : 100);
		if (n == -1 && errno != EINTR) {
			warn("epoll_wait");
			return EX_OSERR;
		}
		for (int e = 0; e < n; e++) {
			struct conn *c = events[e].data.ptr;
			int rc = conn_step(ep, c, events[e].events);

			if (rc == 0)
				continue;
			if (rc == -2) {
				warnx("conn: the echo differs from the line sent (\"%.*s\")",
				    (int)c->linelen - 1, c->line);
				drop(c);
				return EX_PROTOCOL;
			}
			if (rc == -1) {
				saved = errno;
				errors++;
			} else {
				done++;
				last = now();
			}
			drop(c);
			active--;
		}
	}
	if (done == 0) {
		errno = saved;
		warn("conn: no connection completed");
		return EX_UNAVAILABLE;
	}
	printf("conn clients=%ld conns=%ld errors=%ld seconds=%.3f per_second=%.1f\n",
	    o->clients, done, errors, last - t0, (double)done / (last - t0));
	return 0;
}

/*
 * One step of a bulk connection after event EV: send what the socket takes,
 * read and check what came back.  Returns 1 when the whole stream is back
 * and the server closed, 0 when it goes on, -1 on a connection error
 * (errno), -2 on a wrong or short echo.
 */
static int
bulk_step(int ep, struct conn *c, uint32_t ev, size_t total)
{
	unsigned char buf[CHUNK];
	ssize_t n;

	if (c->state == CONNECTING) {
		if (connect_result(c->fd) == -1)
			return -1;
		c->state = SENDING;
		if (set_events(ep, c, EPOLLIN | EPOLLOUT) == -1)
			return -1;
	}
	while (c->state == SENDING && (ev & EPOLLOUT)) {
		size_t want = total - c->sent < CHUNK ? total - c->sent : CHUNK;

		n = send(c->fd, pattern + (c->sent + c->id) % PERIOD, want, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN)
				break;
			return -1;
		}
		c->sent += (size_t)n;
		if (c->sent == total) {
			if (shutdown(c->fd, SHUT_WR) == -1 || set_events(ep, c, EPOLLIN) == -1)
				return -1;
			c->state = READING;
		}
	}
	if (!(ev & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return 0;
	n = recv(c->fd, buf, sizeof buf, 0);
	if (n == -1)
		return errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return c->rcvd == total ? 1 : -2;
	if (c->rcvd + (size_t)n > total ||
	    memcmp(buf, pattern + (c->rcvd + c->id) % PERIOD, (size_t)n) != 0)
		return -2;
	c->rcvd += (size_t)n;
	return 0;
}

/* MODE bulk: one run.  Returns 0, or an exit status (after a message). */
static int
run_bulk(const struct opts *o, int ep, struct conn *cl)
{
	struct epoll_event events[EVENTS];
	double t0 = now(), stop_at = t0 + o->seconds;
	long active = 0;
	int status = 0;

	for (long i = 0; i < o->clients; i++) {
		cl[i].id = (unsigned)i * 17;
		if (start_connect(ep, o, &cl[i]) == -1) {
			warn("bulk: connect");
			status = errno == ECONNREFUSED ? EX_UNAVAILABLE : EX_OSERR;
			break;
		}
		active++;
	}
	while (status == 0 && active > 0) {
		int n;

		if (now() >= stop_at) {
			warnx("bulk: %ld of %ld streams unfinished after %g s", active, o->clients,
			    o->seconds);
			status = EX_TEMPFAIL;
			break;
		}
		n = epoll_wait(ep, events, EVENTS, wait_ms(stop_at));
		if (n == -1 && errno != EINTR) {
			warn("epoll_wait");
			status = EX_OSERR;
		}
		for (int e = 0; status == 0 && e < n; e++) {
			struct conn *c = events[e].data.ptr;
			int rc = bulk_step(ep, c, events[e].events, (size_t)o->bytes);

			if (rc == 0)
				continue;
			if (rc == -1) {
				warn("bulk: stream %u", c->id / 17);
				status = EX_IOERR;
			} else if (rc == -2) {
				warnx("bulk: stream %u: the echo differs from what was sent at byte %zu "
				    "(or ended early)", c->id / 17, c->rcvd);
				status = EX_PROTOCOL;
			}
			drop(c);
			active--;
		}
	}
	if (status == 0)
		printf("bulk clients=%ld bytes=%ld seconds=%.3f mib_per_second=%.1f\n",
		    o->clients, o->clients * o->bytes, now() - t0,
		    (double)(o->clients * o->bytes) / (1 << 20) / (now() - t0));
	for (long i = 0; i < o->clients; i++)
		if (cl[i].state != FREE)
			drop(&cl[i]);
	return status;
}

/*
 * Makes up to o->idle connections and has each echo one byte, at most
 * INFLIGHT in progress at once, so that the listen queue never overflows.
 * Those that answered are kept in CL (state IDLE_HELD) and removed from EP;
 * the count is returned.  Refusals (a select server past FD_SETSIZE closes
 * them) only lower the count.  *STATUS is set on a fatal error.
 */
static long
open_idle(const struct opts *o, int ep, struct conn *cl, int *status)
{
	struct epoll_event events[EVENTS];
	double stop_at = now() + REPLY_MS / 1000.0;
	long next = 0, active = 0, held = 0, failed = 0;
	int lasterr = 0;

	/* Bounded by progress: the phase ends when nothing happened for REPLY_MS. */
	while (next < o->idle || active > 0) {
		int n;

		if (now() >= stop_at) {
			warnx("rtt: no idle connection progressed for %d ms: %ld given up", REPLY_MS,
			    active);
			break;
		}

		while (next < o->idle && active < INFLIGHT) {
			struct conn *c = &cl[next++];

			if (start_connect(ep, o, c) == -1) {
				lasterr = errno;
				c->state = FREE;
				failed++;
				if (errno == EMFILE || errno == ENFILE)
					next = o->idle;	/* no descriptor left for more */
				continue;
			}
			active++;
		}
		n = epoll_wait(ep, events, EVENTS, wait_ms(stop_at));
		if (n == -1 && errno != EINTR) {
			warn("epoll_wait");
			*status = EX_OSERR;
			return held;
		}
		if (n > 0)
			stop_at = now() + REPLY_MS / 1000.0;
		for (int e = 0; e < n; e++) {
			struct conn *c = events[e].data.ptr;
			char byte;
			ssize_t r;

			if (c->state == CONNECTING) {
				if (connect_result(c->fd) == -1 ||
				    send(c->fd, "x", 1, MSG_NOSIGNAL) != 1 ||
				    set_events(ep, c, EPOLLIN) == -1) {
					lasterr = errno;
					drop(c);
					failed++;
					active--;
				} else {
					c->state = READING;
				}
				continue;
			}
			r = recv(c->fd, &byte, 1, 0);
			if (r == -1 && errno == EAGAIN)
				continue;
			active--;
			if (r == 1 && byte == 'x' && epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL) == 0) {
				c->state = IDLE_HELD;
				held++;
			} else {
				lasterr = r == -1 ? errno : ECONNRESET;
				drop(c);
				failed++;
			}
		}
	}
	if (held < o->idle) {
		errno = lasterr;
		if (lasterr != 0)
			warn("rtt: %ld of %ld idle connections held (%ld failed, the last with)",
			    held, o->idle, failed);
		else
			warnx("rtt: %ld of %ld idle connections held (%ld failed)", held, o->idle,
			    failed);
	}
	return held;
}

/* Reads exactly LEN bytes from the blocking FD within REPLY_MS.  0, -1 (errno), -2 (EOF). */
static int
read_full(int fd, char *buf, size_t len)
{
	while (len > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int ready = poll(&pfd, 1, REPLY_MS);
		ssize_t n;

		if (ready == -1 && errno == EINTR)
			continue;
		if (ready == 0)
			errno = ETIMEDOUT;
		if (ready <= 0)
			return -1;
		n = recv(fd, buf, len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			return -2;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* MODE rtt: COUNT round trips on FD, one line of figures.  Returns 0, or an exit status. */
static int
run_rtt(const struct opts *o, int fd, long held, double *us)
{
	char out[65536], in[65536];
	size_t len = (size_t)o->bytes;

	for (size_t k = 0; k < len; k++)
		out[k] = (char)('a' + k % 26);
	for (long r = 0; r < o->count; r++) {
		double t0 = now();
		size_t off = 0;
		int rc;

		while (off < len) {
			ssize_t n = send(fd, out + off, len - off, MSG_NOSIGNAL);

			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				warn("rtt: send");
				return EX_IOERR;
			}
			off += (size_t)n;
		}
		rc = read_full(fd, in, len);
		if (rc == -1 && errno == ETIMEDOUT) {
			warnx("rtt: no echo within %d ms", REPLY_MS);
			return EX_TEMPFAIL;
		}
		if (rc == -1) {
			warn("rtt: recv");
			return EX_IOERR;
		}
		if (rc == -2 || memcmp(in, out, len) != 0) {
			warnx("rtt: the echo differs from what was sent (or ended early)");
			return EX_PROTOCOL;
		}
		us[r] = (now() - t0) * 1e6;
	}
	qsort(us, (size_t)o->count, sizeof *us, cmp_double);
	/* The median and the 99th percentile by the nearest-rank method. */
	printf("rtt idle=%ld rounds=%ld median_us=%.1f p99_us=%.1f\n", held, o->count,
	    o->count % 2 ? us[o->count / 2] : (us[o->count / 2 - 1] + us[o->count / 2]) / 2,
	    us[(o->count * 99 + 99) / 100 - 1]);
	return 0;
}

/*
 * MODE rtt: the active connection is made first (a select server refuses
 * descriptors past FD_SETSIZE, and it must not be one of those), checked
 * with one round trip, then the idle ones are made.  Idle connections are
 * closed with a reset (SO_LINGER 0): thousands of them must not each leave
 * a TIME_WAIT behind on the few ports of the ephemeral range.
 */
static int
rtt_all(const struct opts *o, int ep, struct conn *cl)
{
	const struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	double *us = malloc((size_t)o->count * sizeof *us);
	int fd, one = 1, status = 0;
	long held = 0;
	char byte;

	if (us == NULL) {
		warn("malloc");
		return EX_OSERR;
	}
	fd = socket(o->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		warn("socket");
		free(us);
		return EX_OSERR;
	}
	/* Small requests go out at once: Nagle's algorithm would hold them for an ACK. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1 ||
	    connect(fd, (const struct sockaddr *)&o->ss, o->sslen) == -1 ||
	    send(fd, "y", 1, MSG_NOSIGNAL) != 1 || read_full(fd, &byte, 1) != 0 || byte != 'y') {
		warn("rtt: the active connection");
		status = EX_IOERR;
	}
	if (status == 0)
		held = open_idle(o, ep, cl, &status);
	for (long r = 0; status == 0 && r < o->runs; r++)
		status = run_rtt(o, fd, held, us);
	for (long i = 0; i < o->idle; i++) {
		if (cl[i].state == FREE)
			continue;
		setsockopt(cl[i].fd, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
		drop(&cl[i]);
	}
	close(fd);
	free(us);
	return status;
}

/*
 * IDLE connections need as many descriptors, plus a few: the soft limit is
 * raised up to the hard one.  Returns how many idle connections fit.
 */
static long
fit_fd_limit(long idle)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)idle + 16;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return idle;
	if (rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < need) {
		long fit = rl.rlim_cur > 16 ? (long)rl.rlim_cur - 16 : 0;

		warnx("the descriptor limit cannot be raised to %ld: %ld idle connections at most",
		    (long)need, fit);
		return fit;
	}
	return idle;
}

static int
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-c CLIENTS] [-n COUNT] [-s BYTES] [-t SECONDS] [-i IDLE] "
	    "[-r RUNS] conn|bulk|rtt HOST PORT\n", prog);
	return EX_USAGE;
}

int
main(int argc, char *argv[])
{
	struct opts o = { .clients = 1, .count = -1, .bytes = -1, .seconds = -1, .idle = 0, .runs = 1 };
	struct conn *cl;
	long port, slots;
	int opt, ep, status = 0;

	while ((opt = getopt(argc, argv, "c:n:s:t:i:r:")) != -1) {
		int bad;

		switch (opt) {
		case 'c': bad = parse_long(optarg, 1, 1000, &o.clients); break;
		case 'n': bad = parse_long(optarg, 1, 10000000, &o.count); break;
		case 's': bad = parse_long(optarg, 1, 1L << 30, &o.bytes); break;
		case 't': bad = parse_fractional_seconds(optarg, &o.seconds); break;
		case 'i': bad = parse_long(optarg, 0, 100000, &o.idle); break;
		case 'r': bad = parse_long(optarg, 1, 100, &o.runs); break;
		default: return usage(argv[0]);
		}
		if (bad)
			return usage(argv[0]);
	}
	if (argc - optind != 3 || parse_long(argv[optind + 2], 1, 65535, &port) == -1)
		return usage(argv[0]);
	if (strcmp(argv[optind], "conn") == 0)
		o.mode = CONN;
	else if (strcmp(argv[optind], "bulk") == 0)
		o.mode = BULK;
	else if (strcmp(argv[optind], "rtt") == 0)
		o.mode = RTT;
	else
		return usage(argv[0]);
	if (o.mode == RTT && o.bytes > 65536)
		return usage(argv[0]);
	if (o.count == -1)
		o.count = o.mode == RTT ? 1000 : 10000000;
	if (o.bytes == -1)
		o.bytes = o.mode == RTT ? 64 : 1 << 20;
	if (o.seconds < 0)
		o.seconds = o.mode == BULK ? 60 : 1;
	if (o.mode == RTT)
		o.idle = fit_fd_limit(o.idle);

	status = find_server(argv[optind + 1], argv[optind + 2], &o);
	if (status != 0)
		return status;
	/* A vanished server makes send fail with EPIPE (MSG_NOSIGNAL), not kill the generator. */
	signal(SIGPIPE, SIG_IGN);
	for (size_t k = 0; k < sizeof pattern; k++)
		pattern[k] = (unsigned char)(k % PERIOD);
	slots = o.mode == RTT ? o.idle : o.clients;
	cl = calloc(slots > 0 ? (size_t)slots : 1, sizeof *cl);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (cl == NULL || ep == -1) {
		warn("%s", cl == NULL ? "calloc" : "epoll_create1");
		free(cl);
		if (ep != -1)
			close(ep);
		return EX_OSERR;
	}
	for (long i = 0; i < slots; i++) {
		cl[i].fd = -1;
		cl[i].state = FREE;
	}
	if (o.mode == RTT)
		status = rtt_all(&o, ep, cl);
	for (long r = 0; o.mode != RTT && status == 0 && r < o.runs; r++)
		status = o.mode == CONN ? run_conn(&o, ep, cl) : run_bulk(&o, ep, cl);
	close(ep);
	free(cl);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("stdout");
		return status == 0 ? EX_IOERR : status;
	}
	return status;
}
