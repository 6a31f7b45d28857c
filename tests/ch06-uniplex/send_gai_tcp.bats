#!/usr/bin/env bats
# send_gai_tcp HOST PORT MESSAGE: nc -l receives exactly MESSAGE, for both families;
# every address of a name is tried; refused is 69 with the system's reason.
load ../helper
load ../lib/ch06_uniplex
load ../lib/ours
load ../lib/short_io
program SEND_GAI_TCP ch06-uniplex/send_gai_tcp

# sends_exactly HOST MESSAGE: nc -l on HOST receives MESSAGE, then EOF.  The client
# runs under the command words in SENDS_WITH, if any (env VAR=... for a preload).
SENDS_WITH=()
sends_exactly() {
	local host=$1 message=$2 port out=$BATS_TEST_TMPDIR/nc.out
	port=$(free_port)
	start_peer nc -l "$host" "$port" >"$out"
	local receiver=$BG_PID
	wait_listening tcp "$port" "$receiver"
	run -0 client "${SENDS_WITH[@]}" "$SEND_GAI_TCP" "$host" "$port" "$message"
	assert_output ''
	# nc -l ends at EOF, that is after our FIN: it has seen the whole message.
	wait_exit "$receiver"
	[ "$EXIT_STATUS" -eq 0 ]
	printf '%s' "$message" | cmp - "$out"
}

@test "send_gai_tcp: 'hello world' arrives at nc -l on ::1 exactly" {
	needs_ipv6
	sends_exactly ::1 'hello world'
}

@test "send_gai_tcp: 'hello world' arrives at nc -l on 127.0.0.1 exactly" {
	sends_exactly 127.0.0.1 'hello world'
}

# One argument cannot exceed 131071 bytes on Linux (MAX_ARG_STRLEN is 32 pages), so a
# 1 MiB MESSAGE cannot be passed at all (execve fails with E2BIG): this is the largest.
@test "send_gai_tcp: the largest message argv holds (131071 bytes) arrives at ::1 exactly" {
	needs_ipv6
	sends_exactly ::1 "$(random_text 131071)"
}

@test "send_gai_tcp: the largest message argv holds (131071 bytes) arrives at 127.0.0.1 exactly" {
	sends_exactly 127.0.0.1 "$(random_text 131071)"
}

# A blocking send on Linux rarely comes back short on loopback, so a client that
# sends once and trusts it would pass the test above: short_io.so makes every send
# on the socket move at most 1000 bytes, as the kernel may (a signal mid-call).
@test "send_gai_tcp: a send cut short by the kernel is finished (sends of at most 1000 bytes)" {
	local so
	so=$(short_io_lib)
	SENDS_WITH=(env SHORT_IO_MAX=1000 "LD_PRELOAD=${LD_PRELOAD:+$LD_PRELOAD:}$so")
	sends_exactly 127.0.0.1 "$(random_text 131071)"
}

@test "send_gai_tcp: an empty message is a connection that closes at once (::1, 127.0.0.1)" {
	local host
	for host in "${LOOPBACKS[@]}"; do
		sends_exactly "$host" ''
	done
}

# The peer reads to our EOF, then keeps the connection open: the client must still
# be waiting for the peer's close, and exit 0 once it comes.
waits_for_close() {
	local host=$1 port out=$BATS_TEST_TMPDIR/sink.out
	port=$(free_port)
	start_py tcp-sink "$host" "$port" >"$out"
	local sink=$BG_PID
	wait_listening tcp "$port" "$sink"
	start_bg "$SEND_GAI_TCP" "$host" "$port" 'half a conversation'
	local sender=$BG_PID
	wait_for_output 'EOF after 19 bytes' "$out"
	kill -0 "$sender"
	kill -TERM "$sink"
	wait_exit "$sender"
	[ "$EXIT_STATUS" -eq 0 ]
}

@test "send_gai_tcp: half-closes, then waits for the peer to close (::1)" {
	needs_ipv6
	waits_for_close ::1
}

@test "send_gai_tcp: half-closes, then waits for the peer to close (127.0.0.1)" {
	waits_for_close 127.0.0.1
}

@test "send_gai_tcp: nothing listening on ::1 is 'Connection refused' and 69" {
	needs_ipv6
	run -69 client "$SEND_GAI_TCP" ::1 "$(free_port)" hello
	assert_output --partial 'Connection refused'
}

@test "send_gai_tcp: nothing listening on 127.0.0.1 is 'Connection refused' and 69" {
	run -69 client "$SEND_GAI_TCP" 127.0.0.1 "$(free_port)" hello
	assert_output --partial 'Connection refused'
}

# A name with both addresses reaches a server that listens on only one of them,
# whichever comes first ($2: a gai.conf line, or nothing for the default, IPv6 first).
reaches_either() {
	local listen=$1 order=${2:-}
	need_private_net
	printf '::1 dual.test\n127.0.0.1 dual.test\n' >"$BATS_TEST_TMPDIR/hosts"
	if [ -n "$order" ]; then
		GAI_CONF=$BATS_TEST_TMPDIR/gai.conf
		printf '%s\n' "$order" >"$GAI_CONF"
	fi
	run -0 in_private_net "$BATS_TEST_TMPDIR/hosts" '
		listen=$1 port=$2 out=$3
		trap '\''kill $(jobs -p) 2>/dev/null'\'' EXIT
		"$PYTHON" -c "import socket; print(\"first:\", socket.getaddrinfo(\"dual.test\", 1, type=socket.SOCK_STREAM)[0][4][0])"
		nc -l "$listen" "$port" </dev/null >"$out" 3>&- &
		receiver=$!
		wait_listening tcp "$port" "$receiver" || exit 9
		timeout 10 "$SEND_GAI_TCP" dual.test "$port" "reached $listen" || exit 10
		wait_exit "$receiver" || exit 11
		echo "got: $(cat "$out")"
	' "$listen" "$(free_port)" "$BATS_TEST_TMPDIR/nc.out"
	assert_line "got: reached $listen"
}

@test "send_gai_tcp: a name for ::1 and 127.0.0.1 reaches a server on 127.0.0.1 only" {
	reaches_either 127.0.0.1
	assert_line 'first: ::1'
}

@test "send_gai_tcp: a name for ::1 and 127.0.0.1 reaches a server on ::1 only" {
	reaches_either ::1
	assert_line 'first: ::1'
}

@test "send_gai_tcp: IPv4 preferred, a name for both reaches a server on ::1 only" {
	reaches_either ::1 'precedence ::ffff:0:0/96 100'
	assert_line 'first: 127.0.0.1'
}

@test "send_gai_tcp: an unknown host is 68" {
	need_private_net
	printf '127.0.0.1 localhost\n' >"$BATS_TEST_TMPDIR/hosts"
	run -0 in_private_net "$BATS_TEST_TMPDIR/hosts" '
		"$SEND_GAI_TCP" no-such-host.invalid 5000 hello; echo "status $?"'
	assert_line 'status 68'
	assert_output --partial 'no-such-host.invalid'
}

@test "send_gai_tcp: wrong argument counts are usage errors (64)" {
	run -64 "$SEND_GAI_TCP"
	assert_output --partial usage
	run -64 "$SEND_GAI_TCP" ::1 5000
	assert_output --partial usage
	run -64 "$SEND_GAI_TCP" ::1 5000 hello extra
	assert_output --partial usage
}

@test "send_gai_tcp: a port that is not a decimal number in 0..65535 is a usage error (64)" {
	local port
	for port in '' abc -1 65536 5x ' 80' +80 0x50 99999999999999999999; do
		run -64 "$SEND_GAI_TCP" ::1 "$port" hello
		assert_output --partial usage
	done
}

@test "send_gai_tcp: port 0 is a usage error (64), not a connection that fails" {
	run -64 client "$SEND_GAI_TCP" 127.0.0.1 0 hello
	assert_output --partial 'usage'
}

@test "send_gai_tcp: out of descriptors, socket fails with the system's reason and 71" {
	needs_plain_binary "$SEND_GAI_TCP"
	cc -shared -fPIC -o "$BATS_TEST_TMPDIR/fill_fds.so" "$NETPROG_TOP/tests/lib/fill_fds.c"
	run -71 client env LD_PRELOAD="$BATS_TEST_TMPDIR/fill_fds.so" "$SEND_GAI_TCP" 127.0.0.1 9 hello
	assert_output --partial 'Too many open files'
}

# A listener whose accept queue is full drops SYNs: the kernel's retries took
# 135 s and ended in 69.  -t 1: "Connection timed out" after about a second, 75.
@test "send_gai_tcp: a host that drops SYNs is given up after -t SECONDS, with 75" {
	local port=$(free_port) t0
	start_bg "$PYTHON" "$NETPROG_TOP/tests/lib/full_backlog.py" 127.0.0.1 "$port" >"$BATS_TEST_TMPDIR/backlog.out"
	NETPROG_TIMEOUT=30 wait_for_output ready "$BATS_TEST_TMPDIR/backlog.out"
	t0=$SECONDS
	run -75 client "$SEND_GAI_TCP" -t 1 127.0.0.1 "$port" hello
	assert_output --partial 'Connection timed out'
	((SECONDS - t0 <= 4)) || fail "-t 1 took $((SECONDS - t0)) s"
}

@test "send_gai_tcp: -t takes a decimal 1..3600 and nothing else (64)" {
	for t in 0 3601 ' 2' +2 2x ''; do
		run -64 client "$SEND_GAI_TCP" -t "$t" 127.0.0.1 9 hello
		assert_output --partial 'usage'
	done
}

@test "send_gai_tcp: a MESSAGE that starts with '-' is sent as it is" {
	local port=$(free_port)
	start_bg nc -l 127.0.0.1 "$port" >"$BATS_TEST_TMPDIR/got"
	wait_listening tcp "$port"
	run -0 client "$SEND_GAI_TCP" 127.0.0.1 "$port" -t
	wait_exit "$BG_PID"
	[ "$(cat "$BATS_TEST_TMPDIR/got")" = "-t" ] || fail "sent '-t', nc got '$(cat "$BATS_TEST_TMPDIR/got")'"
}
