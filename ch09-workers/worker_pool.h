/*
 * worker_pool.h - a thread-safe job queue and a pool of worker threads that runs its jobs.
 *
 * use:   thread_safe_queue q = tsq_init();      a queue (tsq_init_bounded(N): at most N waiting)
 *        tsq_add_job(q, job, arg);             ... as many as you like, before or after wp_init
 *        worker_pool p = wp_init(2, q);        two workers start taking jobs, oldest first
 *        wp_wait(p);                           sleeps until the queue is empty and no job runs
 *        wp_destroy(p);                        runs what is still queued, then joins every worker
 *        tsq_destroy(q);
 *        The names, argument orders and handle-returning shapes are the text's; wp_wait
 *        (instead of polling wp_is_empty with sleep) and the bounded queue are ours.
 * errors: tsq_init, tsq_init_bounded and wp_init return a handle, or NULL with errno set
 *        (as fopen does).  The others but wp_is_empty return 0 or an error number (ENOMEM,
 *        EAGAIN, EINVAL, EBUSY, ENOTEMPTY, EDEADLK, or what pthread_* returned) and leave
 *        errno alone, as pthread_* do.  Nothing is printed.
 * text:  chapter 9, "Scheduling"
 *
 * A queue feeds at most one pool at a time.  Two pools, each with its own queue, share
 * nothing: no global state, so destroying one cannot touch the other.
 */
#ifndef WORKER_POOL_H
#define WORKER_POOL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A job is a function of one pointer.  Functions of other types (puts takes a
 * const char * and returns int) must be wrapped: calling a function through a
 * pointer of another type is undefined behaviour.  A job must return: one that
 * calls pthread_exit (or is cancelled) ends its worker without telling the
 * pool, which then counts it as busy for ever, so wp_wait and wp_destroy never
 * return.
 */
typedef void tsq_job_fn(void *arg);

struct thread_safe_queue;
struct worker_pool;

/* The handles, as the text names them. */
typedef struct thread_safe_queue *thread_safe_queue;
typedef struct worker_pool *worker_pool;

/*
 * An empty queue with no bound on its length.  NULL with errno ENOMEM, or
 * what pthread_mutex_init / pthread_cond_init returned.
 */
thread_safe_queue tsq_init(void);

/*
 * An empty queue where at most CAPACITY jobs may wait (jobs being run do not
 * count; 0 means no bound).  NULL with errno set, as for tsq_init.
 */
thread_safe_queue tsq_init_bounded(size_t capacity);

/*
 * Appends FN(ARG) to Q.  Callable from any thread, including from a job
 * (a job may add jobs, even while wp_destroy drains the queue).
 * EAGAIN when Q holds CAPACITY waiting jobs already (nothing is added: the
 * caller decides what refusing means), ENOMEM, EINVAL when FN is NULL.
 */
int tsq_add_job(struct thread_safe_queue *q, tsq_job_fn *fn, void *arg);

/*
 * Frees Q.  EBUSY while a pool is attached (wp_destroy it first); ENOTEMPTY
 * when jobs are still queued, because freeing them would lose work silently
 * (attach a pool to run them).  Q is untouched after those two; any other
 * error is what pthread_*_destroy returned, and Q is freed all the same.
 */
int tsq_destroy(struct thread_safe_queue *q);

/*
 * Starts WORKERS threads that take jobs from Q, oldest first, and returns the
 * pool, or NULL with errno set.  Either all of them start or none is left
 * running: when pthread_create fails part way, the threads already made are
 * stopped and joined before any of them has run a job, and errno is its error
 * (EAGAIN).  EINVAL for 0 workers or for a count whose thread table would not
 * fit in a size_t, EBUSY when Q already feeds a pool, ENOMEM.  Threads
 * inherit the caller's signal mask: block signals first if the workers must
 * not receive them.
 */
worker_pool wp_init(size_t workers, thread_safe_queue q);

/*
 * True when no job is queued and none is running.  A snapshot: another
 * thread may add a job right after.  To wait for that state, call wp_wait.
 */
bool wp_is_empty(struct worker_pool *p);

/*
 * Blocks until the queue is empty and every worker is idle (jobs added by
 * jobs included), and returns at once when that is so already.  EDEADLK
 * when called from a job of P, which could never see P idle.
 */
int wp_wait(struct worker_pool *p);

/*
 * Lets every queued job run (and the jobs they add), then stops and joins
 * every worker and frees P; Q can then be destroyed or fed to a new pool.
 * Jobs added by other threads once wp_destroy has begun may be left in Q.
 * EDEADLK when called from a job of P (a thread cannot join itself), else
 * the first error of pthread_join.  Do not use P from other threads meanwhile.
 */
int wp_destroy(struct worker_pool *p);

#endif
