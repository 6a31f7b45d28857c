#!/usr/bin/env bats
# The signal model (CONTRIBUTING.md): a server's stop signals are blocked except while it
# waits (ppoll, pselect, epoll_pwait, sigwait, signalfd), so a SIGTERM that comes between
# its stop-flag test and its blocking call is never lost.  Each server here gets a
# SIGTERM raised at the worst moment, just before its first wait, with no client ever
# coming (tests/lib/early_term.bash), and must exit 0.  recv_1_tcp and recv_gai_udp, the
# programs the text's own model leaves open, have the same test in their suites (with an
# errata fixture that reopens the window).  The exercises' rows test our solutions: a
# student's server is judged on SIGTERM by its suite's shutdown tests.
load ../helper
load ../lib/early_term

@test "dual_stack stops on a SIGTERM that comes just before it waits" {
	assert_stops_at_worst_moment "$NETPROG_TOP/ch05-sockets/dual_stack" PORT
}
@test "unix_echo -l stops on a SIGTERM that comes just before it waits" {
	assert_stops_at_worst_moment "$NETPROG_TOP/ch05-sockets/unix_echo" -l "@netprog-early-term-$$-$BATS_TEST_NUMBER"
}
@test "recv_n_tcp stops on a SIGTERM that comes just before it waits" {
	assert_stops_at_worst_moment "$NETPROG_TOP/ch07-multiplex/recv_n_tcp" PORT
}
@test "recv_poll_tcp stops on a SIGTERM that comes just before it waits" {
	assert_stops_at_worst_moment "$NETPROG_TOP/ch07-multiplex/recv_poll_tcp" PORT
}
@test "recv_select_tcp stops on a SIGTERM that comes just before it waits" {
	assert_stops_at_worst_moment "$NETPROG_TOP/ch07-multiplex/recv_select_tcp" PORT
}
@test "recv_epoll_tcp stops on a SIGTERM that comes just before it waits" {
	assert_stops_at_worst_moment "$NETPROG_TOP/ch07-multiplex/recv_epoll_tcp" PORT
}
@test "pool_server stops on a SIGTERM that comes just before it waits" {
	assert_stops_at_worst_moment "$NETPROG_TOP/ch09-workers/pool_server" PORT 2
}
@test "http_serve stops on a SIGTERM that comes just before it waits" {
	assert_stops_at_worst_moment "$NETPROG_TOP/ch04-transmission/http_serve" PORT
}
@test "bench/echo_designs (each design) and bench/echo_ceiling stop on a SIGTERM that comes just before they wait" {
	local design
	[ -x "$NETPROG_TOP/bench/echo_designs" ] || skip "the benchmarks are not built (make all builds them)"
	for design in iterative fork select poll epoll; do
		assert_stops_at_worst_moment "$NETPROG_TOP/bench/echo_designs" "$design" PORT
	done
	assert_stops_at_worst_moment "$NETPROG_TOP/bench/echo_ceiling" PORT
}

# ours_only: our exercise solutions; the student pack's stubs exit at once.
ours_only() {
	[ ! -e "$NETPROG_TOP/.student-pack" ] || skip "our solution's extra: the student pack holds stubs"
}
@test "the exercise servers (ours) stop on a SIGTERM that comes just before they wait" {
	local ex
	ours_only
	for ex in ch06-uniplex/daytime_tcp ch06-uniplex/daytime_udp ch06-uniplex/discard_tcp \
		ch06-uniplex/discard_udp ch07-multiplex/chargen_tcp ch07-multiplex/finger_tcp \
		ch08-clientserver/echo_tcp ch08-clientserver/echo_udp; do
		assert_stops_at_worst_moment "$NETPROG_TOP/exercises/$ex" PORT
	done
}
