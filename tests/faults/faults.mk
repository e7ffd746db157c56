# make test-faults: link, broker and disk faults, power cuts (issue 18,
# docs/reliability.md, "Faults").
#
# The runners are Check runners linked with tests/harness like the
# integration tests, but built into $(TEST_BUILD)/faults/ and run only by
# `make test-faults` (CI runs it after `make test-deploy`): they cut links
# with network namespaces and fill disks with small tmpfs mounts, so they
# need root, and each takes minutes of accelerated time. Every case ends
# with pulse conservation against the simulator's own counters.
#
#   make test-faults                    every runner, AMR_FAULT_JOBS (1) at a time
#   make test-faults TESTS=fault_link   only those

FAULT_TESTS :=

# $(call fault_test,NAME,SOURCES,LDLIBS): a fault runner in $(BUILD)/faults.
define fault_test
FAULT_TESTS += $(BUILD)/faults/$(1)
$(BUILD)/faults/$(1): $(patsubst %.c,$(OBJ)/%.o,$(2) tests/harness/harness.c tests/harness/harness_probe.c) $(LIBAMR)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(LIBAMR) $(3) $$(MQ_LIBS) $$(CHECK_LIBS)
endef

$(OBJ)/tests/faults/%.o: CPPFLAGS += -Itests/integration

# fault-tests: $(FAULT_TESTS) is in the Makefile, after every fragment
# has added its runners.
.PHONY: fault-tests test-faults
# The runs are bounded: FAULT_LIMIT_S (900) for all of them, 300 s for a
# case (CK_DEFAULT_TIMEOUT); the longest case takes about 70 s.
FAULT_LIMIT_S ?= 900
test-faults: deps
	$(MAKE) --no-print-directory -j$(NPROC) BUILD=$(TEST_BUILD) SAN=1 all fault-tests
	@AMR_RUNNER_DIR=faults AMR_TEST_JOBS=$${AMR_FAULT_JOBS:-1} \
		CK_DEFAULT_TIMEOUT=$${CK_DEFAULT_TIMEOUT:-300} \
		timeout $(FAULT_LIMIT_S) tests/run-tests.sh $(TEST_BUILD) $(TESTS)

# Every runner drives the same pipeline (netstack.c, its conservation
# check), the gateway in a network namespace of its own when the runner
# makes one (netns.c).
FAULT_STACK := tests/faults/netns.c tests/faults/netstack.c \
	tests/integration/archive_util.c tests/integration/gw_archive.c

# Link and broker faults (docs/reliability.md, "Faults: link and broker"),
# a delaying, flapping proxy (netproxy.c).
$(eval $(call fault_test,fault_link,tests/faults/fault_link.c tests/faults/netproxy.c \
	$(FAULT_STACK),))
$(eval $(call fault_test,fault_broker,tests/faults/fault_broker.c $(FAULT_STACK),))
$(eval $(call fault_test,fault_broker_zero,tests/faults/fault_broker_zero.c $(FAULT_STACK),))

# Disk and power faults (docs/reliability.md, "Faults: disk and power"):
# the archive's disk and LMDB map full, a UO-4 on battery for days.
$(eval $(call fault_test,fault_disk,tests/faults/fault_disk.c $(FAULT_STACK),-llmdb))
$(eval $(call fault_test,fault_battery,tests/faults/fault_battery.c $(FAULT_STACK),))

# In make test: docs/reliability.md names every fault case, fuzz target and
# security case (tests/faults/reliability-doc.sh).
UNIT_TESTS += $(TESTBIN)/test_reliability_doc
$(TESTBIN)/test_reliability_doc: tests/faults/reliability-doc.sh
	@mkdir -p $(@D)
	cp $< $@
