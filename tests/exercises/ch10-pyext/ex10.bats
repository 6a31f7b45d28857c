#!/usr/bin/env bats
# ex10: days_in_year, days_in_month and mean against Python's calendar and statistics
# modules, their documented errors, and flat memory over a million calls of each.
# EX10 names the extension file under test (default: the one `make ch10` builds).
load ../../helper
load ../../lib/pyext
pyext EX10 exercises/ch10-pyext/ex10

# The module under test as `m`, plus the checks of tests/lib/pyext_util.py.
PRE='import math, random, statistics, sys
from pyext_util import load, raises, assert_flat, calls, expect
m = load("EX10")
'

@test "protocol: days_in_year agrees with calendar.isleap for every year 1..9999" {
	run pyrun "$PRE"'
import calendar
bad = [y for y in range(1, 10000) if m.days_in_year(y) != (366 if calendar.isleap(y) else 365)]
print("wrong for", bad[:10]) if bad else print("all agree")
assert m.days_in_year(1900) == 365 and m.days_in_year(2000) == 366 and m.days_in_year(2024) == 366
sys.exit(1 if bad else 0)'
	assert_output 'all agree'
	assert_success
}

@test "protocol: days_in_month agrees with calendar.monthrange for every month of every year 1..9999" {
	run pyrun "$PRE"'
import calendar
bad = [(mo, y) for y in range(1, 10000) for mo in range(1, 13)
       if m.days_in_month(mo, y) != calendar.monthrange(y, mo)[1]]
print("wrong for (month, year)", bad[:10]) if bad else print("all agree")
sys.exit(1 if bad else 0)'
	assert_output 'all agree'
	assert_success
}

@test "protocol: days_in_year and days_in_month take ints and objects with __index__, and nothing else" {
	run pyrun "$PRE"'
import operator
class Year:
    def __index__(self): return 2000
class MyInt(int): pass
assert m.days_in_year(Year()) == 366 and m.days_in_year(MyInt(2001)) == 365
assert m.days_in_month(MyInt(2), Year()) == 29
for bad in (2000.0, "2000", None, b"2000", [2000], 1 + 0j):
    raises(TypeError, m.days_in_year, bad, match=r"^year must be an int, not ")
    raises(TypeError, m.days_in_month, 2, bad, match=r"^year must be an int, not ")
    raises(TypeError, m.days_in_month, bad, 2000, match=r"^month must be an int, not ")
# A bool is an int to Python, but days_in_year(True) is a bug: refused.
raises(TypeError, m.days_in_year, True, match=r"^year must be an int, not bool$")
raises(TypeError, m.days_in_month, False, 2000, match=r"^month must be an int, not bool$")
print("ok")'
	assert_output ok
	assert_success
}

@test "robustness: years outside 1..9999 and months outside 1..12 raise ValueError, however large" {
	run pyrun "$PRE"'
for y in (0, -1, 10000, 2**63, -2**63 - 1, 10**100, -10**5000):
    raises(ValueError, m.days_in_year, y, match=r"^year must be in 1\.\.9999$")
    raises(ValueError, m.days_in_month, 1, y, match=r"^year must be in 1\.\.9999$")
for mo in (0, -1, 13, 2**64, -10**100):
    raises(ValueError, m.days_in_month, mo, 2000, match=r"^month must be in 1\.\.12$")
assert m.days_in_year(1) == 365 and m.days_in_year(9999) == 365
assert m.days_in_month(1, 1) == 31 and m.days_in_month(12, 9999) == 31
print("ok")'
	assert_output ok
	assert_success
}

@test "usage: days_in_month takes exactly two positional arguments, days_in_year one" {
	run pyrun "$PRE"'
for args in ((), (2,), (2, 2000, 1)):
    raises(TypeError, m.days_in_month, *args)
for args in ((), (2000, 1)):
    raises(TypeError, m.days_in_year, *args)
try:
    m.days_in_month(month=2, year=2000)
except TypeError:
    print("ok")'
	assert_output ok
	assert_success
}

@test "protocol: mean agrees with statistics.fmean on random lists of ints, floats, both, and on generators" {
	run pyrun "$PRE"'
from fractions import Fraction
r = random.Random(10)
def close(a, b):
    # fmean is the correctly rounded sum / n; a compensated sum is within an ulp or
    # two of that sum on data that does not cancel to nothing (see ex10.c).
    return a == b or abs(a - b) <= 2 * math.ulp(b)
checked = 0
for k in range(3000):
    n = r.choice((1, 2, 3, r.randint(1, 50), r.randint(1, 2000)))
    kind = k % 5
    if kind == 0:   data = [r.randint(-10**6, 10**6) for _ in range(n)]
    elif kind == 1: data = [r.uniform(-1e6, 1e6) for _ in range(n)]
    elif kind == 2: data = [r.choice((r.randint(-99, 99), r.gauss(0, 1e9), r.random())) for _ in range(n)]
    elif kind == 3: data = [r.randint(-2**62, 2**62) * 10**r.randint(0, 280) for _ in range(n)]
    else:           data = [r.lognormvariate(0, 5) for _ in range(n)]
    want = statistics.fmean(data)
    for got in (m.mean(data), m.mean(tuple(data)), m.mean(x for x in data), m.mean(iter(data))):
        if not close(got, want):
            sys.exit(f"mean of {data[:5]}... ({n} items) is {got!r}, fmean says {want!r}")
    checked += 1
assert m.mean([7]) == 7.0 and type(m.mean([7])) is float
assert m.mean(range(1, 101)) == 50.5
assert m.mean([True, False, False, False]) == 0.25
assert m.mean([Fraction(1, 3), Fraction(2, 3)]) == 0.5
assert m.mean({1: "a", 3: "b"}) == 2.0
print(checked, "agree")'
	assert_output '3000 agree'
	assert_success
}

@test "protocol: mean survives cancellation that naive summation gets wrong" {
	# Summed left to right in floats, 1e100 + 1 - 1e100 is 0: the mean would be 0.
	run pyrun "$PRE"'
cases = ([1e100, 1.0, -1e100], [1.0, 1e100, 1.0, -1e100], [1e16, 1.0, -1e16] * 1000,
         [0.1] * 10, [1e308 / 4, -1e308 / 4, 3.0])
for data in cases:
    got, want = m.mean(data), statistics.fmean(data)
    if got != want:
        sys.exit(f"mean({data[:4]}...) = {got!r}, fmean = {want!r}")
print("ok")'
	assert_output ok
	assert_success
}

@test "robustness: mean raises the documented errors: empty, not a number, not iterable, too large" {
	run pyrun "$PRE"'
for empty in ([], (), iter([]), (x for x in ()), "" , {}):
    raises(ValueError, m.mean, empty, match=r"^mean\(\) of an empty iterable$")
for data in ([1, "2"], ["a"], [1, None], [1, 2j], [b"1"], [[1]]):
    raises(TypeError, m.mean, data, match=r"^mean\(\) items must be real numbers, not ")
raises(TypeError, m.mean, "123", match=r"not str$")
for data in (5, None, 2.5):
    raises(TypeError, m.mean, data)
raises(TypeError, m.mean)
raises(TypeError, m.mean, [1], [2])
# ints beyond a float and sums beyond a float: OverflowError, as fmean raises.
raises(OverflowError, m.mean, [10**400])
raises(OverflowError, m.mean, [1, -10**309])
raises(OverflowError, m.mean, [1e308, 1e308])
raises(OverflowError, statistics.fmean, [1e308, 1e308])
# Non-finite items: inf stays inf, inf - inf and nan are nan.
assert m.mean([math.inf, 1.0]) == math.inf and m.mean([-math.inf, 1e308]) == -math.inf
assert math.isnan(m.mean([math.inf, -math.inf])) and math.isnan(m.mean([1.0, math.nan]))
print("ok")'
	assert_output ok
	assert_success
}

@test "robustness: mean passes on what the iterator raises, the very exception object" {
	run pyrun "$PRE"'
class Boom(Exception): pass
boom = Boom("from the generator")
def gen():
    yield 1.0
    yield 2
    raise boom
try:
    m.mean(gen())
except Boom as e:
    assert e is boom, "a different exception object"
else:
    sys.exit("nothing raised")
class BadIter:
    def __iter__(self): raise KeyError("no iterator")
raises(KeyError, m.mean, BadIter())
class BadFloat:
    def __float__(self): raise ZeroDivisionError("no float")
raises(ZeroDivisionError, m.mean, [1, BadFloat()])
print("ok")'
	assert_output ok
	assert_success
}

@test "memory: a million calls of each function, error paths too, leave memory and reference counts flat (whatever they return or raise)" {
	run pyrun "$PRE"'
# Arguments made at run time, not shared constants or cached small ints, so that
# their reference counts move only with the calls under test.
y, y0, y2, mo, bad, big = int("2000"), int("10000"), float("2.5"), 2, "".join("xy"), 10**100
s, empty, strs = [float("1.5"), int("2000"), 3.25], [], [1, "".join("ab")]
class Boom(Exception): pass
# Each call as it comes, whatever it raises: the documented errors are for the robustness
# tests to judge, and a range bug must not read here as a leak.
def anyway(f, *args):
    def call():
        try:
            f(*args)
        except Exception:
            pass
    return call
def gen():
    yield 1
    raise Boom()   # a new one each time: a re-raised exception keeps growing its traceback
assert_flat([
    ("days_in_year", lambda: m.days_in_year(y), [y]),
    ("days_in_year ValueError", anyway(m.days_in_year, y0), [y0]),
    ("days_in_year huge ValueError", anyway(m.days_in_year, big), [big]),
    ("days_in_year TypeError", anyway(m.days_in_year, y2), [y2]),
    ("days_in_month", lambda: m.days_in_month(mo, y), [y]),
    ("days_in_month ValueError", anyway(m.days_in_month, 13, y), [y]),
    ("days_in_month TypeError", anyway(m.days_in_month, mo, bad), [bad]),
    ("days_in_month argc TypeError", anyway(m.days_in_month, y), [y]),
    ("mean", lambda: m.mean(s), [s, s[0]]),
    ("mean generator", lambda: m.mean(x for x in s), [s, s[0]]),
    ("mean ValueError", anyway(m.mean, empty), [empty]),
    ("mean TypeError", anyway(m.mean, strs), [strs, strs[1]]),
    ("mean OverflowError", anyway(m.mean, [big ** 4]), [big]),
    ("mean iterator error", anyway(lambda: m.mean(gen())), [Boom]),
])
print("flat")'
	assert_output flat
	assert_success
}

# The build must be of the code under test: the submission's source when graded from
# source (EX10_SRC), ours when the suite runs ungraded; setup.py and pyproject.toml are the
# exercise's own, given to students unchanged.
@test "service: the setuptools build (setup.py, pyproject.toml) of the source under test works in a clean copy" {
	local src
	if [ -n "${EX10_SRC:-}" ]; then
		src=$EX10_SRC
	elif [ "$(dirname "$EX10")" = "$NETPROG_TOP/exercises/ch10-pyext" ]; then
		src=$NETPROG_TOP/exercises/ch10-pyext/ex10.c
	else
		skip "no source to build with setuptools (graded from a prebuilt module)"
	fi
	pyext_copy_source() {
		cp "$PYEXT_SRCDIR/setup.py" "$PYEXT_SRCDIR/pyproject.toml" "$1/"
		cp "$src" "$1/ex10.c"
	}
	setuptools_builds ex10 'ex10.days_in_month(2, 2000)' 29 'ex10.days_in_year(2000)' '366'
}

# One compensation term (Kahan, Neumaier) is lost when large values cancel at
# several magnitudes: [1e100, 1e50, 1.0, -1e100, -1e50] came out 0.0, not 0.2.
# Pairs that cancel at random magnitudes (and nearly cancel), shuffled, against
# fmean; the contract allows 4 ulps.
@test "protocol: mean agrees with statistics.fmean when values cancel at several magnitudes" {
	run pyrun "$PRE"'
rng = random.Random(16)
def ulps(a, b):
    return 0 if a == b else abs(a - b) / math.ulp(max(abs(a), abs(b)))
cases = [[1e100, 1e50, 1.0, -1e100, -1e50], [1e300, 1e200, 1e100, 3.0, -1e300, -1e200, -1e100]]
for _ in range(2000):
    data = []
    for _ in range(rng.randint(2, 5)):
        v = rng.uniform(-1, 1) * 10.0 ** rng.randint(-300, 300)
        data += [v, -v * rng.choice([1.0, 1.0, 1 + 1e-9])]
    data += [rng.uniform(-1, 1) for _ in range(rng.randint(1, 3))]
    rng.shuffle(data)
    cases.append(data)
worst = 0
for data in cases:
    got, want = m.mean(data), statistics.fmean(data)
    if ulps(got, want) > 4:
        sys.exit(f"mean({data}) = {got!r}, fmean = {want!r}: {ulps(got, want):.3g} ulps apart")
print("ok")'
	assert_output ok
	assert_success
}
