/*
 * tests/lib/utmp_path.c - LD_PRELOAD library for tests: the utmp a program reads is the
 * file $NETPROG_UTMP, not the system's.
 *
 * Where no mount namespace can put a private file over /run/utmp (a container, an ordinary
 * user without user namespaces), the finger_tcp suite runs the server with this library
 * and libnss_wrapper (its private passwd).  glibc's getutxent and friends open the file
 * through internal calls that no preload sees, but they open whatever utmpname named last:
 * so the name is set before main, and a later utmpname/utmpxname of the system's file (or
 * an open/fopen of it, for a program that parses the file itself) is sent to ours.
 * Built by tests/lib/finger_tcp.bash: cc -shared -fPIC -o utmp_path.so utmp_path.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <utmp.h>
#include <utmpx.h>

static const char *redirect(const char *path)
{
	const char *to = getenv("NETPROG_UTMP");

	if (to == NULL || *to == '\0' || path == NULL)
		return path;
	if (strcmp(path, "/var/run/utmp") == 0 || strcmp(path, "/run/utmp") == 0 ||
	    strcmp(path, "/var/run/utmpx") == 0 || strcmp(path, "/run/utmpx") == 0 ||
	    strcmp(path, _PATH_UTMP) == 0)
		return to;
	return path;
}

static void *next(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

__attribute__((constructor)) static void utmp_path_init(void)
{
	const char *to = getenv("NETPROG_UTMP");
	int (*real)(const char *) = (int (*)(const char *))next("utmpname");

	if (to != NULL && *to != '\0' && real != NULL)
		real(to);
}

int utmpname(const char *file)
{
	int (*real)(const char *) = (int (*)(const char *))next("utmpname");

	return real(redirect(file));
}

int utmpxname(const char *file)
{
	int (*real)(const char *) = (int (*)(const char *))next("utmpxname");

	return real(redirect(file));
}

#define OPEN_LIKE(fn)                                                   \
	int fn(const char *path, int flags, ...)                        \
	{                                                               \
		int (*real)(const char *, int, ...) =                   \
			(int (*)(const char *, int, ...))next(#fn);     \
		mode_t mode = 0;                                        \
		if (flags & (O_CREAT | O_TMPFILE)) {                    \
			va_list ap;                                     \
			va_start(ap, flags);                            \
			mode = (mode_t)va_arg(ap, int);                 \
			va_end(ap);                                     \
		}                                                       \
		return real(redirect(path), flags, mode);               \
	}
OPEN_LIKE(open)
OPEN_LIKE(open64)

#define OPENAT_LIKE(fn)                                                      \
	int fn(int dir, const char *path, int flags, ...)                    \
	{                                                                    \
		int (*real)(int, const char *, int, ...) =                   \
			(int (*)(int, const char *, int, ...))next(#fn);     \
		mode_t mode = 0;                                             \
		if (flags & (O_CREAT | O_TMPFILE)) {                         \
			va_list ap;                                          \
			va_start(ap, flags);                                 \
			mode = (mode_t)va_arg(ap, int);                      \
			va_end(ap);                                          \
		}                                                            \
		return real(dir, redirect(path), flags, mode);               \
	}
OPENAT_LIKE(openat)
OPENAT_LIKE(openat64)

FILE *fopen(const char *path, const char *mode)
{
	FILE *(*real)(const char *, const char *) =
		(FILE * (*)(const char *, const char *)) next("fopen");

	return real(redirect(path), mode);
}

FILE *fopen64(const char *path, const char *mode)
{
	FILE *(*real)(const char *, const char *) =
		(FILE * (*)(const char *, const char *)) next("fopen64");

	return real(redirect(path), mode);
}
