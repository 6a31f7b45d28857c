#!/usr/bin/env bats
# pool_server PORT WORKERS: a dual-stack TCP echo server served by a pool of
# WORKERS threads, 64 connections waiting at most, orderly stop on SIGTERM/SIGINT.
# The clients are tests/ch09-workers/pool_clients.py (python3, stdlib only; run by $PYTHON).
load ../helper
program POOL_SERVER ch09-workers/pool_server

CLIENTS=$BATS_TEST_DIRNAME/pool_clients.py

# serve WORKERS: start the server on a free port ($PORT).
serve() {
	PORT=$(free_port)
	start_server tcp "$PORT" "$POOL_SERVER" "$PORT" "$1"
}

# wait_unread BYTES: until some connection to $PORT holds BYTES unread on the
# server's side (Recv-Q in ss), i.e. the data has arrived but is not read yet.
wait_unread() {
	local deadline=$((SECONDS + NETPROG_TIMEOUT))
	until ss -Htn state established "sport = :$PORT" | awk -v b="$1" '$1 == b { f = 1 } END { exit !f }'; do
		if ((SECONDS >= deadline)); then
			echo "no connection to port $PORT with $1 bytes unread; ss shows:" >&2
			ss -tn "sport = :$PORT" >&2
			return 1
		fi
		sleep 0.02
	done
}

# stop_server [SECONDS]: SIGTERM, then the server must exit 0 within SECONDS
# (default: the suite's deadline).
stop_server() {
	local limit=${1:-$NETPROG_TIMEOUT} t0=$SECONDS
	kill -TERM "$SERVER_PID"
	NETPROG_TIMEOUT=$limit wait_exit "$SERVER_PID"
	assert_equal "$EXIT_STATUS" 0
	((SECONDS - t0 <= limit))
}

many() {
	serve 4
	run -0 client "$PYTHON" "$CLIENTS" many "$1" "$PORT" 50
	assert_output --regexp '^50 of 50 clients got their own [0-9]+ bytes back exactly$'
	stop_server
}

@test "pool_server on a kernel without IPv6 (no AF_INET6 sockets) echoes IPv4 clients" {
	no_inet6_prefix
	PORT=$(free_port)
	start_server tcp "$PORT" "${NO_INET6[@]}" "$POOL_SERVER" "$PORT" 2
	run -0 client "$PYTHON" "$CLIENTS" many 127.0.0.1 "$PORT" 3
	stop_server
}

@test "pool_server echoes 50 concurrent clients over ::1, each its own binary data, with 4 workers" {
	needs_ipv6
	many ::1
}

@test "pool_server echoes 50 concurrent clients over 127.0.0.1, each its own binary data, with 4 workers" {
	many 127.0.0.1
}

refuse() {
	serve 1
	run -0 client "$PYTHON" "$CLIENTS" refuse "$1" "$PORT" 64
	assert_line "connection 66: refused"
	assert_line "64 of 64 queued connections served"
	stop_server
}

@test "pool_server closes a connection when 64 wait for the only worker, serves those 64 (::1)" {
	needs_ipv6
	refuse ::1
}

@test "pool_server closes a connection when 64 wait for the only worker, serves those 64 (127.0.0.1)" {
	refuse 127.0.0.1
}

@test "pool_server exits 0 on SIGTERM at once, although an idle client of each family is connected" {
	local i pids=()
	serve 2
	for i in "${!LOOPBACKS[@]}"; do
		start_bg client "$PYTHON" "$CLIENTS" idle "${LOOPBACKS[i]}" "$PORT" >"$BATS_TEST_TMPDIR/idle$i"
		pids+=("$BG_PID")
	done
	for i in "${!LOOPBACKS[@]}"; do
		wait_for_output ready "$BATS_TEST_TMPDIR/idle$i"
	done
	# 5 s, half the idle timeout: a server that merely outwaits its clients fails.
	stop_server 5
	# Each client saw its connection end, with nothing more sent.
	for i in "${pids[@]}"; do
		wait_exit "$i"
		assert_equal "$EXIT_STATUS" 0
	done
}

pending() {
	local out=$BATS_TEST_TMPDIR/pending
	serve 1
	start_bg client "$PYTHON" "$CLIENTS" pending "$1" "$PORT" >"$out"
	wait_for_output ready "$out"
	wait_unread 22
	stop_server 5
	wait_exit "$BG_PID"
	run cat "$out"
	assert_line "busy client: closed, 0 more bytes"
	assert_line "queued client: got b'sent before the stop\x00\xff'"
	assert_equal "$EXIT_STATUS" 0
}

@test "pool_server on SIGTERM still echoes what a queued client had sent, then closes (::1)" {
	needs_ipv6
	pending ::1
}

@test "pool_server on SIGTERM still echoes what a queued client had sent, then closes (127.0.0.1)" {
	pending 127.0.0.1
}

@test "pool_server stops on SIGINT too, with status 0" {
	PORT=$(free_port)
	# Background jobs of a non-interactive shell ignore SIGINT: restore its default.
	start_server tcp "$PORT" env --default-signal=INT "$POOL_SERVER" "$PORT" 2
	run -0 client "$PYTHON" "$CLIENTS" many "${LOOPBACKS[-1]}" "$PORT" 2
	kill -INT "$SERVER_PID"
	wait_exit "$SERVER_PID"
	assert_equal "$EXIT_STATUS" 0
}

@test "pool_server disconnects a client silent for 10 s (both families)" {
	local i pids=()
	serve 2
	for i in "${!LOOPBACKS[@]}"; do
		start_bg timeout 30 "$PYTHON" "$CLIENTS" silent "${LOOPBACKS[i]}" "$PORT" >"$BATS_TEST_TMPDIR/silent$i"
		pids+=("$BG_PID")
	done
	for i in "${!LOOPBACKS[@]}"; do
		NETPROG_TIMEOUT=30 wait_exit "${pids[i]}"
		assert_equal "$EXIT_STATUS" 0
		run cat "$BATS_TEST_TMPDIR/silent$i"
		assert_output --regexp '^closed after (10|11|12) s with 0 bytes$'
	done
	stop_server
}

# No stdbuf (as start_server): stdout is a file, block-buffered, so it is looked at
# once the server has exited 0, when anything it had buffered has been flushed.
@test "pool_server on port 0 says which port the kernel chose on stderr, and serves it" {
	start_bg "$POOL_SERVER" 0 1 </dev/null >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	SERVER_PID=$BG_PID
	wait_for_output "listening on port " "$BATS_TEST_TMPDIR/err"
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output --regexp '^listening on port [1-9][0-9]*$'
	PORT=${output##* }
	local host
	for host in "${LOOPBACKS[@]}"; do
		run -0 client "$PYTHON" "$CLIENTS" many "$host" "$PORT" 3
	done
	stop_server
	[ ! -s "$BATS_TEST_TMPDIR/out" ] || fail "stdout is not empty: $(cat "$BATS_TEST_TMPDIR/out")"
}

@test "pool_server exits 71 when the port is taken, by a dual-stack or an IPv4 listener" {
	serve 1
	run -71 "$POOL_SERVER" "$PORT" 1
	assert_output --partial "bind"
	stop_server
	# An IPv4 socket on 127.0.0.1 holds the port against [::] with IPV6_V6ONLY 0.
	PORT=$(free_port)
	start_server tcp "$PORT" nc -lk 127.0.0.1 "$PORT"
	run -71 "$POOL_SERVER" "$PORT" 1
	assert_output --partial "bind"
}

@test "pool_server rejects wrong argument counts with a usage message and 64" {
	run -64 "$POOL_SERVER"
	assert_output --partial usage
	run -64 "$POOL_SERVER" 5000
	assert_output --partial usage
	run -64 "$POOL_SERVER" 5000 2 extra
	assert_output --partial usage
}

@test "pool_server rejects a PORT that is not a decimal number in 0..65535 with 64" {
	local bad
	for bad in "" abc -1 65536 5x " 80" +80 0x50 99999999999999999999; do
		run -64 "$POOL_SERVER" "$bad" 2
		assert_output --partial usage
	done
}

@test "pool_server rejects WORKERS outside 1..256 or not decimal with 64" {
	local port bad
	port=$(free_port)
	for bad in "" 0 257 -1 x 2x " 2" +2 99999999999999999999; do
		run -64 "$POOL_SERVER" "$port" "$bad"
		assert_output --partial usage
	done
}

@test "pool_server takes 256 workers, the most it allows" {
	serve 256
	run -0 client "$PYTHON" "$CLIENTS" many 127.0.0.1 "$PORT" 3
	stop_server
}

# The idle timer restarts on every byte: a client that trickles one byte every
# half second held its worker for ever.  -t 3: dropped after 3 s however it sends.
@test "pool_server drops a client that trickles a byte at a time after -t SECONDS" {
	PORT=$(free_port)
	start_server tcp "$PORT" "$POOL_SERVER" -t 3 "$PORT" 1
	run client "$PYTHON" - "$PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
t0 = time.monotonic()
while time.monotonic() - t0 < 8:
    try:
        s.sendall(b"x")
        if s.recv(16) == b"":
            break
    except OSError:
        break
    time.sleep(0.5)
print(f"connection ended after {time.monotonic() - t0:.1f} s")
PY
	[[ $output =~ after\ ([0-9]+)\.[0-9]\ s ]] || fail "the trickling client said: $output"
	secs=${BASH_REMATCH[1]}
	((secs >= 2 && secs <= 5)) ||
		fail "a byte every 0.5 s with -t 3: expected the connection to end after about 3 s, $output"
	stop_server
}

@test "pool_server rejects -t outside 1..3600 or not decimal with 64" {
	for t in 0 3601 ' 2' +2 2x ''; do
		run -64 client "$POOL_SERVER" -t "$t" 5000 1
		assert_output --partial 'usage'
	done
}

# One line per refused connection: a burst of 300 connections was 235 lines.
@test "pool_server logs a burst of refused connections at most once a second, with a count" {
	serve 1
	run client "$PYTHON" - "$PORT" <<'PY'
import socket, sys
socks = []
for i in range(300):
    socks.append(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5))
print("connected 300")
PY
	assert_output "connected 300"
	wait_for_output "refused" "$SERVER_ERR"
	lines=$(grep -c 'refused' "$SERVER_ERR")
	((lines <= 3)) || fail "300 connections at once to 1 worker and 64 places: expected at most 3 lines about refusals, got $lines: $(head -5 "$SERVER_ERR")"
	stop_server
}
