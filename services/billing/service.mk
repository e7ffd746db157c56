# amr-billing: accounts, tariffs, invoices and receipts (docs/billing.md).
BILLING_CORE := services/billing/money.c services/billing/bankcheck.c \
                services/billing/model.c services/billing/tariff.c
BILLING_SRCS := $(BILLING_CORE) services/billing/ledger.c services/billing/journal.c \
                services/billing/auditq.c \
                services/billing/billrpc.c services/billing/main.c
# Payments: entered, imported from bank registries, suspense, reversals,
# opening balances, balances and statements.
BILLING_SRCS += services/billing/bankreg.c services/billing/recstore.c \
                services/billing/payments.c services/billing/payments_entry.c \
                services/billing/payments_report.c services/billing/payments_import.c \
                services/billing/payments_upload.c services/billing/payments_suspense.c
$(eval $(call program,amr-billing,$(BILLING_SRCS),$(MQ_LIBS) $(LMDB_LIBS)))

# Tests include the service's headers by name.
$(OBJ)/tests/unit/test_billing_%.o $(OBJ)/tests/integration/test_billing%.o: CPPFLAGS += -Iservices/billing

# The pure core: each module alone, from tables (tests/unit/billing_cases/).
$(eval $(call unit_test,test_billing_money,tests/unit/test_billing_money.c \
	services/billing/money.c lib/jv.c lib/err.c,-ljansson))
$(eval $(call unit_test,test_billing_bankcheck,tests/unit/test_billing_bankcheck.c \
	services/billing/bankcheck.c lib/jv.c lib/err.c,-ljansson))
$(eval $(call unit_test,test_billing_tariff,tests/unit/test_billing_tariff.c \
	services/billing/tariff.c services/billing/money.c lib/jv.c lib/err.c,-ljansson))
$(eval $(call unit_test,test_billing_model,tests/unit/test_billing_model.c \
	services/billing/model.c services/billing/bankcheck.c services/billing/money.c \
	lib/proto.c lib/jv.c lib/err.c,-ljansson))
$(eval $(call unit_test,test_billing_bankreg,tests/unit/test_billing_bankreg.c \
	services/billing/bankreg.c services/billing/model.c services/billing/bankcheck.c \
	services/billing/money.c lib/utf8.c lib/proto.c lib/jv.c lib/err.c,-ljansson))

# The journal against real LMDB files.
$(eval $(call unit_test,test_billing_journal,tests/unit/test_billing_journal.c \
	services/billing/journal.c services/billing/model.c services/billing/bankcheck.c \
	services/billing/money.c lib/kv.c lib/log.c lib/proto.c lib/jv.c lib/err.c,-ljansson -llmdb))

# Integration: a real Mosquitto, amr-archive and amr-billing.
$(eval $(call integ_test,test_billing,tests/integration/test_billing.c \
	tests/integration/billing_util.c tests/integration/archive_util.c,))
$(eval $(call integ_test,test_billing_payments,tests/integration/test_billing_payments.c \
	tests/integration/billing_util.c tests/integration/archive_util.c,))
