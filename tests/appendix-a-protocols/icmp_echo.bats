#!/usr/bin/env bats
# icmp_echo: echo requests over datagram ICMP sockets, compared with Debian's ping on
# 127.0.0.1 and ::1 (replies, sequence numbers, TTL / hop limit, the counts); the sysctl
# net.ipv4.ping_group_range decides who may open such a socket; no reply is 69.  Each
# test runs in a private network namespace, whose sysctls are its own.
load ../helper
program ICMP_ECHO appendix-a-protocols/icmp_echo

setup() {
	netprog_setup
	if unshare -n true 2>/dev/null; then
		NETNS_HOW=-n
	elif unshare -rn true 2>/dev/null; then
		NETNS_HOW=-rn
	else
		skip "no network namespace can be made here (a container or chroot without CAP_SYS_ADMIN)"
	fi
}

# in_ns RANGE SCRIPT ARGS...: bash SCRIPT in a new network namespace with lo up and
# net.ipv4.ping_group_range set to RANGE there (the host's value is not touched).  In a user
# namespace of our own (unshare -rn) only our gid, 0 there, can be named: "everyone" is "0 0";
# and "1 0" (no one), a new namespace's default, is read, not written (the kernel refuses a
# gid the namespace does not map).
in_ns() {
	local range=$1 script=$2
	shift 2
	if [ "$NETNS_HOW" = -rn ]; then
		case $range in
		'0 2147483647') range='0 0' ;;
		# "1 0", no one: a new namespace's default, shown there as 65534 65534 (unmapped).
		'1 0') range='65534 65534' ;;
		esac
	fi
	ICMP_ECHO=$ICMP_ECHO timeout -k 1 60 unshare "$NETNS_HOW" bash -c '
		ip link set lo up || exit 99
		[ "$(tr -s "\t" " " </proc/sys/net/ipv4/ping_group_range)" = "$0" ] ||
			sysctl -qw net.ipv4.ping_group_range="$0" || exit 98
		'"$script" "$range" "$@"
}

# agrees_with_ping HOST: three replies each, the same sequence numbers and TTL, the same counts.
agrees_with_ping() {
	command -v ping >/dev/null || skip "ping is not installed (iputils-ping)"
	run -0 in_ns '0 2147483647' '
		"$ICMP_ECHO" -c 3 -i 0.2 "$1" >"$2/ours" || exit 1
		ping -c 3 -i 0.2 "$1" >"$2/ping" || exit 2' "$1" "$BATS_TEST_TMPDIR"
	local ours theirs
	ours=$(sed -n 's/^\(64 bytes from .*: icmp_seq=[0-9]* ttl=[0-9]*\) time=.*/\1/p' "$BATS_TEST_TMPDIR/ours")
	theirs=$(sed -n 's/^\(64 bytes from .*: icmp_seq=[0-9]* ttl=[0-9]*\) time=.*/\1/p' "$BATS_TEST_TMPDIR/ping")
	[ "$ours" = "$theirs" ] || {
		printf 'icmp_echo:\n%s\nping:\n%s\n' "$(cat "$BATS_TEST_TMPDIR/ours")" "$(cat "$BATS_TEST_TMPDIR/ping")" >&2
		return 1
	}
	[ "$(grep -c '^64 bytes' <<<"$ours")" -eq 3 ]
	grep -q '^3 packets transmitted, 3 received, 0% packet loss' "$BATS_TEST_TMPDIR/ours"
	grep -q '^3 packets transmitted, 3 received, 0% packet loss' "$BATS_TEST_TMPDIR/ping"
	grep -Eq '^rtt min/avg/max = [0-9.]+/[0-9.]+/[0-9.]+ ms$' "$BATS_TEST_TMPDIR/ours"
}

@test "icmp_echo: three echoes of 127.0.0.1 answered as ping sees them (seq, ttl, counts)" {
	agrees_with_ping 127.0.0.1
}

@test "icmp_echo: three echoes of ::1 answered as ping sees them (seq, hop limit, counts)" {
	needs_ipv6
	agrees_with_ping ::1
}

@test "icmp_echo: a group outside net.ipv4.ping_group_range cannot open the socket (71, the sysctl named)" {
	local host
	for host in "${LOOPBACKS[@]}"; do
		run -0 in_ns '1 0' '"$ICMP_ECHO" -c 1 "$1"; echo "status $?"' "$host"
		assert_line 'status 71'
		assert_output --partial 'net.ipv4.ping_group_range'
	done
}

@test "icmp_echo: no reply at all is 69, with 100% packet loss" {
	run -0 in_ns '0 2147483647' '
		sysctl -qw net.ipv4.icmp_echo_ignore_all=1 || exit 97
		"$ICMP_ECHO" -c 2 -i 0.1 -W 0.3 127.0.0.1; echo "status $?"'
	assert_line 'status 69'
	assert_line '2 packets transmitted, 0 received, 100% packet loss'
}

@test "icmp_echo: the checksum it computes is the one on the wire (ICMP over 127.0.0.1)" {
	command -v tcpdump >/dev/null || skip "tcpdump is not installed"
	# Captured by tests/lib/capture.py (tcpdump cannot drop its privileges in a user
	# namespace of our own), read by tcpdump.
	run -0 in_ns '0 2147483647' '
		timeout 20 "$PYTHON" "$2" lo "$1/icmp.pcap" >"$1/cap.out" & cap=$!
		for _ in $(seq 200); do grep -q ready "$1/cap.out" 2>/dev/null && break; sleep 0.05; done
		grep -q ready "$1/cap.out" || exit 2
		"$ICMP_ECHO" -c 1 127.0.0.1 >/dev/null || exit 1
		kill $cap; wait $cap' "$BATS_TEST_TMPDIR" "$NETPROG_TOP/tests/lib/capture.py"
	tcpdump -r "$BATS_TEST_TMPDIR/icmp.pcap" -vv -nn icmp >"$BATS_TEST_TMPDIR/td" 2>/dev/null
	grep -q 'ICMP echo request' "$BATS_TEST_TMPDIR/td"
	# tcpdump -vv checks ICMP checksums and says "wrong icmp cksum" when one is bad.
	! grep -q 'wrong icmp cksum' "$BATS_TEST_TMPDIR/td"
}

@test "icmp_echo: wrong arguments are usage errors (64)" {
	local bad
	run -64 --separate-stderr "$ICMP_ECHO"
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$ICMP_ECHO" a b
	[[ $stderr == *usage* ]]
	for bad in 0 -1 x 100001 ''; do
		run -64 --separate-stderr "$ICMP_ECHO" -c "$bad" ::1
		[[ $stderr == *"-c takes"* ]]
	done
	for bad in 0 0.001 x -1 3601 ''; do
		run -64 --separate-stderr "$ICMP_ECHO" -i "$bad" ::1
		[[ $stderr == *"-i takes"* ]]
	done
}

@test "icmp_echo: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	# The pipe's read end is closed before the program starts, and SIGPIPE put back to its
	# default (Python ignores it, and an ignored signal stays ignored across exec).
	run --separate-stderr in_ns '0 2147483647' '
		exec "$1" -c "import os, signal, sys
r, w = os.pipe(); os.close(r); os.dup2(w, 1); os.close(w)
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])" "$ICMP_ECHO" -c 1 127.0.0.1' "$PYTHON"
	[ "$status" -ne 141 ] || fail "icmp_echo died of SIGPIPE (141) with stdout a closed pipe; stderr: '$stderr'"
	[ "$status" -eq 74 ] || fail "icmp_echo with stdout a closed pipe: expected 74, got $status; stderr: '$stderr'"
	[[ $stderr == *stdout* ]] || fail "icmp_echo exited 74 but its message does not name stdout: '$stderr'"
}
