# tests/lib/ch04_transmission.bash - what the suites of chapters 2 and 4 share.
# Load it after the helper: `load ../helper`, then `load ../lib/ch04_transmission`.
#
#   url_host HOST           HOST as a URL writes it ([::1] for ::1)

url_host() {
	case $1 in *:*) printf '[%s]' "$1" ;; *) printf '%s' "$1" ;; esac
}
