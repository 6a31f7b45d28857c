/*
 * hdr_dump - a small tcpdump: every header of Appendix A, field by field, from the wire or a pcap file.
 *
 * usage: hdr_dump [-i IFACE | -r FILE] [-c COUNT] [-v] [-x]
 *        -r FILE reads a classic pcap file (microsecond or nanosecond, either byte
 *        order; link types Ethernet and raw IP) with plain file I/O.  -i IFACE
 *        captures live from an AF_PACKET socket, the interface in promiscuous mode
 *        (needs CAP_NET_RAW: root, or any user inside `unshare -rn`); the
 *        kernel's direction (in, out, ...) is shown.  One line per packet: number,
 *        time, length, the innermost summary.  -v adds a line per header with every
 *        field: Ethernet (and VLAN tags), ARP, IPv4 (checksum verified), IPv6 (and
 *        its extension headers), ICMP, ICMPv6 (NDP's messages and options), UDP and
 *        TCP (pseudo-header checksum verified; TCP's options), DNS on port 53.
 *        -x adds the bytes in hex.  -c stops after COUNT packets.  A packet shorter
 *        than a header says so ("truncated") and nothing past its end is read.
 * exit:  0 done (COUNT packets, the file's end, or SIGINT/SIGTERM while capturing),
 *        64 usage (arguments, COUNT not 1..1000000000, IFACE unknown), 65 FILE is
 *        not a pcap file we can read (magic, version, link type, a record larger
 *        than 256 KiB, a file cut inside a record), 66 FILE cannot be opened,
 *        71 system error (socket: no CAP_NET_RAW, bind, malloc), 74 read error, or
 *        stdout failed (a closed pipe included)
 * try:   sudo ./appendix-a-protocols/hdr_dump -i lo -c 4 -v     and elsewhere:  ping -c 1 ::1
 *        (without root:  unshare -rn sh -c 'ip link set lo up; ./appendix-a-protocols/hdr_dump -i lo -c 2 -v & sleep 1; ping -c 1 127.0.0.1; wait')
 * text:  Appendix A, "Protocols" (every section's header layout)
 */
#define _GNU_SOURCE	/* struct packet_mreq, sigaction, if_nametoindex and inet_ntop under -std=c17 */
#include <arpa/inet.h>
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* The largest record accepted from a file: tcpdump's own limit for Ethernet is 262144. */
#define MAX_RECORD 262144

static bool verbose, hexdump;

/* ---- reading big-endian fields, always after a length check ---- */

static unsigned
get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * The Internet checksum (RFC 1071): the ones' complement of the ones'
 * complement sum of 16-bit words, an odd last byte padded with zero.  SUM
 * carries a partial sum in (a pseudo-header's).  Over data that includes its
 * own correct checksum field, the result is 0.
 */
static unsigned
csum(const uint8_t *p, size_t len, uint32_t sum)
{
	while (len > 1) {
		sum += get16(p);
		p += 2;
		len -= 2;
	}
	if (len == 1)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* The pseudo-header sum: addresses, protocol and upper-layer length (RFC 768, RFC 8200 8.1). */
static uint32_t
pseudo_sum(int family, const uint8_t *src, const uint8_t *dst, unsigned proto, size_t len)
{
	size_t alen = family == AF_INET6 ? 16 : 4;
	uint32_t sum = proto + (uint32_t)(len & 0xffff) + (uint32_t)(len >> 16);

	for (size_t i = 0; i < alen; i += 2)
		sum += get16(src + i) + get16(dst + i);
	return sum;
}

static void
print_mac(const uint8_t *p)
{
	printf("%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)p[0], (unsigned)p[1], (unsigned)p[2], (unsigned)p[3], (unsigned)p[4], (unsigned)p[5]);
}

static const char *
addr_str(int family, const uint8_t *p, char *buf, size_t len)
{
	if (inet_ntop(family, p, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

/* The summary line's tail, built up by the decoders (innermost wins). */
static char summary[512];

static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(summary, sizeof summary, fmt, ap);
	va_end(ap);
}

/* Appends to the summary line (vsnprintf truncates what does not fit). */
static void
add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
add(const char *fmt, ...)
{
	size_t n = strlen(summary);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(summary + n, sizeof summary - n, fmt, ap);
	va_end(ap);
}

/* Reports a header cut short: we show what is there and read nothing beyond. */
static void
truncated(const char *what, size_t have, size_t need)
{
	if (verbose)
		printf("  %s: [truncated: %zu of %zu bytes]\n", what, have, need);
	add(" [truncated %s]", what);
}

/* Reports a header whose fields contradict each other: nothing after it is decoded. */
static void
malformed(const char *what, const char *why)
{
	if (verbose)
		printf("  %s: [malformed: %s]\n", what, why);
	add(" [malformed %s: %s]", what, why);
}

static const char *
check_word(unsigned result, bool whole)
{
	if (!whole)
		return "not verified: packet truncated";
	return result == 0 ? "correct" : "WRONG";
}

/* The network layer's addresses, for the transport layer's summary and checksum. */
struct ip_ctx {
	int family;
	const uint8_t *src, *dst;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	bool whole;		/* the capture holds the whole datagram: checksums can be verified */
};

/* ---- DNS (RFC 1035), on port 53 ---- */

/*
 * Reads a domain name at OFF of the message MSG (LEN bytes) into OUT,
 * following compression pointers (at most 64 of them: a loop of pointers is
 * malformed, not endless).  Returns the offset after the name where it is
 * stored, or -1 when it runs past the message.
 */
static long
dns_name(const uint8_t *msg, size_t len, size_t off, char *out, size_t outlen)
{
	size_t pos = off, o = 0;
	long after = -1;
	int jumps = 0;

	out[0] = '\0';
	for (;;) {
		if (pos >= len)
			return -1;
		unsigned n = msg[pos];

		if ((n & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++jumps > 64)
				return -1;
			if (after == -1)
				after = (long)pos + 2;
			pos = (n & 0x3f) << 8 | msg[pos + 1];
			continue;
		}
		if (n & 0xc0)
			return -1;
		if (n == 0) {
			if (o == 0)
				snprintf(out, outlen, ".");
			return after == -1 ? (long)pos + 1 : after;
		}
		if (pos + 1 + n > len)
			return -1;
		for (unsigned i = 0; i < n; i++) {
			unsigned char c = msg[pos + 1 + i];

			if (o + 5 < outlen)
				o += (size_t)snprintf(out + o, outlen - o, isgraph(c) && c != '.' ? "%c" : "\\%03o", c);
		}
		if (o + 2 < outlen) {
			out[o++] = '.';
			out[o] = '\0';
		}
		pos += 1 + n;
	}
}

static const char *
dns_type(unsigned t)
{
	switch (t) {
	case 1: return "A";
	case 2: return "NS";
	case 5: return "CNAME";
	case 6: return "SOA";
	case 12: return "PTR";
	case 15: return "MX";
	case 16: return "TXT";
	case 28: return "AAAA";
	case 33: return "SRV";
	case 41: return "OPT";
	case 255: return "ANY";
	default: return "?";
	}
}

static void
decode_dns(const uint8_t *p, size_t len)
{
	char name[1024];
	size_t off = 12;

	if (len < 12) {
		truncated("dns", len, 12);
		return;
	}
	unsigned id = get16(p), fl = get16(p + 2), qd = get16(p + 4), an = get16(p + 6);
	unsigned ns = get16(p + 8), ar = get16(p + 10);

	if (verbose)
		printf("  dns: id %u qr %u opcode %u aa %u tc %u rd %u ra %u z %u rcode %u questions %u answers %u authority %u additional %u\n",
		    id, fl >> 15, fl >> 11 & 15, fl >> 10 & 1, fl >> 9 & 1, fl >> 8 & 1, fl >> 7 & 1,
		    fl >> 4 & 7, fl & 15, qd, an, ns, ar);
	add(", DNS %s id %u", fl >> 15 ? "response" : "query", id);
	for (unsigned i = 0; i < qd; i++) {
		long next = dns_name(p, len, off, name, sizeof name);

		if (next == -1 || (size_t)next + 4 > len) {
			truncated("dns question", len - off, off + 5);
			return;
		}
		off = (size_t)next;
		unsigned t = get16(p + off), c = get16(p + off + 2);

		off += 4;
		if (verbose)
			printf("  dns-question: %s type %u (%s) class %u\n", name, t, dns_type(t), c);
		if (i == 0)
			add(" %s? %s", dns_type(t), name);
	}
	for (unsigned i = 0; i < an + ns + ar; i++) {
		const char *sect = i < an ? "answer" : i < an + ns ? "authority" : "additional";
		long next = dns_name(p, len, off, name, sizeof name);

		if (next == -1 || (size_t)next + 10 > len) {
			truncated("dns record", len - off, off + 11);
			return;
		}
		off = (size_t)next;
		unsigned t = get16(p + off), c = get16(p + off + 2), rdlen = get16(p + off + 8);
		uint32_t ttl = get32(p + off + 4);

		off += 10;
		if (off + rdlen > len) {
			truncated("dns record data", len - off, rdlen);
			return;
		}
		if (verbose) {
			char a[INET6_ADDRSTRLEN];

			printf("  dns-%s: %s type %u (%s) class %u ttl %u rdlength %u", sect, name, t,
			    dns_type(t), c, ttl, rdlen);
			if (t == 1 && rdlen == 4)
				printf(" %s", addr_str(AF_INET, p + off, a, sizeof a));
			else if (t == 28 && rdlen == 16)
				printf(" %s", addr_str(AF_INET6, p + off, a, sizeof a));
			else if ((t == 5 || t == 2 || t == 12) && dns_name(p, len, off, name, sizeof name) != -1)
				printf(" %s", name);
			putchar('\n');
		}
		off += rdlen;
	}
}

/* ---- UDP (RFC 768) and TCP (RFC 9293) ---- */

static void
decode_udp(const struct ip_ctx *ip, const uint8_t *p, size_t len, size_t wire_len)
{
	if (len < 8) {
		truncated("udp", len, 8);
		return;
	}
	unsigned sp = get16(p), dp = get16(p + 2), ulen = get16(p + 4), sum = get16(p + 6);
	const char *verdict;

	/* UDP over IPv4 may leave the checksum out (0); over IPv6 it is mandatory. */
	if (sum == 0 && ip->family == AF_INET)
		verdict = "none";
	else if (ulen < 8 || ulen > wire_len)
		verdict = "not verified: bad length";
	else
		verdict = check_word(csum(p, ulen, pseudo_sum(ip->family, ip->src, ip->dst, 17, ulen)),
		    ip->whole && ulen <= len);
	if (verbose)
		printf("  udp: sport %u dport %u length %u checksum 0x%04x (%s)\n", sp, dp, ulen, sum, verdict);
	say("%s.%u > %s.%u: UDP, length %u", ip->s, sp, ip->d, dp, ulen >= 8 ? ulen - 8 : 0);
	if (sp == 53 || dp == 53)
		decode_dns(p + 8, (ulen >= 8 && ulen <= len ? ulen : len) - 8);
}

static void
tcp_options(const uint8_t *p, size_t len)
{
	printf("  tcp-options:");
	for (size_t i = 0; i < len;) {
		unsigned kind = p[i];

		if (kind == 0) {
			printf(" eol");
			break;
		}
		if (kind == 1) {
			printf(" nop");
			i++;
			continue;
		}
		if (i + 1 >= len || p[i + 1] < 2 || i + p[i + 1] > len) {
			printf(" [bad option length]");
			break;
		}
		unsigned olen = p[i + 1];
		const uint8_t *o = p + i + 2;

		if (kind == 2 && olen == 4)
			printf(" mss %u", get16(o));
		else if (kind == 3 && olen == 3)
			printf(" wscale %u", (unsigned)o[0]);
		else if (kind == 4 && olen == 2)
			printf(" sackOK");
		else if (kind == 5 && (olen - 2) % 8 == 0) {
			printf(" sack");
			for (unsigned b = 0; b < (olen - 2) / 8; b++)
				printf(" %u:%u", get32(o + 8 * (size_t)b), get32(o + 8 * (size_t)b + 4));
		} else if (kind == 8 && olen == 10)
			printf(" TS val %u ecr %u", get32(o), get32(o + 4));
		else
			printf(" kind %u length %u", kind, olen);
		i += olen;
	}
	putchar('\n');
}

static void
decode_tcp(const struct ip_ctx *ip, const uint8_t *p, size_t len, size_t wire_len)
{
	static const char flagc[] = "FSRPAUEC";
	char flags[16];
	size_t nf = 0;

	if (len < 20) {
		/* The ports are the first four bytes: say them if they are there. */
		if (len >= 4) {
			if (verbose)
				printf("  tcp: sport %u dport %u\n", get16(p), get16(p + 2));
			say("%s.%u > %s.%u: TCP", ip->s, get16(p), ip->d, get16(p + 2));
		}
		truncated("tcp", len, 20);
		return;
	}
	unsigned sp = get16(p), dp = get16(p + 2), fl = p[13];
	size_t off = (size_t)(p[12] >> 4);
	uint32_t seq = get32(p + 4), ack = get32(p + 8);

	/* tcpdump's letters: S F R P U E W (CWR), '.' for ACK. */
	for (int b = 0; b < 8; b++)
		if (fl & 1u << b)
			flags[nf++] = (char)(b == 4 ? '.' : b == 7 ? 'W' : flagc[b]);
	flags[nf] = '\0';
	if (verbose) {
		bool ok = off >= 5 && wire_len >= off * 4;
		unsigned r = csum(p, wire_len <= len ? wire_len : len,
		    pseudo_sum(ip->family, ip->src, ip->dst, 6, wire_len));

		printf("  tcp: sport %u dport %u seq %u ack %u offset %zu (%zu bytes) reserved %u flags [%s] window %u checksum 0x%04x (%s) urgent %u\n",
		    sp, dp, seq, ack, off, off * 4, (unsigned)p[12] >> 1 & 7, flags, get16(p + 14), get16(p + 16),
		    ok ? check_word(r, ip->whole && wire_len <= len) : "not verified: bad offset",
		    get16(p + 18));
	}
	say("%s.%u > %s.%u: TCP [%s] seq %u ack %u win %u, length %zu", ip->s, sp, ip->d, dp, flags, seq,
	    ack, get16(p + 14), wire_len >= off * 4 ? wire_len - off * 4 : 0);
	if (off < 5) {
		malformed("tcp", "data offset below 5 (a header is at least 20 bytes)");
		return;
	}
	if (len < off * 4) {
		truncated("tcp options", len, off * 4);
		return;
	}
	if (verbose && off > 5)
		tcp_options(p + 20, off * 4 - 20);
	if ((sp == 53 || dp == 53) && wire_len > off * 4 + 2 && len > off * 4 + 2) {
		/* DNS over TCP: a two-byte length, then the message. */
		size_t m = (wire_len <= len ? wire_len : len) - off * 4 - 2;
		decode_dns(p + off * 4 + 2, m);
	}
}

/* ---- ICMP (RFC 792) and ICMPv6 (RFC 4443), with NDP (RFC 4861) ---- */

static const char *
icmp_name(unsigned t)
{
	switch (t) {
	case 0: return "echo reply";
	case 3: return "destination unreachable";
	case 5: return "redirect";
	case 8: return "echo request";
	case 11: return "time exceeded";
	case 12: return "parameter problem";
	default: return "?";
	}
}

static const char *
icmp6_name(unsigned t)
{
	switch (t) {
	case 1: return "destination unreachable";
	case 2: return "packet too big";
	case 3: return "time exceeded";
	case 4: return "parameter problem";
	case 128: return "echo request";
	case 129: return "echo reply";
	case 133: return "router solicitation";
	case 134: return "router advertisement";
	case 135: return "neighbor solicitation";
	case 136: return "neighbor advertisement";
	case 137: return "redirect";
	case 143: return "multicast listener report v2";
	default: return "?";
	}
}

static void
decode_icmp(const struct ip_ctx *ip, const uint8_t *p, size_t len, size_t wire_len)
{
	if (len < 8) {
		truncated("icmp", len, 8);
		return;
	}
	unsigned t = p[0], c = p[1];

	if (verbose) {
		printf("  icmp: type %u (%s) code %u checksum 0x%04x (%s)", t, icmp_name(t), c, get16(p + 2),
		    check_word(csum(p, len, 0), ip->whole && wire_len <= len));
		if (t == 0 || t == 8)
			printf(" id %u seq %u", get16(p + 4), get16(p + 6));
		putchar('\n');
	}
	if (t == 0 || t == 8)
		say("%s > %s: ICMP %s, id %u, seq %u, length %zu", ip->s, ip->d, icmp_name(t), get16(p + 4),
		    get16(p + 6), wire_len);
	else
		say("%s > %s: ICMP %s (type %u code %u), length %zu", ip->s, ip->d, icmp_name(t), t, c, wire_len);
	/*
	 * An error quotes the start of the datagram that caused it: its IPv4
	 * header and at least 8 bytes more, the ports of UDP or TCP (RFC 792).
	 */
	if ((t == 3 || t == 11 || t == 12) && len >= 8 + 20 && p[8] >> 4 == 4 && (p[8] & 15) >= 5 &&
	    len >= 8 + (size_t)(p[8] & 15) * 4 + 4) {
		const uint8_t *q = p + 8, *l4 = q + (size_t)(q[0] & 15) * 4;
		char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];

		addr_str(AF_INET, q + 12, s, sizeof s);
		addr_str(AF_INET, q + 16, d, sizeof d);
		if (verbose)
			printf("  icmp-quoted: ipv4 src %s dst %s proto %u sport %u dport %u\n", s, d, (unsigned)q[9],
			    get16(l4), get16(l4 + 2));
		add(", quoting %s.%u > %s.%u proto %u", s, get16(l4), d, get16(l4 + 2), (unsigned)q[9]);
	}
}

/* NDP's options (RFC 4861 4.6): type, length in units of 8 bytes, value. */
static void
ndp_options(const uint8_t *p, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	while (len >= 2) {
		size_t olen = (size_t)p[1] * 8;

		if (olen == 0 || olen > len) {
			if (verbose)
				printf("  ndp-option: type %u [bad length %u]\n", (unsigned)p[0], (unsigned)p[1]);
			return;
		}
		if (verbose) {
			printf("  ndp-option: type %u", (unsigned)p[0]);
			if ((p[0] == 1 || p[0] == 2) && olen >= 8) {
				printf(" (%s link-layer address) ", p[0] == 1 ? "source" : "target");
				print_mac(p + 2);
			} else if (p[0] == 3 && olen == 32) {
				printf(" (prefix) %s/%u flags 0x%02x valid %u preferred %u",
				    addr_str(AF_INET6, p + 16, a, sizeof a), (unsigned)p[2], (unsigned)p[3], get32(p + 4), get32(p + 8));
			} else if (p[0] == 5 && olen == 8) {
				printf(" (mtu) %u", get32(p + 4));
			} else {
				printf(" length %zu", olen);
			}
			putchar('\n');
		}
		p += olen;
		len -= olen;
	}
}

static void
decode_icmp6(const struct ip_ctx *ip, const uint8_t *p, size_t len, size_t wire_len)
{
	char a[INET6_ADDRSTRLEN];

	if (len < 8) {
		truncated("icmpv6", len, 8);
		return;
	}
	unsigned t = p[0], c = p[1];
	/* Unlike ICMP's, ICMPv6's checksum covers the IPv6 pseudo-header too. */
	unsigned r = csum(p, wire_len <= len ? wire_len : len, pseudo_sum(AF_INET6, ip->src, ip->dst, 58, wire_len));

	if (verbose) {
		printf("  icmpv6: type %u (%s) code %u checksum 0x%04x (%s)", t, icmp6_name(t), c,
		    get16(p + 2), check_word(r, ip->whole && wire_len <= len));
		if (t == 128 || t == 129)
			printf(" id %u seq %u", get16(p + 4), get16(p + 6));
		if (t == 134)
			printf(" hop limit %u flags 0x%02x router lifetime %u reachable %u retrans %u",
			    (unsigned)p[4], (unsigned)p[5], get16(p + 6), len >= 16 ? get32(p + 8) : 0, len >= 16 ? get32(p + 12) : 0);
		if (t == 136)
			printf(" flags router %u solicited %u override %u", (unsigned)p[4] >> 7, (unsigned)p[4] >> 6 & 1, (unsigned)p[4] >> 5 & 1);
		if ((t == 135 || t == 136 || t == 137) && len >= 24)
			printf(" target %s", addr_str(AF_INET6, p + 8, a, sizeof a));
		putchar('\n');
	}
	switch (t) {
	case 128:
	case 129:
		say("%s > %s: ICMP6, %s, id %u, seq %u, length %zu", ip->s, ip->d, icmp6_name(t), get16(p + 4),
		    get16(p + 6), wire_len);
		break;
	case 135:
	case 136:
		if (len < 24) {
			truncated("ndp target", len, 24);
			return;
		}
		say("%s > %s: ICMP6, %s, %s %s, length %zu", ip->s, ip->d, icmp6_name(t),
		    t == 135 ? "who has" : "tgt is", addr_str(AF_INET6, p + 8, a, sizeof a), wire_len);
		ndp_options(p + 24, len - 24);
		break;
	case 133:
		say("%s > %s: ICMP6, %s, length %zu", ip->s, ip->d, icmp6_name(t), wire_len);
		ndp_options(p + 8, len - 8);
		break;
	case 134:
		say("%s > %s: ICMP6, %s, length %zu", ip->s, ip->d, icmp6_name(t), wire_len);
		if (len >= 16)
			ndp_options(p + 16, len - 16);
		break;
	default:
		say("%s > %s: ICMP6, %s (type %u code %u), length %zu", ip->s, ip->d, icmp6_name(t), t, c, wire_len);
	}
}

static void
decode_transport(struct ip_ctx *ip, unsigned proto, const uint8_t *p, size_t len, size_t wire_len)
{
	switch (proto) {
	case 1: decode_icmp(ip, p, len, wire_len); break;
	case 6: decode_tcp(ip, p, len, wire_len); break;
	case 17: decode_udp(ip, p, len, wire_len); break;
	case 58: decode_icmp6(ip, p, len, wire_len); break;
	default: say("%s > %s: protocol %u, length %zu", ip->s, ip->d, proto, wire_len);
	}
}

static const char *
proto_name(unsigned proto)
{
	switch (proto) {
	case 0: return "hop-by-hop options";
	case 1: return "ICMP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 43: return "routing";
	case 44: return "fragment";
	case 58: return "ICMPv6";
	case 59: return "no next header";
	case 60: return "destination options";
	default: return "?";
	}
}

/* ---- IPv4 (RFC 791) and IPv6 (RFC 8200) ---- */

static void
decode_ipv4(const uint8_t *p, size_t len)
{
	struct ip_ctx ip = { .family = AF_INET };

	if (len < 20) {
		truncated("ipv4", len, 20);
		return;
	}
	unsigned ver = p[0] >> 4, tot = get16(p + 2), frag = get16(p + 6);
	size_t ihl = p[0] & 15;

	ip.src = p + 12;
	ip.dst = p + 16;
	addr_str(AF_INET, ip.src, ip.s, sizeof ip.s);
	addr_str(AF_INET, ip.dst, ip.d, sizeof ip.d);
	say("%s > %s: IPv4", ip.s, ip.d);
	if (ver != 4 || ihl < 5) {
		if (verbose)
			printf("  ipv4: version %u ihl %zu\n", ver, ihl);
		malformed("ipv4", ver != 4 ? "version is not 4" : "ihl below 5 (a header is at least 20 bytes)");
		return;
	}
	if (len < ihl * 4) {
		truncated("ipv4 options", len, ihl * 4);
		return;
	}
	if (verbose)
		printf("  ipv4: version %u ihl %zu (%zu bytes, options %zu) dscp %u ecn %u length %u id %u flags%s%s%s offset %u ttl %u proto %u (%s) checksum 0x%04x (%s) src %s dst %s\n",
		    ver, ihl, ihl * 4, ihl * 4 - 20, (unsigned)p[1] >> 2, (unsigned)p[1] & 3, tot, get16(p + 4),
		    frag & 0x8000 ? " reserved" : "", frag & 0x4000 ? " DF" : "", frag & 0x2000 ? " MF" : "",
		    (frag & 0x1fff) * 8, (unsigned)p[8], (unsigned)p[9], proto_name((unsigned)p[9]), get16(p + 10),
		    csum(p, ihl * 4, 0) == 0 ? "correct" : "WRONG", ip.s, ip.d);
	if (tot < ihl * 4) {
		malformed("ipv4", "total length shorter than the header");
		return;
	}
	/* Ethernet pads short frames to 60 bytes: the datagram ends where its length says. */
	ip.whole = len >= tot;
	size_t have = len < tot ? len : tot;

	if ((frag & 0x1fff) != 0) {
		say("%s > %s: IPv4 fragment, offset %u, proto %u, length %u", ip.s, ip.d, (frag & 0x1fff) * 8,
		    (unsigned)p[9], tot);
		return;
	}
	decode_transport(&ip, p[9], p + ihl * 4, have - ihl * 4, tot - ihl * 4);
}

static void
decode_ipv6(const uint8_t *p, size_t len)
{
	struct ip_ctx ip = { .family = AF_INET6 };

	if (len < 40) {
		truncated("ipv6", len, 40);
		return;
	}
	uint32_t w = get32(p);
	unsigned plen = get16(p + 4), next = p[6];

	ip.src = p + 8;
	ip.dst = p + 24;
	addr_str(AF_INET6, ip.src, ip.s, sizeof ip.s);
	addr_str(AF_INET6, ip.dst, ip.d, sizeof ip.d);
	say("%s > %s: IPv6", ip.s, ip.d);
	if (verbose)
		printf("  ipv6: version %u class 0x%02x flowlabel 0x%05x payload %u next %u (%s) hlim %u src %s dst %s\n",
		    w >> 28, w >> 20 & 0xff, w & 0xfffff, plen, next, proto_name(next), (unsigned)p[7], ip.s, ip.d);
	if (w >> 28 != 6) {
		malformed("ipv6", "version is not 6");
		return;
	}
	ip.whole = len >= 40 + plen;
	size_t have = (len < 40 + plen ? len : 40 + plen) - 40, wire = plen;
	const uint8_t *q = p + 40;

	/* Walk the extension headers: each says what comes next and how long it is. */
	for (int hops = 0; hops < 16 && (next == 0 || next == 43 || next == 44 || next == 60); hops++) {
		size_t elen = next == 44 ? 8 : (have >= 2 ? (size_t)(q[1] + 1) * 8 : 8);

		if (have < 8 || have < elen) {
			truncated(proto_name(next), have, elen);
			return;
		}
		if (verbose) {
			printf("  ipv6-ext: %s next %u (%s) length %zu", proto_name(next), (unsigned)q[0], proto_name((unsigned)q[0]), elen);
			if (next == 44)
				printf(" offset %u more %u id %u", get16(q + 2) >> 3 << 3, get16(q + 2) & 1, get32(q + 4));
			putchar('\n');
		}
		if (next == 44 && (get16(q + 2) >> 3) != 0) {
			say("%s > %s: IPv6 fragment, offset %u", ip.s, ip.d, get16(q + 2) >> 3 << 3);
			return;
		}
		next = q[0];
		q += elen;
		have -= elen;
		wire = wire >= elen ? wire - elen : 0;
	}
	decode_transport(&ip, next, q, have, wire);
}

/* ---- ARP (RFC 826) ---- */

static void
decode_arp(const uint8_t *p, size_t len)
{
	char spa[INET_ADDRSTRLEN], tpa[INET_ADDRSTRLEN];

	if (len < 8) {
		truncated("arp", len, 8);
		return;
	}
	unsigned hl = p[4], pl = p[5], op = get16(p + 6);

	if (get16(p) != 1 || get16(p + 2) != 0x0800 || hl != 6 || pl != 4) {
		say("ARP, hardware type %u, protocol 0x%04x, operation %u", get16(p), get16(p + 2), op);
		return;
	}
	if (len < 28) {
		truncated("arp", len, 28);
		return;
	}
	addr_str(AF_INET, p + 14, spa, sizeof spa);
	addr_str(AF_INET, p + 24, tpa, sizeof tpa);
	if (verbose) {
		printf("  arp: htype %u ptype 0x%04x hlen %u plen %u op %u (%s) sha ", get16(p), get16(p + 2),
		    hl, pl, op, op == 1 ? "request" : op == 2 ? "reply" : "?");
		print_mac(p + 8);
		printf(" spa %s tha ", spa);
		print_mac(p + 18);
		printf(" tpa %s\n", tpa);
	}
	if (op == 1)
		say("ARP, Request who-has %s tell %s", tpa, spa);
	else if (op == 2)
		say("ARP, Reply %s is-at %02x:%02x:%02x:%02x:%02x:%02x", spa, (unsigned)p[8], (unsigned)p[9], (unsigned)p[10], (unsigned)p[11], (unsigned)p[12], (unsigned)p[13]);
	else
		say("ARP, operation %u", op);
}

/* ---- Ethernet II with 802.1Q tags ---- */

static void
decode_l3(unsigned type, const uint8_t *p, size_t len)
{
	switch (type) {
	case 0x0800: decode_ipv4(p, len); break;
	case 0x86dd: decode_ipv6(p, len); break;
	case 0x0806: decode_arp(p, len); break;
	default: say("ethertype 0x%04x, length %zu", type, len);
	}
}

static const char *
ethertype_name(unsigned t)
{
	return t == 0x0800 ? "IPv4" : t == 0x86dd ? "IPv6" : t == 0x0806 ? "ARP" : t == 0x8100 ? "802.1Q" : "?";
}

static void
decode_ether(const uint8_t *p, size_t len)
{
	if (len < 14) {
		truncated("ethernet", len, 14);
		return;
	}
	unsigned type = get16(p + 12);
	size_t off = 14;

	if (verbose) {
		printf("  ethernet: dst ");
		print_mac(p);
		printf(" src ");
		print_mac(p + 6);
		printf(" type 0x%04x (%s)\n", type, ethertype_name(type));
	}
	/* A value below 1536 is an 802.3 length, not a type: the payload is LLC, not shown. */
	if (type < 0x0600) {
		say("802.3, length %u", type);
		return;
	}
	for (int tags = 0; (type == 0x8100 || type == 0x88a8) && tags < 4; tags++) {
		if (len < off + 4) {
			truncated("vlan", len - off, 4);
			return;
		}
		unsigned tci = get16(p + off);

		type = get16(p + off + 2);
		if (verbose)
			printf("  vlan: id %u pcp %u dei %u type 0x%04x (%s)\n", tci & 0xfff, tci >> 13,
			    tci >> 12 & 1, type, ethertype_name(type));
		off += 4;
	}
	decode_l3(type, p + off, len - off);
}

/* ---- packets, files and the wire ---- */

enum link { LINK_ETHER, LINK_RAW };

static void
decode_link(enum link link, const uint8_t *p, size_t len)
{
	if (link == LINK_ETHER)
		decode_ether(p, len);
	else if (len >= 1 && p[0] >> 4 == 6)
		decode_ipv6(p, len);
	else
		decode_ipv4(p, len);
}

/*
 * One packet: the summary line, then (-v) one line per header, then (-x) the
 * bytes.  The decoders run twice, quietly first, so that the summary, which
 * the innermost header completes, comes first.
 */
static void
show_packet(unsigned long long n, long long sec, long frac, int digits, const char *dir,
    enum link link, const uint8_t *p, size_t caplen, size_t wirelen)
{
	bool v = verbose;

	summary[0] = '\0';
	verbose = false;
	decode_link(link, p, caplen);
	verbose = v;
	printf("%llu %lld.%0*ld %s%zu bytes", n, sec, digits, frac, dir, wirelen);
	if (caplen < wirelen)
		printf(" (%zu captured)", caplen);
	printf(": %s\n", summary);
	if (verbose)
		decode_link(link, p, caplen);
	if (hexdump)
		for (size_t i = 0; i < caplen; i += 16) {
			printf("  %04zx:", i);
			for (size_t j = i; j < i + 16 && j < caplen; j++)
				printf("%s%02x", j % 2 ? "" : " ", p[j]);
			putchar('\n');
		}
	if (fflush(stdout) == EOF)
		err(EX_IOERR, "stdout");
}

/* A pcap field in the file's byte order, which its magic number tells. */
static uint32_t
file32(const uint8_t *p, bool swapped)
{
	uint32_t v;

	memcpy(&v, p, sizeof v);
	return swapped ? __builtin_bswap32(v) : v;
}

static int
read_pcap(const char *path, unsigned long long count)
{
	uint8_t gh[24], rh[16];
	static uint8_t data[MAX_RECORD];
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	bool swapped, nano;
	enum link link;

	if (f == NULL)
		err(EX_NOINPUT, "%s", path);
	if (fread(gh, 1, sizeof gh, f) != sizeof gh)
		errx(ferror(f) ? EX_IOERR : EX_DATAERR, "%s: not a pcap file (shorter than its 24-byte header)", path);
	uint32_t magic;
	memcpy(&magic, gh, sizeof magic);
	switch (magic) {
	case 0xa1b2c3d4: swapped = false; nano = false; break;
	case 0xd4c3b2a1: swapped = true; nano = false; break;
	case 0xa1b23c4d: swapped = false; nano = true; break;
	case 0x4d3cb2a1: swapped = true; nano = true; break;
	default:
		errx(EX_DATAERR, "%s: not a classic pcap file (magic 0x%08x; pcapng is not read)", path, magic);
	}
	unsigned major = swapped ? __builtin_bswap16((uint16_t)(gh[4] | gh[5] << 8)) : (unsigned)(gh[4] | gh[5] << 8);
	uint32_t linktype = file32(gh + 20, swapped) & 0xffff;

	if (major != 2)
		errx(EX_DATAERR, "%s: pcap version %u, not 2", path, major);
	if (linktype == 1)
		link = LINK_ETHER;
	else if (linktype == 101 || linktype == 228 || linktype == 229)
		link = LINK_RAW;
	else
		errx(EX_DATAERR, "%s: link type %u is not read (1 Ethernet, 101 raw IP)", path, linktype);

	for (unsigned long long n = 1; count == 0 || n <= count; n++) {
		size_t got = fread(rh, 1, sizeof rh, f);

		if (got == 0 && feof(f))
			break;
		if (got != sizeof rh)
			errx(ferror(f) ? EX_IOERR : EX_DATAERR, "%s: cut inside record %llu's header", path, n);
		uint32_t sec = file32(rh, swapped), frac = file32(rh + 4, swapped);
		uint32_t incl = file32(rh + 8, swapped), orig = file32(rh + 12, swapped);

		if (incl > MAX_RECORD)
			errx(EX_DATAERR, "%s: record %llu claims %u bytes (more than %d)", path, n, incl, MAX_RECORD);
		if (fread(data, 1, incl, f) != incl)
			errx(ferror(f) ? EX_IOERR : EX_DATAERR, "%s: cut inside record %llu (%u bytes)", path, n, incl);
		show_packet(n, sec, (long)frac, nano ? 9 : 6, "", link, data, incl, orig > incl ? orig : incl);
	}
	if (f != stdin)
		fclose(f);
	return EX_OK;
}

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

static const char *
direction(unsigned char pkttype)
{
	switch (pkttype) {
	case PACKET_HOST: return "In ";
	case PACKET_OUTGOING: return "Out ";
	case PACKET_BROADCAST: return "B ";
	case PACKET_MULTICAST: return "M ";
	case PACKET_OTHERHOST: return "P ";	/* not for us: seen only in promiscuous mode */
	default: return "? ";
	}
}

static int
capture(const char *iface, unsigned long long count)
{
	static uint8_t data[MAX_RECORD];
	unsigned idx = if_nametoindex(iface);
	sigset_t waitmask;
	int sd;

	if (idx == 0) {
		fprintf(stderr, "hdr_dump: %s: no such interface\n", iface);
		return EX_USAGE;
	}
	if (catch_signals(&waitmask) == -1)
		err(EX_OSERR, "sigaction");
	/* ETH_P_ALL: every protocol, both directions (our own outgoing frames come back as PACKET_OUTGOING). */
	sd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (sd == -1)
		err(EX_OSERR, "socket AF_PACKET (CAP_NET_RAW needed: root, or unshare -rn)");
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)idx };
	if (bind(sd, (struct sockaddr *)&sll, sizeof sll) == -1)
		err(EX_OSERR, "bind %s", iface);
	/* Promiscuous: frames for other MAC addresses too; the membership ends with the socket. */
	struct packet_mreq mr = { .mr_ifindex = (int)idx, .mr_type = PACKET_MR_PROMISC };
	if (setsockopt(sd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) == -1)
		err(EX_OSERR, "setsockopt PACKET_MR_PROMISC");
	fprintf(stderr, "listening on %s\n", iface);

	for (unsigned long long n = 1; (count == 0 || n <= count) && !stop_requested;) {
		struct pollfd pfd = { .fd = sd, .events = POLLIN };
		struct sockaddr_ll from = { 0 };
		socklen_t fromlen = sizeof from;
		struct timespec ts;

		if (ppoll(&pfd, 1, NULL, &waitmask) == -1) {
			if (errno == EINTR)
				continue;
			err(EX_OSERR, "ppoll");
		}
		/* MSG_TRUNC: the frame's real length, even when it is longer than the buffer. */
		ssize_t len = recvfrom(sd, data, sizeof data, MSG_TRUNC | MSG_DONTWAIT,
		    (struct sockaddr *)&from, &fromlen);
		if (len == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err(EX_IOERR, "recvfrom");
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		size_t cap = (size_t)len < sizeof data ? (size_t)len : sizeof data;
		enum link link = from.sll_hatype == 1 || from.sll_hatype == 772 ? LINK_ETHER : LINK_RAW;	/* ARPHRD_ETHER, _LOOPBACK */

		show_packet(n++, (long long)ts.tv_sec, ts.tv_nsec / 1000, 6, direction(from.sll_pkttype), link,
		    data, cap, (size_t)len);
	}
	close(sd);
	return EX_OK;
}

int
main(int argc, char *argv[])
{
	const char *iface = NULL, *file = NULL;
	unsigned long long count = 0;
	int opt;

	/*
	 * A reader that has gone (hdr_dump -r FILE | head -1) makes a write to stdout fail
	 * with EPIPE, which is reported (74), instead of killing us without a word.
	 */
	signal(SIGPIPE, SIG_IGN);

	while ((opt = getopt(argc, argv, "i:r:c:vx")) != -1) {
		char *end;

		switch (opt) {
		case 'i': iface = optarg; break;
		case 'r': file = optarg; break;
		case 'v': verbose = true; break;
		case 'x': hexdump = true; break;
		case 'c':
			errno = 0;
			count = isdigit((unsigned char)optarg[0]) ? strtoull(optarg, &end, 10) : 0;
			if (errno != 0 || count == 0 || *end != '\0' || count > 1000000000ULL) {
				fprintf(stderr, "%s: -c takes a count 1..1000000000, not '%s'\n", argv[0], optarg);
				return EX_USAGE;
			}
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || (iface == NULL) == (file == NULL))
		goto usage;
	return file != NULL ? read_pcap(file, count) : capture(iface, count);

usage:
	fprintf(stderr, "usage: %s [-i IFACE | -r FILE] [-c COUNT] [-v] [-x]\n", argv[0]);
	return EX_USAGE;
}
