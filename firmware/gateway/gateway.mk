# amr-gateway: the gateway daemon (firmware/gateway), its unit and
# integration tests.
GW_DIR := firmware/gateway
GW_CORE := $(GW_DIR)/settings.c $(GW_DIR)/cmdline.c $(GW_DIR)/console.c \
           $(GW_DIR)/telnet.c $(GW_DIR)/upbatch.c $(GW_DIR)/delta.c \
           $(GW_DIR)/spool.c $(GW_DIR)/spool_base.c $(GW_DIR)/lcd.c $(GW_DIR)/cmdlog.c \
           $(GW_DIR)/outputs.c $(GW_DIR)/devstate.c
GW_EDGE := $(GW_DIR)/poller.c $(GW_DIR)/telnetd.c $(GW_DIR)/uplink.c \
           $(GW_DIR)/remote.c $(GW_DIR)/gw.c $(GW_DIR)/gw_console.c $(GW_DIR)/main.c
GW_LIBS := -lmodbus $(MQ_LIBS) $(LMDB_LIBS)

ifneq ($(wildcard $(GW_DIR)/main.c),)
$(eval $(call program,amr-gateway,$(GW_CORE) $(GW_EDGE),$(GW_LIBS)))
endif

$(eval $(call unit_test,test_gw_cmdline,tests/unit/test_gw_cmdline.c \
	$(GW_DIR)/cmdline.c $(GW_DIR)/settings.c lib/err.c lib/log.c,))
$(eval $(call unit_test,test_gw_console,tests/unit/test_gw_console.c \
	$(GW_DIR)/console.c $(GW_DIR)/cmdline.c $(GW_DIR)/settings.c lib/err.c lib/log.c,))
$(eval $(call unit_test,test_gw_telnet,tests/unit/test_gw_telnet.c $(GW_DIR)/telnet.c,))
$(eval $(call unit_test,test_gw_delta,tests/unit/test_gw_delta.c $(GW_DIR)/delta.c \
	$(GW_DIR)/upbatch.c lib/err.c lib/log.c,-ljansson))
GW_SPOOL_TEST := tests/unit/gw_spool_fixture.c $(GW_DIR)/spool.c $(GW_DIR)/spool_base.c \
	$(GW_DIR)/upbatch.c $(GW_DIR)/delta.c lib/kv.c lib/err.c lib/log.c lib/proto.c
$(eval $(call unit_test,test_gw_spool,tests/unit/test_gw_spool.c $(GW_SPOOL_TEST), \
	-ljansson $(LMDB_LIBS)))
$(eval $(call unit_test,test_gw_spool_chains,tests/unit/test_gw_spool_chains.c $(GW_SPOOL_TEST), \
	-ljansson $(LMDB_LIBS)))
$(eval $(call unit_test,test_gw_cmdlog_lcd,tests/unit/test_gw_cmdlog_lcd.c $(GW_DIR)/cmdlog.c \
	$(GW_DIR)/lcd.c $(GW_DIR)/settings.c lib/kv.c lib/err.c lib/log.c,$(LMDB_LIBS)))

$(eval $(call unit_test,test_gw_devstate,tests/unit/test_gw_devstate.c $(GW_DIR)/devstate.c lib/proto.c,))
$(eval $(call unit_test,test_gw_outputs,tests/unit/test_gw_outputs.c $(GW_DIR)/outputs.c \
	$(GW_DIR)/upbatch.c lib/err.c lib/log.c,-ljansson))

# uplink.c against stubs of the loop, the MQTT client and the spool.
$(eval $(call unit_test,test_gw_uplink,tests/unit/test_gw_uplink.c \
	tests/unit/test_gw_uplink_stubs.c $(GW_DIR)/uplink.c lib/jv.c lib/err.c lib/log.c lib/proto.c,-ljansson))

$(eval $(call integ_test,test_gateway,tests/integration/test_gateway.c \
	tests/integration/gw_archive.c,))
$(eval $(call integ_test,test_gateway_telnet,tests/integration/test_gateway_telnet.c,))
