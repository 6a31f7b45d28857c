/*
 * discard_udp - the discard service of RFC 863 over UDP: read every datagram, answer none.
 *
 * usage: discard_udp PORT
 * out:   nothing, to anyone: every datagram that arrives is read and thrown away.
 *        Nothing on stdout.
 * exit:  0 after SIGINT or SIGTERM, 64 usage (arguments, PORT not a decimal 0..65535),
 *        71 socket/bind failed (a port in use, a port below 1024 without privilege),
 *        74 receiving failed
 * try:   ./discard_udp 5000     and elsewhere:  echo hello | nc -u -w1 ::1 5000
 *        (then ss -ulnp 'sport = :5000' shows an empty receive queue, Recv-Q 0)
 * text:  chapter 6, "Exercises", exercise 2
 */
#define _GNU_SOURCE	/* ppoll and SOCK_NONBLOCK are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
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

/* Datagrams read per wake-up, so that a flood cannot keep a SIGTERM waiting. */
#define BATCH 64

/* Set by the SIGINT and SIGTERM handler; the main loop ends when it is set. */
static volatile sig_atomic_t stop;

static void
on_stop(int signo)
{
	(void)signo;
	stop = 1;
}

/*
 * SIGINT and SIGTERM end the server with status 0.  The handler only sets
 * a flag and is installed without SA_RESTART.  Both signals stay blocked
 * except while the server sleeps in ppoll, which unblocks them atomically:
 * one that arrives while a request is being served stays pending and
 * interrupts the next wait at once (EINTR), so it is never lost between
 * testing the flag and going to sleep.  The handler is installed even when
 * the signal was ignored on entry (a shell's background job ignores SIGINT).
 * SIGPIPE is ignored so that a vanished TCP client makes send fail with
 * EPIPE instead of killing the server.  *WAITMASK receives the mask to
 * sleep with.  Returns 0, or -1 with errno set.
 */
static int
catch_signals(sigset_t *waitmask)
{
	struct sigaction sa = { .sa_handler = on_stop };	/* sa_flags 0: no SA_RESTART */
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigset_t block;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&ign.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, waitmask) == -1)
		return -1;
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
	if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGPIPE, &ign, NULL) == -1)
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
 * One IPv6 socket on :: serves both families: with IPV6_V6ONLY off, IPv4
 * clients arrive as ::ffff:a.b.c.d.  The option's default comes from the
 * net.ipv6.bindv6only sysctl, so it is cleared explicitly.  Only a kernel
 * without IPv6 (EAFNOSUPPORT) gets an IPv4 socket on 0.0.0.0 instead.
 * SO_REUSEADDR (TCP only) lets a restarted server bind while connections of
 * the old one sit in TIME_WAIT; on UDP, Linux would let a second server
 * share the port instead, so it is left off there.  The socket is
 * non-blocking: what poll reported may be gone when we read it (a datagram
 * with a bad checksum, a connection reset in the queue), and a blocking
 * call would then hang the server.  Returns the socket, or -1 with errno
 * set and *WHAT naming the call that failed.
 */
static int
open_server(int type, uint16_t port, const char **what)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_ANY_INIT,
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY),
	};
	const struct sockaddr *sa = (const struct sockaddr *)&sin6;
	socklen_t salen = sizeof sin6;
	int sd, on = 1, off = 0, saved;

	*what = "socket";
	sd = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sd == -1 && errno == EAFNOSUPPORT) {
		sa = (const struct sockaddr *)&sin;
		salen = sizeof sin;
		sd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (sd == -1)
		return -1;
	*what = "setsockopt IPV6_V6ONLY";
	if (sa->sa_family == AF_INET6 &&
	    setsockopt(sd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) == -1)
		goto fail;
	*what = "setsockopt SO_REUSEADDR";
	if (type == SOCK_STREAM && setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
		goto fail;
	*what = "bind";
	if (bind(sd, sa, salen) == -1)
		goto fail;
	*what = "listen";
	if (type == SOCK_STREAM && listen(sd, SOMAXCONN) == -1)
		goto fail;
	return sd;
fail:
	saved = errno;
	close(sd);
	errno = saved;
	return -1;
}

/*
 * Reads the datagrams waiting on SD, at most BATCH of them, and throws them
 * away.  Since nothing is ever sent, a forged source address gains an
 * attacker nothing here: the discard service cannot reflect or amplify.
 * Returns 0, or -1 with errno set when receiving fails for a reason that
 * will not pass.
 */
static int
discard_waiting(int sd)
{
	for (int i = 0; i < BATCH; i++) {
		/*
		 * One byte of buffer will do: recv consumes the whole datagram
		 * and the kernel drops what does not fit.  No source address
		 * either, since no one is answered.
		 */
		char ignored[1];

		if (recv(sd, ignored, sizeof ignored, 0) == -1) {
			/* EAGAIN (the same number as EWOULDBLOCK on Linux): all read. */
			if (errno == EAGAIN)
				return 0;
			/* Memory pressure, or an ICMP error reported on the socket. */
			if (errno == EINTR || errno == ENOMEM || errno == ENOBUFS ||
			    errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH) {
				warn("recv");
				continue;
			}
			return -1;
		}
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
	sd = open_server(SOCK_DGRAM, port, &what);
	if (sd == -1)
		err(EX_OSERR, "%s (UDP port %u)", what, (unsigned int)port);

	while (!stop) {
		struct pollfd pfd = { .fd = sd, .events = POLLIN };

		if (ppoll(&pfd, 1, NULL, &waitmask) == -1) {
			if (errno == EINTR)	/* a signal: the loop test decides */
				continue;
			warn("ppoll");
			status = EX_OSERR;
			break;
		}
		if (discard_waiting(sd) == -1) {
			warn("recv");
			status = EX_IOERR;
			break;
		}
	}
	close(sd);
	return status;
}
