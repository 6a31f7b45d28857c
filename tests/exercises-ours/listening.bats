#!/usr/bin/env bats
# Our exercise solutions' extras (CONTRIBUTING.md, "Tests of the programs'
# extras"), never graded: every server says "listening on port N" on stderr once
# it accepts, N the port the kernel chose for port 0 (house rule, STYLE.md).
load ../helper
load ../lib/ours

setup() {
	netprog_setup
	[ ! -e "$NETPROG_TOP/.student-pack" ] || skip "our solutions' extras: the student pack holds stubs"
}

@test "daytime_tcp: port 0 says 'listening on port N' on stderr" {
	assert_says_listening tcp "$NETPROG_TOP/exercises/ch06-uniplex/daytime_tcp"
}

@test "daytime_udp: port 0 says 'listening on port N' on stderr" {
	assert_says_listening udp "$NETPROG_TOP/exercises/ch06-uniplex/daytime_udp"
}

@test "discard_tcp: port 0 says 'listening on port N' on stderr" {
	assert_says_listening tcp "$NETPROG_TOP/exercises/ch06-uniplex/discard_tcp"
}

@test "discard_udp: port 0 says 'listening on port N' on stderr" {
	assert_says_listening udp "$NETPROG_TOP/exercises/ch06-uniplex/discard_udp"
}

@test "chargen_tcp: port 0 says 'listening on port N' on stderr" {
	assert_says_listening tcp "$NETPROG_TOP/exercises/ch07-multiplex/chargen_tcp"
}

@test "finger_tcp: port 0 says 'listening on port N' on stderr" {
	assert_says_listening tcp "$NETPROG_TOP/exercises/ch07-multiplex/finger_tcp"
}

@test "echo_tcp: port 0 says 'listening on port N' on stderr" {
	assert_says_listening tcp "$NETPROG_TOP/exercises/ch08-clientserver/echo_tcp"
}

@test "echo_udp: port 0 says 'listening on port N' on stderr" {
	assert_says_listening udp "$NETPROG_TOP/exercises/ch08-clientserver/echo_udp"
}
