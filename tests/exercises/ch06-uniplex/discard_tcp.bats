#!/usr/bin/env bats
# discard_tcp (chapter 6, exercise 2): RFC 863 over TCP.  The server reads everything a client
# sends, throws it away, never sends a byte, and closes when the client does; one client ending
# (normally, with a reset, half-way) never ends the server.  Exit 0 on SIGINT/SIGTERM, 64 for bad
# arguments, 71 when the port is taken.
load ../../helper
load ../../lib/exercise
load ../../lib/ch06_services
program DISCARD_TCP exercises/ch06-uniplex/discard_tcp
exercise_source DISCARD_TCP exercises/ch06-uniplex/discard_tcp.c

start_discard() {
	port=$(free_port)
	start_server tcp "$port" "$@" "$port"
}

# sent_all HOST SIZE: a client sends SIZE bytes and half-closes; the server must read them
# all and close after it (a reset instead of EOF: it closed with data unread).
sent_all() {
	run peer tcp-send "$1" "$port" "$2"
	if [ "$status" -ne 0 ] || ! [[ $output =~ ^sent\ $2\ bytes,\ received\ [0-9]+\ bytes,\ then\ EOF$ ]]; then
		echo "a client ($1) sent $2 bytes and half-closed, expected the server to read them all and close, got: ${output:-nothing}" >&2
		return 1
	fi
}

TEN_MIB=10485760

@test "service: discard_tcp takes 10 MiB from a client and closes after it" {
	start_discard "$DISCARD_TCP"
	sent_all "$SERVED_HOST" "$TEN_MIB"
}

@test "protocol: discard_tcp sends nothing back" {
	start_discard "$DISCARD_TCP"
	run -0 peer tcp-send "$SERVED_HOST" "$port" 100000
	assert_output "sent 100000 bytes, received 0 bytes, then EOF"
}

@test "families: discard_tcp serves IPv4 and IPv6 clients in turns, 10 MiB each, with nc" {
	needs_ipv6
	start_discard "$DISCARD_TCP"
	for host in ::1 127.0.0.1 ::1 127.0.0.1; do
		# nc -N half-closes after its input and ends when the server closes.
		run -0 --separate-stderr client sh -c 'head -c "$1" /dev/urandom | nc -N "$2" "$3"' \
			sh "$TEN_MIB" "$host" "$port"
	done
}

@test "concurrency: discard_tcp reads a second client while a first one is connected and silent" {
	start_discard "$DISCARD_TCP"
	for host in "${SERVED[@]}"; do
		start_bg "$CH06_PYTHON" "$PEER" tcp-hold "$host" "$port" >"$BATS_TEST_TMPDIR/hold-$host"
		wait_for_output connected "$BATS_TEST_TMPDIR/hold-$host"
		# 10 MiB is far more than the kernel's buffers take: a server that serves one client
		# at a time, still waiting for the silent one, never reads it and the send times out.
		sent_all "$host" "$TEN_MIB"
	done
}

@test "concurrency: discard_tcp reads two clients that send at the same time, one of them slowly" {
	start_discard "$DISCARD_TCP"
	for host in "${SERVED[@]}"; do
		# A slow sender: a byte every 50 ms until the other client's 10 MiB have all been read
		# (the test then creates the file "done"), so a server that serves one client at a
		# time, busy with the slow one, never reads the other.
		rm -f "$BATS_TEST_TMPDIR/done"
		start_bg "$PYTHON" -c 'import os, socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
print("connected", flush=True)
end = time.monotonic() + 60
while not os.path.exists(sys.argv[3]) and time.monotonic() < end:
    s.send(b"x")
    time.sleep(0.05)
s.shutdown(socket.SHUT_WR)
s.settimeout(10)
print("slow:", "EOF" if s.recv(1) == b"" else "data", flush=True)' "$host" "$port" "$BATS_TEST_TMPDIR/done" >"$BATS_TEST_TMPDIR/slow"
		slow=$BG_PID
		wait_for_output connected "$BATS_TEST_TMPDIR/slow"
		sent_all "$host" "$TEN_MIB"
		touch "$BATS_TEST_TMPDIR/done"
		wait_exit "$slow"
		if [ "$(tail -n 1 "$BATS_TEST_TMPDIR/slow")" != "slow: EOF" ]; then
			echo "the slow client ($host) was not read to its end and closed (got: $(tail -n 1 "$BATS_TEST_TMPDIR/slow"))" >&2
			return 1
		fi
	done
}

@test "robustness: discard_tcp survives clients that reset at once, reset half-way, or send garbage" {
	start_discard "$DISCARD_TCP"
	for host in "${SERVED[@]}"; do
		run -0 peer tcp-reset "$host" "$port" 0
		run -0 peer tcp-reset "$host" "$port" 1048576
		# Binary garbage, NULs and all, is just more data to throw away.
		run -0 --separate-stderr client sh -c 'head -c 65536 /dev/urandom | nc -N "$1" "$2"' \
			sh "$host" "$port"
		sent_all "$host" 1000
	done
}

@test "protocol: discard_tcp closes after a client that half-closes without sending anything" {
	start_discard "$DISCARD_TCP"
	for host in "${SERVED[@]}"; do
		sent_all "$host" 0
	done
}

@test "robustness: discard_tcp reads a client that connected while it was stopped (SIGSTOP, SIGCONT)" {
	start_discard "$DISCARD_TCP"
	for host in "${SERVED[@]}"; do
		kill -STOP "$SERVER_PID"
		start_bg peer tcp-send "$host" "$port" 1048576 >"$BATS_TEST_TMPDIR/sender"
		sender=$BG_PID
		# The connection waits in the listen queue (Recv-Q of the listener) until the server runs.
		# (One dual-stack socket or one a family: every listener counts.)
		deadline=$((SECONDS + NETPROG_TIMEOUT))
		until [ "$(listen_queue "$port")" -ge 1 ]; do
			deadline_passed "a connection from $host waiting in the server's listen queue" && return 1
			sleep 0.02
		done
		kill -CONT "$SERVER_PID"
		wait_exit "$sender"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/sender")" "sent 1048576 bytes, received 0 bytes, then EOF"
	done
}

@test "memory: discard_tcp built with -fsanitize=address,undefined serves and stops without a report" {
	asan_build DISCARD_TCP
	start_discard "$ASAN_BIN"
	for host in "${SERVED[@]}"; do
		sent_all "$host" 1048576
		run -0 peer tcp-reset "$host" "$port" 100000
		sent_all "$host" 0
	done
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	assert_no_sanitizer_report "$SERVER_ERR"
}

@test "shutdown: discard_tcp exits 0 on SIGTERM" {
	assert_stops_on TERM tcp "$DISCARD_TCP" peer tcp-send HOST PORT 1000
}

@test "shutdown: discard_tcp exits 0 on SIGINT" {
	assert_stops_on INT tcp "$DISCARD_TCP"
}

@test "usage: discard_tcp exits 71 with the system's message when the port is taken" {
	assert_port_taken tcp "$DISCARD_TCP"
}

@test "usage: discard_tcp rejects a port that is not a decimal number in 0..65535 with 64" {
	assert_bad_ports "$DISCARD_TCP"
}

@test "usage: discard_tcp rejects a wrong number of arguments with 64" {
	assert_bad_argc "$DISCARD_TCP"
}
