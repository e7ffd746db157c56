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
#include "tabout.h"

/* The fields every report takes. */
#define REPORT_ARGS "report", "format", "lang", RPC_FILE_ARGS

/* The reports: name, the fields of their own, the builder. */
static const struct {
	const char *name;
	const char *const fields[12];
	int (*build)(const struct report__ask *q, json_t **out);
} kinds[] = {
	{ "turnover", { REPORT_ARGS, "org", "from", "to", "building", NULL }, report__turnover },
	{ "charges", { REPORT_ARGS, "building", "period", NULL }, report__charges },
	{ "payments", { REPORT_ARGS, "org", "from", "to", "building", NULL }, report__payments },
	{ "debtors",
	  { REPORT_ARGS, "org", "date", "building", "group", "min_debt", NULL },
	  report__debtors },
	{ "balance", { REPORT_ARGS, "building", "period", "resource", NULL }, report__balance },
	{ "readings", { REPORT_ARGS, "building", "period", "service", NULL }, report__readings },
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static const char *const kind_names[] = { "turnover", "charges",  "payments", "debtors",
					  "balance",  "readings", NULL };
static const char *const formats[] = { "json", "csv", "xlsx", "pdf", NULL };
static const char *const langs[] = { "ru", "en", NULL };

amr_err report_create(report **out, struct svc *s, ledger *l, journal *j, invstore *is, archcl *a)
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
	recstore_close(r->imports);
	free(r);
}

static void count(report *r, const char *kind, bool ok)
{
	char labels[96];

	snprintf(labels, sizeof labels, "report=\"%s\",result=\"%s\"", kind, ok ? "ok" : "error");
	metric_add(metrics_get(r->s->metrics, METRIC_COUNTER, "amr_billing_reports_total", labels,
			       "Reports made (billing/report), by report and result."),
		   1);
}

/* The report args ask for, built in a read transaction into *out (new). */
static int build(report *r, const json_t *args, int *kind, int *format, json_t **out,
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
	rc = kinds[*kind].build(&q, out);
	mdb_txn_abort(q.txn);
	return rc;
}

/* t as tabout.h takes it: its own fields only, the rows' and the
 * totals' cells of the columns only (the extras are for programs reading
 * the JSON). A new value, NULL when out of memory. */
static json_t *for_file(const json_t *t)
{
	static const char *const fields[] = { "title", "subtitle",    "columns", "rows", "totals",
					      "chart", "orientation", "made",	 NULL };
	json_t *out = json_object(), *keys = json_object(), *rows = json_array(), *c, *r;
	const char *k;
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(t, "columns"), i, c)
		json_object_set(keys, json_string_value(json_object_get(c, "key")), json_true());
	for (i = 0; out && fields[i]; i++)
		if (json_object_get(t, fields[i]))
			json_object_set(out, fields[i], json_object_get(t, fields[i]));
	json_array_foreach(json_object_get(t, "rows"), i, r) {
		json_t *o = json_object();

		json_object_foreach((json_t *)r, k, v)
			if (json_object_get(keys, k))
				json_object_set(o, k, v);
		json_array_append_new(rows, o);
	}
	if (json_object_get(t, "totals")) {
		json_t *o = json_object();

		json_object_foreach(json_object_get(t, "totals"), k, v)
			if (json_object_get(keys, k))
				json_object_set(o, k, v);
		json_object_set_new(out, "totals", o);
	}
	json_decref(keys);
	if (!out || !rows || json_object_set_new(out, "rows", rows)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* The file's name: the report, what it covers, the format's extension
 * ("turnover-2026-10-01-2026-10-31.csv"). */
static void file_name(const char *kind, const json_t *t, enum tabout_format f, char *buf,
		      size_t size)
{
	const json_t *p = json_object_get(t, "params");
	const char *period = json_string_value(json_object_get(p, "period"));
	const char *from = json_string_value(json_object_get(p, "from"));
	const char *date = json_string_value(json_object_get(p, "date"));

	if (period)
		snprintf(buf, size, "%s-%s.%s", kind, period, tabout_ext(f));
	else if (from)
		snprintf(buf, size, "%s-%s-%s.%s", kind, from,
			 json_string_value(json_object_get(p, "to")) ?: "", tabout_ext(f));
	else if (date)
		snprintf(buf, size, "%s-%s.%s", kind, date, tabout_ext(f));
	else
		snprintf(buf, size, "%s.%s", kind, tabout_ext(f));
}

/* Render t as format and answer req with the chunk args ask for. */
static int reply_file(rpc_req *req, const char *kind, const json_t *t, const json_t *args,
		      int format, struct jv_err *err)
{
	enum tabout_format f;
	struct tabout_buf b = { 0 };
	json_t *clean;
	char name[128];
	int rc;

	if (!tabout_format_parse(formats[format], &f))
		return jv_fail(err, "format: %s is not a file format", formats[format]);
	if (!(clean = for_file(t)))
		return AMR_ENOMEM;
	rc = tabout_render(clean, f, &b, err);
	json_decref(clean);
	if (rc)
		return rc == AMR_EINVAL ? AMR_EIO : rc; /* a table tabout refuses is our fault */
	file_name(kind, t, f, name, sizeof name);
	rpc_file_reply(
		req,
		&(struct rpc_file){
			.data = b.data, .size = b.size, .name = name, .type = tabout_type(f) },
		args);
	tabout_buf_free(&b);
	return AMR_OK;
}

static void m_report(void *ctx, rpc_req *req, json_t *args)
{
	report *r = ctx;
	struct jv_err err = { "" };
	json_t *res = NULL;
	int kind, format = 0, rc;

	rc = build(r, args, &kind, &format, &res, &err);
	count(r, kind >= 0 ? kinds[kind].name : "unknown", rc == 0);
	if (!rc && format == 0) {
		rpc_reply_ok(req, res);
		return;
	}
	if (!rc && !(rc = reply_file(req, kinds[kind].name, res, args, format, &err))) {
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
	  "{report:turnover|charges|payments|debtors|balance|readings, ..its args, format?:json|csv|"
	  "xlsx|pdf, lang?:ru|en}: an accounting report as a table (docs/reports.md)" },
};
const size_t report_nmethods = sizeof report_methods / sizeof report_methods[0];
