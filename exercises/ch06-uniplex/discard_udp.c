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
		if (discard_waiting(sd) == -1) {
			warn("recv");
			status = EX_IOERR;
			break;
		}
	}
	close(sd);
	return status;
}
