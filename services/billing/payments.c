/*
 * payments.c - the payments module: its databases, metrics and method
 * table, and the helpers its methods share (the account a request names,
 * dates, periods, entries, audit records, answers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "billrpc.h"
#include "log.h"
#include "payments_int.h"

static const char *const result_names[PAYMENTS__RESULTS] = {
	[PAYMENTS__TAKEN] = "taken",
	[PAYMENTS__SKIPPED] = "skipped",
	[PAYMENTS__SUSPENSE] = "suspense",
	[PAYMENTS__REFUSED] = "refused",
};

const char *payments__result_name(enum payments__result r)
{
	return result_names[r];
}

static int open_fn(uint32_t id, const json_t *rec, void *arg)
{
	(void)id;
	*(int64_t *)arg += !strcmp(json_string_value(json_object_get(rec, "state")), "open");
	return 0;
}

/* Open suspense lines counted, for the gauge at start. */
static void count_open(payments *p)
{
	int64_t n = 0;
	MDB_txn *txn;

	if (kv_read_begin(ledger_kv(p->l), &txn))
		return;
	if (!recstore_scan(p->susp, txn, 0, open_fn, &n))
		metric_set(p->m_open, n);
	mdb_txn_abort(txn);
}

amr_err payments_create(payments **out, struct svc *s, ledger *l, journal *j, auditq *q)
{
	payments *p = calloc(1, sizeof *p);
	char labels[64];
	amr_err rc;

	if (!p)
		return AMR_ENOMEM;
	*p = (struct payments){ .s = s, .l = l, .j = j, .q = q };
	if ((rc = recstore_open(&p->susp, ledger_kv(l), "susp", "suspense line")) ||
	    (rc = recstore_open(&p->imports, ledger_kv(l), "payimp", "registry import")) ||
	    (rc = payments__uploads_create(&p->up))) {
		payments_destroy(p);
		return rc;
	}
	p->m_manual = metrics_get(
		s->metrics, METRIC_COUNTER, "amr_billing_payments_total", "source=\"manual\"",
		"Payments entered, by source: manual (payment.create) or registry "
		"(a bank registry's line, or a suspense line assigned).");
	p->m_registry = metrics_get(s->metrics, METRIC_COUNTER, "amr_billing_payments_total",
				    "source=\"registry\"", NULL);
	for (int r = 0; r < PAYMENTS__RESULTS; r++) {
		snprintf(labels, sizeof labels, "result=\"%s\"", result_names[r]);
		p->m_lines[r] = metrics_get(s->metrics, METRIC_COUNTER,
					    "amr_billing_payment_lines_total", labels,
					    "Lines of bank registries applied, by what became of "
					    "them.");
	}
	p->m_open = metrics_get(s->metrics, METRIC_GAUGE, "amr_billing_suspense_open", NULL,
				"Payments in the suspense list not yet assigned to an account.");
	count_open(p);
	*out = p;
	return AMR_OK;
}

void payments_destroy(payments *p)
{
	if (!p)
		return;
	payments__uploads_destroy(p->up);
	recstore_close(p->imports);
	recstore_close(p->susp);
	free(p);
}

void payments__reply(payments *p, const char *method, rpc_req *req, int rc,
		     const struct jv_err *err, json_t *result)
{
	billrpc_reply(p->s, method, req, rc, err, result);
}

void payments__today(char out[MODEL_DATE_LEN])
{
	time_t now = (time_t)svc_now();
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(out, MODEL_DATE_LEN, "%Y-%m-%d", &tm);
}

amr_err payments__date(const json_t *args, const char *field, const char *def, bool past_only,
		       char out[MODEL_DATE_LEN], struct jv_err *err)
{
	char today[MODEL_DATE_LEN];
	const char *s;
	amr_err rc;

	if (def && !json_object_get(args, field)) {
		snprintf(out, MODEL_DATE_LEN, "%s", def);
		return AMR_OK;
	}
	if ((rc = jv_str(args, field, true, NULL, 0, 20, &s, err)))
		return rc;
	if (!model_date_ok(s))
		return jv_fail(err, "%s: \"%s\" is not a date (YYYY-MM-DD)", field, s);
	payments__today(today);
	if (past_only && strcmp(s, today) > 0)
		return jv_fail(err, "%s: %s is after today (%s)", field, s, today);
	snprintf(out, MODEL_DATE_LEN, "%s", s);
	return AMR_OK;
}

bool payments__period_ok(const char *s)
{
	char d[MODEL_DATE_LEN];

	return strlen(s) == 7 && snprintf(d, sizeof d, "%s-01", s) == 10 && model_date_ok(d);
}

amr_err payments__period(const json_t *args, const char *field, char out[JOURNAL_PERIOD_LEN],
			 struct jv_err *err)
{
	const char *s;
	amr_err rc;

	out[0] = '\0';
	if ((rc = jv_str(args, field, false, NULL, 0, 20, &s, err)) || !s)
		return rc;
	if (!payments__period_ok(s))
		return jv_fail(err, "%s: \"%s\" is not a month (YYYY-MM)", field, s);
	snprintf(out, JOURNAL_PERIOD_LEN, "%s", s);
	return AMR_OK;
}

json_t *payments__entry(uint32_t account, const char *date, enum journal_kind kind,
			money_kop amount, const char *actor)
{
	char buf[MONEY_STR_MAX];

	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "account", (json_int_t)account, "date",
			 date, "kind", journal_kind_name(kind), "amount", money_format(amount, buf),
			 "actor", actor, "ts", (json_int_t)svc_now());
}

json_t *payments__line_entry(const json_t *line, uint32_t account, const char *actor)
{
	static const char *const copied[] = { "period", "bank", "payer", "import", "line", NULL };
	const char *amount = json_string_value(json_object_get(line, "amount"));
	const char *date = json_string_value(json_object_get(line, "date"));
	struct jv_err err = { "" };
	money_kop paid;
	json_t *e, *v;

	if (!amount || !date || money_parse(amount, "amount", false, &paid, &err) ||
	    !(e = payments__entry(account, date, JOURNAL_PAYMENT, -paid, actor)))
		return NULL;
	for (size_t i = 0; copied[i]; i++)
		if ((v = json_object_get(line, copied[i])) && json_object_set(e, copied[i], v))
			goto out_free;
	if (json_object_set(e, "payment", json_object_get(line, "reference")) ||
	    json_object_set_new(e, "source", json_string("registry")))
		goto out_free;
	return e;
out_free:
	json_decref(e);
	return NULL;
}

int payments__audit(payments *p, MDB_txn *txn, const char *actor, const char *action,
		    const char *target, json_t *detail, const char *reason)
{
	json_t *rec;
	int rc;

	if (!detail || json_object_set_new(detail, "reason", json_string(reason ? reason : ""))) {
		json_decref(detail);
		return AMR_ENOMEM;
	}
	rec = json_pack("{s:I, s:s, s:s, s:s, s:o}", "ts", (json_int_t)svc_now(), "actor", actor,
			"action", action, "target", target, "detail", detail);
	if (!rec)
		return AMR_ENOMEM;
	rc = auditq_append(p->q, txn, rec);
	json_decref(rec);
	return rc;
}

const struct rpc_method payments_methods[] = {
	{ "payment.create", payments__create,
	  "{actor,reason?,account|org+number,date,amount,period?,penalties_first?,reference?,"
	  "payer?}: a payment received; audited" },
	{ "payment.import", payments__import,
	  "{actor,reason?,org,bank,name,text (base64),apply?,upload?,part?,parts?,sha256?}: a "
	  "bank registry, previewed or applied in one transaction; audited" },
	{ "payment.reverse", payments__reverse,
	  "{seq,actor,reason,date?}: сторно of a payment, once; audited" },
	{ "suspense.list", payments__suspense_list,
	  "{org?,state?:open|assigned,after?,limit?}: payments nobody was found for" },
	{ "suspense.assign", payments__suspense_assign,
	  "{id,account,actor,reason}: a suspense payment to an account; audited" },
	{ "account.opening", payments__opening,
	  "{account,actor,reason,date,items:[{period,amount}]}: входящее сальдо; audited" },
	{ "account.balance", payments__balance,
	  "{account|org+number,date?}: what the account owes at the end of date" },
	{ "account.statement", payments__statement,
	  "{account|org+number,from?,to?}: its entries in date order with the sums of each "
	  "kind" },
};
const size_t payments_nmethods = sizeof payments_methods / sizeof payments_methods[0];
