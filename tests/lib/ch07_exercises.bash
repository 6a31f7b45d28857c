# tests/lib/ch07_exercises.bash - what the echo (RFC 862) and chargen (RFC 864) grading suites
# share.  Load it after the helper:  load ../../helper; load ../../lib/ch07_exercises
#
#   $EX7_PEER                  tests/lib/ch07_exercises_peer.py (its usage inside)
#   peer ARGS...               the peer under `client`, so it cannot hang
#   start_peer ARGS...         the peer in the background (start_bg, stdin /dev/null); PID in $BG_PID
#   fd_count PID               how many descriptors PID has open
#   wait_fds PID N             wait, with a deadline, until PID has at most N descriptors open
#   rss_kb PID                 PID's resident memory (VmRSS) in KiB
#   cpu_ticks PID              PID's user + system CPU time, in clock ticks
#   chargen_expected N         the first N lines of RFC 864's pattern (CR LF ends), to stdout

EX7_PEER=$NETPROG_TOP/tests/lib/ch07_exercises_peer.py

peer() { client "$PYTHON" "$EX7_PEER" "$@"; }

start_peer() { start_bg "$PYTHON" "$EX7_PEER" "$@" </dev/null; }

fd_count() {
	# Less the dozen valgrind keeps at the top of the hard limit (make valgrind).
	local hard fd n=0
	hard=$(awk '/^Max open files/ { print $5 }' "/proc/$1/limits" 2>/dev/null)
	[[ $hard =~ ^[0-9]+$ ]] || hard=1048576
	for fd in /proc/"$1"/fd/*; do
		fd=${fd##*/}
		[[ $fd =~ ^[0-9]+$ ]] && ((fd < hard - 16)) && n=$((n + 1))
	done
	echo "$n"
}

wait_fds() {
	local pid=$1 want=$2 n deadline=$((SECONDS + NETPROG_TIMEOUT))
	while n=$(fd_count "$pid") && ((n > want)); do
		if ((SECONDS >= deadline)); then
			echo "process $pid still has $n descriptors open, not $want, after ${NETPROG_TIMEOUT}s:" >&2
			ls -l /proc/"$pid"/fd >&2
			return 1
		fi
		sleep 0.05
	done
}

rss_kb() { awk '$1 == "VmRSS:" { print $2 }' /proc/"$1"/status; }

# Fields 14 and 15 of /proc/PID/stat; the command name (field 2) may hold spaces, so cut after ')'.
cpu_ticks() { local s; s=$(</proc/"$1"/stat); s=${s##*) }; awk '{ print $12 + $13 }' <<<"$s"; }

# RFC 864: number the 95 printable characters 0..94 as a ring; line N holds N..N+71 (mod 95).
chargen_expected() {
	"$PYTHON" -c '
import sys
ring = bytes(range(32, 127))
out = b"".join(bytes(ring[(n + i) % 95] for i in range(72)) + b"\r\n" for n in range(int(sys.argv[1])))
sys.stdout.buffer.write(out)' "$1"
}
