/*
 * dhcp_discover - the first steps of DHCP seen from a client: who offers what on IFACE.
 *
 * usage: dhcp_discover [-r] [-w SECONDS] IFACE
 *        Broadcasts a DHCPDISCOVER from port 68 out of IFACE (SO_BINDTODEVICE:
 *        a host with no address yet has no route to choose an interface by) and
 *        prints every DHCPOFFER that answers within SECONDS (default 4; the DISCOVER
 *        is sent again halfway when nothing has come), one line
 *        each:  OFFER from SERVER: address A, lease N s, mask M, router R, dns D...
 *        -r: then asks for the first offer (DHCPREQUEST) and prints the server's
 *        ACK or NAK.  Nothing is configured: the address is only shown.  Needs the
 *        right to bind port 68 and to bind to a device (root, or root of a
 *        network namespace: unshare -rn).
 * exit:  0 an offer came (with -r: and was acknowledged), 64 usage (no such IFACE),
 *        69 the server refused the request (NAK), 71 system error (socket, bind: no
 *        privilege), 74 stdout failed (a closed pipe included), 75 no offer (or with
 *        -r no ACK) within SECONDS, 76 an offer without a server identifier (cannot
 *        be requested)
 * try:   sudo ./ch04-transmission/dhcp_discover eth0      (on a network with a DHCP server)
 * text:  chapter 4, "DHCP"
 */
#define _GNU_SOURCE	/* SO_BINDTODEVICE, struct ifreq, getentropy and poll are not in C17 */
#include <arpa/inet.h>
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define BOOTP_MIN	300	/* RFC 1542: relays may drop BOOTP messages shorter than this */
#define OPTIONS_AT	240	/* after the fixed fields (236 bytes) and the magic cookie */

enum { DISCOVER = 1, OFFER = 2, REQUEST = 3, ACK = 5, NAK = 6 };

static const unsigned char cookie[4] = { 99, 130, 83, 99 };

/* What an OFFER or ACK says, as far as we show it. */
struct lease {
	int type;
	struct in_addr yiaddr, server, mask, routers[4], dns[4];
	int nrouters, ndns, has_mask, has_server;
	uint32_t lease;
	int has_lease;
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

/* Up to MAX addresses from an option of LEN bytes (a multiple of 4). */
static int
addresses(const unsigned char *p, unsigned len, struct in_addr *out, int max)
{
	int n = 0;

	for (unsigned i = 0; i + 4 <= len && n < max; i += 4)
		memcpy(&out[n++], p + i, 4);
	return n;
}

/*
 * Parses the reply MSG (LEN bytes) for transaction XID and hardware address
 * MAC into L.  Returns 0, or -1 when it is not a well-formed reply to us
 * (another client's, a truncated one: ignored, as every client must on a
 * shared network).
 */
static int
parse_reply(const unsigned char *msg, size_t len, uint32_t xid, const unsigned char mac[6], struct lease *l)
{
	size_t p = OPTIONS_AT;

	memset(l, 0, sizeof *l);
	if (len < OPTIONS_AT || msg[0] != 2 || memcmp(msg + 4, &xid, 4) != 0 ||
	    memcmp(msg + 28, mac, 6) != 0 || memcmp(msg + 236, cookie, 4) != 0)
		return -1;
	memcpy(&l->yiaddr, msg + 16, 4);
	while (p < len && msg[p] != 255) {
		unsigned code = msg[p], olen;
		const unsigned char *v;

		if (code == 0) {	/* pad */
			p++;
			continue;
		}
		if (p + 2 > len || p + 2 + msg[p + 1] > len)
			return -1;	/* an option runs past the end of the message */
		olen = msg[p + 1];
		v = msg + p + 2;
		switch (code) {
		case 53:
			if (olen == 1)
				l->type = v[0];
			break;
		case 1:
			if (olen == 4) {
				memcpy(&l->mask, v, 4);
				l->has_mask = 1;
			}
			break;
		case 3:
			l->nrouters = addresses(v, olen, l->routers, 4);
			break;
		case 6:
			l->ndns = addresses(v, olen, l->dns, 4);
			break;
		case 51:
			if (olen == 4) {
				l->lease = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
				l->has_lease = 1;
			}
			break;
		case 54:
			if (olen == 4) {
				memcpy(&l->server, v, 4);
				l->has_server = 1;
			}
			break;
		default:
			break;
		}
		p += 2 + olen;
	}
	return l->type == 0 ? -1 : 0;
}

static void
print_lease(const char *what, const struct lease *l, struct in_addr from)
{
	char a[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN];

	/* The server identifier option names the server; the source address may be a relay's. */
	inet_ntop(AF_INET, l->has_server ? &l->server : &from, s, sizeof s);
	printf("%s from %s: address %s", what, s, inet_ntop(AF_INET, &l->yiaddr, a, sizeof a));
	if (l->has_lease) {
		if (l->lease == 0xffffffffU)
			printf(", lease infinite");
		else
			printf(", lease %u s", l->lease);
	}
	if (l->has_mask)
		printf(", mask %s", inet_ntop(AF_INET, &l->mask, a, sizeof a));
	for (int i = 0; i < l->nrouters; i++)
		printf("%s%s", i == 0 ? ", router " : " ", inet_ntop(AF_INET, &l->routers[i], a, sizeof a));
	for (int i = 0; i < l->ndns; i++)
		printf("%s%s", i == 0 ? ", dns " : " ", inet_ntop(AF_INET, &l->dns[i], a, sizeof a));
	printf("\n");
	fflush(stdout);
}

/* A DISCOVER or REQUEST into MSG (BOOTP_MIN bytes).  For a REQUEST, the offer L is asked for. */
static size_t
build(unsigned char *msg, int type, uint32_t xid, const unsigned char mac[6], const struct lease *l)
{
	size_t p = OPTIONS_AT;

	memset(msg, 0, BOOTP_MIN);
	msg[0] = 1;		/* BOOTREQUEST */
	msg[1] = 1;		/* Ethernet */
	msg[2] = 6;		/* hardware address length */
	memcpy(msg + 4, &xid, 4);
	/* Broadcast flag: we cannot take a unicast reply to an address we do not have yet. */
	msg[10] = 0x80;
	memcpy(msg + 28, mac, 6);
	memcpy(msg + 236, cookie, 4);
	msg[p++] = 53;
	msg[p++] = 1;
	msg[p++] = (unsigned char)type;
	if (type == REQUEST) {
		msg[p++] = 50;	/* requested address */
		msg[p++] = 4;
		memcpy(msg + p, &l->yiaddr, 4);
		p += 4;
		msg[p++] = 54;	/* the server whose offer we take: the others withdraw theirs */
		msg[p++] = 4;
		memcpy(msg + p, &l->server, 4);
		p += 4;
	}
	msg[p++] = 55;		/* parameter request list: mask, router, DNS, lease, server */
	msg[p++] = 5;
	msg[p++] = 1;
	msg[p++] = 3;
	msg[p++] = 6;
	msg[p++] = 51;
	msg[p++] = 54;
	msg[p++] = 255;
	return BOOTP_MIN;
}

/*
 * Waits until DEADLINE for replies of type WANT (and NAK) to XID; prints each
 * (WANT == OFFER: every one; otherwise the first).  Returns how many came,
 * with the first in *first; -1 on a socket error.
 */
static int
collect(int fd, uint32_t xid, const unsigned char mac[6], int want, int64_t deadline, struct lease *first)
{
	unsigned char msg[1500];
	int count = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct sockaddr_in from;
		socklen_t fromlen = sizeof from;
		struct lease l;
		int64_t left = deadline - now_ms();
		ssize_t n;
		int rc;

		if (left <= 0)
			return count;
		rc = poll(&pfd, 1, (int)left);
		if (rc == -1 && errno != EINTR)
			return -1;
		if (rc <= 0)
			continue;
		n = recvfrom(fd, msg, sizeof msg, 0, (struct sockaddr *)&from, &fromlen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (parse_reply(msg, (size_t)n, xid, mac, &l) == -1 || (l.type != want && l.type != NAK))
			continue;
		if (l.type == NAK && want == OFFER)
			continue;
		print_lease(l.type == OFFER ? "OFFER" : l.type == ACK ? "ACK" : "NAK", &l, from.sin_addr);
		if (count++ == 0)
			*first = l;
		if (want != OFFER)
			return count;
	}
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(68) };
	struct sockaddr_in bcast = { .sin_family = AF_INET, .sin_port = htons(67) };
	unsigned char msg[BOOTP_MIN], mac[6];
	struct ifreq ifr;
	struct lease offer, reply;
	const int on = 1;
	int opt, fd, request = 0, wait_ms = 4000, n;
	uint32_t xid;

	/*
	 * A reader that has gone (dhcp_discover IFACE | head -1) makes a write to stdout fail
	 * with EPIPE, which is reported (74), instead of killing us without a word.
	 */
	signal(SIGPIPE, SIG_IGN);

	while ((opt = getopt(argc, argv, "rw:")) != -1) {
		switch (opt) {
		case 'r':
			request = 1;
			break;
		case 'w': {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (!isdigit((unsigned char)optarg[0]) || errno != 0 || *end != '\0' || v < 1 || v > 60) {
				fprintf(stderr, "%s: -w takes 1..60 seconds, not '%s'\n", argv[0], optarg);
				goto usage;
			}
			wait_ms = (int)v * 1000;
			break;
		}
		default:
			goto usage;
		}
	}
	if (argc - optind != 1)
		goto usage;
	if (strlen(argv[optind]) >= IFNAMSIZ || if_nametoindex(argv[optind]) == 0) {
		fprintf(stderr, "%s: %s: no such interface\n", argv[0], argv[optind]);
		goto usage;
	}

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		err(EX_OSERR, "socket");
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, argv[optind], strlen(argv[optind]));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == -1)
		err(EX_OSERR, "%s: SIOCGIFHWADDR", argv[optind]);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, sizeof mac);
	/* The broadcast leaves through IFACE, whatever the routing table says; replies come from it only. */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, argv[optind], (socklen_t)strlen(argv[optind])) == -1)
		err(EX_OSERR, "setsockopt SO_BINDTODEVICE %s (needs CAP_NET_RAW: root, or unshare -rn)",
		    argv[optind]);
	if (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
		err(EX_OSERR, "setsockopt");
	/* Port 68 on every address: the replies are broadcast to 255.255.255.255:68. */
	any.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(fd, (struct sockaddr *)&any, sizeof any) == -1)
		err(EX_OSERR, "bind port 68 (needs root, or unshare -rn)");
	bcast.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	if (getentropy(&xid, sizeof xid) == -1)
		xid = (uint32_t)(getpid() ^ time(NULL));

	build(msg, DISCOVER, xid, mac, NULL);
	if (sendto(fd, msg, sizeof msg, 0, (struct sockaddr *)&bcast, sizeof bcast) == -1)
		err(EX_OSERR, "sendto 255.255.255.255 port 67");
	/*
	 * Datagrams get lost and servers may first ping the address they mean to
	 * offer: without an offer in the first half of the wait, DISCOVER is sent
	 * once more (RFC 2131, 4.1: a client retransmits).
	 */
	n = collect(fd, xid, mac, OFFER, now_ms() + wait_ms / 2, &offer);
	if (n == 0) {
		if (sendto(fd, msg, sizeof msg, 0, (struct sockaddr *)&bcast, sizeof bcast) == -1)
			err(EX_OSERR, "sendto 255.255.255.255 port 67");
		n = collect(fd, xid, mac, OFFER, now_ms() + wait_ms - wait_ms / 2, &offer);
	} else if (n > 0) {
		/* The other servers' offers, in the rest of the wait. */
		struct lease more;
		int m = collect(fd, xid, mac, OFFER, now_ms() + wait_ms - wait_ms / 2, &more);

		n = m == -1 ? -1 : n + m;
	}
	if (n == -1)
		err(EX_OSERR, "recvfrom");
	if (n == 0) {
		close(fd);
		errx(EX_TEMPFAIL, "%s: no offer within %d s", argv[optind], wait_ms / 1000);
	}
	/* The offers are what we are here for: unseen, asking for one of them would be blind. */
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	if (!request) {
		close(fd);
		return EX_OK;
	}
	if (!offer.has_server) {
		close(fd);
		errx(EX_PROTOCOL, "the offer names no server (option 54): cannot ask for it");
	}
	/* The REQUEST is broadcast too: every server that offered learns which offer was taken. */
	build(msg, REQUEST, xid, mac, &offer);
	if (sendto(fd, msg, sizeof msg, 0, (struct sockaddr *)&bcast, sizeof bcast) == -1)
		err(EX_OSERR, "sendto 255.255.255.255 port 67");
	n = collect(fd, xid, mac, ACK, now_ms() + wait_ms, &reply);
	close(fd);
	if (n == -1)
		err(EX_OSERR, "recvfrom");
	if (n == 0)
		errx(EX_TEMPFAIL, "%s: no ACK within %d s", argv[optind], wait_ms / 1000);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return reply.type == ACK ? EX_OK : EX_UNAVAILABLE;
usage:
	fprintf(stderr, "usage: %s [-r] [-w SECONDS] IFACE\n", argv[0]);
	return EX_USAGE;
}
