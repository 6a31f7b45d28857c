# tests/lib/finger_tcp.bash - the private world the finger_tcp suite runs its server in.
# Load it after the helper:  load ../../helper; load ../../lib/finger_tcp
#
# The server runs under `unshare -rm` (user and mount namespaces, no root needed) with a
# private /etc/passwd and a private /run (so /var/run/utmp) bind-mounted over the real
# ones, so users, home directories and logins are known exactly and nothing outside
# $BATS_TEST_TMPDIR is read or written.  The network is the host's: free_port, ss and nc
# work as in every other suite.  Inside the namespace the test's own user is uid 0, so
# every test user has uid 0 and owns what the test creates; a file that must belong to
# somebody else is chowned to 65534 (possible as root) or is a root-owned system file
# (which a non-root namespace shows as owned by 65534).
#
#   finger_ns_or_skip          skip the test when user+mount namespaces are not available
#                              (start_finger does it)
#   finger_world DIR [empty]   build passwd, homes, and run/utmp in DIR ("empty": no utmp)
#   start_finger [OPTS...]     start $FINGER_TCP OPTS PORT in the world $WORLD (default
#                              $BATS_FILE_TMPDIR/world, built on first use); sets $port
#   ask HOST QUERY             send QUERY (printf %b escapes) to the server with nc; the raw
#                              answer goes to $ANSWER; fails unless every line ends in CR LF
#                              and no control byte but TAB, CR, LF (or NUL) is in it; then $output
#                              is the answer without its CRs (as `run` gives it)
#   fpeer ARGS...              tests/lib/finger_tcp_peer.py under `client`
#   start_fpeer ARGS...        the same in the background (start_bg); PID in $BG_PID
#                              (carol's .plan is uid 65534's only when we are root)

FINGER_PEER=$NETPROG_TOP/tests/lib/finger_tcp_peer.py

finger_ns_or_skip() {
	unshare -rm true 2>/dev/null || skip "no unprivileged user and mount namespaces here (unshare -rm)"
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
	local w=$1 h=$1/home
	# What others may read is part of the contract: give the files the usual modes.
	umask 022
	mkdir -p "$w/run" "$h"/{root,alice,bob,carol,dave,eve,frank,gina,hana,ivan}
	{
		echo "root:x:0:0:Charlie Root,Cellar,555-0100,555-0199:$h/root:/bin/bash"
		echo "alice:x:0:0:Alice Example,Room 101,555-0101,555-0102:$h/alice:/bin/sh"
		echo "bob:x:0:0:Bob Symlink:$h/bob:/bin/sh"
		echo "carol:x:0:0:Carol Foreign:$h/carol:/bin/sh"
		echo "dave:x:0:0:Dave Fifo:$h/dave:/bin/sh"
		printf 'eve:x:0:0:Eve \033]0;pwned\007Evil:%s:/bin/sh\n' "$h/eve"
		echo "frank:x:0:0:Frank Bigplan:$h/frank:/bin/sh"
		echo "gina:x:0:0:Gina Ownlink:$h/gina:/bin/sh"
		echo "hana:x:0:0:Hana Private:$h/hana:/bin/sh"
		echo "ivan:x:0:0:Ivan Closed:$h/ivan:/bin/sh"
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
	finger_ns_or_skip
	WORLD=${WORLD:-$BATS_FILE_TMPDIR/world}
	[ -d "$WORLD" ] || finger_world "$WORLD"
	port=$(free_port)
	# exec all the way down: $SERVER_PID is the server itself, so teardown stops it.
	start_server tcp "$port" unshare -rm sh -c '
		mount --bind "$1/passwd" /etc/passwd && mount --bind "$1/run" /run || exit 99
		shift
		exec "$@"' sh "$WORLD" "$FINGER_TCP" "$@" "$port"
}

# One perl for all the checks: inside bats every extra command costs.
ask() {
	ANSWER=$BATS_TEST_TMPDIR/answer
	printf '%b' "$2" | client nc "$1" "$port" >"$ANSWER"
	run -0 perl -0777 -ne '
		if (length) {
			die "the answer does not end in CR LF\n" unless /\r\n\z/;
			(my $t = $_) =~ s/\r\n//g;
			die "a line of the answer does not end in CR LF\n" if $t =~ /[\r\n]/;
		}
		die sprintf("raw control byte 0x%02x in the answer\n", ord $1)
		    if /([\x00-\x08\x0b\x0c\x0e-\x1f\x7f])/;
		s/\r\n/\n/g;
		print' "$ANSWER"
}

fpeer() { client "$PYTHON" "$FINGER_PEER" "$@"; }

start_fpeer() { start_bg "$PYTHON" "$FINGER_PEER" "$@" </dev/null; }
