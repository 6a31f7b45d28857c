/*
 * tests/lib/no_inet6.c - an LD_PRELOAD library for the tests: socket(AF_INET6, ...)
 * fails with EAFNOSUPPORT, as on a kernel built or booted without IPv6
 * (ipv6.disable=1), where no namespace or sysctl can make that happen for
 * one process.  Every other socket is the real one.  Built by the helper's
 * without_inet6.
 */
#define _GNU_SOURCE	/* RTLD_NEXT */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>

int
socket(int domain, int type, int protocol)
{
	static int (*real_socket)(int, int, int);

	if (domain == AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (real_socket == NULL) {
		/* POSIX allows the object-to-function pointer conversion dlsym needs. */
		*(void **)&real_socket = dlsym(RTLD_NEXT, "socket");
		if (real_socket == NULL) {
			errno = ENOSYS;
			return -1;
		}
	}
	return real_socket(domain, type, protocol);
}
