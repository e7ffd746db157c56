# Unit tests of libamr: one runner, one suite per module.
$(eval $(call unit_test,test_lib,tests/unit/test_lib_main.c tests/unit/test_lib_config.c \
	tests/unit/test_lib_jv.c tests/unit/test_lib_kv.c tests/unit/test_lib_misc.c tests/unit/test_lib_proto.c \
	tests/unit/test_lib_units.c tests/unit/test_lib_jflat.c tests/unit/test_lib_rpc_code.c tests/unit/test_lib_rpc_file.c tests/unit/test_lib_utf8.c \
	tests/unit/test_lib_tzone.c tests/unit/test_lib_csvfield.c tests/unit/test_lib_telemetry.c \
	lib/config.c lib/jv.c lib/kv.c lib/log.c lib/loop.c lib/metrics.c lib/mq.c lib/err.c lib/proto.c lib/units.c lib/jflat.c \
	lib/rpc.c lib/rpc_code.c lib/rpc_file.c lib/tcp_nodelay.c lib/utf8.c lib/tzone.c lib/csvfield.c lib/telemetry.c, \
	$(MQ_LIBS) $(LMDB_LIBS) -lyajl))

# The dead-letter record (its own runner: it needs nothing but jansson).
$(eval $(call unit_test,test_lib_deadletter,tests/unit/test_lib_deadletter.c \
	lib/deadletter.c lib/utf8.c,-ljansson))
