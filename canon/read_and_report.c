/*
 * Reads what a ready client has sent and reports it.  One recv per readiness,
 * not a loop until EAGAIN: a client that sends without pause must not starve
 * the others.  Returns 1 while the connection goes on, 0 when it has ended (EOF
 * or an error, reported: close it), -1 when stdout failed.  Needs report,
 * DATA_MAX, and a struct client with fd, total and peer.
 */
static int
read_and_report(struct client *c)
{
	char buf[DATA_MAX];
	ssize_t n = recv(c->fd, buf, sizeof buf, 0);

	if (n > 0) {
		c->total += (uintmax_t)n;
		return report(buf, (size_t)n, "Data from %s (%zd bytes)", c->peer, n) == -1 ? -1 : 1;
	}
	if (n == 0)
		return report(NULL, 0, "Closed %s (%ju bytes)", c->peer, c->total) == -1 ? -1 : 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 1;	/* readiness is a hint, not a promise */
	/* A reset is this client's end, not the server's. */
	return report(NULL, 0, "Reset %s (%ju bytes): %s", c->peer, c->total,
	    strerror(errno)) == -1 ? -1 : 0;
}
