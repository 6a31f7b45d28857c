/*
 * icmp_echo - ping from scratch: ICMP or ICMPv6 echo over an unprivileged datagram ICMP socket.
 *
 * usage: icmp_echo [-c COUNT] [-i SECONDS] [-W SECONDS] HOST
 *        Sends COUNT (default 3, at most 100000) echo requests to HOST, its first
 *        address in getaddrinfo's order (IPv6 first), one every -i SECONDS (default
 *        1, at least 0.01), and waits -W SECONDS (default 2) after the last for late
 *        replies.  A line per reply, as ping prints it:
 *          64 bytes from ADDR: icmp_seq=N ttl=T time=R ms
 *        (ttl is the hop limit for IPv6), then the counts and rtt min/avg/max.
 *        The socket is SOCK_DGRAM with IPPROTO_ICMP or IPPROTO_ICMPV6: no
 *        privilege, but the caller's group must be in the sysctl
 *        net.ipv4.ping_group_range (which governs both families; "1 0", the
 *        kernel's default, allows nobody).
 * exit:  0 at least one reply, 64 usage (arguments, COUNT or SECONDS out of range),
 *        68 HOST unknown, 69 no reply at all, 71 system error (socket: the group is
 *        not in ping_group_range), 74 send or receive failed or stdout, 75 temporary
 *        name-service failure
 * try:   sudo sysctl -w net.ipv4.ping_group_range='0 2147483647'   (or, without root:
 *        unshare -rn sh -c 'ip link set lo up; sysctl -qw net.ipv4.ping_group_range="0 2147483647"; ./appendix-a-protocols/icmp_echo ::1')
 *        ./appendix-a-protocols/icmp_echo -c 3 127.0.0.1     and compare:  ping -c 3 127.0.0.1
 * text:  Appendix A, "ICMP" and "ICMPv6"
 */
#define _GNU_SOURCE	/* getaddrinfo, IPV6_RECVHOPLIMIT, struct in6_pktinfo and EAI_NODATA under -std=c17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
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

/* ping's default: 56 bytes of data, 64 with the 8-byte ICMP header. */
#define DATALEN 56
#define MAXCOUNT 100000

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

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The Internet checksum (RFC 1071): the ones' complement of the ones'
 * complement sum of the message's 16-bit words (a last odd byte padded with
 * zero), computed with the checksum field itself at 0.  The receiver sums the
 * message with the field filled in and must get 0xffff (0 after the
 * complement).  ICMP's covers the ICMP message only; ICMPv6's also covers a
 * pseudo-header of the IPv6 addresses, which only the kernel knows for sure
 * (it picks the source address), so for ICMPv6 the kernel always fills it in.
 * For ICMP over a datagram socket the kernel recomputes it too, after writing
 * its own identifier: we compute it to show how, and print it with -v.
 */
static uint16_t
icmp_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len % 2)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * A time (-i, -W): a decimal number of seconds MIN..MAX, fractions allowed
 * (0.2), or -1.  The canon parse_seconds takes whole seconds only, hence
 * another name.
 */
static double
parse_interval(const char *text, double min, double max)
{
	char *end;
	double v;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	v = strtod(text, &end);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	return v;
}

int
main(int argc, char *argv[])
{
	const struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *list;
	char addr[NI_MAXHOST];
	long count = 3;
	double interval = 1, wait_last = 2;
	int opt, rc, sd, family;
	const int on = 1;

	/* A reader that goes away (icmp_echo HOST | head -1) is an EPIPE on stdout, reported
	 * as 74, not a silent death by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	while ((opt = getopt(argc, argv, "+c:i:W:")) != -1) {
		char *end;

		switch (opt) {
		case 'c':
			errno = 0;
			count = isdigit((unsigned char)optarg[0]) ? strtol(optarg, &end, 10) : 0;
			if (count < 1 || count > MAXCOUNT || errno != 0 || *end != '\0') {
				fprintf(stderr, "%s: -c takes a count 1..%d, not '%s'\n", argv[0], MAXCOUNT, optarg);
				return EX_USAGE;
			}
			break;
		case 'i':
		case 'W':
			if ((opt == 'i' ? (interval = parse_interval(optarg, 0.01, 3600)) :
			    (wait_last = parse_interval(optarg, 0, 3600))) < 0) {
				fprintf(stderr, "%s: -%c takes seconds (%s..3600), not '%s'\n", argv[0], opt,
				    opt == 'i' ? "0.01" : "0", optarg);
				return EX_USAGE;
			}
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1)
		goto usage;
	const char *host = argv[optind];

	rc = getaddrinfo(host, NULL, &hints, &list);
	if (rc == EAI_SYSTEM)
		err(EX_OSERR, "getaddrinfo %s", host);
	if (rc != 0)
		errx(gai_exit_status(rc), "%s: %s", host, gai_strerror(rc));
	family = list->ai_family;
	struct sockaddr_storage dst;
	socklen_t dstlen = list->ai_addrlen;
	memcpy(&dst, list->ai_addr, dstlen);
	freeaddrinfo(list);
	if (getnameinfo((struct sockaddr *)&dst, dstlen, addr, sizeof addr, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(addr, sizeof addr, "?");

	sd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (sd == -1 && errno == EACCES) {
		FILE *f = fopen("/proc/sys/net/ipv4/ping_group_range", "r");
		unsigned long lo = 1, hi = 0;

		if (f != NULL) {
			char line[64], *end;

			if (fgets(line, sizeof line, f) != NULL) {
				lo = strtoul(line, &end, 10);
				hi = strtoul(end, NULL, 10);
			}
			fclose(f);
		}
		errx(EX_OSERR, "socket %s: permission denied: group %lu is not in net.ipv4.ping_group_range "
		    "(%lu %lu); allow it with: sysctl -w net.ipv4.ping_group_range='0 2147483647'",
		    family == AF_INET6 ? "ICMPv6" : "ICMP", (unsigned long)getgid(), lo, hi);
	}
	if (sd == -1)
		err(EX_OSERR, "socket");
	/* The TTL (hop limit) of each reply comes as ancillary data: the datagram socket gives no IP header. */
	if (family == AF_INET6 ? setsockopt(sd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on) :
	    setsockopt(sd, IPPROTO_IP, IP_RECVTTL, &on, sizeof on))
		err(EX_OSERR, "setsockopt (receive TTL)");

	printf("PING %s (%s): %d data bytes\n", host, addr, DATALEN);
	double t0 = now_s(), next = t0, end = 0, sum = 0, min = 0, max = 0;
	long sent = 0, received = 0;
	bool *seen = calloc((size_t)count + 1, sizeof *seen);

	if (seen == NULL)
		err(EX_OSERR, "calloc");
	for (;;) {
		double t = now_s();

		if (sent < count && t >= next) {
			uint8_t msg[8 + DATALEN];

			/* Type 8 (ICMP) or 128 (ICMPv6) echo request, code 0; the kernel sets the identifier. */
			memset(msg, 0, sizeof msg);
			msg[0] = family == AF_INET6 ? 128 : 8;
			msg[6] = (uint8_t)((sent + 1) >> 8);
			msg[7] = (uint8_t)(sent + 1);
			memcpy(msg + 8, &t, sizeof t);	/* our send time: the reply echoes it back */
			for (size_t i = 8 + sizeof t; i < sizeof msg; i++)
				msg[i] = (uint8_t)i;
			uint16_t c = icmp_checksum(msg, sizeof msg);
			msg[2] = (uint8_t)(c >> 8);
			msg[3] = (uint8_t)c;
			if (sendto(sd, msg, sizeof msg, 0, (struct sockaddr *)&dst, dstlen) == -1)
				err(EX_IOERR, "sendto %s", addr);
			sent++;
			next = t0 + interval * (double)sent;
			if (sent == count)
				end = t + wait_last;
			continue;
		}
		if (sent == count && (received == count || t >= end))
			break;

		double until = sent < count ? next : end;
		struct pollfd pfd = { .fd = sd, .events = POLLIN };
		int ms = (int)((until - t) * 1000) + 1;

		if (poll(&pfd, 1, ms) == -1) {
			if (errno == EINTR)
				continue;
			err(EX_OSERR, "poll");
		}
		if (!(pfd.revents & POLLIN))
			continue;

		uint8_t buf[1500];
		union {
			char space[CMSG_SPACE(sizeof(int)) * 2];
			struct cmsghdr align;
		} ctl;
		struct sockaddr_storage from;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
		struct msghdr mh = {
			.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.space, .msg_controllen = sizeof ctl.space,
		};
		ssize_t n = recvmsg(sd, &mh, MSG_DONTWAIT);
		int ttl = -1;

		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			err(EX_IOERR, "recvmsg");
		}
		/* Only echo replies reach a ping socket, already matched to its identifier. */
		if (n < 8 + (ssize_t)sizeof t || buf[0] != (family == AF_INET6 ? 129 : 0))
			continue;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
			if ((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TTL) ||
			    (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_HOPLIMIT))
				memcpy(&ttl, CMSG_DATA(cm), sizeof ttl);
		long seq = (long)buf[6] << 8 | buf[7];
		double then;

		memcpy(&then, buf + 8, sizeof then);
		if (seq < 1 || seq > sent || seen[seq])
			continue;	/* not ours, or a duplicate */
		seen[seq] = true;
		double rtt = (now_s() - then) * 1000;

		received++;
		sum += rtt;
		if (received == 1 || rtt < min)
			min = rtt;
		if (rtt > max)
			max = rtt;
		printf("%zd bytes from %s: icmp_seq=%ld ttl=%d time=%.3f ms\n", n, addr, seq, ttl, rtt);
		if (fflush(stdout) == EOF)
			err(EX_IOERR, "stdout");
	}
	close(sd);
	free(seen);
	printf("--- %s ping statistics ---\n", host);
	printf("%ld packets transmitted, %ld received, %ld%% packet loss\n", sent, received,
	    (sent - received) * 100 / sent);
	if (received > 0)
		printf("rtt min/avg/max = %.3f/%.3f/%.3f ms\n", min, sum / (double)received, max);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return received > 0 ? EX_OK : EX_UNAVAILABLE;

usage:
	fprintf(stderr, "usage: %s [-c COUNT] [-i SECONDS] [-W SECONDS] HOST\n", argv[0]);
	return EX_USAGE;
}
