# amr-archive: the data server (readings, rollups, registry, audit, queries).
ARCHIVE_CORE := services/archive/tbucket.c services/archive/batch.c \
                services/archive/registry.c \
                services/archive/store.c services/archive/store_scan.c \
                services/archive/store_cover.c services/archive/store_meta.c \
                services/archive/store_import.c services/archive/import.c \
                services/archive/query.c services/archive/audit.c \
                services/archive/csv.c
ARCHIVE_SRCS := $(ARCHIVE_CORE) services/archive/writer.c services/archive/methods.c \
                services/archive/methods_registry.c services/archive/methods_import.c \
                services/archive/store_manual.c \
                services/archive/main.c

# lib/jflat.c (yajl) reads batches without a jansson value per reading (batch.c).
$(eval $(call program,amr-archive,$(ARCHIVE_SRCS),$(MQ_LIBS) $(LMDB_LIBS) -lyajl))

# Unit tests: the modules under test against real LMDB files in /tmp.
ARCHIVE_TEST_LIB := lib/err.c lib/log.c lib/kv.c lib/jv.c lib/proto.c lib/units.c \
                    lib/weights.c lib/jflat.c lib/tzone.c lib/csvfield.c lib/telemetry.c
$(eval $(call unit_test,test_archive_store,tests/unit/test_archive_store.c \
	tests/unit/test_archive_fixture.c $(ARCHIVE_CORE) $(ARCHIVE_TEST_LIB),-ljansson -lyajl $(LMDB_LIBS)))
$(eval $(call unit_test,test_archive_events,tests/unit/test_archive_events.c \
	tests/unit/test_archive_fixture.c $(ARCHIVE_CORE) $(ARCHIVE_TEST_LIB),-ljansson -lyajl $(LMDB_LIBS)))
$(eval $(call unit_test,test_archive_gap,tests/unit/test_archive_gap.c \
	tests/unit/test_archive_fixture.c $(ARCHIVE_CORE) $(ARCHIVE_TEST_LIB),-ljansson -lyajl $(LMDB_LIBS)))
$(OBJ)/tests/unit/test_archive_%.o $(OBJ)/tests/integration/test_archive.o: CPPFLAGS += -Iservices/archive
$(eval $(call unit_test,test_archive_query,tests/unit/test_archive_query.c \
	tests/unit/test_archive_fixture.c $(ARCHIVE_CORE) $(ARCHIVE_TEST_LIB),-ljansson -lyajl $(LMDB_LIBS)))

# Integration tests: a real Mosquitto and amr-archive from $AMR_BIN_DIR.
$(eval $(call integ_test,test_archive,tests/integration/test_archive.c \
	tests/integration/archive_util.c,))
$(eval $(call integ_test,test_archive_resend,tests/integration/test_archive_resend.c \
	tests/integration/archive_util.c,))
$(eval $(call unit_test,test_archive_tz,tests/unit/test_archive_tz.c \
	tests/unit/test_archive_fixture.c $(ARCHIVE_CORE) $(ARCHIVE_TEST_LIB),-ljansson -lyajl $(LMDB_LIBS)))
$(eval $(call unit_test,test_archive_cover,tests/unit/test_archive_cover.c \
	tests/unit/test_archive_fixture.c $(ARCHIVE_CORE) $(ARCHIVE_TEST_LIB),-ljansson -lyajl $(LMDB_LIBS)))
$(eval $(call unit_test,test_archive_import,tests/unit/test_archive_import.c \
	tests/unit/test_archive_fixture.c $(ARCHIVE_CORE) $(ARCHIVE_TEST_LIB),-ljansson -lyajl $(LMDB_LIBS)))
$(eval $(call integ_test,test_archive_import_rpc,tests/integration/test_archive_import_rpc.c \
	tests/integration/archive_util.c,))
