#!/usr/bin/env bats
# http_get [-v] [-I] [-t SECONDS] URL: an HTTP/1.1 client, against python3 -m http.server,
# our http_serve, and a scripted server (tests/lib/ch04_http_peer.py) that answers chunked,
# with trailers, with a lying Content-Length, with 1xx first, slowly, with a 1 MB header line.
load ../helper
load ../lib/ch04_transmission
load ../lib/fake_dns
program HTTP_GET ch04-transmission/http_get
program HTTP_SERVE ch04-transmission/http_serve

PEER=$NETPROG_TOP/tests/lib/ch04_http_peer.py

# peer MODE [HOST]: the scripted server for one connection; its port in $port,
# the request it received will be in $BATS_TEST_TMPDIR/request.
peer() {
	local mode=$1 host=${2:-127.0.0.1}
	port=$(free_port)
	start_server tcp "$port" "$PYTHON" "$PEER" "$mode" "$host" "$port" "$BATS_TEST_TMPDIR/request"
	uhost=$(url_host "$host")
}

# fetch MODE STATUS [OPTIONS...]: http_get against the scripted server exits STATUS;
# stdout in $output, stderr in $stderr.
fetch() {
	local mode=$1 status=$2
	shift 2
	peer "$mode"
	run "-$status" --separate-stderr client "$HTTP_GET" "$@" "http://$uhost:$port/a/b?c=d"
}

@test "http_get: a Content-Length body is written to stdout exactly (127.0.0.1)" {
	fetch plain 0
	assert_output 'hello world'
}

@test "http_get: a Content-Length body is written to stdout exactly (::1)" {
	needs_ipv6
	peer plain ::1
	run -0 --separate-stderr client "$HTTP_GET" "http://[::1]:$port/"
	assert_output 'hello world'
}

@test "http_get: the request is GET PATH HTTP/1.1 with Host (and its port) and Connection: close" {
	fetch plain 0
	run cat "$BATS_TEST_TMPDIR/request"
	assert_line --index 0 $'GET /a/b?c=d HTTP/1.1\r'
	assert_line $'Host: 127.0.0.1:'"$port"$'\r'
	assert_line $'Connection: close\r'
}

@test "http_get: an IPv6 literal goes into Host in brackets" {
	needs_ipv6
	peer plain ::1
	run -0 client "$HTTP_GET" "http://[::1]:$port/"
	run cat "$BATS_TEST_TMPDIR/request"
	assert_line $'Host: [::1]:'"$port"$'\r'
}

@test "http_get: a chunked body is decoded (extensions ignored)" {
	fetch chunked 0
	assert_output 'hello world'
}

@test "http_get: trailers after the last chunk are read and not written" {
	fetch trailers 0
	assert_output 'hello world'
}

@test "http_get: a body without length ends at the server's close" {
	fetch close 0
	assert_output 'hello world'
}

@test "http_get: an answer that arrives a byte at a time is framed the same" {
	fetch slow 0
	assert_output 'hello world'
}

@test "http_get: 100 Continue and 103 Early Hints before the answer are skipped" {
	fetch continue 0
	assert_output 'hello world'
}

@test "http_get: Transfer-Encoding chunked wins over Content-Length" {
	fetch bothframings 0
	assert_output 'hello world'
}

@test "http_get: a head with bare LF line ends is read" {
	fetch lfonly 0
	assert_output 'hello world'
}

@test "http_get: a body shorter than its Content-Length is 76, not success" {
	fetch short 76
	[[ $stderr == *"closed before the body was complete"* ]]
}

@test "http_get: bytes past Content-Length are not written" {
	fetch long 0
	assert_output 'hello'
}

@test "http_get: a 404 is exit 1, with its body still written" {
	fetch notfound 1
	assert_output 'no such '
}

@test "http_get: a redirect is not followed and is exit 1" {
	fetch redirect 1
	assert_output ''
}

@test "http_get: 204 has no body whatever Content-Length says" {
	fetch nocontent 0
	assert_output ''
}

@test "http_get: malformed answers are each 76 with a message" {
	local mode
	for mode in badstatus http2 garbage badheader twolengths badlength badchunk hugechunk \
	    chunkoverrun chunkcut headcut switch; do
		fetch "$mode" 76
		[ -n "$stderr" ] || { echo "$mode: no message" >&2; return 1; }
		stop_all
	done
}

@test "http_get: a 1 MB header line is 76, not a crash" {
	fetch bigheader 76
	[[ $stderr == *"longer than"* ]]
}

@test "http_get: a server that never answers is 75 after -t SECONDS" {
	fetch stall 75 -t 1
	[[ $stderr == *"no data for 1s"* ]]
}

@test "http_get: -I sends HEAD and writes the answer's head to stdout" {
	fetch headanswer 0 -I
	assert_line --index 0 $'HTTP/1.1 200 OK\r'
	assert_line $'X-Test: yes\r'
	run cat "$BATS_TEST_TMPDIR/request"
	assert_line --index 0 $'HEAD /a/b?c=d HTTP/1.1\r'
}

@test "http_get: -v shows the request and the answer's head on stderr, the body on stdout" {
	fetch plain 0 -v
	assert_output 'hello world'
	[[ $stderr == *"> GET /a/b?c=d HTTP/1.1"* ]]
	[[ $stderr == *"< HTTP/1.1 200 OK"* ]]
	[[ $stderr == *"< Content-Length: 12"* ]]
}

@test "http_get: a 1 MiB binary file from python3 -m http.server arrives byte for byte (127.0.0.1)" {
	head -c 1048576 /dev/urandom >"$BATS_TEST_TMPDIR/blob.bin"
	port=$(free_port)
	start_server tcp "$port" "$PYTHON" -m http.server -b 127.0.0.1 -d "$BATS_TEST_TMPDIR" "$port"
	client "$HTTP_GET" "http://127.0.0.1:$port/blob.bin" >"$BATS_TEST_TMPDIR/got"
	cmp "$BATS_TEST_TMPDIR/blob.bin" "$BATS_TEST_TMPDIR/got"
}

@test "http_get: a 1 MiB binary file from http_serve arrives byte for byte (every loopback)" {
	head -c 1048576 /dev/urandom >"$BATS_TEST_TMPDIR/blob.bin"
	port=$(free_port)
	start_server tcp "$port" "$HTTP_SERVE" -d "$BATS_TEST_TMPDIR" "$port"
	local host
	for host in "${LOOPBACKS[@]}"; do
		client "$HTTP_GET" "http://$(url_host "$host"):$port/blob.bin" >"$BATS_TEST_TMPDIR/got"
		cmp "$BATS_TEST_TMPDIR/blob.bin" "$BATS_TEST_TMPDIR/got"
	done
}

@test "http_get: nothing listening is 69 with 'Connection refused'" {
	run -69 --separate-stderr client "$HTTP_GET" "http://127.0.0.1:$(free_port)/"
	[[ $stderr == *"Connection refused"* ]]
}

@test "http_get: URLs that are not http://HOST[:PORT]/PATH are 64 with a reason" {
	local url
	for url in '' example.org 'https://127.0.0.1/' 'ftp://x/' 'http://' 'http:///x' 'http://[::1/' \
	    'http://[::1]x/' 'http://127.0.0.1:/' 'http://127.0.0.1:65536/' 'http://127.0.0.1:8x/' \
	    'http://user@127.0.0.1/' 'http://127.0.0.1/a b'; do
		run -64 --separate-stderr client "$HTTP_GET" "$url"
		assert_output ''
		[ -n "$stderr" ] || { echo "no message for '$url'" >&2; return 1; }
	done
}

@test "http_get: wrong arguments are 64 with the usage line" {
	run -64 --separate-stderr client "$HTTP_GET"
	[[ $stderr == *usage:* ]]
	run -64 --separate-stderr client "$HTTP_GET" http://127.0.0.1/ http://127.0.0.1/
	[[ $stderr == *usage:* ]]
	run -64 --separate-stderr client "$HTTP_GET" -t 0 http://127.0.0.1/
	[[ $stderr == *usage:* ]]
}

@test "http_get: an unknown host name is 68" {
	# The fake DNS answers NXDOMAIN: the real one may be unreachable (a private network).
	need_names
	run -68 --separate-stderr fake_dns -- "$HTTP_GET" "http://no-such-host.invalid/"
}

@test "http_get: a closed stdout is 74, not a signal death" {
	# A wrapper (tests/wrapped: a script running valgrind) opens its log on the freed descriptor 1.
	[ "$(head -c 4 "$HTTP_GET")" = $'\x7fELF' ] || skip "$HTTP_GET is not a binary: descriptor 1 would be the wrapper's"
	peer plain
	run -74 --separate-stderr bash -c '"$0" "$1" >&-' "$HTTP_GET" "http://127.0.0.1:$port/"
}
