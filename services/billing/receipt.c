/*
 * receipt.c - a receipt's JSON from an issued invoice, the journal and the
 * records the invoice names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acctdebt.h"
#include "calendar.h"
#include "money.h"
#include "qrpay.h"
#include "receipt.h"

const char *const receipt_langs[] = { "ru", "en", NULL };

/* The string field k of o, or NULL. */
static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Copy the fields keys of from into to, those that are there. */
static int copy(json_t *to, const json_t *from, const char *const *keys)
{
	for (; *keys; keys++) {
		json_t *v = json_object_get(from, *keys);

		if (v && !json_is_null(v) && json_object_set(to, *keys, v))
			return AMR_ENOMEM;
	}
	return 0;
}

static int get(ledger *l, MDB_txn *txn, enum model_kind k, const json_t *ref, json_t **out,
	       struct jv_err *err)
{
	uint32_t id = (uint32_t)json_integer_value(ref);
	int rc = ledger_get(l, txn, k, id, out);

	if (rc == AMR_ENOTFOUND)
		jv_fail(err, "%s %u is gone", model_kind_name(k), id);
	return rc;
}

/* The money of the receipt as its scan adds it (receipt.h). */
struct sums {
	const char *id;	     /* the invoice */
	const char *from;    /* the period's first day */
	money_kop opening;   /* before the period */
	money_kop paid;	     /* payments less reversals, as the journal signs them */
	money_kop charged;   /* this invoice's charge */
	money_kop recalc;    /* its recalculation lines */
	money_kop adjust;    /* its other adjustments, and other entries */
	money_kop penalties; /* its penalty */
};

static int sums_fn(const struct journal_entry *e, void *arg)
{
	struct sums *s = arg;
	const char *inv = str(e->rec, "invoice");
	int c = strcmp(e->date, s->from);

	if (inv && !strcmp(inv, s->id)) {
		if (e->kind == JOURNAL_CHARGE)
			s->charged += e->amount;
		else if (e->kind == JOURNAL_PENALTY)
			s->penalties += e->amount;
		else /* its recalculations and corrections: told apart by its lines */
			s->adjust += e->amount;
	} else if (e->kind == JOURNAL_PAYMENT || e->kind == JOURNAL_REVERSAL) {
		if (c < 0)
			s->opening += e->amount;
		else
			s->paid += e->amount;
	} else if (c <= 0) {
		s->opening += e->amount;
	} else {
		s->adjust += e->amount;
	}
	return 0;
}

static int money_set(json_t *o, const char *k, money_kop v)
{
	char buf[MONEY_STR_MAX];

	return json_object_set_new(o, k, json_string(money_format(v, buf))) ? AMR_ENOMEM : 0;
}

/* The sum of inv's recalculation lines into *out. Returns 0 or
 * AMR_EINVAL (an amount that is not money: a broken invoice). */
static int recalc_of(const json_t *inv, money_kop *out, struct jv_err *err)
{
	json_t *p, *l;
	size_t i, k;

	*out = 0;
	json_array_foreach(json_object_get(inv, "premises"), i, p)
		json_array_foreach(json_object_get(p, "lines"), k, l) {
			money_kop a;

			if (strcmp(str(l, "basis") ?: "", "recalculation"))
				continue;
			if (money_parse(str(l, "amount") ?: "", "amount", true, &a, err))
				return AMR_EINVAL;
			*out += a;
		}
	return 0;
}

/* The "money" block: the journal's sums, the due date. */
static int money_block(ledger *l, journal *j, MDB_txn *txn, const json_t *inv, uint32_t org,
		       json_t *rec, money_kop *total, struct jv_err *err)
{
	struct sums s = { str(inv, "id"), str(inv, "from"), 0, 0, 0, 0, 0, 0 };
	struct acctdebt_tables t;
	char due[16], to[16];
	json_t *m = json_object();
	cal_day day;
	int y, mo, rc;

	if (!m)
		return AMR_ENOMEM;
	json_object_set_new(rec, "money", m);
	cal_day_parse(str(inv, "to"), &day); /* the charge's day, P.to */
	cal_day_format(day + 1, to);	     /* journal_scan's end is open */
	if ((rc = journal_scan(j, txn,
			       (uint32_t)json_integer_value(json_object_get(inv, "account")), NULL,
			       to, sums_fn, &s)))
		return rc;
	/* of the adjustments its issue wrote, those of its recalculation lines */
	if ((rc = recalc_of(inv, &s.recalc, err)))
		return rc;
	s.adjust -= s.recalc;
	if ((rc = acctdebt_tables_load(l, txn, org, &t)))
		return rc == AMR_ENOTFOUND ? jv_fail(err, "org %u is gone", org), rc : rc;
	cal_period_parse(str(inv, "period"), &y, &mo);
	rc = cal_due_date(y, mo, t.due_day, t.ex, t.nex, &day, err);
	acctdebt_tables_free(&t);
	if (rc)
		return rc;
	*total = s.opening + s.paid + s.charged + s.recalc + s.adjust + s.penalties;
	if (json_object_set_new(m, "opening_date", json_string(s.from)) ||
	    json_object_set_new(m, "due", json_string(cal_day_format(day, due))) ||
	    money_set(m, "opening", s.opening) || money_set(m, "paid", -s.paid) ||
	    money_set(m, "charged", s.charged) || money_set(m, "recalculated", s.recalc) ||
	    money_set(m, "adjustments", s.adjust) || money_set(m, "penalties", s.penalties) ||
	    money_set(m, "total", *total))
		return AMR_ENOMEM;
	return 0;
}

/* The address of premises p (its record) in building b: "<building's>,
 * кв. 17" for a flat, "пом. 17" otherwise. new, or NULL. */
static json_t *premises_address(const json_t *b, const json_t *p)
{
	const char *kind = str(p, "kind") ?: "flat";
	char buf[600];

	snprintf(buf, sizeof buf, "%s, %s %s", str(b, "address") ?: "",
		 strcmp(kind, "flat") ? "пом." : "кв.", str(p, "number") ?: "");
	return json_string(buf);
}

/* The readings of service of premises entry pe, as a receipt line shows
 * them (new, or NULL when there are none). */
static json_t *line_readings(const json_t *pe, json_int_t service)
{
	json_t *out = NULL, *r;
	size_t i;

	json_array_foreach(json_object_get(pe, "readings"), i, r) {
		if (json_integer_value(json_object_get(r, "service")) != service)
			continue;
		if (!out && !(out = json_array()))
			return NULL;
		json_array_append_new(out, json_pack("{s:s, s:s?, s:s?}", "serial",
						     str(r, "serial") ?: str(r, "channel") ?: "",
						     "start", str(r, "start"), "end",
						     str(r, "end")));
	}
	return out;
}

/* The receipt's premises and lines from the invoice's premises entries. */
static int premises_lines(ledger *l, MDB_txn *txn, const json_t *inv, const json_t *b, json_t *rec,
			  struct jv_err *err)
{
	static const char *const pk[] = { "number", "area", "residents", "share",
					  "from",   "to",   "days",	 NULL };
	static const char *const lk[] = { "name",     "unit",	 "basis",      "line",
					  "quantity", "price",	 "amount",     "reason",
					  "month",    "percent", "instalment", NULL };
	json_t *prem = json_array(), *lines = json_array(), *pe, *ln;
	size_t i, k;
	int rc = 0;

	if (!prem || !lines || json_object_set_new(rec, "premises", prem) ||
	    json_object_set_new(rec, "lines", lines))
		return AMR_ENOMEM;
	json_array_foreach(json_object_get(inv, "premises"), i, pe) {
		json_t *p = NULL, *o = json_object(), *seen = json_object();

		if (!o || !seen || json_array_append_new(prem, o)) {
			json_decref(seen);
			return AMR_ENOMEM;
		}
		if ((rc = get(l, txn, MODEL_PREMISES, json_object_get(pe, "premises"), &p, err)) ||
		    (rc = copy(o, pe, pk)) ||
		    (json_object_set_new(o, "address", premises_address(b, p)) &&
		     (rc = AMR_ENOMEM))) {
			json_decref(p);
			json_decref(seen);
			return rc;
		}
		json_decref(p);
		json_array_foreach(json_object_get(pe, "lines"), k, ln) {
			json_t *x = json_object(), *rd = NULL;
			char sk[24];

			if (!x || json_array_append_new(lines, x) || copy(x, ln, lk)) {
				rc = AMR_ENOMEM;
				break;
			}
			/* a meter's readings go with the first line of its service */
			snprintf(sk, sizeof sk, "%lld",
				 (long long)json_integer_value(json_object_get(ln, "service")));
			if (!strcmp(str(ln, "basis") ?: "", "meter") &&
			    !json_object_get(seen, sk) &&
			    (rd = line_readings(
				     pe, json_integer_value(json_object_get(ln, "service"))))) {
				json_object_set_new(x, "readings", rd);
				json_object_set_new(seen, sk, json_true());
			}
		}
		json_decref(seen);
		if (rc)
			return rc;
	}
	return 0;
}

/* The payment QR code's text (qrpay.h) into rec's "qr". */
static int qr_block(const json_t *org, const json_t *acc, const json_t *rec, money_kop total,
		    json_t *out, struct jv_err *err)
{
	const json_t *p0 = json_array_get(json_object_get(rec, "premises"), 0);
	const char *period = str(rec, "period");
	char purpose[200], payload[QRPAY_MAX];
	struct qrpay q = { 0 };
	int rc;

	snprintf(purpose, sizeof purpose, "Оплата ЖКУ за %.2s.%.4s, л/с %s", period + 5, period,
		 str(acc, "number"));
	q.name = str(org, "name");
	q.personal_acc = str(org, "account");
	q.bank_name = str(org, "bank");
	q.bic = str(org, "bik");
	q.corresp_acc = str(org, "corr_account");
	q.payee_inn = str(org, "inn");
	q.kpp = str(org, "kpp");
	q.pers_acc = str(acc, "number");
	q.last_name = str(json_object_get(acc, "holder"), "name");
	q.payer_address = str(p0, "address");
	q.purpose = purpose;
	cal_period_parse(period, &q.period_year, &q.period_month);
	q.has_sum = total > 0;
	q.sum = total;
	if ((rc = qrpay_payload(&q, payload, sizeof payload, err))) {
		char msg[sizeof err->msg];

		snprintf(msg, sizeof msg, "%s", err->msg);
		jv_fail(err,
			"the payment QR code: %s; complete the organisation's bank details "
			"(billing/org.update)",
			msg);
		return rc;
	}
	if (json_object_set_new(out, "qr", json_string(payload)) ||
	    json_object_set_new(out, "to_pay", json_boolean(q.has_sum)))
		return AMR_ENOMEM;
	return 0;
}

amr_err receipt_build(ledger *l, journal *j, MDB_txn *txn, const json_t *inv, const char *lang,
		      json_t **out, struct jv_err *err)
{
	static const char *const orgk[] = { "name",  "inn",   "kpp",	      "account",
					    "bank",  "bik",   "corr_account", "address",
					    "phone", "email", "website",      NULL };
	json_t *b = NULL, *org = NULL, *acc = NULL, *rec = NULL, *payee, *a;
	money_kop total = 0;
	int rc;

	if (strcmp(str(inv, "state") ?: "", "issued")) {
		jv_fail(err, "invoice %s is a draft: issue its period first (billing/run.issue)",
			str(inv, "id"));
		return AMR_ESTATE;
	}
	if ((rc = get(l, txn, MODEL_BUILDING, json_object_get(inv, "building"), &b, err)) ||
	    (rc = get(l, txn, MODEL_ORG, json_object_get(b, "org"), &org, err)) ||
	    (rc = get(l, txn, MODEL_ACCOUNT, json_object_get(inv, "account"), &acc, err)))
		goto out_free;
	rc = AMR_ENOMEM;
	if (!(rec = json_pack("{s:O, s:O, s:s, s:{}, s:{}}", "id", json_object_get(inv, "id"),
			      "period", json_object_get(inv, "period"), "lang", lang, "payee",
			      "account")))
		goto out_free;
	payee = json_object_get(rec, "payee");
	a = json_object_get(rec, "account");
	if (copy(payee, org, orgk) ||
	    json_object_set(a, "number", json_object_get(acc, "number")) ||
	    json_object_set_new(a, "holder",
				json_string(str(json_object_get(acc, "holder"), "name") ?: "")) ||
	    copy(a, acc, (const char *const[]){ "email", "phone", NULL }))
		goto out_free;
	if ((rc = premises_lines(l, txn, inv, b, rec, err)) ||
	    (rc = money_block(l, j, txn, inv,
			      (uint32_t)json_integer_value(json_object_get(b, "org")), rec, &total,
			      err)) ||
	    (rc = qr_block(org, acc, rec, total, rec, err)))
		goto out_free;
	*out = rec;
	rec = NULL;
out_free:
	json_decref(rec);
	json_decref(acc);
	json_decref(org);
	json_decref(b);
	return rc;
}
