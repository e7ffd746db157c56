/*
 * recdraw_read.c - a receipt's JSON read and checked field by field, each
 * refusal naming the field by its place ("receipts[2].lines[0].amount").
 * Fields the shape does not name are left alone; an optional field may
 * be absent or null.
 */
#include <stdio.h>
#include <string.h>

#include "rates.h"
#include "recdraw_int.h"

#define TEXT_MAX 2048 /* bytes of any one text field (a QR code at M holds 2331) */

const char *const recdraw__basis_names[] = { "meter",	"average", "norm",	    "house",
					     "odn",	"fixed",   "recalculation", "adjustment",
					     "penalty", "benefit", "subsidy",	    "instalment",
					     NULL };

static const char *const payee_names[] = { "name",  "inn",   "kpp",	     "account",
					   "bank",  "bik",   "corr_account", "address",
					   "phone", "email", "website" };

/* The payee's fields a receipt must print (Правила 354 п. 69 "а"). */
static const bool payee_required[] = { true, true, false, true, true, true, true };

/* o's field k, or NULL when it is absent or null. */
static const json_t *get(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_null(v) ? NULL : v;
}

static const char *type_of(const json_t *v)
{
	static const char *const names[] = { "an object", "an array", "a string", "an integer",
					     "a number",  "true",     "false",	  "null" };

	return names[json_typeof(v)];
}

/* The field's place, "receipts[2].lines[0]" + "." + k, into buf. */
static const char *place(char *buf, const char *at, const char *k)
{
	recdraw__fmt(buf, RECDRAW__PATH_MAX, "%s.%s", at, k);
	return buf;
}

/* A string field: *out borrowed, NULL when absent, null or "". */
static amr_err str(const json_t *o, const char *at, const char *k, bool required, const char **out,
		   struct jv_err *err)
{
	const json_t *v = get(o, k);
	char p[RECDRAW__PATH_MAX];

	*out = NULL;
	if (v && !json_is_string(v))
		return jv_fail(err, "%s: expected a string, got %s", place(p, at, k), type_of(v));
	if (v && json_string_length(v) > TEXT_MAX)
		return jv_fail(err, "%s: longer than %d bytes", place(p, at, k), TEXT_MAX);
	if (v && json_string_length(v) > 0)
		*out = json_string_value(v);
	if (!*out && required)
		return jv_fail(err, "%s: missing", place(p, at, k));
	return AMR_OK;
}

/* An amount, "1234.56" (a minus allowed). */
static amr_err money(const json_t *o, const char *at, const char *k, bool required,
		     struct recdraw__money *out, struct jv_err *err)
{
	const char *s;
	char p[RECDRAW__PATH_MAX];
	amr_err rc;

	out->has = false;
	if ((rc = str(o, at, k, required, &s, err)) || !s)
		return rc;
	if ((rc = money_parse(s, place(p, at, k), true, &out->value, err)))
		return rc;
	out->has = true;
	return AMR_OK;
}

/* A quantity, "12.345" (a minus only when negative_ok); *has false when
 * absent. */
static amr_err qty(const json_t *o, const char *at, const char *k, bool negative_ok, bool *has,
		   struct money_qty *out, struct jv_err *err)
{
	const char *s;
	char p[RECDRAW__PATH_MAX];
	bool minus;
	amr_err rc;

	*has = false;
	if ((rc = str(o, at, k, false, &s, err)) || !s)
		return rc;
	minus = negative_ok && s[0] == '-';
	if ((rc = money_qty_parse(s + minus, place(p, at, k), out, err)))
		return rc;
	if (minus)
		out->v = -out->v;
	*has = true;
	return AMR_OK;
}

/* A date "YYYY-MM-DD"; CAL_DAY_NONE when absent. */
static amr_err date(const json_t *o, const char *at, const char *k, cal_day *out,
		    struct jv_err *err)
{
	const char *s;
	char p[RECDRAW__PATH_MAX];
	amr_err rc;

	*out = CAL_DAY_NONE;
	if ((rc = str(o, at, k, false, &s, err)) || !s)
		return rc;
	if (!cal_day_parse(s, out))
		return jv_fail(err, "%s: \"%s\" is not a date YYYY-MM-DD", place(p, at, k), s);
	return AMR_OK;
}

/* A month "YYYY-MM" into *y, *m; 0 when absent. */
static amr_err period(const json_t *o, const char *at, const char *k, bool required, int *y, int *m,
		      struct jv_err *err)
{
	const char *s;
	char p[RECDRAW__PATH_MAX];
	amr_err rc;

	*y = *m = 0;
	if ((rc = str(o, at, k, required, &s, err)) || !s)
		return rc;
	if (!cal_period_parse(s, y, m))
		return jv_fail(err, "%s: \"%s\" is not a month YYYY-MM", place(p, at, k), s);
	return AMR_OK;
}

/* A whole number 0..max; -1 when absent. */
static amr_err count(const json_t *o, const char *at, const char *k, long long max, long long *out,
		     struct jv_err *err)
{
	const json_t *v = get(o, k);
	char p[RECDRAW__PATH_MAX];

	*out = -1;
	if (!v)
		return AMR_OK;
	if (!json_is_integer(v))
		return jv_fail(err, "%s: expected an integer, got %s", place(p, at, k), type_of(v));
	if (json_integer_value(v) < 0 || json_integer_value(v) > max)
		return jv_fail(err, "%s: %lld is out of range 0..%lld", place(p, at, k),
			       (long long)json_integer_value(v), max);
	*out = json_integer_value(v);
	return AMR_OK;
}

/* Field k of type want (an object or an array; borrowed), or NULL when
 * it is absent and not required. */
static amr_err typed(const json_t *o, const char *at, const char *k, bool required, json_type want,
		     const json_t **out, struct jv_err *err)
{
	const json_t *v = get(o, k);
	char p[RECDRAW__PATH_MAX];

	*out = v;
	if (v && json_typeof(v) != want)
		return jv_fail(err, "%s: expected %s, got %s", place(p, at, k),
			       want == JSON_OBJECT ? "an object" : "an array", type_of(v));
	if (!v && required)
		return jv_fail(err, "%s: missing", place(p, at, k));
	return AMR_OK;
}

static amr_err object(const json_t *o, const char *at, const char *k, bool required,
		      const json_t **out, struct jv_err *err)
{
	return typed(o, at, k, required, JSON_OBJECT, out, err);
}

/* An array field of at most max elements, each an object (borrowed);
 * NULL when absent and not required. */
static amr_err array(const json_t *o, const char *at, const char *k, bool required, size_t max,
		     const json_t **out, struct jv_err *err)
{
	char p[RECDRAW__PATH_MAX];
	const json_t *v;
	amr_err rc;

	if ((rc = typed(o, at, k, required, JSON_ARRAY, out, err)) || !(v = *out))
		return rc;
	if (json_array_size(v) > max)
		return jv_fail(err, "%s: %zu elements, at most %zu are drawn", place(p, at, k),
			       json_array_size(v), max);
	for (size_t i = 0; i < json_array_size(v); i++)
		if (!json_is_object(json_array_get(v, i)))
			return jv_fail(err, "%s[%zu]: expected an object, got %s", place(p, at, k),
				       i, type_of(json_array_get(v, i)));
	return AMR_OK;
}

static amr_err reading(const json_t *o, const char *at, struct recdraw__reading *rd,
		       struct jv_err *err)
{
	bool has;
	amr_err rc;

	if ((rc = str(o, at, "serial", false, &rd->serial, err)) ||
	    (rc = qty(o, at, "start", false, &has, &rd->start, err)))
		return rc;
	if (!has)
		rd->start.dec = -1;
	if ((rc = qty(o, at, "end", false, &has, &rd->end, err)))
		return rc;
	if (!has)
		rd->end.dec = -1;
	return AMR_OK;
}

/* A percentage "50.00" (1/100 %) into *out; -1 when absent. */
static amr_err pct(const json_t *o, const char *at, const char *k, int32_t *out, struct jv_err *err)
{
	const char *s;
	char p[RECDRAW__PATH_MAX];
	amr_err rc;

	*out = -1;
	if ((rc = str(o, at, k, false, &s, err)) || !s)
		return rc;
	return rates_pct_parse(s, place(p, at, k), out, err);
}

/* An instalment's terms on its line. */
static amr_err instalment(const json_t *o, const char *at, struct recdraw__instalment *in,
			  struct jv_err *err)
{
	struct recdraw__money amount, interest, left;
	char p[RECDRAW__PATH_MAX];
	amr_err rc;

	if ((rc = period(o, at, "from", true, &in->from_y, &in->from_m, err)) ||
	    (rc = count(o, at, "months", 1000, &in->months, err)) ||
	    (rc = money(o, at, "amount", true, &amount, err)) ||
	    (rc = pct(o, at, "rate", &in->rate, err)) ||
	    (rc = count(o, at, "part", 1000, &in->part, err)) ||
	    (rc = money(o, at, "interest", in->part >= 0, &interest, err)) ||
	    (rc = money(o, at, "left", in->part >= 0, &left, err)))
		return rc;
	if (in->months < 1)
		return jv_fail(err, "%s: missing", place(p, at, "months"));
	in->has = true;
	in->amount = amount.value;
	in->rate = in->rate < 0 ? 0 : in->rate;
	in->interest = interest.value;
	in->left = left.value;
	in->early = json_is_true(get(o, "early"));
	return AMR_OK;
}

static amr_err line(const json_t *o, const char *at, struct recdraw__line *l, struct jv_err *err)
{
	const json_t *readings, *inst;
	const char *s;
	struct recdraw__money amount;
	char p[RECDRAW__PATH_MAX], rat[RECDRAW__PATH_MAX], ip[RECDRAW__PATH_MAX];
	int b;
	amr_err rc;

	if ((rc = str(o, at, "name", true, &l->name, err)) ||
	    (rc = str(o, at, "basis", true, &s, err)))
		return rc;
	for (b = 0; recdraw__basis_names[b] && strcmp(recdraw__basis_names[b], s); b++)
		;
	if (!recdraw__basis_names[b])
		return jv_fail(
			err,
			"%s: \"%s\" is not a basis (meter, average, norm, house, odn, fixed, recalculation, adjustment, penalty, benefit, subsidy, instalment)",
			place(p, at, "basis"), s);
	l->basis = b;
	if ((rc = str(o, at, "unit", false, &l->unit, err)))
		return rc;
	if (l->unit && !recdraw__unit(RECDRAW__RU, l->unit))
		return jv_fail(
			err, "%s: \"%s\" is not a unit (m3, m2, kWh, MWh, Gcal, GJ, person, month)",
			place(p, at, "unit"), l->unit);
	if ((rc = str(o, at, "line", false, &l->zone, err)) ||
	    (rc = str(o, at, "reason", false, &l->reason, err)) ||
	    (rc = qty(o, at, "quantity", true, &l->has_qty, &l->qty, err)) ||
	    (rc = str(o, at, "price", false, &s, err)))
		return rc;
	l->has_price = s != NULL;
	if (s && (rc = money_price_parse(s, place(p, at, "price"), &l->price, err)))
		return rc;
	if ((rc = money(o, at, "amount", true, &amount, err)))
		return rc;
	l->amount = amount.value;
	if ((rc = period(o, at, "month", l->basis == RECDRAW__RECALC, &l->month_y, &l->month_m,
			 err)))
		return rc;
	if ((rc = pct(o, at, "percent", &l->percent, err)) ||
	    (rc = object(o, at, "instalment", false, &inst, err)))
		return rc;
	l->inst.has = false;
	if (inst && (rc = instalment(inst, place(ip, at, "instalment"), &l->inst, err)))
		return rc;
	if ((rc = array(o, at, "readings", false, RECDRAW_READINGS_MAX, &readings, err)))
		return rc;
	l->nreadings = readings ? json_array_size(readings) : 0;
	for (size_t i = 0; i < l->nreadings; i++) {
		recdraw__fmt(rat, sizeof rat, "%s.readings[%zu]", at, i);
		if ((rc = reading(json_array_get(readings, i), rat, &l->readings[i], err)))
			return rc;
	}
	return AMR_OK;
}

static amr_err premises(const json_t *o, const char *at, struct recdraw__premises *pr,
			struct jv_err *err)
{
	amr_err rc;

	if ((rc = str(o, at, "number", false, &pr->number, err)) ||
	    (rc = str(o, at, "address", false, &pr->address, err)) ||
	    (rc = qty(o, at, "area", false, &pr->has_area, &pr->area, err)) ||
	    (rc = count(o, at, "residents", 10000, &pr->residents, err)) ||
	    (rc = str(o, at, "share", false, &pr->share, err)) ||
	    (rc = date(o, at, "from", &pr->from, err)) || (rc = date(o, at, "to", &pr->to, err)))
		return rc;
	return count(o, at, "days", 31, &pr->days, err);
}

static amr_err payee(const json_t *o, const char *at, struct recdraw__receipt *r,
		     struct jv_err *err)
{
	amr_err rc;

	for (int i = 0; i < RECDRAW__P_FIELDS; i++) {
		bool required = i < (int)(sizeof payee_required / sizeof *payee_required) &&
				payee_required[i];

		if ((rc = str(o, at, payee_names[i], required, &r->payee[i], err)))
			return rc;
	}
	return AMR_OK;
}

static amr_err money_box(const json_t *o, const char *at, struct recdraw__receipt *r,
			 struct jv_err *err)
{
	struct recdraw__money total;
	amr_err rc;

	if ((rc = date(o, at, "opening_date", &r->opening_date, err)) ||
	    (rc = money(o, at, "opening", false, &r->opening, err)) ||
	    (rc = money(o, at, "paid", false, &r->paid, err)) ||
	    (rc = money(o, at, "charged", false, &r->charged, err)) ||
	    (rc = money(o, at, "recalculated", false, &r->recalculated, err)) ||
	    (rc = money(o, at, "adjustments", false, &r->adjustments, err)) ||
	    (rc = money(o, at, "penalties", false, &r->penalties, err)) ||
	    (rc = money(o, at, "total", true, &total, err)) ||
	    (rc = date(o, at, "due", &r->due, err)))
		return rc;
	r->total = total.value;
	return AMR_OK;
}

amr_err recdraw__read(const json_t *v, size_t i, struct recdraw__receipt *r, struct jv_err *err)
{
	static const char *const langs[] = { "ru", "en" };
	const json_t *o, *lines, *prem;
	const char *lang;
	char at[RECDRAW__PATH_MAX], sub[RECDRAW__PATH_MAX];
	amr_err rc;

	recdraw__fmt(at, sizeof at, "receipts[%zu]", i);
	if (!json_is_object(v))
		return jv_fail(err, "%s: expected an object, got %s", at, type_of(v));
	if ((rc = str(v, at, "id", true, &r->id, err)) ||
	    (rc = period(v, at, "period", true, &r->period_y, &r->period_m, err)) ||
	    (rc = str(v, at, "lang", false, &lang, err)))
		return rc;
	r->lang = RECDRAW__RU;
	if (lang && strcmp(lang, langs[0]) && strcmp(lang, langs[1]))
		return jv_fail(err, "%s: \"%s\" is not a language (ru, en)", place(sub, at, "lang"),
			       lang);
	if (lang && !strcmp(lang, langs[1]))
		r->lang = RECDRAW__EN;
	if ((rc = object(v, at, "payee", true, &o, err)) ||
	    (rc = payee(o, place(sub, at, "payee"), r, err)))
		return rc;
	if ((rc = object(v, at, "account", true, &o, err)) ||
	    (rc = str(o, place(sub, at, "account"), "number", true, &r->number, err)) ||
	    (rc = str(o, sub, "holder", true, &r->holder, err)) ||
	    (rc = str(o, sub, "email", false, &r->email, err)) ||
	    (rc = str(o, sub, "phone", false, &r->phone, err)))
		return rc;
	if ((rc = array(v, at, "premises", false, RECDRAW_PREMISES_MAX, &prem, err)))
		return rc;
	r->npremises = prem ? json_array_size(prem) : 0;
	for (size_t k = 0; k < r->npremises; k++) {
		recdraw__fmt(sub, sizeof sub, "%s.premises[%zu]", at, k);
		if ((rc = premises(json_array_get(prem, k), sub, &r->premises[k], err)))
			return rc;
	}
	if ((rc = array(v, at, "lines", true, RECDRAW_LINES_MAX, &lines, err)))
		return rc;
	r->nlines = json_array_size(lines);
	for (size_t k = 0; k < r->nlines; k++) {
		recdraw__fmt(sub, sizeof sub, "%s.lines[%zu]", at, k);
		if ((rc = line(json_array_get(lines, k), sub, &r->lines[k], err)))
			return rc;
	}
	if ((rc = object(v, at, "money", true, &o, err)) ||
	    (rc = money_box(o, place(sub, at, "money"), r, err)) ||
	    (rc = str(v, at, "notice", false, &r->notice, err)) ||
	    (rc = str(v, at, "qr", true, &r->qr, err)))
		return rc;
	o = get(v, "to_pay");
	if (!json_is_boolean(o))
		return jv_fail(err, "%s: %s", place(sub, at, "to_pay"),
			       o ? "expected true or false" : "missing");
	r->to_pay = json_is_true(o);
	/* the wording and the QR code's Sum follow to_pay: they must agree */
	if (r->to_pay != (r->total > 0)) {
		char t[MONEY_STR_MAX];

		return jv_fail(err, "%s: %s, but money.total is %s", place(sub, at, "to_pay"),
			       r->to_pay ? "true" : "false", money_format(r->total, t));
	}
	return AMR_OK;
}
