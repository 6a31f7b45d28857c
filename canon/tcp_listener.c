/*
 * One socket for both families: AF_INET6 on :: with IPV6_V6ONLY off accepts
 * IPv4 clients too, as ::ffff:a.b.c.d (the option's default comes from the
 * net.ipv6.bindv6only sysctl, so it is cleared explicitly).  IPv4 alone only
 * when the kernel has no IPv6 (EAFNOSUPPORT).  SO_REUSEADDR lets a restarted
 * server bind while connections of the last run sit in TIME_WAIT.  The socket
 * is non-blocking: a client that resets between the wait and accept must not
 * leave the server blocked in accept.  BACKLOG is how many connections the
 * kernel completes before we accept them (listen caps it at
 * net.core.somaxconn).  Returns the listening socket, or -1 with errno set
 * and *WHAT naming the call that failed.
 */
static int
open_tcp_server(uint16_t port, int backlog, const char **what)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_ANY_INIT,
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY),
	};
	const struct sockaddr *sa = (const struct sockaddr *)&sin6;
	socklen_t salen = sizeof sin6;
	const int on = 1, off = 0;
	int sd, saved;

	*what = "socket";
	sd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sd == -1 && errno == EAFNOSUPPORT) {
		sa = (const struct sockaddr *)&sin;
		salen = sizeof sin;
		sd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (sd == -1)
		return -1;
	*what = "setsockopt IPV6_V6ONLY";
	if (sa->sa_family == AF_INET6 &&
	    setsockopt(sd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) == -1)
		goto fail;
	*what = "setsockopt SO_REUSEADDR";
	if (setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
		goto fail;
	*what = "bind";
	if (bind(sd, sa, salen) == -1)
		goto fail;
	*what = "listen";
	if (listen(sd, backlog) == -1)
		goto fail;
	return sd;
fail:
	saved = errno;
	close(sd);
	errno = saved;
	return -1;
}
