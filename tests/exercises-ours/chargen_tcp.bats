#!/usr/bin/env bats
# chargen_tcp's extras beyond the exercise's contract (CONTRIBUTING.md), never
# graded: no memory for one more client costs that client, not the server.
load ../helper
load ../lib/ours
program CHARGEN_TCP exercises/ch07-multiplex/chargen_tcp

setup() {
	netprog_setup
	[ ! -e "$NETPROG_TOP/.student-pack" ] || skip "our solutions' extras: the student pack holds stubs"
}

# tests/lib/fail_realloc.c: every realloc of 1500 bytes or more fails, so the
# client table cannot grow past 64 clients (it doubles: 16 bytes a client).
@test "chargen_tcp: no memory for one more client refuses that client, and the server goes on" {
	needs_plain_binary "$CHARGEN_TCP"
	cc -shared -fPIC -o "$BATS_TEST_TMPDIR/fail_realloc.so" "$NETPROG_TOP/tests/lib/fail_realloc.c"
	port=$(free_port)
	start_server tcp "$port" env LD_PRELOAD="$BATS_TEST_TMPDIR/fail_realloc.so" NETPROG_REALLOC_MAX=1500 \
		"$CHARGEN_TCP" "$port"
	start_bg "$PYTHON" -c "
import socket, signal
socks = [socket.create_connection(('127.0.0.1', $port), timeout=5) for _ in range(100)]
print('holding 100', flush=True)
signal.sigwait({signal.SIGTERM})" >"$BATS_TEST_TMPDIR/hold.out"
	wait_for_output "holding 100" "$BATS_TEST_TMPDIR/hold.out"
	wait_for_output "no memory" "$SERVER_ERR"
	kill -0 "$SERVER_PID" 2>/dev/null || fail "the server ended ($(server_state "$SERVER_PID")) when its table could not grow: $(cat "$SERVER_ERR")"
	lines=$(grep -c 'no memory' "$SERVER_ERR")
	((lines <= 2)) || fail "36 refusals in a burst made $lines lines on stderr, expected a summary"
	kill -TERM "$BG_PID"
	deadline=$((SECONDS + NETPROG_TIMEOUT))
	while [ -n "$(ss -Htn state established "sport = :$port")" ]; do
		((SECONDS < deadline)) || fail "the 100 clients' connections stay open on the server's side"
		sleep 0.1
	done
	run -0 client "$PYTHON" -c "
import socket
s = socket.create_connection(('127.0.0.1', $port), timeout=5)
print(len(s.recv(74)) > 0)"
	assert_output True
}
