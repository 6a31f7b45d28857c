#!/usr/bin/env bats
# daytime_udp (chapter 6, exercise 1): RFC 867 over UDP.  Any datagram, whatever it holds, gets one
# datagram back: one line of printable ASCII ended by CR LF that `date -d` reads as the current time
# (so it carries its time zone).  No answer to a source port below 1024, nor to a broadcast or
# multicast source.  Exit 0 on SIGINT/SIGTERM, 64 for bad arguments, 71 when the port is taken.
load ../../helper
load ../../lib/ch06_services
program DAYTIME_UDP exercises/ch06-uniplex/daytime_udp

@test "families: daytime_udp answers a datagram from ::1 with the date as one CR LF line" {
	port=$(free_port)
	start_server udp "$port" "$DAYTIME_UDP" "$port"
	peer udp-ask ::1 "$port" 5 >"$BATS_TEST_TMPDIR/answer"
	assert_daytime "$BATS_TEST_TMPDIR/answer"
}

@test "protocol: daytime_udp answers a datagram from 127.0.0.1 with the date as one CR LF line" {
	port=$(free_port)
	start_server udp "$port" "$DAYTIME_UDP" "$port"
	peer udp-ask 127.0.0.1 "$port" 5 >"$BATS_TEST_TMPDIR/answer"
	assert_daytime "$BATS_TEST_TMPDIR/answer"
}

@test "families: daytime_udp answers nc -u over both families" {
	port=$(free_port)
	start_server udp "$port" "$DAYTIME_UDP" "$port"
	for host in ::1 127.0.0.1; do
		echo hello | client nc -u -w1 "$host" "$port" >"$BATS_TEST_TMPDIR/answer"
		assert_daytime "$BATS_TEST_TMPDIR/answer"
	done
}

@test "robustness: daytime_udp answers every datagram, empty or large, with exactly one datagram" {
	port=$(free_port)
	start_server udp "$port" "$DAYTIME_UDP" "$port"
	for host in ::1 127.0.0.1; do
		# RFC 867: the data in the request is ignored; an empty datagram is a request too.
		run -0 peer udp-ask "$host" "$port" 0 1 1472 8000
		[ "${#lines[@]}" -eq 4 ]
		for line in "${lines[@]}"; do
			printf '%s\n' "$line" >"$BATS_TEST_TMPDIR/answer"
			assert_daytime "$BATS_TEST_TMPDIR/answer"
		done
	done
}

@test "protocol: daytime_udp's line carries its time zone: a server in UTC-5 still tells the right instant" {
	port=$(free_port)
	# EST5 is a POSIX TZ string (5 hours west of UTC, no summer time): no zone files needed.
	start_server udp "$port" env TZ=EST5 "$DAYTIME_UDP" "$port"
	peer udp-ask ::1 "$port" 0 >"$BATS_TEST_TMPDIR/answer"
	TZ=UTC assert_daytime "$BATS_TEST_TMPDIR/answer"
}

@test "security: daytime_udp does not answer source ports below 1024 nor broadcast or multicast sources" {
	unshare -rn true 2>/dev/null || skip "no unprivileged network namespaces here"
	# In a private network namespace the test is root: it may bind ports below 1024 and forge
	# source addresses with a raw socket.  The server runs in the same namespace.
	run -0 client unshare -rn "$CH06_PYTHON" "$PEER" netns-daytime "$BATS_TEST_TMPDIR/netns.err" "$DAYTIME_UDP"
	for host in ::1 127.0.0.1; do
		assert_line "$host source port 7: no answer"
		assert_line "$host source port 1023: no answer"
		# The boundary, and the proof that the server was answering at all.
		assert_line "$host source port 1024: answered"
	done
	# Forged IPv4 sources; a dual-stack server sees them as ::ffff:224.0.0.1 and so on.
	assert_line "source 224.0.0.1: no answer"
	assert_line "source 255.255.255.255: no answer"
}

# Not tested: a multicast IPv6 source (Linux drops every IPv6 packet with a multicast source on input (RFC 4291, 2.7; counted as Ip6InHdrErrors), even on loopback, so no server can ever see one).

@test "robustness: daytime_udp answers a request that arrived while it was stopped (SIGSTOP, SIGCONT)" {
	port=$(free_port)
	start_server udp "$port" "$DAYTIME_UDP" "$port"
	for host in ::1 127.0.0.1; do
		kill -STOP "$SERVER_PID"
		start_bg peer udp-ask "$host" "$port" 0 >"$BATS_TEST_TMPDIR/answer"
		asker=$BG_PID
		# The request waits in the socket until the server runs again.
		wait_udp_queue "$port" busy
		kill -CONT "$SERVER_PID"
		wait_exit "$asker"
		[ "$EXIT_STATUS" -eq 0 ]
		assert_daytime "$BATS_TEST_TMPDIR/answer"
	done
}

@test "shutdown: daytime_udp exits 0 on SIGTERM" {
	assert_stops_on TERM udp "$DAYTIME_UDP" peer udp-ask ::1 PORT 0
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
