#!/usr/bin/env bats
# tests/errata/fixtures.bats - every ERRATA.md entry that names a test is proven by a
# fixture: PROGRAM--VARIANT.sed beside this file is a small edit of *our* program
# (ch*/PROGRAM.c or exercises/*/PROGRAM.c, chapter 10's modules too) that puts the text's defect back.  Its
# first comment lines say which entry it proves and which tests must catch it:
#
#   # errata: the entry's heading, exactly as in ERRATA.md (without "### ")
#   # breaks: what the edit reintroduces, in a few words
#   # caught-by: an extended regex of test names of the program's own suite
#   # edits: (optional) the module the sed script edits instead of the program,
#   #        e.g. ch09-workers/worker_pool.c: PROGRAM is built unchanged and linked with it
#
# Each variant must change the source, compile with the course's flags, and fail at
# least one of its caught-by tests, while our program passes them (so that "fails" is
# not vacuous).  Every variant and our programs are built once, in setup_file; each
# suite then runs once per variant and once for ours, only the caught-by tests, a few
# at a time.  A fixture is picked up by its file name alone.
load ../helper

FIXTURES=$NETPROG_TOP/tests/errata
ERRATA=$NETPROG_TOP/ERRATA.md

# The fixture's header field $2 (errata, breaks, caught-by).
header() {
	sed -n "/^[^#]/q; s/^# $2: *//p" "$1" | head -n 1
}

# The source of PROGRAM, relative to the top: ch*/PROGRAM.c or exercises/*/PROGRAM.c.
source_of() {
	(cd "$NETPROG_TOP" && compgen -G "ch*/$1.c"; compgen -G "exercises/*/$1.c") | head -n 1
}

# The suite of a source: tests/DIR/PROGRAM.bats for ch*/, tests/exercises/DIR/PROGRAM.bats.
suite_of() {
	local src=$1
	echo "$NETPROG_TOP/tests/${src%.c}.bats"
}

# suffix_of SRC: what the build's file name adds to PROGRAM: the interpreter's
# EXT_SUFFIX for a chapter 10 module (hello.cpython-311-x86_64-linux-gnu.so), else nothing.
suffix_of() {
	case $1 in
	ch10-*/*) "$PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))' ;;
	*) echo '' ;;
	esac
}

# build SRC OUT LOG PATH: compile SRC as the Makefile does (the course's flags, read from the
# Makefile itself; chapter 9's programs link the pool module; <pthread.h> means -pthread).
build() {
	local src=$1 out=$2 log=$3 module=${5:-$NETPROG_TOP/ch09-workers/worker_pool.c} flags extra=()
	flags=$(printf 'errata-flags:\n\t@echo "$(CC) $(COURSE_FLAGS) $(CFLAGS)"\n' |
		env -u MAKEFLAGS -u MFLAGS make -s --no-print-directory -C "$NETPROG_TOP" -f Makefile -f - errata-flags)
	case $4 in
	ch09-workers/*) extra+=("$module" "-I$NETPROG_TOP/ch09-workers" -pthread) ;;
	# A chapter 10 module: a shared object for this interpreter, as the Makefile builds it.
	ch10-*/*) extra+=("-I$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')" -fPIC -shared) ;;
	esac
	grep -q '^#include <pthread.h>' "$src" && extra+=(-pthread)
	# shellcheck disable=SC2086 # the flags are words, as in the Makefile
	$flags -o "$out" "$src" "${extra[@]}" >"$log" 2>&1
}

# run_caught DIR VAR BIN SUITE REGEX: the suite's caught-by tests with VAR=BIN, TAP in DIR/tap.
run_caught() {
	local dir=$1 var=$2 bin=$3 suite=$4 regex=$5 unset=() v
	for v in $(compgen -e); do
		[[ $v == BATS_* && $v != BATS_ROOT ]] && unset+=(-u "$v")
	done
	if env "${unset[@]}" "$var=$bin" bats --tap --filter "$regex" "$suite" >"$dir/tap" 2>&1 3>&- </dev/null; then
		echo 0 >"$dir/status"
	else
		echo $? >"$dir/status"
	fi
}

setup_file() {
	local f name prog src target dir jobs=()
	export LC_ALL=C
	for f in "$FIXTURES"/*--*.sed; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .sed)
		# NETPROG_FIXTURES=REGEX: only the fixtures whose names match (while writing one).
		[[ $name =~ ${NETPROG_FIXTURES:-.} ]] || continue
		prog=${name%%--*}
		dir=$BATS_FILE_TMPDIR/fx/$name
		mkdir -p "$dir" "$BATS_FILE_TMPDIR/orig"
		src=$(source_of "$prog")
		printf '%s\n' "$src" >"$dir/src"
		[ -n "$src" ] || continue
		# setup_file runs under set -e: every status is caught, never fatal.
		# The file the script edits: the program, or the module its "# edits:" line names.
		target=$(header "$f" edits)
		target=${target:-$src}
		printf '%s\n' "$target" >"$dir/target"
		if sed -f "$f" "$NETPROG_TOP/$target" >"$dir/$(basename "$target")" 2>"$dir/sed.err"; then
			echo 0 >"$dir/sed.status"
		else
			echo $? >"$dir/sed.status"
		fi
		if [ "$target" = "$src" ]; then
			set -- "$dir/$prog.c" "$dir/$prog$(suffix_of "$src")" "$dir/build.log" "$src"
		else
			set -- "$NETPROG_TOP/$src" "$dir/$prog$(suffix_of "$src")" "$dir/build.log" "$src" "$dir/$(basename "$target")"
		fi
		{ if build "$@"; then echo 0; else echo $?; fi >"$dir/build.status"; } &
		if [ ! -e "$BATS_FILE_TMPDIR/orig/$prog.status" ]; then
			: >"$BATS_FILE_TMPDIR/orig/$prog.status"
			{ if build "$NETPROG_TOP/$src" "$BATS_FILE_TMPDIR/orig/$prog$(suffix_of "$src")" "$BATS_FILE_TMPDIR/orig/$prog.log" "$src"
				then echo 0; else echo $?; fi >"$BATS_FILE_TMPDIR/orig/$prog.status"; } &
		fi
	done
	wait
	# The runs: each variant alone, and ours once per fixture (its own filter), two at a time.
	local n=0 max
	max=$(nproc 2>/dev/null || echo 2)
	for dir in "$BATS_FILE_TMPDIR"/fx/*/; do
		dir=${dir%/}
		name=$(basename "$dir")
		prog=${name%%--*}
		src=$(cat "$dir/src")
		[ -n "$src" ] && [ "$(cat "$dir/build.status")" = 0 ] && [ "$(cat "$BATS_FILE_TMPDIR/orig/$prog.status")" = 0 ] || continue
		mkdir -p "$dir/ours"
		run_caught "$dir" "$(echo "$prog" | tr '[:lower:]-' '[:upper:]_')" "$dir/$prog$(suffix_of "$src")" "$(suite_of "$src")" \
			"$(header "$FIXTURES/$name.sed" caught-by)" &
		run_caught "$dir/ours" "$(echo "$prog" | tr '[:lower:]-' '[:upper:]_')" "$BATS_FILE_TMPDIR/orig/$prog$(suffix_of "$src")" \
			"$(suite_of "$src")" "$(header "$FIXTURES/$name.sed" caught-by)" &
		n=$((n + 2))
		if [ "$n" -ge "$max" ]; then
			wait
			n=0
		fi
	done
	wait
}

fixtures() {
	local d
	for d in "$BATS_FILE_TMPDIR"/fx/*/; do
		echo "${d%/}"
	done
}

@test "there are errata fixtures" {
	compgen -G "$FIXTURES/*--*.sed" >/dev/null
}

@test "every fixture names a program with a suite, an ERRATA entry that names it back, what it breaks and tests that exist" {
	local d f name bad=0 heading regex suite n
	for d in $(fixtures); do
		name=$(basename "$d")
		f=$FIXTURES/$name.sed
		if [ -z "$(cat "$d/src")" ]; then
			echo "$name: no ch*/${name%%--*}.c or exercises/*/${name%%--*}.c" >&2
			bad=1
			continue
		fi
		suite=$(suite_of "$(cat "$d/src")")
		heading=$(header "$f" errata)
		regex=$(header "$f" caught-by)
		if [ -z "$heading" ] || ! grep -qxF "### $heading" "$ERRATA"; then
			echo "$name: '# errata: $heading' is not a heading of ERRATA.md" >&2
			bad=1
		elif ! awk -v h="### $heading" '$0 == h {on = 1; next} /^##/ {on = 0} on' "$ERRATA" | grep -qF "$name.sed"; then
			echo "$name: the ERRATA entry '$heading' does not name tests/errata/$name.sed" >&2
			bad=1
		fi
		[ -n "$(header "$f" breaks)" ] || { echo "$name: no '# breaks:' line" >&2; bad=1; }
		if [ -z "$regex" ] || [ ! -f "$suite" ]; then
			echo "$name: no '# caught-by:' line, or no suite $suite" >&2
			bad=1
		else
			n=$(bats --count --filter "$regex" "$suite")
			[ "$n" -gt 0 ] || { echo "$name: caught-by '$regex' names no test of $suite" >&2; bad=1; }
		fi
	done
	[ "$bad" -eq 0 ]
}

@test "every fixture changes its program, and the variant compiles with the course's flags" {
	local d name bad=0
	for d in $(fixtures); do
		name=$(basename "$d")
		[ -n "$(cat "$d/src")" ] || continue
		if [ "$(cat "$d/sed.status")" != 0 ]; then
			echo "$name: sed failed: $(cat "$d/sed.err")" >&2
			bad=1
		elif cmp -s "$NETPROG_TOP/$(cat "$d/target")" "$d/$(basename "$(cat "$d/target")")"; then
			echo "$name: the sed script changes nothing (the program moved on: update the fixture)" >&2
			bad=1
		elif [ "$(cat "$d/build.status")" != 0 ]; then
			echo "$name does not compile:" >&2
			cat "$d/build.log" >&2
			bad=1
		fi
		if [ "$(cat "$BATS_FILE_TMPDIR/orig/${name%%--*}.status")" != 0 ]; then
			echo "our ${name%%--*} does not compile:" >&2
			cat "$BATS_FILE_TMPDIR/orig/${name%%--*}.log" >&2
			bad=1
		fi
	done
	[ "$bad" -eq 0 ]
}

# "ok"/"not ok"/"skip" counts of a TAP file: "OK NOTOK SKIPPED".
tap_counts() {
	local ok notok skipped
	ok=$(grep -cE '^ok [0-9]+ ' "$1" || true)
	skipped=$(grep -cE '^ok [0-9]+ .* # skip' "$1" || true)
	notok=$(grep -cE '^not ok [0-9]+ ' "$1" || true)
	echo "$((ok - skipped)) $notok $skipped"
}

@test "our programs pass the caught-by tests of every fixture" {
	local d name bad=0 ok notok skipped
	for d in $(fixtures); do
		name=$(basename "$d")
		[ -f "$d/ours/tap" ] || continue
		read -r ok notok skipped < <(tap_counts "$d/ours/tap")
		if [ "$notok" -ne 0 ] || { [ "$ok" -eq 0 ] && [ "$skipped" -eq 0 ]; }; then
			echo "our ${name%%--*} fails (or never ran) the caught-by tests of $name:" >&2
			cat "$d/ours/tap" >&2
			bad=1
		elif [ "$ok" -eq 0 ]; then
			echo "# $name: its caught-by tests all skip here: not checked" >&3
		fi
	done
	[ "$bad" -eq 0 ]
}

@test "every fixture fails at least one of its caught-by tests" {
	local d name bad=0 ok notok skipped
	for d in $(fixtures); do
		name=$(basename "$d")
		[ -f "$d/tap" ] || continue
		read -r ok notok skipped < <(tap_counts "$d/tap")
		if [ "$notok" -eq 0 ]; then
			# A defect that only a skipped test can show (an IPv6 one, on a host without
			# IPv6) cannot be caught here; where nothing skips, the fixture must be.
			if [ "$skipped" -gt 0 ]; then
				echo "# $name: $skipped of its caught-by tests skip here and the others pass: not checked" >&3
				continue
			fi
			echo "$name ($(header "$FIXTURES/$name.sed" breaks)) passes its caught-by tests:" >&2
			cat "$d/tap" >&2
			bad=1
		fi
	done
	[ "$bad" -eq 0 ]
}
