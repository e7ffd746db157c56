$(eval $(call program,amr-notify,services/notify/main.c,$(MQ_LIBS)))

# The flow alarms (leak, burst, stuck) alone, from tables.
$(OBJ)/tests/unit/test_notify_flow.o: CPPFLAGS += -Iservices/notify
$(eval $(call unit_test,test_notify_flow,tests/unit/test_notify_flow.c services/notify/flow.c,))
