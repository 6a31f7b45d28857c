/*
 * pool_selftest - check the worker pool where small C pools are known to fail, one case a run.
 *
 * usage: pool_selftest CASE        (pool_selftest list: every CASE, one a line)
 * out:   "CASE: ok" and what was checked; on a failed check, a message on stderr
 * exit:  0 the check passed, 64 usage or unknown CASE, 69 the case cannot be provoked
 *        here (init-fails when thread creation does not fail), 70 a check failed,
 *        71 memory or threads ran out, 74 stdout failed (a closed pipe included)
 * try:   ./pool_selftest list; ./pool_selftest exactly-once
 * text:  chapter 9, "Scheduling" (the sketch's tsq_* / wp_* calls, made robust)
 * build: cc -pthread -o pool_selftest pool_selftest.c worker_pool.c
 *
 * A test driver for the module, run case by case by tests/ch09-workers/pool_selftest.bats.
 * Unlike the house rule for programs, a failed check exits (70) where it is made, as
 * assert would: the message names the check, and nothing after it can be trusted.
 */
#define _GNU_SOURCE	/* pthread_getattr_default_np, clock_gettime and nanosleep under -std=c17 */
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <time.h>

#include "worker_pool.h"

/* A wait in a check that should succeed at once; reaching it means the pool is broken. */
#define DEADLINE_S 30

/* Fails the case: only main's helpers decide the exit status. */
#define CHECK(cond, ...) do { if (!(cond)) errx(EX_SOFTWARE, __VA_ARGS__); } while (0)

/* Every pool call that must succeed.  EAGAIN and ENOMEM mean resources ran out, not a bug. */
static void
ok(int rc, const char *what)
{
	if (rc != 0)
		errx(rc == EAGAIN || rc == ENOMEM ? EX_OSERR : EX_SOFTWARE, "%s: %s", what,
		    strerror(rc));
}

/* Wrappers that stop the case: a failing pthread_* call is not what is under test. */
static void
lock(pthread_mutex_t *m)
{
	int rc = pthread_mutex_lock(m);

	if (rc != 0)
		errx(EX_SOFTWARE, "pthread_mutex_lock: %s", strerror(rc));
}

static void
unlock(pthread_mutex_t *m)
{
	int rc = pthread_mutex_unlock(m);

	if (rc != 0)
		errx(EX_SOFTWARE, "pthread_mutex_unlock: %s", strerror(rc));
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


/*
 * The pool's constructors return a handle or NULL with errno set; the cases
 * check error numbers, so these give the number (0 on success).
 */
static int
new_queue(struct thread_safe_queue **qp, size_t capacity)
{
	*qp = capacity == 0 ? tsq_init() : tsq_init_bounded(capacity);
	return *qp == NULL ? errno : 0;
}

static int
new_pool(struct worker_pool **pp, size_t workers, struct thread_safe_queue *q)
{
	*pp = wp_init(workers, q);
	return *pp == NULL ? errno : 0;
}
/*
 * Counting jobs.  Each job has its own slot and adds one to it: a slot that
 * is not exactly 1 afterwards names a job lost or run twice.  Slots need no
 * lock: one job touches one slot, and wp_wait/wp_destroy order every job
 * before the caller reads them (ThreadSanitizer checks that claim).
 */
static void
count_job(void *arg)
{
	unsigned int *slot = arg;

	(*slot)++;
}

static unsigned int *
new_slots(size_t n)
{
	unsigned int *slots = calloc(n, sizeof *slots);

	if (slots == NULL)
		err(EX_OSERR, "calloc");
	return slots;
}

static void
add_counting(struct thread_safe_queue *q, unsigned int *slots, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		ok(tsq_add_job(q, count_job, &slots[i]), "tsq_add_job");
}

static void
check_each_once(const unsigned int *slots, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		CHECK(slots[i] == 1, "%s: job %zu of %zu ran %u times, not once", what, i, n,
		    slots[i]);
}

static void
make_pool(struct thread_safe_queue **qp, struct worker_pool **pp, size_t workers,
    size_t capacity)
{
	ok(new_queue(qp, capacity), "tsq_init");
	ok(new_pool(pp, workers, *qp), "wp_init");
}

static void
end_pool(struct thread_safe_queue *q, struct worker_pool *p)
{
	ok(wp_destroy(p), "wp_destroy");
	ok(tsq_destroy(q), "tsq_destroy");
}

/*
 * A gate holds jobs until it is opened, and counts those that reached it, so
 * that a case can know "this many jobs run at the same time right now".
 * It opens by itself when OPEN_AT jobs have arrived (0: only gate_open does).
 */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t change;
	size_t arrived, open_at, target, timeouts;
	bool open;
};

static void
gate_init(struct gate *g, size_t open_at)
{
	pthread_condattr_t attr;
	int rc;

	g->arrived = g->timeouts = g->target = 0;
	g->open_at = open_at;
	g->open = false;
	rc = pthread_mutex_init(&g->lock, NULL);
	if (rc == 0)
		rc = pthread_condattr_init(&attr);
	/* Deadlines on CLOCK_MONOTONIC, so setting the clock cannot shorten them. */
	if (rc == 0)
		rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(&g->change, &attr);
	if (rc != 0)
		errx(EX_OSERR, "gate: %s", strerror(rc));
	pthread_condattr_destroy(&attr);
}

static void
gate_destroy(struct gate *g)
{
	pthread_cond_destroy(&g->change);
	pthread_mutex_destroy(&g->lock);
}

/* Waits on G until DONE(G) holds or DEADLINE_S pass; false on the deadline. */
static bool
gate_wait(struct gate *g, bool (*done)(const struct gate *))
{
	struct timespec until;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += DEADLINE_S;
	while (!done(g) && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&g->change, &g->lock, &until);
	return done(g);
}

static bool
is_open(const struct gate *g)
{
	return g->open;
}

static bool
all_arrived(const struct gate *g)
{
	return g->arrived >= g->target;
}

/* The job: arrive, then wait until the gate opens. */
static void
gate_job(void *arg)
{
	struct gate *g = arg;

	lock(&g->lock);
	g->arrived++;
	if (g->open_at != 0 && g->arrived >= g->open_at)
		g->open = true;
	pthread_cond_broadcast(&g->change);
	if (!gate_wait(g, is_open))
		g->timeouts++;
	unlock(&g->lock);
}

/* Main: wait until N jobs have reached the gate. */
static void
gate_await(struct gate *g, size_t n)
{
	bool arrived;

	lock(&g->lock);
	g->target = n;
	arrived = gate_wait(g, all_arrived);
	unlock(&g->lock);
	CHECK(arrived, "only %zu of %zu jobs started within %d s", g->arrived, n, DEADLINE_S);
}

static void
gate_open(struct gate *g)
{
	lock(&g->lock);
	g->open = true;
	pthread_cond_broadcast(&g->change);
	unlock(&g->lock);
}

/* ---- the cases ------------------------------------------------------------ */

/* Pithikos/C-Thread-Pool drops queued jobs on destroy: all 10,000 must run. */
static void
case_drain(void)
{
	enum { N = 10000 };
	struct thread_safe_queue *q;
	struct worker_pool *p;
	unsigned int *slots = new_slots(N);

	ok(new_queue(&q, 0), "tsq_init");
	add_counting(q, slots, 0, N / 2);		/* queued before any worker exists */
	ok(new_pool(&p, 4, q), "wp_init");
	add_counting(q, slots, N / 2, N);		/* queued while the workers run */
	end_pool(q, p);					/* no wp_wait: destroy must drain */
	check_each_once(slots, N, "drain");
	free(slots);
	printf("drain: ok (%d jobs queued, destroyed at once, each ran once)\n", N);
}

/* Destroying a pool whose threads may not have started yet must neither hang nor leak. */
static void
case_init_destroy(void)
{
	enum { ROUNDS = 50 };
	struct thread_safe_queue *q;
	struct worker_pool *p;

	for (size_t i = 0; i < ROUNDS; i++) {
		make_pool(&q, &p, 1 + i % 8, 0);
		end_pool(q, p);
	}
	printf("init-destroy: ok (%d pools of 1 to 8 workers destroyed right after init)\n",
	    ROUNDS);
}

/* One worker runs the jobs one at a time in the order they were queued, all on one thread. */
struct ordered {
	pthread_t thread;
	size_t next, seen[1000];
	bool same_thread;
};

struct ordered_job {
	struct ordered *o;
	size_t index;
};

static void
ordered_job(void *arg)
{
	struct ordered_job *j = arg;
	struct ordered *o = j->o;

	/* Unlocked on purpose: with one worker, ThreadSanitizer would see any overlap. */
	if (o->next == 0)
		o->thread = pthread_self();
	else if (!pthread_equal(o->thread, pthread_self()))
		o->same_thread = false;
	o->seen[o->next++] = j->index;
}

static void
case_one_worker(void)
{
	static struct ordered o = { .same_thread = true };
	static struct ordered_job jobs[1000];
	struct thread_safe_queue *q;
	struct worker_pool *p;
	const size_t n = sizeof jobs / sizeof jobs[0];

	make_pool(&q, &p, 1, 0);
	for (size_t i = 0; i < n; i++) {
		jobs[i] = (struct ordered_job){ .o = &o, .index = i };
		ok(tsq_add_job(q, ordered_job, &jobs[i]), "tsq_add_job");
	}
	ok(wp_wait(p), "wp_wait");
	CHECK(o.next == n, "one worker: %zu of %zu jobs ran", o.next, n);
	for (size_t i = 0; i < n; i++)
		CHECK(o.seen[i] == i, "one worker: job %zu ran in place %zu (not first in, first out)",
		    o.seen[i], i);
	CHECK(o.same_thread, "one worker: the jobs ran on more than one thread");
	end_pool(q, p);
	printf("one-worker: ok (%zu jobs, in order, on one thread)\n", n);
}

/* 64 workers really are 64 threads: 64 jobs meet at a gate that opens only when all are there. */
static void
case_many_workers(void)
{
	enum { WORKERS = 64, N = 10000 };
	struct thread_safe_queue *q;
	struct worker_pool *p;
	struct gate g;
	unsigned int *slots = new_slots(N);

	gate_init(&g, WORKERS);
	make_pool(&q, &p, WORKERS, 0);
	for (size_t i = 0; i < WORKERS; i++)
		ok(tsq_add_job(q, gate_job, &g), "tsq_add_job");
	add_counting(q, slots, 0, N);
	ok(wp_wait(p), "wp_wait");
	CHECK(g.timeouts == 0, "64 workers: %zu jobs waited in vain for 64 to run at once",
	    g.timeouts);
	check_each_once(slots, N, "64 workers");
	end_pool(q, p);
	gate_destroy(&g);
	free(slots);
	printf("many-workers: ok (64 jobs ran at the same time; %d more each ran once)\n", N);
}

/* Jobs that add jobs: a binary tree of 2^13 - 1 jobs, each node adding its two children. */
enum { TREE = 8191 };

struct tree {
	struct thread_safe_queue *q;
	unsigned int runs[TREE];
	int add_errors;		/* under lock: set by workers, read by main */
	pthread_mutex_t lock;
};

struct tree_node {
	struct tree *t;
	size_t index;
};

static struct tree_node nodes[TREE];

static void
tree_job(void *arg)
{
	const struct tree_node *n = arg;
	struct tree *t = n->t;

	t->runs[n->index]++;
	for (size_t child = 2 * n->index + 1; child <= 2 * n->index + 2; child++) {
		if (child >= TREE)
			break;
		if (tsq_add_job(t->q, tree_job, &nodes[child]) != 0) {
			lock(&t->lock);
			t->add_errors++;
			unlock(&t->lock);
		}
	}
}

static void
case_nested(void)
{
	static struct tree t;
	struct worker_pool *p;
	int rc;

	rc = pthread_mutex_init(&t.lock, NULL);
	if (rc != 0)
		errx(EX_OSERR, "pthread_mutex_init: %s", strerror(rc));
	for (size_t i = 0; i < TREE; i++)
		nodes[i] = (struct tree_node){ .t = &t, .index = i };
	make_pool(&t.q, &p, 4, 0);

	/* wp_wait must see the jobs that jobs add, not just the one queued from here. */
	ok(tsq_add_job(t.q, tree_job, &nodes[0]), "tsq_add_job");
	ok(wp_wait(p), "wp_wait");
	CHECK(t.add_errors == 0, "nested: a job could not add a job");
	check_each_once(t.runs, TREE, "nested, then wp_wait");

	/* And wp_destroy must run them too, although they are added while it drains. */
	memset(t.runs, 0, sizeof t.runs);
	ok(tsq_add_job(t.q, tree_job, &nodes[0]), "tsq_add_job");
	end_pool(t.q, p);
	CHECK(t.add_errors == 0, "nested: a job could not add a job during wp_destroy");
	check_each_once(t.runs, TREE, "nested, then wp_destroy");
	pthread_mutex_destroy(&t.lock);
	printf("nested: ok (%d jobs from one, twice: with wp_wait and with wp_destroy)\n", TREE);
}

/* A pool of 0 workers would accept jobs and never run them: it must be refused. */
static void
case_zero_workers(void)
{
	struct thread_safe_queue *q;
	struct worker_pool *p = NULL;
	unsigned int slot = 0;

	ok(new_queue(&q, 0), "tsq_init");
	CHECK(new_pool(&p, 0, q) == EINVAL, "0 workers: wp_init did not return EINVAL");
	CHECK(p == NULL, "0 workers: wp_init failed but stored a pool");
	/* A count whose thread table overflows size_t is refused too, not wrapped. */
	CHECK(new_pool(&p, SIZE_MAX, q) == EINVAL, "SIZE_MAX workers: wp_init did not return EINVAL");
	CHECK(p == NULL, "SIZE_MAX workers: wp_init failed but stored a pool");
	/* The refusals left the queue free for a real pool. */
	ok(tsq_add_job(q, count_job, &slot), "tsq_add_job");
	ok(new_pool(&p, 1, q), "wp_init after the refusal");
	end_pool(q, p);
	CHECK(slot == 1, "0 workers: the job queued after the refusal ran %u times", slot);
	puts("zero-workers: ok (EINVAL for 0 and SIZE_MAX, and the queue still feeds a pool afterwards)");
}

/* Waiting on a pool with nothing to do returns at once. */
static void
case_wait_empty(void)
{
	struct thread_safe_queue *q;
	struct worker_pool *p;
	double t0, took;

	make_pool(&q, &p, 2, 0);
	t0 = now();
	ok(wp_wait(p), "wp_wait");
	ok(wp_wait(p), "wp_wait (again)");
	took = now() - t0;
	CHECK(wp_is_empty(p), "wait-empty: wp_is_empty is false on a pool that never had a job");
	/* 0.5 s is generous even under valgrind; a sleep(1) poll would take 1 s. */
	CHECK(took < 0.5, "wait-empty: two waits on an empty pool took %.3f s", took);
	end_pool(q, p);
	printf("wait-empty: ok (returned at once)\n");
}

/*
 * wp_wait returns when the last job ends, not at the next tick of a polling
 * loop, and not when the queue is merely empty: jobs still running count.
 */
static void *
open_later(void *arg)
{
	struct timespec fifth = { .tv_nsec = 200000000 };

	while (nanosleep(&fifth, &fifth) == -1 && errno == EINTR)
		;
	gate_open(arg);
	return NULL;
}

static void
case_wait_prompt(void)
{
	struct thread_safe_queue *q;
	struct worker_pool *p;
	struct gate g;
	pthread_t opener;
	double t0, took;
	bool opened;
	int rc;

	gate_init(&g, 0);
	make_pool(&q, &p, 2, 0);
	ok(tsq_add_job(q, gate_job, &g), "tsq_add_job");
	ok(tsq_add_job(q, gate_job, &g), "tsq_add_job");
	gate_await(&g, 2);	/* the queue is empty now, and both jobs run */
	CHECK(!wp_is_empty(p), "wait-prompt: wp_is_empty is true while two jobs run");

	t0 = now();
	rc = pthread_create(&opener, NULL, open_later, &g);
	if (rc != 0)
		errx(EX_OSERR, "pthread_create: %s", strerror(rc));
	ok(wp_wait(p), "wp_wait");
	took = now() - t0;
	lock(&g.lock);
	opened = g.open;
	unlock(&g.lock);
	CHECK(opened, "wait-prompt: wp_wait returned while the jobs still ran");
	CHECK(wp_is_empty(p), "wait-prompt: wp_is_empty is false after wp_wait");
	/* The jobs end 0.2 s after t0; a sleep(1) poll would return 1 s after. */
	CHECK(took < 0.9, "wait-prompt: wp_wait took %.3f s for jobs that ended after 0.2 s",
	    took);
	rc = pthread_join(opener, NULL);
	if (rc != 0)
		errx(EX_SOFTWARE, "pthread_join: %s", strerror(rc));
	end_pool(q, p);
	CHECK(g.timeouts == 0, "wait-prompt: a job timed out at the gate");
	gate_destroy(&g);
	printf("wait-prompt: ok (jobs ended after 0.2 s, wp_wait returned after %.2f s)\n", took);
}

/* 100,000 jobs, each run exactly once. */
static void
case_exactly_once(void)
{
	enum { N = 100000 };
	struct thread_safe_queue *q;
	struct worker_pool *p;
	unsigned int *slots = new_slots(N);

	make_pool(&q, &p, 4, 0);
	add_counting(q, slots, 0, N);
	ok(wp_wait(p), "wp_wait");
	check_each_once(slots, N, "exactly-once");
	CHECK(wp_is_empty(p), "exactly-once: wp_is_empty is false after wp_wait");
	end_pool(q, p);
	free(slots);
	printf("exactly-once: ok (%d jobs, each ran once)\n", N);
}

/* Two pools share nothing: B is made, used and destroyed while A's workers are busy. */
struct tagged {
	pthread_mutex_t lock;
	pthread_t seen[2][64];	/* the threads that ran jobs of pool 0 and of pool 1 */
	size_t nseen[2];
};

struct tag_job {
	struct tagged *t;
	int pool;
};

static void
tag_job(void *arg)
{
	const struct tag_job *j = arg;
	struct tagged *t = j->t;
	pthread_t self = pthread_self();
	size_t i;

	lock(&t->lock);
	for (i = 0; i < t->nseen[j->pool]; i++)
		if (pthread_equal(t->seen[j->pool][i], self))
			break;
	if (i == t->nseen[j->pool] && i < 64)
		t->seen[j->pool][t->nseen[j->pool]++] = self;
	unlock(&t->lock);
}

static void
case_two_pools(void)
{
	const size_t N = 1000;
	static struct tagged t = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct tag_job ja = { .t = &t, .pool = 0 }, jb = { .t = &t, .pool = 1 };
	struct thread_safe_queue *qa, *qb;
	struct worker_pool *pa, *pb;
	struct gate g;
	unsigned int *slots = new_slots(2 * N);

	gate_init(&g, 0);
	make_pool(&qa, &pa, 2, 0);
	make_pool(&qb, &pb, 2, 0);
	/* Both workers of A are held at the gate. */
	ok(tsq_add_job(qa, gate_job, &g), "tsq_add_job");
	ok(tsq_add_job(qa, gate_job, &g), "tsq_add_job");
	gate_await(&g, 2);
	add_counting(qa, slots, 0, N);
	for (size_t i = 0; i < 100; i++)
		ok(tsq_add_job(qa, tag_job, &ja), "tsq_add_job");

	/* B works while A is blocked, and is destroyed: A must not notice. */
	add_counting(qb, slots, N, 2 * N);
	for (size_t i = 0; i < 100; i++)
		ok(tsq_add_job(qb, tag_job, &jb), "tsq_add_job");
	ok(wp_wait(pb), "wp_wait B");
	end_pool(qb, pb);
	CHECK(!wp_is_empty(pa), "two pools: A is empty although its jobs are held");

	gate_open(&g);
	ok(wp_wait(pa), "wp_wait A");
	check_each_once(slots, 2 * N, "two pools");
	CHECK(g.timeouts == 0, "two pools: A's gate jobs timed out");
	/* A is still a working pool after B is gone. */
	add_counting(qa, slots, 0, 1);
	ok(wp_wait(pa), "wp_wait A");
	CHECK(slots[0] == 2, "two pools: A no longer runs jobs after B was destroyed");
	end_pool(qa, pa);

	for (size_t i = 0; i < t.nseen[0]; i++)
		for (size_t k = 0; k < t.nseen[1]; k++)
			CHECK(!pthread_equal(t.seen[0][i], t.seen[1][k]),
			    "two pools: one thread ran jobs of both pools");
	CHECK(t.nseen[0] >= 1 && t.nseen[0] <= 2 && t.nseen[1] >= 1 && t.nseen[1] <= 2,
	    "two pools: jobs ran on %zu and %zu threads, pools of 2", t.nseen[0], t.nseen[1]);
	gate_destroy(&g);
	free(slots);
	puts("two-pools: ok (B made, used and destroyed while A was busy; no thread shared)");
}

/* A bounded queue refuses the job that would exceed it with EAGAIN, and nothing else. */
static void
case_bounded(void)
{
	enum { CAP = 4 };
	struct thread_safe_queue *q;
	struct worker_pool *p;
	struct gate g;
	unsigned int slots[CAP + 1] = { 0 };

	gate_init(&g, 0);
	make_pool(&q, &p, 1, CAP);
	ok(tsq_add_job(q, gate_job, &g), "tsq_add_job");
	gate_await(&g, 1);	/* the only worker is busy: nothing leaves the queue now */
	add_counting(q, slots, 0, CAP);
	CHECK(tsq_add_job(q, count_job, &slots[CAP]) == EAGAIN,
	    "bounded: job %d fit in a queue of %d", CAP + 1, CAP);
	gate_open(&g);
	ok(wp_wait(p), "wp_wait");
	check_each_once(slots, CAP, "bounded");
	CHECK(slots[CAP] == 0, "bounded: the refused job ran");
	/* A job that is running does not count: the queue takes CAP again. */
	add_counting(q, slots, 0, 1);
	end_pool(q, p);
	CHECK(slots[0] == 2, "bounded: a job queued after the refusal did not run");
	gate_destroy(&g);
	printf("bounded: ok (capacity %d: job %d refused with EAGAIN)\n", CAP, CAP + 1);
}

/* Calls that would deadlock or lose work are refused with an error, not obeyed. */
struct misuse {
	struct worker_pool *p;
	int wait_rc, destroy_rc;
};

static void
misuse_job(void *arg)
{
	struct misuse *m = arg;

	m->wait_rc = wp_wait(m->p);
	m->destroy_rc = wp_destroy(m->p);
}

static void
case_misuse(void)
{
	struct thread_safe_queue *q;
	struct worker_pool *p, *p2 = NULL;
	struct misuse m = { .wait_rc = -1, .destroy_rc = -1 };
	unsigned int slot = 0;

	make_pool(&q, &p, 2, 0);
	m.p = p;
	ok(tsq_add_job(q, misuse_job, &m), "tsq_add_job");
	ok(wp_wait(p), "wp_wait");
	CHECK(m.wait_rc == EDEADLK, "misuse: wp_wait from a job returned %d, not EDEADLK",
	    m.wait_rc);
	CHECK(m.destroy_rc == EDEADLK, "misuse: wp_destroy from a job returned %d, not EDEADLK",
	    m.destroy_rc);
	CHECK(new_pool(&p2, 1, q) == EBUSY && p2 == NULL,
	    "misuse: a second pool on one queue was not refused with EBUSY");
	CHECK(tsq_destroy(q) == EBUSY, "misuse: tsq_destroy with a pool attached: not EBUSY");
	CHECK(tsq_add_job(q, NULL, NULL) == EINVAL, "misuse: a NULL job was not refused");
	ok(wp_destroy(p), "wp_destroy");

	/* A job queued with no pool to run it is not thrown away by tsq_destroy. */
	ok(tsq_add_job(q, count_job, &slot), "tsq_add_job");
	CHECK(tsq_destroy(q) == ENOTEMPTY, "misuse: tsq_destroy dropped a queued job");
	ok(new_pool(&p, 1, q), "wp_init");
	end_pool(q, p);
	CHECK(slot == 1, "misuse: the job kept by tsq_destroy ran %u times", slot);
	puts("misuse: ok (EDEADLK from a job, EBUSY, EINVAL, ENOTEMPTY)");
}

/* Reads the process's virtual size (VmSize in /proc/self/status), in bytes; 0 when unknown. */
static size_t
vm_size(void)
{
	char line[256];
	unsigned long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "VmSize:", 7) == 0) {
			kb = strtoul(line + 7, NULL, 10);
			break;
		}
	fclose(f);
	return (size_t)kb * 1024;
}

/*
 * Creating fewer threads than asked is an error that cleans up.  A limit on
 * the address space just above what the process uses lets a few 8 MiB
 * thread stacks be mapped and then makes pthread_create fail (EAGAIN).
 * Returns false when thread creation cannot be made to fail here.
 */
static bool
case_init_fails(void)
{
	enum { N = 100, WORKERS = 64 };
	struct thread_safe_queue *q;
	struct worker_pool *p;
	struct rlimit old, tight;
	pthread_attr_t attr;
	size_t stack = 0, vm;
	unsigned int slots[N] = { 0 };
	int rc;

	rc = pthread_getattr_default_np(&attr);
	if (rc == 0) {
		rc = pthread_attr_getstacksize(&attr, &stack);
		pthread_attr_destroy(&attr);
	}
	vm = vm_size();
	if (rc != 0 || stack == 0 || vm == 0 || getrlimit(RLIMIT_AS, &old) == -1)
		return false;

	ok(new_queue(&q, 0), "tsq_init");
	add_counting(q, slots, 0, N);
	tight = old;
	tight.rlim_cur = vm + 4 * stack + stack / 2;
	if (setrlimit(RLIMIT_AS, &tight) == -1)
		err(EX_OSERR, "setrlimit");
	rc = new_pool(&p, WORKERS, q);
	if (setrlimit(RLIMIT_AS, &old) == -1)
		err(EX_OSERR, "setrlimit");
	if (rc == 0) {
		end_pool(q, p);
		return false;
	}
	CHECK(rc == EAGAIN, "init-fails: wp_init returned %s, not EAGAIN", strerror(rc));
	for (size_t i = 0; i < N; i++)
		CHECK(slots[i] == 0, "init-fails: job %zu ran although wp_init failed", i);
	/* Nothing was left attached: the same queue takes a new pool and its jobs run. */
	ok(new_pool(&p, 2, q), "wp_init after the failure");
	end_pool(q, p);
	check_each_once(slots, N, "init-fails");
	puts("init-fails: ok (pthread_create failed part way: EAGAIN, no job ran, queue reusable)");
	return true;
}

static const struct {
	const char *name;
	void (*run)(void);
} cases[] = {
	{ "drain", case_drain },
	{ "init-destroy", case_init_destroy },
	{ "one-worker", case_one_worker },
	{ "many-workers", case_many_workers },
	{ "nested", case_nested },
	{ "zero-workers", case_zero_workers },
	{ "wait-empty", case_wait_empty },
	{ "wait-prompt", case_wait_prompt },
	{ "exactly-once", case_exactly_once },
	{ "two-pools", case_two_pools },
	{ "bounded", case_bounded },
	{ "misuse", case_misuse },
};

int
main(int argc, char *argv[])
{
	const size_t ncases = sizeof cases / sizeof cases[0];

	/*
	 * A reader that has gone (pool_selftest list | head -1) makes a write to stdout fail
	 * with EPIPE, which is reported (74), instead of killing us without a word.
	 */
	signal(SIGPIPE, SIG_IGN);

	if (argc != 2) {
		fprintf(stderr, "usage: %s CASE   (%s list: the cases)\n", argv[0], argv[0]);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "list") == 0) {
		for (size_t i = 0; i < ncases; i++)
			puts(cases[i].name);
		puts("init-fails");
	} else if (strcmp(argv[1], "init-fails") == 0) {
		if (!case_init_fails())
			errx(EX_UNAVAILABLE, "init-fails: thread creation cannot be made to fail here");
	} else {
		size_t i;

		for (i = 0; i < ncases; i++)
			if (strcmp(argv[1], cases[i].name) == 0)
				break;
		if (i == ncases) {
			fprintf(stderr, "usage: %s CASE   (no case \"%s\"; %s list: the cases)\n",
			    argv[0], argv[1], argv[0]);
			return EX_USAGE;
		}
		cases[i].run();
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return EX_OK;
}
