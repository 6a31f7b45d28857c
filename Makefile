# netprog-c-labs - the one Makefile of the tree.  `make help` lists the targets.
#
# Every .c under ch*/, appendix-*/ and exercises/*/ is a program, built next to its source
# (ch05-sockets/if_list from ch05-sockets/if_list.c).  Adding a program is adding
# its .c file; a file that is not a program goes into NOT_PROGRAMS.

MAKEFLAGS += --no-builtin-rules
.SUFFIXES:
.DEFAULT_GOAL := all
SHELL := /bin/bash

CC      ?= cc
GCC     ?= gcc
PYTHON  ?= python3
BATS    ?= bats
CFLAGS  ?= -O2 -g

# The course's flags (chapter 2), with C17.  Not overridable: they are the point.
COURSE_FLAGS := -std=c17 -Wall -Wextra -Wpedantic -Wwrite-strings -Wvla \
                -Wfloat-equal -Waggregate-return -Winline

# WERROR=1 makes every warning an error (make check does this);
# SAN=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer (make sanitize);
# TSAN=1 with ThreadSanitizer (make tsan), which cannot be combined with SAN=1.
SANFLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TSANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
ALL_CFLAGS = $(COURSE_FLAGS) $(CFLAGS) $(if $(filter 1,$(WERROR)),-Werror) \
             $(if $(filter 1,$(SAN)),$(SANFLAGS)) $(if $(filter 1,$(TSAN)),$(TSANFLAGS))

# ch09-workers/worker_pool.c is a module, not a program (see POOL_MODULE below);
# chapter 10's sources are Python extension modules (see PYEXTS below).
PYEXT_SRCS   := $(sort $(wildcard ch10-*/*.c exercises/ch10-*/*.c))
NOT_PROGRAMS := ch09-workers/worker_pool.c $(PYEXT_SRCS)
SRCS  := $(filter-out $(NOT_PROGRAMS),$(sort $(wildcard ch*/*.c appendix-*/*.c exercises/*/*.c)))
PROGS := $(SRCS:.c=)
# A program that includes <pthread.h> is linked with -pthread; nothing to list.
THREADED := $(basename $(shell grep -l '^\#include <pthread.h>' $(SRCS) /dev/null 2>/dev/null))

# Chapter 9 is the one place where a module is the lesson: every program in
# ch09-workers/ links worker_pool.c, is rebuilt when it or worker_pool.h
# changes, and is threaded through it.
POOL_MODULE := ch09-workers/worker_pool.c
POOL_HEADER := ch09-workers/worker_pool.h
POOL_PROGS  := $(filter ch09-workers/%,$(PROGS))
THREADED    := $(sort $(THREADED) $(POOL_PROGS))

# Chapter 10: each .c is an extension module built in place for $(PYTHON), named
# with that interpreter's suffix (ch10-pyext/hello.cpython-311-x86_64-linux-gnu.so),
# so `cd ch10-pyext && python3 -c 'import hello'` works right after `make`.  The
# include path is what `python3-config --includes` prints, asked of $(PYTHON)
# itself so that `make PYTHON=python3.12` needs no python3.12-config.  Asking
# costs an interpreter start, so only the `pyext` target asks, and hands the
# answers to a sub-make that holds the build rule.
PY_QUERY := import sysconfig as s; print(s.get_config_var("EXT_SUFFIX") or "", s.get_paths()["include"])
PY_CPPFLAGS = -I$(PY_INCLUDE)
PYEXTS = $(PYEXT_SRCS:.c=$(EXT_SUFFIX))

# Chapter targets: `make ch05` builds ch05-*/ and exercises/ch05-*/.
CHAPTERS := $(sort $(foreach s,$(SRCS) $(PYEXT_SRCS),$(firstword $(subst -, ,$(notdir $(patsubst %/,%,$(dir $(s))))))))
chapter_progs = $(filter $(1)-% exercises/$(1)-%,$(PROGS)) $(if $(filter $(1)-%,$(PYEXT_SRCS:exercises/%=%)),pyext)
chapter_tests = $(wildcard tests/$(1)-*/*.bats tests/exercises/$(1)-*/*.bats)

.PHONY: all check sanitize tsan valgrind bench lint clean deps deps-dev help FORCE \
        $(CHAPTERS) $(addprefix check-,$(CHAPTERS))

all: $(PROGS) pyext $(BENCH)

.PHONY: pyext
pyext: .build-flags
	@set -- $$($(PYTHON) -c '$(PY_QUERY)' 2>/dev/null); \
	if [ $$# -ne 2 ]; then echo 'make: $(PYTHON) is not a working Python 3 (set PYTHON=...)' >&2; exit 1; fi; \
	if [ ! -f "$$2/Python.h" ]; then echo "make: no Python.h in $$2: install python3-dev (make deps)" >&2; exit 1; fi; \
	$(MAKE) --no-print-directory EXT_SUFFIX="$$1" PY_INCLUDE="$$2" pyext-build

$(foreach c,$(CHAPTERS),$(eval $(c): $(call chapter_progs,$(c))))
$(foreach c,$(CHAPTERS),$(eval check-$(c): ; $$(MAKE) WERROR=1 $(c) && $$(MAKE) --no-print-directory WERROR=1 check-suites TESTS='$(call chapter_tests,$(c))'))

# Binaries are rebuilt whenever the compiler or the flags change (plain, -Werror,
# sanitizers, clang): .build-flags holds the last set and is rewritten only on change.
BUILD_ID = $(CC) $(ALL_CFLAGS) $(LDFLAGS) $(LDLIBS)
.build-flags: FORCE
	@echo '$(BUILD_ID)' | cmp -s - $@ || echo '$(BUILD_ID)' > $@

# Every .c among the prerequisites is linked: the program's own, plus the module for ch09-workers/.
$(PROGS): %: %.c .build-flags
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $(filter %.c,$^) $(LDLIBS)$(if $(filter $@,$(THREADED)), -pthread)
$(POOL_PROGS): $(POOL_MODULE) $(POOL_HEADER)

# An extension is a shared object loaded by the interpreter: position-independent,
# its Python symbols left undefined for the interpreter to resolve at import.
ifeq ($(origin EXT_SUFFIX),command line)
.PHONY: pyext-build
pyext-build: $(PYEXTS)
$(PYEXTS): %$(EXT_SUFFIX): %.c .build-flags
	$(CC) $(ALL_CFLAGS) $(PY_CPPFLAGS) $(CPPFLAGS) -fPIC -shared $(LDFLAGS) -o $@ $< $(LDLIBS)
endif

# ---- tests -----------------------------------------------------------------
# Every tests/**/*.bats is a suite, runnable alone (bats FILE).  `make check` runs
# the suites TEST_JOBS at a time (default: one per CPU; free_port keeps their ports
# apart), printing each suite's TAP output whole when it ends, and lists the failed
# suites at the end.  TESTS=DIR-or-FILE... narrows it; TEST_JOBS=1 runs them in turn.
TESTS     = tests
TEST_JOBS = $(shell nproc 2>/dev/null || echo 1)
# tests/grading/tree/ is the grader's fixture repository: its suites run under the grader.
SUITES    = $(sort $(shell find $(TESTS) -path '*/grading/tree' -prune -o -name '*.bats' -print))
FAILED    := $(CURDIR)/.failed-suites
RESULTS   := $(CURDIR)/.test-results

.PHONY: suites
suites: $(SUITES:=.run)
%.bats.run: FORCE
	@mkdir -p $(dir $(RESULTS)/$*) && $(BATS) $*.bats >$(RESULTS)/$*.tap; s=$$?; cat $(RESULTS)/$*.tap; \
	[ $$s -eq 0 ] || { echo '$*.bats' >> $(FAILED); exit 1; }

# run_suites: the suites (by default all of them), in parallel, then one verdict: the
# failed suites, the skips counted by reason, and "check: P passed, F failed, S skipped"
# (tests/lib/tap_summary over each suite's TAP output, kept in $(RESULTS) until the next run).
define run_suites
rm -f $(FAILED); rm -rf $(RESULTS); $(MAKE) --no-print-directory -k -j$(TEST_JOBS) -O suites $(if $(1),TESTS='$(1)'); status=$$?; \
if [ -s $(FAILED) ]; then echo 'failed suites:' >&2; sort $(FAILED) >&2; fi; \
tests/lib/tap_summary $(RESULTS) $(FAILED); rm -f $(FAILED)
endef

.PHONY: check-suites
check-suites:
	@$(run_suites); exit $$status

# The benchmarks' tiny run comes before the suites, so that the count is the last word.
check:
	$(MAKE) WERROR=1 all $(BENCH)
	bench/run --tiny
	@# A suite that runs make itself (tests/bench/report.bats) must see the same flags, or it
	@# rebuilds every program (.build-flags changed) while the other suites run them.
	@export WERROR=1; $(run_suites); exit $$status

# Sanitized programs start and run slower: waits get 30 s, and suites that run a
# program thousands of times (service_name) sample instead.  The grading, docs
# and errata-fixture suites are left out: they build their own unsanitized copies, so
# they would only run a second time (the errata fixtures with 30 s waits: minutes).
SANLOG := $(CURDIR)/.sanitizer-logs
SANITIZE_TESTS = $(filter-out tests/grading/% tests/docs/% tests/errata/fixtures.bats,$(SUITES))
sanitize:
	$(MAKE) WERROR=1 SAN=1 all $(BENCH)
	rm -rf $(SANLOG) && mkdir -p $(SANLOG)
	@export WERROR=1 SAN=1 ASAN_OPTIONS=log_path=$(SANLOG)/asan:detect_leaks=1:verify_asan_link_order=0 \
		UBSAN_OPTIONS=log_path=$(SANLOG)/ubsan:print_stacktrace=1 \
		NETPROG_TIMEOUT=$${NETPROG_TIMEOUT:-30}; $(call run_suites,$(SANITIZE_TESTS)); \
	if compgen -G '$(SANLOG)/*' >/dev/null; then \
		cat $(SANLOG)/*; echo 'sanitize: the sanitizers reported errors (above)' >&2; exit 1; fi; \
	exit $$status

VGLOG := $(CURDIR)/.valgrind-logs
valgrind:
	$(MAKE) all $(BENCH)
	tests/wrapped $(VGLOG) -- valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		--log-file=$(VGLOG)/%p.log -- $(PROGS) -- $(BATS) -r $(TESTS)

# ThreadSanitizer: the threaded programs rebuilt with it alone, then their suites
# (tests/X.bats for program X), with 30 s waits as for sanitize.  A report fails
# the run twice over: the program exits 66 at the first one, and its log file in
# $(TSANLOG) is not empty.
TSANLOG := $(CURDIR)/.tsan-logs
TSAN_TESTS = $(wildcard $(patsubst %,$(TESTS)/%.bats,$(THREADED)))
tsan:
	$(MAKE) WERROR=1 TSAN=1 $(THREADED)
	rm -rf $(TSANLOG) && mkdir -p $(TSANLOG)
	TSAN_OPTIONS=log_path=$(TSANLOG)/tsan:halt_on_error=1:exitcode=66:second_deadlock_stack=1 \
	NETPROG_TIMEOUT=$${NETPROG_TIMEOUT:-30} $(BATS) $(TSAN_TESTS); status=$$?; \
	if compgen -G '$(TSANLOG)/*' >/dev/null; then \
		cat $(TSANLOG)/*; echo 'tsan: ThreadSanitizer reported errors (above)' >&2; exit 1; fi; \
	exit $$status

# ---- benchmarks ------------------------------------------------------------
# Not programs of the course: every bench/*.c is built on demand (those that
# include worker_pool.h link it; all are linked with -pthread), and bench/run
# runs every bench/*_bench and bench/*_bench.sh: in full for `make bench`, in a
# tiny configuration (seconds) for `make check`, so that they cannot rot.
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH      := $(BENCH_SRCS:.c=)
# `make` builds them too (the all: line above comes before BENCH is set, so it cannot).
all: $(BENCH)
BENCH_POOL := $(basename $(shell grep -l 'worker_pool\.h"' $(BENCH_SRCS) /dev/null 2>/dev/null))
$(BENCH): %: %.c .build-flags
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $(filter %.c,$^) $(LDLIBS) -pthread
$(BENCH_POOL): $(POOL_MODULE) $(POOL_HEADER)
# `all` names $(BENCH) before it is defined (an empty word there): they are added here.
all: $(BENCH)

bench: all $(BENCH)
	bench/run

# What bench/run and bench/report write into bench/, for make clean: the CSVs of a full
# and a tiny run, each plot of each as SVG and PNG, and the two reports.
BENCH_STEMS   := bench/results bench/results-tiny
BENCH_PLOTS   := rtt-idle connections bulk nagle wsize pool
BENCH_OUTPUTS := $(BENCH_STEMS:=.csv) bench/REPORT.md bench/results-tiny-REPORT.md \
                 $(foreach s,$(BENCH_STEMS),$(foreach p,$(BENCH_PLOTS),$(s)-$(p).svg $(s)-$(p).png))

# ---- static analysis -------------------------------------------------------
# clang-tidy: the bug-finding families; left out are checks that flag correct
# course code (unchecked printf, the reserved-looking _GNU_SOURCE, Annex K advice,
# parameters of the same type side by side), and valist.Uninitialized, which loses
# va_start when a printf-like function is inlined into its caller (llvm-project
# #40656): the teaching files carry no NOLINT comments for a tool's bug.
empty :=
space := $(empty) $(empty)
TIDY_CHECKS := $(subst $(space),,-*, bugprone-*, cert-*, clang-analyzer-*, misc-*, \
	performance-*, portability-*, -bugprone-easily-swappable-parameters, -cert-err33-c, \
	-misc-unused-parameters, -bugprone-reserved-identifier, -cert-dcl37-c, -cert-dcl51-cpp, \
	-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling, \
	-clang-analyzer-valist.Uninitialized)
CPPCHECK_FLAGS := --quiet --error-exitcode=1 --inline-suppr --std=c11 --library=python \
	--enable=warning,style,performance,portability --suppress=missingIncludeSystem

# The module and the benchmarks are analysed too, although they are not programs.
LINT_SRCS = $(SRCS) $(filter %.c,$(NOT_PROGRAMS)) $(BENCH_SRCS)
lint:
	@set -e; pyinc=-I$$($(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])'); \
	for f in $(LINT_SRCS); do echo "gcc -fanalyzer $$f"; \
		$(GCC) $(COURSE_FLAGS) $$pyinc -Werror -fanalyzer -c -o /dev/null $$f; done; \
	echo cppcheck; cppcheck $(CPPCHECK_FLAGS) $(LINT_SRCS); \
	echo clang-tidy; clang-tidy --quiet --warnings-as-errors='*' --checks='$(TIDY_CHECKS)' $(LINT_SRCS) -- $(COURSE_FLAGS) $$pyinc

compile_commands.json: $(SRCS)
	bear --output $@ -- $(MAKE) -B all

# ---- grading ---------------------------------------------------------------
# A student's exercises against their suites: tests/grade -h says everything;
# the scoring rules are in tests/points.  SUBMISSION=DIR grades one student (results
# in DIR/grade-results/), SUBMISSIONS=DIR every folder of DIR (JOBS at a time, and
# DIR/class.csv); EXERCISES="a b" narrows it.  `make selfcheck EXERCISE=x` is the
# students' own: exactly the instructor's suite and feedback for their exercises/x.c.
GRADE_ARGS = $(GRADE_FLAGS) $(if $(EXERCISES),-e '$(EXERCISES)')
.PHONY: grade selfcheck
grade:
	@if [ -n '$(SUBMISSIONS)' ]; then tests/grade $(GRADE_ARGS) -j '$(or $(JOBS),1)' --roster '$(SUBMISSIONS)'; \
	elif [ -n '$(SUBMISSION)' ]; then tests/grade $(GRADE_ARGS) '$(SUBMISSION)'; \
	else echo 'usage: make grade SUBMISSION=DIR | SUBMISSIONS=DIR [JOBS=N] [EXERCISES="a b"] [GRADE_FLAGS="-t SECONDS --allow-skips"]' >&2; exit 64; fi

SELFCHECK := selfcheck-results
selfcheck:
	@test -n '$(EXERCISE)' || { echo 'usage: make selfcheck EXERCISE=NAME (one of: $(notdir $(basename $(wildcard exercises/*/*.c))))' >&2; exit 64; }
	@tests/grade $(GRADE_FLAGS) -e '$(EXERCISE)' -o $(SELFCHECK) exercises && echo && cat $(SELFCHECK)/feedback.md

# ---- student pack ----------------------------------------------------------
# The repository as students receive it: every exercise's solution replaced by a
# stub that builds and fails its suite (tests/student-pack says what is done).
STUDENT_PACK ?= netprog-c-labs-student.tar.gz
.PHONY: student-pack
student-pack:
	tests/student-pack $(STUDENT_PACK)

# ---- housekeeping ----------------------------------------------------------
deps:
	sh .ci/deps

deps-dev:
	sh .ci/deps --dev

# Exactly what the build, the tests and the benchmarks make, named one by one:
# never a pattern that could match a tracked file.  tests/docs/clean.bats checks
# that a tree is as checked out after `make` then `make clean`.
PYEXT_DIRS := $(sort $(dir $(PYEXT_SRCS)))
clean:
	rm -f $(PROGS) $(BENCH) .build-flags compile_commands.json $(STUDENT_PACK)
	rm -f $(wildcard $(PYEXT_SRCS:.c=.*.so)) $(wildcard $(BENCH_OUTPUTS))
	rm -rf $(wildcard $(addsuffix build,$(PYEXT_DIRS)) $(addsuffix *.egg-info,$(PYEXT_DIRS)))
	rm -rf $(SANLOG) $(VGLOG) $(TSANLOG) $(FAILED) $(RESULTS) $(SELFCHECK)
	find ch* exercises tests bench -type d -name __pycache__ -prune -exec rm -rf {} +

help:
	@echo 'make [all]            build every program next to its source, and the benchmarks of bench/'
	@echo 'make ch05             build one chapter (and its exercises): $(CHAPTERS)'
	@echo 'make check            build with -Werror, then run every bats suite'
	@echo 'make check-ch05       the same for one chapter'
	@echo 'make sanitize         ASan+UBSan build, then the suites'
	@echo 'make tsan             ThreadSanitizer build of the threaded programs, then their suites'
	@echo 'make valgrind         the suites with every program under valgrind'
	@echo 'make bench            the benchmarks of bench/, in full (make check runs them tiny)'
	@echo 'make grade SUBMISSION=DIR   grade a student'"'"'s exercises (points: tests/points)'
	@echo 'make grade SUBMISSIONS=DIR  grade a class, one folder per student (JOBS=N): DIR/class.csv'
	@echo 'make selfcheck EXERCISE=x   a student'"'"'s check of exercises/x.c: the grader'"'"'s suite and feedback'
	@echo 'make student-pack     the tarball for students: exercises as stubs (STUDENT_PACK=path)'
	@echo 'make lint             gcc -fanalyzer, cppcheck, clang-tidy: zero findings'
	@echo 'make deps / deps-dev  install the Debian packages (deps-dev adds clang, valgrind, linters)'
	@echo 'make compile_commands.json   for editors (needs bear)'
	@echo 'make clean            remove everything the build made (and nothing else)'
	@echo 'make CC=clang ...     any of the above with clang'
