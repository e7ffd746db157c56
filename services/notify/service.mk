$(eval $(call program,amr-notify,services/notify/main.c,$(MQ_LIBS)))
