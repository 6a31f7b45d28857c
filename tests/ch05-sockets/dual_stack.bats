#!/usr/bin/env bats
# dual_stack: one IPv6 socket for both families; IPv4 peers show as ::ffff:a.b.c.d.
load ../helper
load ../lib/ours
program DUAL_STACK ch05-sockets/dual_stack

# The local address column of the listening socket on $1, as ss prints it.
listening_as() {
	ss -Hltn "sport = :$1" | awk '{ print $4 }'
}

# The line dual_stack gives a client from loopback address $1.
line_for() {
	case $1 in
	::1) printf '::1\tIPv6' ;;
	*) printf '::ffff:%s\tIPv4-mapped' "$1" ;;
	esac
}

# The server's stdout holds exactly the line $1.
server_said() {
	wait_for_output "$1"
	run cat "$SERVER_OUT"
	assert_line "$1"
}

@test "dual_stack tells a client from ::1 that it came over IPv6" {
	needs_ipv6
	port=$(free_port)
	start_server tcp "$port" "$DUAL_STACK" "$port"
	run -0 client nc ::1 "$port" </dev/null
	assert_output "::1	IPv6"
	server_said "::1	IPv6"
}

@test "dual_stack tells a client from 127.0.0.1 that it came IPv4-mapped" {
	port=$(free_port)
	start_server tcp "$port" "$DUAL_STACK" "$port"
	run -0 client nc 127.0.0.1 "$port" </dev/null
	assert_output "::ffff:127.0.0.1	IPv4-mapped"
	server_said "::ffff:127.0.0.1	IPv4-mapped"
}

@test "dual_stack serves clients one after another, both families" {
	port=$(free_port)
	start_server tcp "$port" "$DUAL_STACK" "$port"
	local i host
	for i in 1 2; do
		for host in "${LOOPBACKS[@]}"; do
			run -0 client nc "$host" "$port" </dev/null
			assert_output "$(line_for "$host")"
		done
	done
	run cat "$SERVER_OUT"
	[ "${#lines[@]}" -eq $((2 * ${#LOOPBACKS[@]})) ]
}

@test "dual_stack listens as *:PORT (both families), with -6 as [::]:PORT" {
	port=$(free_port)
	start_server tcp "$port" "$DUAL_STACK" "$port"
	run listening_as "$port"
	assert_output "*:$port"

	port=$(free_port)
	start_server tcp "$port" "$DUAL_STACK" -6 "$port"
	run listening_as "$port"
	assert_output "[::]:$port"
}

@test "dual_stack -6 refuses an IPv4 client and still serves ::1" {
	needs_ipv6
	port=$(free_port)
	start_server tcp "$port" "$DUAL_STACK" -6 "$port"
	# nc exits 1 when the connection is refused (124 would be our timeout).
	run -1 client nc 127.0.0.1 "$port" </dev/null
	run -0 client nc ::1 "$port" </dev/null
	assert_output "::1	IPv6"
	server_said "::1	IPv6"
	refute_line --partial "127.0.0.1"
}

@test "dual_stack exits 0 on SIGTERM, after serving a client" {
	port=$(free_port)
	start_server tcp "$port" "$DUAL_STACK" "$port"
	run -0 client nc 127.0.0.1 "$port" </dev/null
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	[ "$EXIT_STATUS" -eq 0 ]
}

@test "dual_stack exits 0 on SIGINT" {
	port=$(free_port)
	start_server tcp "$port" "$DUAL_STACK" "$port"
	# A background job starts with SIGINT ignored; the program's own handler
	# (sigaction) replaces that disposition, so SIGINT reaches it.
	kill -INT "$SERVER_PID"
	wait_exit "$SERVER_PID"
	[ "$EXIT_STATUS" -eq 0 ]
}

@test "dual_stack restarts at once on a port whose last connection is in TIME_WAIT" {
	port=$(free_port)
	start_server tcp "$port" "$DUAL_STACK" "$port"
	run -0 client nc 127.0.0.1 "$port" </dev/null
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	# The server closed first, so its end waits in TIME_WAIT: 60 s on Linux
	# (TCP_TIMEWAIT_LEN), not the 2 x 2 min of RFC 793's MSL.
	run ss -Htan -o state time-wait "sport = :$port"
	assert_output --regexp "timer:\(timewait,([0-9]|[1-5][0-9]|60)sec"
	# SO_REUSEADDR lets the new listener bind beside it.
	start_server tcp "$port" "$DUAL_STACK" "$port"
	run -0 client nc 127.0.0.1 "$port" </dev/null
	assert_output "::ffff:127.0.0.1	IPv4-mapped"
}

@test "dual_stack exits 71 when another socket already listens on the port" {
	port=$(free_port)
	start_server tcp "$port" "$DUAL_STACK" "$port"
	run -71 "$DUAL_STACK" "$port"
}

@test "dual_stack: an IPv4 listener blocks the dual-stack socket (71) but not -6" {
	port=$(free_port)
	# IPv4 and IPv6 share one port space: [::]:PORT without V6ONLY covers
	# 127.0.0.1:PORT too, so the bind fails; with V6ONLY it does not.
	start_bg nc -l 127.0.0.1 "$port"
	wait_listening tcp "$port" "$BG_PID"
	run -71 "$DUAL_STACK" "$port"
	start_server tcp "$port" "$DUAL_STACK" -6 "$port"
	# wait_listening saw nc's socket on the port at once: wait for [::] too.
	local deadline=$((SECONDS + NETPROG_TIMEOUT))
	until [ "$(listening_as "$port" | grep -cF "[::]:$port")" -eq 1 ]; do
		kill -0 "$SERVER_PID"
		((SECONDS < deadline))
		sleep 0.02
	done
	# Only where IPv6 works can a client show that -6 serves.
	if netprog_has_ipv6; then
		run -0 client nc ::1 "$port" </dev/null
		assert_output "::1	IPv6"
	fi
}

@test "dual_stack says nothing on stderr where the host has IPv6" {
	needs_ipv6
	port=$(free_port)
	start_server tcp "$port" "$DUAL_STACK" "$port"
	run -0 client nc 127.0.0.1 "$port" </dev/null
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	run cat "$SERVER_ERR"
	refute_output --partial "IPv6"
}

@test "dual_stack on a host without IPv6 says so in one line and serves IPv4 clients, mapped" {
	run -0 --separate-stderr in_no_ipv6 '
		"$DUAL_STACK" "$2" >/dev/null 2>"$1/err" &
		pid=$!
		wait_listening tcp "$2" "$pid" || exit 9
		timeout 10 nc 127.0.0.1 "$2" </dev/null || exit 10
		kill -TERM "$pid"
		wait_exit "$pid" || exit 11
		echo "status $EXIT_STATUS"' "$BATS_TEST_TMPDIR" "$(free_port)"
	assert_output $'::ffff:127.0.0.1\tIPv4-mapped\nstatus 0'
	# Besides "listening on port N", one line, and it says why.
	run grep -cv '^listening on port ' "$BATS_TEST_TMPDIR/err"
	assert_output 1
	run grep 'no IPv6' "$BATS_TEST_TMPDIR/err"
	assert_success
}

@test "dual_stack on a kernel without IPv6 (no AF_INET6 sockets) serves IPv4 on 0.0.0.0 and says so" {
	no_inet6_prefix
	port=$(free_port)
	start_server tcp "$port" "${NO_INET6[@]}" "$DUAL_STACK" "$port"
	run -0 client nc 127.0.0.1 "$port" </dev/null
	assert_output "127.0.0.1	IPv4"
	run listening_as "$port"
	assert_output "0.0.0.0:$port"
	run grep -cv '^listening on port ' "$SERVER_ERR"
	assert_output 1
	run grep 'no IPv6' "$SERVER_ERR"
	assert_success
}

@test "dual_stack -6 on a kernel without IPv6 exits 69 with one line that says so" {
	no_inet6_prefix
	run -69 --separate-stderr client "${NO_INET6[@]}" "$DUAL_STACK" -6 "$(free_port)"
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "no IPv6"
}

@test "dual_stack rejects bad arguments with a usage message and 64" {
	local args
	for args in "" "1 2" "-6" "-x 5000" "abc" "-1" "65536" "5x" "-6 -6x"; do
		# shellcheck disable=SC2086 # word splitting is the point
		run -64 "$DUAL_STACK" $args
		assert_output --partial usage
	done
	run -64 "$DUAL_STACK" ""
	assert_output --partial usage
}

@test "dual_stack: port 0 says 'listening on port N' on stderr" {
	assert_says_listening tcp "$DUAL_STACK"
}

@test "dual_stack: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	port=$(free_port)
	start_closed_stdout tcp "$port" "$DUAL_STACK" "$port"
	client nc 127.0.0.1 "$port" </dev/null >/dev/null || true
	status=$(closed_stdout_status)
	[ "$status" -eq 74 ] || fail "a client connected, stdout a closed pipe: expected exit 74, got $status (141 = SIGPIPE); stderr: $(cat "$SERVER_ERR")"
	grep -q 'stdout' "$SERVER_ERR" || fail "no message naming stdout on stderr: $(cat "$SERVER_ERR")"
}

# Closing with the client's bytes unread sends a reset, which can destroy the
# server's line before the client reads it.  Five clients that send a line at once.
@test "dual_stack: a client that sends a line gets the answer and a clean EOF, not a reset" {
	port=$(free_port)
	start_server tcp "$port" "$DUAL_STACK" "$port"
	run client "$PYTHON" - "$port" <<'PY'
import socket, sys
port = int(sys.argv[1])
for i in range(5):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"hello from the client\n")
    got = b""
    try:
        while True:
            b = s.recv(4096)
            if not b:
                break
            got += b
    except ConnectionResetError:
        print(f"client {i}: sent a line, got {got!r} then a reset instead of EOF")
        sys.exit(1)
    s.close()
    if got != b"::ffff:127.0.0.1\tIPv4-mapped\n":
        print(f"client {i}: sent a line, expected the family line, got {got!r}")
        sys.exit(1)
PY
	[ "$status" -eq 0 ] || fail "$output (server $(server_state "$SERVER_PID"))"
}
