/*
 * http_serve - a small static HTTP/1.1 file server, so that the Netcat Lab and
 *              exercise 4.1 can be done with no network at all.
 *
 * usage: http_serve [-a] [-d DIR] [-t SECONDS] PORT
 *        Serves the files under DIR (default: the current directory) on ::1 and
 *        127.0.0.1 only (-a: on every interface, one dual-stack socket), GET and
 *        HEAD, one process, many clients at once (poll).  A directory is served
 *        as its index.html, or as a listing.  Nothing outside DIR is ever served:
 *        no "..", however encoded, and no symbolic link that leads out of DIR.
 *        A request head is at most 16 KiB (its first line 8 KiB: 414, the rest:
 *        431) and must arrive within SECONDS (default 10) of the connection
 *        going idle; a connection serves at most 100 requests; at most 256
 *        clients are served at once (the others wait in the listen queue).
 *        Says "listening on port N" on stderr once it accepts (PORT 0: the
 *        kernel picks N).  Answers 400, 403, 404, 405, 414, 431, 505 as HTTP says.
 * exit:  0 on SIGTERM/SIGINT, 64 usage (options, PORT not a decimal 0..65535),
 *        66 DIR is not a readable directory, 71 system error (socket, bind, memory)
 * try:   ./ch04-transmission/http_serve -d ch04-transmission 8080     and elsewhere:
 *        printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' | nc -N ::1 8080
 * text:  chapter 4, "Netcat Lab" and "HTTP Protocol"
 */
#define _GNU_SOURCE	/* ppoll, accept4, SOCK_NONBLOCK, realpath, open_memstream, strcasecmp */
#include <ctype.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define BACKLOG		128
#define MAX_CLIENTS	256
#define MAX_REQUESTS	100		/* per connection, then Connection: close */
#define LINE_MAX_LEN	8192		/* request line: longer is 414 */
#define HEAD_MAX	16384		/* whole request head: larger is 431 */
#define CHUNK		65536		/* file bytes read per send */
#define LINGER_MS	2000		/* reading what a closed client still sends */
#define LISTING_MAX	(1 << 20)	/* a directory listing is cut after this many bytes */

enum state { READING, WRITING, LINGERING };

struct conn {
	int fd;
	enum state state;
	char in[HEAD_MAX];
	size_t inlen;
	char *out;		/* response head (and small bodies), then file chunks */
	size_t outlen, outoff;
	int file;		/* the file whose bytes follow the head, or -1 */
	off_t left;		/* bytes of FILE still to send */
	int close_after;	/* Connection: close was answered */
	int eof;		/* the client has half-closed: answer what it sent, then close */
	int served;		/* requests answered on this connection */
	int64_t deadline;	/* monotonic ms */
};

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

/*
 * One listening socket on ADDR (an IPv4 or IPv6 socket address): the
 * loopback sockets of the default, which the canon open_tcp_server (always
 * on ::) cannot make, hence another name.  V6ONLY is set explicitly (the
 * default is a sysctl): 1 for ::1, which must not claim IPv4's port.
 * SO_REUSEADDR: a restarted server binds while old connections sit in
 * TIME_WAIT.  Non-blocking, so that a client that resets between poll and
 * accept cannot block us in accept.  Returns the socket, or -1 with errno set
 * and *failed naming the call.
 */
static int
open_tcp_server_at(const struct sockaddr *addr, socklen_t addrlen, int v6only,
    const char **failed)
{
	const int on = 1;
	int lfd, saved;

	*failed = "socket";
	lfd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd == -1)
		return -1;
	*failed = "setsockopt IPV6_V6ONLY";
	if (addr->sa_family == AF_INET6 &&
	    setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) == -1)
		goto fail;
	*failed = "setsockopt SO_REUSEADDR";
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
		goto fail;
	*failed = "bind";
	if (bind(lfd, addr, addrlen) == -1)
		goto fail;
	*failed = "listen";
	if (listen(lfd, BACKLOG) == -1)
		goto fail;
	return lfd;
fail:
	saved = errno;
	close(lfd);
	errno = saved;
	return -1;
}

static uint16_t
bound_port(int lfd)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;

	/* Zeroed: getsockname fills it, but clang-analyzer cannot see that. */
	memset(&ss, 0, sizeof ss);
	if (getsockname(lfd, (struct sockaddr *)&ss, &sslen) == -1)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/*
 * The listening sockets: with ALL, one dual-stack socket on :: (IPv4 alone
 * when the kernel has no IPv6).  Without, ::1 and 127.0.0.1 on the same port:
 * a file server should not show a student's files to the whole network by
 * default.  With PORT 0 the kernel picks the port for ::1, and 127.0.0.1 may
 * already use it: then both are given up and the pick is made again.  A host
 * whose ::1 does not work (no IPv6) is served on 127.0.0.1 alone.  Returns the
 * number of sockets put in LFD, or -1 with errno set and *failed naming the call.
 */
static int
open_servers(uint16_t port, int all, int lfd[2], const char **failed)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int tries;

	if (all) {
		lfd[0] = open_tcp_server(port, BACKLOG, failed);
		return lfd[0] == -1 ? -1 : 1;
	}
	sin6.sin6_addr = in6addr_loopback;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (tries = 0; tries < 20; tries++) {
		lfd[0] = open_tcp_server_at((struct sockaddr *)&sin6, sizeof sin6, 1, failed);
		if (lfd[0] == -1) {
			/* No IPv6 in the kernel, or none on lo: IPv4 alone. */
			if (errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL)
				return -1;
			lfd[0] = open_tcp_server_at((struct sockaddr *)&sin, sizeof sin, 0, failed);
			return lfd[0] == -1 ? -1 : 1;
		}
		sin.sin_port = htons(bound_port(lfd[0]));
		lfd[1] = open_tcp_server_at((struct sockaddr *)&sin, sizeof sin, 0, failed);
		if (lfd[1] != -1)
			return 2;
		close(lfd[0]);
		if (port != 0 || errno != EADDRINUSE)
			return -1;
	}
	return -1;
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 301: return "Moved Permanently";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

static const char *
content_type(const char *path)
{
	static const struct { const char *suffix, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".htm", "text/html; charset=utf-8" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".md", "text/plain; charset=utf-8" },
		{ ".c", "text/plain; charset=utf-8" },
		{ ".h", "text/plain; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".xml", "application/xml" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" },
		{ ".gif", "image/gif" },
		{ ".ico", "image/x-icon" },
		{ ".webp", "image/webp" },
		{ ".pdf", "application/pdf" },
		{ ".wasm", "application/wasm" },
	};
	size_t len = strlen(path);

	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t slen = strlen(types[i].suffix);

		if (len > slen && strcasecmp(path + len - slen, types[i].suffix) == 0)
			return types[i].type;
	}
	/* Unknown bytes: a browser must not guess them into something runnable. */
	return "application/octet-stream";
}

/*
 * Puts the status line and headers for STATUS into C->out, followed by BODY
 * (BODYLEN bytes, may be NULL) unless HEAD.  CONTENT_LENGTH is what the
 * Content-Length header says (the file's size when the body comes from a
 * file).  Returns 0, or -1 when out of memory.
 */
static int
respond(struct conn *c, int status, const char *type, off_t content_length,
    const char *extra, const char *body, size_t bodylen, int head)
{
	char date[64];
	time_t t = time(NULL);
	struct tm tm;
	char *buf;
	int n;

	/* HTTP dates are in GMT, English names: the C locale's strftime. */
	if (gmtime_r(&t, &tm) == NULL || strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
		date[0] = '\0';
	n = snprintf(NULL, 0,
	    "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: http_serve\r\nContent-Type: %s\r\n"
	    "Content-Length: %lld\r\n%sConnection: %s\r\n\r\n",
	    status, reason(status), date, type, (long long)content_length, extra,
	    c->close_after ? "close" : "keep-alive");
	if (n < 0)
		return -1;
	buf = malloc((size_t)n + 1 + (head ? 0 : bodylen) + (body == NULL ? CHUNK : 0));
	if (buf == NULL)
		return -1;
	snprintf(buf, (size_t)n + 1,
	    "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: http_serve\r\nContent-Type: %s\r\n"
	    "Content-Length: %lld\r\n%sConnection: %s\r\n\r\n",
	    status, reason(status), date, type, (long long)content_length, extra,
	    c->close_after ? "close" : "keep-alive");
	if (!head && body != NULL)
		memcpy(buf + n, body, bodylen);
	free(c->out);
	c->out = buf;
	c->outlen = (size_t)n + (head || body == NULL ? 0 : bodylen);
	c->outoff = 0;
	return 0;
}

static int
respond_error(struct conn *c, int status, int head)
{
	char body[256];
	int n;

	/* After a malformed request we cannot know where the next one starts. */
	if (status != 404 && status != 403)
		c->close_after = 1;
	n = snprintf(body, sizeof body,
	    "<!DOCTYPE html>\n<html><head><title>%d %s</title></head>\n"
	    "<body><h1>%d %s</h1></body></html>\n",
	    status, reason(status), status, reason(status));
	return respond(c, status, "text/html; charset=utf-8", n,
	    status == 405 ? "Allow: GET, HEAD\r\n" : "", body, (size_t)n, head);
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/*
 * Decodes the path of an origin-form target ("/a/b%20c?q") into OUT.  Returns
 * 0, or the status to answer: 400 for a target that is not a path, a bad
 * %-escape, a NUL, or a ".." segment (decoded: %2e%2e is "..", and so is
 * ".%2E"), which could only ever climb out of DIR.
 */
static int
decode_path(const char *target, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	if (len == 0 || target[0] != '/')
		return 400;
	for (size_t i = 0; i < len && target[i] != '?' && target[i] != '#'; i++) {
		int ch = (unsigned char)target[i];

		if (ch == '%') {
			int hi, lo;

			if (i + 2 >= len || (hi = hexval(target[i + 1])) < 0 ||
			    (lo = hexval(target[i + 2])) < 0)
				return 400;
			ch = hi * 16 + lo;
			i += 2;
		}
		if (ch == '\0' || o + 1 >= outlen)
			return ch == '\0' ? 400 : 414;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	for (const char *s = out; (s = strstr(s, "..")) != NULL; s += 2)
		if (s[-1] == '/' && (s[2] == '/' || s[2] == '\0'))
			return 400;
	return 0;
}

/* Writes TEXT into F with the five HTML specials escaped. */
static void
html_escape(FILE *f, const char *text)
{
	for (; *text != '\0'; text++) {
		switch (*text) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*text, f);
		}
	}
}

/* Writes NAME into F %-encoded as a path segment (a '#' or '?' in a file name is not a URL's). */
static void
url_escape(FILE *f, const char *name)
{
	for (; *name != '\0'; name++) {
		unsigned char ch = (unsigned char)*name;

		if (isalnum(ch) || strchr("-._~!$&'()*+,;=:@", ch) != NULL)
			fputc(ch, f);
		else
			fprintf(f, "%%%02X", ch);
	}
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A listing of directory REAL (URL path SHOWN) as HTML.  Returns 0, or the status to answer. */
static int
respond_listing(struct conn *c, const char *real, const char *shown, int head)
{
	DIR *d = opendir(real);
	struct dirent *e;
	char **names = NULL, *body = NULL;
	size_t n = 0, cap = 0, bodylen = 0;
	FILE *f;
	int status = 0;

	if (d == NULL)
		return errno == EACCES ? 403 : 404;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n == cap) {
			char **more = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);

			if (more == NULL)
				goto nomem;
			names = more;
		}
		if ((names[n] = strdup(e->d_name)) == NULL)
			goto nomem;
		n++;
	}
	if (n > 1)	/* an empty directory has no array at all */
		qsort(names, n, sizeof *names, by_name);
	f = open_memstream(&body, &bodylen);
	if (f == NULL)
		goto nomem;
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of ", f);
	html_escape(f, shown);
	fputs("</title></head>\n<body><h1>Index of ", f);
	html_escape(f, shown);
	fputs("</h1>\n<ul>\n", f);
	for (size_t i = 0; i < n && ftell(f) < LISTING_MAX; i++) {
		fputs("<li><a href=\"", f);
		url_escape(f, names[i]);
		fputs("\">", f);
		html_escape(f, names[i]);
		fputs("</a></li>\n", f);
	}
	fputs("</ul></body></html>\n", f);
	if (fclose(f) != 0)
		goto nomem;
	if (respond(c, 200, "text/html; charset=utf-8", (off_t)bodylen, "", body, bodylen, head) == -1)
		status = 500;
	goto out;
nomem:
	status = 500;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(body);
	closedir(d);
	return status;
}

/*
 * Answers GET or HEAD of PATH (decoded, no ".." segment) from ROOT (a real
 * path).  realpath resolves every symbolic link: what it gives must still be
 * ROOT or under it, or the file is not ours to show.  O_NONBLOCK: opening a
 * FIFO must not hang the server; only regular files are sent.  Returns 0 or
 * the status of an error to answer.
 */
static int
serve_path(struct conn *c, const char *root, const char *path, int head)
{
	char full[PATH_MAX], real[PATH_MAX];
	size_t rootlen = strlen(root);
	struct stat st;
	int fd;

	if ((size_t)snprintf(full, sizeof full, "%s%s", root, path) >= sizeof full)
		return 414;
	if (realpath(full, real) == NULL)
		return errno == EACCES ? 403 : 404;
	if (strncmp(real, root, rootlen) != 0 || (real[rootlen] != '/' && real[rootlen] != '\0'))
		return 404;
	if (stat(real, &st) == -1)
		return 404;
	if (S_ISDIR(st.st_mode)) {
		size_t plen = strlen(path);

		if (path[plen - 1] != '/') {
			/* Relative links in the page resolve against the URL: it must end in '/'. */
			char location[PATH_MAX + 32];

			/* Encoded again: a decoded %0d%0a must not become a header of its own. */
			size_t o = (size_t)snprintf(location, sizeof location, "Location: ");

			for (const char *p = path; *p != '\0' && o + 16 < sizeof location; p++) {
				unsigned char ch = (unsigned char)*p;

				if (isalnum(ch) || strchr("/-._~!$&'()*+,;=:@", ch) != NULL)
					location[o++] = (char)ch;
				else
					o += (size_t)snprintf(location + o, 4, "%%%02X", ch);
			}
			if (o + 16 >= sizeof location)
				return 414;
			snprintf(location + o, sizeof location - o, "/\r\n");
			return respond(c, 301, "text/plain; charset=utf-8", 0, location, "", 0, head)
			    == -1 ? 500 : 0;
		}
		char index[PATH_MAX + 16];

		snprintf(index, sizeof index, "%s/index.html", real);
		if (realpath(index, full) == NULL ||
		    strncmp(full, root, rootlen) != 0 || full[rootlen] != '/')
			return respond_listing(c, real, path, head);
		memcpy(real, full, strlen(full) + 1);	/* both PATH_MAX */
	}
	fd = open(real, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return errno == EACCES ? 403 : 404;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 404;
	}
	if (respond(c, 200, content_type(real), st.st_size, "", NULL, 0, head) == -1) {
		close(fd);
		return 500;
	}
	if (head || st.st_size == 0) {
		close(fd);
		return 0;
	}
	c->file = fd;
	c->left = st.st_size;
	/*
	 * The first bytes of the file go out with the head, in one segment: a head
	 * sent alone, then the body, is a small write followed by another, which
	 * Nagle's algorithm holds back until the client's delayed ACK (40 ms on
	 * Linux) -- 20 requests a second on a persistent connection.
	 */
	{
		ssize_t n = read(fd, c->out + c->outlen, CHUNK < c->left ? CHUNK : (size_t)c->left);

		if (n > 0) {
			c->outlen += (size_t)n;
			c->left -= n;
		}
	}
	return 0;
}

/* Is the comma-separated header value VALUE (LEN bytes) one with the token WORD? */
static int
has_token(const char *value, size_t len, const char *word)
{
	size_t wlen = strlen(word), i = 0;

	while (i < len) {
		size_t start, end;

		while (i < len && (value[i] == ' ' || value[i] == '\t' || value[i] == ','))
			i++;
		start = i;
		while (i < len && value[i] != ',')
			i++;
		end = i;
		while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t'))
			end--;
		if (end - start == wlen && strncasecmp(value + start, word, wlen) == 0)
			return 1;
	}
	return 0;
}

static int
is_tchar(int ch)
{
	return isalnum(ch) || (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/*
 * The request head HEAD (LEN bytes, up to and including the empty line),
 * parsed and answered into C.  Lines may end in CRLF or a bare LF (what nc
 * sends when a student types).  Returns 0, or -1 when out of memory.
 */
static int
handle_request(struct conn *c, const char *root, char *head, size_t len)
{
	char *line = head, *end = head + len, *eol, *sp1, *sp2;
	char path[PATH_MAX];
	int is_head = 0, minor, hosts = 0, status;

	eol = memchr(line, '\n', (size_t)(end - line));
	*eol = '\0';
	if (eol > line && eol[-1] == '\r')
		eol[-1] = '\0';
	/* method SP target SP HTTP/1.x, single spaces, nothing else. */
	sp1 = strchr(line, ' ');
	sp2 = sp1 == NULL ? NULL : strchr(sp1 + 1, ' ');
	if (sp1 == NULL || sp2 == NULL || sp1 == line || sp2 == sp1 + 1 || strchr(sp2 + 1, ' ') != NULL)
		return respond_error(c, 400, 0);
	*sp1 = *sp2 = '\0';
	for (const char *m = line; *m != '\0'; m++)
		if (!is_tchar((unsigned char)*m))
			return respond_error(c, 400, 0);
	is_head = strcmp(line, "HEAD") == 0;
	if (strncmp(sp2 + 1, "HTTP/", 5) != 0 || !isdigit((unsigned char)sp2[6]) ||
	    sp2[7] != '.' || !isdigit((unsigned char)sp2[8]) || sp2[9] != '\0')
		return respond_error(c, 400, is_head);
	if (sp2[6] != '1')
		return respond_error(c, 505, is_head);
	minor = sp2[8] - '0';
	/* HTTP/1.0 closes after each answer unless the client asks to keep it. */
	c->close_after = minor == 0;

	for (line = eol + 1; line < end; line = eol + 1) {
		char *colon, *value;
		size_t vlen;

		eol = memchr(line, '\n', (size_t)(end - line));
		*eol = '\0';
		if (eol > line && eol[-1] == '\r')
			eol[-1] = '\0';
		if (line[0] == '\0')
			break;
		/* Folded lines are obsolete; a space before the colon is a smuggling trick (RFC 9112, 5). */
		colon = strchr(line, ':');
		if (colon == NULL || colon == line || line[0] == ' ' || line[0] == '\t')
			return respond_error(c, 400, is_head);
		for (const char *p = line; p < colon; p++)
			if (!is_tchar((unsigned char)*p))
				return respond_error(c, 400, is_head);
		*colon = '\0';
		value = colon + 1;
		vlen = strlen(value);
		if (strcasecmp(line, "Host") == 0)
			hosts++;
		else if (strcasecmp(line, "Connection") == 0) {
			if (has_token(value, vlen, "close"))
				c->close_after = 1;
			else if (has_token(value, vlen, "keep-alive"))
				c->close_after = 0;
		} else if (strcasecmp(line, "Content-Length") == 0 ||
		    strcasecmp(line, "Transfer-Encoding") == 0) {
			/* A body we will not read: answer, then close, so it is never taken for a request. */
			c->close_after = 1;
		}
	}
	if (minor >= 1 && hosts != 1)
		return respond_error(c, 400, is_head);	/* RFC 9112, 3.2: exactly one Host */
	if (hosts > 1)
		return respond_error(c, 400, is_head);
	if (strcmp(head, "GET") != 0 && !is_head)
		return respond_error(c, 405, 0);
	if (c->served + 1 >= MAX_REQUESTS)
		c->close_after = 1;
	status = decode_path(sp1 + 1, strlen(sp1 + 1), path, sizeof path);
	if (status == 0)
		status = serve_path(c, root, path, is_head);
	if (status != 0)
		return respond_error(c, status, is_head);
	return 0;
}

/*
 * The end of the request head in C->in: the offset just past the empty line,
 * or 0 when it has not all arrived.  Empty lines before a request line are
 * skipped first (RFC 9112, 2.2: a client may send one after a POST body).
 */
static size_t
head_end(struct conn *c)
{
	size_t start = 0;

	while (start < c->inlen && (c->in[start] == '\r' || c->in[start] == '\n'))
		start++;
	if (start > 0) {
		memmove(c->in, c->in + start, c->inlen - start);
		c->inlen -= start;
	}
	for (size_t i = 0; i < c->inlen; i++) {
		if (c->in[i] != '\n')
			continue;
		if (i + 1 < c->inlen && c->in[i + 1] == '\n')
			return i + 2;
		if (i + 2 < c->inlen && c->in[i + 1] == '\r' && c->in[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/*
 * Answers the request at the front of C->in when it is whole; sets the
 * state.  Returns 0, or -1 when the connection must be dropped at once.
 */
static int
try_request(struct conn *c, const char *root, int timeout_ms)
{
	size_t end = head_end(c);
	int rc;

	if (end == 0) {
		const char *nl = memchr(c->in, '\n', c->inlen);

		if (nl == NULL && c->inlen >= LINE_MAX_LEN)
			rc = respond_error(c, 414, 0);
		else if (c->inlen >= sizeof c->in)
			rc = respond_error(c, 431, 0);
		else
			return 0;
	} else {
		char head[HEAD_MAX + 1];
		const char *nl = memchr(c->in, '\n', end);

		memcpy(head, c->in, end);
		head[end] = '\0';
		memmove(c->in, c->in + end, c->inlen - end);
		c->inlen -= end;
		/* A request line past the limit is 414 even when it did end. */
		if ((size_t)(nl - c->in) >= LINE_MAX_LEN)
			rc = respond_error(c, 414, 0);
		else
			rc = handle_request(c, root, head, end);
	}
	if (rc == -1)
		return -1;
	c->state = WRITING;
	c->deadline = now_ms() + timeout_ms;
	return 0;
}

static void
drop(struct conn *c)
{
	if (c->file != -1)
		close(c->file);
	close(c->fd);
	free(c->out);
	free(c);
}

/*
 * Sends what is pending for C.  Returns 1 while there is more to send, 0 when
 * the response is complete, -1 when the client is gone.
 */
static int
send_some(struct conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->outoff == c->outlen) {
			if (c->file == -1 || c->left == 0)
				return 0;
			/* The head has gone: the buffer (CHUNK bytes) now carries the file. */
			n = read(c->file, c->out, CHUNK < c->left ? CHUNK : (size_t)c->left);
			if (n <= 0)
				return -1;	/* the file shrank or failed: the promised length is a lie now */
			c->outoff = 0;
			c->outlen = (size_t)n;
			c->left -= n;
		}
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : -1;
		}
		c->outoff += (size_t)n;
	}
}

/* What C's socket has for us, read into its buffer.  Returns -1 when the client is gone. */
static int
read_some(struct conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->state == LINGERING) {
			char sink[4096];

			n = recv(c->fd, sink, sizeof sink, 0);
		} else {
			if (c->inlen == sizeof c->in)
				return 0;
			n = recv(c->fd, c->in + c->inlen, sizeof c->in - c->inlen, 0);
		}
		if (n == 0) {
			/* A FIN (nc -N) after a request still wants its answer. */
			if (c->state == LINGERING || c->inlen == 0)
				return -1;
			c->eof = 1;
			return 0;
		}
		if (n == -1)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		if (c->state != LINGERING)
			c->inlen += (size_t)n;
	}
}

/*
 * One event on C.  Returns 0 to keep the connection, -1 to drop it.  The
 * order matters: a complete answer either waits for the next request (the
 * rest of C->in may already hold it: pipelining) or, when it was the last,
 * half-closes and lingers; closing at once with unread request bytes would
 * make the kernel send a reset that can destroy the answer in flight.
 */
static int
on_event(struct conn *c, short revents, const char *root, int timeout_ms)
{
	if (c->state == READING || c->state == LINGERING) {
		if (revents & (POLLIN | POLLHUP | POLLERR))
			if (read_some(c) == -1)
				return -1;
		if (c->state == LINGERING)
			return 0;
		if (try_request(c, root, timeout_ms) == -1)
			return -1;
		if (c->state == READING && c->eof)
			return -1;	/* a partial request and then EOF: nothing to answer */
	} else if (revents & (POLLHUP | POLLERR) && !(revents & POLLOUT)) {
		return -1;
	}
	while (c->state == WRITING) {
		size_t before = c->outoff;
		off_t left = c->left;
		int rc = send_some(c);

		if (rc == -1)
			return -1;
		if (rc == 1) {
			if (c->outoff != before || c->left != left)
				c->deadline = now_ms() + timeout_ms;
			return 0;
		}
		if (c->file != -1) {
			close(c->file);
			c->file = -1;
		}
		c->served++;
		if (c->close_after || (c->eof && head_end(c) == 0)) {
			shutdown(c->fd, SHUT_WR);
			c->state = LINGERING;
			c->deadline = now_ms() + (timeout_ms < LINGER_MS ? timeout_ms : LINGER_MS);
			return 0;
		}
		c->state = READING;
		c->deadline = now_ms() + timeout_ms;
		if (try_request(c, root, timeout_ms) == -1)
			return -1;
	}
	return 0;
}

static int
accept_one(int lfd, struct conn **conns, int *nconns, int timeout_ms)
{
	const int on = 1;
	struct conn *c;
	int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd == -1)
		return -1;
	c = malloc(sizeof *c);
	if (c == NULL) {
		close(cfd);
		errno = ENOMEM;
		return -1;
	}
	/* Every answer is queued whole before it is sent: no small writes for Nagle to wait on. */
	(void)setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	c->fd = cfd;
	c->state = READING;
	c->inlen = 0;
	c->out = NULL;
	c->outlen = c->outoff = 0;
	c->file = -1;
	c->left = 0;
	c->close_after = 0;
	c->eof = 0;
	c->served = 0;
	c->deadline = now_ms() + timeout_ms;
	conns[(*nconns)++] = c;
	return 0;
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

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-a] [-d DIR] [-t SECONDS] PORT   (PORT a decimal number 0..65535)\n",
	    prog);
	exit(EX_USAGE);
}

int
main(int argc, char *argv[])
{
	static struct conn *conns[MAX_CLIENTS];
	struct pollfd fds[MAX_CLIENTS + 2];
	const char *dir = ".", *failed;
	char root[PATH_MAX];
	int lfd[2], nlfd, nconns = 0, all = 0, timeout_ms = 10000, seconds, opt;
	int64_t paused_until = 0;
	sigset_t waitmask;
	struct stat st;
	uint16_t port;

	while ((opt = getopt(argc, argv, "ad:t:")) != -1) {
		switch (opt) {
		case 'a':
			all = 1;
			break;
		case 'd':
			dir = optarg;
			break;
		case 't':
			if (parse_seconds(optarg, 3600, &seconds) == -1) {
				fprintf(stderr, "%s: -t takes whole seconds, 1..3600, not '%s'\n", argv[0], optarg);
				usage(argv[0]);
			}
			timeout_ms = seconds * 1000;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (argc - optind != 1 || parse_port(argv[optind], &port) == -1)
		usage(argv[0]);
	/* Every served path is compared with the real path of DIR: symlinks resolved once here. */
	if (realpath(dir, root) == NULL)
		err(EX_NOINPUT, "%s", dir);
	if (stat(root, &st) == -1 || !S_ISDIR(st.st_mode))
		errx(EX_NOINPUT, "%s: not a directory", dir);
	if (access(root, R_OK | X_OK) == -1)
		err(EX_NOINPUT, "%s", dir);
	if (strcmp(root, "/") == 0)
		root[0] = '\0';		/* "/" + "/path" must not become "//path" */

	if (catch_signals(&waitmask) == -1)
		err(EX_OSERR, "sigaction");
	nlfd = open_servers(port, all, lfd, &failed);
	if (nlfd == -1)
		err(EX_OSERR, "%s port %u", failed, port);
	fprintf(stderr, "listening on port %u\n", bound_port(lfd[0]));

	while (!stop_requested) {
		int64_t now = now_ms(), wait = -1;
		int nfds = 0, ready, listening = nconns < MAX_CLIENTS && now >= paused_until;
		struct timespec ts, *tsp = NULL;

		if (listening)
			for (int i = 0; i < nlfd; i++)
				fds[nfds++] = (struct pollfd){ .fd = lfd[i], .events = POLLIN };
		else if (nconns < MAX_CLIENTS)
			wait = paused_until - now;
		for (int i = 0; i < nconns; i++) {
			struct conn *c = conns[i];

			fds[nfds++] = (struct pollfd){
				.fd = c->fd,
				/* While answering, no more is read: a pipelining client waits, memory stays bounded. */
				.events = c->state == WRITING ? POLLOUT : POLLIN,
			};
			if (wait == -1 || c->deadline - now < wait)
				wait = c->deadline - now < 0 ? 0 : c->deadline - now;
		}
		if (wait >= 0) {
			ts.tv_sec = (time_t)(wait / 1000);
			ts.tv_nsec = (long)(wait % 1000) * 1000000;
			tsp = &ts;
		}
		ready = ppoll(fds, (nfds_t)nfds, tsp, &waitmask);
		if (ready == -1) {
			if (errno == EINTR)
				continue;
			err(EX_OSERR, "ppoll");
		}
		now = now_ms();
		/* Clients first (their entries follow the listeners'), so that new ones are not visited. */
		for (int i = nconns - 1, k = nfds - 1; i >= 0; i--, k--) {
			struct conn *c = conns[i];

			/* An event first: it may move the deadline (progress on an answer). */
			if (fds[k].revents != 0 && on_event(c, fds[k].revents, root, timeout_ms) == -1)
				;
			else if (c->deadline > now)
				continue;
			drop(c);
			conns[i] = conns[--nconns];
		}
		if (listening) {
			for (int i = 0; i < nlfd; i++) {
				if (!(fds[i].revents & POLLIN))
					continue;
				while (nconns < MAX_CLIENTS) {
					if (accept_one(lfd[i], conns, &nconns, timeout_ms) == 0)
						continue;
					if (errno == EMFILE || errno == ENFILE || errno == ENOMEM ||
					    errno == ENOBUFS) {
						/* Out of descriptors: wait for clients to leave, not spin. */
						paused_until = now + 100;
						warn("accept");
					}
					break;
				}
			}
		}
	}
	for (int i = 0; i < nconns; i++)
		drop(conns[i]);
	for (int i = 0; i < nlfd; i++)
		close(lfd[i]);
	return EX_OK;
}
