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
