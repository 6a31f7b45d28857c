#!/usr/bin/env bats
# sockopts: each option's default is the kernel's, and what the text advises reads back.
load ../helper
source "$NETPROG_TOP/tests/lib/sandbox.bash"
program SOCKOPTS ch05-sockets/sockopts

# The value a SO_RCVBUF/SO_SNDBUF of 65536 reads back as: the kernel doubles
# the request after capping it at net.core.rmem_max/wmem_max (socket(7)).
doubled() {
	local max=$1
	echo $((2 * (65536 < max ? 65536 : max)))
}

# The middle of the three numbers of tcp_rmem/tcp_wmem: a new TCP socket's buffer.
middle() {
	local _ mid
	read -r _ mid _ <"$1"
	echo "$mid"
}

# The IPV6_V6ONLY line a kernel with (or without) IPv6 gives.
v6only_line() {
	if [ -r /proc/sys/net/ipv6/bindv6only ]; then
		echo "IPV6_V6ONLY	$1	0"
	else
		echo "IPV6_V6ONLY	unavailable	unavailable"
	fi
}

# Runs sockopts in a new user+network namespace after the shell commands in $1
# (sysctl writes); skips the test, with the reason, if the namespace or a write
# is refused.  The namespace's rmem_max/wmem_max land in $BATS_TEST_TMPDIR.
run_in_netns() {
	netprog_unshare n || skip "no network namespace can be made here"
	"${NETPROG_UNSHARE[@]}" sh -c "$1" 2>/dev/null ||
		skip "this kernel refuses the sysctl write in a user+net namespace: $1"
	run -0 "${NETPROG_UNSHARE[@]}" sh -c "$1"'
		cat /proc/sys/net/core/rmem_max >"$1/rmem_max"
		cat /proc/sys/net/core/wmem_max >"$1/wmem_max"
		exec "$SOCKOPTS"' sh "$BATS_TEST_TMPDIR"
}

@test "sockopts prints eleven options, each with the default and the value set" {
	run -0 "$SOCKOPTS"
	[ "${#lines[@]}" -eq 11 ]
	local name
	for name in TCP_NODELAY TCP_QUICKACK SO_REUSEADDR SO_LINGER SO_KEEPALIVE \
	    TCP_KEEPIDLE TCP_KEEPINTVL TCP_KEEPCNT IPV6_V6ONLY SO_RCVBUF SO_SNDBUF; do
		assert_output --regexp "(^|"$'\n'")$name	[^	]+	[^	]+($|"$'\n'")"
	done
}

@test "sockopts: the switches default to off and read back on" {
	run -0 "$SOCKOPTS"
	assert_line "TCP_NODELAY	0	1"
	assert_line "SO_REUSEADDR	0	1"
	assert_line "SO_KEEPALIVE	0	1"
	# A fresh socket is not in delayed-ACK (ping-pong) mode: TCP_QUICKACK reads 1.
	assert_line "TCP_QUICKACK	1	1"
}

@test "sockopts: SO_LINGER defaults to off; on with 0 s is the abortive close" {
	run -0 "$SOCKOPTS"
	assert_line "SO_LINGER	off	on,0"
}

@test "sockopts: the keepalive timers default to the tcp_keepalive sysctls, then 60/10/5" {
	run -0 "$SOCKOPTS"
	assert_line "TCP_KEEPIDLE	$(cat /proc/sys/net/ipv4/tcp_keepalive_time)	60"
	assert_line "TCP_KEEPINTVL	$(cat /proc/sys/net/ipv4/tcp_keepalive_intvl)	10"
	assert_line "TCP_KEEPCNT	$(cat /proc/sys/net/ipv4/tcp_keepalive_probes)	5"
}

@test "sockopts: IPV6_V6ONLY defaults to net.ipv6.bindv6only and is cleared" {
	run -0 "$SOCKOPTS"
	assert_line "$(v6only_line "$(cat /proc/sys/net/ipv6/bindv6only 2>/dev/null)")"
}

@test "sockopts: the buffers start at the middle of tcp_rmem/tcp_wmem and read back doubled" {
	run -0 "$SOCKOPTS"
	assert_line "SO_RCVBUF	$(middle /proc/sys/net/ipv4/tcp_rmem)	$(doubled "$(cat /proc/sys/net/core/rmem_max)")"
	assert_line "SO_SNDBUF	$(middle /proc/sys/net/ipv4/tcp_wmem)	$(doubled "$(cat /proc/sys/net/core/wmem_max)")"
}

@test "sockopts: in a namespace with other keepalive sysctls, the defaults follow them" {
	run_in_netns '
		echo 1234 >/proc/sys/net/ipv4/tcp_keepalive_time &&
		echo 56 >/proc/sys/net/ipv4/tcp_keepalive_intvl &&
		echo 7 >/proc/sys/net/ipv4/tcp_keepalive_probes'
	assert_line "TCP_KEEPIDLE	1234	60"
	assert_line "TCP_KEEPINTVL	56	10"
	assert_line "TCP_KEEPCNT	7	5"
}

@test "sockopts: with net.ipv6.bindv6only=1, IPV6_V6ONLY defaults to 1 and is cleared" {
	[ -r /proc/sys/net/ipv6/bindv6only ] || skip "no IPv6 in this kernel"
	run_in_netns 'echo 1 >/proc/sys/net/ipv6/bindv6only'
	assert_line "IPV6_V6ONLY	1	0"
}

@test "sockopts: in a namespace with other tcp_rmem/tcp_wmem, the buffer defaults follow them" {
	run_in_netns '
		printf "4096 100000 6291456\n" >/proc/sys/net/ipv4/tcp_rmem &&
		printf "4096 50000 4194304\n" >/proc/sys/net/ipv4/tcp_wmem'
	assert_line "SO_RCVBUF	100000	$(doubled "$(cat "$BATS_TEST_TMPDIR/rmem_max")")"
	assert_line "SO_SNDBUF	50000	$(doubled "$(cat "$BATS_TEST_TMPDIR/wmem_max")")"
}

@test "sockopts rejects arguments with a usage message and 64" {
	run -64 "$SOCKOPTS" extra
	assert_output --partial usage
}
