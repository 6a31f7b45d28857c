#!/usr/bin/env bats
# recv_n_tcp PORT: the fork-per-connection server.  One dual-stack listener on the
# wildcard address; every client served at once by its own child; reports
# "Received from ADDR:PORT", "Data from ADDR:PORT (N bytes)" + N bytes + newline,
# "Closed ADDR:PORT (N bytes)" or "Reset ADDR:PORT (N bytes): REASON"; children closed,
# reaped and never zombies; hostile clients do not stop it.
load ../helper
load ../lib/ch06_uniplex
load ../lib/ch07_servers
load ../lib/ours
program RECV_N_TCP ch07-multiplex/recv_n_tcp

@test "recv_n_tcp: three clients at once are all served at once (::1)" {
	needs_ipv6
	ch07_three_at_once "$RECV_N_TCP" ::1
}

@test "recv_n_tcp: three clients at once are all served at once (127.0.0.1)" {
	ch07_three_at_once "$RECV_N_TCP" 127.0.0.1
}

@test "recv_n_tcp: listens on the wildcard address, not on loopback only" {
	ch07_wildcard "$RECV_N_TCP"
}

# A child that kept the listening socket would keep the port open after the parent
# ends, and could accept connections nobody serves: while a child serves a client,
# only one process (the parent) holds the listening socket.
@test "recv_n_tcp: only the parent holds the listening socket while a child serves" {
	local port
	port=$(free_port)
	start_server tcp "$port" "$RECV_N_TCP" "$port"
	start_py tcp-hold "${LOOPBACKS[-1]}" "$port" busy
	wait_for_output busy
	[ "$(children "$SERVER_PID")" -eq 1 ]
	run ss -Hltnp "sport = :$port"
	assert_output --partial "pid=$SERVER_PID,"
	[ "$(grep -o 'pid=' <<<"$output" | wc -l)" -eq 1 ]
}

@test "recv_n_tcp: every byte value and 1 MiB of random bytes arrive intact (::1)" {
	needs_ipv6
	ch07_binary "$RECV_N_TCP" ::1
}

@test "recv_n_tcp: every byte value and 1 MiB of random bytes arrive intact (127.0.0.1)" {
	ch07_binary "$RECV_N_TCP" 127.0.0.1
}

@test "recv_n_tcp: a half-close gets the server's EOF back (::1)" {
	needs_ipv6
	ch07_half_close "$RECV_N_TCP" ::1
}

@test "recv_n_tcp: a half-close gets the server's EOF back (127.0.0.1)" {
	ch07_half_close "$RECV_N_TCP" 127.0.0.1
}

@test "recv_n_tcp: resets at once and mid-stream do not stop it, descriptors come back" {
	ch07_resets "$RECV_N_TCP"
}

@test "recv_n_tcp: 500 rapid connects leave no zombie and no descriptor behind" {
	ch07_rapid "$RECV_N_TCP" 250
}

# 64 is the cap on children (the tests at the end): as many as it serves at once.
@test "recv_n_tcp: 64 clients held at once are all served" {
	ch07_many "$RECV_N_TCP" 64
}

@test "recv_n_tcp: a client that never reads does not stop another" {
	ch07_never_reads "$RECV_N_TCP"
}

@test "recv_n_tcp: a flood past the descriptor limit is no busy loop, and it serves after" {
	ch07_emfile "$RECV_N_TCP" 0
}

@test "recv_n_tcp: SIGTERM and SIGINT end it with 0, idle or serving" {
	ch07_signals "$RECV_N_TCP"
}

# PR_SET_PDEATHSIG or the like: a child left behind would hold its client forever.
@test "recv_n_tcp: the child serving a client ends with the server" {
	local port child
	port=$(free_port)
	start_server tcp "$port" "$RECV_N_TCP" "$port"
	start_py tcp-hold 127.0.0.1 "$port" busy
	wait_for_output busy
	wait_children "$SERVER_PID" 1
	child=$(cat /proc/"$SERVER_PID"/task/*/children)
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	[ "$EXIT_STATUS" -eq 0 ]
	local deadline=$((SECONDS + NETPROG_TIMEOUT))
	while kill -0 "$child" 2>/dev/null && ((SECONDS < deadline)); do
		sleep 0.05
	done
	run kill -0 "$child"
	assert_failure
}

@test "recv_n_tcp: on a kernel without IPv6 (no AF_INET6 sockets) it serves IPv4 clients" {
	ch07_no_inet6 "$RECV_N_TCP"
}

@test "recv_n_tcp: a port in use is the system's message and 71" {
	ch07_port_in_use "$RECV_N_TCP"
}

@test "recv_n_tcp: bad arguments are usage errors (64)" {
	ch07_usage "$RECV_N_TCP"
}

# A fork per connection without a cap: 5,000 idle connections were 5,000 processes.
# 70 clients connect (all complete in the kernel's queue); each connected one sends
# "ping" on USR2.  With the cap, 64 are accepted and served, 6 wait in the queue;
# once the 70 close, the 6 are served too.
@test "recv_n_tcp: at most 64 children; more clients wait in the queue, then are served" {
	local port holder
	port=$(free_port)
	start_server tcp "$port" "$RECV_N_TCP" "$port"
	start_cpeer hold 127.0.0.1 "$port" 70 >"$BATS_TEST_TMPDIR/hold.out"
	holder=$BG_PID
	wait_for_output "connected 70" "$BATS_TEST_TMPDIR/hold.out"
	wait_lines '^Received from ' 64
	kill -USR2 "$holder"
	wait_lines '^Data from .* \(4 bytes\)$' 64
	received=$(grep -c '^Received from ' "$SERVER_OUT")
	kids=$(children "$SERVER_PID")
	[ "$received" -eq 64 ] && [ "$kids" -le 64 ] ||
		fail "70 idle clients connected: expected 64 accepted and at most 64 children, got $received accepted and $kids children (server $(server_state "$SERVER_PID"))"
	kill -TERM "$holder"
	wait_lines '^Received from ' 70
	wait_children "$SERVER_PID" 0
}

# A client that connects and says nothing held its child for ever.
@test "recv_n_tcp: a silent client is dropped after -t SECONDS (Connection timed out)" {
	local port
	port=$(free_port)
	start_server tcp "$port" "$RECV_N_TCP" -t 1 "$port"
	start_cpeer hold 127.0.0.1 "$port" 1 >"$BATS_TEST_TMPDIR/hold.out"
	wait_lines '^Reset 127\.0\.0\.1:[0-9]+ \(0 bytes\): Connection timed out$' 1 ||
		fail "a client silent for 1 s was not dropped with -t 1 (server $(server_state "$SERVER_PID")); output: $(cat "$SERVER_OUT")"
}

@test "recv_n_tcp: -t takes a decimal 1..3600 and nothing else (64)" {
	for t in 0 3601 ' 2' +2 2x ''; do
		run -64 client "$RECV_N_TCP" -t "$t" 5000
		assert_output --partial 'usage'
	done
}

@test "recv_n_tcp: port 0 says 'listening on port N' on stderr" {
	assert_says_listening tcp "$RECV_N_TCP"
}

# The flood test above cannot drive the fork server's parent into EMFILE: it closes
# each connection once it has forked.  Here the parent's own limit is lowered, while
# it runs, to its lowest free descriptor, so that its next accept fails with EMFILE.
# The connection must then be refused (accepted and closed at once: the client sees
# its end), not left queued while the parent polls a listening socket that stays
# readable (a busy loop that also never serves the client).
@test "recv_n_tcp: accept failing with EMFILE in the parent refuses the client, without a busy loop" {
	local port n before after c
	needs_tool prlimit util-linux
	port=$(free_port)
	start_server tcp "$port" "$RECV_N_TCP" "$port"
	# One client served first: the server is in its loop, every descriptor of its own open.
	run -0 peer tcp-send 127.0.0.1 "$port" first
	wait_for_output ' (5 bytes)'
	wait_children "$SERVER_PID" 0
	n=0
	while [ -e "/proc/$SERVER_PID/fd/$n" ]; do
		n=$((n + 1))
	done
	prlimit --pid "$SERVER_PID" --nofile="$n":
	start_py tcp-send 127.0.0.1 "$port" >"$BATS_TEST_TMPDIR/c.out" 2>"$BATS_TEST_TMPDIR/c.err"
	c=$BG_PID
	wait_lines '^[0-9]+$' 1 "$BATS_TEST_TMPDIR/c.out"
	before=$(cpu_ticks "$SERVER_PID")
	sleep 1	# a measuring window, not a synchronisation
	after=$(cpu_ticks "$SERVER_PID")
	((after - before < 25)) ||
		fail "descriptor limit $n, one client: the server used $((after - before)) CPU ticks in 1 s (a busy loop; server $(server_state "$SERVER_PID"))"
	wait_lines '^Refused (127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]):[0-9]+: Too many open files$' 1 ||
		fail "descriptor limit $n: no 'Refused ADDR:PORT: Too many open files' (server $(server_state "$SERVER_PID"))"
	wait_exit "$c" ||
		fail "descriptor limit $n: the client was neither served nor closed within ${NETPROG_TIMEOUT}s (left in the queue)"
	grep -q 'EOF after 0 bytes' "$BATS_TEST_TMPDIR/c.out" || grep -q 'ConnectionResetError' "$BATS_TEST_TMPDIR/c.err" ||
		fail "the refused client saw neither EOF nor a reset: $(cat "$BATS_TEST_TMPDIR/c.out" "$BATS_TEST_TMPDIR/c.err")"
	kill -0 "$SERVER_PID"
}

# Chapter 5 says every server should set SO_REUSEADDR; the text's servers never do.
# The end that closes first waits in TIME_WAIT (60 s on Linux): here the child, which
# drops a silent client after -t 1.  Without the option, a restart on the port fails
# with "Address already in use" for as long as that lasts.
@test "recv_n_tcp: restarts at once on a port whose last connection is in TIME_WAIT" {
	local port holder
	port=$(free_port)
	start_server tcp "$port" "$RECV_N_TCP" -t 1 "$port"
	start_cpeer hold 127.0.0.1 "$port" 1 >"$BATS_TEST_TMPDIR/hold.out"
	holder=$BG_PID
	wait_lines '^Reset .*: Connection timed out$' 1
	# The report comes before the child's close: wait until the client has the server's FIN.
	kick_until USR1 "$holder" 'eof 1' "$BATS_TEST_TMPDIR/hold.out"
	kill -TERM "$holder"
	wait_exit "$holder"
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	[ "$EXIT_STATUS" -eq 0 ]
	run ss -Htan state time-wait "sport = :$port"
	[ -n "$output" ] || fail "no connection of port $port is in TIME_WAIT: the test shows nothing"
	start_server tcp "$port" "$RECV_N_TCP" "$port" ||
		fail "a restart on port $port with its last connection in TIME_WAIT failed: $(cat "$SERVER_ERR")"
	run -0 peer tcp-send 127.0.0.1 "$port" again
	wait_for_output ' (5 bytes)'
}
