/*
 * recv_poll_tcp - print the stream of every TCP client on PORT, all clients at
 *                 once, in one process with poll(2).
 *
 * usage: recv_poll_tcp PORT
 * out:   one report per event, each written with a single write(2):
 *          Received from ADDR:PORT                 a client was accepted
 *          Data from ADDR:PORT (N bytes)           a piece of its stream: exactly N raw
 *          <N bytes>                               bytes (NULs included) follow the line,
 *                                                  then a newline; N is at most 3584
 *          Closed ADDR:PORT (N bytes)              the client closed its side (EOF);
 *                                                  N is the whole stream's length
 *          Reset ADDR:PORT (N bytes): REASON       the connection failed (the system's
 *                                                  reason, e.g. "Connection reset by peer")
 *          Refused ADDR:PORT: REASON               accepted but not served (no descriptor
 *                                                  or no memory left for it)
 *        ADDR:PORT is [2001:db8::1]:5000 for an IPv6 client and 192.0.2.1:5000 for an
 *        IPv4 one (which reaches the dual-stack socket as ::ffff:192.0.2.1 and is shown
 *        unmapped).  Pieces of different clients interleave; to follow one client,
 *        follow its ADDR:PORT.  When accept finds the descriptor table full (EMFILE),
 *        a descriptor kept in reserve (/dev/null) is closed for a moment to accept that
 *        client and close it at once ("Refused ...: Too many open files"): the server
 *        neither spins on a listening socket that stays readable nor leaves the
 *        client hanging in the queue.
 * exit:  0 on SIGINT or SIGTERM, 64 usage (arguments, PORT not a decimal 0..65535),
 *        71 socket, bind, listen, poll or accept failed (the system's reason, e.g.
 *        "Address already in use"), 74 stdout failed
 * try:   ./recv_poll_tcp 5000     and elsewhere, twice at once:  nc ::1 5000
 * text:  chapter 7, "select and poll"
 */
#define _GNU_SOURCE	/* getnameinfo, sigaction, ppoll, accept4 and ENONET are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

/*
 * Connections the kernel completes before we accept them.  Clients can connect
 * much faster than a busy server gets the CPU to accept them, and a SYN that
 * finds the queue full is dropped and retried only a second later: ask for the
 * most the kernel allows (listen caps it at net.core.somaxconn).
 */
#define BACKLOG SOMAXCONN

/* canon: peer_max (see CONTRIBUTING.md) */
/*
 * A numeric ADDR:PORT: "[" 45 characters of IPv6, "%" and a scope of up to
 * IF_NAMESIZE, "]:" and five digits.  A longer one (it cannot happen) is cut.
 */
#define PEER_MAX 80
/* end canon: peer_max */

/*
 * A report is one write(2) of at most PIPE_BUF bytes: POSIX makes such a write
 * to a pipe atomic, and Linux serialises writes that share a file offset, so
 * reports never cut into each other, nor into those of another process
 * writing to the same output.  A piece of data leaves 512 bytes for its header
 * line (a numeric ADDR:PORT is under 80).
 */
#define REPORT_MAX PIPE_BUF
#define DATA_MAX (REPORT_MAX - 512)

/* At most this many accepts per wakeup: a flood of connections must not starve the clients. */
#define ACCEPT_BATCH 64

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

/* canon: tcp_listener (see CONTRIBUTING.md) */
/*
 * One socket for both families: AF_INET6 on :: with IPV6_V6ONLY off accepts
 * IPv4 clients too, as ::ffff:a.b.c.d (the option's default comes from the
 * net.ipv6.bindv6only sysctl, so it is cleared explicitly).  IPv4 alone only
 * when the kernel has no IPv6 (EAFNOSUPPORT).  SO_REUSEADDR lets a restarted
 * server bind while connections of the last run sit in TIME_WAIT.  The socket
 * is non-blocking: a client that resets between the wait and accept must not
 * leave the server blocked in accept.  BACKLOG is how many connections the
 * kernel completes before we accept them (listen caps it at
 * net.core.somaxconn).  Returns the listening socket, or -1 with errno set
 * and *WHAT naming the call that failed.
 */
static int
open_tcp_server(uint16_t port, int backlog, const char **what)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_ANY_INIT,
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY),
	};
	const struct sockaddr *sa = (const struct sockaddr *)&sin6;
	socklen_t salen = sizeof sin6;
	const int on = 1, off = 0;
	int sd, saved;

	*what = "socket";
	sd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sd == -1 && errno == EAFNOSUPPORT) {
		sa = (const struct sockaddr *)&sin;
		salen = sizeof sin;
		sd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (sd == -1)
		return -1;
	*what = "setsockopt IPV6_V6ONLY";
	if (sa->sa_family == AF_INET6 &&
	    setsockopt(sd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) == -1)
		goto fail;
	*what = "setsockopt SO_REUSEADDR";
	if (setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
		goto fail;
	*what = "bind";
	if (bind(sd, sa, salen) == -1)
		goto fail;
	*what = "listen";
	if (listen(sd, backlog) == -1)
		goto fail;
	return sd;
fail:
	saved = errno;
	close(sd);
	errno = saved;
	return -1;
}
/* end canon: tcp_listener */

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

/* canon: format_peer (see CONTRIBUTING.md) */
/*
 * Writes ADDR:PORT for a peer: [IPv6]:port, or a.b.c.d:port for IPv4.  An IPv4
 * peer of a dual-stack socket arrives as ::ffff:a.b.c.d; it is shown unmapped,
 * so a peer looks the same whichever kind of socket it reached.
 */
static void
format_peer(const struct sockaddr_storage *ss, socklen_t sslen, char *out, size_t outlen)
{
	const struct sockaddr *sa = (const struct sockaddr *)ss;
	struct sockaddr_in sin;
	/* Numeric forms only: an IPv6 address with "%scope", five digits of port. */
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE], serv[8];
	int rc;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			memset(&sin, 0, sizeof sin);
			sin.sin_family = AF_INET;
			sin.sin_port = sin6->sin6_port;
			memcpy(&sin.sin_addr, &sin6->sin6_addr.s6_addr[12], sizeof sin.sin_addr);
			sa = (const struct sockaddr *)&sin;
			sslen = sizeof sin;
		}
	}
	rc = getnameinfo(sa, sslen, host, sizeof host, serv, sizeof serv,
	    NI_NUMERICHOST | NI_NUMERICSERV);
	if (rc != 0)
		snprintf(out, outlen, "?:? (%s)", gai_strerror(rc));
	else if (sa->sa_family == AF_INET6)
		snprintf(out, outlen, "[%s]:%s", host, serv);
	else
		snprintf(out, outlen, "%s:%s", host, serv);
}
/* end canon: format_peer */

/* canon: is_per_connection (see CONTRIBUTING.md) */
/*
 * Errors that accept reports for one connection, not for the listening socket:
 * a client that reset while queued (ECONNABORTED), a firewall's veto (EPERM),
 * and the network errors Linux passes on from the new socket (accept(2)).  The
 * server goes on with the next client.
 */
static int
is_per_connection(int error)
{
	switch (error) {
	case ECONNABORTED:
	case EPERM:
	case EPROTO:
	case ENETDOWN:
	case ENETUNREACH:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case EHOSTUNREACH:
	case ENONET:
	case EOPNOTSUPP:
		return 1;
	default:
		return 0;
	}
}
/* end canon: is_per_connection */

/* canon: write_all (see CONTRIBUTING.md) */
/* write can be short (a signal, a full disk): loop.  Returns 0, or -1 with errno set. */
static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

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
/* end canon: write_all */

/* canon: report (see CONTRIBUTING.md) */
/*
 * Writes one report to stdout: the line that FMT makes, then, when DATA is not
 * NULL, its LEN bytes (LEN <= DATA_MAX) and a newline.  All of it in one write:
 * see REPORT_MAX.  Returns 0, or -1 with errno set.  Needs write_all, and
 * REPORT_MAX and DATA_MAX defined.
 */
static int __attribute__((format(printf, 3, 4)))
report(const char *data, size_t len, const char *fmt, ...)
{
	char buf[REPORT_MAX];
	size_t used;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf - DATA_MAX, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	/* A header longer than its room is cut, never the data. */
	used = (size_t)n < sizeof buf - DATA_MAX - 2 ? (size_t)n : sizeof buf - DATA_MAX - 2;
	buf[used++] = '\n';
	if (data != NULL) {
		memcpy(buf + used, data, len);
		used += len;
		buf[used++] = '\n';
	}
	return write_all(STDOUT_FILENO, buf, used);
}
/* end canon: report */

/* canon: shed_connection (see CONTRIBUTING.md) */
/*
 * accept failed with EMFILE or ENFILE: the connection stays queued and the
 * listening socket stays readable, so polling again would spin.  The reserve
 * descriptor (/dev/null, opened at the start) is given up for a moment to
 * accept the connection and close it at once, then taken back.  The client sees
 * its connection closed instead of hanging in the queue.  Returns 0, or -1 when
 * there is no reserve.  Needs format_peer, PEER_MAX and report.
 */
static int
shed_connection(int lfd, int *spare, int error)
{
	struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
	socklen_t sslen = sizeof ss;
	int cfd;

	if (*spare == -1)
		return -1;
	close(*spare);
	cfd = accept4(lfd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC);
	if (cfd != -1) {
		char peer[PEER_MAX];

		format_peer(&ss, sslen, peer, sizeof peer);
		close(cfd);
		(void)report(NULL, 0, "Refused %s: %s", peer, strerror(error));
	}
	*spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return 0;
}
/* end canon: shed_connection */

/* What a multiplexing server keeps for each client. */
struct client {
	int fd;
	uintmax_t total;	/* bytes received so far */
	char peer[PEER_MAX];
};

/* canon: take_connection (see CONTRIBUTING.md) */
/* What take_connection returns when it gives no connection. */
enum { TAKE_EMPTY = -1, TAKE_LOST = -2, TAKE_FAILED = -3 };

/*
 * Accepts the next queued connection as a non-blocking socket (a socket that
 * blocked in recv would stop every other client) and writes its ADDR:PORT to
 * PEER.  Returns its descriptor, or TAKE_EMPTY when the queue is empty,
 * TAKE_LOST when this connection is gone (reset while queued, or shed for lack
 * of descriptors: try the next), TAKE_FAILED when the server cannot go on
 * (warned).  Needs format_peer, is_per_connection and shed_connection.
 */
static int
take_connection(int lfd, int *spare, char *peer, size_t peerlen)
{
	struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
	socklen_t sslen = sizeof ss;
	int cfd, error;

	cfd = accept4(lfd, (struct sockaddr *)&ss, &sslen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd != -1) {
		format_peer(&ss, sslen, peer, peerlen);
		return cfd;
	}
	error = errno;
	if (error == EAGAIN || error == EWOULDBLOCK)
		return TAKE_EMPTY;
	if (error == EINTR)
		return TAKE_LOST;
	if (is_per_connection(error)) {
		warn("accept");
		return TAKE_LOST;
	}
	if ((error == EMFILE || error == ENFILE) && shed_connection(lfd, spare, error) == 0)
		return TAKE_LOST;
	errno = error;
	warn("accept");
	return TAKE_FAILED;
}
/* end canon: take_connection */

/* canon: read_and_report (see CONTRIBUTING.md) */
/*
 * Reads what a ready client has sent and reports it.  One recv per readiness,
 * not a loop until EAGAIN: a client that sends without pause must not starve
 * the others.  Returns 1 while the connection goes on, 0 when it has ended (EOF
 * or an error, reported: close it), -1 when stdout failed.  Needs report,
 * DATA_MAX, and a struct client with fd, total and peer.
 */
static int
read_and_report(struct client *c)
{
	char buf[DATA_MAX];
	ssize_t n = recv(c->fd, buf, sizeof buf, 0);

	if (n > 0) {
		c->total += (uintmax_t)n;
		return report(buf, (size_t)n, "Data from %s (%zd bytes)", c->peer, n) == -1 ? -1 : 1;
	}
	if (n == 0)
		return report(NULL, 0, "Closed %s (%ju bytes)", c->peer, c->total) == -1 ? -1 : 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 1;	/* readiness is a hint, not a promise */
	/* A reset is this client's end, not the server's. */
	return report(NULL, 0, "Reset %s (%ju bytes): %s", c->peer, c->total,
	    strerror(errno)) == -1 ? -1 : 0;
}
/* end canon: read_and_report */

/*
 * The poll set and the clients side by side: pfds[i] watches clients[i].fd.
 * Entry 0 is the listening socket (clients[0] is unused).  poll takes the
 * array and its length, not the highest descriptor: the entries need not be
 * sorted or dense, and there is no FD_SETSIZE ceiling.
 */
struct table {
	struct pollfd *pfds;
	struct client *clients;
	size_t len, cap;
};

/* Appends a client, doubling the arrays when full.  Returns 0, or -1 when out of memory. */
static int
table_add(struct table *t, int cfd, const char *peer)
{
	if (t->len == t->cap) {
		size_t cap = t->cap * 2;
		struct pollfd *pfds;
		struct client *clients;

		pfds = realloc(t->pfds, cap * sizeof *pfds);
		if (pfds == NULL)
			return -1;
		t->pfds = pfds;
		clients = realloc(t->clients, cap * sizeof *clients);
		if (clients == NULL)
			return -1;
		t->clients = clients;
		t->cap = cap;
	}
	/* POLLHUP and POLLERR are always reported; asking for them says we handle them. */
	t->pfds[t->len] = (struct pollfd){ .fd = cfd, .events = POLLIN | POLLHUP | POLLERR };
	t->clients[t->len] = (struct client){ .fd = cfd };
	snprintf(t->clients[t->len].peer, sizeof t->clients[t->len].peer, "%s", peer);
	t->len++;
	return 0;
}

/*
 * Closes client I and moves the last entry into its place.  The caller must
 * look at index I again: the moved entry has not been served yet.
 */
static void
table_remove(struct table *t, size_t i)
{
	close(t->clients[i].fd);
	t->len--;
	if (i != t->len) {
		t->pfds[i] = t->pfds[t->len];
		t->clients[i] = t->clients[t->len];
	}
}

/* Accepts what is queued, up to ACCEPT_BATCH.  Returns EX_OK or the exit status. */
static int
accept_clients(struct table *t, int lfd, int *spare)
{
	for (int k = 0; k < ACCEPT_BATCH; k++) {
		char peer[PEER_MAX];
		int cfd = take_connection(lfd, spare, peer, sizeof peer);

		if (cfd == TAKE_EMPTY)
			break;
		if (cfd == TAKE_LOST)
			continue;
		if (cfd == TAKE_FAILED)
			return EX_OSERR;
		if (table_add(t, cfd, peer) == -1) {
			close(cfd);
			if (report(NULL, 0, "Refused %s: %s", peer, strerror(ENOMEM)) == -1)
				return EX_IOERR;
			continue;
		}
		if (report(NULL, 0, "Received from %s", peer) == -1)
			return EX_IOERR;
	}
	return EX_OK;
}

/* Serves every client poll marked.  Returns EX_OK or the exit status. */
static int
serve_ready(struct table *t)
{
	size_t i = 1;

	while (i < t->len) {
		int rc;

		/* POLLIN, POLLHUP or POLLERR: recv tells which (data, 0 at EOF, or the error). */
		if (t->pfds[i].revents == 0) {
			i++;
			continue;
		}
		rc = read_and_report(&t->clients[i]);
		if (rc == -1)
			return EX_IOERR;
		if (rc == 0)
			table_remove(t, i);	/* and not i++: entry i is now another client */
		else
			i++;
	}
	return EX_OK;
}

int
main(int argc, char *argv[])
{
	struct table t = { .cap = 16 };
	const char *failed;
	sigset_t waitmask;
	uint16_t port;
	int lfd, spare, status = EX_OK;

	if (argc != 2 || parse_port(argv[1], &port) == -1) {
		fprintf(stderr, "usage: %s PORT   (PORT a decimal number 0..65535)\n", argv[0]);
		return EX_USAGE;
	}
	/* Before the socket exists: once the port is bound, a signal must find the handler. */
	if (catch_signals(&waitmask) == -1)
		err(EX_OSERR, "sigaction");
	lfd = open_tcp_server(port, BACKLOG, &failed);
	if (lfd == -1)
		err(EX_OSERR, "%s port %s", failed, argv[1]);
	if (say_listening(lfd) == -1)
		err(EX_OSERR, "getsockname");
	/* The reserve for shed_connection. */
	spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	t.pfds = malloc(t.cap * sizeof *t.pfds);
	t.clients = calloc(t.cap, sizeof *t.clients);
	if (spare == -1 || t.pfds == NULL || t.clients == NULL) {
		warn("%s", spare == -1 ? "open /dev/null" : "malloc");
		status = EX_OSERR;
	} else {
		t.pfds[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		t.len = 1;
	}

	while (!stop_requested && status == EX_OK) {
		if (ppoll(t.pfds, t.len, NULL, &waitmask) == -1) {
			if (errno != EINTR) {
				warn("ppoll");
				status = EX_OSERR;
			}
			continue;
		}
		/* Clients first: the new ones are appended with no events yet. */
		status = serve_ready(&t);
		if (status == EX_OK && t.pfds[0].revents != 0)
			status = accept_clients(&t, lfd, &spare);
	}
	if (status == EX_IOERR)
		warn("stdout");
	for (size_t i = 1; i < t.len; i++)
		close(t.clients[i].fd);
	free(t.pfds);
	free(t.clients);
	if (spare != -1)
		close(spare);
	close(lfd);
	return status;
}
