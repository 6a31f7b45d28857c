/* One line on stderr for a datagram that gets no answer.  Needs log_limited. */
static void
report_ignored(const struct sockaddr_storage *ss, socklen_t sslen, const char *why)
{
	/* Anyone can send us datagrams: one line a second at most, with a count. */
	static struct log_limit ignored;
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getnameinfo((const struct sockaddr *)ss, sslen, host, sizeof host, serv, sizeof serv,
	    NI_NUMERICHOST | NI_NUMERICSERV | NI_DGRAM) == 0)
		warnx_limited(&ignored, "not answering [%s]:%s: %s", host, serv, why);
	else
		warnx_limited(&ignored, "not answering a datagram: %s", why);
}
