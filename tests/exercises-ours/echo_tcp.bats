#!/usr/bin/env bats
# echo_tcp's extras beyond the exercise's contract (CONTRIBUTING.md), never
# graded: a total cap on the echo it holds, a deadline for clients that do not
# read, and no end of the server when memory for one client runs out.
load ../helper
load ../lib/ours
program ECHO_TCP exercises/ch08-clientserver/echo_tcp

setup() {
	netprog_setup
	[ ! -e "$NETPROG_TOP/.student-pack" ] || skip "our solutions' extras: the student pack holds stubs"
}

# hogs PORT N [halfclose]: N clients each send until the kernel takes no more,
# never read (with halfclose, then shut down their sending side), print
# "holding N" and wait for SIGTERM.
hogs() {
	# exec: the PID start_bg records is the peer itself, so killing it closes the sockets.
	exec "$PYTHON" - "$@" <<'PY'
import socket, sys, signal, time
port, n = int(sys.argv[1]), int(sys.argv[2])
half = len(sys.argv) > 3
socks, chunk = [], b"x" * 65536
for i in range(n):
    # A small receive buffer, set before connecting (it fixes the window): the
    # echo cannot drain into this client's kernel buffers, so the server must
    # hold it in its own memory, whatever the host's tcp_rmem and tcp_wmem.
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    try:
        for _ in range(64):
            s.send(chunk)
    except BlockingIOError:
        pass
    except (ConnectionResetError, BrokenPipeError):
        pass    # a client the server had no memory for, refused: what test 3 is about
    if half:
        s.shutdown(socket.SHUT_WR)
    socks.append(s)
print(f"holding {n}", flush=True)
signal.sigwait({signal.SIGTERM})
PY
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# Before: a buffer per client, 600 senders that never read held 600 x 64 KiB.
@test "echo_tcp: 600 clients that send and never read cost at most 16 MiB of echo in all" {
	needs_plain_binary "$ECHO_TCP"
	port=$(free_port)
	start_server tcp "$port" "$ECHO_TCP" "$port"
	before=$(rss_kb "$SERVER_PID")
	start_bg hogs "$port" 600 >"$BATS_TEST_TMPDIR/hogs.out"
	NETPROG_TIMEOUT=60 wait_for_output "holding 600" "$BATS_TEST_TMPDIR/hogs.out"
	# Let the server read what it will: 2 s of its time, a poll round per client.
	sleep 2
	after=$(rss_kb "$SERVER_PID")
	grown=$(((after - before) / 1024))
	((grown <= 20)) || fail "600 clients sending without reading: the server grew by $grown MiB (VmRSS $before -> $after kB), expected at most 16 MiB of buffers (server $(server_state "$SERVER_PID"))"
	# Once they are gone, the buffers come back: a newcomer is served.
	kill -TERM "$BG_PID"
	run -0 client "$PYTHON" -c "
import socket, sys
s = socket.create_connection(('127.0.0.1', $port), timeout=5)
s.sendall(b'still here'); s.shutdown(socket.SHUT_WR)
got = b''
while True:
    b = s.recv(100)
    if not b: break
    got += b
print(got.decode())"
	assert_output 'still here'
}

# A client that half-closes with its echo pending and never reads kept its
# slot, and its buffer, for ever.
@test "echo_tcp: a client that half-closes and never reads its echo is dropped (10 s)" {
	port=$(free_port)
	start_server tcp "$port" "$ECHO_TCP" "$port"
	start_bg hogs "$port" 1 halfclose >"$BATS_TEST_TMPDIR/hogs.out"
	wait_for_output "holding 1" "$BATS_TEST_TMPDIR/hogs.out"
	deadline=$((SECONDS + 20))
	while [ -n "$(ss -Htn state established "sport = :$port")" ]; do
		((SECONDS < deadline)) || fail "after 20 s the server still holds the connection of a client that half-closed and never reads (server $(server_state "$SERVER_PID"))"
		sleep 0.2
	done
}

# A client the server has no memory for must cost that client, not everyone:
# with the address space capped (ulimit -v), 300 senders exhaust the heap.
@test "echo_tcp: out of memory for a client refuses that client and serves the next" {
	needs_plain_binary "$ECHO_TCP"
	port=$(free_port)
	start_server tcp "$port" bash -c 'ulimit -v 12000 && exec "$0" "$1"' "$ECHO_TCP" "$port"
	start_bg hogs "$port" 300 >"$BATS_TEST_TMPDIR/hogs.out"
	NETPROG_TIMEOUT=60 wait_for_output "holding 300" "$BATS_TEST_TMPDIR/hogs.out"
	NETPROG_TIMEOUT=30 wait_for_output "no memory" "$SERVER_ERR" ||
		fail "300 clients whose echo the server must hold, under ulimit -v 12000: memory never ran out (server $(server_state "$SERVER_PID"))"
	kill -0 "$SERVER_PID" 2>/dev/null || fail "the server ended ($(server_state "$SERVER_PID")) when memory ran out: $(cat "$SERVER_ERR")"
	kill -TERM "$BG_PID"
	# Once the 300 are gone (and their buffers with them), a newcomer is served.
	deadline=$((SECONDS + NETPROG_TIMEOUT))
	while [ -n "$(ss -Htn state established "sport = :$port")" ]; do
		((SECONDS < deadline)) || fail "the 300 clients' connections stay open on the server's side"
		sleep 0.1
	done
	run -0 client "$PYTHON" -c "
import socket
s = socket.create_connection(('127.0.0.1', $port), timeout=5)
s.sendall(b'next'); s.shutdown(socket.SHUT_WR)
print(s.recv(100).decode())"
	assert_output 'next'
}
