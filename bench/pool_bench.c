/*
 * pool_bench - jobs per second: a worker pool against a thread or a process per job.
 *
 * usage: pool_bench [--tiny]
 * out:   one line per method: its name, jobs run, seconds, jobs per second, and that
 *        rate as a multiple of thread-per-job's and of fork-per-job's, all from this
 *        one run; then "slowest pool: Nx thread per job (goal: 20x)".  --tiny runs
 *        a hundredth of the jobs or fewer (well under a second), so that `make check`
 *        can run it every time and it cannot rot.
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
#include <err.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../ch09-workers/worker_pool.h"

struct result {
	const char *name;
	unsigned long jobs;
	double seconds;
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

	*rc = tsq_init(&q, 0);
	if (*rc != 0)
		return -1;
	*rc = wp_init(&p, workers, q);
	if (*rc != 0) {
		tsq_destroy(q);
		return -1;
	}
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

/* A ratio with three significant digits or so: 0.0201x, 1.00x, 50.3x, 41807x. */
static void
print_ratio(double ratio, int width)
{
	int decimals = ratio >= 100 ? 0 : ratio >= 10 ? 1 : ratio >= 1 ? 2 : 4;

	printf(" %*.*fx", width, decimals, ratio);
}

int
main(int argc, char *argv[])
{
	static const size_t pool_sizes[] = { 1, 2, 4 };
	static const char *const pool_names[] = {
		"pool, 1 worker", "pool, 2 workers", "pool, 4 workers"
	};
	struct result r[5];
	/* fork costs milliseconds on small virtual machines: 500 still take seconds there. */
	unsigned long pool_jobs = 1000000, thread_jobs = 20000, fork_jobs = 500;
	double thread_rate, fork_rate, slowest = -1;
	int rc = 0;

	if (argc == 2 && strcmp(argv[1], "--tiny") == 0) {
		pool_jobs = 10000;
		thread_jobs = 200;
		fork_jobs = 20;
	} else if (argc != 1) {
		fprintf(stderr, "usage: %s [--tiny]\n", argv[0]);
		return EX_USAGE;
	}

	for (size_t i = 0; i < 3; i++) {
		r[i] = (struct result){ pool_names[i], pool_jobs, run_pool(pool_sizes[i], pool_jobs, &rc) };
		if (rc != 0)
			errx(EX_OSERR, "%s: %s", pool_names[i], strerror(rc));
	}
	r[3] = (struct result){ "thread per job", thread_jobs, run_threads(thread_jobs, &rc) };
	if (rc != 0)
		errx(EX_OSERR, "thread per job: %s", strerror(rc));
	r[4] = (struct result){ "fork per job", fork_jobs, run_forks(fork_jobs) };
	if (r[4].seconds < 0)
		err(EX_OSERR, "fork per job");

	thread_rate = (double)r[3].jobs / r[3].seconds;
	fork_rate = (double)r[4].jobs / r[4].seconds;
	printf("%-16s %9s %9s %12s %11s %9s\n", "method", "jobs", "seconds", "jobs/s",
	    "vs thread", "vs fork");
	for (size_t i = 0; i < 5; i++) {
		double rate = (double)r[i].jobs / r[i].seconds;

		printf("%-16s %9lu %9.3f %12.0f ", r[i].name, r[i].jobs, r[i].seconds, rate);
		print_ratio(rate / thread_rate, 10);
		print_ratio(rate / fork_rate, 9);
		putchar('\n');
		if (i < 3 && (slowest < 0 || rate / thread_rate < slowest))
			slowest = rate / thread_rate;
	}
	printf("slowest pool: %.1fx thread per job (goal: 20x)\n", slowest);

	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return EX_OK;
}
