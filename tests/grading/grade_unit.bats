#!/usr/bin/env bats
# tests/grading/grade_unit.bats - the unit tests of tests/grade (TAP parsing with
# skips, todo, bail-out and a suite that dies mid-stream; scoring and the warning cap;
# the points file; JUnit well-formed 20 times in a row; the build hints), which are
# Python's unittest in grade_unit.py.
load ../helper

@test "the grader's unit tests pass" {
	run -0 "$PYTHON" -B "$NETPROG_TOP/tests/grading/grade_unit.py" -v
	assert_output --partial 'OK'
}
