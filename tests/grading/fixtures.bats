#!/usr/bin/env bats
# tests/grading/fixtures.bats - the broken variants of tests/fixtures/broken/ keep the
# exercise suites honest.  Each EXERCISE--VARIANT.sed, applied to a copy of our
# exercises/CHAPTER/EXERCISE.c, must change it, still compile with the strict flags
# (-Werror), and make the tests its "# caught-by: REGEX" line names fail, while those
# same tests pass on our unchanged solution (so that "fails" is not vacuous).  A new
# fixture is picked up by its name alone.  Everything is built once, in setup_file,
# in bats' temporary directory; only the caught-by tests are run.
load ../helper
load ../lib/grading

FIXTURES=$NETPROG_TOP/tests/fixtures/broken
# A leaked reference shows in the reference counts after any number of calls: the
# ex10 leak test needs a tenth of its million to tell a leaking variant (and costs a
# tenth of the time on each of the three builds it runs against).
export PYEXT_LEAK_CALLS=100000

# The fixture's header field $2 ("breaks" or "caught-by") from its first comment lines.
header() {
	sed -n "/^[^#]/q; s/^# $2: *//p" "$1" | head -n 1
}

# For each fixture F, $BATS_FILE_TMPDIR/fx/F/ holds: exercise, src (relative to the
# top), kind, caught (the regex), suite, var, out (the built file's name), NAME.c (the
# variant's source), variant/ (its build), build.log, build.status, and after the run
# tap and status; for each exercise, orig/NAME/ holds our solution built the same way,
# caught (the caught-by regexes of all its fixtures) and the run's tap and status.
setup_file() {
	local f name ex src kind dir out
	grading_init "$NETPROG_TOP"
	GRADING_RUNAS=()
	mkdir -p "$BATS_FILE_TMPDIR/orig"
	for f in "$FIXTURES"/*.sed; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .sed)
		ex=${name%%--*}
		dir=$BATS_FILE_TMPDIR/fx/$name
		mkdir -p "$dir/variant"
		src=$(grading_exercises | grep -m1 "/$ex\.c\$" || true)
		printf '%s\n' "$ex" >"$dir/exercise"
		printf '%s\n' "$src" >"$dir/src"
		[ -n "$src" ] || continue
		kind=$(grading_kind "$src")
		if [ "$kind" = pyext ] && ! grading_pyinit 2>"$dir/build.log"; then
			echo skip >"$dir/kind"
			continue
		fi
		echo "$kind" >"$dir/kind"
		out=$(grading_output "$ex" "$kind")
		echo "$out" >"$dir/out"
		header "$f" caught-by >"$dir/caught"
		grading_suite "$src" >"$dir/suite"
		grading_var "$ex" >"$dir/var"
		sed -f "$f" "$NETPROG_TOP/$src" >"$dir/$ex.c" 2>"$dir/sed.err" && echo 0 >"$dir/sed.status" ||
			echo $? >"$dir/sed.status"
		# Both builds of every fixture at once: they are independent.
		{ grading_build "$kind" "$dir/$ex.c" "$dir/variant/$out" "$dir/build.log" -Werror \
			&& echo 0 || echo $?; } >"$dir/build.status" &
		if [ ! -d "$BATS_FILE_TMPDIR/orig/$ex" ]; then
			mkdir -p "$BATS_FILE_TMPDIR/orig/$ex"
			cp "$NETPROG_TOP/$src" "$BATS_FILE_TMPDIR/orig/$ex/$ex.c"
			{ grading_build "$kind" "$BATS_FILE_TMPDIR/orig/$ex/$ex.c" "$BATS_FILE_TMPDIR/orig/$ex/$out" \
				"$BATS_FILE_TMPDIR/orig/$ex/build.log" -Werror && echo 0 || echo $?; } \
				>"$BATS_FILE_TMPDIR/orig/$ex/build.status" &
		fi
	done
	wait
	# bats costs a second or two of CPU a run, whatever it runs, so the suites share
	# runs: one for our solutions, with every caught-by test; then round N runs the
	# Nth fixture of each exercise, each exercise's variable naming that variant.  Every
	# suite of a run sees the union of the run's caught-by regexes; the JUnit report
	# says which result is whose.  The runs go at the same time.
	local r
	local -A ex_round=()
	for dir in "$BATS_FILE_TMPDIR"/fx/*/; do
		dir=${dir%/}
		[ "$(cat "$dir/build.status" 2>/dev/null)" = 0 ] || continue
		ex=$(cat "$dir/exercise")
		out=$(cat "$dir/out")
		r=$((${ex_round[$ex]:-0} + 1))
		ex_round[$ex]=$r
		echo "$r" >"$dir/round"
		add_to_run "$BATS_FILE_TMPDIR/run/$r" "$dir/var" "$dir/variant/$out" "$dir/suite" "$dir/caught"
		if [ "$r" -eq 1 ]; then
			add_to_run "$BATS_FILE_TMPDIR/run/orig" "$dir/var" "$BATS_FILE_TMPDIR/orig/$ex/$out" \
				"$dir/suite" "$dir/caught"
		else
			printf '(%s)\n' "$(cat "$dir/caught")" >>"$BATS_FILE_TMPDIR/run/orig/filter"
		fi
	done
	for r in "$BATS_FILE_TMPDIR"/run/*/; do
		[ -f "$r/suites" ] && caught_run "${r%/}" &
	done
	wait
}

# add_to_run RUN VARFILE BIN SUITEFILE CAUGHTFILE: one more suite for the run in
# directory RUN, its grading variable (named in VARFILE) set to BIN.
add_to_run() {
	mkdir -p "$1"
	echo "$(cat "$2")=$3" >>"$1/env"
	cat "$4" >>"$1/suites"
	printf '(%s)\n' "$(cat "$5")" >>"$1/filter"
}

# caught_run RUN: the run of directory RUN; bats' output in RUN/tap, its JUnit
# report in RUN/report.xml.
caught_run() {
	local d=$1 env suites
	GRADING_RUNAS=()
	mapfile -t env <"$d/env"
	mapfile -t suites <"$d/suites"
	export "${env[@]}"
	grading_bats --tap --report-formatter junit --output "$d" --filter "$(paste -sd '|' "$d/filter")" \
		"${suites[@]}" >"$d/tap" 2>&1 3>&- </dev/null
	echo $? >"$d/status"
}

# counts RUN SUITE REGEX: "ok not-ok skipped", the results in RUN's JUnit report of
# the tests of SUITE whose names match REGEX.
counts() {
	"$PYTHON" - "$1/report.xml" "$(basename "$2")" "$3" <<-'PY'
		import re, sys, xml.etree.ElementTree as ET
		report, suite, regex = sys.argv[1:]
		ok = notok = skipped = 0
		try:
		    root = ET.parse(report).getroot()
		except (OSError, ET.ParseError):
		    root = ET.Element("none")
		for case in root.iter("testcase"):
		    if case.get("classname", "").rsplit("/", 1)[-1] != suite:
		        continue
		    if not re.search(regex, case.get("name", "")):
		        continue
		    if case.find("skipped") is not None:
		        skipped += 1
		    elif case.find("failure") is not None or case.find("error") is not None:
		        notok += 1
		    else:
		        ok += 1
		print(ok, notok, skipped)
	PY
}

# The fixtures checked, one directory each; those of chapter 10 are left out (with a
# note) where no Python.h is installed.
fixture_dirs() {
	local d
	for d in "$BATS_FILE_TMPDIR"/fx/*/; do
		[ -d "$d" ] || continue
		if [ "$(cat "$d/kind" 2>/dev/null)" = skip ]; then
			echo "# $(basename "$d"): not checked, $(cat "$d/build.log")" >&3
			continue
		fi
		echo "${d%/}"
	done
}

@test "there are broken-variant fixtures" {
	compgen -G "$FIXTURES/*--*.sed" >/dev/null
}

@test "every fixture is named after an exercise with a suite, says what it breaks, and its caught-by names tests of the suite" {
	local d bad=0 n
	for d in "$BATS_FILE_TMPDIR"/fx/*/; do
		d=${d%/}
		if [ -z "$(cat "$d/src")" ]; then
			echo "$(basename "$d"): no exercises/*/$(cat "$d/exercise").c" >&2
			bad=1
			continue
		fi
		[ "$(cat "$d/kind")" = skip ] && continue
		if [ -z "$(header "$FIXTURES/$(basename "$d").sed" breaks)" ]; then
			echo "$(basename "$d"): no '# breaks:' line" >&2
			bad=1
		fi
		if [ -z "$(cat "$d/caught")" ]; then
			echo "$(basename "$d"): no '# caught-by:' line" >&2
			bad=1
		elif [ ! -f "$(cat "$d/suite")" ]; then
			echo "$(basename "$d"): no suite $(cat "$d/suite")" >&2
			bad=1
		else
			n=$(bats --count --filter "$(cat "$d/caught")" "$(cat "$d/suite")")
			if [ "$n" -eq 0 ]; then
				echo "$(basename "$d"): caught-by '$(cat "$d/caught")' names no test of $(cat "$d/suite")" >&2
				bad=1
			fi
		fi
	done
	[ "$bad" -eq 0 ]
}

@test "every fixture changes its exercise's source" {
	local d bad=0
	for d in $(fixture_dirs); do
		if [ "$(cat "$d/sed.status")" != 0 ]; then
			echo "$(basename "$d"): sed failed: $(cat "$d/sed.err")" >&2
			bad=1
		elif cmp -s "$NETPROG_TOP/$(cat "$d/src")" "$d/$(cat "$d/exercise").c"; then
			echo "$(basename "$d"): the sed script changes nothing (the solution moved on?)" >&2
			bad=1
		fi
	done
	[ "$bad" -eq 0 ]
}

@test "every fixture compiles with the course's strict flags (-Werror), as does our solution" {
	local d ex bad=0
	for d in $(fixture_dirs); do
		ex=$(cat "$d/exercise")
		if [ "$(cat "$d/build.status")" != 0 ]; then
			echo "$(basename "$d") does not compile:" >&2
			cat "$d/build.log" >&2
			bad=1
		fi
		if [ "$(cat "$BATS_FILE_TMPDIR/orig/$ex/build.status")" != 0 ]; then
			echo "our $ex does not compile:" >&2
			cat "$BATS_FILE_TMPDIR/orig/$ex/build.log" >&2
			bad=1
		fi
	done
	[ "$bad" -eq 0 ]
}

@test "the caught-by tests of every fixture pass on our solution" {
	local d bad=0 ok notok skipped run=$BATS_FILE_TMPDIR/run/orig
	for d in $(fixture_dirs); do
		[ -f "$d/round" ] || continue
		read -r ok notok skipped < <(counts "$run" "$(cat "$d/suite")" "$(cat "$d/caught")")
		if [ "$notok" -ne 0 ] || { [ "$ok" -eq 0 ] && [ "$skipped" -eq 0 ]; }; then
			echo "our $(cat "$d/exercise") fails (or never ran) '$(cat "$d/caught")' of $(basename "$d"):" >&2
			cat "$run/tap" >&2
			bad=1
		elif [ "$ok" -eq 0 ]; then
			echo "# $(basename "$d"): its caught-by tests all skip here: not checked" >&3
		fi
	done
	[ "$bad" -eq 0 ]
}

@test "the caught-by tests of every fixture fail on it" {
	local d bad=0 ok notok skipped run
	for d in $(fixture_dirs); do
		[ -f "$d/round" ] || continue
		run=$BATS_FILE_TMPDIR/run/$(cat "$d/round")
		read -r ok notok skipped < <(counts "$run" "$(cat "$d/suite")" "$(cat "$d/caught")")
		if [ "$notok" -eq 0 ]; then
			if [ "$ok" -eq 0 ] && [ "$skipped" -gt 0 ]; then
				echo "# $(basename "$d"): its caught-by tests all skip here: not checked" >&3
				continue
			fi
			echo "$(basename "$d") ($(header "$FIXTURES/$(basename "$d").sed" breaks)) passes '$(cat "$d/caught")':" >&2
			cat "$run/tap" >&2
			bad=1
		fi
	done
	[ "$bad" -eq 0 ]
}
