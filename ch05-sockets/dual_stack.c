/*
 * dual_stack - one IPv6 listening socket that serves IPv6 and IPv4 clients,
 *              and tells each client which address and family it came from.
 *
 * usage: dual_stack [-6] PORT
 *          -6  set IPV6_V6ONLY: IPv6 clients only, IPv4 ones are refused
 * out:   per client, one line on stdout and the same line to the client,
 *        then the connection is closed (the client need not send anything):
 *          PEER  FAMILY      fields separated by a tab, e.g.
 *          ::1               IPv6
 *          ::ffff:127.0.0.1  IPv4-mapped
 * exit:  0 after SIGTERM or SIGINT, 64 usage, 71 no IPv6 in the kernel,
 *        socket/bind/listen/accept failed (PORT in use), 74 stdout failed
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

/* A signal handler may only store to a volatile sig_atomic_t (C17 7.14.1.1). */
static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	stop = sig;
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
 * Tells the client cfd, and stdout, where it came from.  An IPv4 client of a
 * dual-stack socket arrives as an IPv4-mapped IPv6 address, ::ffff:a.b.c.d
 * (RFC 4291 2.5.5.2): the packets on the wire are plain IPv4, only the
 * socket API shows them in IPv6 form.  A client's failure is its own end;
 * only a failing stdout returns -1.
 */
static int
report(int cfd, const struct sockaddr_storage *ss, socklen_t sslen)
{
	char host[NI_MAXHOST], line[NI_MAXHOST + 16];
	const char *family = "IPv4";	/* only from an AF_INET socket: not here */
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

/* The listening socket on [::]:port, IPv4 clients too unless v6only. */
static int
listen_on(const char *port, int v6only)
{
	const struct addrinfo hints = {
		.ai_family = AF_INET6,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	};
	struct addrinfo *res;
	int lfd, rc, one = 1;

	rc = getaddrinfo(NULL, port, &hints, &res);
	if (rc != 0) {
		if (rc == EAI_SYSTEM)
			warn("getaddrinfo");
		else
			warnx("getaddrinfo: %s", gai_strerror(rc));
		return -1;
	}
	lfd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
	if (lfd == -1) {
		int saved = errno;

		/* No IPv4 fallback: an IPv6 socket is the point of this program. */
		warn("socket AF_INET6%s", saved == EAFNOSUPPORT ?
		    " (this kernel has no IPv6, which dual_stack needs)" : "");
		freeaddrinfo(res);
		return -1;
	}
	/*
	 * The default comes from net.ipv6.bindv6only; say what we want.
	 * SO_REUSEADDR: a restart need not wait for old connections' TIME_WAIT.
	 */
	if (setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) == -1)
		warn("setsockopt IPV6_V6ONLY");
	else if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1)
		warn("setsockopt SO_REUSEADDR");
	else if (bind(lfd, res->ai_addr, res->ai_addrlen) == -1)
		warn("bind [::]:%s", port);
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
		freeaddrinfo(res);
		return lfd;
	}
	close(lfd);
	freeaddrinfo(res);
	return -1;
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
	while (!stop) {
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
		rc = report(cfd, &ss, sslen);
		close(cfd);
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
	fprintf(stderr, "usage: %s [-6] PORT\n", prog);
}

int
main(int argc, char *argv[])
{
	/* No SA_RESTART: a blocking call that a signal interrupts fails with EINTR. */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = 0 };
	sigset_t block, waitmask;
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

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigemptyset(&sa.sa_mask);
	if (sigprocmask(SIG_BLOCK, &block, &waitmask) == -1)
		err(EX_OSERR, "sigprocmask");
	if (sigaction(SIGTERM, &sa, NULL) == -1 || sigaction(SIGINT, &sa, NULL) == -1)
		err(EX_OSERR, "sigaction");
	/* waitmask, the mask we started with, must not hold the two either. */
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);

	lfd = listen_on(argv[optind], v6only);
	if (lfd == -1)
		return EX_OSERR;
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
