$(eval $(call program,amrctl,tools/amrctl/main.c,$(MQ_LIBS)))
