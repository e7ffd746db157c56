/*
 * invoice.c - the billing run's read methods: run.get, run.list,
 * invoice.get, invoice.list and building.balance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billrpc.h"
#include "model.h"
#include "run.h"
#include "runint.h"

#define INV_PAGE     100 /* invoices in a list answer by default */
#define INV_PAGE_MAX 200 /* and at most: an invoice is up to a few KB, an answer under 1 MB */

/* One answer made in a read transaction. */
typedef int (*read_fn)(runsvc *m, MDB_txn *txn, const json_t *args, json_t **res,
		       struct jv_err *err);

static void answer(runsvc *m, rpc_req *req, const json_t *args, const char *method, read_fn fn)
{
	struct jv_err err = { "" };
	json_t *res = NULL;
	MDB_txn *txn;
	int rc;

	if (!(rc = kv_read_begin(ledger_kv(m->l), &txn))) {
		rc = fn(m, txn, args, &res, &err);
		mdb_txn_abort(txn);
	}
	billrpc_count(m->s, method, rc == 0);
	if (rc) {
		json_decref(res);
		run__reply_rc(req, rc, &err, method);
	} else {
		rpc_reply_ok(req, res);
	}
}

static int period_arg(const json_t *args, bool required, char *period, struct jv_err *err)
{
	const char *s;
	struct month m;

	period[0] = 0;
	if (jv_str(args, "period", required, NULL, 1, 16, &s, err))
		return AMR_EINVAL;
	if (s && month_parse(s, "period", &m, err))
		return AMR_EINVAL;
	if (s)
		month_format(&m, period);
	return AMR_OK;
}

static int run_of(runsvc *m, MDB_txn *txn, const json_t *args, const char *const *fields,
		  json_t **run, struct jv_err *err)
{
	long long building;
	char period[MONTH_LEN];
	int rc;

	if (jv_only(args, fields, err) ||
	    jv_int(args, "building", true, 0, 1, MODEL_ID_MAX, &building, err) ||
	    period_arg(args, true, period, err))
		return AMR_EINVAL;
	rc = invstore_run_get(m->is, txn, (uint32_t)building, period, run);
	if (rc == AMR_ENOTFOUND)
		jv_fail(err, "period: building %lld has no run for %s", building, period);
	return rc;
}

static int get_fn(runsvc *m, MDB_txn *txn, const json_t *args, json_t **res, struct jv_err *err)
{
	static const char *const fields[] = { "building", "period", NULL };

	return run_of(m, txn, args, fields, res, err);
}

void run__m_get(void *ctx, rpc_req *req, json_t *args)
{
	answer(ctx, req, args, "run.get", get_fn);
}

static int list_run_fn(const json_t *run, void *arg)
{
	json_t *copy = json_deep_copy(run);

	/* the list is a table of runs: the details are run.get's */
	json_object_del(copy, "warnings");
	json_object_del(copy, "balance");
	json_object_del(copy, "recalculated");
	return json_array_append_new(arg, copy) ? AMR_ENOMEM : 0;
}

static int list_fn(runsvc *m, MDB_txn *txn, const json_t *args, json_t **res, struct jv_err *err)
{
	static const char *const fields[] = { "building", NULL };
	json_t *arr = json_array();
	long long building;
	int rc;

	if (jv_only(args, fields, err) ||
	    jv_int(args, "building", false, 0, 1, MODEL_ID_MAX, &building, err)) {
		json_decref(arr);
		return AMR_EINVAL;
	}
	if (!arr)
		return AMR_ENOMEM;
	rc = invstore_run_scan(m->is, txn, (uint32_t)building, list_run_fn, arr);
	*res = json_pack("{s:o}", "runs", arr);
	return rc ? rc : *res ? 0 : AMR_ENOMEM;
}

void run__m_list(void *ctx, rpc_req *req, json_t *args)
{
	answer(ctx, req, args, "run.list", list_fn);
}

static int invoice_get_fn(runsvc *m, MDB_txn *txn, const json_t *args, json_t **res,
			  struct jv_err *err)
{
	static const char *const fields[] = { "id", NULL };
	char period[MONTH_LEN];
	uint32_t building, account;
	const char *id;
	int rc;

	if (jv_only(args, fields, err) || jv_str(args, "id", true, NULL, 1, 40, &id, err))
		return AMR_EINVAL;
	if (!invstore_id_parse(id, period, &building, &account))
		return jv_fail(err,
			       "id: \"%s\" is not an invoice id (period/building/account, e.g. "
			       "\"2026-10/1/17\")",
			       id);
	rc = invstore_invoice_get(m->is, txn, building, period, account, res);
	if (rc == AMR_ENOTFOUND)
		jv_fail(err, "id: there is no invoice %s", id);
	return rc;
}

void run__m_invoice_get(void *ctx, rpc_req *req, json_t *args)
{
	answer(ctx, req, args, "invoice.get", invoice_get_fn);
}

struct page {
	json_t *arr;
	size_t limit;
	bool more;
};

static int page_fn(const json_t *inv, void *arg)
{
	struct page *p = arg;

	if (json_array_size(p->arr) >= p->limit) {
		p->more = true;
		return 1;
	}
	return json_array_append(p->arr, (json_t *)inv) ? AMR_ENOMEM : 0;
}

static int invoice_list_fn(runsvc *m, MDB_txn *txn, const json_t *args, json_t **res,
			   struct jv_err *err)
{
	static const char *const fields[] = { "building", "period", "account",
					      "after",	  "limit",  NULL };
	struct page p = { json_array(), 0, false };
	long long building, account, limit;
	char period[MONTH_LEN], pa[MONTH_LEN];
	const char *after;
	uint32_t b, a;
	int rc;

	if (jv_only(args, fields, err) ||
	    jv_int(args, "building", false, 0, 1, MODEL_ID_MAX, &building, err) ||
	    jv_int(args, "account", false, 0, 1, MODEL_ID_MAX, &account, err) ||
	    jv_int(args, "limit", false, INV_PAGE, 1, INV_PAGE_MAX, &limit, err) ||
	    jv_str(args, "after", false, NULL, 1, 40, &after, err) ||
	    period_arg(args, false, period, err))
		rc = AMR_EINVAL;
	else if (after && !invstore_id_parse(after, pa, &b, &a))
		rc = jv_fail(err, "after: \"%s\" is not an invoice id", after);
	else if (!p.arr)
		rc = AMR_ENOMEM;
	else {
		struct invstore_filter f = { (uint32_t)building, period[0] ? period : NULL,
					     (uint32_t)account, after };

		p.limit = (size_t)limit;
		rc = invstore_invoice_scan(m->is, txn, &f, page_fn, &p);
	}
	if (rc) {
		json_decref(p.arr);
		return rc;
	}
	*res = json_pack("{s:o}", "invoices", p.arr);
	if (*res && p.more)
		json_object_set(
			*res, "next",
			json_object_get(json_array_get(p.arr, json_array_size(p.arr) - 1), "id"));
	return *res ? 0 : AMR_ENOMEM;
}

void run__m_invoice_list(void *ctx, rpc_req *req, json_t *args)
{
	answer(ctx, req, args, "invoice.list", invoice_list_fn);
}

static int balance_fn(runsvc *m, MDB_txn *txn, const json_t *args, json_t **res, struct jv_err *err)
{
	static const char *const fields[] = { "building", "period", "resource", NULL };
	json_t *run = NULL, *items, *it;
	const char *resource;
	int rc, ri = -1;
	size_t i;

	if (jv_enum(args, "resource", false, -1, model_resources, &ri, err))
		return AMR_EINVAL;
	if ((rc = run_of(m, txn, args, fields, &run, err)))
		return rc;
	resource = ri >= 0 ? model_resources[ri] : NULL;
	if (!(items = json_array())) {
		json_decref(run);
		return AMR_ENOMEM;
	}
	json_array_foreach(json_object_get(run, "balance"), i, it)
		if (!resource ||
		    !strcmp(json_string_value(json_object_get(it, "resource")) ?: "", resource))
			json_array_append(items, it);
	*res = json_pack("{s:O, s:O, s:O, s:o}", "building", json_object_get(run, "building"),
			 "period", json_object_get(run, "period"), "state",
			 json_object_get(run, "state"), "resources", items);
	json_decref(run);
	return *res ? 0 : AMR_ENOMEM;
}

void run__m_balance(void *ctx, rpc_req *req, json_t *args)
{
	answer(ctx, req, args, "building.balance", balance_fn);
}
