#!/usr/bin/env bats
# recv_poll_tcp PORT: every client served at once by one process with poll(2).  One
# dual-stack listener on the wildcard address; reports "Received from ADDR:PORT",
# "Data from ADDR:PORT (N bytes)" + N bytes + newline, "Closed ADDR:PORT (N bytes)",
# "Reset ADDR:PORT (N bytes): REASON", "Refused ADDR:PORT: REASON"; hostile clients
# do not stop it, and EMFILE is no busy loop.
load ../helper
load ../lib/ch06_uniplex
load ../lib/ch07_servers
load ../lib/ours
program RECV_POLL_TCP ch07-multiplex/recv_poll_tcp

@test "recv_poll_tcp: three clients at once are all served at once (::1)" {
	needs_ipv6
	ch07_three_at_once "$RECV_POLL_TCP" ::1
}

@test "recv_poll_tcp: three clients at once are all served at once (127.0.0.1)" {
	ch07_three_at_once "$RECV_POLL_TCP" 127.0.0.1
}

@test "recv_poll_tcp: listens on the wildcard address, not on loopback only" {
	ch07_wildcard "$RECV_POLL_TCP"
}

@test "recv_poll_tcp: every byte value and 1 MiB of random bytes arrive intact (::1)" {
	needs_ipv6
	ch07_binary "$RECV_POLL_TCP" ::1
}

@test "recv_poll_tcp: every byte value and 1 MiB of random bytes arrive intact (127.0.0.1)" {
	ch07_binary "$RECV_POLL_TCP" 127.0.0.1
}

@test "recv_poll_tcp: a half-close gets the server's EOF back (::1)" {
	needs_ipv6
	ch07_half_close "$RECV_POLL_TCP" ::1
}

@test "recv_poll_tcp: a half-close gets the server's EOF back (127.0.0.1)" {
	ch07_half_close "$RECV_POLL_TCP" 127.0.0.1
}

@test "recv_poll_tcp: resets at once and mid-stream do not stop it, descriptors come back" {
	ch07_resets "$RECV_POLL_TCP"
}

@test "recv_poll_tcp: 1,000 rapid connects are all reported, no descriptor left behind" {
	ch07_rapid "$RECV_POLL_TCP" 500
}

@test "recv_poll_tcp: a client that never reads does not stop another" {
	ch07_never_reads "$RECV_POLL_TCP"
}

@test "recv_poll_tcp: a flood past the descriptor limit is refused without a busy loop" {
	ch07_emfile "$RECV_POLL_TCP" 1
}

@test "recv_poll_tcp: 200 clients held at once are all served (the poll array grows)" {
	ch07_many "$RECV_POLL_TCP" 200
}

@test "recv_poll_tcp: SIGTERM and SIGINT end it with 0, idle or serving" {
	ch07_signals "$RECV_POLL_TCP"
}

@test "recv_poll_tcp: on a kernel without IPv6 (no AF_INET6 sockets) it serves IPv4 clients" {
	ch07_no_inet6 "$RECV_POLL_TCP"
}

@test "recv_poll_tcp: a port in use is the system's message and 71" {
	ch07_port_in_use "$RECV_POLL_TCP"
}

@test "recv_poll_tcp: bad arguments are usage errors (64)" {
	ch07_usage "$RECV_POLL_TCP"
}

@test "recv_poll_tcp: port 0 says 'listening on port N' on stderr" {
	assert_says_listening tcp "$RECV_POLL_TCP"
}
