/*
 * fill_fds.so - LD_PRELOAD it to start a program with its descriptor table
 * full: a constructor, which runs after the dynamic loader is done with its
 * own descriptors and before main, opens /dev/null until open fails with
 * EMFILE.  The program's first socket() then fails with EMFILE, as it would
 * in a process that has run out of descriptors.
 *   cc -shared -fPIC -o fill_fds.so fill_fds.c
 */
#include <fcntl.h>

static void __attribute__((constructor))
fill_fds(void)
{
	while (open("/dev/null", O_RDONLY) != -1)
		;
}
