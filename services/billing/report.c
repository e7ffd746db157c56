/*
 * report.c - billing/report: the arguments every report takes, the
 * report a request names built in one read transaction, and the answer
 * (the table's JSON).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reportint.h"
#include "rpc_file.h"

/* build() handed the request to a report that answers it later. */
#define REPORT_LATER (-1)

/* The fields every report takes. */
#define REPORT_ARGS "report", "format", "lang", RPC_FILE_ARGS

/* The reports: name, the fields of their own, the builder. */
static const struct {
	const char *name;
	const char *const fields[14];
	int (*build)(const struct report__ask *q, json_t **out);
	int (*start)(const struct report__ask *q, rpc_req *req, const char *format);
} kinds[] = {
	{ "turnover",
	  { REPORT_ARGS, "org", "from", "to", "building", NULL },
	  report__turnover,
	  NULL },
	{ "charges", { REPORT_ARGS, "building", "period", NULL }, report__charges, NULL },
	{ "payments",
	  { REPORT_ARGS, "org", "from", "to", "building", NULL },
	  report__payments,
	  NULL },
	{ "debtors",
	  { REPORT_ARGS, "org", "date", "building", "group", "min_debt", NULL },
	  report__debtors,
	  NULL },
	{ "balance",
	  { REPORT_ARGS, "building", "period", "resource", NULL },
	  report__balance,
	  NULL },
	{ "readings",
	  { REPORT_ARGS, "building", "period", "service", NULL },
	  report__readings,
	  NULL },
	{ "consumption",
	  { REPORT_ARGS, "account", "group", "service", "from", "to", "step", NULL },
	  NULL,
	  report__consumption },
	{ "distribution",
	  { REPORT_ARGS, "building", "service", "from", "to", NULL },
	  NULL,
	  report__distribution },
	{ "usage",
	  { REPORT_ARGS, "account", "service", "from", "to", "step", NULL },
	  NULL,
	  report__usage },
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static const char *const kind_names[] = { "turnover", "charges",  "payments",	 "debtors",
					  "balance",  "readings", "consumption", "distribution",
					  "usage",    NULL };
static const char *const formats[] = { "json", "csv", "xlsx", "pdf", NULL };
static const char *const langs[] = { "ru", "en", NULL };

amr_err report_create(report **out, struct svc *s, ledger *l, journal *j, invstore *is, archcl *a,
		      filejob *fj)
{
	report *r = calloc(1, sizeof *r);
	amr_err rc;

	if (!r)
		return AMR_ENOMEM;
	r->s = s;
	r->l = l;
	r->j = j;
	r->is = is;
	r->a = a;
	r->fj = fj;
	if ((rc = recstore_open(&r->imports, ledger_kv(l), "payimp", "registry import"))) {
		free(r);
		return rc;
	}
	*out = r;
	return AMR_OK;
}

void report_destroy(report *r)
{
	if (!r)
		return;
	report__jobs_stop(r);
	recstore_close(r->imports);
	free(r);
}

void report__count(report *r, const char *kind, bool ok)
{
	char labels[96];

	snprintf(labels, sizeof labels, "report=\"%s\",result=\"%s\"", kind, ok ? "ok" : "error");
	metric_add(metrics_get(r->s->metrics, METRIC_COUNTER, "amr_billing_reports_total", labels,
			       "Reports made (billing/report), by report and result."),
		   1);
}

/* The report args ask for, built in a read transaction into *out (new). */
static int build(report *r, rpc_req *req, const json_t *args, int *kind, int *format, json_t **out,
		 struct jv_err *err)
{
	struct report__ask q = { .r = r, .args = args, .err = err };
	int lang = 0, rc;

	*kind = -1;
	if ((rc = jv_enum(args, "report", true, 0, kind_names, kind, err)) ||
	    (rc = jv_only(args, kinds[*kind].fields, err)) ||
	    (rc = jv_enum(args, "format", false, 0, formats, format, err)) ||
	    (rc = jv_enum(args, "lang", false, 0, langs, &lang, err)))
		return rc;
	q.en = lang == 1;
	if ((rc = kv_read_begin(ledger_kv(r->l), &q.txn)))
		return rc;
	if (kinds[*kind].start) {
		/* req is answered once the archives have: nothing more to do here */
		rc = kinds[*kind].start(&q, req, formats[*format]);
		mdb_txn_abort(q.txn);
		return rc ? rc : REPORT_LATER;
	}
	rc = kinds[*kind].build(&q, out);
	mdb_txn_abort(q.txn);
	return rc;
}

static void m_report(void *ctx, rpc_req *req, json_t *args)
{
	report *r = ctx;
	struct jv_err err = { "" };
	json_t *res = NULL;
	int kind, format = 0, rc;

	if (filejob_serve_next(r->fj, req, "report", args))
		return; /* a next chunk of the file it began with */
	rc = build(r, req, args, &kind, &format, &res, &err);
	if (rc == REPORT_LATER)
		return; /* counted and answered when the archives have answered */
	report__count(r, kind >= 0 ? kinds[kind].name : "unknown", rc == 0);
	if (!rc && format == 0) {
		rpc_reply_ok(req, res);
		return;
	}
	if (!rc &&
	    !(rc = report__file(r, req, kinds[kind].name, res, args, formats[format], &err))) {
		json_decref(res);
		return;
	}
	json_decref(res);
	if (rc != AMR_EINVAL && rc != AMR_ENOTFOUND)
		log_error("report %s: %s", kind >= 0 ? kinds[kind].name : "?",
			  err.msg[0] ? err.msg : amr_strerror(rc));
	if (err.msg[0])
		rpc_reply_rc(req, rc, "%s", err.msg);
	else
		rpc_reply_rc(req, rc, "report: %s", amr_strerror(rc));
}

const struct rpc_method report_methods[] = {
	{ "report", m_report,
	  "{report:turnover|charges|payments|debtors|balance|readings|consumption|distribution|usage, "
	  "..its args, format?:json|csv|xlsx|pdf, lang?:ru|en}: an accounting report as a table "
	  "or a file (docs/reports.md)" },
};
const size_t report_nmethods = sizeof report_methods / sizeof report_methods[0];
