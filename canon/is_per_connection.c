/*
 * Errors that accept reports for one connection, not for the listening socket:
 * a client that reset while queued (ECONNABORTED), a firewall's veto (EPERM),
 * and the network errors Linux passes on from the new socket (accept(2)).  The
 * server goes on with the next client.
 */
static int
is_per_connection(int error)
{
	switch (error) {
	case ECONNABORTED:
	case EPERM:
	case EPROTO:
	case ENETDOWN:
	case ENETUNREACH:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case EHOSTUNREACH:
	case ENONET:
	case EOPNOTSUPP:
		return 1;
	default:
		return 0;
	}
}
