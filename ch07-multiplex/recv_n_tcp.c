/*
 * recv_n_tcp - print the stream of every TCP client on PORT, all clients at once,
 *              one child process per connection.
 *
 * usage: recv_n_tcp [-t SECONDS] PORT
 *        -t  how long a client may stay silent (1..3600, default 60): after that
 *            its child reports "Reset ADDR:PORT (N bytes): Connection timed out"
 *            and closes the connection
 * out:   one report per event; each is written with a single write(2) of at most
 *        PIPE_BUF bytes, so the reports of different children never mix:
 *          Received from ADDR:PORT                 a client was accepted
 *          Data from ADDR:PORT (N bytes)           a piece of its stream: exactly N raw
 *          <N bytes>                               bytes (NULs included) follow the line,
 *                                                  then a newline; N is at most 3584
 *          Closed ADDR:PORT (N bytes)              the client closed its side (EOF);
 *                                                  N is the whole stream's length
 *          Reset ADDR:PORT (N bytes): REASON       the connection failed (the system's
 *                                                  reason, e.g. "Connection reset by peer")
 *          Refused ADDR:PORT: REASON               accepted but not served (fork failed,
 *                                                  or the descriptor table was full)
 *        ADDR:PORT is [2001:db8::1]:5000 for an IPv6 client and 192.0.2.1:5000 for an
 *        IPv4 one (which reaches the dual-stack socket as ::ffff:192.0.2.1 and is shown
 *        unmapped).  Pieces of different clients interleave; to follow one client,
 *        follow its ADDR:PORT.  When accept finds the descriptor table full (EMFILE),
 *        a descriptor kept in reserve (/dev/null) is closed for a moment to accept that
 *        client and close it at once ("Refused ...: Too many open files"): the server
 *        neither spins on a listening socket that stays readable nor leaves the
 *        client hanging in the queue.  At most 64 children serve at once: more
 *        connections wait in the kernel's listen queue until a child ends, so a flood of
 *        idle connections costs 64 processes, not one per connection.  "listening on
 *        port N" on stderr once it accepts (N is the port the kernel chose for PORT 0).
 * exit:  0 on SIGINT or SIGTERM (the children serving clients end with it), 64 usage
 *        (arguments, PORT not a decimal 0..65535, SECONDS not a decimal 1..3600),
 *        71 socket, bind, listen, poll or accept failed (the system's reason, e.g.
 *        "Address already in use"), 74 stdout failed
 * try:   ./recv_n_tcp 5000     and elsewhere, twice at once:  nc ::1 5000
 * text:  chapter 7, "Multiplex TCP Server"
 */
#define _GNU_SOURCE	/* getnameinfo, sigaction, ppoll, prctl and ENONET are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

/*
 * Connections the kernel completes before we accept them.  Clients can connect
 * much faster than a busy server gets the CPU to accept and fork, and a SYN that
 * finds the queue full is dropped and retried only a second later: ask for the
 * most the kernel allows (listen caps it at net.core.somaxconn).
 */
#define BACKLOG SOMAXCONN

/*
 * Children serving at once.  Each costs a process; past this many, new
 * connections wait in the listen queue (the kernel bounds it) instead of
 * forking without limit.
 */
#define MAX_CHILDREN 64

/* How long a client may stay silent by default, and at most (-t). */
#define IDLE_SECONDS 60
#define IDLE_SECONDS_MAX 3600

/* canon: peer_max (see CONTRIBUTING.md) */
/*
 * A numeric ADDR:PORT: "[" 45 characters of IPv6, "%" and a scope of up to
 * IF_NAMESIZE, "]:" and five digits.  A longer one (it cannot happen) is cut.
 */
#define PEER_MAX 80
/* end canon: peer_max */

/*
 * A report is one write(2) of at most PIPE_BUF bytes: POSIX makes such a write
 * to a pipe atomic, and Linux serialises writes that share a file offset, so
 * the children's reports never cut into each other.  A piece of data leaves
 * 512 bytes for its header line (a numeric ADDR:PORT is under 80).
 */
#define REPORT_MAX PIPE_BUF
#define DATA_MAX (REPORT_MAX - 512)

/* canon: child_signals (see CONTRIBUTING.md) */
/* Set by the handlers, acted on by the loop: all a handler may safely do. */
static volatile sig_atomic_t stop_requested, child_ended;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
on_child(int sig)
{
	(void)sig;
	child_ended = 1;
}

/*
 * SIGINT and SIGTERM end the server with status 0; SIGCHLD says a child can
 * be reaped (the loop reaps, so it can count its children).  The handlers only
 * set flags and are installed without SA_RESTART.  The three signals stay
 * blocked except while the server waits in ppoll, which unblocks them
 * atomically, so none is lost between testing a flag and going to sleep.  The
 * stop handler is installed even when the signal was ignored on entry (a
 * shell's background job ignores SIGINT).  SIGPIPE is ignored: a write to a
 * vanished peer or a closed pipe then fails with EPIPE instead of killing the
 * process.  *WAITMASK receives the mask to wait with.  Returns 0, or -1 with
 * errno set.
 */
static int
catch_signals_and_children(sigset_t *waitmask)
{
	struct sigaction stop = { .sa_handler = on_stop }, ignore = { .sa_handler = SIG_IGN };
	struct sigaction child = { .sa_handler = on_child, .sa_flags = SA_NOCLDSTOP };
	sigset_t blocked;

	sigemptyset(&stop.sa_mask);
	sigemptyset(&ignore.sa_mask);
	sigemptyset(&child.sa_mask);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &blocked, waitmask) == -1)
		return -1;
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGCHLD);
	if (sigaction(SIGINT, &stop, NULL) == -1 || sigaction(SIGTERM, &stop, NULL) == -1 ||
	    sigaction(SIGCHLD, &child, NULL) == -1 || sigaction(SIGPIPE, &ignore, NULL) == -1)
		return -1;
	return 0;
}
/* end canon: child_signals */

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

/* canon: write_all (see CONTRIBUTING.md) */
/* write can be short (a signal, a full disk): loop.  Returns 0, or -1 with errno set. */
static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

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
/* end canon: write_all */

/* canon: report (see CONTRIBUTING.md) */
/*
 * Writes one report to stdout: the line that FMT makes, then, when DATA is not
 * NULL, its LEN bytes (LEN <= DATA_MAX) and a newline.  All of it in one write:
 * see REPORT_MAX.  Returns 0, or -1 with errno set.  Needs write_all, and
 * REPORT_MAX and DATA_MAX defined.
 */
static int __attribute__((format(printf, 3, 4)))
report(const char *data, size_t len, const char *fmt, ...)
{
	char buf[REPORT_MAX];
	size_t used;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf - DATA_MAX, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	/* A header longer than its room is cut, never the data. */
	used = (size_t)n < sizeof buf - DATA_MAX - 2 ? (size_t)n : sizeof buf - DATA_MAX - 2;
	buf[used++] = '\n';
	if (data != NULL) {
		memcpy(buf + used, data, len);
		used += len;
		buf[used++] = '\n';
	}
	return write_all(STDOUT_FILENO, buf, used);
}
/* end canon: report */

/* canon: shed_connection (see CONTRIBUTING.md) */
/*
 * accept failed with EMFILE or ENFILE: the connection stays queued and the
 * listening socket stays readable, so polling again would spin.  The reserve
 * descriptor (/dev/null, opened at the start) is given up for a moment to
 * accept the connection and close it at once, then taken back.  The client sees
 * its connection closed instead of hanging in the queue.  Returns 0, or -1 when
 * there is no reserve.  Needs format_peer, PEER_MAX and report.
 */
static int
shed_connection(int lfd, int *spare, int error)
{
	struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
	socklen_t sslen = sizeof ss;
	int cfd;

	if (*spare == -1)
		return -1;
	close(*spare);
	cfd = accept4(lfd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC);
	if (cfd != -1) {
		char peer[PEER_MAX];

		format_peer(&ss, sslen, peer, sizeof peer);
		close(cfd);
		(void)report(NULL, 0, "Refused %s: %s", peer, strerror(error));
	}
	*spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return 0;
}
/* end canon: shed_connection */

/*
 * The child's whole life: copy the client's stream into reports until EOF or
 * an error, then leave with _exit (exit would run the parent's atexit handlers
 * and flush stdio buffers it inherited a second time).  Returns only to _exit.
 */
static int
serve(int cfd, const char *peer, int idle_seconds)
{
	char buf[DATA_MAX];
	uintmax_t total = 0;

	for (;;) {
		struct pollfd pfd = { .fd = cfd, .events = POLLIN };
		ssize_t n;

		/*
		 * A client that connects and says nothing would hold its child (and
		 * one of the MAX_CHILDREN places) for ever: silence ends it.
		 */
		int ready = poll(&pfd, 1, idle_seconds * 1000);

		if (ready == -1 && errno == EINTR)
			continue;
		if (ready == 0)
			errno = ETIMEDOUT;
		n = ready == 1 ? recv(cfd, buf, sizeof buf, 0) : -1;

		if (n == 0)
			return report(NULL, 0, "Closed %s (%ju bytes)", peer, total) == -1 ? EX_IOERR : 0;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			/* This client's end, not the server's. */
			return report(NULL, 0, "Reset %s (%ju bytes): %s", peer, total,
			    strerror(errno)) == -1 ? EX_IOERR : 0;
		}
		total += (uintmax_t)n;
		if (report(buf, (size_t)n, "Data from %s (%zd bytes)", peer, n) == -1)
			return EX_IOERR;
	}
}

/*
 * In the child: the listening socket is the parent's business (a child that
 * kept it would hold the port open after the parent ends), the signal set-up
 * too.  PR_SET_PDEATHSIG ends the child with the parent, so stopping the server
 * stops its clients' service; the getppid test covers a parent that died
 * before the prctl.
 */
static void
become_child(int lfd, int spare, pid_t parent, const sigset_t *waitmask)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	close(lfd);
	if (spare != -1)
		close(spare);
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	sigaction(SIGCHLD, &dfl, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(0);
	sigprocmask(SIG_SETMASK, waitmask, NULL);
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
	fprintf(stderr, "usage: %s [-t SECONDS] PORT   (PORT a decimal number 0..65535, "
	    "SECONDS 1..%d)\n", prog, IDLE_SECONDS_MAX);
	return EX_USAGE;
}

int
main(int argc, char *argv[])
{
	const char *failed;
	sigset_t waitmask;
	uint16_t port;
	int lfd, spare, opt, status = EX_OK, idle_seconds = IDLE_SECONDS;
	unsigned children = 0;
	pid_t self;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't' || parse_seconds(optarg, IDLE_SECONDS_MAX, &idle_seconds) == -1)
			return usage(argv[0]);
	}
	if (argc - optind != 1 || parse_port(argv[optind], &port) == -1)
		return usage(argv[0]);
	/* Before the socket exists: once the port is bound, a signal must find the handler. */
	if (catch_signals_and_children(&waitmask) == -1)
		err(EX_OSERR, "sigaction");
	lfd = open_tcp_server(port, BACKLOG, &failed);
	if (lfd == -1)
		err(EX_OSERR, "%s port %s", failed, argv[optind]);
	if (say_listening(lfd) == -1)
		err(EX_OSERR, "getsockname");
	spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (spare == -1) {
		warn("open /dev/null");
		close(lfd);
		return EX_OSERR;
	}
	self = getpid();

	while (!stop_requested && status == EX_OK) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
		socklen_t sslen = sizeof ss;
		char peer[PEER_MAX];
		pid_t child;
		int cfd;

		if (child_ended) {
			child_ended = 0;
			/* One SIGCHLD can stand for several children. */
			while (waitpid(-1, NULL, WNOHANG) > 0)
				children--;
		}
		/* At MAX_CHILDREN, wait for a child to end: new clients stay queued. */
		if (children >= MAX_CHILDREN)
			pfd.fd = -1;
		/* Waiting here, not in accept, is what lets SIGTERM and SIGCHLD in without a race. */
		if (ppoll(&pfd, 1, NULL, &waitmask) == -1) {
			if (errno != EINTR) {
				warn("ppoll");
				status = EX_OSERR;
			}
			continue;
		}
		if (pfd.fd == -1)
			continue;
		cfd = accept4(lfd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC);
		if (cfd == -1) {
			int error = errno;

			if (error == EAGAIN || error == EWOULDBLOCK || error == EINTR)
				continue;	/* the client left before we got to it */
			if (is_per_connection(error)) {
				warn("accept");
				continue;
			}
			if ((error == EMFILE || error == ENFILE) &&
			    shed_connection(lfd, &spare, error) == 0)
				continue;
			errno = error;
			warn("accept");
			status = EX_OSERR;
			continue;
		}
		format_peer(&ss, sslen, peer, sizeof peer);
		/* Before the fork: the child's first report must not overtake this line. */
		if (report(NULL, 0, "Received from %s", peer) == -1) {
			warn("stdout");
			close(cfd);
			status = EX_IOERR;
			continue;
		}
		child = fork();
		if (child == 0) {
			become_child(lfd, spare, self, &waitmask);
			_exit(serve(cfd, peer, idle_seconds));
		}
		if (child > 0)
			children++;
		if (child == -1 && report(NULL, 0, "Refused %s: fork: %s", peer, strerror(errno)) == -1) {
			warn("stdout");
			status = EX_IOERR;
		}
		/*
		 * The parent's copy: the connection lives on in the child.  Kept, it
		 * would hold the client open after the child ends and leak one
		 * descriptor per client until accept fails with EMFILE.
		 */
		close(cfd);
	}
	close(spare);
	close(lfd);
	return status;
}
