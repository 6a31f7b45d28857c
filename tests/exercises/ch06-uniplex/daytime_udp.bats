#!/usr/bin/env bats
# daytime_udp (chapter 6, exercise 1): RFC 867 over UDP.  Any datagram, whatever it holds, gets one
# datagram back: one line of printable ASCII ended by CR LF that `date -d` reads as the current time
# (so it carries its time zone).  No answer to a source port below 1024, nor to a broadcast or
# multicast source.  Exit 0 on SIGINT/SIGTERM, 64 for bad arguments, 71 when the port is taken.
load ../../helper
load ../../lib/exercise
load ../../lib/ch06_services
program DAYTIME_UDP exercises/ch06-uniplex/daytime_udp
exercise_source DAYTIME_UDP exercises/ch06-uniplex/daytime_udp.c

start_daytime() {
	port=$(free_port)
	start_server udp "$port" "$@" "$port"
}

# Whether the server answers at all is judged apart from the format of its answer.
@test "service: daytime_udp answers a datagram with a datagram" {
	start_daytime "$DAYTIME_UDP"
	peer udp-ask "$SERVED_HOST" "$port" 5 >"$BATS_TEST_TMPDIR/answer"
	assert_answered "$BATS_TEST_TMPDIR/answer"
}

@test "families: daytime_udp answers datagrams from IPv4 and IPv6 (127.0.0.1, ::1; with nc -u too)" {
	needs_ipv6
	start_daytime "$DAYTIME_UDP"
	for host in ::1 127.0.0.1; do
		peer udp-ask "$host" "$port" 5 >"$BATS_TEST_TMPDIR/answer"
		assert_answered "$BATS_TEST_TMPDIR/answer"
		echo hello | client nc -u -w1 "$host" "$port" >"$BATS_TEST_TMPDIR/answer"
		assert_answered "$BATS_TEST_TMPDIR/answer"
	done
}

@test "protocol: daytime_udp's answer is one line ended by CR LF" {
	start_daytime "$DAYTIME_UDP"
	peer udp-ask "$SERVED_HOST" "$port" 5 >"$BATS_TEST_TMPDIR/answer"
	assert_daytime_crlf "$BATS_TEST_TMPDIR/answer"
}

@test "protocol: daytime_udp's line is printable ASCII that date -d reads as the time now" {
	start_daytime "$DAYTIME_UDP"
	peer udp-ask "$SERVED_HOST" "$port" 5 >"$BATS_TEST_TMPDIR/answer"
	assert_daytime_time "$BATS_TEST_TMPDIR/answer"
}

@test "robustness: daytime_udp answers every datagram, empty or large, with exactly one datagram" {
	start_daytime "$DAYTIME_UDP"
	for host in "${SERVED[@]}"; do
		# RFC 867: the data in the request is ignored; an empty datagram is a request too.
		# The peer asks in turns, so a second answer to one request would be read as the
		# answer to the next, and the last one would be left over.
		run -0 peer udp-count "$host" "$port" 0 1 1472 8000 65507
		assert_output "5 requests, 5 answers"
	done
}

@test "protocol: daytime_udp's line carries its time zone: a server in UTC-5 still tells the right instant" {
	# EST5 is a POSIX TZ string (5 hours west of UTC, no summer time): no zone files needed.
	start_daytime env TZ=EST5 "$DAYTIME_UDP"
	peer udp-ask "$SERVED_HOST" "$port" 0 >"$BATS_TEST_TMPDIR/answer"
	TZ=UTC assert_daytime_time "$BATS_TEST_TMPDIR/answer"
}

@test "security: daytime_udp does not answer source ports below 1024 nor broadcast or multicast sources" {
	netprog_unshare n || skip "no network namespace can be made here"
	# In a private network namespace the test is root: it may bind ports below 1024 and forge
	# source addresses with a raw socket.  The server runs in the same namespace.
	run -0 client "${NETPROG_UNSHARE[@]}" "$CH06_PYTHON" "$PEER" netns-daytime "$BATS_TEST_TMPDIR/netns.err" "$DAYTIME_UDP"
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

# Not tested: a multicast IPv6 source (Linux drops every IPv6 packet with a multicast source on input (RFC 4291, 2.7; counted as Ip6InHdrErrors), even on loopback, so no server can ever see one).

@test "robustness: daytime_udp answers a request that arrived while it was stopped (SIGSTOP, SIGCONT)" {
	start_daytime "$DAYTIME_UDP"
	for host in "${SERVED[@]}"; do
		kill -STOP "$SERVER_PID"
		start_bg peer udp-ask "$host" "$port" 0 >"$BATS_TEST_TMPDIR/answer"
		asker=$BG_PID
		# The request waits in the socket until the server runs again.
		wait_udp_queue "$port" busy
		kill -CONT "$SERVER_PID"
		wait_exit "$asker"
		assert_answered "$BATS_TEST_TMPDIR/answer"
	done
}

@test "memory: daytime_udp built with -fsanitize=address,undefined serves and stops without a report" {
	asan_build DAYTIME_UDP
	start_daytime "$ASAN_BIN"
	for host in "${SERVED[@]}"; do
		run -0 peer udp-ask "$host" "$port" 0 1 1472 65507
	done
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	assert_no_sanitizer_report "$SERVER_ERR"
}

@test "shutdown: daytime_udp exits 0 on SIGTERM" {
	assert_stops_on TERM udp "$DAYTIME_UDP" peer udp-ask HOST PORT 0
}

@test "shutdown: daytime_udp exits 0 on SIGINT" {
	assert_stops_on INT udp "$DAYTIME_UDP"
}

@test "usage: daytime_udp exits 71 with the system's message when the port is taken" {
	assert_port_taken udp "$DAYTIME_UDP"
}

@test "usage: daytime_udp rejects a port that is not a decimal number in 0..65535 with 64" {
	assert_bad_ports "$DAYTIME_UDP"
}

@test "usage: daytime_udp rejects a wrong number of arguments with 64" {
	assert_bad_argc "$DAYTIME_UDP"
}
