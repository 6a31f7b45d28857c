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
