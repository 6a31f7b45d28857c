#!/usr/bin/env bats
# The shared helpers (CONTRIBUTING.md, "Canonical helpers"): every marked copy in
# a program is byte-identical to canon/NAME.c, no program defines a canon's
# function outside a marked copy, and none writes an EAI_* table of its own.
# tests/lib/canon_check.py does the comparing; the fixtures below prove that it
# catches a drifted copy, a bad marker, an unmarked copy and an inline table.
# Seconds.
load ../helper

CHECK=$NETPROG_TOP/tests/lib/canon_check.py

# A tree of its own: canon/ with one helper, and one program.
fixture_tree() {
	FIX=$BATS_TEST_TMPDIR/tree
	mkdir -p "$FIX/canon" "$FIX/ch99-test"
	printf '/* Twice X. */\nstatic int\ntwice(int x)\n{\n\treturn 2 * x;\n}\n' >"$FIX/canon/twice.c"
}

@test "canon: every marked copy in the programs is byte-identical to its canon" {
	run "$PYTHON" "$CHECK" "$NETPROG_TOP"
	[ "$status" -eq 0 ] || fail "copies that differ from canon/ (fix the copy, or change the canon and every copy):
$output"
}

@test "canon: every canon is held by at least one program" {
	[ ! -e "$NETPROG_TOP/.student-pack" ] || skip "the student pack's stubs hold no helpers"
	run "$PYTHON" "$CHECK" --unused "$NETPROG_TOP"
	[ "$status" -eq 0 ] || fail "$output"
}

@test "canon: a drifted copy is reported with its file, helper and first differing line" {
	fixture_tree
	{
		printf '/* canon: twice (see CONTRIBUTING.md) */\n'
		printf '/* Twice X. */\nstatic int\ntwice(int x)\n{\n\treturn x + x;\n}\n'
		printf '/* end canon: twice */\n'
	} >"$FIX/ch99-test/prog.c"
	run "$PYTHON" "$CHECK" "$FIX"
	[ "$status" -eq 1 ] || fail "expected status 1 for a drifted copy, got $status: $output"
	assert_output --partial 'ch99-test/prog.c:6: helper twice differs from canon/twice.c at its line 5'
	assert_output --partial "'\\treturn 2 * x;'"
	assert_output --partial "'\\treturn x + x;'"
}

@test "canon: an identical copy passes" {
	fixture_tree
	{
		printf '/* canon: twice (see CONTRIBUTING.md) */\n'
		cat "$FIX/canon/twice.c"
		printf '/* end canon: twice */\n'
	} >"$FIX/ch99-test/prog.c"
	run "$PYTHON" "$CHECK" "$FIX"
	assert_success
	assert_output ''
}

@test "canon: a copy cut short, an unknown canon and a missing end marker are reported" {
	fixture_tree
	printf '/* canon: twice (see CONTRIBUTING.md) */\n/* Twice X. */\n/* end canon: twice */\n' \
		>"$FIX/ch99-test/short.c"
	printf '/* canon: thrice (see CONTRIBUTING.md) */\n/* end canon: thrice */\n' >"$FIX/ch99-test/unknown.c"
	printf '/* canon: twice (see CONTRIBUTING.md) */\n/* Twice X. */\n' >"$FIX/ch99-test/open.c"
	printf '/* canon: twice */\n' >"$FIX/ch99-test/loose.c"
	run "$PYTHON" "$CHECK" "$FIX"
	[ "$status" -eq 1 ] || fail "expected status 1, got $status: $output"
	assert_output --partial 'short.c:3: helper twice differs from canon/twice.c at its line 2'
	assert_output --partial 'unknown.c:1: no canon named thrice'
	assert_output --partial 'open.c:1: canon twice has no "/* end canon: twice */" line'
	assert_output --partial 'loose.c:1: malformed canon marker'
}

@test "canon: a canon's function defined without markers is reported" {
	fixture_tree
	printf 'static int\ntwice(int x)\n{\n\treturn x << 1;\n}\n' >"$FIX/ch99-test/prog.c"
	# Files named: each is checked strictly, whatever its folder.
	run "$PYTHON" "$CHECK" "$FIX" "$FIX/ch99-test/prog.c"
	[ "$status" -eq 1 ] || fail "expected status 1 for an unmarked copy, got $status: $output"
	assert_output --partial 'ch99-test/prog.c:2: twice is defined outside a marked copy of canon/twice.c'
}

@test "canon: an inline EAI_* table (a case EAI_ outside a marked copy) is reported" {
	fixture_tree
	printf 'static int\nstatus(int rc)\n{\n\tswitch (rc) {\n\tcase EAI_AGAIN:\n\t\treturn 75;\n' >"$FIX/ch99-test/prog.c"
	printf '\tdefault:\n\t\treturn 68;\n\t}\n}\n' >>"$FIX/ch99-test/prog.c"
	run "$PYTHON" "$CHECK" "$FIX"
	[ "$status" -eq 1 ] || fail "expected status 1 for an inline EAI_* table, got $status: $output"
	assert_output --partial 'ch99-test/prog.c:5: "case EAI_" outside a marked copy of a canon'
	assert_output --partial 'canon/gai_exit_status.c'
}

@test "canon: a case EAI_ inside a marked copy passes" {
	fixture_tree
	printf 'static int\nstatus(int rc)\n{\n\tswitch (rc) {\n\tcase EAI_AGAIN:\n\t\treturn 75;\n' >"$FIX/canon/table.c"
	printf '\tdefault:\n\t\treturn 70;\n\t}\n}\n' >>"$FIX/canon/table.c"
	{
		printf '/* canon: table (see CONTRIBUTING.md) */\n'
		cat "$FIX/canon/table.c"
		printf '/* end canon: table */\n'
	} >"$FIX/ch99-test/prog.c"
	run "$PYTHON" "$CHECK" "$FIX"
	assert_success
	assert_output ''
}

@test "canon: an exception of NOT_YET that is no longer needed is reported (--unused)" {
	local entry check=$CHECK
	entry=$("$PYTHON" -B -c 'import sys; sys.path.insert(0, sys.argv[1]); import canon_check as c
print(min(c.NOT_YET, default=""))' "$NETPROG_TOP/tests/lib")
	if [ -z "$entry" ]; then
		# NOT_YET is empty today: a copy of the checker with one exception of its own.
		entry=ch06-uniplex/not_yet.c
		check=$BATS_TEST_TMPDIR/canon_check.py
		sed "s|^NOT_YET = {}\$|NOT_YET = {'$entry': {'parse_port'}}|" "$CHECK" >"$check"
		grep -q "^NOT_YET = {'$entry'" "$check" || fail "could not give the checker an exception of its own"
	fi
	fixture_tree
	mkdir -p "$FIX/$(dirname "$entry")"
	printf 'static int\nother(void)\n{\n\treturn 0;\n}\n' >"$FIX/$entry"
	run "$PYTHON" "$check" --unused "$FIX"
	[ "$status" -eq 1 ] || fail "expected status 1 for a stale exception of $entry, got $status: $output"
	assert_output --partial "$entry: holds no \""
	assert_output --partial 'outside a marked copy any more'
}
