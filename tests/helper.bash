# tests/helper.bash - what every suite shares.  Load it with `load ../helper`
# (from tests/chNN-*/) or `load ../../helper` (from tests/exercises/chNN-*/).
#
#   program VAR path        the binary under test: $VAR if set (grading), else ours
#   free_port               a TCP+UDP port nobody uses, below the ephemeral range
#   start_server P PORT CMD...  start CMD in the background (FD 3 closed, stdout to the
#                           file $SERVER_OUT, block-buffered as when a student redirects
#                           it: no stdbuf; stderr to $SERVER_ERR), then wait until PORT
#                           is bound for protocol P (tcp|udp)
#   start_bg CMD...         start any peer in the background; its PID in $BG_PID
#   wait_listening P PORT [PID]   wait, with a deadline, until `ss` shows PORT bound
#   wait_for_output TEXT [FILE]   wait until FILE (default $SERVER_OUT) contains TEXT
#   wait_exit PID           wait for a background process; its status in $EXIT_STATUS
#   client CMD...           CMD under `timeout`, so no test can hang
#   stop_all                SIGTERM, then SIGKILL, everything started (the default teardown)
#   $PYTHON                 the Python 3 interpreter for peers written in Python
#   netprog_has_ipv6        status 0 when ::1 really works here: a socket bound to ::1
#                           accepted a connection (not a guess from /proc); decided once
#                           per bats run and cached in $BATS_RUN_TMPDIR
#   needs_ipv6              the first line of a test that needs IPv6: skips it with the
#                           reason "no IPv6 on this host" where ::1 does not work
#   LOOPBACKS               the loopback addresses to loop over, (127.0.0.1 ::1), or
#                           (127.0.0.1) on a host without IPv6.  No test uses ::1 without
#                           saying so: a helper's default address is 127.0.0.1.
#   in_no_ipv6 SCRIPT [ARG...]   run the bash SCRIPT under tests/no-ipv6 (skip the test where
#                           no network namespace can be made); inside: wait_listening,
#                           wait_exit, $NETPROG_TIMEOUT and the exported program variables
#   no_inet6_prefix         set the array NO_INET6 to a command prefix under which a command
#                           (exec'd: its PID is the command's) gets EAFNOSUPPORT from
#                           socket(AF_INET6, ...), as on a kernel without IPv6:
#                           start_server tcp "$port" "${NO_INET6[@]}" "$PROG" "$port"
#                           (tests/lib/no_inet6.c, preloaded; built once per run with $CC)
#   assert_bad_ports PROG   PROG PORT exits 64, with a message and nothing on stdout, for every
#                           PORT that is not a decimal number in 0..65535
#   assert_bad_argc PROG    PROG with no argument and with two exits 64 with a message
#   assert_stops_on SIG P PROG [CMD...]   PROG started on a free port (P: tcp|udp) and, after CMD
#                           has run against it (an argument PORT becomes the port; CMD also
#                           sees $port), ends with 0 on SIG
#   needs_tool TOOL PACKAGE, needs_file FILE PACKAGE   fail with one line naming the Debian
#                           package when TOOL or FILE is missing (never a shell error later)
#   assert_port_taken P PROG   PROG PORT exits 71 with the system's "Address already in use"
#                           while another socket holds PORT
#
# Every wait has a deadline of $NETPROG_TIMEOUT seconds (10; `make valgrind` raises it).
bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

NETPROG_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The peers and tools some suites run in a namespace of their own (dnsmasq, sysctl) live in
# /usr/sbin, which an ordinary user's PATH on Debian does not have.
case :$PATH: in
*:/usr/sbin:*) ;;
*) PATH=$PATH:/usr/sbin:/sbin ;;
esac
# netprog_unshare, netprog_ns_mode …: what this machine allows instead of privilege.
source "$NETPROG_TOP/tests/lib/sandbox.bash"
: "${NETPROG_TIMEOUT:=10}"
NETPROG_PIDS=()
NETPROG_PROGRAMS=()

# $PYTHON runs Python peers.  A version manager's python3 shim can cost a second
# a start, so the real interpreter is looked up once per bats run.
if [ -z "${PYTHON:-}" ]; then
	netprog_cache=${BATS_RUN_TMPDIR:-/tmp}/netprog-python
	[ -s "$netprog_cache" ] ||
		python3 -c 'import sys; print(sys.executable or "python3")' >"$netprog_cache" 2>/dev/null ||
		echo python3 >"$netprog_cache"
	PYTHON=$(<"$netprog_cache")
fi
export PYTHON

# Hosts without IPv6 are common where grading happens (Docker's default bridge
# sets disable_ipv6=1: no ::1 at all), so tests that need it say so.  An
# interface's address in /proc is no proof that a connection works, so the
# probe binds ::1 and connects to it.  The answer is written whole (rename) so
# that suites run side by side never read half of it.
netprog_has_ipv6() {
	local cache=${BATS_RUN_TMPDIR:+$BATS_RUN_TMPDIR/netprog-ipv6} answer
	if [ -n "$cache" ] && [ -s "$cache" ]; then
		answer=$(<"$cache")
	else
		if timeout 10 "$PYTHON" -c '
import socket
with socket.socket(socket.AF_INET6) as s:
    s.bind(("::1", 0))
    s.listen(1)
    with socket.create_connection(s.getsockname()[:2], timeout=5):
        s.accept()[0].close()' 2>/dev/null; then
			answer=yes
		else
			answer=no
		fi
		if [ -n "$cache" ]; then
			echo "$answer" >"$cache.$$" && mv -f "$cache.$$" "$cache"
		fi
	fi
	[ "$answer" = yes ]
}

needs_ipv6() {
	netprog_has_ipv6 || skip "no IPv6 on this host"
}

if netprog_has_ipv6; then
	LOOPBACKS=(127.0.0.1 ::1)
else
	LOOPBACKS=(127.0.0.1)
fi

in_no_ipv6() {
	local script=$1
	shift
	"$NETPROG_TOP/tests/no-ipv6" true 2>/dev/null ||
		skip "no network namespace can be made here (tests/no-ipv6 fails)"
	NETPROG_TIMEOUT=$NETPROG_TIMEOUT "$NETPROG_TOP/tests/no-ipv6" bash -c "
		$(declare -f wait_listening wait_exit)
		$script" bash "$@"
}

no_inet6_prefix() {
	local so=${BATS_RUN_TMPDIR:?}/no_inet6.so
	if [ ! -s "$so" ]; then
		"${CC:-cc}" -shared -fPIC -o "$so.$$" "$NETPROG_TOP/tests/lib/no_inet6.c" -ldl ||
			{ echo "cannot build tests/lib/no_inet6.c with ${CC:-cc}" >&2; return 1; }
		mv -f "$so.$$" "$so"
	fi
	# Added to LD_PRELOAD when the command starts, so that a preload already there (exercise.bash's
	# child_deaths.so, a sanitizer's runtime) is kept.
	NO_INET6=(sh -c 'LD_PRELOAD="$0${LD_PRELOAD:+:$LD_PRELOAD}" exec "$@"' "$so")
}

# program VAR path: grading convention.  The suite runs $VAR, named after the
# program in capitals (IF_LIST for if_list), or our build when VAR is unset.
program() {
	local var=$1 path=${!1:-$NETPROG_TOP/$2}
	case $path in /*) ;; */*) path=$PWD/$path ;; esac
	printf -v "$var" '%s' "$path"
	export "${var?}"
	NETPROG_PROGRAMS+=("$var")
}

# needs_tool TOOL PACKAGE / needs_file FILE PACKAGE: fail (not skip: `sh .ci/deps` installs
# it) with one line that names the Debian package when a command or a file is missing.
needs_tool() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "$1 is missing: install the Debian package $2 (sh .ci/deps does)" >&2
	return 1
}
needs_file() {
	[ -e "$1" ] && return 0
	echo "$1 is missing: install the Debian package $2 (sh .ci/deps does)" >&2
	return 1
}

# The default setup: the tools every suite drives, and every program the suite named.
netprog_setup() {
	local var
	needs_tool ss iproute2 && needs_tool nc netcat-openbsd && needs_tool timeout coreutils &&
		needs_tool "$PYTHON" python3 || return 1
	for var in "${NETPROG_PROGRAMS[@]}"; do
		if [ ! -x "${!var}" ]; then
			echo "$var=${!var} is not executable: run \`make\`, or point $var at a binary" >&2
			return 1
		fi
	done
}
setup() { netprog_setup; }

# Suites may run side by side (bats --jobs, two checkouts, CI): a port is also
# reserved by an atomic mkdir in a directory every run shares, so two runs that
# see the same port free at the same moment cannot both take it.  Reservations
# older than ten minutes are stale (no test lasts that long) and are removed.
NETPROG_PORTS=${TMPDIR:-/tmp}/netprog-ports.$(id -u)
free_port() {
	local lo hi port _
	read -r lo hi < /proc/sys/net/ipv4/ip_local_port_range
	mkdir -p "$NETPROG_PORTS"
	find "$NETPROG_PORTS" -mindepth 1 -maxdepth 1 -mmin +10 -exec rmdir {} + 2>/dev/null
	for _ in $(seq 100); do
		# Below the ephemeral range, so no client socket takes it meanwhile.
		port=$((10000 + RANDOM % (lo - 10000)))
		if [ -z "$(ss -Hatun "sport = :$port")" ] && mkdir "$NETPROG_PORTS/$port" 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	echo "free_port: no free port found" >&2
	return 1
}

start_bg() {
	"$@" 3>&- &
	BG_PID=$!
	NETPROG_PIDS+=("$BG_PID")
}

start_server() {
	local proto=$1 port=$2
	shift 2
	NETPROG_NSERVERS=$((${NETPROG_NSERVERS:-0} + 1))
	SERVER_OUT=$BATS_TEST_TMPDIR/server$NETPROG_NSERVERS.out
	SERVER_ERR=$BATS_TEST_TMPDIR/server$NETPROG_NSERVERS.err
	# No stdbuf: a server's stdout is a file here, so it is block-buffered, exactly
	# as when a student redirects it.  A server that does not flush each report (or
	# loses its buffer when a signal kills it, a defect of the text's listings) must
	# fail the test that waits for the report, not pass it thanks to the harness.
	# stdin from /dev/null, not closed: a closed fd 0 would be the server's first socket.
	start_bg "$@" </dev/null >"$SERVER_OUT" 2>"$SERVER_ERR"
	SERVER_PID=$BG_PID
	wait_listening "$proto" "$port" "$SERVER_PID"
}

wait_listening() {
	local proto=$1 port=$2 pid=${3:-} flags deadline=$((SECONDS + NETPROG_TIMEOUT))
	case $proto in
	tcp) flags=-Hltn ;;
	udp) flags=-Hlun ;;
	*) echo "wait_listening: tcp or udp, not $proto" >&2; return 1 ;;
	esac
	until [ -n "$(ss "$flags" "sport = :$port")" ]; do
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			echo "the server exited before binding $proto port $port; its stderr:" >&2
			cat "${SERVER_ERR:-/dev/null}" >&2
			return 1
		fi
		if ((SECONDS >= deadline)); then
			echo "nothing bound $proto port $port within ${NETPROG_TIMEOUT}s" >&2
			return 1
		fi
		sleep 0.02
	done
}

wait_for_output() {
	local text=$1 file=${2:-$SERVER_OUT} deadline=$((SECONDS + NETPROG_TIMEOUT))
	until grep -qF -- "$text" "$file" 2>/dev/null; do
		if ((SECONDS >= deadline)); then
			echo "'$text' did not appear in $file within ${NETPROG_TIMEOUT}s; it holds:" >&2
			cat "$file" >&2
			return 1
		fi
		sleep 0.02
	done
}

wait_exit() {
	local pid=$1 deadline=$((SECONDS + NETPROG_TIMEOUT))
	while kill -0 "$pid" 2>/dev/null; do
		if ((SECONDS >= deadline)); then
			echo "process $pid still running after ${NETPROG_TIMEOUT}s" >&2
			return 1
		fi
		sleep 0.02
	done
	EXIT_STATUS=0
	wait "$pid" || EXIT_STATUS=$?
}

client() {
	timeout -k 1 "$NETPROG_TIMEOUT" "$@"
}

stop_all() {
	local pid deadline=$((SECONDS + NETPROG_TIMEOUT))
	for pid in "${NETPROG_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${NETPROG_PIDS[@]}"; do
		while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
			sleep 0.02
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	NETPROG_PIDS=()
}
teardown() { stop_all; }

assert_bad_ports() {
	local bad
	for bad in '' abc -1 65536 5x ' 80' '+80' 99999999999999999999; do
		run -64 --separate-stderr client "$1" "$bad"
		assert_output ''
		[ -n "$stderr" ]
	done
}

assert_bad_argc() {
	run -64 --separate-stderr client "$1"
	[ -n "$stderr" ]
	run -64 --separate-stderr client "$1" 5000 extra
	[ -n "$stderr" ]
}

assert_stops_on() {
	local sig=$1 proto=$2 prog=$3 port arg cmd=()
	shift 3
	port=$(free_port)
	# A background job starts with SIGINT ignored; give the server the default, as a terminal would.
	start_server "$proto" "$port" env --default-signal=INT "$prog" "$port"
	for arg; do
		case $arg in
		PORT) cmd+=("$port") ;;
		HOST) cmd+=("${SERVED_HOST:-${LOOPBACKS[0]}}") ;;
		*) cmd+=("$arg") ;;
		esac
	done
	if [ ${#cmd[@]} -gt 0 ]; then
		"${cmd[@]}" >/dev/null
	fi
	kill -"$sig" "$SERVER_PID"
	wait_exit "$SERVER_PID"
	[ "$EXIT_STATUS" -eq 0 ]
}

assert_port_taken() {
	local port
	port=$(free_port)
	# Held by a dual-stack socket without SO_REUSEADDR, so that not even a UDP server
	# that sets the option may share the port.
	start_server "$1" "$port" "$PYTHON" -c '
import signal, socket, sys
kind = socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM
s = socket.socket(socket.AF_INET6, kind)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[2])))
if kind == socket.SOCK_STREAM:
    s.listen()
signal.pause()' "$1" "$port"
	run -71 --separate-stderr client "$2" "$port"
	assert_output ''
	[[ $stderr == *"Address already in use"* ]]
}
