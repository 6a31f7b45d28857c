# tests/lib/ch06_services.bash - what the chapter 6 exercise suites (daytime, discard) share.
# Load it after the helper:  load ../../helper; load ../../lib/ch06_services
#
#   $PEER                       tests/lib/ch06_service_peer.py, the python3 peer (its usage inside)
#   peer ARGS...                the peer under `client`, so it cannot hang (a peer that must
#                               outlive others, like a held connection, runs without: start_bg
#                               "$CH06_PYTHON" "$PEER" ..., killed by the teardown)
#   assert_answered FILE        FILE holds some answer (at least one byte): that the server
#                               serves at all, whatever its format
#   assert_daytime FILE         FILE holds exactly one RFC 867 daytime line: printable ASCII,
#                               ended by CR LF, that `date -d` reads as now (within 5 s)
#   assert_daytime_crlf FILE    FILE is one line ended by CR LF (what the line says aside)
#   assert_daytime_time FILE    FILE's line (ended by CR LF or LF alone) is printable ASCII that
#                               `date -d` reads as now
#   listen_queue PORT           the connections waiting in the listen queues of every TCP
#                               socket listening on PORT (one dual-stack socket or one a family)
#   udp_recv_queue PORT         the Recv-Q that ss shows for the UDP socket bound to PORT
#   wait_udp_queue PORT empty   wait, with a deadline, until the server has read every datagram
#   wait_udp_queue PORT busy    ... until a datagram waits in the server's socket

PEER=$NETPROG_TOP/tests/lib/ch06_service_peer.py

# $PYTHON (from the helper) is the interpreter itself, not a version manager's slow shim.
CH06_PYTHON=$PYTHON

peer() {
	client "$CH06_PYTHON" "$PEER" "$@"
}

assert_answered() {
	if [ ! -s "$1" ]; then
		echo "no answer came back (0 bytes) before the server closed or the wait ended" >&2
		return 1
	fi
}

show() {
	head -c 200 "$1" | od -An -c | head -n 4
}

assert_daytime_crlf() {
	local reply
	reply=$(cat "$1" && echo x)
	reply=${reply%x}
	if [[ $reply != *$'\r\n' ]] || [[ ${reply%$'\r\n'} == *$'\n'* ]]; then
		echo "expected one line ended by CR LF, got (od -c):" >&2
		show "$1" >&2
		return 1
	fi
}

assert_daytime_time() {
	local reply body when now
	reply=$(cat "$1" && echo x)
	reply=${reply%x}
	body=${reply%$'\n'}
	body=${body%$'\r'}
	if [[ -z $body || $body == *$'\n'* ]] || printf '%s' "$body" | LC_ALL=C grep -q '[^ -~]'; then
		echo "expected one line of printable ASCII, got (od -c):" >&2
		show "$1" >&2
		return 1
	fi
	if ! when=$(date -d "$body" +%s 2>/dev/null); then
		echo "expected a date that \`date -d\` reads, got '$body'" >&2
		return 1
	fi
	now=$(date +%s)
	if ((when < now - 5 || when > now + 5)); then
		echo "expected the time now, $(date -R), got '$body' ($((when - now)) s away)" >&2
		return 1
	fi
}

listen_queue() {
	ss -Hltn "sport = :$1" | awk '{ q += $2 } END { print q + 0 }'
}

assert_daytime() {
	local reply body when now
	# The x keeps the trailing newline that $(...) would strip.
	reply=$(cat "$1" && echo x)
	reply=${reply%x}
	if [[ $reply != *$'\r\n' ]]; then
		echo "expected one line ended by CR LF, got (od -c):" >&2
		show "$1" >&2
		return 1
	fi
	body=${reply%$'\r\n'}
	# RFC 867: one line of ASCII printing characters (space to tilde).
	if [[ -z $body || $body == *$'\n'* ]] || printf '%s' "$body" | LC_ALL=C grep -q '[^ -~]'; then
		echo "expected one line of printable ASCII, got (od -c):" >&2
		show "$1" >&2
		return 1
	fi
	if ! when=$(date -d "$body" +%s 2>/dev/null); then
		echo "expected a date that \`date -d\` reads, got '$body'" >&2
		return 1
	fi
	now=$(date +%s)
	if ((when < now - 5 || when > now + 5)); then
		echo "expected the time now, $(date -R), got '$body' ($((when - now)) s away)" >&2
		return 1
	fi
}

# The bytes waiting in the server's sockets on UDP port $1 (a server may have one
# dual-stack socket or one per family), or nothing when no socket has the port.
udp_recv_queue() {
	ss -Hlun "sport = :$1" | awk '{ q += $2; n++ } END { if (n) print q }'
}

wait_udp_queue() {
	local port=$1 want=$2 queued deadline=$((SECONDS + NETPROG_TIMEOUT))
	while :; do
		queued=$(udp_recv_queue "$port")
		case $want in
		empty) [ "$queued" = 0 ] && return 0 ;;
		busy) [ -n "$queued" ] && [ "$queued" != 0 ] && return 0 ;;
		esac
		if ((SECONDS >= deadline)); then
			case $want in
			empty) echo "the server did not read the datagrams sent to UDP port $port within ${NETPROG_TIMEOUT} s ($queued bytes still wait in its socket)" >&2 ;;
			busy) echo "no datagram was seen waiting in a socket on UDP port $port within ${NETPROG_TIMEOUT} s (does the server receive from this family?)" >&2 ;;
			esac
			return 1
		fi
		sleep 0.02
	done
}
