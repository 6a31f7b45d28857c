/*
 * worker_demo - six jobs print 1 to 6 through a pool of two worker threads.
 *
 * usage: worker_demo
 * out:   the numbers 1 to 6, one a line, each exactly once, in the order the two
 *        workers happen to finish them; jobs leave the queue oldest first, so a number
 *        k is never printed before at least k-2 others (e.g. 1 3 2 5 6 4, never 6 first)
 * exit:  0 ok, 64 usage, 71 the pool could not be made (memory, threads), 74 stdout failed
 *        (a closed pipe included)
 * try:   ./worker_demo      (run it a few times: the order changes, the numbers do not)
 * text:  chapter 9, "Scheduling"
 * build: cc -pthread -o worker_demo worker_demo.c worker_pool.c
 */
#define _GNU_SOURCE	/* -std=c17 asks for ISO C only; the pool is POSIX threads */
#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "worker_pool.h"

/*
 * The text queues puts itself.  puts is int (const char *), not a job's
 * void (void *): calling it through a job pointer is undefined behaviour,
 * so this wrapper gives it the job's type.  stdio locks the stream in each
 * call, so two workers never mix the characters of their lines.
 */
static void
print_line(void *arg)
{
	puts(arg);
}

int
main(int argc, char *argv[])
{
	/* Writable arrays, not string literals: a job's argument is a plain void *. */
	static char numbers[][2] = { "1", "2", "3", "4", "5", "6" };
	struct thread_safe_queue *q;
	struct worker_pool *p;
	int rc;

	/*
	 * A reader that has gone (worker_demo | head -1) makes a write to stdout fail
	 * with EPIPE, which is reported (74), instead of killing us without a word.
	 */
	signal(SIGPIPE, SIG_IGN);

	if (argc != 1) {
		fprintf(stderr, "usage: %s\n", argv[0]);
		return EX_USAGE;
	}

	q = tsq_init();
	if (q == NULL)
		err(EX_OSERR, "tsq_init");
	for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
		rc = tsq_add_job(q, print_line, numbers[i]);
		if (rc != 0)
			errx(EX_OSERR, "tsq_add_job: %s", strerror(rc));
	}
	p = wp_init(2, q);
	if (p == NULL)
		err(EX_OSERR, "wp_init");

	/* Sleeps on a condition variable until the last job ends: no polling, no sleep(1). */
	rc = wp_wait(p);
	if (rc != 0)
		errx(EX_SOFTWARE, "wp_wait: %s", strerror(rc));
	rc = wp_destroy(p);
	if (rc != 0)
		errx(EX_SOFTWARE, "wp_destroy: %s", strerror(rc));
	rc = tsq_destroy(q);
	if (rc != 0)
		errx(EX_SOFTWARE, "tsq_destroy: %s", strerror(rc));

	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return EX_OK;
}
