# tests/lib/fake_dns.bash - for suites whose lookups must never reach the real DNS.
# Load after the helper: `load ../lib/fake_dns`.
#
#   fake_dns [OPTION...] -- CMD...   CMD in a private namespace whose resolv.conf names only
#                                    tests/lib/fake_dns.py (see tests/lib/with_fake_dns)
#   need_ns                          skip when no network namespace can be made (a test that needs
#                                    the fake DNS server or a private network)
#   need_names                       for a test that needs only names and addresses (--hosts,
#                                    --host, --ptr): runs everywhere, through libnss_wrapper where
#                                    namespaces are missing; fails naming the package without it
source "$NETPROG_TOP/tests/lib/sandbox.bash"

export FAKE_DNS_PYTHON=$PYTHON

fake_dns() { client "$NETPROG_TOP/tests/lib/with_fake_dns" "$@"; }

need_ns() {
	netprog_unshare nm ||
		skip "no network namespace here for a fake DNS server (nss_wrapper stands in for /etc/hosts only)"
}

need_names() {
	netprog_unshare nm && return 0
	netprog_has_preload libnss_wrapper.so || {
		echo "no namespaces here, and libnss_wrapper.so is missing: install libnss-wrapper (sh .ci/deps)" >&2
		return 1
	}
}
