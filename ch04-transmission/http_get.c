/*
 * http_get - fetch one URL with HTTP/1.1, as the Netcat Lab does by hand.
 *
 * usage: http_get [-v] [-I] [-t SECONDS] URL
 *        URL is http://HOST[:PORT][/PATH] (an IPv6 address in brackets:
 *        http://[::1]:8080/).  Sends GET (-I: HEAD) with Host and
 *        Connection: close, reads the status line and headers, and writes the
 *        body to stdout, framed as the answer says: chunked transfer coding
 *        (trailers read and dropped), Content-Length, or the connection's close.
 *        Interim 1xx answers (100 Continue) are skipped.  -I writes the answer's
 *        head to stdout instead; -v shows both heads on stderr ("> " sent,
 *        "< " received).  Redirects are not followed.  Every wait for the server
 *        is bounded by SECONDS (default 30).  Every address of HOST is tried.
 * exit:  0 a 2xx answer, 1 any other final status (3xx, 4xx, 5xx: the body is
 *        still written), 64 usage (a URL that is not http://...), 68 HOST unknown,
 *        69 no address accepted a connection, 71 system error, 74 I/O error
 *        (also a full stdout), 75 timeout or temporary name-service failure,
 *        76 the answer broke HTTP (bad status line or header, a body shorter
 *        than its Content-Length, bad chunk sizes, a head over 64 KiB)
 * try:   ./ch04-transmission/http_serve 8080 &     then:  ./ch04-transmission/http_get -v http://[::1]:8080/
 * text:  chapter 4, "HTTP Protocol" (and the Netcat Lab)
 */
#define _GNU_SOURCE	/* getaddrinfo, MSG_NOSIGNAL, strcasecmp and EAI_NODATA are not in C17 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sysexits.h>
#include <unistd.h>

#define LINE_MAX_LEN	8192	/* one header line */
#define HEAD_MAX	65536	/* a whole head */

/* Why reading the answer stopped: each maps to one exit status in main. */
enum failure { OK, IO, TIMEOUT, PROTOCOL, OUTPUT };

struct reader {
	int fd;
	char buf[65536];
	size_t pos, len;
	enum failure why;	/* set when a call returns -1 */
	const char *what;	/* and what was wrong, for the message */
};

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

/*
 * Connects to the first address of LIST that accepts, with TV as each
 * socket's SO_RCVTIMEO and SO_SNDTIMEO, so that every wait for the server is
 * bounded, connect's too (Linux applies SO_SNDTIMEO to a blocking connect):
 * the canon connect_any sets no timeout, hence another name.  Returns the
 * socket, or -1 with errno, *failed and WHERE describing the last address's
 * failure.
 */
static int
connect_any_timed(const struct addrinfo *list, const struct timeval *tv, const char **failed,
    char *where, size_t wherelen)
{
	int saved = 0;

	for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		int cfd;

		*failed = "socket";
		cfd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (cfd != -1) {
			*failed = "connect";
			if (setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, tv, sizeof *tv) == 0 &&
			    setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, tv, sizeof *tv) == 0 &&
			    connect(cfd, ai->ai_addr, ai->ai_addrlen) == 0)
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

/* Refills R's buffer.  Returns the bytes read, 0 at EOF, -1 with R->why set. */
static ssize_t
fill(struct reader *r)
{
	for (;;) {
		ssize_t n = recv(r->fd, r->buf, sizeof r->buf, 0);

		if (n >= 0) {
			r->pos = 0;
			r->len = (size_t)n;
			return n;
		}
		if (errno == EINTR)
			continue;
		/* SO_RCVTIMEO expired: the server said nothing for SECONDS. */
		r->why = errno == EAGAIN || errno == EWOULDBLOCK ? TIMEOUT : IO;
		r->what = strerror(errno);
		return -1;
	}
}

/*
 * One line of a head into LINE (at most LINE_MAX_LEN bytes), without its LF or
 * CRLF.  *budget is what the whole head may still take.  Returns its length,
 * or -1 with R->why set (an EOF in the middle of a head is a protocol error).
 */
static ssize_t
read_line(struct reader *r, char *line, size_t *budget)
{
	size_t n = 0;

	for (;;) {
		char ch;

		if (r->pos == r->len) {
			ssize_t got = fill(r);

			if (got == -1)
				return -1;
			if (got == 0) {
				r->why = PROTOCOL;
				r->what = "the connection closed in the middle of a head";
				return -1;
			}
		}
		ch = r->buf[r->pos++];
		if (ch == '\n')
			break;
		if (n == LINE_MAX_LEN || n == *budget) {
			r->why = PROTOCOL;
			r->what = n == *budget ? "the head is longer than 64 KiB" :
			    "a head line is longer than 8 KiB";
			return -1;
		}
		line[n++] = ch;
	}
	*budget -= n;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	return (ssize_t)n;
}

/* The next LEN bytes of the body, or all of it up to EOF when LEN is -1, to OUT. */
static int
copy_body(struct reader *r, long long len, int out)
{
	while (len != 0) {
		size_t take;

		if (r->pos == r->len) {
			ssize_t got = fill(r);

			if (got == -1)
				return -1;
			if (got == 0) {
				if (len < 0)
					return 0;
				r->why = PROTOCOL;
				r->what = "the connection closed before the body was complete";
				return -1;
			}
		}
		take = r->len - r->pos;
		if (len >= 0 && (unsigned long long)len < take)
			take = (size_t)len;
		if (write_all(out, r->buf + r->pos, take) == -1) {
			r->why = OUTPUT;
			r->what = strerror(errno);
			return -1;
		}
		r->pos += take;
		if (len > 0)
			len -= (long long)take;
	}
	return 0;
}

static int
protocol(struct reader *r, const char *what)
{
	r->why = PROTOCOL;
	r->what = what;
	return -1;
}

/*
 * A chunked body (RFC 9112, 7.1): hex size lines, each chunk followed by CRLF,
 * a last chunk of size 0, then trailer lines up to an empty one.  Chunk
 * extensions (";name=value") are ignored.
 */
static int
copy_chunked(struct reader *r, int out)
{
	char line[LINE_MAX_LEN + 1];
	size_t budget = HEAD_MAX;

	for (;;) {
		unsigned long long size = 0;
		size_t i = 0;

		budget = HEAD_MAX;
		if (read_line(r, line, &budget) == -1)
			return -1;
		if (!isxdigit((unsigned char)line[0]))
			return protocol(r, "a chunk size is not a hexadecimal number");
		for (; isxdigit((unsigned char)line[i]); i++) {
			int d = isdigit((unsigned char)line[i]) ? line[i] - '0' :
			    tolower((unsigned char)line[i]) - 'a' + 10;

			if (size > (0x7fffffffffffffffULL - (unsigned)d) / 16)
				return protocol(r, "a chunk size is too large");
			size = size * 16 + (unsigned)d;
		}
		while (line[i] == ' ' || line[i] == '\t')
			i++;
		if (line[i] != '\0' && line[i] != ';')
			return protocol(r, "a chunk size line has junk after the number");
		if (size == 0)
			break;
		if (copy_body(r, (long long)size, out) == -1)
			return -1;
		if (read_line(r, line, &budget) == -1)
			return -1;
		if (line[0] != '\0')
			return protocol(r, "a chunk is longer than its size says");
	}
	/* Trailers: read and dropped, as a client that asked for none may do. */
	budget = HEAD_MAX;
	for (;;) {
		ssize_t n = read_line(r, line, &budget);

		if (n == -1)
			return -1;
		if (n == 0)
			return 0;
	}
}

/* The framing of the body as the head says it. */
struct head {
	int status;
	int chunked;		/* Transfer-Encoding ends in chunked */
	int other_coding;	/* Transfer-Encoding without chunked: the body ends at close */
	long long length;	/* Content-Length, or -1 */
};

static int
is_tchar(int ch)
{
	return isalnum(ch) || (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/*
 * Reads one head: status line and header lines.  Shows each line on stderr
 * with VERBOSE, on stdout with SHOW.  Returns 0 with H filled, or -1 with
 * R->why set.
 */
static int
read_head(struct reader *r, struct head *h, int verbose, int show)
{
	/* Zeroed: read_line ends it with a NUL, but clang-analyzer cannot see that. */
	char line[LINE_MAX_LEN + 1] = { 0 };
	size_t budget = HEAD_MAX;
	ssize_t n;

	h->chunked = h->other_coding = 0;
	h->length = -1;
	n = read_line(r, line, &budget);
	if (n == -1)
		return -1;
	/* HTTP/1.x SP 3DIGIT [SP reason] */
	if (strncmp(line, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)line[7]) || line[8] != ' ' ||
	    !isdigit((unsigned char)line[9]) || !isdigit((unsigned char)line[10]) ||
	    !isdigit((unsigned char)line[11]) || (line[12] != ' ' && line[12] != '\0') ||
	    line[9] == '0')
		return protocol(r, "the status line is not HTTP/1.x NNN");
	h->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
	if (verbose)
		fprintf(stderr, "< %s\n", line);
	if (show)
		printf("%s\r\n", line);
	for (;;) {
		char *colon, *value, *end;

		n = read_line(r, line, &budget);
		if (n == -1)
			return -1;
		if (verbose)
			fprintf(stderr, "< %s\n", line);
		if (show)
			printf("%s\r\n", line);
		if (n == 0)
			break;
		colon = strchr(line, ':');
		if (colon == NULL || colon == line)
			return protocol(r, "a header line has no name and colon");
		for (const char *p = line; p < colon; p++)
			if (!is_tchar((unsigned char)*p))
				return protocol(r, "a header name holds a character names may not");
		*colon = '\0';
		for (value = colon + 1; *value == ' ' || *value == '\t'; value++)
			;
		end = value + strlen(value);
		while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (strcasecmp(line, "Content-Length") == 0) {
			char *stop;
			long long len;

			/* Two different lengths cannot both be true: RFC 9112, 6.3 says treat it as an error. */
			if (!isdigit((unsigned char)value[0]))
				return protocol(r, "Content-Length is not a number");
			errno = 0;
			len = strtoll(value, &stop, 10);
			if (errno != 0 || *stop != '\0')
				return protocol(r, "Content-Length is not a number");
			if (h->length != -1 && h->length != len)
				return protocol(r, "two different Content-Length headers");
			h->length = len;
		} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
			size_t vlen = strlen(value);

			/* Only a final "chunked" frames the body; anything else ends at close. */
			if (vlen >= 7 && strcasecmp(value + vlen - 7, "chunked") == 0 &&
			    (vlen == 7 || value[vlen - 8] == ' ' || value[vlen - 8] == ',')) {
				h->chunked = 1;
				h->other_coding = 0;
			} else {
				h->chunked = 0;
				h->other_coding = 1;
			}
		}
	}
	return 0;
}

/*
 * Splits URL into HOST (brackets removed), PORT and PATH.  Returns 0, or -1
 * with *why saying what is wrong.
 */
static int
parse_url(const char *url, char *host, size_t hostlen, char *port, size_t portlen,
    const char **path, const char **why)
{
	const char *auth, *end, *hend, *colon = NULL;
	uint16_t num;

	if (strncasecmp(url, "http://", 7) != 0) {
		*why = strncasecmp(url, "https://", 8) == 0 ? "https needs TLS, which this client does not speak" :
		    "the URL does not start with http://";
		return -1;
	}
	auth = url + 7;
	end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(end - auth)) != NULL) {
		*why = "user names in URLs are not supported";
		return -1;
	}
	if (*auth == '[') {
		hend = memchr(auth, ']', (size_t)(end - auth));
		if (hend == NULL) {
			*why = "an IPv6 address without its closing bracket";
			return -1;
		}
		if (hend + 1 < end) {
			if (hend[1] != ':') {
				*why = "junk after the IPv6 address";
				return -1;
			}
			colon = hend + 1;
		}
		auth++;
	} else {
		colon = memchr(auth, ':', (size_t)(end - auth));
		hend = colon != NULL ? colon : end;
	}
	if (hend == auth || (size_t)(hend - auth) >= hostlen) {
		*why = hend == auth ? "no host in the URL" : "the host name is too long";
		return -1;
	}
	memcpy(host, auth, (size_t)(hend - auth));
	host[hend - auth] = '\0';
	if (colon != NULL) {
		size_t plen = (size_t)(end - colon - 1);

		if (plen == 0 || plen >= portlen) {
			*why = "the port is not a decimal number 0..65535";
			return -1;
		}
		memcpy(port, colon + 1, plen);
		port[plen] = '\0';
		if (parse_port(port, &num) == -1) {
			*why = "the port is not a decimal number 0..65535";
			return -1;
		}
	} else {
		snprintf(port, portlen, "80");
	}
	*path = *end == '\0' ? "/" : end;
	for (const char *p = *path; *p != '\0'; p++) {
		/* A space or a control character would end the request line early. */
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			*why = "the path holds a space or a control character (encode it as %20)";
			return -1;
		}
	}
	return 0;
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-v] [-I] [-t SECONDS] URL   (URL http://HOST[:PORT][/PATH])\n", prog);
	exit(EX_USAGE);
}

int
main(int argc, char *argv[])
{
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	static struct reader r;
	struct addrinfo *list;
	struct head h;
	struct timeval tv = { .tv_sec = 30 };
	char host[256], port[8], where[NI_MAXHOST] = "", *request;
	const char *path, *why, *failed = "connect";
	int verbose = 0, head_only = 0, opt, rc, cfd, status, seconds;
	size_t reqlen;

	/* A reader of the body that goes away (http_get URL | head -1) is an EPIPE on the
	 * write, reported as 74, not a silent death by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	while ((opt = getopt(argc, argv, "vIt:")) != -1) {
		switch (opt) {
		case 'v':
			verbose = 1;
			break;
		case 'I':
			head_only = 1;
			break;
		case 't':
			if (parse_seconds(optarg, 3600, &seconds) == -1) {
				fprintf(stderr, "%s: -t takes whole seconds, 1..3600, not '%s'\n", argv[0], optarg);
				usage(argv[0]);
			}
			tv.tv_sec = seconds;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (argc - optind != 1)
		usage(argv[0]);
	/* With stdout closed the socket would become descriptor 1 and get the body. */
	if (fcntl(STDOUT_FILENO, F_GETFD) == -1)
		errx(EX_IOERR, "stdout is closed");
	if (parse_url(argv[optind], host, sizeof host, port, sizeof port, &path, &why) == -1) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[optind], why);
		usage(argv[0]);
	}

	rc = getaddrinfo(host, port, &hints, &list);
	if (rc == EAI_SYSTEM)
		err(EX_OSERR, "getaddrinfo %s", host);
	if (rc != 0)
		errx(gai_exit_status(rc), "%s: %s", host, gai_strerror(rc));
	cfd = connect_any_timed(list, &tv, &failed, where, sizeof where);
	freeaddrinfo(list);
	if (cfd == -1) {
		if (errno == EINPROGRESS || errno == EAGAIN)
			errx(EX_TEMPFAIL, "%s %s port %s: no answer within %lds", failed, where, port,
			    (long)tv.tv_sec);
		err(EX_UNAVAILABLE, "%s %s port %s", failed, where, port);
	}

	/*
	 * Host is what the URL named (brackets again for an IPv6 literal), with the
	 * port unless it is the default: a server with many names picks by it.
	 */
	{
		int n = snprintf(NULL, 0, "%s %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\n"
		    "User-Agent: http_get\r\nAccept: */*\r\nConnection: close\r\n\r\n",
		    head_only ? "HEAD" : "GET", path, strchr(host, ':') ? "[" : "", host,
		    strchr(host, ':') ? "]" : "", strcmp(port, "80") ? ":" : "", strcmp(port, "80") ? port : "");

		request = malloc((size_t)n + 1);
		if (request == NULL)
			err(EX_OSERR, "malloc");
		snprintf(request, (size_t)n + 1, "%s %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\n"
		    "User-Agent: http_get\r\nAccept: */*\r\nConnection: close\r\n\r\n",
		    head_only ? "HEAD" : "GET", path, strchr(host, ':') ? "[" : "", host,
		    strchr(host, ':') ? "]" : "", strcmp(port, "80") ? ":" : "", strcmp(port, "80") ? port : "");
		reqlen = (size_t)n;
	}
	if (verbose) {
		for (char *line = request, *eol; (eol = strstr(line, "\r\n")) != NULL && eol != line; line = eol + 2)
			fprintf(stderr, "> %.*s\n", (int)(eol - line), line);
		fprintf(stderr, ">\n");
	}
	if (send_all(cfd, request, reqlen) == -1) {
		warn("send");
		free(request);
		close(cfd);
		return errno == EAGAIN ? EX_TEMPFAIL : EX_IOERR;
	}
	free(request);

	r.fd = cfd;
	r.why = OK;
	/* Interim answers (1xx) come before the real one; 101 would switch protocols we never asked for. */
	do {
		rc = read_head(&r, &h, verbose, head_only);
		if (rc == 0 && h.status == 101)
			rc = protocol(&r, "101 Switching Protocols was never asked for");
	} while (rc == 0 && h.status < 200);

	if (rc == 0 && !head_only && h.status != 204 && h.status != 304) {
		fflush(stdout);
		if (h.chunked)
			rc = copy_chunked(&r, STDOUT_FILENO);
		else if (h.length >= 0 && !h.other_coding)
			rc = copy_body(&r, h.length, STDOUT_FILENO);
		else
			rc = copy_body(&r, -1, STDOUT_FILENO);
	}
	close(cfd);
	if (rc == -1) {
		switch (r.why) {
		case TIMEOUT:
			errx(EX_TEMPFAIL, "%s port %s: no data for %lds", host, port, (long)tv.tv_sec);
		case PROTOCOL:
			errx(EX_PROTOCOL, "%s port %s: %s", host, port, r.what);
		case OUTPUT:
			errx(EX_IOERR, "stdout: %s", r.what);
		default:
			errx(EX_IOERR, "recv from %s port %s: %s", host, port, r.what);
		}
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	status = h.status >= 200 && h.status < 300 ? EX_OK : 1;
	return status;
}
