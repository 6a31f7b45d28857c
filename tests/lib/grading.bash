# tests/lib/grading.bash - for suites that build exercises the way tests/grade does
# (tests/grading/fixtures.bats): the list of exercises, their suites and grading
# variables, and how an exercise's source is built, all derived from the tree's
# conventions (nothing listed by hand).  tests/grade (Python) does the same itself:
# the flags from the Makefile, -pthread for <pthread.h>, chapter 10 as modules.
#
#   grading_init TOP          set GRADING_TOP and ask the Makefile for the compiler and
#                             the course's flags (GRADING_CC, GRADING_FLAGS, GRADING_CFLAGS)
#   grading_exercises         every exercise source, exercises/CHAPTER/NAME.c, one a line
#   grading_suite SRC         its suite, tests/exercises/CHAPTER/NAME.bats (may not exist)
#   grading_var NAME          its grading variable: NAME in capitals, - as _ (ECHO_TCP)
#   grading_kind SRC          pyext for a Python extension module (exercises/ch10-*/), else program
#   grading_pyinit            GRADING_EXT_SUFFIX and GRADING_PY_INCLUDE for $PYTHON, as the
#                             Makefile finds them; status 1 (message on stderr) without Python.h
#   grading_output NAME KIND  the file name the build of NAME gets: NAME, or NAME$EXT_SUFFIX
#   grading_build KIND SRC OUT LOG [FLAG...]   compile SRC into OUT the way the Makefile does
#                             (pyext: -fPIC -shared and the Python include dir), compiler
#                             messages to LOG; extra FLAGs (-Werror) at the end.  Runs the
#                             compiler under ${GRADING_RUNAS[@]} when that is set.
#   grading_warnings LOG      how many warnings LOG holds
#   grading_bats ARG...       bats ARG... under ${GRADING_RUNAS[@]}, without the BATS_* variables
#                             of a bats run that may be running this one

grading_init() {
	local top=$1 out
	GRADING_TOP=$(cd "$top" && pwd)
	# The Makefile is the one place that holds the flags: a makefile of two lines on
	# stdin, read after it, prints them.  A CC= or CFLAGS= given to an outer make
	# arrives through MAKEFLAGS, as for any sub-make.
	out=$(printf 'grading-print-flags:\n\t@printf "%%s\\n" "$(CC)" "$(COURSE_FLAGS)" "$(CFLAGS)"\n' |
		make -s --no-print-directory -C "$GRADING_TOP" -f Makefile -f - grading-print-flags 2>/dev/null
	) || { echo "grading: cannot read the flags from $GRADING_TOP/Makefile" >&2; return 1; }
	{ read -r GRADING_CC; read -r GRADING_FLAGS; read -r GRADING_CFLAGS; } <<<"$out"
	[ -n "$GRADING_CC" ] && [ -n "$GRADING_FLAGS" ] ||
		{ echo "grading: no CC or COURSE_FLAGS in $GRADING_TOP/Makefile" >&2; return 1; }
}

grading_exercises() {
	# The Makefile's own pattern: every exercises/*/*.c is an exercise.
	(cd "$GRADING_TOP" && compgen -G 'exercises/*/*.c' | LC_ALL=C sort) || true
}

grading_suite() {
	local src=$1 chapter
	chapter=$(basename "$(dirname "$src")")
	echo "$GRADING_TOP/tests/exercises/$chapter/$(basename "$src" .c).bats"
}

grading_var() {
	printf '%s\n' "$1" | tr '[:lower:]-' '[:upper:]_'
}

grading_kind() {
	# The Makefile's PYEXT_SRCS: chapter 10's sources are extension modules.
	case $1 in
	exercises/ch10-*/* | */exercises/ch10-*/*) echo pyext ;;
	*) echo program ;;
	esac
}

grading_pyinit() {
	local out
	[ -n "${GRADING_EXT_SUFFIX:-}" ] && return 0
	# The Makefile's PY_QUERY: the interpreter's suffix and include dir.
	out=$("${PYTHON:-python3}" -c 'import sysconfig as s; print(s.get_config_var("EXT_SUFFIX") or "", s.get_paths()["include"])' 2>/dev/null) ||
		{ echo "grading: ${PYTHON:-python3} does not run" >&2; return 1; }
	read -r GRADING_EXT_SUFFIX GRADING_PY_INCLUDE <<<"$out"
	if [ ! -f "$GRADING_PY_INCLUDE/Python.h" ]; then
		echo "grading: no Python.h in $GRADING_PY_INCLUDE (python3-dev)" >&2
		GRADING_EXT_SUFFIX=
		return 1
	fi
}

grading_output() {
	local name=$1 kind=$2
	if [ "$kind" = pyext ]; then
		echo "$name$GRADING_EXT_SUFFIX"
	else
		echo "$name"
	fi
}

grading_build() {
	local kind=$1 src=$2 out=$3 log=$4 cmd
	shift 4
	# shellcheck disable=SC2206 # the flags are words, as in the Makefile
	cmd=($GRADING_CC $GRADING_FLAGS $GRADING_CFLAGS)
	if [ "$kind" = pyext ]; then
		grading_pyinit 2>"$log" || return 1
		cmd+=("-I$GRADING_PY_INCLUDE" -fPIC -shared)
	fi
	cmd+=("$@" -o "$out" "$src")
	# The Makefile links a program that includes <pthread.h> with -pthread.
	grep -q '^#include <pthread.h>' "$src" && cmd+=(-pthread)
	"${GRADING_RUNAS[@]}" "${cmd[@]}" >"$log" 2>&1
}

grading_warnings() {
	grep -c ': warning: ' "$1" || true
}

grading_bats() {
	local unset=() var
	# Inside bats, `bats` is bats' own libexec script, which needs BATS_ROOT (and
	# the exported bats_readlinkf): those stay, the state of the outer run goes.
	for var in $(compgen -e); do
		[[ $var == BATS_* && $var != BATS_ROOT ]] && unset+=(-u "$var")
	done
	"${GRADING_RUNAS[@]}" env "${unset[@]}" bats "$@"
}
