#!/usr/bin/env bats
# sock_bench: --tiny runs every case and prints the benchmark contract's CSV
# (section,case,metric,value,unit); the figures themselves are not checked.
load ../helper
program SOCK_BENCH bench/sock_bench

# Every row has five fields, a decimal value and a known unit; goal rows say met or not met.
@test "sock_bench --tiny prints only well-formed CSV rows and exits 0" {
	run -0 --separate-stderr "$SOCK_BENCH" --tiny
	[ -n "$output" ]
	local line n=0
	while IFS= read -r line; do
		n=$((n + 1))
		awk -F, '
			NF != 5 { exit 1 }
			$4 !~ /^[0-9]+(\.[0-9]+)?$/ { exit 1 }
			$1 == "goal" { exit !($3 == "met" || $3 == "not met") }
			$1 !~ /^(stream|rtt|nagle)$/ { exit 1 }
			$5 !~ /^(MiB\/s|us|ms|x)$/ { exit 1 }
		' <<<"$line" || fail "malformed row: $line"
	done <<<"$output"
	((n == 46))
}

@test "sock_bench --tiny measures UNIX, TCP over ::1 and over 127.0.0.1, with ratios" {
	run -0 --separate-stderr "$SOCK_BENCH" --tiny
	local t
	for t in unix tcp6 tcp4; do
		assert_line --regexp "^stream,$t,throughput,[0-9.]+,MiB/s$"
		assert_line --regexp "^rtt,$t,median,[0-9.]+,us$"
		assert_line --regexp "^rtt,$t,p99,[0-9.]+,us$"
	done
	for t in tcp6 tcp4; do
		assert_line --regexp "^stream,unix/$t,throughput_ratio,[0-9.]+,x$"
		assert_line --regexp "^rtt,$t/unix,median_ratio,[0-9.]+,x$"
		assert_line --regexp "^rtt,$t/unix,p99_ratio,[0-9.]+,x$"
	done
	assert_line --regexp '^goal,UNIX stream nearly 2x TCP,(met|not met),[0-9.]+,x$'
	assert_line --regexp '^goal,UNIX RTT nearly 2x TCP,(met|not met),[0-9.]+,x$'
}

@test "sock_bench --tiny runs every Nagle case in both families, with ratios against nodelay" {
	run -0 --separate-stderr "$SOCK_BENCH" --tiny
	local f c
	for f in tcp6 tcp4; do
		for c in default nodelay quickack-once quickack-rearmed one-write; do
			assert_line --regexp "^nagle,$f-$c,median,[0-9.]+,ms$"
			assert_line --regexp "^nagle,$f-$c,p99,[0-9.]+,ms$"
		done
		for c in default quickack-once quickack-rearmed one-write; do
			assert_line --regexp "^nagle,$f-$c/nodelay,median_ratio,[0-9.]+,x$"
		done
		refute_line --partial "nagle,$f-nodelay/nodelay"
	done
	assert_line --regexp '^goal,stall ~40 ms without TCP_NODELAY,(met|not met),[0-9.]+,ms$'
}

@test "sock_bench rejects an unknown option and extra arguments with 64" {
	run -64 --separate-stderr "$SOCK_BENCH" --bogus
	assert_output ''
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$SOCK_BENCH" --tiny extra
	assert_output ''
	[[ $stderr == *usage* ]]
}
