# Unit tests of libamr: one runner, one suite per module.
$(eval $(call unit_test,test_lib,tests/unit/test_lib_main.c tests/unit/test_lib_config.c \
	tests/unit/test_lib_jv.c tests/unit/test_lib_kv.c tests/unit/test_lib_misc.c \
	lib/config.c lib/jv.c lib/kv.c lib/log.c lib/loop.c lib/metrics.c lib/mq.c lib/err.c, \
	$(MQ_LIBS) $(LMDB_LIBS)))
