#!/usr/bin/env bats
# echo_udp (chapter 8, exercise 1, the UDP half of RFC 862): every datagram goes back to its
# sender as one datagram with exactly the same bytes.  No answer to a source port below 1024,
# nor to a broadcast or multicast source (reflection loops, amplification).  Exit 0 on
# SIGINT/SIGTERM, 64 for bad arguments, 71 when the port is taken.
load ../../helper
load ../../lib/exercise
load ../../lib/ch07_exercises
program ECHO_UDP exercises/ch08-clientserver/echo_udp
exercise_source ECHO_UDP exercises/ch08-clientserver/echo_udp.c

start_echo() {
	port=$(free_port)
	start_server udp "$port" "${1:-$ECHO_UDP}" "$port"
}

# Some answer to each datagram, whatever it holds: "echoed" or "wrong echo", not "no echo".
answered() {
	run -0 peer udp-echo "$1" "$port" 1 100
	if [[ $output == *"no echo"* ]]; then
		echo "sent datagrams of 1 and 100 bytes from $1, expected an answer to each, got: $output" >&2
		return 1
	fi
}

@test "service: echo_udp answers datagrams" {
	start_echo
	answered "$SERVED_HOST"
}

@test "families: echo_udp answers datagrams from IPv4 and IPv6 (127.0.0.1, ::1)" {
	needs_ipv6
	start_echo
	answered ::1
	answered 127.0.0.1
}

@test "protocol: echo_udp echoes datagrams of 0, 1, 1472 and 8000 random bytes exactly" {
	start_echo
	run -0 peer udp-echo "$SERVED_HOST" "$port" 0 1 1472 8000
	assert_output $'0: echoed\n1: echoed\n1472: echoed\n8000: echoed'
}

@test "protocol: echo_udp echoes the largest datagram whole: 65507 bytes over IPv4, 65527 over IPv6" {
	local host size
	start_echo
	for host in "${SERVED[@]}"; do
		# 65535 less the UDP header and, for IPv4 only, the IP header (IPv6's is not counted).
		case $host in *:*) size=65527 ;; *) size=65507 ;; esac
		run -0 peer udp-echo "$host" "$port" "$size"
		assert_output "$size: echoed"
	done
}

@test "protocol: echo_udp echoes a line from nc -u" {
	start_echo
	for host in "${SERVED[@]}"; do
		run -0 client sh -c 'printf "hello, echo\n" | nc -u -w1 "$1" "$2"' sh "$host" "$port"
		assert_output 'hello, echo'
	done
}

@test "security: echo_udp does not answer source ports below 1024 nor broadcast or multicast sources" {
	netprog_unshare n || skip "no network namespace can be made here"
	# In a private network namespace the test is root: it may bind ports below 1024 and forge
	# source addresses with a raw socket.  The server runs in the same namespace.
	run -0 client "${NETPROG_UNSHARE[@]}" "$PYTHON" "$EX7_PEER" netns-udp "$BATS_TEST_TMPDIR/netns.err" "$ECHO_UDP"
	local host answering=0
	for host in "${LOOPBACKS[@]}"; do
		# The boundary, and the proof that the server answers this family at all: a family
		# it does not serve is the families tests' loss, not this test's.
		grep -qxF "$host source port 1024: answered" <<<"$output" || continue
		answering=1
		assert_line "$host source port 7: no answer"
		assert_line "$host source port 1023: no answer"
	done
	((answering)) || fail "the server answered no datagram from source port 1024, over ${LOOPBACKS[*]}: ${output:-nothing}"
	# Forged IPv4 sources; a dual-stack server sees them as ::ffff:224.0.0.1 and so on.  A
	# server that refuses IPv4 cannot answer them: the families tests' loss, not this test's.
	grep -qxF "127.0.0.1: refused (the server does not serve this family)" <<<"$output" && return 0
	assert_line "source 224.0.0.1: no answer"
	assert_line "source 255.255.255.255: no answer"
}

# Not tested: a multicast IPv6 source (Linux drops every IPv6 packet with a multicast source on input (RFC 4291, 2.7), even on loopback, so no server can ever see one).

@test "memory: echo_udp built with -fsanitize=address,undefined serves and stops without a report" {
	asan_build ECHO_UDP
	start_echo "$ASAN_BIN"
	for host in "${SERVED[@]}"; do
		run -0 peer udp-echo "$host" "$port" 0 1 1472 8000 65507
	done
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	assert_no_sanitizer_report "$SERVER_ERR"
}

@test "shutdown: echo_udp exits 0 on SIGTERM" {
	assert_stops_on TERM udp "$ECHO_UDP" peer udp-echo HOST PORT 5
}

@test "shutdown: echo_udp exits 0 on SIGINT" {
	assert_stops_on INT udp "$ECHO_UDP"
}

@test "usage: echo_udp exits 71 with the system's message when the port is taken" {
	assert_port_taken udp "$ECHO_UDP"
}

@test "usage: echo_udp rejects a port that is not a decimal number in 0..65535 with 64" {
	assert_bad_ports "$ECHO_UDP"
}

@test "usage: echo_udp rejects a wrong number of arguments with 64" {
	assert_bad_argc "$ECHO_UDP"
}
