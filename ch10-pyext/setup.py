"""Build the hello extension with setuptools: the chapter's build script, updated.

    python3 setup.py build_ext --inplace    hello.cpython-*.so next to hello.c
    pip install .                            (pyproject.toml names this file's backend)

distutils, which the text imports, left the standard library in Python 3.12;
setuptools provides the same setup() and Extension.  `setup.py build` (the text's
command) still works but leaves the module under build/lib.*; build_ext --inplace
puts it where `import hello` finds it.  The course's strict warnings are added to
the interpreter's own compiler flags.
"""
from setuptools import Extension, setup

COURSE_FLAGS = ["-std=c17", "-Wall", "-Wextra", "-Wpedantic", "-Wwrite-strings",
                "-Wvla", "-Wfloat-equal", "-Waggregate-return", "-Winline"]

setup(ext_modules=[Extension("hello", sources=["hello.c"],
                             extra_compile_args=COURSE_FLAGS)])
