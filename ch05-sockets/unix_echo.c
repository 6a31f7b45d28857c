/*
 * unix_echo - the echo service over AF_UNIX stream sockets: a path in the file system, or @name in Linux's abstract namespace.
 *
 * usage: unix_echo [-l] PATH
 *        With -l, serves echo on PATH: every byte a client sends comes back to it,
 *        clients at once (one poll), each shown on stderr with the credentials the
 *        kernel vouches for (SO_PEERCRED: pid, uid, gid).  "listening on PATH" on
 *        stderr once it accepts.  A socket file left by a server that died is
 *        found stale (nobody accepts on it) and replaced; a live server's socket,
 *        or a PATH that is not a socket, is never removed.  The socket file is
 *        removed on SIGINT/SIGTERM.  @name is abstract: no file at all, the name
 *        vanishes with the last socket.  Without -l, a client: stdin goes to the
 *        server and the server's bytes to stdout, both at once; stdin's EOF
 *        half-closes, and it ends when the server has closed too.
 * exit:  0 done (the server: after SIGINT or SIGTERM), 64 usage (arguments, PATH
 *        empty or longer than 107 bytes), 69 no server at PATH (the client),
 *        71 system error (socket, bind: a live server or a non-socket file at
 *        PATH, listen, poll), 74 the connection, stdin or stdout failed
 * try:   ./ch05-sockets/unix_echo -l /tmp/echo.sock     and elsewhere:
 *        ./ch05-sockets/unix_echo /tmp/echo.sock        (or: nc -U /tmp/echo.sock)
 * text:  chapter 5, "UNIX Socket"
 */
#define _GNU_SOURCE	/* struct ucred, SO_PEERCRED, ppoll, accept4 and MSG_NOSIGNAL are not in C17 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>	/* PIPE_BUF */
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

/* The most echo the server holds per client; while it is full the client is not read (backpressure). */
#define BUFSZ 65536
/* Clients served at once; more wait in the listen backlog. */
#define MAX_CLIENTS 64

/* canon: stop_signals (see CONTRIBUTING.md) */
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
/* end canon: stop_signals */

/*
 * Fills *SUN for PATH.  A leading @ means Linux's abstract namespace: the
 * address starts with a NUL byte, then the name, and its length counts only
 * the bytes used (no terminating NUL: "@a" and "@a\0" would be two names).
 * A path in the file system is NUL-terminated.  Returns the address length,
 * or 0 when PATH is empty or does not fit in sun_path (108 bytes).
 */
static socklen_t
make_address(const char *path, struct sockaddr_un *sun)
{
	size_t len = strlen(path);

	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (len == 0 || (path[0] == '@' && len == 1) || len >= sizeof sun->sun_path)
		return 0;
	if (path[0] == '@') {
		memcpy(sun->sun_path + 1, path + 1, len - 1);
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	}
	memcpy(sun->sun_path, path, len + 1);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

/*
 * bind failed with EADDRINUSE on a file-system PATH.  The file may be the
 * socket of a server that died (a socket file outlives its socket): it is
 * stale when it is a socket and connecting to it is refused.  Only then is it
 * removed.  A file that is not a socket, or a socket someone accepts on, is
 * left alone.  (Between the test and the unlink another server could bind:
 * the window is small, and the worst case is that its file is replaced.)
 * Returns 1 when the stale file was removed, 0 when PATH is in use (errno
 * says why), -1 on error.
 */
static int
remove_stale(const char *path, const struct sockaddr_un *sun, socklen_t sunlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) == -1)
		return -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = ENOTSOCK;
		return 0;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sun, sunlen);
	close(fd);
	if (rc == 0) {
		errno = EADDRINUSE;
		return 0;
	}
	if (errno != ECONNREFUSED)
		return -1;
	if (unlink(path) == -1)
		return -1;
	return 1;
}

struct client {
	int cfd;
	bool eof;		/* the client half-closed: send the rest of its echo, then close */
	size_t len;		/* echo pending in buf */
	char buf[BUFSZ];
};

/* Takes a client and says who it is: SO_PEERCRED is filled in by the kernel at connect, so it cannot be forged. */
static struct client *
take_client(int lfd)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	struct client *c;
	int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd == -1)
		return NULL;
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		fprintf(stderr, "client pid %ld uid %ld gid %ld\n", (long)cred.pid, (long)cred.uid,
		    (long)cred.gid);
	c = malloc(sizeof *c);
	if (c == NULL) {
		warn("malloc");
		close(cfd);
		return NULL;
	}
	c->cfd = cfd;
	c->eof = false;
	c->len = 0;
	return c;
}

/*
 * One turn for client C, whose poll events are REV.  Returns false when the
 * client is done (closed, reset, or half-closed with its echo sent).
 */
static bool
serve(struct client *c, short rev)
{
	if (rev & (POLLIN | POLLHUP | POLLERR) && !c->eof && c->len < BUFSZ) {
		ssize_t n = recv(c->cfd, c->buf + c->len, BUFSZ - c->len, 0);

		if (n == 0)
			c->eof = true;
		else if (n > 0)
			c->len += (size_t)n;
		else if (errno != EINTR && errno != EAGAIN)
			return false;
	}
	if (c->len > 0 && rev & (POLLOUT | POLLERR | POLLHUP)) {
		ssize_t n = send(c->cfd, c->buf, c->len, MSG_NOSIGNAL);

		if (n > 0) {
			memmove(c->buf, c->buf + n, c->len - (size_t)n);
			c->len -= (size_t)n;
		} else if (n == -1 && errno != EINTR && errno != EAGAIN) {
			return false;
		}
	}
	return !(c->eof && c->len == 0);
}

static int
run_server(const char *path)
{
	struct sockaddr_un sun;
	socklen_t sunlen = make_address(path, &sun);
	struct client *cl[MAX_CLIENTS];
	struct pollfd pfd[MAX_CLIENTS + 1];
	size_t n = 0;
	sigset_t waitmask;
	struct stat mine;
	bool in_fs = path[0] != '@';
	int lfd;

	if (catch_signals(&waitmask) == -1)
		err(EX_OSERR, "sigaction");
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd == -1)
		err(EX_OSERR, "socket");
	if (bind(lfd, (struct sockaddr *)&sun, sunlen) == -1) {
		int rc;

		if (errno != EADDRINUSE || !in_fs)
			err(EX_OSERR, "bind %s", path);
		rc = remove_stale(path, &sun, sunlen);
		if (rc == 0 && errno == ENOTSOCK)
			errx(EX_OSERR, "bind %s: the file exists and is not a socket; not removed", path);
		if (rc == 0)
			errx(EX_OSERR, "bind %s: a server is listening there", path);
		if (rc == -1)
			err(EX_OSERR, "bind %s: checking the existing file", path);
		fprintf(stderr, "removed the stale socket %s (nobody accepted on it)\n", path);
		if (bind(lfd, (struct sockaddr *)&sun, sunlen) == -1)
			err(EX_OSERR, "bind %s", path);
	}
	/* Remember which file is ours, so that stopping never removes another server's. */
	if (in_fs && stat(path, &mine) == -1)
		err(EX_OSERR, "stat %s", path);
	if (listen(lfd, SOMAXCONN) == -1)
		err(EX_OSERR, "listen");
	fprintf(stderr, "listening on %s\n", path);

	while (!stop_requested) {
		pfd[0] = (struct pollfd){ .fd = n < MAX_CLIENTS ? lfd : -1, .events = POLLIN };
		for (size_t i = 0; i < n; i++) {
			short ev = 0;

			if (!cl[i]->eof && cl[i]->len < BUFSZ)
				ev |= POLLIN;
			if (cl[i]->len > 0)
				ev |= POLLOUT;
			pfd[i + 1] = (struct pollfd){ .fd = cl[i]->cfd, .events = ev };
		}
		if (ppoll(pfd, n + 1, NULL, &waitmask) == -1) {
			if (errno == EINTR)
				continue;
			err(EX_OSERR, "ppoll");
		}
		for (size_t i = 0; i < n; i++) {
			if (pfd[i + 1].revents == 0 || serve(cl[i], pfd[i + 1].revents))
				continue;
			close(cl[i]->cfd);
			free(cl[i]);
			/* Swap in the last client; its poll entry moves with it. */
			cl[i] = cl[n - 1];
			pfd[i + 1] = pfd[n];
			n--;
			i--;
		}
		if (pfd[0].revents & POLLIN) {
			struct client *c = take_client(lfd);

			if (c != NULL)
				cl[n++] = c;
		}
	}
	for (size_t i = 0; i < n; i++) {
		close(cl[i]->cfd);
		free(cl[i]);
	}
	close(lfd);
	if (in_fs) {
		struct stat now;

		if (stat(path, &now) == 0 && now.st_dev == mine.st_dev && now.st_ino == mine.st_ino)
			unlink(path);
	}
	return EX_OK;
}

/* One direction of the conversation: bytes read from one side, not yet written to the other. */
struct pipe_buf {
	char data[BUFSZ];
	size_t start, len;
	bool eof;		/* the source is at EOF: no more reads */
};

/*
 * Moves bytes both ways until both directions are done.  Every descriptor is
 * touched only when poll says it is ready, and only once per wake-up, so no
 * call can block: while our peer is not reading, we go on reading it (and
 * stdin), which is what keeps two such peers sending megabytes at each other
 * from deadlocking with both kernels' buffers full.  Returns 0, or -1 with
 * errno set and *failed naming what failed.
 */
static int
relay(int sfd, struct pipe_buf *up, struct pipe_buf *down, const char **failed)
{
	bool shut = false;	/* our FIN is sent */

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = -1 }, { .fd = -1 }, { .fd = sfd },
		};

		/* Our FIN goes out once stdin is at EOF and all it gave is sent. */
		if (up->eof && up->len == 0 && !shut) {
			*failed = "shutdown";
			if (shutdown(sfd, SHUT_WR) == -1)
				return -1;
			shut = true;
		}
		if (shut && down->eof && down->len == 0)
			return 0;

		if (!up->eof && up->len < BUFSZ)
			pfd[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		if (down->len > 0)
			pfd[1] = (struct pollfd){ .fd = STDOUT_FILENO, .events = POLLOUT };
		if (!down->eof && down->len < BUFSZ)
			pfd[2].events |= POLLIN;
		if (up->len > 0)
			pfd[2].events |= POLLOUT;
		/* Nothing to do on the socket: leave it out, or a hung-up one would wake poll for ever. */
		if (pfd[2].events == 0)
			pfd[2].fd = -1;

		*failed = "poll";
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}

		/* stdin -> up.  POLLHUP alone (a pipe's writer gone) is read too: read says EOF. */
		if (pfd[0].revents != 0) {
			size_t at = (up->start + up->len) % BUFSZ, room;
			ssize_t n;

			if (up->len == 0) {
				up->start = at = 0;
				room = BUFSZ;
			} else if (at < up->start) {
				room = up->start - at;
			} else {
				room = BUFSZ - at;
			}
			n = read(STDIN_FILENO, up->data + at, room);
			if (n == 0) {
				up->eof = true;
			} else if (n > 0) {
				up->len += (size_t)n;
			} else if (errno != EINTR && errno != EAGAIN) {
				*failed = "read stdin";
				return -1;
			}
		}

		/* up -> socket.  The socket is non-blocking: send takes what fits. */
		if (pfd[2].revents & (POLLOUT | POLLERR | POLLHUP) && up->len > 0) {
			size_t run = up->start + up->len <= BUFSZ ? up->len : BUFSZ - up->start;
			ssize_t n = send(sfd, up->data + up->start, run, MSG_NOSIGNAL);

			if (n > 0) {
				up->start = (up->start + (size_t)n) % BUFSZ;
				up->len -= (size_t)n;
			} else if (n == -1 && errno != EINTR && errno != EAGAIN) {
				*failed = "send";
				return -1;
			}
		}

		/* socket -> down.  POLLERR or POLLHUP: recv reports the error or EOF. */
		if (pfd[2].revents & (POLLIN | POLLERR | POLLHUP) && !down->eof && down->len < BUFSZ) {
			size_t at = (down->start + down->len) % BUFSZ, room;
			ssize_t n;

			if (down->len == 0) {
				down->start = at = 0;
				room = BUFSZ;
			} else if (at < down->start) {
				room = down->start - at;
			} else {
				room = BUFSZ - at;
			}
			n = recv(sfd, down->data + at, room, 0);
			if (n == 0) {
				down->eof = true;
			} else if (n > 0) {
				down->len += (size_t)n;
			} else if (errno != EINTR && errno != EAGAIN) {
				*failed = "recv";
				return -1;
			}
		}

		/*
		 * down -> stdout.  stdout may be a blocking pipe or terminal that we
		 * must not make non-blocking (the flag would be shared with whoever
		 * else holds it): POLLOUT on a pipe promises PIPE_BUF bytes of room,
		 * so writing at most that much cannot block.
		 */
		if (pfd[1].revents != 0) {
			size_t run = down->start + down->len <= BUFSZ ? down->len : BUFSZ - down->start;
			ssize_t n;

			if (run > PIPE_BUF)
				run = PIPE_BUF;
			n = write(STDOUT_FILENO, down->data + down->start, run);
			if (n > 0) {
				down->start = (down->start + (size_t)n) % BUFSZ;
				down->len -= (size_t)n;
			} else if (n == -1 && errno != EINTR && errno != EAGAIN) {
				*failed = "write stdout";
				return -1;
			}
		}
	}
}

int
main(int argc, char *argv[])
{
	static struct pipe_buf up, down;	/* 128 KiB: not on the stack */
	struct sockaddr_un sun;
	socklen_t sunlen;
	const char *failed;
	bool listening = false;
	int opt, sfd;

	while ((opt = getopt(argc, argv, "+l")) != -1) {
		if (opt != 'l')
			goto usage;
		listening = true;
	}
	if (argc - optind != 1)
		goto usage;
	sunlen = make_address(argv[optind], &sun);
	if (sunlen == 0) {
		fprintf(stderr, "%s: PATH must be 1 to %zu bytes (@ and a name for the abstract namespace)\n",
		    argv[0], sizeof sun.sun_path - 1);
		return EX_USAGE;
	}
	if (listening)
		return run_server(argv[optind]);

	signal(SIGPIPE, SIG_IGN);
	sfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sfd == -1)
		err(EX_OSERR, "socket");
	/* ENOENT: no such file; ECONNREFUSED: a socket file nobody accepts on (a stale one). */
	if (connect(sfd, (struct sockaddr *)&sun, sunlen) == -1)
		err(errno == ENOENT || errno == ECONNREFUSED || errno == EACCES ? EX_UNAVAILABLE : EX_OSERR,
		    "connect %s", argv[optind]);
	int flags = fcntl(sfd, F_GETFL);
	if (flags == -1 || fcntl(sfd, F_SETFL, flags | O_NONBLOCK) == -1)
		err(EX_OSERR, "fcntl O_NONBLOCK");
	if (relay(sfd, &up, &down, &failed) == -1) {
		int e = errno;

		close(sfd);
		errno = e;
		err(strcmp(failed, "poll") == 0 ? EX_OSERR : EX_IOERR, "%s", failed);
	}
	if (close(sfd) == -1)
		err(EX_IOERR, "close");
	return EX_OK;

usage:
	fprintf(stderr, "usage: %s [-l] PATH   (PATH a file, or @name for the abstract namespace)\n", argv[0]);
	return EX_USAGE;
}
