#!/usr/bin/env bats
# dns_query [-t TYPE] [-s SERVER[:PORT]] [-w SECONDS] [-x] NAME: the query on the wire, every
# record type parsed, TC answered over TCP, RCODEs mapped to exit codes, and hostile answers
# (tests/lib/ch04_dns_peer.py) refused cleanly; against dnsmasq as a real server, compared with
# what getent finds through it in a private namespace (tests/lib/with_fake_dns).
load ../helper
load ../lib/fake_dns
program DNS_QUERY ch04-transmission/dns_query

PEER=$NETPROG_TOP/tests/lib/ch04_dns_peer.py
export DNS_QUERY

# peer MODE [HOST]: the scripted server on a free port ($port, UDP and TCP); the queries it
# receives are in $BATS_TEST_TMPDIR/queries, one hex line each.
peer() {
	local mode=$1 host=${2:-127.0.0.1}
	port=$(free_port)
	start_bg "$PYTHON" "$PEER" "$mode" "$host" "$port" "$BATS_TEST_TMPDIR/queries" >"$BATS_TEST_TMPDIR/peer.out"
	SERVER_PID=$BG_PID
	wait_for_output ready "$BATS_TEST_TMPDIR/peer.out"
	server=$host:$port
	[[ $host != *:* ]] || server="[$host]:$port"
}

# ask MODE STATUS [ARGS...]: dns_query -w 1 against the peer in MODE exits STATUS.
ask() {
	local mode=$1 status=$2
	shift 2
	peer "$mode"
	run "-$status" --separate-stderr client "$DNS_QUERY" -w 1 -s "$server" "$@"
}

@test "dns_query: the query is one question with RD set, QNAME as labels, QTYPE and class IN" {
	ask good 0 -t MX www.Example.test
	run cat "$BATS_TEST_TMPDIR/queries"
	# ID (any), flags 0100 (RD), QDCOUNT 1, no other records; 3www7Example4test0; MX (15); IN.
	assert_output --regexp '^[0-9a-f]{4}010000010000000000000377777707'"$(printf Example | xxd -p)"'047465737400000f0001$'
}

@test "dns_query: an A answer is printed like dig +noall +answer (over 127.0.0.1)" {
	ask good 0 example.test
	assert_output $'example.test.\t300\tIN\tA\t192.0.2.1'
}

@test "dns_query: an A answer over ::1" {
	needs_ipv6
	peer good ::1
	run -0 --separate-stderr client "$DNS_QUERY" -w 1 -s "$server" example.test
	assert_output $'example.test.\t300\tIN\tA\t192.0.2.1'
}

@test "dns_query: CNAME, A, AAAA, MX, NS, TXT, SOA and an unknown type, with compressed names" {
	ask all 0 example.test
	assert_output "$(printf '%s\t300\tIN\t%s\n' \
		example.test. 'CNAME	www.example.test.' \
		www.example.test. 'A	192.0.2.7' \
		example.test. 'AAAA	2001:db8::7' \
		example.test. 'MX	10 mail.example.test.' \
		example.test. 'NS	ns.example.test.' \
		example.test. 'TXT	"hello" "a \"quoted\" \\\001"' \
		example.test. 'SOA	ns.example.test. admin.example.test. 1 2 3 4 5' \
		example.test. 'TYPE99	\# 3 010203' \
		'a\.b\000.example.test.' 'A	192.0.2.8')"
}

@test "dns_query: a truncated UDP answer (TC) is asked again over TCP" {
	ask tc 0 example.test
	assert_line --index 2 $'example.test.\t300\tIN\tA\t192.0.2.3'
	run grep -c '^tcp ' "$BATS_TEST_TMPDIR/queries"
	assert_output 1
}

@test "dns_query: -x builds the in-addr.arpa and ip6.arpa names" {
	ask good 0 -x 192.0.2.10
	run cat "$BATS_TEST_TMPDIR/queries"
	assert_output --partial "$(printf '\00210\0012\0010\003192\007in-addr\004arpa\000\000\014\000\001' | xxd -p | tr -d '\n')"
	stop_all
	ask good 0 -x 2001:db8::1
	run cat "$BATS_TEST_TMPDIR/queries"
	assert_output --partial "$(printf '\0011\0010\0010\0010' | xxd -p)"
	assert_output --partial "$(printf '\0018\001b\001d\0010\0011\0010\0010\0012\003ip6\004arpa\000\000\014' | xxd -p | tr -d '\n')"
}

@test "dns_query: NXDOMAIN is 68, SERVFAIL 75, REFUSED 69, FORMERR 76, no record of the type 68" {
	ask nxdomain 68 example.test
	[[ $stderr == *NXDOMAIN* ]]
	stop_all
	ask servfail 75 example.test
	[[ $stderr == *SERVFAIL* ]]
	stop_all
	ask refused 69 example.test
	[[ $stderr == *REFUSED* ]]
	stop_all
	ask formerr 76 example.test
	[[ $stderr == *FORMERR* ]]
	stop_all
	ask nodata 68 example.test
	[[ $stderr == *"no A record"* ]]
}

# hostile MODE TEXT: the peer's answer in MODE is 76 with TEXT in the message, nothing on stdout.
hostile() {
	ask "$1" 76 example.test
	assert_output ''
	[[ $stderr == *"$2"* ]] || { echo "mode $1: expected '$2' in: $stderr" >&2; return 1; }
}

@test "dns_query: a compression pointer to itself is refused (no loop)" {
	hostile loop 'a loop'
}

@test "dns_query: a compression pointer forwards is refused" {
	hostile forward 'points forwards'
}

@test "dns_query: a compression pointer past the end is refused" {
	hostile pastend 'past the end'
}

@test "dns_query: a pointer cut off by the end of the message is refused" {
	hostile cutptr 'cut off'
}

@test "dns_query: a record cut off by the end of the message is refused" {
	hostile truncated 'past the end'
}

@test "dns_query: an answer shorter than a header is refused" {
	hostile short 'shorter than the 12-byte header'
}

@test "dns_query: a label over 63 bytes is refused" {
	hostile longlabel 'longer than 63'
}

@test "dns_query: a name over 255 bytes is refused" {
	hostile longname 'longer than 255'
}

@test "dns_query: an A record of 5 bytes is refused" {
	hostile badrdata 'not 4 bytes'
}

@test "dns_query: an answer to another question is refused" {
	hostile wrongquestion 'not to our question'
}

@test "dns_query: a message that is not an answer (QR clear) is refused" {
	hostile notanswer 'not an answer'
}

@test "dns_query: a TCP answer cut short is refused" {
	hostile tccut 'cut short'
}

@test "dns_query: answers with a wrong ID are ignored, said so, and end in 76" {
	hostile wrongid 'wrong ID'
	[[ $stderr == *"ignored an answer with ID"* ]]
}

@test "dns_query: a server that never answers is 75 after two tries of -w SECONDS" {
	ask silent 75 example.test
	[[ $stderr == *"no answer within 1 s"* ]]
	run -0 grep -c . "$BATS_TEST_TMPDIR/queries"
	assert_output 2
}

@test "dns_query: bad arguments are 64 with a reason" {
	local args
	while IFS= read -r args; do
		eval "set -- $args"
		run -64 --separate-stderr client "$DNS_QUERY" -s 127.0.0.1:9 "$@"
		assert_output ''
		[ -n "$stderr" ] || { echo "no message for $args" >&2; return 1; }
	done <<-'EOF2'
	
	a b
	-t BOGUS example.test
	a..b
	.a
	$(printf 'a%.0s' $(seq 64)).test
	$(printf 'abcdefghi.%.0s' $(seq 26))test
	-x 300.1.2.3
	-x example.test
	-w 0 example.test
	-s [::1 example.test
	-s 127.0.0.1:0 example.test
	-s 127.0.0.1:70000 example.test
	EOF2
}

@test "dns_query: nothing listening on the server's port is 69 or 75, never a hang" {
	run --separate-stderr client "$DNS_QUERY" -w 1 -s "127.0.0.1:$(free_port)" example.test
	[ "$status" -eq 69 ] || [ "$status" -eq 75 ]
	[ -n "$stderr" ]
}

# with_dnsmasq SCRIPT: SCRIPT in a private namespace whose resolver is dnsmasq on 127.0.0.1:53,
# serving the records below; where no namespace can be made, dnsmasq listens on a free port
# of 127.0.0.1 instead ($SERVER says where, $PRIVATE is 1 or 0).
with_dnsmasq() {
	needs_tool dnsmasq dnsmasq-base
	local conf=$BATS_TEST_TMPDIR/dnsmasq.conf
	cat >"$conf" <<-'EOF2'
	no-resolv
	no-hosts
	local=/example.test/
	host-record=www.example.test,192.0.2.10,2001:db8::10
	host-record=two.example.test,192.0.2.21
	host-record=two.example.test,192.0.2.22
	cname=alias.example.test,www.example.test
	mx-host=example.test,mail.example.test,10
	txt-record=example.test,"v=spf1 -all","second string"
	EOF2
	local body='dnsmasq --no-daemon --log-facility=- --conf-file="$CONF" --listen-address=127.0.0.1 \
		--bind-interfaces --port="$DPORT" --user="$(id -un)" --pid-file= 2>"$CONF.log" &
	dpid=$!
	trap "kill $dpid" EXIT
	for _ in $(seq 100); do [ -n "$(ss -Hlun "sport = :$DPORT")" ] && break; sleep 0.05; done
	'"$1"
	if netprog_unshare nm; then
		CONF=$conf DPORT=53 SERVER=127.0.0.1 PRIVATE=1 \
			run --separate-stderr fake_dns --no-dns -- bash -c "$body"
	else
		CONF=$conf DPORT=$(free_port) PRIVATE=0 \
			run --separate-stderr client bash -c 'SERVER=127.0.0.1:$DPORT; '"$body"
	fi
}

@test "dns_query: dnsmasq's A, AAAA, CNAME, MX and TXT records, exactly" {
	with_dnsmasq '
		"$DNS_QUERY" -s "$SERVER" www.example.test
		"$DNS_QUERY" -s "$SERVER" -t AAAA www.example.test
		"$DNS_QUERY" -s "$SERVER" -t MX example.test
		"$DNS_QUERY" -s "$SERVER" -t TXT example.test
		"$DNS_QUERY" -s "$SERVER" alias.example.test'
	[ "$status" -eq 0 ] || { echo "status $status: $stderr" >&2; return 1; }
	assert_output "$(printf '%s\t0\tIN\t%s\n' \
		www.example.test. 'A	192.0.2.10' \
		www.example.test. 'AAAA	2001:db8::10' \
		example.test. 'MX	10 mail.example.test.' \
		example.test. 'TXT	"v=spf1 -all" "second string"' \
		alias.example.test. 'CNAME	www.example.test.' \
		www.example.test. 'A	192.0.2.10')"
}

@test "dns_query: dnsmasq's NXDOMAIN for an unknown name is 68" {
	with_dnsmasq '"$DNS_QUERY" -s "$SERVER" nothing.example.test'
	[ "$status" -eq 68 ] || { echo "status $status: $stderr" >&2; return 1; }
	[[ $stderr == *NXDOMAIN* ]]
}

@test "dns_query: -x finds the name dnsmasq gives an address" {
	with_dnsmasq '"$DNS_QUERY" -s "$SERVER" -x 192.0.2.10 | cut -f5'
	assert_output www.example.test.
}

@test "dns_query: finds the addresses getent finds through the same dnsmasq (the resolver's default server)" {
	netprog_unshare nm || skip "no namespace here to point the system's resolver at dnsmasq"
	with_dnsmasq '
		getent ahostsv4 two.example.test | awk "{ print \$1 }" | sort -u | paste -sd" "
		"$DNS_QUERY" two.example.test | cut -f5 | sort -u | paste -sd" "
		getent hosts 192.0.2.10 | awk "{ print \$2 }"
		"$DNS_QUERY" -x 192.0.2.10 | cut -f5 | sed "s/\.$//"'
	[ "$status" -eq 0 ] || { echo "status $status: $stderr" >&2; return 1; }
	[ "${lines[0]}" = '192.0.2.21 192.0.2.22' ] || { echo "getent found '${lines[0]}'" >&2; return 1; }
	[ "${lines[1]}" = "${lines[0]}" ] || { echo "getent: '${lines[0]}', dns_query: '${lines[1]}'" >&2; return 1; }
	[ "${lines[3]}" = "${lines[2]}" ] || { echo "getent: '${lines[2]}', dns_query: '${lines[3]}'" >&2; return 1; }
}
