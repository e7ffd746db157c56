/*
 * runissue.c - run.issue: a draft frozen in one transaction: its invoices
 * issued, a journal charge for each (and an adjustment for each month its
 * recalculations correct, and the penalties accrued to the day), the months billed by average or norm noted to
 * wait for readings, and the audit record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acctdebt.h"
#include "log.h"
#include "run.h"
#include "runint.h"

struct issue {
	runsvc *m;
	uint32_t building;
	char period[MONTH_LEN];
	const char *actor, *reason;
	json_t *run; /* the run as issued */
	json_t *audit;
	size_t invoices;	  /* issued */
	size_t entries;		  /* journal entries written */
	struct acctdebt_tables t; /* the organisation's due day, calendar, rates */
	money_kop penalties;	  /* charged by this issue */
	struct jv_err *err;
};

/* One journal entry of inv dated date (actor, reason: NULL for the
 * issue's actor and no reason). */
static int entry(struct issue *is, MDB_txn *txn, const json_t *inv, const char *date,
		 const char *kind, money_kop amount, const char *period, const char *reason,
		 const char *actor)
{
	char buf[MONEY_STR_MAX];
	uint64_t seq;
	json_t *e;
	int rc;

	if (!amount)
		return 0; /* the journal holds no zero entries */
	e = json_pack("{s:O, s:s, s:s, s:s, s:s, s:O, s:s, s:I}", "account",
		      json_object_get(inv, "account"), "date", date, "kind", kind, "amount",
		      money_format(amount, buf), "period", period, "invoice",
		      json_object_get(inv, "id"), "actor", actor ? actor : is->actor, "ts",
		      (json_int_t)svc_now());
	if (e && reason)
		json_object_set_new(e, "reason", json_string(reason));
	rc = e ? journal_add(is->m->j, txn, e, &seq) : AMR_ENOMEM;
	json_decref(e);
	is->entries += !rc;
	return rc;
}

/* An invoice's journal entries: its charge; an adjustment for each month
 * its recalculation lines correct; one for each adjustment line, with
 * its own reason and actor. */
static int invoice_entries(struct issue *is, MDB_txn *txn, json_t *inv, const char *date)
{
	json_t *recalc = json_object(), *p, *l, *v;
	money_kop charge = 0;
	const char *key;
	size_t i, k;
	int rc = 0;

	if (!recalc)
		return AMR_ENOMEM;
	json_array_foreach(json_object_get(inv, "premises"), i, p)
		json_array_foreach(json_object_get(p, "lines"), k, l) {
			const char *b = json_string_value(json_object_get(l, "basis"));
			const char *month = json_string_value(json_object_get(l, "month")) ?: "";
			money_kop a;
			struct jv_err e;

			if (rc || money_parse(json_string_value(json_object_get(l, "amount")) ?: "",
					      "amount", true, &a, &e))
				continue;
			if (!strcmp(b, "recalculation"))
				json_object_set_new(recalc, month,
						    json_integer(json_integer_value(json_object_get(
									 recalc, month)) +
								 a));
			else if (!strcmp(b, "adjustment"))
				rc = entry(is, txn, inv, date, "adjustment", a, month,
					   json_string_value(json_object_get(l, "reason")),
					   json_string_value(json_object_get(l, "actor")));
			else
				charge += a;
		}
	if (!rc)
		rc = entry(is, txn, inv, date, "charge", charge, is->period, NULL, NULL);
	json_object_foreach(recalc, key, v) {
		char why[160];

		snprintf(why, sizeof why, "recalculation of %s by the meter's readings", key);
		if (!rc)
			rc = entry(is, txn, inv, date, "adjustment",
				   (money_kop)json_integer_value(v), key, why, NULL);
	}
	json_decref(recalc);
	return rc;
}

/*
 * The penalties of inv's account accrued by date (the day of its charge)
 * that the journal has not charged yet, charged with this invoice: a
 * penalty entry of the period (negative when a payment made since at an
 * earlier rate lowered what had accrued), and "penalty" on the invoice.
 * Its charge is written first and is not due yet, so it accrues nothing.
 */
static int penalty_entry(struct issue *is, MDB_txn *txn, json_t *inv, const char *date)
{
	uint32_t account = (uint32_t)json_integer_value(json_object_get(inv, "account"));
	char buf[MONEY_STR_MAX], why[120];
	struct acctdebt d;
	money_kop due;
	cal_day at;
	int rc;

	cal_day_parse(date, &at);
	if ((rc = acctdebt_compute(is->m->j, txn, account, &is->t, at, &d, is->err))) {
		if (rc == AMR_ENOTFOUND) { /* a day that accrues has no key rate */
			char msg[sizeof is->err->msg];

			snprintf(msg, sizeof msg, "%s", is->err->msg);
			jv_fail(is->err,
				"penalties of account %u: %s; enter it with billing/rate.create",
				account, msg);
		}
		return rc;
	}
	due = d.pen.total - d.penalty_charged;
	acctdebt_free(&d);
	snprintf(why, sizeof why, "penalties accrued to %s (ЖК РФ ст. 155 ч. 14)", date);
	if ((rc = entry(is, txn, inv, date, "penalty", due, is->period, why, NULL)))
		return rc;
	is->penalties += due;
	return json_object_set_new(inv, "penalty", json_string(money_format(due, buf))) ? AMR_ENOMEM
											: 0;
}

static int collect_fn(const json_t *inv, void *arg)
{
	return json_array_append((json_t *)arg, (json_t *)inv) ? AMR_ENOMEM : 0;
}

struct pend {
	struct issue *is;
	MDB_txn *txn;
	struct month m;
	int rc;
};

/* A month billed by average or norm with a meter waits for readings. */
static int wait_fn(uint32_t premises, uint32_t service, const json_t *rec, void *arg)
{
	struct pend *p = arg;

	if (!json_is_true(json_object_get(rec, "pending")))
		return 0;
	return invstore_pending_set(p->is->m->is, p->txn, p->is->building, premises, service,
				    p->is->period, false);
}

/* A waiting month too old to be recalculated by a run is let go. */
static int old_fn(uint32_t premises, uint32_t service, const char *period, void *arg)
{
	struct pend *p = arg;
	struct month m;
	struct jv_err e;

	if (month_parse(period, "p", &m, &e) || month_diff(&m, &p->m) < RUN_RECALC_BACK)
		return 0;
	return invstore_pending_set(p->is->m->is, p->txn, p->is->building, premises, service,
				    period, true);
}

/* A draft made while another draft of a later month billed the same
 * recalculation or adjustment, and that one was issued first, would bill
 * it twice: refused, the draft is to be made again. */
static int still_waiting(struct issue *is, MDB_txn *txn)
{
	json_t *e;
	size_t i;
	int rc;

	json_array_foreach(json_object_get(is->run, "recalculated"), i, e) {
		const char *per = json_string_value(json_object_get(e, "period"));

		rc = per ? invstore_pending_has(
				   is->m->is, txn, is->building,
				   (uint32_t)json_integer_value(json_object_get(e, "premises")),
				   (uint32_t)json_integer_value(json_object_get(e, "service")), per)
			 : 0;
		if (rc < 0 || rc > 1)
			return rc;
		if (!rc) {
			jv_fail(is->err,
				"period: the draft recalculates %s of premises %lld, which an issue "
				"since has recalculated; make the draft again",
				per ? per : "?",
				(long long)json_integer_value(json_object_get(e, "premises")));
			return AMR_EEXIST;
		}
	}
	json_array_foreach(json_object_get(is->run, "adjusted"), i, e) {
		rc = invstore_adjust_has(
			is->m->is, txn, is->building,
			(uint32_t)json_integer_value(json_object_get(e, "account")),
			(uint64_t)json_integer_value(json_object_get(e, "seq")));
		if (rc < 0 || rc > 1)
			return rc;
		if (!rc) {
			jv_fail(is->err,
				"period: the draft bills adjustment %lld, which an issue since has "
				"billed; make the draft again",
				(long long)json_integer_value(json_object_get(e, "seq")));
			return AMR_EEXIST;
		}
	}
	return 0;
}

static int issue_txn(MDB_txn *txn, void *arg)
{
	struct issue *is = arg;
	struct invstore_filter f = { is->building, is->period, 0, NULL };
	struct pend pd = { is, txn, { 0, 0 }, 0 };
	json_t *invs = json_array(), *inv, *rc_rec;
	char date[11], pen[MONEY_STR_MAX];
	size_t i;
	int rc;

	json_decref(is->run);
	is->run = NULL;
	is->invoices = is->entries = 0;
	if (!invs)
		return AMR_ENOMEM;
	rc = invstore_run_get(is->m->is, txn, is->building, is->period, &is->run);
	if (rc == AMR_ENOTFOUND) {
		jv_fail(is->err,
			"period: there is no draft of building %u for %s; make one with "
			"billing/run.draft",
			is->building, is->period);
		goto out_free;
	}
	if (rc)
		goto out_free;
	if (!strcmp(json_string_value(json_object_get(is->run, "state")) ?: "", "issued")) {
		jv_fail(is->err, "period: %s of building %u is issued already", is->period,
			is->building);
		rc = AMR_EEXIST;
		goto out_free;
	}
	if ((rc = still_waiting(is, txn)))
		goto out_free;
	acctdebt_tables_free(&is->t);
	is->penalties = 0;
	{
		json_t *b = NULL;

		if ((rc = ledger_get(is->m->l, txn, MODEL_BUILDING, is->building, &b)) ||
		    (rc = acctdebt_tables_load(
			     is->m->l, txn, (uint32_t)json_integer_value(json_object_get(b, "org")),
			     &is->t))) {
			json_decref(b);
			goto out_free;
		}
		json_decref(b);
	}
	month_parse(is->period, "period", &pd.m, is->err);
	month_date(&pd.m, month_days(&pd.m), date);
	if ((rc = invstore_invoice_scan(is->m->is, txn, &f, collect_fn, invs)))
		goto out_free;
	json_array_foreach(invs, i, inv) {
		json_object_set_new(inv, "state", json_string("issued"));
		json_object_set_new(inv, "issued", json_integer(svc_now()));
		json_object_set_new(inv, "issued_by", json_string(is->actor));
		if ((rc = invoice_entries(is, txn, inv, date)) ||
		    (rc = penalty_entry(is, txn, inv, date)) ||
		    (rc = invstore_invoice_put(is->m->is, txn, inv)))
			goto out_free;
		is->invoices++;
	}
	/* the months this run billed by average or norm wait for readings; those
	 * it recalculated wait no more */
	if ((rc = invstore_prem_scan(is->m->is, txn, is->building, is->period, wait_fn, &pd)))
		goto out_free;
	json_array_foreach(json_object_get(is->run, "recalculated"), i, rc_rec) {
		const char *per = json_string_value(json_object_get(rc_rec, "period"));
		uint32_t p = (uint32_t)json_integer_value(json_object_get(rc_rec, "premises"));
		uint32_t s = (uint32_t)json_integer_value(json_object_get(rc_rec, "service"));
		json_t *was = NULL;

		if (!per)
			continue;
		if ((rc = invstore_pending_set(is->m->is, txn, is->building, p, s, per, true)))
			goto out_free;
		if (!invstore_prem_get(is->m->is, txn, is->building, per, p, s, &was)) {
			json_object_set_new(was, "recalculated", json_string(is->period));
			json_object_del(was, "pending");
			rc = invstore_prem_put(is->m->is, txn, is->building, per, p, s, was);
			json_decref(was);
			if (rc)
				goto out_free;
		}
	}
	if ((rc = invstore_pending_scan(is->m->is, txn, is->building, old_fn, &pd)))
		goto out_free;
	/* the adjustments this run billed wait no more */
	json_array_foreach(json_object_get(is->run, "adjusted"), i, rc_rec)
		if ((rc = invstore_adjust_del(
			     is->m->is, txn, is->building,
			     (uint32_t)json_integer_value(json_object_get(rc_rec, "account")),
			     (uint64_t)json_integer_value(json_object_get(rc_rec, "seq")))))
			goto out_free;
	json_object_set_new(is->run, "penalties", json_string(money_format(is->penalties, pen)));
	json_object_set_new(is->run, "state", json_string("issued"));
	json_object_set_new(is->run, "issued", json_integer(svc_now()));
	json_object_set_new(is->run, "issued_by", json_string(is->actor));
	if (is->reason)
		json_object_set_new(is->run, "reason", json_string(is->reason));
	if ((rc = invstore_run_put(is->m->is, txn, is->building, is->period, is->run)))
		goto out_free;
	rc = run__audit(is->m, txn, is->actor, "run.issue", is->building, is->period,
			json_pack("{s:I, s:O, s:s, s:I, s:s}", "invoices", (json_int_t)is->invoices,
				  "total", json_object_get(is->run, "total"), "penalties",
				  money_format(is->penalties, pen), "journal_entries",
				  (json_int_t)is->entries, "reason", is->reason ? is->reason : ""),
			&is->audit);
out_free:
	json_decref(invs);
	return rc;
}

void run__m_issue(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "building", "period", "actor", "reason", NULL };
	runsvc *m = ctx;
	struct jv_err err = { "" };
	struct issue is = { .m = m, .err = &err };
	struct month per;
	long long building;
	int rc;

	if ((rc = run__args(args, fields, &building, &per, &is.actor, &err)) ||
	    (rc = jv_str(args, "reason", false, NULL, 1, 500, &is.reason, &err)))
		goto out_reply;
	is.building = (uint32_t)building;
	month_format(&per, is.period);
	if (run__busy(m, is.building, is.period)) {
		rc = AMR_EEXIST;
		jv_fail(&err, "a run of building %u for %s is being made; issue it once it is done",
			is.building, is.period);
		goto out_reply;
	}
	if ((rc = kv_write(ledger_kv(m->l), issue_txn, &is)))
		goto out_reply;
	auditq_flush(m->q);
	log_info("run.issue building %u %s by %s: %zu invoices, %zu journal entries", is.building,
		 is.period, is.actor, is.invoices, is.entries);
	metric_add(metrics_get(m->s->metrics, METRIC_COUNTER, "amr_billing_invoices_issued_total",
			       NULL, "Invoices issued by run.issue."),
		   (int64_t)is.invoices);
	run__count_run(m, "issue", "ok");
	rpc_reply_ok(req, is.run);
	json_decref(is.audit);
	acctdebt_tables_free(&is.t);
	return;
out_reply:
	json_decref(is.run);
	json_decref(is.audit);
	acctdebt_tables_free(&is.t);
	run__count_run(m, "issue",
		       rc == AMR_ENOMEM || rc == AMR_EDB || rc == AMR_EIO ? "failed" : "refused");
	run__reply_rc(req, rc, &err, "run.issue");
}
