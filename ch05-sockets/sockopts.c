/*
 * sockopts - show the TCP socket options of chapter 5: the kernel's default,
 *            then the value read back after setting it as the text advises.
 *
 * usage: sockopts
 * out:   one line per option, fields separated by a tab:
 *          NAME  DEFAULT  SET
 *        values are integers, except SO_LINGER: "off" or "on,SECONDS".
 *        What is set: TCP_NODELAY 1, TCP_QUICKACK 1, SO_REUSEADDR 1,
 *        SO_LINGER on,0, SO_KEEPALIVE 1, TCP_KEEPIDLE 60, TCP_KEEPINTVL 10,
 *        TCP_KEEPCNT 5, IPV6_V6ONLY 0, SO_RCVBUF 65536, SO_SNDBUF 65536
 *        (the buffers read back doubled, capped by net.core.[rw]mem_max).
 *        On a kernel without IPv6 the socket is IPv4 and the IPV6_V6ONLY
 *        line reads "IPV6_V6ONLY  unavailable  unavailable".
 * exit:  0 ok, 64 usage, 71 socket, getsockopt or setsockopt failed, 74 stdout failed (a
 *        closed pipe included)
 * try:   ./sockopts     and compare:  sysctl net.ipv4.tcp_keepalive_time net.ipv4.tcp_rmem
 * text:  chapter 5, "Socket Options" (and "TIME_WAIT", "Dual Stack")
 */
#define _GNU_SOURCE	/* TCP_QUICKACK, TCP_KEEPIDLE and friends are Linux, not C17 */
#include <err.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

enum kind { INT, LINGER };

struct sockopt {
	const char *name;
	int level;
	int optname;
	enum kind kind;
	int value;	/* what we set (for LINGER: the l_linger seconds, l_onoff 1) */
};

/*
 * Every default below comes from the kernel, most of them from a sysctl of
 * the socket's network namespace, read when the socket is made (or, for the
 * keepalive timers, whenever the option is read and was never set).
 */
static const struct sockopt options[] = {
	/*
	 * Nagle's algorithm holds back a small segment while an earlier small
	 * one is unacknowledged (full-sized segments go out at once).  On the
	 * sending side, 1 turns it off for request/response traffic.
	 */
	{ "TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, INT, 1 },
	/*
	 * Reads 1 on a fresh socket: it reports "not in delayed-ACK
	 * (ping-pong) mode", which a new connection starts in.  Setting it
	 * is not sticky: the kernel goes back to delaying ACKs on its own
	 * (tcp(7)), so a receiver sets it again after each read.
	 */
	{ "TCP_QUICKACK", IPPROTO_TCP, TCP_QUICKACK, INT, 1 },
	/*
	 * Lets a restarted server bind its port while old connections on it
	 * are still in TIME_WAIT (60 s on Linux, fixed).  It does not let two
	 * sockets listen on one port: that is SO_REUSEPORT.
	 */
	{ "SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR, INT, 1 },
	/*
	 * The text has it backwards.  Off (the default) close() returns at
	 * once and the kernel still sends the rest and the FIN.  On with 0 s
	 * close() throws away unsent data and sends RST: an abortive close
	 * that skips TIME_WAIT and shows up as ECONNRESET at the peer.  On
	 * with N > 0 s close() blocks until the data is acknowledged or N s
	 * pass.  We set {on, 0} to show it, not because a server should.
	 */
	{ "SO_LINGER", SOL_SOCKET, SO_LINGER, LINGER, 0 },
	/*
	 * After TCP_KEEPIDLE s of silence the kernel sends a probe: an empty
	 * ACK whose sequence number is one below what the peer has already
	 * acknowledged (no PSH, no data), so the peer must answer with an ACK
	 * (alive) or a RST (rebooted).  It repeats every TCP_KEEPINTVL s and
	 * drops the connection with ETIMEDOUT after TCP_KEEPCNT unanswered
	 * probes.  The defaults (2 h, 75 s, 9) notice a dead peer after
	 * 2 h 11 min; 60/10/5 notices it within 2 minutes and sends traffic
	 * often enough to keep an idle NAT or firewall entry alive.
	 */
	{ "SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, INT, 1 },
	{ "TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, INT, 60 },
	{ "TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, INT, 10 },
	{ "TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, INT, 5 },
	/*
	 * Defaults to net.ipv6.bindv6only (0 on Linux, but not everywhere):
	 * a dual-stack server clears it explicitly, before bind().
	 */
	{ "IPV6_V6ONLY", IPPROTO_IPV6, IPV6_V6ONLY, INT, 0 },
	/*
	 * TCP starts from the middle value of net.ipv4.tcp_rmem/tcp_wmem and
	 * grows the buffers itself; setting one turns that autotuning off for
	 * the socket.  The kernel stores twice the value asked for, capped by
	 * net.core.rmem_max/wmem_max, because the buffer also pays for its
	 * bookkeeping (sk_buff headers), and getsockopt shows the doubled
	 * number (socket(7)).
	 */
	{ "SO_RCVBUF", SOL_SOCKET, SO_RCVBUF, INT, 65536 },
	{ "SO_SNDBUF", SOL_SOCKET, SO_SNDBUF, INT, 65536 },
};

/* Reads option o into text, "N" or "off"/"on,N".  -1 with errno on failure. */
static int
get_option(int sd, const struct sockopt *o, char *text, size_t size)
{
	if (o->kind == LINGER) {
		struct linger lg;
		socklen_t len = sizeof lg;

		if (getsockopt(sd, o->level, o->optname, &lg, &len) == -1)
			return -1;
		if (len != sizeof lg) {
			errno = EINVAL;
			return -1;
		}
		if (lg.l_onoff)
			snprintf(text, size, "on,%d", lg.l_linger);
		else
			snprintf(text, size, "off");
	} else {
		int val;
		socklen_t len = sizeof val;

		if (getsockopt(sd, o->level, o->optname, &val, &len) == -1)
			return -1;
		if (len != sizeof val) {
			errno = EINVAL;
			return -1;
		}
		snprintf(text, size, "%d", val);
	}
	return 0;
}

static int
set_option(int sd, const struct sockopt *o)
{
	if (o->kind == LINGER) {
		const struct linger lg = { .l_onoff = 1, .l_linger = o->value };

		return setsockopt(sd, o->level, o->optname, &lg, sizeof lg);
	}
	return setsockopt(sd, o->level, o->optname, &o->value, sizeof o->value);
}

int
main(int argc, char *argv[])
{
	int sd, family = AF_INET6;

	/*
	 * A reader that has gone (sockopts | head -1) makes a write to stdout fail
	 * with EPIPE, which is reported (74), instead of killing us without a word.
	 */
	signal(SIGPIPE, SIG_IGN);

	if (argc != 1) {
		fprintf(stderr, "usage: %s\n", argv[0]);
		return EX_USAGE;
	}
	/* An AF_INET6 socket, so that IPV6_V6ONLY exists; IPv4 only without IPv6. */
	sd = socket(AF_INET6, SOCK_STREAM, 0);
	if (sd == -1 && errno == EAFNOSUPPORT) {
		family = AF_INET;
		sd = socket(AF_INET, SOCK_STREAM, 0);
	}
	if (sd == -1)
		err(EX_OSERR, "socket");

	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
		const struct sockopt *o = &options[i];
		char before[32], after[32];

		if (o->level == IPPROTO_IPV6 && family != AF_INET6) {
			printf("%s\tunavailable\tunavailable\n", o->name);
			continue;
		}
		if (get_option(sd, o, before, sizeof before) == -1)
			err(EX_OSERR, "getsockopt %s", o->name);
		if (set_option(sd, o) == -1)
			err(EX_OSERR, "setsockopt %s", o->name);
		if (get_option(sd, o, after, sizeof after) == -1)
			err(EX_OSERR, "getsockopt %s", o->name);
		printf("%s\t%s\t%s\n", o->name, before, after);
	}
	close(sd);

	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return EX_OK;
}
