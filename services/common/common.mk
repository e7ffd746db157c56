# Code shared by services (candidates for lib/): jflat, the streaming batch
# reader of amr-ingest and amr-archive (needs libyajl-dev / libyajl2).
$(eval $(call unit_test,test_jflat,tests/unit/test_jflat.c services/common/jflat.c lib/err.c,\
	-ljansson -lyajl))
$(OBJ)/tests/unit/test_jflat.o: CPPFLAGS += -Iservices/common
