# tests/lib/ch06_uniplex.bash - what the chapter 6 suites share.  Load it after
# the helper: `load ../helper` then `load ../lib/ch06_uniplex`.
#
#   peer MODE ARGS...        a scripted peer (tests/lib/ch06_peer.py, see its usage),
#                            under `client`; $PYTHON picks the interpreter (python3)
#   start_py MODE ARGS...    the same peer in the background (start_bg; stdin /dev/null)
#   start_peer CMD...        start_bg with stdin from /dev/null: nc with a *closed*
#                            stdin gets its socket as fd 0, reads it as stdin and loses
#                            UDP datagrams (start_server closes stdin)
#   addr_re HOST             an ERE for ADDR:PORT's ADDR of a client at HOST: [::1], and
#                            127.0.0.1 or [::ffff:127.0.0.1] (both are correct forms)
#   wait_size FILE N         wait, with a deadline, until FILE holds at least N bytes
#   kick_until SIG PID TEXT FILE   send SIG to PID until TEXT appears in FILE: a signal
#                            that lands just before the program blocks is acted on at its
#                            next interruption, so one signal alone could wait for traffic
#   random_text N            N random printable bytes (argv cannot hold NULs)
#   need_private_net         skip the test when unprivileged namespaces are missing (or,
#                            with $GAI_CONF set, when there is no /etc/gai.conf to replace)
#   in_private_net HOSTS SCRIPT [ARGS...]   run the bash SCRIPT in a private network
#                            namespace (loopback up) where names come from the file HOSTS
#                            only; $GAI_CONF, when set, replaces /etc/gai.conf.  Inside:
#                            wait_listening, wait_exit, the exported program variables,
#                            $NETPROG_TIMEOUT, and `py MODE ARGS...` (the scripted peer).

CH06_PEER=$NETPROG_TOP/tests/lib/ch06_peer.py

peer() { client "${PYTHON:-python3}" "$CH06_PEER" "$@"; }

start_py() { start_bg "${PYTHON:-python3}" "$CH06_PEER" "$@" </dev/null; }

start_peer() { start_bg "$@" </dev/null; }

addr_re() {
	case $1 in
	::1) printf '%s' '\[::1\]' ;;
	127.0.0.1) printf '%s' '(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\])' ;;
	*) echo "addr_re: ::1 or 127.0.0.1, not $1" >&2; return 1 ;;
	esac
}

wait_size() {
	local file=$1 size=$2 deadline=$((SECONDS + NETPROG_TIMEOUT))
	until [ -f "$file" ] && (($(stat -c %s "$file") >= size)); do
		if ((SECONDS >= deadline)); then
			echo "$file did not reach $size bytes within ${NETPROG_TIMEOUT}s" >&2
			return 1
		fi
		sleep 0.02
	done
}

kick_until() {
	local sig=$1 pid=$2 text=$3 file=$4 deadline=$((SECONDS + NETPROG_TIMEOUT))
	until grep -qF -- "$text" "$file" 2>/dev/null; do
		kill -"$sig" "$pid"
		if ((SECONDS >= deadline)); then
			echo "'$text' did not appear in $file within ${NETPROG_TIMEOUT}s; it holds:" >&2
			cat "$file" >&2
			return 1
		fi
		sleep 0.1
	done
}

random_text() { head -c "$1" /dev/urandom | base64 -w0 | head -c "$1"; }

need_private_net() {
	netprog_unshare nm || skip "no network and mount namespaces can be made here"
	if [ -n "${GAI_CONF:-}" ] && [ ! -e /etc/gai.conf ]; then
		skip "no /etc/gai.conf to replace"
	fi
}

in_private_net() {
	local hosts=$1 script=$2 nss=$BATS_TEST_TMPDIR/nsswitch.conf
	shift 2
	netprog_unshare nm || { echo "in_private_net: no network and mount namespaces here" >&2; return 1; }
	# Files only: an unknown name is EAI_NONAME at once, whatever DNS would say.
	printf 'hosts: files\n' >"$nss"
	HOSTS=$hosts NSS=$nss GAI_CONF=${GAI_CONF:-} CH06_PEER=$CH06_PEER PYTHON=${PYTHON:-python3} \
		NETPROG_TIMEOUT=$NETPROG_TIMEOUT "${NETPROG_UNSHARE[@]}" bash -c '
		mount --bind "$HOSTS" /etc/hosts &&
			mount --bind "$NSS" /etc/nsswitch.conf &&
			{ [ -z "$GAI_CONF" ] || mount --bind "$GAI_CONF" /etc/gai.conf; } &&
			ip link set lo up || exit 99
		# In a background job (py ... &) the peer replaces the job'"'"'s subshell, so that
		# the script'"'"'s kill $(jobs -p) reaches it, and has a deadline of its own: a
		# datagram that never comes must fail the test, not hang it.
		py() {
			if [ "$BASHPID" != "$$" ]; then
				exec timeout "$NETPROG_TIMEOUT" "$PYTHON" "$CH06_PEER" "$@"
			fi
			"$PYTHON" "$CH06_PEER" "$@"
		}
		'"$(declare -f wait_listening wait_exit)"'
		'"$script" bash "$@"
}
