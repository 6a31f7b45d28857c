#!/usr/bin/env bats
# tests/student-pack (make student-pack): the pack holds no solution, builds with
# -Werror, and its exercise suites fail with test failures, not errors.  One pack,
# made once for the file (setup_file) from the working tree, is unpacked and built;
# the tests look at it.  About a minute: the pack is built in full once.
load ../helper

PACKER=$NETPROG_TOP/tests/student-pack
export LC_ALL=C

setup_file() {
	bats_require_minimum_version 1.5.0
	if ! git -C "$NETPROG_TOP" rev-parse --git-dir >/dev/null 2>&1 || [ -e "$NETPROG_TOP/.student-pack" ]; then
		export PACK_SKIP="not a git checkout (a student pack is made from one)"
		return 0
	fi
	export PACK_TGZ=$BATS_FILE_TMPDIR/pack.tar.gz
	export PACK=$BATS_FILE_TMPDIR/netprog-c-labs-student
	"$PACKER" --worktree "$PACK_TGZ" >"$BATS_FILE_TMPDIR/pack.out" 2>"$BATS_FILE_TMPDIR/pack.err"
	tar -xzf "$PACK_TGZ" -C "$BATS_FILE_TMPDIR"
	# What `make check` builds first (every program, every stub, the benchmarks), with
	# its flags; a make of its own, not a sub-make of a `make check` running this suite.
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$PACK" -j"$(nproc)" WERROR=1 all \
		$(cd "$PACK" && compgen -G 'bench/*.c' | sed 's/\.c$//') \
		>"$BATS_FILE_TMPDIR/make.log" 2>&1 ||
		echo failed >"$BATS_FILE_TMPDIR/make.failed"
}

setup() {
	[ -z "${PACK_SKIP:-}" ] || skip "$PACK_SKIP"
	cd "$BATS_TEST_TMPDIR"
}

# The exercises' sources in the tree: every .c and .c.in directly under exercises/*/.
solutions() {
	(cd "$NETPROG_TOP" && compgen -G 'exercises/*/*.c'; compgen -G 'exercises/*/*.c.in') | LC_ALL=C sort
}

@test "the pack is one directory with the tree's files, and says what it was made from" {
	run -0 tar -tzf "$PACK_TGZ"
	refute_line --regexp '^[^n]|^netprog-c-labs-student[^/]'
	assert_line 'netprog-c-labs-student/Makefile'
	assert_line 'netprog-c-labs-student/README.md'
	assert_line 'netprog-c-labs-student/ch05-sockets/if_list.c'
	assert_line 'netprog-c-labs-student/tests/helper.bash'
	# Sources only: no binary of the build and no git metadata.
	refute_line 'netprog-c-labs-student/ch05-sockets/if_list'
	refute_line --regexp '/\.git/|\.so$|\.build-flags'
	grep -q '^netprog-c-labs student pack, made from the working tree of ' "$PACK/.student-pack"
	assert_equal "$(cat "$BATS_FILE_TMPDIR/pack.out")" "$PACK_TGZ"
}

@test "every example program is in the pack unchanged" {
	local f n=0
	for f in "$NETPROG_TOP"/ch[0-9][0-9]-*/*.[ch]; do
		cmp "$f" "$PACK/${f#"$NETPROG_TOP"/}"
		n=$((n + 1))
	done
	[ "$n" -gt 10 ]
}

@test "every exercise solution is replaced by a stub that keeps the solution's header" {
	local src name head n=0
	while read -r src; do
		name=${src##*/}
		name=${name%%.*}
		# Pointers into the solution's body ("(see serve)") go with the body.
		head=$(awk '{ gsub(/ \(see [A-Za-z_][A-Za-z0-9_]*(\(\))?\)/, ""); print } /\*\// { exit }' "$NETPROG_TOP/$src")
		! grep -qE '\(see [A-Za-z_][A-Za-z0-9_]*(\(\))?\)' <<<"$head" || { echo "$src: a (see NAME) is left" >&2; return 1; }
		[ "$(head -c ${#head} "$PACK/$src")" = "$head" ] || { echo "$src: header changed" >&2; return 1; }
		grep -qF 'not implemented' "$PACK/$src" || { echo "$src: not a stub" >&2; return 1; }
		# A stub is short: the header and a few lines.
		[ "$(wc -l <"$PACK/$src")" -le "$(($(wc -l <<<"$head") + 80))" ]
		n=$((n + 1))
	done < <(solutions)
	[ "$n" -ge 10 ]
	[ ! -e "$PACK/tests/fixtures" ]
	[ ! -e "$PACK/tests/grading" ]
	[ ! -e "$PACK/tests/exercises-ours" ]
}

@test "no line of a solution's body, nor of an ANSWERS.md, is anywhere in the pack" {
	local src pats=$BATS_TEST_TMPDIR/pats others=$BATS_TEST_TMPDIR/others
	# Lines the solutions share with the rest of the tree (a copied write_all) are
	# not distinctive: only lines found in no other file of the tree are looked for.
	(cd "$NETPROG_TOP" && git ls-files --cached --others --exclude-standard -- \
		'ch*/*' 'canon/*' 'tests/*' 'bench/*' README.md ERRATA.md |
		grep -vE '^tests/(fixtures|grading|exercises-ours)/' | xargs cat 2>/dev/null) |
		sed -E 's/^[[:space:]]+//' | sort -u >"$others"
	: >"$pats"
	while read -r src; do
		awk 'f { print } /\*\// { f = 1 }' "$NETPROG_TOP/$src" | sed -E 's/^[[:space:]]+//' |
			awk 'length($0) >= 30' | sort -u | comm -23 - "$others" >"$BATS_TEST_TMPDIR/one"
		[ -s "$BATS_TEST_TMPDIR/one" ] || { echo "$src: no distinctive line to look for" >&2; return 1; }
		cat "$BATS_TEST_TMPDIR/one" >>"$pats"
	done < <(solutions)
	for src in "$NETPROG_TOP"/exercises/*/ANSWERS.md; do
		grep -vE '^(#|\||```|[[:space:]]*$)' "$src" | sed -E 's/^[[:space:]]+//' |
			awk 'length($0) >= 40' | sort -u | comm -23 - "$others" >>"$pats"
	done
	[ "$(wc -l <"$pats")" -ge 100 ]
	# Whole lines, indentation aside, in every text file of the pack: none is found,
	# where the same search in the tree's exercises finds every one.
	run -0 bash -c 'grep -rIl "" "$2" | xargs awk "$1" "$3"' _ '
		NR == FNR { p[$0]; next }
		{ l = $0; sub(/^[ \t]+/, "", l) }
		l in p { print FILENAME ": " l }' "$PACK" "$pats"
	assert_output ''
	run -0 bash -c 'grep -rIl "" "$2" | xargs awk "$1" "$3"' _ '
		NR == FNR { p[$0]; next }
		{ l = $0; sub(/^[ \t]+/, "", l) }
		l in p { print l }' "$NETPROG_TOP/exercises" "$pats"
	[ "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" -eq "$(sort -u "$pats" | wc -l)" ]
}

@test "the pack builds with -Werror: every program, every stub, with gcc; the stubs with clang too" {
	if [ -e "$BATS_FILE_TMPDIR/make.failed" ]; then
		tail -n 30 "$BATS_FILE_TMPDIR/make.log" >&2
		return 1
	fi
	[ -x "$PACK/exercises/ch05-sockets/service_name" ]
	command -v clang >/dev/null || skip "no clang here"
	local src inc
	inc=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
	while read -r src; do
		clang -std=c17 -Wall -Wextra -Wpedantic -Wwrite-strings -Wvla -Wfloat-equal \
			-Waggregate-return -Winline -Werror -I"$inc" -x c -fsyntax-only "$PACK/$src"
	done < <(solutions)
}

@test "a stub program says it is not implemented and exits 70" {
	local src name n=0
	while read -r src; do
		[[ $src == *.c ]] && ! grep -q 'Python\.h' "$PACK/$src" || continue
		name=${src##*/}
		name=${name%.c}
		run -70 --separate-stderr "$PACK/${src%.c}" 5000
		assert_output ''
		[ "$stderr" = "$name: not implemented" ]
		n=$((n + 1))
	done < <(solutions)
	[ "$n" -ge 8 ]
}

@test "a stub extension module imports, and its functions raise NotImplementedError" {
	local src dir mod l n=0
	while read -r src; do
		grep -q 'Python\.h' "$PACK/$src" || continue
		dir=$PACK/${src%/*}
		mod=${src##*/}
		mod=${mod%.c}
		run -0 env PYTHONPATH="$dir" "$PYTHON" -c '
import importlib, sys
m = importlib.import_module(sys.argv[1])
names = [n for n in dir(m) if callable(getattr(m, n)) and not n.startswith("_")]
assert names, "no function in the stub"
for n in names:
    try:
        getattr(m, n)(1, 2)
    except NotImplementedError as e:
        print(e)
    else:
        sys.exit(n + " did not raise")' "$mod"
		[ "${#lines[@]}" -ge 1 ]
		for l in "${lines[@]}"; do
			[[ $l =~ ^$mod\.[A-Za-z_0-9]+:\ not\ implemented$ ]] || { echo "unexpected: $l" >&2; return 1; }
		done
		n=$((n + 1))
	done < <(solutions)
	[ "$n" -ge 1 ] || skip "no extension module among the exercises"
}

@test "an exercise suite in the pack fails test by test, without a bats error" {
	local suite best count fewest=1000
	# The exercise suite with the fewest tests, to stay quick.
	for suite in "$PACK"/tests/exercises/*/*.bats; do
		count=$(grep -c '^@test' "$suite")
		if [ "$count" -lt "$fewest" ]; then fewest=$count best=$suite; fi
	done
	cd "$PACK"
	run -1 bats "${best#"$PACK"/}"
	assert_line "1..$fewest"
	# Most of its tests fail (one may check what the stub keeps: the header's promises).
	assert_line --regexp '^not ok [0-9]+ '
	# What bats 1.8 shows when a file, a load or a program is missing: not a failure of
	# the exercise's contract but a broken pack.
	refute_output --regexp 'setup_file failed|teardown_file failed|Could not find|does not exist|syntax error|is not executable|command not found'
}

@test "make check in the pack is not blocked: every load and every program of every suite is there" {
	local f dir l var path missing=0
	# Nothing but the packer and this suite speaks of the broken variants any more.
	run -1 grep -rlF --exclude=student-pack --exclude=student_pack.bats 'fixtures/broken' "$PACK/tests"
	for f in "$PACK"/tests/*/*.bats "$PACK"/tests/*/*/*.bats; do
		dir=${f%/*}
		while read -r l; do
			[[ $l == /* ]] || l=$dir/$l
			[ -e "$l" ] || [ -e "$l.bash" ] || { echo "${f#"$PACK"/}: load $l: missing" >&2; missing=1; }
		done < <(sed -nE 's/^load[[:space:]]+([^[:space:]]+).*/\1/p' "$f")
		while read -r var path; do
			[ -x "$PACK/$path" ] || { echo "${f#"$PACK"/}: program $path: missing" >&2; missing=1; }
		done < <(sed -nE 's/^program[[:space:]]+([A-Z0-9_]+)[[:space:]]+([^[:space:]]+).*/\1 \2/p' "$f")
	done
	[ "$missing" -eq 0 ]
	# The docs suite checks the pack's READMEs as they are: the exercises' files are stubs.
	cd "$PACK"
	run -0 bats tests/docs/readmes.bats
}

@test "the default pack is the last commit, with a note when the working tree differs" {
	local clone=$BATS_TEST_TMPDIR/clone
	git clone -q "$NETPROG_TOP" "$clone"
	# The packer as it is here (it may not be committed yet), and a change not committed.
	mkdir -p "$clone/tests" && cp "$PACKER" "$clone/tests/student-pack"
	echo '# uncommitted' >>"$clone/README.md"
	run -0 --separate-stderr "$clone/tests/student-pack"
	assert_output "$clone/netprog-c-labs-student.tar.gz"
	[[ $stderr == *"working tree differs from HEAD"* ]]
	tar -tzf "$clone/netprog-c-labs-student.tar.gz" | grep -v '/$' | sed 's|^netprog-c-labs-student/||' |
		grep -vx .student-pack | sort >got
	# Every file of the commit but what the pack says it left out (folders end in /).
	tar -xzf "$clone/netprog-c-labs-student.tar.gz" netprog-c-labs-student/.student-pack
	sed -n 's/^removed: //p' netprog-c-labs-student/.student-pack >removed
	[ -s removed ]
	git -C "$clone" ls-tree -r --name-only HEAD | awk 'NR == FNR { r[$0]; next }
		{ for (p in r) if ($0 == p || (p ~ /\/$/ && index($0, p) == 1)) next; print }' removed - | sort >want
	diff want got
	tar -xzf "$clone/netprog-c-labs-student.tar.gz" netprog-c-labs-student/README.md
	run -1 grep -x '# uncommitted' netprog-c-labs-student/README.md
	run -64 "$clone/tests/student-pack" --no-such-option
}

@test "make clean in the built pack removes the build and keeps every file the pack shipped" {
	local copy=$BATS_TEST_TMPDIR/pack f missing=() extra
	[ ! -e "$BATS_FILE_TMPDIR/make.failed" ] || fail "the pack did not build: $(tail -20 "$BATS_FILE_TMPDIR/make.log")"
	cp -a "$PACK" "$copy"
	run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$copy" clean
	[ "$status" -eq 0 ] || fail "make clean in the pack failed: $output"
	while IFS= read -r f; do
		f=${f#netprog-c-labs-student/}
		[ -z "$f" ] || [ -e "$copy/$f" ] || missing+=("$f")
	done < <(tar -tzf "$PACK_TGZ")
	[ ${#missing[@]} -eq 0 ] || fail "make clean in the pack deleted files it shipped: ${missing[*]}"
	# And nothing the build made is left: every file is one the pack shipped.
	extra=$(cd "$copy" && find . -type f | sed 's|^\./|netprog-c-labs-student/|' | sort |
		comm -23 - <(tar -tzf "$PACK_TGZ" | sort))
	[ -z "$extra" ] || fail "make clean in the pack left build outputs behind: $extra"
}
