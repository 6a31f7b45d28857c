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

# read_all HOST SIZE: a client sends SIZE bytes (the connection left open) and the server
# must read them all, and send nothing back: the proof that it serves, apart from whether
# it closes (the Recv-Q of its end of the connection, read off `ss`, falls to 0).
read_all() {
	run peer tcp-drain "$1" "$port" "$2"
	if [ "$status" -ne 0 ] || [ "$output" != "sent $2 bytes, all read by the server, received 0 bytes" ]; then
		echo "a client ($1) sent $2 bytes, expected the server to read them all and send nothing, got: ${output:-nothing}" >&2
		return 1
	fi
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

@test "service: discard_tcp reads all of 10 MiB from a client" {
	start_discard "$DISCARD_TCP"
	read_all "$SERVED_HOST" "$TEN_MIB"
}

@test "protocol: discard_tcp sends nothing back" {
	start_discard "$DISCARD_TCP"
	run -0 peer tcp-drain "$SERVED_HOST" "$port" 100000
	assert_output "sent 100000 bytes, all read by the server, received 0 bytes"
}

@test "protocol: discard_tcp closes after a client that sends 10 MiB and half-closes" {
	start_discard "$DISCARD_TCP"
	for host in "${SERVED[@]}"; do
		sent_all "$host" "$TEN_MIB"
	done
}

@test "families: discard_tcp reads IPv4 and IPv6 clients in turns, 10 MiB each" {
	needs_ipv6
	start_discard "$DISCARD_TCP"
	for host in ::1 127.0.0.1 ::1 127.0.0.1; do
		read_all "$host" "$TEN_MIB"
	done
}

@test "concurrency: discard_tcp reads a second client while a first one is connected and silent" {
	start_discard "$DISCARD_TCP"
	for host in "${SERVED[@]}"; do
		start_bg "$CH06_PYTHON" "$PEER" tcp-hold "$host" "$port" >"$BATS_TEST_TMPDIR/hold-$host"
		wait_for_output connected "$BATS_TEST_TMPDIR/hold-$host"
		# 10 MiB is far more than the kernel's buffers take: a server that serves one client
		# at a time, still waiting for the silent one, never reads it and the send times out.
		read_all "$host" "$TEN_MIB"
	done
}

@test "concurrency: discard_tcp reads two clients that send at the same time, one of them slowly" {
	start_discard "$DISCARD_TCP"
	for host in "${SERVED[@]}"; do
		# A slow sender: a byte every 50 ms until the other client's 10 MiB have all been read
		# (the test then creates the file "done"), so a server that serves one client at a
		# time, busy with the slow one, never reads the other.
		rm -f "$BATS_TEST_TMPDIR/done"
		start_bg "$CH06_PYTHON" "$PEER" tcp-slow "$host" "$port" "$BATS_TEST_TMPDIR/done" >"$BATS_TEST_TMPDIR/slow"
		slow=$BG_PID
		wait_for_output connected "$BATS_TEST_TMPDIR/slow"
		read_all "$host" "$TEN_MIB"
		touch "$BATS_TEST_TMPDIR/done"
		wait_exit "$slow"
		if [ "$(tail -n 1 "$BATS_TEST_TMPDIR/slow")" != "slow: all read" ]; then
			echo "the slow client ($host) was not read to its last byte (got: $(tail -n 1 "$BATS_TEST_TMPDIR/slow"))" >&2
			return 1
		fi
	done
}

@test "robustness: discard_tcp survives clients that reset at once, reset half-way, or send garbage" {
	start_discard "$DISCARD_TCP"
	for host in "${SERVED[@]}"; do
		run -0 peer tcp-reset "$host" "$port" 0
		run -0 peer tcp-reset "$host" "$port" 1048576
		# Binary garbage, NULs and all (tcp-drain sends random bytes), is just more data to
		# throw away; then an ordinary client.
		read_all "$host" 65536
		read_all "$host" 1000
	done
}

@test "protocol: discard_tcp closes after a client that half-closes without sending anything" {
	start_discard "$DISCARD_TCP"
	for host in "${SERVED[@]}"; do
		sent_all "$host" 0
	done
}

# busy_ticks PID...: the CPU time (user + system, clock ticks) of each PID and its children,
# added up.  A fork server's work is in its children.
busy_ticks() {
	local pid total=0 s
	for pid in "$@" $(ps -o pid= --ppid "$1" 2>/dev/null); do
		s=$(cat /proc/"$pid"/stat 2>/dev/null) || continue
		s=${s##*) }
		total=$((total + $(awk '{ print $12 + $13 }' <<<"$s")))
	done
	echo "$total"
}

@test "robustness: discard_tcp sits idle (no busy loop) once its clients have come and gone" {
	local before after
	start_discard "$DISCARD_TCP"
	for host in "${SERVED[@]}"; do
		read_all "$host" 1000
		sent_all "$host" 0 || true	# whether it closes is the protocol tests' matter
		run -0 peer tcp-reset "$host" "$port" 1000
	done
	# A second of nothing to do: a server that keeps polling a finished client's socket
	# (always readable at end of stream) spends it on the CPU.
	before=$(busy_ticks "$SERVER_PID")
	sleep 1
	after=$(busy_ticks "$SERVER_PID")
	if ((after - before > 30)); then
		echo "with no client left, the server (and its children) used $((after - before)) clock ticks of CPU in 1 s (of $(getconf CLK_TCK)): a busy loop" >&2
		return 1
	fi
}

@test "robustness: discard_tcp reads a client that connected while it was stopped (SIGSTOP, SIGCONT)" {
	start_discard "$DISCARD_TCP"
	for host in "${SERVED[@]}"; do
		kill -STOP "$SERVER_PID"
		start_bg peer tcp-drain "$host" "$port" 1048576 >"$BATS_TEST_TMPDIR/sender"
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
		assert_equal "$(cat "$BATS_TEST_TMPDIR/sender")" "sent 1048576 bytes, all read by the server, received 0 bytes"
	done
}

@test "memory: discard_tcp built with -fsanitize=address,undefined serves and stops without a report" {
	asan_build DISCARD_TCP
	start_discard "$ASAN_BIN"
	for host in "${SERVED[@]}"; do
		# Each client closes once it is read: the end-of-stream path runs too.
		read_all "$host" 1048576
		run -0 peer tcp-reset "$host" "$port" 100000
		read_all "$host" 0
		read_all "$host" 1000
	done
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	assert_no_sanitizer_report "$SERVER_ERR"
}

@test "shutdown: discard_tcp exits 0 on SIGTERM" {
	assert_stops_on TERM tcp "$DISCARD_TCP" peer tcp-drain HOST PORT 1000
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
