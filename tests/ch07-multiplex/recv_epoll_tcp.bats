#!/usr/bin/env bats
# recv_epoll_tcp PORT: every client served at once by one process with epoll(7).  One
# dual-stack listener on the wildcard address; reports "Received from ADDR:PORT",
# "Data from ADDR:PORT (N bytes)" + N bytes + newline, "Closed ADDR:PORT (N bytes)",
# "Reset ADDR:PORT (N bytes): REASON", "Refused ADDR:PORT: REASON"; hostile clients
# do not stop it, and EMFILE is no busy loop.
load ../helper
load ../lib/ch06_uniplex
load ../lib/ch07_servers
load ../lib/ours
program RECV_EPOLL_TCP ch07-multiplex/recv_epoll_tcp

@test "recv_epoll_tcp: three clients at once are all served at once (::1)" {
	needs_ipv6
	ch07_three_at_once "$RECV_EPOLL_TCP" ::1
}

@test "recv_epoll_tcp: three clients at once are all served at once (127.0.0.1)" {
	ch07_three_at_once "$RECV_EPOLL_TCP" 127.0.0.1
}

@test "recv_epoll_tcp: listens on the wildcard address, not on loopback only" {
	ch07_wildcard "$RECV_EPOLL_TCP"
}

@test "recv_epoll_tcp: every byte value and 1 MiB of random bytes arrive intact (::1)" {
	needs_ipv6
	ch07_binary "$RECV_EPOLL_TCP" ::1
}

@test "recv_epoll_tcp: every byte value and 1 MiB of random bytes arrive intact (127.0.0.1)" {
	ch07_binary "$RECV_EPOLL_TCP" 127.0.0.1
}

@test "recv_epoll_tcp: a half-close gets the server's EOF back (::1)" {
	needs_ipv6
	ch07_half_close "$RECV_EPOLL_TCP" ::1
}

@test "recv_epoll_tcp: a half-close gets the server's EOF back (127.0.0.1)" {
	ch07_half_close "$RECV_EPOLL_TCP" 127.0.0.1
}

@test "recv_epoll_tcp: resets at once and mid-stream do not stop it, descriptors come back" {
	ch07_resets "$RECV_EPOLL_TCP"
}

@test "recv_epoll_tcp: 1,000 rapid connects are all reported, no descriptor left behind" {
	ch07_rapid "$RECV_EPOLL_TCP" 500
}

@test "recv_epoll_tcp: a client that never reads does not stop another" {
	ch07_never_reads "$RECV_EPOLL_TCP"
}

@test "recv_epoll_tcp: a flood past the descriptor limit is refused without a busy loop" {
	ch07_emfile "$RECV_EPOLL_TCP" 1
}

@test "recv_epoll_tcp: 200 clients held at once are all served" {
	ch07_many "$RECV_EPOLL_TCP" 200
}

@test "recv_epoll_tcp: SIGTERM and SIGINT end it with 0, idle or serving" {
	ch07_signals "$RECV_EPOLL_TCP"
}

@test "recv_epoll_tcp: on a kernel without IPv6 (no AF_INET6 sockets) it serves IPv4 clients" {
	ch07_no_inet6 "$RECV_EPOLL_TCP"
}

@test "recv_epoll_tcp: a port in use is the system's message and 71" {
	ch07_port_in_use "$RECV_EPOLL_TCP"
}

@test "recv_epoll_tcp: bad arguments are usage errors (64)" {
	ch07_usage "$RECV_EPOLL_TCP"
}

@test "recv_epoll_tcp: port 0 says 'listening on port N' on stderr" {
	assert_says_listening tcp "$RECV_EPOLL_TCP"
}
