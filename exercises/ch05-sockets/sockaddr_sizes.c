/*
 * sockaddr_sizes - print the size in bytes of each socket address structure.
 *
 * usage: sockaddr_sizes
 * out:   one line per structure, NAME<TAB>BYTES, in this order:
 *          sockaddr, sockaddr_in, sockaddr_in6, sockaddr_un, sockaddr_ll, sockaddr_storage
 *        (on Linux: 16, 16, 28, 110, 20, 128)
 * exit:  0 ok, 64 usage, 74 stdout
 * try:   ./sockaddr_sizes
 * text:  chapter 5, "Exercises", exercise 4
 */
#define _GNU_SOURCE	/* struct sockaddr_un and struct sockaddr_ll are not in C17 */
#include <err.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>

/*
 * There is no variable to take sizeof of here: the types are the subject.
 * Why the numbers differ: sockaddr_in pads to 16 (sin_zero) so that it is
 * as big as the generic sockaddr; sockaddr_in6 needs 28 for its 16-byte
 * address, flow label and scope id, so a plain sockaddr cannot hold it;
 * sockaddr_un carries a 108-byte path; sockaddr_storage is big enough and
 * aligned enough for every family, which is why servers accept into one.
 */
static const struct {
	const char *name;
	size_t size;
} sizes[] = {
	{ "sockaddr", sizeof (struct sockaddr) },
	{ "sockaddr_in", sizeof (struct sockaddr_in) },
	{ "sockaddr_in6", sizeof (struct sockaddr_in6) },
	{ "sockaddr_un", sizeof (struct sockaddr_un) },
	{ "sockaddr_ll", sizeof (struct sockaddr_ll) },
	{ "sockaddr_storage", sizeof (struct sockaddr_storage) },
};

int
main(int argc, char *argv[])
{
	/*
	 * A reader that has gone (sockaddr_sizes | head -1) makes a write to stdout fail
	 * with EPIPE, which is reported (74), instead of killing us without a word.
	 */
	signal(SIGPIPE, SIG_IGN);

	if (argc != 1) {
		fprintf(stderr, "usage: %s\n", argv[0]);
		return EX_USAGE;
	}
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		printf("%s\t%zu\n", sizes[i].name, sizes[i].size);

	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return EX_OK;
}
