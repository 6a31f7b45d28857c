#!/usr/bin/env bats
# worker_demo: the text's six jobs through two workers; each number exactly once.
load ../helper
program WORKER_DEMO ch09-workers/worker_demo

@test "worker_demo prints 1 to 6, each exactly once, in 10 runs" {
	local i
	for i in $(seq 10); do
		run -0 client "$WORKER_DEMO"
		# A permutation of 1..6: six lines, and sorted they are 1..6.
		assert_equal "${#lines[@]}" 6
		assert_equal "$(printf '%s\n' "${lines[@]}" | sort)" "$(seq 6)"
	done
}

@test "worker_demo takes jobs oldest first: k is never printed before k-2 others" {
	local i k pos
	for i in $(seq 10); do
		run -0 client "$WORKER_DEMO"
		# Two workers take 1..6 in order, so k can only start once k-2 have ended.
		for pos in "${!lines[@]}"; do
			k=${lines[$pos]}
			if ((pos < k - 2)); then
				fail "run $i: $k printed in place $((pos + 1)): $(echo "${lines[@]}")"
			fi
		done
	done
}

@test "worker_demo reports a failed stdout with 74" {
	[ -c /dev/full ] || skip "no /dev/full"
	# Every write to /dev/full fails with ENOSPC: the lines must not vanish silently.
	run -74 client bash -c '"$0" >/dev/full' "$WORKER_DEMO"
	assert_output --partial stdout
}

@test "worker_demo rejects arguments with a usage message and 64" {
	run -64 "$WORKER_DEMO" 2
	assert_output --partial usage
}
