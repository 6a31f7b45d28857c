#!/usr/bin/env bats
# recv_1_tcp PORT: one dual-stack listener; each client reported as
# "Received from ADDR:PORT", its exact bytes, a newline, then "Closed ADDR:PORT (N bytes)"
# or "Reset ADDR:PORT (N bytes): REASON"; one client at a time; resets, signals and
# garbage do not stop it.
load ../helper
load ../lib/ch06_uniplex
load ../lib/ours
load ../lib/early_term
program RECV_1_TCP ch06-uniplex/recv_1_tcp

# wait_queued PORT N: the listening socket's accept queue (its Recv-Q in ss) holds N.
wait_queued() {
	local port=$1 n=$2 deadline=$((SECONDS + NETPROG_TIMEOUT))
	until [ "$(ss -Hltn "sport = :$port" | awk '{ print $2 }')" = "$n" ]; do
		if ((SECONDS >= deadline)); then
			echo "the accept queue of port $port did not reach $n:" >&2
			ss -Hltn "sport = :$port" >&2
			return 1
		fi
		sleep 0.02
	done
}

# expect_stream HOST DATAFILE: the server's whole output is one connection from HOST
# that carried DATAFILE's bytes and closed.
expect_stream() {
	local host=$1 data=$2 head peer size
	size=$(stat -c %s "$data")
	wait_for_output 'Received from '
	head=$(head -n 1 "$SERVER_OUT")
	[[ $head =~ ^Received\ from\ ($(addr_re "$host"):[0-9]+)$ ]] ||
		{ echo "unexpected first line: $head" >&2; return 1; }
	peer=${BASH_REMATCH[1]}
	wait_for_output "Closed $peer ($size bytes)"
	{ printf '%s\n' "$head"; cat "$data"; printf '\nClosed %s (%s bytes)\n' "$peer" "$size"; } |
		cmp - "$SERVER_OUT"
}

# The chapter's point: while client A is served, client B waits, connected, in the
# kernel's accept queue; B is served only after A closes.
uniplex() {
	local host=$1 port re aport bport
	re=$(addr_re "$host")
	port=$(free_port)
	start_server tcp "$port" "$RECV_1_TCP" "$port"
	start_py tcp-hold "$host" "$port" first >"$BATS_TEST_TMPDIR/a.out"
	local a=$BG_PID
	wait_for_output first
	start_py tcp-send "$host" "$port" second >"$BATS_TEST_TMPDIR/b.out"
	local b=$BG_PID
	wait_queued "$port" 1
	run cat "$SERVER_OUT"
	refute_output --partial second
	kill -TERM "$a"
	wait_for_output second
	# B saw EOF: the server closed it after B's own EOF.
	wait_exit "$b"
	[ "$EXIT_STATUS" -eq 0 ]
	wait_for_output 'EOF after 0 bytes' "$BATS_TEST_TMPDIR/b.out"
	aport=$(head -n 1 "$BATS_TEST_TMPDIR/a.out")
	bport=$(head -n 1 "$BATS_TEST_TMPDIR/b.out")
	wait_for_output ":$bport (6 bytes)"
	run cat "$SERVER_OUT"
	assert_equal "${#lines[@]}" 6
	assert_line --index 0 --regexp "^Received from $re:$aport\$"
	assert_line --index 1 first
	assert_line --index 2 --regexp "^Closed $re:$aport \\(5 bytes\\)\$"
	assert_line --index 3 --regexp "^Received from $re:$bport\$"
	assert_line --index 4 second
	assert_line --index 5 --regexp "^Closed $re:$bport \\(6 bytes\\)\$"
}

@test "recv_1_tcp: a second client is served only after the first closes (::1)" {
	needs_ipv6
	uniplex ::1
}

@test "recv_1_tcp: a second client is served only after the first closes (127.0.0.1)" {
	uniplex 127.0.0.1
}

# 1 MiB of random bytes through nc -N (it half-closes after its input, then waits
# for the server's close).
big_stream() {
	local host=$1 port data=$BATS_TEST_TMPDIR/data
	port=$(free_port)
	head -c 1048576 /dev/urandom >"$data"
	start_server tcp "$port" "$RECV_1_TCP" "$port"
	client nc -N "$host" "$port" <"$data"
	expect_stream "$host" "$data"
}

@test "recv_1_tcp: 1 MiB of binary data from nc on ::1 arrives intact" {
	needs_ipv6
	big_stream ::1
}

@test "recv_1_tcp: 1 MiB of binary data from nc on 127.0.0.1 arrives intact" {
	big_stream 127.0.0.1
}

# Every byte value, NULs first, then the next client is served as well.
garbage() {
	local host=$1 port data=$BATS_TEST_TMPDIR/data
	port=$(free_port)
	"${PYTHON:-python3}" -c 'import sys; sys.stdout.buffer.write(bytes(range(256)))' >"$data"
	start_server tcp "$port" "$RECV_1_TCP" "$port"
	run -0 peer tcp-send "$host" "$port" <"$data"
	expect_stream "$host" "$data"
	run -0 peer tcp-send "$host" "$port" next
	wait_for_output 'next'
	wait_for_output ' (4 bytes)'
}

@test "recv_1_tcp: every byte value arrives intact, and the server goes on (::1)" {
	needs_ipv6
	garbage ::1
}

@test "recv_1_tcp: every byte value arrives intact, and the server goes on (127.0.0.1)" {
	garbage 127.0.0.1
}

# A reset after data is that client's end, reported with the system's reason.
reset_mid_stream() {
	local host=$1 port re aport
	re=$(addr_re "$host")
	port=$(free_port)
	start_server tcp "$port" "$RECV_1_TCP" "$port"
	start_py tcp-hold "$host" "$port" doomed >"$BATS_TEST_TMPDIR/a.out"
	local a=$BG_PID
	wait_for_output doomed
	aport=$(head -n 1 "$BATS_TEST_TMPDIR/a.out")
	kill -USR1 "$a"
	wait_for_output 'Reset '
	run -0 peer tcp-send "$host" "$port" 'still here'
	wait_for_output ' (10 bytes)'
	run cat "$SERVER_OUT"
	assert_line --index 2 --regexp "^Reset $re:$aport \\(6 bytes\\): Connection reset by peer\$"
	assert_line --index 4 'still here'
	assert_line --index 5 --regexp "^Closed $re:[0-9]+ \\(10 bytes\\)\$"
	kill -0 "$SERVER_PID"
}

@test "recv_1_tcp: a client that resets mid-stream does not stop the server (::1)" {
	needs_ipv6
	reset_mid_stream ::1
}

@test "recv_1_tcp: a client that resets mid-stream does not stop the server (127.0.0.1)" {
	reset_mid_stream 127.0.0.1
}

reset_at_once() {
	local host=$1 port
	port=$(free_port)
	start_server tcp "$port" "$RECV_1_TCP" "$port"
	run -0 peer tcp-reset "$host" "$port"
	run -0 peer tcp-reset "$host" "$port"
	run -0 peer tcp-send "$host" "$port" 'after the resets'
	assert_line 'EOF after 0 bytes'
	wait_for_output ' (16 bytes)'
	run cat "$SERVER_OUT"
	assert_line --regexp "^Closed $(addr_re "$host"):[0-9]+ \\(16 bytes\\)\$"
	kill -0 "$SERVER_PID"
}

@test "recv_1_tcp: clients that connect and reset at once do not stop the server (::1)" {
	needs_ipv6
	reset_at_once ::1
}

@test "recv_1_tcp: clients that connect and reset at once do not stop the server (127.0.0.1)" {
	reset_at_once 127.0.0.1
}

# The client shuts down its sending side and keeps reading: the server sees EOF,
# reports and closes, and the client sees EOF in turn.
half_close() {
	local host=$1 port re cport
	re=$(addr_re "$host")
	port=$(free_port)
	start_server tcp "$port" "$RECV_1_TCP" "$port"
	run -0 peer tcp-send "$host" "$port" half
	assert_line --index 1 'EOF after 0 bytes'
	cport=${lines[0]}
	wait_for_output ":$cport (4 bytes)"
	run cat "$SERVER_OUT"
	assert_line --index 0 --regexp "^Received from $re:$cport\$"
	assert_line --index 1 half
	assert_line --index 2 --regexp "^Closed $re:$cport \\(4 bytes\\)\$"
}

@test "recv_1_tcp: a half-close gets the server's EOF back (::1)" {
	needs_ipv6
	half_close ::1
}

@test "recv_1_tcp: a half-close gets the server's EOF back (127.0.0.1)" {
	half_close 127.0.0.1
}

@test "recv_1_tcp: SIGUSR1 during accept and during recv reports on stderr, and it carries on" {
	local port a
	port=$(free_port)
	start_server tcp "$port" "$RECV_1_TCP" "$port"
	kick_until USR1 "$SERVER_PID" '0 connections accepted' "$SERVER_ERR"
	# ${LOOPBACKS[-1]}: ::1, or 127.0.0.1 on a host without IPv6.
	run -0 peer tcp-send "${LOOPBACKS[-1]}" "$port" one
	wait_for_output ' (3 bytes)'
	start_py tcp-hold 127.0.0.1 "$port" two
	a=$BG_PID
	wait_for_output two
	# Blocked in recv on the held client this time.
	kick_until USR1 "$SERVER_PID" '2 connections accepted' "$SERVER_ERR"
	kill -USR2 "$a"
	wait_for_output twotwo
	kill -TERM "$a"
	wait_for_output ' (6 bytes)'
	run -0 peer tcp-send 127.0.0.1 "$port" three
	wait_for_output ' (5 bytes)'
	kill -0 "$SERVER_PID"
}

@test "recv_1_tcp: SIGTERM ends it with 0, idle or while serving a client" {
	local port
	port=$(free_port)
	start_server tcp "$port" "$RECV_1_TCP" "$port"
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	[ "$EXIT_STATUS" -eq 0 ]

	port=$(free_port)
	start_server tcp "$port" "$RECV_1_TCP" "$port"
	start_py tcp-hold "${LOOPBACKS[-1]}" "$port" busy
	wait_for_output busy
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	[ "$EXIT_STATUS" -eq 0 ]
}

@test "recv_1_tcp: on a kernel without IPv6 (no AF_INET6 sockets) it serves IPv4 clients" {
	local port
	no_inet6_prefix
	port=$(free_port)
	start_server tcp "$port" "${NO_INET6[@]}" "$RECV_1_TCP" "$port"
	run -0 peer tcp-send 127.0.0.1 "$port" 'no inet6'
	wait_for_output ' (8 bytes)'
}

@test "recv_1_tcp: a port in use is the system's message and 71" {
	local port
	port=$(free_port)
	start_server tcp "$port" "$RECV_1_TCP" "$port"
	run -71 client "$RECV_1_TCP" "$port"
	assert_output --partial 'Address already in use'
}

@test "recv_1_tcp: wrong argument counts are usage errors (64)" {
	run -64 "$RECV_1_TCP"
	assert_output --partial usage
	run -64 "$RECV_1_TCP" 5000 extra
	assert_output --partial usage
}

@test "recv_1_tcp: a port that is not a decimal number in 0..65535 is a usage error (64)" {
	local port
	for port in '' abc -1 65536 5x ' 80' +80 0x50 99999999999999999999; do
		run -64 client "$RECV_1_TCP" "$port"
		assert_output --partial usage
	done
}

@test "recv_1_tcp: port 0 says 'listening on port N' on stderr" {
	assert_says_listening tcp "$RECV_1_TCP"
}

# With 4 descriptors allowed (0, 1, 2 and the listening socket), accept itself must
# fail: a server that uses its result unchecked goes on with -1 as the client.
@test "recv_1_tcp: accept failing for want of a descriptor is reported ('accept: …') and is 71" {
	[ "$(head -c 4 "$RECV_1_TCP")" = $'\x7fELF' ] || skip "$RECV_1_TCP is not a binary: the limit would be the wrapper's"
	local port
	port=$(free_port)
	start_server tcp "$port" bash -c 'ulimit -n 4 && exec "$0" "$@"' "$RECV_1_TCP" "$port"
	printf 'hello\n' | client nc -N 127.0.0.1 "$port" >/dev/null 2>&1 || true
	wait_exit "$SERVER_PID" || fail "the server did not end within ${NETPROG_TIMEOUT}s after accept failed; its stderr: $(tail -c 500 "$SERVER_ERR")"
	[ "$EXIT_STATUS" -eq 71 ] || fail "expected exit 71, got $EXIT_STATUS; stderr: $(tail -c 500 "$SERVER_ERR")"
	grep -q 'accept: Too many open files' "$SERVER_ERR" || fail "stderr does not name accept's failure: $(tail -c 500 "$SERVER_ERR")"
	run grep -c '^Received from' "$SERVER_OUT"
	[ "$output" = 0 ] || fail "a client was reported although accept failed: $(head -c 300 "$SERVER_OUT")"
}

@test "recv_1_tcp stops on a SIGTERM that comes just before it waits (no lost-signal window)" {
	assert_stops_at_worst_moment "$RECV_1_TCP" PORT
}
