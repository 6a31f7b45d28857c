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
