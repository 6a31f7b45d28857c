#!/usr/bin/env bats
# sockaddr_sizes (chapter 5, exercise 4): the size of each socket address
# structure, checked against what this machine's C compiler says.
load ../../helper
load ../../lib/exercise
program SOCKADDR_SIZES exercises/ch05-sockets/sockaddr_sizes
exercise_source SOCKADDR_SIZES exercises/ch05-sockets/sockaddr_sizes.c

@test "protocol: sockaddr_sizes prints the sizes this machine's compiler gives, in the documented order" {
	command -v cc >/dev/null || skip "no C compiler (cc) here"
	# A program of our own, independent of the one under test, asks the compiler.
	cat >"$BATS_TEST_TMPDIR/sizes.c" <<-'EOF'
		#define _GNU_SOURCE
		#include <linux/if_packet.h>
		#include <netinet/in.h>
		#include <stdio.h>
		#include <sys/socket.h>
		#include <sys/un.h>
		int main(void)
		{
			printf("sockaddr\t%zu\n", sizeof (struct sockaddr));
			printf("sockaddr_in\t%zu\n", sizeof (struct sockaddr_in));
			printf("sockaddr_in6\t%zu\n", sizeof (struct sockaddr_in6));
			printf("sockaddr_un\t%zu\n", sizeof (struct sockaddr_un));
			printf("sockaddr_ll\t%zu\n", sizeof (struct sockaddr_ll));
			printf("sockaddr_storage\t%zu\n", sizeof (struct sockaddr_storage));
			return 0;
		}
	EOF
	cc -std=c17 -o "$BATS_TEST_TMPDIR/sizes" "$BATS_TEST_TMPDIR/sizes.c"
	local want
	want=$("$BATS_TEST_TMPDIR/sizes")
	run -0 --separate-stderr "$SOCKADDR_SIZES"
	assert_output "$want"
}

@test "service: sockaddr_sizes prints the sizes every Linux ABI has: 16, 16, 28, 110, 20, 128" {
	[ "$(uname -s)" = Linux ] || skip "these are the Linux sizes"
	run -0 --separate-stderr "$SOCKADDR_SIZES"
	assert_output "$(printf '%s\t%s\n' sockaddr 16 sockaddr_in 16 sockaddr_in6 28 \
	    sockaddr_un 110 sockaddr_ll 20 sockaddr_storage 128)"
}

@test "usage: sockaddr_sizes rejects arguments with 64" {
	run -64 --separate-stderr "$SOCKADDR_SIZES" extra
	assert_output ''
	[ -n "$stderr" ]
}

@test "memory: sockaddr_sizes built with -fsanitize=address,undefined runs without a report" {
	asan_build SOCKADDR_SIZES
	client "$ASAN_BIN" >/dev/null 2>"$BATS_TEST_TMPDIR/err" || true
	client "$ASAN_BIN" extra >/dev/null 2>>"$BATS_TEST_TMPDIR/err" || true
	assert_no_sanitizer_report "$BATS_TEST_TMPDIR/err"
}
