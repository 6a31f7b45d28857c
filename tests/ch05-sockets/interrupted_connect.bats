#!/usr/bin/env bats
# interrupted_connect: EINTR from a blocking connect() does not end the handshake.
load ../helper
source "$NETPROG_TOP/tests/lib/sandbox.bash"
program INTERRUPTED_CONNECT ch05-sockets/interrupted_connect

FULL_BACKLOG=$BATS_TEST_DIRNAME/../lib/full_backlog.py
INTERRUPTED="connect interrupted after 1 s; waiting with poll"

# A listener on $1 port $2 whose accept queue is full, so SYNs are dropped;
# its PID in $BACKLOG_PID.  SIGUSR1 makes it accept.  A longer deadline: a
# python3 behind a version-manager shim can take seconds just to start.
start_full_backlog() {
	local NETPROG_TIMEOUT=$((NETPROG_TIMEOUT > 30 ? NETPROG_TIMEOUT : 30))
	start_bg "${PYTHON:-python3}" "$FULL_BACKLOG" "$1" "$2" >"$BATS_TEST_TMPDIR/backlog.out"
	BACKLOG_PID=$BG_PID
	wait_listening tcp "$2" "$BACKLOG_PID"
	wait_for_output "ready" "$BATS_TEST_TMPDIR/backlog.out"
}

# interrupted_connect $@ in the background: stdout to $IC_OUT, stderr to $IC_ERR.
start_connect() {
	IC_OUT=$BATS_TEST_TMPDIR/ic.out IC_ERR=$BATS_TEST_TMPDIR/ic.err
	start_bg "$INTERRUPTED_CONNECT" "$@" <&- >"$IC_OUT" 2>"$IC_ERR"
	IC_PID=$BG_PID
}

# The SYN is dropped, the alarm interrupts connect() after 1 s, the listener
# starts accepting, and a retransmitted SYN completes the handshake that the
# program waits for with poll: without a second connect().
interrupted_then_connected() {
	local addr=$1 port
	port=$(free_port)
	start_full_backlog "$addr" "$port"
	start_connect "$addr" "$port" 1
	wait_for_output "$INTERRUPTED" "$IC_OUT"
	kill -USR1 "$BACKLOG_PID"
	wait_exit "$IC_PID"
	run cat "$IC_OUT"
	assert_output "$INTERRUPTED
connected to $addr port $port"
	[ "$EXIT_STATUS" -eq 0 ]
}

# A normal listener: connect() finishes before any alarm.
connected_at_once() {
	local addr=$1 port
	port=$(free_port)
	start_bg nc -l "$addr" "$port" </dev/null >/dev/null
	wait_listening tcp "$port" "$BG_PID"
	run -0 --separate-stderr client "$INTERRUPTED_CONNECT" "$addr" "$port" 5
	assert_output "connected to $addr port $port"
}

refused() {
	local addr=$1 port
	port=$(free_port)
	run -69 --separate-stderr client "$INTERRUPTED_CONNECT" "$addr" "$port" 5
	assert_output ""
	[[ $stderr == *refused* ]]
}

# Runs the shell commands $1 in a user+net+mount namespace with lo up, where
# /etc/hosts holds both.test = ::1 and 127.0.0.1 and only /etc/hosts is
# consulted; skips the test if that cannot be set up here.
run_in_private_hosts() {
	printf '::1 both.test\n127.0.0.1 both.test\n' >"$BATS_TEST_TMPDIR/hosts"
	printf 'hosts: files\n' >"$BATS_TEST_TMPDIR/nsswitch.conf"
	netprog_unshare nm || skip "no network and mount namespaces can be made here"
	run "${NETPROG_UNSHARE[@]}" sh -c '
		ip link set lo up &&
		mount --bind "$1/hosts" /etc/hosts &&
		mount --bind "$1/nsswitch.conf" /etc/nsswitch.conf || exit 99
		'"$1" sh "$BATS_TEST_TMPDIR"
	[ "$status" -ne 99 ] || skip "cannot bind-mount /etc/hosts in a mount namespace here"
}

@test "interrupted_connect connects to a listener on ::1 without interruption" {
	needs_ipv6
	connected_at_once ::1
}

@test "interrupted_connect connects to a listener on 127.0.0.1 without interruption" {
	connected_at_once 127.0.0.1
}

@test "interrupted_connect to ::1: interrupted by the alarm, finished with poll" {
	needs_ipv6
	interrupted_then_connected ::1
}

@test "interrupted_connect to 127.0.0.1: interrupted by the alarm, finished with poll" {
	interrupted_then_connected 127.0.0.1
}

@test "interrupted_connect exits 69 when ::1 refuses" {
	needs_ipv6
	refused ::1
}

@test "interrupted_connect exits 69 when 127.0.0.1 refuses" {
	refused 127.0.0.1
}

@test "interrupted_connect tries every address: ::1 refuses, 127.0.0.1 answers" {
	# A private namespace: port 5000 cannot be anybody else's there.
	run_in_private_hosts '
		nc -l 127.0.0.1 5000 </dev/null >/dev/null 2>&1 3>&- &
		nc=$!
		i=0
		until [ -n "$(ss -Hltn "sport = :5000")" ]; do
			i=$((i + 1)); [ $i -lt 500 ] || exit 98
			sleep 0.02
		done
		timeout 10 "$INTERRUPTED_CONNECT" both.test 5000 5 2>/dev/null
		rc=$?
		kill $nc 2>/dev/null
		exit $rc'
	[ "$status" -eq 0 ]
	assert_output "connected to 127.0.0.1 port 5000"
}

@test "interrupted_connect exits 69 when every address of a name refuses" {
	run_in_private_hosts 'timeout 10 "$INTERRUPTED_CONNECT" both.test 5000 5'
	[ "$status" -eq 69 ]
	assert_output --partial "refused"
}

@test "interrupted_connect exits 68 for a name that does not resolve" {
	run_in_private_hosts 'timeout 10 "$INTERRUPTED_CONNECT" no-such-host.invalid 5000 5'
	[ "$status" -eq 68 ]
}

@test "interrupted_connect exits 75 when the kernel gives up on the SYNs after the interruption" {
	netprog_unshare n || skip "no network namespace can be made here"
	"${NETPROG_UNSHARE[@]}" sh -c 'echo 1 >/proc/sys/net/ipv4/tcp_syn_retries' 2>/dev/null ||
		skip "this kernel refuses net.ipv4.tcp_syn_retries in a user+net namespace"
	# One SYN retransmission, then ETIMEDOUT: well before poll's own limit.
	run "${NETPROG_UNSHARE[@]}" sh -c '
		ip link set lo up
		echo 1 >/proc/sys/net/ipv4/tcp_syn_retries
		"$3" "$1" ::1 5000 >"$2/backlog.out" 3>&- &
		py=$!
		i=0
		until grep -qs ready "$2/backlog.out"; do
			i=$((i + 1)); [ $i -lt 1500 ] || exit 98
			sleep 0.02
		done
		timeout 20 "$INTERRUPTED_CONNECT" ::1 5000 1 2>/dev/null
		rc=$?
		kill $py
		exit $rc' sh "$FULL_BACKLOG" "$BATS_TEST_TMPDIR" "${PYTHON:-python3}"
	[ "$status" -eq 75 ]
	assert_output "$INTERRUPTED"
}

@test "interrupted_connect exits 75 when poll has waited 30 s in vain (slow)" {
	local NETPROG_TIMEOUT=45
	port=$(free_port)
	start_full_backlog 127.0.0.1 "$port"
	start_connect 127.0.0.1 "$port" 1
	wait_for_output "$INTERRUPTED" "$IC_OUT"
	wait_exit "$IC_PID"
	[ "$EXIT_STATUS" -eq 75 ]
	run cat "$IC_OUT"
	assert_output "$INTERRUPTED"
}

@test "interrupted_connect rejects bad arguments with a usage message and 64" {
	local args
	for args in "" "::1" "::1 5000" "::1 5000 1 x" "::1 abc 1" "::1 -1 1" \
	    "::1 65536 1" "::1 5x 1" "::1 0 1" "::1 5000 0" "::1 5000 3601" \
	    "::1 5000 -1" "::1 5000 1x" "::1 5000 abc"; do
		# shellcheck disable=SC2086 # word splitting is the point
		run -64 "$INTERRUPTED_CONNECT" $args
		assert_output --partial usage
	done
	run -64 "$INTERRUPTED_CONNECT" ::1 "" 1
	run -64 "$INTERRUPTED_CONNECT" ::1 5000 ""
}
