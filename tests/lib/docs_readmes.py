#!/usr/bin/env python3
"""docs_readmes.py - check that the READMEs name files that exist and quote usage lines
the programs really print.  Used by tests/docs/readmes.bats.

usage: docs_readmes.py TOP paths|usage|points [README...]
         TOP      the top of the repository
         README   the files to check; default: every README.md under TOP but tests/
out:   one line per problem, README:LINE: what is wrong; nothing when all is well
exit:  0 no problem, 1 problems, 64 usage

The conventions it enforces (the READMEs are written to them):

Paths.  Named are: link targets [text](target) that are not URLs or #anchors,
resolved from the README's folder; and, in `code spans` and ``` code blocks,
every word that starts with a top-level folder of the tree (ch05-sockets/...,
exercises/..., tests/..., bench/..., .ci/...; a leading ./ allowed), resolved from
TOP, and every code span that is a bare lower-case file name (if_list.c,
worker_pool.h, setup.py), found in the README's folder or anywhere in the tree
(a header that is in /usr/include, sysexits.h, is the system's).
Words with placeholders are not paths: anything with * ? $ < > { } or ..., an NN,
or a run of two or more capitals (NAME, PORT) outside a README.md/ANSWERS.md-style
name.  Built programs count as files, so check after `make`.

Usage lines.  (1) A line that starts (after indentation) with "usage: " quotes a
usage line whole: "usage: PROG ARGS...   (NOTE)" must be exactly the line the
program writes on stderr for a usage error, with argv[0] as quoted (run from TOP,
so write ch05-sockets/dual_stack or a bare name).  (2) In a table with a column
headed "usage", the first code span of that column is PROG ARGS: the program's
usage line minus "usage: " and minus a trailing "   (NOTE)"; PROG is the first code
span of the row's first cell.  A usage cell without a code span, or a row whose
first cell is a file name (no_casts.c.in, hello.c: not programs), is not checked.
The usage error is provoked by running the program with no arguments and, when that
is not one (a program that takes none), with one argument, "extra".  Only compiled
programs (ELF files) are run: scripts (bench/run, tests/student-pack) may do real
work when run without arguments, and extension modules are imported, not run;
for those, only the existence of the file is checked.  In a student pack (a
.student-pack file at TOP) the exercises are the students' to write, so their
usage lines are not compared.

Points.  In a table with columns headed "suite" and "points" (exercises/README.md),
the numbers of the points cell, before any "(", must be what tests/points gives
(its `suite NAME N` line, else its `default`) to each suite the suite cell names
(tests/exercises/*/NAME.bats) whose exercise tests/grade grades (exercises/*/NAME.c
exists), in order: "10 + 10" for two suites worth 10, none for a suite that is not
graded (no_casts).
"""
import glob
import os
import re
import subprocess
import sys

TOPDIR_RE = re.compile(r'^(\./)?(ch[0-9]{2}-[A-Za-z0-9_-]+|exercises|tests|bench|\.ci)(/|$)')
BARE_FILE_RE = re.compile(r'^[a-z0-9_][a-z0-9_.-]*\.(c|h|py|bats|bash|md|toml|in|sh|sed|txt)$')
PLACEHOLDER_RE = re.compile(r'[*?$<>{}]|\.\.\.|…|NN|[A-Z]{2,}')
LINK_RE = re.compile(r'\]\(([^)\s]+)\)')
SPAN_RE = re.compile(r'`([^`]+)`')
NOTE_RE = re.compile(r'\s{2,}\(.*\)$')

problems = []


def problem(readme, lineno, msg):
    problems.append(f'{readme}:{lineno}: {msg}')


def is_placeholder(word):
    # README.md, ANSWERS.md, ERRATA.md are names, not placeholders.
    return bool(PLACEHOLDER_RE.search(re.sub(r'(^|/)[A-Z]+\.md$', '', word)))


def clean(word):
    word = word.strip('\'"')
    return word.rstrip('.,:;')


def words(text):
    return [clean(w) for w in re.split(r'[\s;|&()<>\'"`=]+', text) if w]


def find_program(top, name, readme_dir):
    """Every executable file NAME in a folder of programs, the README's first."""
    found = []
    here = os.path.join(readme_dir, name)
    if os.path.isfile(here) and os.access(here, os.X_OK):
        found.append(here)
    for d in sorted(os.listdir(top)):
        dirs = [os.path.join(top, d)]
        if d == 'exercises':
            dirs = [os.path.join(top, d, e) for e in sorted(os.listdir(os.path.join(top, d)))]
        elif not re.match(r'ch[0-9]{2}-', d):
            continue
        for folder in dirs:
            p = os.path.join(folder, name)
            if os.path.isfile(p) and os.access(p, os.X_OK) and p not in found:
                found.append(p)
    return found


def find_file(top, name, readme_dir):
    if os.path.exists(os.path.join(readme_dir, name)):
        return True
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d not in ('.git',) and not d.startswith('.')]
        if name in files:
            return True
    return False


def parse(readme):
    """Yield (lineno, kind, value): kind is link, word, bare, usage_line, or
    table_usage with value (program, usage)."""
    with open(readme, encoding='utf-8') as f:
        lines = f.read().split('\n')
    fence = False
    header = None
    for n, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith('```'):
            fence = not fence
            continue
        if stripped.startswith('usage: '):
            yield n, 'usage_line', stripped
        if fence:
            for w in words(line):
                yield n, 'word', w
            continue
        for target in LINK_RE.findall(line):
            yield n, 'link', target
        for span in SPAN_RE.findall(line):
            if BARE_FILE_RE.match(span.strip()):
                yield n, 'bare', span.strip()
            for w in words(span):
                yield n, 'word', w
        # Tables: the header row names the columns.
        if stripped.startswith('|'):
            cells = [c.strip() for c in re.split(r'(?<!\\)\|', stripped.strip('|'))]
            if header is None:
                header = [c.lower() for c in cells]
                continue
            if all(re.fullmatch(r':?-+:?', c) for c in cells if c):
                continue
            if 'usage' in header and len(cells) > header.index('usage'):
                prog = SPAN_RE.findall(cells[0])
                usage = SPAN_RE.findall(cells[header.index('usage')])
                if prog and BARE_FILE_RE.match(prog[0].strip()):
                    pass    # a file (no_casts.c.in, hello.c), not a program: the bare rule
                elif prog and usage:
                    yield n, 'table_usage', (prog[0].strip(), usage[0].replace('\\|', '|').strip())
                elif prog and not BARE_FILE_RE.match(prog[0].strip()):
                    yield n, 'table_program', prog[0].strip()
        else:
            header = None


def pack_removed(top):
    """In a student pack, the paths the pack left out (its .student-pack file lists
    them as "removed: PATH" lines): the READMEs still name them, for instructors."""
    try:
        with open(os.path.join(top, '.student-pack')) as f:
            return [l[len('removed: '):].strip() for l in f if l.startswith('removed: ')]
    except OSError:
        return []


def check_paths(top, readme):
    rdir = os.path.dirname(os.path.abspath(readme))
    removed = pack_removed(top)
    for n, kind, value in parse(readme):
        if kind == 'link':
            if re.match(r'^[a-z]+:', value) or value.startswith('#'):
                continue
            target = value.split('#')[0]
            rel = os.path.relpath(os.path.join(rdir, target), top)
            if any(rel == r.rstrip('/') or rel.startswith(r) for r in removed):
                continue
            if target and not os.path.exists(os.path.join(rdir, target)):
                problem(readme, n, f'link target {target} does not exist')
        elif kind == 'word':
            if TOPDIR_RE.match(value) and not is_placeholder(value):
                if any(value.rstrip('/') == r.rstrip('/') or value.startswith(r) for r in removed):
                    continue
                if not os.path.exists(os.path.join(top, value)):
                    problem(readme, n, f'{value} does not exist (a program: run make)')
        elif kind == 'bare':
            if value.endswith('.h') and os.path.exists(os.path.join('/usr/include', value)):
                continue    # a system header
            if not is_placeholder(value) and not find_file(top, value, rdir):
                problem(readme, n, f'{value} is not in {os.path.relpath(rdir, top)}/ nor anywhere in the tree')
        elif kind in ('table_usage', 'table_program'):
            prog = value[0] if kind == 'table_usage' else value
            name = prog.split()[0]
            if '/' in name:
                ok = os.path.exists(os.path.join(top, name))
            else:
                ok = bool(find_program(top, name, rdir))
            if not ok:
                problem(readme, n, f'program {name} does not exist (run make?)')


def is_elf(path):
    try:
        with open(path, 'rb') as f:
            return f.read(4) == b'\x7fELF'
    except OSError:
        return False


def usage_of(top, argv0, path):
    """The usage line PROG writes for a usage error, or None."""
    for args in ([], ['extra']):
        try:
            r = subprocess.run([argv0] + args, executable=path, cwd=top, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=10)
        except subprocess.TimeoutExpired:
            continue
        for line in r.stderr.decode(errors='replace').splitlines():
            if line.startswith('usage: '):
                return line.rstrip()
    return None


def resolve(top, readme, prog):
    rdir = os.path.dirname(os.path.abspath(readme))
    if '/' in prog:
        p = os.path.join(top, prog)
        return [p] if os.path.exists(p) else []
    return find_program(top, prog, rdir)


def check_usage(top, readme):
    pack = os.path.exists(os.path.join(top, '.student-pack'))
    for n, kind, value in parse(readme):
        if kind == 'usage_line':
            quoted = value.rstrip()
            prog = quoted.split()[1] if len(quoted.split()) > 1 else ''
            compare = lambda printed, quoted=quoted: printed == quoted
            shown = quoted
        elif kind == 'table_usage':
            prog = value[0].split()[0]
            if value[1].split()[0] != prog:
                problem(readme, n, f'usage `{value[1]}` does not start with the program, {prog}')
                continue
            compare = lambda printed, want=value[1]: NOTE_RE.sub('', printed) == 'usage: ' + want
            shown = 'usage: ' + value[1] + '   (...)'
        else:
            continue
        paths = resolve(top, readme, prog)
        if not paths:
            problem(readme, n, f'program {prog} does not exist (run make?)')
            continue
        if len(paths) > 1:
            problem(readme, n, f'program {prog} is ambiguous: ' + ' '.join(os.path.relpath(p, top) for p in paths))
            continue
        path = paths[0]
        if not is_elf(path):
            continue
        if pack and os.path.relpath(path, top).startswith('exercises/'):
            continue
        printed = usage_of(top, prog, path)
        if printed is None:
            problem(readme, n, f'{prog} printed no usage line (quoted: {shown})')
        elif not compare(printed):
            problem(readme, n, f'stale usage line: the README has "{shown}", {prog} prints "{printed}"')


def points_table(top):
    path = os.path.join(top, 'tests', 'points')
    table, default = {}, None
    with open(path, encoding='utf-8') as f:
        for line in f:
            w = line.split('#')[0].split()
            if len(w) == 2 and w[0] == 'default':
                default = float(w[1])
            elif len(w) == 3 and w[0] == 'suite':
                table[w[1]] = float(w[2])
    return table, default


def check_points(top, readme):
    with open(readme, encoding='utf-8') as f:
        lines = f.read().split('\n')
    header = None
    table = None
    for n, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped.startswith('|'):
            header = None
            continue
        cells = [c.strip() for c in re.split(r'(?<!\\)\|', stripped.strip('|'))]
        if header is None:
            header = [c.lower() for c in cells]
            continue
        if 'suite' not in header or 'points' not in header or all(re.fullmatch(r':?-+:?', c) for c in cells if c):
            continue
        if table is None:
            if not os.path.exists(os.path.join(top, 'tests', 'points')):
                problem(readme, n, 'a points column, but no tests/points')
                return
            table = points_table(top)
        names = [m.group(1) for span in SPAN_RE.findall(cells[header.index('suite')])
                 for m in [re.fullmatch(r'tests/exercises/[^/]+/([^/]+)\.bats', span.strip())] if m]
        graded = [x for x in names if glob.glob(os.path.join(top, 'exercises', '*', x + '.c'))]
        want = [table[0].get(x, table[1]) for x in graded]
        got = [float(x) for x in re.findall(r'\d+(?:\.\d+)?', cells[header.index('points')].split('(')[0])]
        if want != got:
            problem(readme, n, f'points {got} for {graded}, tests/points says {want}')


def readmes(top):
    found = []
    for root, dirs, files in os.walk(top):
        rel = os.path.relpath(root, top)
        dirs[:] = sorted(d for d in dirs if not d.startswith('.') and not (rel == '.' and d == 'tests'))
        if 'README.md' in files:
            found.append(os.path.join(root, 'README.md'))
    return sorted(found)


def main():
    if len(sys.argv) < 3 or sys.argv[2] not in ('paths', 'usage', 'points'):
        print('usage: docs_readmes.py TOP paths|usage|points [README...]', file=sys.stderr)
        return 64
    top = os.path.abspath(sys.argv[1])
    files = sys.argv[3:] or readmes(top)
    for readme in files:
        {'paths': check_paths, 'usage': check_usage, 'points': check_points}[sys.argv[2]](top, readme)
    for p in problems:
        print(p[len(top) + 1:] if p.startswith(top + '/') else p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
