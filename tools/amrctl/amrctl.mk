$(eval $(call program,amrctl,tools/amrctl/main.c tools/amrctl/ctl.c tools/amrctl/subcmd.c tools/amrctl/billing.c \
	tools/amrctl/billpay.c tools/amrctl/billrun.c tools/amrctl/billreport.c \
	tools/amrctl/billrec.c tools/amrctl/archive_import.c,$(MQ_LIBS)))
