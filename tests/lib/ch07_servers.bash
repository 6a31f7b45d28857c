# tests/lib/ch07_servers.bash - what the suites of the chapter 7 servers share
# (recv_n_tcp, recv_poll_tcp, recv_select_tcp, recv_epoll_tcp: the same service and
# the same output, so the same tests).  Load it after the helper and ch06_uniplex:
# `load ../helper`, `load ../lib/ch06_uniplex`, then `load ../lib/ch07_servers`.
#
#   cpeer MODE ARGS...       tests/lib/ch07_servers_peer.py (see its usage) under `client`
#   start_cpeer MODE ARGS... the same in the background (start_bg; stdin /dev/null)
#   start_limited N PORT CMD...   start_server with the soft descriptor limit set to N
#   fd_count PID             how many descriptors PID has open
#   wait_fds PID N           wait until PID has N descriptors open
#   children PID             how many children PID has (zombies included)
#   wait_children PID N      wait until PID has N children
#   cpu_ticks PID            PID's user + system time so far, in clock ticks
#   wait_lines REGEX N [FILE]    wait until N lines of FILE (the server's output) match
#   check_output [FILE]      the server's output is well formed; prints the peer's summary
#   ch07_* PROG ...          the tests themselves, for the .bats files to call
#
# The suites look only at the documented contract: the report lines, exit codes,
# the listening socket, and the process's descriptors and children in /proc.
# Clients come from every address in LOOPBACKS (both families, or IPv4 alone on a
# host without IPv6); ${LOOPBACKS[-1]} is ::1 where IPv6 works, else 127.0.0.1.

CH07_PEER=$NETPROG_TOP/tests/lib/ch07_servers_peer.py

cpeer() { client "$PYTHON" "$CH07_PEER" "$@"; }

start_cpeer() { start_bg "$PYTHON" "$CH07_PEER" "$@" </dev/null; }

start_limited() {
	local n=$1 port=$2
	shift 2
	# exec keeps the PID: SERVER_PID is the server itself.
	start_server tcp "$port" bash -c 'ulimit -Sn "$0" && exec "$@"' "$n" "$@"
}

# fd_count PID: PID's descriptors, less the dozen valgrind keeps at the top of the hard limit
# for itself (and opens when it likes: make valgrind would see the count move).
fd_count() {
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
	local pid=$1 n=$2 deadline=$((SECONDS + NETPROG_TIMEOUT))
	until [ "$(fd_count "$pid")" -eq "$n" ]; do
		if ((SECONDS >= deadline)); then
			echo "process $pid holds $(fd_count "$pid") descriptors, not $n:" >&2
			ls -l "/proc/$pid/fd" >&2
			return 1
		fi
		sleep 0.05
	done
}

children() { cat /proc/"$1"/task/*/children | wc -w; }

wait_children() {
	local pid=$1 n=$2 deadline=$((SECONDS + NETPROG_TIMEOUT))
	until [ "$(children "$pid")" -eq "$n" ]; do
		if ((SECONDS >= deadline)); then
			echo "process $pid has $(children "$pid") children, not $n:" >&2
			ps -o pid,stat,cmd --ppid "$pid" >&2
			return 1
		fi
		sleep 0.05
	done
}

cpu_ticks() {
	local stat
	stat=$(<"/proc/$1/stat")
	# Fields after the parenthesised command name: utime and stime are 14 and 15.
	set -- ${stat##*) }
	echo $((${12} + ${13}))
}

wait_lines() {
	local re=$1 n=$2 file=${3:-$SERVER_OUT} deadline=$((SECONDS + NETPROG_TIMEOUT))
	until (($(grep -acE -- "$re" "$file") >= n)); do
		if ((SECONDS >= deadline)); then
			echo "$(grep -acE -- "$re" "$file") lines match '$re' in $file, not $n" >&2
			tail -n 20 "$file" >&2
			return 1
		fi
		sleep 0.05
	done
}

check_output() { "$PYTHON" "$CH07_PEER" check "${1:-$SERVER_OUT}"; }

# ---- the tests --------------------------------------------------------------

# Three clients connected at the same time are all served at once: each one's data
# is reported while all three are still connected (recv_1_tcp would report only the
# first).  Each client's reports are in order and exact.
ch07_three_at_once() {
	local prog=$1 host=$2 port re pids=() ports=() i word
	local words=(one two three)
	re=$(addr_re "$host")
	port=$(free_port)
	start_server tcp "$port" "$prog" "$port"
	for i in 0 1 2; do
		start_py tcp-hold "$host" "$port" "${words[i]}" >"$BATS_TEST_TMPDIR/c$i.out"
		pids+=("$BG_PID")
	done
	for i in 0 1 2; do
		wait_for_output "${words[i]}"
	done
	run check_output
	assert_output 'received 3 refused 0 closed 0 reset 0 open 3 data 3'
	for i in 0 1 2; do
		kill -TERM "${pids[i]}"
		ports+=("$(head -n 1 "$BATS_TEST_TMPDIR/c$i.out")")
	done
	wait_lines '^Closed ' 3
	run check_output
	assert_output 'received 3 refused 0 closed 3 reset 0 open 0 data 3'
	run cat "$SERVER_OUT"
	for i in 0 1 2; do
		word=${words[i]}
		assert_line --regexp "^Received from $re:${ports[i]}\$"
		assert_line --regexp "^Data from $re:${ports[i]} \\(${#word} bytes\\)\$"
		assert_line "$word"
		assert_line --regexp "^Closed $re:${ports[i]} \\(${#word} bytes\\)\$"
		assert_equal "$("$PYTHON" "$CH07_PEER" extract "$SERVER_OUT" "${ports[i]}")" "$word"
	done
}

# Every byte value, then 1 MiB of random bytes: the reported pieces, put together,
# are the stream, and the totals say so.
ch07_binary() {
	local prog=$1 host=$2 port re data=$BATS_TEST_TMPDIR/data cport
	re=$(addr_re "$host")
	port=$(free_port)
	start_server tcp "$port" "$prog" "$port"
	"$PYTHON" -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 4)' >"$data"
	head -c 1048576 /dev/urandom >>"$data"
	run -0 peer tcp-send "$host" "$port" <"$data"
	assert_line --index 1 'EOF after 0 bytes'
	cport=${lines[0]}
	wait_for_output "($(stat -c %s "$data") bytes)"
	"$PYTHON" "$CH07_PEER" extract "$SERVER_OUT" "$cport" | cmp - "$data"
	run check_output
	assert_output --regexp '^received 1 refused 0 closed 1 reset 0 open 0 data [0-9]+$'
	run grep -a '^Closed ' "$SERVER_OUT"
	assert_output --regexp "^Closed $re:$cport \\(1049600 bytes\\)\$"
}

# Clients that connect and reset at once, and one that resets after sending: the
# server goes on, a normal client is served, and the descriptors are given back.
ch07_resets() {
	local prog=$1 port base a aport host
	port=$(free_port)
	start_server tcp "$port" "$prog" "$port"
	base=$(fd_count "$SERVER_PID")
	for host in "${LOOPBACKS[@]}"; do
		run -0 peer tcp-reset "$host" "$port"
		run -0 peer tcp-reset "$host" "$port"
	done
	start_py tcp-hold 127.0.0.1 "$port" doomed >"$BATS_TEST_TMPDIR/a.out"
	a=$BG_PID
	wait_for_output doomed
	aport=$(head -n 1 "$BATS_TEST_TMPDIR/a.out")
	kill -USR1 "$a"
	wait_for_output ":$aport (6 bytes): "
	run grep -a "^Reset " "$SERVER_OUT"
	assert_line --regexp "^Reset $(addr_re 127.0.0.1):$aport \\(6 bytes\\): Connection reset by peer\$"
	run -0 peer tcp-send "${LOOPBACKS[-1]}" "$port" 'after the resets'
	assert_line --index 1 'EOF after 0 bytes'
	wait_for_output ' (16 bytes)'
	wait_fds "$SERVER_PID" "$base"
	run check_output
	assert_output --regexp ' open 0 '
}

# The client shuts down its sending side and keeps reading: the server reports the
# EOF and closes, and the client sees EOF in turn (the parent's copy of a forked
# server's connection must be closed for that FIN to go out).
ch07_half_close() {
	local prog=$1 host=$2 port re cport
	re=$(addr_re "$host")
	port=$(free_port)
	start_server tcp "$port" "$prog" "$port"
	run -0 peer tcp-send "$host" "$port" half
	assert_line --index 1 'EOF after 0 bytes'
	cport=${lines[0]}
	wait_for_output ":$cport (4 bytes)"
	run cat "$SERVER_OUT"
	assert_line --index 0 --regexp "^Received from $re:$cport\$"
	assert_line --index 1 --regexp "^Data from $re:$cport \\(4 bytes\\)\$"
	assert_line --index 2 half
	assert_line --index 3 --regexp "^Closed $re:$cport \\(4 bytes\\)\$"
}

# N rapid connects from each family (connect, one byte, close): every one reported,
# and afterwards the server holds the descriptors it held before (and, forking,
# no child: a zombie would still count as one).
ch07_rapid() {
	local prog=$1 n=$2 port base r6= total=$(($2 * ${#LOOPBACKS[@]}))
	port=$(free_port)
	start_server tcp "$port" "$prog" "$port"
	base=$(fd_count "$SERVER_PID")
	if netprog_has_ipv6; then
		start_cpeer rapid ::1 "$port" "$n" >"$BATS_TEST_TMPDIR/r6.out"
		r6=$BG_PID
	fi
	# Connecting is quick; a forking server on a busy machine is not: more time.
	run -0 timeout -k 1 $((3 * NETPROG_TIMEOUT)) "$PYTHON" "$CH07_PEER" rapid 127.0.0.1 "$port" "$n"
	if [ -n "$r6" ]; then
		NETPROG_TIMEOUT=$((3 * NETPROG_TIMEOUT)) wait_exit "$r6"
		[ "$EXIT_STATUS" -eq 0 ]
	fi
	wait_lines '^Closed .* \(1 bytes\)$' "$total"
	wait_fds "$SERVER_PID" "$base"
	wait_children "$SERVER_PID" 0
	run check_output
	assert_output "received $total refused 0 closed $total reset 0 open 0 data $total"
	run -0 peer tcp-send 127.0.0.1 "$port" 'still here'
	wait_for_output ' (10 bytes)'
}

# A client that sends 1 MiB and never reads (nor closes) does not stop a second
# client from being served; all of its bytes are reported.
ch07_never_reads() {
	local prog=$1 port s
	port=$(free_port)
	start_server tcp "$port" "$prog" "$port"
	start_cpeer sendhold "${LOOPBACKS[-1]}" "$port" 1048576 >"$BATS_TEST_TMPDIR/s.out"
	s=$BG_PID
	run -0 peer tcp-send 127.0.0.1 "$port" 'meanwhile'
	assert_line --index 1 'EOF after 0 bytes'
	wait_for_output ' (9 bytes)'
	wait_for_output 'sent 1048576' "$BATS_TEST_TMPDIR/s.out"
	kill -TERM "$s"
	wait_for_output ' (1048576 bytes)'
	run check_output
	assert_output --regexp '^received 2 refused 0 closed 2 reset 0 open 0 '
}

# A flood of connections past the server's descriptor limit (32): EMFILE on accept
# must not become a busy loop.  Over a one-second window while the flood is held,
# the server uses little CPU (a loop that polls the still-readable listening socket
# uses all of it); when the flood leaves, the descriptors come back and a normal
# client is served.  REFUSED=1: the server must report the excess as "Refused".
ch07_emfile() {
	local prog=$1 refused=$2 port base before after host floods=() i
	port=$(free_port)
	start_limited 32 "$port" "$prog" "$port"
	base=$(fd_count "$SERVER_PID")
	# 60 connections from each family: past the limit of 32 even from one.
	for i in "${!LOOPBACKS[@]}"; do
		start_cpeer flood "${LOOPBACKS[i]}" "$port" 60 >"$BATS_TEST_TMPDIR/f$i.out"
		floods+=("$BG_PID")
	done
	for i in "${!LOOPBACKS[@]}"; do
		wait_for_output 'connected ' "$BATS_TEST_TMPDIR/f$i.out"
	done
	if ((refused)); then
		wait_lines '^Refused .*: Too many open files$' 1
	fi
	before=$(cpu_ticks "$SERVER_PID")
	sleep 1	# a measuring window, not a synchronisation
	after=$(cpu_ticks "$SERVER_PID")
	echo "CPU over 1 s of flood: $((after - before)) ticks" >&2
	((after - before < 25))
	kill -TERM "${floods[@]}"
	for i in "${floods[@]}"; do
		wait_exit "$i"
	done
	wait_fds "$SERVER_PID" "$base"
	wait_children "$SERVER_PID" 0
	run -0 peer tcp-send "${LOOPBACKS[-1]}" "$port" 'after the flood'
	assert_line --index 1 'EOF after 0 bytes'
	wait_for_output ' (15 bytes)'
	run check_output
	assert_output --regexp ' open 0 '
}

# The listening socket is on the wildcard address (:: for both families, or 0.0.0.0),
# not on loopback: the text's getaddrinfo without AI_PASSIVE gives ::1 first.
ch07_wildcard() {
	local prog=$1 port
	port=$(free_port)
	start_server tcp "$port" "$prog" "$port"
	run ss -Hltn "sport = :$port"
	assert_equal "${#lines[@]}" 1
	assert_output --regexp "(\\*|\\[::\\]|0\\.0\\.0\\.0):$port "
}

ch07_signals() {
	local prog=$1 port sig
	for sig in TERM INT; do
		port=$(free_port)
		start_server tcp "$port" "$prog" "$port"
		kill -"$sig" "$SERVER_PID"
		wait_exit "$SERVER_PID"
		[ "$EXIT_STATUS" -eq 0 ]
	done
	port=$(free_port)
	start_server tcp "$port" "$prog" "$port"
	start_py tcp-hold "${LOOPBACKS[-1]}" "$port" busy
	wait_for_output busy
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	[ "$EXIT_STATUS" -eq 0 ]
}

# On a kernel without IPv6 (socket(AF_INET6) fails: EAFNOSUPPORT) the server falls
# back to IPv4 and serves 127.0.0.1, instead of exiting.
ch07_no_inet6() {
	local prog=$1 port
	no_inet6_prefix
	port=$(free_port)
	start_server tcp "$port" "${NO_INET6[@]}" "$prog" "$port"
	run -0 peer tcp-send 127.0.0.1 "$port" 'no inet6'
	assert_line --index 1 'EOF after 0 bytes'
	wait_for_output ' (8 bytes)'
}

ch07_port_in_use() {
	local prog=$1 port
	port=$(free_port)
	start_server tcp "$port" "$prog" "$port"
	run -71 client "$prog" "$port"
	assert_output --partial 'Address already in use'
}

ch07_usage() {
	local prog=$1 port
	run -64 "$prog"
	assert_output --partial usage
	run -64 "$prog" 5000 extra
	assert_output --partial usage
	for port in '' abc -1 65536 5x ' 80' +80 0x50 99999999999999999999; do
		run -64 client "$prog" "$port"
		assert_output --partial usage
	done
}

# N clients held at once, from both families (the server's tables must grow): each
# sends "ping" while all are connected, then all close at the same moment (many
# removals in one round).  Every piece and every close is reported.
ch07_many() {
	local prog=$1 n=$2 port base i holders=() share=$(($2 / ${#LOOPBACKS[@]}))
	port=$(free_port)
	start_server tcp "$port" "$prog" "$port"
	base=$(fd_count "$SERVER_PID")
	for i in "${!LOOPBACKS[@]}"; do
		start_cpeer hold "${LOOPBACKS[i]}" "$port" "$share" >"$BATS_TEST_TMPDIR/h$i.out"
		holders+=("$BG_PID")
	done
	for i in "${!LOOPBACKS[@]}"; do
		wait_for_output "connected $share" "$BATS_TEST_TMPDIR/h$i.out"
	done
	wait_lines '^Received from ' "$n"
	kill -USR2 "${holders[@]}"
	wait_lines '^Data from .* \(4 bytes\)$' "$n"
	run check_output
	assert_output "received $n refused 0 closed 0 reset 0 open $n data $n"
	kill -TERM "${holders[@]}"
	wait_lines '^Closed .* \(4 bytes\)$' "$n"
	wait_fds "$SERVER_PID" "$base"
	run check_output
	assert_output "received $n refused 0 closed $n reset 0 open 0 data $n"
}
