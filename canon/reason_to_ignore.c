/*
 * Why a datagram must not be answered, or NULL when it may be.
 *
 * Nobody checks a UDP source address: whoever forges it chooses where our
 * answer goes.  So:
 *  - no answer to a source port below 1024.  The standard services live
 *    there.  A datagram forged "from" port 7 (echo), 13 (daytime) or 19
 *    (chargen) of another host makes us answer that service, which answers
 *    us, which answers it: two servers ping-pong for ever with no client
 *    left, one forged packet starts a loop that never ends, and a few such
 *    loops saturate both hosts.  Real clients send from an ephemeral port
 *    (32768..60999 on Linux).
 *  - no answer to a broadcast or multicast source.  The answer would go to
 *    every host of a network, and any of them may answer back: one
 *    datagram becomes many (amplification).  No host sends from such an
 *    address; only a forger does.  IPv4 clients of the dual-stack socket
 *    show as ::ffff:a.b.c.d, so the IPv4 rules apply to that form too.
 *  - the unspecified address (0.0.0.0/8, ::) cannot be answered at all.
 * Linux already drops most such "martian" sources as they come in from an
 * interface; the check is here because a program must not count on that
 * (it does not happen on loopback, for one).  A subnet's directed broadcast
 * (192.0.2.255 on 192.0.2.0/24) would need the interface list to be
 * recognized: that one is left to the kernel's martian filter.
 */
static const char *
reason_to_ignore(const struct sockaddr_storage *ss)
{
	uint32_t v4;	/* an IPv4 address, in network byte order until ntohl */
	uint16_t port;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		if (IN6_IS_ADDR_MULTICAST(&sin6->sin6_addr))
			return "multicast source";
		if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
			return "unspecified source";
		port = ntohs(sin6->sin6_port);
		if (!IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			return port < 1024 ? "source port below 1024" : NULL;
		memcpy(&v4, &sin6->sin6_addr.s6_addr[12], sizeof v4);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		port = ntohs(sin->sin_port);
		v4 = sin->sin_addr.s_addr;
	} else {
		return "unknown address family";
	}
	v4 = ntohl(v4);
	if (IN_MULTICAST(v4))
		return "multicast source";
	if (v4 == INADDR_BROADCAST)
		return "broadcast source";
	if ((v4 >> 24) == 0)
		return "unspecified source";
	return port < 1024 ? "source port below 1024" : NULL;
}
