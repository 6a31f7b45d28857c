#!/usr/bin/env bats
# daytime_tcp (chapter 6, exercise 1; RFC 867 defines the TCP service next to the UDP one): each
# client, as soon as it connects and whatever it sends, gets one line of printable ASCII ended by
# CR LF that `date -d` reads as the current time (so it carries its time zone), and then the
# server closes.  Exit 0 on SIGINT/SIGTERM, 64 for bad arguments, 71 when the port is taken.
load ../../helper
load ../../lib/exercise
load ../../lib/ch06_services
program DAYTIME_TCP exercises/ch06-uniplex/daytime_tcp
exercise_source DAYTIME_TCP exercises/ch06-uniplex/daytime_tcp.c

# nc with nothing to send: it ends by itself only when the server closes.
ask_nc() {
	if ! client nc "$1" "$2" </dev/null >"$BATS_TEST_TMPDIR/answer"; then
		echo "nc $1 $2 (sending nothing) did not end: the server never closed the connection" >&2
		return 1
	fi
}

start_daytime() {
	port=$(free_port)
	start_server tcp "$port" "$@" "$port"
}

# Whether the server serves at all is judged apart from its format: a line ended by LF
# alone costs the CR LF test, not every test that asks for the time.
@test "service: daytime_tcp answers a client and closes the connection" {
	start_daytime "$DAYTIME_TCP"
	ask_nc "$SERVED_HOST" "$port"
	assert_answered "$BATS_TEST_TMPDIR/answer"
}

@test "service: daytime_tcp serves one client after another" {
	start_daytime "$DAYTIME_TCP"
	for _ in 1 2 3 4; do
		ask_nc "$SERVED_HOST" "$port"
		assert_answered "$BATS_TEST_TMPDIR/answer"
	done
}

@test "families: daytime_tcp answers IPv4 and IPv6 clients (127.0.0.1, ::1), in turns" {
	needs_ipv6
	start_daytime "$DAYTIME_TCP"
	for host in ::1 127.0.0.1 ::1 127.0.0.1; do
		ask_nc "$host" "$port"
		assert_answered "$BATS_TEST_TMPDIR/answer"
	done
}

@test "protocol: daytime_tcp's answer is one line ended by CR LF" {
	start_daytime "$DAYTIME_TCP"
	ask_nc "$SERVED_HOST" "$port"
	assert_daytime_crlf "$BATS_TEST_TMPDIR/answer"
}

@test "protocol: daytime_tcp's line is printable ASCII that date -d reads as the time now" {
	start_daytime "$DAYTIME_TCP"
	ask_nc "$SERVED_HOST" "$port"
	assert_daytime_time "$BATS_TEST_TMPDIR/answer"
}

@test "protocol: daytime_tcp's line carries its time zone: a server in UTC-5 still tells the right instant" {
	# EST5 is a POSIX TZ string (5 hours west of UTC, no summer time): no zone files needed.
	start_daytime env TZ=EST5 "$DAYTIME_TCP"
	ask_nc "$SERVED_HOST" "$port"
	TZ=UTC assert_daytime_time "$BATS_TEST_TMPDIR/answer"
}

@test "robustness: daytime_tcp answers a client that sends something first, and throws it away" {
	start_daytime "$DAYTIME_TCP"
	for host in "${SERVED[@]}"; do
		# RFC 867: data received is thrown away; it must not be echoed or break the answer.
		peer tcp-read "$host" "$port" $'GET / HTTP/1.0\r\n\r\n' >"$BATS_TEST_TMPDIR/answer"
		assert_answered "$BATS_TEST_TMPDIR/answer"
		if grep -q GET "$BATS_TEST_TMPDIR/answer"; then
			echo "sent 'GET / HTTP/1.0', expected the time, got it echoed back:" >&2
			show "$BATS_TEST_TMPDIR/answer" >&2
			return 1
		fi
	done
}

@test "concurrency: daytime_tcp: clients that connect and never read nor send hold no one up" {
	start_daytime "$DAYTIME_TCP"
	for host in "${SERVED[@]}"; do
		start_bg "$CH06_PYTHON" "$PEER" tcp-hold "$host" "$port" >"$BATS_TEST_TMPDIR/hold-$host"
		wait_for_output connected "$BATS_TEST_TMPDIR/hold-$host"
	done
	for host in "${SERVED[@]}"; do
		ask_nc "$host" "$port"
		assert_answered "$BATS_TEST_TMPDIR/answer"
	done
}

@test "robustness: daytime_tcp survives clients that reset at once, reset after sending, or half-close at once" {
	start_daytime "$DAYTIME_TCP"
	for host in "${SERVED[@]}"; do
		for _ in 1 2 3 4 5; do
			run -0 peer tcp-reset "$host" "$port" 0
		done
		run -0 peer tcp-reset "$host" "$port" 100000
		run -0 peer tcp-send "$host" "$port" 0
		ask_nc "$host" "$port"
		assert_answered "$BATS_TEST_TMPDIR/answer"
	done
}

@test "robustness: daytime_tcp answers a client that connected while it was stopped (SIGSTOP, SIGCONT)" {
	start_daytime "$DAYTIME_TCP"
	for host in "${SERVED[@]}"; do
		kill -STOP "$SERVER_PID"
		start_bg ask_nc "$host" "$port"
		asker=$BG_PID
		# The connection waits in a listen queue (Recv-Q of a listener: there may be one
		# socket per family) until the server runs.
		deadline=$((SECONDS + NETPROG_TIMEOUT))
		until [ "$(listen_queue "$port")" -ge 1 ]; do
			deadline_passed "a connection to $host waiting in the server's listen queue" && return 1
			sleep 0.02
		done
		kill -CONT "$SERVER_PID"
		wait_exit "$asker"
		[ "$EXIT_STATUS" -eq 0 ] || { echo "the client that connected while the server was stopped got no answer" >&2; return 1; }
		assert_answered "$BATS_TEST_TMPDIR/answer"
	done
}

@test "memory: daytime_tcp built with -fsanitize=address,undefined serves and stops without a report" {
	asan_build DAYTIME_TCP
	start_daytime "$ASAN_BIN"
	for host in "${SERVED[@]}"; do
		ask_nc "$host" "$port"
		peer tcp-read "$host" "$port" "$(head -c 5000 /dev/zero | tr '\0' x)" >/dev/null
		run -0 peer tcp-reset "$host" "$port" 0
		ask_nc "$host" "$port"
	done
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	assert_no_sanitizer_report "$SERVER_ERR"
}

@test "shutdown: daytime_tcp exits 0 on SIGTERM" {
	assert_stops_on TERM tcp "$DAYTIME_TCP" ask_nc HOST PORT
}

@test "shutdown: daytime_tcp exits 0 on SIGINT" {
	assert_stops_on INT tcp "$DAYTIME_TCP"
}

@test "usage: daytime_tcp exits 71 with the system's message when the port is taken" {
	assert_port_taken tcp "$DAYTIME_TCP"
}

@test "usage: daytime_tcp rejects a port that is not a decimal number in 0..65535 with 64" {
	assert_bad_ports "$DAYTIME_TCP"
}

@test "usage: daytime_tcp rejects a wrong number of arguments with 64" {
	assert_bad_argc "$DAYTIME_TCP"
}
