/* Set by the handler, acted on by the loop: all a handler may safely do. */
static volatile sig_atomic_t stop_requested;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/*
 * SIGINT and SIGTERM end the server with status 0.  The handler only sets a
 * flag and is installed without SA_RESTART.  Both signals stay blocked except
 * while the server waits (ppoll, epoll_pwait, pselect), which unblocks them
 * atomically: one that arrives while a client is being served stays pending
 * and interrupts the next wait at once (EINTR), so it is never lost between
 * testing the flag and going to sleep.  The handler is installed even when
 * the signal was ignored on entry (a shell's background job ignores SIGINT).
 * SIGPIPE is ignored: a write to a vanished peer or a closed pipe then fails
 * with EPIPE instead of killing the process.  *WAITMASK receives the mask to
 * wait with.  Returns 0, or -1 with errno set.
 */
static int
catch_signals(sigset_t *waitmask)
{
	struct sigaction stop = { .sa_handler = on_stop }, ignore = { .sa_handler = SIG_IGN };
	sigset_t blocked;

	sigemptyset(&stop.sa_mask);
	sigemptyset(&ignore.sa_mask);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &blocked, waitmask) == -1)
		return -1;
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
	if (sigaction(SIGINT, &stop, NULL) == -1 || sigaction(SIGTERM, &stop, NULL) == -1 ||
	    sigaction(SIGPIPE, &ignore, NULL) == -1)
		return -1;
	return 0;
}
