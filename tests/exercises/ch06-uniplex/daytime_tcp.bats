#!/usr/bin/env bats
# daytime_tcp (chapter 6, exercise 1; RFC 867 defines the TCP service next to the UDP one): each
# client, as soon as it connects and whatever it sends, gets one line of printable ASCII ended by
# CR LF that `date -d` reads as the current time (so it carries its time zone), and then the
# server closes.  Exit 0 on SIGINT/SIGTERM, 64 for bad arguments, 71 when the port is taken.
load ../../helper
load ../../lib/ch06_services
program DAYTIME_TCP exercises/ch06-uniplex/daytime_tcp

# nc with nothing to send: it ends by itself only when the server closes.
ask_nc() {
	client nc "$1" "$2" </dev/null >"$BATS_TEST_TMPDIR/answer"
}

@test "families: daytime_tcp sends ::1 the date as one CR LF line and closes" {
	port=$(free_port)
	start_server tcp "$port" "$DAYTIME_TCP" "$port"
	ask_nc ::1 "$port"
	assert_daytime "$BATS_TEST_TMPDIR/answer"
}

@test "protocol: daytime_tcp sends 127.0.0.1 the date as one CR LF line and closes" {
	port=$(free_port)
	start_server tcp "$port" "$DAYTIME_TCP" "$port"
	ask_nc 127.0.0.1 "$port"
	assert_daytime "$BATS_TEST_TMPDIR/answer"
}

@test "service: daytime_tcp serves one client after another, each with its own line" {
	port=$(free_port)
	start_server tcp "$port" "$DAYTIME_TCP" "$port"
	for host in ::1 127.0.0.1 ::1 127.0.0.1; do
		ask_nc "$host" "$port"
		assert_daytime "$BATS_TEST_TMPDIR/answer"
	done
}

@test "protocol: daytime_tcp's line carries its time zone: a server in UTC-5 still tells the right instant" {
	port=$(free_port)
	# EST5 is a POSIX TZ string (5 hours west of UTC, no summer time): no zone files needed.
	start_server tcp "$port" env TZ=EST5 "$DAYTIME_TCP" "$port"
	ask_nc ::1 "$port"
	TZ=UTC assert_daytime "$BATS_TEST_TMPDIR/answer"
}

@test "robustness: daytime_tcp answers a client that sends something first, and throws it away" {
	port=$(free_port)
	start_server tcp "$port" "$DAYTIME_TCP" "$port"
	for host in ::1 127.0.0.1; do
		# RFC 867: data received is thrown away; it must not be echoed or break the answer.
		peer tcp-read "$host" "$port" $'GET / HTTP/1.0\r\n\r\n' >"$BATS_TEST_TMPDIR/answer"
		assert_daytime "$BATS_TEST_TMPDIR/answer"
	done
}

@test "concurrency: daytime_tcp: a client that never reads holds no one up" {
	port=$(free_port)
	start_server tcp "$port" "$DAYTIME_TCP" "$port"
	start_bg peer tcp-hold ::1 "$port" >"$BATS_TEST_TMPDIR/hold"
	wait_for_output connected "$BATS_TEST_TMPDIR/hold"
	start_bg peer tcp-hold 127.0.0.1 "$port" >"$BATS_TEST_TMPDIR/hold4"
	wait_for_output connected "$BATS_TEST_TMPDIR/hold4"
	for host in ::1 127.0.0.1; do
		ask_nc "$host" "$port"
		assert_daytime "$BATS_TEST_TMPDIR/answer"
	done
}

@test "robustness: daytime_tcp survives clients that reset at once or half-close at once" {
	port=$(free_port)
	start_server tcp "$port" "$DAYTIME_TCP" "$port"
	for host in ::1 127.0.0.1; do
		run -0 peer tcp-reset "$host" "$port" 0
		run -0 peer tcp-reset "$host" "$port" 100000
		run -0 peer tcp-send "$host" "$port" 0
		ask_nc "$host" "$port"
		assert_daytime "$BATS_TEST_TMPDIR/answer"
	done
}

@test "robustness: daytime_tcp answers a client that connected while it was stopped (SIGSTOP, SIGCONT)" {
	port=$(free_port)
	start_server tcp "$port" "$DAYTIME_TCP" "$port"
	for host in ::1 127.0.0.1; do
		kill -STOP "$SERVER_PID"
		start_bg ask_nc "$host" "$port"
		asker=$BG_PID
		# The connection waits in the listen queue (Recv-Q of the listener) until the server runs.
		deadline=$((SECONDS + NETPROG_TIMEOUT))
		until [ "$(ss -Hltn "sport = :$port" | awk '{ print $2; exit }')" = 1 ]; do
			((SECONDS < deadline))
			sleep 0.02
		done
		kill -CONT "$SERVER_PID"
		wait_exit "$asker"
		[ "$EXIT_STATUS" -eq 0 ]
		assert_daytime "$BATS_TEST_TMPDIR/answer"
	done
}

@test "shutdown: daytime_tcp exits 0 on SIGTERM" {
	assert_stops_on TERM tcp "$DAYTIME_TCP" ask_nc ::1 PORT
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
