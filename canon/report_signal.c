/* Set by the SIGUSR1 handler: print a progress line and carry on (as dd does). */
static volatile sig_atomic_t report_requested;

static void
on_report(int sig)
{
	(void)sig;
	report_requested = 1;
}

/*
 * SIGUSR1 asks for a progress line.  Like the stop signals (catch_signals,
 * called first) it stays blocked except while the program waits, so it is
 * acted on between two clients or datagrams, never in the middle of a
 * write.  *WAITMASK, the mask to wait with, lets it through too.  Returns 0,
 * or -1 with errno set.
 */
static int
catch_report_signal(sigset_t *waitmask)
{
	struct sigaction report = { .sa_handler = on_report };
	sigset_t blocked;

	sigemptyset(&report.sa_mask);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &blocked, NULL) == -1)
		return -1;
	sigdelset(waitmask, SIGUSR1);
	return sigaction(SIGUSR1, &report, NULL);
}
