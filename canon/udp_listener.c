/*
 * One socket for both families: AF_INET6 on :: with IPV6_V6ONLY off receives
 * IPv4 datagrams too, from ::ffff:a.b.c.d (the option's default comes from the
 * net.ipv6.bindv6only sysctl, so it is cleared explicitly).  IPv4 alone only
 * when the kernel has no IPv6 (EAFNOSUPPORT).  No SO_REUSEADDR: UDP has no
 * TIME_WAIT for it to help with, and on Linux it would let a second server
 * bind the same port and take the datagrams meant for this one.  The socket
 * is non-blocking: a datagram the wait reported may be gone when we read it
 * (a bad checksum is found only then), and a blocking recv would hang.
 * Returns the socket, or -1 with errno set and *WHAT naming the call that
 * failed.
 */
static int
open_udp_server(uint16_t port, const char **what)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_ANY_INIT,
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY),
	};
	const struct sockaddr *sa = (const struct sockaddr *)&sin6;
	socklen_t salen = sizeof sin6;
	const int off = 0;
	int sd, saved;

	*what = "socket";
	sd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sd == -1 && errno == EAFNOSUPPORT) {
		sa = (const struct sockaddr *)&sin;
		salen = sizeof sin;
		sd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (sd == -1)
		return -1;
	*what = "setsockopt IPV6_V6ONLY";
	if (sa->sa_family == AF_INET6 &&
	    setsockopt(sd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) == -1)
		goto fail;
	*what = "bind";
	if (bind(sd, sa, salen) == -1)
		goto fail;
	return sd;
fail:
	saved = errno;
	close(sd);
	errno = saved;
	return -1;
}
