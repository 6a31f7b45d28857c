/*
 * tcp_states - walk one TCP connection through its life, printing its state at each step.
 *
 * usage: tcp_states [-p] [-a | -w] [-r] HOST PORT
 *        tcp_states [-p] [-a | -w] [-r] -l PORT
 *        Connects to HOST PORT (every address tried), or with -l listens on PORT
 *        (both families; port 0 lets the kernel choose; "listening on port N" on
 *        stderr) and takes one client.  Then closes: -a this side first (the
 *        default without -l), -w after the peer's FIN (the default with -l); -r
 *        closes with SO_LINGER {1, 0}, a reset.  One line on stdout per step:
 *          STEP STATE (KERNEL_NAME) rtt R ms rttvar V ms retransmits N total T
 *        STATE as ss shows it, read with getsockopt TCP_INFO while the descriptor
 *        holds the connection, then from the kernel's table (/proc/net/tcp6,
 *        /proc/net/tcp): TIME-WAIT lives on there after the socket is gone,
 *          STEP STATE (from /proc/net/tcp6) [timer S s]
 *        and CLOSED when the table has no entry.  Steps: listen, accept or
 *        connect, established, shutdown, fin-acked, peer-fin, close.  Before
 *        them, "local ADDR:PORT peer ADDR:PORT".  -p pauses after each step
 *        until a line arrives on stdin (time to run ss -tan; EOF stops pausing).
 * exit:  0 the walk ended, 64 usage (arguments, PORT not a decimal 0..65535),
 *        68 HOST unknown, 69 no address accepted the connection, 71 system
 *        error, 74 the connection failed (reset by the peer) or stdout did (a
 *        closed pipe included), 75 the connection was not made within 60 s (or a
 *        temporary name-service failure)
 * try:   ./ch05-sockets/tcp_states -l 5000     and elsewhere:
 *        ./ch05-sockets/tcp_states -p ::1 5000     (and ss -tan 'sport = :5000 or dport = :5000' at each pause)
 * text:  chapter 5, "TCP Connections" (three-way handshake, four-way close, TIME_WAIT) and "SO_LINGER"
 */
#define _GNU_SOURCE	/* getaddrinfo, struct addrinfo, TCP_INFO and EAI_NODATA are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
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
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* How long the handshake may take: SYN retransmissions back off 1, 2, 4 ... s. */
#define CONNECT_MS 60000

/* canon: peer_max (see CONTRIBUTING.md) */
/*
 * A numeric ADDR:PORT: "[" 45 characters of IPv6, "%" and a scope of up to
 * IF_NAMESIZE, "]:" and five digits.  A longer one (it cannot happen) is cut.
 */
#define PEER_MAX 80
/* end canon: peer_max */

/*
 * The kernel's TCP states, numbered as in tcpi_state and in the "st" column of
 * /proc/net/tcp (include/net/tcp_states.h), with the names ss gives them.
 */
static const char *const ss_name[] = {
	"?", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT",
	"UNCONN", "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING",
};
static const char *const kernel_name[] = {
	"?", "TCP_ESTABLISHED", "TCP_SYN_SENT", "TCP_SYN_RECV", "TCP_FIN_WAIT1", "TCP_FIN_WAIT2",
	"TCP_TIME_WAIT", "TCP_CLOSE", "TCP_CLOSE_WAIT", "TCP_LAST_ACK", "TCP_LISTEN", "TCP_CLOSING",
};
#define NSTATES (sizeof ss_name / sizeof ss_name[0])

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

static bool pausing;

/* -p: wait for a line on stdin, so that someone can look (ss -tan) before the next step. */
static void
pause_here(void)
{
	char line[256];

	if (pausing && fgets(line, sizeof line, stdin) == NULL)
		pausing = false;
}

/*
 * A step's line goes out before the pause, for whoever runs ss meanwhile.  A stdout
 * that fails ends the walk (74): nobody would see the steps that follow.
 */
static void
end_step(void)
{
	if (fflush(stdout) == EOF)
		err(EX_IOERR, "stdout");
	pause_here();
}

/*
 * Prints STEP with the state of the connection FD holds, from TCP_INFO: the
 * kernel's own view, with its smoothed round-trip time and variation (in
 * microseconds) and the retransmission counters.  Returns the state, or -1.
 */
static int
show_info(const char *step, int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;

	memset(&ti, 0, sizeof ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1) {
		warn("getsockopt TCP_INFO");
		return -1;
	}
	unsigned st = ti.tcpi_state < NSTATES ? ti.tcpi_state : 0;
	printf("%-12s %-11s (%s) rtt %.3f ms rttvar %.3f ms retransmits %u total %u\n", step,
	    ss_name[st], kernel_name[st], ti.tcpi_rtt / 1000.0, ti.tcpi_rttvar / 1000.0,
	    (unsigned)ti.tcpi_retransmits, ti.tcpi_total_retrans);
	end_step();
	return (int)st;
}

/*
 * An address as /proc/net/tcp{,6} writes it: the address's 32-bit words in the
 * host's byte order, each as 8 hex digits, then ":" and the port in 4.
 */
static void
proc_form(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		uint32_t w[4];

		memcpy(w, &sin6->sin6_addr, sizeof w);
		snprintf(out, outlen, "%08X%08X%08X%08X:%04X", w[0], w[1], w[2], w[3],
		    (unsigned)ntohs(sin6->sin6_port));
	} else {
		struct sockaddr_in sin;
		uint32_t w;

		memcpy(&sin, ss, sizeof sin);
		memcpy(&w, &sin.sin_addr, sizeof w);
		snprintf(out, outlen, "%08X:%04X", w, (unsigned)ntohs(sin.sin_port));
	}
}

/*
 * Prints STEP with the state the kernel's table has for LOCAL -> PEER.  After
 * close (or after the peer's FIN reaches a socket in FIN-WAIT-2) the socket
 * the descriptor named is gone: a small TIME-WAIT entry takes its place in
 * the table, with a timer (in hundredths of a second) until it is freed.
 */
static void
show_table(const char *step, const struct sockaddr_storage *local,
    const struct sockaddr_storage *peer)
{
	const char *path = local->ss_family == AF_INET6 ? "/proc/net/tcp6" : "/proc/net/tcp";
	char want_l[64], want_p[64], line[512];
	FILE *f = fopen(path, "r");
	bool found = false;

	proc_form(local, want_l, sizeof want_l);
	proc_form(peer, want_p, sizeof want_p);
	if (f == NULL) {
		printf("%-12s %-11s (%s: %s)\n", step, "?", path, strerror(errno));
		end_step();
		return;
	}
	while (!found && fgets(line, sizeof line, f) != NULL) {
		char l[64], p[64], stx[8], tm[32], *colon;
		unsigned long st, timer, when;

		/* sl: local remote st tx_queue:rx_queue tr:when ... (all hex) */
		if (sscanf(line, " %*s %63s %63s %7s %*s %31s", l, p, stx, tm) != 4 ||
		    (colon = strchr(tm, ':')) == NULL)
			continue;
		st = strtoul(stx, NULL, 16);
		timer = strtoul(tm, NULL, 16);
		when = strtoul(colon + 1, NULL, 16);
		if (strcmp(l, want_l) != 0 || strcmp(p, want_p) != 0)
			continue;
		found = true;
		printf("%-12s %-11s (from %s)", step, st < NSTATES ? ss_name[st] : "?", path);
		/* Timer 3 is the TIME-WAIT timer; USER_HZ is 100 on Linux. */
		if (timer == 3)
			printf(" timer %.1f s", (double)when / 100.0);
		putchar('\n');
	}
	fclose(f);
	if (!found)
		printf("%-12s %-11s (no entry in %s)\n", step, "CLOSED", path);
	end_step();
}

/* The monotonic clock in milliseconds, for the connect deadline. */
static long long
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Starts a non-blocking connect to each address in turn, shows the state at
 * once (SYN-SENT while the handshake is on the wire; on loopback it is often
 * over before connect returns), then waits for the outcome.  Returns the
 * connected socket, or -1 with errno set (ETIMEDOUT after CONNECT_MS).
 */
static int
connect_walk(const struct addrinfo *list)
{
	int saved = ECONNREFUSED;

	for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		int cfd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK, ai->ai_protocol);
		long long deadline = ms_now() + CONNECT_MS;
		int soerr = 0, rc;
		socklen_t len = sizeof soerr;

		if (cfd == -1) {
			saved = errno;
			continue;
		}
		if (connect(cfd, ai->ai_addr, ai->ai_addrlen) == -1 && errno != EINPROGRESS) {
			saved = errno;
			close(cfd);
			continue;
		}
		show_info("connect", cfd);
		do {
			struct pollfd pfd = { .fd = cfd, .events = POLLOUT };
			long long left = deadline - ms_now();

			rc = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		} while (rc == -1 && errno == EINTR);
		if (rc == 0) {
			saved = ETIMEDOUT;
		} else if (rc == -1 || getsockopt(cfd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1) {
			saved = errno;
		} else if (soerr == 0) {
			int flags = fcntl(cfd, F_GETFL);

			/* The walk reads with plain blocking calls from here on. */
			if (flags != -1 && fcntl(cfd, F_SETFL, flags & ~O_NONBLOCK) != -1)
				return cfd;
			saved = errno;
		} else {
			saved = soerr;
		}
		close(cfd);
	}
	errno = saved;
	return -1;
}

/* Reads and drops whatever the peer sends, up to its FIN.  Returns the bytes read, or -1. */
static long long
read_to_eof(int fd)
{
	char buf[4096];
	long long total = 0;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);

		if (n == 0)
			return total;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		total += n;
	}
}

int
main(int argc, char *argv[])
{
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	struct sockaddr_storage local = { 0 }, peer = { 0 };
	socklen_t llen = sizeof local, plen = sizeof peer;
	char lname[PEER_MAX], pname[PEER_MAX];
	bool listening = false, reset = false;
	int first = -1;		/* 1: this side closes first, 0: the peer does, -1: the default */
	uint16_t port;
	int opt, cfd;

	/*
	 * A reader that has gone (tcp_states HOST PORT | head -1) makes a write to stdout fail
	 * with EPIPE, which is reported (74), instead of killing us without a word.
	 */
	signal(SIGPIPE, SIG_IGN);

	while ((opt = getopt(argc, argv, "+lpawr")) != -1) {
		switch (opt) {
		case 'l': listening = true; break;
		case 'p': pausing = true; break;
		case 'a': first = 1; break;
		case 'w': first = 0; break;
		case 'r': reset = true; break;
		default: goto usage;
		}
	}
	if (argc - optind != (listening ? 1 : 2) || parse_port(argv[argc - 1], &port) == -1)
		goto usage;
	if (first == -1)
		first = !listening;

	if (listening) {
		const char *what;
		int lfd = open_tcp_server(port, 1, &what);

		if (lfd == -1)
			err(EX_OSERR, "%s port %u", what, (unsigned)port);
		if (say_listening(lfd) == -1)
			err(EX_OSERR, "getsockname");
		show_info("listen", lfd);
		for (;;) {
			struct pollfd pfd = { .fd = lfd, .events = POLLIN };

			if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
				err(EX_OSERR, "poll");
			cfd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
			if (cfd != -1)
				break;
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				err(EX_OSERR, "accept");
			plen = sizeof peer;
		}
		close(lfd);
		/* accept4 without SOCK_NONBLOCK: on Linux the new socket does not inherit O_NONBLOCK. */
	} else {
		const char *host = argv[optind], *service = argv[optind + 1];
		struct addrinfo *list;
		int rc = getaddrinfo(host, service, &hints, &list);

		if (rc == EAI_SYSTEM)
			err(EX_OSERR, "getaddrinfo %s", host);
		if (rc != 0)
			errx(gai_exit_status(rc), "%s: %s", host, gai_strerror(rc));
		cfd = connect_walk(list);
		freeaddrinfo(list);
		if (cfd == -1)
			err(errno == ETIMEDOUT ? EX_TEMPFAIL : EX_UNAVAILABLE, "connect %s port %s",
			    host, service);
		if (getpeername(cfd, (struct sockaddr *)&peer, &plen) == -1)
			err(EX_OSERR, "getpeername");
	}
	if (getsockname(cfd, (struct sockaddr *)&local, &llen) == -1)
		err(EX_OSERR, "getsockname");
	format_peer(&local, llen, lname, sizeof lname);
	format_peer(&peer, plen, pname, sizeof pname);
	printf("local %s peer %s\n", lname, pname);
	show_info(listening ? "accept" : "established", cfd);

	if (reset && first) {
		/*
		 * Linger on, zero seconds: close discards what is unsent and sends an
		 * RST instead of a FIN.  No FIN handshake, so no TIME-WAIT on either side.
		 */
		const struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		if (setsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == -1)
			err(EX_OSERR, "setsockopt SO_LINGER");
		close(cfd);
		show_table("close", &local, &peer);
		return EX_OK;
	}
	if (first) {
		/* Our FIN: FIN-WAIT-1 until the peer's kernel acknowledges it, then FIN-WAIT-2. */
		if (shutdown(cfd, SHUT_WR) == -1)
			err(EX_IOERR, "shutdown");
		int st = show_info("shutdown", cfd);
		for (int i = 0; st == 4 && i < 1000; i++) {	/* TCP_FIN_WAIT1, at most 1 s */
			struct tcp_info ti;
			socklen_t len = sizeof ti;
			const struct timespec ms = { .tv_nsec = 1000000 };

			nanosleep(&ms, NULL);
			if (getsockopt(cfd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
				break;
			st = ti.tcpi_state;
		}
		/* Unless the peer's FIN came as fast (then the socket is already TIME-WAIT). */
		if (st == 5)	/* TCP_FIN_WAIT2 */
			show_info("fin-acked", cfd);
	}
	/* The peer's FIN is our EOF.  A reset instead is an error of the connection. */
	if (read_to_eof(cfd) == -1)
		err(EX_IOERR, "recv");
	if (first)
		/* FIN-WAIT-2 + FIN = TIME-WAIT: the descriptor's socket is already closed, the entry lives on. */
		show_table("peer-fin", &local, &peer);
	else
		show_info("peer-fin", cfd);
	if (reset) {
		const struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		if (setsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == -1)
			err(EX_OSERR, "setsockopt SO_LINGER");
	}
	if (close(cfd) == -1)
		err(EX_IOERR, "close");
	/* Closing second: LAST-ACK until our FIN is acknowledged, then no entry at all. */
	show_table("close", &local, &peer);
	return EX_OK;

usage:
	fprintf(stderr, "usage: %s [-p] [-a | -w] [-r] HOST PORT\n"
	    "       %s [-p] [-a | -w] [-r] -l PORT   (PORT a decimal number 0..65535)\n",
	    argv[0], argv[0]);
	return EX_USAGE;
}
