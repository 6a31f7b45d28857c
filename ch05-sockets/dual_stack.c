/*
 * dual_stack - one IPv6 listening socket that serves IPv6 and IPv4 clients,
 *              and tells each client which address and family it came from.
 *
 * usage: dual_stack [-6] PORT
 *          -6  set IPV6_V6ONLY: IPv6 clients only, IPv4 ones are refused
 * out:   per client, one line on stdout and the same line to the client,
 *        then the server closes its side, reads what the client sent (at most 64 KiB,
 *        1 s) so that the close is a FIN and not a reset, and closes (the client need
 *        not send anything):
 *          PEER  FAMILY      fields separated by a tab, e.g.
 *          ::1               IPv6
 *          ::ffff:127.0.0.1  IPv4-mapped
 *        "listening on port N" on stderr once it accepts (N the kernel's choice for 0).
 *        On a host without IPv6 (disabled, as in a container on Docker's default
 *        bridge network) one line on stderr says so; IPv4 clients are served all
 *        the same.  A kernel without IPv6 at all gets a plain IPv4 socket instead
 *        (clients then show as a.b.c.d, IPv4), and one line on stderr says so.
 * exit:  0 after SIGTERM or SIGINT, 64 usage, 69 -6 on a kernel without IPv6,
 *        71 socket/bind/listen/accept failed (PORT in use), 74 stdout failed (a closed
 *        pipe included: SIGPIPE is ignored)
 * try:   ./dual_stack 5000     and elsewhere:  nc ::1 5000;  nc 127.0.0.1 5000
 * text:  chapter 5, "Dual Stack" and "Signal Handling"
 */
#define _GNU_SOURCE	/* ppoll, NI_MAXHOST and struct addrinfo are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
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
 * Tells the client cfd, and stdout, where it came from.  An IPv4 client of a
 * dual-stack socket arrives as an IPv4-mapped IPv6 address, ::ffff:a.b.c.d
 * (RFC 4291 2.5.5.2): the packets on the wire are plain IPv4, only the
 * socket API shows them in IPv6 form.  A client's failure is its own end;
 * only a failing stdout returns -1.
 */
static int
tell_peer(int cfd, const struct sockaddr_storage *ss, socklen_t sslen)
{
	char host[NI_MAXHOST], line[NI_MAXHOST + 16];
	const char *family = "IPv4";	/* from the AF_INET fallback only */
	int rc, len;

	rc = getnameinfo((const struct sockaddr *)ss, sslen, host, sizeof host,
	    NULL, 0, NI_NUMERICHOST);
	if (rc != 0) {
		warnx("getnameinfo: %s", gai_strerror(rc));
		return 0;
	}
	if (ss->ss_family == AF_INET6)
		family = IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)ss)->sin6_addr) ?
		    "IPv4-mapped" : "IPv6";
	len = snprintf(line, sizeof line, "%s\t%s\n", host, family);
	if (fputs(line, stdout) == EOF || fflush(stdout) == EOF)
		return -1;
	if (send_all(cfd, line, (size_t)len) == -1)
		warn("send to %s", host);
	return 0;
}

/*
 * Whether this host has IPv6 to speak of: ::1 can be bound.  With IPv6
 * disabled (net.ipv6.conf.*.disable_ipv6=1) the kernel still makes AF_INET6
 * sockets, binds [::] and maps IPv4 clients into it, but has no IPv6 address,
 * not even ::1, so no IPv6 client can ever come.
 */
static int
host_has_ipv6(void)
{
	const struct addrinfo hints = {
		.ai_family = AF_INET6,
		.ai_socktype = SOCK_DGRAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
	};
	struct addrinfo *res;
	int fd, ok;

	if (getaddrinfo("::1", "0", &hints, &res) != 0)
		return 0;
	fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
	ok = fd != -1 && bind(fd, res->ai_addr, res->ai_addrlen) == 0;
	if (fd != -1)
		close(fd);
	freeaddrinfo(res);
	return ok;
}

/*
 * The listening socket on [::]:port, IPv4 clients too unless v6only; on a
 * kernel without IPv6 (EAFNOSUPPORT) and without v6only, 0.0.0.0:port.
 */
static int
listen_on(const char *port, int v6only)
{
	struct addrinfo hints = {
		.ai_family = AF_INET6,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	};
	struct addrinfo *res;
	int lfd, one = 1;

	for (;;) {
		int rc = getaddrinfo(NULL, port, &hints, &res);

		if (rc != 0) {
			if (rc == EAI_SYSTEM)
				warn("getaddrinfo");
			else
				warnx("getaddrinfo: %s", gai_strerror(rc));
			return -1;
		}
		lfd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
		if (lfd != -1 || errno != EAFNOSUPPORT || hints.ai_family != AF_INET6)
			break;
		freeaddrinfo(res);
		if (v6only) {
			warnx("-6: this kernel has no IPv6 (socket AF_INET6: %s)",
			    strerror(EAFNOSUPPORT));
			return -2;
		}
		warnx("this kernel has no IPv6: serving IPv4 clients only, on 0.0.0.0");
		hints.ai_family = AF_INET;
	}
	if (lfd == -1) {
		warn("socket");
		freeaddrinfo(res);
		return -1;
	}
	/*
	 * The default comes from net.ipv6.bindv6only; say what we want.
	 * SO_REUSEADDR: a restart need not wait for old connections' TIME_WAIT.
	 */
	if (res->ai_family == AF_INET6 &&
	    setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) == -1)
		warn("setsockopt IPV6_V6ONLY");
	else if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1)
		warn("setsockopt SO_REUSEADDR");
	else if (bind(lfd, res->ai_addr, res->ai_addrlen) == -1)
		warn("bind %s:%s", res->ai_family == AF_INET6 ? "[::]" : "0.0.0.0", port);
	else if (listen(lfd, SOMAXCONN) == -1)
		warn("listen");
	/*
	 * Non-blocking, so that accept never waits where only ppoll should:
	 * a connection that poll reported can be gone by the time accept
	 * runs (BSD-derived stacks drop one reset in the queue, UNP 16.6).
	 */
	else if (fcntl(lfd, F_SETFL, O_NONBLOCK) == -1)
		warn("fcntl O_NONBLOCK");
	else {
		if (res->ai_family == AF_INET6 && !host_has_ipv6())
			warnx("this host has no IPv6 (::1 cannot be bound): %s",
			    v6only ? "with -6 no client can come" :
			    "only IPv4 clients can come, as ::ffff:a.b.c.d");
		freeaddrinfo(res);
		return lfd;
	}
	close(lfd);
	freeaddrinfo(res);
	return -1;
}

/* How long a client has to finish sending and close, and how much of it is read. */
#define DRAIN_MS 1000
#define DRAIN_MAX 65536

/*
 * Closing a socket with unread bytes in its receive buffer makes the kernel
 * send a reset instead of a FIN (RFC 1122 4.2.2.13), and a reset can destroy
 * our line before the client has read it.  So: FIN first (shutdown), then read
 * and discard what the client sent until its EOF, at most DRAIN_MAX bytes or
 * DRAIN_MS, then close.
 */
static void
drain_and_close(int cfd)
{
	if (shutdown(cfd, SHUT_WR) == 0) {
		char buf[4096];
		size_t drained = 0;

		while (drained < DRAIN_MAX) {
			struct pollfd pfd = { .fd = cfd, .events = POLLIN };
			ssize_t n;

			if (poll(&pfd, 1, DRAIN_MS) != 1)
				break;
			n = recv(cfd, buf, sizeof buf, MSG_DONTWAIT);
			if (n <= 0)
				break;
			drained += (size_t)n;
		}
	}
	close(cfd);
}

enum served { STOPPED, ACCEPT_FAILED, STDOUT_FAILED };

/*
 * Serves clients one after another until SIGTERM or SIGINT.  The signals
 * stay blocked except inside ppoll, which unblocks them and waits in one
 * step: a signal can then arrive only while we wait, and ppoll fails with
 * EINTR.  With the signals unblocked and a blocking accept, one arriving
 * after the test of `stop` but before accept would be noticed only after
 * the next client.
 */
static enum served
serve(int lfd, const sigset_t *waitmask)
{
	while (!stop_requested) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		struct sockaddr_storage ss = { 0 };	/* accept fills it */
		socklen_t sslen = sizeof ss;
		int cfd, rc;

		if (ppoll(&pfd, 1, NULL, waitmask) == -1) {
			if (errno == EINTR)
				continue;
			warn("ppoll");
			return ACCEPT_FAILED;
		}
		cfd = accept(lfd, (struct sockaddr *)&ss, &sslen);
		if (cfd == -1) {
			/* Gone before we took it, or a signal: not the server's end. */
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ECONNABORTED || errno == EINTR)
				continue;
			warn("accept");
			return ACCEPT_FAILED;
		}
		rc = tell_peer(cfd, &ss, sslen);
		drain_and_close(cfd);
		if (rc == -1) {
			warn("stdout");
			return STDOUT_FAILED;
		}
	}
	return STOPPED;
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-6] PORT   (PORT a decimal number 0..65535)\n", prog);
}

int
main(int argc, char *argv[])
{
	sigset_t waitmask;
	enum served how;
	uint16_t port;
	int ch, v6only = 0, lfd;

	while ((ch = getopt(argc, argv, "6")) != -1) {
		if (ch != '6') {
			usage(argv[0]);
			return EX_USAGE;
		}
		v6only = 1;
	}
	if (argc - optind != 1 || parse_port(argv[optind], &port) == -1) {
		usage(argv[0]);
		return EX_USAGE;
	}

	/* Before the socket exists: once the port is bound, a signal must find the handler. */
	if (catch_signals(&waitmask) == -1)
		err(EX_OSERR, "sigaction");
	lfd = listen_on(argv[optind], v6only);
	if (lfd == -2)
		return EX_UNAVAILABLE;
	if (lfd == -1)
		return EX_OSERR;
	if (say_listening(lfd) == -1)
		err(EX_OSERR, "getsockname");
	how = serve(lfd, &waitmask);
	close(lfd);
	switch (how) {
	case STOPPED:
		return EX_OK;
	case STDOUT_FAILED:
		return EX_IOERR;
	default:
		return EX_OSERR;
	}
}
