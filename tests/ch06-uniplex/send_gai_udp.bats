#!/usr/bin/env bats
# send_gai_udp HOST PORT MESSAGE: MESSAGE arrives as exactly one datagram, byte for
# byte, at nc -u -l (or a scripted receiver where nc cannot tell), for both families.
load ../helper
load ../lib/ch06_uniplex
load ../lib/ours
program SEND_GAI_UDP ch06-uniplex/send_gai_udp

# sends_exactly HOST MESSAGE: nc -u -l on HOST receives MESSAGE and nothing else.
sends_exactly() {
	local host=$1 message=$2 port out=$BATS_TEST_TMPDIR/nc.out
	port=$(free_port)
	start_peer nc -u -l "$host" "$port" >"$out"
	wait_listening udp "$port" "$BG_PID"
	run -0 client "$SEND_GAI_UDP" "$host" "$port" "$message"
	assert_output ''
	wait_size "$out" "${#message}"
	printf '%s' "$message" | cmp - "$out"
}

# arrives_whole HOST SIZE: a SIZE-byte message reaches a receiver on HOST as one
# datagram of exactly SIZE bytes (nc prints nothing for an empty datagram).
arrives_whole() {
	local host=$1 size=$2 port message got=$BATS_TEST_TMPDIR/got
	port=$(free_port)
	message=$(random_text "$size")
	start_py udp-recv "$host" "$port" "$got" >"$BATS_TEST_TMPDIR/len"
	local receiver=$BG_PID
	wait_listening udp "$port" "$receiver"
	run -0 client "$SEND_GAI_UDP" "$host" "$port" "$message"
	wait_exit "$receiver"
	[ "$EXIT_STATUS" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/len")" = "$size" ]
	printf '%s' "$message" | cmp - "$got"
}

@test "send_gai_udp: 'hello world' arrives at nc -u -l on ::1 exactly" {
	needs_ipv6
	sends_exactly ::1 'hello world'
}

@test "send_gai_udp: 'hello world' arrives at nc -u -l on 127.0.0.1 exactly" {
	sends_exactly 127.0.0.1 'hello world'
}

@test "send_gai_udp: 1400 bytes arrive at nc -u -l on ::1 exactly" {
	needs_ipv6
	sends_exactly ::1 "$(random_text 1400)"
}

@test "send_gai_udp: 1400 bytes arrive at nc -u -l on 127.0.0.1 exactly" {
	sends_exactly 127.0.0.1 "$(random_text 1400)"
}

@test "send_gai_udp: an empty message is one empty datagram (::1)" {
	needs_ipv6
	arrives_whole ::1 0
}

@test "send_gai_udp: an empty message is one empty datagram (127.0.0.1)" {
	arrives_whole 127.0.0.1 0
}

# The text says Internet datagrams can be up to 4 GiB: the IP length field caps a
# UDP payload at 65535 - 20 - 8 = 65507 bytes over IPv4, 65535 - 8 = 65527 over IPv6.
@test "send_gai_udp: 65507 bytes, the largest IPv4 UDP payload, arrive whole (127.0.0.1)" {
	arrives_whole 127.0.0.1 65507
}

@test "send_gai_udp: 65527 bytes, the largest IPv6 UDP payload, arrive whole (::1)" {
	needs_ipv6
	arrives_whole ::1 65527
}

@test "send_gai_udp: one byte more is 'Message too long' and 69 (127.0.0.1)" {
	run -69 client "$SEND_GAI_UDP" 127.0.0.1 "$(free_port)" "$(random_text 65508)"
	assert_output --partial 'Message too long'
}

@test "send_gai_udp: one byte more is 'Message too long' and 69 (::1)" {
	needs_ipv6
	run -69 client "$SEND_GAI_UDP" ::1 "$(free_port)" "$(random_text 65528)"
	assert_output --partial 'Message too long'
}

# Port 0 names no service: refused as usage (64) before anything is sent, where
# it used to be tried on every address and fail with 69.
@test "send_gai_udp: port 0 is a usage error (64), not a send that fails" {
	run -64 client "$SEND_GAI_UDP" ::1 0 hello
	assert_output --partial 'usage'
	run -64 client "$SEND_GAI_UDP" 127.0.0.1 0 hello
	assert_output --partial 'usage'
}

# A name with both addresses: one datagram, to the first address that takes it.
# To show that 127.0.0.1 got nothing, a marker datagram is sent to it afterwards:
# its receiver's first datagram must be the marker.
@test "send_gai_udp: a name with both families gets one datagram, at the first address" {
	need_private_net
	printf '::1 dual.test\n127.0.0.1 dual.test\n' >"$BATS_TEST_TMPDIR/hosts"
	run -0 in_private_net "$BATS_TEST_TMPDIR/hosts" '
		port=$1 dir=$2 deadline=$((SECONDS + NETPROG_TIMEOUT))
		trap '\''kill $(jobs -p) 2>/dev/null'\'' EXIT
		py udp-recv ::1 "$port" "$dir/six" >/dev/null 3>&- &
		six=$!
		py udp-recv 127.0.0.1 "$port" "$dir/four" >/dev/null 3>&- &
		four=$!
		until [ "$(ss -Hlun "sport = :$port" | wc -l)" -ge 2 ]; do
			((SECONDS < deadline)) || exit 9
			sleep 0.02
		done
		timeout 10 "$SEND_GAI_UDP" dual.test "$port" "to the first" || exit 10
		printf marker | py udp-send 127.0.0.1 "$port" >/dev/null || exit 11
		wait_exit "$six" && wait_exit "$four" || exit 12
		echo "six: $(cat "$dir/six")"
		echo "four: $(cat "$dir/four")"
	' "$(free_port)" "$BATS_TEST_TMPDIR"
	assert_line 'six: to the first'
	assert_line 'four: marker'
}

# With IPv4 preferred (gai.conf), a message too long for IPv4 (65520 bytes) fails on
# 127.0.0.1 and must go on to ::1, the second address.
@test "send_gai_udp: when the first address fails, the next one gets the datagram" {
	GAI_CONF=$BATS_TEST_TMPDIR/gai.conf
	need_private_net
	printf '::1 dual.test\n127.0.0.1 dual.test\n' >"$BATS_TEST_TMPDIR/hosts"
	printf 'precedence ::ffff:0:0/96 100\n' >"$GAI_CONF"
	run -0 in_private_net "$BATS_TEST_TMPDIR/hosts" '
		port=$1 dir=$2 message=$3
		trap '\''kill $(jobs -p) 2>/dev/null'\'' EXIT
		"$PYTHON" -c "import socket; print(socket.getaddrinfo(\"dual.test\", 1, type=socket.SOCK_DGRAM)[0][4][0])"
		py udp-recv ::1 "$port" "$dir/six" >"$dir/six.len" 3>&- &
		six=$!
		wait_listening udp "$port" "$six" || exit 9
		timeout 10 "$SEND_GAI_UDP" dual.test "$port" "$message" || exit 10
		wait_exit "$six" || exit 11
		echo "six: $(cat "$dir/six.len") bytes"
		printf "%s" "$message" | cmp - "$dir/six" && echo same
	' "$(free_port)" "$BATS_TEST_TMPDIR" "$(random_text 65520)"
	# The order really was IPv4 first, so the first attempt failed.
	assert_line --index 0 '127.0.0.1'
	assert_line 'six: 65520 bytes'
	assert_line same
}

@test "send_gai_udp: an unknown host is 68" {
	need_private_net
	printf '127.0.0.1 localhost\n' >"$BATS_TEST_TMPDIR/hosts"
	run -0 in_private_net "$BATS_TEST_TMPDIR/hosts" '
		"$SEND_GAI_UDP" no-such-host.invalid 5000 hello; echo "status $?"'
	assert_line 'status 68'
	assert_output --partial 'no-such-host.invalid'
}

@test "send_gai_udp: wrong argument counts are usage errors (64)" {
	run -64 "$SEND_GAI_UDP"
	assert_output --partial usage
	run -64 "$SEND_GAI_UDP" ::1 5000
	assert_output --partial usage
	run -64 "$SEND_GAI_UDP" ::1 5000 hello extra
	assert_output --partial usage
}

@test "send_gai_udp: a port that is not a decimal number in 0..65535 is a usage error (64)" {
	local port
	for port in '' abc -1 65536 5x ' 80' +80 0x50 99999999999999999999; do
		run -64 "$SEND_GAI_UDP" ::1 "$port" hello
		assert_output --partial usage
	done
}

# socket() failing for want of descriptors is the system's trouble (71), not
# "no address took the datagram" (69).
@test "send_gai_udp: out of descriptors, socket fails with the system's reason and 71" {
	needs_plain_binary "$SEND_GAI_UDP"
	cc -shared -fPIC -o "$BATS_TEST_TMPDIR/fill_fds.so" "$NETPROG_TOP/tests/lib/fill_fds.c"
	run -71 client env LD_PRELOAD="$BATS_TEST_TMPDIR/fill_fds.so" "$SEND_GAI_UDP" 127.0.0.1 9 hello
	assert_output --partial 'Too many open files'
}
