/*
 * netcalc - what an address block is: network, mask, broadcast, range, size, kind.
 *
 * usage: netcalc ADDRESS/PREFIX...
 *        For each block (IPv4 a.b.c.d/0..32, IPv6 RFC 4291 text/0..128; a bare
 *        address is a block of one), prints one "name value" line each:
 *          address    the address as given, in canonical form (RFC 5952 for IPv6)
 *          network    the block's first address and the prefix length
 *          netmask    the prefix as a mask
 *          broadcast  (IPv4 only) the block's last address
 *          first      the first host address: IPv4 skips the network and
 *          last       broadcast addresses (not in a /31, RFC 3021, or a /32);
 *                     IPv6 skips the Subnet-Router anycast address (the network
 *                     address, RFC 4291 2.6.1) below /127
 *          addresses  how many addresses the block holds (up to 2^128, exact)
 *          kind       the special-purpose ranges (RFC 6890) that contain the whole
 *                     block: private, loopback, link-local, multicast,
 *                     documentation...; "global" when it touches none of them,
 *                     "mixed" when it holds some special addresses but is not
 *                     inside one range
 *        Blocks are separated by an empty line.
 * exit:  0, 64 usage or a block that is not ADDRESS/PREFIX (the first bad one is named),
 *        71 out of memory, 74 stdout failed (a closed pipe included)
 * try:   ./ch02-tools/netcalc 192.0.2.87/24 172.16.0.0/12 2001:DB8:0:0:0:0:A7:82/64
 * text:  chapter 4, "Moving Data Around" (addresses, subnets, broadcast)
 */
#define _GNU_SOURCE	/* inet_pton under -std=c17 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* An address of either family as 16 bytes, most significant first; IPv4 uses the last 4. */
struct block {
	int family;
	int bits;		/* 32 or 128 */
	int prefix;
	unsigned char addr[16];
};

struct range {
	const char *text;	/* address/prefix */
	const char *kind;
};

/* RFC 6890 and its updates; the first range that holds a block names its kind. */
static const struct range ranges4[] = {
	{ "0.0.0.0/8", "this-network" },
	{ "10.0.0.0/8", "private" },
	{ "100.64.0.0/10", "shared" },
	{ "127.0.0.0/8", "loopback" },
	{ "169.254.0.0/16", "link-local" },
	{ "172.16.0.0/12", "private" },
	{ "192.0.0.0/24", "protocol-assignments" },
	{ "192.0.2.0/24", "documentation" },
	{ "192.88.99.0/24", "6to4-relay" },
	{ "192.168.0.0/16", "private" },
	{ "198.18.0.0/15", "benchmarking" },
	{ "198.51.100.0/24", "documentation" },
	{ "203.0.113.0/24", "documentation" },
	{ "224.0.0.0/4", "multicast" },
	{ "255.255.255.255/32", "limited-broadcast" },
	{ "240.0.0.0/4", "reserved" },
};

static const struct range ranges6[] = {
	{ "::/128", "unspecified" },
	{ "::1/128", "loopback" },
	{ "::ffff:0:0/96", "ipv4-mapped" },
	{ "64:ff9b::/96", "nat64" },
	{ "100::/64", "discard-only" },
	{ "2001::/32", "teredo" },
	{ "2001:db8::/32", "documentation" },
	{ "3fff::/20", "documentation" },
	{ "2002::/16", "6to4" },
	{ "fc00::/7", "private" },
	{ "fe80::/10", "link-local" },
	{ "ff00::/8", "multicast" },
};

/*
 * Parses ADDRESS[/PREFIX] into B.  inet_pton alone decides what an address is:
 * it takes only the full dotted quad for IPv4, so "192.0.2/24" is refused
 * rather than read as 192.0.0.2 the way inet_aton would.  Returns 0, or -1 with
 * *why set.
 */
static int
parse_block(const char *text, struct block *b, const char **why)
{
	char addr[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(text, '/');
	size_t len = slash != NULL ? (size_t)(slash - text) : strlen(text);

	if (len == 0 || len >= sizeof addr) {
		*why = "not an address";
		return -1;
	}
	memcpy(addr, text, len);
	addr[len] = '\0';
	memset(b->addr, 0, sizeof b->addr);
	if (inet_pton(AF_INET, addr, b->addr + 12) == 1) {
		b->family = AF_INET;
		b->bits = 32;
	} else if (inet_pton(AF_INET6, addr, b->addr) == 1) {
		b->family = AF_INET6;
		b->bits = 128;
	} else {
		*why = strchr(addr, '%') != NULL ? "a scope (%...) has no place in a block" :
		    strchr(addr, ':') == NULL && strchr(addr, '.') != NULL ?
		    "not a dotted quad a.b.c.d (write every byte: 192.0.2.0, not 192.0.2)" :
		    "not an IPv4 or IPv6 address";
		return -1;
	}
	b->prefix = b->bits;
	if (slash != NULL) {
		char *end;
		long p;

		/* Digits only: strtol would also take " 24", "+24" and "24x". */
		if (!isdigit((unsigned char)slash[1])) {
			*why = "the prefix length is not a number";
			return -1;
		}
		errno = 0;
		p = strtol(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || p > b->bits) {
			*why = b->family == AF_INET ? "the prefix length is not 0..32" :
			    "the prefix length is not 0..128";
			return -1;
		}
		b->prefix = (int)p;
	}
	return 0;
}

/* The mask of PREFIX bits, in the same 16-byte layout (IPv4 in the last 4 bytes). */
static void
make_mask(const struct block *b, unsigned char mask[16])
{
	int start = 128 - b->bits;

	memset(mask, 0, 16);
	for (int i = 0; i < b->prefix; i++)
		mask[(start + i) / 8] |= (unsigned char)(0x80 >> ((start + i) % 8));
}

/* ADDR plus DELTA (+1 or -1), in place, with carry or borrow across the bytes. */
static void
add_one(unsigned char addr[16], int delta)
{
	for (int i = 15; i >= 0; i--) {
		int v = addr[i] + delta;

		addr[i] = (unsigned char)(v & 0xff);
		if (v >= 0 && v <= 0xff)
			break;
	}
}

/*
 * RFC 5952 text for an IPv6 address: lower-case hex, no leading zeros, the
 * longest run of two or more zero groups (the first of equal runs) as "::",
 * and an IPv4-mapped address with its IPv4 part dotted (section 5).  glibc's
 * inet_ntop also dots the deprecated IPv4-compatible form (::a.b.c.d), which
 * RFC 5952 does not ask for, so the groups are written here.
 */
static void
format6(const unsigned char a[16], char *out, size_t outlen)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	unsigned group[8];
	int best = -1, bestlen = 0, ngroups = 8;
	size_t o = 0;

	for (size_t i = 0; i < 8; i++)
		group[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	if (memcmp(a, mapped, sizeof mapped) == 0)
		ngroups = 6;
	for (int i = 0; i < ngroups; ) {
		int j = i;

		while (j < ngroups && group[j] == 0)
			j++;
		if (j - i > bestlen && j - i >= 2) {
			best = i;
			bestlen = j - i;
		}
		i = j > i ? j : i + 1;
	}
	out[0] = '\0';
	for (int i = 0; i < ngroups; i++) {
		if (i == best) {
			o += (size_t)snprintf(out + o, outlen - o, "::");
			i += bestlen - 1;
			continue;
		}
		o += (size_t)snprintf(out + o, outlen - o, "%s%x",
		    i > 0 && !(best >= 0 && i == best + bestlen) ? ":" : "", group[i]);
	}
	if (ngroups == 6)
		snprintf(out + o, outlen - o, "%s%u.%u.%u.%u", best >= 0 && best + bestlen == 6 ? "" : ":",
		    a[12], a[13], a[14], a[15]);
}

static void
format(const struct block *b, const unsigned char a[16], char *out, size_t outlen)
{
	if (b->family == AF_INET)
		snprintf(out, outlen, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
	else
		format6(a, out, outlen);
}

/* 2^N in decimal, exactly (N up to 128: 39 digits). */
static void
power_of_two(int n, char *out, size_t outlen)
{
	unsigned char digits[64] = { 1 };	/* least significant first */
	int ndigits = 1;
	size_t o = 0;

	for (int i = 0; i < n; i++) {
		int carry = 0;

		for (int d = 0; d < ndigits; d++) {
			int v = digits[d] * 2 + carry;

			digits[d] = (unsigned char)(v % 10);
			carry = v / 10;
		}
		if (carry)
			digits[ndigits++] = (unsigned char)carry;
	}
	for (int d = ndigits - 1; d >= 0 && o + 1 < outlen; d--)
		out[o++] = (char)('0' + digits[d]);
	out[o] = '\0';
}

/* Does block OUTER hold every address of block INNER?  Do they share any address? */
static int
contains(const struct block *outer, const struct block *inner)
{
	unsigned char mask[16];

	if (outer->prefix > inner->prefix)
		return 0;
	make_mask(outer, mask);
	for (int i = 0; i < 16; i++)
		if ((outer->addr[i] & mask[i]) != (inner->addr[i] & mask[i]))
			return 0;
	return 1;
}

static int
overlaps(const struct block *x, const struct block *y)
{
	return contains(x, y) || contains(y, x);
}

static void
print_kind(const struct block *b)
{
	const struct range *r = b->family == AF_INET ? ranges4 : ranges6;
	size_t n = b->family == AF_INET ? sizeof ranges4 / sizeof ranges4[0] :
	    sizeof ranges6 / sizeof ranges6[0];
	const char *kind = "global";
	const char *why;

	for (size_t i = 0; i < n; i++) {
		struct block special;

		if (parse_block(r[i].text, &special, &why) == -1)
			continue;	/* cannot happen: the table is ours */
		if (contains(&special, b)) {
			kind = r[i].kind;
			break;
		}
		if (overlaps(&special, b))
			kind = "mixed";
	}
	printf("kind       %s\n", kind);
}

static void
describe(const struct block *b)
{
	unsigned char mask[16], net[16], last[16], first[16], hi[16];
	char text[INET6_ADDRSTRLEN + 8], count[48];
	int host_bits = b->bits - b->prefix;

	make_mask(b, mask);
	for (int i = 0; i < 16; i++) {
		unsigned char m = mask[i];

		/* IPv4 lives in the last four bytes: the others are no part of it. */
		if (b->family == AF_INET && i < 12)
			m = 0xff;
		net[i] = b->addr[i] & m;
		last[i] = (unsigned char)(b->addr[i] | (unsigned char)~m);
	}
	memcpy(first, net, sizeof first);
	memcpy(hi, last, sizeof hi);
	if (b->family == AF_INET && host_bits >= 2) {
		add_one(first, 1);
		add_one(hi, -1);
	} else if (b->family == AF_INET6 && host_bits >= 2) {
		add_one(first, 1);
	}
	format(b, b->addr, text, sizeof text);
	printf("address    %s\n", text);
	format(b, net, text, sizeof text);
	printf("network    %s/%d\n", text, b->prefix);
	format(b, mask, text, sizeof text);
	printf("netmask    %s\n", text);
	if (b->family == AF_INET) {
		format(b, last, text, sizeof text);
		printf("broadcast  %s\n", text);
	}
	format(b, first, text, sizeof text);
	printf("first      %s\n", text);
	format(b, hi, text, sizeof text);
	printf("last       %s\n", text);
	power_of_two(host_bits, count, sizeof count);
	printf("addresses  %s\n", count);
	print_kind(b);
}

int
main(int argc, char *argv[])
{
	struct block *blocks;
	const char *why;

	/*
	 * A reader that has gone (netcalc ... | head -1) makes a write to stdout fail
	 * with EPIPE, which is reported (74), instead of killing us without a word.
	 */
	signal(SIGPIPE, SIG_IGN);

	if (argc < 2) {
		fprintf(stderr, "usage: %s ADDRESS/PREFIX...   (192.0.2.0/24, 2001:db8::/32)\n", argv[0]);
		return EX_USAGE;
	}
	/* Every argument is checked before anything is printed: no half an answer. */
	blocks = calloc((size_t)argc, sizeof *blocks);
	if (blocks == NULL) {
		perror("calloc");
		return EX_OSERR;
	}
	for (int i = 1; i < argc; i++) {
		if (parse_block(argv[i], &blocks[i], &why) == -1) {
			fprintf(stderr, "%s: %s: %s\n", argv[0], argv[i], why);
			fprintf(stderr, "usage: %s ADDRESS/PREFIX...   (192.0.2.0/24, 2001:db8::/32)\n",
			    argv[0]);
			free(blocks);
			return EX_USAGE;
		}
	}
	for (int i = 1; i < argc; i++) {
		if (i > 1)
			putchar('\n');
		describe(&blocks[i]);
	}
	free(blocks);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		perror("stdout");
		return EX_IOERR;
	}
	return EX_OK;
}
