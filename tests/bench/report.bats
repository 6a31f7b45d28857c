# tests/bench/report.bats - bench/run's CSV and header, and bench/report's plots and report.
# One tiny run of the three quick benchmarks (seconds) is shared by the suite; its figures
# are not checked, only their form.
bats_require_minimum_version 1.5.0
load ../helper

PLOTS=(rtt-idle connections bulk nagle wsize pool)

# What the three benchmarks run (make bench builds them): each test fails at once, naming
# the one that is missing.  No make here: a suite that rebuilt them would pull binaries
# from under the suites running beside it.
program POOL_BENCH bench/pool_bench
program SOCK_BENCH bench/sock_bench
program LOADGEN bench/loadgen
program ECHO_DESIGNS bench/echo_designs
program ECHO_CEILING bench/echo_ceiling
program POOL_SERVER ch09-workers/pool_server
program ECHO_TCP exercises/ch08-clientserver/echo_tcp

setup_file() {
	export RUN_DIR=$BATS_FILE_TMPDIR/run
	mkdir -p "$RUN_DIR"
	cd "$RUN_DIR" || return 1
	timeout -k 5 300 "$NETPROG_TOP/bench/run" --tiny -o "$RUN_DIR/results.csv" \
		"$NETPROG_TOP/bench/pool_bench" "$NETPROG_TOP/bench/sock_bench" \
		"$NETPROG_TOP/bench/designs_bench.sh" >"$RUN_DIR/table" 2>"$RUN_DIR/stderr"
	echo $? >"$RUN_DIR/status"
}

needs_gnuplot() {
	command -v gnuplot >/dev/null || skip "gnuplot is not installed (apt-get install gnuplot-nox)"
}

# valid_svg FILE: FILE parses as XML and its root is an SVG element.
valid_svg() {
	"$PYTHON" -c '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
sys.exit(0 if root.tag == "{http://www.w3.org/2000/svg}svg" else 1)' "$1"
}

@test "bench/run --tiny exits 0 and says how far it is on stderr" {
	[ "$(cat "$RUN_DIR/status")" = 0 ] || fail "bench/run exited $(cat "$RUN_DIR/status"): $(cat "$RUN_DIR/stderr")"
	grep -qF -- '-- [1/3] pool_bench --tiny' "$RUN_DIR/stderr"
	grep -qF -- '-- [3/3] designs_bench --tiny' "$RUN_DIR/stderr"
	grep -qF -- 'report: ' "$RUN_DIR/stderr"
}

@test "the CSV: bench/run's header, 8 fields a row, min <= median <= max" {
	run -0 head -n 1 "$RUN_DIR/results.csv"
	assert_output 'bench,section,case,metric,value,min,max,unit'
	run -0 awk -F, -v num='^-?[0-9.]+([eE][-+]?[0-9]+)?$' 'NR > 1 {
		n++
		if (NF != 8 || $5 !~ num || $6 !~ num || $7 !~ num || $6 + 0 > $5 + 0 || $5 + 0 > $7 + 0)
			{ print "bad row " NR ": " $0; bad = 1 }
	} END { if (n < 100) { print n " rows"; bad = 1 }; exit bad }' "$RUN_DIR/results.csv"
	grep -q '^pool_bench,pool,pool 2 workers,jobs per second,' "$RUN_DIR/results.csv"
	grep -q '^sock_bench,wsize,unix 4096 B,throughput,' "$RUN_DIR/results.csv"
	grep -q '^designs_bench,designs,epoll 4 clients vs ceiling,bulk echo,' "$RUN_DIR/results.csv"
}

@test "the table's header names the machine, the kernel and the load average" {
	run -0 head -n 2 "$RUN_DIR/table"
	assert_line --index 0 --regexp '^== bench/run --tiny on [0-9T:-]+Z$'
	assert_line --index 1 --partial "$(uname -n): $(nproc) CPUs ("
	assert_line --index 1 --partial "Linux $(uname -r); load average "
	# Each figure with its spread, or alone when the runs agree (one run with --tiny).
	grep -qE '^  pool 1 worker +jobs per second +[0-9]+ jobs/s' "$RUN_DIR/table"
	grep -qF 'load average at the end: ' "$RUN_DIR/table"
}

@test "the table shows each benchmark's section under one heading, not split in two" {
	run -0 awk '/^[a-z_]+ \/ [a-z_]+$/ { if (seen[$0]++) { print "twice: " $0; bad = 1 } } END { exit bad }' \
		"$RUN_DIR/table"
	grep -qx 'designs_bench / scale' "$RUN_DIR/table" || fail "no heading designs_bench / scale: $(cat "$RUN_DIR/table")"
}

@test "bench/run warns on stdout and stderr when the load average is above the CPU count" {
	echo "$(($(nproc) + 7)).50 1.00 1.00 1/100 4242" >"$BATS_TEST_TMPDIR/loadavg"
	BENCH_LOADAVG=$BATS_TEST_TMPDIR/loadavg run -0 --separate-stderr "$NETPROG_TOP/bench/run" \
		--tiny -o "$BATS_TEST_TMPDIR/results.csv" "$NETPROG_TOP/bench/pool_bench"
	assert_line --regexp "^== warning: the load average \($(($(nproc) + 7))\.50\) is above the $(nproc) CPUs"
	[[ $stderr == *"is above the $(nproc) CPUs"* ]]
	grep -qF '**Warning:** the load average' "$BATS_TEST_TMPDIR/REPORT.md"
	echo "0.00 0.00 0.00 1/100 4242" >"$BATS_TEST_TMPDIR/loadavg"
	BENCH_LOADAVG=$BATS_TEST_TMPDIR/loadavg run -0 --separate-stderr "$NETPROG_TOP/bench/run" \
		--tiny -o "$BATS_TEST_TMPDIR/results.csv" "$NETPROG_TOP/bench/pool_bench"
	refute_output --partial 'warning'
}

@test "every plot is written as a valid SVG, and as a PNG, next to the CSV" {
	needs_gnuplot
	local p
	for p in "${PLOTS[@]}"; do
		[ -s "$RUN_DIR/results-$p.svg" ] || fail "no $RUN_DIR/results-$p.svg; stderr: $(cat "$RUN_DIR/stderr")"
		valid_svg "$RUN_DIR/results-$p.svg" || fail "results-$p.svg is not a valid SVG"
		# The PNG signature: \x89 P N G.
		[ "$(head -c 4 "$RUN_DIR/results-$p.png" | od -An -tx1 | tr -d ' ')" = 89504e47 ] ||
			fail "results-$p.png is not a PNG"
	done
}

@test "the report shows each plot with the text's claim, what was measured and a verdict" {
	needs_gnuplot
	local report=$RUN_DIR/REPORT.md p
	[ -s "$report" ] || fail "no REPORT.md next to results.csv"
	for p in "${PLOTS[@]}"; do
		grep -qF "](results-$p.svg)" "$report" || fail "the report does not show results-$p.svg"
	done
	[ "$(grep -c '^\*\*The text:\*\* Chapter' "$report")" = 6 ]
	[ "$(grep -c '^\*\*Verdict:\*\* \*\*' "$report")" = 6 ]
	grep -qF 'A tiny run' "$report"
	grep -qF 'Measured on ' "$report"
}

@test "without gnuplot the CSV and the table still come out, and the report says how to get plots" {
	local dir=$BATS_TEST_TMPDIR/nognu p
	mkdir -p "$dir"
	# A previous run's plots: without gnuplot none is of the new figures, so all go.
	for p in "${PLOTS[@]}"; do
		touch "$dir/results-$p.svg" "$dir/results-$p.png"
	done
	GNUPLOT=/nonexistent/gnuplot run -0 --separate-stderr "$NETPROG_TOP/bench/run" --tiny \
		-o "$dir/results.csv" "$NETPROG_TOP/bench/pool_bench"
	assert_line --regexp '^  pool 4 workers +jobs per second +[0-9]+ jobs/s'
	[ -s "$dir/results.csv" ]
	grep -qF 'apt-get install gnuplot-nox' "$dir/REPORT.md"
	run ls "$dir"
	refute_output --partial '.svg'
	refute_output --partial '.png'
	for p in "${PLOTS[@]}"; do
		[ ! -e "$dir/results-$p.svg" ] && [ ! -e "$dir/results-$p.png" ] ||
			fail "the stale results-$p.svg or .png is left: $output"
	done
}

# bulk_verdict SOCAT CEILING: the bulk plot's verdict line when the two bulk goals have
# those verdicts (the rest of the tiny run's CSV kept), without gnuplot (faster).
bulk_verdict() {
	local dir=$BATS_TEST_TMPDIR/bulk
	mkdir -p "$dir"
	awk -F, -v OFS=, -v s="$1" -v c="$2" '
		$2 == "goal" && $3 ~ /^poll\/epoll bulk throughput >= socat/ { $4 = s }
		$2 == "goal" && $3 ~ /^poll\/epoll bulk throughput >= 0\.8x/ { $4 = c }
		{ print }' "$RUN_DIR/results.csv" >"$dir/results.csv"
	GNUPLOT=/nonexistent/gnuplot "$NETPROG_TOP/bench/report" "$dir/results.csv" 2>/dev/null || return 1
	sed -n '/^## Bulk echo/,/^## /p' "$dir/REPORT.md" | grep '^\*\*Verdict:\*\* '
}

@test "the bulk verdict judges both goals, socat's and the ceiling's, each only when it was measured" {
	grep -q '^designs_bench,goal,poll/epoll bulk throughput >= 0.8x the epoll ceiling' "$RUN_DIR/results.csv" ||
		fail "no ceiling goal in the CSV"
	run -0 bulk_verdict met met
	assert_output --regexp '^\*\*Verdict:\*\* \*\*holds\*\*: .*socat.*ceiling'
	run -0 bulk_verdict met 'not met'
	assert_output --partial '**not shown by this run**'
	run -0 bulk_verdict 'not met' met
	assert_output --partial '**not shown by this run**'
	run -0 bulk_verdict 'skipped: socat not installed' met
	assert_output --partial '**holds as far as judged**'
	assert_output --partial '**skipped: socat not installed**'
	run -0 bulk_verdict 'skipped: socat not installed' 'skipped: not measured'
	assert_output --partial '**not judged**'
}

@test "a plot whose figures the CSV lacks is not drawn, its old files are removed, the report says so" {
	needs_gnuplot
	local dir=$BATS_TEST_TMPDIR/part
	mkdir -p "$dir"
	{ head -n 1 "$RUN_DIR/results.csv"; grep '^pool_bench,' "$RUN_DIR/results.csv"; } >"$dir/results.csv"
	touch "$dir/results-nagle.svg" "$dir/results-nagle.png"
	run -0 --separate-stderr "$NETPROG_TOP/bench/report" "$dir/results.csv"
	valid_svg "$dir/results-pool.svg"
	[ ! -e "$dir/results-nagle.svg" ] && [ ! -e "$dir/results-nagle.png" ]
	[ "$(grep -c '^Not measured in this run\.' "$dir/REPORT.md")" = 5 ]
}

@test "figures of a host without IPv6 (no tcp6 rows) still give the Nagle and write-size plots" {
	needs_gnuplot
	local dir=$BATS_TEST_TMPDIR/no6
	mkdir -p "$dir"
	grep -v -e ',tcp6' -e 'unix/tcp6' -e 'tcp6/unix' "$RUN_DIR/results.csv" >"$dir/results.csv"
	run -0 --separate-stderr "$NETPROG_TOP/bench/report" "$dir/results.csv"
	valid_svg "$dir/results-nagle.svg"
	valid_svg "$dir/results-wsize.svg"
	grep -qF 'default: ' "$dir/REPORT.md"
	run grep -c '::1' "$dir/REPORT.md"
	assert_output 0
}

@test "bench/report: usage 64, a CSV that is not bench/run's 65, a missing one 66" {
	run -64 --separate-stderr "$NETPROG_TOP/bench/report"
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$NETPROG_TOP/bench/report" --bogus x.csv
	printf 'a,b\n1,2\n' >"$BATS_TEST_TMPDIR/other.csv"
	run -65 --separate-stderr "$NETPROG_TOP/bench/report" "$BATS_TEST_TMPDIR/other.csv"
	[[ $stderr == *"not a bench/run CSV"* ]]
	{ head -n 1 "$RUN_DIR/results.csv"; echo 'x,y,z,m,abc,1,2,u'; } >"$BATS_TEST_TMPDIR/bad.csv"
	run -65 --separate-stderr "$NETPROG_TOP/bench/report" "$BATS_TEST_TMPDIR/bad.csv"
	run -66 --separate-stderr "$NETPROG_TOP/bench/report" "$BATS_TEST_TMPDIR/missing.csv"
	[ ! -e "$BATS_TEST_TMPDIR/missing-REPORT.md" ]
}

# make clean's list of bench outputs is kept by name; this holds it to what bench/report
# writes: in a copy holding just the Makefile and bench/, every output of a full and a
# tiny report goes, and nothing else.
@test "make clean removes every plot and report that bench/report writes in bench/, nothing else" {
	local tree=$BATS_TEST_TMPDIR/tree stem
	mkdir -p "$tree/bench" "$tree/ch00-none" "$tree/exercises" "$tree/tests"
	cp "$NETPROG_TOP/Makefile" "$tree/"
	cp "$NETPROG_TOP"/bench/*.c "$NETPROG_TOP/bench/run" "$NETPROG_TOP/bench/report" "$tree/bench/"
	(cd "$tree/bench" && ls) >"$BATS_TEST_TMPDIR/before"
	for stem in results results-tiny; do
		cp "$RUN_DIR/results.csv" "$tree/bench/$stem.csv"
		"$NETPROG_TOP/bench/report" "$tree/bench/$stem.csv" 2>/dev/null
	done
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$tree" clean
	run diff "$BATS_TEST_TMPDIR/before" <(cd "$tree/bench" && ls)
	[ "$status" -eq 0 ] || fail "after make clean, bench/ differs from before (> left, < gone): $output"
}
