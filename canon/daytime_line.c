/*
 * RFC 867 leaves the format open and asks for one line of printable ASCII.
 * This is the date of e-mail (RFC 5322) in local time:
 * "Wed, 25 Nov 2026 10:45:25 +0000".  The numeric zone makes the line one
 * instant for every reader, where a name ("PST") can be ambiguous and no
 * zone at all is meaningless to a client elsewhere; `date -d` and mail
 * libraries read it back.  The names are English because the program never
 * calls setlocale: it runs in the "C" locale whatever LANG says.  Writes
 * the line with its CR LF (not a C string) and returns its length, or 0.
 */
static size_t
daytime_line(char *buf, size_t size)
{
	struct tm tm;
	time_t now = time(NULL);
	size_t len;

	if (size < 3 || now == (time_t)-1 || localtime_r(&now, &tm) == NULL)
		return 0;
	len = strftime(buf, size - 2, "%a, %d %b %Y %H:%M:%S %z", &tm);
	if (len == 0)
		return 0;
	buf[len++] = '\r';	/* Internet text lines end in CR LF */
	buf[len++] = '\n';
	return len;
}
