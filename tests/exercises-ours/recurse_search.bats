#!/usr/bin/env bats
# recurse_search's extras beyond the exercise's contract (CONTRIBUTING.md), never graded.
load ../helper
load ../lib/ours
program RECURSE_SEARCH exercises/ch07-multiplex/recurse_search

setup() {
	netprog_setup
	[ ! -e "$NETPROG_TOP/.student-pack" ] || skip "our solutions' extras: the student pack holds stubs"
	needs_plain_binary "$RECURSE_SEARCH"
}

# Descriptors inherited above a limit of 4 were counted as taken: "-4 free descriptors".
@test "recurse_search: the note on too few descriptors never gives a negative count" {
	mkdir -p "$BATS_TEST_TMPDIR/t"
	echo needle >"$BATS_TEST_TMPDIR/t/f"
	run --separate-stderr client "$PYTHON" -c 'import os, resource, sys
os.closerange(3, 65536)
for fd in range(10, 18):
    os.dup2(2, fd)
resource.setrlimit(resource.RLIMIT_NOFILE, (4, 4))
os.execv(sys.argv[1], sys.argv[1:])' "$RECURSE_SEARCH" -j 8 "$BATS_TEST_TMPDIR/t" needle
	[[ $stderr != *" -"[0-9]*" free descriptors"* ]] || fail "stderr: $stderr"
	[[ $stderr == *"free descriptors (limit 4)"* ]] || fail "no note naming the limit: $stderr"
}

# limited N ARGS...: recurse_search ARGS with only stdin, stdout and stderr open and a
# descriptor limit of N (hard and soft): DIR then leaves N - 4 free.
limited() {
	local n=$1
	shift
	run --separate-stderr client "$PYTHON" -c 'import os, resource, sys
os.closerange(3, 65536)
resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[1]), int(sys.argv[1])))
os.execv(sys.argv[2], sys.argv[2:])' "$n" "$RECURSE_SEARCH" "$@"
}

# With a limit of 4 it said "0 free descriptors ... are enough for 1 of the 2 workers",
# ran one anyway, and ended with "Too many open files" and 2.
@test "recurse_search: with no descriptor free for even one worker, it says so and exits 71" {
	mkdir -p "$BATS_TEST_TMPDIR/t"
	echo needle >"$BATS_TEST_TMPDIR/t/f"
	limited 4 -j 2 "$BATS_TEST_TMPDIR/t" needle
	[ "$status" -eq 71 ] || fail "limit 4, -j 2: expected 71, got $status; stderr: $stderr"
	[ "$stderr" = "${RECURSE_SEARCH##*/}: 0 free descriptors (limit 4) are too few for even one worker, which needs 2 at once (a directory, and a file or a subdirectory in it)" ] ||
		fail "limit 4: stderr: $stderr"
	assert_output ''
}

# With a limit of 5 it said "1 free descriptors".
@test "recurse_search: one free descriptor is named in the singular" {
	mkdir -p "$BATS_TEST_TMPDIR/t"
	echo needle >"$BATS_TEST_TMPDIR/t/f"
	limited 5 -j 2 "$BATS_TEST_TMPDIR/t" needle
	[ "$stderr" = "${RECURSE_SEARCH##*/}: 1 free descriptor (limit 5) is too few for even one worker, which needs 2 at once (a directory, and a file or a subdirectory in it)" ] ||
		fail "limit 5: stderr: $stderr (status $status)"
}

@test "recurse_search: two free descriptors are enough for one worker, which finds the file" {
	mkdir -p "$BATS_TEST_TMPDIR/t/a/b/c"
	echo needle >"$BATS_TEST_TMPDIR/t/a/b/c/f"
	echo other >"$BATS_TEST_TMPDIR/t/a/g"
	limited 6 -j 2 "$BATS_TEST_TMPDIR/t" needle
	[ "$status" -eq 0 ] || fail "limit 6, -j 2: expected 0, got $status; stderr: $stderr"
	assert_output "$BATS_TEST_TMPDIR/t/a/b/c/f"
	[ "$stderr" = "${RECURSE_SEARCH##*/}: 2 free descriptors (limit 6) are enough for 1 of the 2 workers only" ] ||
		fail "limit 6: stderr: $stderr"
}
