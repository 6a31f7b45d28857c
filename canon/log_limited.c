/*
 * Lines that a remote peer can cause at will (an ignored datagram, a refused
 * connection, a reset) must not let it fill the disk or drown the other
 * messages: at most one line per LOG_INTERVAL_MS for each struct log_limit,
 * the lines held back in between counted and reported with the next one
 * ("... (and 1999 more since the last)").  Needs now_ms.
 */
#define LOG_INTERVAL_MS 1000

struct log_limit {
	long long last_ms;	/* when the last line was written; 0: never */
	unsigned long held;	/* lines held back since */
};

static void __attribute__((format(printf, 2, 3)))
warnx_limited(struct log_limit *limit, const char *fmt, ...)
{
	long long now = now_ms();
	char line[512];
	va_list ap;

	if (limit->last_ms != 0 && now - limit->last_ms < LOG_INTERVAL_MS) {
		limit->held++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (limit->held > 0)
		warnx("%s (and %lu more since the last)", line, limit->held);
	else
		warnx("%s", line);
	limit->last_ms = now;
	limit->held = 0;
}
