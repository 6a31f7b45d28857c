#!/bin/bash
# designs_bench.sh - the server designs compared, as in UNP chapter 30's table: connections
# per second and bulk echo throughput for each design, and the round trip time of poll,
# epoll and select while thousands of idle connections are held.
#
# usage: bench/designs_bench.sh [--tiny]
# out:   CSV rows section,case,metric,median,min,max,unit: every figure the median of 5
#        runs and their spread (1 run with --tiny, whose figures mean nothing but run every
#        code path); a ratio's spread is min over max .. max over min:
#          designs,SERVER N clients,connections,V,per s     connect+line+echo+close, N = 1, 16
#          designs,SERVER N clients,bulk echo,V,MiB/s       N streams sent and read back
#          designs,SERVER 16 clients vs fork,connections,V,x
#          designs,DESIGN N clients vs PEER,connections|bulk echo,V,x
#          scale,DESIGN H idle,rtt median|rtt p99,V,us      one client's round trips of 64 bytes
#          scale,DESIGN H idle,idle held,N,connections      while H idle connections are held
#          scale,...,x                                      ratios of the same run
#        and goal rows of five fields: goal,DESCRIPTION,met|not met|skipped: REASON,FIGURE,x
#        The designs: iterative, fork, select, poll, epoll (bench/echo_designs), pool
#        (ch09-workers/pool_server, 4 workers, 64 queued), echo_tcp (the chapter 8 poll
#        exercise).  The peers, what a user would run instead: xinetd's internal echo
#        (a private xinetd on a free port, its configuration in a temporary directory,
#        started and stopped here), socat (TCP-LISTEN:PORT,fork,reuseaddr,backlog=4096
#        PIPE: with its default backlog of 5, 16 clients at once get resets), each when
#        installed and it starts (one line on stderr when not: its rows are left out and
#        its goal skipped), and bench/echo_ceiling, a plain
#        single-threaded epoll echo: the ceiling.  Every server runs at once and each
#        run goes round them all, so that load from elsewhere hits them alike.  The round
#        trips: 2000 a run (500 with 10000 idle, where poll takes milliseconds a call);
#        select is also asked for 10000 and its "idle held" row shows where it stops.
#        Progress and notes on stderr.
# exit:  0 whatever the figures, 64 usage, 69 a program is not built (make bench) or one
#        of ours (a design, the ceiling) did not start, 70 a load run failed (its figures
#        are left out), 71 no free port or no temporary directory
# try:   make bench && bench/designs_bench.sh --tiny
# text:  chapter 6, "Uniplex TCP Server"; chapter 7, "Multiplex TCP Server" and "select
#        and poll"; chapter 9, "Worker Pools"
#
# Every load goes to 127.0.0.1 (socat's default listener and our xinetd's are IPv4 only).
# Full run: a few minutes; --tiny: seconds on idle cores, but each of its ~80 processes
# costs a tenth of a second on a loaded machine.  Each server is started
# once and serves all of its items.
set -u

tiny=
case $# in
0) ;;
1) [ "$1" = --tiny ] || { echo "usage: $0 [--tiny]" >&2; exit 64; }; tiny=1 ;;
*) echo "usage: $0 [--tiny]" >&2; exit 64 ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
loadgen=$top/bench/loadgen
echo_designs=$top/bench/echo_designs
pool=$top/ch09-workers/pool_server
echo_tcp=$top/exercises/ch08-clientserver/echo_tcp
ceiling=$top/bench/echo_ceiling
for p in "$loadgen" "$echo_designs" "$pool" "$echo_tcp" "$ceiling"; do
	if [ ! -x "$p" ]; then
		echo "designs_bench: ${p#"$top"/} is not built: make bench" >&2
		exit 69
	fi
done

if [ -n "$tiny" ]; then
	runs=1
	conn1=(-n 20) connN=(-c 4 -n 40) many=4
	bulk1=(-s 65536) bulkN=(-c 4 -s 65536)
	rtt_rounds=20 idles=(0 10)
else
	runs=5
	conn1=(-t 0.5) connN=(-c 16 -t 0.5) many=16
	bulk1=(-s 33554432) bulkN=(-c 16 -s 2097152)
	rtt_rounds=2000 idles=(0 100 1000 10000)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/designs_bench.XXXXXX") || exit 71
pids=()
started=$SECONDS

# stop PID...: stops those servers (each the leader of its process group, which the
# signals go to), SIGTERM first, SIGKILL to what still runs 5 s later; reaps them and
# takes them off $pids.
stop() {
	local p q deadline=$((SECONDS + 5)) kept=()
	for p; do
		kill -TERM -- "-$p" 2>/dev/null
	done
	for p; do
		while kill -0 "$p" 2>/dev/null && ((SECONDS < deadline)); do
			sleep 0.02
		done
		kill -KILL -- "-$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for q in "${pids[@]}"; do
		[[ " $* " == *" $q "* ]] || kept+=("$q")
	done
	pids=("${kept[@]}")
}

# Every server started is stopped by PID, on every way out.
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	stop "${pids[@]}"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 70' INT TERM HUP

note() { echo "designs_bench: $*" >&2; }

# A port below the ephemeral range that no socket uses now.
free_port() {
	local lo port _
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range
	for _ in $(seq 100); do
		port=$((10000 + RANDOM % (lo - 10000)))
		if [ -z "$(ss -Hatn "sport = :$port")" ]; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

# start NAME CMD...: starts a server; an argument PORT becomes a free port (or
# $want_port, a port the caller has chosen and put in the server's configuration), and
# then the server is ready when ss shows it listening; otherwise it is ready when it
# says "listening on port N" on stderr.  Sets $pid and $port, or returns 1 (the server
# stopped, its stderr left in $work/NAME.err for the caller to show).
want_port=
start() {
	local name=$1 arg cmd=() deadline=$((SECONDS + 10)) out=$work/$1.out fixed=
	shift
	port=$want_port
	[ -z "$port" ] || fixed=1
	for arg; do
		if [[ $arg == *PORT* ]]; then
			[ -n "$port" ] || port=$(free_port) || return 1
			arg=${arg//PORT/$port}
			fixed=1
		fi
		cmd+=("$arg")
	done
	# A process group of its own, so that stopping it stops its children too (socat's
	# fork children outlive their parent otherwise): the group's ID is the server's PID.
	setsid "${cmd[@]}" </dev/null >"$out" 2>"$work/$name.err" &
	pid=$!
	pids+=("$pid")
	while :; do
		if [ -z "$fixed" ]; then
			# stderr by the house rule; stdout for a program that has not caught up yet.
			port=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$work/$name.err" "$out" 2>/dev/null | head -n 1)
			[ -z "$port" ] || return 0
		elif [ -n "$(ss -Hltn "sport = :$port")" ]; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
			stop "$pid"
			return 1
		fi
		sleep 0.02
	done
}

# stats_of KEY: "median,min,max" of KEY's values in loadgen's lines on stdin ("" when none).
stats_of() {
	awk -v k="$1" '{
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] != k)
				continue
			for (j = ++n; j > 1 && v[j - 1] > kv[2] + 0; j--)
				v[j] = v[j - 1]
			v[j] = kv[2] + 0
		}
	} function f(x) { return sprintf((x >= 1000) ? "%.0f" : "%.4g", x) }
	END {
		if (n == 0)
			exit
		m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		print f(m) "," f(v[1]) "," f(v[n])
	}'
}

# median TRIPLET: the first of "median,min,max".
median() { echo "${1%%,*}"; }

# ratio A B: A over B, each "median,min,max"; the ratio of the medians, and its spread
# from the spreads (min over max .. max over min); exit 1 when either is missing.
ratio() {
	awk -v a="$1" -v b="$2" 'function f(r) { return sprintf((r >= 100) ? "%.0f" : (r >= 1) ? "%.3g" : "%.3f", r) }
	BEGIN {
		if (split(a, x, ",") != 3 || split(b, y, ",") != 3 || y[1] + 0 == 0 || y[2] + 0 == 0 || y[3] + 0 == 0)
			exit 1
		print f(x[1] / y[1]) "," f(x[2] / y[3]) "," f(x[3] / y[2])
	}'
}

# load NAME TIMES ARGS...: runs loadgen TIMES times; its lines on stdout.  A failed run
# is said on stderr and marked for the exit status (this runs in a subshell).
load() {
	local name=$1 times=$2 i rc out
	shift 2
	for ((i = 0; i < times; i++)); do
		out=$(timeout -k 5 150 "$loadgen" "$@" 2>"$work/loadgen.err")
		rc=$?
		[ ! -s "$work/loadgen.err" ] || sed "s/^/designs_bench: $name: /" "$work/loadgen.err" >&2
		if [ $rc -ne 0 ]; then
			note "$name: loadgen $* failed with $rc (its figures are left out)"
			: >"$work/failed"
			return 1
		fi
		echo "$out"
	done
}

# row SECTION CASE METRIC "MEDIAN,MIN,MAX" UNIT; nothing when the figure is missing.
row() { [ -z "$4" ] || echo "$1,$2,$3,$4,$5"; }

clients() { [ "$1" = 1 ] && echo "1 client" || echo "$1 clients"; }

declare -A cps bulk p99 med port_of absent
designs=(iterative fork select poll epoll pool echo_tcp)
# The peers: what a user would run instead, and the ceiling of one epoll thread.  A peer
# that is missing (or, below, does not start) is left out, and $absent says why.
peers=()
for p in xinetd socat; do
	if command -v "$p" >/dev/null; then
		peers+=("$p")
	else
		note "$p is not installed (apt-get install $p): its rows are skipped"
		absent[$p]="$p not installed"
	fi
done
peers+=(ceiling)
names=("${designs[@]}" "${peers[@]}")

# xinetd's own echo (type INTERNAL): a private instance on a port of ours, its
# configuration in $work.  cps, instances and per_source lifted: their defaults (50
# connections a second, then 10 s refusing) would be measured instead of the server.
xinetd_conf() {
	{
		printf 'defaults\n{\n\tlog_type = FILE %s/xinetd.log\n' "$work"
		printf '\tinstances = UNLIMITED\n\tper_source = UNLIMITED\n\tcps = 1000000 1\n}\n'
		printf 'service echo\n{\n\ttype = INTERNAL UNLISTED\n\tid = echo-stream\n'
		printf '\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n'
		printf '\tport = %s\n\tbind = 127.0.0.1\n' "$1"
		[ "$(id -u)" != 0 ] || printf '\tuser = root\n'
		printf '}\n'
	} >"$work/xinetd.conf"
}

# start_named NAME: starts server NAME; its port in port_of[NAME].
start_named() {
	local name=$1
	case $name in
	iterative | fork | select | poll | epoll) start "$name" "$echo_designs" "$name" 0 ;;
	pool) start "$name" "$pool" 0 4 ;;
	echo_tcp) start "$name" "$echo_tcp" PORT ;;
	# backlog: socat's default of 5 overflows under 16 clients at once, and the
	# connections whose handshake's last ACK was dropped meanwhile end in resets.
	socat) start "$name" socat TCP-LISTEN:PORT,fork,reuseaddr,backlog=4096 PIPE ;;
	xinetd) start "$name" xinetd -f "$work/xinetd.conf" -dontfork -stayalive \
		-pidfile "$work/xinetd.pid" ;;
	ceiling) start "$name" "$ceiling" 0 ;;
	esac || return 1
	port_of[$name]=$port
}

# measure_design NAME RUN: one run of the four loads on NAME; the loadgen lines are kept
# in $work/NAME.load for the statistics at the end.
measure_design() {
	local name=$1 p=${port_of[$1]}
	{
		load "$name" 1 "${conn1[@]}" conn 127.0.0.1 "$p"
		load "$name" 1 "${connN[@]}" conn 127.0.0.1 "$p" | sed 's/^conn /connN /'
		load "$name" 1 "${bulk1[@]}" bulk 127.0.0.1 "$p"
		load "$name" 1 "${bulkN[@]}" bulk 127.0.0.1 "$p" | sed 's/^bulk /bulkN /'
	} >>"$work/$name.load"
}

# design_rows NAME: the medians and spreads of NAME's runs (measure_design's lines conn
# and bulk with 1 client, connN and bulkN with $many).
design_rows() {
	local name=$1 f=$work/$1.load n tag
	for n in 1 "$many"; do
		tag=
		[ "$n" = 1 ] || tag=N
		cps[$name,$n]=$(grep "^conn$tag " "$f" | stats_of per_second)
		bulk[$name,$n]=$(grep "^bulk$tag " "$f" | stats_of mib_per_second)
		row designs "$name $(clients "$n")" connections "${cps[$name,$n]}" "per s"
		row designs "$name $(clients "$n")" "bulk echo" "${bulk[$name,$n]}" MiB/s
	done
}

measure_scale() {
	local name=$1 h out held rounds
	for h in "${idles[@]}"; do
		note "scale: $name with $h idle connections held"
		# poll over 10000 descriptors takes milliseconds a call: fewer round trips there.
		rounds=$rtt_rounds
		((h < 10000)) || rounds=$((rtt_rounds / 4))
		out=$(load "$name" 1 -n "$rounds" -r "$runs" -i "$h" rtt 127.0.0.1 "${port_of[$name]}") || continue
		held=$(echo "$out" | stats_of idle)
		med[$name,$h]=$(echo "$out" | stats_of median_us)
		p99[$name,$h]=$(echo "$out" | stats_of p99_us)
		row scale "$name $h idle" "idle held" "$held" connections
		row scale "$name $h idle" "rtt median" "${med[$name,$h]}" us
		row scale "$name $h idle" "rtt p99" "${p99[$name,$h]}" us
		if [ "$(median "$held")" != "$h" ]; then
			note "$name held $(median "$held") of $h idle connections$([ "$name" = select ] &&
				echo ": select serves descriptors below FD_SETSIZE (1024) only")"
		fi
	done
}

# Every server runs at once, and the runs go round them all in turn: a burst of load
# from elsewhere on the machine hits every design alike, not one of them.  A peer that
# does not start is left out like a missing one; a server of ours that does not is a bug.
running=() ran_peers=()
for name in "${names[@]}"; do
	if [ "$name" = xinetd ]; then
		want_port=$(free_port) || { note "no free port for xinetd"; exit 71; }
		xinetd_conf "$want_port"
	fi
	if start_named "$name"; then
		running+=("$name")
		[[ " ${peers[*]} " != *" $name "* ]] || ran_peers+=("$name")
	elif [ "$name" = xinetd ] || [ "$name" = socat ]; then
		why=$(grep -m 1 . "$work/$name.err")
		note "$name did not start${why:+ ($why)}: its rows are skipped"
		absent[$name]="$name did not start"
	else
		note "$name did not start listening:"
		cat "$work/$name.err" >&2
		exit 69
	fi
	want_port=
done
names=("${running[@]}") peers=("${ran_peers[@]}")
for ((r = 1; r <= runs; r++)); do
	note "designs: run $r of $runs: connections/s and bulk echo, ${#names[@]} servers ($((SECONDS - started)) s)"
	for name in "${names[@]}"; do
		measure_design "$name"
	done
done
for name in "${names[@]}"; do
	design_rows "$name"
done

for name in "${names[@]}"; do
	[ "$name" = fork ] && continue
	v=$(ratio "${cps[$name,$many]:-}" "${cps[fork,$many]:-}") &&
		row designs "$name $many clients vs fork" connections "$v" x
done
# Each design against each peer: how it stands beside what a user would run instead.
for name in "${designs[@]}"; do
	for peer in "${peers[@]}"; do
		for n in 1 "$many"; do
			v=$(ratio "${cps[$name,$n]:-}" "${cps[$peer,$n]:-}") &&
				row designs "$name $(clients "$n") vs $peer" connections "$v" x
			v=$(ratio "${bulk[$name,$n]:-}" "${bulk[$peer,$n]:-}") &&
				row designs "$name $(clients "$n") vs $peer" "bulk echo" "$v" x
		done
	done
done

# The scale section after every row of the designs one, so that a table grouped by
# section shows each once.
for name in select poll epoll; do
	note "scale: round trips of $name ($((SECONDS - started)) s)"
	measure_scale "$name"
done
stop "${pids[@]}"

last=${idles[${#idles[@]} - 1]}
v=$(ratio "${med[poll,$last]:-}" "${med[epoll,$last]:-}") &&
	row scale "poll vs epoll $last idle" "rtt median" "$v" x
v=$(ratio "${med[select,1000]:-}" "${med[epoll,1000]:-}") &&
	row scale "select vs epoll 1000 idle" "rtt median" "$v" x
for name in poll epoll; do
	v=$(ratio "${p99[$name,$last]:-}" "${p99[$name,0]:-}") &&
		row scale "$name $last idle vs none" "rtt p99" "$v" x
done

# goal: verdict from a figure, lower or higher bound.
goal() {
	local what=$1 fig=$2 op=$3 bound=$4 verdict
	if [ -z "$fig" ]; then
		echo "goal,$what,skipped: ${5:-not measured},0,x"
		return
	fi
	if awk -v f="$fig" -v b="$bound" -v op="$op" 'BEGIN { exit !(op == ">=" ? f >= b : f <= b) }'; then
		verdict=met
	else
		verdict="not met"
	fi
	echo "goal,$what,$verdict,$fig,x"
}

# The lowest of the ratios' medians is the one the goal is about.
min_of() { printf '%s\n' "$@" | awk -F, 'NF { if (m == "" || $1 + 0 < m + 0) m = $1 } END { if (m != "") print m }'; }

fig=$(min_of "$(ratio "${cps[pool,$many]:-}" "${cps[fork,$many]:-}")" \
	"$(ratio "${cps[poll,$many]:-}" "${cps[fork,$many]:-}")")
note "goal figures: pool's and poll's connections/s with $many clients over fork's, the lower"
goal "pool and poll accept >= 3x the connections/s of fork" "$fig" ">=" 3

# bulk_vs PEER: the lowest of poll's and epoll's bulk echo over PEER's, 1 and $many clients.
bulk_vs() {
	min_of "$(ratio "${bulk[poll,1]:-}" "${bulk[$1,1]:-}")" \
		"$(ratio "${bulk[poll,$many]:-}" "${bulk[$1,$many]:-}")" \
		"$(ratio "${bulk[epoll,1]:-}" "${bulk[$1,1]:-}")" \
		"$(ratio "${bulk[epoll,$many]:-}" "${bulk[$1,$many]:-}")"
}
if [ -z "${absent[socat]:-}" ]; then
	note "goal figures: poll's and epoll's bulk echo over socat's, with 1 and $many clients, the lowest"
	goal "poll/epoll bulk throughput >= socat's" "$(bulk_vs socat)" ">=" 1
else
	goal "poll/epoll bulk throughput >= socat's" "" ">=" 1 "${absent[socat]}"
fi
note "goal figures: poll's and epoll's bulk echo over the ceiling's, with 1 and $many clients, the lowest"
goal "poll/epoll bulk throughput >= 0.8x the epoll ceiling's" "$(bulk_vs ceiling)" ">=" 0.8

fig=$(min_of "$(ratio "${p99[epoll,$last]:-}" "${p99[epoll,0]:-}")")
goal "epoll p99 with $last idle <= 2x its p99 with none" "$fig" "<=" 2

note "done in $((SECONDS - started)) s; every value a median of $runs run(s); this machine may be loaded"
[ -n "$tiny" ] && note "a tiny run: the figures and verdicts mean nothing"
[ ! -e "$work/failed" ] || exit 70
exit 0
