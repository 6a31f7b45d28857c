/*
 * recurse_search - print a regular file under DIR whose contents contain STRING.
 *
 * usage: recurse_search [-j WORKERS] DIR STRING     (options only before DIR; -- before a DIR
 *        that starts with -)
 * out:   one line, printed once: the path of the first file found to contain STRING (bytes,
 *        case-sensitive, NULs and all), written as grep -rl writes it (DIR/sub/file); nothing
 *        when no file does.  Warnings on stderr name what could not be read.
 * exit:  0 found (at once: the other workers stop), 1 no file contains STRING, 2 none found
 *        but something could not be searched (as grep's 2: the "no" is not certain),
 *        64 usage (STRING empty, WORKERS not a number in 1..1024), 66 DIR cannot be opened as
 *        a directory, 71 threads, memory or descriptors ran out, 74 writing stdout failed
 * try:   ./recurse_search /usr/include EAI_ADDRFAMILY      and compare:  grep -rlF EAI_ADDRFAMILY /usr/include
 * text:  chapter 7, exercise 3
 *
 * WORKERS threads (default: the CPUs this process may run on) share a stack of directories
 * and files still to search.  Threads, not processes: the workers share the stack, a count of
 * the busy ones (the walk is over when the stack is empty and nobody is busy, since only a
 * busy worker can add to it) and the answer; with threads that is one mutex and one condition
 * variable, and stopping everybody is one flag that each worker looks at between reads.
 * Processes would need the stack in shared memory or a protocol over pipes, and signals to stop.
 *
 * What a naive walk gets wrong:
 * - STRING can straddle two read()s: the last len-1 bytes of each read are kept in front of
 *   the next one.  A STRING longer than the buffer grows the buffer.
 * - Files hold NULs: memmem, never the str* functions.
 * - Symbolic links are not followed (a link to "." would loop forever): entries are classified
 *   by d_type (fstatat without following when the file system does not fill it in), and opened
 *   with O_NOFOLLOW.  O_NOFOLLOW guards only the last component of a path, so before a job
 *   opens NAME in the directory PARENT, it checks that what PARENT's path led to is the very
 *   directory (device and inode, from fstat) that was read, and not one that a link swapped
 *   in meanwhile led elsewhere.  (openat2's RESOLVE_NO_SYMLINKS would say it in one call, but
 *   valgrind 3.19 does not know that system call yet.)
 * - A FIFO blocks open() until a writer comes, a device like /dev/zero never ends: only
 *   regular files are opened, with O_NONBLOCK, and fstat after open() checks that no FIFO was
 *   swapped in between readdir and open.
 * - The tree changes while it is walked: what vanished (ENOENT) or was replaced by a link or a
 *   file (ELOOP, ENOTDIR) is skipped silently; other errors are warnings, and the search goes on.
 * - A deep tree must not cost a descriptor per level: the stack holds paths relative to DIR,
 *   opened from DIR's descriptor, so a worker holds at most two directories and a file.  A
 *   path longer than PATH_MAX is opened a PATH_MAX-sized piece at a time.  A worker keeps one
 *   subdirectory of each directory it reads for itself and opens it from the parent's
 *   descriptor: a chain of N directories costs N opens, not N * N / 2 path lookups.
 * - A worker holds at most two descriptors at once (a directory, and a file or a subdirectory
 *   opened from it): the soft limit on descriptors is raised to the hard one, and when even
 *   that is too few for WORKERS workers, fewer run (with a note on stderr), rather than files
 *   being skipped with "Too many open files"; too few for one worker is an error (71).
 * - A closed pipe on stdout (recurse_search ... | head -0) is EPIPE, reported (74), not a
 *   death by SIGPIPE: SIGPIPE is ignored.
 * - Workers warn at the same time: each warning is written under stderr's lock, whole.
 */
#define _GNU_SOURCE	/* memmem, memrchr, sched_getaffinity, O_NOFOLLOW and O_DIRECTORY under -std=c17 */
#include <ctype.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#define MAX_WORKERS	1024
#define READ_SIZE	((size_t)256 * 1024)	/* large reads: few system calls per file */
#define EX_INCOMPLETE	2		/* grep's "error": nothing found, but not everything searched */
#define WORKER_FDS	2		/* a directory, and a file or a subdirectory opened from it */

struct job {
	struct job *next;
	bool is_dir;
	dev_t pdev;		/* the directory that holds it, as fstat saw it when it was read */
	ino_t pino;
	char rel[];		/* path below DIR, "" for DIR itself */
};

struct search {
	const char *dir;	/* as given, to print paths */
	int rootfd;
	const char *needle;
	size_t nlen;
	size_t rare_at;		/* the position in the needle of its rarest-looking byte */

	pthread_mutex_t lock;
	pthread_cond_t more;	/* a job was pushed, or the search is over */
	struct job *stack;	/* under lock */
	unsigned busy;		/* workers holding a job, under lock */
	bool printed;		/* under lock: the answer is printed once */
	int ioerr;		/* under lock: errno of the failed write to stdout, 0: none */

	atomic_uint idle;	/* workers waiting for a job: a hint to hand files out */
	atomic_bool stop;	/* found, or a fatal error: every worker returns */
	atomic_bool incomplete;	/* a warning was printed */
	atomic_bool oserr;	/* memory ran out */
};

/*
 * DIR joined with REL as the user sees it, as grep -r writes it: "tree/sub/file" for
 * DIR "tree", "tree/" or "tree//" (trailing slashes are one), "/sub/file" for "/".
 * NULL when memory ran out.
 */
static char *
display_path(const struct search *s, const char *rel)
{
	size_t dlen = strlen(s->dir), rlen = strlen(rel);
	bool slash;

	while (rlen > 0 && dlen > 1 && s->dir[dlen - 1] == '/' && s->dir[dlen - 2] == '/')
		dlen--;
	slash = rlen > 0 && dlen > 0 && s->dir[dlen - 1] != '/';
	char *path = malloc(dlen + slash + rlen + 1);

	if (path != NULL) {
		memcpy(path, s->dir, dlen);
		if (slash)
			path[dlen] = '/';
		memcpy(path + dlen + slash, rel, rlen + 1);
	}
	return path;
}

static void
set_stop(struct search *s)
{
	pthread_mutex_lock(&s->lock);
	atomic_store(&s->stop, true);
	pthread_cond_broadcast(&s->more);
	pthread_mutex_unlock(&s->lock);
}

/* warnx writes its prefix, message and newline apart: under stderr's lock, lines stay whole. */
static void
warn_whole(const char *fmt, const char *a, const char *b)
{
	flockfile(stderr);
	warnx(fmt, a, b);
	funlockfile(stderr);
}

static void
out_of_memory(struct search *s)
{
	warn_whole("%s%s", "out of memory", "");
	atomic_store(&s->oserr, true);
	set_stop(s);
}

/*
 * A file or directory that could not be read: say which, and remember that "not found"
 * is not certain.  What vanished or was replaced by a link while we walked is no error.
 */
static void
warn_path(struct search *s, const char *rel, int error)
{
	char *path;

	if (error == ENOENT || error == ENOTDIR || error == ELOOP)
		return;
	atomic_store(&s->incomplete, true);
	path = display_path(s, rel);
	if (path == NULL) {
		out_of_memory(s);
		return;
	}
	warn_whole("%s: %s", path, strerror(error));
	free(path);
}

/* The first worker to find STRING prints the path; later finders (at the same time) do not. */
static void
found(struct search *s, const char *rel)
{
	char *path = display_path(s, rel);

	if (path == NULL) {
		out_of_memory(s);
		return;
	}
	pthread_mutex_lock(&s->lock);
	if (!s->printed) {
		s->printed = true;
		/* Flushed now: the answer is out even before the other workers have stopped. */
		if (printf("%s\n", path) < 0 || fflush(stdout) == EOF)
			s->ioerr = errno != 0 ? errno : EIO;
	}
	atomic_store(&s->stop, true);
	pthread_cond_broadcast(&s->more);
	pthread_mutex_unlock(&s->lock);
	free(path);
}

/*
 * The directory PATH (LEN bytes, not NUL-terminated) below DIR; DIR's own descriptor when LEN
 * is 0.  A path longer than PATH_MAX is opened a piece at a time, each piece from the last.
 */
static int
open_dir_path(const struct search *s, const char *path, size_t len)
{
	char piece[PATH_MAX];
	int fd = s->rootfd;

	while (len > 0) {
		size_t n = len;
		int next, saved;

		if (n >= sizeof piece) {
			const char *cut = memrchr(path, '/', sizeof piece - 1);

			if (cut == NULL || cut == path) {
				if (fd != s->rootfd)
					close(fd);
				errno = ENAMETOOLONG;
				return -1;
			}
			n = (size_t)(cut - path);
		}
		memcpy(piece, path, n);
		piece[n] = '\0';
		next = openat(fd, piece, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		saved = errno;
		if (fd != s->rootfd)
			close(fd);
		errno = saved;
		if (next == -1)
			return -1;
		fd = next;
		path += n;
		len -= n;
		if (len > 0) {		/* the slash */
			path++;
			len--;
		}
	}
	return fd;
}

/*
 * A job's file or directory, opened from DIR without following a link: its parent must be
 * the directory it was found in (a link swapped in for a directory on the way leads
 * elsewhere: as good as vanished), and O_NOFOLLOW guards the last component.
 */
static int
open_job(const struct search *s, const struct job *job, int flags)
{
	const char *slash = strrchr(job->rel, '/');
	const char *name = slash != NULL ? slash + 1 : job->rel;
	struct stat st;
	int parent, fd, saved;

	flags |= O_NOFOLLOW | O_CLOEXEC;
	if (*job->rel == '\0')
		return openat(s->rootfd, ".", flags);
	parent = open_dir_path(s, job->rel, slash != NULL ? (size_t)(slash - job->rel) : 0);
	if (parent == -1)
		return -1;
	if (fstat(parent, &st) == -1) {
		fd = -1;
	} else if (st.st_dev != job->pdev || st.st_ino != job->pino) {
		fd = -1;
		errno = ENOENT;
	} else {
		fd = openat(parent, name, flags);
	}
	saved = errno;
	if (parent != s->rootfd)
		close(parent);
	errno = saved;
	return fd;
}

/* Pushes a job for REL, found in the directory PARENT (NULL for DIR itself); false: no memory. */
static bool
push(struct search *s, const char *rel, bool is_dir, const struct stat *parent)
{
	size_t len = strlen(rel) + 1;
	struct job *job = malloc(sizeof *job + len);

	if (job == NULL)
		return false;
	job->is_dir = is_dir;
	job->pdev = parent != NULL ? parent->st_dev : 0;
	job->pino = parent != NULL ? parent->st_ino : 0;
	memcpy(job->rel, rel, len);

	pthread_mutex_lock(&s->lock);
	job->next = s->stack;
	s->stack = job;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->lock);
	return true;
}

/*
 * How common a byte is in the files people search (text, mostly): spaces, lower-case
 * letters and line ends everywhere; capitals, digits and punctuation less; control and
 * non-ASCII bytes least.  A guess, as ripgrep makes one with a table of frequencies.
 */
static int
commonness(unsigned char c)
{
	if (c == ' ' || c == '\n' || (c >= 'a' && c <= 'z'))
		return 3;
	if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '\0' || c == '\t')
		return 2;
	if (c >= 0x21 && c <= 0x7e)
		return 1;
	return 0;
}

static size_t
rarest_at(const char *needle, size_t nlen)
{
	size_t at = 0;

	for (size_t i = 1; i < nlen; i++)
		if (commonness((unsigned char)needle[i]) < commonness((unsigned char)needle[at]))
			at = i;
	return at;
}

/*
 * Whether HAY (LEN bytes) contains the needle.  memchr for the needle's rarest byte (the
 * C library's is vectorised: many bytes a cycle), then memcmp around each hit, is what makes
 * grep and ripgrep fast; when the guess is wrong and that byte is common here, memmem (two-way:
 * linear whatever the input) takes over for the rest.
 */
static bool
contains(const struct search *s, const char *hay, size_t len)
{
	const char *p = hay + s->rare_at, *end = hay + len - s->nlen + s->rare_at + 1;
	const char rare = s->needle[s->rare_at];
	size_t misses = 0;

	while (p < end && (p = memchr(p, rare, (size_t)(end - p))) != NULL) {
		const char *start = p - s->rare_at;

		if (memcmp(start, s->needle, s->nlen) == 0)
			return true;
		if (++misses > 64 + (size_t)(p - hay) / 256)
			return memmem(start + 1, len - (size_t)(start + 1 - hay), s->needle, s->nlen) != NULL;
		p++;
	}
	return false;
}

/*
 * Reads FD to the end looking for the needle.  BUF holds READ_SIZE + nlen bytes: the last
 * nlen-1 bytes of what was read stay in front of the next read, so that a needle cut in
 * two by the read boundary is seen whole.  True when found.
 */
static bool
search_fd(struct search *s, int fd, char *buf, size_t cap, const char *rel)
{
	size_t keep = 0;

	/* A hint that the whole file will be read once, front to back: a larger read-ahead. */
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		ssize_t n = read(fd, buf + keep, cap - keep);
		size_t have;

		if (n == -1) {
			if (errno == EINTR)
				continue;
			warn_path(s, rel, errno);
			return false;
		}
		if (n == 0)
			return false;
		have = keep + (size_t)n;
		if (have >= s->nlen && contains(s, buf, have))
			return true;
		keep = have < s->nlen - 1 ? have : s->nlen - 1;
		memmove(buf, buf + have - keep, keep);
	}
	return false;
}

/*
 * How a regular file is opened.  O_NONBLOCK: should a FIFO have been swapped in since readdir,
 * open() does not wait for a writer, and fstat then shows it is no regular file.
 */
#define FILE_FLAGS	(O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC)

/* Searches the file REL, just opened as FD (-1: the open failed, errno says why). */
static void
search_file(struct search *s, int fd, const char *rel, char *buf, size_t cap)
{
	struct stat st;

	if (fd == -1) {
		warn_path(s, rel, errno);
		return;
	}
	if (fstat(fd, &st) == -1)
		warn_path(s, rel, errno);
	else if (S_ISREG(st.st_mode) && search_fd(s, fd, buf, cap, rel))
		found(s, rel);
	close(fd);
}

/* What a directory entry is, without following a link: d_type, or fstatat when it is unknown. */
static unsigned char
entry_type(struct search *s, DIR *d, const struct dirent *de, const char *rel)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type;
	if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		warn_path(s, rel, errno);
		return DT_UNKNOWN;
	}
	if (S_ISDIR(st.st_mode))
		return DT_DIR;
	if (S_ISREG(st.st_mode))
		return DT_REG;
	return DT_UNKNOWN;	/* links, FIFOs, sockets, devices: never opened */
}

/*
 * Reads the directory REL, open as *FDP, and closes it.  Its subdirectories go on the stack
 * but one, which this worker reads next: its path is returned (to free; NULL: none) and its
 * descriptor left in *FDP.  Regular files are searched here, unless a worker is idle, which
 * then gets the file instead.
 */
static char *
read_dir(struct search *s, int *fdp, const char *rel, char *buf, size_t cap)
{
	char *next = NULL;
	struct stat self;
	DIR *d;
	int cfd;

	if (fstat(*fdp, &self) == -1 || (d = fdopendir(*fdp)) == NULL) {
		warn_path(s, rel, errno);
		close(*fdp);
		return NULL;
	}
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		struct dirent *de;
		unsigned char type;
		char *child;
		size_t rlen = strlen(rel);
		bool ok = true;

		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				warn_path(s, rel, errno);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		child = malloc(rlen + 1 + strlen(de->d_name) + 1);
		if (child == NULL) {
			out_of_memory(s);
			break;
		}
		sprintf(child, "%s%s%s", rel, rlen > 0 ? "/" : "", de->d_name);
		type = entry_type(s, d, de, child);
		if (type == DT_DIR && next == NULL) {
			next = child;
			continue;
		}
		if (type == DT_DIR)
			ok = push(s, child, true, &self);
		else if (type == DT_REG && atomic_load_explicit(&s->idle, memory_order_relaxed) > 0)
			ok = push(s, child, false, &self);
		else if (type == DT_REG)
			search_file(s, openat(dirfd(d), de->d_name, FILE_FLAGS), child, buf, cap);
		free(child);
		if (!ok) {
			out_of_memory(s);
			break;
		}
	}
	/*
	 * The subdirectory kept back is opened from this directory's descriptor, one component
	 * with O_NOFOLLOW, before that is closed: a chain of N directories costs N opens, where
	 * opening each by its path from DIR would cost N * N / 2 lookups.
	 */
	if (next == NULL || atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		free(next);
		closedir(d);
		return NULL;
	}
	cfd = openat(dirfd(d), strrchr(next, '/') != NULL ? strrchr(next, '/') + 1 : next,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	closedir(d);
	if (cfd == -1) {
		warn_path(s, next, errno);
		free(next);
		return NULL;
	}
	*fdp = cfd;
	return next;
}

/* A directory job: the directory, then the chain of subdirectories read_dir keeps back. */
static void
search_dir(struct search *s, const struct job *job, char *buf, size_t cap)
{
	int fd = open_job(s, job, O_RDONLY | O_DIRECTORY);
	char *rel;

	if (fd == -1) {
		warn_path(s, job->rel, errno);
		return;
	}
	rel = strdup(job->rel);
	if (rel == NULL) {
		close(fd);
		out_of_memory(s);
		return;
	}
	while (rel != NULL) {
		char *next = read_dir(s, &fd, rel, buf, cap);

		free(rel);
		rel = next;
	}
}

/* A worker: takes jobs until the stack is empty with nobody busy (who could add more), or stop. */
static void *
worker(void *arg)
{
	struct search *s = arg;
	size_t cap = READ_SIZE + s->nlen;
	char *buf = malloc(cap);

	if (buf == NULL) {
		out_of_memory(s);
		return NULL;
	}
	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct job *job;

		while (s->stack == NULL && s->busy > 0 && !atomic_load(&s->stop)) {
			atomic_fetch_add(&s->idle, 1);
			pthread_cond_wait(&s->more, &s->lock);
			atomic_fetch_sub(&s->idle, 1);
		}
		if (atomic_load(&s->stop) || s->stack == NULL)
			break;
		job = s->stack;
		s->stack = job->next;
		s->busy++;
		pthread_mutex_unlock(&s->lock);

		if (job->is_dir)
			search_dir(s, job, buf, cap);
		else
			search_file(s, open_job(s, job, FILE_FLAGS), job->rel, buf, cap);
		free(job);

		pthread_mutex_lock(&s->lock);
		s->busy--;
	}
	/* The walk is over for everybody: wake those waiting so that they see it too. */
	pthread_cond_broadcast(&s->more);
	pthread_mutex_unlock(&s->lock);
	free(buf);
	return NULL;
}

/* The CPUs this process may run on (taskset, cgroups' cpusets), else those online. */
static long
default_workers(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		n = CPU_COUNT(&set);
	else
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n < MAX_WORKERS ? n : MAX_WORKERS;
}

/*
 * The descriptors open now below LIMIT (a new descriptor takes the lowest free number, and
 * must be below the limit: higher ones take no slot), counted in /proc/self/fd less the one
 * reading it; or a guess.
 */
static long
open_descriptors(long limit)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	if (d == NULL)
		return 8;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && strtol(e->d_name, NULL, 10) < limit)
			n++;
	closedir(d);
	return n > 4 ? n - 1 : 3;
}

/*
 * How many of WANT workers the descriptor limit lets run: each holds WORKER_FDS at once.  The
 * soft limit is raised to the hard one first, as far as allowed.  0 when not even one fits
 * (*AVAIL and *LIMIT then say why).
 */
static long
fit_workers(long want, long *avail, long *limit)
{
	struct rlimit rl;
	long fit;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return want;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < rl.rlim_max) {
		rlim_t soft = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			rl.rlim_cur = soft;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)(WORKER_FDS * MAX_WORKERS + 64))
		return want;
	/* Descriptors inherited above the limit count in /proc but take no slot below it. */
	*limit = (long)rl.rlim_cur;
	*avail = *limit - open_descriptors(*limit);
	if (*avail < 0)
		*avail = 0;
	fit = *avail / WORKER_FDS;
	if (fit >= want)
		return want;
	if (fit > 0)
		warnx("%ld free descriptors (limit %ld) are enough for %ld of the %ld workers only",
		    *avail, *limit, fit, want);
	return fit;
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-j WORKERS] DIR STRING\n", prog);
	exit(EX_USAGE);
}

int
main(int argc, char *argv[])
{
	struct search s = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.more = PTHREAD_COND_INITIALIZER,
	};
	pthread_t tids[MAX_WORKERS];
	long nworkers = default_workers(), started, avail = 0, limit = 0;
	int opt, status;

	/*
	 * A reader that has gone (recurse_search ... | head -0) then makes the write fail
	 * with EPIPE, reported with 74, instead of killing the process without a word.
	 */
	signal(SIGPIPE, SIG_IGN);

	/* "+": options only before DIR, so that a STRING like "-x" needs no -- after DIR. */
	while ((opt = getopt(argc, argv, "+j:")) != -1) {
		char *end;

		switch (opt) {
		case 'j':
			/* As strict as a port: strtol alone takes " 2", "+2" and "2x". */
			errno = 0;
			nworkers = isdigit((unsigned char)optarg[0]) ? strtol(optarg, &end, 10) : 0;
			if (errno != 0 || nworkers == 0 || *end != '\0' ||
			    nworkers < 1 || nworkers > MAX_WORKERS) {
				warnx("-j %s: not a number of workers in 1..%d", optarg, MAX_WORKERS);
				usage(argv[0]);
			}
			break;
		default:
			usage(argv[0]);
		}
	}
	if (argc - optind != 2)
		usage(argv[0]);
	s.dir = argv[optind];
	s.needle = argv[optind + 1];
	s.nlen = strlen(s.needle);
	s.rare_at = rarest_at(s.needle, s.nlen);
	if (s.nlen == 0) {
		/* Every file contains the empty string: surely not what was meant. */
		warnx("STRING is empty");
		usage(argv[0]);
	}

	/* DIR itself may be a link (as for grep -r): only what is below it is never followed. */
	s.rootfd = open(s.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.rootfd == -1)
		err(EX_NOINPUT, "%s", s.dir);
	if (!push(&s, "", true, NULL))
		errx(EX_OSERR, "out of memory");
	nworkers = fit_workers(nworkers, &avail, &limit);
	if (nworkers == 0)
		errx(EX_OSERR, "%ld free descriptor%s (limit %ld) %s too few for even one worker, "
		    "which needs %d at once (a directory, and a file or a subdirectory in it)",
		    avail, avail == 1 ? "" : "s", limit, avail == 1 ? "is" : "are", WORKER_FDS);

	for (started = 0; started < nworkers; started++) {
		int rc = pthread_create(&tids[started], NULL, worker, &s);

		if (rc != 0) {
			warn_whole("%s: %s", "pthread_create", strerror(rc));
			atomic_store(&s.oserr, true);
			set_stop(&s);
			break;
		}
	}
	for (long i = 0; i < started; i++)
		pthread_join(tids[i], NULL);

	/* Jobs left over when a worker found the needle or memory ran out. */
	while (s.stack != NULL) {
		struct job *job = s.stack;

		s.stack = job->next;
		free(job);
	}
	close(s.rootfd);
	pthread_cond_destroy(&s.more);
	pthread_mutex_destroy(&s.lock);

	if (s.ioerr != 0)
		errx(EX_IOERR, "stdout: %s", strerror(s.ioerr));
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	if (atomic_load(&s.oserr))
		status = EX_OSERR;
	else if (s.printed)
		status = EX_OK;
	else if (atomic_load(&s.incomplete))
		status = EX_INCOMPLETE;
	else
		status = 1;
	return status;
}
