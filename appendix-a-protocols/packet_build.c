/*
 * packet_build - build an IPv4 or IPv6 UDP datagram byte by byte, checksums by hand, and send it raw.
 *
 * usage: packet_build [-b] [-p SPORT] SRC DST PORT MESSAGE
 *        SRC and DST are numeric addresses of one family (127.0.0.1, ::1).  The IP
 *        header, the UDP header and MESSAGE are written into one buffer, field by
 *        field in the appendix's order, the UDP checksum computed over the
 *        pseudo-header (and, for IPv4, the header checksum), then the whole packet
 *        is handed to a raw socket (IPPROTO_RAW: we supply the IP header) for DST.
 *        Every byte is printed first, annotated.  -b sends a wrong UDP checksum:
 *        the receiving kernel drops the datagram and counts it (UdpInCsumErrors
 *        in /proc/net/snmp).  SPORT defaults to 40000.  Raw sockets need
 *        CAP_NET_RAW: root, or a private namespace (unshare -rn).
 * exit:  0 sent, 64 usage (arguments, SRC/DST not numeric or of different
 *        families, a port not a decimal 0..65535, MESSAGE over 1400 bytes),
 *        71 system error (socket: no CAP_NET_RAW), 74 sendto or stdout failed (a
 *        closed pipe included)
 * try:   unshare -rn sh -c 'ip link set lo up; timeout 2 nc -u -l 127.0.0.1 5000 & sleep 0.5;
 *          ./appendix-a-protocols/packet_build 127.0.0.1 127.0.0.1 5000 hello; wait'
 * text:  Appendix A, "IPv4", "IPv6" and "UDP"
 */
#define _GNU_SOURCE	/* struct sockaddr_in6 and inet_pton under -std=c17 */
#include <arpa/inet.h>
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

/* Small enough for any link's MTU with both headers: no fragmentation to explain. */
#define MAXMSG 1400

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

/* The ones' complement sum of 16-bit big-endian words (RFC 1071), not yet complemented. */
static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len % 2)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* One annotated field: its offset, its bytes in hex, what it means. */
static void
show(const uint8_t *pkt, size_t off, size_t len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));


static void
show(const uint8_t *pkt, size_t off, size_t len, const char *fmt, ...)
{
	char hex[64] = "";
	size_t n = 0;
	va_list ap;

	for (size_t i = 0; i < len && n + 4 < sizeof hex; i++)
		n += (size_t)snprintf(hex + n, sizeof hex - n, "%02x ", pkt[off + i]);
	printf("  %04zx  %-18s", off, hex);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

int
main(int argc, char *argv[])
{
	uint8_t pkt[40 + 8 + MAXMSG], src[16], dst[16];
	uint16_t sport = 40000, dport;
	bool broken = false, v6;
	int opt;

	/*
	 * A reader that has gone (packet_build ... | head -1) makes a write to stdout fail
	 * with EPIPE, which is reported (74), instead of killing us without a word.
	 */
	signal(SIGPIPE, SIG_IGN);

	while ((opt = getopt(argc, argv, "+bp:")) != -1) {
		if (opt == 'b')
			broken = true;
		else if (opt == 'p' && parse_port(optarg, &sport) == 0)
			continue;
		else
			goto usage;
	}
	if (argc - optind != 4 || parse_port(argv[optind + 2], &dport) == -1)
		goto usage;
	const char *s = argv[optind], *d = argv[optind + 1], *msg = argv[optind + 3];
	size_t mlen = strlen(msg);

	v6 = strchr(s, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, s, src) != 1 || inet_pton(v6 ? AF_INET6 : AF_INET, d, dst) != 1) {
		fprintf(stderr, "%s: SRC and DST must be numeric addresses of one family, not '%s' and '%s'\n",
		    argv[0], s, d);
		return EX_USAGE;
	}
	if (mlen > MAXMSG) {
		fprintf(stderr, "%s: MESSAGE is %zu bytes; at most %d\n", argv[0], mlen, MAXMSG);
		return EX_USAGE;
	}

	size_t ihl = v6 ? 40 : 20, ulen = 8 + mlen, total = ihl + ulen;
	uint8_t *ip = pkt, *udp = pkt + ihl;

	memset(pkt, 0, sizeof pkt);
	if (!v6) {
		ip[0] = 0x45;			/* version 4, IHL 5 words */
		ip[1] = 0;			/* DSCP 0, ECN 0 */
		put16(ip + 2, (unsigned)total);	/* total length: header + UDP */
		put16(ip + 4, 0x1234);		/* identification */
		put16(ip + 6, 0x4000);		/* flags: DF; fragment offset 0 */
		ip[8] = 64;			/* time to live */
		ip[9] = IPPROTO_UDP;		/* protocol 17 */
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		/* The header checksum covers the header only (RFC 791), computed with the field at 0. */
		put16(ip + 10, fold(sum16(ip, 20, 0)));
	} else {
		ip[0] = 0x60;			/* version 6, traffic class 0, flow label 0 */
		put16(ip + 4, (unsigned)ulen);	/* payload length: what follows this header */
		ip[6] = IPPROTO_UDP;		/* next header 17 */
		ip[7] = 64;			/* hop limit */
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	}
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (unsigned)ulen);
	for (size_t i = 0; i < mlen; i++)	/* the bytes of MESSAGE, without its NUL */
		udp[8 + i] = (uint8_t)msg[i];
	/*
	 * The UDP checksum covers a pseudo-header that is never sent: source and
	 * destination addresses, the protocol (17) and the UDP length (RFC 768;
	 * RFC 8200 8.1 for IPv6, with 32-bit length and 128-bit addresses), then
	 * the UDP header (checksum field at 0) and the data.  A result of 0 is sent
	 * as 0xffff, since 0 means "no checksum" (allowed over IPv4 only).
	 */
	size_t alen = v6 ? 16 : 4;
	uint32_t pseudo = sum16(src, alen, 0) + sum16(dst, alen, 0) + IPPROTO_UDP + (uint32_t)ulen;
	uint16_t c = fold(sum16(udp, ulen, pseudo));

	if (c == 0)
		c = 0xffff;
	if (broken)
		c ^= 0x5a5a;
	put16(udp + 6, c);

	if (!v6) {
		printf("IPv4 header, %zu bytes\n", ihl);
		show(pkt, 0, 1, "version 4, IHL 5 (20 bytes, no options)");
		show(pkt, 1, 1, "DSCP 0, ECN 0");
		show(pkt, 2, 2, "total length %zu", total);
		show(pkt, 4, 2, "identification 0x1234");
		show(pkt, 6, 2, "flags DF, fragment offset 0");
		show(pkt, 8, 1, "time to live 64");
		show(pkt, 9, 1, "protocol 17 (UDP)");
		show(pkt, 10, 2, "header checksum 0x%04x (over these 20 bytes)", (unsigned)(ip[10] << 8 | ip[11]));
		show(pkt, 12, 4, "source %s", s);
		show(pkt, 16, 4, "destination %s", d);
	} else {
		printf("IPv6 header, %zu bytes (no checksum: the link and UDP's checksum cover it)\n", ihl);
		show(pkt, 0, 4, "version 6, traffic class 0, flow label 0");
		show(pkt, 4, 2, "payload length %zu", ulen);
		show(pkt, 6, 1, "next header 17 (UDP)");
		show(pkt, 7, 1, "hop limit 64");
		show(pkt, 8, 16, "source %s", s);
		show(pkt, 24, 16, "destination %s", d);
	}
	printf("UDP header, 8 bytes\n");
	show(pkt, ihl, 2, "source port %u", sport);
	show(pkt, ihl + 2, 2, "destination port %u", dport);
	show(pkt, ihl + 4, 2, "length %zu (header and data)", ulen);
	show(pkt, ihl + 6, 2, "checksum 0x%04x (pseudo-header, header and data)%s", c,
	    broken ? " WRONG on purpose: the receiver drops it" : "");
	printf("data, %zu bytes\n", mlen);
	for (size_t i = 0; i < mlen; i += 8)
		show(pkt, ihl + 8 + i, mlen - i < 8 ? mlen - i : 8, "\"%.*s\"", (int)(mlen - i < 8 ? mlen - i : 8), msg + i);

	/*
	 * IPPROTO_RAW: the socket sends what we give it, our IP header included
	 * (IP_HDRINCL is implied); the kernel only fills in an IPv4 header
	 * checksum or identification we leave at 0.  It cannot receive.
	 */
	int sd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (sd == -1 && (errno == EPERM || errno == EACCES))
		err(EX_OSERR, "socket SOCK_RAW (needs CAP_NET_RAW: root, or inside unshare -rn)");
	if (sd == -1)
		err(EX_OSERR, "socket SOCK_RAW");
	struct sockaddr_storage ss;
	socklen_t sslen;

	memset(&ss, 0, sizeof ss);
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, dst, 16);
		sslen = sizeof *sin6;
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, dst, 4);
		sslen = sizeof *sin;
	}
	if (sendto(sd, pkt, total, 0, (struct sockaddr *)&ss, sslen) != (ssize_t)total) {
		warn("sendto %s", d);
		close(sd);
		return EX_IOERR;
	}
	close(sd);
	printf("sent %zu bytes to %s\n", total, d);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return EX_OK;

usage:
	fprintf(stderr, "usage: %s [-b] [-p SPORT] SRC DST PORT MESSAGE\n", argv[0]);
	return EX_USAGE;
}
