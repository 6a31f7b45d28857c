#!/usr/bin/env bats
# tests/grading/grade.bats - tests/grade on a submission made here: sockaddr_sizes.c twice
# (a clean copy of ours at the top, one with a warning in ch05-sockets/, which must win),
# a service_name.c that does not compile, a prebuilt discard_tcp (a script that gets the
# usage tests right and nothing else), every other exercise missing.  One graded run,
# in setup_file, with a points table of its own, is looked at by most tests.
load ../helper
load ../lib/grading

GRADE=$NETPROG_TOP/tests/grade

setup_file() {
	local sub=$BATS_FILE_TMPDIR/sub
	mkdir -p "$sub/ch05-sockets"
	# The grade's TMPDIR, outside bats' own directory (only its owner may enter that,
	# and run as root, tests/grade works as another user); teardown_file removes it.
	mktemp -d /tmp/grade-test.XXXXXX >"$BATS_FILE_TMPDIR/tmpdir"
	chmod 1777 "$(cat "$BATS_FILE_TMPDIR/tmpdir")"
	cp "$NETPROG_TOP/exercises/ch05-sockets/sockaddr_sizes.c" "$sub/sockaddr_sizes.c"
	# An unused variable: one warning (-Wunused-variable) with the course's flags.
	sed 's/^main(\(.*\))$/main(\1)\n{\n\tint unused;/; T; n; d' \
		"$NETPROG_TOP/exercises/ch05-sockets/sockaddr_sizes.c" >"$sub/ch05-sockets/sockaddr_sizes.c"
	printf 'int\nmain(void)\n{\n\treturn 0\n}\n' >"$sub/service_name.c"
	# Right about usage (and only when it does not run as root: tests/grade run as root
	# must have dropped to another user), wrong about everything else.
	cat >"$sub/discard_tcp" <<-'EOF'
		#!/bin/sh
		[ "$(id -u)" -ne 0 ] || exit 99
		usage() { echo "usage: discard_tcp PORT" >&2; exit 64; }
		[ $# -eq 1 ] || usage
		case $1 in '' | *[!0-9]* | ??????*) usage ;; esac
		[ "$1" -le 65535 ] || usage
		exit 0
	EOF
	chmod +x "$sub/discard_tcp"
	cat >"$BATS_FILE_TMPDIR/points" <<-'EOF'
		# the test's own table
		warning-penalty 1.5
		default 4
		suite sockaddr_sizes 6   # a comment after a setting
		suite discard_tcp 11
		weight discard_tcp 5 rejects a port
	EOF
	TMPDIR=$(cat "$BATS_FILE_TMPDIR/tmpdir") "$GRADE" -p "$BATS_FILE_TMPDIR/points" -o "$BATS_FILE_TMPDIR/out" \
		-t 300 "$sub" >"$BATS_FILE_TMPDIR/table" 2>"$BATS_FILE_TMPDIR/stderr" 3>&- </dev/null
	echo $? >"$BATS_FILE_TMPDIR/status"
}

teardown_file() {
	rm -rf "$(cat "$BATS_FILE_TMPDIR/tmpdir")"
}

# The table's row for exercise $1.
row() {
	grep -E "^$1 " "$BATS_FILE_TMPDIR/table"
}

@test "grade exits 0 and lists every exercise of the repository, missing ones with 0 points" {
	local src ex
	[ "$(cat "$BATS_FILE_TMPDIR/status")" -eq 0 ] || { cat "$BATS_FILE_TMPDIR/stderr"; false; }
	grading_init "$NETPROG_TOP"
	for src in $(grading_exercises); do
		ex=$(basename "$src" .c)
		row "$ex" >/dev/null || { echo "no row for $ex"; cat "$BATS_FILE_TMPDIR/table"; false; }
		case $ex in
		sockaddr_sizes | service_name | discard_tcp) ;;
		*) [[ $(row "$ex") =~ ^$ex\ +missing\ .*\ 0\.00/[0-9.]+$ ]] ;;
		esac
	done
}

@test "grade prefers the file in the chapter folder, counts its warning and takes the penalty off" {
	run row sockaddr_sizes
	assert_output --regexp '^sockaddr_sizes +ch05-sockets/sockaddr_sizes\.c \(source\) +3/3 +1 +4\.50/6$'
	grep -q 'note: 2 files named sockaddr_sizes.c; graded ch05-sockets/sockaddr_sizes.c' "$BATS_FILE_TMPDIR/stderr"
	grep -q 'warning: unused variable' "$BATS_FILE_TMPDIR/out/sockaddr_sizes.build.log"
}

@test "a source that does not compile scores 0, and its compiler messages are kept" {
	run row service_name
	assert_output --regexp '^service_name +service_name\.c \(does not compile\) +- +- +0\.00/4$'
	grep -q 'error:' "$BATS_FILE_TMPDIR/out/service_name.build.log"
	[ ! -e "$BATS_FILE_TMPDIR/out/service_name.tap" ]
}

@test "a prebuilt binary is graded, as another user than root, with the table's weights" {
	# Tests 10 (weight 5) and 11 (weight 1) pass, 9 others fail: 11 x 6/15.
	run row discard_tcp
	assert_output --regexp '^discard_tcp +discard_tcp \(binary\) +2/11 +- +4\.40/11$'
}

@test "the total is the sum of the points, out of the sum of what every exercise is worth" {
	local src ex max=0
	grading_init "$NETPROG_TOP"
	for src in $(grading_exercises); do
		ex=$(basename "$src" .c)
		[ -f "$(grading_suite "$src")" ] || continue
		case $ex in
		sockaddr_sizes) max=$((max + 6)) ;;
		discard_tcp) max=$((max + 11)) ;;
		*) max=$((max + 4)) ;;
		esac
	done
	run grep -E '^total ' "$BATS_FILE_TMPDIR/table"
	assert_output --regexp "^total +8\.90/$max\.00\$"
}

@test "the TAP, JUnit and CSV files are there and parse" {
	local out=$BATS_FILE_TMPDIR/out
	[ "$(head -n 1 "$out/sockaddr_sizes.tap")" = 1..3 ]
	[ "$(grep -c '^ok ' "$out/sockaddr_sizes.tap")" -eq 3 ]
	[ "$(head -n 1 "$out/discard_tcp.tap")" = 1..11 ]
	run -0 "$PYTHON" - "$out" <<-'EOF'
		import csv, sys, xml.etree.ElementTree as ET
		out = sys.argv[1]
		for ex, tests, failures in (("sockaddr_sizes", 3, 0), ("discard_tcp", 11, 9)):
		    suite = ET.parse(f"{out}/{ex}.junit.xml").getroot().find("testsuite")
		    assert int(suite.get("tests")) == tests, (ex, suite.attrib)
		    assert int(suite.get("failures")) == failures, (ex, suite.attrib)
		    assert len(suite.findall("testcase")) == tests
		with open(f"{out}/summary.csv", newline="") as f:
		    rows = {r["exercise"]: r for r in csv.DictReader(f)}
		r = rows["sockaddr_sizes"]
		assert (r["status"], r["passed"], r["total"], r["warnings"], r["points"], r["max_points"]) == \
		    ("source", "3", "3", "1", "4.50", "6"), r
		r = rows["discard_tcp"]
		assert (r["status"], r["passed"], r["failed"], r["points"]) == ("binary", "2", "9", "4.40"), r
		assert rows["service_name"]["status"] == "does not compile"
		assert rows["TOTAL"]["points"] == "8.90", rows["TOTAL"]
		print("ok")
	EOF
	assert_output ok
}

@test "grade leaves no work directory behind" {
	run -0 find "$(cat "$BATS_FILE_TMPDIR/tmpdir")" -mindepth 1
	assert_output ''
}

@test "an empty submission is graded too: every exercise missing, results in DIR/grade-results" {
	mkdir "$BATS_TEST_TMPDIR/empty"
	run -0 "$GRADE" -p "$BATS_FILE_TMPDIR/points" "$BATS_TEST_TMPDIR/empty" 3>&-
	assert_line --regexp '^total +0\.00/[0-9]+\.00$'
	refute_line --regexp '\((source|binary)\)'
	[ -f "$BATS_TEST_TMPDIR/empty/grade-results/summary.csv" ]
}

@test "grade rejects bad usage with 64, a missing DIR with 66, a bad points table with 65" {
	run -64 "$GRADE"
	run -64 "$GRADE" "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR"
	run -64 "$GRADE" --no-such-option "$BATS_TEST_TMPDIR"
	run -64 "$GRADE" -t abc "$BATS_TEST_TMPDIR"
	run -64 "$GRADE" -o
	run -66 --separate-stderr "$GRADE" "$BATS_TEST_TMPDIR/nonexistent"
	[[ $stderr == *nonexistent* ]]
	echo 'suite echo_tcp many' >"$BATS_TEST_TMPDIR/points"
	run -65 --separate-stderr "$GRADE" -p "$BATS_TEST_TMPDIR/points" "$BATS_TEST_TMPDIR"
	[[ $stderr == *points:1:* ]]
}
