/*
 * finger_tcp - a finger server (RFC 1288) over TCP that tells strangers as little as it safely can.
 *
 * usage: finger_tcp [-t SECONDS] PORT
 *        -t  how long a client may take to send its query line (1..3600, default 10);
 *            a client that is silent that long is told so and dropped
 * out:   to each client, one answer to its one query line (ended by CR LF or a bare LF;
 *        at most 512 bytes before the line end), every answer line ended by CR LF,
 *        then the server closes the connection:
 *          ""  or "/W"         who is logged in (utmp): "No one logged on." or a header
 *                              "Login TTY Since (UTC) From" and one row per session
 *          "USER", "/W USER"   Login:, Name: (GECOS, & is the login capitalised),
 *                              Directory:, Shell:, with /W also Office:, Office phone:,
 *                              Home phone: when set; then "Project:" and ~/.project,
 *                              "Plan:" and ~/.plan, or "No Plan."
 *          a name nobody has   "finger: USER: no such user."
 *          anything with "@"   "finger: forwarding to other hosts is refused here."
 *                              (RFC 1288 {Q2}; never performed)
 *          a longer line       "finger: query too long (more than 512 bytes)."
 *          other text          "finger: malformed query: give one login name, or nothing."
 *        ~/.plan and ~/.project are shown only when they are regular files owned by the
 *        user that anybody may read (mode o+r, in a home with o+x), opened without
 *        following a symlink (O_NOFOLLOW) and checked with fstat on what was opened; at
 *        most 4096 bytes of each.  Anything that is not printable ASCII (TAB, space to
 *        tilde) is shown as cat -v does (^X, ^?, M-x): no byte from a .plan, a GECOS
 *        field or utmp can drive the client's terminal.  Several clients at once: one
 *        child process each (fork), at most 32; more connections wait in the listen
 *        queue.  Nothing on stdout; problems on stderr.
 * exit:  0 after SIGINT or SIGTERM, 64 usage (arguments, PORT not a decimal 0..65535,
 *        SECONDS not a decimal 1..3600), 71 socket/bind/listen/poll failed (a port in
 *        use, a port below 1024 without privilege)
 * try:   ./finger_tcp -t 5 7979     and elsewhere:  printf 'root\r\n' | nc ::1 7979
 * text:  chapter 7, "Exercises", exercise 2 (the text calls it "finder")
 */
#define _GNU_SOURCE	/* ppoll, accept4, SOCK_NONBLOCK, O_NOFOLLOW and utmpx are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <utmpx.h>

/*
 * Why fork and not poll: answering needs calls that block and that a poll
 * loop cannot make non-blocking.  getpwnam goes through NSS, which may ask
 * a directory server on the network; a home directory may sit on NFS and
 * hang an open.  In a child they hold up only that client.  A child is also
 * a separate address space: whatever one query does to it ends with it.
 */
#define MAX_CHILDREN 32	/* more connections wait in the kernel's listen queue */
#define QUERY_MAX 512	/* bytes of query before its line end */
#define FILE_MAX 4096	/* bytes shown of a .plan or .project */
#define DRAIN_MAX 65536	/* bytes of a client's surplus read before closing */
#define DRAIN_MS 1000	/* how long to wait for the client to close first */
#define PAUSE_MS 200	/* accept rests this long when out of descriptors */

/* canon: child_signals (see CONTRIBUTING.md) */
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
/* end canon: child_signals */

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

/* canon: now_ms (see CONTRIBUTING.md) */
/* Milliseconds since an arbitrary point, from a clock that never jumps. */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
/* end canon: now_ms */

/*
 * The answer is collected here and sent in pieces of at most sizeof buf.
 * After the first failed send (a reset, the send timeout) the rest is
 * dropped: the client is gone.
 */
struct out {
	int fd;
	bool failed;
	size_t len;
	char buf[4096];
};

/*
 * send can be short: loop.  The socket's SO_SNDTIMEO bounds each wait for
 * a client that stops reading.  MSG_NOSIGNAL as well as the ignored
 * SIGPIPE: either alone would do.
 */
static void
out_flush(struct out *o)
{
	size_t done = 0;

	while (!o->failed && done < o->len) {
		ssize_t n = send(o->fd, o->buf + done, o->len - done, MSG_NOSIGNAL);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			o->failed = true;
		else
			done += (size_t)n;
	}
	o->len = 0;
}

static void
out_byte(struct out *o, char c)
{
	if (o->len == sizeof o->buf)
		out_flush(o);
	o->buf[o->len++] = c;
}

static void
out_str(struct out *o, const char *s)
{
	while (*s != '\0')
		out_byte(o, *s++);
}

/*
 * One byte as a terminal may safely see it, the way cat -v shows it: TAB
 * and space to tilde as they are, other control characters as ^X (DEL as
 * ^?), bytes from 128 up as M- and the same for the low seven bits.  Raw
 * control bytes are escape sequences to a terminal (they can retitle the
 * window, redefine keys, or hide text), and RFC 1288 section 3.3 asks
 * that only printable 7-bit characters, TAB and CR LF reach the user.
 * UTF-8 text is shown as M- sequences: legible, if not pretty.
 */
static size_t
out_safe(struct out *o, unsigned char c)
{
	size_t n = 1;

	if (c >= 0x80) {
		out_str(o, "M-");
		c &= 0x7f;
		n += 2;
	}
	if (c == '\t' || (c >= 0x20 && c < 0x7f)) {
		out_byte(o, (char)c);
		return n;
	}
	out_byte(o, '^');
	out_byte(o, (char)(c == 0x7f ? '?' : c + '@'));
	return n + 1;
}

/*
 * N bytes of untrusted text, made safe; a NUL ends it early (utmp's fixed
 * fields).  Returns how many characters were sent for it.
 */
static size_t
out_text(struct out *o, const char *s, size_t n)
{
	size_t shown = 0;

	for (size_t i = 0; i < n && s[i] != '\0'; i++)
		shown += out_safe(o, (unsigned char)s[i]);
	return shown;
}

/* Ends a line: every line of a finger answer ends in CR LF (RFC 1288 section 2.2). */
static void
out_eol(struct out *o)
{
	out_byte(o, '\r');
	out_byte(o, '\n');
}

/* One whole line of our own text. */
static void
out_line(struct out *o, const char *s)
{
	out_str(o, s);
	out_eol(o);
}

/* LABEL (ours) and untrusted VALUE on one line. */
static void
out_field(struct out *o, const char *label, const char *value, size_t n)
{
	out_str(o, label);
	out_text(o, value, n);
	out_eol(o);
}

/* Untrusted text of N bytes, padded with spaces to WIDTH columns, and one more. */
static void
out_column(struct out *o, const char *s, size_t n, size_t width)
{
	for (size_t shown = out_text(o, s, n); shown < width; shown++)
		out_byte(o, ' ');
	out_byte(o, ' ');
}

/*
 * The {C} query: the sessions in utmp.  ut_user, ut_line and ut_host are
 * fixed-size arrays that need not end in a NUL: never more than their size
 * is read.  A system without utmp simply has no one logged on.
 */
static void
list_users(struct out *o)
{
	const struct utmpx *u;
	bool any = false;

	setutxent();
	while ((u = getutxent()) != NULL) {
		char when[32] = "?";
		struct tm tm;
		time_t t = u->ut_tv.tv_sec;

		if (u->ut_type != USER_PROCESS)
			continue;
		if (!any)
			out_line(o, "Login        TTY      Since (UTC)      From");
		any = true;
		if (gmtime_r(&t, &tm) != NULL)
			strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
		out_column(o, u->ut_user, sizeof u->ut_user, 12);
		out_column(o, u->ut_line, sizeof u->ut_line, 8);
		out_str(o, when);
		out_byte(o, ' ');
		if (u->ut_host[0] == '\0')
			out_str(o, "-");
		else
			out_text(o, u->ut_host, sizeof u->ut_host);
		out_eol(o);
	}
	endutxent();
	if (!any)
		out_line(o, "No one logged on.");
}

/*
 * The real name is the GECOS field up to its first comma; by BSD custom an
 * & in it stands for the login name with a capital first letter.
 */
static void
out_real_name(struct out *o, const struct passwd *pw)
{
	out_str(o, "Name: ");
	for (const char *g = pw->pw_gecos; *g != '\0' && *g != ','; g++) {
		if (*g != '&') {
			out_safe(o, (unsigned char)*g);
			continue;
		}
		for (const char *l = pw->pw_name; *l != '\0'; l++)
			out_safe(o, (unsigned char)(l == pw->pw_name ? toupper((unsigned char)*l) : *l));
	}
	out_eol(o);
}

/* /W: the other GECOS fields (office, office phone, home phone), those that are set. */
static void
out_gecos_rest(struct out *o, const struct passwd *pw)
{
	static const char *const labels[] = { "Office: ", "Office phone: ", "Home phone: " };
	const char *f = strchr(pw->pw_gecos, ',');

	for (size_t i = 0; f != NULL && i < sizeof labels / sizeof labels[0]; i++) {
		const char *end;

		f++;
		end = strchr(f, ',');
		if (end == NULL)
			end = f + strlen(f);
		if (end > f)
			out_field(o, labels[i], f, (size_t)(end - f));
		f = *end == ',' ? end : NULL;
	}
}

/*
 * Shows NAME in the home directory DIRFD after LABEL, if it is safe to:
 * O_NOFOLLOW refuses a symlink (which could point at /etc/shadow or at
 * another user's mail: the server may run as root); O_NONBLOCK keeps a FIFO
 * from hanging the open; fstat on the descriptor, not stat on the name before
 * opening, checks the very file that will be read (a name can be swapped
 * between a stat and an open).  Only a regular file owned by the user is
 * shown (which also stops a hard link to somebody else's file), and only when
 * anybody may read it (mode o+r, in a home others may enter): the server may
 * run as root, and must not publish what its owner keeps private, as a
 * classic fingerd running as nobody could not; at most FILE_MAX bytes of it.
 * Returns true when it was shown; a missing or refused file is not told apart
 * (that would say something about the home directory).
 */
static bool
show_file(struct out *o, int dirfd, const char *name, uid_t uid, const char *label)
{
	char buf[FILE_MAX + 1];
	struct stat st;
	size_t got = 0;
	bool at_bol = true;
	int fd;

	if (dirfd == -1)
		return false;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1)
		return false;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_uid != uid ||
	    (st.st_mode & S_IROTH) == 0) {
		close(fd);
		return false;
	}
	while (got < sizeof buf) {
		ssize_t n = read(fd, buf + got, sizeof buf - got);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	out_line(o, label);
	for (size_t i = 0; i < got && i < FILE_MAX; i++) {
		unsigned char c = (unsigned char)buf[i];

		/* LF and CR LF both end a line; a lone CR would overwrite the line: ^M. */
		if (c == '\r' && i + 1 < got && buf[i + 1] == '\n')
			continue;
		if (c == '\n') {
			out_eol(o);
			at_bol = true;
			continue;
		}
		out_safe(o, c);
		at_bol = false;
	}
	if (!at_bol)
		out_eol(o);
	if (got > FILE_MAX)
		out_line(o, "[... cut here: more than 4096 bytes]");
	return true;
}

/* The {U} query: what a finger server tells of one login name. */
static void
show_user(struct out *o, const char *name, bool verbose)
{
	const struct passwd *pw;
	struct stat home;
	int dirfd;

	pw = getpwnam(name);
	if (pw == NULL) {
		out_str(o, "finger: ");
		out_str(o, name);	/* checked to be a plain login name */
		out_line(o, ": no such user.");
		return;
	}
	out_field(o, "Login: ", pw->pw_name, strlen(pw->pw_name));
	out_real_name(o, pw);
	out_field(o, "Directory: ", pw->pw_dir, strlen(pw->pw_dir));
	out_field(o, "Shell: ", pw->pw_shell, strlen(pw->pw_shell));
	if (verbose)
		out_gecos_rest(o, pw);
	/* The home directory may be a symlink (/home -> /export/home): only the files may not. */
	dirfd = open(pw->pw_dir, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
	/* A home others may not enter keeps its files private, whatever their modes. */
	if (dirfd != -1 && (fstat(dirfd, &home) == -1 || (home.st_mode & S_IXOTH) == 0)) {
		close(dirfd);
		dirfd = -1;
	}
	show_file(o, dirfd, ".project", pw->pw_uid, "Project:");
	if (!show_file(o, dirfd, ".plan", pw->pw_uid, "Plan:"))
		out_line(o, "No Plan.");
	if (dirfd != -1)
		close(dirfd);
}

/*
 * A login name as POSIX's portable character set has it: letters, digits,
 * '.', '_', '-', not starting with '-'.  Anything else is no name here, so
 * a name that is echoed back or looked up is never arbitrary client text.
 */
static bool
plain_name(const char *s)
{
	if (*s == '-')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
			return false;
	return true;
}

/*
 * Answers the query LINE (its line end removed, NUL-terminated, no NUL
 * inside).  RFC 1288 section 2.3: {Q1} is [/W] [USER], {Q2} adds @HOST
 * (one or more): a request to pass the query on.  Forwarding makes the
 * server a relay that hides where a query came from and lets outsiders
 * reach hosts behind a firewall; section 3.2.1 lets a server refuse it,
 * and this one always does, without looking at the host.
 */
static void
answer(struct out *o, char *line)
{
	bool verbose = false;
	char *q = line, *end;

	while (*q == ' ' || *q == '\t')
		q++;
	end = q + strlen(q);
	while (end > q && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (q[0] == '/' && (q[1] == 'W' || q[1] == 'w') &&
	    (q[2] == '\0' || q[2] == ' ' || q[2] == '\t')) {
		verbose = true;
		for (q += 2; *q == ' ' || *q == '\t'; q++)
			;
	}
	if (strchr(q, '@') != NULL)
		out_line(o, "finger: forwarding to other hosts is refused here.");
	else if (*q == '\0')
		list_users(o);	/* /W asks for more detail; the list has none to add */
	else if (!plain_name(q))
		out_line(o, "finger: malformed query: give one login name, or nothing.");
	else
		show_user(o, q, verbose);
}

enum query { GOT_LINE, TOO_LONG, TIMED_OUT, GONE };

/*
 * Reads the query line into LINE (SIZE bytes: room for QUERY_MAX, CR LF and a
 * NUL) until its LF, with every wait bounded by DEADLINE, so that a client
 * that sends nothing, or one byte now and then, cannot hold a child (and one
 * of the MAX_CHILDREN places) for longer than that.  A bare LF ends the line
 * as well as CR LF.  A client that half-closes after some text without any
 * line end has still asked that.  Whatever follows the LF is ignored.  *LEN
 * is the line's length without its line end, counting any NUL in it.
 */
static enum query
read_query(int cfd, char *line, size_t size, size_t *len, long long deadline)
{
	size_t got = 0;

	for (;;) {
		struct pollfd pfd = { .fd = cfd, .events = POLLIN };
		long long left = deadline - now_ms();
		char *lf;
		ssize_t n;

		if (left <= 0)
			return TIMED_OUT;
		n = poll(&pfd, 1, (int)left);
		if (n == -1 && errno != EINTR)
			return GONE;
		if (n <= 0)
			continue;
		n = recv(cfd, line + got, size - 1 - got, 0);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1)
			return GONE;
		if (n == 0) {
			if (got == 0)
				return GONE;
			/* A line ended by the client's FIN, not by LF: its CR is not part of it either. */
			if (line[got - 1] == '\r')
				got--;
			line[got] = '\0';
			*len = got;
			return got > QUERY_MAX ? TOO_LONG : GOT_LINE;
		}
		lf = memchr(line + got, '\n', (size_t)n);
		got += (size_t)n;
		if (lf != NULL) {
			*len = (size_t)(lf - line);
			if (*len > 0 && line[*len - 1] == '\r')
				(*len)--;
			line[*len] = '\0';
			return *len > QUERY_MAX ? TOO_LONG : GOT_LINE;
		}
		if (got == size - 1)
			return TOO_LONG;
	}
}

/*
 * Ends the conversation so that the answer arrives.  Closing a socket that
 * still holds unread data makes the kernel send a reset, and a reset can
 * destroy answer bytes not yet delivered.  So: FIN after the answer, then
 * read and discard what the client still sends (at most DRAIN_MAX bytes,
 * DRAIN_MS) until it closes its side.
 */
static void
linger_close(int cfd)
{
	long long deadline = now_ms() + DRAIN_MS;
	char junk[4096];
	size_t drained = 0;

	shutdown(cfd, SHUT_WR);
	while (drained < DRAIN_MAX) {
		struct pollfd pfd = { .fd = cfd, .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		n = recv(cfd, junk, sizeof junk, MSG_DONTWAIT);
		if (n <= 0)
			break;
		drained += (size_t)n;
	}
	close(cfd);
}

/* A child's whole life: one client's query and answer.  Never returns. */
static void
serve_client(int cfd, int seconds)
{
	struct timeval tv = { .tv_sec = seconds };
	char line[QUERY_MAX + 3];	/* the query, CR, LF, NUL */
	struct out o = { .fd = cfd };
	char msg[80];
	size_t len = 0;

	/*
	 * A backstop for every other wait: the child ends, and its place is
	 * free again, however slowly the client reads the answer.
	 */
	alarm((unsigned int)seconds * 3 + 5);
	setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	switch (read_query(cfd, line, sizeof line, &len, now_ms() + 1000LL * seconds)) {
	case GOT_LINE:
		/* A NUL would cut the line short for the string functions: refuse it. */
		if (strlen(line) != len)
			out_line(&o, "finger: malformed query: give one login name, or nothing.");
		else
			answer(&o, line);
		break;
	case TOO_LONG:
		out_line(&o, "finger: query too long (more than 512 bytes).");
		break;
	case TIMED_OUT:
		snprintf(msg, sizeof msg, "finger: no query within the time limit (%d s).", seconds);
		out_line(&o, msg);
		break;
	case GONE:
		break;
	}
	out_flush(&o);
	linger_close(cfd);
	_exit(0);
}

struct children {
	pid_t pid[MAX_CHILDREN];
	size_t n;
};

/* Reaps every child that has ended; no zombie stays behind. */
static void
reap(struct children *ch)
{
	pid_t pid;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		for (size_t i = 0; i < ch->n; i++)
			if (ch->pid[i] == pid) {
				ch->pid[i] = ch->pid[--ch->n];
				break;
			}
}

/*
 * Takes one waiting connection and gives it a child.  The child gets the
 * default SIGINT, SIGTERM and SIGCHLD and the mask the server started
 * with; it closes the listener so that it cannot accept by mistake, and
 * holds the listening port open no longer than it lives.  accept failing
 * for a reason of the connection's own (reset while queued) loses only
 * that one; out of descriptors (EMFILE, ENFILE, ENOBUFS, ENOMEM) the
 * connection stays queued and *PAUSED stops polling the listener for a
 * while, or the server would spin.  A failed fork loses that connection.
 */
static void
accept_client(int sd, struct children *ch, int seconds, const sigset_t *waitmask, bool *paused)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t childmask;
	pid_t pid;
	int cfd;

	cfd = accept4(sd, NULL, NULL, SOCK_CLOEXEC);
	if (cfd == -1) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			warn("accept (pausing for %d ms)", PAUSE_MS);
			*paused = true;
		} else if (errno != EAGAIN && errno != EINTR) {
			warn("accept");
		}
		return;
	}
	pid = fork();
	if (pid == -1) {
		warn("fork");
		close(cfd);
		return;
	}
	if (pid == 0) {
		sigemptyset(&dfl.sa_mask);
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
		sigaction(SIGCHLD, &dfl, NULL);
		/* The backstop must kill, even if SIGALRM was inherited ignored or blocked. */
		sigaction(SIGALRM, &dfl, NULL);
		childmask = *waitmask;
		sigdelset(&childmask, SIGALRM);
		sigprocmask(SIG_SETMASK, &childmask, NULL);
		close(sd);
		serve_client(cfd, seconds);
	}
	ch->pid[ch->n++] = pid;
	close(cfd);	/* the child's copy is the connection now */
}

/* The main loop: returns when a signal came (0) or ppoll failed (-1, errno set). */
static int
serve(int sd, struct children *ch, int seconds, const sigset_t *waitmask)
{
	bool paused = false;
	long long paused_at = 0;

	while (!stop_requested) {
		struct timespec pause_left;
		const struct timespec *timeout = NULL;
		struct pollfd pfd = { .fd = sd, .events = POLLIN };

		if (paused) {
			long long left = paused_at + PAUSE_MS - now_ms();

			if (left <= 0) {
				paused = false;
			} else {
				pause_left.tv_sec = left / 1000;
				pause_left.tv_nsec = (left % 1000) * 1000000;
				timeout = &pause_left;
			}
		}
		/* At MAX_CHILDREN, new connections wait in the listen queue until a child ends. */
		if (paused || ch->n == MAX_CHILDREN)
			pfd.events = 0;
		if (ppoll(&pfd, 1, timeout, waitmask) == -1) {
			if (errno != EINTR)
				return -1;
			pfd.revents = 0;
		}
		if (child_ended) {
			child_ended = 0;
			reap(ch);
		}
		if ((pfd.revents & POLLIN) && !stop_requested) {
			accept_client(sd, ch, seconds, waitmask, &paused);
			if (paused)
				paused_at = now_ms();
		}
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct children ch = { .n = 0 };
	const char *what;
	sigset_t waitmask;
	uint16_t port;
	int sd, opt, seconds = 10, status = EX_OK;

	while ((opt = getopt(argc, argv, "+t:")) != -1) {
		if (opt != 't' || parse_seconds(optarg, 3600, &seconds) == -1)
			goto usage;
	}
	if (argc - optind != 1 || parse_port(argv[optind], &port) == -1)
		goto usage;
	if (catch_signals_and_children(&waitmask) == -1)
		err(EX_OSERR, "signals");
	sd = open_tcp_server(port, SOMAXCONN, &what);
	if (sd == -1)
		err(EX_OSERR, "%s (TCP port %u)", what, (unsigned int)port);
	if (say_listening(sd) == -1)
		err(EX_OSERR, "getsockname");
	if (serve(sd, &ch, seconds, &waitmask) == -1) {
		warn("poll");
		status = EX_OSERR;
	}
	close(sd);
	/* A child would finish within its deadline anyway; a stopped server takes them along. */
	for (size_t i = 0; i < ch.n; i++)
		kill(ch.pid[i], SIGTERM);
	while (ch.n > 0) {
		if (waitpid(ch.pid[ch.n - 1], NULL, 0) == -1 && errno == EINTR)
			continue;
		ch.n--;
	}
	return status;
usage:
	fprintf(stderr, "usage: %s [-t SECONDS] PORT   (PORT a decimal number 0..65535, "
	    "SECONDS the idle timeout 1..3600, default 10)\n", argv[0]);
	return EX_USAGE;
}
