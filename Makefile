# netprog-c-labs - the one Makefile of the tree.  `make help` lists the targets.
#
# Every .c under ch*/ and exercises/*/ is a program, built next to its source
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

# ch09-workers/worker_pool.c is a module, not a program (see POOL_MODULE below).
NOT_PROGRAMS := ch09-workers/worker_pool.c
SRCS  := $(filter-out $(NOT_PROGRAMS),$(sort $(wildcard ch*/*.c exercises/*/*.c)))
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

# Chapter targets: `make ch05` builds ch05-*/ and exercises/ch05-*/.
CHAPTERS := $(sort $(foreach s,$(SRCS),$(firstword $(subst -, ,$(notdir $(patsubst %/,%,$(dir $(s))))))))
chapter_progs = $(filter $(1)-% exercises/$(1)-%,$(PROGS))
chapter_tests = $(wildcard tests/$(1)-*/*.bats tests/exercises/$(1)-*/*.bats)

.PHONY: all check sanitize tsan valgrind bench lint clean deps deps-dev help FORCE \
        $(CHAPTERS) $(addprefix check-,$(CHAPTERS))

all: $(PROGS)

$(foreach c,$(CHAPTERS),$(eval $(c): $(call chapter_progs,$(c))))
$(foreach c,$(CHAPTERS),$(eval check-$(c): ; $$(MAKE) WERROR=1 $(c) && $$(BATS) $(call chapter_tests,$(c))))

# Binaries are rebuilt whenever the compiler or the flags change (plain, -Werror,
# sanitizers, clang): .build-flags holds the last set and is rewritten only on change.
BUILD_ID = $(CC) $(ALL_CFLAGS) $(LDFLAGS) $(LDLIBS)
.build-flags: FORCE
	@echo '$(BUILD_ID)' | cmp -s - $@ || echo '$(BUILD_ID)' > $@

# Every .c among the prerequisites is linked: the program's own, plus the module for ch09-workers/.
$(PROGS): %: %.c .build-flags
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $(filter %.c,$^) $(LDLIBS)$(if $(filter $@,$(THREADED)), -pthread)
$(POOL_PROGS): $(POOL_MODULE) $(POOL_HEADER)

# ---- tests -----------------------------------------------------------------
TESTS = tests

check:
	$(MAKE) WERROR=1 all $(BENCH)
	$(BATS) -r $(TESTS)
	bench/run --tiny $(BENCH)

# Sanitized programs start and run slower: waits get 30 s, and suites that run a
# program thousands of times (service_name) sample instead.
SANLOG := $(CURDIR)/.sanitizer-logs
sanitize:
	$(MAKE) WERROR=1 SAN=1 all
	rm -rf $(SANLOG) && mkdir -p $(SANLOG)
	ASAN_OPTIONS=log_path=$(SANLOG)/asan:detect_leaks=1:verify_asan_link_order=0 \
	UBSAN_OPTIONS=log_path=$(SANLOG)/ubsan:print_stacktrace=1 \
	NETPROG_TIMEOUT=$${NETPROG_TIMEOUT:-30} $(BATS) -r $(TESTS); status=$$?; \
	if compgen -G '$(SANLOG)/*' >/dev/null; then \
		cat $(SANLOG)/*; echo 'sanitize: the sanitizers reported errors (above)' >&2; exit 1; fi; \
	exit $$status

VGLOG := $(CURDIR)/.valgrind-logs
valgrind:
	$(MAKE) all
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
# Not programs of the course: built on demand, run in full by `make bench` and
# in a tiny configuration (well under a second) by `make check`, so they cannot rot.
BENCH := bench/pool_bench
$(BENCH): %: %.c $(POOL_MODULE) $(POOL_HEADER) .build-flags
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $(filter %.c,$^) $(LDLIBS) -pthread

bench: $(BENCH)
	bench/run $(BENCH)

# ---- static analysis -------------------------------------------------------
# clang-tidy: the bug-finding families; left out are checks that flag correct
# course code (unchecked printf, the reserved-looking _GNU_SOURCE, Annex K advice,
# parameters of the same type side by side).
empty :=
space := $(empty) $(empty)
TIDY_CHECKS := $(subst $(space),,-*, bugprone-*, cert-*, clang-analyzer-*, misc-*, \
	performance-*, portability-*, -bugprone-easily-swappable-parameters, -cert-err33-c, \
	-misc-unused-parameters, -bugprone-reserved-identifier, -cert-dcl37-c, -cert-dcl51-cpp, \
	-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling)
CPPCHECK_FLAGS := --quiet --error-exitcode=1 --inline-suppr --std=c11 \
	--enable=warning,style,performance,portability --suppress=missingIncludeSystem

# The module and the benchmarks are analysed too, although they are not programs.
LINT_SRCS = $(SRCS) $(filter %.c,$(NOT_PROGRAMS)) $(BENCH:=.c)
lint:
	@set -e; for f in $(LINT_SRCS); do echo "gcc -fanalyzer $$f"; \
		$(GCC) $(COURSE_FLAGS) -Werror -fanalyzer -c -o /dev/null $$f; done
	cppcheck $(CPPCHECK_FLAGS) $(LINT_SRCS)
	clang-tidy --quiet --warnings-as-errors='*' --checks='$(TIDY_CHECKS)' $(LINT_SRCS) -- $(COURSE_FLAGS)

compile_commands.json: $(SRCS)
	bear --output $@ -- $(MAKE) -B all

# ---- housekeeping ----------------------------------------------------------
deps:
	sh .ci/deps

deps-dev:
	sh .ci/deps --dev

clean:
	rm -f $(PROGS) $(BENCH) .build-flags
	rm -rf $(SANLOG) $(VGLOG) $(TSANLOG)

help:
	@echo 'make [all]            build every program next to its source'
	@echo 'make ch05             build one chapter (and its exercises): $(CHAPTERS)'
	@echo 'make check            build with -Werror, then run every bats suite'
	@echo 'make check-ch05       the same for one chapter'
	@echo 'make sanitize         ASan+UBSan build, then the suites'
	@echo 'make tsan             ThreadSanitizer build of the threaded programs, then their suites'
	@echo 'make valgrind         the suites with every program under valgrind'
	@echo 'make bench            the benchmarks of bench/, in full (make check runs them tiny)'
	@echo 'make lint             gcc -fanalyzer, cppcheck, clang-tidy: zero findings'
	@echo 'make deps / deps-dev  install the Debian packages (deps-dev adds clang, valgrind, linters)'
	@echo 'make compile_commands.json   for editors (needs bear)'
	@echo 'make CC=clang ...     any of the above with clang'
