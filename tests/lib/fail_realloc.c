/*
 * fail_realloc.so - LD_PRELOAD it to make every realloc of NETPROG_REALLOC_MAX
 * bytes or more fail with ENOMEM, as it would in a process out of memory: a
 * server's growing tables then meet their first failure at a known size.
 *   cc -shared -fPIC -o fail_realloc.so fail_realloc.c
 */
#include <errno.h>
#include <stdlib.h>

extern void *__libc_realloc(void *, size_t);

void *
realloc(void *ptr, size_t size)
{
	const char *max = getenv("NETPROG_REALLOC_MAX");

	if (max != NULL && size >= strtoul(max, NULL, 10)) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(ptr, size);
}
