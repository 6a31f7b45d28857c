/*
 * tests/lib/early_term.c - preloaded into a server: once the server has taken SIGTERM
 * in hand (a handler set with sigaction or signal, or the signal blocked with
 * sigprocmask or pthread_sigmask, as signalfd and sigwait need), the first time it is
 * about to wait (accept, recv*, poll, ppoll, select, pselect, epoll_*wait, sigsuspend,
 * sigwait*) a SIGTERM is raised just before the real call: the worst moment for a
 * signal to come.  A server whose stop signals are blocked except while it waits sees
 * it in that wait and stops; one that tests a flag and then blocks with the signal
 * deliverable has already run its handler, and sleeps on (the lost-signal window).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>

static atomic_int armed, raised;

static void
term_once(void)
{
	if (atomic_load(&armed) && atomic_exchange(&raised, 1) == 0)
		raise(SIGTERM);
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (sig == SIGTERM && act != NULL && act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN)
		atomic_store(&armed, 1);
	return NEXT(sigaction)(sig, act, old);
}
__sighandler_t signal(int sig, __sighandler_t handler)
{
	if (sig == SIGTERM && handler != SIG_DFL && handler != SIG_IGN)
		atomic_store(&armed, 1);
	return NEXT(signal)(sig, handler);
}
static void
arm_if_blocked(int how, const sigset_t *set)
{
	if (set != NULL && how != SIG_UNBLOCK && sigismember(set, SIGTERM) == 1)
		atomic_store(&armed, 1);
}
int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{ arm_if_blocked(how, set); return NEXT(sigprocmask)(how, set, old); }
int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{ arm_if_blocked(how, set); return NEXT(pthread_sigmask)(how, set, old); }

int accept(int fd, struct sockaddr *sa, socklen_t *len)
{ term_once(); return NEXT(accept)(fd, sa, len); }
int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{ term_once(); return NEXT(accept4)(fd, sa, len, flags); }
ssize_t recv(int fd, void *buf, size_t n, int flags)
{ term_once(); return NEXT(recv)(fd, buf, n, flags); }
ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *sa, socklen_t *len)
{ term_once(); return NEXT(recvfrom)(fd, buf, n, flags, sa, len); }
ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{ term_once(); return NEXT(recvmsg)(fd, msg, flags); }
int poll(struct pollfd *fds, nfds_t n, int ms)
{ term_once(); return NEXT(poll)(fds, n, ms); }
int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{ term_once(); return NEXT(ppoll)(fds, n, ts, mask); }
int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{ term_once(); return NEXT(select)(n, r, w, e, tv); }
int pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts, const sigset_t *mask)
{ term_once(); return NEXT(pselect)(n, r, w, e, ts, mask); }
int epoll_wait(int ep, struct epoll_event *ev, int max, int ms)
{ term_once(); return NEXT(epoll_wait)(ep, ev, max, ms); }
int epoll_pwait(int ep, struct epoll_event *ev, int max, int ms, const sigset_t *mask)
{ term_once(); return NEXT(epoll_pwait)(ep, ev, max, ms, mask); }
int sigsuspend(const sigset_t *mask)
{ term_once(); return NEXT(sigsuspend)(mask); }
int sigwait(const sigset_t *set, int *sig)
{ term_once(); return NEXT(sigwait)(set, sig); }
int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{ term_once(); return NEXT(sigwaitinfo)(set, info); }
int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *ts)
{ term_once(); return NEXT(sigtimedwait)(set, info, ts); }
