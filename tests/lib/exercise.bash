# tests/lib/exercise.bash - what every exercise (grading) suite shares, on top of the helper.
# Load it right after the helper:  load ../../helper; load ../../lib/exercise
#
# A grading suite judges a student's program, so it must say what happened to it:
#
#   teardown                  after every test: a server of the test that died by a signal,
#                             or a child it forked that a crash signal killed (a preloaded
#                             tests/lib/child_deaths.so tells), fails the test, naming the
#                             signal (a crash costs the test that provoked it, and says
#                             so); when the test failed, how every server of it ended
#                             and the last lines of its stderr
#   client CMD...             as the helper's, and one that is cut off says "did not
#                             finish within N s (killed)" instead of a bare status 124
#   server_state PID [-p]     $STATE: "still running", "exited with status N", "was killed
#                             by SIGSEGV (signal 11)" (-p: also printed)
#   stderr_tail FILE          FILE's last lines, indented, or "(nothing)"
#   deadline_passed WHAT      for polling loops: prints "WHAT: not within N s" and fails once
#                             $deadline (SECONDS-based) has passed
#   SERVED                    the loopbacks the last server started reaches (served_loopbacks):
#                             what the tests of every property but "families:" loop over
#   SERVED_HOST               the first of $SERVED (127.0.0.1 unless the server reaches ::1
#                             alone): where a test of one client sends it; assert_stops_on's
#                             HOST argument
#   asan_build VAR            the program of $VAR built with AddressSanitizer and
#                             UndefinedBehaviorSanitizer, once per suite file: from ${VAR}_SRC
#                             when the grader gave a source, from our own source when the
#                             suite runs ungraded; its path in $ASAN_BIN.  Skips the test
#                             ("no source to build with sanitizers") for a prebuilt binary.
#   assert_no_sanitizer_report FILE   FILE (a server's stderr) holds no ASan/UBSan/LSan report
#
# Grading variables: the suite names the binary with `program VAR path`; this library
# remembers path for asan_build (call exercise_source VAR path.c once, after program).

# shellcheck source=grading.bash
source "${BASH_SOURCE[0]%/*}/grading.bash"

NETPROG_SERVERS=()	# "PID<TAB>stderr file" of every server the test started
declare -gA NETPROG_STATUS=()	# PID -> exit status, once the test has waited for it
declare -gA NETPROG_SOURCE=()	# VAR -> our own source, for asan_build

# The helper's start_server and wait_exit, kept under other names and wrapped.
eval "netprog_start_server() $(declare -f start_server | tail -n +2)"
eval "netprog_wait_exit() $(declare -f wait_exit | tail -n +2)"
eval "netprog_stop_all() $(declare -f stop_all | tail -n +2)"

# child_deaths_lib: tests/lib/child_deaths.c built once per bats run (in $BATS_RUN_TMPDIR),
# its path on stdout; status 1 (and a note on stderr) where it cannot be built.
child_deaths_lib() {
	local so=${BATS_RUN_TMPDIR:-/tmp}/child_deaths.so src=${BASH_SOURCE[0]%/*}/child_deaths.c
	if [ ! -s "$so" ]; then
		cc -std=c17 -O2 -fPIC -shared -o "$so.$$" "$src" -ldl -pthread 2>"$so.log" &&
			mv -f "$so.$$" "$so" || {
			echo "child_deaths: cannot build $src: $(cat "$so.log")" >&2
			return 1
		}
	fi
	echo "$so"
}

# served_loopbacks PROTO PORT: $SERVED, the loopback addresses (of $LOOPBACKS) that the
# sockets listening on PORT reach, read off the socket table: a dual-stack socket shows as
# *:PORT, an IPv6-only one as [::]:PORT, an IPv4 one as 0.0.0.0:PORT.  The tests of every
# property but "families:" loop over these, so that a server of one family (the text's
# AF_INET listings) loses the families tests, not every test that also tries ::1: each
# defect costs its own points.  Never empty: a server reachable on neither loopback gets
# them all, and fails.
served_loopbacks() {
	local flags addr host v4=0 v6=0
	case $1 in
	tcp) flags=-Hltn ;;
	udp) flags=-Hlun ;;
	*) SERVED=("${LOOPBACKS[@]}") SERVED_HOST=${LOOPBACKS[0]}; return 0 ;;
	esac
	while read -r _ _ _ addr _; do
		case ${addr%:*} in
		'*') v4=1 v6=1 ;;
		0.0.0.0 | 127.0.0.1) v4=1 ;;
		'[::]' | '[::1]') v6=1 ;;
		esac
	done < <(ss "$flags" "sport = :$2")
	SERVED=()
	for host in "${LOOPBACKS[@]}"; do
		case $host in
		*:*) ((v6)) && SERVED+=("$host") ;;
		*) ((v4)) && SERVED+=("$host") ;;
		esac
	done
	[ ${#SERVED[@]} -gt 0 ] || SERVED=("${LOOPBACKS[@]}")
	SERVED_HOST=${SERVED[0]}
}
SERVED=("${LOOPBACKS[@]}")	# until a server of the test is listening
SERVED_HOST=${SERVED[0]}

# Every server runs with tests/lib/child_deaths.so preloaded (after any preload of the
# caller's, so that a sanitizer's runtime stays first): a child it forks that a crash
# signal kills is written to a log of this server's, which exercise_check_servers reads.
start_server() {
	local status=0 so log
	# A log of its own for every server of the test (the list of servers is emptied when
	# they are checked, so its length would name a log twice).
	NETPROG_CHILD_LOGS=$((${NETPROG_CHILD_LOGS:-0} + 1))
	log=$BATS_TEST_TMPDIR/children.$NETPROG_CHILD_LOGS
	if so=$(child_deaths_lib); then
		NETPROG_CHILD_LOG=$log LD_PRELOAD="${LD_PRELOAD:+$LD_PRELOAD:}$so" \
			netprog_start_server "$@" || status=$?
	else
		netprog_start_server "$@" || status=$?
	fi
	NETPROG_SERVERS+=("$SERVER_PID"$'\t'"$SERVER_ERR"$'\t'"$log")
	[ "$status" -ne 0 ] || served_loopbacks "$1" "$2"
	return "$status"
}

wait_exit() {
	local status=0
	netprog_wait_exit "$@" || status=$?
	[ "$status" -eq 0 ] && NETPROG_STATUS[$1]=$EXIT_STATUS
	if [ "$status" -ne 0 ]; then
		echo "the program did not end within ${NETPROG_TIMEOUT} s of being asked to" >&2
	fi
	return "$status"
}

client() {
	local status=0
	timeout -k 1 "$NETPROG_TIMEOUT" "$@" || status=$?
	if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
		echo "$(basename "$1") did not finish within ${NETPROG_TIMEOUT} s (killed)" >&2
	fi
	return "$status"
}

signal_name() {
	local name
	name=$(kill -l "$1" 2>/dev/null) || name=$1
	echo "SIG$name (signal $1)"
}

# The state of a server the test started, in $STATE (and on stdout with -p), reaping it
# when it has ended.  Not in a $(...) subshell: only this shell can wait for its children.
server_state() {
	local pid=$1 status
	if [ -n "${NETPROG_STATUS[$pid]:-}" ]; then
		status=${NETPROG_STATUS[$pid]}
	elif kill -0 "$pid" 2>/dev/null && [ "$(awk '{ print $3 }' /proc/"$pid"/stat 2>/dev/null)" != Z ]; then
		STATE="is still running"
		[ "${2:-}" = -p ] && echo "$STATE"
		return 0
	else
		status=0
		wait "$pid" 2>/dev/null || status=$?
		NETPROG_STATUS[$pid]=$status
	fi
	if ((status > 128 && status < 160)); then
		STATE="was killed by $(signal_name $((status - 128)))"
	else
		STATE="exited with status $status"
	fi
	[ "${2:-}" = -p ] && echo "$STATE"
	return 0
}

stderr_tail() {
	if [ -s "$1" ]; then
		tail -n "${2:-5}" "$1" | cut -c1-200 | sed 's/^/    | /'
	else
		echo "    (nothing)"
	fi
}

deadline_passed() {
	if ((SECONDS >= deadline)); then
		echo "$1: not within ${NETPROG_TIMEOUT} s" >&2
		return 0
	fi
	return 1
}

# How every server of the test ended (before anything stops it); a death by a signal is
# remembered in NETPROG_CRASHED, and on a failed test every ending is told.
exercise_check_servers() {
	local entry pid err state
	local log child sig
	for entry in "${NETPROG_SERVERS[@]}"; do
		IFS=$'\t' read -r pid err log <<<"$entry"
		server_state "$pid"
		state=$STATE
		if [ -s "$log" ]; then
			while read -r child sig; do
				NETPROG_CRASHED+="a child of the server (PID $child) was killed by $(signal_name "$sig") during this test"$'\n'
			done <"$log"
			NETPROG_CRASHED+="the last lines of the server's stderr:"$'\n'"$(stderr_tail "$err")"$'\n'
			: >"$log"
		fi
		if [[ $state == "was killed by"* ]]; then
			NETPROG_CRASHED+="the server $state during this test; the last lines of its stderr:"$'\n'
			NETPROG_CRASHED+="$(stderr_tail "$err")"$'\n'
		elif [ "$1" = report ]; then
			echo "the server $state; the last lines of its stderr:" >&2
			stderr_tail "$err" >&2
		fi
	done
	NETPROG_SERVERS=()
}

stop_all() {
	exercise_check_servers quiet
	netprog_stop_all
}

exercise_teardown() {
	if [ -n "${BATS_TEST_COMPLETED:-}" ]; then
		exercise_check_servers quiet
	else
		exercise_check_servers report
	fi
	netprog_stop_all
	if [ -n "${NETPROG_CRASHED:-}" ]; then
		printf '%s' "$NETPROG_CRASHED" >&2
		return 1
	fi
}
teardown() { exercise_teardown; }

# ---- sanitized builds ---------------------------------------------------------------

exercise_source() {
	NETPROG_SOURCE[$1]=$2
}

asan_build() {
	local var=$1 src_var="${1}_SRC" src dir log
	if [ -n "${!src_var:-}" ]; then
		src=${!src_var}
	elif [ "${!var}" = "$NETPROG_TOP/${NETPROG_SOURCE[$var]%.c}" ]; then
		src=$NETPROG_TOP/${NETPROG_SOURCE[$var]}
	else
		skip "no source to build with sanitizers"
	fi
	dir=$BATS_FILE_TMPDIR/asan
	ASAN_BIN=$dir/$(basename "$src" .c)
	log=$dir/build.log
	if [ ! -x "$ASAN_BIN" ]; then
		mkdir -p "$dir"
		GRADING_RUNAS=()
		grading_init "$NETPROG_TOP" >"$log" 2>&1 && GRADING_CFLAGS="-O1 -g" &&
			grading_build prog "$src" "$ASAN_BIN" "$log" \
				-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer || {
			echo "the source does not build with -fsanitize=address,undefined:" >&2
			tail -n 20 "$log" >&2
			return 1
		}
	fi
	# Reports go to stderr, also from forked children; a report ends the process
	# (exit 99) so that a memory error cannot go on to look like something else.
	# verify_asan_link_order=0: start_server preloads tests/lib/child_deaths.so, which then
	# comes before ASan's runtime in the list of libraries.
	export ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1:exitcode=99:abort_on_error=0:detect_stack_use_after_return=0
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99
	export LSAN_OPTIONS=exitcode=99
}

assert_no_sanitizer_report() {
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined|Leak)Sanitizer' "$1"; then
		echo "the build with -fsanitize=address,undefined reported:" >&2
		grep -m1 -A12 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$1" | cut -c1-200 | sed 's/^/    | /' >&2
		return 1
	fi
}
