#!/usr/bin/env bats
# sockstat [-t] [-u] [-l] [-n]: the sockets it reads from /proc/net are the ones ss -tuan shows,
# while tests/lib/ch02_sockets.py holds a known set open (listeners of both families and
# dual-stack, connections, UDP bound and connected), in a private network namespace where one
# can be made, else on this host with only our own sockets compared.
load ../helper
load ../lib/sandbox
program SOCKSTAT ch02-tools/sockstat

export HOLDER=$NETPROG_TOP/tests/lib/ch02_sockets.py SOCKSTAT PYTHON

# world SCRIPT: bash -c SCRIPT while the holder's sockets are open; $PORTS lists their local
# ports (a regex alternative, 5432|...), $PRIVATE is 1 in a private namespace.
world() {
	local v6=--no-ipv6 script='
	exec {fd}< <(exec "$PYTHON" "$HOLDER" $V6 2>/dev/null)
	hpid=$!
	trap "kill $hpid" EXIT
	read -r -t 10 -u "$fd" ready ports || { echo "the holder did not start" >&2; exit 1; }
	PORTS=$(tr " " "|" <<<"$ports")
	'"$1"
	netprog_has_ipv6 && v6=
	if netprog_unshare n; then
		V6=$v6 PRIVATE=1 run --separate-stderr client "${NETPROG_UNSHARE[@]}" bash -c 'ip link set lo up && eval "$0"' "$script"
	else
		V6=$v6 PRIVATE=0 run --separate-stderr client bash -c "$script"
	fi
}

# The set both print, in one form: "proto state local peer", sorted.  ss writes a dual-stack
# socket's address as * and omits nothing else that matters here.
ours='
	mine() { "$SOCKSTAT" -n "$@" | tail -n +2 | awk "{ print \$1, \$2, \$3, \$4 }"; }
	theirs() { ss -Hn "$@" | awk "{ l = \$5; p = \$6; sub(/^\\*:/, \"[::]:\", l); sub(/^\\*:/, \"[::]:\", p); print \$1, \$2, l, p }"; }
	only_ours() { if [ "$PRIVATE" = 1 ]; then cat; else grep -E ":($PORTS) "; fi; }
'

@test "sockstat: the same TCP and UDP sockets as ss -tuan, in the same forms" {
	world "$ours"'
		mine | only_ours | sort >/tmp/mine.$$; theirs -tua | only_ours | sort >/tmp/theirs.$$
		diff /tmp/theirs.$$ /tmp/mine.$$ && echo same; wc -l </tmp/mine.$$; rm -f /tmp/mine.$$ /tmp/theirs.$$'
	[ "$status" -eq 0 ] || { echo "status $status: $stderr" >&2; return 1; }
	assert_line --index 0 same
	# The holder's own: 4 IPv4 sockets, and 6 more where the host has IPv6.
	local want=4
	netprog_has_ipv6 && want=10
	[ "${lines[1]}" -ge "$want" ] || fail "sockstat and ss agree, but on ${lines[1]} sockets, not the holder's $want at least"
}

@test "sockstat: -l shows exactly the listening sockets ss -tuln shows" {
	world "$ours"'
		diff <(theirs -tul | only_ours | sort) <(mine -l | only_ours | sort) && echo same'
	assert_output same
}

@test "sockstat: -t and -u split the sockets by protocol" {
	world "$ours"'
		mine -t | cut -d" " -f1 | sort -u; echo --; mine -u | cut -d" " -f1 | sort -u'
	assert_output "tcp
--
udp"
}

@test "sockstat: an IPv4 connection to a dual-stack listener shows as [::ffff:127.0.0.1]" {
	needs_ipv6
	world "$ours"'mine -t | only_ours | grep -c "ESTAB \[::ffff:127.0.0.1\]:"'
	assert_output 1
}

@test "sockstat: a connected UDP socket is ESTAB, an unconnected one UNCONN with peer *" {
	needs_ipv6
	world "$ours"'mine -u | only_ours | sort'
	assert_line --regexp '^udp UNCONN 127\.0\.0\.1:[0-9]+ 0\.0\.0\.0:\*$'
	assert_line --regexp '^udp ESTAB \[::1\]:[0-9]+ \[::1\]:[0-9]+$'
}

@test "sockstat: the owner's uid is that of the process holding the socket" {
	world "$ours"'
		"$SOCKSTAT" -n | tail -n +2 | only_ours | awk "{ print \$5 }" | sort -u; id -u'
	[ "${#lines[@]}" -eq 2 ] && [ "${lines[0]}" = "${lines[1]}" ] ||
		{ echo "uids shown: ${lines[*]} (the last is id -u)" >&2; return 1; }
}

@test "sockstat: without -n a port with a service name shows the name" {
	netprog_unshare n || skip "port 5432 may be anyone's on this host without a private namespace"
	run -0 client "${NETPROG_UNSHARE[@]}" bash -c 'ip link set lo up
		exec {fd}< <(exec "$PYTHON" -c "
import socket, signal
s = socket.socket(); s.bind((\"127.0.0.1\", 5432)); s.listen(); print(\"ready\", flush=True); signal.pause()")
		read -r -t 10 -u "$fd" _
		"$SOCKSTAT" -tl; "$SOCKSTAT" -tln; kill $!'
	assert_line --regexp '^tcp +LISTEN +127\.0\.0\.1:postgresql +0\.0\.0\.0:\* +[0-9]+$'
	assert_line --regexp '^tcp +LISTEN +127\.0\.0\.1:5432 +0\.0\.0\.0:\* +[0-9]+$'
}

@test "sockstat: a header line, then one line per socket of five fields" {
	world '"$SOCKSTAT" -n'
	assert_line --index 0 --regexp '^Netid +State +Local +Peer +UID$'
	run awk 'NR > 1 && NF != 5' <<<"$output"
	assert_output ''
}

@test "sockstat: arguments that are not -t -u -l -n are 64 with the usage line" {
	run -64 --separate-stderr client "$SOCKSTAT" -x
	[[ $stderr == *usage:* ]]
	run -64 --separate-stderr client "$SOCKSTAT" extra
	[[ $stderr == *usage:* ]]
}
