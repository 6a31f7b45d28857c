#!/usr/bin/env bats
# pool_selftest: the worker pool of ch09-workers/worker_pool.c where small C pools
# are known to fail.  Each case is its own run under a timeout: a pool that hangs
# fails its test instead of stopping the suite.  Run it under `make tsan` and
# `make valgrind` too: the cases are written so that a race or a leak shows there.
load ../helper
program POOL_SELFTEST ch09-workers/pool_selftest

# selftest CASE: run one case; it must pass and say so.
selftest() {
	run -0 client "$POOL_SELFTEST" "$1"
	assert_output --partial "$1: ok"
}

@test "pool_selftest drain: destroy right after queueing 10,000 jobs runs every one exactly once" {
	selftest drain
}

@test "pool_selftest init-destroy: destroy right after init neither hangs nor leaks (50 pools)" {
	selftest init-destroy
}

@test "pool_selftest one-worker: a pool of 1 runs 1,000 jobs in queue order on one thread" {
	selftest one-worker
}

@test "pool_selftest many-workers: a pool of 64 runs 64 jobs at the same time" {
	selftest many-workers
}

@test "pool_selftest nested: jobs that add jobs are waited for by wp_wait and run by wp_destroy" {
	selftest nested
}

@test "pool_selftest zero-workers: a pool of 0 workers is EINVAL, not a hang" {
	selftest zero-workers
}

@test "pool_selftest wait-empty: wp_wait on an empty pool returns at once" {
	selftest wait-empty
}

@test "pool_selftest wait-prompt: wp_wait sleeps until the last job ends, no polling" {
	selftest wait-prompt
}

@test "pool_selftest exactly-once: 100,000 jobs, each run exactly once" {
	selftest exactly-once
}

@test "pool_selftest two-pools: two pools are independent; destroying one leaves the other" {
	selftest two-pools
}

@test "pool_selftest bounded: a full bounded queue refuses a job with EAGAIN" {
	selftest bounded
}

@test "pool_selftest misuse: EDEADLK from inside a job, EBUSY, EINVAL, ENOTEMPTY" {
	selftest misuse
}

@test "pool_selftest init-fails: pthread_create failing part way is EAGAIN, and cleans up" {
	run client "$POOL_SELFTEST" init-fails
	if [ "$status" -eq 69 ]; then
		skip "this machine does not let RLIMIT_AS make pthread_create fail"
	fi
	[ "$status" -eq 0 ]
	assert_output --partial "init-fails: ok"
}

@test "pool_selftest list names every case above, and nothing else" {
	run -0 "$POOL_SELFTEST" list
	assert_output "$(printf '%s\n' drain init-destroy one-worker many-workers nested \
		zero-workers wait-empty wait-prompt exactly-once two-pools bounded misuse init-fails)"
}

@test "pool_selftest rejects no case, two cases and an unknown case with 64" {
	run -64 "$POOL_SELFTEST"
	assert_output --partial usage
	run -64 "$POOL_SELFTEST" drain nested
	assert_output --partial usage
	run -64 "$POOL_SELFTEST" no-such-case
	assert_output --partial usage
}

# The chapter's snippet, with only its real errors fixed: puts (int (*)(const char *))
# wrapped in a job of the pool's type, and the includes and main it leaves out.
# -Wwrite-strings is ours, not C's: string literals are char arrays in C.
@test "the text's snippet compiles against worker_pool.h and runs each job once" {
	cat >"$BATS_TEST_TMPDIR/snippet.c" <<'C'
#include <stdio.h>
#include <unistd.h>
#include "worker_pool.h"

static void
puts_job(void *arg)
{
	puts(arg);
}

int
main(void)
{
	thread_safe_queue q = tsq_init();
	tsq_add_job(q, puts_job, "1");
	tsq_add_job(q, puts_job, "2");
	tsq_add_job(q, puts_job, "3");
	tsq_add_job(q, puts_job, "4");
	tsq_add_job(q, puts_job, "5");
	tsq_add_job(q, puts_job, "6");

	size_t worker_count = 2;
	worker_pool p = wp_init(worker_count, q);

	while(!wp_is_empty(p)) {
		sleep(1);
	}
	wp_destroy(p);
	tsq_destroy(q);
	return 0;
}
C
	run cc -std=c17 -Wall -Wextra -Wpedantic -Werror -pthread -I"$NETPROG_TOP/ch09-workers" \
		-o "$BATS_TEST_TMPDIR/snippet" "$BATS_TEST_TMPDIR/snippet.c" "$NETPROG_TOP/ch09-workers/worker_pool.c"
	[ "$status" -eq 0 ] || fail "the snippet does not compile against worker_pool.h: $output"
	run -0 client "$BATS_TEST_TMPDIR/snippet"
	run sort <<<"$output"
	assert_output "$(printf '%s\n' 1 2 3 4 5 6)"
}
