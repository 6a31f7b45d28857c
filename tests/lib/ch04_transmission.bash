# tests/lib/ch04_transmission.bash - what the suites of chapters 2 and 4 share.
# Load it after the helper: `load ../helper`, then `load ../lib/ch04_transmission`.
#
#   url_host HOST           HOST as a URL writes it ([::1] for ::1)

url_host() {
	case $1 in *:*) printf '[%s]' "$1" ;; *) printf '%s' "$1" ;; esac
}

# Until tests/helper.bash has the IPv6 probe (h21), the same API, decided the same way.
if ! declare -F needs_ipv6 >/dev/null; then
	netprog_has_ipv6() {
		"${PYTHON:-python3}" -c '
import socket
s = socket.socket(socket.AF_INET6); s.bind(("::1", 0)); s.listen()
c = socket.create_connection(("::1", s.getsockname()[1]), 2)' 2>/dev/null
	}
	needs_ipv6() { netprog_has_ipv6 || skip 'no IPv6 on this host'; }
	if netprog_has_ipv6; then LOOPBACKS=(127.0.0.1 ::1); else LOOPBACKS=(127.0.0.1); fi
fi
