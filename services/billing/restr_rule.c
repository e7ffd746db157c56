/*
 * restr_rule.c - what Правила 354 let a debt restrict: the service
 * (п. 117, 119), the outputs of the account's premises that cut it, and
 * whether the debt passes two months' charges at the norm (п. 118).
 *
 * "Two months at the norm" is the service's norm (units per registered
 * resident a month) x the residents of the premises the account holds x
 * the price of the tariff version in force on the first day of the month,
 * twice; a time-of-use tariff's norm is priced at its first zone, as the
 * billing run prices a norm. A premises with nobody registered counts one
 * resident (п. 56(2) counts the owners then; the ledger knows one holder).
 * The debt compared is the account's principal past its due date: the
 * journal keeps an account's debt, not a debt per service.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acctdebt.h"
#include "restr_int.h"
#include "tariff.h"

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static long long num(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

const char *restr__refusal(const char *code)
{
	static const char *const ok[] = { "hot_water", "electricity", "gas", NULL };

	if (!code)
		return "only hot_water, electricity and gas may be restricted (Правила 354 п. 117)";
	for (size_t i = 0; ok[i]; i++)
		if (!strcmp(code, ok[i]))
			return NULL;
	if (!strcmp(code, "heat"))
		return "heating may never be restricted (Правила 354 п. 119)";
	if (!strcmp(code, "cold_water"))
		return "cold water in an apartment building may not be restricted (Правила 354 "
		       "п. 119)";
	return "only hot_water, electricity and gas may be restricted (Правила 354 п. 117)";
}

cal_day restr__today(void)
{
	time_t now = (time_t)svc_now();
	struct tm tm;

	localtime_r(&now, &tm);
	return cal_day_of(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* [from, to) of rec's "from" and "to" (open when absent) covers day at. */
static bool in_force(const json_t *rec, cal_day at)
{
	cal_day from = CAL_DAY_OPEN, to = CAL_DAY_OPEN;

	if (!cal_day_parse(str(rec, "from"), &from))
		return false;
	if (str(rec, "to") && !cal_day_parse(str(rec, "to"), &to))
		return false;
	return from <= at && at < to;
}

/* What the scans look for and collect. */
struct look {
	restr *r;
	MDB_txn *txn;
	cal_day at;
	const char *code;
	struct restr__rule *u;
	const json_t *held;  /* premises ids held (a JSON array of integers) */
	uint32_t tariff;     /* the tariff with a version in force, 0: none */
	int kind;	     /* its kind */
	json_t *version;     /* that version (new), NULL: none */
	uint32_t version_id; /* its id */
	struct jv_err *err;
};

static int service_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct look *k = arg;

	if ((uint32_t)num(rec, "org") != k->u->org || !str(rec, "code") ||
	    strcmp(str(rec, "code"), k->code))
		return 0;
	k->u->service = id;
	return 1;
}

static bool holds(const json_t *held, long long premises)
{
	size_t i;
	json_t *v;

	json_array_foreach(held, i, v)
		if (json_integer_value(v) == premises)
			return true;
	return false;
}

static int meter_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct look *k = arg;

	if ((uint32_t)num(rec, "service") != k->u->service || !str(rec, "output") ||
	    !holds(k->held, num(rec, "premises")) || !in_force(rec, k->at))
		return 0;
	return json_array_append_new(k->u->outputs,
				     json_pack("{s:I, s:I, s:O, s:O}", "premises",
					       (json_int_t)num(rec, "premises"), "meter",
					       (json_int_t)id, "channel",
					       json_object_get(rec, "channel"), "output",
					       json_object_get(rec, "output")))
		       ? AMR_ENOMEM
		       : 0;
}

static int tariff_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct look *k = arg;

	if ((uint32_t)num(rec, "org") != k->u->org ||
	    (uint32_t)num(rec, "service") != k->u->service)
		return 0;
	k->tariff = id;
	k->kind = tariff_kind_parse(str(rec, "kind"));
	return 0;
}

/* The month's first day: versions start on first days (docs/billing.md). */
static cal_day month_start(cal_day at)
{
	int y, m, d;

	cal_ymd(at, &y, &m, &d);
	return cal_day_of(y, m, 1);
}

static int version_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct look *k = arg;

	if ((uint32_t)num(rec, "tariff") != k->tariff || !in_force(rec, month_start(k->at)))
		return 0;
	k->version = json_deep_copy(rec);
	k->version_id = id;
	return k->version ? 1 : AMR_ENOMEM;
}

/* The premises acc holds on at, into u->premises, and their residents. */
static int held_premises(struct look *k, const json_t *acc, json_t *held, long long *residents)
{
	size_t i;
	json_t *h;
	int rc;

	*residents = 0;
	json_array_foreach(json_object_get(acc, "premises"), i, h) {
		uint32_t pid = (uint32_t)num(h, "premises");
		json_t *p = NULL;
		long long n;

		if (!in_force(h, k->at))
			continue;
		if ((rc = ledger_get(k->r->l, k->txn, MODEL_PREMISES, pid, &p)))
			return rc;
		n = num(p, "residents");
		*residents += n > 0 ? n : 1;
		rc = json_array_append_new(k->u->premises,
					   json_pack("{s:I, s:O, s:O}", "premises", (json_int_t)pid,
						     "number", json_object_get(p, "number"),
						     "building", json_object_get(p, "building"))) ||
		     json_array_append_new(held, json_integer(pid));
		json_decref(p);
		if (rc)
			return AMR_ENOMEM;
	}
	return 0;
}

/* The price a norm is charged at: a time-of-use tariff's first zone. */
static int norm_price(struct look *k, int64_t *price)
{
	struct tariff_version v;

	if (tariff_version_parse((enum tariff_kind)k->kind, k->version, &v, k->err))
		return AMR_EINVAL;
	switch ((enum tariff_kind)k->kind) {
	case TARIFF_PER_UNIT:
	case TARIFF_TIERED:
		*price = v.price;
		return 0;
	case TARIFF_TOU2:
	case TARIFF_TOU3:
		*price = v.zone_price[0];
		return 0;
	default:
		return jv_fail(k->err,
			       "service: tariff %u of %s is of kind %s, which has no price per "
			       "unit to price its norm with",
			       k->tariff, k->code, tariff_kind_name((enum tariff_kind)k->kind));
	}
}

/* The norm, the price and the two months (п. 118) into u. */
static int threshold(struct look *k, const json_t *svc, long long residents)
{
	struct restr__rule *u = k->u;
	struct money_qty norm, qty;
	char b1[MONEY_STR_MAX], b2[MONEY_STR_MAX], b3[MONEY_STR_MAX], day[CAL_DATE_LEN];
	int64_t price = 0;
	int rc;

	if (!str(svc, "norm"))
		return jv_fail(k->err,
			       "service: service %u (%s) has no norm (service.norm): п. 118 "
			       "compares the debt with two months' charges at the norm",
			       u->service, k->code);
	if (money_qty_parse(str(svc, "norm"), "norm", &norm, k->err))
		return AMR_EINVAL;
	if ((rc = ledger_scan(k->r->l, k->txn, MODEL_TARIFF, 0, tariff_fn, k)))
		return rc;
	if (k->tariff &&
	    (rc = ledger_scan(k->r->l, k->txn, MODEL_TARIFF_VERSION, 0, version_fn, k)))
		return rc;
	if (!k->version)
		return jv_fail(k->err, "service: no tariff of %s has a version in force on %s",
			       k->code, cal_day_format(month_start(k->at), day));
	if ((rc = norm_price(k, &price)))
		return rc;
	if (money_qty_mul(&norm, residents, &qty) || money_line(price, &qty, &u->month) ||
	    u->month > MONEY_MAX / 2)
		return jv_fail(k->err,
			       "service: two months at the norm would pass the largest sum");
	u->threshold = 2 * u->month;
	u->basis = json_pack(
		"{s:s, s:I, s:s, s:I, s:I, s:s, s:s}", "norm", str(svc, "norm"), "residents",
		(json_int_t)residents, "price", money_price_format(price, b1), "tariff",
		(json_int_t)k->tariff, "version", (json_int_t)k->version_id, "month",
		money_format(u->month, b2), "threshold", money_format(u->threshold, b3));
	return u->basis ? 0 : AMR_ENOMEM;
}

int restr__overdue(restr *r, MDB_txn *txn, uint32_t org, uint32_t account, cal_day at,
		   money_kop *out, struct jv_err *err)
{
	struct acctdebt_tables t = { 0 };
	struct acctdebt ad = { 0 };
	int rc;

	if ((rc = acctdebt_tables_load(r->l, txn, org, &t)))
		return rc;
	if (!(rc = acctdebt_compute(r->j, txn, account, &t, at, &ad, err)))
		*out = ad.overdue;
	acctdebt_free(&ad);
	acctdebt_tables_free(&t);
	return rc;
}

int restr__rule_get(restr *r, MDB_txn *txn, uint32_t account, const json_t *acc, const char *code,
		    cal_day at, struct restr__rule *out, struct jv_err *err)
{
	struct look k = { .r = r, .txn = txn, .at = at, .code = code, .u = out, .err = err };
	const char *why = restr__refusal(code);
	json_t *svc = NULL, *held = json_array();
	char day[CAL_DATE_LEN];
	long long residents;
	int rc;

	memset(out, 0, sizeof *out);
	out->org = (uint32_t)num(acc, "org");
	if (!held || !(out->premises = json_array()) || !(out->outputs = json_array())) {
		rc = AMR_ENOMEM;
		goto out_fail;
	}
	if (why) {
		rc = jv_fail(err, "service: %s", why);
		goto out_fail;
	}
	if ((rc = ledger_scan(r->l, txn, MODEL_SERVICE, 0, service_fn, &k)))
		goto out_fail;
	if (!out->service) {
		rc = jv_fail(err, "service: organisation %u has no %s service", out->org, code);
		goto out_fail;
	}
	if ((rc = ledger_get(r->l, txn, MODEL_SERVICE, out->service, &svc)) ||
	    (rc = held_premises(&k, acc, held, &residents)))
		goto out_fail;
	if (!json_array_size(held)) {
		rc = jv_fail(err, "account: account %u holds no premises on %s", account,
			     cal_day_format(at, day));
		goto out_fail;
	}
	k.held = held;
	if ((rc = ledger_scan(r->l, txn, MODEL_METER, 0, meter_fn, &k)))
		goto out_fail;
	if (!json_array_size(out->outputs)) {
		rc = jv_fail(err,
			     "service: no meter of %s in the account's premises has an output "
			     "(meter.output) to restrict it with",
			     code);
		goto out_fail;
	}
	if ((rc = threshold(&k, svc, residents)) ||
	    (rc = restr__overdue(r, txn, out->org, account, at, &out->overdue, err)))
		goto out_fail;
	json_decref(k.version);
	json_decref(svc);
	json_decref(held);
	return 0;
out_fail:
	json_decref(k.version);
	json_decref(svc);
	json_decref(held);
	restr__rule_free(out);
	return rc;
}

void restr__rule_free(struct restr__rule *u)
{
	json_decref(u->premises);
	json_decref(u->outputs);
	json_decref(u->basis);
	memset(u, 0, sizeof *u);
}
