#!/usr/bin/env bats
# dhcp_discover [-r] [-w SECONDS] IFACE: against dnsmasq serving one end of a veth pair, the
# client on the other end in a namespace of its own (a DHCP server would drop a DISCOVER
# whose source address is one of its own host's), both private: no real network is touched.
load ../helper
load ../lib/sandbox
program DHCP_DISCOVER ch04-transmission/dhcp_discover

export DHCP_DISCOVER

# dhcp_world [DNSMASQ_OPTION...] -- CLIENT_SCRIPT: dnsmasq on dh0 (192.0.2.1/24) in a private
# namespace, CLIENT_SCRIPT in a namespace inside it that holds dh1 (up, no address).
# CLIENT_SCRIPT's output is in $output; the lease file in $BATS_TEST_TMPDIR/leases.
dhcp_world() {
	local opts=() client
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	client=$2
	netprog_unshare n || skip "no network namespace can be made here for a veth pair and a DHCP server"
	needs_tool dnsmasq dnsmasq-base
	export LEASES=$BATS_TEST_TMPDIR/leases CLIENT=$client
	run --separate-stderr client "${NETPROG_UNSHARE[@]}" bash -c '
		set -e
		ip link set lo up
		ip link add dh0 type veth peer name dh1
		ip addr add 192.0.2.1/24 dev dh0
		ip link set dh0 up
		if [ "$1" != none ]; then
			dnsmasq --no-daemon --log-facility=- --port=0 --no-resolv --no-hosts --interface=dh0 \
				--bind-interfaces --no-ping --dhcp-leasefile="$LEASES" --user="$(id -un)" --pid-file= \
				"$@" 2>"$LEASES.log" &
			trap "kill $!" EXIT
			for _ in $(seq 200); do [ -n "$(ss -Hlun "sport = :67")" ] && break; sleep 0.05; done
		fi
		unshare -n bash -c "for _ in \$(seq 200); do ip link show dh1 >/dev/null 2>&1 && break; sleep 0.05; done
			ip link set lo up; ip link set dh1 up; eval \"\$CLIENT\"" &
		inner=$!
		sleep 0.1
		ip link set dh1 netns "$inner"
		wait "$inner"' dhcp "${opts[@]:-none}"
}

RANGE=(--dhcp-range=192.0.2.50,192.0.2.50,255.255.255.0,1h --dhcp-option=option:router,192.0.2.1
	--dhcp-option=option:dns-server,192.0.2.53,192.0.2.54)

@test "dhcp_discover: prints dnsmasq's offer: server, address, lease, mask, router, DNS servers" {
	dhcp_world "${RANGE[@]}" -- '"$DHCP_DISCOVER" -w 2 dh1'
	[ "$status" -eq 0 ] || { echo "status $status: $stderr" >&2; cat "$LEASES.log" >&2; return 1; }
	assert_output 'OFFER from 192.0.2.1: address 192.0.2.50, lease 3600 s, mask 255.255.255.0, router 192.0.2.1, dns 192.0.2.53 192.0.2.54'
}

@test "dhcp_discover: -r requests the offer and prints the ACK; the server leases it to dh1's MAC" {
	dhcp_world "${RANGE[@]}" -- '"$DHCP_DISCOVER" -r -w 2 dh1 && ip -o link show dh1 | sed -n "s|.*link/ether \\([0-9a-f:]*\\).*|\\1|p"'
	[ "$status" -eq 0 ] || { echo "status $status: $stderr" >&2; cat "$LEASES.log" >&2; return 1; }
	assert_line --index 1 --regexp '^ACK from 192\.0\.2\.1: address 192\.0\.2\.50, lease 3600 s'
	local mac=${lines[2]}
	[[ $mac == ??:??:??:??:??:?? ]] || { echo "no MAC for dh1: $output" >&2; return 1; }
	run awk '{ print $2, $3 }' "$LEASES"
	assert_output "$mac 192.0.2.50"
}

@test "dhcp_discover: without -r nothing is leased" {
	dhcp_world "${RANGE[@]}" -- '"$DHCP_DISCOVER" -w 2 dh1'
	[ "$status" -eq 0 ]
	[ ! -s "$LEASES" ] || { echo "leases: $(cat "$LEASES")" >&2; return 1; }
}

@test "dhcp_discover: dnsmasq sees a DISCOVER with dh1's MAC and answers it by broadcast" {
	dhcp_world "${RANGE[@]}" --log-dhcp -- '"$DHCP_DISCOVER" -w 2 dh1; ip -o link show dh1 | sed -n "s|.*link/ether \\([0-9a-f:]*\\).*|\\1|p"'
	grep -q "DHCPDISCOVER(dh0) ${lines[-1]}" "$LEASES.log" ||
		{ echo "dnsmasq did not log a DISCOVER from ${lines[-1]}:" >&2; cat "$LEASES.log" >&2; return 1; }
	grep -q 'broadcast response' "$LEASES.log"
}

@test "dhcp_discover: no server is 75 after -w SECONDS" {
	dhcp_world -- 'SECONDS=0; "$DHCP_DISCOVER" -w 1 dh1; echo "status $? after ${SECONDS}s"'
	assert_output --regexp '^status 75 after [12]s$'
	[[ $stderr == *"no offer within 1 s"* ]]
}

@test "dhcp_discover: an unknown interface and bad arguments are 64" {
	run -64 --separate-stderr client "$DHCP_DISCOVER" no-such-if0
	[[ $stderr == *"no such interface"* ]]
	run -64 --separate-stderr client "$DHCP_DISCOVER"
	[[ $stderr == *usage:* ]]
	run -64 --separate-stderr client "$DHCP_DISCOVER" -w 0 lo
	run -64 --separate-stderr client "$DHCP_DISCOVER" lo extra
	run -64 --separate-stderr client "$DHCP_DISCOVER" "$(printf 'x%.0s' $(seq 20))"
}

@test "dhcp_discover: stdout a closed pipe is exit 74 with a message, not a death by SIGPIPE" {
	# stdout is a pipe whose read end is closed before dhcp_discover starts, SIGPIPE at its
	# default action (Python ignores it, and exec would pass that on): the offer's line fails.
	export CLOSED_STDOUT_PY='import os, signal, sys
r, w = os.pipe()
os.close(r)
os.dup2(w, 1)
os.close(w)
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])'
	dhcp_world "${RANGE[@]}" -- '"$PYTHON" -c "$CLOSED_STDOUT_PY" "$DHCP_DISCOVER" -w 2 dh1; echo "status $?"'
	[ "$output" != "status 141" ] || fail "dhcp_discover died of SIGPIPE (141); stderr: '$stderr'"
	[ "$output" = "status 74" ] || fail "expected status 74, got '$output'; stderr: '$stderr'"
	[[ $stderr == *stdout* ]] || fail "exited 74, but the message does not name stdout: '$stderr'"
}
