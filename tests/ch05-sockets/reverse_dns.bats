#!/usr/bin/env bats
# reverse_dns: the name of an address literal; an error, never the number, when it has none.
#
# Lookups never reach the real DNS: tests/lib/with_fake_dns runs the program in a
# private namespace whose resolv.conf names only tests/lib/fake_dns.py (where no namespace
# can be made, names and addresses come from libnss_wrapper's hosts file, and the tests
# that need a DNS server skip).
load ../helper
load ../lib/fake_dns
program REVERSE_DNS ch05-sockets/reverse_dns

# The first name `getent hosts ADDR` gives, run with the same with_fake_dns OPTIONs.
# usage: getent_name ADDR [OPTION...]
getent_name() {
	local addr=$1
	shift
	fake_dns "$@" -- getent hosts "$addr" | awk '{ print $2; exit }'
}

# reverse_dns ADDR in the namespace must agree with getent hosts ADDR there:
# the same name, or 68 and nothing on stdout when getent finds none.
# usage: assert_like_getent ADDR [OPTION...]
assert_like_getent() {
	local addr=$1 name
	shift
	name=$(getent_name "$addr" "$@")
	if [ -n "$name" ]; then
		run -0 --separate-stderr fake_dns "$@" -- "$REVERSE_DNS" "$addr"
		assert_output "$name"
	else
		run -68 --separate-stderr fake_dns "$@" -- "$REVERSE_DNS" "$addr"
		assert_output ''
	fi
}

# A private /etc/hosts with known names for both loopback addresses.
write_hosts() {
	HOSTS=$BATS_TEST_TMPDIR/hosts
	cat >"$HOSTS" <<-'EOF'
		127.0.0.1	four-loop.test localhost
		::1	six-loop.test ip6-localhost
		192.0.2.50	first.test second.test
		192.0.2.51	hello
	EOF
}

@test "reverse_dns 127.0.0.1 prints the first name getent hosts prints (this machine's /etc/hosts)" {
	need_names
	assert_like_getent 127.0.0.1
}

@test "reverse_dns ::1 prints the first name getent hosts prints, or 68 when getent has none" {
	need_names
	assert_like_getent ::1
}

@test "reverse_dns 127.0.0.1 without a namespace agrees with /etc/hosts when it lists 127.0.0.1" {
	# Only /etc/hosts is read (hosts: files first), so the real DNS is never asked.
	grep -Eq '^[[:space:]]*127\.0\.0\.1[[:space:]]' /etc/hosts || skip "/etc/hosts does not list 127.0.0.1"
	grep -Eq '^hosts:[[:space:]]*files' /etc/nsswitch.conf || skip "nsswitch.conf does not read /etc/hosts first"
	local name
	name=$(getent hosts 127.0.0.1 | awk '{ print $2; exit }')
	run -0 --separate-stderr client "$REVERSE_DNS" 127.0.0.1
	assert_output "$name"
}

@test "reverse_dns names both loopback addresses from a private /etc/hosts, as getent does" {
	need_names
	write_hosts
	run -0 --separate-stderr fake_dns --hosts "$HOSTS" -- "$REVERSE_DNS" 127.0.0.1
	assert_output four-loop.test
	run -0 --separate-stderr fake_dns --hosts "$HOSTS" -- "$REVERSE_DNS" ::1
	assert_output six-loop.test
	run -0 --separate-stderr fake_dns --hosts "$HOSTS" -- "$REVERSE_DNS" 192.0.2.50
	assert_output first.test
	# getent, in the same setting, says the same.
	[ "$(getent_name 127.0.0.1 --hosts "$HOSTS")" = four-loop.test ]
	[ "$(getent_name ::1 --hosts "$HOSTS")" = six-loop.test ]
	assert_like_getent 127.0.0.1 --hosts "$HOSTS"
	assert_like_getent ::1 --hosts "$HOSTS"
}

@test "reverse_dns asks DNS for the PTR name, IPv4 and IPv6" {
	need_names
	local dns=(--ptr 192.0.2.7=seven.example.test --ptr 2001:db8::7=seven6.example.test)
	run -0 --separate-stderr fake_dns "${dns[@]}" -- "$REVERSE_DNS" 192.0.2.7
	assert_output seven.example.test
	run -0 --separate-stderr fake_dns "${dns[@]}" -- "$REVERSE_DNS" 2001:db8::7
	assert_output seven6.example.test
}

@test "reverse_dns accepts a scoped IPv6 literal (fe80::1%lo) and looks it up" {
	need_names
	netprog_unshare nm || skip "no namespace here, and nss_wrapper's getaddrinfo cannot parse a scoped literal"
	run -0 --separate-stderr fake_dns --ptr fe80::1=link.example.test -- "$REVERSE_DNS" 'fe80::1%lo'
	assert_output link.example.test
}

@test "reverse_dns: an address with no name is 68, and the number is not printed as if it were one" {
	need_names
	local addr addrs=(192.0.2.99 2001:db8::99 'fe80::99%lo')
	# nss_wrapper (no namespace here) cannot parse a scoped literal.
	netprog_unshare nm || addrs=(192.0.2.99 2001:db8::99)
	# fake_dns.py answers NXDOMAIN for these PTR names; /etc/hosts has no line for them.
	for addr in "${addrs[@]}"; do
		run -68 --separate-stderr fake_dns -- "$REVERSE_DNS" "$addr"
		assert_output ''
		refute_output --partial "${addr%%%*}"
		[[ $stderr == *"${addr%%%*}"* ]]
	done
}

@test "reverse_dns: a DNS server failure (SERVFAIL) is temporary: 75" {
	need_ns
	local addr
	for addr in 192.0.2.98 2001:db8::98; do
		run -75 --separate-stderr fake_dns --servfail "$addr" -- "$REVERSE_DNS" "$addr"
		assert_output ''
		[ -n "$stderr" ]
	done
}

@test "reverse_dns: no DNS server answering is temporary: 75" {
	need_ns
	run -75 --separate-stderr fake_dns --no-dns -- "$REVERSE_DNS" 192.0.2.97
	assert_output ''
	[ -n "$stderr" ]
}

@test "reverse_dns rejects what is not an address literal with 64, even a name that resolves" {
	need_names
	write_hosts
	local arg
	# "hello" is both in /etc/hosts and in DNS here: a program that looked it
	# up instead of refusing it would find an address.
	for arg in 999.1.1.1 ::g hello '' 1.2.3.4.5 '::1::2'; do
		run -64 --separate-stderr fake_dns --hosts "$HOSTS" --host hello=192.0.2.51 -- "$REVERSE_DNS" "$arg"
		assert_output ''
		[ -n "$stderr" ]
	done
}

@test "reverse_dns rejects a wrong argument count with a usage message and 64" {
	run -64 --separate-stderr client "$REVERSE_DNS"
	[[ ${stderr,,} == *usage* ]]
	run -64 --separate-stderr client "$REVERSE_DNS" 127.0.0.1 ::1
	[[ ${stderr,,} == *usage* ]]
}
