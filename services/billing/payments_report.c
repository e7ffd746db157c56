/*
 * payments_report.c - what an account owes: its balance on a date
 * (account.balance) and its statement over a span (account.statement),
 * read from the journal in one read transaction.
 */
#include <stdio.h>
#include <string.h>

#include "payments_int.h"

#define STATEMENT_MAX 2000 /* entries in one statement: well under an answer */

void payments__balance(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "account", "number", "org", "date", NULL };
	payments *p = ctx;
	struct jv_err err = { "" };
	char date[MODEL_DATE_LEN], today[MODEL_DATE_LEN], buf[MONEY_STR_MAX];
	json_t *res = NULL;
	money_kop balance;
	uint32_t account;
	MDB_txn *txn;
	int rc;

	payments__today(today);
	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = payments__date(args, "date", today, false, date, &err)) ||
	    (rc = kv_read_begin(ledger_kv(p->l), &txn)))
		goto out_reply;
	if (!(rc = acctarg_get(p->l, txn, args, &account, NULL, &err)))
		rc = journal_balance(p->j, txn, account, date, &balance);
	mdb_txn_abort(txn);
	if (!rc && !(res = json_pack("{s:I, s:s, s:s}", "account", (json_int_t)account, "date",
				     date, "balance", money_format(balance, buf))))
		rc = AMR_ENOMEM;
out_reply:
	payments__reply(p, "account.balance", req, rc, &err, res);
}

/* A statement as its scan builds it. */
struct statement {
	const char *from, *to;		  /* the span, either may be "" (open) */
	money_kop opening;		  /* the entries before from */
	money_kop sums[JOURNAL_KIND_END]; /* of each kind within the span */
	json_t *entries;		  /* within the span */
	bool full;			  /* more than STATEMENT_MAX */
};

static int statement_fn(const struct journal_entry *e, void *arg)
{
	struct statement *st = arg;

	if (*st->to && strcmp(e->date, st->to) > 0)
		return 1;
	if (*st->from && strcmp(e->date, st->from) < 0) {
		st->opening += e->amount;
		return 0;
	}
	if (json_array_size(st->entries) >= STATEMENT_MAX) {
		st->full = true;
		return 1;
	}
	st->sums[e->kind] += e->amount;
	return json_array_append_new(st->entries, json_deep_copy(e->rec)) ? AMR_ENOMEM : 0;
}

/* The answer: the balances, the entries and the sums of each kind. */
static json_t *statement_result(uint32_t account, const struct statement *st)
{
	static const struct {
		const char *name;
		enum journal_kind k;
	} sums[] = {
		{ "charges", JOURNAL_CHARGE },	   { "payments", JOURNAL_PAYMENT },
		{ "reversals", JOURNAL_REVERSAL }, { "adjustments", JOURNAL_ADJUSTMENT },
		{ "penalties", JOURNAL_PENALTY },  { "openings", JOURNAL_OPENING },
	};
	char buf[MONEY_STR_MAX];
	money_kop closing = st->opening;
	json_t *res = json_pack("{s:I, s:O}", "account", (json_int_t)account, "entries",
				st->entries);

	for (size_t i = 0; res && i < sizeof sums / sizeof sums[0]; i++) {
		closing += st->sums[sums[i].k];
		json_object_set_new(res, sums[i].name,
				    json_string(money_format(st->sums[sums[i].k], buf)));
	}
	if (res && *st->from)
		json_object_set_new(res, "from", json_string(st->from));
	if (res && *st->to)
		json_object_set_new(res, "to", json_string(st->to));
	if (res && (json_object_set_new(res, "opening_balance",
					json_string(money_format(st->opening, buf))) ||
		    json_object_set_new(res, "closing_balance",
					json_string(money_format(closing, buf))))) {
		json_decref(res);
		res = NULL;
	}
	return res;
}

void payments__statement(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "account", "number", "org", "from", "to", NULL };
	payments *p = ctx;
	struct jv_err err = { "" };
	char from[MODEL_DATE_LEN], to[MODEL_DATE_LEN];
	struct statement st = { from, to, 0, { 0 }, json_array(), false };
	json_t *res = NULL;
	uint32_t account;
	MDB_txn *txn;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = payments__date(args, "from", "", false, from, &err)) ||
	    (rc = payments__date(args, "to", "", false, to, &err)))
		goto out_reply;
	if (*from && *to && strcmp(to, from) < 0) {
		rc = jv_fail(&err, "to: %s is before from %s", to, from);
		goto out_reply;
	}
	if (!st.entries) {
		rc = AMR_ENOMEM;
		goto out_reply;
	}
	if ((rc = kv_read_begin(ledger_kv(p->l), &txn)))
		goto out_reply;
	if (!(rc = acctarg_get(p->l, txn, args, &account, NULL, &err)))
		rc = journal_scan(p->j, txn, account, NULL, NULL, statement_fn, &st);
	mdb_txn_abort(txn);
	if (!rc && st.full) {
		jv_fail(&err, "from: the span holds more than %d entries; ask for a shorter one",
			STATEMENT_MAX);
		rc = AMR_EFULL;
	}
	if (!rc && !(res = statement_result(account, &st)))
		rc = AMR_ENOMEM;
out_reply:
	json_decref(st.entries);
	payments__reply(p, "account.statement", req, rc, &err, res);
}
