#!/usr/bin/env bats
# sock_bench: --tiny runs every case and prints the benchmark contract's CSV
# (section,case,metric,median,min,max,unit; goals section,case,verdict,value,unit);
# the figures themselves are not checked.
load ../helper
program SOCK_BENCH bench/sock_bench

# The TCP transports measured here: tcp6 (over ::1) only where IPv6 works.
if netprog_has_ipv6; then TCPS=(tcp6 tcp4); else TCPS=(tcp4); fi

# A figure's row has seven fields, min <= median <= max and a known unit; a goal's five,
# saying met or not met.
@test "sock_bench --tiny prints only well-formed CSV rows and exits 0" {
	run -0 --separate-stderr "$SOCK_BENCH" --tiny
	[ -n "$output" ]
	local line n=0
	while IFS= read -r line; do
		n=$((n + 1))
		awk -F, '
			$1 == "goal" { exit !(NF == 5 && ($3 == "met" || $3 == "not met") && $4 ~ /^[0-9]+(\.[0-9]+)?$/) }
			NF != 7 { exit 1 }
			$4 !~ /^[0-9]+(\.[0-9]+)?$/ || $5 !~ /^[0-9]+(\.[0-9]+)?$/ || $6 !~ /^[0-9]+(\.[0-9]+)?$/ { exit 1 }
			$5 + 0 > $4 + 0 || $4 + 0 > $6 + 0 { exit 1 }
			$1 !~ /^(stream|rtt|nagle|wsize)$/ { exit 1 }
			$7 !~ /^(MiB\/s|us|ms|x)$/ { exit 1 }
		' <<<"$line" || fail "malformed row: $line"
	done <<<"$output"
	# 46 rows of stream, rtt, nagle and goals, and 5 for each of the 6 default write sizes;
	# 32 of them are tcp6's, left out on a host without IPv6.
	local want=$((${#TCPS[@]} == 2 ? 76 : 44))
	((n == want)) || fail "$n rows, expected $want"
}

@test "sock_bench -w measures UNIX against TCP at each write size asked for, with ratios" {
	run -0 --separate-stderr "$SOCK_BENCH" --tiny -w 100,8192
	local t s
	for s in 100 8192; do
		for t in unix "${TCPS[@]}"; do
			assert_line --regexp "^wsize,$t $s B,throughput,[0-9.]+,[0-9.]+,[0-9.]+,MiB/s$"
		done
		for t in "${TCPS[@]}"; do
			assert_line --regexp "^wsize,unix/$t $s B,throughput_ratio,[0-9.]+,[0-9.]+,[0-9.]+,x$"
		done
	done
	refute_line --partial "wsize,unix 64 B"
}

@test "sock_bench -w refuses a size of 0, above 1 MiB, not a number, or more than 16 (exit 64)" {
	local bad
	for bad in 0 1048577 5x '' 1,,2 ,1 1, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17; do
		run -64 --separate-stderr "$SOCK_BENCH" --tiny -w "$bad"
		assert_output ''
		[[ $stderr == *usage* ]] || fail "-w '$bad': stderr was: $stderr"
	done
	run -64 --separate-stderr "$SOCK_BENCH" -w
	[[ $stderr == *usage* ]]
}

@test "sock_bench --tiny measures UNIX, TCP over ::1 and over 127.0.0.1, with ratios" {
	run -0 --separate-stderr "$SOCK_BENCH" --tiny
	local t
	for t in unix "${TCPS[@]}"; do
		assert_line --regexp "^stream,$t,throughput,[0-9.]+,[0-9.]+,[0-9.]+,MiB/s$"
		assert_line --regexp "^rtt,$t,median,[0-9.]+,[0-9.]+,[0-9.]+,us$"
		assert_line --regexp "^rtt,$t,p99,[0-9.]+,[0-9.]+,[0-9.]+,us$"
	done
	for t in "${TCPS[@]}"; do
		assert_line --regexp "^stream,unix/$t,throughput_ratio,[0-9.]+,[0-9.]+,[0-9.]+,x$"
		assert_line --regexp "^rtt,$t/unix,median_ratio,[0-9.]+,[0-9.]+,[0-9.]+,x$"
		assert_line --regexp "^rtt,$t/unix,p99_ratio,[0-9.]+,[0-9.]+,[0-9.]+,x$"
	done
	assert_line --regexp '^goal,UNIX stream nearly 2x TCP,(met|not met),[0-9.]+,x$'
	assert_line --regexp '^goal,UNIX RTT nearly 2x TCP,(met|not met),[0-9.]+,x$'
}

@test "sock_bench --tiny runs every Nagle case in both families, with ratios against nodelay" {
	run -0 --separate-stderr "$SOCK_BENCH" --tiny
	local f c
	for f in "${TCPS[@]}"; do
		for c in default nodelay quickack-once quickack-rearmed one-write; do
			assert_line --regexp "^nagle,$f-$c,median,[0-9.]+,[0-9.]+,[0-9.]+,ms$"
			assert_line --regexp "^nagle,$f-$c,p99,[0-9.]+,[0-9.]+,[0-9.]+,ms$"
		done
		for c in default quickack-once quickack-rearmed one-write; do
			assert_line --regexp "^nagle,$f-$c/nodelay,median_ratio,[0-9.]+,[0-9.]+,[0-9.]+,x$"
		done
		refute_line --partial "nagle,$f-nodelay/nodelay"
	done
	assert_line --regexp '^goal,stall ~40 ms without TCP_NODELAY,(met|not met),[0-9.]+,ms$'
}

@test "sock_bench says nothing about IPv6 where the host has it" {
	needs_ipv6
	run -0 --separate-stderr "$SOCK_BENCH" --tiny -w 100
	[[ $stderr != *IPv6* ]] || fail "stderr: $stderr"
}

@test "sock_bench on a host without IPv6 leaves tcp6 out, says so in one line, and measures tcp4" {
	run -0 --separate-stderr in_no_ipv6 '"$SOCK_BENCH" --tiny -w 100 2>"$1/err"' "$BATS_TEST_TMPDIR"
	refute_output --partial tcp6
	assert_line --regexp '^stream,tcp4,throughput,'
	assert_line --regexp '^nagle,tcp4-default,median,'
	assert_line --regexp '^goal,UNIX RTT nearly 2x TCP,(met|not met),[0-9.]+,x$'
	run grep -c 'IPv6' "$BATS_TEST_TMPDIR/err"
	assert_output 1
}

@test "sock_bench rejects an unknown option and extra arguments with 64" {
	run -64 --separate-stderr "$SOCK_BENCH" --bogus
	assert_output ''
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$SOCK_BENCH" --tiny extra
	assert_output ''
	[[ $stderr == *usage* ]]
}
