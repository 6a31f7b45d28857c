#!/usr/bin/env bats
# discard_tcp (chapter 6, exercise 2): RFC 863 over TCP.  The server reads everything a client
# sends, throws it away, never sends a byte, and closes when the client does; one client ending
# (normally, with a reset, half-way) never ends the server.  Exit 0 on SIGINT/SIGTERM, 64 for bad
# arguments, 71 when the port is taken.
load ../../helper
load ../../lib/ch06_services
program DISCARD_TCP exercises/ch06-uniplex/discard_tcp

TEN_MIB=10485760

@test "families: discard_tcp takes 10 MiB from ::1, sends nothing back, and closes after the client" {
	port=$(free_port)
	start_server tcp "$port" "$DISCARD_TCP" "$port"
	# A reset instead of EOF would mean the server closed with data unread.
	run -0 peer tcp-send ::1 "$port" "$TEN_MIB"
	assert_output "sent $TEN_MIB bytes, received 0 bytes, then EOF"
}

@test "service: discard_tcp takes 10 MiB from 127.0.0.1, sends nothing back, and closes after the client" {
	port=$(free_port)
	start_server tcp "$port" "$DISCARD_TCP" "$port"
	run -0 peer tcp-send 127.0.0.1 "$port" "$TEN_MIB"
	assert_output "sent $TEN_MIB bytes, received 0 bytes, then EOF"
}

@test "families: discard_tcp serves the next client after a 10 MiB one, over both families, with nc" {
	port=$(free_port)
	start_server tcp "$port" "$DISCARD_TCP" "$port"
	for host in ::1 127.0.0.1 ::1 127.0.0.1; do
		# nc -N half-closes after its input and ends when the server closes.
		run -0 --separate-stderr client sh -c 'head -c "$1" /dev/urandom | nc -N "$2" "$3"' \
			sh "$TEN_MIB" "$host" "$port"
		assert_output ''
	done
}

@test "robustness: discard_tcp survives clients that reset at once, reset half-way, or send garbage" {
	port=$(free_port)
	start_server tcp "$port" "$DISCARD_TCP" "$port"
	for host in ::1 127.0.0.1; do
		run -0 peer tcp-reset "$host" "$port" 0
		run -0 peer tcp-reset "$host" "$port" 1048576
		# Binary garbage, NULs and all, is just more data to throw away.
		run -0 --separate-stderr client sh -c 'head -c 65536 /dev/urandom | nc -N "$1" "$2"' \
			sh "$host" "$port"
		assert_output ''
		run -0 peer tcp-send "$host" "$port" 1000
		assert_output "sent 1000 bytes, received 0 bytes, then EOF"
	done
}

@test "protocol: discard_tcp closes after a client that half-closes without sending anything" {
	port=$(free_port)
	start_server tcp "$port" "$DISCARD_TCP" "$port"
	for host in ::1 127.0.0.1; do
		run -0 peer tcp-send "$host" "$port" 0
		assert_output "sent 0 bytes, received 0 bytes, then EOF"
	done
}

@test "robustness: discard_tcp reads a client that connected while it was stopped (SIGSTOP, SIGCONT)" {
	port=$(free_port)
	start_server tcp "$port" "$DISCARD_TCP" "$port"
	for host in ::1 127.0.0.1; do
		kill -STOP "$SERVER_PID"
		start_bg peer tcp-send "$host" "$port" 1048576 >"$BATS_TEST_TMPDIR/sender"
		sender=$BG_PID
		# The connection waits in the listen queue (Recv-Q of the listener) until the server runs.
		deadline=$((SECONDS + NETPROG_TIMEOUT))
		until [ "$(ss -Hltn "sport = :$port" | awk '{ print $2; exit }')" = 1 ]; do
			((SECONDS < deadline))
			sleep 0.02
		done
		kill -CONT "$SERVER_PID"
		wait_exit "$sender"
		[ "$EXIT_STATUS" -eq 0 ]
		[ "$(cat "$BATS_TEST_TMPDIR/sender")" = "sent 1048576 bytes, received 0 bytes, then EOF" ]
	done
}

@test "shutdown: discard_tcp exits 0 on SIGTERM" {
	assert_stops_on TERM tcp "$DISCARD_TCP" peer tcp-send ::1 PORT 1000
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
