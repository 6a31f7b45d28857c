/*
 * echo_udp - the echo service of RFC 862 over UDP: every datagram goes back to its sender.
 *
 * usage: echo_udp PORT
 * out:   to the sender of each datagram, one datagram holding exactly the same bytes
 *        (binary-safe, an empty one too).  No answer to a source port below 1024 or to a
 *        broadcast, multicast or unspecified source address, IPv4-mapped forms included
 *        (see reason_to_ignore); each of those gets a line on stderr instead.  Nothing on
 *        stdout.
 * exit:  0 after SIGINT or SIGTERM, 64 usage (arguments, PORT not a decimal 0..65535),
 *        71 socket/bind failed (a port in use, a port below 1024 without privilege),
 *        74 receiving failed
 * try:   ./echo_udp 5000     and elsewhere:  echo hello | nc -u -w1 ::1 5000
 * text:  chapter 8, "Exercises", exercise 1 (the UDP half of RFC 862)
 */
#define _GNU_SOURCE	/* ppoll, SOCK_NONBLOCK and NI_MAXHOST are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <netdb.h>
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

/* Datagrams answered per wake-up, so that a flood cannot keep a SIGTERM waiting. */
#define BATCH 64

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

/* canon: udp_listener (see CONTRIBUTING.md) */
/*
 * One socket for both families: AF_INET6 on :: with IPV6_V6ONLY off receives
 * IPv4 datagrams too, from ::ffff:a.b.c.d (the option's default comes from the
 * net.ipv6.bindv6only sysctl, so it is cleared explicitly).  IPv4 alone only
 * when the kernel has no IPv6 (EAFNOSUPPORT).  No SO_REUSEADDR: UDP has no
 * TIME_WAIT for it to help with, and on Linux it would let a second server
 * bind the same port and take the datagrams meant for this one.  The socket
 * is non-blocking: a datagram the wait reported may be gone when we read it
 * (a bad checksum is found only then), and a blocking recv would hang.
 * Returns the socket, or -1 with errno set and *WHAT naming the call that
 * failed.
 */
static int
open_udp_server(uint16_t port, const char **what)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_ANY_INIT,
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY),
	};
	const struct sockaddr *sa = (const struct sockaddr *)&sin6;
	socklen_t salen = sizeof sin6;
	const int off = 0;
	int sd, saved;

	*what = "socket";
	sd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sd == -1 && errno == EAFNOSUPPORT) {
		sa = (const struct sockaddr *)&sin;
		salen = sizeof sin;
		sd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (sd == -1)
		return -1;
	*what = "setsockopt IPV6_V6ONLY";
	if (sa->sa_family == AF_INET6 &&
	    setsockopt(sd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) == -1)
		goto fail;
	*what = "bind";
	if (bind(sd, sa, salen) == -1)
		goto fail;
	return sd;
fail:
	saved = errno;
	close(sd);
	errno = saved;
	return -1;
}
/* end canon: udp_listener */

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

/* canon: reason_to_ignore (see CONTRIBUTING.md) */
/*
 * Why a datagram must not be answered, or NULL when it may be.
 *
 * Nobody checks a UDP source address: whoever forges it chooses where our
 * answer goes.  So:
 *  - no answer to a source port below 1024.  The standard services live
 *    there.  A datagram forged "from" port 7 (echo), 13 (daytime) or 19
 *    (chargen) of another host makes us answer that service, which answers
 *    us, which answers it: two servers ping-pong for ever with no client
 *    left, one forged packet starts a loop that never ends, and a few such
 *    loops saturate both hosts.  Real clients send from an ephemeral port
 *    (32768..60999 on Linux).
 *  - no answer to a broadcast or multicast source.  The answer would go to
 *    every host of a network, and any of them may answer back: one
 *    datagram becomes many (amplification).  No host sends from such an
 *    address; only a forger does.  IPv4 clients of the dual-stack socket
 *    show as ::ffff:a.b.c.d, so the IPv4 rules apply to that form too.
 *  - the unspecified address (0.0.0.0/8, ::) cannot be answered at all.
 * Linux already drops most such "martian" sources as they come in from an
 * interface; the check is here because a program must not count on that
 * (it does not happen on loopback, for one).  A subnet's directed broadcast
 * (192.0.2.255 on 192.0.2.0/24) would need the interface list to be
 * recognized: that one is left to the kernel's martian filter.
 */
static const char *
reason_to_ignore(const struct sockaddr_storage *ss)
{
	uint32_t v4;	/* an IPv4 address, in network byte order until ntohl */
	uint16_t port;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		if (IN6_IS_ADDR_MULTICAST(&sin6->sin6_addr))
			return "multicast source";
		if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
			return "unspecified source";
		port = ntohs(sin6->sin6_port);
		if (!IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			return port < 1024 ? "source port below 1024" : NULL;
		memcpy(&v4, &sin6->sin6_addr.s6_addr[12], sizeof v4);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		port = ntohs(sin->sin_port);
		v4 = sin->sin_addr.s_addr;
	} else {
		return "unknown address family";
	}
	v4 = ntohl(v4);
	if (IN_MULTICAST(v4))
		return "multicast source";
	if (v4 == INADDR_BROADCAST)
		return "broadcast source";
	if ((v4 >> 24) == 0)
		return "unspecified source";
	return port < 1024 ? "source port below 1024" : NULL;
}
/* end canon: reason_to_ignore */

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

/* canon: report_ignored (see CONTRIBUTING.md) */
/* One line on stderr for a datagram that gets no answer.  Needs log_limited. */
static void
report_ignored(const struct sockaddr_storage *ss, socklen_t sslen, const char *why)
{
	/* Anyone can send us datagrams: one line a second at most, with a count. */
	static struct log_limit ignored;
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getnameinfo((const struct sockaddr *)ss, sslen, host, sizeof host, serv, sizeof serv,
	    NI_NUMERICHOST | NI_NUMERICSERV | NI_DGRAM) == 0)
		warnx_limited(&ignored, "not answering [%s]:%s: %s", host, serv, why);
	else
		warnx_limited(&ignored, "not answering a datagram: %s", why);
}
/* end canon: report_ignored */

/*
 * Echoes the datagrams waiting on SD, at most BATCH of them, then returns
 * to the caller's ppoll, where a pending SIGTERM is delivered.  Returns 0,
 * or -1 with errno set when receiving fails for a reason that will not pass.
 *
 * The echo leaves from the address the routing table picks for the
 * client.  On a host with several addresses that may not be the one the
 * client wrote to, and a client that connected its UDP socket (nc -u does)
 * then drops it; answering from the right address takes IPV6_RECVPKTINFO
 * and sendmsg, which this chapter does not reach.
 *
 * What reason_to_ignore cannot prevent: a forged ordinary source still gets
 * its datagram back, one answer per request and of the same size.  Echo does
 * not amplify, but it does reflect: an attacker can aim traffic at a victim
 * through us.  That is why echo is off on most hosts today.
 */
static int
answer_waiting(int sd)
{
	/*
	 * The largest UDP payload is 65535 - 8 bytes (less over IPv4): a buffer
	 * of 64 KiB holds any datagram whole, so nothing is cut off.  Static:
	 * too big for a polite stack frame, and there is only one thread.
	 */
	static unsigned char buf[65536];

	for (int i = 0; i < BATCH; i++) {
		/* AF_UNSPEC, refused, should recvfrom ever leave no address (UDP always gives one). */
		struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
		socklen_t sslen = sizeof ss;
		const char *why;
		ssize_t len;

		len = recvfrom(sd, buf, sizeof buf, 0, (struct sockaddr *)&ss, &sslen);
		if (len == -1) {
			/* EAGAIN (the same number as EWOULDBLOCK on Linux): all answered. */
			if (errno == EAGAIN)
				return 0;
			/* Memory pressure, or an ICMP error of an earlier answer. */
			if (errno == EINTR || errno == ENOMEM || errno == ENOBUFS ||
			    errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH) {
				warn("recvfrom");
				continue;
			}
			return -1;
		}
		why = reason_to_ignore(&ss);
		if (why != NULL) {
			report_ignored(&ss, sslen, why);
			continue;
		}
		/*
		 * Non-blocking: with the send buffer full (a flood), this echo
		 * is dropped, as UDP may drop any datagram, instead of stalling
		 * the server.  A failure is this client's (unreachable, refused
		 * by a firewall), never the server's.
		 */
		if (sendto(sd, buf, (size_t)len, 0, (const struct sockaddr *)&ss, sslen) == -1)
			warn("sendto");
	}
	return 0;
}

int
main(int argc, char *argv[])
{
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
	sd = open_udp_server(port, &what);
	if (sd == -1)
		err(EX_OSERR, "%s (UDP port %u)", what, (unsigned int)port);
	if (say_listening(sd) == -1)
		err(EX_OSERR, "getsockname");

	while (!stop_requested) {
		struct pollfd pfd = { .fd = sd, .events = POLLIN };

		if (ppoll(&pfd, 1, NULL, &waitmask) == -1) {
			if (errno == EINTR)	/* a signal: the loop test decides */
				continue;
			warn("ppoll");
			status = EX_OSERR;
			break;
		}
		if (answer_waiting(sd) == -1) {
			warn("recvfrom");
			status = EX_IOERR;
			break;
		}
	}
	close(sd);
	return status;
}
