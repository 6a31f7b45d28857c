#!/usr/bin/env bats
# ERRATA.md keeps one format: under a "## Chapter …" section, each "### Section: claim"
# entry has, in this order, a **Text:** line (what the text says, in our words), a
# **Right:** line, a **Test:** line (the test or command that shows it) and a **Proof:**
# line (the fixture under tests/errata/ or tests/fixtures/broken/ that the test
# catches, or why no fixture can show it).  Every file a Proof line names exists.
load ../helper

ERRATA=$NETPROG_TOP/ERRATA.md

@test "every ERRATA entry has Text, Right, Test and Proof, in that order" {
	run "$PYTHON" - "$ERRATA" <<-'PY'
		import re, sys
		order = ["Text", "Right", "Test", "Proof"]
		bad = []
		entry = None
		def check(e):
		    if e is None:
		        return
		    name, fields = e
		    if fields != order:
		        bad.append("%s: has %s, wants %s" % (name, " ".join(fields) or "nothing", " ".join(order)))
		for line in open(sys.argv[1], encoding="utf-8"):
		    if line.startswith("### "):
		        check(entry)
		        entry = (line[4:].strip(), [])
		    elif line.startswith("## "):
		        check(entry)
		        entry = None
		    elif entry is not None:
		        m = re.match(r"- \*\*(\w+):\*\*", line)
		        if m:
		            entry[1].append(m.group(1))
		check(entry)
		print("\n".join(bad))
	PY
	[ "$status" -eq 0 ] || fail "$output"
	[ -z "$output" ] || fail "ERRATA.md entries out of format (add the missing '- **Proof:** …' line: a fixture that puts the defect back, or 'none: why'):
$output"
}

@test "every fixture a Proof line names exists" {
	local f missing=()
	while IFS= read -r f; do
		[ -e "$NETPROG_TOP/$f" ] || [ -e "$NETPROG_TOP/tests/errata/$f" ] || [ -e "$NETPROG_TOP/tests/fixtures/broken/$f" ] || missing+=("$f")
	done < <(awk '/^- \*\*Proof:\*\*/{p=1} /^(### |## |$)/{p=0} p' "$ERRATA" | grep -oE '[A-Za-z0-9_./-]+--[A-Za-z0-9_-]+\.sed' | sort -u)
	[ ${#missing[@]} -eq 0 ] || fail "Proof lines name fixtures that do not exist: ${missing[*]}"
}

@test "ERRATA chapters come in the text's order, the appendix last" {
	run "$PYTHON" - "$ERRATA" <<-'PY'
		import re, sys
		seen = []
		for line in open(sys.argv[1], encoding="utf-8"):
		    if not line.startswith("## "):
		        continue
		    m = re.match(r"## Chapter (\d+) ", line)
		    if m:
		        seen.append((0, int(m.group(1)), line.strip()))
		    elif line.startswith("## Appendix "):
		        seen.append((1, 0, line.strip()))
		    else:
		        print("not a chapter or appendix heading: " + line.strip())
		for a, b in zip(seen, seen[1:]):
		    if a[:2] >= b[:2]:
		        print("'%s' comes after '%s'" % (b[2], a[2]))
	PY
	[ "$status" -eq 0 ] || fail "$output"
	[ -z "$output" ] || fail "ERRATA.md chapters out of order:
$output"
}

# Test lines say where a test is (a suite's path from the top of the tree), and leave
# the fixtures to the Proof line.
@test "every suite a Test line names is a path that exists, and no Test line names a fixture" {
	run "$PYTHON" - "$ERRATA" "$NETPROG_TOP" <<-'PY'
		import os, re, sys
		field = None
		for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
		    m = re.match(r"- \*\*(\w+):\*\*", line)
		    if m:
		        field = m.group(1)
		    elif not line.startswith("  "):
		        field = None
		    if field != "Test":
		        continue
		    for suite in re.findall(r"[A-Za-z0-9_./-]+\.bats", line):
		        if not os.path.isfile(os.path.join(sys.argv[2], suite)):
		            print("line %d: %s is not the path of a suite" % (n, suite))
		    for fx in re.findall(r"[A-Za-z0-9_]+--[A-Za-z0-9_-]+", line):
		        print("line %d: the fixture %s belongs on the Proof line" % (n, fx))
	PY
	[ "$status" -eq 0 ] || fail "$output"
	[ -z "$output" ] || fail "$output"
}

@test "ERRATA lines are at most 118 characters" {
	run "$PYTHON" - "$ERRATA" <<-'PY'
		import sys
		for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
		    if len(line.rstrip("\n")) > 118:
		        print("line %d: %d characters" % (n, len(line.rstrip("\n"))))
	PY
	[ "$status" -eq 0 ] || fail "$output"
	[ -z "$output" ] || fail "ERRATA.md lines too long (wrap at about 115):
$output"
}
