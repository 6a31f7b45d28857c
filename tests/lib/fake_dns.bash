# tests/lib/fake_dns.bash - for suites whose lookups must never reach the real DNS.
# Load after the helper: `load ../lib/fake_dns`.
#
#   fake_dns [OPTION...] -- CMD...   CMD in a private namespace whose resolv.conf names only
#                                    tests/lib/fake_dns.py (see tests/lib/with_fake_dns)
#   need_ns                          skip when unprivileged namespaces are not available

export FAKE_DNS_PYTHON=$PYTHON

fake_dns() { client "$NETPROG_TOP/tests/lib/with_fake_dns" "$@"; }

need_ns() {
	unshare -rnm true 2>/dev/null || skip "no unprivileged user, network and mount namespaces here"
}
