#!/usr/bin/env bats
# tcp_states: one connection walked through its states, each step's state checked
# against what ss shows for the same 4-tuple at that moment (-p holds each step until
# the test writes a line).  Who closes first ends in TIME-WAIT; SO_LINGER {1, 0} resets
# instead and leaves no TIME-WAIT; a SYN that is not answered shows SYN-SENT and a
# retransmission; bad arguments are 64, refused is 69.
load ../helper
program TCP_STATES ch05-sockets/tcp_states

# walker NAME FD ARGS...: start tcp_states -p ARGS with its stdin a FIFO held open on FD
# (5 or 6; a line written there lets it take its next step), stdout $BATS_TEST_TMPDIR/NAME.out.
walker() {
	local name=$1 fd=$2 fifo=$BATS_TEST_TMPDIR/$1.fifo
	shift 2
	mkfifo "$fifo"
	eval "exec $fd<>\"\$fifo\""
	"$TCP_STATES" -p "$@" <"$fifo" >"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.err" 3>&- 5>&- 6>&- &
	NETPROG_PIDS+=($!)
	printf -v "PID_$name" '%s' "$!"
}

# step NAME STEP: wait until walker NAME has printed STEP; its state in $STATE.
step() {
	local out=$BATS_TEST_TMPDIR/$1.out
	wait_for_output "$2 " "$out" || return 1
	STATE=$(awk -v s="$2" '$1 == s { print $2; exit }' "$out")
}

# next FD: let the walker on FD take its next step.
next() { printf '\n' >&"$1"; }

# tuple NAME: "LPORT PPORT" of walker NAME, from its "local ... peer ..." line.
tuple() {
	wait_for_output 'local ' "$BATS_TEST_TMPDIR/$1.out" || return 1
	sed -n 's/^local .*:\([0-9]*\) peer .*:\([0-9]*\)$/\1 \2/p' "$BATS_TEST_TMPDIR/$1.out"
}

# ss_state LPORT PPORT: the state ss shows for that connection, CLOSED when none.
ss_state() {
	local st
	st=$(ss -Htan "sport = :$1 and dport = :$2" | awk 'NR == 1 { print $1 }')
	echo "${st:-CLOSED}"
}

# agrees NAME STEP: walker NAME's STEP state is what ss shows for its connection now.
agrees() {
	local got
	step "$1" "$2" || return 1
	read -r lp pp < <(tuple "$1")
	got=$(ss_state "$lp" "$pp")
	[ "$STATE" = "$got" ] || {
		echo "$1 at step $2 printed $STATE; ss shows $got for :$lp -> :$pp; its output:" >&2
		cat "$BATS_TEST_TMPDIR/$1.out" >&2
		return 1
	}
}

listening_port() {
	wait_for_output 'listening on port' "$BATS_TEST_TMPDIR/$1.err" || return 1
	sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$BATS_TEST_TMPDIR/$1.err"
}

# ends NAME STATUS: walker NAME exits with STATUS.
ends() {
	local pid=PID_$1
	wait_exit "${!pid}" || return 1
	[ "$EXIT_STATUS" -eq "$2" ] || {
		echo "$1 exited $EXIT_STATUS, expected $2; stderr:" >&2
		cat "$BATS_TEST_TMPDIR/$1.err" >&2
		return 1
	}
}

# The whole walk with the client closing first; ss is asked at every step.  Right
# after shutdown the state may be FIN-WAIT-1 or already FIN-WAIT-2 (the ACK of our
# FIN comes back within microseconds on loopback), so that step is not compared;
# fin-acked is.
client_first() {
	local host=$1 port
	walker srv 6 -l 0
	port=$(listening_port srv)
	step srv listen
	[ "$STATE" = LISTEN ]
	[ "$(ss -Htln "sport = :$port" | awk '{ print $1 }')" = LISTEN ]
	next 6
	walker cli 5 "$host" "$port"
	step cli connect
	next 5
	agrees cli established
	[ "$STATE" = ESTAB ]
	agrees srv accept
	[ "$STATE" = ESTAB ]
	next 5
	step cli shutdown
	[[ $STATE == FIN-WAIT-[12] ]]
	next 5
	agrees cli fin-acked
	[ "$STATE" = FIN-WAIT-2 ]
	read -r lp pp < <(tuple srv)
	[ "$(ss_state "$lp" "$pp")" = CLOSE-WAIT ]
	next 5
	next 6
	agrees srv peer-fin
	[ "$STATE" = CLOSE-WAIT ]
	next 6
	step srv close
	[ "$STATE" = CLOSED ]
	agrees cli peer-fin
	[ "$STATE" = TIME-WAIT ]
	next 5
	agrees cli close
	[ "$STATE" = TIME-WAIT ]
	next 5
	next 6
	ends cli 0
	ends srv 0
}

@test "tcp_states: the client closes first and ends in TIME-WAIT, ss agreeing at every step (127.0.0.1)" {
	client_first 127.0.0.1
}

@test "tcp_states: the client closes first and ends in TIME-WAIT, ss agreeing at every step (::1)" {
	needs_ipv6
	client_first ::1
}

@test "tcp_states: when the server closes first, TIME-WAIT is the server's and the client's entry goes" {
	local port
	walker srv 6 -a -l 0
	port=$(listening_port srv)
	next 6
	walker cli 5 -w 127.0.0.1 "$port"
	step cli connect
	next 5
	step cli established
	next 5
	step srv accept
	next 6
	step srv shutdown
	[[ $STATE == FIN-WAIT-[12] ]]
	next 6
	agrees srv fin-acked
	[ "$STATE" = FIN-WAIT-2 ]
	next 6
	agrees cli peer-fin
	[ "$STATE" = CLOSE-WAIT ]
	next 5
	step cli close
	[ "$STATE" = CLOSED ]
	next 5
	agrees srv peer-fin
	[ "$STATE" = TIME-WAIT ]
	next 6
	agrees srv close
	[ "$STATE" = TIME-WAIT ]
	next 6
	ends cli 0
	ends srv 0
}

@test "tcp_states -r: SO_LINGER {1, 0} resets: no TIME-WAIT on either side, the peer sees the reset" {
	local port
	walker srv 6 -l 0
	port=$(listening_port srv)
	next 6
	walker cli 5 -r 127.0.0.1 "$port"
	step cli connect
	next 5
	step cli established
	read -r lp pp < <(tuple cli)
	next 5
	step cli close
	[ "$STATE" = CLOSED ]
	[ "$(ss_state "$lp" "$pp")" = CLOSED ]
	[ "$(ss_state "$pp" "$lp")" = CLOSED ]
	next 5
	ends cli 0
	next 6
	ends srv 74
	grep -q 'Connection reset by peer' "$BATS_TEST_TMPDIR/srv.err"
}

@test "tcp_states: a SYN nobody answers is SYN-SENT (as ss shows), and is retransmitted" {
	local port
	port=$(free_port)
	start_bg "$PYTHON" "$NETPROG_TOP/tests/lib/full_backlog.py" 127.0.0.1 "$port" </dev/null >"$BATS_TEST_TMPDIR/backlog.out"
	local backlog=$BG_PID
	wait_for_output ready "$BATS_TEST_TMPDIR/backlog.out"
	walker cli 5 127.0.0.1 "$port"
	step cli connect
	[ "$STATE" = SYN-SENT ]
	[ -n "$(ss -Htan state syn-sent "dport = :$port")" ]
	kill -USR1 "$backlog"
	wait_for_output accepting "$BATS_TEST_TMPDIR/backlog.out"
	next 5
	step cli established
	# ESTAB, or CLOSE-WAIT already if the listener has accepted and closed it meanwhile.
	[[ $STATE == ESTAB || $STATE == CLOSE-WAIT ]]
	# The first SYN was dropped: the kernel sent it again (after 1 s) to get in.
	grep '^established ' "$BATS_TEST_TMPDIR/cli.out" | grep -Eq 'total [1-9]'
	exec 5>&-
}

@test "tcp_states: nothing listening is 'Connection refused' and 69 (each loopback)" {
	local host
	for host in "${LOOPBACKS[@]}"; do
		run -69 --separate-stderr client "$TCP_STATES" "$host" "$(free_port)" </dev/null
		[[ $stderr == *"Connection refused"* ]]
	done
}

@test "tcp_states: wrong arguments and bad ports are usage errors (64)" {
	local port
	run -64 --separate-stderr "$TCP_STATES"
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$TCP_STATES" ::1
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$TCP_STATES" -l
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$TCP_STATES" -l 5000 extra
	[[ $stderr == *usage* ]]
	run -64 --separate-stderr "$TCP_STATES" -x ::1 5000
	[[ $stderr == *usage* ]]
	for port in '' abc -1 65536 5x ' 80' +80 99999999999999999999; do
		run -64 --separate-stderr "$TCP_STATES" ::1 "$port"
		[[ $stderr == *usage* ]]
		run -64 --separate-stderr "$TCP_STATES" -l "$port"
		[[ $stderr == *usage* ]]
	done
}

@test "tcp_states: Linux keeps the TIME-WAIT entry 60 seconds (the close step's timer)" {
	local port timer
	"$TCP_STATES" -l 0 </dev/null >"$BATS_TEST_TMPDIR/srv.out" 2>"$BATS_TEST_TMPDIR/srv.err" 3>&- &
	NETPROG_PIDS+=($!)
	port=$(listening_port srv)
	run -0 client "$TCP_STATES" 127.0.0.1 "$port" </dev/null
	timer=$(awk '$1 == "close" && $2 == "TIME-WAIT" { for (i = 1; i < NF; i++) if ($i == "timer") print $(i + 1) }' <<<"$output")
	[ -n "$timer" ] || { echo "no TIME-WAIT timer in: $output" >&2; return 1; }
	# Never more than TCP_TIMEWAIT_LEN (60 s); a loaded machine may take a few seconds to look.
	awk -v t="$timer" 'BEGIN { exit !(t > 50 && t <= 60) }' || { echo "timer $timer s" >&2; return 1; }
}
