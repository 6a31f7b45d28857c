/*
 * Sleeps until FD has something to read (data, a connection to accept, an
 * EOF or an error) or a signal that *WAITMASK lets through arrives.  ppoll
 * installs the mask and sleeps in one step: a signal that came while it was
 * blocked interrupts this wait at once instead of waiting for the next
 * client.  Returns 0 when FD is ready, or -1 with errno set (EINTR: a
 * signal).
 */
static int
wait_readable(int fd, const sigset_t *waitmask)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return ppoll(&pfd, 1, NULL, waitmask) == -1 ? -1 : 0;
}
