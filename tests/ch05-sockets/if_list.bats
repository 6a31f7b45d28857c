#!/usr/bin/env bats
# if_list: every interface and address the kernel reports, in the documented format.
load ../helper
source "$NETPROG_TOP/tests/lib/sandbox.bash"
program IF_LIST ch05-sockets/if_list

# The link-layer lines of if_list, as "NAME MAC".
link_lines() { awk -F'\t' '$2 == "LINK" { print $1, $3 }' <<<"$1"; }

@test "if_list shows every address that ip -o addr shows, with its prefix length" {
	run -0 "$IF_LIST"
	local n=0 name fam addr
	while read -r _ name fam addr _; do
		case $fam in inet) fam=IPv4 ;; inet6) fam=IPv6 ;; *) continue ;; esac
		assert_line "$name	$fam	$addr"
		n=$((n + 1))
	done < <(ip -o addr show)
	# Loopback alone has 127.0.0.1/8 (and ::1/128 where IPv6 works): the loop cannot be empty.
	((n >= ${#LOOPBACKS[@]}))
	assert_line "lo	IPv4	127.0.0.1/8"
}

@test "if_list names every interface that ip -o link shows" {
	run -0 "$IF_LIST"
	local name
	while read -r _ name _; do
		name=${name%:}
		name=${name%@*}
		assert_output --regexp "(^|"$'\n'")$name	"
	done < <(ip -o link show)
}

@test "if_list prints each MAC exactly as /sys/class/net/IF/address does" {
	run -0 "$IF_LIST"
	local n=0 dev mac
	for dev in /sys/class/net/*; do
		# In a network namespace, /sys may still show the host's interfaces.
		ip link show dev "${dev##*/}" >/dev/null 2>&1 || continue
		mac=$(cat "$dev/address")
		[ -n "$mac" ] || continue
		assert_line "${dev##*/}	LINK	$mac"
		n=$((n + 1))
	done
	((n >= 1))
}

@test "if_list prints a six-byte MAC with six bytes" {
	netprog_unshare n || skip "no network namespace can be made here"
	run -0 "${NETPROG_UNSHARE[@]}" sh -c '
		ip link add v0 address 02:00:5e:10:20:30 type veth peer name v1 || exit 99
		ip link set lo up
		exec "$IF_LIST"'
	assert_line "v0	LINK	02:00:5e:10:20:30"
	assert_line "lo	IPv6	::1/128"
	assert_line "lo	LINK	00:00:00:00:00:00"
}

@test "if_list survives an interface with no address (a TUN device)" {
	netprog_unshare n || skip "no network namespace can be made here"
	# A TUN device has no link-layer address: getifaddrs gives ifa_addr == NULL.  Making
	# one needs /dev/net/tun, which some hosts keep to root (mode 600).
	run -0 "${NETPROG_UNSHARE[@]}" sh -c '
		ip tuntap add tun7 mode tun 2>/dev/null || { echo no-tun; exit 0; }
		ip link set lo up
		exec "$IF_LIST"'
	[[ $output != no-tun ]] || skip "no TUN device can be made here ($(ls -l /dev/net/tun 2>&1 | cut -d' ' -f1) /dev/net/tun)"
	assert_line "tun7	NONE	-"
	assert_line "lo	IPv4	127.0.0.1/8"
}

@test "if_list says nothing on stderr where the host has IPv6" {
	needs_ipv6
	run -0 --separate-stderr "$IF_LIST"
	assert_equal "$stderr" ""
}

@test "if_list on a host without IPv6 lists IPv4 and says in one line on stderr that there is no IPv6" {
	"$NETPROG_TOP/tests/no-ipv6" true 2>/dev/null || skip "no network namespace here (tests/no-ipv6 fails)"
	run -0 --separate-stderr "$NETPROG_TOP/tests/no-ipv6" "$IF_LIST"
	assert_line "lo	IPv4	127.0.0.1/8"
	refute_output --partial "	IPv6	"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "no IPv6"
}

@test "if_list rejects arguments with a usage message and 64" {
	run -64 "$IF_LIST" extra
	assert_output --partial usage
}
