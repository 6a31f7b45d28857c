/*
 * ask - synchronous client: send one request line to HOST PORT, print the whole answer, done.
 *
 * usage: ask [-w SECONDS] HOST PORT LINE
 *        Every address HOST has is tried in getaddrinfo's order until one accepts.
 *        LINE is sent followed by CR LF (the line end of the Internet's text
 *        protocols: echo, finger, daytime ignores it), then our side is shut down
 *        (SHUT_WR) and every byte the server sends is copied to stdout until it
 *        closes.  One turn each: we talk, then we listen; nothing is read while we
 *        send.  A server silent for SECONDS (default 30) ends the wait.
 * exit:  0 the server answered and closed, 64 usage (arguments, PORT not a decimal
 *        0..65535, SECONDS not 1..3600, LINE holding CR or LF), 68 HOST unknown,
 *        69 no address accepted the connection, 71 system error, 74 the connection
 *        or stdout failed, 75 the server was silent for SECONDS (or a temporary
 *        name-service failure)
 * try:   ./exercises/ch08-clientserver/echo_tcp 5000     and elsewhere:
 *        ./ch08-clientserver/ask ::1 5000 'hello'
 * text:  chapter 8, "Synchronous Communications"
 */
#define _GNU_SOURCE	/* getaddrinfo, struct addrinfo, MSG_NOSIGNAL and EAI_NODATA are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sysexits.h>
#include <unistd.h>

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

/* canon: send_all (see CONTRIBUTING.md) */
/*
 * send can write less than asked (a full socket buffer, a signal): loop until
 * all is sent.  MSG_NOSIGNAL: a peer that has gone costs EPIPE, not SIGPIPE.
 * Returns 0, or -1 with errno set (EAGAIN: a send timeout ran out, the peer
 * does not read).
 */
static int
send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}
/* end canon: send_all */

/* fwrite to stdout that reports a failure (a closed pipe, a full disk) at once. */
static int
put_out(const char *buf, size_t len)
{
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) == EOF)
		return -1;
	return 0;
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
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	struct addrinfo *list;
	const char *failed = "connect";
	char where[NI_MAXHOST] = "", buf[4096];
	long seconds = 30;
	uint16_t port;
	int rc, cfd, opt;

	while ((opt = getopt(argc, argv, "+w:")) != -1) {
		char *end;

		switch (opt) {
		case 'w':
			errno = 0;
			seconds = isdigit((unsigned char)optarg[0]) ? strtol(optarg, &end, 10) : 0;
			if (seconds < 1 || seconds > 3600 || errno != 0 || *end != '\0')
				seconds = 0;
			if (seconds == 0) {
				fprintf(stderr, "%s: -w takes whole seconds, 1..3600, not '%s'\n",
				    argv[0], optarg);
				return EX_USAGE;
			}
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 3 || parse_port(argv[optind + 1], &port) == -1)
		goto usage;
	/* One request is one line: a CR or LF inside it would be a second request. */
	if (strpbrk(argv[optind + 2], "\r\n") != NULL) {
		fprintf(stderr, "%s: LINE must be one line (no CR or LF in it)\n", argv[0]);
		return EX_USAGE;
	}
	const char *host = argv[optind], *service = argv[optind + 1], *line = argv[optind + 2];

	/* A closed stdout is an EPIPE from fwrite, reported, not a silent death. */
	signal(SIGPIPE, SIG_IGN);

	rc = getaddrinfo(host, service, &hints, &list);
	if (rc == EAI_SYSTEM)
		err(EX_OSERR, "getaddrinfo %s", host);
	if (rc != 0)
		errx(gai_exit_status(rc), "%s: %s", host, gai_strerror(rc));
	cfd = connect_any(list, &failed, where, sizeof where);
	freeaddrinfo(list);
	if (cfd == -1)
		err(EX_UNAVAILABLE, "%s %s port %s", failed, where, service);

	/*
	 * A receive timeout bounds each wait for the server's next bytes: the
	 * server decides when it answers, so without one a silent server would
	 * hold us for ever.  recv then fails with EAGAIN.
	 */
	const struct timeval tv = { .tv_sec = seconds };
	if (setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1) {
		warn("setsockopt SO_RCVTIMEO");
		close(cfd);
		return EX_OSERR;
	}

	/*
	 * Our turn: the request, then our FIN, which tells a server that reads
	 * to EOF (echo) that the request is complete.  Nothing is read meanwhile:
	 * this is the synchronous style, fine for one line.  A request larger than
	 * both sockets' buffers, to a server that answers as it reads, would block
	 * both ends in send for ever: that is what chat's poll loop is for.
	 */
	if (send_all(cfd, line, strlen(line)) == -1 || send_all(cfd, "\r\n", 2) == -1) {
		warn("send");
		close(cfd);
		return EX_IOERR;
	}
	if (shutdown(cfd, SHUT_WR) == -1) {
		warn("shutdown");
		close(cfd);
		return EX_IOERR;
	}

	/* The server's turn: everything it sends, until its close. */
	for (;;) {
		ssize_t n = recv(cfd, buf, sizeof buf, 0);

		if (n == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(cfd);
			if (e == EAGAIN || e == EWOULDBLOCK)
				errx(EX_TEMPFAIL, "no answer from %s port %s within %ld s", host,
				    service, seconds);
			errno = e;
			err(EX_IOERR, "recv");
		}
		if (put_out(buf, (size_t)n) == -1) {
			warn("stdout");
			close(cfd);
			return EX_IOERR;
		}
	}
	if (close(cfd) == -1)
		err(EX_IOERR, "close");
	return EX_OK;

usage:
	fprintf(stderr, "usage: %s [-w SECONDS] HOST PORT LINE   (PORT a decimal number 0..65535)\n",
	    argv[0]);
	return EX_USAGE;
}
