#!/usr/bin/env bats
# http_serve [-a] [-d DIR] [-t SECONDS] PORT: a static HTTP/1.1 server, checked with curl
# and nc over both loopbacks: files byte for byte, HEAD, types, the error statuses, nothing
# outside DIR, bounded requests and time, persistent connections with a cap, many clients.
load ../helper
load ../lib/ch04_transmission
program HTTP_SERVE ch04-transmission/http_serve

setup() {
	netprog_setup
	WWW=$BATS_TEST_TMPDIR/www
	mkdir -p "$WWW/sub" "$WWW/empty"
	printf 'hello\n' >"$WWW/index.html"
	printf 'plain text\n' >"$WWW/sub/a.txt"
	printf 'x' >"$WWW/pic.png"
	printf 'x' >"$WWW/data.unknownsuffix"
	printf 'secret\n' >"$BATS_TEST_TMPDIR/secret.txt"
	ln -s ../secret.txt "$WWW/out"
	ln -s sub/a.txt "$WWW/in"
	head -c 1048576 /dev/urandom >"$WWW/blob.bin"
}

# serve [OPTIONS...]: http_serve on a free port ($port) serving $WWW.
serve() {
	port=$(free_port)
	start_server tcp "$port" "$HTTP_SERVE" -d "$WWW" "$@" "$port"
}

# ask HOST TEXT: TEXT sent to the server by nc, which half-closes; the answer in $output.
ask() {
	run --separate-stderr client nc -N "$1" "$port" < <(printf '%b' "$2")
}

# status_of [CURL ARGS...] URL: the status code curl got, in $output.
status_of() {
	run --separate-stderr client curl -s -o /dev/null -w '%{http_code}' "$@"
}

server_alive() {
	kill -0 "$SERVER_PID" 2>/dev/null || {
		wait "$SERVER_PID"
		echo "http_serve ended with status $?; its stderr:" >&2
		cat "$SERVER_ERR" >&2
		return 1
	}
}

@test "http_serve: says 'listening on port N' with the real port for PORT 0" {
	start_bg "$HTTP_SERVE" -d "$WWW" 0 2>"$BATS_TEST_TMPDIR/err"
	SERVER_PID=$BG_PID
	wait_for_output 'listening on port ' "$BATS_TEST_TMPDIR/err"
	port=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$BATS_TEST_TMPDIR/err")
	[ "$port" -gt 0 ]
	run -0 client curl -sf "http://127.0.0.1:$port/"
	assert_output 'hello'
}

@test "http_serve: a 1 MiB file arrives byte for byte with curl (every loopback)" {
	serve
	local host
	for host in "${LOOPBACKS[@]}"; do
		client curl -sf -o "$BATS_TEST_TMPDIR/got" "http://$(url_host "$host"):$port/blob.bin"
		cmp "$WWW/blob.bin" "$BATS_TEST_TMPDIR/got"
	done
}

@test "http_serve: the Netcat Lab's request through nc -N gets 200 and the page (::1)" {
	needs_ipv6
	serve
	ask ::1 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
	assert_line --index 0 $'HTTP/1.1 200 OK\r'
	assert_line $'Content-Length: 6\r'
	assert_line 'hello'
}

@test "http_serve: the Netcat Lab's request through nc -N gets 200 and the page (127.0.0.1)" {
	serve
	ask 127.0.0.1 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
	assert_line --index 0 $'HTTP/1.1 200 OK\r'
	assert_line 'hello'
}

@test "http_serve: a request typed into nc (bare LF line ends) is answered" {
	serve
	ask 127.0.0.1 'GET /sub/a.txt HTTP/1.1\nHost: x\n\n'
	assert_line --index 0 $'HTTP/1.1 200 OK\r'
	assert_line 'plain text'
}

@test "http_serve: HEAD has the headers of GET and no body" {
	serve
	ask 127.0.0.1 'HEAD /sub/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
	assert_line --index 0 $'HTTP/1.1 200 OK\r'
	assert_line $'Content-Length: 11\r'
	refute_line 'plain text'
	[ "${lines[-1]}" = $'\r' ]
}

@test "http_serve: Content-Type follows the suffix, octet-stream when unknown" {
	serve
	run -0 client curl -s -o /dev/null -w '%{content_type}' "http://127.0.0.1:$port/index.html"
	assert_output 'text/html; charset=utf-8'
	run -0 client curl -s -o /dev/null -w '%{content_type}' "http://127.0.0.1:$port/sub/a.txt"
	assert_output 'text/plain; charset=utf-8'
	run -0 client curl -s -o /dev/null -w '%{content_type}' "http://127.0.0.1:$port/pic.png"
	assert_output 'image/png'
	run -0 client curl -s -o /dev/null -w '%{content_type}' "http://127.0.0.1:$port/data.unknownsuffix"
	assert_output 'application/octet-stream'
}

@test "http_serve: a missing file is 404" {
	serve
	status_of "http://127.0.0.1:$port/nothing-here"
	assert_output 404
}

@test "http_serve: a directory without a slash is 301 to the slash" {
	serve
	run -0 client curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$port/sub"
	assert_output "301 http://127.0.0.1:$port/sub/"
}

@test "http_serve: a directory without index.html is listed, names escaped" {
	touch "$WWW/empty/a&b<c>.txt"
	serve
	run -0 client curl -sf "http://127.0.0.1:$port/empty/"
	assert_output --partial '<a href="a&b%3Cc%3E.txt">a&amp;b&lt;c&gt;.txt</a>'
}

@test "http_serve: POST, PUT, DELETE are 405 with Allow: GET, HEAD" {
	serve
	local m
	for m in POST PUT DELETE; do
		run -0 --separate-stderr client curl -s -i -X "$m" "http://127.0.0.1:$port/"
		assert_line --index 0 $'HTTP/1.1 405 Method Not Allowed\r'
		assert_line $'Allow: GET, HEAD\r'
	done
}

@test "http_serve: HTTP/1.1 without Host is 400" {
	serve
	ask 127.0.0.1 'GET / HTTP/1.1\r\n\r\n'
	assert_line --index 0 $'HTTP/1.1 400 Bad Request\r'
}

@test "http_serve: two Host headers are 400" {
	serve
	ask 127.0.0.1 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'
	assert_line --index 0 $'HTTP/1.1 400 Bad Request\r'
}

@test "http_serve: malformed request lines and headers are 400" {
	serve
	local req
	for req in 'GET\r\n\r\n' 'GET /\r\n\r\n' 'GET  / HTTP/1.1\r\nHost: x\r\n\r\n' \
	    'GET / HTTP/1.1 x\r\nHost: x\r\n\r\n' 'GET / HTTX/1.1\r\nHost: x\r\n\r\n' \
	    'G(T / HTTP/1.1\r\nHost: x\r\n\r\n' 'GET x HTTP/1.1\r\nHost: x\r\n\r\n' \
	    'GET / HTTP/1.1\r\nHost : x\r\n\r\n' 'GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n' \
	    'GET / HTTP/1.1\r\nno colon\r\n\r\n' 'GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n' \
	    'GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n'; do
		ask 127.0.0.1 "$req"
		[ "${lines[0]}" = $'HTTP/1.1 400 Bad Request\r' ] ||
			{ echo "sent '$req', expected 400, got '${lines[0]:-nothing}'" >&2; return 1; }
	done
	server_alive
}

@test "http_serve: HTTP/2.0 and HTTP/3.0 request lines are 505" {
	serve
	ask 127.0.0.1 'GET / HTTP/2.0\r\nHost: x\r\n\r\n'
	assert_line --index 0 $'HTTP/1.1 505 HTTP Version Not Supported\r'
	ask 127.0.0.1 'GET / HTTP/3.0\r\nHost: x\r\n\r\n'
	assert_line --index 0 $'HTTP/1.1 505 HTTP Version Not Supported\r'
}

@test "http_serve: a request line over 8 KiB is 414" {
	serve
	status_of "http://127.0.0.1:$port/$(printf 'a%.0s' $(seq 9000))"
	assert_output 414
}

@test "http_serve: a request head over 16 KiB is 431" {
	serve
	status_of -H "X-Big: $(printf 'a%.0s' $(seq 20000))" "http://127.0.0.1:$port/"
	assert_output 431
}

@test "http_serve: ../ does not leave DIR (400), and the file outside is never sent" {
	serve
	status_of --path-as-is "http://127.0.0.1:$port/../secret.txt"
	assert_output 400
	status_of --path-as-is "http://127.0.0.1:$port/sub/../../secret.txt"
	assert_output 400
	ask 127.0.0.1 'GET /.. HTTP/1.1\r\nHost: x\r\n\r\n'
	refute_output --partial secret
}

@test "http_serve: %2e%2e, %2E%2e and .%2e do not leave DIR either" {
	serve
	local p
	for p in /%2e%2e/secret.txt /%2E%2e/secret.txt /sub/.%2e/.%2e/secret.txt /%2e%2e%2fsecret.txt; do
		run --separate-stderr client curl -s --path-as-is "http://127.0.0.1:$port$p"
		refute_output --partial secret
	done
}

@test "http_serve: a symbolic link that leads out of DIR is 404; one inside is served" {
	serve
	status_of "http://127.0.0.1:$port/out"
	assert_output 404
	run -0 client curl -sf "http://127.0.0.1:$port/in"
	assert_output 'plain text'
}

@test "http_serve: a FIFO in DIR is 404, and does not hang the server" {
	mkfifo "$WWW/fifo"
	serve
	status_of "http://127.0.0.1:$port/fifo"
	assert_output 404
	run -0 client curl -sf "http://127.0.0.1:$port/"
}

@test "http_serve: one connection serves several requests (curl reuses it)" {
	serve
	run -0 --separate-stderr client curl -sv "http://127.0.0.1:$port/" "http://127.0.0.1:$port/sub/a.txt"
	[[ $stderr == *"Re-using existing connection"* ]] || { echo "$stderr" >&2; return 1; }
}

@test "http_serve: pipelined requests are answered in order" {
	serve
	ask 127.0.0.1 'GET /sub/a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n'
	local bodies
	bodies=$(grep -e '^plain text$' -e '^hello$' <<<"$output" | tr '\n' ,)
	[ "$bodies" = 'plain text,hello,' ] || { echo "expected 'plain text,hello,', got '$bodies'" >&2; return 1; }
}

@test "http_serve: a connection is closed after 100 requests, the 100th says Connection: close" {
	serve
	local req=''
	for _ in $(seq 105); do req+='GET / HTTP/1.1\r\nHost: x\r\n\r\n'; done
	ask 127.0.0.1 "$req"
	run grep -c '^HTTP/1.1 200' <<<"$output"
	assert_output 100
	ask 127.0.0.1 "$req"
	run grep -c $'^Connection: close\r$' <<<"$output"
	assert_output 1
}

@test "http_serve: HTTP/1.0 closes after its answer; Connection: close is honoured" {
	serve
	ask 127.0.0.1 'GET / HTTP/1.0\r\n\r\n'
	assert_line $'Connection: close\r'
	ask 127.0.0.1 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
	assert_line $'Connection: close\r'
}

@test "http_serve: a client that sends half a request is cut off after -t SECONDS, others served meanwhile" {
	serve -t 1
	start_bg "$PYTHON" -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
t = time.monotonic()
while True:
    try:
        s.sendall(b"X")
    except OSError:
        break
    time.sleep(0.1)
    s.settimeout(0.01)
    try:
        if s.recv(1) == b"":
            break
    except socket.timeout:
        pass
    if time.monotonic() - t > 8:
        sys.exit(1)
print("cut after %.1fs" % (time.monotonic() - t))' "$port" >"$BATS_TEST_TMPDIR/slow"
	local slow=$BG_PID
	run -0 client curl -sf "http://127.0.0.1:$port/"
	wait_exit "$slow"
	[ "$EXIT_STATUS" -eq 0 ] || { echo "the slow client was not cut off within 8s" >&2; return 1; }
	server_alive
}

@test "http_serve: 200 idle connections do not stop a new client being served" {
	serve
	start_bg "$PYTHON" -c '
import socket, sys, signal
conns = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(200)]
print("held", flush=True)
signal.pause()' "$port" >"$BATS_TEST_TMPDIR/held"
	wait_for_output held "$BATS_TEST_TMPDIR/held"
	run -0 client curl -sf "http://127.0.0.1:$port/"
	assert_output hello
}

@test "http_serve: clients that ask for a large file and never read do not block the others" {
	serve
	start_bg "$PYTHON" -c '
import socket, sys, signal
conns = []
for _ in range(20):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b"GET /blob.bin HTTP/1.1\r\nHost: x\r\n\r\n" * 3)
    conns.append(s)
print("stuck", flush=True)
signal.pause()' "$port" >"$BATS_TEST_TMPDIR/stuck"
	wait_for_output stuck "$BATS_TEST_TMPDIR/stuck"
	client curl -sf -o "$BATS_TEST_TMPDIR/got" "http://127.0.0.1:$port/blob.bin"
	cmp "$WWW/blob.bin" "$BATS_TEST_TMPDIR/got"
}

@test "http_serve: clients that reset in the middle of an answer leave the server serving" {
	serve
	"$PYTHON" -c '
import socket, struct, sys
for _ in range(50):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"GET /blob.bin HTTP/1.1\r\nHost: x\r\n\r\n")
    s.recv(1000)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()' "$port"
	run -0 client curl -sf "http://127.0.0.1:$port/"
	server_alive
}

@test "http_serve: binary garbage and a connect-and-close flood do not crash it" {
	serve
	head -c 65536 /dev/urandom | client nc -N 127.0.0.1 "$port" >/dev/null || true
	for _ in $(seq 50); do client nc -z 127.0.0.1 "$port"; done
	run -0 client curl -sf "http://127.0.0.1:$port/"
	server_alive
}

@test "http_serve: serves ::1 and 127.0.0.1 only; -a serves every interface" {
	needs_ipv6
	serve
	run ss -Hltn "sport = :$port"
	assert_output --partial "[::1]:$port"
	assert_output --partial "127.0.0.1:$port"
	refute_output --partial "*:$port"
	stop_all
	serve -a
	run ss -Hltn "sport = :$port"
	assert_output --partial "*:$port"
}

@test "http_serve: SIGTERM and SIGINT stop it with 0" {
	assert_stops_on TERM tcp "$HTTP_SERVE" bash -c 'curl -s "http://127.0.0.1:$0/"' PORT
	assert_stops_on INT tcp "$HTTP_SERVE"
}

@test "http_serve: a port in use is 71 with the system's reason" {
	assert_port_taken tcp "$HTTP_SERVE"
}

@test "http_serve: bad ports are 64" {
	assert_bad_ports "$HTTP_SERVE"
}

@test "http_serve: bad options are 64; a DIR that is not a directory is 66" {
	run -64 --separate-stderr client "$HTTP_SERVE"
	[[ $stderr == *usage:* ]]
	run -64 --separate-stderr client "$HTTP_SERVE" -t 0 8080
	run -64 --separate-stderr client "$HTTP_SERVE" -x 8080
	run -66 --separate-stderr client "$HTTP_SERVE" -d "$BATS_TEST_TMPDIR/none" 0
	[[ $stderr == *none* ]]
	run -66 --separate-stderr client "$HTTP_SERVE" -d "$WWW/index.html" 0
}
