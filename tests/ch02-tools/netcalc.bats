#!/usr/bin/env bats
# netcalc ADDRESS/PREFIX...: every field against Python's ipaddress on thousands of seeded
# random blocks of both families, the text's own examples, and bad input refused.
load ../helper
program NETCALC ch02-tools/netcalc

CHECK=$NETPROG_TOP/tests/lib/ch02_netcalc_check.py

# field BLOCK NAME: the value netcalc gives NAME for BLOCK, in $output.
field() {
	run -0 --separate-stderr client "$NETCALC" "$1"
	output=$(awk -v k="$2" '$1 == k { print $2 }' <<<"$output")
}

@test "netcalc: agrees with Python's ipaddress on 3000 random blocks of each family and the edge cases" {
	run -0 client "$PYTHON" "$CHECK" "$NETCALC" 18 3000
	assert_output ''
}

@test "netcalc: agrees with Python's ipaddress on a second seed" {
	run -0 client "$PYTHON" "$CHECK" "$NETCALC" 4242 1000
	assert_output ''
}

@test "netcalc: prints the fields of a block in order, one per line" {
	run -0 client "$NETCALC" 192.0.2.87/24
	assert_output "address    192.0.2.87
network    192.0.2.0/24
netmask    255.255.255.0
broadcast  192.0.2.255
first      192.0.2.1
last       192.0.2.254
addresses  256
kind       documentation"
}

@test "netcalc: the text's 192.0.2/24 is refused: every byte must be written" {
	run -64 --separate-stderr client "$NETCALC" 192.0.2/24
	assert_output ''
	[[ $stderr == *"192.0.2.0, not 192.0.2"* ]]
}

@test "netcalc: the broadcast address of 192.0.2.0/24 is 192.0.2.255 (the text's example)" {
	field 192.0.2.0/24 broadcast
	assert_output 192.0.2.255
}

@test "netcalc: the broadcast address of 172.16.0.0/12 is 172.31.255.255 (the text's example)" {
	field 172.16.0.0/12 broadcast
	assert_output 172.31.255.255
}

@test "netcalc: IPv6 blocks have no broadcast line" {
	run -0 client "$NETCALC" 2001:db8::/64
	refute_line --partial broadcast
}

@test "netcalc: IPv6 multicast is ff00::/8, not ff00::/12 (ff02::1 and ff15::101 are multicast too)" {
	field ff02::1 kind
	assert_output multicast
	field ff15::101 kind
	assert_output multicast
	field ff00::/8 kind
	assert_output multicast
}

@test "netcalc: ff01::2 is multicast (the text's all-routers example)" {
	field ff01::2 kind
	assert_output multicast
}

@test "netcalc: IPv6 is printed in RFC 5952 form (lower case, longest zero run as ::)" {
	field 2001:0DB8:0000:0000:0000:0000:00A7:0082/64 address
	assert_output 2001:db8::a7:82
	field 1:0:0:1:0:0:0:1 address
	assert_output 1:0:0:1::1
	field 1:0:0:1:0:0:1:1 address
	assert_output 1::1:0:0:1:1
	field 2001:db8:0:1:1:1:1:1 address
	assert_output 2001:db8:0:1:1:1:1:1
}

@test "netcalc: an IPv4-mapped address keeps its IPv4 part dotted; an IPv4-compatible one does not" {
	field ::ffff:c000:201 address
	assert_output ::ffff:192.0.2.1
	field ::1.2.3.4 address
	assert_output ::102:304
}

@test "netcalc: /31 and /32 have no network or broadcast to skip (RFC 3021)" {
	field 10.0.0.0/31 first
	assert_output 10.0.0.0
	field 10.0.0.0/31 last
	assert_output 10.0.0.1
	field 10.0.0.7/32 first
	assert_output 10.0.0.7
}

@test "netcalc: counts 2^128 addresses exactly" {
	field ::/0 addresses
	assert_output 340282366920938463463374607431768211456
}

@test "netcalc: the kinds of the special ranges" {
	local pair block kind
	for pair in 10.1.2.3/16=private 172.20.0.0/16=private 192.168.0.0/24=private 127.0.0.1=loopback \
	    169.254.1.1=link-local 224.0.0.1=multicast 192.0.2.1=documentation 8.8.8.8=global \
	    0.0.0.0/0=mixed ::1=loopback fe80::1/64=link-local fd00::1/8=private 2001:db8::/48=documentation \
	    2606:4700::1=global ::/0=mixed; do
		block=${pair%=*} kind=${pair#*=}
		field "$block" kind
		[ "$output" = "$kind" ] || { echo "$block: expected kind $kind, got '$output'" >&2; return 1; }
	done
}

@test "netcalc: several blocks are answered in order, separated by an empty line" {
	run -0 client "$NETCALC" 10.0.0.0/8 ::1
	assert_line --index 0 'address    10.0.0.0'
	[[ $output == *$'kind       private\n\naddress    ::1\n'* ]]
}

@test "netcalc: blocks that are not ADDRESS/PREFIX are 64 with the block named, nothing on stdout" {
	local bad
	for bad in '' / /24 10.0.0.0/ 10.0.0.0/33 10.0.0.0/-1 '10.0.0.0/ 8' 10.0.0.0/+8 10.0.0.0/8x \
	    10.0.0.256/8 1.2.3 ::/129 ::g/64 1:2:3:4:5:6:7:8:9 fe80::1%lo/64 '10.0.0.0/99999999999999999999' \
	    example.org; do
		run -64 --separate-stderr client "$NETCALC" 10.0.0.0/8 "$bad"
		assert_output ''
		[[ $stderr == *"$bad"* ]] || { echo "'$bad': message does not name it: $stderr" >&2; return 1; }
	done
}

@test "netcalc: no argument is 64 with the usage line" {
	run -64 --separate-stderr client "$NETCALC"
	[[ $stderr == usage:* ]]
}
