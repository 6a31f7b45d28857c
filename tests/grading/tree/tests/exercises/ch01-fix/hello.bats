#!/usr/bin/env bats
# The grader's fixture suite for hello: HELLO is the program, HELLO_SRC its source.
bats_require_minimum_version 1.5.0

setup() {
	# Run by tests/grade (tests/grading/grade.bats), which sets HELLO; not alone (bats -r tests).
	[ -n "${HELLO:-}" ] || skip "a fixture of the grader's tests: HELLO is not set"
}

@test "usage: hello with an argument exits 64" {
	run timeout 10 "$HELLO" extra
	[ "$status" -eq 64 ] || { echo "sent: hello extra; expected: exit 64; got: exit $status"; false; }
}

@test "service: hello prints hello" {
	# No timeout on purpose: a hanging hello hangs the suite (the grader's -t cuts it).
	run "$HELLO"
	[ "$output" = hello ] || { echo "expected: hello"; echo "got: $output (exit $status)"; false; }
}

@test "protocol: hello's line ends in one LF" {
	[ "$(timeout 10 "$HELLO" | od -An -c | tr -d ' \n')" = 'hello\n' ]
}

@test "families: hello over a flux capacitor" {
	skip "no flux capacitor on this host"
}

@test "memory: hello built with AddressSanitizer runs clean" {
	[ -n "${HELLO_SRC:-}" ] || skip "no source to build with sanitizers"
	cc -std=c17 -fsanitize=address,undefined -o "$BATS_FILE_TMPDIR/hello-asan" "$HELLO_SRC"
	run timeout 20 "$BATS_FILE_TMPDIR/hello-asan"
	[ "$status" -eq 0 ]
}
