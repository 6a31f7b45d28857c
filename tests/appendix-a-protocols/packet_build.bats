#!/usr/bin/env bats
# packet_build: a UDP datagram built byte by byte (IPv4 and IPv6), sent on a raw socket
# inside a private network namespace, reaches an ordinary UDP socket with its data and
# source port; with a wrong checksum (-b) the kernel drops it and counts it; the printed
# checksum is RFC 768's; bad arguments are 64, no CAP_NET_RAW is 71.
load ../helper
program PACKET_BUILD appendix-a-protocols/packet_build

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

# sends ADDR [-b]: in a new namespace, a UDP socket on ADDR port 9999 waits 1 s for one
# datagram while packet_build sends "hello, raw world" to it; prints what arrived (or
# "nothing") and the family's UDP InCsumErrors counter before and after.
sends() {
	local addr=$1
	shift
	PACKET_BUILD=$PACKET_BUILD timeout -k 1 30 unshare "$NETNS_HOW" "$PYTHON" - "$addr" "$@" <<-'PY'
		import socket, subprocess, sys, os
		addr, flags = sys.argv[1], sys.argv[2:]
		subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
		fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
		def errors():
		    if fam == socket.AF_INET:
		        rows = [l.split() for l in open("/proc/net/snmp") if l.startswith("Udp:")]
		        return rows[1][rows[0].index("InCsumErrors")]
		    return [l.split()[1] for l in open("/proc/net/snmp6") if l.startswith("Udp6InCsumErrors")][0]
		r = socket.socket(fam, socket.SOCK_DGRAM)
		r.bind((addr, 9999))
		r.settimeout(1)
		before = errors()
		out = subprocess.run([os.environ["PACKET_BUILD"]] + flags + [addr, addr, "9999", "hello, raw world"],
		                     capture_output=True, text=True)
		print("status", out.returncode)
		sys.stdout.write(out.stdout)
		try:
		    data, peer = r.recvfrom(2000)
		    print("got %r from port %d" % (data.decode(), peer[1]))
		except socket.timeout:
		    print("nothing")
		print("csum errors %s -> %s" % (before, errors()))
	PY
}

@test "packet_build: a hand-built IPv4 UDP datagram reaches an ordinary UDP socket on 127.0.0.1" {
	run -0 sends 127.0.0.1
	assert_line 'status 0'
	assert_line "got 'hello, raw world' from port 40000"
}

@test "packet_build: a hand-built IPv6 UDP datagram reaches an ordinary UDP socket on ::1" {
	needs_ipv6
	run -0 sends ::1
	assert_line 'status 0'
	assert_line "got 'hello, raw world' from port 40000"
}

@test "packet_build -b: a wrong UDP checksum is dropped by the kernel and counted (each loopback)" {
	local host
	for host in "${LOOPBACKS[@]}"; do
		run -0 sends "$host" -b
		assert_line 'status 0'
		assert_line 'nothing'
		assert_line --regexp '^csum errors ([0-9]+) -> ([0-9]+)$'
		local counts
		counts=$(sed -n 's/^csum errors \([0-9]*\) -> \([0-9]*\)$/\1 \2/p' <<<"$output")
		read -r a b <<<"$counts"
		[ "$b" -eq $((a + 1)) ]
	done
}

@test "packet_build: the bytes printed are the IPv4 header and UDP checksum RFC 791 and RFC 768 give" {
	run -0 sends 127.0.0.1 -p 12345
	"$PYTHON" - "$output" <<-'PY'
		import re, struct, sys
		out = sys.argv[1]
		hexes = b"".join(bytes.fromhex(m) for m in re.findall(r"^  [0-9a-f]{4}  ((?:[0-9a-f]{2} )+)", out, re.M))
		ip, udp = hexes[:20], hexes[20:]
		def fold(s):
		    while s >> 16:
		        s = (s & 0xFFFF) + (s >> 16)
		    return ~s & 0xFFFF
		words = lambda b: sum(struct.unpack("!%dH" % (len(b) // 2), b + b"\0" * (len(b) % 2)))
		assert len(hexes) == 20 + 8 + 16, len(hexes)
		assert fold(words(ip)) == 0, "IPv4 header checksum does not verify"
		assert struct.unpack("!HH", udp[:4]) == (12345, 9999)
		pseudo = words(ip[12:20]) + 17 + len(udp)
		assert fold(pseudo + words(udp)) == 0, "UDP checksum does not verify"
		assert udp[8:] == b"hello, raw world"
	PY
}

@test "packet_build: without CAP_NET_RAW the raw socket is refused (71) and the reason is given" {
	local as=()
	# An ordinary user has no CAP_NET_RAW already; root becomes nobody without capabilities.
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || skip "setpriv is not installed"
		# A wrapper script (make valgrind) writes its logs where another user may not.
		[ "$(head -c 2 "$PACKET_BUILD")" != '#!' ] || skip "a wrapped program cannot be run as another user here"
		as=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
	fi
	run -71 --separate-stderr "${as[@]}" "$PACKET_BUILD" 127.0.0.1 127.0.0.1 9 hi
	[[ $stderr == *CAP_NET_RAW* ]]
}

@test "packet_build: wrong arguments are usage errors (64)" {
	local port
	run -64 --separate-stderr "$PACKET_BUILD"
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$PACKET_BUILD" 127.0.0.1 127.0.0.1 9
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$PACKET_BUILD" 127.0.0.1 ::1 9 mixed
	[[ $stderr == *"one family"* ]]
	run -64 --separate-stderr "$PACKET_BUILD" localhost 127.0.0.1 9 name
	[[ $stderr == *numeric* ]]
	run -64 --separate-stderr "$PACKET_BUILD" 127.0.0.1 127.0.0.1 9 "$(head -c 1401 /dev/zero | tr '\0' x)"
	[[ $stderr == *"at most 1400"* ]]
	for port in '' abc -1 65536 5x ' 80' +80; do
		run -64 --separate-stderr "$PACKET_BUILD" 127.0.0.1 127.0.0.1 "$port" hi
		[[ $stderr == *usage* ]]
		run -64 --separate-stderr "$PACKET_BUILD" -p "$port" 127.0.0.1 127.0.0.1 9 hi
		[[ $stderr == *usage* ]]
	done
}
