/* What take_connection returns when it gives no connection. */
enum { TAKE_EMPTY = -1, TAKE_LOST = -2, TAKE_FAILED = -3 };

/*
 * Accepts the next queued connection as a non-blocking socket (a socket that
 * blocked in recv would stop every other client) and writes its ADDR:PORT to
 * PEER.  Returns its descriptor, or TAKE_EMPTY when the queue is empty,
 * TAKE_LOST when this connection is gone (reset while queued, or shed for lack
 * of descriptors: try the next), TAKE_FAILED when the server cannot go on
 * (warned).  Needs format_peer, is_per_connection and shed_connection.
 */
static int
take_connection(int lfd, int *spare, char *peer, size_t peerlen)
{
	struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
	socklen_t sslen = sizeof ss;
	int cfd, error;

	cfd = accept4(lfd, (struct sockaddr *)&ss, &sslen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd != -1) {
		format_peer(&ss, sslen, peer, peerlen);
		return cfd;
	}
	error = errno;
	if (error == EAGAIN || error == EWOULDBLOCK)
		return TAKE_EMPTY;
	if (error == EINTR)
		return TAKE_LOST;
	if (is_per_connection(error)) {
		warn("accept");
		return TAKE_LOST;
	}
	if ((error == EMFILE || error == ENFILE) && shed_connection(lfd, spare, error) == 0)
		return TAKE_LOST;
	errno = error;
	warn("accept");
	return TAKE_FAILED;
}
