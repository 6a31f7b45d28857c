#!/usr/bin/env bats
# Every program that writes to stdout, run with stdout a pipe whose reader has gone
# (`prog | head -0` once head has exited): the write fails with EPIPE, and the program
# must say so on stderr and exit 74 (EX_IOERR), not die of SIGPIPE (141) without a word
# (CONTRIBUTING.md, "The signal model").  One test a program, each one line of the
# table below; the servers that print (dual_stack, recv_gai_udp, ...) have the same test
# in their own suites (start_closed_stdout), dhcp_discover in its suite (its DHCP world).
# The exercises' rows test our solutions only: their contracts do not ask a student's
# program for this (a death by SIGPIPE is Unix's default, and coreutils' too), so they
# are not graded and skip in the student pack.  Seconds.
load ../helper
load ../lib/fake_dns

program NETCALC ch02-tools/netcalc
program SOCKSTAT ch02-tools/sockstat
program PORTSCAN ch02-tools/portscan
program DNS_QUERY ch04-transmission/dns_query
program IF_LIST ch05-sockets/if_list
program SOCKOPTS ch05-sockets/sockopts
program IP_LOOKUP ch05-sockets/ip_lookup
program REVERSE_DNS ch05-sockets/reverse_dns
program TCP_STATES ch05-sockets/tcp_states
program INTERRUPTED_CONNECT ch05-sockets/interrupted_connect
program WORKER_DEMO ch09-workers/worker_demo
program POOL_SELFTEST ch09-workers/pool_selftest
program PACKET_BUILD appendix-a-protocols/packet_build
program HDR_DUMP appendix-a-protocols/hdr_dump
program HTTP_GET ch04-transmission/http_get
program SERVICE_NAME exercises/ch05-sockets/service_name
program SOCKADDR_SIZES exercises/ch05-sockets/sockaddr_sizes
program RECURSE_SEARCH exercises/ch07-multiplex/recurse_search

# Runs its arguments with stdout the write end of a pipe whose read end is already
# closed: no race with a reader that has not exited yet.  SIGPIPE is put back to its
# default action, since Python ignores it and an ignored signal stays ignored across
# exec: the program under test must handle it itself.
CLOSED_STDOUT_PY='import os, signal, sys
r, w = os.pipe()
os.close(r)
os.dup2(w, 1)
os.close(w)
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])'

# closed_stdout CMD...: CMD with a closed pipe as stdout, under a deadline; $status, $stderr.
closed_stdout() {
	run --separate-stderr client "$PYTHON" -c "$CLOSED_STDOUT_PY" "$@"
}

# expect_74 NAME: the last closed_stdout ended with 74 and a message naming stdout.
expect_74() {
	((status != 141)) ||
		fail "$1 died of SIGPIPE (status 141) with stdout a closed pipe: expected exit 74 and a message on stderr; stderr: '$stderr'"
	((status == 74)) || fail "$1 with stdout a closed pipe: expected exit 74, got $status; stderr: '$stderr'"
	[[ $stderr == *stdout* ]] || fail "$1 exited 74, but its message does not name stdout: '$stderr'"
}

# ours_only: our exercise solutions; the student pack's stubs print nothing.
ours_only() {
	[ ! -e "$NETPROG_TOP/.student-pack" ] || skip "our solution's extra: the student pack holds stubs"
}

# tcp_listener: a TCP socket on 127.0.0.1 that takes connections (the kernel completes
# the handshakes: nothing is accepted, nothing sent); its port in $port.
tcp_listener() {
	port=$(free_port)
	start_bg "$PYTHON" -c 'import signal, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
signal.pause()' "$port"
	wait_listening tcp "$port"
}

@test "netcalc: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	closed_stdout "$NETCALC" 192.0.2.87/24
	expect_74 netcalc
}

@test "sockstat: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	closed_stdout "$SOCKSTAT" -tn
	expect_74 sockstat
}

@test "portscan: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	tcp_listener
	closed_stdout "$PORTSCAN" 127.0.0.1 "$port"
	expect_74 portscan
}

@test "dns_query: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	port=$(free_port)
	start_bg "$PYTHON" "$NETPROG_TOP/tests/lib/ch04_dns_peer.py" good 127.0.0.1 "$port" \
		"$BATS_TEST_TMPDIR/queries" >"$BATS_TEST_TMPDIR/peer.out"
	wait_listening udp "$port"
	wait_listening tcp "$port"
	closed_stdout "$DNS_QUERY" -w 2 -s "127.0.0.1:$port" example.test
	expect_74 dns_query
}

@test "if_list: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	closed_stdout "$IF_LIST"
	expect_74 if_list
}

@test "sockopts: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	closed_stdout "$SOCKOPTS"
	expect_74 sockopts
}

@test "ip_lookup: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	# A literal: getaddrinfo answers without asking any name service.
	closed_stdout "$IP_LOOKUP" 127.0.0.1
	expect_74 ip_lookup
}

@test "reverse_dns: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	need_names
	run --separate-stderr fake_dns --ptr 192.0.2.7=closed.example -- \
		"$PYTHON" -c "$CLOSED_STDOUT_PY" "$REVERSE_DNS" 192.0.2.7
	expect_74 reverse_dns
}

@test "tcp_states: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	tcp_listener
	closed_stdout "$TCP_STATES" 127.0.0.1 "$port"
	expect_74 tcp_states
}

@test "interrupted_connect: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	tcp_listener
	closed_stdout "$INTERRUPTED_CONNECT" 127.0.0.1 "$port" 5
	expect_74 interrupted_connect
}

@test "worker_demo: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	closed_stdout "$WORKER_DEMO"
	expect_74 worker_demo
}

@test "pool_selftest: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	closed_stdout "$POOL_SELFTEST" list
	expect_74 pool_selftest
}

@test "packet_build: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	# A raw socket needs CAP_NET_RAW: a network namespace of its own gives it, and keeps
	# the hand-made datagram there; without one, root has it (the datagram goes to
	# 127.0.0.1's discard port, where nothing listens).
	local in_ns=()
	if netprog_unshare n; then
		needs_tool ip iproute2
		in_ns=("${NETPROG_UNSHARE[@]}" sh -c 'ip link set lo up && exec "$@"' sh)
	elif [ "$(id -u)" != 0 ]; then
		skip "no network namespace can be made here, and only root may open a raw socket outside one"
	fi
	run --separate-stderr client "${in_ns[@]}" "$PYTHON" -c "$CLOSED_STDOUT_PY" \
		"$PACKET_BUILD" 127.0.0.1 127.0.0.1 9 hello
	expect_74 packet_build
}

@test "hdr_dump: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	"$PYTHON" "$NETPROG_TOP/tests/lib/pcap_gen.py" "$BATS_TEST_TMPDIR/t.pcap"
	closed_stdout "$HDR_DUMP" -r "$BATS_TEST_TMPDIR/t.pcap"
	expect_74 hdr_dump
}

@test "service_name: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	ours_only
	needs_file /etc/services netbase
	getent services 80/tcp >/dev/null || skip "this system's services file does not name port 80"
	closed_stdout "$SERVICE_NAME" 80
	expect_74 service_name
}

@test "sockaddr_sizes: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	ours_only
	closed_stdout "$SOCKADDR_SIZES"
	expect_74 sockaddr_sizes
}

@test "recurse_search: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	ours_only
	mkdir "$BATS_TEST_TMPDIR/tree"
	echo needle >"$BATS_TEST_TMPDIR/tree/hit"
	closed_stdout "$RECURSE_SEARCH" -j 2 "$BATS_TEST_TMPDIR/tree" needle
	expect_74 recurse_search
}

@test "bench/pool_bench: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	[ -x "$NETPROG_TOP/bench/pool_bench" ] || skip "bench/pool_bench is not built (make all builds it)"
	closed_stdout "$NETPROG_TOP/bench/pool_bench" --tiny
	expect_74 pool_bench
}

@test "http_get: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	port=$(free_port)
	mkdir "$BATS_TEST_TMPDIR/www"
	head -c 100000 /dev/zero >"$BATS_TEST_TMPDIR/www/big"
	start_bg "$PYTHON" -m http.server --bind 127.0.0.1 --directory "$BATS_TEST_TMPDIR/www" "$port"
	wait_listening tcp "$port"
	closed_stdout "$HTTP_GET" "http://127.0.0.1:$port/big"
	expect_74 http_get
}

@test "bench/sock_bench: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	[ -x "$NETPROG_TOP/bench/sock_bench" ] || skip "bench/sock_bench is not built (make all builds it)"
	closed_stdout "$NETPROG_TOP/bench/sock_bench" --tiny
	expect_74 sock_bench
}
