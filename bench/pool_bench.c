/*
 * pool_bench - jobs per second: a worker pool against a thread or a process per job.
 *
 * usage: pool_bench [--tiny]
 * out:   CSV rows (bench/run's format: section,case,metric,median,min,max,unit): for
 *        each method its jobs per second (the median of RUNS runs, and the slowest and
 *        fastest run) and that rate as a multiple of thread-per-job's and of
 *        fork-per-job's (ratio of the medians; spread min over max .. max over min),
 *        from the same runs; then the goal row (five fields)
 *        "goal,slowest pool >= 20x thread per job,met|not met,RATIO,x".  --tiny runs
 *        a hundredth of the jobs or fewer, once (well under a second), so that
 *        `make check` can run it every time and it cannot rot.
 * exit:  0 ok (whatever the figures), 64 usage, 70 a job was lost or run twice,
 *        71 threads, fork or memory failed, 74 stdout
 * try:   ./bench/pool_bench
 * text:  chapter 9, "Worker Pools" (the overhead of process/thread creation that a
 *        pool avoids)
 * build: cc -O2 -pthread -o bench/pool_bench bench/pool_bench.c ch09-workers/worker_pool.c
 *
 * The job is trivial on purpose (one atomic increment): what is measured is
 * what it costs to get a job run.  Thread- and fork-per-job run fewer jobs,
 * since they are slow; every rate is jobs divided by seconds, so the figures
 * compare.  Pool times cover queueing every job and wp_wait, not making the
 * pool (made once, it serves any number of jobs).
 */
#define _GNU_SOURCE	/* clock_gettime and fork's <sys/wait.h> under -std=c17 */
#include <errno.h>
#include <err.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../ch09-workers/worker_pool.h"

enum { RUNS_MAX = 5 };

struct method {
	const char *name;
	size_t workers;		/* pool size; 0 for thread and fork per job */
	unsigned long jobs;
	double seconds[RUNS_MAX];
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The job.  Relaxed: only the total matters, read after wp_wait has ordered every job. */
static void
trivial_job(void *arg)
{
	atomic_ulong *done = arg;

	atomic_fetch_add_explicit(done, 1, memory_order_relaxed);
}

/* pthread_create wants void *(void *): the same job under that type. */
static void *
trivial_thread(void *arg)
{
	trivial_job(arg);
	return NULL;
}

/* Returns the seconds that JOBS jobs took through a pool of WORKERS, or -1 (errno-free: *RC). */
static double
run_pool(size_t workers, unsigned long jobs, int *rc)
{
	struct thread_safe_queue *q;
	struct worker_pool *p;
	atomic_ulong done = 0;
	double t0, t1;

	q = tsq_init();
	if (q == NULL) {
		*rc = errno;
		return -1;
	}
	p = wp_init(workers, q);
	if (p == NULL) {
		*rc = errno;
		tsq_destroy(q);
		return -1;
	}
	*rc = 0;
	t0 = now();
	for (unsigned long i = 0; i < jobs && *rc == 0; i++)
		*rc = tsq_add_job(q, trivial_job, &done);
	if (*rc == 0)
		*rc = wp_wait(p);
	t1 = now();
	/* Destroying drains: done is final, and is checked, even after a failed add. */
	wp_destroy(p);
	tsq_destroy(q);
	if (*rc != 0)
		return -1;
	if (atomic_load(&done) != jobs)
		errx(EX_SOFTWARE, "pool of %zu: %lu of %lu jobs ran", workers, atomic_load(&done),
		    jobs);
	return t1 - t0;
}

static double
run_threads(unsigned long jobs, int *rc)
{
	atomic_ulong done = 0;
	pthread_t t;
	double t0 = now();

	for (unsigned long i = 0; i < jobs; i++) {
		*rc = pthread_create(&t, NULL, trivial_thread, &done);
		if (*rc != 0)
			return -1;
		*rc = pthread_join(t, NULL);
		if (*rc != 0)
			return -1;
	}
	if (atomic_load(&done) != jobs)
		errx(EX_SOFTWARE, "thread per job: %lu of %lu jobs ran", atomic_load(&done), jobs);
	return now() - t0;
}

/* Returns the seconds, or -1 with errno set. */
static double
run_forks(unsigned long jobs)
{
	atomic_ulong done = 0;
	double t0 = now();

	for (unsigned long i = 0; i < jobs; i++) {
		int status;
		pid_t pid = fork();

		if (pid == -1)
			return -1;
		if (pid == 0) {
			/* The child's increment is its own copy: the exit status reports the job. */
			trivial_job(&done);
			_exit(atomic_load(&done) == 1 ? 0 : 1);
		}
		if (waitpid(pid, &status, 0) == -1)
			return -1;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			errx(EX_SOFTWARE, "fork per job: child %ld failed", (long)pid);
	}
	return now() - t0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The median rate of N timings (one slow run, when another process took the
 * CPU, does not count), and the slowest and fastest run's: RATE[0..2].
 */
static void
rates(const struct method *m, int n, double rate[3])
{
	double s[RUNS_MAX];

	memcpy(s, m->seconds, sizeof s);
	qsort(s, (size_t)n, sizeof s[0], cmp_double);
	rate[0] = (double)m->jobs / (n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2);
	rate[1] = (double)m->jobs / s[n - 1];
	rate[2] = (double)m->jobs / s[0];
}

/* Three significant digits or so, never in e-notation: 0.00917, 1.00, 50.3, 41807. */
static int
decimals_for(double ratio)
{
	return ratio >= 100 ? 0 : ratio >= 10 ? 1 : ratio >= 1 ? 2 : ratio >= 0.01 ? 4 : 6;
}

/* A's rate over B's: the medians' ratio, then min over max and max over min. */
static void
print_ratio(const char *name, const char *vs, const double a[3], const double b[3])
{
	double r[3] = { a[0] / b[0], a[1] / b[2], a[2] / b[1] };

	printf("pool,%s,vs %s,%.*f,%.*f,%.*f,x\n", name, vs, decimals_for(r[0]), r[0],
	    decimals_for(r[1]), r[1], decimals_for(r[2]), r[2]);
}

static void
run_method(struct method *m, int run)
{
	int rc = 0;

	if (strcmp(m->name, "fork per job") == 0) {
		m->seconds[run] = run_forks(m->jobs);
		if (m->seconds[run] < 0)
			err(EX_OSERR, "fork per job");
		return;
	}
	if (m->workers == 0)
		m->seconds[run] = run_threads(m->jobs, &rc);
	else
		m->seconds[run] = run_pool(m->workers, m->jobs, &rc);
	if (rc != 0)
		errx(EX_OSERR, "%s: %s", m->name, strerror(rc));
}

int
main(int argc, char *argv[])
{
	/* fork costs milliseconds on small virtual machines: 200 still take a second there. */
	struct method m[] = {
		{ "pool 1 worker", 1, 1000000, { 0 } },
		{ "pool 2 workers", 2, 1000000, { 0 } },
		{ "pool 4 workers", 4, 1000000, { 0 } },
		{ "thread per job", 0, 10000, { 0 } },
		{ "fork per job", 0, 200, { 0 } },
	};
	enum { NMETHODS = sizeof m / sizeof m[0], THREAD = 3, FORK = 4 };
	double rate[NMETHODS][3], slowest = -1;
	int runs = RUNS_MAX;

	/* A reader that goes away (bench/pool_bench | head -1) is an EPIPE from the final
	 * fflush, reported as 74, not a silent death by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (argc == 2 && strcmp(argv[1], "--tiny") == 0) {
		for (size_t i = 0; i < NMETHODS; i++)
			m[i].jobs /= 100;
		runs = 1;
	} else if (argc != 1) {
		fprintf(stderr, "usage: %s [--tiny]\n", argv[0]);
		return EX_USAGE;
	}

	/* Runs interleave the methods, so that a burst of load elsewhere hits them all alike. */
	for (int run = 0; run < runs; run++) {
		fprintf(stderr, "pool_bench: run %d of %d\n", run + 1, runs);
		for (size_t i = 0; i < NMETHODS; i++)
			run_method(&m[i], run);
	}
	for (size_t i = 0; i < NMETHODS; i++)
		rates(&m[i], runs, rate[i]);
	for (size_t i = 0; i < NMETHODS; i++) {
		printf("pool,%s,jobs per second,%.0f,%.0f,%.0f,jobs/s\n", m[i].name, rate[i][0],
		    rate[i][1], rate[i][2]);
		print_ratio(m[i].name, "thread per job", rate[i], rate[THREAD]);
		print_ratio(m[i].name, "fork per job", rate[i], rate[FORK]);
		if (m[i].workers > 0 && (slowest < 0 || rate[i][0] / rate[THREAD][0] < slowest))
			slowest = rate[i][0] / rate[THREAD][0];
	}
	printf("goal,slowest pool >= 20x thread per job,%s,%.1f,x\n", slowest >= 20 ? "met" : "not met",
	    slowest);

	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return EX_OK;
}
