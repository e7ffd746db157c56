# amr-billing: accounts, tariffs, invoices and receipts (docs/billing.md).
BILLING_CORE := services/billing/money.c services/billing/bankcheck.c \
                services/billing/model.c services/billing/tariff.c \
                services/billing/calendar.c services/billing/rates.c \
                services/billing/debt.c services/billing/penalty.c
BILLING_SRCS := $(BILLING_CORE) services/billing/ledger.c services/billing/journal.c \
                services/billing/auditq.c services/billing/acctdebt.c services/billing/debtrpc.c \
                services/billing/billrpc.c services/billing/main.c
# Payments: entered, imported from bank registries, suspense, reversals,
# opening balances, balances and statements.
BILLING_SRCS += services/billing/bankreg.c services/billing/recstore.c \
                services/billing/payments.c services/billing/payments_entry.c \
                services/billing/payments_report.c services/billing/payments_import.c \
                services/billing/payments_upload.c services/billing/payments_suspense.c
$(eval $(call program,amr-billing,$(BILLING_SRCS),$(MQ_LIBS) $(LMDB_LIBS)))

# Tests include the service's headers by name.
$(OBJ)/tests/unit/test_billing_%.o $(OBJ)/tests/unit/billing_cases.o \
	$(OBJ)/tests/integration/test_billing%.o: CPPFLAGS += -Iservices/billing

# The pure core: each module alone, from tables (tests/unit/billing_cases/).
$(eval $(call unit_test,test_billing_money,tests/unit/test_billing_money.c \
	services/billing/money.c lib/jv.c lib/err.c,-ljansson))
$(eval $(call unit_test,test_billing_bankcheck,tests/unit/test_billing_bankcheck.c \
	services/billing/bankcheck.c lib/jv.c lib/err.c,-ljansson))
$(eval $(call unit_test,test_billing_tariff,tests/unit/test_billing_tariff.c \
	services/billing/tariff.c services/billing/money.c lib/jv.c lib/err.c,-ljansson))
$(eval $(call unit_test,test_billing_model,tests/unit/test_billing_model.c \
	services/billing/model.c services/billing/bankcheck.c services/billing/money.c \
	services/billing/calendar.c services/billing/rates.c \
	lib/proto.c lib/jv.c lib/err.c,-ljansson))
$(eval $(call unit_test,test_billing_bankreg,tests/unit/test_billing_bankreg.c \
	services/billing/bankreg.c services/billing/model.c services/billing/bankcheck.c \
	services/billing/money.c services/billing/calendar.c services/billing/rates.c \
	lib/utf8.c lib/proto.c lib/jv.c lib/err.c,-ljansson))

# Debt arithmetic: due dates and rates, allocation and ages, penalties.
BILLING_DEBT_TEST := tests/unit/billing_cases.c services/billing/calendar.c \
	services/billing/rates.c services/billing/debt.c services/billing/money.c \
	lib/jv.c lib/err.c
$(eval $(call unit_test,test_billing_calendar,tests/unit/test_billing_calendar.c \
	$(BILLING_DEBT_TEST),-ljansson))
$(eval $(call unit_test,test_billing_debt,tests/unit/test_billing_debt.c \
	$(BILLING_DEBT_TEST),-ljansson))
$(eval $(call unit_test,test_billing_penalty,tests/unit/test_billing_penalty.c \
	services/billing/penalty.c $(BILLING_DEBT_TEST),-ljansson))

# The journal against real LMDB files.
$(eval $(call unit_test,test_billing_journal,tests/unit/test_billing_journal.c \
	services/billing/journal.c services/billing/model.c services/billing/bankcheck.c \
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
