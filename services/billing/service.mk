$(eval $(call program,amr-billing,services/billing/main.c,$(MQ_LIBS)))
