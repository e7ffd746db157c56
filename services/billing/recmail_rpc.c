/*
 * recmail_rpc.c - receipts.email and receipts.sent: a building's issued
 * period's receipts put in the pipeline once per invoice, audited, and
 * each invoice's message read back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billrpc.h"
#include "log.h"
#include "month.h"
#include "recmail_int.h"

#define LIST_INVOICES_MAX 20000 /* invoices of one building's period answered at most */

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The issued run of building's period inside txn, else an error naming
 * the field. */
static int issued_run(recmail *m, MDB_txn *txn, long long building, const char *period,
		      struct jv_err *err)
{
	json_t *run = NULL;
	int rc = invstore_run_get(m->is, txn, (uint32_t)building, period, &run);

	if (rc == AMR_ENOTFOUND)
		jv_fail(err, "period: building %lld has no run of %s (billing/run.draft)", building,
			period);
	else if (!rc && strcmp(str(run, "state") ?: "", "issued")) {
		rc = AMR_ESTATE;
		jv_fail(err,
			"period: the run of building %lld for %s is a draft: issue it first "
			"(billing/run.issue)",
			building, period);
	}
	json_decref(run);
	return rc;
}

/* A receipts.email being made. */
struct email {
	recmail *m;
	MDB_txn *txn;
	long long building;
	const char *period, *actor, *reason;
	json_t *queued;	    /* invoice ids put in the pipeline */
	json_t *no_address; /* [{"account","number","why"}] */
	size_t invoices, already;
	struct jv_err *err;
};

static int email_fn(const json_t *inv, void *arg)
{
	struct email *e = arg;
	const char *id = str(inv, "id");
	json_t *acc = NULL, *rec = NULL;
	const char *to;
	char ref[INVSTORE_ID_LEN + 32];
	int rc;

	e->invoices++;
	if (!id)
		return 0;
	if (!(rc = recmail__get(e->m, e->txn, id, &rec))) {
		e->already++; /* once per invoice: asked before */
		json_decref(rec);
		return 0;
	}
	if (rc != AMR_ENOTFOUND)
		return rc;
	if ((rc = ledger_get(e->m->l, e->txn, MODEL_ACCOUNT,
			     (uint32_t)json_integer_value(json_object_get(inv, "account")), &acc)))
		return rc;
	to = str(acc, "email");
	if (!to || !notecl_email_ok(to)) {
		rc = json_array_append_new(
			     e->no_address,
			     json_pack("{s:O, s:O, s:s}", "account",
				       json_object_get(inv, "account"), "number",
				       json_object_get(acc, "number"), "why",
				       to ? "the e-mail address is not one" : "no e-mail address"))
			     ? AMR_ENOMEM
			     : 0;
		json_decref(acc);
		return rc;
	}
	snprintf(ref, sizeof ref, REF_PREFIX "%s/email", id);
	rec = json_pack("{s:s, s:O, s:O, s:s, s:s, s:s, s:I, s:s}", "invoice", id, "account",
			json_object_get(inv, "account"), "number", json_object_get(acc, "number"),
			"to", to, "ref", ref, "state", "drawing", "ts", (json_int_t)svc_now(),
			"actor", e->actor);
	json_decref(acc);
	if (!rec)
		return AMR_ENOMEM;
	rc = recmail__put(e->m, e->txn, id, rec);
	json_decref(rec);
	if (!rc && json_array_append_new(e->queued, json_string(id)))
		rc = AMR_ENOMEM;
	return rc;
}

static int email_txn(MDB_txn *txn, void *arg)
{
	struct email *e = arg;
	struct invstore_filter flt = { (uint32_t)e->building, e->period, 0, NULL };
	char target[64];
	json_t *audit;
	int rc;

	e->txn = txn;
	e->invoices = e->already = 0;
	json_array_clear(e->queued);
	json_array_clear(e->no_address);
	if ((rc = issued_run(e->m, txn, e->building, e->period, e->err)) ||
	    (rc = invstore_invoice_scan(e->m->is, txn, &flt, email_fn, e)))
		return rc;
	if (!json_array_size(e->queued))
		return 0; /* nothing changes, nothing to audit */
	snprintf(target, sizeof target, "billing/receipts/%lld/%s", e->building, e->period);
	audit = json_pack("{s:I, s:s, s:s, s:s, s:{s:O, s:O, s:s}}", "ts", (json_int_t)svc_now(),
			  "actor", e->actor, "action", "receipts.email", "target", target, "detail",
			  "invoices", e->queued, "no_address", e->no_address, "reason",
			  e->reason ? e->reason : "");
	if (!audit)
		return AMR_ENOMEM;
	rc = auditq_append(e->m->q, txn, audit);
	json_decref(audit);
	return rc;
}

static void m_email(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "building", "period", "actor", "reason", NULL };
	struct jv_err err = { "" };
	struct email e = { .m = ctx, .err = &err };
	json_t *res = NULL, *v;
	struct month mo;
	size_t i;
	int rc;

	e.queued = json_array();
	e.no_address = json_array();
	if (!e.queued || !e.no_address) {
		rc = AMR_ENOMEM;
		goto out_reply;
	}
	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_int(args, "building", true, 0, 1, MODEL_ID_MAX, &e.building, &err)) ||
	    (rc = jv_str(args, "period", true, NULL, 7, 7, &e.period, &err)) ||
	    (rc = jv_str(args, "actor", true, NULL, 1, 100, &e.actor, &err)) ||
	    (rc = jv_str(args, "reason", false, NULL, 1, 500, &e.reason, &err)) ||
	    (rc = month_parse(e.period, "period", &mo, &err)))
		goto out_reply;
	if ((rc = kv_write(ledger_kv(e.m->l), email_txn, &e)))
		goto out_reply;
	if (json_array_size(e.queued)) {
		char prefix[KEY_PREFIX];

		auditq_flush(e.m->q);
		snprintf(prefix, sizeof prefix, "%s/%lld/", e.period, e.building);
		json_object_set_new(e.m->open, prefix, json_true());
		json_array_foreach(e.queued, i, v)
			json_array_append(e.m->todo, v);
		recmail__pump(e.m);
	}
	log_info("receipts.email: building %lld, %s by %s: %zu queued, %zu before, %zu without "
		 "an address",
		 e.building, e.period, e.actor, json_array_size(e.queued), e.already,
		 json_array_size(e.no_address));
	if (!(res = json_pack("{s:I, s:s, s:I, s:I, s:I, s:O}", "building", (json_int_t)e.building,
			      "period", e.period, "invoices", (json_int_t)e.invoices, "queued",
			      (json_int_t)json_array_size(e.queued), "already",
			      (json_int_t)e.already, "no_address", e.no_address)))
		rc = AMR_ENOMEM;
out_reply:
	json_decref(e.queued);
	json_decref(e.no_address);
	billrpc_reply(e.m->s, "receipts.email", req, rc, &err, res);
}

/* A receipts.sent being read. */
struct sent {
	recmail *m;
	MDB_txn *txn;
	json_t *rows;	/* one per invoice */
	json_t *counts; /* state -> how many */
};

static int sent_fn(const json_t *inv, void *arg)
{
	static const char *const keep[] = { "to", "ref", "reason", "ts", "bytes", "sha256", NULL };
	struct sent *t = arg;
	json_t *rec = NULL, *row;
	const char *state;
	int rc = recmail__get(t->m, t->txn, str(inv, "id") ?: "", &rec);

	if (rc && rc != AMR_ENOTFOUND)
		return rc;
	if (json_array_size(t->rows) >= LIST_INVOICES_MAX) {
		json_decref(rec);
		return 1;
	}
	state = rec ? str(rec, "state") : "none";
	row = json_pack("{s:O, s:O, s:O, s:s}", "invoice", json_object_get(inv, "id"), "account",
			json_object_get(inv, "account"), "number", json_object_get(inv, "number"),
			"state", state ? state : "none");
	for (size_t i = 0; row && rec && keep[i]; i++)
		if (json_object_get(rec, keep[i]))
			json_object_set(row, keep[i], json_object_get(rec, keep[i]));
	json_object_set_new(t->counts, state ? state : "none",
			    json_integer(json_integer_value(json_object_get(
						 t->counts, state ? state : "none")) +
					 1));
	json_decref(rec);
	return !row || json_array_append_new(t->rows, row) ? AMR_ENOMEM : 0;
}

static void m_sent(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "building", "period", NULL };
	struct jv_err err = { "" };
	struct sent t = { .m = ctx, .rows = json_array(), .counts = json_object() };
	struct invstore_filter flt = { 0 };
	json_t *res = NULL;
	long long building;
	const char *period;
	struct month mo;
	int rc;

	if (!t.rows || !t.counts) {
		rc = AMR_ENOMEM;
		goto out_reply;
	}
	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_int(args, "building", true, 0, 1, MODEL_ID_MAX, &building, &err)) ||
	    (rc = jv_str(args, "period", true, NULL, 7, 7, &period, &err)) ||
	    (rc = month_parse(period, "period", &mo, &err)) ||
	    (rc = kv_read_begin(ledger_kv(t.m->l), &t.txn)))
		goto out_reply;
	flt = (struct invstore_filter){ (uint32_t)building, period, 0, NULL };
	if (!(rc = issued_run(t.m, t.txn, building, period, &err)) &&
	    (rc = invstore_invoice_scan(t.m->is, t.txn, &flt, sent_fn, &t)) == 1)
		rc = 0;
	mdb_txn_abort(t.txn);
	if (!rc && !(res = json_pack("{s:I, s:s, s:O, s:O}", "building", (json_int_t)building,
				     "period", period, "counts", t.counts, "invoices", t.rows)))
		rc = AMR_ENOMEM;
out_reply:
	json_decref(t.rows);
	json_decref(t.counts);
	billrpc_reply(t.m->s, "receipts.sent", req, rc, &err, res);
}

const struct rpc_method recmail_methods[] = {
	{ "receipts.email", m_email,
	  "{building,period,actor,reason?}: e-mail every issued receipt of the period to its "
	  "account's address through amr-notify, once per invoice; answers how many were queued "
	  "and which accounts have no address; audited" },
	{ "receipts.sent", m_sent,
	  "{building,period}: the state of each invoice's e-mail (none, drawing, queued, sent, "
	  "failed)" },
};
const size_t recmail_nmethods = sizeof recmail_methods / sizeof recmail_methods[0];
