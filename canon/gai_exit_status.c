/*
 * The one table from a getaddrinfo/getnameinfo error to an exit status (see
 * CONTRIBUTING.md): the name does not resolve, now or ever (68); the resolver
 * cannot be reached or answered "try again" (75); the system ran out of
 * something (71, errno set for EAI_SYSTEM); anything else is a flag or a
 * family we asked for wrongly (70).
 */
static int
gai_exit_status(int rc)
{
	switch (rc) {
	case EAI_NONAME:
	case EAI_FAIL:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
	case EAI_ADDRFAMILY:
#endif
		return EX_NOHOST;
	case EAI_AGAIN:
		return EX_TEMPFAIL;
	case EAI_MEMORY:
	case EAI_SYSTEM:
		return EX_OSERR;
	default:
		return EX_SOFTWARE;
	}
}
