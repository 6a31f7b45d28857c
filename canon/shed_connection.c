/*
 * accept failed with EMFILE or ENFILE: the connection stays queued and the
 * listening socket stays readable, so polling again would spin.  The reserve
 * descriptor (/dev/null, opened at the start) is given up for a moment to
 * accept the connection and close it at once, then taken back.  The client sees
 * its connection closed instead of hanging in the queue.  Returns 0, or -1 when
 * there is no reserve.  Needs format_peer, PEER_MAX and report.
 */
static int
shed_connection(int lfd, int *spare, int error)
{
	struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
	socklen_t sslen = sizeof ss;
	int cfd;

	if (*spare == -1)
		return -1;
	close(*spare);
	cfd = accept4(lfd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC);
	if (cfd != -1) {
		char peer[PEER_MAX];

		format_peer(&ss, sslen, peer, sizeof peer);
		close(cfd);
		(void)report(NULL, 0, "Refused %s: %s", peer, strerror(error));
	}
	*spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return 0;
}
