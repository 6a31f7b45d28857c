/*
 * portscan - which TCP ports of HOST accept a connection (what nc -z and nmap -sT do).
 *
 * usage: portscan [-4|-6] [-j N] [-t MS] HOST PORTS
 *        PORTS is a list like 22,80,8000-8100 (ports 1..65535).  HOST's first
 *        address (IPv6 first when it has both; -4/-6 pick a family) is scanned
 *        with non-blocking connects, N at a time (default 256), each given MS
 *        milliseconds (default 1000) before the port counts as filtered.  Each
 *        open port is printed in ascending order with its service name
 *        (getnameinfo; the number when there is none):  "22/tcp open ssh".
 *        An open connection is closed at once, nothing is sent.
 * exit:  0 some port is open, 1 none is, 64 usage (PORTS, N, MS), 68 HOST unknown,
 *        70 getaddrinfo refused the question (cannot happen), 71 system error
 *        (socket, descriptors), 74 stdout failed (a closed pipe included),
 *        75 temporary name-service failure
 * try:   nc -l ::1 5000 &     then:  ./ch02-tools/portscan ::1 4990-5010
 * text:  chapter 2, "nc" and "nmap"
 */
#define _GNU_SOURCE	/* getaddrinfo, getnameinfo, SOCK_NONBLOCK and EAI_NODATA are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define MAX_JOBS 4096

struct probe {
	int fd;
	uint16_t port;
	int64_t deadline;	/* monotonic ms */
};

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

/* A decimal number in LO..HI, digits only.  Returns 0, or -1. */
static int
parse_number(const char *text, size_t len, long lo, long hi, long *value)
{
	long v = 0;

	if (len == 0 || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)text[i]))
			return -1;
		v = v * 10 + (text[i] - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*value = v;
	return 0;
}

/* PORTS ("22,80,8000-8100") into the bitmap WANTED.  Returns the count, or -1. */
static long
parse_ports(const char *text, unsigned char wanted[8192])
{
	long count = 0;

	memset(wanted, 0, 8192);
	for (;;) {
		size_t len = strcspn(text, ",");
		const char *dash = memchr(text, '-', len);
		long lo, hi;

		if (dash != NULL) {
			if (parse_number(text, (size_t)(dash - text), 1, 65535, &lo) == -1 ||
			    parse_number(dash + 1, len - (size_t)(dash - text) - 1, 1, 65535, &hi) == -1 ||
			    hi < lo)
				return -1;
		} else {
			if (parse_number(text, len, 1, 65535, &lo) == -1)
				return -1;
			hi = lo;
		}
		for (long p = lo; p <= hi; p++) {
			if (!(wanted[p / 8] & (1 << (p % 8))))
				count++;
			wanted[p / 8] |= (unsigned char)(1 << (p % 8));
		}
		if (text[len] == '\0')
			return count;
		text += len + 1;
	}
}

/*
 * Starts a connect to ADDR port PORT in P.  Returns 1 when it is in flight, 0
 * when it finished at once (*open says how), -1 when no socket could be made.
 */
static int
start_probe(const struct sockaddr_storage *addr, socklen_t addrlen, uint16_t port,
    struct probe *p, int *open)
{
	struct sockaddr_storage ss = *addr;
	int fd;

	if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, addrlen) == 0) {
		*open = 1;
		close(fd);
		return 0;
	}
	if (errno != EINPROGRESS) {
		/* Refused at once (loopback answers in the call), unreachable, ...: not open. */
		*open = 0;
		close(fd);
		return 0;
	}
	p->fd = fd;
	p->port = port;
	return 1;
}

/*
 * Has the connect of FD succeeded?  SO_ERROR holds its outcome.  On loopback
 * a connect to a port in the ephemeral range can be given that same port as
 * its source and meet itself (TCP simultaneous open): a connection to
 * nobody, which must not count as open.
 */
static int
connected(int fd)
{
	struct sockaddr_storage local, peer;
	socklen_t llen = sizeof local, plen = sizeof peer;
	int error = 0;
	socklen_t elen = sizeof error;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &elen) == -1 || error != 0)
		return 0;
	if (getsockname(fd, (struct sockaddr *)&local, &llen) == -1 ||
	    getpeername(fd, (struct sockaddr *)&peer, &plen) == -1)
		return 0;
	return !(llen == plen && memcmp(&local, &peer, llen) == 0);
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-4|-6] [-j N] [-t MS] HOST PORTS   (PORTS like 22,80,8000-8100)\n", prog);
	exit(EX_USAGE);
}

int
main(int argc, char *argv[])
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	static unsigned char wanted[8192], open_ports[8192];
	static struct probe probes[MAX_JOBS];
	static struct pollfd fds[MAX_JOBS];
	struct sockaddr_storage target;
	socklen_t targetlen;
	struct addrinfo *list;
	struct rlimit rl;
	long jobs = 256, timeout = 1000, v;
	int opt, rc, inflight = 0, nopen = 0;
	long next = 1;

	/*
	 * A reader that has gone (portscan HOST PORTS | head -1) makes a write to stdout fail
	 * with EPIPE, which is reported (74), instead of killing us without a word.
	 */
	signal(SIGPIPE, SIG_IGN);

	while ((opt = getopt(argc, argv, "46j:t:")) != -1) {
		switch (opt) {
		case '4':
			hints.ai_family = AF_INET;
			break;
		case '6':
			hints.ai_family = AF_INET6;
			break;
		case 'j':
			if (parse_number(optarg, strlen(optarg), 1, MAX_JOBS, &v) == -1) {
				fprintf(stderr, "%s: -j takes 1..%d connections, not '%s'\n", argv[0], MAX_JOBS, optarg);
				usage(argv[0]);
			}
			jobs = v;
			break;
		case 't':
			if (parse_number(optarg, strlen(optarg), 1, 600000, &v) == -1) {
				fprintf(stderr, "%s: -t takes 1..600000 milliseconds, not '%s'\n", argv[0], optarg);
				usage(argv[0]);
			}
			timeout = v;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (argc - optind != 2)
		usage(argv[0]);
	if (parse_ports(argv[optind + 1], wanted) == -1) {
		fprintf(stderr, "%s: '%s' is not a list of ports 1..65535 like 22,80,8000-8100\n", argv[0],
		    argv[optind + 1]);
		usage(argv[0]);
	}
	/* Each probe holds a descriptor: stay below the limit, with room for stdio. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)jobs + 16 > rl.rlim_cur) {
		if (rl.rlim_cur <= 17)
			errx(EX_OSERR, "the descriptor limit (%ld) leaves no room for connections",
			    (long)rl.rlim_cur);
		jobs = (long)rl.rlim_cur - 16;
	}

	rc = getaddrinfo(argv[optind], NULL, &hints, &list);
	if (rc == EAI_SYSTEM)
		err(EX_OSERR, "getaddrinfo %s", argv[optind]);
	if (rc != 0)
		errx(gai_exit_status(rc), "%s: %s", argv[optind], gai_strerror(rc));
	/* One address: a port's state belongs to one address, not to a name. */
	memcpy(&target, list->ai_addr, list->ai_addrlen);
	targetlen = list->ai_addrlen;
	freeaddrinfo(list);

	while (next <= 65535 || inflight > 0) {
		int64_t now = now_ms(), wait;
		int ready;

		/* Fill the free slots with the next wanted ports. */
		while (inflight < jobs && next <= 65535) {
			int open = 0;
			long port = next++;

			if (!(wanted[port / 8] & (1 << (port % 8))))
				continue;
			rc = start_probe(&target, targetlen, (uint16_t)port, &probes[inflight], &open);
			if (rc == -1) {
				if ((errno == EMFILE || errno == ENFILE) && inflight > 0) {
					/* Fewer at once, then: try this port again when one finishes. */
					next = port;
					jobs = inflight;
					break;
				}
				err(EX_OSERR, "socket");
			}
			if (rc == 0) {
				if (open) {
					open_ports[port / 8] |= (unsigned char)(1 << (port % 8));
					nopen++;
				}
				continue;
			}
			probes[inflight].deadline = now + timeout;
			fds[inflight] = (struct pollfd){ .fd = probes[inflight].fd, .events = POLLOUT };
			inflight++;
		}
		if (inflight == 0)
			continue;
		/* The oldest probe is first: its deadline is the nearest. */
		wait = probes[0].deadline - now;
		for (int i = 1; i < inflight; i++)
			if (probes[i].deadline - now < wait)
				wait = probes[i].deadline - now;
		ready = poll(fds, (nfds_t)inflight, wait < 0 ? 0 : (int)wait);
		if (ready == -1) {
			if (errno == EINTR)
				continue;
			err(EX_OSERR, "poll");
		}
		now = now_ms();
		for (int i = 0; i < inflight; ) {
			struct probe *p = &probes[i];

			if (fds[i].revents == 0 && p->deadline > now) {
				i++;
				continue;
			}
			/* Ready (connected or failed), or out of time: filtered, not open. */
			if (fds[i].revents != 0 && connected(p->fd)) {
				open_ports[p->port / 8] |= (unsigned char)(1 << (p->port % 8));
				nopen++;
			}
			close(p->fd);
			/* The last entry moves here; look at index i again. */
			inflight--;
			probes[i] = probes[inflight];
			fds[i] = fds[inflight];
		}
	}

	for (long port = 1; port <= 65535; port++) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		char serv[NI_MAXSERV];

		if (!(open_ports[port / 8] & (1 << (port % 8))))
			continue;
		/* The service name comes from /etc/services by port alone; the address does not matter. */
		if (getnameinfo((struct sockaddr *)&sin, sizeof sin, NULL, 0, serv, sizeof serv, 0) != 0)
			snprintf(serv, sizeof serv, "%ld", port);
		printf("%ld/tcp open %s\n", port, serv);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return nopen > 0 ? EX_OK : 1;
}
