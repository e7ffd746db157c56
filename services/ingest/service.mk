# amr-ingest: the edge service (validation, presence, command routing).
INGEST_SRCS := services/ingest/validate.c services/ingest/events.c \
               services/ingest/commands.c \
               services/ingest/ingestdb.c services/ingest/outbox.c \
               services/ingest/router.c services/ingest/ingest.c services/ingest/main.c

# lib/jflat.c (yajl) reads batches without a jansson value per reading (validate.h).
$(eval $(call program,amr-ingest,$(INGEST_SRCS),$(MQ_LIBS) $(LMDB_LIBS) -lyajl))

# Tests include the service's headers by name.
$(OBJ)/tests/unit/test_ingest_%.o: CPPFLAGS += -Iservices/ingest
$(OBJ)/tests/integration/test_ingest.o $(OBJ)/tests/integration/test_ingest_%.o: CPPFLAGS += -Iservices/ingest

$(eval $(call unit_test,test_ingest_validate,tests/unit/test_ingest_validate.c \
	services/ingest/validate.c lib/telemetry.c lib/jflat.c lib/jv.c lib/err.c lib/proto.c \
	lib/utf8.c,-ljansson -lyajl))

$(eval $(call unit_test,test_ingest_events,tests/unit/test_ingest_events.c \
	services/ingest/events.c lib/jv.c lib/err.c lib/proto.c,-ljansson))
$(eval $(call unit_test,test_ingest_cmd,tests/unit/test_ingest_cmd.c \
	services/ingest/commands.c lib/jv.c lib/err.c,-ljansson))
$(eval $(call unit_test,test_ingest_db,tests/unit/test_ingest_db.c \
	services/ingest/ingestdb.c services/ingest/commands.c lib/kv.c lib/log.c lib/jv.c lib/err.c,\
	-ljansson $(LMDB_LIBS)))

INGEST_INTEG_UTIL := tests/integration/test_ingest_util.c
$(eval $(call integ_test,test_ingest,tests/integration/test_ingest.c $(INGEST_INTEG_UTIL),))
$(eval $(call integ_test,test_ingest_commands,tests/integration/test_ingest_commands.c $(INGEST_INTEG_UTIL),))
