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

# flood PROGRAM ERRFILE: in the current network namespace, start PROGRAM on port 9999 (its
# stderr to ERRFILE), send it 500 datagrams from source port 1000 (which a UDP service must
# not answer, and used to log, one line each), then a marker from an
# ordinary port: once the marker is answered, all 500 have been seen.  Prints "answered".
flood() {
	"$PYTHON" - "$@" <<'PY'
import socket, subprocess, sys, time
prog, err = sys.argv[1], sys.argv[2]
port = 9999
with open(err, "wb") as e:
    srv = subprocess.Popen([prog, str(port)], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=e)
try:
    deadline = time.monotonic() + 10
    while b"listening on port" not in open(err, "rb").read():
        if srv.poll() is not None or time.monotonic() > deadline:
            sys.exit("the server did not say 'listening on port'")
        time.sleep(0.02)
    low = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    low.bind(("127.0.0.1", 1000))
    for _ in range(500):
        low.sendto(b"x", ("127.0.0.1", port))
    # 500 datagrams can overflow the server's receive buffer while it is slow (a loaded
    # machine): the kernel then drops some, maybe the marker too, so it is sent again.
    marker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    marker.settimeout(0.5)
    deadline = time.monotonic() + 20
    while True:
        marker.sendto(b"marker", ("127.0.0.1", port))
        try:
            marker.recvfrom(2048)
            break
        except socket.timeout:
            if time.monotonic() > deadline:
                sys.exit("the marker was never answered")
    print("answered")
finally:
    srv.terminate()
    srv.wait(10)
PY
}

# Port 1000 is root's: the flood runs in a network namespace of its own (as root there),
# or, where none can be made, as root here.
udp_flood() {
	local prog=$1 err=$BATS_TEST_TMPDIR/flood.err lines
	export -f flood
	if netprog_unshare n; then
		NETPROG_TIMEOUT=40 run -0 client "${NETPROG_UNSHARE[@]}" bash -c 'ip link set lo up && flood "$@"' bash "$prog" "$err"
	elif [ "$(id -u)" -eq 0 ]; then
		NETPROG_TIMEOUT=40 run -0 client bash -c 'flood "$@"' bash "$prog" "$err"
	else
		skip "sending from a port below 1024 needs root or a network namespace"
	fi
	assert_output answered
	lines=$(grep -c 'not answering' "$err")
	((lines >= 1 && lines <= 3)) || fail "500 datagrams from port 1000 made $lines lines on stderr, expected 1 to 3 (a count in the next line): $(head -3 "$err")"
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
