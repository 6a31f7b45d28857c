# tests/lib/ours.bash - checks of what every one of OUR servers does beyond an
# exercise's contract (house rules in STYLE.md); never used by a grading suite.
#
#   server_state PID              "running", or how it ended ("exited N", "killed by SIGX")
#   assert_says_listening P PROG [ARGS...]   PROG started with port 0 (the last
#                                 argument) says "listening on port N" on stderr, with
#                                 N > 0 the port it holds (P: tcp|udp)

server_state() {
	local pid=$1 status
	if kill -0 "$pid" 2>/dev/null; then
		echo running
		return
	fi
	status=0
	wait "$pid" 2>/dev/null || status=$?
	if ((status > 128)); then
		echo "killed by SIG$(kill -l "$((status - 128))")"
	else
		echo "exited $status"
	fi
}

assert_says_listening() {
	local proto=$1 flags line port deadline=$((SECONDS + NETPROG_TIMEOUT))
	shift
	case $proto in tcp) flags=-Hltnp ;; udp) flags=-Hlunp ;; esac
	SERVER_OUT=$BATS_TEST_TMPDIR/listen.out
	SERVER_ERR=$BATS_TEST_TMPDIR/listen.err
	start_bg "$@" 0 </dev/null >"$SERVER_OUT" 2>"$SERVER_ERR"
	SERVER_PID=$BG_PID
	until line=$(grep -m1 -E '^listening on port [0-9]+$' "$SERVER_ERR"); do
		if ! kill -0 "$SERVER_PID" 2>/dev/null || ((SECONDS >= deadline)); then
			fail "started with port 0: expected 'listening on port N' on stderr, got: '$(cat "$SERVER_ERR")' (server $(server_state "$SERVER_PID"))"
		fi
		sleep 0.02
	done
	port=${line##* }
	[ "$port" -gt 0 ] || fail "'$line': port 0 is not where anyone can connect"
	[ -n "$(ss "$flags" "sport = :$port" | grep "pid=$SERVER_PID,")" ] ||
		fail "'$line', but the server (pid $SERVER_PID) holds no $proto socket on port $port: $(ss "$flags" "sport = :$port")"
}

# start_closed_stdout P PORT PROG [ARGS...]: PROG started with stdout a pipe whose
# reader has gone (as `prog | head -0` leaves it), waiting until PORT is bound.
# closed_stdout_status: after the caller made PROG write, its exit status (141 is
# a death by SIGPIPE), or fails if it does not end.
start_closed_stdout() {
	local proto=$1 port=$2
	shift 2
	export CLOSED_STATUS=$BATS_TEST_TMPDIR/closed.status SERVER_ERR=$BATS_TEST_TMPDIR/closed.err
	# The reader (true) exits at once; the writer's status is PIPESTATUS[0].
	start_bg bash -c '"$@" 2>"$SERVER_ERR" </dev/null | true; echo "${PIPESTATUS[0]}" >"$CLOSED_STATUS"' _ "$@"
	SERVER_PID=$BG_PID
	wait_listening "$proto" "$port"
}

closed_stdout_status() {
	wait_exit "$SERVER_PID" || fail "with stdout a closed pipe, the server did not end after writing"
	cat "$CLOSED_STATUS"
}

# needs_plain_binary PROG: skip unless PROG is an ELF binary without a sanitizer
# runtime.  Tests that fill the descriptor table, cap the address space or
# replace realloc measure the program itself: ASan reserves terabytes of address
# space and needs descriptors of its own, and a wrapper (valgrind) is not PROG.
needs_plain_binary() {
	[ "$(head -c 4 "$1")" = $'\x7fELF' ] || skip "$1 is not a binary (a wrapper's limits would be measured)"
	if grep -qaE '__asan_init|__tsan_init' "$1"; then
		skip "$1 is built with a sanitizer, whose runtime needs the descriptors and memory this test takes away"
	fi
}
