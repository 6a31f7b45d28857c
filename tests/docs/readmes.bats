#!/usr/bin/env bats
# The READMEs (the top-level one, each chapter folder's, exercises/README.md) stay
# true: every file they name exists, and every usage line they quote is what the
# program prints.  The conventions, checked by tests/lib/docs_readmes.py (its
# docstring has the details):
#   paths   link targets; in code spans and code blocks, every word that starts with
#           a top-level folder (ch05-sockets/if_list, exercises/..., tests/...,
#           bench/...), from the top; a code span that is a bare file name (if_list.c)
#           in the README's folder or elsewhere in the tree.  Words with placeholders
#           (NAME, NN, *) are not paths.  Programs must be built (`make`).
#   usage   a line starting "usage: " is quoted whole and must equal the program's
#           usage line (argv[0] as quoted); in a table with a "usage" column, the
#           cell's first code span must equal the usage line without "usage: " and
#           without its trailing "   (NOTE)".  The usage error is provoked by running
#           the program with no argument (then with one, for programs that take none).
#           Only compiled programs are run; for scripts and extension modules the
#           file must exist.  In a student pack the exercises' usage lines are not
#           compared (the stubs are the students' to replace).
#   points  in a table with "suite" and "points" columns (exercises/README.md), the
#           numbers before any "(" are tests/points' worth of each graded suite named.
load ../helper

CHECK=$NETPROG_TOP/tests/lib/docs_readmes.py

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "every file a README names exists" {
	run "$PYTHON" "$CHECK" "$NETPROG_TOP" paths
	assert_output ''
	[ "$status" -eq 0 ]
}

@test "every usage line a README quotes is the one the program prints" {
	run "$PYTHON" "$CHECK" "$NETPROG_TOP" usage
	assert_output ''
	[ "$status" -eq 0 ]
}

@test "the points exercises/README.md gives are those of tests/points" {
	[ -f "$NETPROG_TOP/tests/points" ] || skip "no tests/points here"
	run "$PYTHON" "$CHECK" "$NETPROG_TOP" points
	assert_output ''
	[ "$status" -eq 0 ]
}

@test "every chapter folder and exercises/ has a README.md" {
	local d
	for d in "$NETPROG_TOP"/ch[0-9][0-9]-*/ "$NETPROG_TOP"/exercises/; do
		[ -f "$d/README.md" ] || { echo "no README.md in $d" >&2; return 1; }
	done
}

# The checker itself: it must see what it is there to see.

@test "the check passes a README that names real files and quotes real usage lines" {
	cat >README.md <<-'EOF'
		| program | usage |
		|---|---|
		| `dual_stack` | `dual_stack [-6] PORT` |
		| `recv_1_tcp` | `recv_1_tcp PORT` |

		```sh
		./ch05-sockets/dual_stack 5000
		usage: ch06-uniplex/recv_1_tcp PORT   (PORT a decimal number 0..65535)
		```
	EOF
	run -0 "$PYTHON" "$CHECK" "$NETPROG_TOP" paths "$PWD/README.md"
	assert_output ''
	run -0 "$PYTHON" "$CHECK" "$NETPROG_TOP" usage "$PWD/README.md"
	assert_output ''
}

@test "the check fails on a README that names a missing program or file" {
	cat >README.md <<-'EOF'
		| program | usage |
		|---|---|
		| `no_such_program` | `no_such_program PORT` |

		Run `ch05-sockets/no_such_program 5000`; read `no_such_file.c` and [this](nowhere.md).
	EOF
	run -1 "$PYTHON" "$CHECK" "$NETPROG_TOP" paths "$PWD/README.md"
	assert_line --partial 'README.md:3: program no_such_program does not exist'
	assert_line --partial 'README.md:5: ch05-sockets/no_such_program does not exist'
	assert_line --partial 'README.md:5: no_such_file.c is not in'
	assert_line --partial 'README.md:5: link target nowhere.md does not exist'
}

@test "the check fails on a stale usage line, quoted or in a table" {
	cat >README.md <<-'EOF'
		| program | usage |
		|---|---|
		| `dual_stack` | `dual_stack PORT` |

		    usage: ch06-uniplex/recv_1_tcp PORT
	EOF
	run -1 "$PYTHON" "$CHECK" "$NETPROG_TOP" usage "$PWD/README.md"
	assert_line --partial 'README.md:3: stale usage line: the README has "usage: dual_stack PORT   (...)", dual_stack prints "usage: dual_stack [-6] PORT   (PORT a decimal number 0..65535)"'
	assert_line --partial 'README.md:5: stale usage line'
	[ "${#lines[@]}" -eq 2 ]
}

@test "the check fails when tests/points changes and the README does not" {
	mkdir -p top/tests top/exercises/ch08-clientserver
	touch top/exercises/ch08-clientserver/echo_tcp.c top/exercises/ch08-clientserver/echo_udp.c
	printf 'default 10\nsuite echo_tcp 25\nsuite echo_udp 15\n' >top/tests/points
	cat >README.md <<-'EOF'
		| text | suite | points |
		|---|---|---|
		| 8.1 | `tests/exercises/ch08-clientserver/echo_tcp.bats`, `tests/exercises/ch08-clientserver/echo_udp.bats` | 20 + 15 |
		| 8.2 | `tests/exercises/ch08-clientserver/echo_udp.bats` | 15 (alone) |
	EOF
	run -1 "$PYTHON" "$CHECK" "$PWD/top" points "$PWD/README.md"
	assert_output --partial "README.md:3: points [20.0, 15.0] for ['echo_tcp', 'echo_udp'], tests/points says [25.0, 15.0]"
	[ "${#lines[@]}" -eq 1 ]
}
