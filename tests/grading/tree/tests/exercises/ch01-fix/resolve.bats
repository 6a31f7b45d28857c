#!/usr/bin/env bats
# The grader's fixture suite for resolve: RESOLVE is the program.
bats_require_minimum_version 1.5.0

setup() {
	# Run by tests/grade (tests/grading/grade.bats), which sets RESOLVE; not alone (bats -r tests).
	[ -n "${RESOLVE:-}" ] || skip "a fixture of the grader's tests: RESOLVE is not set"
}

@test "service: resolve 127.0.0.1 prints 127.0.0.1" {
	run timeout 10 "$RESOLVE" 127.0.0.1
	[ "$output" = 127.0.0.1 ] || { echo "expected: 127.0.0.1; got: $output (exit $status)"; false; }
}

@test "usage: resolve with no argument exits 64" {
	run timeout 10 "$RESOLVE"
	[ "$status" -eq 64 ]
}

@test "robustness: resolve rejects a name that is not an address with 68" {
	run timeout 10 "$RESOLVE" not..an..address
	[ "$status" -eq 68 ]
}
