#!/usr/bin/env bats
# The shared helpers (CONTRIBUTING.md, "Canonical helpers"): every marked copy in
# a program is byte-identical to canon/NAME.c, and no program defines a canon's
# function outside a marked copy.  tests/lib/canon_check.py does the comparing;
# the fixtures below prove that it catches a drifted copy, a bad marker and an
# unmarked copy.  Seconds.
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
