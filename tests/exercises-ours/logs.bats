#!/usr/bin/env bats
# Our exercise servers' logs (CONTRIBUTING.md), never graded: a line that a
# remote peer can cause at will is written at most once a second, the others
# counted into the next line ("... (and N more since the last)").
load ../helper
load ../lib/ours

setup() {
	netprog_setup
	[ ! -e "$NETPROG_TOP/.student-pack" ] || skip "our solutions' extras: the student pack holds stubs"
}

# flood_from_1000 PORT N: N datagrams to 127.0.0.1 PORT from source port 1000,
# which a UDP service must not answer (and used to log, one line each).
flood_from_1000() {
	client "$PYTHON" - "$@" <<'PY'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 1000))
for i in range(n):
    s.sendto(b"x", ("127.0.0.1", port))
print("sent", n)
PY
}

needs_low_port() {
	[ "$(id -u)" -eq 0 ] || skip "sending from a port below 1024 needs root"
}

udp_flood() {
	local prog=$1 port
	needs_low_port
	port=$(free_port)
	start_server udp "$port" "$prog" "$port"
	run -0 flood_from_1000 "$port" 500
	wait_for_output "not answering" "$SERVER_ERR"
	# The last datagrams may still be in the socket: a marker from a good port
	# comes after them, and once it is answered, all 500 have been seen.
	run -0 client "$PYTHON" -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
s.sendto(b'marker', ('127.0.0.1', $port)); s.recvfrom(2048); print('answered')"
	lines=$(grep -c 'not answering' "$SERVER_ERR")
	((lines <= 3)) || fail "500 datagrams from port 1000 made $lines lines on stderr, expected at most 3 (a count in the next line): $(head -3 "$SERVER_ERR")"
}

@test "daytime_udp: 500 ignored datagrams are a few lines on stderr, not 500" {
	udp_flood "$NETPROG_TOP/exercises/ch06-uniplex/daytime_udp"
}

@test "echo_udp: 500 ignored datagrams are a few lines on stderr, not 500" {
	udp_flood "$NETPROG_TOP/exercises/ch08-clientserver/echo_udp"
}

# Clients that connect and reset at once: each send to them failed, one line each.
@test "daytime_tcp: 300 clients that reset at once are a few lines on stderr, not 300" {
	port=$(free_port)
	start_server tcp "$port" "$NETPROG_TOP/exercises/ch06-uniplex/daytime_tcp" "$port"
	run -0 client "$PYTHON" - "$port" <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
for i in range(300):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
s = socket.create_connection(("127.0.0.1", port), timeout=5)
print("last:", s.recv(100).decode().strip() != "")
PY
	assert_output "last: True"
	lines=$(grep -c '' "$SERVER_ERR")
	((lines <= 4)) || fail "300 resets made $lines lines on stderr, expected at most 4: $(head -3 "$SERVER_ERR")"
}
