/*
 * sock_bench - UNIX domain against TCP sockets, and the Nagle/delayed-ACK stall, on this host.
 *
 * usage: sock_bench [--tiny] [-w SIZE[,SIZE...]]
 *          -w   the write sizes of the wsize section, in bytes, each 1..1048576, at
 *               most 16 (default 64,256,1024,4096,16384,65536)
 * out:   CSV rows section,case,metric,median,min,max,unit (no header); every figure
 *        is the median over the runs (7 in full, 1 with --tiny) and its spread;
 *        ratios (unit x) are the ratio of the medians, spread min over max .. max
 *        over min:
 *          stream,unix|tcp6|tcp4,throughput,N,MiB/s
 *          stream,unix/tcp6|unix/tcp4,throughput_ratio,N,x    (> 1: UNIX faster)
 *          rtt,unix|tcp6|tcp4,median|p99,N,us
 *          rtt,tcp6/unix|tcp4/unix,median_ratio|p99_ratio,N,x (> 1: UNIX faster)
 *          nagle,tcpF-CASE,median|p99,N,ms    F 6 or 4, CASE one of default,
 *                nodelay, quickack-once, quickack-rearmed, one-write
 *          nagle,tcpF-CASE/nodelay,median_ratio,N,x
 *          wsize,unix|tcp6|tcp4 SIZE B,throughput,N,MiB/s     for each write SIZE
 *          wsize,unix/tcp6|unix/tcp4 SIZE B,throughput_ratio,N,x
 *          goal,DESCRIPTION,met|not met,N,UNIT          (five fields: one figure)
 *        --tiny runs every case on a few MiB and a few exchanges (about a
 *        second) so that `make check` keeps it alive; its figures mean little.
 *        Progress and the kernel's settings go to stderr.  On a host without
 *        IPv6 (::1 cannot be bound) the tcp6 rows are left out, the goals
 *        compare with tcp4, and one line on stderr says so.
 * exit:  0 ok (whatever the figures), 64 usage, 71 socket, connection or thread
 *        failed, 74 a transfer failed or stdout
 * try:   ./bench/sock_bench --tiny 2>/dev/null | grep -e default -e goal
 * text:  chapter 5, "UNIX Socket" (nearly twice as fast as Internet sockets) and
 *        "Socket Options" (TCP_NODELAY, TCP QUICKACK)
 *
 * Every connection is made over loopback by this process and served by a thread
 * of it: a listening socket on a path in a fresh directory under /tmp (AF_UNIX),
 * on [::1] and on 127.0.0.1 (port 0, read back with getsockname), connected to,
 * accepted, and the listener closed.  ::1 and 127.0.0.1 are bound apart, not one
 * dual-stack socket, so that each family is measured on its own.
 *
 * wsize: the stream below again for each write SIZE: 65536 writes of SIZE (256 with
 * --tiny), at most 64 MiB (1 MiB), the reader reading up to 64 KiB at a time, so that
 * the per-call cost that both transports share shows against the copy.
 *
 * stream: 256 MiB (4 with --tiny) written in 64 KiB writes, timed from the first
 * write to the reader's one-byte receipt after EOF, so the clock covers delivery,
 * not just the copy into the send buffer.  Loopback TCP has no wire: both
 * transports copy memory from one socket to another on this host, and TCP adds
 * its protocol work (segments up to lo's 64 KiB MTU, sequence and ACK
 * processing, congestion and receive windows, the IP layer and loopback's
 * softirq; no checksums, lo skips them).  How far apart they come out depends
 * on the kernel, the write size, the load and the CPU caches far more than on
 * the text's rule of thumb: with small writes the per-call cost that both share
 * (system call, wake-up of the reader) dominates and the gap closes.
 *
 * rtt: 64-byte request echoed back, one write each way, default options (each
 * write finds nothing unacknowledged, so Nagle never holds it).  Per run, the
 * median and 99th percentile of 10000 exchanges (200 with --tiny) after a
 * warm-up; across runs, the median of each.  This is dominated by waking the
 * peer thread, which costs the same for both; TCP adds its stack on the path.
 *
 * nagle: each exchange writes a 16-byte header, then a 48-byte body in a second
 * send(), then waits for a 16-byte reply, which the server sends once it holds
 * all 64 bytes (write-write-read).  Nagle (RFC 896) lets the header go at once
 * but holds the small body while the header is unacknowledged; the server has
 * answered the previous request, so Linux counts it interactive ("pingpong")
 * and delays its ACK, hoping to ride it on the reply it cannot send yet.  Both
 * wait until the delayed-ACK timer fires: on Linux at least TCP_DELACK_MIN,
 * HZ/25 = 40 ms, and there is no sysctl to lower it (only the per-route `ip route
 * ... quickack 1` or BPF); /proc/sys/net/ipv4/tcp_* has no delayed-ACK knob,
 * which is why even loopback, with microsecond round trips, shows ~40 ms (a
 * tick more where the timer wheel rounds it up: 44 ms with CONFIG_HZ=250).
 * The timer is the delay: what the text calls configurable up to 500 ms is
 * RFC 1122's ceiling; Linux's own is HZ/5, 200 ms.
 *   default           the stall, ~40 ms per exchange
 *   nodelay           TCP_NODELAY on the sender: the body leaves at once
 *   quickack-once     TCP_QUICKACK set on the receiver once after accept: the
 *                     kernel leaves quickack mode again on its own (tcp(7): the
 *                     flag "is not permanent"), so the stall comes back
 *   quickack-rearmed  TCP_QUICKACK set again after every recv(): setting it
 *                     sends the pending ACK of the header, so no stall
 *   one-write         header and body in one writev(): the real fix, no option
 *                     needed, one segment instead of two
 * 20 exchanges a run after 2 of warm-up (3 with --tiny): the stalled cases cost
 * 40 ms an exchange.  The first exchanges of a connection are acknowledged at
 * once (Linux starts in quickack mode), hence the warm-up.
 *
 * Goals: "UNIX stream nearly 2x TCP" and "UNIX RTT nearly 2x TCP" are met when
 * the smaller ratio over both families is at least 1.75 (nearly twice); "stall
 * ~40 ms without TCP_NODELAY" when the default case's median is at least 30 ms
 * and the nodelay case's below 5 ms, in both families (its figure: the smaller
 * default median).  The machine may be loaded: read ratios, not absolutes.
 */
#define _GNU_SOURCE	/* accept4, mkdtemp, clock_gettime and struct addrinfo are not in C17 */
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define MiB		(1024.0 * 1024.0)
#define CHUNK		(64 * 1024)	/* the fixed write (and read) size of the stream */
#define PING		64		/* the rtt message */
#define HEADER		16		/* nagle: the request's first write */
#define BODY		48		/* nagle: its second */
#define REPLY		16
#define NAGLE_WARMUP	2
#define NEARLY_TWICE	1.75		/* "nearly twice as fast": within an eighth of 2x */
#define STALL_MS	30.0		/* a median above this is the 40 ms timer, not scheduling */
#define NO_STALL_MS	5.0
#define IO_TIMEOUT_S	10		/* no wait can outlast this: 250 times the stall */
#define MAXRUNS		7
#define MAXSIZES	16
#define MAXWRITE	1048576		/* the largest -w size */

enum transport { UNIX_T, TCP6_T, TCP4_T, NTRANSPORTS };
enum peer_mode { SINK, ECHO, REQUEST };
enum nagle_case { DEFAULT_C, NODELAY_C, QUICKACK_ONCE_C, QUICKACK_REARMED_C, ONE_WRITE_C, NCASES };

static const char *const nagle_names[NCASES] = {
	"default", "nodelay", "quickack-once", "quickack-rearmed", "one-write"
};

/* Where a transport listens: a path, or [::1]:0 / 127.0.0.1:0. */
struct endpoint {
	const char *name;
	struct sockaddr_storage ss;
	socklen_t sslen;
};

/* The serving thread's side of one connection. */
struct peer {
	int fd;
	enum peer_mode mode;
	int rearm;			/* REQUEST: TCP_QUICKACK after every recv */
	unsigned long long bytes;	/* SINK: what arrived */
	int error;			/* errno of its failure, 0 when it ended at EOF */
};

/* One connection: the client end (ours) and the served end (the thread's). */
struct session {
	int cfd;
	pthread_t tid;
	struct peer peer;
};

/* Failures of the helpers below: the connection could not be made, or a transfer failed. */
enum { SETUP_FAILED = -1, IO_FAILED = -2 };

static char tmpdir[] = "/tmp/sock_bench.XXXXXX";
static int tmpdir_made;

static void
remove_tmpdir(void)
{
	if (tmpdir_made)
		rmdir(tmpdir);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts V; the nearest-rank percentile P (0 < P <= 100): the median is p = 50. */
static double
percentile(double *v, size_t n, double p)
{
	size_t rank;

	qsort(v, n, sizeof *v, cmp_double);
	rank = (size_t)((p / 100.0) * (double)n + 0.999999);
	return v[rank == 0 ? 0 : rank - 1];
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

/* Reads exactly LEN bytes; -1 with errno, ECONNRESET standing for an early EOF. */
static int
read_full(int fd, char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
set_option(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof value);
}

/* A stuck peer ends in EAGAIN after IO_TIMEOUT_S instead of hanging the benchmark. */
static int
set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1)
		return -1;
	return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* The serving thread: it ends at the client's EOF (error 0) or on a failure (error set). */
static void *
serve(void *arg)
{
	struct peer *p = arg;
	static const char reply[REPLY] = "ok";
	char buf[CHUNK];

	for (;;) {
		size_t want = p->mode == SINK ? sizeof buf : p->mode == ECHO ? PING : HEADER + BODY;
		size_t got = 0;

		while (got < want) {
			ssize_t n = recv(p->fd, buf + got, want - got, 0);

			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				p->error = errno;
				return NULL;
			}
			if (n == 0) {
				/* EOF in the middle of a message is the client's failure, seen here. */
				if (got != 0 && p->mode != SINK)
					p->error = ECONNRESET;
				/* The stream's receipt: everything has arrived. */
				else if (p->mode == SINK && send_all(p->fd, "k", 1) == -1)
					p->error = errno;
				return NULL;
			}
			got += (size_t)n;
			if (p->mode == SINK) {
				p->bytes += (unsigned long long)n;
				got = 0;
			}
			/*
			 * Linux leaves quickack mode on its own as soon as the
			 * connection looks interactive; set again, the option
			 * sends the ACK that is pending now (the header's).
			 */
			if (p->rearm && set_option(p->fd, IPPROTO_TCP, TCP_QUICKACK, 1) == -1) {
				p->error = errno;
				return NULL;
			}
		}
		if (p->mode == ECHO && send_all(p->fd, buf, PING) == -1) {
			p->error = errno;
			return NULL;
		}
		if (p->mode == REQUEST && send_all(p->fd, reply, sizeof reply) == -1) {
			p->error = errno;
			return NULL;
		}
	}
}

/*
 * Connects to a fresh listener at EP and starts a thread serving the accepted
 * end in MODE.  nagle case C (or NCASES outside the nagle section) sets its
 * options.  Returns 0, or SETUP_FAILED with errno and nothing left open.
 */
static int
session_open(struct session *s, const struct endpoint *ep, enum peer_mode mode,
    enum nagle_case c)
{
	struct sockaddr_storage ss = ep->ss;
	socklen_t sslen = ep->sslen;
	int lfd, sfd = -1, rc, saved;

	s->cfd = -1;
	lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd == -1)
		return SETUP_FAILED;
	/* A path left by an earlier run would make bind fail with EADDRINUSE. */
	if (ss.ss_family == AF_UNIX)
		unlink(((struct sockaddr_un *)&ss)->sun_path);
	if (bind(lfd, (struct sockaddr *)&ss, sslen) == -1 || listen(lfd, 1) == -1)
		goto fail;
	/* Port 0 was bound: the kernel chose a port, which only getsockname tells. */
	if (ss.ss_family != AF_UNIX && getsockname(lfd, (struct sockaddr *)&ss, &sslen) == -1)
		goto fail;
	s->cfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->cfd == -1)
		goto fail;
	/* The kernel completes the handshake from the backlog: connect returns before accept. */
	if (connect(s->cfd, (struct sockaddr *)&ss, sslen) == -1)
		goto fail;
	sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (sfd == -1)
		goto fail;
	if (ss.ss_family == AF_UNIX)
		unlink(((struct sockaddr_un *)&ss)->sun_path);
	close(lfd);
	lfd = -1;
	if (set_timeouts(s->cfd) == -1 || set_timeouts(sfd) == -1)
		goto fail;
	/* Nagle is the sender's: the client writes the request in two pieces. */
	if (c == NODELAY_C && set_option(s->cfd, IPPROTO_TCP, TCP_NODELAY, 1) == -1)
		goto fail;
	/* Delayed ACK is the receiver's: the server acknowledges the header. */
	if ((c == QUICKACK_ONCE_C || c == QUICKACK_REARMED_C) &&
	    set_option(sfd, IPPROTO_TCP, TCP_QUICKACK, 1) == -1)
		goto fail;
	s->peer = (struct peer){ .fd = sfd, .mode = mode, .rearm = c == QUICKACK_REARMED_C };
	rc = pthread_create(&s->tid, NULL, serve, &s->peer);
	if (rc != 0) {
		errno = rc;
		goto fail;
	}
	return 0;
fail:
	saved = errno;
	if (lfd != -1) {
		if (ss.ss_family == AF_UNIX)
			unlink(((struct sockaddr_un *)&ep->ss)->sun_path);
		close(lfd);
	}
	if (s->cfd != -1)
		close(s->cfd);
	if (sfd != -1)
		close(sfd);
	errno = saved;
	return SETUP_FAILED;
}

/*
 * Ends the client's side (the thread sees EOF, or an error after a failed
 * transfer), joins the thread and closes both ends.  Returns 0, or IO_FAILED
 * with errno when the thread had failed.
 */
static int
session_close(struct session *s)
{
	int rc;

	shutdown(s->cfd, SHUT_RDWR);
	rc = pthread_join(s->tid, NULL);
	close(s->cfd);
	close(s->peer.fd);
	if (rc != 0) {
		errno = rc;
		return SETUP_FAILED;
	}
	if (s->peer.error != 0) {
		errno = s->peer.error;
		return IO_FAILED;
	}
	return 0;
}

/* Closes S after RC (0 or a failure with errno): the first failure wins. */
static int
finish(struct session *s, int rc)
{
	int saved = errno, closed = session_close(s);

	if (rc != 0) {
		errno = saved;
		return rc;
	}
	return closed;
}

/*
 * MiB/s of TOTAL bytes in writes of WSIZE (at most MAXWRITE) through a fresh
 * connection to EP; failures as session_open's and IO_FAILED.
 */
static int
run_stream(const struct endpoint *ep, size_t total, size_t wsize, double *mibs)
{
	static char buf[MAXWRITE];
	struct session s;
	char receipt;
	double t0, t1;
	int rc = 0;

	if (session_open(&s, ep, SINK, NCASES) != 0)
		return SETUP_FAILED;
	memset(buf, 'x', wsize);
	t0 = now();
	for (size_t sent = 0; sent < total && rc == 0; sent += wsize)
		if (send_all(s.cfd, buf, total - sent < wsize ? total - sent : wsize) == -1)
			rc = IO_FAILED;
	/* Half-close: the reader sees EOF, counts, and answers with one byte. */
	if (rc == 0 && (shutdown(s.cfd, SHUT_WR) == -1 || read_full(s.cfd, &receipt, 1) == -1))
		rc = IO_FAILED;
	t1 = now();
	rc = finish(&s, rc);
	if (rc == 0 && s.peer.bytes != total) {
		errno = EPROTO;
		return IO_FAILED;
	}
	*mibs = (double)total / MiB / (t1 - t0);
	return rc;
}

/* Median and p99 in microseconds of N ping-pongs (after a warm-up) over a fresh connection. */
static int
run_rtt(const struct endpoint *ep, double *us, size_t n, double *median, double *p99)
{
	char msg[PING] = "ping";
	struct session s;
	int rc = 0;

	if (session_open(&s, ep, ECHO, NCASES) != 0)
		return SETUP_FAILED;
	for (size_t i = 0; i < n + n / 10 && rc == 0; i++) {
		double t0 = now();

		if (send_all(s.cfd, msg, sizeof msg) == -1 || read_full(s.cfd, msg, sizeof msg) == -1)
			rc = IO_FAILED;
		else if (i >= n / 10)
			us[i - n / 10] = (now() - t0) * 1e6;
	}
	rc = finish(&s, rc);
	if (rc != 0)
		return rc;
	*median = percentile(us, n, 50);
	*p99 = percentile(us, n, 99);
	return 0;
}

/* Sends the 64-byte request as one writev: the lesson's fix. */
static int
writev_request(int fd, const char *header, const char *body)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)header, .iov_len = HEADER },
		{ .iov_base = (void *)body, .iov_len = BODY },
	};
	ssize_t n;

	do
		n = writev(fd, iov, 2);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	/* A short write is possible in principle: the rest goes as plain writes. */
	if ((size_t)n < HEADER)
		return send_all(fd, header + n, HEADER - (size_t)n) == -1 ? -1
		    : send_all(fd, body, BODY);
	return send_all(fd, body + ((size_t)n - HEADER), BODY - ((size_t)n - HEADER));
}

/* Median and p99 in milliseconds of N write-write-read exchanges in nagle case C. */
static int
run_nagle(const struct endpoint *ep, enum nagle_case c, double *ms, size_t n, double *median,
    double *p99)
{
	static const char header[HEADER] = "HEAD", body[BODY] = "body";
	struct session s;
	char reply[REPLY];
	int rc = 0;

	if (session_open(&s, ep, REQUEST, c) != 0)
		return SETUP_FAILED;
	for (size_t i = 0; i < n + NAGLE_WARMUP && rc == 0; i++) {
		double t0 = now();

		if (c == ONE_WRITE_C)
			rc = writev_request(s.cfd, header, body);
		else if (send_all(s.cfd, header, sizeof header) == -1)
			rc = -1;
		else
			rc = send_all(s.cfd, body, sizeof body);
		if (rc == 0)
			rc = read_full(s.cfd, reply, sizeof reply);
		if (rc != 0)
			rc = IO_FAILED;
		else if (i >= NAGLE_WARMUP)
			ms[i - NAGLE_WARMUP] = (now() - t0) * 1e3;
	}
	rc = finish(&s, rc);
	if (rc != 0)
		return rc;
	*median = percentile(ms, n, 50);
	*p99 = percentile(ms, n, 99);
	return 0;
}

/* The kernel's word on what this benchmark depends on, for the reader of stderr. */
static void
note_sysctls(void)
{
	static const char *const names[] = {
		"tcp_autocorking", "tcp_pingpong_thresh", "tcp_comp_sack_delay_ns", "tcp_rto_min_us"
	};
	char path[128], value[64];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		FILE *f;

		snprintf(path, sizeof path, "/proc/sys/net/ipv4/%s", names[i]);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(value, sizeof value, f) != NULL)
			fprintf(stderr, "sock_bench: %s = %s", names[i], value);
		fclose(f);
	}
}

/*
 * The first TCP transport measured: TCP6_T, or TCP4_T on a host without IPv6
 * (disabled, as in a container on Docker's default bridge network: no ::1),
 * where the tcp6 cases are left out and the goals compare with tcp4 alone.
 */
static int first_tcp = TCP6_T;

static int
left_out(int t)
{
	return t < first_tcp && t != UNIX_T;
}

/* Whether ::1 can be bound here: the kernel can make IPv6 sockets and lo has ::1. */
static int
ipv6_loopback_works(const struct endpoint *ep)
{
	int fd = socket(ep->ss.ss_family, SOCK_STREAM, 0), ok;

	ok = fd != -1 && bind(fd, (const struct sockaddr *)&ep->ss, ep->sslen) == 0;
	if (!ok)
		warn("no IPv6 on this host (::1 cannot be bound): the tcp6 cases are left out");
	if (fd != -1)
		close(fd);
	return ok;
}

/* The listening addresses: a path in a fresh private directory, [::1]:0 and 127.0.0.1:0. */
static void
make_endpoints(struct endpoint ep[NTRANSPORTS])
{
	static const char *const hosts[] = { NULL, "::1", "127.0.0.1" };
	struct sockaddr_un *sun = (struct sockaddr_un *)&ep[UNIX_T].ss;

	if (mkdtemp(tmpdir) == NULL)
		err(EX_OSERR, "mkdtemp %s", tmpdir);
	tmpdir_made = 1;
	memset(&ep[UNIX_T], 0, sizeof ep[UNIX_T]);
	ep[UNIX_T].name = "unix";
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof sun->sun_path, "%s/sock", tmpdir);
	ep[UNIX_T].sslen = sizeof *sun;
	for (int t = TCP6_T; t <= TCP4_T; t++) {
		struct addrinfo hints = {
			.ai_socktype = SOCK_STREAM,
			.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
		}, *res;
		int rc = getaddrinfo(hosts[t], "0", &hints, &res);

		if (rc != 0)
			errx(EX_OSERR, "%s: %s", hosts[t],
			    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		ep[t].name = t == TCP6_T ? "tcp6" : "tcp4";
		memcpy(&ep[t].ss, res->ai_addr, res->ai_addrlen);
		ep[t].sslen = res->ai_addrlen;
		freeaddrinfo(res);
	}
	if (!ipv6_loopback_works(&ep[TCP6_T]))
		first_tcp = TCP4_T;
}

static double
median_of(double *v, size_t n)
{
	return percentile(v, n, 50);
}

/* The median, min and max of the N values of V (V is left as it was). */
struct stat3 {
	double med, min, max;
};

static void
stats(const double *v, size_t n, struct stat3 *r)
{
	double s[MAXRUNS];

	memcpy(s, v, n * sizeof *v);
	r->med = median_of(s, n);
	r->min = s[0];		/* median_of sorted S */
	r->max = s[n - 1];
}

/* A figure's row: section,case,metric,median,min,max,unit with DECIMALS decimals. */
static void
row(const char *section, const char *name, const char *metric, const struct stat3 *st,
    int decimals, const char *unit)
{
	printf("%s,%s,%s,%.*f,%.*f,%.*f,%s\n", section, name, metric, decimals, st->med, decimals,
	    st->min, decimals, st->max, unit);
}

/* A ratio's row: A's over B's, spread from their spreads (min over max .. max over min). */
static void
ratio_row(const char *section, const char *name, const char *metric, const struct stat3 *a,
    const struct stat3 *b, int decimals)
{
	struct stat3 r = { a->med / b->med, a->min / b->max, a->max / b->min };

	row(section, name, metric, &r, decimals, "x");
}

static void
goal(const char *what, int met, double value, const char *unit)
{
	printf("goal,%s,%s,%.2f,%s\n", what, met ? "met" : "not met", value, unit);
}

/* Exits with the status that a helper's failure R (errno set) stands for. */
static void
fail(int r, const char *section, const char *name)
{
	err(r == IO_FAILED ? EX_IOERR : EX_OSERR, "%s over %s", section, name);
}

/* -w's list: decimal sizes 1..MAXWRITE, comma-separated, at most MAXSIZES.  The count, or 0. */
static size_t
parse_sizes(const char *text, size_t sizes[MAXSIZES])
{
	size_t n = 0;

	for (;;) {
		size_t v = 0;
		const char *p = text;

		while (*p >= '0' && *p <= '9' && v <= MAXWRITE)
			v = v * 10 + (size_t)(*p++ - '0');
		if (p == text || v < 1 || v > MAXWRITE || n == MAXSIZES || (*p != ',' && *p != '\0'))
			return 0;
		sizes[n++] = v;
		if (*p == '\0')
			return n;
		text = p + 1;
	}
}

static void
usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--tiny] [-w SIZE[,SIZE...]]   (write sizes in bytes, "
	    "1..%d, at most %d)\n", argv0, MAXWRITE, MAXSIZES);
	exit(EX_USAGE);
}

int
main(int argc, char *argv[])
{
	struct endpoint ep[NTRANSPORTS];
	double mibs[NTRANSPORTS][MAXRUNS], rtt_med[NTRANSPORTS][MAXRUNS], rtt_p99[NTRANSPORTS][MAXRUNS];
	double nag_med[2][NCASES][MAXRUNS], nag_p99[2][NCASES][MAXRUNS];
	double wmibs[MAXSIZES][NTRANSPORTS][MAXRUNS];
	/* Zeroed: a transport left out (tcp6 without IPv6) is never read, but analysers cannot tell. */
	struct stat3 tput[NTRANSPORTS] = { 0 }, rmed[NTRANSPORTS] = { 0 }, rp99[NTRANSPORTS] = { 0 };
	struct stat3 nmed[2][NCASES] = { 0 }, np99[2][NCASES] = { 0 }, w[NTRANSPORTS] = { 0 };
	size_t runs = MAXRUNS, stream_bytes = (size_t)256 << 20, pings = 10000, exchanges = 20;
	size_t sizes[MAXSIZES] = { 64, 256, 1024, 4096, 16384, 65536 }, nsizes = 6;
	size_t wwrites = 65536, wcap = (size_t)64 << 20;
	size_t samples;
	double *scratch, worst_tput, worst_rtt, stall, nodelay;
	char name[64];
	int r, tiny = 0, f6;

	/* A reader that goes away (bench/sock_bench | head -1) is an EPIPE from the final
	 * fflush, reported as 74, not a silent death by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--tiny") == 0 && !tiny)
			tiny = 1;
		else if (strcmp(argv[a], "-w") == 0 && a + 1 < argc &&
		    (nsizes = parse_sizes(argv[a + 1], sizes)) > 0)
			a++;
		else
			usage(argv[0]);
	}
	if (tiny) {
		runs = 1;
		stream_bytes = (size_t)4 << 20;
		pings = 200;
		exchanges = 3;
		wwrites = 256;
		wcap = (size_t)1 << 20;
	}
	samples = pings > exchanges ? pings : exchanges;
	scratch = calloc(samples, sizeof *scratch);
	if (scratch == NULL)
		err(EX_OSERR, "calloc");
	make_endpoints(ep);
	if (atexit(remove_tmpdir) != 0)
		errx(EX_OSERR, "atexit");
	note_sysctls();

	/* Transports alternate within each run, so a load that comes and goes hits them alike. */
	for (size_t i = 0; i < runs; i++) {
		fprintf(stderr, "sock_bench: stream and rtt, run %zu of %zu\n", i + 1, runs);
		for (int t = 0; t < NTRANSPORTS; t++) {
			if (left_out(t))
				continue;
			r = run_stream(&ep[t], stream_bytes, (size_t)CHUNK, &mibs[t][i]);
			if (r != 0)
				fail(r, "stream", ep[t].name);
			r = run_rtt(&ep[t], scratch, pings, &rtt_med[t][i], &rtt_p99[t][i]);
			if (r != 0)
				fail(r, "rtt", ep[t].name);
		}
	}
	for (size_t i = 0; i < runs; i++) {
		fprintf(stderr, "sock_bench: nagle, run %zu of %zu\n", i + 1, runs);
		for (int f = first_tcp - TCP6_T; f < 2; f++)
			for (int c = 0; c < NCASES; c++) {
				r = run_nagle(&ep[TCP6_T + f], (enum nagle_case)c, scratch, exchanges,
				    &nag_med[f][c][i], &nag_p99[f][c][i]);
				if (r != 0)
					fail(r, nagle_names[c], ep[TCP6_T + f].name);
			}
	}
	for (size_t i = 0; i < runs; i++) {
		fprintf(stderr, "sock_bench: write sizes, run %zu of %zu (%zu sizes)\n", i + 1, runs,
		    nsizes);
		for (size_t k = 0; k < nsizes; k++)
			for (int t = 0; t < NTRANSPORTS; t++) {
				size_t total = sizes[k] * wwrites < wcap ? sizes[k] * wwrites : wcap;

				if (left_out(t))
					continue;
				r = run_stream(&ep[t], total, sizes[k], &wmibs[k][t][i]);
				if (r != 0)
					fail(r, "wsize stream", ep[t].name);
			}
	}
	free(scratch);

	for (int t = 0; t < NTRANSPORTS; t++) {
		if (left_out(t))
			continue;
		stats(mibs[t], runs, &tput[t]);
		stats(rtt_med[t], runs, &rmed[t]);
		stats(rtt_p99[t], runs, &rp99[t]);
		row("stream", ep[t].name, "throughput", &tput[t], 1, "MiB/s");
	}
	for (int t = first_tcp; t <= TCP4_T; t++) {
		snprintf(name, sizeof name, "unix/%s", ep[t].name);
		ratio_row("stream", name, "throughput_ratio", &tput[UNIX_T], &tput[t], 2);
	}
	for (int t = 0; t < NTRANSPORTS; t++) {
		if (left_out(t))
			continue;
		row("rtt", ep[t].name, "median", &rmed[t], 1, "us");
		row("rtt", ep[t].name, "p99", &rp99[t], 1, "us");
	}
	for (int t = first_tcp; t <= TCP4_T; t++) {
		snprintf(name, sizeof name, "%s/unix", ep[t].name);
		ratio_row("rtt", name, "median_ratio", &rmed[t], &rmed[UNIX_T], 2);
		ratio_row("rtt", name, "p99_ratio", &rp99[t], &rp99[UNIX_T], 2);
	}
	for (int f = first_tcp - TCP6_T; f < 2; f++)
		for (int c = 0; c < NCASES; c++) {
			stats(nag_med[f][c], runs, &nmed[f][c]);
			stats(nag_p99[f][c], runs, &np99[f][c]);
			snprintf(name, sizeof name, "%s-%s", ep[TCP6_T + f].name, nagle_names[c]);
			row("nagle", name, "median", &nmed[f][c], 3, "ms");
			row("nagle", name, "p99", &np99[f][c], 3, "ms");
		}
	for (int f = first_tcp - TCP6_T; f < 2; f++)
		for (int c = 0; c < NCASES; c++)
			if (c != NODELAY_C) {
				snprintf(name, sizeof name, "%s-%s/nodelay", ep[TCP6_T + f].name,
				    nagle_names[c]);
				ratio_row("nagle", name, "median_ratio", &nmed[f][c],
				    &nmed[f][NODELAY_C], 1);
			}
	for (size_t k = 0; k < nsizes; k++) {
		for (int t = 0; t < NTRANSPORTS; t++) {
			if (left_out(t))
				continue;
			stats(wmibs[k][t], runs, &w[t]);
			snprintf(name, sizeof name, "%s %zu B", ep[t].name, sizes[k]);
			row("wsize", name, "throughput", &w[t], 1, "MiB/s");
		}
		for (int t = first_tcp; t <= TCP4_T; t++) {
			snprintf(name, sizeof name, "unix/%s %zu B", ep[t].name, sizes[k]);
			ratio_row("wsize", name, "throughput_ratio", &w[UNIX_T], &w[t], 2);
		}
	}

	worst_tput = tput[UNIX_T].med / (tput[first_tcp].med > tput[TCP4_T].med ?
	    tput[first_tcp].med : tput[TCP4_T].med);
	worst_rtt = (rmed[first_tcp].med < rmed[TCP4_T].med ? rmed[first_tcp].med :
	    rmed[TCP4_T].med) / rmed[UNIX_T].med;
	goal("UNIX stream nearly 2x TCP", worst_tput >= NEARLY_TWICE, worst_tput, "x");
	goal("UNIX RTT nearly 2x TCP", worst_rtt >= NEARLY_TWICE, worst_rtt, "x");
	f6 = first_tcp - TCP6_T;	/* 1, tcp4, where there is no tcp6 */
	stall = nmed[f6][DEFAULT_C].med < nmed[1][DEFAULT_C].med ? nmed[f6][DEFAULT_C].med
	    : nmed[1][DEFAULT_C].med;
	nodelay = nmed[f6][NODELAY_C].med > nmed[1][NODELAY_C].med ? nmed[f6][NODELAY_C].med
	    : nmed[1][NODELAY_C].med;
	goal("stall ~40 ms without TCP_NODELAY", stall >= STALL_MS && nodelay < NO_STALL_MS, stall,
	    "ms");

	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return EX_OK;
}
