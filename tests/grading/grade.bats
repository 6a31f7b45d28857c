#!/usr/bin/env bats
# tests/grading/grade.bats - tests/grade end to end, on the fixture repository
# tests/grading/tree/ (two exercises, hello and resolve, with quick suites): a
# submission with every exercise, one with none, one that hangs, one that daemonizes,
# one that does not compile (a missing feature-test macro) next to one with warnings,
# and a roster of three.  Each is graded once, in setup_file, in parallel; the tests
# look at the results.  The grader's units are in grade_unit.bats.
load ../helper

GRADE=$NETPROG_TOP/tests/grade
TREE=$NETPROG_TOP/tests/grading/tree
FIX=$TREE/exercises/ch01-fix

# grade NAME ARG...: tests/grade --tree TREE ARG..., stdout, stderr and status in $R/NAME.*
grade_into() {
	local name=$1
	shift
	"$GRADE" --tree "$TREE" "$@" >"$R/$name.out" 2>"$R/$name.err" </dev/null 3>&-
	echo $? >"$R/$name.status"
}

setup_file() {
	export R=$BATS_FILE_TMPDIR
	local s=$R/subs
	mkdir -p "$s/full/ch01-fix" "$s/none" "$s/hangs" "$s/daemon" "$s/broken" "$s/class/ann" "$s/class/bob" "$s/class/cid"
	cp "$FIX/hello.c" "$FIX/resolve.c" "$s/full/ch01-fix/"
	echo 'not a submission' >"$s/none/README"
	# hangs: hello never ends, so the suite's untimed test hangs until -t cuts it.
	sed 's/puts("hello");/for (;;) pause();/; s/#include <sysexits.h>/&\n#include <unistd.h>/; 1i #define _POSIX_C_SOURCE 200809L' \
		"$FIX/hello.c" >"$s/hangs/hello.c"
	cp "$FIX/resolve.c" "$s/hangs/"
	# daemon: right answers, but every run leaves a child behind in a session of its own.
	cat >"$s/daemon/hello.c" <<-'EOF'
		#define _POSIX_C_SOURCE 200809L
		#include <fcntl.h>
		#include <stdio.h>
		#include <sysexits.h>
		#include <unistd.h>
		int
		main(int argc, char *argv[])
		{
			(void)argv;
			if (argc != 1)
				return EX_USAGE;
			if (fork() == 0) {
				int fd = open("/dev/null", O_RDWR);
				setsid();
				dup2(fd, 0);
				dup2(fd, 1);
				dup2(fd, 2);
				for (;;)
					pause();
			}
			puts("hello");
			return 0;
		}
	EOF
	# broken: resolve.c without its feature-test macro (compiles with plain gcc, not
	# with -std=c17); hello.c with four unused variables (four warnings).
	sed '/_POSIX_C_SOURCE/d' "$FIX/resolve.c" >"$s/broken/resolve.c"
	sed 's/(void)argv;/int a, b, c, d;\n\t(void)argv;/' "$FIX/hello.c" >"$s/broken/hello.c"
	cp -r "$s/full/." "$s/class/ann/"
	cp -r "$s/hangs/." "$s/class/bob/"
	grade_into full "$s/full" &
	grade_into none "$s/none" &
	grade_into hangs -t 4 "$s/hangs" &
	grade_into daemon -e hello "$s/daemon" &
	grade_into broken "$s/broken" &
	grade_into class -t 4 -j 2 --roster "$s/class" &
	wait
}

# field FILE ROW COLUMN: a cell of a CSV file, the row found by its first column.
field() {
	"$PYTHON" -c '
import csv, sys
rows = {r[0]: r for r in csv.reader(open(sys.argv[1]))}
print(rows[sys.argv[2]][rows[next(iter(rows))].index(sys.argv[3])])' "$@"
}

# No process runs a build of the grader's work directories any more.
assert_nothing_left() {
	local pid exe left=
	for pid in /proc/[0-9]*; do
		exe=$(readlink "$pid/exe" 2>/dev/null) || continue
		case $exe in */grade.*/hello* | */grade.*/resolve*) left="$left ${pid#/proc/}($exe)" ;; esac
	done
	[ -z "$left" ] || { echo "still running:$left"; false; }
}

@test "a full submission: every exercise graded, exit 0, points from the property shares" {
	[ "$(cat "$R/full.status")" -eq 0 ] || { cat "$R/full.err"; false; }
	# hello: one families test of 90 shares skips: 10 - 10 * 10/90.
	[ "$(field "$R/subs/full/grade-results/summary.csv" hello points)" = 8.89 ]
	[ "$(field "$R/subs/full/grade-results/summary.csv" resolve points)" = 6.00 ]
	[ "$(field "$R/subs/full/grade-results/summary.csv" TOTAL points)" = 14.89 ]
	[ "$(field "$R/subs/full/grade-results/summary.csv" resolve file)" = ch01-fix/resolve.c ]
	grep -qE '^total +14\.89/16\.00$' "$R/full.out"
}

@test "skips earn nothing, mark the result incomplete, and the last line says how many and why" {
	local out=$R/subs/full/grade-results
	[ "$(field "$out/summary.csv" hello status)" = incomplete ]
	[ "$(field "$out/summary.csv" hello skipped)" = 1 ]
	[ "$(field "$out/summary.csv" TOTAL status)" = incomplete ]
	[ "$(field "$out/summary.csv" resolve status)" = graded ]
	[ "$(tail -n 1 "$R/full.out")" = 'skipped: 1 test(s), earning nothing: 1 x no flux capacitor on this host' ]
	grep -q '^- families: hello over a flux capacitor: no flux capacitor on this host$' "$out/feedback.md"
	grep -q '^\*\*Incomplete:\*\*' "$out/feedback.md"
	run -0 "$PYTHON" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["extra_data"]["incomplete"])' "$out/results.json"
	assert_output True
}

@test "--allow-skips: the same points, and the result is not incomplete" {
	cp -r "$R/subs/full" "$BATS_TEST_TMPDIR/sub"
	run -0 "$GRADE" --tree "$TREE" --allow-skips -e hello "$BATS_TEST_TMPDIR/sub" 3>&-
	[ "$(field "$BATS_TEST_TMPDIR/sub/grade-results/summary.csv" hello status)" = graded ]
	[ "$(field "$BATS_TEST_TMPDIR/sub/grade-results/summary.csv" hello points)" = 8.89 ]
}

@test "the suites get the build in HELLO and the source in HELLO_SRC (the memory test builds it)" {
	grep -q '^ok 5 memory: hello built with AddressSanitizer runs clean$' "$R/subs/full/grade-results/hello.tap"
}

@test "results.json has Gradescope's fields, and its tests add up to the score" {
	run -0 "$PYTHON" - "$R/subs/full/grade-results/results.json" "$R/subs/broken/grade-results/results.json" <<-'EOF'
		import json, sys
		for path in sys.argv[1:]:
		    d = json.load(open(path))
		    assert isinstance(d["score"], (int, float)), d
		    assert d["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
		    assert isinstance(d["output"], str) and isinstance(d["execution_time"], (int, float))
		    assert d["tests"], d
		    for t in d["tests"]:
		        assert set(t) <= {"score", "max_score", "status", "name", "name_format", "number", "output",
		                          "output_format", "tags", "visibility", "extra_data"}, t
		        assert isinstance(t["name"], str) and isinstance(t["output"], str), t
		        assert isinstance(t["score"], (int, float)) and isinstance(t["max_score"], (int, float)), t
		        assert t["status"] in ("passed", "failed") and t["visibility"] == "visible", t
		    assert abs(sum(t["score"] for t in d["tests"]) - d["score"]) < 0.02, (path, d["score"])
		    assert abs(sum(t["max_score"] for t in d["tests"]) - 16) < 0.02, path
		print("ok")
	EOF
	assert_output ok
}

@test "every JUnit file of every run parses and agrees with its TAP file" {
	run -0 "$PYTHON" - "$R/subs" <<-'EOF'
		import glob, re, sys, xml.etree.ElementTree as ET
		n = 0
		for x in glob.glob(sys.argv[1] + "/**/*.junit.xml", recursive=True):
		    suite = ET.parse(x).getroot().find("testsuite")
		    tap = open(x.replace(".junit.xml", ".tap")).read()
		    plan = int(re.match(r"1\.\.(\d+)", tap).group(1))
		    assert int(suite.get("tests")) == plan + 1 == len(suite.findall("testcase")), x
		    n += 1
		assert n >= 8, n
		print("ok")
	EOF
	assert_output ok
}

@test "a submission with nothing in it: every exercise missing, 0 points, exit 0" {
	[ "$(cat "$R/none.status")" -eq 0 ]
	[ "$(field "$R/subs/none/grade-results/summary.csv" hello status)" = missing ]
	[ "$(field "$R/subs/none/grade-results/summary.csv" TOTAL points)" = 0.00 ]
	grep -q 'No file for this exercise' "$R/subs/none/grade-results/feedback.md"
}

@test "a submission that hangs is cut off at -t: the tests that never ran fail, the rest is graded" {
	local out=$R/subs/hangs/grade-results
	[ "$(cat "$R/hangs.status")" -eq 0 ]
	[ "$(field "$out/summary.csv" hello status)" = "cut off" ]
	[ "$(field "$out/summary.csv" hello passed)" -ge 1 ]
	[ "$(field "$out/summary.csv" resolve points)" = 6.00 ]
	grep -q 'cut off at its time limit (4 s)' "$out/feedback.md"
	"$PYTHON" -c 'import xml.etree.ElementTree as ET, sys; ET.parse(sys.argv[1])' "$out/hello.junit.xml"
	assert_nothing_left
}

@test "a submission that daemonizes fails 'leaves nothing running', and nothing is left running" {
	local out=$R/subs/daemon/grade-results
	[ "$(cat "$R/daemon.status")" -eq 0 ]
	grep -q '^not ok\|^ok 2 service' "$out/hello.tap"
	grep -A3 '^- \*\*shutdown: leaves nothing running once the suite ends\*\*' "$out/feedback.md" |
		grep -qE 'process\(es\) still running'
	[ "$(field "$out/summary.csv" hello leftovers)" -ge 1 ]
	# It loses the test's part only: shutdown 5 of 90 shares, beside the skip's 10.
	[ "$(field "$out/summary.csv" hello points)" = 8.33 ]
	assert_nothing_left
}

@test "a source without its feature-test macro scores 0 and the feedback says which macro" {
	local fb=$R/subs/broken/grade-results/feedback.md
	[ "$(field "$R/subs/broken/grade-results/summary.csv" resolve status)" = "does not compile" ]
	[ "$(field "$R/subs/broken/grade-results/summary.csv" resolve points)" = 0.00 ]
	grep -q "storage size of 'hints' isn't known" "$R/subs/broken/grade-results/resolve.build.log"
	grep -q "^- Hint: .*it compiles with -D_POSIX_C_SOURCE=200809L.*#define _POSIX_C_SOURCE 200809L.*_DEFAULT_SOURCE" "$fb"
}

@test "warnings cost warning-penalty each, capped at warning-cap percent, with a hint" {
	local out=$R/subs/broken/grade-results
	# 4 warnings x 0.5 = 2 points, capped at 10% of 10.
	[ "$(field "$out/summary.csv" hello warnings)" = 4 ]
	[ "$(field "$out/summary.csv" hello penalty)" = 1.00 ]
	[ "$(field "$out/summary.csv" hello points)" = 7.89 ]
	grep -q '^Build warnings with the course.s flags: 4 (-1.00 points, the cap: 10% of the exercise)' "$out/feedback.md"
	grep -q '^- Hint: declared and never used (`d`, `c`, `b`, `a`)' "$out/feedback.md"
}

@test "a roster of three: class.csv has every student, the one that hangs does not stop the others" {
	local class=$R/subs/class/class.csv
	[ "$(cat "$R/class.status")" -eq 0 ] || { cat "$R/class.err"; false; }
	[ "$(head -n 1 "$class")" = student,hello,resolve,total,max,status ]
	[ "$(wc -l <"$class")" -eq 4 ]
	[ "$(field "$class" ann total)" = 14.89 ]
	[ "$(field "$class" bob resolve)" = 6.00 ]
	[ "$(field "$class" cid total)" = 0.00 ]
	[ -f "$R/subs/class/bob/grade-results/feedback.md" ]
	grep -qE '^bob: [0-9.]+/16\.00 ' "$R/class.out"
}

@test "five runs in a row under load give the same points" {
	local i pids=() sums=()
	# One core kept busy (make check runs other suites beside this one: not both).
	timeout 120 sh -c 'while :; do :; done' &
	pids+=($!)
	for i in 1 2 3 4 5; do
		"$GRADE" --tree "$TREE" -q -e hello -o "$BATS_TEST_TMPDIR/o$i" "$R/subs/full" 3>&- || break
		sums+=("$(cut -d, -f1,4 "$BATS_TEST_TMPDIR/o$i/summary.csv" | tr '\n' ' ')")
	done
	kill "${pids[@]}"
	[ ${#sums[@]} -eq 5 ]
	printf '%s\n' "${sums[@]}" | sort -u >"$BATS_TEST_TMPDIR/u"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/u")" -eq 1 ] || { cat "$BATS_TEST_TMPDIR/u"; false; }
}

@test "grading works from a checkout in a mode-700 directory that is read-only" {
	mkdir -m 700 "$BATS_TEST_TMPDIR/home"
	cp -r "$TREE" "$BATS_TEST_TMPDIR/home/tree"
	cp "$GRADE" "$BATS_TEST_TMPDIR/home/tree/tests/grade"
	chmod -R a-w "$BATS_TEST_TMPDIR/home/tree"
	run -0 "$BATS_TEST_TMPDIR/home/tree/tests/grade" -o "$BATS_TEST_TMPDIR/out" "$R/subs/full" 3>&-
	chmod -R u+w "$BATS_TEST_TMPDIR/home/tree"
	[ "$(field "$BATS_TEST_TMPDIR/out/summary.csv" TOTAL points)" = 14.89 ]
}

@test "the shipped points file validates against the shipped suites" {
	run -0 "$GRADE" --check-points
	assert_output --partial 'valid for the'
}

@test "the points file is refused with 65: an unknown exercise, property, regex, or an untagged test" {
	cp -r "$TREE" "$BATS_TEST_TMPDIR/t"
	printf 'suite helo 5\n' >"$BATS_TEST_TMPDIR/p1"
	run -65 --separate-stderr "$GRADE" --tree "$TREE" -p "$BATS_TEST_TMPDIR/p1" --check-points
	[[ $stderr == *"unknown exercise 'helo'"* ]]
	printf 'share hello speed 5\n' >"$BATS_TEST_TMPDIR/p2"
	run -65 --separate-stderr "$GRADE" --tree "$TREE" -p "$BATS_TEST_TMPDIR/p2" --check-points
	[[ $stderr == *"p2:1: unknown property 'speed'"* ]]
	printf 'weight hello 2 nothing-like-this\n' >"$BATS_TEST_TMPDIR/p3"
	run -65 --separate-stderr "$GRADE" --tree "$TREE" -p "$BATS_TEST_TMPDIR/p3" "$R/subs/none"
	[[ $stderr == *"matches no test"* ]]
	printf '@test "hello says hi" {\n\ttrue\n}\n' >>"$BATS_TEST_TMPDIR/t/tests/exercises/ch01-fix/hello.bats"
	run -65 --separate-stderr "$GRADE" --tree "$BATS_TEST_TMPDIR/t" --check-points
	[[ $stderr == *"without a property prefix"*"'hello says hi'"* ]]
}

@test "preflight: without bats-assert, bats, or a tool a suite runs, grading exits 69 naming the package" {
	mkdir -p "$BATS_TEST_TMPDIR/lib/bats-support" "$BATS_TEST_TMPDIR/bin"
	touch "$BATS_TEST_TMPDIR/lib/bats-support/load.bash"
	run -69 --separate-stderr env NETPROG_BATS_LIB="$BATS_TEST_TMPDIR/lib" "$GRADE" --tree "$TREE" "$R/subs/none"
	[[ $stderr == *"bats-assert (apt install bats-assert"* ]]
	[[ $stderr != *"bats-support (apt"* ]]
	local t
	for t in python3 make cc sh setpriv timeout; do
		ln -s "$(command -v "$t")" "$BATS_TEST_TMPDIR/bin/$t"
	done
	run -69 --separate-stderr env PATH="$BATS_TEST_TMPDIR/bin" "$PYTHON" "$GRADE" --tree "$TREE" "$R/subs/none"
	[[ $stderr == *"bats (apt install bats)"* ]]
	# A tool the suite runs (hello.bats: timeout).
	ln -s "$(command -v bats)" "$BATS_TEST_TMPDIR/bin/bats"
	rm "$BATS_TEST_TMPDIR/bin/timeout"
	run -69 --separate-stderr env PATH="$BATS_TEST_TMPDIR/bin" "$PYTHON" "$GRADE" --tree "$TREE" "$R/subs/none"
	[[ $stderr == *"timeout (apt install coreutils)"* ]]
	[[ $stderr != *"bats (apt"* ]]
}

@test "bad usage exits 64, a missing DIR 66" {
	run -64 "$GRADE"
	run -64 "$GRADE" "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR"
	run -64 "$GRADE" --no-such-option "$BATS_TEST_TMPDIR"
	run -64 "$GRADE" -t abc "$BATS_TEST_TMPDIR"
	run -64 "$GRADE" --tree "$TREE" -e nosuch "$BATS_TEST_TMPDIR"
	run make -s -C "$NETPROG_TOP" grade
	[ "$status" -ne 0 ] && [[ $output == "usage: make grade SUBMISSION=DIR | SUBMISSIONS=DIR"* ]]
	run -66 --separate-stderr "$GRADE" --tree "$TREE" "$BATS_TEST_TMPDIR/nonexistent"
	[[ $stderr == *nonexistent* ]]
}

@test "make selfcheck EXERCISE=sockaddr_sizes runs the instructor's suite and prints the feedback" {
	run -0 make -s -C "$NETPROG_TOP" selfcheck EXERCISE=sockaddr_sizes SELFCHECK="$BATS_TEST_TMPDIR/self" 3>&-
	assert_line --regexp '^sockaddr_sizes +ch05-sockets/sockaddr_sizes\.c +10\.00/10\.00 '
	assert_line '## sockaddr_sizes: 10.00 / 10.00 (graded)'
	run make -s -C "$NETPROG_TOP" selfcheck
	[ "$status" -ne 0 ] && [[ $output == "usage: make selfcheck EXERCISE=NAME"* ]]
}

@test "make grade SUBMISSIONS=DIR JOBS=2 EXERCISES=... grades every student folder into class.csv" {
	mkdir -p "$BATS_TEST_TMPDIR/class/ann" "$BATS_TEST_TMPDIR/class/bob"
	cp "$NETPROG_TOP/exercises/ch05-sockets/sockaddr_sizes.c" "$BATS_TEST_TMPDIR/class/ann/"
	run -0 make -s -C "$NETPROG_TOP" grade SUBMISSIONS="$BATS_TEST_TMPDIR/class" JOBS=2 EXERCISES=sockaddr_sizes 3>&-
	assert_line --regexp '^ann: 10\.00/10\.00 graded '
	assert_line --regexp '^bob: 0\.00/10\.00 graded '
	[ "$(cat "$BATS_TEST_TMPDIR/class/class.csv")" = "student,sockaddr_sizes,total,max,status
ann,10.00,10.00,10.00,graded
bob,0.00,0.00,10.00,graded" ]
}

@test "the grader follows no symbolic link of the submission: not a source, not grade-results" {
	mkdir -p "$BATS_TEST_TMPDIR/sub" "$BATS_TEST_TMPDIR/elsewhere"
	echo 'secret' >"$BATS_TEST_TMPDIR/secret.c"
	ln -s "$BATS_TEST_TMPDIR/secret.c" "$BATS_TEST_TMPDIR/sub/hello.c"
	run -0 "$GRADE" --tree "$TREE" "$BATS_TEST_TMPDIR/sub" 3>&-
	[ "$(field "$BATS_TEST_TMPDIR/sub/grade-results/summary.csv" hello status)" = missing ]
	rm -r "$BATS_TEST_TMPDIR/sub/grade-results"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$BATS_TEST_TMPDIR/sub/grade-results"
	run -73 --separate-stderr "$GRADE" --tree "$TREE" "$BATS_TEST_TMPDIR/sub" 3>&-
	[[ $stderr == *"grade-results is a symbolic link"* ]]
	[ -z "$(ls "$BATS_TEST_TMPDIR/elsewhere")" ]
}

@test "a prebuilt binary is graded; HELLO_SRC is unset, so the memory test skips for want of a source" {
	mkdir -p "$BATS_TEST_TMPDIR/sub"
	cc -o "$BATS_TEST_TMPDIR/sub/hello" "$FIX/hello.c"
	run -0 "$GRADE" --tree "$TREE" -e hello "$BATS_TEST_TMPDIR/sub" 3>&-
	grep -q '^ok 5 memory: .* # skip no source to build with sanitizers$' "$BATS_TEST_TMPDIR/sub/grade-results/hello.tap"
	[ "$(field "$BATS_TEST_TMPDIR/sub/grade-results/summary.csv" hello file)" = hello ]
	[ "$(field "$BATS_TEST_TMPDIR/sub/grade-results/summary.csv" hello warnings)" = '' ]
	[ "$(field "$BATS_TEST_TMPDIR/sub/grade-results/summary.csv" hello points)" = 8.33 ]
}
