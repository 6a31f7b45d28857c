/* hello - print "hello" and a newline.
 *
 * usage: hello
 * exit:  0, 64 (EX_USAGE) with any argument */
#include <stdio.h>
#include <sysexits.h>

int
main(int argc, char *argv[])
{
	(void)argv;
	if (argc != 1) {
		fputs("usage: hello\n", stderr);
		return EX_USAGE;
	}
	puts("hello");
	return 0;
}
