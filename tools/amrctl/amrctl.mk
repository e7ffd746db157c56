$(eval $(call program,amrctl,tools/amrctl/main.c tools/amrctl/ctl.c tools/amrctl/subcmd.c,$(MQ_LIBS)))
