#!/usr/bin/env bats
# chat [-l] HOST PORT: stdin to the peer and the peer to stdout at once (poll), stdin's
# EOF is a half-close, the end comes when both directions are done.  Against a second
# chat and against nc, both families; a peer that talks while we wait for stdin; 10 MB
# each way at once; -l takes one peer; refused is 69, a reset 74, bad arguments 64.
load ../helper
program CHAT ch08-clientserver/chat

PEER=$NETPROG_TOP/tests/lib/ch08_peer.py

# bg_in IN OUT ERR CMD...: start_bg with stdin, stdout and stderr redirected inside the
# background job itself (an asynchronous command of a non-interactive shell gets
# /dev/null as stdin unless the redirection is its own); fd 5, the held FIFO, closed.
bg_in() {
	local in=$1 out=$2 errs=$3
	shift 3
	"$@" <"$in" >"$out" 2>"$errs" 3>&- 5>&- &
	BG_PID=$!
	NETPROG_PIDS+=("$BG_PID")
}

# listen_chat INPUT HOST: chat -l on a kernel-chosen port, its stdin the file INPUT,
# stdout $LOUT, stderr $LERR; sets LPORT and LPID.
listen_chat() {
	local input=$1 host=$2
	NLISTENERS=$((${NLISTENERS:-0} + 1))
	LOUT=$BATS_TEST_TMPDIR/listener$NLISTENERS.out LERR=$BATS_TEST_TMPDIR/listener$NLISTENERS.err
	bg_in "$input" "$LOUT" "$LERR" "$CHAT" -l "$host" 0
	LPID=$BG_PID
	wait_for_output 'listening on port' "$LERR"
	LPORT=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$LERR")
	[ -n "$LPORT" ]
}

# held_stdin: a FIFO whose write end this test holds open on fd 5, so that a program
# reading it blocks for input until the test writes or closes fd 5 (EOF).
held_stdin() {
	FIFO=$BATS_TEST_TMPDIR/stdin.fifo
	mkfifo "$FIFO"
	exec 5<>"$FIFO"
}

# wait_size FILE N: wait, with a deadline, until FILE holds at least N bytes.
wait_size() {
	local deadline=$((SECONDS + NETPROG_TIMEOUT))
	until [ -f "$1" ] && (($(stat -c %s "$1") >= $2)); do
		((SECONDS < deadline)) || { echo "$1 did not reach $2 bytes within ${NETPROG_TIMEOUT}s" >&2; return 1; }
		sleep 0.02
	done
}

# ends_zero PID: wait for it and fail, saying how it ended, unless it exited 0.
ends_zero() {
	wait_exit "$1" || return 1
	[ "$EXIT_STATUS" -eq 0 ] || {
		echo "expected exit 0, got status $EXIT_STATUS (128+N is signal N); stderr:" >&2
		cat "$BATS_TEST_TMPDIR"/*.err >&2 2>/dev/null
		return 1
	}
}

@test "chat: two chats exchange a line each way, then both end 0 (each loopback)" {
	local host
	for host in "${LOOPBACKS[@]}"; do
		printf 'from the listener\n' >"$BATS_TEST_TMPDIR/l.in"
		printf 'from the caller\n' >"$BATS_TEST_TMPDIR/c.in"
		listen_chat "$BATS_TEST_TMPDIR/l.in" "$host"
		run -0 client "$CHAT" "$host" "$LPORT" <"$BATS_TEST_TMPDIR/c.in"
		assert_output 'from the listener'
		ends_zero "$LPID"
		[ "$(cat "$LOUT")" = 'from the caller' ]
	done
}

@test "chat -l ::: an IPv4 peer is taken and shown IPv4-mapped" {
	needs_ipv6
	printf 'hi\n' >"$BATS_TEST_TMPDIR/l.in"
	listen_chat "$BATS_TEST_TMPDIR/l.in" ::
	run -0 client "$CHAT" 127.0.0.1 "$LPORT" </dev/null
	assert_output 'hi'
	ends_zero "$LPID"
	grep -q '^connection from ::ffff:127\.0\.0\.1 port [0-9]*$' "$LERR"
}

@test "chat: talks to nc -l, both ways (each loopback)" {
	local host port out=$BATS_TEST_TMPDIR/nc.out
	for host in "${LOOPBACKS[@]}"; do
		port=$(free_port)
		printf 'from nc\n' >"$BATS_TEST_TMPDIR/nc.in"
		# -N: nc sends its FIN at its stdin's EOF, as chat does.
		bg_in "$BATS_TEST_TMPDIR/nc.in" "$out" /dev/null nc -N -l "$host" "$port"
		local nc=$BG_PID
		wait_listening tcp "$port" "$nc"
		run -0 client "$CHAT" "$host" "$port" < <(printf 'from chat\n')
		assert_output 'from nc'
		ends_zero "$nc"
		[ "$(cat "$out")" = 'from chat' ]
	done
}

@test "chat -l: nc connects and both ways work (each loopback)" {
	local host
	for host in "${LOOPBACKS[@]}"; do
		printf 'from chat\n' >"$BATS_TEST_TMPDIR/l.in"
		listen_chat "$BATS_TEST_TMPDIR/l.in" "$host"
		run -0 client nc -N "$host" "$LPORT" < <(printf 'from nc\n')
		assert_output 'from chat'
		ends_zero "$LPID"
		[ "$(cat "$LOUT")" = 'from nc' ]
	done
}

@test "chat: what the peer sends is printed while chat waits for stdin" {
	local port out=$BATS_TEST_TMPDIR/chat.out
	held_stdin
	port=$(free_port)
	# Without -N, nc keeps the connection open after its stdin's EOF.
	printf 'unprompted\n' >"$BATS_TEST_TMPDIR/nc.in"
	bg_in "$BATS_TEST_TMPDIR/nc.in" /dev/null /dev/null nc -l 127.0.0.1 "$port"
	local nc=$BG_PID
	wait_listening tcp "$port" "$nc"
	bg_in "$FIFO" "$out" "$BATS_TEST_TMPDIR/chat.err" "$CHAT" 127.0.0.1 "$port"
	local chat=$BG_PID
	# No byte on chat's stdin yet: a synchronous client would sit in read(0) here.
	wait_for_output 'unprompted' "$out"
	kill -0 "$chat"
	exec 5>&-
}

@test "chat: stdin's EOF is a half-close; the peer's answer after it still arrives" {
	local port
	port=$(free_port)
	start_bg "$PYTHON" "$PEER" late 127.0.0.1 "$port" 'sent after your FIN' </dev/null >"$BATS_TEST_TMPDIR/peer.out"
	wait_for_output ready "$BATS_TEST_TMPDIR/peer.out"
	run -0 client "$CHAT" 127.0.0.1 "$port" < <(printf 'four')
	assert_output 'sent after your FIN'
	wait_for_output 'EOF after 4 bytes' "$BATS_TEST_TMPDIR/peer.out"
}

@test "chat: the peer's FIN does not end chat while its stdin still has data to send" {
	local port
	held_stdin
	port=$(free_port)
	bg_in /dev/null "$BATS_TEST_TMPDIR/peer.out" /dev/null "$PYTHON" "$PEER" finfirst 127.0.0.1 "$port"
	wait_for_output ready "$BATS_TEST_TMPDIR/peer.out"
	bg_in "$FIFO" "$BATS_TEST_TMPDIR/chat.out" "$BATS_TEST_TMPDIR/chat.err" "$CHAT" 127.0.0.1 "$port"
	local chat=$BG_PID deadline=$((SECONDS + NETPROG_TIMEOUT))
	# chat's end of the connection is in CLOSE-WAIT once the peer's FIN is in.
	until [ -n "$(ss -Htn state close-wait "dport = :$port")" ]; do
		((SECONDS < deadline)) || { echo "chat's socket never reached CLOSE-WAIT" >&2; return 1; }
		sleep 0.02
	done
	kill -0 "$chat" || { echo "chat ended at the peer's FIN, with its stdin still open" >&2; return 1; }
	printf 'first ' >&5
	printf 'second' >&5
	exec 5>&-
	wait_for_output 'EOF after 12 bytes' "$BATS_TEST_TMPDIR/peer.out"
	ends_zero "$chat"
}

@test "chat: 10 MB each way at once between two chats, no deadlock, every byte (each loopback)" {
	local host
	head -c 10000000 /dev/urandom >"$BATS_TEST_TMPDIR/a"
	head -c 10000000 /dev/urandom >"$BATS_TEST_TMPDIR/b"
	for host in "${LOOPBACKS[@]}"; do
		listen_chat "$BATS_TEST_TMPDIR/a" "$host"
		client "$CHAT" "$host" "$LPORT" <"$BATS_TEST_TMPDIR/b" >"$BATS_TEST_TMPDIR/b.got" 2>"$BATS_TEST_TMPDIR/c.err" || {
			echo "the caller did not finish 10 MB each way with $host: status $?" >&2
			cat "$BATS_TEST_TMPDIR/c.err" >&2
			return 1
		}
		ends_zero "$LPID"
		cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b.got"
		cmp "$BATS_TEST_TMPDIR/b" "$LOUT"
	done
}

# Not both ways with nc: Debian's nc exits as soon as the network side reaches EOF,
# dropping what it has not yet sent, so the both-ways test is between two chats.
@test "chat: 10 MB from nc arrive whole, and chat's answer after them (127.0.0.1)" {
	local port
	held_stdin
	head -c 10000000 /dev/urandom >"$BATS_TEST_TMPDIR/a"
	port=$(free_port)
	bg_in "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/a.got" /dev/null nc -N -l 127.0.0.1 "$port"
	local nc=$BG_PID
	wait_listening tcp "$port" "$nc"
	bg_in "$FIFO" "$BATS_TEST_TMPDIR/b.got" "$BATS_TEST_TMPDIR/chat.err" "$CHAT" 127.0.0.1 "$port"
	local chat=$BG_PID
	wait_size "$BATS_TEST_TMPDIR/b.got" 10000000
	printf 'got it\n' >&5
	exec 5>&-
	ends_zero "$chat"
	ends_zero "$nc"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b.got"
	[ "$(cat "$BATS_TEST_TMPDIR/a.got")" = 'got it' ]
}

@test "chat -l: takes one peer, then stops listening" {
	held_stdin
	LOUT=$BATS_TEST_TMPDIR/listener.out LERR=$BATS_TEST_TMPDIR/listener.err
	bg_in "$FIFO" "$LOUT" "$LERR" "$CHAT" -l 127.0.0.1 0
	LPID=$BG_PID
	wait_for_output 'listening on port' "$LERR"
	LPORT=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$LERR")
	bg_in /dev/null /dev/null /dev/null nc 127.0.0.1 "$LPORT"
	wait_for_output 'connection from' "$LERR"
	run -69 --separate-stderr client "$CHAT" 127.0.0.1 "$LPORT" </dev/null
	[[ $stderr == *"Connection refused"* ]]
	exec 5>&-
}

@test "chat: a peer that resets the connection is an I/O error (74)" {
	local port
	held_stdin
	port=$(free_port)
	bg_in /dev/null "$BATS_TEST_TMPDIR/peer.out" /dev/null "$PYTHON" "$PEER" reset 127.0.0.1 "$port"
	wait_for_output ready "$BATS_TEST_TMPDIR/peer.out"
	run -74 --separate-stderr client "$CHAT" 127.0.0.1 "$port" <"$FIFO"
	[[ $stderr == *"reset"* ]]
	exec 5>&-
}

@test "chat: nothing listening is 'Connection refused' and 69 (each loopback)" {
	local host
	for host in "${LOOPBACKS[@]}"; do
		run -69 --separate-stderr client "$CHAT" "$host" "$(free_port)" </dev/null
		[[ $stderr == *"Connection refused"* ]]
	done
}

@test "chat -l: a port in use is 71 with the system's reason" {
	local port
	port=$(free_port)
	start_bg nc -l 127.0.0.1 "$port" </dev/null
	wait_listening tcp "$port" "$BG_PID"
	run -71 --separate-stderr client "$CHAT" -l 127.0.0.1 "$port" </dev/null
	[[ $stderr == *"Address already in use"* ]]
}

@test "chat: wrong arguments and bad ports are usage errors (64)" {
	local port
	run -64 --separate-stderr "$CHAT"
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$CHAT" ::1
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$CHAT" -x ::1 5000
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$CHAT" ::1 5000 extra
	[[ $stderr == *usage* ]]
	for port in '' abc -1 65536 5x ' 80' +80 99999999999999999999; do
		run -64 --separate-stderr "$CHAT" ::1 "$port"
		[[ $stderr == *usage* ]]
	done
}
