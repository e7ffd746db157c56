/*
 * payments_entry.c - the entries an accountant makes: a payment received
 * (payment.create), its reversal (payment.reverse) and the opening balance
 * of an account that comes over from another system (account.opening).
 * Each is checked whole, then written with its audit record in one
 * transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "payments_int.h"

#define OPENING_ITEMS_MAX 240 /* months of an opening balance: twenty years */

/* One entry method's request, as its transaction needs it. */
struct entry_req {
	payments *p;
	const json_t *args;	    /* the request's (borrowed) */
	const char *actor, *reason; /* borrowed from args */
	char date[MODEL_DATE_LEN];  /* the entry's date */
	char period[JOURNAL_PERIOD_LEN];
	money_kop amount;   /* payment.create: what was paid */
	uint64_t seq;	    /* payment.reverse: the payment */
	json_t *items;	    /* account.opening: the items (borrowed) */
	json_t *result;	    /* the answer, built in the transaction */
	struct jv_err *err; /* why it was refused */
};

static const char *str(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

static void target_of(char *buf, size_t size, uint32_t account)
{
	snprintf(buf, size, "billing/account/%u", account);
}

static int create_txn(MDB_txn *txn, void *arg)
{
	struct entry_req *c = arg;
	const char *ref = str(c->args, "reference"), *payer = str(c->args, "payer");
	json_t *pf = json_object_get(c->args, "penalties_first"), *e;
	char target[64];
	uint32_t account;
	uint64_t seq;
	int rc;

	json_decref(c->result);
	c->result = NULL;
	if ((rc = acctarg_get(c->p->l, txn, c->args, &account, NULL, c->err)))
		return rc;
	if (!(e = payments__entry(account, c->date, JOURNAL_PAYMENT, -c->amount, c->actor)))
		return AMR_ENOMEM;
	/* what the payer said: which debt it pays is the debt module's to
	 * work out from them */
	if ((c->period[0] && json_object_set_new(e, "period", json_string(c->period))) ||
	    (pf && json_object_set(e, "penalties_first", pf)) ||
	    (ref && json_object_set_new(e, "payment", json_string(ref))) ||
	    (payer && json_object_set_new(e, "payer", json_string(payer))) ||
	    json_object_set_new(e, "source", json_string("manual")) ||
	    (c->reason && json_object_set_new(e, "reason", json_string(c->reason)))) {
		json_decref(e);
		return AMR_ENOMEM;
	}
	if ((rc = journal_add(c->p->j, txn, e, &seq))) {
		json_decref(e);
		return rc;
	}
	target_of(target, sizeof target, account);
	if ((rc = payments__audit(c->p, txn, c->actor, "payment.create", target,
				  json_pack("{s:O}", "after", e), c->reason))) {
		json_decref(e);
		return rc;
	}
	c->result = e;
	return 0;
}

void payments__create(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "actor",	   "reason", "account",
					      "number",	   "org",    "date",
					      "amount",	   "period", "penalties_first",
					      "reference", "payer",  NULL };
	struct jv_err err = { "" };
	struct entry_req c = { .p = ctx, .args = args, .err = &err };
	const char *amount, *s;
	bool pf;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_str(args, "actor", true, NULL, 1, 100, &c.actor, &err)) ||
	    (rc = jv_str(args, "reason", false, NULL, 1, 500, &c.reason, &err)) ||
	    (rc = payments__date(args, "date", NULL, true, c.date, &err)) ||
	    (rc = jv_str(args, "amount", true, NULL, 1, 30, &amount, &err)) ||
	    (rc = money_parse(amount, "amount", false, &c.amount, &err)) ||
	    (rc = payments__period(args, "period", c.period, &err)) ||
	    (rc = jv_bool(args, "penalties_first", false, false, &pf, &err)) ||
	    (rc = jv_str(args, "reference", false, NULL, 1, 64, &s, &err)) ||
	    (rc = jv_str(args, "payer", false, NULL, 1, 500, &s, &err)))
		goto out_reply;
	if (!c.amount) {
		rc = jv_fail(&err, "amount: 0.00: a payment is more than zero");
		goto out_reply;
	}
	if ((rc = kv_write(ledger_kv(c.p->l), create_txn, &c)))
		goto out_reply;
	log_info("payment.create: entry %lld, account %lld, %s by %s",
		 (long long)json_integer_value(json_object_get(c.result, "seq")),
		 (long long)json_integer_value(json_object_get(c.result, "account")), amount,
		 c.actor);
	metric_add(c.p->m_manual, 1);
	auditq_flush(c.p->q);
out_reply:
	payments__reply(c.p, "payment.create", req, rc, &err, rc ? NULL : c.result);
	if (rc)
		json_decref(c.result);
}

static int reverse_txn(MDB_txn *txn, void *arg)
{
	struct entry_req *c = arg;
	json_t *pay = NULL, *e = NULL;
	struct jv_err why = { "" };
	char key[64], target[64];
	money_kop paid;
	uint32_t holder = 0, account;
	uint64_t seq;
	int rc;

	json_decref(c->result);
	c->result = NULL;
	rc = journal_get(c->p->j, txn, c->seq, &pay);
	if (rc == AMR_ENOTFOUND) {
		jv_fail(c->err, "seq: there is no entry %llu", (unsigned long long)c->seq);
		return AMR_ENOTFOUND;
	}
	if (rc)
		return rc;
	if (strcmp(str(pay, "kind"), "payment")) {
		rc = jv_fail(c->err,
			     "seq: entry %llu is a %s, not a payment; only a payment is "
			     "reversed",
			     (unsigned long long)c->seq, str(pay, "kind"));
		goto out_free;
	}
	if (strcmp(c->date, str(pay, "date")) < 0) {
		rc = jv_fail(c->err, "date: %s is before the payment's date %s", c->date,
			     str(pay, "date"));
		goto out_free;
	}
	account = (uint32_t)json_integer_value(json_object_get(pay, "account"));
	if ((rc = money_parse(str(pay, "amount"), "amount", true, &paid, &why)) ||
	    !(e = payments__entry(account, c->date, JOURNAL_REVERSAL, -paid, c->actor)) ||
	    json_object_set_new(e, "reverses", json_integer((json_int_t)c->seq)) ||
	    (json_object_get(pay, "period") &&
	     json_object_set(e, "period", json_object_get(pay, "period"))) ||
	    (json_object_get(pay, "payment") &&
	     json_object_set(e, "payment", json_object_get(pay, "payment"))) ||
	    json_object_set_new(e, "reason", json_string(c->reason))) {
		rc = rc ? AMR_EDB : AMR_ENOMEM;
		goto out_free;
	}
	if ((rc = journal_add(c->p->j, txn, e, &seq)))
		goto out_free;
	/* once: the claim holds the reversal's number */
	snprintf(key, sizeof key, "reversal %llu", (unsigned long long)c->seq);
	if (seq > UINT32_MAX) {
		rc = AMR_EFULL;
		goto out_free;
	}
	if ((rc = ledger_claim(c->p->l, txn, key, (uint32_t)seq, &holder))) {
		if (rc == AMR_EEXIST)
			jv_fail(c->err, "seq: payment %llu is reversed already (by entry %u)",
				(unsigned long long)c->seq, holder);
		goto out_free;
	}
	target_of(target, sizeof target, account);
	if ((rc = payments__audit(c->p, txn, c->actor, "payment.reverse", target,
				  json_pack("{s:O, s:O}", "after", e, "reverses", pay), c->reason)))
		goto out_free;
	c->result = e;
	e = NULL;
out_free:
	json_decref(e);
	json_decref(pay);
	return rc;
}

void payments__reverse(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "seq", "actor", "reason", "date", NULL };
	struct jv_err err = { "" };
	struct entry_req c = { .p = ctx, .args = args, .err = &err };
	char today[MODEL_DATE_LEN];
	long long seq;
	int rc;

	payments__today(today);
	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_int(args, "seq", true, 0, 1, 9007199254740991LL, &seq, &err)) ||
	    (rc = jv_str(args, "actor", true, NULL, 1, 100, &c.actor, &err)) ||
	    (rc = jv_str(args, "reason", true, NULL, 1, 500, &c.reason, &err)) ||
	    (rc = payments__date(args, "date", today, true, c.date, &err)))
		goto out_reply;
	c.seq = (uint64_t)seq;
	if ((rc = kv_write(ledger_kv(c.p->l), reverse_txn, &c)))
		goto out_reply;
	log_info("payment.reverse: entry %lld reverses %lld, by %s",
		 (long long)json_integer_value(json_object_get(c.result, "seq")), seq, c.actor);
	auditq_flush(c.p->q);
out_reply:
	payments__reply(c.p, "payment.reverse", req, rc, &err, rc ? NULL : c.result);
	if (rc)
		json_decref(c.result);
}

/* The first entry of an account dated on or before a date that is not an
 * opening one. */
struct earlier {
	const char *date; /* the opening's date */
	uint64_t seq;	  /* the entry found, 0: none */
	char kind[16], on[MODEL_DATE_LEN];
};

static int earlier_fn(const struct journal_entry *e, void *arg)
{
	struct earlier *w = arg;

	if (strcmp(e->date, w->date) > 0)
		return 1;
	if (e->kind == JOURNAL_OPENING)
		return 0;
	w->seq = e->seq;
	snprintf(w->kind, sizeof w->kind, "%s", journal_kind_name(e->kind));
	memcpy(w->on, e->date, MODEL_DATE_LEN);
	return 1;
}

/* The items of an opening balance checked, before anything is read. */
static int items_check(struct entry_req *c)
{
	json_t *it;
	size_t i;

	json_array_foreach(c->items, i, it) {
		static const char *const fields[] = { "period", "amount", NULL };
		const char *amount, *period;
		char field[48];
		money_kop v;
		int rc;

		if (!json_is_object(it))
			return jv_fail(c->err, "items[%zu]: expected an object {period,amount}", i);
		snprintf(field, sizeof field, "items[%zu].amount", i);
		if ((rc = jv_only(it, fields, c->err)) ||
		    (rc = jv_str(it, "amount", true, NULL, 1, 30, &amount, c->err)) ||
		    (rc = money_parse(amount, field, true, &v, c->err)))
			return rc;
		if (!v)
			return jv_fail(c->err,
				       "%s: 0.00: an item is a debt (plus) or an advance "
				       "(minus), not nothing",
				       field);
		snprintf(field, sizeof field, "items[%zu].period", i);
		if (!(period = str(it, "period")))
			return jv_fail(c->err, "%s: missing (a month, YYYY-MM)", field);
		if (!payments__period_ok(period))
			return jv_fail(c->err, "%s: \"%s\" is not a month (YYYY-MM)", field,
				       period);
		if (strncmp(period, c->date, 7) > 0)
			return jv_fail(c->err, "%s: %s is after the opening's date %s", field,
				       period, c->date);
	}
	return 0;
}

static int opening_txn(MDB_txn *txn, void *arg)
{
	struct entry_req *c = arg;
	struct earlier w = { c->date, 0, "", "" };
	json_t *entries = json_array(), *it;
	char target[64], key[64];
	uint32_t account, holder;
	size_t i;
	int rc;

	json_decref(c->result);
	c->result = NULL;
	if (!entries)
		return AMR_ENOMEM;
	if ((rc = acctarg_get(c->p->l, txn, c->args, &account, NULL, c->err)) ||
	    (rc = journal_scan(c->p->j, txn, account, NULL, NULL, earlier_fn, &w)))
		goto out_free;
	if (w.seq) {
		rc = jv_fail(c->err,
			     "date: account %u has a %s of %s (entry %llu), on or before %s; an "
			     "opening balance is what the account owed before this system counted "
			     "anything, so it is dated before the account's first entry",
			     account, w.kind, w.on, (unsigned long long)w.seq, c->date);
		goto out_free;
	}
	json_array_foreach(c->items, i, it) {
		struct jv_err why = { "" };
		money_kop v;
		uint64_t seq;
		json_t *e;

		money_parse(str(it, "amount"), "amount", true, &v, &why);
		if (!(e = payments__entry(account, c->date, JOURNAL_OPENING, v, c->actor)) ||
		    json_object_set(e, "period", json_object_get(it, "period")) ||
		    json_object_set_new(e, "reason", json_string(c->reason)) ||
		    json_array_append_new(entries, e)) {
			rc = AMR_ENOMEM;
			goto out_free;
		}
		if ((rc = journal_add(c->p->j, txn, e, &seq)))
			goto out_free;
		/* one opening a month: a retried request is refused, not doubled */
		snprintf(key, sizeof key, "opening %u:%s", account, str(it, "period"));
		if (seq > UINT32_MAX) {
			rc = AMR_EFULL;
			goto out_free;
		}
		if ((rc = ledger_claim(c->p->l, txn, key, (uint32_t)seq, &holder))) {
			if (rc == AMR_EEXIST)
				jv_fail(c->err,
					"items[%zu].period: account %u has an opening balance for "
					"%s already (entry %u); correct it with an adjustment",
					i, account, str(it, "period"), holder);
			goto out_free;
		}
	}
	target_of(target, sizeof target, account);
	if ((rc = payments__audit(c->p, txn, c->actor, "account.opening", target,
				  json_pack("{s:O}", "entries", entries), c->reason)))
		goto out_free;
	if (!(c->result = json_pack("{s:I, s:s, s:O}", "account", (json_int_t)account, "date",
				    c->date, "entries", entries)))
		rc = AMR_ENOMEM;
out_free:
	json_decref(entries);
	return rc;
}

void payments__opening(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "account", "number", "org",   "actor",
					      "reason",	 "date",   "items", NULL };
	struct jv_err err = { "" };
	struct entry_req c = { .p = ctx, .args = args, .err = &err };
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_str(args, "actor", true, NULL, 1, 100, &c.actor, &err)) ||
	    (rc = jv_str(args, "reason", true, NULL, 1, 500, &c.reason, &err)) ||
	    (rc = payments__date(args, "date", NULL, true, c.date, &err)) ||
	    (rc = jv_array(args, "items", true, OPENING_ITEMS_MAX, &c.items, &err)))
		goto out_reply;
	if (!json_array_size(c.items)) {
		rc = jv_fail(&err, "items: empty; an opening balance has at least one month");
		goto out_reply;
	}
	if ((rc = items_check(&c)) || (rc = kv_write(ledger_kv(c.p->l), opening_txn, &c)))
		goto out_reply;
	log_info("account.opening: account %lld, %zu months, by %s",
		 (long long)json_integer_value(json_object_get(c.result, "account")),
		 json_array_size(c.items), c.actor);
	auditq_flush(c.p->q);
out_reply:
	payments__reply(c.p, "account.opening", req, rc, &err, rc ? NULL : c.result);
	if (rc)
		json_decref(c.result);
}
