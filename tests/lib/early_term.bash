# tests/lib/early_term.bash - the lost-signal window, for the suites of servers that
# stop on SIGTERM.  Load it after the helper.
#
#   assert_stops_at_worst_moment PROG ARGS...
#       PROG ARGS... (ARGS hold the word PORT for a free port) started with
#       tests/lib/early_term.so preloaded: once PROG has taken SIGTERM in hand, a SIGTERM
#       is raised just before its first wait (accept, recv*, poll, ppoll, select,
#       pselect, epoll_*wait, sigsuspend, sigwait*), with no client ever coming.  PROG
#       must exit 0 within the deadline: a server that tests a stop flag and then blocks
#       with the signal deliverable has run its handler already and sleeps on.

# early_term_lib: tests/lib/early_term.c built once per bats run; its path on stdout.
early_term_lib() {
	local so=${BATS_RUN_TMPDIR:-/tmp}/early_term.so src=${BASH_SOURCE[0]%/*}/early_term.c
	if [ ! -s "$so" ]; then
		cc -std=gnu17 -O2 -fPIC -shared -o "$so.$$" "$src" -ldl -pthread 2>"$so.log" &&
			mv -f "$so.$$" "$so" || {
			echo "early_term: cannot build $src: $(cat "$so.log")" >&2
			return 1
		}
	fi
	echo "$so"
}

assert_stops_at_worst_moment() {
	local so port arg args=()
	# A wrapper script (tests/wrapped: valgrind) would take the preload itself.
	[ "$(head -c 4 "$1")" = $'\x7fELF' ] || skip "$1 is not a binary: the preload would reach its wrapper"
	so=$(early_term_lib) || return 1
	port=$(free_port)
	for arg; do
		[ "$arg" = PORT ] && args+=("$port") || args+=("$arg")
	done
	# env sets the preload for PROG alone: not for bash, nor for timeout around it.
	start_bg env LD_PRELOAD="${LD_PRELOAD:+$LD_PRELOAD:}$so" "${args[@]}" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/early_term.err"
	if ! wait_exit "$BG_PID"; then
		echo "a SIGTERM raised just before $(basename "$1")'s first wait (no client ever came) did not stop it within ${NETPROG_TIMEOUT} s: the signal was lost between its stop-flag test and the blocking call; its stderr: $(tail -n 3 "$BATS_TEST_TMPDIR/early_term.err")" >&2
		return 1
	fi
	[ "$EXIT_STATUS" -eq 0 ] ||
		fail "a SIGTERM raised just before $(basename "$1")'s first wait: expected exit 0, got $EXIT_STATUS"
}
