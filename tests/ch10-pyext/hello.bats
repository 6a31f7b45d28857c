#!/usr/bin/env bats
# hello: the chapter's module - method_name() and the finished Gumball type - its
# docstrings, errors, subclassing, deallocation, memory, and its setuptools build.
# HELLO names the extension file under test (default: the one `make ch10` builds).
load ../helper
load ../lib/pyext
pyext HELLO ch10-pyext/hello

PRE='import gc, sys
from pyext_util import load, raises, assert_flat, calls, expect
h = load("HELLO")
G = h.Gumball
'

@test "hello.method_name() returns None and takes no arguments" {
	run pyrun "$PRE"'
assert h.method_name() is None
raises(TypeError, h.method_name, 1)
print(h.__name__)'
	assert_output hello
	assert_success
}

@test "help(hello) shows the docstrings of the module, its function, the type and its methods" {
	run pyrun "$PRE"'
import inspect, pydoc
text = pydoc.render_doc(h, renderer=pydoc.plaintext)
for want in (h.__doc__, "method_name()", "Gumball(count=0)", "turn(self, /)", "refill(self, n, /)",
             "Dispense one gumball", "count", "EmptyError"):
    assert want and want in text, f"{want!r} is not in help(hello)"
assert str(inspect.signature(h.method_name)) == "()"
assert str(inspect.signature(G)) == "(count=0)"
print("ok")'
	assert_output ok
	assert_success
}

@test "a Gumball dispenses its count, then raises hello.EmptyError and stays empty" {
	run pyrun "$PRE"'
g = G(3)
print(g.count, repr(g), g.turn(), g.turn(), g.turn(), g.count)
e = raises(h.EmptyError, g.turn, match="empty")
assert issubclass(h.EmptyError, Exception) and h.EmptyError.__module__ == "hello"
assert g.count == 0
print(repr(G()), repr(G(count=1000)), h.CAPACITY)'
	assert_output $'3 Gumball(3) 2 1 0 0\nGumball(0) Gumball(1000) 1000'
	assert_success
}

@test "Gumball() takes an int count in 0..CAPACITY: ValueError outside, TypeError for the rest and bool" {
	run pyrun "$PRE"'
class Two:
    def __index__(self): return 2
assert G(Two()).count == 2 and G(0).count == 0
for n in (-1, 1001, 2**63, -2**64, 10**1000):
    raises(ValueError, G, n, match=r"^count must be in 0\.\.1000$")
for n in (1.0, "3", None, [3], True, False):
    raises(TypeError, G, n, match=r"^count must be an int, not ")
raises(TypeError, G, 1, 2)
raises(TypeError, lambda: G(colour=1))
print("ok")'
	assert_output ok
	assert_success
}

@test "count is read-only; refill(n) checks n and the capacity, and leaves count alone on error" {
	run pyrun "$PRE"'
g = G(5)
for f in (lambda: setattr(g, "count", 9), lambda: delattr(g, "count")):
    raises(AttributeError, f)
assert g.count == 5
assert g.refill(0) is None and g.refill(995) is None and g.count == 1000
raises(ValueError, g.refill, 1, match=r"^refill amount must be in 0\.\.0$")
g = G(990)
for n in (11, -1, 2**64, 10**100):
    raises(ValueError, g.refill, n, match=r"^refill amount must be in 0\.\.10$")
for n in (1.0, "1", None, True):
    raises(TypeError, g.refill, n, match=r"^refill amount must be an int, not ")
raises(TypeError, g.refill)
assert g.count == 990
g.refill(10)
print(g.count)'
	assert_output 1000
	assert_success
}

@test "Gumball can be subclassed; the type itself cannot be changed" {
	run pyrun "$PRE"'
class Coloured(G):
    def __init__(self, colour, n):
        super().__init__(n)
        self.colour = colour
c = Coloured("red", 2)
print(repr(c), c.colour, c.turn(), c.turn(), isinstance(c, G))
raises(h.EmptyError, c.turn)
for f in (lambda: setattr(G, "turn", None), lambda: setattr(G, "x", 1)):
    raises(TypeError, f)
raises(AttributeError, setattr, G(1), "colour", "red")'
	assert_output 'Coloured(2) red 1 0 True'
	assert_success
}

@test "deallocation gives the type its reference back, for Gumballs and subclass instances" {
	run pyrun "$PRE"'
class Sub(G): pass
gc.collect()
before = sys.getrefcount(G), sys.getrefcount(Sub)
many = [G(1) for _ in range(1000)] + [Sub(1) for _ in range(1000)]
during = sys.getrefcount(G), sys.getrefcount(Sub)
del many
gc.collect()
after = sys.getrefcount(G), sys.getrefcount(Sub)
# Each instance of a heap type owns a reference to its type.
assert during == (before[0] + 1000, before[1] + 1000), (before, during)
print("flat" if after == before else f"{before} -> {after}")'
	assert_output flat
	assert_success
}

@test "a Gumball in a cycle through its module is collected" {
	run pyrun "$PRE"'
import weakref
h2 = load("HELLO")
ref = weakref.ref(h2)
h2.machine = h2.Gumball(3)      # module -> instance -> type -> module
del h2
gc.collect()
print("collected" if ref() is None else "kept")'
	assert_output collected
	assert_success
}

@test "each load of the module is its own (multi-phase init): separate types and exceptions" {
	run pyrun "$PRE"'
h2 = load("HELLO")
assert h2 is not h and h2.Gumball is not G and h2.EmptyError is not h.EmptyError
g = h2.Gumball(0)
raises(h2.EmptyError, g.turn)
assert not isinstance(g, G)
print("separate")'
	assert_output separate
	assert_success
}

@test "a million calls of each method, error paths too, leave memory and reference counts flat" {
	run pyrun "$PRE"'
class Sub(G): pass
g, big, fl = G(0), 10**100, float("1.5")
def turn_empty():
    try:
        g.turn()
    except h.EmptyError:
        return
    raise AssertionError
def cycle():
    g.refill(1)
    g.turn()
assert_flat([
    ("method_name", h.method_name, []),
    ("refill and turn", cycle, [g]),
    ("turn EmptyError", turn_empty, [g]),
    ("Gumball() and dealloc", lambda: G(5), [G]),
    ("subclass and dealloc", lambda: Sub(5), [G, Sub]),
    ("repr", lambda: repr(g), [g]),
    ("count", lambda: g.count, [g]),
    ("Gumball ValueError", expect(ValueError, G, big), [big]),
    ("Gumball TypeError", expect(TypeError, G, fl), [fl]),
    ("refill ValueError", expect(ValueError, g.refill, big), [big, g]),
])
print("flat")'
	assert_output flat
	assert_success
}

@test "the setuptools build (setup.py, pyproject.toml) works in a clean copy" {
	setuptools_builds hello 'hello.Gumball(2).turn()' 1 'hello.Gumball(7)' 'Gumball(7)'
}

# refill computed its limit before calling the argument's __index__, which may
# refill the same machine: the machine then held more than CAPACITY.
@test "refill never lets a machine hold more than CAPACITY, even when __index__ refills it" {
	run pyrun "$PRE"'
g = G(0)
class Sneaky:
    def __index__(self):
        g.refill(h.CAPACITY)
        return 1
raises(ValueError, g.refill, Sneaky())
if g.count > h.CAPACITY:
    sys.exit(f"refill(Sneaky()) on an empty machine: count {g.count} > CAPACITY {h.CAPACITY}")
print(g.count)'
	assert_output 1000
	assert_success
}
