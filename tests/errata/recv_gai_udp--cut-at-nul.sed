# errata: UDP Server: datagrams are cut at the first NUL and silently truncated
# breaks: prints the datagram as a C string (stops at its first NUL byte)
# caught-by: NUL bytes arrives intact
s/fwrite(buf, 1, shown, stdout);/printf("%.*s", (int)shown, buf);/
