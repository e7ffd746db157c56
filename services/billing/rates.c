/*
 * rates.c - the key-rate table: percentages, entries, the rate of a day.
 */
#include <stdio.h>
#include <string.h>

#include "money.h"
#include "rates.h"

const char *const rates_kind_names[] = { "key_rate", "moratorium", "rate_cap", NULL };

amr_err rates_pct_parse(const char *s, const char *field, int32_t *out, struct jv_err *err)
{
	struct money_qty q;
	struct jv_err inner = { "" };
	int64_t v;

	if (*s == '-')
		return jv_fail(err, "%s: %.20s is negative; a rate is 0 or more", field, s);
	if (money_qty_parse(s, field, &q, &inner))
		return jv_fail(err, "%s: \"%.20s\" is not a percentage like \"16.50\"", field, s);
	if (q.dec > 2)
		return jv_fail(err,
			       "%s: \"%.20s\" has more than 2 decimals (a rate is a percentage "
			       "to 0.01)",
			       field, s);
	v = q.v * (q.dec == 0 ? 100 : q.dec == 1 ? 10 : 1);
	if (v > RATES_MAX)
		return jv_fail(err, "%s: %.20s %% is above 100 %%", field, s);
	*out = (int32_t)v;
	return AMR_OK;
}

char *rates_pct_format(int32_t rate, char *buf)
{
	snprintf(buf, RATES_PCT_LEN, "%u.%02u", (unsigned)rate / 100u % 1000u,
		 (unsigned)rate % 100u);
	return buf;
}

/* The date member name of rec into *out; absent: *out = none. */
static amr_err date_of(const json_t *rec, const char *name, bool required, cal_day none,
		       cal_day *out, struct jv_err *err)
{
	const char *s;

	if (jv_str(rec, name, required, NULL, 0, 40, &s, err))
		return AMR_EINVAL;
	*out = none;
	if (s && !cal_day_parse(s, out))
		return jv_fail(err, "%s: \"%s\" is not a date (YYYY-MM-DD)", name, s);
	return AMR_OK;
}

amr_err rates_entry_read(const json_t *rec, struct rates_entry *out, struct jv_err *err)
{
	struct rates_entry e = { RATES_KEY_RATE, 0, CAL_DAY_OPEN, 0 };
	const char *rate;
	char from[CAL_DATE_LEN];
	int kind;

	if (jv_enum(rec, "kind", true, 0, rates_kind_names, &kind, err) ||
	    date_of(rec, "from", true, 0, &e.from, err) ||
	    date_of(rec, "to", false, CAL_DAY_OPEN, &e.to, err) ||
	    jv_str(rec, "rate", false, NULL, 1, 20, &rate, err))
		return AMR_EINVAL;
	e.kind = (enum rates_kind)kind;
	if (e.kind == RATES_MORATORIUM && rate)
		return jv_fail(err, "rate: a moratorium has no rate (nothing accrues in it)");
	if (e.kind != RATES_MORATORIUM && !rate)
		return jv_fail(err, "rate: missing (a %s has its rate)", rates_kind_names[kind]);
	if (rate && rates_pct_parse(rate, "rate", &e.rate, err))
		return AMR_EINVAL;
	if (e.kind == RATES_KEY_RATE && e.to != CAL_DAY_OPEN)
		return jv_fail(err, "to: a key rate holds until the next key_rate entry; it has "
				    "no to");
	if (e.to <= e.from)
		return jv_fail(err, "to: %s is not after from %s (a period is [from, to))",
			       json_string_value(json_object_get(rec, "to")),
			       cal_day_format(e.from, from));
	*out = e;
	return AMR_OK;
}

amr_err rates_on(const struct rates_entry *t, size_t n, cal_day d, int32_t *rate,
		 struct jv_err *err)
{
	const struct rates_entry *key = NULL;
	int32_t r;
	char day[CAL_DATE_LEN];

	for (size_t i = 0; i < n; i++)
		if (t[i].kind == RATES_KEY_RATE && t[i].from <= d &&
		    (!key || t[i].from > key->from))
			key = &t[i];
	if (!key) {
		jv_fail(err,
			"rate: no key rate is in force on %s (add the key_rate entry of that "
			"day)",
			cal_day_format(d, day));
		return AMR_ENOTFOUND;
	}
	r = key->rate;
	for (size_t i = 0; i < n; i++)
		if (t[i].kind == RATES_CAP && t[i].from <= d && d < t[i].to && t[i].rate < r)
			r = t[i].rate;
	*rate = r;
	return AMR_OK;
}

bool rates_moratorium(const struct rates_entry *t, size_t n, cal_day d, cal_day *next)
{
	bool in = false;
	cal_day nx = CAL_DAY_OPEN;

	for (size_t i = 0; i < n; i++) {
		if (t[i].kind != RATES_MORATORIUM)
			continue;
		in |= t[i].from <= d && d < t[i].to;
		if (t[i].from > d && t[i].from < nx)
			nx = t[i].from;
		if (t[i].to > d && t[i].to < nx)
			nx = t[i].to;
	}
	if (next)
		*next = nx;
	return in;
}
