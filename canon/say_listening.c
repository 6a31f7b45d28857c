/*
 * Says "listening on port N" on stderr once SD accepts clients (or datagrams),
 * N read back from the socket: with port 0 the kernel picks one, and this line
 * is the only way a student or a test learns which.  Returns 0, or -1 with
 * errno set.
 */
static int
say_listening(int sd)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	in_port_t port;

	/* Zeroed: getsockname fills it, but clang-analyzer cannot see that. */
	memset(&ss, 0, sizeof ss);
	if (getsockname(sd, (struct sockaddr *)&ss, &sslen) == -1)
		return -1;
	if (ss.ss_family == AF_INET6)
		port = ((const struct sockaddr_in6 *)&ss)->sin6_port;
	else
		port = ((const struct sockaddr_in *)&ss)->sin_port;
	fprintf(stderr, "listening on port %u\n", (unsigned)ntohs(port));
	return 0;
}
