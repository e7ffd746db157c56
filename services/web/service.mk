$(eval $(call program,amr-web,services/web/main.c,$(MQ_LIBS)))
