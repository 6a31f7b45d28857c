"""What the chapter 10 suites run in Python (tests/lib/pyext.bash puts this on sys.path).

load(VAR)          the extension module in the file $VAR, imported by file name
                   (module name: the file name up to its first dot), so a grader
                   can point VAR at any build of it
calls()            how many calls a leak check makes ($PYEXT_CALLS; fewer under a wrapper)
assert_flat(cases) each case a (label, function, objects) triple: call function()
                   calls() times and fail unless memory (RSS, then tracemalloc) and
                   the reference counts of objects come back flat
raises(exc, f, *args, match=None)   f(*args) raises exactly exc, its message matching
expect(exc, f, *args)   a function calling f(*args) that fails unless it raises exc
"""
import gc
import importlib.util
import os
import re
import sys
import tracemalloc


def load(var):
    path = os.environ[var]
    name = os.path.basename(path).split(".", 1)[0]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None:
        raise ImportError(f"{path} is not a module file that Python can load")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def calls():
    return int(os.environ.get("PYEXT_CALLS", "1000000"))


def raises(exc, f, *args, match=None):
    try:
        f(*args)
    except BaseException as e:  # noqa: B902 - the exact type is the test
        if type(e) is not exc:
            raise AssertionError(f"{f.__name__}{args!r} raised {type(e).__name__}: {e}, not {exc.__name__}")
        if match is not None and not re.search(match, str(e)):
            raise AssertionError(f"{f.__name__}{args!r}: message {str(e)!r} does not match {match!r}")
        return e
    raise AssertionError(f"{f.__name__}{args!r} raised nothing, expected {exc.__name__}")


def expect(exc, f, *args):
    """A call of f(*args) that must raise exc (for assert_flat's error paths)."""
    def call():
        try:
            f(*args)
        except exc:
            return
        raise AssertionError("no exception")
    return call


def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _loop(f, n):
    for _ in range(n):
        f()


# One leaked object of the smallest kind (16 bytes) a call is 16 MB in a million calls
# and 1.6 MB in the 100000 of the tracemalloc pass; what Python itself keeps (free
# lists, a grown dict) is a few hundred KiB at most.  A leaked reference to a shared
# object costs no memory at all: the reference counts catch that.
RSS_BOUND = 4 << 20
TRACED_BOUND = 256 << 10


def assert_flat(cases):
    n = calls()
    failures = []
    for label, f, objects in cases:
        _loop(f, 1000)  # warm up: caches, free lists, the first exception objects
        gc.collect()
        refs = [sys.getrefcount(o) for o in objects]
        rss = _rss()
        _loop(f, n)
        gc.collect()
        grown = _rss() - rss
        now = [sys.getrefcount(o) for o in objects]
        if now != refs:
            failures.append(f"{label}: reference counts {refs} became {now} after {n} calls")
        # RSS pages are the only view of a raw malloc leak, but sanitizers keep freed
        # memory in quarantine: there the traced figure alone counts.
        if grown > RSS_BOUND and not os.environ.get("LD_PRELOAD"):
            failures.append(f"{label}: RSS grew by {grown} bytes in {n} calls")
        m = max(n // 10, 1000)
        tracemalloc.start()
        _loop(f, 1000)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        _loop(f, m)
        gc.collect()
        traced = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        if traced > TRACED_BOUND:
            failures.append(f"{label}: traced memory grew by {traced} bytes in {m} calls")
    if failures:
        raise AssertionError("\n".join(failures))
