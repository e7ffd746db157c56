/*
 * journal.h - the money of every account in date order: opening balances,
 * charges, payments, reversals, adjustments and penalties
 * (docs/billing.md, "The journal").
 *
 * An entry is written once and never changed or deleted: a wrong payment
 * is undone by a reversal entry of its own, a correction of an issued
 * period is an adjustment entry on a later date. So an account's balance
 * on any date is the sum of its entries up to that date, and its
 * statement is the entries in order.
 *
 *   jrn   account u32 | date "YYYY-MM-DD" | seq u64 -> the entry's JSON
 *   jseq  seq u64 -> account u32 | date (where the entry is)
 *   jmeta "seq" -> the last seq given, u64
 *
 * An entry is {"seq","account","date","kind","amount", ..}: amount is
 * signed roubles ("1234.56"); plus means the account owes more (an opening
 * debt, a charge, a penalty, an adjustment up, the reversal of a
 * payment), minus that it owes less (a payment, an adjustment down, an
 * opening advance). Other fields are the writer's: "period" ("2026-10"),
 * "invoice", "payment" (the bank's reference), "reverses" (a seq),
 * "actor", "reason", "ts". The entries live in the ledger's environment,
 * so a change, its entries and its audit record commit together. Every
 * function runs inside the caller's transaction.
 */
#ifndef AMR_BILLING_JOURNAL_H
#define AMR_BILLING_JOURNAL_H

#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "kv.h"
#include "model.h"
#include "money.h"

typedef struct journal journal;

enum journal_kind {
	JOURNAL_OPENING = 1, /* входящее сальдо: what the account owed when it came over */
	JOURNAL_CHARGE,	     /* an issued invoice's amount */
	JOURNAL_PAYMENT,    /* money received */
	JOURNAL_REVERSAL,   /* сторно of a payment (names it in "reverses") */
	JOURNAL_ADJUSTMENT, /* a correction of an issued period, with its reason */
	JOURNAL_PENALTY,    /* пени charged */
	JOURNAL_KIND_END,
};

#define JOURNAL_PERIOD_LEN 8 /* "YYYY-MM" and its NUL */

/* One entry as a scan hands it out: the parts every reader needs, read
 * once, and the whole record (borrowed for the call). */
struct journal_entry {
	uint64_t seq;			 /* its number, 1.. in the order written */
	uint32_t account;		 /* the account */
	char date[MODEL_DATE_LEN];	 /* its local date */
	enum journal_kind kind;		 /* what it is */
	money_kop amount;		 /* signed: plus owes more */
	char period[JOURNAL_PERIOD_LEN]; /* the period it belongs to, or "" */
	const json_t *rec;		 /* the whole entry */
};

/* The kind's name ("opening", "charge", "payment", "reversal",
 * "adjustment", "penalty"), or NULL. The kind of a name, or -1. */
const char *journal_kind_name(enum journal_kind k);
int journal_kind_parse(const char *name);

/* The journal in environment k (borrowed). Returns AMR_OK, AMR_ENOMEM or
 * AMR_EDB. */
amr_err journal_open(journal **out, kv *k);

/* Free. Accepts NULL. */
void journal_close(journal *j);

/*
 * Inside write transaction txn: add entry (borrowed; "seq" is set in it).
 * It must have "account" (1..MODEL_ID_MAX), "date" (a date), "kind" (a
 * name above), "amount" (signed roubles, not zero) and may have "period"
 * ("YYYY-MM"). A malformed entry is the caller's mistake: AMR_EINVAL, and
 * nothing is written. Returns 0 with *seq, AMR_EINVAL or an LMDB/amr code
 * for kv_write().
 */
int journal_add(journal *j, MDB_txn *txn, json_t *entry, uint64_t *seq);

/* The entry seq (a new value, the caller frees). Returns AMR_OK,
 * AMR_ENOTFOUND, AMR_ENOMEM or AMR_EDB. */
amr_err journal_get(journal *j, MDB_txn *txn, uint64_t seq, json_t **out);

/*
 * Call fn(e, arg) for the entries of account dated from <= date < to, in
 * date order and, within a date, in the order written; from or to NULL
 * leave that side open. fn returns 0 to go on, 1 to stop, anything else to
 * stop with that code. Returns 0, fn's code, AMR_ENOMEM or AMR_EDB.
 */
int journal_scan(journal *j, MDB_txn *txn, uint32_t account, const char *from, const char *to,
		 int (*fn)(const struct journal_entry *e, void *arg), void *arg);

/* The balance of account at the end of date (every entry dated on or
 * before it; NULL: all of them) into *out: plus the account owes, minus it
 * has paid ahead. Returns 0, AMR_ENOMEM or AMR_EDB. */
int journal_balance(journal *j, MDB_txn *txn, uint32_t account, const char *date, money_kop *out);

#endif
