#!/usr/bin/env bats
# hdr_dump: pcap files this suite writes (tests/lib/pcap_gen.py: every header of
# Appendix A, broken ones too) and captures of real traffic, compared fact by fact with
# Debian's tcpdump (tests/lib/hdr_compare.py); every packet cut at every length is shown
# as truncated, never read past; live capture on a veth pair in a private network
# namespace shows ARP and IPv6 neighbour discovery; bad files and arguments fail clearly.
load ../helper
program HDR_DUMP appendix-a-protocols/hdr_dump

GEN=$NETPROG_TOP/tests/lib/pcap_gen.py
COMPARE=$NETPROG_TOP/tests/lib/hdr_compare.py

needs_tcpdump() {
	command -v tcpdump >/dev/null || skip "tcpdump is not installed (sh .ci/deps installs it)"
}

# needs_netns: a new network namespace can be made: as root directly (unshare -n),
# otherwise in a user namespace (unshare -rn); the test is skipped where neither works.
needs_netns() {
	if unshare -n true 2>/dev/null; then
		NETNS_HOW=-n
	elif unshare -rn true 2>/dev/null; then
		NETNS_HOW=-rn
	else
		skip "no network namespace can be made here (a container or chroot without CAP_SYS_ADMIN)"
	fi
}

# in_netns SCRIPT ARGS...: bash SCRIPT in a new network namespace (after needs_netns);
# everything it starts dies with it (the namespace goes with its last process).
in_netns() {
	HDR_DUMP=$HDR_DUMP NETPROG_TIMEOUT=$NETPROG_TIMEOUT timeout -k 1 60 unshare "$NETNS_HOW" bash -c "$@"
}

@test "hdr_dump: every field of the generated packets agrees with tcpdump -nn -v" {
	needs_tcpdump
	"$PYTHON" "$GEN" "$BATS_TEST_TMPDIR/gen.pcap"
	run -0 "$PYTHON" "$COMPARE" "$HDR_DUMP" "$BATS_TEST_TMPDIR/gen.pcap"
	assert_output --partial 'compared 20 packets'
}

@test "hdr_dump: nanosecond, byte-swapped and raw-IP pcap files agree with tcpdump too" {
	needs_tcpdump
	local v
	for v in --nano --swapped --raw; do
		"$PYTHON" "$GEN" "$BATS_TEST_TMPDIR/gen$v.pcap" "$v"
		run -0 "$PYTHON" "$COMPARE" "$HDR_DUMP" "$BATS_TEST_TMPDIR/gen$v.pcap"
	done
	run -0 "$HDR_DUMP" -r "$BATS_TEST_TMPDIR/gen--nano.pcap" -c 1
	assert_output --regexp '^1 1700000000\.000007000 '
}

@test "hdr_dump: a capture of real loopback traffic (ping, TCP, UDP, DNS) agrees with tcpdump" {
	needs_tcpdump
	command -v ping >/dev/null || skip "ping is not installed (iputils-ping)"
	needs_netns
	in_netns '
		set -e
		ip link set lo up
		out=$0
		# tests/lib/capture.py, not tcpdump -w: tcpdump cannot drop its privileges in a
		# user namespace of our own; tcpdump reads the file (hdr_compare.py).
		timeout 20 "$PYTHON" "$1" lo "$out" >"$out.ready" & td=$!
		trap "kill $td 2>/dev/null || true" EXIT
		for _ in $(seq 200); do grep -q ready "$out.ready" 2>/dev/null && break; sleep 0.05; done
		grep -q ready "$out.ready"
		ping -c 2 -i 0.2 -W 1 127.0.0.1 >/dev/null
		ping -c 2 -i 0.2 -W 1 ::1 >/dev/null || true
		python3 -c "
import socket, struct
q = struct.pack(\"!6H\", 7, 0x0100, 1, 0, 0, 0) + b\"\x07example\x03org\x00\" + struct.pack(\"!HH\", 28, 1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.sendto(q, (\"127.0.0.1\", 53))
l = socket.socket(); l.bind((\"127.0.0.1\", 0)); l.listen()
c = socket.create_connection(l.getsockname()); a, _ = l.accept()
c.sendall(b\"hello\"); a.recv(5); c.close(); a.close()"
		kill $td; wait $td || true
	' "$BATS_TEST_TMPDIR/lo.pcap" "$NETPROG_TOP/tests/lib/capture.py"
	run "$PYTHON" "$COMPARE" "$HDR_DUMP" "$BATS_TEST_TMPDIR/lo.pcap"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	assert_output --regexp 'compared [0-9]+ packets'
}

@test "hdr_dump: checksums are verified: a wrong UDP checksum and a wrong IPv4 header checksum are shown WRONG" {
	"$PYTHON" "$GEN" "$BATS_TEST_TMPDIR/gen.pcap"
	run -0 "$HDR_DUMP" -r "$BATS_TEST_TMPDIR/gen.pcap" -v
	assert_line --regexp '^  udp: sport 40004 .* \(WRONG\)$'
	assert_line --regexp '^  ipv4: .* checksum 0x[0-9a-f]{4} \(WRONG\) src 10\.0\.0\.1 dst 10\.0\.0\.2$'
	assert_line --regexp '^  udp: sport 40008 .* checksum 0x0000 \(none\)$'
	# The correct ones: every other UDP, TCP, ICMP and ICMPv6 checksum of the file.
	[ "$(grep -cE '^  (udp|tcp|icmp|icmpv6): .*\(correct\)' <<<"$output")" -ge 12 ]
}

@test "hdr_dump: truncated and malformed packets are labelled as such" {
	"$PYTHON" "$GEN" "$BATS_TEST_TMPDIR/gen.pcap"
	run -0 "$HDR_DUMP" -r "$BATS_TEST_TMPDIR/gen.pcap"
	assert_line --regexp '^17 .* 54 bytes \(44 captured\): 10\.0\.0\.1\.40006 > 10\.0\.0\.2\.80: TCP \[truncated tcp\]$'
	assert_line --regexp '^18 .*\[malformed ipv4: ihl below 5'
	assert_line --regexp '^20 .* 10 bytes: +\[truncated ethernet\]$'
}

@test "hdr_dump: every packet cut at every length is shown, one line each, and nothing is read past it" {
	"$PYTHON" "$GEN" "$BATS_TEST_TMPDIR/gen.pcap"
	"$PYTHON" - "$BATS_TEST_TMPDIR/gen.pcap" "$BATS_TEST_TMPDIR/cut.pcap" <<-'PY'
		import struct, sys
		data = open(sys.argv[1], "rb").read()
		out, pos, n = [data[:24]], 24, 0
		while pos < len(data):
		    sec, frac, incl, orig = struct.unpack("<IIII", data[pos:pos + 16])
		    pkt = data[pos + 16:pos + 16 + incl]
		    for cut in range(len(pkt) + 1):
		        out.append(struct.pack("<IIII", sec, frac, cut, orig) + pkt[:cut])
		        n += 1
		    pos += 16 + incl
		open(sys.argv[2], "wb").write(b"".join(out))
		print(n)
	PY
	local n
	n=$("$PYTHON" -c 'import struct,sys; d=open(sys.argv[1],"rb").read(); p=24; n=0
while p < len(d): n += 1; p += 16 + struct.unpack("<I", d[p+8:p+12])[0]
print(n)' "$BATS_TEST_TMPDIR/cut.pcap")
	run -0 --separate-stderr "$HDR_DUMP" -r "$BATS_TEST_TMPDIR/cut.pcap" -v -x
	[ "$(grep -c '^[0-9]' <<<"$output")" -eq "$n" ]
	[ -z "$stderr" ]
}

@test "hdr_dump -i: on a veth pair, a ping shows ARP request and reply, IPv6 neighbour solicitation and advertisement" {
	command -v ping >/dev/null || skip "ping is not installed (iputils-ping)"
	needs_netns
	run in_netns '
		set -e
		out=$0
		ip link add va type veth peer name vb
		unshare -n sleep 60 & peer=$!
		trap "kill $peer \${dump:-} 2>/dev/null || true" EXIT
		# Wait until the child is in its own namespace, or vb would move nowhere.
		for _ in $(seq 200); do
			[ "$(readlink /proc/$peer/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
			sleep 0.01
		done
		ip link set vb netns $peer
		ip addr add 10.9.0.1/24 dev va
		ip -6 addr add fd00:9::1/64 dev va nodad
		ip link set va up
		nsenter -t $peer -n sh -c "ip addr add 10.9.0.2/24 dev vb; ip -6 addr add fd00:9::2/64 dev vb nodad; ip link set vb up; ip link set lo up"
		"$HDR_DUMP" -i va -v >"$out" 2>"$out.err" & dump=$!
		for _ in $(seq 200); do grep -q "listening on va" "$out.err" && break; sleep 0.05; done
		ping -c 1 -W 5 10.9.0.2 >/dev/null
		ping -c 1 -W 5 fd00:9::2 >/dev/null
		kill -TERM $dump; wait $dump
		echo "status $?"
	' "$BATS_TEST_TMPDIR/live.out"
	[ "$status" -eq 0 ] || { echo "the namespace script failed ($status): $output" >&2; cat "$BATS_TEST_TMPDIR/live.out.err" >&2; return 1; }
	assert_line "status 0"
	local out=$BATS_TEST_TMPDIR/live.out
	grep -q ': ARP, Request who-has 10\.9\.0\.2 tell 10\.9\.0\.1$' "$out"
	grep -q ': ARP, Reply 10\.9\.0\.2 is-at ' "$out"
	grep -q 'ICMP echo request' "$out"
	grep -q 'ICMP6, neighbor solicitation, who has fd00:9::2' "$out"
	grep -q 'ICMP6, neighbor advertisement, tgt is fd00:9::2' "$out"
	# The kernel says which way each frame went: ours out, the peer's in.
	grep -q '^[0-9]* [0-9.]* Out [0-9]* bytes: ARP, Request' "$out"
	grep -q '^[0-9]* [0-9.]* In [0-9]* bytes: ARP, Reply' "$out"
}

@test "hdr_dump: -c COUNT stops after COUNT packets" {
	"$PYTHON" "$GEN" "$BATS_TEST_TMPDIR/gen.pcap"
	run -0 "$HDR_DUMP" -r "$BATS_TEST_TMPDIR/gen.pcap" -c 3
	[ "${#lines[@]}" -eq 3 ]
}

@test "hdr_dump: files that are not pcap, pcapng, cut short or lying are refused (65); a missing one is 66" {
	local f=$BATS_TEST_TMPDIR
	printf 'hello, not a capture at all' >"$f/text"
	run -65 --separate-stderr "$HDR_DUMP" -r "$f/text"
	[[ $stderr == *"not a classic pcap file"* ]]
	printf '\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1a\x01\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\x1c\x00\x00\x00' >"$f/ng"
	run -65 --separate-stderr "$HDR_DUMP" -r "$f/ng"
	[[ $stderr == *pcapng* ]]
	"$PYTHON" "$GEN" "$f/gen.pcap"
	head -c 110 "$f/gen.pcap" >"$f/cut.pcap"
	run -65 --separate-stderr "$HDR_DUMP" -r "$f/cut.pcap"
	[[ $stderr == *"cut inside record"* ]]
	{ head -c 24 "$f/gen.pcap"; printf '\0\0\0\0\0\0\0\0\xff\xff\xff\x7f\xff\xff\xff\x7f'; } >"$f/huge.pcap"
	run -65 --separate-stderr "$HDR_DUMP" -r "$f/huge.pcap"
	[[ $stderr == *"claims"* ]]
	run -66 --separate-stderr "$HDR_DUMP" -r "$f/missing.pcap"
	[[ $stderr == *"No such file"* ]]
}

@test "hdr_dump: wrong arguments are usage errors (64)" {
	run -64 --separate-stderr "$HDR_DUMP"
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$HDR_DUMP" -i lo -r x.pcap
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$HDR_DUMP" -r x.pcap extra
	[[ $stderr == *usage* ]]
	local c
	for c in 0 -1 x 1000000001 ''; do
		run -64 --separate-stderr "$HDR_DUMP" -r x.pcap -c "$c"
		[[ $stderr == *"-c takes"* ]]
	done
	run -64 --separate-stderr "$HDR_DUMP" -i no-such-if0
	[[ $stderr == *"no such interface"* ]]
}
