#!/usr/bin/env bats
# chargen_tcp (chapter 7, exercise 1): RFC 864 over TCP.  Each client gets the RFC's pattern from
# line 0: 72 characters a line from the ring of the 95 printable ASCII characters (space to
# tilde), line N starting at ring character N (mod 95), CR LF after each line; to every client at
# once; what clients send is thrown away; a client that stops reading holds up nobody; a closed
# client is noticed and its descriptor closed.  Exit 0 on SIGINT/SIGTERM, 64 for bad arguments,
# 71 when the port is taken.
load ../../helper
load ../../lib/exercise
load ../../lib/ch07_exercises
program CHARGEN_TCP exercises/ch07-multiplex/chargen_tcp
exercise_source CHARGEN_TCP exercises/ch07-multiplex/chargen_tcp.c

LINE=74	# 72 characters, CR, LF

setup_file() {
	# 400 lines: more than four turns of the 95-line ring.
	chargen_expected 400 >"$BATS_FILE_TMPDIR/expected"
}

start_chargen() {
	port=$(free_port)
	start_server tcp "$port" "${1:-$CHARGEN_TCP}" "$port"
	base=$(fd_count "$SERVER_PID")
}

# SIZE bytes of the stream a plain client gets, from $SERVED_HOST: what other clients' streams
# are compared with, so that only the protocol tests depend on RFC 864's exact pattern.
reference() {
	peer read "$SERVED_HOST" "$port" "$1" >"$BATS_TEST_TMPDIR/reference"
	if [ "$(stat -c %s "$BATS_TEST_TMPDIR/reference")" -ne "$1" ]; then
		echo "a plain client got $(stat -c %s "$BATS_TEST_TMPDIR/reference") bytes, not $1, before the server closed" >&2
		return 1
	fi
}

# same_stream FILE WHAT: FILE is the reference stream, byte for byte.
same_stream() {
	if ! cmp "$BATS_TEST_TMPDIR/reference" "$1" >"$BATS_TEST_TMPDIR/cmp" 2>&1; then
		echo "$2: expected the same stream as a plain client's ($(stat -c %s "$BATS_TEST_TMPDIR/reference") bytes), got $(stat -c %s "$1") bytes: $(cat "$BATS_TEST_TMPDIR/cmp")" >&2
		return 1
	fi
}

# LINES lines read from a new client (MODE: half, garbage) must be the pattern's first ones.
pattern_from() {
	local host=$1 lines=$2 mode=${3:-}
	peer read "$host" "$port" $((lines * LINE)) $mode >"$BATS_TEST_TMPDIR/got"
	head -c $((lines * LINE)) "$BATS_FILE_TMPDIR/expected" >"$BATS_TEST_TMPDIR/want"
	if ! cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got" >"$BATS_TEST_TMPDIR/cmp" 2>&1; then
		echo "expected RFC 864's first $lines lines; $(cat "$BATS_TEST_TMPDIR/cmp"); the first lines that came (od -c):" >&2
		head -c 160 "$BATS_TEST_TMPDIR/got" | od -An -c | head -n 6 >&2
		return 1
	fi
}

# A normal client gets a stream (7400 bytes of something): the proof, after each hostile act,
# that the server serves, whatever its format.
served() {
	peer read "$1" "$port" 7400 >"$BATS_TEST_TMPDIR/served"
	if [ "$(stat -c %s "$BATS_TEST_TMPDIR/served")" -ne 7400 ]; then
		echo "a client ($1) expected a stream, got $(stat -c %s "$BATS_TEST_TMPDIR/served") bytes before the server closed" >&2
		return 1
	fi
}

@test "protocol: chargen_tcp's pattern starts with the space and the ring's first 72 characters" {
	start_chargen
	run -0 client sh -c 'nc -d "$1" "$2" | head -n 2' sh "$SERVED_HOST" "$port"
	assert_line --index 0 ' !"#$%&'\''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefg'$'\r'
	assert_line --index 1 '!"#$%&'\''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefgh'$'\r'
}

@test "service: chargen_tcp sends a client a stream of characters" {
	start_chargen
	served "$SERVED_HOST"
}

@test "protocol: chargen_tcp's first 200 lines match RFC 864 byte for byte" {
	start_chargen
	pattern_from "$SERVED_HOST" 200
}

@test "families: chargen_tcp serves IPv4 and IPv6 clients (127.0.0.1, ::1; with nc too)" {
	needs_ipv6
	start_chargen
	for host in "${LOOPBACKS[@]}"; do
		served "$host"
		run -0 client sh -c 'nc -d "$1" "$2" | head -c 10000 | wc -c' sh "$host" "$port"
		assert_output 10000
	done
}

@test "protocol: chargen_tcp's first 400 lines match RFC 864 with nc as the client" {
	start_chargen
	client sh -c 'nc -d "$1" "$2" | head -c "$3"' sh "$SERVED_HOST" "$port" $((400 * LINE)) >"$BATS_TEST_TMPDIR/got"
	cmp "$BATS_FILE_TMPDIR/expected" "$BATS_TEST_TMPDIR/got"
}

@test "concurrency: chargen_tcp streams to two clients at once, each its own stream from its start" {
	start_chargen
	reference 30000
	for host in "${SERVED[@]}"; do
		# Both connected, read in turns: a server that serves one client at a time never
		# sends to the second while the first is connected, and the peer times out.
		peer read-both "$host" "$port" 30000 >"$BATS_TEST_TMPDIR/got"
		head -c 30000 "$BATS_TEST_TMPDIR/got" >"$BATS_TEST_TMPDIR/first"
		tail -c +30001 "$BATS_TEST_TMPDIR/got" >"$BATS_TEST_TMPDIR/second"
		same_stream "$BATS_TEST_TMPDIR/first" "the first of two clients at once ($host)"
		same_stream "$BATS_TEST_TMPDIR/second" "the second of two clients at once ($host)"
	done
}

@test "robustness: chargen_tcp loses nothing of the stream to a client that reads late and slowly (4 MiB)" {
	start_chargen
	reference 4194304
	for host in "${SERVED[@]}"; do
		# Its window closes at once, so the server's writes come up short: one that skips
		# what a short write did not take leaves a gap in the stream.
		peer read-slow "$host" "$port" 4194304 1 >"$BATS_TEST_TMPDIR/slow"
		same_stream "$BATS_TEST_TMPDIR/slow" "a client that read late and slowly ($host)"
	done
}

@test "concurrency: chargen_tcp: a client that stops reading does not stall a second client" {
	start_chargen
	for host in "${SERVED[@]}"; do
		start_peer hold "$host" "$port" >"$BATS_TEST_TMPDIR/stalled"
		stalled=$BG_PID
		wait_for_output connected "$BATS_TEST_TMPDIR/stalled"
		# 5 MiB for the second client: far more than the stalled one's buffers can take, so the
		# server must be writing to one while the other's window is closed.
		run -0 client sh -c 'nc -d "$1" "$2" | head -c 5242880 | wc -c' sh "$host" "$port"
		assert_output 5242880
		served "$host"
		kill "$stalled"
		wait_fds "$SERVER_PID" "$base"
	done
}

@test "robustness: chargen_tcp notices a closed client: its descriptor count returns to baseline" {
	start_chargen
	for host in "${SERVED[@]}"; do
		for _ in 1 2 3; do
			served "$host"
		done
		# The stalled client is closed while the server's data waits for it.
		start_peer hold "$host" "$port" >"$BATS_TEST_TMPDIR/stalled"
		wait_for_output connected "$BATS_TEST_TMPDIR/stalled"
		kill "$BG_PID"
		wait_fds "$SERVER_PID" "$base"
	done
}

@test "robustness: chargen_tcp discards what a client sends: garbage, and a half-close, change nothing" {
	start_chargen
	reference 14800
	for host in "${SERVED[@]}"; do
		peer read "$host" "$port" 14800 garbage >"$BATS_TEST_TMPDIR/got"
		same_stream "$BATS_TEST_TMPDIR/got" "a client that sent 4 KiB of garbage first ($host)"
	done
	# RFC 864: the stream goes on until the client closes; a half-close is not a close.
	# What a server wrote before it saw the FIN still arrives after its close (the kernel
	# sends its send buffer, then a FIN), and on loopback that can be megabytes: so the
	# client reads twice what the buffers between the two can hold (the server's send
	# buffer at its largest, the client's receive buffer as it starts), at least 8 MiB.
	local wmem rmem size
	read -r _ _ wmem </proc/sys/net/ipv4/tcp_wmem
	read -r _ rmem _ </proc/sys/net/ipv4/tcp_rmem
	size=$((2 * (wmem + rmem)))
	((size >= 8388608)) || size=8388608
	reference "$size"
	for host in "${SERVED[@]}"; do
		peer read "$host" "$port" "$size" half >"$BATS_TEST_TMPDIR/got"
		same_stream "$BATS_TEST_TMPDIR/got" "a client that half-closed first ($host)"
		wait_fds "$SERVER_PID" "$base"
	done
}

@test "robustness: chargen_tcp survives a client that connects and resets at once" {
	start_chargen
	for host in "${SERVED[@]}"; do
		run -0 peer reset "$host" "$port"
		served "$host"
		wait_fds "$SERVER_PID" "$base"
	done
}

@test "robustness: chargen_tcp survives 1,000 rapid connections and ends with its descriptors at baseline" {
	start_chargen
	for host in "${SERVED[@]}"; do
		run -0 peer rapid "$host" "$port" 500
		assert_output "500 connections"
		served "$host"
		wait_fds "$SERVER_PID" "$base"
	done
}

@test "robustness: chargen_tcp keeps serving, without spinning, when it runs out of descriptors (EMFILE)" {
	port=$(free_port)
	# 48 descriptors: the server gets EMFILE from accept long before 100 connections.
	start_server tcp "$port" sh -c 'ulimit -n 48 && exec "$0" "$1"' "$CHARGEN_TCP" "$port"
	base=$(fd_count "$SERVER_PID")
	start_peer hold-many "$SERVED_HOST" "$port" 100 >"$BATS_TEST_TMPDIR/flood"
	flood=$BG_PID
	wait_for_output "holding" "$BATS_TEST_TMPDIR/flood"
	# The held clients never read, so once their windows are full a correct server idles;
	# one that polls the listener again at once after EMFILE spins.  Allow 30% of one CPU.
	sleep 0.5
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

@test "memory: chargen_tcp built with -fsanitize=address,undefined serves and stops without a report" {
	asan_build CHARGEN_TCP
	start_chargen "$ASAN_BIN"
	for host in "${SERVED[@]}"; do
		served "$host"
		peer read-both "$host" "$port" 30000 >/dev/null
		peer read "$host" "$port" 7400 garbage >/dev/null
		run -0 peer reset "$host" "$port"
		peer read-slow "$host" "$port" 200000 0.2 >/dev/null
	done
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	assert_no_sanitizer_report "$SERVER_ERR"
}

@test "shutdown: chargen_tcp exits 0 on SIGTERM" {
	assert_stops_on TERM tcp "$CHARGEN_TCP" served 127.0.0.1
}

@test "shutdown: chargen_tcp exits 0 on SIGINT, even with a client connected" {
	port=$(free_port)
	# A background job starts with SIGINT ignored; give the server the default, as a terminal would.
	start_server tcp "$port" env --default-signal=INT "$CHARGEN_TCP" "$port"
	start_peer hold "$SERVED_HOST" "$port" >"$BATS_TEST_TMPDIR/hold"
	wait_for_output connected "$BATS_TEST_TMPDIR/hold"
	kill -INT "$SERVER_PID"
	wait_exit "$SERVER_PID"
	[ "$EXIT_STATUS" -eq 0 ]
}

@test "usage: chargen_tcp exits 71 with the system's message when the port is taken" {
	assert_port_taken tcp "$CHARGEN_TCP"
}

@test "usage: chargen_tcp rejects a port that is not a decimal number in 0..65535 with 64" {
	assert_bad_ports "$CHARGEN_TCP"
}

@test "usage: chargen_tcp rejects a wrong number of arguments with 64" {
	assert_bad_argc "$CHARGEN_TCP"
}
