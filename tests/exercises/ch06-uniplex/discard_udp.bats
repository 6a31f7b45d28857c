#!/usr/bin/env bats
# discard_udp (chapter 6, exercise 2): RFC 863 over UDP.  The server reads every datagram, of any
# size, from either family, throws it away and never sends a byte.  "Reads" is seen from outside
# in the socket table: the server's receive queue (Recv-Q in `ss`) empties.  Exit 0 on
# SIGINT/SIGTERM, 64 for bad arguments, 71 when the port is taken.
load ../../helper
load ../../lib/exercise
load ../../lib/ch06_services
program DISCARD_UDP exercises/ch06-uniplex/discard_udp
exercise_source DISCARD_UDP exercises/ch06-uniplex/discard_udp.c

# start_discard [PROG]: the server (ours, or PROG) on a free port.
start_discard() {
	port=$(free_port)
	start_server udp "$port" "${1:-$DISCARD_UDP}" "$port"
}

# send_datagrams HOST SIZE...: one datagram of random bytes of each SIZE to the server,
# sent for sure before it returns (nc -u -w0 may give up before its stdin has come, on a
# loaded machine), whether or not the server reads.
send_datagrams() {
	"$PYTHON" -c 'import os, socket, sys
host, port = sys.argv[1], int(sys.argv[2])
with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM) as s:
    for size in sys.argv[3:]:
        s.sendto(os.urandom(int(size)), (host, port))' "$1" "$port" "${@:2}"
}

# reads_from HOST: datagrams of 0 to 65507 bytes sent to the server from HOST while it is
# stopped wait in one of its sockets (proof that one receives from HOST's family: an
# IPv6-only socket never sees 127.0.0.1), and are read once it runs again; then the
# server sends nothing back to a datagram.
reads_from() {
	kill -STOP "$SERVER_PID"
	# 1472: the largest that fits an Ethernet frame over IPv4; 65507: the largest IPv4 allows.
	send_datagrams "$1" 0 1 512 1472 65507
	wait_udp_queue "$port" busy
	kill -CONT "$SERVER_PID"
	wait_udp_queue "$port" empty
	run -0 peer udp-silent "$1" "$port" 0 1 512 1472 65507
	assert_output "sent 5 datagrams, received 0 bytes"
}

@test "families: discard_udp reads datagrams from 127.0.0.1 and ::1, 0 to 65507 bytes, and sends nothing back" {
	needs_ipv6
	start_discard
	for host in "${LOOPBACKS[@]}"; do
		reads_from "$host"
	done
}

@test "service: discard_udp reads datagrams, 0 to 65507 bytes, and sends nothing back" {
	start_discard
	reads_from "$SERVED_HOST"
}

@test "families: discard_udp sends nothing to nc -u over both families, and keeps reading" {
	needs_ipv6
	start_discard
	for host in ::1 127.0.0.1 ::1 127.0.0.1; do
		run -0 --separate-stderr client sh -c 'echo hello | nc -u -w1 "$1" "$2"' sh "$host" "$port"
		assert_output ''
		wait_udp_queue "$port" empty
	done
}

@test "robustness: discard_udp keeps reading after a burst of 200 datagrams" {
	start_discard
	run -0 peer udp-silent "$SERVED_HOST" "$port" $(seq 100) $(seq 1000 10 1990)
	assert_output "sent 200 datagrams, received 0 bytes"
	for host in "${SERVED[@]}"; do
		run -0 peer udp-silent "$host" "$port" 7
		assert_output "sent 1 datagrams, received 0 bytes"
	done
}

@test "robustness: discard_udp reads what arrived while it was stopped (SIGSTOP, SIGCONT)" {
	start_discard
	for host in "${SERVED[@]}"; do
		kill -STOP "$SERVER_PID"
		send_datagrams "$host" 7
		# The datagram waits in the socket until the server runs again, then is read.
		wait_udp_queue "$port" busy
		kill -CONT "$SERVER_PID"
		wait_udp_queue "$port" empty
	done
	run -0 peer udp-silent "$SERVED_HOST" "$port" 10
	assert_output "sent 1 datagrams, received 0 bytes"
}

@test "memory: discard_udp built with -fsanitize=address,undefined serves and stops without a report" {
	asan_build DISCARD_UDP
	start_discard "$ASAN_BIN"
	for host in "${SERVED[@]}"; do
		reads_from "$host"
	done
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	assert_no_sanitizer_report "$SERVER_ERR"
}

@test "shutdown: discard_udp exits 0 on SIGTERM" {
	assert_stops_on TERM udp "$DISCARD_UDP" peer udp-silent HOST PORT 10
}

@test "shutdown: discard_udp exits 0 on SIGINT" {
	assert_stops_on INT udp "$DISCARD_UDP"
}

@test "usage: discard_udp exits 71 with the system's message when the port is taken" {
	assert_port_taken udp "$DISCARD_UDP"
}

@test "usage: discard_udp rejects a port that is not a decimal number in 0..65535 with 64" {
	assert_bad_ports "$DISCARD_UDP"
}

@test "usage: discard_udp rejects a wrong number of arguments with 64" {
	assert_bad_argc "$DISCARD_UDP"
}
