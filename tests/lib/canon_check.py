#!/usr/bin/env python3
"""Checks the shared helpers of the programs against their canon (CONTRIBUTING.md).

usage: canon_check.py [--unused] ROOT [FILE...]

Every canonical helper text is ROOT/canon/NAME.c.  A program holds a copy as
    /* canon: NAME (see CONTRIBUTING.md) */
    ...the text of canon/NAME.c, byte for byte...
    /* end canon: NAME */
Fails (status 1, one line per finding on stdout) when a marked copy differs
from its canon (naming the file, the helper and the first differing line),
when a marker is malformed or unknown, when a file defines a function of a
canon outside a marked copy (a copy that drifted, or a different helper that
needs its own name), and when a file has a "case EAI_" outside a marked copy
(an exit-status table of its own: gai_exit_status is the one table).  FILEs
default to every .c under ch*/, exercises/*/, appendix-*/ and bench/.  --unused
also fails for a canon that no program holds, and for an entry of NOT_YET that
is no longer needed.
"""
import glob
import os
import re
import sys

BEGIN = re.compile(r'^/\* canon: (\S+) \(see CONTRIBUTING\.md\) \*/$')
END = re.compile(r'^/\* end canon: (\S+) \*/$')
LOOSE = re.compile(r'canon:')
DEFINES = re.compile(r'^([A-Za-z_]\w*)\(')
EAI_CASE = re.compile(r'\bcase EAI_')
STRICT = {'appendix-a-protocols', 'bench', 'ch02-tools', 'ch04-transmission', 'ch05-sockets',
          'ch06-uniplex', 'ch07-multiplex', 'ch08-clientserver', 'ch09-workers', 'ch10-pyext',
          'exercises'}
# What a file of a STRICT folder may still hold until its owner converts it:
# a function named like a canon's, or "case EAI_" (an inline table).  Each entry
# is work left to do; --unused reports one that is no longer needed, so that
# the list only shrinks.
NOT_YET = {}


def main(argv):
    unused = len(argv) > 1 and argv[1] == '--unused'
    if unused:
        argv = argv[:1] + argv[2:]
    if len(argv) < 2:
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 64
    root = argv[1]
    canon = {}
    for path in sorted(glob.glob(os.path.join(root, 'canon', '*.c'))):
        name = os.path.basename(path)[:-2]
        with open(path, encoding='utf-8') as f:
            canon[name] = f.read().split('\n')
        if canon[name] and canon[name][-1] == '':
            canon[name].pop()
    owner = {}
    for name, lines in canon.items():
        for line in lines:
            m = DEFINES.match(line)
            if m:
                owner[m.group(1)] = name
    files = argv[2:] or sorted(
        glob.glob(os.path.join(root, 'ch*', '*.c')) +
        glob.glob(os.path.join(root, 'exercises', '*', '*.c')) +
        glob.glob(os.path.join(root, 'appendix-*', '*.c')) +
        glob.glob(os.path.join(root, 'bench', '*.c')))
    # In the folders of STRICT every definition of a canon's function must be a
    # marked copy; elsewhere (the benchmarks, which are not programs of the
    # course, and folders not yet converted) only the marked copies are checked.
    # A folder joins STRICT when its programs hold the canon.
    # In the student pack the exercises are the student's own code: a helper of theirs
    # that happens to share a canon's name is theirs to write as they like.
    strict = STRICT - {'exercises'} if os.path.exists(os.path.join(root, '.student-pack')) else STRICT
    marked_only = set() if argv[2:] else {
        f for f in files if os.path.relpath(f, root).split(os.sep)[0] not in strict}
    # Files named on the command line are checked with no exception.
    not_yet = {} if argv[2:] else NOT_YET
    excused = set()
    findings = []
    used = set()
    for path in files:
        rel = os.path.relpath(path, root)
        with open(path, encoding='utf-8', errors='surrogateescape') as f:
            lines = f.read().split('\n')
        i = 0
        while i < len(lines):
            line = lines[i]
            m = BEGIN.match(line)
            if not m:
                if END.match(line):
                    findings.append(f'{rel}:{i + 1}: "end canon" without a "canon:" line above it')
                elif LOOSE.search(line) and line.lstrip().startswith('/*'):
                    findings.append(f'{rel}:{i + 1}: malformed canon marker (the form is '
                                    f'"/* canon: NAME (see CONTRIBUTING.md) */"): {line.strip()}')
                elif EAI_CASE.search(line):
                    if 'case EAI_' in not_yet.get(rel, ()):
                        excused.add((rel, 'case EAI_'))
                    else:
                        findings.append(
                            f'{rel}:{i + 1}: "case EAI_" outside a marked copy of a canon: map '
                            f'getaddrinfo and getnameinfo errors with a marked copy of '
                            f'canon/gai_exit_status.c, the one table')
                else:
                    d = DEFINES.match(line)
                    if d and d.group(1) in owner and path not in marked_only:
                        if d.group(1) in not_yet.get(rel, ()):
                            excused.add((rel, d.group(1)))
                        else:
                            findings.append(
                                f'{rel}:{i + 1}: {d.group(1)} is defined outside a marked copy of '
                                f'canon/{owner[d.group(1)]}.c: copy the canon with its markers, or '
                                f'give a helper that really differs its own name')
                i += 1
                continue
            name, start = m.group(1), i + 1
            j = start
            while j < len(lines) and not END.match(lines[j]) and not BEGIN.match(lines[j]):
                j += 1
            if j == len(lines) or BEGIN.match(lines[j]):
                findings.append(f'{rel}:{i + 1}: canon {name} has no "/* end canon: {name} */" line')
                i = j
                continue
            if END.match(lines[j]).group(1) != name:
                findings.append(f'{rel}:{j + 1}: "end canon: {END.match(lines[j]).group(1)}" '
                                f'closes "canon: {name}" (line {i + 1})')
            if name not in canon:
                findings.append(f'{rel}:{i + 1}: no canon named {name} (canon/{name}.c does not exist)')
            else:
                used.add(name)
                copy, want = lines[start:j], canon[name]
                for k in range(max(len(copy), len(want))):
                    got = copy[k] if k < len(copy) else None
                    exp = want[k] if k < len(want) else None
                    if got != exp:
                        findings.append(
                            f'{rel}:{start + k + 1}: helper {name} differs from canon/{name}.c at its '
                            f'line {k + 1}: expected {exp!r}' if exp is not None else
                            f'{rel}:{start + k + 1}: helper {name} differs from canon/{name}.c: '
                            f'the copy goes on past the canon\'s {len(want)} lines')
                        if exp is not None:
                            findings[-1] += (f', got {got!r}' if got is not None else
                                             ', got the end of the copy')
                        break
            i = j + 1
    if unused:
        checked = {os.path.relpath(f, root) for f in files}
        for rel in sorted(set(not_yet) & checked):
            for what in sorted(not_yet[rel] - {w for r, w in excused if r == rel}):
                findings.append(f'{rel}: holds no "{what}" outside a marked copy any more: '
                                f'remove it from NOT_YET in tests/lib/canon_check.py')
        for name in sorted(set(canon) - used):
            findings.append(f'canon/{name}.c: no program holds a copy of it')
    for line in findings:
        print(line)
    return 1 if findings else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
