/*
 * send can write less than asked (a full socket buffer, a signal): loop until
 * all is sent.  MSG_NOSIGNAL: a peer that has gone costs EPIPE, not SIGPIPE.
 * Returns 0, or -1 with errno set (EAGAIN: a send timeout ran out, the peer
 * does not read).
 */
static int
send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}
