# Fuzzing (docs/reliability.md): one libFuzzer target per parser that takes
# outside input, tests/fuzz/fuzz_<name>.c, linked with the parser's own
# sources as the unit tests link them, built by clang with ASan, UBSan and
# LSan into $(BUILD)/fuzz/bin (its objects beside, in $(BUILD)/fuzz/obj).
#
#   make fuzz FUZZ_SECONDS=N   build every target, run each N seconds (60)
#                              from tests/fuzz/corpus/<name>; new inputs and
#                              crash artifacts go to build/fuzz/<name>/,
#                              one line per target to build/fuzz/stats.tsv
#   make test                  test_fuzz_replay runs every corpus and
#                              tests/fuzz/crashes/<name>/ once through its
#                              target (seconds)
#
# There is no gcc fallback: libFuzzer is clang's, and a replay that is not
# built must fail the tests, not skip them (deploy/install-deps.sh installs
# clang and libclang-rt-14-dev).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_OBJ     := $(FUZZ_DIR)/obj
FUZZ_BIN     := $(FUZZ_DIR)/bin
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g -std=c11 -Wall -Wextra -Wshadow -Wno-unused-parameter \
                -fno-strict-aliasing -pthread -fsanitize=fuzzer-no-link $(FUZZ_SAN)
FUZZ_LDFLAGS := -pthread -fsanitize=fuzzer $(FUZZ_SAN)
FUZZ_TARGETS :=

$(FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -c $< -o $@

# $(call fuzz_target,NAME,SOURCES,LDLIBS): tests/fuzz/fuzz_NAME.c and the
# parser's SOURCES into $(FUZZ_BIN)/fuzz_NAME.
define fuzz_target
FUZZ_TARGETS += $(1)
$(FUZZ_BIN)/fuzz_$(1): $(patsubst %.c,$(FUZZ_OBJ)/%.o,tests/fuzz/fuzz_$(1).c $(2))
	@mkdir -p $$(@D)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $$@ $$^ $(3)
endef

# The targets (docs/reliability.md has the table of what each checks).
# The SMS command parser (smscmd.c): no I/O, no allocation.
$(FUZZ_OBJ)/tests/fuzz/fuzz_smscmd.o: CPPFLAGS += -Iservices/notify
$(eval $(call fuzz_target,smscmd,services/notify/smscmd.c lib/proto.c,))
# What Kannel's requests to the SMS listener say (smsread.c, as smsin.c
# calls it): an incoming SMS, its text to UTF-8; a delivery report.
$(FUZZ_OBJ)/tests/fuzz/fuzz_smsin.o: CPPFLAGS += -Iservices/notify
$(eval $(call fuzz_target,smsin,services/notify/smsread.c services/notify/txutil.c lib/utf8.c,-lcurl))
# The alarm rules' parameters (notify/rule.set).
$(FUZZ_OBJ)/tests/fuzz/fuzz_ruleset.o: CPPFLAGS += -Iservices/notify
$(eval $(call fuzz_target,ruleset,services/notify/ruleset.c services/notify/flow.c lib/jv.c \
	lib/units.c lib/proto.c lib/err.c,-ljansson))
# The telemetry batch readers against each other: lib/jflat.c (yajl) and
# jansson, ingest's streaming and tree paths, the archive's batch_parse.
$(FUZZ_OBJ)/tests/fuzz/fuzz_batch.o: CPPFLAGS += -Iservices/ingest -Iservices/archive
$(eval $(call fuzz_target,batch,services/ingest/validate.c services/archive/batch.c \
	lib/telemetry.c lib/jflat.c lib/jv.c lib/err.c lib/proto.c lib/utf8.c,-ljansson -lyajl))
# The arguments of archive/import: past hours brought from another system.
$(FUZZ_OBJ)/tests/fuzz/fuzz_import.o: CPPFLAGS += -Iservices/archive
$(eval $(call fuzz_target,import,services/archive/import.c services/archive/registry.c \
	services/archive/tbucket.c lib/proto.c lib/jv.c lib/err.c lib/log.c lib/weights.c \
	lib/units.c lib/tzone.c lib/kv.c,-ljansson -llmdb))
# The RPC envelope (lib/rpc.c), served and answered; the broker, the loop
# and the log are the target's stubs.
# The UO-4's Modbus RTU slave: framing, CRC, requests, replies.
$(FUZZ_OBJ)/tests/fuzz/fuzz_modbus.o: CPPFLAGS += -Ifirmware/uo4
$(eval $(call fuzz_target,modbus,firmware/uo4/modbus.c firmware/uo4/crc16.c,))
# What the gateway makes of the totals it reads: deltas, checked for pulse
# conservation across batches lost, stored and restarts.
$(FUZZ_OBJ)/tests/fuzz/fuzz_delta.o: CPPFLAGS += -Ifirmware/gateway
$(eval $(call fuzz_target,delta,firmware/gateway/delta.c firmware/gateway/upbatch.c lib/err.c \
	lib/log.c,-ljansson))
# The gateway's console as a Telnet client reaches it: the Telnet
# machine, the command line, the interpreter with stub operations.
$(FUZZ_OBJ)/tests/fuzz/fuzz_console.o: CPPFLAGS += -Ifirmware/gateway
$(eval $(call fuzz_target,console,firmware/gateway/telnet.c firmware/gateway/cmdline.c \
	firmware/gateway/console.c firmware/gateway/settings.c lib/err.c lib/log.c lib/proto.c,))
# The gateway's settings file read back from flash (settings_load()),
# corrupted or cut; what it read saved and read again.
$(FUZZ_OBJ)/tests/fuzz/fuzz_gwfiles.o: CPPFLAGS += -Ifirmware/gateway
$(eval $(call fuzz_target,gwfiles,firmware/gateway/settings.c lib/err.c lib/log.c lib/proto.c,))
# One UO-4's state from poll to poll (devstate.c), from fuzzed replies:
# the events paired, the timeout kept.
$(FUZZ_OBJ)/tests/fuzz/fuzz_devstate.o: CPPFLAGS += -Ifirmware/gateway
$(eval $(call fuzz_target,devstate,firmware/gateway/devstate.c lib/proto.c,))
$(eval $(call fuzz_target,rpc,lib/rpc.c lib/rpc_code.c lib/jv.c lib/err.c lib/utf8.c,-ljansson))
# amr-web's route table (api.c, its handlers stubbed as the unit tests do),
# route_find(), scope_check_call() for a tenant, api_query_int().
$(FUZZ_OBJ)/tests/fuzz/fuzz_route.o $(FUZZ_OBJ)/tests/unit/test_web_stubs.o: CPPFLAGS += -Iservices/web
$(eval $(call fuzz_target,route,services/web/api.c services/web/route.c services/web/call.c \
	services/web/scope.c tests/unit/test_web_stubs.c lib/err.c lib/proto.c lib/utf8.c \
	lib/rpc_code.c lib/jv.c,-ljansson))
# amr-web's reading of a request (httpin.c, as http.c calls it): query
# arguments, the body in pieces, the body as JSON, the refusals answered.
$(FUZZ_OBJ)/tests/fuzz/fuzz_http.o: CPPFLAGS += -Iservices/web
$(eval $(call fuzz_target,http,services/web/httpin.c services/web/call.c lib/jv.c lib/utf8.c \
	lib/err.c lib/rpc_code.c,-ljansson))
# Billing: a bank's payment registry, a tariff version and its arithmetic,
# the accountant's records (model_check()).
$(FUZZ_OBJ)/tests/fuzz/fuzz_bankreg.o $(FUZZ_OBJ)/tests/fuzz/fuzz_tariff.o \
	$(FUZZ_OBJ)/tests/fuzz/fuzz_model.o: \
	CPPFLAGS += -Iservices/billing
$(eval $(call fuzz_target,bankreg,services/billing/bankreg.c services/billing/model.c \
	services/billing/model_fields.c services/billing/model_relief.c \
	services/billing/bankcheck.c services/billing/money.c services/billing/calendar.c \
	services/billing/rates.c lib/utf8.c lib/proto.c lib/jv.c lib/err.c,-ljansson))
$(eval $(call fuzz_target,model,services/billing/model.c services/billing/model_fields.c \
	services/billing/model_relief.c services/billing/bankcheck.c services/billing/money.c \
	services/billing/calendar.c services/billing/rates.c lib/utf8.c lib/proto.c lib/jv.c \
	lib/err.c,-ljansson))
$(eval $(call fuzz_target,tariff,services/billing/tariff.c services/billing/money.c lib/jv.c \
	lib/err.c,-ljansson))

FUZZ_BINS := $(patsubst %,$(FUZZ_BIN)/fuzz_%,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)
fuzz: $(FUZZ_BINS)
	@tests/fuzz/run-fuzz.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The replay is a unit runner of make test: a script that prints Check's
# summary line, so tests/run-tests.sh counts it as it counts the others.
UNIT_TESTS += $(TESTBIN)/test_fuzz_replay
$(TESTBIN)/test_fuzz_replay: tests/fuzz/replay.sh $(FUZZ_BINS)
	@mkdir -p $(@D)
	cp tests/fuzz/replay.sh $@
	chmod +x $@

-include $(shell find $(FUZZ_OBJ) -name '*.d' 2>/dev/null)
