#!/usr/bin/env bats
# tests/lib/child_deaths.c and its use by tests/lib/exercise.bash: a child that a server
# forks and a crash signal kills fails the test that provoked it, naming the signal, for
# each way a server reaps its children (a SIGCHLD handler that calls waitpid, SIGCHLD set
# to SIG_IGN with signal or sigaction, SA_NOCLDWAIT); a child ended by SIGTERM, or one
# that exits, is not a crash.
load ../helper
load ../lib/exercise

setup_file() {
	export FORKER=$BATS_FILE_TMPDIR/forker
	# forker MODE PORT: listens, says so, and for each connection forks a child that
	# aborts (the first byte is 'a'), is ended by SIGTERM ('t') or exits ('x').  MODE says
	# how the children are reaped: h (handler and waitpid), s (signal SIG_IGN), a
	# (sigaction SIG_IGN), n (a handler with SA_NOCLDWAIT, which never reaps).
	cat >"$BATS_FILE_TMPDIR/forker.c" <<-'EOF'
		#define _GNU_SOURCE
		#include <netinet/in.h>
		#include <signal.h>
		#include <stdio.h>
		#include <stdlib.h>
		#include <sys/socket.h>
		#include <sys/wait.h>
		#include <unistd.h>

		static void reap(int sig) { (void)sig; while (waitpid(-1, NULL, WNOHANG) > 0) continue; }
		static void nothing(int sig) { (void)sig; }

		int main(int argc, char **argv)
		{
			struct sigaction sa = { .sa_handler = reap, .sa_flags = SA_RESTART };
			struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)atoi(argv[2])) };
			int s = socket(AF_INET6, SOCK_STREAM, 0), one = 1;

			(void)argc;
			switch (argv[1][0]) {
			case 's': signal(SIGCHLD, SIG_IGN); break;
			case 'a': sa.sa_handler = SIG_IGN; sigaction(SIGCHLD, &sa, NULL); break;
			case 'n': sa.sa_handler = nothing; sa.sa_flags |= SA_NOCLDWAIT; sigaction(SIGCHLD, &sa, NULL); break;
			default: sigaction(SIGCHLD, &sa, NULL); break;
			}
			setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
			if (bind(s, (struct sockaddr *)&a, sizeof a) == -1 || listen(s, 16) == -1)
				return 71;
			fprintf(stderr, "listening on port %s\n", argv[2]);
			for (;;) {
				int c = accept(s, NULL, NULL);
				char b = 0;

				if (c == -1)
					continue;
				if (fork() == 0) {
					if (read(c, &b, 1) == 1 && write(c, &b, 1) == 1)
						shutdown(c, SHUT_WR);
					if (b == 'a')
						abort();
					if (b == 't')
						raise(SIGTERM);
					_exit(0);
				}
				close(c);
			}
		}
	EOF
	cc -std=c17 -o "$FORKER" "$BATS_FILE_TMPDIR/forker.c"
}

setup() {
	netprog_setup
}

# ask BYTE: one connection that sends BYTE and reads its echo, then waits until the
# server's child that served it has gone (the crash is logged by then).
ask() {
	run -0 client "$PYTHON" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.argv[2].encode())
assert s.recv(1) == sys.argv[2].encode()' "$port" "$1"
	local deadline=$((SECONDS + NETPROG_TIMEOUT))
	while [ -n "$(pgrep -P "$SERVER_PID")" ]; do
		deadline_passed "the server's children ending" && return 1
		sleep 0.02
	done
}

# crashes MODE BYTE: the verdict of exercise_check_servers on one connection, in $VERDICT
# (and not left for teardown, which would fail the test with it).
crashes() {
	port=$(free_port)
	start_server tcp "$port" "$FORKER" "$1" "$port"
	ask "$2"
	NETPROG_CRASHED=
	exercise_check_servers quiet
	VERDICT=$NETPROG_CRASHED NETPROG_CRASHED=
	stop_all
}

@test "a child killed by SIGABRT is named, whether the server waits in a handler or lets the kernel reap" {
	local mode
	for mode in h s a n; do
		crashes "$mode" a
		[[ $VERDICT == *"was killed by SIGABRT (signal 6)"* ]] ||
			fail "mode $mode: a child that aborted was not reported; got: ${VERDICT:-(nothing)}"
	done
}

@test "a child that exits, or that SIGTERM ends, is not a crash" {
	local mode byte
	for mode in h s a n; do
		for byte in x t; do
			crashes "$mode" "$byte"
			[ -z "$VERDICT" ] || fail "mode $mode, child '$byte': reported as a crash: $VERDICT"
		done
	done
}

@test "a server that sets SIGCHLD to SIG_IGN leaves no zombie with the library preloaded" {
	port=$(free_port)
	start_server tcp "$port" "$FORKER" s "$port"
	ask x
	ask x
	run ps -o stat= --ppid "$SERVER_PID"
	refute_output --partial Z
}

@test "the test that provoked the crash fails, and says so" {
	port=$(free_port)
	start_server tcp "$port" "$FORKER" h "$port"
	ask a
	run exercise_teardown
	[ "$status" -eq 1 ]
	assert_output --partial "a child of the server (PID "
	assert_output --partial "was killed by SIGABRT (signal 6) during this test"
	NETPROG_SERVERS=()
}
