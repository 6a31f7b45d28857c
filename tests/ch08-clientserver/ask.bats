#!/usr/bin/env bats
# ask [-w SECONDS] HOST PORT LINE: one request line (CR LF added), our FIN, then the
# whole answer on stdout until the server closes; both families; a silent server is
# 75 after SECONDS; refused is 69; bad arguments are 64.
load ../helper
load ../lib/fake_dns
program ASK ch08-clientserver/ask
program CH08_ECHO_PEER exercises/ch08-clientserver/echo_tcp

PEER=$NETPROG_TOP/tests/lib/ch08_peer.py

# start_peer8 MODE HOST PORT [TEXT]: a scripted server, waited for.
start_peer8() {
	local out=$BATS_TEST_TMPDIR/peer.out
	start_bg "$PYTHON" "$PEER" "$@" </dev/null >"$out"
	PEER_PID=$BG_PID
	wait_for_output ready "$out"
}

@test "ask: the echo server sends back the line and its CR LF (each loopback)" {
	local host port
	for host in "${LOOPBACKS[@]}"; do
		port=$(free_port)
		start_server tcp "$port" "$CH08_ECHO_PEER" "$port"
		run -0 --separate-stderr client "$ASK" "$host" "$port" 'hello, echo'
		[ "$output" = $'hello, echo\r' ] || {
			echo "sent 'hello, echo' to $host; expected it back with CR LF; got: $(printf %q "$output")" >&2
			return 1
		}
	done
}

@test "ask: a finger-shaped server gets exactly one line ending in CR LF (each loopback)" {
	local host port
	for host in "${LOOPBACKS[@]}"; do
		port=$(free_port)
		start_peer8 finger "$host" "$port"
		run -0 client "$ASK" "$host" "$port" 'alice'
		assert_output $'query: alice\r'
	done
}

@test "ask: the whole answer is read, as long as argv allows (131 KB through echo_tcp via ::1)" {
	needs_ipv6
	local port line
	port=$(free_port)
	start_server tcp "$port" "$CH08_ECHO_PEER" "$port"
	line=$(head -c 750000 /dev/urandom | base64 -w0)
	client "$ASK" ::1 "$port" "${line:0:131000}" >"$BATS_TEST_TMPDIR/answer"
	printf '%s\r\n' "${line:0:131000}" | cmp - "$BATS_TEST_TMPDIR/answer"
}

@test "ask: data the server sends after our FIN is still printed (127.0.0.1)" {
	local port
	port=$(free_port)
	start_peer8 late 127.0.0.1 "$port" 'after your FIN'
	run -0 client "$ASK" 127.0.0.1 "$port" 'x'
	assert_output 'after your FIN'
	wait_for_output 'EOF after 3 bytes' "$BATS_TEST_TMPDIR/peer.out"
}

@test "ask: a server silent for -w 1 second is a timeout (75), not a hang" {
	local port
	port=$(free_port)
	start_peer8 silent 127.0.0.1 "$port"
	run -75 --separate-stderr client "$ASK" -w 1 127.0.0.1 "$port" 'anyone?'
	assert_output ''
	[[ $stderr == *"within 1 s"* ]]
}

@test "ask: a server that resets the connection is an I/O error (74)" {
	local port
	port=$(free_port)
	start_peer8 reset 127.0.0.1 "$port"
	run -74 --separate-stderr client "$ASK" 127.0.0.1 "$port" 'hello'
	[[ $stderr == *"reset"* || $stderr == *"Broken pipe"* ]]
}

@test "ask: nothing listening is 'Connection refused' and 69 (each loopback)" {
	local host
	for host in "${LOOPBACKS[@]}"; do
		run -69 --separate-stderr client "$ASK" "$host" "$(free_port)" hello
		[[ $stderr == *"Connection refused"* ]]
	done
}

@test "ask: an unknown host is 68" {
	# The fake DNS answers NXDOMAIN (tests/lib/with_fake_dns): the real one may be
	# unreachable from here, which is 75 (a temporary failure), not 68.
	need_names
	run -68 --separate-stderr fake_dns -- "$ASK" no-such-host.invalid 5000 hello
	[[ $stderr == *no-such-host.invalid* ]]
}

@test "ask: a LINE with CR or LF in it is refused (64), nothing is sent" {
	run -64 --separate-stderr "$ASK" 127.0.0.1 5000 $'two\nlines'
	[[ $stderr == *"one line"* ]]
	run -64 --separate-stderr "$ASK" 127.0.0.1 5000 $'cr\rhere'
	[[ $stderr == *"one line"* ]]
}

@test "ask: wrong argument counts and bad ports are usage errors (64)" {
	local port
	run -64 --separate-stderr "$ASK"
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$ASK" ::1 5000
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$ASK" ::1 5000 a b
	[[ $stderr == *usage* ]]
	for port in '' abc -1 65536 5x ' 80' +80 99999999999999999999; do
		run -64 --separate-stderr "$ASK" ::1 "$port" hello
		[[ $stderr == *usage* ]]
	done
}

@test "ask: -w takes whole seconds 1..3600 only (64)" {
	local w
	for w in 0 -1 x 1.5 3601 ''; do
		run -64 --separate-stderr "$ASK" -w "$w" ::1 5000 hello
		[ -n "$stderr" ]
	done
}
