#!/usr/bin/env bats
# recv_gai_udp PORT: one dual-stack socket; every datagram printed as
# "Received from ADDR:PORT", its exact bytes and a newline; longer than 1472 bytes
# reported as truncated with the real length; SIGUSR1 reports, SIGTERM ends it (0).
load ../helper
load ../lib/ch06_uniplex
load ../lib/ours
load ../lib/early_term
program RECV_GAI_UDP ch06-uniplex/recv_gai_udp

# expect_datagram HOST SRCPORT DATAFILE: the server's whole output is the report of
# one datagram from HOST:SRCPORT carrying DATAFILE's bytes (the first 1472 shown).
expect_datagram() {
	local host=$1 src=$2 data=$3 size head suffix=''
	size=$(stat -c %s "$data")
	if ((size > 1472)); then
		suffix=" \\(truncated: $size bytes, first 1472 shown\\)"
	fi
	wait_for_output 'Received from '
	head=$(head -n 1 "$SERVER_OUT")
	[[ $head =~ ^Received\ from\ $(addr_re "$host"):$src$suffix$ ]] ||
		{ echo "unexpected first line: $head" >&2; return 1; }
	wait_size "$SERVER_OUT" $((${#head} + 1 + (size < 1472 ? size : 1472) + 1))
	{ printf '%s\n' "$head"; head -c 1472 "$data"; printf '\n'; } | cmp - "$SERVER_OUT"
}

# sends_sized HOST SIZE: a SIZE-byte datagram from HOST is reported exactly.
sends_sized() {
	local host=$1 size=$2 port data=$BATS_TEST_TMPDIR/data
	port=$(free_port)
	head -c "$size" /dev/urandom >"$data"
	start_server udp "$port" "$RECV_GAI_UDP" "$port"
	run -0 peer udp-send "$host" "$port" <"$data"
	expect_datagram "$host" "$output" "$data"
}

# from_nc HOST: nc -u -p SRC sends 'hello world'; the report names SRC.
from_nc() {
	local host=$1 port src data=$BATS_TEST_TMPDIR/data
	port=$(free_port)
	src=$(free_port)
	printf 'hello world' >"$data"
	start_server udp "$port" "$RECV_GAI_UDP" "$port"
	client nc -u -q0 -p "$src" "$host" "$port" <"$data"
	expect_datagram "$host" "$src" "$data"
}

@test "recv_gai_udp: a datagram from nc on ::1 is printed with nc's source port" {
	needs_ipv6
	from_nc ::1
}

@test "recv_gai_udp: a datagram from nc on 127.0.0.1 is printed with nc's source port" {
	from_nc 127.0.0.1
}

@test "recv_gai_udp: one socket serves both families, one datagram after the other" {
	needs_ipv6
	local port src6 src4
	port=$(free_port)
	src6=$(free_port)
	src4=$(free_port)
	start_server udp "$port" "$RECV_GAI_UDP" "$port"
	printf six | client nc -u -q0 -p "$src6" ::1 "$port"
	wait_for_output six
	printf four | client nc -u -q0 -p "$src4" 127.0.0.1 "$port"
	wait_for_output four
	run cat "$SERVER_OUT"
	assert_line --index 0 "Received from [::1]:$src6"
	assert_line --index 1 six
	assert_line --index 2 --regexp "^Received from $(addr_re 127.0.0.1):$src4\$"
	assert_line --index 3 four
}

@test "recv_gai_udp: 1472 bytes are shown whole (::1)" {
	needs_ipv6
	sends_sized ::1 1472
}

@test "recv_gai_udp: 1472 bytes are shown whole (127.0.0.1)" {
	sends_sized 127.0.0.1 1472
}

@test "recv_gai_udp: 1473 bytes are reported truncated with their real length (::1)" {
	needs_ipv6
	sends_sized ::1 1473
}

@test "recv_gai_udp: 1473 bytes are reported truncated with their real length (127.0.0.1)" {
	sends_sized 127.0.0.1 1473
}

@test "recv_gai_udp: 4000 bytes are reported truncated with their real length (::1)" {
	needs_ipv6
	sends_sized ::1 4000
}

@test "recv_gai_udp: 4000 bytes are reported truncated with their real length (127.0.0.1)" {
	sends_sized 127.0.0.1 4000
}

@test "recv_gai_udp: an empty datagram is reported (::1, 127.0.0.1)" {
	local host
	for host in "${LOOPBACKS[@]}"; do
		sends_sized "$host" 0
		stop_all
	done
}

# NUL first: a server that prints the datagram with %s shows nothing of it.
sends_nuls() {
	local host=$1 port data=$BATS_TEST_TMPDIR/data
	port=$(free_port)
	{ printf '\0\0nul\0\377\n'; head -c 1000 /dev/urandom; } >"$data"
	start_server udp "$port" "$RECV_GAI_UDP" "$port"
	run -0 peer udp-send "$host" "$port" <"$data"
	expect_datagram "$host" "$output" "$data"
}

@test "recv_gai_udp: binary data with NUL bytes arrives intact (::1)" {
	needs_ipv6
	sends_nuls ::1
}

@test "recv_gai_udp: binary data with NUL bytes arrives intact (127.0.0.1)" {
	sends_nuls 127.0.0.1
}

@test "recv_gai_udp: SIGUSR1 during recvfrom reports the count on stderr, and it carries on" {
	local port
	port=$(free_port)
	start_server udp "$port" "$RECV_GAI_UDP" "$port"
	# ${LOOPBACKS[-1]}: ::1, or 127.0.0.1 on a host without IPv6.
	printf one | client nc -u -q0 "${LOOPBACKS[-1]}" "$port"
	wait_for_output one
	printf two | client nc -u -q0 127.0.0.1 "$port"
	wait_for_output two
	kick_until USR1 "$SERVER_PID" '2 datagrams received' "$SERVER_ERR"
	printf three | client nc -u -q0 "${LOOPBACKS[-1]}" "$port"
	wait_for_output three
	printf four | client nc -u -q0 127.0.0.1 "$port"
	wait_for_output four
	kill -0 "$SERVER_PID"
}

@test "recv_gai_udp: SIGTERM ends it with 0, idle or after traffic" {
	local port
	port=$(free_port)
	start_server udp "$port" "$RECV_GAI_UDP" "$port"
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	[ "$EXIT_STATUS" -eq 0 ]

	port=$(free_port)
	start_server udp "$port" "$RECV_GAI_UDP" "$port"
	printf hello | client nc -u -q0 "${LOOPBACKS[-1]}" "$port"
	wait_for_output hello
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	[ "$EXIT_STATUS" -eq 0 ]
}

@test "recv_gai_udp: on a kernel without IPv6 (no AF_INET6 sockets) it receives IPv4 datagrams" {
	local port
	no_inet6_prefix
	port=$(free_port)
	start_server udp "$port" "${NO_INET6[@]}" "$RECV_GAI_UDP" "$port"
	printf 'no inet6' | client nc -u -q0 127.0.0.1 "$port"
	wait_for_output 'no inet6'
}

@test "recv_gai_udp: a port in use is the system's message and 71" {
	local port
	port=$(free_port)
	start_py udp-occupy "$port"
	wait_listening udp "$port" "$BG_PID"
	run -71 client "$RECV_GAI_UDP" "$port"
	assert_output --partial 'Address already in use'
}

@test "recv_gai_udp: wrong argument counts are usage errors (64)" {
	run -64 "$RECV_GAI_UDP"
	assert_output --partial usage
	run -64 "$RECV_GAI_UDP" 5000 extra
	assert_output --partial usage
}

@test "recv_gai_udp: a port that is not a decimal number in 0..65535 is a usage error (64)" {
	local port
	for port in '' abc -1 65536 5x ' 80' +80 0x50 99999999999999999999; do
		run -64 client "$RECV_GAI_UDP" "$port"
		assert_output --partial usage
	done
}

@test "recv_gai_udp: port 0 says 'listening on port N' on stderr" {
	assert_says_listening udp "$RECV_GAI_UDP"
}

@test "recv_gai_udp: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	port=$(free_port)
	start_closed_stdout udp "$port" "$RECV_GAI_UDP" "$port"
	printf 'hello' | client nc -u -w1 127.0.0.1 "$port" || true
	status=$(closed_stdout_status)
	[ "$status" -eq 74 ] || fail "a datagram sent, stdout a closed pipe: expected exit 74, got $status (141 = SIGPIPE); stderr: $(cat "$SERVER_ERR")"
	grep -q 'stdout' "$SERVER_ERR" || fail "no message naming stdout on stderr: $(cat "$SERVER_ERR")"
}

@test "recv_gai_udp stops on a SIGTERM that comes just before it waits (no lost-signal window)" {
	assert_stops_at_worst_moment "$RECV_GAI_UDP" PORT
}
