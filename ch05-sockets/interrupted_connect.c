/*
 * interrupted_connect - a blocking connect() that SIGALRM interrupts, and how
 *                       to finish it: the handshake goes on in the kernel.
 *
 * usage: interrupted_connect HOST PORT SECONDS
 *          PORT     1..65535
 *          SECONDS  1..3600: the alarm that interrupts each connect()
 *                   (the kernel itself gives up on a SYN after about two
 *                   minutes, net.ipv4.tcp_syn_retries, so more is pointless)
 * out:   connect interrupted after SECONDS s; waiting with poll    (if it was)
 *        connected to ADDR port PORT
 *        every address of HOST is tried in turn; failures go to stderr.
 * exit:  0 connected, 64 usage, 68 unknown host, 69 every address refused or
 *        unreachable, 70 getaddrinfo refused the question (cannot happen),
 *        71 socket failed, 74 stdout failed (a closed pipe included), 75 timed out
 *        (poll waits at most 30 s after the interruption; the kernel's SYN
 *        retries ran out; EAI_AGAIN)
 * try:   nc -l ::1 5000  and  ./interrupted_connect ::1 5000 1   (connects at once);
 *        python3 tests/lib/full_backlog.py ::1 5000  (a listener that drops
 *        SYNs) and  ./interrupted_connect ::1 5000 1, then kill -USR1 the python
 * text:  chapter 5, "Signal Handling"
 */
#define _GNU_SOURCE	/* NI_MAXHOST and struct addrinfo are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* How long poll may wait for a handshake that the alarm interrupted. */
#define FINISH_MS	30000

/*
 * The handler does nothing: its existence is the point.  Without one,
 * SIGALRM would kill the process; with one installed without SA_RESTART,
 * the blocked connect() returns -1 with EINTR.
 */
static void
on_alarm(int sig)
{
	(void)sig;
}

/*
 * A decimal number in LO..HI and nothing else (strtol alone would also take
 * " 80", "+80", "-0" and "80x"): the value, or -1.
 */
static long
parse_decimal(const char *text, long lo, long hi)
{
	char *end;
	long value;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || value < lo || value > hi)
		return -1;
	return value;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * Waits, at most FINISH_MS, for the handshake that connect() started; the
 * outcome is in SO_ERROR.  0, or -1 with errno (ETIMEDOUT when poll gives
 * up, or the reason the connection failed).
 */
static int
finish_connect(int sd)
{
	struct pollfd pfd = { .fd = sd, .events = POLLOUT };
	struct timespec t0;
	int n, soerr;
	socklen_t len = sizeof soerr;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		long left = FINISH_MS - ms_since(&t0);

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = poll(&pfd, 1, (int)left);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if (n == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	/* Writable or POLLERR/POLLHUP: SO_ERROR says which (and clears it). */
	if (getsockopt(sd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		return -1;
	if (soerr != 0) {
		errno = soerr;
		return -1;
	}
	return 0;
}

/*
 * A connected socket to ai, or -1 with errno.  When the alarm interrupts
 * connect(), the SYN is already out and the kernel carries on with the
 * handshake; the socket is neither connected nor failed.  POSIX says a
 * second connect() fails with EALREADY (Linux instead waits again, as if
 * restarted), and closing it would abandon the attempt.  poll for POLLOUT
 * sees it through without another signal race.
 */
static int
connect_alarmed(const struct addrinfo *ai, unsigned seconds)
{
	int sd, rc, saved;

	sd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (sd == -1)
		return -1;
	alarm(seconds);
	rc = connect(sd, ai->ai_addr, ai->ai_addrlen);
	saved = errno;
	alarm(0);
	if (rc == -1 && saved == EINTR) {
		printf("connect interrupted after %u s; waiting with poll\n", seconds);
		fflush(stdout);
		rc = finish_connect(sd);
		saved = errno;
	}
	if (rc == -1) {
		close(sd);
		errno = saved;
		return -1;
	}
	return sd;
}

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

int
main(int argc, char *argv[])
{
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = 0 };
	struct addrinfo *res;
	long port, seconds;
	int rc, sd = -1, last = 0;
	char addr[NI_MAXHOST] = "";

	/* Port 0 means "any" to bind(); nobody can connect to it. */
	if (argc != 4 || (port = parse_decimal(argv[2], 1, 65535)) == -1 ||
	    (seconds = parse_decimal(argv[3], 1, 3600)) == -1) {
		fprintf(stderr, "usage: %s HOST PORT SECONDS   (PORT 1..65535, SECONDS 1..3600)\n",
		    argv[0]);
		return EX_USAGE;
	}
	/*
	 * sigaction, not signal(): glibc's signal() sets SA_RESTART when
	 * _DEFAULT_SOURCE is on (gnu17, or _GNU_SOURCE as here), and then the
	 * kernel resumes the connect() after the handler instead of failing it
	 * with EINTR.  Under plain -std=c17 signal() is System V style instead.
	 */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) == -1)
		err(EX_OSERR, "sigaction");

	/*
	 * A reader that has gone (interrupted_connect ... | head -1) makes a write to stdout
	 * fail with EPIPE, which is reported (74), instead of killing us without a word.
	 * signal() does here: an ignored signal interrupts nothing, so SA_RESTART is moot.
	 */
	signal(SIGPIPE, SIG_IGN);

	rc = getaddrinfo(argv[1], argv[2], &hints, &res);
	if (rc == EAI_SYSTEM)
		err(EX_OSERR, "getaddrinfo %s", argv[1]);
	if (rc != 0)
		errx(gai_exit_status(rc), "%s: %s", argv[1], gai_strerror(rc));

	for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		rc = getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof addr,
		    NULL, 0, NI_NUMERICHOST);
		if (rc != 0)
			snprintf(addr, sizeof addr, "(%s)", gai_strerror(rc));
		sd = connect_alarmed(ai, (unsigned)seconds);
		if (sd != -1)
			break;
		last = errno;
		warn("connect to %s port %ld", addr, port);
	}
	freeaddrinfo(res);

	if (sd == -1) {
		switch (last) {
		case ETIMEDOUT:
			errx(EX_TEMPFAIL, "%s port %ld: %s", argv[1], port, strerror(last));
		case EMFILE: case ENFILE: case ENOBUFS: case ENOMEM:
			errx(EX_OSERR, "%s port %ld: %s", argv[1], port, strerror(last));
		default:
			errx(EX_UNAVAILABLE, "%s port %ld: %s", argv[1], port, strerror(last));
		}
	}
	printf("connected to %s port %ld\n", addr, port);
	close(sd);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return EX_OK;
}
