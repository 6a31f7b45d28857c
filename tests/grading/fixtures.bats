#!/usr/bin/env bats
# tests/grading/fixtures.bats - the fixtures of tests/fixtures/ keep the exercise suites
# honest.  A broken variant, tests/fixtures/broken/EXERCISE--VARIANT.sed (applied to a copy
# of our exercises/CHAPTER/EXERCISE.c, which it must change) or .c (a whole program, as a
# student writes it), must compile with the strict flags (-Werror) and make the tests its
# "caught-by: REGEX" line names fail, while those same tests pass on our unchanged
# solution (so that "fails" is not vacuous); with a "share: LO-HI" line its whole suite
# runs and it must earn between LO and HI percent of the exercise's points, with the
# shares of tests/points (tests/fixtures/shares.py computes them).  A correct variant,
# tests/fixtures/correct/EXERCISE--VARIANT.sed or .c (another design, another valid
# format, the text's backlog of 5, two sockets), says what it "keeps:" and must pass
# every test of its suite: full marks.  A new fixture is picked up by its name alone.
# Everything is built once, in setup_file, in bats' temporary directory.
load ../helper
load ../lib/grading

FIXTURES=$NETPROG_TOP/tests/fixtures/broken
CORRECT=$NETPROG_TOP/tests/fixtures/correct
SHARES=$NETPROG_TOP/tests/fixtures/shares.py
# A leaked reference shows in the reference counts after any number of calls: the
# ex10 leak test needs a tenth of its million to tell a leaking variant (and costs a
# tenth of the time on each of the three builds it runs against).
export PYEXT_LEAK_CALLS=100000
# NETPROG_FIXTURES=REGEX checks only the fixtures whose names (EXERCISE--VARIANT) match;
# NETPROG_FIXTURE_SCORES=1 scores every broken variant (see setup_file).
# Full-suite runs at once: more would starve the timing margins of the suites on 2 cores.
FULL_RUNS_AT_ONCE=3

# The fixture's header field $2 ("breaks", "caught-by", "share", "keeps") from its first
# comment lines: "# FIELD: ..." in a sed script, "// FIELD: ..." in a C source.
header() {
	sed -n -E "/^(#|\/\/)/!q; s@^(#|//) $2: *@@p" "$1" | head -n 1
}

# The fixtures: tests/fixtures/broken/EXERCISE--VARIANT.sed (applied to a copy of our
# solution) or .c (a whole program, as a student writes it), and the same in
# tests/fixtures/correct/ for variants that must score full marks.
fixture_files() {
	compgen -G "$FIXTURES/*--*.sed" || true
	compgen -G "$FIXTURES/*--*.c" || true
	compgen -G "$CORRECT/*--*.sed" || true
	compgen -G "$CORRECT/*--*.c" || true
}

# For each fixture F, $BATS_FILE_TMPDIR/fx/F/ holds: exercise, src (relative to the
# top), kind, class (broken or correct), caught (the regex), share (LO-HI, or empty),
# suite, var, out (the built file's name), NAME.c (the variant's source), variant/ (its
# build), build.log, build.status, run (the directory of the run that judged it); for
# each exercise, orig/NAME/ holds our solution built the same way.  A broken fixture
# without a share range runs only its caught-by tests; one with a range, and every
# correct variant, runs its whole suite.
setup_file() {
	local f name ex src kind dir out class
	grading_init "$NETPROG_TOP"
	GRADING_RUNAS=()
	mkdir -p "$BATS_FILE_TMPDIR/orig"
	for f in $(fixture_files); do
		name=$(basename "$f")
		name=${name%.*}
		[[ $name =~ ${NETPROG_FIXTURES:-.} ]] || continue
		ex=${name%%--*}
		dir=$BATS_FILE_TMPDIR/fx/$name
		mkdir -p "$dir/variant"
		case $f in "$CORRECT"/*) class=correct ;; *) class=broken ;; esac
		echo "$class" >"$dir/class"
		echo "$f" >"$dir/file"
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
		header "$f" share >"$dir/share"
		# NETPROG_FIXTURE_SCORES=1: every broken variant runs its whole suite and its score
		# is printed (range 0-100), for a table of what each defect costs.
		if [ -n "${NETPROG_FIXTURE_SCORES:-}" ] && [ "$class" = broken ] && [ ! -s "$dir/share" ]; then
			echo 0-100 >"$dir/share"
		fi
		grading_suite "$src" >"$dir/suite"
		grading_var "$ex" >"$dir/var"
		case $f in
		*.sed)
			sed -f "$f" "$NETPROG_TOP/$src" >"$dir/$ex.c" 2>"$dir/sed.err" && echo 0 >"$dir/sed.status" ||
				echo $? >"$dir/sed.status" ;;
		*)
			cp "$f" "$dir/$ex.c" && echo 0 >"$dir/sed.status" ;;
		esac
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
	# Nth caught-by-only fixture of each exercise, each exercise's variable naming that
	# variant.  Every suite of a run sees the union of the run's caught-by regexes; the
	# JUnit report says which result is whose.  A fixture judged by its whole suite
	# has a run of its own.
	local r
	local -A ex_round=() ex_orig=()
	for dir in "$BATS_FILE_TMPDIR"/fx/*/; do
		dir=${dir%/}
		[ "$(cat "$dir/build.status" 2>/dev/null)" = 0 ] || continue
		ex=$(cat "$dir/exercise")
		out=$(cat "$dir/out")
		if [ -s "$dir/caught" ]; then
			if [ -z "${ex_orig[$ex]:-}" ]; then
				ex_orig[$ex]=1
				add_to_run "$BATS_FILE_TMPDIR/run/orig" "$dir/var" "$BATS_FILE_TMPDIR/orig/$ex/$out" \
					"$BATS_FILE_TMPDIR/orig/$ex/$ex.c" "$dir/suite" "$dir/caught"
			else
				printf '(%s)\n' "$(cat "$dir/caught")" >>"$BATS_FILE_TMPDIR/run/orig/filter"
			fi
		fi
		if [ "$(cat "$dir/class")" = correct ] || [ -s "$dir/share" ]; then
			r=$BATS_FILE_TMPDIR/full/$(basename "$dir")
			add_to_run "$r" "$dir/var" "$dir/variant/$out" "$dir/$ex.c" "$dir/suite"
		else
			r=$((${ex_round[$ex]:-0} + 1))
			ex_round[$ex]=$r
			r=$BATS_FILE_TMPDIR/run/$r
			add_to_run "$r" "$dir/var" "$dir/variant/$out" "$dir/$ex.c" "$dir/suite" "$dir/caught"
		fi
		echo "$r" >"$dir/run"
	done
	for r in "$BATS_FILE_TMPDIR"/run/*/ "$BATS_FILE_TMPDIR"/full/*/; do
		[ -f "$r/suites" ] || continue
		while [ "$(jobs -rp | wc -l)" -ge "$FULL_RUNS_AT_ONCE" ]; do
			wait -n || true
		done
		caught_run "${r%/}" &
	done
	wait
}

# add_to_run RUN VARFILE BIN SRC SUITEFILE [CAUGHTFILE]: one more suite for the run in
# directory RUN, its grading variable (named in VARFILE) set to BIN, VAR_SRC to SRC (for
# the suites' sanitized builds); without CAUGHTFILE the whole suite runs.
add_to_run() {
	mkdir -p "$1"
	echo "$(cat "$2")=$3" >>"$1/env"
	echo "$(cat "$2")_SRC=$4" >>"$1/env"
	cat "$5" >>"$1/suites"
	if [ -n "${6:-}" ]; then
		printf '(%s)\n' "$(cat "$6")" >>"$1/filter"
	fi
}

# caught_run RUN: the run of directory RUN; bats' output in RUN/tap, its JUnit
# report in RUN/report.xml.
caught_run() {
	local d=$1 env suites filter=()
	GRADING_RUNAS=()
	mapfile -t env <"$d/env"
	mapfile -t suites <"$d/suites"
	export "${env[@]}"
	[ -f "$d/filter" ] && filter=(--filter "$(paste -sd '|' "$d/filter")")
	grading_bats --tap --report-formatter junit --output "$d" "${filter[@]}" \
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

@test "there are broken-variant and correct-variant fixtures" {
	compgen -G "$FIXTURES/*--*.*" >/dev/null
	compgen -G "$CORRECT/*--*.*" >/dev/null
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
		if [ "$(cat "$d/class")" = correct ]; then
			if [ -z "$(header "$(cat "$d/file")" keeps)" ]; then
				echo "$(basename "$d"): no '# keeps:' line (what valid variation it is)" >&2
				bad=1
			fi
			continue
		fi
		if [ -n "$(cat "$d/share")" ] && ! [[ $(cat "$d/share") =~ ^[0-9]+(\.[0-9]+)?-[0-9]+(\.[0-9]+)?$ ]]; then
			echo "$(basename "$d"): '# share: $(cat "$d/share")' is not LO-HI (percent)" >&2
			bad=1
		fi
		if [ -z "$(header "$(cat "$d/file")" breaks)" ]; then
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
		[[ $(cat "$d/file") == *.sed ]] || continue
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
		[ -f "$d/run" ] && [ -s "$d/caught" ] || continue
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
		[ -f "$d/run" ] && [ -s "$d/caught" ] || continue
		run=$(cat "$d/run")
		read -r ok notok skipped < <(counts "$run" "$(cat "$d/suite")" "$(cat "$d/caught")")
		if [ "$notok" -eq 0 ]; then
			# A defect that only a skipped test can show (an IPv6 one, on a host without
			# IPv6) cannot be caught here; where nothing skips, the fixture must be.
			if [ "$skipped" -gt 0 ]; then
				echo "# $(basename "$d"): $skipped of its caught-by tests skip here and the others pass: not checked" >&3
				continue
			fi
			echo "$(basename "$d") ($(header "$(cat "$d/file")" breaks)) passes '$(cat "$d/caught")':" >&2
			cat "$run/tap" >&2
			bad=1
		fi
	done
	[ "$bad" -eq 0 ]
}

# score D: the shares.py verdict on fixture directory D's run (first line: PERCENT ...).
score() {
	"$PYTHON" "$SHARES" "$NETPROG_TOP/tests/points" "$(cat "$1/run")/report.xml" \
		"$(basename "$(cat "$1/suite")")" "$(cat "$1/exercise")"
}

@test "every broken variant with a share range scores within it" {
	local d bad=0 verdict percent lo hi
	for d in $(fixture_dirs); do
		[ "$(cat "$d/class")" = broken ] && [ -s "$d/share" ] && [ -f "$d/run" ] || continue
		verdict=$(score "$d") || { echo "$(basename "$d"): $verdict" >&2; bad=1; continue; }
		percent=${verdict%% *}
		lo=$(cut -d- -f1 "$d/share") hi=$(cut -d- -f2 "$d/share")
		# The ranges are set where nothing skips: with a property's tests skipped (no IPv6
		# here), a defect of that property costs nothing, and the range cannot hold.
		if [ "$(head -n 1 <<<"$verdict" | cut -d' ' -f4)" != 0 ]; then
			echo "# $(basename "$d"): $percent% with $(head -n 1 <<<"$verdict" | cut -d' ' -f4) tests skipped here: range $lo-$hi not checked" >&3
			continue
		fi
		echo "# $(basename "$d"): $percent% (range $lo-$hi)" >&3
		if ! awk -v p="$percent" -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(p >= lo && p <= hi) }'; then
			echo "$(basename "$d") ($(header "$(cat "$d/file")" breaks)) scores $percent%, not $lo-$hi%:" >&2
			printf '%s\n' "$verdict" | tail -n +2 >&2
			bad=1
		fi
	done
	[ "$bad" -eq 0 ]
}

@test "every correct variant scores full marks: every test of its suite passes" {
	local d bad=0 verdict
	for d in $(fixture_dirs); do
		[ "$(cat "$d/class")" = correct ] || continue
		if [ ! -f "$d/run" ]; then
			echo "$(basename "$d") did not build:" >&2
			cat "$d/build.log" >&2
			bad=1
			continue
		fi
		verdict=$(score "$d") || { echo "$(basename "$d"): $verdict" >&2; bad=1; continue; }
		echo "# $(basename "$d"): ${verdict%% *}%" >&3
		if [ "${verdict%% *}" != 100.0 ] || [ "$(head -n 1 <<<"$verdict" | cut -d' ' -f3)" != 0 ]; then
			echo "$(basename "$d") ($(header "$(cat "$d/file")" keeps)) scores ${verdict%% *}%:" >&2
			printf '%s\n' "$verdict" | tail -n +2 >&2
			grep -A6 '^not ok' "$(cat "$d/run")/tap" | head -n 40 >&2
			bad=1
		fi
	done
	[ "$bad" -eq 0 ]
}
