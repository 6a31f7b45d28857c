#!/usr/bin/env bats
# recurse_search (chapter 7, exercise 3): `recurse_search [-j WORKERS] DIR STRING` prints the
# path (DIR/sub/file) of one regular file under DIR whose bytes contain STRING, once, and exits
# 0 at once; exits 1 with no output when no file does, 2 when none does but something could
# not be read (each such path named on stderr); 64 usage (empty STRING, bad -j, argument
# count), 66 DIR not an openable directory, 74 stdout not writable.  Symbolic links are not
# followed; FIFOs, sockets and devices are not opened; a vanished file is no error; a deep
# tree needs few descriptors.  Every tree is made here, in $BATS_TEST_TMPDIR.
load ../../helper
load ../../lib/exercise
program RECURSE_SEARCH exercises/ch07-multiplex/recurse_search
exercise_source RECURSE_SEARCH exercises/ch07-multiplex/recurse_search.c

setup() {
	netprog_setup
	T=$BATS_TEST_TMPDIR/tree
	mkdir -p "$T"
}

teardown() {
	exercise_teardown || true
	# A mode-000 directory cannot be removed by bats as an ordinary user.
	chmod -R u+rwx "$BATS_TEST_TMPDIR" 2>/dev/null || true
}

# rs ARGS...: the program under test, with a deadline (a hang is a failure, not a stuck suite).
rs() { client "$RECURSE_SEARCH" "$@"; }

# filler N [CHAR]: N bytes of CHAR (x), no newline.
filler() { head -c "$1" /dev/zero | tr '\0' "${2:-x}"; }

@test "service: recurse_search prints the one file that contains STRING and exits 0" {
	mkdir -p "$T/a/b/c" "$T/d"
	echo 'nothing here' >"$T/a/one.txt"
	echo 'nothing, only a need' >"$T/d/two.txt"
	printf 'hay hay hay needle hay\n' >"$T/a/b/c/hit.txt"
	for j in 1 2 7; do
		run -0 --separate-stderr rs -j "$j" "$T" needle
		assert_output "$T/a/b/c/hit.txt"
		[ -z "$stderr" ]
	done
	# DIR given with a trailing slash: joined as grep -rl joins it.
	run -0 rs "$T/" needle
	assert_output "$T/a/b/c/hit.txt"
}

@test "protocol: recurse_search exits 1 with no output when no file contains STRING" {
	mkdir -p "$T/a/b"
	echo 'neede needl eedle' >"$T/a/one.txt"
	printf 'needl' >"$T/a/b/two.txt"	# a prefix at the end of the file is no match
	: >"$T/a/b/empty"
	run -1 --separate-stderr rs "$T" needle
	assert_output ''
	[ -z "$stderr" ]
	# An empty tree.
	mkdir "$BATS_TEST_TMPDIR/empty"
	run -1 rs "$BATS_TEST_TMPDIR/empty" needle
	assert_output ''
}

@test "protocol: recurse_search's answer reaches a file, newline and all (stdout flushed before exit)" {
	echo needle >"$T/hit"
	client "$RECURSE_SEARCH" "$T" needle >"$BATS_TEST_TMPDIR/out"
	printf '%s\n' "$T/hit" | cmp - "$BATS_TEST_TMPDIR/out"
}

@test "protocol: recurse_search compares bytes: case matters" {
	echo 'NEEDLE Needle nEEDLE' >"$T/upper"
	run -1 rs "$T" needle
	assert_output ''
	run -0 rs "$T" Needle
	assert_output "$T/upper"
}

@test "protocol: recurse_search finds STRING cut in two by a read-buffer boundary" {
	# Reads of a power-of-two size B <= 4 MiB all end at 4 MiB, which STRING straddles in
	# tree 0; in the others it straddles the first B + 16 or B + 15 bytes (a buffer sized to
	# hold STRING's 16 bytes, or 15 carried over, more), B from 4 KiB to 1 MiB.
	"$PYTHON" - "$BATS_TEST_TMPDIR" <<-'EOF'
		import os, sys
		at = [4194304 - 7] + [b + n - 7 for b in (2 ** k for k in range(12, 21)) for n in (16, 15)]
		for i, a in enumerate(at):
		    os.makedirs(os.path.join(sys.argv[1], "bnd%d" % i))
		    with open(os.path.join(sys.argv[1], "bnd%d" % i, "f%d" % a), "wb") as f:
		        f.write(b"x" * a + b"BOUNDARY-needle!" + b"x" * 100)
	EOF
	local t
	for t in "$BATS_TEST_TMPDIR"/bnd*; do
		run -0 rs "$t" 'BOUNDARY-needle!'
		assert_output "$(echo "$t"/f*)"
	done
}

@test "protocol: recurse_search finds a STRING longer than a read buffer (100,000 bytes)" {
	local needle decoy
	# Deterministic, not periodic: a shorter prefix cannot stand in for it.
	needle=$(seq 1 20000 | tr '\n' ',' | head -c 100000)
	decoy=${needle%?}X
	[ "${#needle}" -eq 100000 ]
	{ filler 70001 y; printf '%s' "$decoy"; filler 5000 y; } >"$T/decoy"
	run -1 rs "$T" "$needle"
	assert_output ''
	mkdir "$T/sub"
	{ filler 70001 y; printf '%s' "$needle"; filler 5000 y; } >"$T/sub/hit"
	run -0 rs "$T" "$needle"
	assert_output "$T/sub/hit"
}

@test "protocol: recurse_search finds STRING among a million near misses, and not where only near misses are" {
	# Every byte of the needle is everywhere in the file: a search that jumps from one
	# occurrence of a byte to the next must neither miss the match nor crawl.
	"$PYTHON" - "$T" <<-'EOF'
		import os, sys
		with open(os.path.join(sys.argv[1], "near"), "wb") as f:
		    f.write(b"Q1" * 1000000 + b"Q1Q1Q1Q2")
		with open(os.path.join(sys.argv[1], "misses"), "wb") as f:
		    f.write(b"Q1" * 1000000 + b"Q1Q1Q1Q3")
	EOF
	run -0 client "$RECURSE_SEARCH" "$T" Q1Q1Q1Q2
	assert_output "$T/near"
	rm "$T/near"
	run -1 client "$RECURSE_SEARCH" "$T" Q1Q1Q1Q2
	assert_output ''
}

@test "protocol: recurse_search searches binary files: NUL bytes are data" {
	# Before STRING: NULs, and bytes of every value (a str* search stops at the first NUL).
	{ head -c 5000 /dev/zero; printf '\001\377\000\200'; seq 1 100; head -c 100 /dev/zero
	  printf 'before\000needle\000after'; } >"$T/blob"
	run -0 rs "$T" needle
	assert_output "$T/blob"
	# A NUL inside the candidate breaks the match.
	rm "$T/blob"
	printf 'nee\000dle' >"$T/split"
	run -1 rs "$T" needle
	assert_output ''
}

@test "security: recurse_search does not follow symbolic links (to files, to directories, loops)" {
	local out=$BATS_TEST_TMPDIR/outside
	mkdir -p "$out/dir" "$T/real"
	echo needle >"$out/hit"
	echo needle >"$out/dir/hit"
	echo 'nothing' >"$T/real/file"
	ln -s "$out/hit" "$T/filelink"
	ln -s "$out/dir" "$T/dirlink"
	ln -s . "$T/real/loop"
	ln -s .. "$T/real/up"
	ln -s "$T" "$T/real/top"
	run -1 --separate-stderr rs "$T" needle
	assert_output ''
	[ -z "$stderr" ]
}

@test "robustness: recurse_search skips a FIFO without opening it (no hang, not searched)" {
	echo 'nothing' >"$T/plain"
	mkfifo "$T/fifo"
	# Nobody writes to the FIFO: a blocking open() would never return.
	run -1 --separate-stderr rs "$T" needle
	assert_output ''
	[ -z "$stderr" ]
	# A writer waits with STRING: the FIFO is not a regular file, so it is not searched.
	start_bg sh -c 'printf needle >"$1"' sh "$T/fifo"
	run -1 rs "$T" needle
	assert_output ''
}

@test "security: recurse_search skips sockets and devices without opening them" {
	echo 'nothing' >"$T/plain"
	"$PYTHON" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/sock"
	[ -S "$T/sock" ]
	# /dev/zero's numbers: reading it never ends.  Only root can make it (and not in a
	# nodev mount); without it the socket is still checked.
	mknod "$T/zero" c 1 5 2>/dev/null && head -c 1 "$T/zero" >/dev/null 2>&1 || rm -f "$T/zero"
	[ -e "$T/zero" ] || echo "# no device node: only the socket is checked" >&3
	run -1 --separate-stderr rs "$T" needle
	assert_output ''
	[ -z "$stderr" ]
}

# "${NOCAPS[@]}" CMD...: CMD without the power to read mode-000 files.  root's CAP_DAC_OVERRIDE
# ignores modes, so as root CMD runs with every capability dropped (setpriv, which needs no
# namespace, so a chroot or a container does as well); its uid still owns our files, so
# sanitizer logs stay writable.
source "$NETPROG_TOP/tests/lib/sandbox.bash"
netprog_no_caps
NOCAPS=("${NETPROG_NO_CAPS[@]}")

# Skips the test when FILE can be read all the same (capabilities the namespace does not drop).
check_unreadable() {
	if client "${NOCAPS[@]}" cat "$1" >/dev/null 2>&1; then
		skip "$1 is readable even in mode 000 for this user"
	fi
}

@test "robustness: recurse_search warns about an unreadable file and directory, and exits 2 when nothing was found" {
	mkdir -p "$T/open" "$T/closed"
	echo 'nothing' >"$T/open/plain"
	echo needle >"$T/secret"
	echo needle >"$T/closed/hit"
	chmod 000 "$T/secret" "$T/closed"
	check_unreadable "$T/secret"
	run -2 --separate-stderr client "${NOCAPS[@]}" "$RECURSE_SEARCH" "$T" needle
	assert_output ''
	[[ $stderr == *"$T/secret"* ]]
	[[ $stderr == *"$T/closed"* ]]
}

@test "robustness: recurse_search goes on past what it cannot read and finds STRING elsewhere" {
	local d
	for d in a b c d; do
		mkdir "$T/$d"
		echo needle >"$T/$d/secret"
		chmod 000 "$T/$d/secret"
	done
	mkdir "$T/zz"
	echo needle >"$T/zz/hit"
	check_unreadable "$T/a/secret"
	run -0 --separate-stderr client "${NOCAPS[@]}" "$RECURSE_SEARCH" -j 1 "$T" needle
	assert_output "$T/zz/hit"
	run -0 --separate-stderr client "${NOCAPS[@]}" "$RECURSE_SEARCH" "$T" needle
	assert_output "$T/zz/hit"
}

@test "concurrency: recurse_search writes each warning whole, while many workers warn at once" {
	local d
	for d in $(seq 60); do
		mkdir "$T/d$d"
		echo hay >"$T/d$d/secret"
		chmod 000 "$T/d$d/secret"
	done
	check_unreadable "$T/d1/secret"
	run -2 --separate-stderr client "${NOCAPS[@]}" "$RECURSE_SEARCH" -j 8 "$T" needle
	assert_output ''
	# One line per file, each "PROGRAM: PATH: REASON": no two run together, none cut.
	[ "$(grep -c . <<<"$stderr")" -eq 60 ]
	run grep -Evx "[^:/]+: $T/d[0-9]+/secret: Permission denied" <<<"$stderr"
	assert_output ''
}

@test "robustness: recurse_search with more workers than descriptors runs fewer workers, and skips no file" {
	# A wrapper (tests/wrapped: a script running valgrind) needs descriptors of its own.
	[ "$(head -c 4 "$RECURSE_SEARCH")" = $'\x7fELF' ] || skip "$RECURSE_SEARCH is not a binary: the limit would be the wrapper's"
	"$PYTHON" - "$T" <<-'EOF'
		import os, sys
		for d in range(100):
		    os.mkdir(os.path.join(sys.argv[1], f"d{d}"))
		    for f in range(20):
		        with open(os.path.join(sys.argv[1], f"d{d}", f"f{f}"), "wb") as out:
		            out.write(bytes(32768) + (b"the needle" if (d, f) == (77, 13) else b""))
	EOF
	# Only stdin, stdout and stderr open, and a limit of 8 (hard and soft): DIR leaves four.
	run -0 --separate-stderr client "$PYTHON" -c 'import os, resource, sys
os.closerange(3, 65536)
resource.setrlimit(resource.RLIMIT_NOFILE, (8, 8))
os.execv(sys.argv[1], sys.argv[1:])' "$RECURSE_SEARCH" -j 16 "$T" needle
	assert_output "$T/d77/f13"
	[[ $stderr != *"Too many open files"* ]]
}

@test "robustness: recurse_search walks a tree 2000 levels deep (paths past PATH_MAX) with 64 descriptors" {
	"$PYTHON" - "$T" <<-'EOF'
		import os, sys
		os.chdir(sys.argv[1])
		for _ in range(2000):
		    os.mkdir("dd")
		    os.chdir("dd")
		    with open("f", "w") as f:
		        f.write("hay\n")
		with open("bottom", "w") as f:
		    f.write("the needle\n")
	EOF
	local want=$T
	for ((i = 0; i < 2000; i++)); do want+=/dd; done
	want+=/bottom
	run -0 --separate-stderr client sh -c 'ulimit -n 64 && exec "$@"' sh "$RECURSE_SEARCH" -j 4 "$T" needle
	[ "$output" = "$want" ]
	[ -z "$stderr" ]
}

@test "robustness: recurse_search takes files and directories vanishing under it in its stride" {
	local i
	mkdir -p "$T"/static/{1..40}
	for i in {1..40}; do
		for f in {1..10}; do echo "hay $i $f" >"$T/static/$i/$f"; done
	done
	mkdir "$T/churn"
	# The churner makes and removes files and directories, and swaps a file for a FIFO and
	# a directory for a link, as fast as it can; it writes its rounds to $BATS_TEST_TMPDIR/rounds.
	cat >"$BATS_TEST_TMPDIR/churn.py" <<-'EOF'
		import os, shutil, sys
		top, rounds = sys.argv[1], sys.argv[2]
		n = 0
		while True:
		    for i in range(20):
		        d = os.path.join(top, "d%d" % i)
		        os.makedirs(os.path.join(d, "sub"), exist_ok=True)
		        for k in range(5):
		            with open(os.path.join(d, "sub", "f%d" % k), "w") as f:
		                f.write("hay\n")
		        p = os.path.join(top, "x%d" % i)
		        with open(p, "w") as f:
		            f.write("hay\n")
		        os.unlink(p)
		        os.mkfifo(p)
		        os.unlink(p)
		    for i in range(20):
		        d = os.path.join(top, "d%d" % i)
		        shutil.rmtree(d)
		        os.symlink("/", d)
		        os.unlink(d)
		    n += 1
		    with open(rounds + ".tmp", "w") as f:
		        f.write("%d\n" % n)
		    os.rename(rounds + ".tmp", rounds)
	EOF
	start_bg "$PYTHON" "$BATS_TEST_TMPDIR/churn.py" "$T/churn" "$BATS_TEST_TMPDIR/rounds"
	wait_for_output 1 "$BATS_TEST_TMPDIR/rounds"
	for i in {1..10}; do
		run -1 --separate-stderr rs "$T" needle
		assert_output ''
		[ -z "$stderr" ]
	done
	kill -0 "$BG_PID"	# the churner still ran
}

@test "concurrency: recurse_search prints the path once when many files match at the same time" {
	# 1 MiB files with STRING at the end, in directories of their own: workers finish their
	# files at about the same time, and each would print one.
	"$PYTHON" - "$T" <<-'EOF'
		import os, sys
		for i in range(24):
		    os.makedirs(os.path.join(sys.argv[1], "d%d" % i))
		    with open(os.path.join(sys.argv[1], "d%d" % i, "m%d" % i), "wb") as f:
		        f.write(b"y" * (1 << 20) + b"needle\n")
	EOF
	local i
	for i in {1..5}; do
		run -0 rs -j 8 "$T" needle
		[ "${#lines[@]}" -eq 1 ]
		[[ ${lines[0]} == "$T"/d*/m* ]]
		[ -f "${lines[0]}" ]
	done
}

@test "concurrency: recurse_search stops the other workers once STRING is found" {
	mkdir "$T/big" "$T/hit"
	# A sparse terabyte: reading it through takes minutes; a worker reading it must stop.
	truncate -s 1T "$T/big/holes" || skip "no sparse files here"
	# STRING after 512 MiB of holes: by the time it is found, the other worker reads the terabyte.
	truncate -s 512M "$T/hit/file"
	echo needle >>"$T/hit/file"
	run -0 rs -j 2 "$T" needle
	assert_output "$T/hit/file"
}

@test "usage: recurse_search rejects an empty STRING, a bad -j and wrong argument counts with 64" {
	echo needle >"$T/hit"
	local args
	for args in '' "$T" "$T needle extra" "-j 0 $T needle" "-j x $T needle" "-j -1 $T needle" \
	    "-j 2x $T needle" "-j $T needle"; do
		# shellcheck disable=SC2086 # word splitting wanted
		run -64 --separate-stderr rs $args
		assert_output ''
		[ -n "$stderr" ]
	done
	run -64 --separate-stderr rs "$T" ''
	assert_output ''
	[ -n "$stderr" ]
}

@test "usage: recurse_search exits 66 when DIR is missing or not a directory" {
	run -66 --separate-stderr rs "$BATS_TEST_TMPDIR/missing" needle
	assert_output ''
	[[ $stderr == *missing* ]]
	echo needle >"$BATS_TEST_TMPDIR/file"
	run -66 rs "$BATS_TEST_TMPDIR/file" needle
}

@test "usage: recurse_search exits 74 when stdout cannot be written" {
	echo needle >"$T/hit"
	run -74 client sh -c '"$@" >/dev/full' sh "$RECURSE_SEARCH" "$T" needle
}

@test "usage: recurse_search refuses -j ' 2', -j +2, -j 2x and -j '' (64)" {
	echo needle >"$T/f"
	for j in ' 2' +2 2x '' 0x2; do
		run -64 --separate-stderr rs -j "$j" "$T" needle
		[ -z "$output" ] || fail "-j '$j': expected nothing on stdout and 64, got '$output'"
	done
}

@test "protocol: recurse_search writes DIR// as grep -rl does" {
	mkdir -p "$T/sub"
	echo needle >"$T/sub/f"
	want=$(grep -rlF needle "$T//")
	run -0 rs "$T//" needle
	assert_output "$want"
}

@test "memory: recurse_search built with -fsanitize=address,undefined finds, misses and warns without a report" {
	asan_build RECURSE_SEARCH
	mkdir -p "$T/a/b/c" "$T/d"
	filler 100000 >"$T/a/b/c/big"
	printf 'xx needle xx' >>"$T/a/b/c/big"
	for i in $(seq 50); do filler 3000 y >"$T/d/f$i"; done
	ln -s ../a "$T/d/link"
	for j in 1 4; do
		client "$ASAN_BIN" -j "$j" "$T" needle >/dev/null 2>>"$BATS_TEST_TMPDIR/err" || true
		client "$ASAN_BIN" -j "$j" "$T" absent-string >/dev/null 2>>"$BATS_TEST_TMPDIR/err" || true
	done
	client "$ASAN_BIN" "$T/nonexistent" needle >/dev/null 2>>"$BATS_TEST_TMPDIR/err" || true
	client "$ASAN_BIN" -j 0 "$T" needle >/dev/null 2>>"$BATS_TEST_TMPDIR/err" || true
	assert_no_sanitizer_report "$BATS_TEST_TMPDIR/err"
}
