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
