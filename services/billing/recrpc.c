/*
 * recrpc.c - receipts handed out: one account's, or a building's in one
 * PDF, each gathered from its issued invoice in one read transaction and
 * drawn by a worker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acctarg.h"
#include "billrpc.h"
#include "log.h"
#include "money.h"
#include "receipt.h"
#include "recdraw.h"
#include "recrpc.h"
#include "rpc_file.h"

#define RECEIPTS_MAX 20000 /* invoices in one building's PDF */

struct recrpc {
	struct svc *s; /* borrowed, as every field */
	ledger *l;
	journal *j;
	invstore *is;
	filejob *fj;
	restr *rs; /* its warnings on the receipts, or NULL */
};

static const char *const formats[] = { "pdf", "json", NULL };

amr_err recrpc_create(recrpc **out, struct svc *s, ledger *l, journal *j, invstore *is, filejob *fj,
		      restr *rs)
{
	recrpc *r = calloc(1, sizeof *r);

	if (!r)
		return AMR_ENOMEM;
	*r = (struct recrpc){ s, l, j, is, fj, rs };
	*out = r;
	return AMR_OK;
}

void recrpc_destroy(recrpc *r)
{
	free(r);
}

/* filejob_render for receipts: in is {"receipts":[..],"made":".."}. */
static amr_err render_pdf(const json_t *in, int opt, unsigned char **data, size_t *size,
			  struct jv_err *err)
{
	struct recdraw_buf b = { 0 };
	amr_err rc = recdraw_pdf(json_object_get(in, "receipts"),
				 json_string_value(json_object_get(in, "made")), &b, err);

	(void)opt;
	if (!rc) {
		*data = b.data;
		*size = b.size;
	}
	return rc;
}

/* The time t (UTC seconds) as the PDF's creation date "YYYY-MM-DDTHH:MM:SSZ". */
static json_t *made_of(json_int_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* The file of one receipt or of a building's (named name, borrowed). */
static struct filejob_file file_of(const char *name, bool one)
{
	return (struct filejob_file){ render_pdf, 0, name, "application/pdf",
				      one ? "receipt" : "receipts" };
}

/* An invoice's receipt's file name, into name (96 bytes). */
static void name_of(const json_t *inv, char *name, size_t size)
{
	snprintf(name, size, "receipt-%s-%s.pdf", json_string_value(json_object_get(inv, "period")),
		 json_string_value(json_object_get(inv, "number")));
}

/* Answer req with the receipts (takes) as JSON or as the file name. */
static void hand_out(recrpc *r, rpc_req *req, const json_t *args, int format, json_t *receipts,
		     json_int_t issued, const char *name, bool one)
{
	struct filejob_file f = file_of(name, one);
	json_t *in;

	if (format == 1) { /* json */
		rpc_reply_ok(req, one ? json_incref(json_array_get(receipts, 0))
				      : json_pack("{s:o}", "receipts", receipts));
		if (one)
			json_decref(receipts);
		return;
	}
	if (!(in = json_pack("{s:o, s:o}", "receipts", receipts, "made", made_of(issued)))) {
		rpc_reply_err(req, "internal", "out of memory");
		return;
	}
	filejob_serve(r->fj, req, args, in, &f);
}

static void reply_err(rpc_req *req, int rc, const struct jv_err *err)
{
	if (rc == AMR_ESTATE)
		rpc_reply_err(req, "conflict", "%s", err->msg);
	else
		rpc_reply_rc(req, rc, "%s", err->msg[0] ? err->msg : amr_strerror(rc));
}

/* The invoice args name (new): "invoice", or "account" and "period" (and
 * "building" when the account has invoices in more than one). */
struct find {
	const json_t *inv; /* the first found (borrowed for the scan) */
	json_t *copy;	   /* kept */
	size_t n;	   /* how many */
};

static int find_fn(const json_t *inv, void *arg)
{
	struct find *f = arg;

	if (!f->n++ && !(f->copy = json_deep_copy(inv)))
		return AMR_ENOMEM;
	return 0;
}

static int invoice_arg(recrpc *r, MDB_txn *txn, const json_t *args, json_t **out,
		       struct jv_err *err)
{
	struct invstore_filter flt = { 0 };
	struct find f = { 0 };
	char period[MONTH_LEN];
	const char *id, *p;
	uint32_t account;
	long long building;
	struct month m;
	int rc;

	if ((rc = jv_str(args, "invoice", false, NULL, 1, INVSTORE_ID_LEN, &id, err)))
		return rc;
	if (id) {
		uint32_t b, a;

		if (!invstore_id_parse(id, period, &b, &a))
			return jv_fail(err, "invoice: \"%s\" is not an invoice id (2026-10/1/17)",
				       id);
		if ((rc = invstore_invoice_get(r->is, txn, b, period, a, out)) == AMR_ENOTFOUND)
			jv_fail(err, "invoice: there is no invoice %s", id);
		return rc;
	}
	if ((rc = acctarg_get(r->l, txn, args, &account, NULL, err)) ||
	    (rc = jv_str(args, "period", true, NULL, 7, 7, &p, err)) ||
	    (rc = jv_int(args, "building", false, 0, 1, MODEL_ID_MAX, &building, err)))
		return rc;
	if ((rc = month_parse(p, "period", &m, err)))
		return rc;
	flt = (struct invstore_filter){ (uint32_t)building, p, account, NULL };
	if ((rc = invstore_invoice_scan(r->is, txn, &flt, find_fn, &f)))
		goto out_free;
	if (!f.n) {
		jv_fail(err, "account: account %u has no invoice of %s", account, p);
		return AMR_ENOTFOUND;
	}
	if (f.n > 1) {
		rc = jv_fail(err,
			     "building: account %u has invoices of %s in %zu buildings: "
			     "name the building",
			     account, p, f.n);
		goto out_free;
	}
	*out = f.copy;
	return 0;
out_free:
	json_decref(f.copy);
	return rc;
}

/* The account of invoice inv. */
static uint32_t account_of(const json_t *inv)
{
	return (uint32_t)json_integer_value(json_object_get(inv, "account"));
}

static void m_receipt(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "invoice",     "account",	 "org",	 "number",
					      "period",	     "building", "lang", "format",
					      RPC_FILE_ARGS, NULL };
	recrpc *r = ctx;
	struct jv_err err = { "" };
	json_t *inv = NULL, *rec = NULL, *arr;
	int rc, lang, format;
	MDB_txn *txn = NULL;
	char name[96];

	if (filejob_serve_next(r->fj, req, "receipt", args))
		return; /* a next chunk of the file it began with */
	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_enum(args, "lang", false, 0, receipt_langs, &lang, &err)) ||
	    (rc = jv_enum(args, "format", false, 0, formats, &format, &err)) ||
	    (rc = kv_read_begin(ledger_kv(r->l), &txn)) ||
	    (rc = invoice_arg(r, txn, args, &inv, &err)) ||
	    (rc = receipt_build(r->l, r->j, txn, inv, receipt_langs[lang], &rec, &err)) ||
	    (rc = restr_receipt_notice(r->rs, txn, account_of(inv), receipt_langs[lang], rec)))
		goto out_reply;
	mdb_txn_abort(txn);
	txn = NULL;
	name_of(inv, name, sizeof name);
	if (!(arr = json_array()) || json_array_append_new(arr, rec)) {
		json_decref(arr);
		rc = AMR_ENOMEM;
		goto out_reply;
	}
	rec = NULL;
	billrpc_count(r->s, "receipt", true);
	hand_out(r, req, args, format, arr, json_integer_value(json_object_get(inv, "issued")),
		 name, true);
	json_decref(inv);
	return;
out_reply:
	if (txn)
		mdb_txn_abort(txn);
	json_decref(rec);
	json_decref(inv);
	billrpc_count(r->s, "receipt", false);
	reply_err(req, rc, &err);
}

/* What a building's receipts are gathered with. */
struct gather {
	recrpc *r;
	MDB_txn *txn;
	const char *lang;
	json_t *receipts;  /* as gathered */
	json_int_t issued; /* the latest invoice's issue */
	struct jv_err *err;
};

static int gather_fn(const json_t *inv, void *arg)
{
	struct gather *g = arg;
	json_t *rec;
	int rc;

	if (json_array_size(g->receipts) >= RECEIPTS_MAX)
		return jv_fail(g->err, "building: more than %d invoices in one PDF", RECEIPTS_MAX);
	if ((rc = receipt_build(g->r->l, g->r->j, g->txn, inv, g->lang, &rec, g->err)))
		return rc;
	if ((rc = restr_receipt_notice(g->r->rs, g->txn, account_of(inv), g->lang, rec))) {
		json_decref(rec);
		return rc;
	}
	if (json_integer_value(json_object_get(inv, "issued")) > g->issued)
		g->issued = json_integer_value(json_object_get(inv, "issued"));
	return json_array_append_new(g->receipts, rec) ? AMR_ENOMEM : 0;
}

/* Premises order: by the first premises' number, its digits as a number
 * ("2" before "10", "10а" after "10"). */
static int premises_cmp(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(
		json_array_get(json_object_get(*(json_t *const *)a, "premises"), 0), "number"));
	const char *y = json_string_value(json_object_get(
		json_array_get(json_object_get(*(json_t *const *)b, "premises"), 0), "number"));
	char *ex, *ey;
	unsigned long nx = strtoul(x ?: "", &ex, 10), ny = strtoul(y ?: "", &ey, 10);

	if (nx != ny)
		return nx < ny ? -1 : 1;
	return strcmp(ex, ey);
}

static int sort_receipts(json_t *arr)
{
	size_t n = json_array_size(arr), i;
	json_t **v = malloc((n ? n : 1) * sizeof *v);

	if (!v)
		return AMR_ENOMEM;
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof *v, premises_cmp);
	json_array_clear(arr);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
	return 0;
}

static void m_receipts(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "building", "period",	 "lang",
					      "format",	  RPC_FILE_ARGS, NULL };
	recrpc *r = ctx;
	struct jv_err err = { "" };
	struct gather g = { r, NULL, NULL, json_array(), 0, &err };
	struct invstore_filter flt = { 0 };
	json_t *run = NULL;
	long long building;
	const char *period;
	int rc, lang, format;
	struct month m;
	char name[96];

	if (filejob_serve_next(r->fj, req, "receipts", args)) {
		json_decref(g.receipts);
		return; /* a next chunk of the file it began with */
	}
	if (!g.receipts) {
		rc = AMR_ENOMEM;
		goto out_reply;
	}
	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_int(args, "building", true, 0, 1, MODEL_ID_MAX, &building, &err)) ||
	    (rc = jv_str(args, "period", true, NULL, 7, 7, &period, &err)) ||
	    (rc = jv_enum(args, "lang", false, 0, receipt_langs, &lang, &err)) ||
	    (rc = jv_enum(args, "format", false, 0, formats, &format, &err)))
		goto out_reply;
	if ((rc = month_parse(period, "period", &m, &err)))
		goto out_reply;
	if ((rc = kv_read_begin(ledger_kv(r->l), &g.txn)))
		goto out_reply;
	if ((rc = invstore_run_get(r->is, g.txn, (uint32_t)building, period, &run))) {
		if (rc == AMR_ENOTFOUND)
			jv_fail(&err, "period: building %lld has no run of %s (billing/run.draft)",
				building, period);
		goto out_reply;
	}
	if (strcmp(json_string_value(json_object_get(run, "state")) ?: "", "issued")) {
		rc = AMR_ESTATE;
		jv_fail(&err,
			"period: the run of building %lld for %s is a draft: issue it first "
			"(billing/run.issue)",
			building, period);
		goto out_reply;
	}
	g.lang = receipt_langs[lang];
	flt = (struct invstore_filter){ (uint32_t)building, period, 0, NULL };
	if ((rc = invstore_invoice_scan(r->is, g.txn, &flt, gather_fn, &g)) ||
	    (rc = sort_receipts(g.receipts)))
		goto out_reply;
	mdb_txn_abort(g.txn);
	g.txn = NULL;
	json_decref(run);
	snprintf(name, sizeof name, "receipts-%s-building-%lld.pdf", period, building);
	billrpc_count(r->s, "receipts", true);
	hand_out(r, req, args, format, g.receipts, g.issued, name, false);
	return;
out_reply:
	if (g.txn)
		mdb_txn_abort(g.txn);
	json_decref(run);
	json_decref(g.receipts);
	billrpc_count(r->s, "receipts", false);
	reply_err(req, rc, &err);
}

int recrpc_receipt_file(recrpc *r, MDB_txn *txn, const json_t *inv, json_t **in,
			struct filejob_file *f, char *name, size_t size, struct jv_err *err)
{
	json_t *rec = NULL;
	int rc;

	if ((rc = receipt_build(r->l, r->j, txn, inv, receipt_langs[0], &rec, err)) ||
	    (rc = restr_receipt_notice(r->rs, txn, account_of(inv), receipt_langs[0], rec))) {
		json_decref(rec);
		return rc;
	}
	if (!(*in = json_pack("{s:[o], s:o}", "receipts", rec, "made",
			      made_of(json_integer_value(json_object_get(inv, "issued"))))))
		return AMR_ENOMEM;
	name_of(inv, name, size);
	*f = file_of(name, true);
	return 0;
}

filejob *recrpc_filejob(const recrpc *r)
{
	return r->fj;
}

const struct rpc_method recrpc_methods[] = {
	{ "receipt", m_receipt,
	  "{invoice | account,period,building?; lang?:ru|en, format?:pdf|json}: an issued "
	  "invoice's receipt with its payment QR code, a PDF in chunks (offset, sha256)" },
	{ "receipts", m_receipts,
	  "{building,period,lang?,format?}: the receipts of a building's issued period, one "
	  "page each in premises order, one PDF in chunks" },
};
const size_t recrpc_nmethods = sizeof recrpc_methods / sizeof recrpc_methods[0];
