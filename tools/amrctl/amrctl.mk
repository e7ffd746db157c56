$(eval $(call program,amrctl,tools/amrctl/main.c tools/amrctl/ctl.c tools/amrctl/subcmd.c tools/amrctl/billing.c tools/amrctl/billrun.c,$(MQ_LIBS)))
