/*
 * recv_n_tcp - print the stream of every TCP client on PORT, all clients at once,
 *              one child process per connection.
 *
 * usage: recv_n_tcp PORT
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
 *        client hanging in the queue.
 * exit:  0 on SIGINT or SIGTERM (the children serving clients end with it), 64 usage
 *        (arguments, PORT not a decimal 0..65535), 71 socket, bind, listen, poll or
 *        accept failed (the system's reason, e.g. "Address already in use"), 74 stdout
 *        failed
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
 * A numeric ADDR:PORT: "[" 45 characters of IPv6, "%" and a scope of up to
 * IF_NAMESIZE, "]:" and five digits.  A longer one (it cannot happen) is cut.
 */
#define PEER_MAX 80

/*
 * A report is one write(2) of at most PIPE_BUF bytes: POSIX makes such a write
 * to a pipe atomic, and Linux serialises writes that share a file offset, so
 * the children's reports never cut into each other.  A piece of data leaves
 * 512 bytes for its header line (a numeric ADDR:PORT is under 80).
 */
#define REPORT_MAX PIPE_BUF
#define DATA_MAX (REPORT_MAX - 512)

/* Set by the handler, acted on by the loop: all a handler may safely do. */
static volatile sig_atomic_t stop_requested;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/*
 * Reaps every child that has ended, so none stays a zombie.  waitpid is
 * async-signal-safe; errno is saved because the handler can interrupt a call
 * whose errno the loop is about to read.
 */
static void
on_child(int sig)
{
	int saved = errno;

	(void)sig;
	/* One SIGCHLD can stand for several children. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

/*
 * SIGINT, SIGTERM and SIGCHLD stay blocked except inside ppoll, which unblocks
 * them atomically while it waits: a signal can neither slip in between the
 * check of the flag and the wait, nor interrupt the parent anywhere else.
 * SIGPIPE is ignored: a failed write then returns EPIPE instead of killing us.
 * On return *waitmask is the mask to wait with.
 */
static int
catch_signals(sigset_t *waitmask)
{
	struct sigaction stop = { .sa_handler = on_stop }, ignore = { .sa_handler = SIG_IGN };
	struct sigaction child = { .sa_handler = on_child, .sa_flags = SA_NOCLDSTOP | SA_RESTART };
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

/*
 * One socket for both families: AF_INET6 on :: with IPV6_V6ONLY off accepts
 * IPv4 clients too (the default comes from net.ipv6.bindv6only, so clear it
 * explicitly).  IPv4 alone only when the kernel has no IPv6.  SO_REUSEADDR lets
 * a restarted server bind while connections of the last run are in TIME_WAIT.
 * The socket is non-blocking: a client that resets between poll and accept
 * must not leave us blocked in accept.  Returns the listening socket, or -1
 * with errno set and *failed naming the call.
 */
static int
open_server(uint16_t port, const char **failed)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
		.sin6_addr = IN6ADDR_ANY_INIT,
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	const struct sockaddr *addr = (const struct sockaddr *)&sin6;
	socklen_t addrlen = sizeof sin6;
	const int off = 0, on = 1;
	int lfd, saved;

	*failed = "socket";
	lfd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd == -1) {
		if (errno != EAFNOSUPPORT)
			return -1;
		/* A kernel without IPv6: IPv4 is all there is. */
		lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (lfd == -1)
			return -1;
		addr = (const struct sockaddr *)&sin;
		addrlen = sizeof sin;
	} else if (setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) == -1) {
		*failed = "setsockopt IPV6_V6ONLY";
		goto fail;
	}
	*failed = "setsockopt SO_REUSEADDR";
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
		goto fail;
	*failed = "bind";
	if (bind(lfd, addr, addrlen) == -1)
		goto fail;
	*failed = "listen";
	if (listen(lfd, BACKLOG) == -1)
		goto fail;
	return lfd;
fail:
	saved = errno;
	close(lfd);
	errno = saved;
	return -1;
}

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

/*
 * Writes one report to stdout: the line that FMT makes, then, when DATA is not
 * NULL, its LEN bytes (LEN <= DATA_MAX) and a newline.  All of it in one write:
 * see REPORT_MAX.  Returns 0, or -1 with errno set.
 */
static int __attribute__((format(printf, 3, 4)))
report(const char *data, size_t len, const char *fmt, ...)
{
	char buf[REPORT_MAX];
	size_t used;
	va_list ap;
	int n;

	va_start(ap, fmt);
	/* clang-analyzer loses va_start when report is inlined into a caller (llvm-project#40656). */
	n = vsnprintf(buf, sizeof buf - DATA_MAX, fmt, ap);	/* NOLINT(clang-analyzer-valist.Uninitialized) */
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

/*
 * accept failed with EMFILE or ENFILE: the connection stays queued and the
 * listening socket stays readable, so polling again would spin.  The reserve
 * descriptor (/dev/null, opened at the start) is given up for a moment to
 * accept the connection and close it at once, then taken back.  The client sees
 * its connection closed instead of hanging in the queue.  Returns 0, or -1 when
 * there is no reserve.
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

/*
 * The child's whole life: copy the client's stream into reports until EOF or
 * an error, then leave with _exit (exit would run the parent's atexit handlers
 * and flush stdio buffers it inherited a second time).  Returns only to _exit.
 */
static int
serve(int cfd, const char *peer)
{
	char buf[DATA_MAX];
	uintmax_t total = 0;

	for (;;) {
		ssize_t n = recv(cfd, buf, sizeof buf, 0);

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

int
main(int argc, char *argv[])
{
	const char *failed;
	sigset_t waitmask;
	uint16_t port;
	pid_t self;
	int lfd, spare, status = EX_OK;

	if (argc != 2 || parse_port(argv[1], &port) == -1) {
		fprintf(stderr, "usage: %s PORT   (PORT a decimal number 0..65535)\n", argv[0]);
		return EX_USAGE;
	}
	/* Before the socket exists: once the port is bound, a signal must find the handler. */
	if (catch_signals(&waitmask) == -1)
		err(EX_OSERR, "sigaction");
	lfd = open_server(port, &failed);
	if (lfd == -1)
		err(EX_OSERR, "%s port %s", failed, argv[1]);
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

		/* Waiting here, not in accept, is what lets SIGTERM and SIGCHLD in without a race. */
		if (ppoll(&pfd, 1, NULL, &waitmask) == -1) {
			if (errno != EINTR) {
				warn("ppoll");
				status = EX_OSERR;
			}
			continue;
		}
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
			_exit(serve(cfd, peer));
		}
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
