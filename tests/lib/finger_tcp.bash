# tests/lib/finger_tcp.bash - the private world the finger_tcp suite runs its server in.
# Load it after the helper:  load ../../helper; load ../../lib/finger_tcp
#
# The server sees a private /etc/passwd and a private utmp, so users, home directories and
# logins are known exactly and nothing outside $BATS_TEST_TMPDIR is read or written.  How,
# depends on the machine (tests/lib/sandbox.bash's netprog_ns_mode):
#   user, root  the server runs under `unshare -rm` (or `unshare -m` as root where user
#               namespaces are refused, as in a chroot) with the world's passwd and run/
#               bind-mounted over /etc/passwd and /run (so /var/run/utmp).  In mode user the
#               test's own user is uid 0 inside, so every test user has uid 0.
#   none        (no namespace: a container, NETPROG_NO_NAMESPACES=1) libnss_wrapper gives the
#               server the world's passwd and group, and tests/lib/utmp_path.so (built here
#               on first use) its utmp; every test user has the test's own uid.
# Either way the test users own what the test creates; a file that must belong to somebody
# else is chowned to 65534 (possible as root) or is a root-owned system file (which a
# non-root namespace shows as owned by 65534).  The network is the host's: free_port, ss and
# nc work as in every other suite.
#
#   finger_world DIR [empty]   build passwd, group, homes, and run/utmp in DIR ("empty": no
#                              utmp)
#   finger_prefix DIR          set the array FINGER_IN to a command prefix under which a
#                              command (exec'd, so its PID is the command's) sees the world
#                              DIR as its passwd, group and utmp
#   finger_in_world DIR CMD... run CMD so
#   start_finger [OPTS...]     start $FINGER_TCP OPTS PORT in the world $WORLD (default
#                              $BATS_FILE_TMPDIR/world, built on first use); sets $port
#   ask HOST QUERY [CHECKS]    send QUERY (printf %b escapes) to the server with nc; the raw
#                              answer goes to $ANSWER; CHECKS "crlf": fails unless every line
#                              ends in CR LF, "control": unless no control byte but TAB, CR, LF
#                              is in it; then $output is the answer without its CRs (as `run`
#                              gives it)
#   fpeer ARGS...              tests/lib/finger_tcp_peer.py under `client`
#   start_fpeer ARGS...        the same in the background (start_bg); PID in $BG_PID
#   carol                      her .plan is not hers: chowned to 65534 as root, else she is uid
#                              65533 in passwd and the file is the test's
source "$NETPROG_TOP/tests/lib/sandbox.bash"

FINGER_PEER=$NETPROG_TOP/tests/lib/finger_tcp_peer.py

# The uid of every test user: 0 inside a namespace, our own under the wrappers.
finger_uid() {
	if netprog_unshare m; then echo 0; else id -u; fi
}

# The wrappers (mode none): libnss_wrapper from Debian, and our utmp redirection, built once
# per bats run.  A missing package is a failure that names it, not a skip.
finger_wrappers() {
	netprog_has_preload libnss_wrapper.so || {
		echo "no namespaces here, and libnss_wrapper.so is missing: install libnss-wrapper (sh .ci/deps)" >&2
		return 1
	}
	FINGER_UTMP_SO=${BATS_RUN_TMPDIR:?}/utmp_path.so
	[ -s "$FINGER_UTMP_SO" ] && return 0
	if ! "${CC:-cc}" -shared -fPIC -o "$FINGER_UTMP_SO.$$" "$NETPROG_TOP/tests/lib/utmp_path.c" -ldl; then
		echo "cannot build tests/lib/utmp_path.c with ${CC:-cc}: install build-essential (sh .ci/deps)" >&2
		return 1
	fi
	mv "$FINGER_UTMP_SO.$$" "$FINGER_UTMP_SO"
}

finger_prefix() {
	local w=$1
	if netprog_unshare m; then
		FINGER_IN=("${NETPROG_UNSHARE[@]}" sh -c '
			mount --bind "$1/passwd" /etc/passwd && mount --bind "$1/group" /etc/group &&
				mount --bind "$1/run" /run || exit 99
			shift
			exec "$@"' sh "$w")
	else
		finger_wrappers || return 1
		# A sanitized server must accept a preload before its runtime.
		FINGER_IN=(env LD_PRELOAD="libnss_wrapper.so $FINGER_UTMP_SO"
			NSS_WRAPPER_PASSWD="$w/passwd" NSS_WRAPPER_GROUP="$w/group" NETPROG_UTMP="$w/run/utmp"
			ASAN_OPTIONS="verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}")
	fi
}

finger_in_world() {
	finger_prefix "$1" || return 1
	shift
	"${FINGER_IN[@]}" "$@"
}

# A utmp file (glibc x86_64 struct utmp, 384 bytes a record): two sessions, and a dead
# and a login-process entry that a listing must leave out.
finger_utmp() {
	"$PYTHON" - "$1" <<-'EOF'
	import calendar, struct, sys
	FMT = "<h2xi32s4s32s256shhiii16s20s"
	assert struct.calcsize(FMT) == 384
	def rec(kind, pid, line, user, host, when):
	    t = calendar.timegm(when)
	    return struct.pack(FMT, kind, pid, line.encode(), line[-4:].encode(), user.encode(),
	                       host.encode(), 0, 0, 0, t, 0, b"", b"")
	USER, DEAD, LOGIN = 7, 8, 6
	with open(sys.argv[1], "wb") as f:
	    f.write(rec(LOGIN, 100, "tty2", "LOGIN", "", (2026, 11, 25, 8, 0, 0)))
	    f.write(rec(USER, 101, "pts/0", "alice", "192.0.2.7", (2026, 11, 25, 10, 0, 0)))
	    f.write(rec(DEAD, 102, "pts/1", "ghost", "198.51.100.9", (2026, 11, 25, 9, 0, 0)))
	    f.write(rec(USER, 103, "tty1", "root", "", (2026, 11, 25, 9, 30, 0)))
	EOF
}

finger_world() {
	local w=$1 h=$1/home u cu
	u=$(finger_uid)
	# carol's .plan is somebody else's: as root, a file given to 65534; otherwise (nobody else's
	# file can be made) carol herself is somebody else, uid 65533, and the file is ours.
	if [ "$(id -u)" = 0 ]; then cu=$u; else cu=65533; fi
	# What others may read is part of the contract: give the files the usual modes.
	umask 022
	mkdir -p "$w/run" "$h"/{root,alice,bob,carol,dave,eve,frank,gina,hana,ivan}
	{
		echo "root:x:0:"
		[ "$u" = 0 ] || echo "users:x:$u:"
	} >"$w/group"
	{
		echo "root:x:$u:$u:Charlie Root,Cellar,555-0100,555-0199:$h/root:/bin/bash"
		echo "alice:x:$u:$u:Alice Example,Room 101,555-0101,555-0102:$h/alice:/bin/sh"
		echo "bob:x:$u:$u:Bob Symlink:$h/bob:/bin/sh"
		echo "carol:x:$cu:$cu:Carol Foreign:$h/carol:/bin/sh"
		echo "dave:x:$u:$u:Dave Fifo:$h/dave:/bin/sh"
		printf 'eve:x:%s:%s:Eve \033]0;pwned\007Evil:%s:/bin/sh\n' "$u" "$u" "$h/eve"
		echo "frank:x:$u:$u:Frank Bigplan:$h/frank:/bin/sh"
		echo "gina:x:$u:$u:Gina Ownlink:$h/gina:/bin/sh"
		echo "hana:x:$u:$u:Hana Private:$h/hana:/bin/sh"
		echo "ivan:x:$u:$u:Ivan Closed:$h/ivan:/bin/sh"
	} >"$w/passwd"
	[ "${2:-}" = empty ] || finger_utmp "$w/run/utmp"
	printf 'Line one of the plan\nLine two\n' >"$h/alice/.plan"
	printf 'The finger exercise\n' >"$h/alice/.project"
	printf 'TOP SECRET, not for finger\n' >"$w/secret"
	if [ "$(id -u)" = 0 ] && chown 65534 "$w/secret"; then
		ln -s "$w/secret" "$h/bob/.plan"
		printf 'Carol did not write this\n' >"$h/carol/.plan"
		chown 65534 "$h/carol/.plan"
	else
		# Not root: a root-owned file is somebody else's inside the namespace.
		ln -s /etc/hostname "$h/bob/.plan"
		printf 'Carol did not write this\n' >"$h/carol/.plan"
	fi
	printf 'Gina wrote this diary\n' >"$h/gina/diary"
	ln -s diary "$h/gina/.plan"
	mkfifo "$h/dave/.plan"
	# Private to their owners: a .plan only its owner may read, a home others may not enter.
	printf 'Hana kept this to herself\n' >"$h/hana/.plan"
	chmod 600 "$h/hana/.plan"
	printf 'Ivan behind a closed door\n' >"$h/ivan/.plan"
	chmod 700 "$h/ivan"
	printf 'Dave has a project\n' >"$h/dave/.project"
	printf 'visible \033[2J\007 text \233 end\n' >"$h/eve/.plan"
	head -c 1048576 /dev/zero | tr '\0' 'x' >"$h/frank/.plan"
}

start_finger() {
	WORLD=${WORLD:-$BATS_FILE_TMPDIR/world}
	[ -d "$WORLD" ] || finger_world "$WORLD"
	port=$(free_port)
	# exec all the way down: $SERVER_PID is the server itself, so teardown stops it.
	finger_prefix "$WORLD" || return 1
	start_server tcp "$port" "${FINGER_IN[@]}" "$FINGER_TCP" "$@" "$port"
}

# One perl for all the checks: inside bats every extra command costs.  The checks are asked
# for by the tests they belong to (crlf, control), so a server whose lines end in LF alone
# fails the CR LF test, not every test that asks it something.
ask() {
	ANSWER=$BATS_TEST_TMPDIR/answer
	printf '%b' "$2" | client nc "$1" "$port" >"$ANSWER"
	run env CHECKS=" ${3:-} " QUERY="$2" perl -0777 -ne '
		my $q = $ENV{QUERY};
		if (length && $ENV{CHECKS} =~ / crlf /) {
			die "sent \"$q\": the answer does not end in CR LF\n" unless /\r\n\z/;
			(my $t = $_) =~ s/\r\n//g;
			die "sent \"$q\": a line of the answer does not end in CR LF\n" if $t =~ /[\r\n]/;
		}
		die sprintf("sent \"%s\": raw control byte 0x%02x in the answer\n", $q, ord $1)
		    if $ENV{CHECKS} =~ / control / && /([\x00-\x08\x0b\x0c\x0e-\x1f\x7f])/;
		s/\r?\n/\n/g;
		print' "$ANSWER"
	if [ "$status" -ne 0 ]; then
		echo "$output; the answer (od -c):" >&2
		head -c 240 "$ANSWER" | od -An -c | head -n 6 >&2
		return 1
	fi
}

fpeer() { client "$PYTHON" "$FINGER_PEER" "$@"; }

start_fpeer() { start_bg "$PYTHON" "$FINGER_PEER" "$@" </dev/null; }
