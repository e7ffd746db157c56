/*
 * acctdebt.h - an account's debt at a day, read from its journal with its
 * organisation's due day, calendar and key-rate table: which debt each
 * payment paid (debt.h), the penalties (penalty.h), the ages, the last
 * payment (docs/billing.md, "An account's debt" and "Debtors").
 *
 * The journal's entries become the pure modules' input as "From the
 * journal" in docs/billing.md says: a charge and an adjustment are
 * principal of their period, a penalty a penalty of its period, each due
 * on the period's due date; an opening debt of a period is principal of
 * that period, one without a period is the period "opening", due on the
 * entry's "due" (else its date); an opening advance and a payment are
 * payments; a reversal gives the payment it names its reversal day. Every
 * function runs inside the caller's read transaction.
 */
#ifndef AMR_BILLING_ACCTDEBT_H
#define AMR_BILLING_ACCTDEBT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "calendar.h"
#include "debt.h"
#include "journal.h"
#include "ledger.h"
#include "penalty.h"
#include "rates.h"

/* What an organisation's debts are computed with. */
struct acctdebt_tables {
	uint32_t org;		   /* whose */
	int due_day;		   /* its due day, 1..CAL_DUE_DAY_MAX */
	struct cal_exception *ex;  /* its calendar exceptions (new) */
	size_t nex;		   /* how many */
	struct rates_entry *rates; /* its key rates, moratoria and caps (new) */
	size_t nrates;		   /* how many */
};

/* An account's debt at a day. */
struct acctdebt {
	uint32_t account;	    /* whose */
	cal_day at;		    /* the calculation day */
	money_kop balance;	    /* the journal's balance at the end of at */
	struct debt_alloc alloc;    /* which debt each payment paid */
	struct penalty_result pen;  /* penalties accrued by at, per principal piece */
	struct debt_ages ages;	    /* unpaid by age */
	money_kop overdue;	    /* unpaid principal past its due date */
	money_kop penalty_charged;  /* penalties the journal has charged by at */
	cal_day last_payment;	    /* the day of the last payment, or CAL_DAY_NONE */
	money_kop last_payment_amt; /* its amount */
};

/* Read organisation org's due day, calendar and rates (records of ledger l)
 * into *t. Returns 0, AMR_ENOTFOUND (no such org), AMR_ENOMEM or AMR_EDB;
 * on error *t holds nothing to free. */
int acctdebt_tables_load(ledger *l, MDB_txn *txn, uint32_t org, struct acctdebt_tables *t);

/* Free what acctdebt_tables_load() gave t (zeroed: nothing). */
void acctdebt_tables_free(struct acctdebt_tables *t);

/*
 * The debt of account at day at from journal j, with t, into *out (free
 * with acctdebt_free). Returns 0; AMR_EINVAL or AMR_ENOTFOUND (a day that
 * accrues a penalty has no key rate) with the reason in err; AMR_ENOMEM,
 * AMR_EDB. On error *out holds nothing to free.
 */
int acctdebt_compute(journal *j, MDB_txn *txn, uint32_t account, const struct acctdebt_tables *t,
		     cal_day at, struct acctdebt *out, struct jv_err *err);

/* Free what acctdebt_compute() gave d (zeroed: nothing). */
void acctdebt_free(struct acctdebt *d);

/* d as JSON: balance, overdue, ages, penalties (accrued, charged, not yet
 * charged), last payment; with pieces true also every piece with its
 * parts and its penalty's rows. A new value, NULL when out of memory. */
json_t *acctdebt_json(const struct acctdebt *d, bool pieces);

#endif
