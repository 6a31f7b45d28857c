/*
 * send_gai_tcp - send MESSAGE to HOST PORT over TCP, every byte, then close cleanly.
 *
 * usage: send_gai_tcp [-t SECONDS] HOST PORT MESSAGE
 *        -t  how long to wait for each address to accept (1..3600, default 10): a
 *            host that drops SYNs would otherwise hold us for the kernel's two
 *            minutes of retries per address
 *        Every address HOST has is tried in the order getaddrinfo gives them until
 *        one accepts the connection; MESSAGE is sent whole, then the sending side
 *        is shut down and the program waits for the peer to close (anything the
 *        peer sends meanwhile is read and dropped).  Like nc -N, it waits as long
 *        as the peer keeps the connection open.
 * exit:  0 the peer read everything and closed, 64 usage (arguments, PORT not a
 *        decimal 1..65535, SECONDS not a decimal 1..3600), 68 HOST unknown, 69 no
 *        address accepted a connection (the last error is shown, e.g. "Connection
 *        refused"), 71 system error (socket: out of descriptors or memory), 74 the
 *        connection failed after it was made, 75 temporary name-service failure, or
 *        the last address did not answer within SECONDS
 * try:   nc -l ::1 5000     and elsewhere:  ./send_gai_tcp ::1 5000 'hello world'
 * text:  chapter 6, "TCP Client"
 */
#define _GNU_SOURCE	/* getaddrinfo, struct addrinfo, MSG_NOSIGNAL and EAI_NODATA are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

/*
 * connect, bounded: a non-blocking connect returns EINPROGRESS at once, poll
 * waits for the handshake at most MS milliseconds, and SO_ERROR gives its
 * outcome.  Then the socket is made blocking again for the sends.  Returns 0,
 * or -1 with errno set (ETIMEDOUT when the peer did not answer in time).
 */
static int
connect_within(int cfd, const struct addrinfo *ai, int ms)
{
	struct pollfd pfd = { .fd = cfd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int flags, error = 0;

	flags = fcntl(cfd, F_GETFL);
	if (flags == -1 || fcntl(cfd, F_SETFL, flags | O_NONBLOCK) == -1)
		return -1;
	if (connect(cfd, ai->ai_addr, ai->ai_addrlen) == -1) {
		int ready;

		if (errno != EINPROGRESS)
			return -1;
		do
			ready = poll(&pfd, 1, ms);
		while (ready == -1 && errno == EINTR);
		if (ready == -1)
			return -1;
		if (ready == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (getsockopt(cfd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
			return -1;
		if (error != 0) {
			errno = error;
			return -1;
		}
	}
	return fcntl(cfd, F_SETFL, flags);
}

/*
 * Connects to the first address of LIST that accepts within SECONDS: each
 * address gets its own deadline (connect_within), so one that drops SYNs
 * cannot eat the time of the next; the canon connect_any waits as long as the
 * kernel retries, hence another name.  Returns the socket, or -1 with errno,
 * *failed and WHERE describing the last address's failure.
 */
static int
connect_any_within(const struct addrinfo *list, int seconds, const char **failed,
    char *where, size_t wherelen)
{
	int saved = 0;

	for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		int cfd;

		*failed = "socket";
		cfd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (cfd != -1) {
			*failed = "connect";
			if (connect_within(cfd, ai, seconds * 1000) == 0)
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

/*
 * How the last failure to connect ends the program: out of descriptors or
 * memory is the system's trouble (71), no answer in time is temporary (75),
 * anything else (refused, unreachable) means no address took us (69).
 */
static int
connect_exit_status(const char *failed, int error)
{
	if (error == ETIMEDOUT)
		return EX_TEMPFAIL;
	if (strcmp(failed, "socket") == 0 &&
	    (error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM))
		return EX_OSERR;
	return EX_UNAVAILABLE;
}

/* canon: parse_seconds (see CONTRIBUTING.md) */
/*
 * A number of seconds: a decimal 1..MAX and nothing else, as strict as
 * parse_port.  Returns 0, or -1 when TEXT is not one.
 */
static int
parse_seconds(const char *text, int max, int *seconds)
{
	char *end;
	long value;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || value < 1 || value > max)
		return -1;
	*seconds = (int)value;
	return 0;
}
/* end canon: parse_seconds */

static int
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-t SECONDS] HOST PORT MESSAGE   (PORT a decimal number "
	    "1..65535, SECONDS 1..3600)\n", prog);
	return EX_USAGE;
}

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

/*
 * A successful send only means the bytes are in our kernel's buffer.  The peer
 * reads up to our FIN and then closes: its EOF tells us it has read everything.
 * Reading also matters for the close itself: closing a socket with unread data
 * sends a reset (RFC 2525, 2.17), which can make the peer's kernel throw away
 * data its program has not read yet.  Returns 0 at EOF, -1 with errno set.
 */
static int
drain_until_eof(int fd)
{
	char buf[4096];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);

		if (n == 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return -1;
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
	/*
	 * Without a socket type getaddrinfo lists every address three times
	 * (stream, datagram, raw); AI_NUMERICSERV because PORT is checked to be a number.
	 */
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	struct addrinfo *list;
	const char *failed = "connect";
	char where[NI_MAXHOST] = "";
	const char *host, *service, *message;
	uint16_t port;
	int rc, cfd, opt, seconds = 10;

	/* "+": options only before HOST, so a MESSAGE may start with "-". */
	while ((opt = getopt(argc, argv, "+t:")) != -1) {
		if (opt != 't' || parse_seconds(optarg, 3600, &seconds) == -1)
			return usage(argv[0]);
	}
	/* Port 0 names no service: a connection to it can only fail. */
	if (argc - optind != 3 || parse_port(argv[optind + 1], &port) == -1 || port == 0)
		return usage(argv[0]);
	host = argv[optind];
	service = argv[optind + 1];
	message = argv[optind + 2];

	rc = getaddrinfo(host, service, &hints, &list);
	if (rc == EAI_SYSTEM)
		err(EX_OSERR, "getaddrinfo %s", host);
	if (rc != 0)
		errx(gai_exit_status(rc), "%s: %s", host, gai_strerror(rc));

	/* IPv6 first when HOST has both (RFC 6724 order); the next address if one fails. */
	cfd = connect_any_within(list, seconds, &failed, where, sizeof where);
	freeaddrinfo(list);
	if (cfd == -1)
		err(connect_exit_status(failed, errno), "%s %s port %s", failed, where, service);

	if (send_all(cfd, message, strlen(message)) == -1)
		failed = "send";
	/* Our FIN: the peer reads EOF after the last byte of MESSAGE. */
	else if (shutdown(cfd, SHUT_WR) == -1)
		failed = "shutdown";
	else if (drain_until_eof(cfd) == -1)
		failed = "recv";
	else
		failed = NULL;
	if (failed != NULL) {
		warn("%s", failed);
		close(cfd);
		return EX_IOERR;
	}
	if (close(cfd) == -1)
		err(EX_IOERR, "close");
	return EX_OK;
}
