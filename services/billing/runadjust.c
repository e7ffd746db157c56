/*
 * runadjust.c - invoice.adjust: a correction of an issued invoice, kept
 * until the next run of its building bills it as an adjustment line on
 * the account's invoice (and its issue as a journal adjustment entry).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billrpc.h"
#include "log.h"
#include "model.h"
#include "run.h"
#include "runint.h"

struct adjust {
	runsvc *m;
	const json_t *args;
	json_t *adj;   /* the adjustment as kept */
	json_t *audit; /* its audit record */
	struct jv_err *err;
};

static const char *str(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

/* The premises of the invoice the adjustment bills (args' or its first). */
static int premises_of(const json_t *inv, const json_t *args, json_int_t *premises,
		       struct jv_err *err)
{
	json_t *want = json_object_get(args, "premises"), *e;
	size_t i;

	json_array_foreach(json_object_get(inv, "premises"), i, e)
		if (!want || json_equal(want, json_object_get(e, "premises"))) {
			*premises = json_integer_value(json_object_get(e, "premises"));
			return 0;
		}
	if (want)
		return jv_fail(err, "premises: invoice %s bills no premises %lld", str(inv, "id"),
			       (long long)json_integer_value(want));
	return jv_fail(err, "invoice: %s bills no premises", str(inv, "id"));
}

static int adjust_txn(MDB_txn *txn, void *arg)
{
	struct adjust *a = arg;
	const char *id = str(a->args, "invoice");
	char period[MONTH_LEN], target[64], buf[MONEY_STR_MAX];
	uint32_t building, account;
	json_t *inv = NULL, *svc = NULL;
	json_int_t premises = 0;
	money_kop amount;
	int rc;

	json_decref(a->adj);
	json_decref(a->audit);
	a->adj = a->audit = NULL;
	if (!invstore_id_parse(id, period, &building, &account))
		return jv_fail(a->err, "invoice: \"%s\" is not an invoice id (\"2026-10/1/17\")",
			       id);
	if (money_parse(str(a->args, "amount"), "amount", true, &amount, a->err))
		return AMR_EINVAL;
	if (!amount)
		return jv_fail(a->err, "amount: 0.00 corrects nothing");
	rc = invstore_invoice_get(a->m->is, txn, building, period, account, &inv);
	if (rc == AMR_ENOTFOUND) {
		jv_fail(a->err, "invoice: there is no invoice %s", id);
		return AMR_ENOTFOUND;
	}
	if (rc)
		return rc;
	if (strcmp(str(inv, "state") ?: "", "issued")) {
		jv_fail(a->err,
			"invoice: %s is a draft; correct the records and make the draft again (an "
			"adjustment corrects an issued invoice)",
			id);
		rc = AMR_EEXIST;
		goto out_free;
	}
	if ((rc = premises_of(inv, a->args, &premises, a->err)))
		goto out_free;
	if (json_object_get(a->args, "service")) {
		rc = ledger_get(a->m->l, txn, MODEL_SERVICE,
				(uint32_t)json_integer_value(json_object_get(a->args, "service")),
				&svc);
		if (rc == AMR_ENOTFOUND) {
			rc = AMR_EINVAL;
			jv_fail(a->err, "service: there is no service %lld",
				(long long)json_integer_value(json_object_get(a->args, "service")));
		}
		if (rc)
			goto out_free;
	}
	a->adj = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:I}", "invoice", id,
			   "period", period, "building", (json_int_t)building, "account",
			   (json_int_t)account, "premises", premises, "amount",
			   money_format(amount, buf), "reason", str(a->args, "reason"), "actor",
			   str(a->args, "actor"), "code", svc ? str(svc, "code") : "adjustment",
			   "ts", (json_int_t)svc_now());
	if (!a->adj) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	if (svc) {
		json_object_set(a->adj, "service", json_object_get(svc, "id"));
		json_object_set(a->adj, "name", json_object_get(svc, "name"));
	}
	if ((rc = invstore_adjust_add(a->m->is, txn, building, account, a->adj)))
		goto out_free;
	snprintf(target, sizeof target, "billing/invoice/%s", id);
	a->audit = json_pack("{s:I, s:s, s:s, s:s, s:{s:O, s:s}}", "ts", (json_int_t)svc_now(),
			     "actor", str(a->args, "actor"), "action", "invoice.adjust", "target",
			     target, "detail", "adjustment", a->adj, "reason",
			     str(a->args, "reason"));
	rc = a->audit ? auditq_append(a->m->q, txn, a->audit) : AMR_ENOMEM;
out_free:
	json_decref(inv);
	json_decref(svc);
	return rc;
}

void run__m_adjust(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "invoice",  "actor",   "reason", "amount",
					      "premises", "service", NULL };
	runsvc *m = ctx;
	struct jv_err err = { "" };
	struct adjust a = { m, args, NULL, NULL, &err };
	const char *s;
	long long id;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_str(args, "invoice", true, NULL, 1, 40, &s, &err)) ||
	    (rc = jv_str(args, "actor", true, NULL, 1, 100, &s, &err)) ||
	    (rc = jv_str(args, "reason", true, NULL, 1, 500, &s, &err)) ||
	    (rc = jv_str(args, "amount", true, NULL, 1, 40, &s, &err)) ||
	    (rc = jv_int(args, "premises", false, 0, 1, MODEL_ID_MAX, &id, &err)) ||
	    (rc = jv_int(args, "service", false, 0, 1, MODEL_ID_MAX, &id, &err)) ||
	    (rc = kv_write(ledger_kv(m->l), adjust_txn, &a)))
		goto out_reply;
	auditq_flush(m->q);
	log_info("invoice.adjust %s by %s: %s", str(args, "invoice"), str(args, "actor"),
		 str(a.adj, "amount"));
	billrpc_count(m->s, "invoice.adjust", true);
	rpc_reply_ok(req, a.adj);
	json_decref(a.audit);
	return;
out_reply:
	json_decref(a.adj);
	json_decref(a.audit);
	billrpc_count(m->s, "invoice.adjust", false);
	run__reply_rc(req, rc, &err, "invoice.adjust");
}

amr_err run__adjustments(struct run *r)
{
	json_t *adj;
	size_t i;

	json_array_foreach(r->adjusts, i, adj) {
		uint32_t acc_id = (uint32_t)json_integer_value(json_object_get(adj, "account"));
		uint32_t prem_id = (uint32_t)json_integer_value(json_object_get(adj, "premises"));
		size_t acc, p;
		money_kop amount;
		json_t *l;
		struct jv_err e;
		amr_err rc;

		for (acc = 0; acc < r->naccounts && r->accounts[acc].id != acc_id; acc++)
			;
		for (p = 0; p < r->npremises && r->premises[p].id != prem_id; p++)
			;
		if (acc == r->naccounts || p == r->npremises ||
		    money_parse(str(adj, "amount"), "amount", true, &amount, &e)) {
			run__warn(r,
				  "adjustment %lld of invoice %s: its account or premises is gone",
				  (long long)json_integer_value(json_object_get(adj, "seq")),
				  str(adj, "invoice"));
			continue;
		}
		l = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O}", "code", str(adj, "code"),
			      "name", str(adj, "name") ? str(adj, "name") : "Корректировка",
			      "basis", "adjustment", "month", str(adj, "period"), "invoice",
			      str(adj, "invoice"), "amount", str(adj, "amount"), "reason",
			      str(adj, "reason"), "adjustment", json_object_get(adj, "seq"));
		if (l && json_object_get(adj, "service"))
			json_object_set(l, "service", json_object_get(adj, "service"));
		if (l)
			json_object_set(l, "actor", json_object_get(adj, "actor"));
		if ((rc = run__add_line(r, acc, run__entry_of(r, acc, p), l, BASIS_ADJUSTMENT,
					amount)))
			return rc;
		if (json_array_append_new(r->adjusted,
					  json_pack("{s:I, s:O}", "account", (json_int_t)acc_id,
						    "seq", json_object_get(adj, "seq"))))
			return AMR_ENOMEM;
	}
	return AMR_OK;
}
