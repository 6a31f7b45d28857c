/* Set by the handlers, acted on by the loop: all a handler may safely do. */
static volatile sig_atomic_t stop_requested, child_ended;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
on_child(int sig)
{
	(void)sig;
	child_ended = 1;
}

/*
 * SIGINT and SIGTERM end the server with status 0; SIGCHLD says a child can
 * be reaped (the loop reaps, so it can count its children).  The handlers only
 * set flags and are installed without SA_RESTART.  The three signals stay
 * blocked except while the server waits in ppoll, which unblocks them
 * atomically, so none is lost between testing a flag and going to sleep.  The
 * stop handler is installed even when the signal was ignored on entry (a
 * shell's background job ignores SIGINT).  SIGPIPE is ignored: a write to a
 * vanished peer or a closed pipe then fails with EPIPE instead of killing the
 * process.  *WAITMASK receives the mask to wait with.  Returns 0, or -1 with
 * errno set.
 */
static int
catch_signals_and_children(sigset_t *waitmask)
{
	struct sigaction stop = { .sa_handler = on_stop }, ignore = { .sa_handler = SIG_IGN };
	struct sigaction child = { .sa_handler = on_child, .sa_flags = SA_NOCLDSTOP };
	sigset_t blocked;

	sigemptyset(&stop.sa_mask);
	sigemptyset(&ignore.sa_mask);
	sigemptyset(&child.sa_mask);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &blocked, waitmask) == -1)
		return -1;
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGCHLD);
	if (sigaction(SIGINT, &stop, NULL) == -1 || sigaction(SIGTERM, &stop, NULL) == -1 ||
	    sigaction(SIGCHLD, &child, NULL) == -1 || sigaction(SIGPIPE, &ignore, NULL) == -1)
		return -1;
	return 0;
}
