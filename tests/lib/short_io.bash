# tests/lib/short_io.bash - short writes on demand (tests/lib/short_io.c).
#
#   short_io_lib     build short_io.so once per bats run (in $BATS_RUN_TMPDIR) and print
#                    its path; status 1 with a message when no compiler is there
#   with_short_io N CMD...   run CMD with every stream-socket send/write cut to N bytes
short_io_lib() {
	local so=${BATS_RUN_TMPDIR:-/tmp}/short_io.so src
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/short_io.c
	if [ ! -s "$so" ]; then
		${CC:-cc} -std=c17 -O2 -fPIC -shared -o "$so.$$" "$src" -ldl 2>"$so.log" && mv -f "$so.$$" "$so" || {
			echo "short_io: cannot build $src: $(cat "$so.log")" >&2
			return 1
		}
	fi
	echo "$so"
}

with_short_io() {
	local max=$1 so
	shift
	so=$(short_io_lib) || return 1
	# Appended, so that a sanitizer runtime preloaded by the caller stays first.
	SHORT_IO_MAX=$max LD_PRELOAD="${LD_PRELOAD:+$LD_PRELOAD:}$so" "$@"
}
