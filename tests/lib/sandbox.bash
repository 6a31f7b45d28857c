# tests/lib/sandbox.bash - how a test gets a private world on this machine: namespaces where
# they work, else the cwrap libraries (libnss-wrapper …) or root's own rights.  Plain bash, no
# bats needed (tests/lib/with_fake_dns sources it too).
#
#   netprog_ns_mode     prints how namespaces can be made here, decided once per bats run:
#                         user  unprivileged user namespaces work (unshare -r…), the usual case
#                         root  we are root and user namespaces are refused, but root may
#                               still unshare network and mount namespaces
#                         root-unchanged  the same in a chroot whose / is no mount point:
#                               mount namespaces keep the propagation they have, which is
#                               used only when no mount is shared (so nothing leaks out)
#                         root-net  root may unshare a network namespace only
#                         none  neither (a container under Docker's default seccomp profile, an
#                               ordinary user where user namespaces are off): use the wrappers
#                       NETPROG_NO_NAMESPACES=1 makes it say none, =user makes it skip "user";
#                       .ci/run runs the suites that have a fallback once that way.
#   netprog_unshare FLAGS   sets the array NETPROG_UNSHARE to the command that runs a command in
#                       new namespaces FLAGS (n, m, nm …) as uid 0 in them: `unshare -rFLAGS`
#                       (mode user) or `unshare -FLAGS` (the root modes); status 1 when those
#                       namespaces cannot be made here (mode none, m in mode root-net)
#   netprog_has_preload LIB   status 0 when LD_PRELOAD=LIB loads (libnss_wrapper.so …)
#   netprog_no_caps         sets the array NETPROG_NO_CAPS to a command prefix that runs a
#                       command without the capabilities that ignore file modes: as root,
#                       setpriv with every capability dropped (the uid stays 0, so the files
#                       the test made stay writable); not root: nothing to drop (env)

netprog_ns_mode() {
	case ${NETPROG_NO_NAMESPACES:-} in
	1 | yes | all) echo none; return 0 ;;
	esac
	local cache=${BATS_RUN_TMPDIR:+$BATS_RUN_TMPDIR/netprog-ns-mode${NETPROG_NO_NAMESPACES:-}} mode=none
	if [ -n "$cache" ] && [ -s "$cache" ]; then
		cat "$cache"
		return 0
	fi
	if [ "${NETPROG_NO_NAMESPACES:-}" != user ] && unshare -rnm true 2>/dev/null; then
		mode=user
	elif [ "$(id -u)" = 0 ] && unshare -nm true 2>/dev/null; then
		mode=root
	elif [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		# In a chroot whose / is no mount point, unshare cannot make / private (EINVAL).
		# Leaving propagation as it is, is safe only where no mount is shared: then a
		# bind mount in the new namespace cannot appear outside it.
		if ! grep -q ' shared:' /proc/self/mountinfo 2>/dev/null &&
			unshare -nm --propagation unchanged true 2>/dev/null; then
			mode=root-unchanged
		else
			mode=root-net
		fi
	fi
	[ -z "$cache" ] || echo "$mode" >"$cache"
	echo "$mode"
}

netprog_unshare() {
	NETPROG_UNSHARE=()
	case $(netprog_ns_mode) in
	user) NETPROG_UNSHARE=(unshare "-r$1") ;;
	root) NETPROG_UNSHARE=(unshare "-$1") ;;
	root-unchanged)
		NETPROG_UNSHARE=(unshare "-$1")
		[[ $1 != *m* ]] || NETPROG_UNSHARE+=(--propagation unchanged) ;;
	root-net) [[ $1 != *m* ]] || return 1; NETPROG_UNSHARE=(unshare "-$1") ;;
	*) return 1 ;;
	esac
}

netprog_has_preload() {
	[ -z "$(LD_PRELOAD=$1 env true 2>&1)" ]
}

netprog_no_caps() {
	if [ "$(id -u)" != 0 ]; then
		NETPROG_NO_CAPS=(env)
	else
		# With the bounding and inheritable sets empty, execve gives uid 0 no capability.
		NETPROG_NO_CAPS=(setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all --)
	fi
}
