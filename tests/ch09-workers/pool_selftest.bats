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
