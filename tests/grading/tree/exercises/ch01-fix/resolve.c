/* resolve - print the first address getaddrinfo gives for HOST, numerically.
 *
 * usage: resolve HOST
 * exit:  0, 64 (EX_USAGE), 68 (EX_NOHOST) */
#define _POSIX_C_SOURCE 200809L
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sysexits.h>

int
main(int argc, char *argv[])
{
	struct addrinfo hints = {0}, *res;
	char host[INET6_ADDRSTRLEN];
	int err;

	if (argc != 2) {
		fputs("usage: resolve HOST\n", stderr);
		return EX_USAGE;
	}
	hints.ai_flags = AI_NUMERICHOST;
	hints.ai_socktype = SOCK_STREAM;
	if ((err = getaddrinfo(argv[1], NULL, &hints, &res)) != 0) {
		fprintf(stderr, "resolve: %s: %s\n", argv[1], gai_strerror(err));
		return EX_NOHOST;
	}
	err = getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof host, NULL, 0, NI_NUMERICHOST);
	freeaddrinfo(res);
	if (err != 0) {
		fprintf(stderr, "resolve: getnameinfo: %s\n", gai_strerror(err));
		return EX_SOFTWARE;
	}
	puts(host);
	return 0;
}
