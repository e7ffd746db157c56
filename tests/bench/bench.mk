# Benchmarks: make bench-pipeline (figures go to docs/benchmarks.md).
$(eval $(call bench,bench_pipeline,tests/bench/bench_pipeline.c tests/harness/harness.c,$(MQ_LIBS)))

BENCH_ARGS ?= 64 8 10 50000
.PHONY: bench-pipeline
bench-pipeline: $(BUILD)/bench/bench_pipeline $(BIN)/amr-ingest $(BIN)/amr-archive
	AMR_BIN_DIR=$(abspath $(BIN)) $(BUILD)/bench/bench_pipeline $(BENCH_ARGS)
