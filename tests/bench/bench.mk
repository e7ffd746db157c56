# Benchmarks: make bench-pipeline, make bench-rpc, make bench-billing,
# make bench-receipts (figures go to
# docs/benchmarks.md).
$(eval $(call bench,bench_pipeline,tests/bench/bench_pipeline.c tests/harness/harness.c tests/harness/harness_probe.c,$(MQ_LIBS)))
$(eval $(call bench,bench_rpc,tests/bench/bench_rpc.c tests/harness/harness.c tests/harness/harness_probe.c,$(MQ_LIBS)))

BENCH_ARGS ?= 64 8 10 50000
.PHONY: bench-pipeline
bench-pipeline: $(BUILD)/bench/bench_pipeline $(BIN)/amr-ingest $(BIN)/amr-archive
	AMR_BIN_DIR=$(abspath $(BIN)) $(BUILD)/bench/bench_pipeline $(BENCH_ARGS)

# Each run is "broker,clients" (on or off: TCP_NODELAY on that side); the
# default is the system before (off,off) and after (on,on).
BENCH_RPC_CALLS ?= 1000
BENCH_RPC_RUNS  ?= off,off on,on
.PHONY: bench-rpc
bench-rpc: $(BUILD)/bench/bench_rpc $(BIN)/amr-archive
	@for run in $(BENCH_RPC_RUNS); do \
		AMR_BIN_DIR=$(abspath $(BIN)) $(BUILD)/bench/bench_rpc $(BENCH_RPC_CALLS) \
			$${run%,*} $${run#*,} || exit 1; \
	done

# The monthly billing run: BENCH_BILLING_ARGS is "accounts readings-a-month".
BENCH_BILLING_ARGS ?= 10000 10
$(OBJ)/tests/bench/bench_billing.o: CPPFLAGS += -Iservices/billing
$(eval $(call bench,bench_billing,tests/bench/bench_billing.c tests/harness/harness.c \
	tests/harness/harness_probe.c services/billing/ledger.c services/billing/month.c \
	$(BILLING_CORE),$(MQ_LIBS) $(LMDB_LIBS)))
.PHONY: bench-billing
bench-billing: $(BUILD)/bench/bench_billing $(BIN)/amr-archive $(BIN)/amr-billing
	AMR_BIN_DIR=$(abspath $(BIN)) $(BUILD)/bench/bench_billing $(BENCH_BILLING_ARGS)

# Receipts drawn into one PDF in one thread: BENCH_RECEIPTS_ARGS is
# "receipts runs".
BENCH_RECEIPTS_ARGS ?= 1000 3
$(OBJ)/tests/bench/bench_receipts.o: CPPFLAGS += -Iservices/billing
$(eval $(call bench,bench_receipts,tests/bench/bench_receipts.c $(RECDRAW_SRCS) \
	services/billing/qrpay.c services/billing/money.c services/billing/calendar.c, \
	-ljansson $(RECEIPT_LIBS)))
.PHONY: bench-receipts
bench-receipts: $(BUILD)/bench/bench_receipts
	$(BUILD)/bench/bench_receipts $(BENCH_RECEIPTS_ARGS)
