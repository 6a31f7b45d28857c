/*
 * worker_pool - a FIFO job queue guarded by one mutex, and a pool of threads draining it.
 *
 * use:   see worker_pool.h; link this file into the program and build with -pthread
 * text:  chapter 9, "Scheduling"
 *
 * The text builds its pool from semaphores and mutexes.  A semaphore counts
 * jobs well, but "wait until the queue is empty and no job is running" is a
 * wait for a count to reach zero, which a semaphore cannot express: so the
 * queue has one mutex and two condition variables instead, and every count
 * (waiting jobs, running jobs, sleeping threads) lives under that mutex.
 */
#define _GNU_SOURCE	/* -std=c17 asks for ISO C only; this file uses POSIX threads */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "worker_pool.h"

struct job {
	struct job *next;
	tsq_job_fn *fn;
	void *arg;
};

/* What the workers of the queue's pool are told to do; changed only under the lock. */
enum pool_state {
	NO_POOL,	/* no pool attached */
	STARTING,	/* wp_init is creating threads: run nothing yet */
	RUNNING,	/* take jobs; sleep when there are none */
	DRAINING,	/* wp_destroy: take jobs until there are none, then exit */
	ABORTING	/* wp_init failed: exit without running anything */
};

struct thread_safe_queue {
	pthread_mutex_t lock;
	pthread_cond_t work;	/* a job was added, or the state changed */
	pthread_cond_t idle;	/* no job is queued and none is running */
	struct job *head, *tail;
	size_t length, capacity;
	size_t running;		/* jobs taken from the queue and not finished */
	size_t sleepers;	/* workers waiting on work: nobody to signal when 0 */
	size_t waiters;		/* threads in wp_wait */
	enum pool_state state;
};

struct worker_pool {
	struct thread_safe_queue *q;
	size_t workers;
	pthread_t threads[];
};

/*
 * pthread_mutex_lock/unlock and pthread_cond_wait/signal/broadcast fail only
 * on an object that was never initialised, or a mutex this thread does not
 * hold: a bug in this file that no caller could handle.  Stopping at once is
 * better than running on with a queue nobody can trust.
 */
static void
must(int rc)
{
	if (rc != 0)
		abort();
}

static int
make_queue(struct thread_safe_queue **qp, size_t capacity)
{
	struct thread_safe_queue *q;
	int rc;

	q = calloc(1, sizeof *q);
	if (q == NULL)
		return ENOMEM;
	q->capacity = capacity;
	q->state = NO_POOL;
	/* pthread_*_init can fail for want of memory: each step undoes the ones before. */
	rc = pthread_mutex_init(&q->lock, NULL);
	if (rc != 0)
		goto fail_mutex;
	rc = pthread_cond_init(&q->work, NULL);
	if (rc != 0)
		goto fail_work;
	rc = pthread_cond_init(&q->idle, NULL);
	if (rc != 0)
		goto fail_idle;
	*qp = q;
	return 0;

fail_idle:
	pthread_cond_destroy(&q->work);
fail_work:
	pthread_mutex_destroy(&q->lock);
fail_mutex:
	free(q);
	return rc;
}

int
tsq_add_job(struct thread_safe_queue *q, tsq_job_fn *fn, void *arg)
{
	struct job *job;

	if (fn == NULL)
		return EINVAL;
	/* Allocate before locking: the workers need not wait for malloc. */
	job = malloc(sizeof *job);
	if (job == NULL)
		return ENOMEM;
	job->next = NULL;
	job->fn = fn;
	job->arg = arg;

	must(pthread_mutex_lock(&q->lock));
	if (q->capacity != 0 && q->length == q->capacity) {
		must(pthread_mutex_unlock(&q->lock));
		free(job);
		return EAGAIN;
	}
	if (q->tail == NULL)
		q->head = job;
	else
		q->tail->next = job;
	q->tail = job;
	q->length++;
	/*
	 * One new job needs one worker.  A worker that is not asleep looks at
	 * the queue before it sleeps (under this lock), so it cannot miss it.
	 */
	if (q->sleepers > 0)
		must(pthread_cond_signal(&q->work));
	must(pthread_mutex_unlock(&q->lock));
	return 0;
}

int
tsq_destroy(struct thread_safe_queue *q)
{
	bool attached, queued;
	int rc, rc2;

	must(pthread_mutex_lock(&q->lock));
	attached = q->state != NO_POOL;
	queued = q->head != NULL;
	must(pthread_mutex_unlock(&q->lock));
	if (attached)
		return EBUSY;
	if (queued)
		return ENOTEMPTY;

	/* Nothing can be waiting now: no pool is attached, so no worker or wp_wait exists. */
	rc = pthread_cond_destroy(&q->idle);
	rc2 = pthread_cond_destroy(&q->work);
	if (rc == 0)
		rc = rc2;
	rc2 = pthread_mutex_destroy(&q->lock);
	if (rc == 0)
		rc = rc2;
	free(q);
	return rc;
}

/*
 * The body of every worker.  The state and the queue are read under the lock;
 * the job runs without it, so workers and producers block each other only
 * for the few instructions of a list operation.
 */
static void *
worker(void *arg)
{
	struct thread_safe_queue *q = arg;
	struct job *job;

	must(pthread_mutex_lock(&q->lock));
	for (;;) {
		/* A loop, not an if: pthread_cond_wait may return without a signal. */
		while (q->state == STARTING || (q->state == RUNNING && q->head == NULL)) {
			q->sleepers++;
			must(pthread_cond_wait(&q->work, &q->lock));
			q->sleepers--;
		}
		/*
		 * DRAINING exits only on an empty queue, so jobs that jobs add
		 * still run: the worker that ran the adding job sees them here.
		 */
		if (q->state == ABORTING || q->head == NULL)
			break;
		job = q->head;
		q->head = job->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->length--;
		q->running++;
		must(pthread_mutex_unlock(&q->lock));

		job->fn(job->arg);
		free(job);

		must(pthread_mutex_lock(&q->lock));
		q->running--;
		if (q->head == NULL && q->running == 0 && q->waiters > 0)
			must(pthread_cond_broadcast(&q->idle));
	}
	must(pthread_mutex_unlock(&q->lock));
	return NULL;
}

/* Sets the state the workers obey and wakes them all to look at it. */
static void
set_state(struct thread_safe_queue *q, enum pool_state state)
{
	must(pthread_mutex_lock(&q->lock));
	q->state = state;
	must(pthread_cond_broadcast(&q->work));
	must(pthread_mutex_unlock(&q->lock));
}

static int
start_pool(struct worker_pool **pp, size_t workers, struct thread_safe_queue *q)
{
	struct worker_pool *p;
	size_t started;
	int rc = 0;

	/* 0 workers would accept jobs and never run them: every wp_wait would hang. */
	if (workers == 0 || workers > (SIZE_MAX - sizeof *p) / sizeof p->threads[0])
		return EINVAL;
	p = malloc(sizeof *p + workers * sizeof p->threads[0]);
	if (p == NULL)
		return ENOMEM;
	p->q = q;
	p->workers = workers;

	must(pthread_mutex_lock(&q->lock));
	if (q->state != NO_POOL) {
		must(pthread_mutex_unlock(&q->lock));
		free(p);
		return EBUSY;
	}
	q->state = STARTING;
	must(pthread_mutex_unlock(&q->lock));

	/*
	 * pthread_create returns its error (EAGAIN: no memory for a stack, or a
	 * thread limit) and leaves errno alone.  The workers made so far wait in
	 * STARTING, so on failure none of them has run a job: all or nothing.
	 */
	for (started = 0; started < workers; started++) {
		rc = pthread_create(&p->threads[started], NULL, worker, q);
		if (rc != 0)
			break;
	}
	if (rc != 0) {
		set_state(q, ABORTING);
		for (size_t i = 0; i < started; i++)
			must(pthread_join(p->threads[i], NULL));
		set_state(q, NO_POOL);
		free(p);
		return rc;
	}
	set_state(q, RUNNING);
	*pp = p;
	return 0;
}

/* Is the calling thread one of P's workers, that is, are we inside a job of P? */
static bool
in_pool(const struct worker_pool *p)
{
	pthread_t self = pthread_self();

	for (size_t i = 0; i < p->workers; i++)
		if (pthread_equal(self, p->threads[i]))
			return true;
	return false;
}

bool
wp_is_empty(struct worker_pool *p)
{
	struct thread_safe_queue *q = p->q;
	bool empty;

	must(pthread_mutex_lock(&q->lock));
	empty = q->head == NULL && q->running == 0;
	must(pthread_mutex_unlock(&q->lock));
	return empty;
}

int
wp_wait(struct worker_pool *p)
{
	struct thread_safe_queue *q = p->q;

	if (in_pool(p))
		return EDEADLK;
	must(pthread_mutex_lock(&q->lock));
	while (q->head != NULL || q->running > 0) {
		q->waiters++;
		must(pthread_cond_wait(&q->idle, &q->lock));
		q->waiters--;
	}
	must(pthread_mutex_unlock(&q->lock));
	return 0;
}

int
wp_destroy(struct worker_pool *p)
{
	int rc = 0;

	if (in_pool(p))
		return EDEADLK;
	set_state(p->q, DRAINING);
	/* Joined, not detached: when wp_destroy returns, no thread of P runs or holds memory. */
	for (size_t i = 0; i < p->workers; i++) {
		int rc2 = pthread_join(p->threads[i], NULL);
		if (rc == 0)
			rc = rc2;
	}
	set_state(p->q, NO_POOL);
	free(p);
	return rc;
}

/* The text's shapes: a handle, or NULL with errno set (as fopen does). */
thread_safe_queue
tsq_init(void)
{
	return tsq_init_bounded(0);
}

thread_safe_queue
tsq_init_bounded(size_t capacity)
{
	struct thread_safe_queue *q;
	int rc = make_queue(&q, capacity);

	if (rc != 0) {
		errno = rc;
		return NULL;
	}
	return q;
}

worker_pool
wp_init(size_t workers, thread_safe_queue q)
{
	struct worker_pool *p;
	int rc = start_pool(&p, workers, q);

	if (rc != 0) {
		errno = rc;
		return NULL;
	}
	return p;
}
