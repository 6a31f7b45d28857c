/*
 * chat - asynchronous peer: stdin goes to the connection and the connection to stdout, both at once.
 *
 * usage: chat [-l] HOST PORT
 *        Without -l, connects to HOST PORT (every address tried in getaddrinfo's
 *        order).  With -l, listens on HOST PORT (:: for every address of both
 *        families; port 0 lets the kernel choose), says "listening on port N" on
 *        stderr, takes one peer and stops listening.  Then either side may send at
 *        any time: one poll waits on stdin, stdout and the socket together, and
 *        neither direction ever waits for the other.  EOF on stdin half-closes the
 *        connection (our FIN; the peer may go on sending); the program ends when
 *        both directions are done: stdin at EOF and sent, the peer's FIN seen and
 *        everything it sent written to stdout.
 * exit:  0 both directions finished, 64 usage (arguments, PORT not a decimal
 *        0..65535), 68 HOST unknown, 69 no address accepted the connection,
 *        71 system error (socket, bind: a port in use, listen, accept, poll),
 *        74 the connection, stdin or stdout failed (a reset peer), 75 temporary
 *        name-service failure
 * try:   ./ch08-clientserver/chat -l ::1 5000     and elsewhere:
 *        ./ch08-clientserver/chat ::1 5000        (type in either; Ctrl-D in both ends it)
 * text:  chapter 8, "Asynchronous Communications"
 */
#define _GNU_SOURCE	/* getaddrinfo, struct addrinfo, MSG_NOSIGNAL and EAI_NODATA are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>	/* PIPE_BUF */
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

/*
 * How much each direction holds between its read and its write.  While a
 * direction's buffer is full its source is not read, so a peer that sends
 * faster than our stdout drains is slowed by TCP's window, not by our memory.
 */
#define BUFSZ 65536

/* canon: parse_port (see CONTRIBUTING.md) */
/*
 * A port is a decimal number in 0..65535 and nothing else: strtol alone
 * would also take " 80", "+80", "-0" and "80x".  Returns 0, or -1 when TEXT
 * is not a port.
 */
static int
parse_port(const char *text, uint16_t *port)
{
	char *end;
	long value;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || value > 65535)
		return -1;
	*port = (uint16_t)value;
	return 0;
}
/* end canon: parse_port */

/* canon: connect_any (see CONTRIBUTING.md) */
/*
 * Connects to the first address of LIST that accepts.  Returns the socket, or
 * -1 with errno, *failed and WHERE describing the last address's failure.
 * For programs that install no signal handler: connect is never interrupted
 * (EINTR) there, so it is not retried.
 */
static int
connect_any(const struct addrinfo *list, const char **failed, char *where, size_t wherelen)
{
	int saved = 0;

	for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		int cfd;

		*failed = "socket";
		cfd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (cfd != -1) {
			*failed = "connect";
			if (connect(cfd, ai->ai_addr, ai->ai_addrlen) == 0)
				return cfd;
			saved = errno;
			close(cfd);
		} else {
			saved = errno;
		}
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, where, wherelen, NULL, 0,
		    NI_NUMERICHOST) != 0)
			snprintf(where, wherelen, "?");
	}
	errno = saved;
	return -1;
}
/* end canon: connect_any */

/*
 * Binds and listens on the first address of LIST that takes it.  An IPv6
 * socket has IPV6_V6ONLY cleared, so that :: also takes IPv4 peers (the
 * default comes from net.ipv6.bindv6only).  Returns the socket, or -1 with
 * errno and *failed naming the call that failed last.
 */
static int
listen_any(const struct addrinfo *list, const char **failed)
{
	const int on = 1, off = 0;
	int saved = 0;

	for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		int lfd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);

		*failed = "socket";
		if (lfd == -1) {
			saved = errno;
			continue;
		}
		*failed = "setsockopt";
		if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0 &&
		    (ai->ai_family != AF_INET6 ||
		    setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) == 0)) {
			*failed = "bind";
			if (bind(lfd, ai->ai_addr, ai->ai_addrlen) == 0) {
				*failed = "listen";
				if (listen(lfd, 1) == 0)
					return lfd;
			}
		}
		saved = errno;
		close(lfd);
	}
	errno = saved;
	return -1;
}

/* canon: say_listening (see CONTRIBUTING.md) */
/*
 * Says "listening on port N" on stderr once SD accepts clients (or datagrams),
 * N read back from the socket: with port 0 the kernel picks one, and this line
 * is the only way a student or a test learns which.  Returns 0, or -1 with
 * errno set.
 */
static int
say_listening(int sd)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	in_port_t port;

	/* Zeroed: getsockname fills it, but clang-analyzer cannot see that. */
	memset(&ss, 0, sizeof ss);
	if (getsockname(sd, (struct sockaddr *)&ss, &sslen) == -1)
		return -1;
	if (ss.ss_family == AF_INET6)
		port = ((const struct sockaddr_in6 *)&ss)->sin6_port;
	else
		port = ((const struct sockaddr_in *)&ss)->sin_port;
	fprintf(stderr, "listening on port %u\n", (unsigned)ntohs(port));
	return 0;
}
/* end canon: say_listening */

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

/* canon: gai_exit_status (see CONTRIBUTING.md) */
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
/* end canon: gai_exit_status */

int
main(int argc, char *argv[])
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	static struct pipe_buf up, down;	/* 128 KiB: not on the stack */
	struct addrinfo *list;
	const char *failed = "connect";
	char where[NI_MAXHOST] = "";
	bool listening = false;
	uint16_t port;
	int rc, sfd, opt;

	while ((opt = getopt(argc, argv, "+l")) != -1) {
		if (opt != 'l')
			goto usage;
		listening = true;
	}
	if (argc - optind != 2 || parse_port(argv[optind + 1], &port) == -1)
		goto usage;
	const char *host = argv[optind], *service = argv[optind + 1];

	/* A peer that resets us is an EPIPE from send (MSG_NOSIGNAL); a closed stdout, from write. */
	signal(SIGPIPE, SIG_IGN);

	if (listening)
		hints.ai_flags |= AI_PASSIVE;
	rc = getaddrinfo(host, service, &hints, &list);
	if (rc == EAI_SYSTEM)
		err(EX_OSERR, "getaddrinfo %s", host);
	if (rc != 0)
		errx(gai_exit_status(rc), "%s: %s", host, gai_strerror(rc));

	if (listening) {
		struct sockaddr_storage ss;
		socklen_t sslen = sizeof ss;
		char peer[NI_MAXHOST], pport[NI_MAXSERV];
		int lfd = listen_any(list, &failed);

		freeaddrinfo(list);
		if (lfd == -1)
			err(EX_OSERR, "%s %s port %s", failed, host, service);
		if (say_listening(lfd) == -1)
			err(EX_OSERR, "getsockname");
		do
			sfd = accept(lfd, (struct sockaddr *)&ss, &sslen);
		while (sfd == -1 && (errno == EINTR || errno == ECONNABORTED));
		if (sfd == -1)
			err(EX_OSERR, "accept");
		/* One peer: the port is free again at once (no second peer waits in the backlog). */
		close(lfd);
		/* An IPv4 peer of the dual-stack socket shows as ::ffff:a.b.c.d. */
		if (getnameinfo((struct sockaddr *)&ss, sslen, peer, sizeof peer, pport,
		    sizeof pport, NI_NUMERICHOST | NI_NUMERICSERV) == 0)
			fprintf(stderr, "connection from %s port %s\n", peer, pport);
	} else {
		sfd = connect_any(list, &failed, where, sizeof where);
		freeaddrinfo(list);
		if (sfd == -1)
			err(EX_UNAVAILABLE, "%s %s port %s", failed, where, service);
	}

	/* Non-blocking: a send that would block takes what fits instead, and poll says when there is room. */
	int flags = fcntl(sfd, F_GETFL);
	if (flags == -1 || fcntl(sfd, F_SETFL, flags | O_NONBLOCK) == -1) {
		warn("fcntl O_NONBLOCK");
		close(sfd);
		return EX_OSERR;
	}
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
	fprintf(stderr, "usage: %s [-l] HOST PORT   (PORT a decimal number 0..65535)\n", argv[0]);
	return EX_USAGE;
}
