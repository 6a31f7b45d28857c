#!/usr/bin/env bats
# recv_select_tcp PORT: every client served at once by one process with select(2).  One
# dual-stack listener on the wildcard address; reports "Received from ADDR:PORT",
# "Data from ADDR:PORT (N bytes)" + N bytes + newline, "Closed ADDR:PORT (N bytes)",
# "Reset ADDR:PORT (N bytes): REASON", "Refused ADDR:PORT: REASON"; hostile clients
# do not stop it, EMFILE is no busy loop, and a descriptor >= FD_SETSIZE is refused.
load ../helper
load ../lib/ch06_uniplex
load ../lib/ch07_servers
load ../lib/ours
program RECV_SELECT_TCP ch07-multiplex/recv_select_tcp

@test "recv_select_tcp: three clients at once are all served at once (::1)" {
	needs_ipv6
	ch07_three_at_once "$RECV_SELECT_TCP" ::1
}

@test "recv_select_tcp: three clients at once are all served at once (127.0.0.1)" {
	ch07_three_at_once "$RECV_SELECT_TCP" 127.0.0.1
}

@test "recv_select_tcp: listens on the wildcard address, not on loopback only" {
	ch07_wildcard "$RECV_SELECT_TCP"
}

@test "recv_select_tcp: every byte value and 1 MiB of random bytes arrive intact (::1)" {
	needs_ipv6
	ch07_binary "$RECV_SELECT_TCP" ::1
}

@test "recv_select_tcp: every byte value and 1 MiB of random bytes arrive intact (127.0.0.1)" {
	ch07_binary "$RECV_SELECT_TCP" 127.0.0.1
}

@test "recv_select_tcp: a half-close gets the server's EOF back (::1)" {
	needs_ipv6
	ch07_half_close "$RECV_SELECT_TCP" ::1
}

@test "recv_select_tcp: a half-close gets the server's EOF back (127.0.0.1)" {
	ch07_half_close "$RECV_SELECT_TCP" 127.0.0.1
}

@test "recv_select_tcp: resets at once and mid-stream do not stop it, descriptors come back" {
	ch07_resets "$RECV_SELECT_TCP"
}

@test "recv_select_tcp: 1,000 rapid connects are all reported, no descriptor left behind" {
	ch07_rapid "$RECV_SELECT_TCP" 500
}

@test "recv_select_tcp: a client that never reads does not stop another" {
	ch07_never_reads "$RECV_SELECT_TCP"
}

@test "recv_select_tcp: a flood past the descriptor limit is refused without a busy loop" {
	ch07_emfile "$RECV_SELECT_TCP" 1
}

@test "recv_select_tcp: 200 clients held at once are all served" {
	ch07_many "$RECV_SELECT_TCP" 200
}

@test "recv_select_tcp: SIGTERM and SIGINT end it with 0, idle or serving" {
	ch07_signals "$RECV_SELECT_TCP"
}

@test "recv_select_tcp: on a kernel without IPv6 (no AF_INET6 sockets) it serves IPv4 clients" {
	ch07_no_inet6 "$RECV_SELECT_TCP"
}

@test "recv_select_tcp: a port in use is the system's message and 71" {
	ch07_port_in_use "$RECV_SELECT_TCP"
}

@test "recv_select_tcp: bad arguments are usage errors (64)" {
	ch07_usage "$RECV_SELECT_TCP"
}

# About 1,030 connections held from one process (its soft limit raised to the hard
# one) against a server allowed 2,048 descriptors: the accepts past descriptor 1023
# are refused and closed, not written past the fd_set; the clients below keep being
# served, and a new client while they are held is refused too.  When they leave, a
# new client is served again.
@test "recv_select_tcp: a connection whose descriptor is >= FD_SETSIZE is refused cleanly" {
	local port h out hard
	hard=$(ulimit -Hn)
	if [ "$hard" != unlimited ] && ((hard < 2048)); then
		skip "the hard descriptor limit ($hard) is below the 2048 this test needs"
	fi
	port=$(free_port)
	start_limited 2048 "$port" "$RECV_SELECT_TCP" "$port"
	start_cpeer hold 127.0.0.1 "$port" 1030 >"$BATS_TEST_TMPDIR/h.out"
	h=$BG_PID
	out=$BATS_TEST_TMPDIR/h.out
	wait_for_output 'connected 1030' "$out"
	wait_lines '^(Received from|Refused) ' 1030
	run grep -ac '^Refused .*: descriptor [0-9]* is not below FD_SETSIZE (1024)$' "$SERVER_OUT"
	((output >= 1))
	local refused=$output
	# The refused ones see their connection closed; the others are still open.
	kill -USR1 "$h"
	wait_for_output "eof " "$out"
	assert_equal "$(grep -a '^eof ' "$out")" "eof $refused"
	# A newcomer while they are held: refused at once.  It sees EOF, or a reset when
	# the server closed with its "late" unread (TCP resets then: RFC 1122, 4.2.2.13),
	# which can reach it before its shutdown (ENOTCONN, errno 107).
	run peer tcp-send "${LOOPBACKS[-1]}" "$port" late
	[ "$status" -ne 124 ]
	assert_output --regexp 'EOF after 0 bytes|ConnectionResetError|BrokenPipeError|Errno 107'
	wait_lines '^Refused ' $((refused + 1))
	# Everyone kept is still served.
	kill -USR2 "$h"
	wait_for_output 'pinged ' "$out"
	wait_lines '^Data from .* \(4 bytes\)$' $((1030 - refused))
	kill -TERM "$h"
	wait_lines '^Closed .* \(4 bytes\)$' $((1030 - refused))
	run check_output
	assert_output "received $((1030 - refused)) refused $((refused + 1)) closed $((1030 - refused)) reset 0 open 0 data $((1030 - refused))"
	run -0 peer tcp-send "${LOOPBACKS[-1]}" "$port" 'served again'
	wait_for_output ' (12 bytes)'
}

@test "recv_select_tcp: port 0 says 'listening on port N' on stderr" {
	assert_says_listening tcp "$RECV_SELECT_TCP"
}
