# tests/lib/pyext.bash - what the chapter 10 suites share: the extension module under
# test and a Python that can load it.  Load it after the helper:
#   load ../../helper; load ../../lib/pyext     (or ../helper; ../lib/pyext)
#
#   pyext VAR dir/NAME     the extension FILE under test: $VAR if set (grading: any built
#                          module, a student's .so), else ours, dir/NAME + $PYTHON's
#                          EXT_SUFFIX (what `make ch10` builds), else the first dir/NAME.*
#                          that $PYTHON can import (setup.py's or an abi3 build)
#   pyrun CODE [ARG...]    $PYTHON -c CODE with tests/lib on sys.path, so CODE can say
#                          `import pyext_util; m = pyext_util.load("VAR")`; under
#                          `timeout`, and with the sanitizer runtime when the module needs it
#   pyext_copy_source DIR  copy the module's source folder (C, setup.py, pyproject.toml) to DIR
#
# Sanitizers: a module built with `make SAN=1` needs the ASan runtime loaded before
# anything else, which a Python binary does not do: pyrun preloads it (gcc: the libasan
# the module links; clang: its shared runtime) for the Python process alone.  LeakSanitizer
# is turned off there, because CPython does not free everything at exit; the log_path of
# ASAN_OPTIONS/UBSAN_OPTIONS is kept, so a real error still leaves a log for `make sanitize`.
# PYEXT_WRAPPER (e.g. "valgrind -q --error-exitcode=99") is put before $PYTHON when set;
# suites then sample fewer calls ($PYEXT_CALLS in CODE).  PYEXT_LEAK_CALLS sets the
# number outright (the broken-variant tests need only enough calls to see a leak).

PYEXT_VARS=()

pyext() {
	local var=$1 rel=$2 path
	path=${!var:-}
	if [ -z "$path" ]; then
		path=$("$PYTHON" -c '
import glob, importlib.machinery as m, sys, sysconfig
base = sys.argv[1]
cands = [base + (sysconfig.get_config_var("EXT_SUFFIX") or ".so")]
cands += sorted(f for s in m.EXTENSION_SUFFIXES for f in glob.glob(base + s))
cands += sorted(glob.glob(base + ".*.so"))
print(next((c for c in cands if glob.os.path.isfile(c)), cands[0]))' "$NETPROG_TOP/$rel") ||
			path=$NETPROG_TOP/$rel.so
	fi
	case $path in /*) ;; *) path=$PWD/$path ;; esac
	printf -v "$var" '%s' "$path"
	export "${var?}"
	PYEXT_VARS+=("$var")
	PYEXT_SRCDIR=$NETPROG_TOP/$(dirname "$rel")
}

# The default setup: every module the suite named must exist.
pyext_setup() {
	local var
	for var in "${PYEXT_VARS[@]}"; do
		if [ ! -f "${!var}" ]; then
			echo "$var=${!var} does not exist: run \`make ch10\` (PYTHON=$PYTHON), or point $var at a built module" >&2
			return 1
		fi
	done
	pyext_sanitizer_env
}
setup() { pyext_setup; }

# PYEXT_ENV: the environment a Python process needs to load the modules under test.
pyext_sanitizer_env() {
	local var so rt=
	PYEXT_ENV=()
	for var in "${PYEXT_VARS[@]}"; do
		so=${!var}
		if readelf -d "$so" 2>/dev/null | grep -q 'NEEDED.*libasan'; then
			rt=$(ldd "$so" 2>/dev/null | awk '$1 ~ /^libasan/ { print $3; exit }')
		elif nm -D --undefined-only "$so" 2>/dev/null | grep -q ' __asan_init'; then
			rt=$(clang -print-file-name="libclang_rt.asan-$(uname -m).so" 2>/dev/null)
		fi
		[ -n "$rt" ] && break
	done
	[ -n "$rt" ] || return 0
	if [ ! -f "$rt" ]; then
		echo "the module is built with ASan but its runtime ($rt) is not found" >&2
		return 1
	fi
	# PYTHONMALLOC=malloc: objects come from malloc, not from pymalloc's arenas, so
	# that ASan sees a write past the end of one.
	PYEXT_ENV=(LD_PRELOAD="$rt${LD_PRELOAD:+:$LD_PRELOAD}" PYTHONMALLOC=malloc
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:verify_asan_link_order=0")
	PYEXT_SANITIZED=1
}

pyrun() {
	local code=$1 calls=1000000
	shift
	# Sanitized or wrapped, a call costs 3 to 50 times more: sample.
	[ -n "${PYEXT_SANITIZED:-}" ] && calls=200000
	[ -n "${PYEXT_WRAPPER:-}" ] && calls=2000
	calls=${PYEXT_LEAK_CALLS:-$calls}
	# shellcheck disable=SC2086 # PYEXT_WRAPPER is a command line, split on purpose
	# valgrind sees each object only if it comes from malloc, as ASan does.
	timeout -k 1 "${PYEXT_TIMEOUT:-120}" env "${PYEXT_ENV[@]}" PYEXT_CALLS="$calls" \
		${PYEXT_WRAPPER:+PYTHONMALLOC=malloc} \
		PYTHONPATH="$NETPROG_TOP/tests/lib${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1 \
		${PYEXT_WRAPPER:-} "$PYTHON" -c "$code" "$@"
}

pyext_copy_source() {
	local f
	for f in "$PYEXT_SRCDIR"/*.c "$PYEXT_SRCDIR"/setup.py "$PYEXT_SRCDIR"/pyproject.toml; do
		[ -f "$f" ] && cp "$f" "$1/"
	done
}

# setuptools_builds NAME CODE OUT CODE2 OUT2: in a clean copy of the module's folder,
# `setup.py build_ext --inplace` builds NAME next to its source, where CODE prints
# OUT and NAME's file; then, where pip can build wheels offline, `pip install .`
# into a private target, from where CODE2 prints OUT2.
setuptools_builds() {
	local name=$1 code=$2 out=$3 code2=$4 out2=$5 d=$BATS_TEST_TMPDIR/src suffix
	"$PYTHON" -c 'import setuptools' 2>/dev/null || skip "no setuptools for $PYTHON"
	mkdir -p "$d"
	pyext_copy_source "$d"
	cd "$d"
	suffix=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
	run -0 "$PYTHON" setup.py -q build_ext --inplace
	run -0 "$PYTHON" -c "import $name; print($code, $name.__file__)"
	assert_output "$out $d/$name$suffix"
	"$PYTHON" -m pip --version >/dev/null 2>&1 || skip "no pip for $PYTHON"
	local wheelpath=
	if ! "$PYTHON" -c 'import wheel' 2>/dev/null &&
		! "$PYTHON" -c 'import setuptools.command.bdist_wheel' 2>/dev/null; then
		# An interpreter of its own (pyenv's) without wheel: Debian's python3-wheel is pure
		# Python, and offline there is no other (no index to fetch one from).
		[ -d /usr/lib/python3/dist-packages/wheel ] ||
			skip "pip install needs the wheel package (or setuptools >= 70.1) for $PYTHON"
		wheelpath=$BATS_TEST_TMPDIR/wheel
		mkdir -p "$wheelpath"
		# The package and its metadata: setuptools finds bdist_wheel by its entry point.
		ln -s /usr/lib/python3/dist-packages/wheel /usr/lib/python3/dist-packages/wheel-*-info "$wheelpath/"
	fi
	rm -rf build ./*.so
	run -0 env ${wheelpath:+PYTHONPATH="$wheelpath"} "$PYTHON" -m pip install -q --no-build-isolation \
		--no-index --disable-pip-version-check --target "$BATS_TEST_TMPDIR/t" .
	cd /
	run -0 env PYTHONPATH="$BATS_TEST_TMPDIR/t" "$PYTHON" -c "import $name; print($code2)"
	assert_output "$out2"
}

