/*
 * run.c - the billing run's methods: what the drafts and issues share
 * (counters, arguments, audit records, the run's summary) and the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "run.h"
#include "runint.h"

amr_err run_create(runsvc **out, struct svc *s, ledger *l, invstore *is, journal *j, auditq *q,
		   archcl *a)
{
	runsvc *m = calloc(1, sizeof *m);

	if (!m)
		return AMR_ENOMEM;
	*m = (runsvc){ s, l, is, j, q, a, NULL };
	*out = m;
	return AMR_OK;
}

void run_destroy(runsvc *m)
{
	if (!m)
		return;
	while (m->drafts) {
		struct run__draft *d = m->drafts;

		m->drafts = d->next;
		rpc_reply_err(d->req, "shutdown", "amr-billing is stopping");
		run__draft_free(d);
	}
	free(m);
}

void run__reply_rc(rpc_req *req, int rc, const struct jv_err *err, const char *what)
{
	if (err->msg[0])
		rpc_reply_rc(req, rc, "%s", err->msg);
	else
		rpc_reply_rc(req, rc, "%s: %s", what, amr_strerror(rc));
}

void run__count_run(runsvc *m, const char *what, const char *result)
{
	char labels[96];

	snprintf(labels, sizeof labels, "method=\"%s\",result=\"%s\"", what, result);
	metric_add(
		metrics_get(m->s->metrics, METRIC_COUNTER, "amr_billing_runs_total", labels,
			    "Billing runs (run.draft, run.issue) by result: ok, refused, failed."),
		1);
}

struct run__draft *run__busy(runsvc *m, uint32_t building, const char *period)
{
	for (struct run__draft *d = m->drafts; d; d = d->next)
		if (d->r->building == building && !strcmp(d->r->ctx[0].period, period))
			return d;
	return NULL;
}

/* "2026-12-31T21:00:00Z" */
char *run__utc(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

json_t *run__summary(const struct run *r, int64_t made)
{
	json_t *lines = json_object(), *amounts = json_object(), *s;
	char buf[MONEY_STR_MAX], from[32], to[32];
	money_kop total = 0;
	size_t invoices = 0;

	for (size_t a = 0; a < r->naccounts; a++)
		if (r->accounts[a].inv) {
			invoices++;
			total += r->accounts[a].total;
		}
	for (int b = 0; b < BASIS_END; b++)
		if (r->nlines[b]) {
			json_object_set_new(lines, basis_name((enum basis_kind)b),
					    json_integer((json_int_t)r->nlines[b]));
			json_object_set_new(amounts, basis_name((enum basis_kind)b),
					    json_string(money_format(r->amounts[b], buf)));
		}
	s = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:o, s:o, s:O, s:O, "
		      "s:O, s:O, s:I}",
		      "building", (json_int_t)r->building, "period", r->ctx[0].period, "state",
		      "draft", "tz", r->tz, "from", run__utc(r->ctx[0].t[0], from, sizeof from),
		      "to", run__utc(r->ctx[0].t[r->ctx[0].days], to, sizeof to), "made",
		      (json_int_t)made, "actor", r->actor, "invoices", (json_int_t)invoices,
		      "total", money_format(total, buf), "lines", lines, "amounts", amounts,
		      "balance", r->balance ? r->balance : json_null(), "recalculated",
		      r->recalcs ? r->recalcs : json_null(), "adjusted",
		      r->adjusted ? r->adjusted : json_null(), "warnings", r->warnings,
		      "warnings_total", (json_int_t)r->nwarnings);
	return s;
}

int run__audit(runsvc *m, MDB_txn *txn, const char *actor, const char *action, uint32_t building,
	       const char *period, json_t *detail, json_t **out)
{
	char target[64];

	snprintf(target, sizeof target, "billing/run/%u/%s", building, period);
	json_decref(*out);
	*out = json_pack("{s:I, s:s, s:s, s:s, s:o}", "ts", (json_int_t)svc_now(), "actor", actor,
			 "action", action, "target", target, "detail", detail);
	if (!*out)
		return AMR_ENOMEM;
	return auditq_append(m->q, txn, *out);
}

/* building, period and actor of a run's request. */
int run__args(const json_t *args, const char *const *fields, long long *building, struct month *m,
	      const char **actor, struct jv_err *err)
{
	const char *period;

	if (jv_only(args, fields, err) ||
	    jv_int(args, "building", true, 0, 1, MODEL_ID_MAX, building, err) ||
	    jv_str(args, "period", true, NULL, 1, 16, &period, err) ||
	    month_parse(period, "period", m, err) ||
	    (actor && jv_str(args, "actor", true, NULL, 1, 100, actor, err)))
		return AMR_EINVAL;
	return AMR_OK;
}

const struct rpc_method run_methods[] = {
	{ "run.draft", run__m_draft,
	  "{building,period:\"YYYY-MM\",actor}: every account's invoice of an ended month as the "
	  "draft; audited" },
	{ "run.issue", run__m_issue,
	  "{building,period,actor,reason?}: the draft issued, journal charges; audited" },
	{ "run.get", run__m_get, "{building,period}: the run's summary" },
	{ "run.list", run__m_list, "{building?}: every run's summary, by building and period" },
	{ "invoice.get", run__m_invoice_get, "{id:\"2026-10/1/17\"}: the invoice" },
	{ "invoice.list", run__m_invoice_list,
	  "{building?,period?,account?,after?,limit?}: invoices, \"next\" when more follow" },
	{ "invoice.adjust", run__m_adjust,
	  "{invoice,actor,reason,amount,premises?,service?}: a correction of an issued invoice, "
	  "billed on the account's next invoice; audited" },
	{ "building.balance", run__m_balance,
	  "{building,period,resource?}: house meter, premises, difference, ОДН per resource" },
};
const size_t run_nmethods = sizeof run_methods / sizeof run_methods[0];
