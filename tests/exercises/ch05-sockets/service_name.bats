#!/usr/bin/env bats
# service_name (chapter 5, exercise 3): the service name getnameinfo finds for a
# port, checked against `getent services PORT/PROTO`, the system's own answer.
load ../../helper
load ../../lib/exercise
program SERVICE_NAME exercises/ch05-sockets/service_name
exercise_source SERVICE_NAME exercises/ch05-sockets/service_name.c

# getent's answers come from /etc/services, which a minimal Debian does not have.
setup() { needs_file /etc/services netbase && netprog_setup; }

# The name getent gives PORT/PROTO (the first field), or nothing with status 2.
getent_name() {
	local line
	line=$(getent services "$1/$2") || return
	echo "${line%%[[:space:]]*}"
}

# compare PROGRAM TMPFILE PROTO PORT...: for each PORT, PROGRAM succeeds exactly
# when getent finds PORT/PROTO, and then prints exactly getent's name on one
# line; when getent finds nothing, PROGRAM prints nothing on stdout and exits
# 68.  Prints one line per disagreement and fails if there is any.  One getent
# call answers every PORT: it looks each key up with getservbyport and prints
# the entry's own port/proto, so its lines say which keys it found.
compare() {
	local prog=$1 tmp=$2 proto=$3 port rc list name port_proto named=0 bad=0 got got_shown msg
	local -A want
	shift 3
	# getent exits 2 when some key is not found; anything else is a failure.
	list=$(getent services "${@/%//$proto}") && rc=0 || rc=$?
	[[ $rc == [02] ]] || { echo "getent services failed with $rc"; return 1; }
	while read -r name port_proto _; do
		want[${port_proto%/*}]=$name
	done <<<"$list"
	for port; do
		"$prog" "$port" "$proto" >"$tmp" 2>/dev/null && rc=0 || rc=$?
		got=
		IFS= read -r -d '' got <"$tmp" || true
		printf -v got_shown %q "$got"
		if [[ -v want[$port] ]]; then
			named=$((named + 1))
			[[ $rc == 0 && $got == "${want[$port]}"$'\n' ]] && continue
			msg="getent says ${want[$port]}; got exit $rc, stdout $got_shown"
		else
			[[ $rc == 68 && -z $got ]] && continue
			msg="getent has no name; got exit $rc (want 68), stdout $got_shown"
		fi
		# The first few disagreements say enough; the count says the rest.
		((bad++ < 20)) && echo "$port/$proto: $msg"
	done
	((bad <= 20)) || echo "... $bad ports disagree in all"
	# Every Debian, Fedora or Alpine services file names some of these ports.
	((named > 0)) || { echo "getent named none of the ports: nothing was compared"; return 1; }
	((bad == 0))
}

# compare_ports PROTO PORT...: compare in a plain child bash, outside bats'
# per-command traps, so 2048 lookups take seconds rather than minutes.
compare_ports() {
	run bash -c "$(declare -f compare)"'; compare "$@"' compare \
		"$SERVICE_NAME" "$BATS_TEST_TMPDIR/out" "$@"
	assert_success
	assert_output ''
}

# Ports 1..1024; under valgrind or the sanitizers a program is much slower
# (make valgrind and make sanitize raise NETPROG_TIMEOUT above 10), so there
# every 16th port only, plus the named ones: make check compares them all.
ports_to_check() {
	if ((NETPROG_TIMEOUT > 10)); then
		seq 16 16 1024
		echo 1 22 53 80 512
	else
		seq 1 1024
	fi
}

@test "service: service_name 80 prints http" {
	[[ $(getent_name 80 tcp) == http ]] || skip "this system's services file has no 80/tcp http"
	run -0 --separate-stderr "$SERVICE_NAME" 80
	assert_output http
	run -0 --separate-stderr "$SERVICE_NAME" 80 tcp
	assert_output http
}

@test "service: service_name 22 prints ssh" {
	[[ $(getent_name 22 tcp) == ssh ]] || skip "this system's services file has no 22/tcp ssh"
	run -0 --separate-stderr "$SERVICE_NAME" 22
	assert_output ssh
}

@test "service: service_name 53 udp prints domain" {
	[[ $(getent_name 53 udp) == domain ]] || skip "this system's services file has no 53/udp domain"
	run -0 --separate-stderr "$SERVICE_NAME" 53 udp
	assert_output domain
}

@test "protocol: service_name tells TCP from UDP where the services file does (512: exec and biff)" {
	[[ $(getent_name 512 tcp) == exec && $(getent_name 512 udp) == biff ]] ||
		skip "this system's services file does not list 512/tcp exec and 512/udp biff"
	run -0 --separate-stderr "$SERVICE_NAME" 512 tcp
	assert_output exec
	run -0 --separate-stderr "$SERVICE_NAME" 512 udp
	assert_output biff
}

@test "usage: service_name fails with 68 and prints nothing on stdout for a port with no name" {
	# Port 0 is reserved and never has a service name.
	! getent services 0/tcp >/dev/null || skip "this system names port 0"
	run -68 --separate-stderr "$SERVICE_NAME" 0
	assert_output ''
	[ -n "$stderr" ]
	# The number getnameinfo hands back must not leak out as a "name".
	! getent services 65535/udp >/dev/null || skip "this system names 65535/udp"
	run -68 --separate-stderr "$SERVICE_NAME" 65535 udp
	assert_output ''
	[ -n "$stderr" ]
}

@test "protocol: service_name agrees with getent services for every TCP port 1..1024" {
	compare_ports tcp $(ports_to_check)
}

@test "protocol: service_name agrees with getent services for every UDP port 1..1024" {
	compare_ports udp $(ports_to_check)
}

@test "usage: service_name rejects a port that is not a decimal number in 0..65535 with 64" {
	local bad
	for bad in '' abc -1 65536 80x ' 80' '+80' 99999999999999999999; do
		run -64 --separate-stderr "$SERVICE_NAME" "$bad"
		assert_output ''
		[ -n "$stderr" ]
		run -64 --separate-stderr "$SERVICE_NAME" "$bad" udp
		assert_output ''
	done
}

@test "usage: service_name rejects a protocol other than tcp or udp with 64" {
	local bad
	for bad in sctp '' TCPX 'tcp ' 6; do
		run -64 --separate-stderr "$SERVICE_NAME" 80 "$bad"
		assert_output ''
		[ -n "$stderr" ]
	done
}

@test "usage: service_name rejects a wrong number of arguments with 64" {
	run -64 --separate-stderr "$SERVICE_NAME"
	assert_output ''
	[ -n "$stderr" ]
	run -64 --separate-stderr "$SERVICE_NAME" 80 tcp extra
	assert_output ''
	[ -n "$stderr" ]
}

@test "memory: service_name built with -fsanitize=address,undefined answers and refuses without a report" {
	asan_build SERVICE_NAME
	for args in "80" "53 udp" "512 tcp" "512 udp" "1023" "65535" "99999" "abc" "80 sctp" "80 tcp extra" ""; do
		# shellcheck disable=SC2086 # the words are the arguments
		client "$ASAN_BIN" $args >/dev/null 2>>"$BATS_TEST_TMPDIR/err" || true
	done
	assert_no_sanitizer_report "$BATS_TEST_TMPDIR/err"
}
