# One entry point for building, testing and running the metering system.
#
#   make              every program into build/bin/ and libamr into build/lib/
#   make test         install what is missing, build with ASan+UBSan into
#                     build/test/, run every unit test, then every
#                     integration test (AMR_TEST_JOBS at a time, default 4)
#   make test-unit    the same build, only the unit tests (seconds)
#   make run          install what is missing, build, start the local stack
#   make style        check every C file against .clang-format (make test too)
#   make format       rewrite every C file in that style
#   make fuzz         build the libFuzzer targets with clang, run each
#                     FUZZ_SECONDS (60) from its corpus (tests/fuzz/fuzz.mk)
#   make test-faults  link, broker and disk faults, power cuts, as root
#                     (tests/faults/faults.mk; CI runs it after test-deploy)
#
# Each part of the tree describes itself in a fragment (lib/lib.mk,
# services/*/service.mk, firmware/*/*.mk, tests/*/*.mk) with the macros
# below, so that adding a program never means editing this file.

SHELL   := /bin/bash
NPROC   := $(shell nproc 2>/dev/null || echo 2)
CC      ?= cc
BUILD   ?= build
SAN     ?= 0

CPPFLAGS += -D_GNU_SOURCE -Ilib -MMD -MP
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter \
            -fno-strict-aliasing -pthread
LDFLAGS  += -pthread
# The test build (make test) also turns every warning into an error: a
# warning there is a defect that landed (a string passed as a json_t did).
ifeq ($(SAN),1)
CFLAGS  += -Werror
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

BIN      := $(BUILD)/bin
OBJ      := $(BUILD)/obj
TESTBIN  := $(BUILD)/tests
LIBAMR   := $(BUILD)/lib/libamr.a

PROGRAMS      :=
UNIT_TESTS    :=
INTEG_TESTS   :=
BENCHES       :=

.PHONY: all
all:

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# Only test code sees the harness.
$(OBJ)/tests/%.o: CPPFLAGS += -Itests/harness

# $(call program,NAME,SOURCES,LDLIBS): a program in build/bin linked with libamr.
define program
PROGRAMS += $(BIN)/$(1)
$(BIN)/$(1): $(patsubst %.c,$(OBJ)/%.o,$(2)) $(LIBAMR)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(LIBAMR) $(3)
endef

# $(call unit_test,NAME,SOURCES,LDLIBS): a Check runner, run by `make test`.
# Link only the module under test and its stubs, as CONVENTIONS.md asks.
define unit_test
UNIT_TESTS += $(TESTBIN)/$(1)
$(TESTBIN)/$(1): $(patsubst %.c,$(OBJ)/%.o,$(2))
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $(3) $$(CHECK_LIBS)
endef

# $(call integ_test,NAME,SOURCES,LDLIBS): a Check runner that starts real
# programs (Mosquitto, our daemons) through tests/harness.
define integ_test
INTEG_TESTS += $(TESTBIN)/$(1)
$(TESTBIN)/$(1): $(patsubst %.c,$(OBJ)/%.o,$(2) tests/harness/harness.c tests/harness/harness_probe.c) $(LIBAMR)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(LIBAMR) $(3) $$(MQ_LIBS) $$(CHECK_LIBS)
endef

# $(call bench,NAME,SOURCES,LDLIBS): a benchmark program in build/bench.
define bench
BENCHES += $(BUILD)/bench/$(1)
$(BUILD)/bench/$(1): $(patsubst %.c,$(OBJ)/%.o,$(2)) $(LIBAMR)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(LIBAMR) $(3)
endef

CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt)
# What every user of libamr links: lib/rpc_file.c takes base64 and SHA-256
# from libsodium.
MQ_LIBS    := -lpaho-mqtt3as -ljansson -lsodium
LMDB_LIBS  := -llmdb
# Receipts (services/billing/recdraw*.c): cairo's PDF surface, pango's
# text, libqrencode's QR code.
RECEIPT_CFLAGS := $(shell pkg-config --cflags cairo pangocairo libqrencode 2>/dev/null)
RECEIPT_LIBS   := $(shell pkg-config --libs cairo pangocairo libqrencode 2>/dev/null)

include $(sort $(wildcard lib/*.mk services/*/*.mk firmware/*/*.mk tools/*/*.mk tests/*/*.mk))

all: $(PROGRAMS)

.PHONY: deps
deps:
	@deploy/install-deps.sh

.PHONY: tests unit-tests fault-tests
tests: $(UNIT_TESTS) $(INTEG_TESTS)
fault-tests: $(FAULT_TESTS)
unit-tests: $(UNIT_TESTS)

# The test build lives beside the normal one, with sanitizers on.
# TEST_BUILD lets several checkouts' builds share a tree without clashing;
# TESTS=name1,name2 runs only those runners; AMR_TEST_JOBS=N runs N
# integration runners at a time (tests/run-tests.sh).
TEST_BUILD ?= build/test
.PHONY: test test-unit
test: deps tests/e2e/node_modules style
	$(MAKE) --no-print-directory -j$(NPROC) BUILD=$(TEST_BUILD) SAN=1 all tests
	@tests/run-tests.sh $(TEST_BUILD) $(TESTS)

# Only the unit runners (tests/unit and the modules' own), which need
# neither the daemons nor the broker.
test-unit: deps
	$(MAKE) --no-print-directory -j$(NPROC) BUILD=$(TEST_BUILD) SAN=1 unit-tests
	@tests/run-tests.sh --unit $(TEST_BUILD) $(TESTS)

# The browser tests' driver (puppeteer-core, pinned by the lock file; it
# drives Debian's chromium and downloads no browser of its own).
tests/e2e/node_modules: tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund
	@touch $@

# The style is .clang-format's (Linux kernel tabs, 100 columns), checked by
# the clang-format that deploy/install-deps.sh installs (Debian 12's, 14).
CLANG_FORMAT ?= clang-format
C_SOURCES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
.PHONY: style format
style:
	@test -n "$(C_SOURCES)" || { echo "style: not a git checkout, nothing to check"; exit 0; }; \
	$(CLANG_FORMAT) --dry-run -Werror $(C_SOURCES) && \
	echo "style: $(words $(C_SOURCES)) C files as .clang-format says"
format:
	$(CLANG_FORMAT) -i $(C_SOURCES)

.PHONY: run
run: deps
	$(MAKE) --no-print-directory -j$(NPROC) all
	@deploy/run.sh

.PHONY: clean
clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
