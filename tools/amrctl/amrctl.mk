$(eval $(call program,amrctl,tools/amrctl/main.c tools/amrctl/ctl.c tools/amrctl/commands.c,$(MQ_LIBS)))
