#!/usr/bin/env bash
# bench/search_bench.sh - recurse_search (chapter 7, exercise 3) against grep -rlF and rg -lF.
#
# usage: bench/search_bench.sh [--tiny]
# out:   CSV rows section,case,metric,median,min,max,unit (no header), each figure the median
#        of 5 runs (1 with --tiny) and the fastest and slowest run:
#          search,CASE,TOOL_s,SECONDS,s        for TOOL in recurse_search, grep, grep_first, rg, rg_first
#          search,CASE,vs_TOOL,RATIO,x          recurse_search's time / TOOL's time, same run
#                                               (spread: min over max .. max over min)
#          goal,...                              no slower than grep; within 1.5x of rg (every
#                                               case; five fields, the figure a ratio of medians)
#        CASE: none (the needle is in no file: everything is read), deep (in one file, 40
#        directories down), many (in every 20th file).  grep and rg print every file that
#        matches while recurse_search stops at the first, so TOOL_first is TOOL piped into
#        `head -n 1`, which stops it at its next write after the first: the same task.  The
#        goals compare with the tool's better time of the two, the worst case over the cases.
# exit:  0 whatever the figures, 69 grep, python3 or the tree could not be had,
#        70 recurse_search gave a wrong answer
# build: make exercises/ch07-multiplex/recurse_search (this script runs that when it is missing)
#
# The tree (full: 20,000 files and about 500 MB; --tiny: 200 files, about 5 MB) is generated
# deterministically in a temporary directory removed at exit, then read once so that every
# tool finds it in the page cache: what is measured is searching, not the disk.
set -eu
export LC_ALL=C		# grep's byte-wise fast path; no locale decoding for anybody

top=$(cd "$(dirname "$0")/.." && pwd)
prog=$top/exercises/ch07-multiplex/recurse_search
tiny=0
case ${1:-} in
--tiny) tiny=1 ;;
'') ;;
*) echo "usage: $0 [--tiny]" >&2; exit 64 ;;
esac
if [ $tiny = 1 ]; then runs=1 files=200 scale=100; else runs=5 files=20000 scale=1; fi

if [ ! -x "$prog" ]; then
	echo "search_bench: building $prog" >&2
	make -s -C "$top" exercises/ch07-multiplex/recurse_search >&2 || exit 69
fi
command -v grep >/dev/null || { echo "search_bench: no grep" >&2; exit 69; }
py=$(command -v python3) || { echo "search_bench: no python3" >&2; exit 69; }
have_rg=0
command -v rg >/dev/null && have_rg=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/search_bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
tree=$tmp/tree

NONE=QX9absentZZ7
DEEP=DEEPneedle4217
MANY=MANYneedle0815

echo "search_bench: generating $files files in $tree" >&2
"$py" - "$tree" "$files" "$scale" "$DEEP" "$MANY" <<'EOF' || exit 69
import os, random, sys
top, files, scale, deep, many = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rnd = random.Random(20261125)
# Text made of lower-case "words": the needles (capitals, digits) cannot turn up by chance.
vocab = ["".join(rnd.choice("etaoinshrdlucmfwypvbgkjqxz") for _ in range(rnd.randint(2, 10)))
         for _ in range(3000)]
words, size = [], 0
while size < 4 << 20:
    w = rnd.choice(vocab)
    words.append(w)
    size += len(w) + 1
base = (" ".join(words) + "\n").encode()
base = base + base
n = 0
for a in range(20):
    for b in range(10):
        d = os.path.join(top, "d%02d" % a, "s%d" % b)
        os.makedirs(d)
        for c in range(files // 200):
            if rnd.random() < 0.9:
                length = rnd.randint(1024, 20 * 1024)
            else:
                length = rnd.randint(16 * 1024, 300 * 1024)
            length //= scale
            off = rnd.randrange(len(base) // 2)
            data = base[off:off + length]
            if n % 20 == 7:
                data = data[:length // 2] + many.encode() + data[length // 2:]
            with open(os.path.join(d, "f%03d.txt" % c), "wb") as f:
                f.write(data)
            n += 1
d = os.path.join(top, "d10", *["deep%02d" % i for i in range(40)])
os.makedirs(d)
with open(os.path.join(d, "target.txt"), "wb") as f:
    f.write(base[:300 * 1024 // scale] + deep.encode() + b"\n")
EOF
deep_file=$(find "$tree" -name target.txt)
echo "search_bench: $(du -sh "$tree" | cut -f1) in $(find "$tree" -type f | wc -l) files; warming the page cache" >&2
find "$tree" -type f -exec cat {} + >/dev/null

now() { echo "${EPOCHREALTIME/,/.}"; }

# time_of CMD...: "median,min,max" of $runs runs' seconds; the last run's output in $tmp/out.
time_of() {
	local i t0 t1 times=()
	for ((i = 0; i < runs; i++)); do
		t0=$(now)
		"$@" >"$tmp/out" 2>"$tmp/err" || true
		t1=$(now)
		times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
	done
	printf '%s\n' "${times[@]}" | sort -g |
		awk '{ v[NR] = $1 } END { printf "%.6f,%.6f,%.6f\n", v[int((NR + 1) / 2)], v[1], v[NR] }'
}

first() { "$@" | head -n 1; }
rs_status() { "$prog" "$@"; echo "status $?" >>"$tmp/status"; }

# ratio A B: A's time over B's, each "median,min,max"; the spread min over max .. max over min.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, ","); split(b, y, ",")
		printf "%.3f,%.3f,%.3f\n", x[1] / y[1], x[2] / y[3], x[3] / y[2] }'
}

# timed LABEL CMD...: times CMD and prints its row for $case; the figure in $t.
timed() {
	local label=$1
	shift
	t=$(time_of "$@")
	echo "search,$case,${label}_s,$t,s"
}

# versus TOOL CMD...: TOOL's time on all files and to the first (piped into head), each
# row and recurse_search's ratio to it; worst[TOOL] keeps the largest ratio of
# recurse_search's median over the tool's better median, over the cases.
versus() {
	local tool=$1 all
	shift
	timed "$tool" "$@"
	all=$t
	timed "${tool}_first" first "$@"
	echo "search,$case,vs_$tool,$(ratio "$t_rs" "$all"),x"
	echo "search,$case,vs_${tool}_first,$(ratio "$t_rs" "$t"),x"
	worst[$tool]=$(awk -v w="${worst[$tool]:-0}" -v a="${t_rs%%,*}" -v b="${all%%,*}" -v c="${t%%,*}" \
	    'BEGIN { r = a / (b < c ? b : c); printf "%.3f\n", (r > w ? r : w) }')
}

declare -A worst=([grep]=0 [rg]=0)
for case in none deep many; do
	case $case in
	none) needle=$NONE ;;
	deep) needle=$DEEP ;;
	many) needle=$MANY ;;
	esac
	echo "search_bench: case $case (needle $needle), $runs runs each" >&2
	: >"$tmp/status"
	timed recurse_search rs_status "$tree" "$needle"
	t_rs=$t
	# The answer must be right, or the figures mean nothing.
	got=$(cat "$tmp/out")
	st=$(sort -u "$tmp/status")
	case $case in
	none) [ "$st" = "status 1" ] && [ -z "$got" ] ;;
	deep) [ "$st" = "status 0" ] && [ "$got" = "$deep_file" ] ;;
	many) [ "$st" = "status 0" ] && [ "$(printf '%s\n' "$got" | wc -l)" = 1 ] &&
		grep -qF "$needle" "$got" ;;
	esac || { echo "search_bench: recurse_search answered wrongly for $case: $st, output: $got" >&2; exit 70; }
	versus grep grep -rlF "$needle" "$tree"
	# -uuu: no ignore files, hidden files and binary files too, as grep -r and we do.
	[ $have_rg = 0 ] || versus rg rg -uuu -lF "$needle" "$tree"
done
worst_grep=${worst[grep]} worst_rg=${worst[rg]}

if [ $tiny = 1 ]; then
	echo "goal,no slower than grep -rlF on every case,skipped: --tiny figures mean nothing,$worst_grep,x"
	echo "goal,within 1.5x of rg -lF on every case,skipped: --tiny figures mean nothing,$worst_rg,x"
else
	met=$(awk -v r="$worst_grep" 'BEGIN { print (r <= 1 ? "met" : "not met") }')
	echo "goal,no slower than grep -rlF on every case,$met,$worst_grep,x"
	if [ $have_rg = 1 ]; then
		met=$(awk -v r="$worst_rg" 'BEGIN { print (r <= 1.5 ? "met" : "not met") }')
		echo "goal,within 1.5x of rg -lF on every case,$met,$worst_rg,x"
	else
		echo "goal,within 1.5x of rg -lF on every case,skipped: rg is not installed,0,x"
	fi
fi
echo "search_bench: workers: recurse_search's default ($(nproc) CPUs); times are wall-clock medians" >&2
