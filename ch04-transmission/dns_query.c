/*
 * dns_query - ask a DNS server one question, with the message built and parsed by hand.
 *
 * usage: dns_query [-t TYPE] [-s SERVER[:PORT]] [-w SECONDS] [-x] NAME
 *        TYPE is A (default), AAAA, CNAME, NS, MX, PTR, TXT or SOA.  -x: NAME is an
 *        IPv4 or IPv6 address and the question is its PTR name (in-addr.arpa,
 *        ip6.arpa).  SERVER is an address or a name ([::1]:5353 for an IPv6 one
 *        with a port), by default the first nameserver of /etc/resolv.conf; every
 *        address of it is tried.  The question goes over UDP (two tries of SECONDS
 *        each, default 2), then over TCP when the answer is truncated (TC).  An
 *        answer must carry our ID and our question; one with another ID is
 *        ignored (and said so).  Prints the answer section as dig +noall +answer
 *        does: NAME TTL IN TYPE DATA, one record per line.
 * exit:  0 answered, 64 usage (TYPE, NAME, SERVER), 68 no such name (NXDOMAIN) or
 *        no record of TYPE (or SERVER unknown), 69 REFUSED or no server reachable,
 *        70 getaddrinfo refused the question (cannot happen), 71 system error,
 *        74 stdout failed (a closed pipe included), 75 no answer in time, or
 *        SERVFAIL (or no answer about SERVER's name), 76 a malformed answer (bad
 *        compression, truncated message, wrong question, labels over 63 bytes,
 *        FORMERR, ...)
 * try:   ./ch04-transmission/dns_query -t AAAA localhost     (compare: dig +noall +answer localhost AAAA)
 * text:  chapter 4, "Domain Names" (and the DNS message of Appendix A)
 */
#define _GNU_SOURCE	/* getaddrinfo, getentropy, poll and EAI_NODATA are not in C17 */
#include <arpa/inet.h>
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define MAX_NAME	255	/* RFC 1035, 3.1: a name is at most 255 bytes on the wire */
#define MAX_TEXT	1024	/* a name as text, every byte escaped as \DDD at worst */
#define MAX_MESSAGE	65535	/* over TCP, a message has a 16-bit length */

static const struct { const char *name; uint16_t code; } types[] = {
	{ "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "SOA", 6 }, { "PTR", 12 },
	{ "MX", 15 }, { "TXT", 16 }, { "AAAA", 28 },
};

/* What went wrong with an answer: main turns it into the message and EX_PROTOCOL. */
static const char *bad;

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

static const char *
type_name(uint16_t code, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (types[i].code == code)
			return types[i].name;
	snprintf(buf, len, "TYPE%u", code);	/* RFC 3597's name for a type we do not know */
	return buf;
}

/*
 * NAME as wire labels into OUT: each label a length byte (1..63) then its
 * bytes, then a zero byte.  "." is the root; a final dot is allowed.
 * Returns the length, or -1 with *why set.
 */
static int
encode_name(const char *name, unsigned char *out, const char **why)
{
	size_t o = 0;

	if (strcmp(name, ".") == 0) {
		out[0] = 0;
		return 1;
	}
	while (*name != '\0') {
		size_t len = strcspn(name, ".");

		if (len == 0) {
			*why = "an empty label (two dots, or a leading dot)";
			return -1;
		}
		if (len > 63) {
			*why = "a label longer than 63 bytes";
			return -1;
		}
		if (o + 1 + len + 1 > MAX_NAME) {
			*why = "a name longer than 255 bytes";
			return -1;
		}
		out[o++] = (unsigned char)len;
		memcpy(out + o, name, len);
		o += len;
		name += len;
		if (*name == '.')
			name++;
	}
	if (o == 0) {
		*why = "an empty name";
		return -1;
	}
	out[o++] = 0;
	return (int)o;
}

/* The PTR name of ADDRESS: d.c.b.a.in-addr.arpa, or 32 nibbles then ip6.arpa. */
static int
reverse_name(const char *address, char *out, size_t outlen)
{
	unsigned char a[16];
	size_t o = 0;

	if (inet_pton(AF_INET, address, a) == 1) {
		snprintf(out, outlen, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
		return 0;
	}
	if (inet_pton(AF_INET6, address, a) != 1)
		return -1;
	for (int i = 15; i >= 0; i--)
		o += (size_t)snprintf(out + o, outlen - o, "%x.%x.", a[i] & 0xf, a[i] >> 4);
	snprintf(out + o, outlen - o, "ip6.arpa");
	return 0;
}

/*
 * The name at *pos of MSG (LEN bytes) as text into OUT (MAX_TEXT bytes), a
 * final dot included; *pos moves past it (past the first pointer, when there
 * is one).  Compression pointers (RFC 1035, 4.1.4) must point strictly before
 * the label that holds them: a loop, or a pointer forwards or past the end,
 * is refused, so a hostile answer cannot make us spin or read outside it.
 * Returns 0, or -1 with `bad` set.
 */
static int
decode_name(const unsigned char *msg, size_t len, size_t *pos, char *out)
{
	size_t p = *pos, o = 0, wire = 0, limit = *pos;
	int jumped = 0;

	for (;;) {
		unsigned c;

		if (p >= len) {
			bad = "a name runs past the end of the message";
			return -1;
		}
		c = msg[p];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (p + 1 >= len) {
				bad = "a compression pointer is cut off by the end of the message";
				return -1;
			}
			target = (c & 0x3f) << 8 | msg[p + 1];
			if (target >= limit) {
				bad = target >= len ? "a compression pointer points past the end of the message" :
				    "a compression pointer points forwards (a loop)";
				return -1;
			}
			if (!jumped)
				*pos = p + 2;
			jumped = 1;
			limit = target;
			p = target;
			continue;
		}
		if (c & 0xc0) {
			bad = "a label longer than 63 bytes (or an extended label type)";
			return -1;
		}
		if (c == 0) {
			p++;
			break;
		}
		if (p + 1 + c > len) {
			bad = "a label runs past the end of the message";
			return -1;
		}
		wire += 1 + c;
		if (wire + 1 > MAX_NAME) {
			bad = "a name longer than 255 bytes";
			return -1;
		}
		for (unsigned i = 0; i < c; i++) {
			unsigned char ch = msg[p + 1 + i];

			/* dig's escapes: \. and \\ inside a label, \DDD for what is not printable. */
			if (ch == '.' || ch == '\\' || ch == '"')
				o += (size_t)snprintf(out + o, MAX_TEXT - o, "\\%c", ch);
			else if (ch <= ' ' || ch >= 0x7f)
				o += (size_t)snprintf(out + o, MAX_TEXT - o, "\\%03u", ch);
			else
				out[o++] = (char)ch;
		}
		out[o++] = '.';
		p += 1 + c;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	if (!jumped)
		*pos = p;
	return 0;
}

static uint16_t
get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One record's data, in dig's presentation form, into OUT.  Returns 0, or -1 with `bad` set. */
static int
format_rdata(const unsigned char *msg, size_t rd, uint16_t rdlen, uint16_t type,
    char *out, size_t outlen)
{
	char name[MAX_TEXT], name2[MAX_TEXT];
	size_t p = rd, end = rd + rdlen, o = 0;

	switch (type) {
	case 1:
	case 28:
		if (rdlen != (type == 1 ? 4 : 16)) {
			bad = type == 1 ? "an A record that is not 4 bytes" : "an AAAA record that is not 16 bytes";
			return -1;
		}
		inet_ntop(type == 1 ? AF_INET : AF_INET6, msg + rd, out, (socklen_t)outlen);
		return 0;
	case 2:
	case 5:
	case 12:
		if (decode_name(msg, end, &p, name) == -1)
			return -1;
		snprintf(out, outlen, "%s", name);
		break;
	case 15:
		if (rdlen < 3) {
			bad = "an MX record too short for its preference";
			return -1;
		}
		p += 2;
		if (decode_name(msg, end, &p, name) == -1)
			return -1;
		snprintf(out, outlen, "%u %s", get16(msg + rd), name);
		break;
	case 6:
		if (decode_name(msg, end, &p, name) == -1 || decode_name(msg, end, &p, name2) == -1)
			return -1;
		if (end - p != 20) {
			bad = "an SOA record whose numbers are not 20 bytes";
			return -1;
		}
		snprintf(out, outlen, "%s %s %u %u %u %u %u", name, name2, get32(msg + p),
		    get32(msg + p + 4), get32(msg + p + 8), get32(msg + p + 12), get32(msg + p + 16));
		return 0;
	case 16:
		/* One or more <character-string>s: a length byte, then that many bytes. */
		while (p < end) {
			unsigned n = msg[p++];

			if (p + n > end) {
				bad = "a TXT string runs past its record";
				return -1;
			}
			if (o + 4 * (size_t)n + 4 >= outlen) {
				bad = "a TXT record too long to show";
				return -1;
			}
			o += (size_t)snprintf(out + o, outlen - o, "%s\"", o > 0 ? " " : "");
			for (unsigned i = 0; i < n; i++, p++) {
				unsigned char ch = msg[p];

				if (ch == '"' || ch == '\\')
					o += (size_t)snprintf(out + o, outlen - o, "\\%c", ch);
				else if (ch < ' ' || ch >= 0x7f)
					o += (size_t)snprintf(out + o, outlen - o, "\\%03u", ch);
				else
					out[o++] = (char)ch;
			}
			o += (size_t)snprintf(out + o, outlen - o, "\"");
		}
		if (o == 0)
			snprintf(out, outlen, "\"\"");
		return 0;
	default:
		/* RFC 3597: \# LENGTH HEX for data we cannot interpret. */
		o = (size_t)snprintf(out, outlen, "\\# %u", rdlen);
		for (size_t i = rd; i < end && o + 4 < outlen; i++)
			o += (size_t)snprintf(out + o, outlen - o, "%s%02x", i == rd ? " " : "", msg[i]);
		return 0;
	}
	/* A name-valued record must end where its name does. */
	if (p != end) {
		bad = "a record's data does not end where its name does";
		return -1;
	}
	return 0;
}

/*
 * Checks the answer MSG (LEN bytes) against our query Q (QLEN bytes) and, when
 * it is well formed, prints its answer section.  Returns the RCODE, 16 for
 * "truncated, ask again over TCP" when TCP_OK, or -1 with `bad` set.
 */
static int
handle_answer(const unsigned char *msg, size_t len, const unsigned char *q, size_t qlen, int tcp_ok,
    int *printed)
{
	size_t pos;
	unsigned ancount;
	char owner[MAX_TEXT], data[4 * 65536 / 3 + 64], tbuf[16];

	if (len < 12) {
		bad = "an answer shorter than the 12-byte header";
		return -1;
	}
	if (!(msg[2] & 0x80) || ((msg[2] >> 3) & 0xf) != 0) {
		bad = "the message is not an answer to a standard query (QR or OPCODE)";
		return -1;
	}
	if ((msg[2] & 0x02) && tcp_ok)
		return 16;
	/* Our question, echoed: the same name (case aside), type and class. */
	if (get16(msg + 4) != 1 || len < qlen || strncasecmp((const char *)msg + 12,
	    (const char *)q + 12, qlen - 12 - 4) != 0 || memcmp(msg + qlen - 4, q + qlen - 4, 4) != 0) {
		if ((msg[3] & 0xf) != 0 && get16(msg + 4) == 0)
			return msg[3] & 0xf;	/* an error answer may leave the question out */
		bad = "the answer is not to our question";
		return -1;
	}
	if ((msg[3] & 0xf) != 0)
		return msg[3] & 0xf;
	ancount = get16(msg + 6);
	pos = qlen;
	for (unsigned i = 0; i < ancount; i++) {
		uint16_t type, class, rdlen;
		uint32_t ttl;

		if (decode_name(msg, len, &pos, owner) == -1)
			return -1;
		if (pos + 10 > len) {
			bad = "a record is cut off by the end of the message";
			return -1;
		}
		type = get16(msg + pos);
		class = get16(msg + pos + 2);
		ttl = get32(msg + pos + 4);
		rdlen = get16(msg + pos + 8);
		pos += 10;
		if (pos + rdlen > len) {
			bad = "a record's data runs past the end of the message";
			return -1;
		}
		if (format_rdata(msg, pos, rdlen, type, data, sizeof data) == -1)
			return -1;
		pos += rdlen;
		printf("%s\t%u\t%s\t%s\t%s\n", owner, ttl, class == 1 ? "IN" : "CLASS?", type_name(type, tbuf,
		    sizeof tbuf), data);
		(*printed)++;
	}
	return 0;
}

/*
 * Over UDP: send Q to the server of FD (connected, so the kernel drops
 * datagrams from anyone else), TRIES times, waiting WAIT_MS each.  Returns the
 * answer's length in BUF, 0 when nothing came, -1 on a socket error.
 * *wrong_ids counts answers with another ID (ignored: anyone on the path could
 * have sent one).
 */
static ssize_t
ask_udp(int fd, const unsigned char *q, size_t qlen, unsigned char *buf, size_t buflen, int wait_ms,
    int *wrong_ids)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int64_t deadline = now_ms() + wait_ms;

		if (send(fd, q, qlen, 0) == -1)
			return -1;
		for (;;) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int64_t left = deadline - now_ms();
			ssize_t n;
			int rc;

			if (left <= 0)
				break;
			rc = poll(&pfd, 1, (int)left);
			if (rc == -1 && errno != EINTR)
				return -1;
			if (rc <= 0)
				continue;
			n = recv(fd, buf, buflen, 0);
			if (n == -1) {
				if (errno == EINTR)
					continue;
				return -1;	/* ECONNREFUSED: an ICMP port unreachable came back */
			}
			if (n >= 2 && memcmp(buf, q, 2) == 0)
				return n;
			(*wrong_ids)++;
			warnx("ignored an answer with ID %u (ours is %u)", n >= 2 ? get16(buf) : 0, get16(q));
		}
	}
	return 0;
}

/* Reads exactly LEN bytes from FD before DEADLINE.  Returns 0, 1 at EOF or timeout, -1 on error. */
static int
read_exactly(int fd, unsigned char *buf, size_t len, int64_t deadline)
{
	while (len > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0)
			return 1;
		n = recv(fd, buf, len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			return 1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Over TCP (RFC 1035, 4.2.2: a 2-byte length before each message).  As ask_udp; -2 cut short. */
static ssize_t
ask_tcp(const struct addrinfo *ai, const unsigned char *q, size_t qlen, unsigned char *buf, int wait_ms)
{
	unsigned char prefix[2] = { (unsigned char)(qlen >> 8), (unsigned char)qlen };
	int64_t deadline = now_ms() + 2 * (int64_t)wait_ms;
	struct timeval tv = { .tv_sec = wait_ms / 1000, .tv_usec = (suseconds_t)(wait_ms % 1000) * 1000 };
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t len;
	int rc;

	if (fd == -1)
		return -1;
	/* SO_SNDTIMEO bounds a blocking connect on Linux too. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == -1 ||
	    connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    send(fd, prefix, 2, MSG_NOSIGNAL | MSG_MORE) != 2 ||
	    send(fd, q, qlen, MSG_NOSIGNAL) != (ssize_t)qlen) {
		close(fd);
		return -1;
	}
	rc = read_exactly(fd, prefix, 2, deadline);
	len = (size_t)get16(prefix);
	if (rc == 0)
		rc = read_exactly(fd, buf, len, deadline);
	close(fd);
	if (rc == -1)
		return -1;
	return rc == 1 ? -2 : (ssize_t)len;
}

/* The first nameserver line of /etc/resolv.conf, or 127.0.0.1 (what glibc assumes without one). */
static void
default_server(char *out, size_t outlen)
{
	FILE *f = fopen("/etc/resolv.conf", "r");
	char line[512];

	snprintf(out, outlen, "127.0.0.1");
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		char addr[256];

		if (sscanf(line, " nameserver %255s", addr) == 1) {
			snprintf(out, outlen, "%s", addr);
			break;
		}
	}
	fclose(f);
}

/* SERVER[:PORT], [V6]:PORT or a bare IPv6 address into HOST and PORT.  Returns 0 or -1. */
static int
split_server(const char *text, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon = strrchr(text, ':'), *h = text;
	size_t len;

	snprintf(port, portlen, "53");
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return -1;
		h = text + 1;
		len = (size_t)(close - h);
		colon = close[1] == ':' ? close + 1 : NULL;
	} else if (colon != NULL && strchr(text, ':') != colon) {
		len = strlen(text);	/* several colons: an IPv6 address without a port */
		colon = NULL;
	} else {
		len = colon != NULL ? (size_t)(colon - text) : strlen(text);
	}
	if (len == 0 || len >= hostlen)
		return -1;
	memcpy(host, h, len);
	host[len] = '\0';
	if (colon != NULL) {
		char *end;
		long v;

		if (!isdigit((unsigned char)colon[1]))
			return -1;
		errno = 0;
		v = strtol(colon + 1, &end, 10);
		if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
			return -1;
		snprintf(port, portlen, "%ld", v);
	}
	return 0;
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-t TYPE] [-s SERVER[:PORT]] [-w SECONDS] [-x] NAME   "
	    "(TYPE A, AAAA, CNAME, NS, MX, PTR, TXT, SOA)\n", prog);
	exit(EX_USAGE);
}

int
main(int argc, char *argv[])
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM };
	static unsigned char answer[MAX_MESSAGE];
	unsigned char q[12 + MAX_NAME + 4];
	char server[300] = "", host[256], port[8], rname[80];
	const char *name, *why = NULL, *last_error = "no address";
	struct addrinfo *list;
	uint16_t qtype = 1, id;
	int opt, rc, reverse = 0, wait_ms = 2000, wrong_ids = 0, printed = 0, qlen, result = -2;

	/*
	 * A reader that has gone (dns_query NAME | head -1) makes a write to stdout fail
	 * with EPIPE, which is reported (74), instead of killing us without a word.
	 */
	signal(SIGPIPE, SIG_IGN);

	while ((opt = getopt(argc, argv, "t:s:w:x")) != -1) {
		switch (opt) {
		case 't': {
			size_t i;

			for (i = 0; i < sizeof types / sizeof types[0]; i++)
				if (strcasecmp(optarg, types[i].name) == 0)
					break;
			if (i == sizeof types / sizeof types[0]) {
				fprintf(stderr, "%s: unknown type '%s'\n", argv[0], optarg);
				usage(argv[0]);
			}
			qtype = types[i].code;
			break;
		}
		case 's':
			snprintf(server, sizeof server, "%s", optarg);
			break;
		case 'w': {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (!isdigit((unsigned char)optarg[0]) || errno != 0 || *end != '\0' || v < 1 || v > 60) {
				fprintf(stderr, "%s: -w takes 1..60 seconds, not '%s'\n", argv[0], optarg);
				usage(argv[0]);
			}
			wait_ms = (int)v * 1000;
			break;
		}
		case 'x':
			reverse = 1;
			qtype = 12;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (argc - optind != 1)
		usage(argv[0]);
	name = argv[optind];
	if (reverse) {
		if (reverse_name(name, rname, sizeof rname) == -1) {
			fprintf(stderr, "%s: -x: '%s' is not an IPv4 or IPv6 address\n", argv[0], name);
			usage(argv[0]);
		}
		name = rname;
	}
	if (server[0] == '\0')
		default_server(server, sizeof server);
	if (split_server(server, host, sizeof host, port, sizeof port) == -1) {
		fprintf(stderr, "%s: '%s' is not SERVER, SERVER:PORT or [IPv6]:PORT\n", argv[0], server);
		usage(argv[0]);
	}

	/* The query: header (ID, RD set, one question), QNAME, QTYPE, QCLASS IN. */
	if (getentropy(&id, sizeof id) == -1)
		id = (uint16_t)(getpid() ^ time(NULL));
	memset(q, 0, 12);
	q[0] = (unsigned char)(id >> 8);
	q[1] = (unsigned char)id;
	q[2] = 0x01;	/* RD: the server may recurse for us */
	q[5] = 1;	/* QDCOUNT */
	rc = encode_name(name, q + 12, &why);
	if (rc == -1) {
		fprintf(stderr, "%s: '%s': %s\n", argv[0], name, why);
		usage(argv[0]);
	}
	qlen = 12 + rc;
	q[qlen++] = (unsigned char)(qtype >> 8);
	q[qlen++] = (unsigned char)qtype;
	q[qlen++] = 0;
	q[qlen++] = 1;

	rc = getaddrinfo(host, port, &hints, &list);
	if (rc == EAI_SYSTEM)
		err(EX_OSERR, "getaddrinfo %s", host);
	if (rc != 0)
		errx(gai_exit_status(rc), "server %s: %s", host, gai_strerror(rc));
	for (const struct addrinfo *ai = list; ai != NULL && result == -2; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		ssize_t n;

		if (fd == -1 || connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
			last_error = strerror(errno);
			if (fd != -1)
				close(fd);
			continue;
		}
		n = ask_udp(fd, q, (size_t)qlen, answer, sizeof answer, wait_ms, &wrong_ids);
		if (n == -1)
			last_error = strerror(errno);
		close(fd);
		if (n <= 0)
			continue;
		result = handle_answer(answer, (size_t)n, q, (size_t)qlen, 1, &printed);
		if (result == 16) {
			/* Truncated (TC): the whole answer only fits a TCP stream. */
			n = ask_tcp(ai, q, (size_t)qlen, answer, wait_ms);
			if (n == -1) {
				freeaddrinfo(list);
				err(EX_UNAVAILABLE, "TCP to %s port %s (after a truncated UDP answer)", host, port);
			}
			if (n == -2) {
				freeaddrinfo(list);
				errx(EX_PROTOCOL, "the TCP answer from %s was cut short", host);
			}
			if (n < 2 || memcmp(answer, q, 2) != 0) {
				freeaddrinfo(list);
				errx(EX_PROTOCOL, "the TCP answer from %s has another ID", host);
			}
			result = handle_answer(answer, (size_t)n, q, (size_t)qlen, 0, &printed);
		}
	}
	freeaddrinfo(list);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	switch (result) {
	case -2:
		if (wrong_ids > 0)
			errx(EX_PROTOCOL, "%s port %s: only answers with the wrong ID came back", host, port);
		if (strcmp(last_error, "no address") != 0 && strstr(last_error, "refused") != NULL)
			errx(EX_UNAVAILABLE, "%s port %s: %s", host, port, last_error);
		errx(EX_TEMPFAIL, "%s port %s: no answer within %d s (two tries)", host, port, wait_ms / 1000);
	case -1:
		errx(EX_PROTOCOL, "%s port %s: malformed answer: %s", host, port, bad);
	case 0:
		if (printed == 0) {
			char tbuf[16];

			errx(EX_NOHOST, "%s: no %s record", name, type_name(qtype, tbuf, sizeof tbuf));
		}
		return EX_OK;
	case 2:
		errx(EX_TEMPFAIL, "%s: the server failed (SERVFAIL)", name);
	case 3:
		errx(EX_NOHOST, "%s: no such name (NXDOMAIN)", name);
	case 5:
		errx(EX_UNAVAILABLE, "%s: the server refused the query (REFUSED)", name);
	case 1:
		errx(EX_PROTOCOL, "%s: the server found our query malformed (FORMERR)", name);
	default:
		errx(EX_PROTOCOL, "%s: the server answered with RCODE %d", name, result);
	}
}
