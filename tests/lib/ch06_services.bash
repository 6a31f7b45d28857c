# tests/lib/ch06_services.bash - what the chapter 6 exercise suites (daytime, discard) share.
# Load it after the helper:  load ../../helper; load ../../lib/ch06_services
#
#   $PEER                       tests/lib/ch06_service_peer.py, the python3 peer (its usage inside)
#   peer ARGS...                the peer under `client`, so it cannot hang
#   assert_daytime FILE         FILE holds exactly one RFC 867 daytime line: printable ASCII,
#                               ended by CR LF, that `date -d` reads as now (within 5 s)
#   udp_recv_queue PORT         the Recv-Q that ss shows for the UDP socket bound to PORT
#   wait_udp_queue PORT empty   wait, with a deadline, until the server has read every datagram
#   wait_udp_queue PORT busy    ... until a datagram waits in the server's socket

PEER=$NETPROG_TOP/tests/lib/ch06_service_peer.py

# $PYTHON (from the helper) is the interpreter itself, not a version manager's slow shim.
CH06_PYTHON=$PYTHON

peer() {
	client "$CH06_PYTHON" "$PEER" "$@"
}

assert_daytime() {
	local reply body when now
	# The x keeps the trailing newline that $(...) would strip.
	reply=$(cat "$1" && echo x)
	reply=${reply%x}
	if [[ $reply != *$'\r\n' ]]; then
		echo "the answer does not end in CR LF: $(od -An -c "$1")" >&2
		return 1
	fi
	body=${reply%$'\r\n'}
	# RFC 867: one line of ASCII printing characters (space to tilde).
	if [[ -z $body || $body == *$'\n'* ]] || printf '%s' "$body" | LC_ALL=C grep -q '[^ -~]'; then
		echo "the answer is not one line of printable ASCII: $(od -An -c "$1")" >&2
		return 1
	fi
	if ! when=$(date -d "$body" +%s 2>/dev/null); then
		echo "date -d cannot read the answer: '$body'" >&2
		return 1
	fi
	now=$(date +%s)
	if ((when < now - 5 || when > now + 5)); then
		echo "'$body' is $((when - now)) s away from now ($(date -R))" >&2
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
			echo "UDP port $port: Recv-Q is '$queued', not $want, after ${NETPROG_TIMEOUT}s" >&2
			return 1
		fi
		sleep 0.02
	done
}
