# errata: Reverse DNS Lookup: every failure is "unavailable"; scoped addresses are rejected; the length is wrong
# breaks: parses the address with inet_pton first, as the text does, and refuses what it cannot parse (a scope)
# caught-by: accepts a scoped IPv6 literal
s/^#include <netdb.h>$/#include <arpa\/inet.h>\n&\n#include <string.h>/
s/^\trc = getaddrinfo(argv\[1\], NULL, &hints, &res);$/\tif (inet_pton(strchr(argv[1], ':') != NULL ? AF_INET6 : AF_INET, argv[1], (unsigned char[16]){0}) != 1)\n\t\terrx(EX_USAGE, "%s: not an IPv4 or IPv6 address", argv[1]);\n&/
