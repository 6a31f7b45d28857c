/*
 * Connects to the first address of LIST that accepts.  Returns the socket, or
 * -1 with errno, *failed and WHERE describing the last address's failure.
 * For programs that install no signal handler: connect is never interrupted
 * (EINTR) there, so it is not retried.
 */
static int
connect_any(const struct addrinfo *list, const char **failed, char *where, size_t wherelen)
{
	int saved = 0;

	for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		int cfd;

		*failed = "socket";
		cfd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (cfd != -1) {
			*failed = "connect";
			if (connect(cfd, ai->ai_addr, ai->ai_addrlen) == 0)
				return cfd;
			saved = errno;
			close(cfd);
		} else {
			saved = errno;
		}
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, where, wherelen, NULL, 0,
		    NI_NUMERICHOST) != 0)
			snprintf(where, wherelen, "?");
	}
	errno = saved;
	return -1;
}
