/*
 * daytime_tcp - the daytime service of RFC 867 over TCP: each client gets the date, then the end.
 *
 * usage: daytime_tcp PORT
 * out:   to each client as soon as it connects, without waiting for it to send anything,
 *        one line: the local date and time in the format of e-mail's Date: header
 *        (RFC 5322), English names, numeric zone, ended by CR LF; then the server closes:
 *          Wed, 25 Nov 2026 10:45:25 +0000
 *        `date -d` reads it back.  What a client sends is thrown away.  Clients are served
 *        one after another (see serve).  Nothing on stdout.
 * exit:  0 after SIGINT or SIGTERM, 64 usage (arguments, PORT not a decimal 0..65535),
 *        71 socket/bind/listen/accept failed (a port in use, a port below 1024 without
 *        privilege)
 * try:   ./daytime_tcp 5000     and elsewhere:  nc ::1 5000
 * text:  chapter 6, "Exercises", exercise 1 (which asks for UDP only; RFC 867 defines both)
 */
#define _GNU_SOURCE	/* ppoll, accept4, SOCK_NONBLOCK, ENONET and tzset are not in C17 */
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

/* canon: daytime_line (see CONTRIBUTING.md) */
/*
 * RFC 867 leaves the format open and asks for one line of printable ASCII.
 * This is the date of e-mail (RFC 5322) in local time:
 * "Wed, 25 Nov 2026 10:45:25 +0000".  The numeric zone makes the line one
 * instant for every reader, where a name ("PST") can be ambiguous and no
 * zone at all is meaningless to a client elsewhere; `date -d` and mail
 * libraries read it back.  The names are English because the program never
 * calls setlocale: it runs in the "C" locale whatever LANG says.  Writes
 * the line with its CR LF (not a C string) and returns its length, or 0.
 */
static size_t
daytime_line(char *buf, size_t size)
{
	struct tm tm;
	time_t now = time(NULL);
	size_t len;

	if (size < 3 || now == (time_t)-1 || localtime_r(&now, &tm) == NULL)
		return 0;
	len = strftime(buf, size - 2, "%a, %d %b %Y %H:%M:%S %z", &tm);
	if (len == 0)
		return 0;
	buf[len++] = '\r';	/* Internet text lines end in CR LF */
	buf[len++] = '\n';
	return len;
}
/* end canon: daytime_line */

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
 * RFC 867 over TCP: the line goes out as soon as the connection exists,
 * whether or not the client ever sends anything, and then the server
 * closes.  One client after another costs nothing here, because no step
 * waits for the client: CFD is non-blocking, and the line, about 33 bytes,
 * goes into the empty send buffer of a new connection (16 KiB by default
 * on Linux, the middle number of net.ipv4.tcp_wmem), so send takes all of
 * it at once.  close does not wait either: the kernel delivers the line
 * and the FIN afterwards.  A client that never reads holds no one up.
 */
static void
serve(int cfd)
{
	/* Any client can reset at will: one line a second at most, with a count. */
	static struct log_limit resets;
	char line[64], junk[4096];
	size_t len = daytime_line(line, sizeof line);
	ssize_t sent;

	if (len == 0) {
		warnx("cannot read the clock");
		return;
	}
	sent = send(cfd, line, len, 0);
	if (sent == -1)
		/* The client is gone already (a reset): its loss alone. */
		warnx_limited(&resets, "send: %s", strerror(errno));
	else if ((size_t)sent < len)
		warnx("send: %zd of %zu bytes", sent, len);
	/*
	 * Closing a socket whose receive buffer holds unread data aborts the
	 * connection with a reset instead of a FIN (RFC 1122, 4.2.2.13), and
	 * some stacks discard, on a reset, what their application has not
	 * read yet: the line.  RFC 867 throws away what the client sends; so
	 * throw away what has arrived so far, without waiting for more, and at
	 * most 64 KiB, so that a client that keeps sending cannot keep us here.
	 */
	for (int i = 0; i < 16; i++)
		if (recv(cfd, junk, sizeof junk, 0) <= 0)
			break;
}

int
main(int argc, char *argv[])
{
	/* How long new clients wait after the server ran out of descriptors or memory. */
	const struct timespec backoff = { .tv_sec = 1 };
	const char *what;
	sigset_t waitmask;
	uint16_t port;
	int lfd, paused = 0, status = EX_OK;

	if (argc != 2 || parse_port(argv[1], &port) == -1) {
		fprintf(stderr, "usage: %s PORT   (PORT a decimal number 0..65535)\n", argv[0]);
		return EX_USAGE;
	}
	if (catch_signals(&waitmask) == -1)
		err(EX_OSERR, "signals");
	tzset();	/* localtime_r need not read TZ itself */
	lfd = open_tcp_server(port, SOMAXCONN, &what);
	if (lfd == -1)
		err(EX_OSERR, "%s (TCP port %u)", what, (unsigned int)port);
	if (say_listening(lfd) == -1)
		err(EX_OSERR, "getsockname");

	while (!stop_requested) {
		/* poll skips a negative descriptor: while paused, it only sleeps. */
		struct pollfd pfd = { .fd = paused ? -1 : lfd, .events = POLLIN };
		int n, cfd;

		n = ppoll(&pfd, 1, paused ? &backoff : NULL, &waitmask);
		if (n == -1) {
			if (errno == EINTR)	/* a signal: the loop test decides */
				continue;
			warn("ppoll");
			status = EX_OSERR;
			break;
		}
		paused = 0;
		if (n == 0)
			continue;
		/* Not inherited from the listener on Linux: the new socket's own flag. */
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
		serve(cfd);
		close(cfd);
	}
	close(lfd);
	return status;
}
