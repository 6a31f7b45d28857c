/*
 * child_deaths.so - preloaded into a server by the exercise suites (tests/lib/exercise.bash)
 * so that a child the server forks and a crash kills is named in the test that provoked it.
 * Without it a forked child's SIGSEGV is only a missing answer ("expected 1 line, got 0"):
 * the server reaps it and carries on, and the test's shell never sees it.
 *
 * Every status that wait, waitpid, wait3, wait4 and waitid hand to the server and that says
 * "killed by" a crash signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGSYS, SIGTRAP) is
 * appended to the file $NETPROG_CHILD_LOG as one line "PID SIGNAL".  A server that never
 * waits, because it set SIGCHLD to SIG_IGN or asked for SA_NOCLDWAIT (the kernel reaps its
 * children then, and their statuses are lost), gets SIGCHLD's default disposition instead,
 * which ignores the signal just the same, and a thread of this library reaps and records
 * its children.  signal, sigaction and the wait calls otherwise behave as libc's.
 *
 * Kill signals (SIGTERM, SIGKILL...) are not crashes: a server may end its children so.
 * Only libc's functions are interposed: a program that makes the system calls itself, or
 * is linked statically, is not watched.  Build: cc -shared -fPIC -o child_deaths.so
 * child_deaths.c -ldl -pthread.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int
crash_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL ||
	       sig == SIGABRT || sig == SIGSYS || sig == SIGTRAP;
}

/* Async-signal-safe: the wait calls run in SIGCHLD handlers. */
static void
record(pid_t pid, int sig)
{
	const char *path = getenv("NETPROG_CHILD_LOG");
	char line[48], digits[24];
	size_t len = 0, n;
	unsigned long v;
	int fd, saved = errno;

	if (path == NULL || *path == '\0' || !crash_signal(sig))
		return;
	for (int k = 0; k < 2; k++) {
		v = k == 0 ? (unsigned long)pid : (unsigned long)sig;
		n = 0;
		do {
			digits[n++] = (char)('0' + v % 10);
			v /= 10;
		} while (v != 0);
		while (n > 0)
			line[len++] = digits[--n];
		line[len++] = k == 0 ? ' ' : '\n';
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd != -1) {
		(void)!write(fd, line, len);
		close(fd);
	}
	errno = saved;
}

static void
record_status(pid_t pid, int status)
{
	if (pid > 0 && WIFSIGNALED(status))
		record(pid, WTERMSIG(status));
}

#define REAL(name) \
	static __typeof__(name) *real_##name; \
	if (real_##name == NULL) \
		real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

pid_t
waitpid(pid_t pid, int *status, int options)
{
	int st = 0;
	pid_t got;
	REAL(waitpid);

	got = real_waitpid(pid, &st, options);
	record_status(got, st);
	if (status != NULL && got > 0)
		*status = st;
	return got;
}

pid_t
wait(int *status)
{
	return waitpid(-1, status, 0);
}

pid_t
wait3(int *status, int options, struct rusage *ru)
{
	int st = 0;
	pid_t got;
	REAL(wait3);

	got = real_wait3(&st, options, ru);
	record_status(got, st);
	if (status != NULL && got > 0)
		*status = st;
	return got;
}

pid_t
wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	int st = 0;
	pid_t got;
	REAL(wait4);

	got = real_wait4(pid, &st, options, ru);
	record_status(got, st);
	if (status != NULL && got > 0)
		*status = st;
	return got;
}

int
waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
	int r;
	REAL(waitid);

	r = real_waitid(idtype, id, info, options);
	if (r == 0 && info != NULL && info->si_pid > 0 && (options & WNOWAIT) == 0 &&
	    (info->si_code == CLD_KILLED || info->si_code == CLD_DUMPED))
		record(info->si_pid, info->si_status);
	return r;
}

/* ---- servers that let the kernel reap ------------------------------------- */

static void *
reaper(void *arg)
{
	sigset_t all;

	(void)arg;
	/* No signal of the server's is ever delivered to this thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		siginfo_t info;

		memset(&info, 0, sizeof info);
		if (waitid(P_ALL, 0, &info, WEXITED) == -1) {
			if (errno == ECHILD) {
				/* No child yet: look again soon (a thread cannot wait for a fork). */
				struct timespec ts = { .tv_sec = 0, .tv_nsec = 20 * 1000 * 1000 };
				nanosleep(&ts, NULL);
			}
			continue;
		}
	}
	return NULL;
}

static void
create_reaper(void)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	(void)pthread_create(&t, &attr, reaper, NULL);
	pthread_attr_destroy(&attr);
}

static void
start_reaper(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, create_reaper);
}

static int
watching(void)
{
	const char *path = getenv("NETPROG_CHILD_LOG");

	return path != NULL && *path != '\0';
}

int
sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	REAL(sigaction);

	if (sig == SIGCHLD && act != NULL && watching() &&
	    (((act->sa_flags & SA_SIGINFO) == 0 && act->sa_handler == SIG_IGN) ||
	     (act->sa_flags & SA_NOCLDWAIT) != 0)) {
		struct sigaction mine = *act;

		if ((mine.sa_flags & SA_SIGINFO) == 0 && mine.sa_handler == SIG_IGN)
			mine.sa_handler = SIG_DFL;	/* SIGCHLD's default is to ignore it too */
		mine.sa_flags &= ~SA_NOCLDWAIT;
		start_reaper();
		return real_sigaction(sig, &mine, old);
	}
	return real_sigaction(sig, act, old);
}

/* glibc's signal does not go through the sigaction above: it is interposed on its own. */
sighandler_t
signal(int sig, sighandler_t handler)
{
	REAL(signal);

	if (sig == SIGCHLD && handler == SIG_IGN && watching()) {
		start_reaper();
		return real_signal(sig, SIG_DFL);
	}
	return real_signal(sig, handler);
}
