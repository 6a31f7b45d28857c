#!/usr/bin/env bats
# unix_echo [-l] PATH: echo over AF_UNIX stream sockets, a file-system path or @name
# (abstract); SO_PEERCRED shown per client; a stale socket file is replaced, a live
# server's or a non-socket file never; the file goes on SIGTERM; the client relays
# stdin and stdout at once; bad PATHs are 64, no server 69.
load ../helper
program UNIX_ECHO ch05-sockets/unix_echo

# serve PATH: start the server on PATH and wait for its "listening on PATH".
serve() {
	SRV_ERR=$BATS_TEST_TMPDIR/srv$((++NSRV)).err
	"$UNIX_ECHO" -l "$1" </dev/null >/dev/null 2>"$SRV_ERR" 3>&- &
	SRV_PID=$!
	NETPROG_PIDS+=("$SRV_PID")
	wait_for_output "listening on $1" "$SRV_ERR"
}

@test "unix_echo: a line comes back through a socket file, from our client and from nc -U" {
	local sock=$BATS_TEST_TMPDIR/echo.sock
	serve "$sock"
	[ -S "$sock" ]
	run -0 client "$UNIX_ECHO" "$sock" < <(printf 'hello\n')
	assert_output 'hello'
	run -0 client nc -N -U "$sock" < <(printf 'via nc\n')
	assert_output 'via nc'
}

@test "unix_echo: @name lives in the abstract namespace: it echoes and makes no file" {
	local name=@netprog-echo-$$-$RANDOM
	cd "$BATS_TEST_TMPDIR"
	serve "$name"
	run -0 client "$UNIX_ECHO" "$name" < <(printf 'abstract\n')
	assert_output 'abstract'
	[ -z "$(ls -A "$BATS_TEST_TMPDIR" | grep -v '^srv')" ]
	grep -q " $name\$" /proc/net/unix
}

@test "unix_echo: each client's pid, uid and gid are printed from SO_PEERCRED" {
	local sock=$BATS_TEST_TMPDIR/echo.sock pid
	serve "$sock"
	pid=$(client "$PYTHON" -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
print(os.getpid(), flush=True)
s.sendall(b"x"); s.shutdown(socket.SHUT_WR); s.recv(1)' "$sock")
	wait_for_output "client pid $pid uid $(id -u) gid $(id -g)" "$SRV_ERR"
}

@test "unix_echo: 10 MB echoed whole while the client sends (both directions at once)" {
	local sock=$BATS_TEST_TMPDIR/echo.sock
	serve "$sock"
	head -c 10000000 /dev/urandom >"$BATS_TEST_TMPDIR/data"
	client "$UNIX_ECHO" "$sock" <"$BATS_TEST_TMPDIR/data" >"$BATS_TEST_TMPDIR/back"
	cmp "$BATS_TEST_TMPDIR/data" "$BATS_TEST_TMPDIR/back"
}

@test "unix_echo: twenty clients at once each get their own bytes back" {
	local sock=$BATS_TEST_TMPDIR/echo.sock i pids=()
	serve "$sock"
	for i in $(seq 20); do
		client "$UNIX_ECHO" "$sock" < <(printf 'client %d\n' "$i") >"$BATS_TEST_TMPDIR/c$i" 3>&- &
		pids+=($!)
	done
	for i in $(seq 20); do
		wait "${pids[i - 1]}"
		[ "$(cat "$BATS_TEST_TMPDIR/c$i")" = "client $i" ]
	done
}

@test "unix_echo: the socket file of a killed server is found stale and replaced" {
	local sock=$BATS_TEST_TMPDIR/echo.sock
	serve "$sock"
	kill -KILL "$SRV_PID"
	wait "$SRV_PID" 2>/dev/null || true
	[ -S "$sock" ]
	# The file outlives its socket: connecting is refused, a plain bind would say EADDRINUSE.
	run -69 --separate-stderr client "$UNIX_ECHO" "$sock" </dev/null
	[[ $stderr == *"Connection refused"* ]]
	serve "$sock"
	grep -q "removed the stale socket $sock" "$SRV_ERR"
	run -0 client "$UNIX_ECHO" "$sock" < <(printf 'again\n')
	assert_output 'again'
}

@test "unix_echo: a live server's socket is not taken over (71), and it keeps serving" {
	local sock=$BATS_TEST_TMPDIR/echo.sock
	serve "$sock"
	run -71 --separate-stderr client "$UNIX_ECHO" -l "$sock" </dev/null
	[[ $stderr == *"a server is listening there"* ]]
	run -0 client "$UNIX_ECHO" "$sock" < <(printf 'still here\n')
	assert_output 'still here'
}

@test "unix_echo: a PATH that is not a socket is refused (71) and left as it was" {
	local file=$BATS_TEST_TMPDIR/precious
	printf 'keep me\n' >"$file"
	run -71 --separate-stderr client "$UNIX_ECHO" -l "$file" </dev/null
	[[ $stderr == *"not a socket"* ]]
	[ "$(cat "$file")" = 'keep me' ]
}

@test "unix_echo: SIGTERM and SIGINT end the server with 0 and remove its socket file" {
	local sock=$BATS_TEST_TMPDIR/echo.sock sig
	for sig in TERM INT; do
		SRV_ERR=$BATS_TEST_TMPDIR/srv$sig.err
		env --default-signal=INT "$UNIX_ECHO" -l "$sock" </dev/null 2>"$SRV_ERR" 3>&- &
		SRV_PID=$!
		NETPROG_PIDS+=("$SRV_PID")
		wait_for_output "listening on $sock" "$SRV_ERR"
		kill -"$sig" "$SRV_PID"
		wait_exit "$SRV_PID"
		[ "$EXIT_STATUS" -eq 0 ]
		[ ! -e "$sock" ]
	done
}

@test "unix_echo: no server at PATH is 69" {
	run -69 --separate-stderr client "$UNIX_ECHO" "$BATS_TEST_TMPDIR/nobody.sock" </dev/null
	[[ $stderr == *"No such file"* ]]
	run -69 --separate-stderr client "$UNIX_ECHO" "@netprog-nobody-$$-$RANDOM" </dev/null
	[[ $stderr == *"Connection refused"* ]]
}

@test "unix_echo: wrong arguments, an empty or too long PATH are usage errors (64)" {
	run -64 --separate-stderr "$UNIX_ECHO"
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$UNIX_ECHO" a b
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$UNIX_ECHO" -x a
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$UNIX_ECHO" ''
	[[ $stderr == *PATH* ]]
	run -64 --separate-stderr "$UNIX_ECHO" @
	[[ $stderr == *PATH* ]]
	# sun_path holds 108 bytes, the NUL included: 107 is the longest path.
	run -64 --separate-stderr "$UNIX_ECHO" -l "/tmp/$(printf 'x%.0s' $(seq 104))"
	[[ $stderr == *PATH* ]]
}
