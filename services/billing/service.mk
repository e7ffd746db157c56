# amr-billing: accounts, tariffs, invoices and receipts (docs/billing.md).
BILLING_CORE := services/billing/money.c services/billing/bankcheck.c \
                services/billing/model.c services/billing/model_fields.c services/billing/model_relief.c services/billing/tariff.c \
                services/billing/calendar.c services/billing/rates.c \
                services/billing/debt.c services/billing/penalty.c
BILLING_SRCS := $(BILLING_CORE) services/billing/ledger.c services/billing/journal.c \
                services/billing/auditq.c services/billing/acctarg.c services/billing/acctdebt.c \
                services/billing/debtrpc.c services/billing/acctchan.c \
                services/billing/billrpc.c services/billing/billrules.c services/billing/main.c
# Payments: entered, imported from bank registries, suspense, reversals,
# opening balances, balances and statements.
BILLING_SRCS += services/billing/bankreg.c services/billing/recstore.c \
                services/billing/payments.c services/billing/payments_entry.c \
                services/billing/payments_report.c services/billing/payments_import.c \
                services/billing/payments_upload.c services/billing/payments_suspense.c
# Restricting a debtor's supply (docs/restrictions.md).
BILLING_SRCS += services/billing/restr.c services/billing/restr_rule.c \
                services/billing/restr_cmd.c services/billing/restr_notice.c \
                services/billing/restr_send.c services/billing/notecl.c
# The monthly billing run: pure parts, the archives, the run's files.
BILLING_RUN := services/billing/month.c services/billing/basis.c services/billing/odn.c \
               services/billing/invstore.c services/billing/archcl.c \
               services/billing/runplan.c services/billing/runcalc.c \
               services/billing/runline.c services/billing/runodn.c \
               services/billing/runrecalc.c services/billing/run.c \
               services/billing/rundraft.c services/billing/runissue.c \
               services/billing/runadjust.c services/billing/runread.c \
               services/billing/runrelief.c \
               services/billing/invoice.c
# The accounting reports (docs/reports.md).
BILLING_REPORT := services/billing/report.c services/billing/report_table.c \
                  services/billing/report_journal.c services/billing/report_invoice.c \
                  services/billing/report_readings.c services/billing/report_debt.c \
                  services/billing/report_file.c services/billing/report_archive.c \
                  services/billing/report_consumption.c services/billing/report_usage.c
BILLING_SRCS += $(BILLING_RUN) $(BILLING_REPORT)
# Reports' tables out as CSV, XLSX (libxlsxwriter) and PDF (cairo, pango).
REPORT_CFLAGS := $(shell pkg-config --cflags cairo pangocairo xlsxwriter)
REPORT_LIBS   := $(shell pkg-config --libs cairo pangocairo xlsxwriter) -lm
TABOUT_SRCS   := services/billing/tabout.c services/billing/tabout_check.c \
                 services/billing/tabout_csv.c services/billing/tabout_xlsx.c \
                 services/billing/tabout_pdf.c services/billing/tabout_chart.c
$(patsubst %.c,$(OBJ)/%.o,$(TABOUT_SRCS)): CPPFLAGS += $(REPORT_CFLAGS)
BILLING_SRCS += $(TABOUT_SRCS)
# Receipts drawn as one PDF with their QR codes (docs/receipts.md, "The receipt").
RECDRAW_SRCS := services/billing/recdraw.c services/billing/recdraw_page.c \
                services/billing/recdraw_lay.c services/billing/recdraw_read.c \
                services/billing/recdraw_text.c services/billing/recdraw_qr.c
$(patsubst %.c,$(OBJ)/%.o,$(RECDRAW_SRCS)): CPPFLAGS += $(RECEIPT_CFLAGS)
BILLING_SRCS += $(RECDRAW_SRCS)
# Receipts handed out: gathered from the issued invoices and the journal,
# drawn by worker threads, kept for their chunks (docs/receipts.md).
BILLING_SRCS += services/billing/qrpay.c services/billing/receipt.c \
                services/billing/filejob.c services/billing/recrpc.c
# Receipts e-mailed through amr-notify (docs/receipts.md, "By e-mail").
BILLING_SRCS += services/billing/recmail.c services/billing/recmail_rpc.c
$(eval $(call program,amr-billing,$(BILLING_SRCS),$(MQ_LIBS) $(LMDB_LIBS) $(REPORT_LIBS) \
	$(RECEIPT_LIBS)))

# Tests include the service's headers by name.
$(OBJ)/tests/unit/test_billing_%.o $(OBJ)/tests/unit/billing_cases.o \
	$(OBJ)/tests/integration/test_billing%.o: CPPFLAGS += -Iservices/billing

# The pure core: each module alone, from tables (tests/unit/billing_cases/).
$(eval $(call unit_test,test_billing_money,tests/unit/test_billing_money.c \
	services/billing/money.c lib/jv.c lib/err.c,-ljansson))
$(eval $(call unit_test,test_billing_bankcheck,tests/unit/test_billing_bankcheck.c \
	services/billing/bankcheck.c lib/jv.c lib/err.c,-ljansson))
$(eval $(call unit_test,test_billing_tariff,tests/unit/test_billing_tariff.c \
	tests/unit/billing_table.c services/billing/tariff.c services/billing/money.c lib/jv.c lib/err.c,-ljansson))
$(eval $(call unit_test,test_billing_model,tests/unit/test_billing_model.c \
	tests/unit/billing_table.c services/billing/model.c services/billing/model_fields.c services/billing/model_relief.c services/billing/bankcheck.c \
	services/billing/money.c services/billing/calendar.c services/billing/rates.c \
	lib/proto.c lib/jv.c lib/err.c,-ljansson))
$(eval $(call unit_test,test_billing_bankreg,tests/unit/test_billing_bankreg.c \
	services/billing/bankreg.c services/billing/model.c services/billing/model_fields.c services/billing/model_relief.c services/billing/bankcheck.c \
	services/billing/money.c services/billing/calendar.c services/billing/rates.c \
	lib/utf8.c lib/proto.c lib/jv.c lib/err.c,-ljansson))

# Debt arithmetic: due dates and rates, allocation and ages, penalties.
BILLING_DEBT_TEST := tests/unit/billing_cases.c services/billing/calendar.c \
	services/billing/rates.c services/billing/debt.c services/billing/money.c \
	lib/jv.c lib/err.c tests/unit/billing_table.c
$(eval $(call unit_test,test_billing_calendar,tests/unit/test_billing_calendar.c \
	$(BILLING_DEBT_TEST),-ljansson))
$(eval $(call unit_test,test_billing_debt,tests/unit/test_billing_debt.c \
	$(BILLING_DEBT_TEST),-ljansson))
$(eval $(call unit_test,test_billing_penalty,tests/unit/test_billing_penalty.c \
	services/billing/penalty.c $(BILLING_DEBT_TEST),-ljansson))

# The payment QR code's text (ГОСТ Р 56042-2014), from a table.
$(eval $(call unit_test,test_billing_qrpay,tests/unit/test_billing_qrpay.c \
	tests/unit/billing_table.c services/billing/qrpay.c services/billing/money.c \
	lib/jv.c lib/err.c,-ljansson))

# Receipts drawn and read back: pdftotext, pdfinfo, pdftoppm and zbarimg.
$(eval $(call unit_test,test_billing_recdraw,tests/unit/test_billing_recdraw.c \
	tests/unit/billing_table.c $(RECDRAW_SRCS) services/billing/money.c \
	services/billing/calendar.c services/billing/rates.c lib/jv.c lib/err.c,-ljansson \
	$(RECEIPT_LIBS)))

# The journal against real LMDB files.
$(eval $(call unit_test,test_billing_journal,tests/unit/test_billing_journal.c \
	services/billing/journal.c services/billing/model.c services/billing/model_fields.c services/billing/model_relief.c services/billing/bankcheck.c \
	services/billing/money.c services/billing/calendar.c services/billing/rates.c \
	lib/kv.c lib/log.c lib/proto.c lib/jv.c lib/err.c,-ljansson -llmdb))
# An account's debt from its journal and its organisation's tables.
$(eval $(call unit_test,test_billing_acctdebt,tests/unit/test_billing_acctdebt.c \
	services/billing/acctdebt.c services/billing/journal.c services/billing/ledger.c \
	$(BILLING_CORE) lib/kv.c lib/log.c lib/proto.c lib/jv.c lib/err.c,-ljansson -llmdb))

# Integration: a real Mosquitto, amr-archive and amr-billing.
$(eval $(call integ_test,test_billing,tests/integration/test_billing.c \
	tests/integration/billing_util.c tests/integration/archive_util.c,))
$(eval $(call integ_test,test_billing_payments,tests/integration/test_billing_payments.c \
	tests/integration/billing_util.c tests/integration/archive_util.c,))
$(eval $(call integ_test,test_billing_debtors,tests/integration/test_billing_debtors.c \
	tests/integration/billing_util.c tests/integration/archive_util.c,))
# Restrictions: amr-billing with a real amr-ingest, the probe as the gateway.
$(eval $(call integ_test,test_billing_restrict,tests/integration/test_billing_restrict.c \
	tests/integration/billing_util.c tests/integration/archive_util.c \
	tests/integration/test_ingest_util.c,))

# The run's pure parts: periods, the average/norm choice, ОДН and splits.
$(eval $(call unit_test,test_billing_basis,tests/unit/test_billing_basis.c \
	tests/unit/billing_table.c services/billing/basis.c services/billing/month.c \
	services/billing/money.c lib/jv.c lib/err.c,-ljansson))
$(eval $(call unit_test,test_billing_odn,tests/unit/test_billing_odn.c \
	tests/unit/billing_table.c services/billing/odn.c services/billing/money.c \
	lib/jv.c lib/err.c,-ljansson))

# The billing run against a real Mosquitto, amr-archive and amr-billing.
BILLRUN_TEST_SRCS := tests/integration/billrun_util.c tests/integration/archive_util.c \
	services/billing/month.c services/billing/journal.c $(BILLING_CORE) \
	tests/integration/billing_util.c
$(OBJ)/tests/integration/billrun_util.o: CPPFLAGS += -Iservices/billing
$(eval $(call integ_test,test_billing_run,tests/integration/test_billing_run.c \
	$(BILLRUN_TEST_SRCS),-llmdb))
$(eval $(call integ_test,test_billing_run_avg,tests/integration/test_billing_run_avg.c \
	$(BILLRUN_TEST_SRCS),-llmdb))
$(eval $(call integ_test,test_billing_run_odn,tests/integration/test_billing_run_odn.c \
	$(BILLRUN_TEST_SRCS),-llmdb))
$(eval $(call integ_test,test_billing_receipts,tests/integration/test_billing_receipts.c \
	$(BILLRUN_TEST_SRCS),-llmdb))
$(eval $(call integ_test,test_billing_run_src,tests/integration/test_billing_run_src.c \
	$(BILLRUN_TEST_SRCS),-llmdb))
$(eval $(call integ_test,test_billing_run_read,tests/integration/test_billing_run_read.c \
	$(BILLRUN_TEST_SRCS),-llmdb))
$(eval $(call integ_test,test_billing_reliefs,tests/integration/test_billing_reliefs.c \
	$(BILLRUN_TEST_SRCS),-llmdb))
# The accounting reports against a real Mosquitto, amr-archive and amr-billing.
$(eval $(call integ_test,test_billing_reports,tests/integration/test_billing_reports.c \
	$(BILLRUN_TEST_SRCS),-llmdb))
$(eval $(call integ_test,test_billing_reports_arch,tests/integration/test_billing_reports_arch.c \
	$(BILLRUN_TEST_SRCS),-llmdb))
# A tenant's consumption compared: only the days its account held its flat.
$(eval $(call integ_test,test_billing_usage,tests/integration/test_billing_usage.c \
	$(BILLRUN_TEST_SRCS),-llmdb))

# A report's table as CSV, XLSX and PDF, read back by openpyxl and poppler
# (the test reads the chart's pixels with cairo).
$(OBJ)/tests/unit/test_billing_tabout.o: CPPFLAGS += $(REPORT_CFLAGS)
$(eval $(call unit_test,test_billing_tabout,tests/unit/test_billing_tabout.c \
	tests/unit/billing_table.c $(TABOUT_SRCS) lib/jv.c lib/err.c,-ljansson $(REPORT_LIBS)))

# Billing's messages through amr-notify: a real SMTP server, amr-notify,
# amr-archive and amr-billing (docs/restrictions.md, docs/receipts.md).
$(eval $(call integ_test,test_billing_notice,tests/integration/test_billing_notice.c \
	tests/integration/mail_util.c tests/integration/kannel_util.c $(BILLRUN_TEST_SRCS),-llmdb))
