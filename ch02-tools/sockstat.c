/*
 * sockstat - the TCP and UDP sockets of this network namespace, as netstat and ss show them.
 *
 * usage: sockstat [-t] [-u] [-l] [-n]
 *        Reads /proc/net/tcp, tcp6, udp and udp6 (what netstat reads) and prints
 *        a header, then one line per socket:
 *          Netid State Local Peer UID
 *        tcp or udp; the state as ss names it (LISTEN, ESTAB, TIME-WAIT, ...;
 *        UNCONN for a UDP socket that is not connected); addresses as ss writes
 *        them (127.0.0.1:22, [::1]:22, a peer of no port as *); the owner's uid.
 *        -t TCP only, -u UDP only (both: both, the default); -l listening sockets
 *        only (TCP LISTEN, UDP UNCONN); -n ports as numbers (default: the service
 *        name from /etc/services when there is one).  Addresses are never looked up.
 * exit:  0, 64 usage, 71 /proc/net unreadable (no procfs), 74 stdout failed (a closed pipe
 *        included)
 * try:   ./ch02-tools/sockstat -tln     then compare:  ss -tln
 * text:  chapter 2, "netstat"
 */
#define _GNU_SOURCE	/* getnameinfo and NI_MAXSERV are not in C17 */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

/* include/net/tcp_states.h: the numbers /proc shows in the st column. */
static const char *const tcp_states[] = {
	[1] = "ESTAB", [2] = "SYN-SENT", [3] = "SYN-RECV", [4] = "FIN-WAIT-1",
	[5] = "FIN-WAIT-2", [6] = "TIME-WAIT", [7] = "UNCONN", [8] = "CLOSE-WAIT",
	[9] = "LAST-ACK", [10] = "LISTEN", [11] = "CLOSING", [12] = "NEW-SYN-RECV",
};

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/*
 * "0100007F:0016" into an address and a port.  The kernel prints the address
 * as 32-bit words in the host's byte order (%08X of each __be32 read as an
 * integer), so on a little-endian machine 127.0.0.1 is 0100007F: ntohl of
 * the number gives the word's bytes in the order they had in memory, most
 * significant first, on any host.  The port is printed as a plain number.
 * Returns 0, or -1.
 */
static int
parse_endpoint(const char *text, int family, unsigned char addr[16], unsigned *port)
{
	int words = family == AF_INET ? 1 : 4;

	for (int w = 0; w < words; w++) {
		uint32_t v = 0;

		for (int i = 0; i < 8; i++) {
			int h = hexval((unsigned char)text[w * 8 + i]);

			if (h < 0)
				return -1;
			v = v << 4 | (uint32_t)h;
		}
		v = ntohl(v);
		for (int k = 0; k < 4; k++)
			addr[4 * w + k] = (unsigned char)(v >> (24 - 8 * k));
	}
	text += (size_t)words * 8;
	if (*text++ != ':')
		return -1;
	*port = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval((unsigned char)text[i]);

		if (h < 0)
			return -1;
		*port = *port << 4 | (unsigned)h;
	}
	return 0;
}

/* ADDR:PORT as ss writes it: [v6]:port, a.b.c.d:port, port * when it is 0 (a peer of none). */
static void
format_endpoint(int family, const unsigned char addr[16], unsigned port, int udp, int numeric,
    char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN], serv[NI_MAXSERV];

	inet_ntop(family, addr, host, sizeof host);
	if (port == 0) {
		snprintf(serv, sizeof serv, "*");
	} else {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

		/* Names come from /etc/services by port alone (NI_DGRAM: the UDP entry). */
		if (numeric || getnameinfo((struct sockaddr *)&sin, sizeof sin, NULL, 0, serv, sizeof serv,
		    udp ? NI_DGRAM : 0) != 0)
			snprintf(serv, sizeof serv, "%u", port);
	}
	if (family == AF_INET6)
		snprintf(out, outlen, "[%s]:%s", host, serv);
	else
		snprintf(out, outlen, "%s:%s", host, serv);
}

/*
 * Prints the sockets of one /proc/net file.  A file that does not exist is a
 * kernel without that family (no IPv6): nothing to show, not an error.
 * Returns 0, or -1 with errno set.
 */
static int
show_file(const char *path, int family, int udp, int listening, int numeric)
{
	FILE *f = fopen(path, "r");
	char line[512];

	if (f == NULL)
		return errno == ENOENT ? 0 : -1;
	/* The first line names the columns. */
	if (fgets(line, sizeof line, f) == NULL) {
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char local[80], remote[80], st[16], ut[16], *end;
		char lbuf[INET6_ADDRSTRLEN + NI_MAXSERV + 4], rbuf[sizeof lbuf];
		unsigned char laddr[16], raddr[16];
		unsigned lport, rport, state, uid;
		unsigned long v;
		const char *name;

		/* Words by sscanf, numbers by strtoul, which says when a word is not one. */
		if (sscanf(line, " %*[0-9]: %79s %79s %15s %*s %*s %*s %15s", local, remote, st, ut) != 4 ||
		    parse_endpoint(local, family, laddr, &lport) == -1 ||
		    parse_endpoint(remote, family, raddr, &rport) == -1)
			continue;	/* a line this program does not understand: skip, do not guess */
		errno = 0;
		v = strtoul(st, &end, 16);
		if (errno != 0 || *end != '\0' || v > 0xff)
			continue;
		state = (unsigned)v;
		v = strtoul(ut, &end, 10);
		if (errno != 0 || *end != '\0' || v > 0xffffffffUL)
			continue;
		uid = (unsigned)v;
		name = state < sizeof tcp_states / sizeof tcp_states[0] && tcp_states[state] != NULL ?
		    tcp_states[state] : "UNKNOWN";
		/* A UDP socket has no TCP state: 7 (CLOSE) is unconnected, 1 connected. */
		if (udp && state != 1)
			name = "UNCONN";
		if (listening && strcmp(name, udp ? "UNCONN" : "LISTEN") != 0)
			continue;
		format_endpoint(family, laddr, lport, udp, numeric, lbuf, sizeof lbuf);
		format_endpoint(family, raddr, rport, udp, 1, rbuf, sizeof rbuf);
		printf("%-5s %-10s %-30s %-30s %u\n", udp ? "udp" : "tcp", name, lbuf, rbuf, uid);
	}
	if (ferror(f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct { const char *path; int family, udp; } files[] = {
		{ "/proc/net/tcp", AF_INET, 0 }, { "/proc/net/tcp6", AF_INET6, 0 },
		{ "/proc/net/udp", AF_INET, 1 }, { "/proc/net/udp6", AF_INET6, 1 },
	};
	int tcp = 0, udp = 0, listening = 0, numeric = 0, opt;

	/*
	 * A reader that has gone (sockstat -t | head -1) makes a write to stdout fail
	 * with EPIPE, which is reported (74), instead of killing us without a word.
	 */
	signal(SIGPIPE, SIG_IGN);

	while ((opt = getopt(argc, argv, "tuln")) != -1) {
		switch (opt) {
		case 't': tcp = 1; break;
		case 'u': udp = 1; break;
		case 'l': listening = 1; break;
		case 'n': numeric = 1; break;
		default:
			fprintf(stderr, "usage: %s [-t] [-u] [-l] [-n]\n", argv[0]);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: %s [-t] [-u] [-l] [-n]\n", argv[0]);
		return EX_USAGE;
	}
	if (!tcp && !udp)
		tcp = udp = 1;
	/* Without procfs there is nothing to read: say so, rather than print an empty table. */
	if (access("/proc/net/tcp", R_OK) == -1)
		err(EX_OSERR, "/proc/net/tcp");
	printf("%-5s %-10s %-30s %-30s %s\n", "Netid", "State", "Local", "Peer", "UID");
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (files[i].udp ? !udp : !tcp)
			continue;
		if (show_file(files[i].path, files[i].family, files[i].udp, listening, numeric) == -1)
			err(EX_OSERR, "%s", files[i].path);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return EX_OK;
}
