#!/usr/bin/env bats
# echo_tcp (chapter 8, exercise 1): RFC 862 over TCP.  Every byte a client sends comes back to it,
# binary-safe, to many clients at once.  A client that sends but never reads must neither make
# the server buffer without bound nor hold up the other clients (backpressure).  Clients that
# reset, half-close, or come and go by the thousand leave nothing open behind them.  Exit 0 on
# SIGINT/SIGTERM, 64 for bad arguments, 71 when the port is taken.
load ../../helper
load ../../lib/exercise
load ../../lib/ch07_exercises
program ECHO_TCP exercises/ch08-clientserver/echo_tcp
exercise_source ECHO_TCP exercises/ch08-clientserver/echo_tcp.c

MIB=1048576

# A normal client gets something back by EOF: the proof, after each hostile act, that the
# server still serves.  Whether the echo is exact is the protocol tests' business, so one
# wrong byte does not fail every test.
served() {
	run peer echo-some "$1" "$port" 1000
	if [ "$status" -ne 0 ] || [ "$output" != "sent 1000 bytes, got some back, then EOF" ]; then
		echo "a client ($1) sent 1000 bytes and half-closed, expected some echo and then EOF, got: ${output:-nothing}" >&2
		return 1
	fi
}

start_echo() {
	port=$(free_port)
	start_server tcp "$port" "${1:-$ECHO_TCP}" "$port"
	base=$(fd_count "$SERVER_PID")
}

@test "service: echo_tcp sends something back to a client and closes after it" {
	start_echo
	served "$SERVED_HOST"
}

@test "families: echo_tcp serves IPv4 and IPv6 clients (127.0.0.1, ::1; with nc too)" {
	needs_ipv6
	start_echo
	for host in "${LOOPBACKS[@]}"; do
		served "$host"
		run -0 client sh -c 'printf "hello, echo\r\n" | nc -N "$1" "$2" | wc -c' sh "$host" "$port"
		[ "$output" -gt 0 ] || { echo "nc -N $host: nothing came back" >&2; return 1; }
	done
}

@test "protocol: echo_tcp echoes 1 byte and a line exactly, with nc" {
	start_echo
	# nc -N half-closes after its input; the server closes once all is echoed.
	run -0 client sh -c 'printf x | nc -N "$1" "$2" | od -An -c' sh "$SERVED_HOST" "$port"
	assert_output '   x'
	run -0 client sh -c 'printf "hello, echo\r\n" | nc -N "$1" "$2" | od -An -c' sh "$SERVED_HOST" "$port"
	assert_output '   h   e   l   l   o   ,       e   c   h   o  \r  \n'
}

@test "protocol: echo_tcp echoes 1 MiB of random bytes with NULs identically" {
	start_echo
	run -0 peer echo-check "$SERVED_HOST" "$port" "$MIB"
	assert_output "echoed $MIB bytes, then EOF"
}

@test "protocol: echo_tcp echoes 1 MiB from nc -N byte for byte (cmp)" {
	start_echo
	head -c "$MIB" /dev/urandom >"$BATS_TEST_TMPDIR/in"
	printf '\0\0\0' >>"$BATS_TEST_TMPDIR/in"
	for host in "${SERVED[@]}"; do
		client nc -N "$host" "$port" <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
		if ! cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out" >&2; then
			echo "sent $(stat -c %s "$BATS_TEST_TMPDIR/in") bytes, got $(stat -c %s "$BATS_TEST_TMPDIR/out") back" >&2
			return 1
		fi
	done
}

@test "concurrency: echo_tcp echoes a second client while a first one is connected and idle" {
	start_echo
	for host in "${SERVED[@]}"; do
		# A server that serves one client at a time still waits for the idle one's data.
		start_peer hold "$host" "$port" >"$BATS_TEST_TMPDIR/idle-$host"
		wait_for_output connected "$BATS_TEST_TMPDIR/idle-$host"
		served "$host"
	done
}

@test "concurrency: echo_tcp gives 50 concurrent clients each their own data back" {
	start_echo
	for host in "${SERVED[@]}"; do
		# 50 connections open at once, all sending 64 KiB interleaved: one process must multiplex.
		run -0 peer echo-many "$host" "$port" 50 65536
		assert_output "50 clients got their own 65536 bytes back"
	done
}

@test "robustness: echo_tcp loses no byte of 24 MiB echoed to a client that reads only after a pause, slowly" {
	start_echo
	for host in "${SERVED[@]}"; do
		# Far more than both sides' socket buffers wait in the server: a short send() whose
		# rest is dropped, or a buffer overwritten, shows as a difference.
		run -0 peer echo-slow "$host" "$port" $((24 * MIB)) 1
		assert_output "echoed $((24 * MIB)) bytes identically, then EOF"
	done
}

@test "robustness: echo_tcp survives clients that reset while their echo is still coming (EPIPE, not SIGPIPE)" {
	start_echo
	for host in "${SERVED[@]}"; do
		for _ in 1; do
			run -0 peer reset-unread "$host" "$port" $((8 * MIB))
		done
		served "$host"
	done
}

@test "concurrency: echo_tcp: a client that sends a lot and never reads stalls neither a second client nor grows the server" {
	local hosts
	# A server of its own for each family: which families are those of the first.
	start_echo
	hosts=("${SERVED[@]}")
	stop_all
	for host in "${hosts[@]}"; do
		start_echo
		rss0=$(rss_kb "$SERVER_PID")
		# The hog offers 64 MiB and never reads its echo.  With backpressure it stalls after
		# a bounded amount; a server that buffers without bound takes all of it.
		start_peer hog "$host" "$port" $((64 * MIB)) >"$BATS_TEST_TMPDIR/hog"
		wait_for_output "sent" "$BATS_TEST_TMPDIR/hog"
		served "$host"
		rss1=$(rss_kb "$SERVER_PID")
		echo "VmRSS ${rss0} kB before, ${rss1} kB with the hog; $(cat "$BATS_TEST_TMPDIR/hog")" >&3
		# 16 MiB is far above any per-client cap worth the name, far below 64 MiB.
		((rss1 - rss0 < 16384)) || {
			echo "while a client sent 64 MiB and read nothing, the server grew by $((rss1 - rss0)) KiB (expected less than 16 MiB: it must stop reading from that client, not buffer it all)" >&2
			return 1
		}
		kill "$BG_PID"
		wait_fds "$SERVER_PID" "$base"
		served "$host"
		stop_all
	done
}

@test "robustness: echo_tcp survives a client that connects and resets at once" {
	start_echo
	for host in "${SERVED[@]}"; do
		run -0 peer reset "$host" "$port"
		served "$host"
		wait_fds "$SERVER_PID" "$base"
	done
}

@test "protocol: echo_tcp echoes to a half-closed client and then closes" {
	start_echo
	for host in "${SERVED[@]}"; do
		# Half-close with nothing sent: EOF at once, no byte back.
		run -0 peer echo-check "$host" "$port" 0
		assert_output "echoed 0 bytes, then EOF"
		served "$host"
		wait_fds "$SERVER_PID" "$base"
	done
}

@test "robustness: echo_tcp survives 1,000 rapid connections and ends with its descriptors at baseline" {
	start_echo
	for host in "${SERVED[@]}"; do
		run -0 peer rapid-ping "$host" "$port" 500
		assert_output "500 connections"
		served "$host"
		wait_fds "$SERVER_PID" "$base"
	done
}

@test "robustness: echo_tcp survives garbage thrown at it by a client that closes without reading" {
	start_echo
	for host in "${SERVED[@]}"; do
		# 256 KiB of random bytes, then gone: the echo meets a reset.
		run -0 client sh -c 'head -c 262144 /dev/urandom | nc -N -w1 "$1" "$2" >/dev/null' sh "$host" "$port"
		run -0 peer reset "$host" "$port"
		served "$host"
		wait_fds "$SERVER_PID" "$base"
	done
}

@test "robustness: echo_tcp keeps serving, without spinning, when it runs out of descriptors (EMFILE)" {
	port=$(free_port)
	# 48 descriptors: the server gets EMFILE from accept long before 100 connections.
	start_server tcp "$port" sh -c 'ulimit -n 48 && exec "$0" "$1"' "$ECHO_TCP" "$port"
	base=$(fd_count "$SERVER_PID")
	start_peer hold-many "$SERVED_HOST" "$port" 100 >"$BATS_TEST_TMPDIR/flood"
	flood=$BG_PID
	wait_for_output "holding" "$BATS_TEST_TMPDIR/flood"
	# Connections still wait in the listen queue: a server that polls the listener again at
	# once after EMFILE spins at full CPU.  Allow 30% of one CPU over a second.
	t0=$(cpu_ticks "$SERVER_PID")
	sleep 1
	t1=$(cpu_ticks "$SERVER_PID")
	echo "CPU while out of descriptors: $((t1 - t0)) ticks in 1 s ($(getconf CLK_TCK)/s)" >&3
	((t1 - t0 < $(getconf CLK_TCK) * 3 / 10)) || {
		echo "out of descriptors, with connections waiting, the server used $((t1 - t0)) of $(getconf CLK_TCK) CPU ticks in 1 s (at most 30% allowed: it must not retry accept in a tight loop)" >&2
		return 1
	}
	kill "$flood"
	wait_fds "$SERVER_PID" "$base"
	for host in "${SERVED[@]}"; do
		served "$host"
	done
}

@test "memory: echo_tcp built with -fsanitize=address,undefined serves and stops without a report" {
	asan_build ECHO_TCP
	start_echo "$ASAN_BIN"
	for host in "${SERVED[@]}"; do
		run -0 peer echo-check "$host" "$port" "$MIB"
		run -0 peer echo-many "$host" "$port" 10 65536
		run -0 peer reset "$host" "$port"
		run -0 peer echo-check "$host" "$port" 0
	done
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	assert_no_sanitizer_report "$SERVER_ERR"
}

@test "shutdown: echo_tcp exits 0 on SIGTERM" {
	assert_stops_on TERM tcp "$ECHO_TCP" served 127.0.0.1
}

@test "shutdown: echo_tcp exits 0 on SIGINT, even with clients connected" {
	port=$(free_port)
	# A background job starts with SIGINT ignored; give the server the default, as a terminal would.
	start_server tcp "$port" env --default-signal=INT "$ECHO_TCP" "$port"
	start_peer hold "$SERVED_HOST" "$port" >"$BATS_TEST_TMPDIR/hold"
	wait_for_output connected "$BATS_TEST_TMPDIR/hold"
	kill -INT "$SERVER_PID"
	wait_exit "$SERVER_PID"
	[ "$EXIT_STATUS" -eq 0 ]
}

@test "usage: echo_tcp exits 71 with the system's message when the port is taken" {
	assert_port_taken tcp "$ECHO_TCP"
}

@test "usage: echo_tcp rejects a port that is not a decimal number in 0..65535 with 64" {
	assert_bad_ports "$ECHO_TCP"
}

@test "usage: echo_tcp rejects a wrong number of arguments with 64" {
	assert_bad_argc "$ECHO_TCP"
}
