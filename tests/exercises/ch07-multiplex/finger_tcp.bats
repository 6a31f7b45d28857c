#!/usr/bin/env bats
# finger_tcp (chapter 7, exercise 2; the text says "finder"): RFC 1288 over TCP,
# `finger_tcp [-t SECONDS] PORT`.  One query line a connection (CR LF or a bare LF): empty
# lists the users logged in (utmp), [/W] USER shows login, real name, home, shell and
# ~/.plan, ~/.project; an unknown user gets one line; every answer line ends in CR LF.
# Security: forwarding (USER@HOST) refused, never done; a query over 512 bytes gets an error
# and the connection closed; a client silent for SECONDS is dropped; .plan is shown only if
# it is a regular file owned by the user and not a symlink, and never with raw control
# characters; several clients at once.  Exit 0 on SIGTERM, 64 usage, 71 port taken.
# The users and the utmp are private (tests/lib/finger_tcp.bash): nothing outside the test's
# temporary directory is read for a user or written.
load ../../helper
load ../../lib/exercise
load ../../lib/finger_tcp
program FINGER_TCP exercises/ch07-multiplex/finger_tcp
exercise_source FINGER_TCP exercises/ch07-multiplex/finger_tcp.c

# One world for the file: the server only reads it.
setup_file() {
	finger_world "$BATS_FILE_TMPDIR/world"
	finger_world "$BATS_FILE_TMPDIR/empty" empty
}

# The lines that describe a user, whatever else the server adds.
assert_user() {
	local login=$1 name=$2 dir=$3 shell=$4
	assert_line --regexp "(^|[^[:alnum:]])$login([^[:alnum:]]|$)"
	assert_line --partial "$name"
	assert_line --partial "$dir"
	assert_line --partial "$shell"
}

@test "protocol: finger_tcp: the empty query lists exactly the USER_PROCESS sessions of utmp" {
	start_finger
	for host in "${SERVED[@]}"; do
		ask "$host" '\r\n'
		assert_line --regexp '^alice[[:space:]]+pts/0[[:space:]].*192\.0\.2\.7[[:space:]]*$'
		assert_line --regexp '^root[[:space:]]+tty1[[:space:]]'
		# The dead session (ghost) and the getty (LOGIN) are not logged in.
		refute_output --partial ghost
		refute_output --partial 198.51.100.9
		refute_output --partial LOGIN
		run -0 grep -cE '^(alice|root)[[:space:]]' "$ANSWER"
		assert_output 2
	done
}

@test "robustness: finger_tcp: with nobody logged in (no utmp at all) the empty query is still answered" {
	WORLD=$BATS_FILE_TMPDIR/empty
	start_finger
	for host in "${SERVED[@]}"; do
		ask "$host" '\r\n'
		refute_output --regexp '(^|'$'\n'')(alice|root)[[:space:]]'
	done
}

@test "protocol: finger_tcp: root and alice: login, real name, home directory, shell" {
	start_finger
	for host in "${SERVED[@]}"; do
		ask "$host" 'root\r\n'
		assert_user root 'Charlie Root' "$WORLD/home/root" /bin/bash
		refute_output --partial Alice
		ask "$host" 'alice\r\n'
		assert_user alice 'Alice Example' "$WORLD/home/alice" /bin/sh
	done
}

@test "protocol: finger_tcp: /W root and /W alice give at least what the plain query gives" {
	start_finger
	for host in "${SERVED[@]}"; do
		ask "$host" '/W root\r\n'
		assert_user root 'Charlie Root' "$WORLD/home/root" /bin/bash
		ask "$host" '/W alice\r\n'
		assert_user alice 'Alice Example' "$WORLD/home/alice" /bin/sh
		assert_line 'Line one of the plan'
	done
}

@test "protocol: finger_tcp: an unknown user gets one line that names the problem" {
	start_finger
	for host in "${SERVED[@]}"; do
		ask "$host" 'nosuchuser\r\n'
		assert_equal "${#lines[@]}" 1
		assert_output --regexp '[Nn]o |[Nn]ot |[Uu]nknown'
		refute_output --partial Login
	done
}

@test "security: finger_tcp refuses forwarding (USER@HOST, @HOST, /W U@H1@H2) with one explanatory line" {
	start_finger
	for host in "${SERVED[@]}"; do
		for q in 'root@otherhost' '@otherhost' '/W alice@127.0.0.1@otherhost'; do
			ask "$host" "$q"'\r\n'
			assert_equal "${#lines[@]}" 1
			assert_output --regexp '[Ff]orward|[Rr]efuse|[Dd]enied'
			refute_output --partial 'Charlie Root'
			refute_output --partial 'Alice Example'
		done
	done
}

@test "robustness: finger_tcp answers a 10 KB query line with an error and closes the connection" {
	start_finger
	# "alice" padded with spaces: a server that reads only a piece of the line, or trims it,
	# would answer for alice.
	printf -v long '%-10240s' alice
	for host in "${SERVED[@]}"; do
		ask "$host" "$long"'\r\n'
		assert_equal "${#lines[@]}" 1
		assert_output --regexp '[Ll]ong|[Ll]ength|[Ll]imit|512'
		refute_output --partial 'Alice Example'
		# Still serving.
		ask "$host" 'alice\r\n'
		assert_line --partial 'Alice Example'
	done
}

@test "robustness: finger_tcp drops a client that connects and says nothing, within the timeout (-t 1)" {
	start_finger -t 1
	for host in "${SERVED[@]}"; do
		run -0 fpeer idle "$host" "$port"
		[[ ${lines[0]} =~ ^closed\ after\ ([0-9]+)\.([0-9])\ s$ ]]
		echo "dropped after ${BASH_REMATCH[1]}.${BASH_REMATCH[2]} s" >&3
		((BASH_REMATCH[1] < 3)) || { echo "with -t 1, a silent client was dropped only after ${BASH_REMATCH[1]}.${BASH_REMATCH[2]} s (expected within 3 s)" >&2; return 1; }
	done
}

@test "robustness: finger_tcp drops a client that sends a byte now and then but never a line, within the timeout" {
	start_finger -t 1
	for host in "${SERVED[@]}"; do
		run -0 fpeer trickle "$host" "$port"
		[[ ${lines[0]} =~ ^closed\ after\ ([0-9]+)\.([0-9])\ s$ ]]
		((BASH_REMATCH[1] < 3)) || { echo "with -t 1, a client sending a byte every 0.3 s was dropped only after ${BASH_REMATCH[1]}.${BASH_REMATCH[2]} s (expected within 3 s: the timeout is for the whole line)" >&2; return 1; }
	done
}

@test "concurrency: finger_tcp serves another client while one sits silent (several clients at once)" {
	start_finger -t 20
	for host in "${SERVED[@]}"; do
		start_fpeer hold "$host" "$port" >"$BATS_TEST_TMPDIR/hold"
		wait_for_output connected "$BATS_TEST_TMPDIR/hold"
		# Far less than the 20 s a one-client-at-a-time server would make this wait.
		NETPROG_TIMEOUT=5 ask "$host" 'alice\r\n'
		assert_line --partial 'Alice Example'
	done
}

@test "protocol: finger_tcp shows a .plan and a .project that are regular files owned by the user" {
	start_finger
	for host in "${SERVED[@]}"; do
		ask "$host" 'alice\r\n'
		assert_line 'Line one of the plan'
		assert_line 'Line two'
		assert_line --partial 'The finger exercise'
	done
}

@test "security: finger_tcp does not follow a .plan that is a symlink to a file the user does not own" {
	start_finger
	for host in "${SERVED[@]}"; do
		ask "$host" 'bob\r\n'
		assert_user bob 'Bob Symlink' "$WORLD/home/bob" /bin/sh
		refute_output --partial 'TOP SECRET'
		if [ -r /etc/hostname ] && [ -s /etc/hostname ]; then
			refute_output --partial "$(head -n 1 /etc/hostname)"
		fi
	done
}

@test "security: finger_tcp does not follow a .plan that is a symlink, even to a file of the user's own" {
	start_finger
	for host in "${SERVED[@]}"; do
		ask "$host" 'gina\r\n'
		assert_user gina 'Gina Ownlink' "$WORLD/home/gina" /bin/sh
		refute_output --partial 'Gina wrote this diary'
	done
}

@test "security: finger_tcp does not show a .plan its owner keeps private (mode 600, or a home others cannot enter)" {
	# The server may run as root (port 79): it must show only what anybody could read.
	start_finger
	for host in "${SERVED[@]}"; do
		ask "$host" 'hana\r\n'
		assert_user hana 'Hana Private' "$WORLD/home/hana" /bin/sh
		refute_output --partial 'Hana kept this'
		assert_line 'No Plan.'
		ask "$host" 'ivan\r\n'
		assert_user ivan 'Ivan Closed' "$WORLD/home/ivan" /bin/sh
		refute_output --partial 'Ivan behind'
		assert_line 'No Plan.'
	done
}

@test "security: finger_tcp does not show a .plan that belongs to another user" {
	start_finger
	# The harness makes it so: as root the file is given away, otherwise carol is another uid.
	[ "$(stat -c %u "$WORLD/home/carol/.plan")" != "$(awk -F: '$1 == "carol" { print $3 }' "$WORLD/passwd")" ]
	for host in "${SERVED[@]}"; do
		ask "$host" 'carol\r\n'
		assert_user carol 'Carol Foreign' "$WORLD/home/carol" /bin/sh
		refute_output --partial 'Carol did not write this'
	done
}

@test "security: finger_tcp is not held up by a .plan that is a FIFO" {
	start_finger -t 20
	for host in "${SERVED[@]}"; do
		NETPROG_TIMEOUT=5 ask "$host" 'dave\r\n'
		assert_user dave 'Dave Fifo' "$WORLD/home/dave" /bin/sh
		assert_line --partial 'Dave has a project'
	done
}

@test "security: finger_tcp does not pass control characters of a .plan or a GECOS field raw" {
	start_finger
	for host in "${SERVED[@]}"; do
		# ask ... control fails on any raw control byte but TAB, CR and LF.
		ask "$host" 'eve\r\n' control
		assert_output --partial visible
		assert_output --partial end
		assert_output --partial Evil
		refute_output --partial $'\e'
		# ESC [ 2 J and 0x9b (CSI) are both absent as such.
		run -1 grep -c $'\x9b' "$ANSWER"
	done
}

@test "robustness: finger_tcp reads a .plan with a size cap (a 1 MiB .plan gives less than 64 KiB)" {
	start_finger
	for host in "${SERVED[@]}"; do
		ask "$host" 'frank\r\n'
		assert_line --partial 'Frank Bigplan'
		assert_output --partial xxxxxxxx
		size=$(stat -c %s "$ANSWER")
		((size < 65536)) || { echo "a 1 MiB .plan gave a $size-byte answer (expected under 64 KiB: read .plan with a cap)" >&2; return 1; }
	done
}

@test "protocol: finger_tcp accepts a bare LF as the line end: the same answer as for CR LF" {
	start_finger
	for host in "${SERVED[@]}"; do
		for q in alice ''; do
			ask "$host" "$q"'\r\n'
			cp "$ANSWER" "$BATS_TEST_TMPDIR/crlf"
			ask "$host" "$q"'\n'
			cmp "$BATS_TEST_TMPDIR/crlf" "$ANSWER"
		done
	done
}

@test "protocol: finger_tcp answers a line the client ends by half-closing, CR and all, as if it ended in CR LF" {
	start_finger
	for host in "${SERVED[@]}"; do
		ask "$host" 'alice\r\n'
		cp "$ANSWER" "$BATS_TEST_TMPDIR/crlf"
		printf 'alice\r' | client nc -N "$host" "$port" >"$BATS_TEST_TMPDIR/fin"
		cmp "$BATS_TEST_TMPDIR/crlf" "$BATS_TEST_TMPDIR/fin"
	done
}

@test "protocol: finger_tcp ends every line in CR LF, also for /W alone and a malformed query" {
	start_finger
	for host in "${SERVED[@]}"; do
		# Every kind of query: the list, a user, /W, an unknown user, forwarding, malformed.
		for q in '' root '/W alice' '/W' nosuchuser 'alice@example.org' 'a b c'; do
			ask "$host" "$q"'\r\n' crlf
			[ -s "$ANSWER" ] || { echo "sent \"$q\": no answer" >&2; return 1; }
		done
	done
}

@test "protocol: finger_tcp reads a query that comes in pieces (\"ro\", \"ot\", CR LF, in separate segments)" {
	start_finger
	for host in "${SERVED[@]}"; do
		# TCP is a byte stream: one read() may return part of a line, so a server must read
		# until the line end, not take one read as the query.
		fpeer split "$host" "$port" 'ro' 'ot' '\r\n' >"$BATS_TEST_TMPDIR/split"
		ask "$host" 'root\r\n'
		if ! cmp -s "$ANSWER" "$BATS_TEST_TMPDIR/split"; then
			echo "sent 'ro', 'ot', CR LF in three segments; expected the answer to 'root' (as when sent at once), got:" >&2
			head -c 300 "$BATS_TEST_TMPDIR/split" | od -An -c | head -n 8 >&2
			return 1
		fi
	done
}

@test "memory: finger_tcp built with -fsanitize=address,undefined serves and stops without a report" {
	asan_build FINGER_TCP
	local saved=$FINGER_TCP
	FINGER_TCP=$ASAN_BIN
	start_finger
	FINGER_TCP=$saved
	for host in "${SERVED[@]}"; do
		ask "$host" '\r\n'
		ask "$host" 'root\r\n'
		ask "$host" '/W alice\r\n'
		ask "$host" 'nosuchuser\r\n'
		ask "$host" 'alice@example.org\r\n'
		printf '%*s\r\n' 10000 '' | tr ' ' x | client nc "$host" "$port" >/dev/null
		fpeer split "$host" "$port" 'al' 'ice' '\r\n' >/dev/null
	done
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID"
	assert_no_sanitizer_report "$SERVER_ERR"
}

@test "robustness: finger_tcp survives a client that sends a query and resets at once" {
	start_finger
	for host in "${SERVED[@]}"; do
		run -0 fpeer reset "$host" "$port" alice 5
		assert_output "5 resets"
		ask "$host" 'root\r\n'
		assert_user root 'Charlie Root' "$WORLD/home/root" /bin/bash
	done
}

@test "robustness: finger_tcp leaves no zombie children behind" {
	start_finger
	for host in "${SERVED[@]}"; do
		for q in root ''; do
			ask "$host" "$q"'\r\n'
		done
	done
	deadline=$((SECONDS + NETPROG_TIMEOUT))
	while :; do
		zombies=0
		for kid in $(cat /proc/"$SERVER_PID"/task/*/children); do
			[ "$(awk '{ print $3 }' /proc/"$kid"/stat 2>/dev/null)" = Z ] && zombies=$((zombies + 1))
		done
		((zombies == 0)) && break
		((SECONDS < deadline)) || { echo "$zombies zombie children" >&2; false; }
		sleep 0.05
	done
}

@test "service: finger_tcp answers the Debian finger client on port 79 (in a private network namespace)" {
	needs_tool finger finger
	netprog_unshare nm || skip "no network namespace here to bind port 79 in (unshare -nm)"
	WORLD=$BATS_FILE_TMPDIR/world
	[ -d "$WORLD" ] || finger_world "$WORLD"
	run -0 client "${NETPROG_UNSHARE[@]}" sh -c '
		ip link set lo up || exit 99
		mount --bind "$1/passwd" /etc/passwd && mount --bind "$1/run" /run || exit 98
		"$2" 79 </dev/null 3>&- &
		pid=$!
		n=0
		until [ -n "$(ss -Hltn "sport = :79")" ]; do
			n=$((n + 1)); [ "$n" -lt 200 ] || exit 97
			sleep 0.05
		done
		echo "== alice"; finger alice@127.0.0.1
		echo "== -l root"; finger -l root@127.0.0.1
		echo "== list"; finger @127.0.0.1
		kill "$pid"; wait "$pid"' sh "$WORLD" "$FINGER_TCP"
	assert_line --partial 'Alice Example'
	assert_line 'Line one of the plan'
	assert_line --partial 'Charlie Root'
	assert_line --regexp '^alice[[:space:]]+pts/0[[:space:]].*192\.0\.2\.7[[:space:]]*$'
}

@test "shutdown: finger_tcp exits 0 on SIGTERM" {
	assert_stops_on TERM tcp "$FINGER_TCP" "$PYTHON" "$FINGER_PEER" reset HOST PORT root
}

@test "usage: finger_tcp exits 71 with the system's message when the port is taken" {
	assert_port_taken tcp "$FINGER_TCP"
}

@test "usage: finger_tcp rejects a port that is not a decimal number in 0..65535 with 64" {
	assert_bad_ports "$FINGER_TCP"
}

@test "usage: finger_tcp rejects a wrong number of arguments, and a bad -t, with 64" {
	assert_bad_argc "$FINGER_TCP"
	for bad in 0 -1 abc 3601 ''; do
		run -64 --separate-stderr client "$FINGER_TCP" -t "$bad" 5000
		assert_output ''
		[[ $stderr == *usage* ]]
	done
}
