#!/usr/bin/env bats
# make clean removes exactly what the build made.  The tree under test is a copy
# of this checkout's tracked files (as they are in the working tree), made a git
# repository of its own, so `git status --ignored` can say what is left over and
# what went missing.  About a minute: the copy is built in full once.
load ../helper

setup_file() {
	bats_require_minimum_version 1.5.0
	if ! git -C "$NETPROG_TOP" rev-parse --git-dir >/dev/null 2>&1; then
		export CLEAN_SKIP="not a git checkout (the student pack has its own make clean test)"
		return 0
	fi
	export TREE=$BATS_FILE_TMPDIR/tree
	mkdir -p "$TREE"
	(cd "$NETPROG_TOP" && git ls-files -z --cached --exclude-standard | xargs -0 cp --parents -t "$TREE" 2>/dev/null) || true
	git -C "$TREE" init -q
	git -C "$TREE" add -A
	git -C "$TREE" -c user.name=t -c user.email=t@t commit -qm tree
}

setup() {
	[ -z "${CLEAN_SKIP:-}" ] || skip "$CLEAN_SKIP"
}

# A make of its own, not a sub-make of the `make check` that runs this suite.
tree_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$TREE" "$@"
}

@test "after make, then make clean, the tree is exactly as checked out" {
	run tree_make -j"$(nproc)" all
	[ "$status" -eq 0 ] || fail "make failed in a copy of the tree: ${output: -2000}"
	# The build made something, or this test proves nothing.
	[ -x "$TREE/ch05-sockets/if_list" ] || fail "make built no ch05-sockets/if_list"
	run tree_make clean
	[ "$status" -eq 0 ] || fail "make clean failed: $output"
	run git -C "$TREE" status --porcelain --ignored
	[ -z "$output" ] || fail "after make clean, git status --porcelain --ignored says
(' D' is a tracked file deleted, '!!' a build output left behind):
$output"
}

@test "make clean in a tree never built deletes nothing" {
	run tree_make clean
	[ "$status" -eq 0 ] || fail "make clean failed: $output"
	run git -C "$TREE" status --porcelain --ignored
	[ -z "$output" ] || fail "make clean on a fresh tree changed it:
$output"
}
