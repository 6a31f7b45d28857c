# errata: Signal Handling: without `SA_RESTART` a signal can still be lost just before the call
# breaks: lets SIGINT and SIGTERM through at all times (the text's model): one that comes after the loop tests its flag and before the wait only sets the flag, and the server sleeps on
# caught-by: stops on a SIGTERM that comes just before it waits
s/if (sigprocmask(SIG_BLOCK, &blocked, waitmask) == -1)/if (sigprocmask(SIG_BLOCK, \&blocked, waitmask) == -1 || sigprocmask(SIG_UNBLOCK, \&blocked, NULL) == -1)/
