# tests/bench/designs_bench.bats - the server-design benchmark: bench/loadgen, the echo
# servers of bench/echo_designs, and bench/designs_bench.sh --tiny.
bats_require_minimum_version 1.5.0
load ../helper

program LOADGEN bench/loadgen
program ECHO_DESIGNS bench/echo_designs
program ECHO_CEILING bench/echo_ceiling

# echo_check HOST PORT: sends 256 kB of every byte value and a line, half-closes, and
# checks that exactly those bytes come back before the server's close.  The sending
# runs in a thread, so that the echo can never fill both directions' buffers.
echo_check() {
	client "$PYTHON" -c '
import socket, sys, threading
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
data = bytes(range(256)) * 1000 + b"hello\n"
def send():
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=send)
t.start()
got = bytearray()
while True:
    b = s.recv(65536)
    if not b:
        break
    got += b
t.join()
sys.exit(0 if got == data else 1)' "$1" "$2"
}

design_echoes() {
	local port
	port=$(free_port)
	start_server tcp "$port" "$ECHO_DESIGNS" "$1" "$port"
	wait_for_output "listening on port $port" "$SERVER_ERR"
	local host
	for host in "${LOOPBACKS[@]}"; do
		echo_check "$host" "$port"
	done
	# ${LOOPBACKS[-1]}: ::1, or 127.0.0.1 on a host without IPv6.
	run -0 client sh -c "printf 'one line\n' | nc -N ${LOOPBACKS[-1]} $port"
	assert_output 'one line'
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	[ "$EXIT_STATUS" -eq 0 ]
}

@test "echo_designs iterative echoes every byte for ::1 and 127.0.0.1, exits 0 on SIGTERM" {
	design_echoes iterative
}

@test "echo_designs fork echoes every byte for ::1 and 127.0.0.1, exits 0 on SIGTERM" {
	design_echoes fork
}

@test "echo_designs select echoes every byte for ::1 and 127.0.0.1, exits 0 on SIGTERM" {
	design_echoes select
}

@test "echo_designs poll echoes every byte for ::1 and 127.0.0.1, exits 0 on SIGTERM" {
	design_echoes poll
}

@test "echo_designs epoll echoes every byte for ::1 and 127.0.0.1, exits 0 on SIGTERM" {
	design_echoes epoll
}

@test "echo_designs says listening on port N on stderr, the port it chose for 0, nothing on stdout" {
	start_bg "$ECHO_DESIGNS" epoll 0 </dev/null >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	wait_for_output "listening on port " "$BATS_TEST_TMPDIR/err"
	local port
	port=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$BATS_TEST_TMPDIR/err")
	[ -n "$port" ] && [ "$port" -gt 0 ] || fail "stderr holds: $(cat "$BATS_TEST_TMPDIR/err")"
	run -0 client sh -c "printf 'one line\n' | nc -N 127.0.0.1 $port"
	assert_output 'one line'
	[ ! -s "$BATS_TEST_TMPDIR/out" ] || fail "stdout holds: $(cat "$BATS_TEST_TMPDIR/out")"
}

@test "echo_designs: an unknown design, a bad port or a wrong argument count is 64" {
	run -64 --separate-stderr client "$ECHO_DESIGNS" kqueue 0
	assert_output ''
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr client "$ECHO_DESIGNS" poll 65536
	run -64 --separate-stderr client "$ECHO_DESIGNS" poll 5x
	run -64 --separate-stderr client "$ECHO_DESIGNS" poll
	run -64 --separate-stderr client "$ECHO_DESIGNS" poll 0 extra
}

@test "echo_ceiling echoes every byte for each loopback address, says its port on stderr, exits 0 on SIGTERM" {
	local port host
	port=$(free_port)
	start_server tcp "$port" "$ECHO_CEILING" "$port"
	wait_for_output "listening on port $port" "$SERVER_ERR"
	for host in "${LOOPBACKS[@]}"; do
		echo_check "$host" "$port" || fail "256 kB sent to $host: the echo differed"
	done
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	[ "$EXIT_STATUS" -eq 0 ] || fail "exit status $EXIT_STATUS on SIGTERM"
	[ ! -s "$SERVER_OUT" ] || fail "stdout holds: $(cat "$SERVER_OUT")"
}

@test "echo_ceiling: a bad port or a wrong argument count is 64" {
	local bad
	for bad in 65536 5x -1 ''; do
		run -64 --separate-stderr client "$ECHO_CEILING" "$bad"
		assert_output ''
		[[ $stderr == *usage* ]]
	done
	run -64 --separate-stderr client "$ECHO_CEILING"
	run -64 --separate-stderr client "$ECHO_CEILING" 0 extra
}

@test "loadgen refuses an address that is not loopback (exit 64)" {
	run -64 --separate-stderr client "$LOADGEN" conn 192.0.2.1 7
	assert_output ''
	[[ $stderr == *"not a loopback address"* ]]
	run -64 --separate-stderr client "$LOADGEN" bulk ::ffff:192.0.2.1 7
	assert_output ''
}

@test "loadgen: bad arguments are 64" {
	local bad
	for bad in '' 'conn ::1' 'flood ::1 7' 'conn ::1 0' 'conn ::1 65536' 'conn ::1 5x' \
	    '-c 0 conn ::1 7' '-c 1001 conn ::1 7' '-t abc conn ::1 7' '-t 0 conn ::1 7' \
	    '-t 601 conn ::1 7' '-n 0 conn ::1 7' '-s 70000 rtt ::1 7' '-r 0 bulk ::1 7' \
	    '-i -1 rtt ::1 7' '-x conn ::1 7' 'conn ::1 7 extra'; do
		# shellcheck disable=SC2086 # the words are the arguments
		run -64 --separate-stderr client "$LOADGEN" $bad
		assert_output ''
		[[ $stderr == *usage* ]]
	done
}

@test "loadgen: a port nobody listens on is 69" {
	local port
	port=$(free_port)
	run -69 --separate-stderr client "$LOADGEN" conn 127.0.0.1 "$port"
	assert_output ''
}

@test "loadgen prints one well-formed line per run in each mode, for ::1 and 127.0.0.1" {
	local port host
	port=$(free_port)
	start_server tcp "$port" "$ECHO_DESIGNS" epoll "$port"
	for host in "${LOOPBACKS[@]}"; do
		run -0 client "$LOADGEN" -c 3 -n 30 -r 2 conn "$host" "$port"
		assert_line --index 0 --regexp '^conn clients=3 conns=30 errors=0 seconds=[0-9.]+ per_second=[0-9.]+$'
		[ "${#lines[@]}" -eq 2 ]
		run -0 client "$LOADGEN" -c 2 -s 300000 bulk "$host" "$port"
		assert_output --regexp '^bulk clients=2 bytes=600000 seconds=[0-9.]+ mib_per_second=[0-9.]+$'
		run -0 client "$LOADGEN" -i 20 -n 50 -r 3 rtt "$host" "$port"
		assert_line --index 2 --regexp '^rtt idle=20 rounds=50 median_us=[0-9.]+ p99_us=[0-9.]+$'
		[ "${#lines[@]}" -eq 3 ]
	done
}

@test "loadgen: a select server holds no more than FD_SETSIZE connections, and says so" {
	local port held
	port=$(free_port)
	start_server tcp "$port" "$ECHO_DESIGNS" select "$port"
	run -0 --separate-stderr client "$LOADGEN" -i 1100 -n 10 rtt 127.0.0.1 "$port"
	assert_output --regexp '^rtt idle=[0-9]+ rounds=10 '
	held=${output#rtt idle=}
	held=${held%% *}
	# 1024 descriptors, less the server's own (stdio, listener, reserve, the active client).
	((held >= 1000 && held < 1024))
	[[ $stderr == *"of 1100 idle connections held"* ]]
}

@test "designs_bench.sh --tiny exits 0 and prints CSV rows: median,min,max (goals: one figure)" {
	run -0 --separate-stderr timeout -k 5 120 "$NETPROG_TOP/bench/designs_bench.sh" --tiny
	[ "${#lines[@]}" -ge 40 ]
	local line num='[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?'
	for line in "${lines[@]}"; do
		[[ $line =~ ^(designs|scale),[^,]+,[^,]+,$num,$num,$num,[^,]+$ ||
			$line =~ ^goal,[^,]+,[^,]+,$num,[^,]+$ ]] ||
			{ echo "bad row: $line" >&2; return 1; }
	done
	assert_line --regexp '^designs,epoll 1 client,connections,[0-9.]+,[0-9.]+,[0-9.]+,per s$'
	assert_line --regexp '^scale,select 10 idle,idle held,10,10,10,connections$'
	assert_line --regexp '^goal,pool and poll accept >= 3x the connections/s of fork,(met|not met),'
	assert_line --regexp '^goal,poll/epoll bulk throughput >= socat.s,(met|not met|skipped: [^,]+),'
	assert_line --regexp '^goal,poll/epoll bulk throughput >= 0\.8x the epoll ceiling.s,(met|not met),'
	assert_line --regexp '^goal,epoll p99 with [0-9]+ idle <= 2x its p99 with none,(met|not met),'
}

# The peers that are installed are measured beside the designs, the ceiling always; each
# design gets its ratio to each of them, for connections/s and bulk echo.
@test "designs_bench.sh --tiny measures the peers and gives every design its ratio to each" {
	run -0 --separate-stderr timeout -k 5 120 "$NETPROG_TOP/bench/designs_bench.sh" --tiny
	local peers=(ceiling) p d
	for p in xinetd socat; do
		if command -v "$p" >/dev/null; then
			peers+=("$p")
		else
			[[ $stderr == *"$p is not installed"* ]] || fail "no line says $p is missing: $stderr"
			refute_line --partial " vs $p,"
		fi
	done
	for p in "${peers[@]}"; do
		assert_line --regexp "^designs,$p 1 client,connections,[0-9.]+,[0-9.]+,[0-9.]+,per s$"
		assert_line --regexp "^designs,$p 4 clients,bulk echo,[0-9.]+,[0-9.]+,[0-9.]+,MiB/s$"
		for d in iterative fork select poll epoll pool echo_tcp; do
			assert_line --regexp "^designs,$d 1 client vs $p,connections,[0-9.]+,[0-9.]+,[0-9.]+,x$"
			assert_line --regexp "^designs,$d 4 clients vs $p,bulk echo,[0-9.]+,[0-9.]+,[0-9.]+,x$"
		done
	done
}

@test "designs_bench.sh leaves no server of its own running (xinetd, socat, the designs)" {
	# Its temporary directory (xinetd's configuration) under this test's own.
	TMPDIR=$BATS_TEST_TMPDIR run -0 --separate-stderr timeout -k 5 120 \
		"$NETPROG_TOP/bench/designs_bench.sh" --tiny
	run pgrep -af -- "$NETPROG_TOP/bench/(echo_designs|echo_ceiling) "
	[ "$status" -ne 0 ] || fail "still running: $output"
	run pgrep -af -- "$BATS_TEST_TMPDIR/"
	[ "$status" -ne 0 ] || fail "a private xinetd or socat still runs: $output"
	run ls "$BATS_TEST_TMPDIR"
	[[ $output != *designs_bench.* ]] || fail "its temporary directory is left: $output"
}

# A peer that is installed but does not start (here a stand-in that fails at once) is left
# out like a missing one, with one line on stderr: the designs are still measured.
@test "designs_bench.sh skips a peer that does not start, in one line, and still exits 0" {
	local bin=$BATS_TEST_TMPDIR/bin p
	mkdir -p "$bin"
	for p in xinetd socat; do
		printf '#!/bin/sh\necho "%s: cannot start (a test stand-in)" >&2\nexit 1\n' "$p" >"$bin/$p"
		chmod +x "$bin/$p"
	done
	PATH=$bin:$PATH run -0 --separate-stderr timeout -k 5 120 "$NETPROG_TOP/bench/designs_bench.sh" --tiny
	for p in xinetd socat; do
		[ "$(grep -c "$p" <<<"$stderr")" = 1 ] || fail "not one line on $p: $stderr"
		[[ $stderr == *"$p did not start ($p: cannot start (a test stand-in)): its rows are skipped"* ]] ||
			fail "no line says $p did not start: $stderr"
		refute_line --partial " vs $p,"
		refute_line --partial "designs,$p "
	done
	assert_line --regexp '^goal,poll/epoll bulk throughput >= socat.s,skipped: socat did not start,'
	assert_line --regexp '^designs,epoll 4 clients vs ceiling,bulk echo,[0-9.]+,[0-9.]+,[0-9.]+,x$'
}
