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
