/* What to do after accept failed; see accept_failure. */
enum accept_failure { ACCEPT_RETRY, ACCEPT_PAUSE, ACCEPT_FAIL };

/*
 * Most accept failures belong to one client, not to the server: its
 * connection was reset while it waited in the queue (ECONNABORTED), it was
 * gone by the time accept ran (EAGAIN), a firewall refused it (EPERM), or
 * Linux passed on a network error of that connection (the list in
 * accept(2)).  Try again at once.  Running out of descriptors or memory is
 * the server's trouble but passes; the waiting connection keeps the
 * listener readable, so trying again at once would spin: pause.  Anything
 * else is a bug.
 */
static enum accept_failure
accept_failure(int error)
{
	switch (error) {
	case EAGAIN:	/* the same number as EWOULDBLOCK on Linux */
	case EINTR:
	case ECONNABORTED:
	case EPERM:
	case EPROTO:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
	case ENETDOWN:
		return ACCEPT_RETRY;
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		return ACCEPT_PAUSE;
	default:
		return ACCEPT_FAIL;
	}
}
