#!/usr/bin/env bats
# ip_lookup: every address of a host, one per line, each once.
#
# Lookups never reach the real DNS: tests/lib/with_fake_dns runs the program in a
# private namespace whose resolv.conf names only tests/lib/fake_dns.py (where no namespace
# can be made, names come from libnss_wrapper's hosts file, and the tests that need a DNS
# server or a private network skip).  getent
# ahosts asks with AI_ADDRCONFIG, which drops a family the machine has no
# address of (besides loopback); the namespace has both an IPv4 and an IPv6
# address, so there getent lists every address, and the comparisons are exact.
load ../helper
load ../lib/fake_dns
program IP_LOOKUP ch05-sockets/ip_lookup

# The addresses of getent ahosts' STREAM lines, in its order, first occurrence
# only, run with the same with_fake_dns OPTIONs.
# usage: getent_addrs NAME [OPTION...]
getent_addrs() {
	local name=$1
	shift
	fake_dns "$@" -- getent ahosts "$name" | awk '$2 == "STREAM" && !seen[$1]++ { print $1 }'
}

# ip_lookup NAME in the namespace prints, as a set, what getent ahosts finds
# there, without duplicates: or 68 and nothing when getent finds nothing.
# usage: assert_like_getent NAME [OPTION...]
assert_like_getent() {
	local name=$1 expected
	shift
	expected=$(getent_addrs "$name" "$@")
	if [ -z "$expected" ]; then
		run -68 --separate-stderr fake_dns "$@" -- "$IP_LOOKUP" "$name"
		assert_output ''
		return
	fi
	run -0 --separate-stderr fake_dns "$@" -- "$IP_LOOKUP" "$name"
	assert_equal "$(sort <<<"$output" | uniq -d)" ''
	assert_equal "$(sort <<<"$output")" "$(sort <<<"$expected")"
}

write_hosts() {
	HOSTS=$BATS_TEST_TMPDIR/hosts
	cat >"$HOSTS" <<-'EOF'
		127.0.0.1	localhost
		::1	localhost ip6-localhost
		192.0.2.10	dual.test
		2001:db8::10	dual.test
		192.0.2.20	twice.test
		192.0.2.20	twice.test twice-alias.test
		2001:db8::30	six-only.test
		192.0.2.40	three.test
		192.0.2.41	three.test
		2001:db8::42	three.test
	EOF
}

@test "ip_lookup ::1 and 127.0.0.1 print exactly that address" {
	need_names
	run -0 --separate-stderr fake_dns -- "$IP_LOOKUP" ::1
	assert_output ::1
	run -0 --separate-stderr fake_dns -- "$IP_LOOKUP" 127.0.0.1
	assert_output 127.0.0.1
	assert_like_getent ::1
	assert_like_getent 127.0.0.1
}

@test "ip_lookup localhost prints what getent ahosts localhost does (this machine's /etc/hosts)" {
	need_names
	assert_like_getent localhost
	# Whatever else it maps to, localhost is a loopback name.
	if [ "$status" -eq 0 ]; then
		assert_line --regexp '^(127\.0\.0\.1|::1)$'
	fi
}

@test "ip_lookup: a name with an IPv4 and an IPv6 address prints both, in getaddrinfo's order" {
	need_names
	write_hosts
	run -0 --separate-stderr fake_dns --hosts "$HOSTS" -- "$IP_LOOKUP" dual.test
	assert_equal "$(sort <<<"$output")" "$(printf '192.0.2.10\n2001:db8::10')"
	# getent ahosts asks getaddrinfo, like ip_lookup: the same order.
	assert_output "$(getent_addrs dual.test --hosts "$HOSTS")"
	assert_like_getent dual.test --hosts "$HOSTS"
}

@test "ip_lookup prints an address listed twice for a name once (getaddrinfo returns it twice)" {
	need_names
	write_hosts
	# The premise: getent shows the duplicate that ip_lookup must drop.
	[ "$(fake_dns --hosts "$HOSTS" -- getent ahosts twice.test | grep -c STREAM)" -eq 2 ]
	run -0 --separate-stderr fake_dns --hosts "$HOSTS" -- "$IP_LOOKUP" twice.test
	assert_output 192.0.2.20
	assert_like_getent twice.test --hosts "$HOSTS"
}

@test "ip_lookup agrees with getent ahosts on every name of a private /etc/hosts" {
	need_names
	write_hosts
	local name
	for name in localhost ip6-localhost six-only.test three.test twice-alias.test; do
		assert_like_getent "$name" --hosts "$HOSTS"
	done
	run -0 --separate-stderr fake_dns --hosts "$HOSTS" -- "$IP_LOOKUP" six-only.test
	assert_output 2001:db8::30
	run -0 --separate-stderr fake_dns --hosts "$HOSTS" -- "$IP_LOOKUP" three.test
	assert_equal "$(sort <<<"$output")" "$(printf '192.0.2.40\n192.0.2.41\n2001:db8::42')"
}

@test "ip_lookup lists IPv6 addresses on an IPv4-only host too (no AI_ADDRCONFIG)" {
	need_ns
	write_hosts
	# Here the only IPv6 address is ::1.  With AI_ADDRCONFIG, getaddrinfo would
	# drop every IPv6 address, fail for ::1, and answer 127.0.0.1 for ip6-localhost.
	local ns=(--ipv4-only --hosts "$HOSTS" --host dns-dual.test=192.0.2.60 --host dns-dual.test=2001:db8::60)
	run -0 --separate-stderr fake_dns "${ns[@]}" -- "$IP_LOOKUP" dual.test
	assert_equal "$(sort <<<"$output")" "$(printf '192.0.2.10\n2001:db8::10')"
	run -0 --separate-stderr fake_dns "${ns[@]}" -- "$IP_LOOKUP" ip6-localhost
	assert_output ::1
	run -0 --separate-stderr fake_dns "${ns[@]}" -- "$IP_LOOKUP" ::1
	assert_output ::1
	run -0 --separate-stderr fake_dns "${ns[@]}" -- "$IP_LOOKUP" six-only.test
	assert_output 2001:db8::30
	run -0 --separate-stderr fake_dns "${ns[@]}" -- "$IP_LOOKUP" dns-dual.test
	assert_equal "$(sort <<<"$output")" "$(printf '192.0.2.60\n2001:db8::60')"
}

@test "ip_lookup prints the A and AAAA records DNS has for a name" {
	need_names
	local dns=(--host dns-dual.test=192.0.2.60 --host dns-dual.test=2001:db8::60 --host dns-dual.test=192.0.2.61)
	run -0 --separate-stderr fake_dns "${dns[@]}" -- "$IP_LOOKUP" dns-dual.test
	assert_equal "$(sort <<<"$output")" "$(printf '192.0.2.60\n192.0.2.61\n2001:db8::60')"
	assert_like_getent dns-dual.test "${dns[@]}"
}

@test "ip_lookup nosuch.invalid: 68 within a few seconds, the resolver's message on stderr" {
	need_ns
	# The fake DNS answers NXDOMAIN at once; 5 s is for slow machines.
	run -68 --separate-stderr fake_dns -- timeout 5 "$IP_LOOKUP" nosuch.invalid
	assert_output ''
	# gai_strerror(EAI_NONAME) in glibc.
	[[ $stderr == *"Name or service not known"* ]]
}

@test "ip_lookup: a DNS server failure (SERVFAIL) is temporary: 75" {
	need_ns
	run -75 --separate-stderr fake_dns --servfail broken.test -- timeout 5 "$IP_LOOKUP" broken.test
	assert_output ''
	[ -n "$stderr" ]
}

@test "ip_lookup: no DNS server answering is temporary: 75" {
	need_ns
	run -75 --separate-stderr fake_dns --no-dns -- "$IP_LOOKUP" nosuch.invalid
	assert_output ''
	[ -n "$stderr" ]
}

@test "ip_lookup rejects a wrong argument count with a usage message and 64" {
	run -64 --separate-stderr client "$IP_LOOKUP"
	[[ ${stderr,,} == *usage* ]]
	run -64 --separate-stderr client "$IP_LOOKUP" localhost ::1
	[[ ${stderr,,} == *usage* ]]
}
