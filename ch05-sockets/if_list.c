/*
 * if_list - list every network interface and each of its addresses.
 *
 * usage: if_list
 * out:   one line per address, fields separated by a tab:
 *          NAME  IPv4  ADDRESS/PREFIX
 *          NAME  IPv6  ADDRESS/PREFIX
 *          NAME  LINK  xx:xx:...     (exactly the address's length; "-" when empty)
 *          NAME  UNIX  PATH
 *          NAME  NONE  -             (an interface with no address of its own)
 *          NAME  AF<n> -             (a family this program does not know)
 *        where no interface has an IPv6 address, one line on stderr says so
 * exit:  0 ok, 64 usage, 71 getifaddrs failed, 74 stdout failed (a closed pipe included)
 * try:   ./if_list        and compare:  ip -o addr; ip -o link
 * text:  chapter 5, "Interface List"
 */
#define _GNU_SOURCE	/* getifaddrs and struct sockaddr_ll are not in C17 */
#include <arpa/inet.h>
#include <err.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>

/*
 * A netmask is a run of one bits; its length is the prefix length that
 * `ip addr` prints after the slash.
 */
static int
prefix_length(const unsigned char *mask, size_t len)
{
	int bits = 0;

	for (size_t i = 0; i < len; i++)
		for (unsigned char b = mask[i]; b != 0; b <<= 1)
			bits += (b & 0x80) != 0;
	return bits;
}

/* Prints ADDRESS/PREFIX for an IPv4 or IPv6 entry, ADDRESS alone without a mask. */
static void
print_inet(const struct ifaddrs *ifa)
{
	char text[INET6_ADDRSTRLEN];
	const void *addr;
	const unsigned char *mask = NULL;
	size_t masklen;

	if (ifa->ifa_addr->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ifa->ifa_addr;

		addr = &sin->sin_addr;
		masklen = sizeof sin->sin_addr;
		if (ifa->ifa_netmask != NULL)
			mask = (const unsigned char *)
			    &((const struct sockaddr_in *)ifa->ifa_netmask)->sin_addr;
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ifa->ifa_addr;

		addr = &sin6->sin6_addr;
		masklen = sizeof sin6->sin6_addr;
		if (ifa->ifa_netmask != NULL)
			mask = (const unsigned char *)
			    &((const struct sockaddr_in6 *)ifa->ifa_netmask)->sin6_addr;
	}
	/* Cannot fail: the family is right and the buffer fits any IPv6 address. */
	inet_ntop(ifa->ifa_addr->sa_family, addr, text, sizeof text);
	if (mask != NULL)
		printf("%s/%d\n", text, prefix_length(mask, masklen));
	else
		printf("%s\n", text);
}

/*
 * A link-layer address is sll_halen bytes long: 6 for Ethernet, 0 for a
 * tunnel without one, 16 for some IPv6 tunnels.  Print exactly those bytes.
 */
static void
print_link(const struct sockaddr_ll *sll)
{
	size_t len = sll->sll_halen;

	if (len > sizeof sll->sll_addr)	/* never more than the array holds */
		len = sizeof sll->sll_addr;
	if (len == 0) {
		puts("-");
		return;
	}
	for (size_t i = 0; i < len; i++)
		printf("%s%02x", i ? ":" : "", sll->sll_addr[i]);
	putchar('\n');
}

int
main(int argc, char *argv[])
{
	struct ifaddrs *list;
	int ipv6 = 0;

	/*
	 * A reader that has gone (if_list | head -1) makes a write to stdout fail
	 * with EPIPE, which is reported (74), instead of killing us without a word.
	 */
	signal(SIGPIPE, SIG_IGN);

	if (argc != 1) {
		fprintf(stderr, "usage: %s\n", argv[0]);
		return EX_USAGE;
	}
	if (getifaddrs(&list) == -1)
		err(EX_OSERR, "getifaddrs");

	for (const struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next) {
		printf("%s\t", ifa->ifa_name);
		/* An interface with no link-layer address (a TUN device) has no ifa_addr. */
		if (ifa->ifa_addr == NULL) {
			puts("NONE\t-");
			continue;
		}
		switch (ifa->ifa_addr->sa_family) {
		case AF_INET:
			printf("IPv4\t");
			print_inet(ifa);
			break;
		case AF_INET6:
			ipv6 = 1;
			printf("IPv6\t");
			print_inet(ifa);
			break;
		case AF_PACKET:
			printf("LINK\t");
			print_link((const struct sockaddr_ll *)ifa->ifa_addr);
			break;
		case AF_UNIX:
			printf("UNIX\t%s\n", ((const struct sockaddr_un *)ifa->ifa_addr)->sun_path);
			break;
		default:
			printf("AF%d\t-\n", ifa->ifa_addr->sa_family);
			break;
		}
	}
	freeifaddrs(list);
	/*
	 * IPv6 disabled (a container on Docker's default bridge network sets
	 * disable_ipv6=1) removes every IPv6 address, even ::1: the missing
	 * lines are the host's, not a fault of this program.
	 */
	if (!ipv6)
		warnx("this host has no IPv6: no interface has an IPv6 address");

	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return EX_OK;
}
