#!/usr/bin/env bats
# portscan [-4|-6] [-j N] [-t MS] HOST PORTS: the open ports it finds are the ones nc -z -v
# finds, over the same ports, for both families, with listeners on random ports; in a
# private network namespace (nobody else's ports), else on this host's loopback.
load ../helper
load ../lib/sandbox
load ../lib/fake_dns
program PORTSCAN ch02-tools/portscan

export LISTEN=$NETPROG_TOP/tests/lib/ch02_listeners.py

# world SCRIPT ARGS...: bash -c SCRIPT with lo up in a private network namespace, or on
# this host where none can be made ($PRIVATE says which: 1 or 0).  SCRIPT may call
# `listen HOST PORT...` (listeners held until SCRIPT ends).
world() {
	local script='pids=()
	trap '\''kill "${pids[@]}" 2>/dev/null'\'' EXIT
	listen() {
		local fd
		exec {fd}< <(exec "$PYTHON" "$LISTEN" "$@" 2>/dev/null)
		pids+=($!)
		read -r -t 10 -u "$fd" line && [ "$line" = ready ] || { echo "listeners did not start" >&2; exit 1; }
	}
	'"$1"
	shift
	if netprog_unshare n; then
		PRIVATE=1 client "${NETPROG_UNSHARE[@]}" bash -c 'ip link set lo up && eval "$0"' "$script" "$@"
	else
		PRIVATE=0 client bash -c "$script" world "$@"
	fi
}
export PORTSCAN PYTHON

# random_ports N: N distinct free ports, ascending, one per line.
random_ports() {
	for _ in $(seq "$1"); do free_port; done | sort -n
}

# agrees_with_nc HOST: portscan and nc -z -v report the same open ports.
agrees_with_nc() {
	local host=$1 open closed
	open=$(random_ports 12 | tr '\n' ' ')
	closed=$(random_ports 12 | tr '\n' ' ')
	run -0 world '
		host=$1 open=$2 closed=$3
		listen "$host" $open
		if [ "$PRIVATE" = 1 ]; then
			lo=$(printf "%s\n" $open $closed | sort -n | head -1)
			hi=$(printf "%s\n" $open $closed | sort -n | tail -1)
			set -- "$lo-$hi"; ncports=("$lo-$hi")
		else
			# Ports of our own only: others may come and go on a shared loopback.
			set -- "$(printf "%s\n" $open $closed | sort -n | paste -sd,)"; ncports=($open $closed)
		fi
		echo "scanned $1"
		"$PORTSCAN" "$host" "$1" | cut -d/ -f1 | tr "\n" " "; echo
		nc -z -v -w 2 "$host" "${ncports[@]}" 2>&1 | awk "/succeeded/ { print \$4 }" | sort -n | tr "\n" " "; echo
	' "$host" "$open" "$closed"
	[ "${#lines[@]}" -eq 3 ] || { echo "$output" >&2; return 1; }
	[ "${lines[1]}" = "${lines[2]}" ] ||
		{ echo "${lines[0]}: portscan found '${lines[1]}', nc -z -v '${lines[2]}'" >&2; return 1; }
	# Every listener is found (nc agreeing on an empty answer would prove nothing).
	[ "${lines[1]}" = "$open" ] ||
		{ echo "listening on '$open', portscan found '${lines[1]}'" >&2; return 1; }
}

@test "portscan: finds what nc -z -v finds over the same ports (127.0.0.1)" {
	agrees_with_nc 127.0.0.1
}

@test "portscan: finds what nc -z -v finds over the same ports (::1)" {
	needs_ipv6
	agrees_with_nc ::1
}

@test "portscan: each open port on one line, ascending, with its service name" {
	# Ports with names in /etc/services; in a private namespace nobody else holds them.
	run -0 world '
		for p in 8080 5432 3306; do
			[ "$PRIVATE" = 1 ] || [ -z "$(ss -Hltn "sport = :$p")" ] || { echo "skip $p in use"; exit 0; }
		done
		listen 127.0.0.1 8080 5432 3306
		# A range only where nobody else can listen in it.
		[ "$PRIVATE" = 1 ] && ports=3000-9000 || ports=8080,5432,3306
		"$PORTSCAN" 127.0.0.1 "$ports"'
	[[ $output != skip* ]] || skip "ports 3306, 5432 and 8080 are in use on this host (no namespace)"
	assert_output "3306/tcp open mysql
5432/tcp open postgresql
8080/tcp open http-alt"
}

@test "portscan: a port with no service name is shown by number" {
	local port
	port=$(free_port)
	[ -z "$(getent services "$port/tcp")" ] || skip "port $port has a name"
	run -0 world 'listen 127.0.0.1 "$1"; "$PORTSCAN" 127.0.0.1 "$1"' "$port"
	assert_output "$port/tcp open $port"
}

@test "portscan: nothing open is exit 1 with no output" {
	run -1 --separate-stderr client "$PORTSCAN" 127.0.0.1 "$(random_ports 5 | paste -sd,)"
	assert_output ''
}

@test "portscan: one connection at a time (-j 1) finds the same ports" {
	local open
	open=$(random_ports 3 | paste -sd,)
	run -0 world 'listen 127.0.0.1 ${1//,/ }; "$PORTSCAN" -j 1 127.0.0.1 "$1" | cut -d/ -f1 | paste -sd,' "$open"
	assert_output "$open"
}

@test "portscan: a port whose SYNs are dropped counts as not open after -t MS" {
	local port
	port=$(free_port)
	start_bg "$PYTHON" "$NETPROG_TOP/tests/lib/full_backlog.py" 127.0.0.1 "$port" >"$BATS_TEST_TMPDIR/fb"
	wait_for_output ready "$BATS_TEST_TMPDIR/fb"
	SECONDS=0
	run -1 client "$PORTSCAN" -t 300 127.0.0.1 "$port"
	assert_output ''
	[ "$SECONDS" -lt 5 ] || { echo "took ${SECONDS}s with -t 300" >&2; return 1; }
}

@test "portscan: -4 and -6 pick the family of the address scanned" {
	needs_ipv6
	local p4 p6
	p4=$(free_port) p6=$(free_port)
	run -0 world 'listen 127.0.0.1 "$1"; listen ::1 "$2"
		"$PORTSCAN" -4 localhost "$1,$2"; "$PORTSCAN" -6 ::1 "$1,$2"' "$p4" "$p6"
	assert_output "$p4/tcp open $p4
$p6/tcp open $p6"
	run -68 --separate-stderr client "$PORTSCAN" -4 ::1 80
}

@test "portscan: PORTS that are not a list of 1..65535 are 64 with a message" {
	local bad
	for bad in '' 0 65536 5-1 a 1,,2 1- -5 '1 2' +5 1-2-3 , 99999999999; do
		run -64 --separate-stderr client "$PORTSCAN" 127.0.0.1 "$bad"
		assert_output ''
		[ -n "$stderr" ] || { echo "no message for '$bad'" >&2; return 1; }
	done
}

@test "portscan: bad -j, -t and argument counts are 64" {
	run -64 --separate-stderr client "$PORTSCAN" -j 0 127.0.0.1 80
	run -64 --separate-stderr client "$PORTSCAN" -j 99999 127.0.0.1 80
	run -64 --separate-stderr client "$PORTSCAN" -t 0 127.0.0.1 80
	run -64 --separate-stderr client "$PORTSCAN" -t x 127.0.0.1 80
	run -64 --separate-stderr client "$PORTSCAN" 127.0.0.1
	[[ $stderr == *usage:* ]]
}

@test "portscan: an unknown host is 68" {
	# The fake DNS answers NXDOMAIN: the real one may be unreachable (a private network).
	need_names
	run -68 --separate-stderr fake_dns -- "$PORTSCAN" no-such-host.invalid 80
	[[ $stderr == *no-such-host.invalid* ]]
}
