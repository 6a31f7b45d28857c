/*
 * short_io.so - an LD_PRELOAD library that makes every send, sendto and write on a
 * socket move at most SHORT_IO_MAX bytes (default 1000), as the kernel may at any
 * time: a signal mid-call, a non-blocking socket with a nearly full buffer, or a
 * message larger than the socket buffer.  A program that sends once and assumes the
 * whole buffer went is caught at once; one that loops on the count is unaffected.
 * Built by tests/lib/short_io.bash, for the tests only.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static size_t
cap(int fd, size_t len)
{
	static size_t max;
	struct stat st;

	if (max == 0) {
		const char *e = getenv("SHORT_IO_MAX");
		unsigned long v = e != NULL ? strtoul(e, NULL, 10) : 0;

		max = v > 0 ? v : 1000;
	}
	if (len <= max || fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode))
		return len;
	return max;
}

ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
	static ssize_t (*real)(int, const void *, size_t, int);

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "send");
	return real(fd, buf, cap(fd, len), flags);
}

ssize_t
sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)
{
	static ssize_t (*real)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	int type = 0;
	socklen_t tl = sizeof type;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "sendto");
	/* A datagram cannot be cut: only stream sockets are shortened. */
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type != SOCK_STREAM)
		return real(fd, buf, len, flags, to, tolen);
	return real(fd, buf, cap(fd, len), flags, to, tolen);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	static ssize_t (*real)(int, const void *, size_t);
	int type = 0;
	socklen_t tl = sizeof type;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "write");
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type != SOCK_STREAM)
		return real(fd, buf, len);
	return real(fd, buf, cap(fd, len));
}
