# make soak: the whole system at the design load for a simulated day
# (issue 18, point 3; docs/reliability.md, "Soak").
#
# Builds the ASan tree as `make test` does and runs tests/soak/soak.sh from
# it: a Mosquitto of its own, the five services and SOAK_GATEWAYS gateways,
# each with an amr-sim of 32 flats' UO-4 and the house meters', on one clock
# running SOAK_SPEED times as fast as the real one. Not part of `make test`
# or CI: the default run takes about half an hour.
#
#   make soak                                   24 simulated hours, 8 gateways, x60
#   make soak SOAK_HOURS=2 SOAK_GATEWAYS=2      a quick check (about 3 minutes;
#                                               too short for the memory verdict)
#
# Results in build/soak/ (samples.tsv, conservation.tsv, summary.txt, logs).

SOAK_HOURS ?= 24
SOAK_GATEWAYS ?= 8
SOAK_SPEED ?= 60
SOAK_SAMPLE_S ?= 15

.PHONY: soak
soak: deps
	$(MAKE) --no-print-directory -j$(NPROC) BUILD=$(TEST_BUILD) SAN=1 all
	@SOAK_HOURS=$(SOAK_HOURS) SOAK_GATEWAYS=$(SOAK_GATEWAYS) SOAK_SPEED=$(SOAK_SPEED) \
		SOAK_SAMPLE_S=$(SOAK_SAMPLE_S) tests/soak/soak.sh $(TEST_BUILD)
