#!/usr/bin/env bats
# no_casts.c.in (chapter 5, exercise 2): what the compilers say when the
# (struct sockaddr *) casts are taken out of socket calls.  The file is not a
# program of the build (its name does not end in .c); the suite compiles it with
# -x c and the course's flags, with and without _GNU_SOURCE, with gcc and clang.
load ../../helper
# Not a binary, so not `program`: NO_CASTS_C may name another source to check.
: "${NO_CASTS_C:=$NETPROG_TOP/exercises/ch05-sockets/no_casts.c.in}"

COURSE_FLAGS=(-std=c17 -Wall -Wextra -Wpedantic -Wwrite-strings -Wvla -Wfloat-equal
	-Waggregate-return -Winline)

setup() {
	[ -r "$NO_CASTS_C" ] || { echo "NO_CASTS_C=$NO_CASTS_C is not readable" >&2; return 1; }
	# A copy under a fixed name, so every diagnostic starts with "no_casts.c.in:LINE:".
	cp "$NO_CASTS_C" "$BATS_TEST_TMPDIR/no_casts.c.in"
	cd "$BATS_TEST_TMPDIR"
}

# The line number of the first call of function $1 in the source.
line_of() {
	local n
	n=$(grep -n -m1 -E "(^|[^[:alnum:]_])$1[[:space:]]*\(" no_casts.c.in | cut -d: -f1)
	[ -n "$n" ] || { echo "no call of $1 in $NO_CASTS_C" >&2; return 1; }
	echo "$n"
}

# want_lines FUNCTION...: their call lines, sorted, one a line.
# (Not a pipeline: a missing call must fail the caller, not vanish into sort.)
want_lines() {
	local f n lines=()
	for f; do
		n=$(line_of "$f") || return
		lines+=("$n")
	done
	printf '%s\n' "${lines[@]}" | sort -n
}

# diagnose CC [FLAGS...]: compile the copy; $DIAG holds what the compiler said
# about no_casts.c.in itself (not the notes that point into the headers).
diagnose() {
	run "$@" "${COURSE_FLAGS[@]}" -x c -fsyntax-only no_casts.c.in
	DIAG=$(grep -E '^no_casts\.c\.in:[0-9]+:[0-9]+: (warning|error): ' <<<"$output" || true)
}

# The lines that got a warning or an error naming incompatible (pointer) types.
incompatible_lines() {
	grep -E 'incompatible' <<<"$DIAG" | cut -d: -f2 | sort -nu
}

compilers() {
	echo gcc
	command -v clang >/dev/null && echo clang
	true
}

@test "protocol: no_casts.c.in does not define _GNU_SOURCE itself, so the compile line chooses" {
	run -1 grep -nE '^[[:space:]]*#[[:space:]]*define[[:space:]]+_GNU_SOURCE' no_casts.c.in
	# ... and it is a complete program: it has a main.
	grep -qE '^main\(|[[:space:]]main\(' no_casts.c.in
}

@test "protocol: without _GNU_SOURCE, gcc and clang flag every uncast sockaddr pointer as incompatible" {
	command -v gcc >/dev/null || skip "no gcc"
	local cc want
	want=$(want_lines bind getsockname connect accept getnameinfo)
	for cc in $(compilers); do
		diagnose "$cc"
		# gcc 12 and clang 14 warn; gcc 14 and later make it an error.
		assert_equal "$cc: $(incompatible_lines)" "$cc: $want"
		# Nothing else is wrong with the file.
		assert_equal "$cc: $(grep -v incompatible <<<"$DIAG" | grep -c .)" "$cc: 0"
	done
}

@test "protocol: with _GNU_SOURCE, bind, connect and getsockname take a sockaddr_in6 * silently; getnameinfo and accept(sockaddr_storage *) do not" {
	command -v gcc >/dev/null || skip "no gcc"
	local cc want accept_line
	# glibc's transparent union (__SOCKADDR_ARG, __CONST_SOCKADDR_ARG) lists
	# sockaddr_in6 but not sockaddr_storage; getnameinfo has no union at all.
	want=$(want_lines getnameinfo accept)
	accept_line=$(line_of accept)
	for cc in $(compilers); do
		diagnose "$cc" -D_GNU_SOURCE
		assert_equal "$cc: $(incompatible_lines)" "$cc: $want"
		assert_equal "$cc: $(grep -v incompatible <<<"$DIAG" | grep -c .)" "$cc: 0"
		# A pointer that is none of the union's members is an error, not a warning.
		assert_regex "$DIAG" "(^|"$'\n'")no_casts\.c\.in:$accept_line:[0-9]+: error: "
		[ "$status" -ne 0 ]
	done
}

@test "service: no_casts.c.in built without casts still runs: a cast changes a pointer's type, not its value" {
	command -v gcc >/dev/null || skip "no gcc"
	needs_ipv6
	# gcc 14 and later refuse incompatible pointers by default; then there is nothing to run.
	gcc "${COURSE_FLAGS[@]}" -x c -o no_casts no_casts.c.in 2>/dev/null ||
		skip "gcc refuses to build it (gcc 14 and later make incompatible pointer types an error)"
	run -0 client ./no_casts
	assert_line --regexp '^listening on ::1 port [1-9][0-9]*$'
	assert_line 'accepted a connection over IPv6'
}
