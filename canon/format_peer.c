/*
 * Writes ADDR:PORT for a peer: [IPv6]:port, or a.b.c.d:port for IPv4.  An IPv4
 * peer of a dual-stack socket arrives as ::ffff:a.b.c.d; it is shown unmapped,
 * so a peer looks the same whichever kind of socket it reached.
 */
static void
format_peer(const struct sockaddr_storage *ss, socklen_t sslen, char *out, size_t outlen)
{
	const struct sockaddr *sa = (const struct sockaddr *)ss;
	struct sockaddr_in sin;
	/* Numeric forms only: an IPv6 address with "%scope", five digits of port. */
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE], serv[8];
	int rc;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			memset(&sin, 0, sizeof sin);
			sin.sin_family = AF_INET;
			sin.sin_port = sin6->sin6_port;
			memcpy(&sin.sin_addr, &sin6->sin6_addr.s6_addr[12], sizeof sin.sin_addr);
			sa = (const struct sockaddr *)&sin;
			sslen = sizeof sin;
		}
	}
	rc = getnameinfo(sa, sslen, host, sizeof host, serv, sizeof serv,
	    NI_NUMERICHOST | NI_NUMERICSERV);
	if (rc != 0)
		snprintf(out, outlen, "?:? (%s)", gai_strerror(rc));
	else if (sa->sa_family == AF_INET6)
		snprintf(out, outlen, "[%s]:%s", host, serv);
	else
		snprintf(out, outlen, "%s:%s", host, serv);
}
