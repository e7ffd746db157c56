/*
 * model_relief.c - an account's reliefs: benefits and subsidies that
 * lower a service's charge, and instalments that spread part of one
 * month's charge over later months (docs/billing.md, "Benefits,
 * subsidies and instalments"). The checks of the records; the billing
 * run applies them (runrelief.c).
 */
#include <stdio.h>
#include <string.h>

#include "model_int.h"
#include "money.h"
#include "rates.h"

static const char *const relief_kinds[] = { "benefit", "subsidy", NULL };

static const struct field benefit_fields[] = {
	{ "kind", F_ENUM, true, 0, 0, relief_kinds, 0 },
	{ "service", F_REF, true, 0, 0, NULL, MODEL_SERVICE },
	{ "percent", F_STR, false, 1, 8, NULL, 0 },
	{ "amount", F_STR, false, 1, 20, NULL, 0 },
	{ "from", F_DATE, true, 0, 0, NULL, 0 },
	{ "to", F_DATE, false, 0, 0, NULL, 0 },
	{ "reason", F_STR, true, 1, 300, NULL, 0 },
};

static const struct field instalment_fields[] = {
	{ "service", F_REF, true, 0, 0, NULL, MODEL_SERVICE },
	{ "amount", F_STR, true, 1, 20, NULL, 0 },
	{ "months", F_INT, true, MODEL_INSTALMENT_MONTHS_MIN, MODEL_INSTALMENT_MONTHS_MAX, NULL,
	  0 },
	{ "from", F_DATE, true, 0, 0, NULL, 0 },
	{ "rate", F_STR, false, 1, 8, NULL, 0 },
	{ "reason", F_STR, true, 1, 300, NULL, 0 },
};

static const char *str(const json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

amr_err model__whole_months(const json_t *obj, const char *path, const char *why,
			    struct jv_err *err)
{
	static const char *const ends[] = { "from", "to", NULL };

	for (size_t i = 0; ends[i]; i++) {
		const char *d = str(obj, ends[i]);

		if (d && strcmp(d + 8, "01"))
			return jv_fail(err, "%s%s%s: %s is not the first day of a month; %s", path,
				       *path ? "." : "", ends[i], d, why);
	}
	return model__period_ok(obj, path, err);
}

static amr_err months_ok(const json_t *item, const char *path, struct jv_err *err)
{
	return model__whole_months(item, path, "a relief holds for whole months", err);
}

/* An amount in roubles above 0, stored with two decimals. */
static amr_err amount_ok(json_t *item, const char *path, struct jv_err *err)
{
	char field[64], buf[MONEY_STR_MAX];
	money_kop k;

	snprintf(field, sizeof field, "%s.amount", path);
	if (money_parse(str(item, "amount"), field, false, &k, err))
		return AMR_EINVAL;
	if (k <= 0)
		return jv_fail(err, "%s: an amount is above 0", field);
	json_object_set_new(item, "amount", json_string(money_format(k, buf)));
	return AMR_OK;
}

/* A percentage to 0.01, stored as "50.00"; above 0 unless zero_ok. */
static amr_err pct_ok(json_t *item, const char *name, const char *path, bool zero_ok,
		      struct jv_err *err)
{
	char field[64], buf[RATES_PCT_LEN];
	int32_t p;

	snprintf(field, sizeof field, "%s.%s", path, name);
	if (rates_pct_parse(str(item, name), field, &p, err))
		return AMR_EINVAL;
	if (!p && !zero_ok)
		return jv_fail(err, "%s: a benefit is above 0 %%", field);
	json_object_set_new(item, name, json_string(rates_pct_format(p, buf)));
	return AMR_OK;
}

static amr_err benefit_ok(json_t *item, const char *path, struct jv_err *err)
{
	bool subsidy = !strcmp(str(item, "kind"), "subsidy");
	const char *has = subsidy ? "amount" : "percent", *not = subsidy ? "percent" : "amount";

	if (!json_object_get(item, has))
		return jv_fail(err, "%s.%s: missing (a %s is %s)", path, has, str(item, "kind"),
			       subsidy ? "an amount a month" : "a percentage of the charge");
	if (json_object_get(item, not ))
		return jv_fail(err, "%s.%s: a %s has no %s (it is %s)", path, not,
			       str(item, "kind"), not, subsidy ? "an amount" : "a percentage");
	if (subsidy ? amount_ok(item, path, err) : pct_ok(item, "percent", path, false, err))
		return AMR_EINVAL;
	return months_ok(item, path, err);
}

static amr_err instalment_ok(json_t *item, const char *path, struct jv_err *err)
{
	if (amount_ok(item, path, err))
		return AMR_EINVAL;
	if (!json_object_get(item, "rate"))
		json_object_set_new(item, "rate", json_string("0"));
	if (pct_ok(item, "rate", path, true, err))
		return AMR_EINVAL;
	return months_ok(item, path, err);
}

amr_err model__reliefs_ok(json_t *rec, struct model_refs *refs, struct jv_err *err)
{
	json_t *v;
	size_t i;
	char path[64];

	if (model__check_items(rec, "benefits", MODEL_RELIEFS_MAX, benefit_fields,
			       sizeof benefit_fields / sizeof benefit_fields[0], refs, err) ||
	    model__check_items(rec, "instalments", MODEL_RELIEFS_MAX, instalment_fields,
			       sizeof instalment_fields / sizeof instalment_fields[0], refs, err))
		return AMR_EINVAL;
	json_array_foreach(json_object_get(rec, "benefits"), i, v) {
		snprintf(path, sizeof path, "benefits[%zu]", i);
		if (benefit_ok(v, path, err))
			return AMR_EINVAL;
	}
	json_array_foreach(json_object_get(rec, "instalments"), i, v) {
		snprintf(path, sizeof path, "instalments[%zu]", i);
		if (instalment_ok(v, path, err))
			return AMR_EINVAL;
		for (size_t j = 0; j < i; j++) {
			json_t *w = json_array_get(json_object_get(rec, "instalments"), j);

			if (json_equal(json_object_get(w, "service"),
				       json_object_get(v, "service")) &&
			    !strcmp(str(w, "from"), str(v, "from")))
				return jv_fail(err,
					       "%s: instalments[%zu] already spreads this "
					       "service's charge of %.7s; one instalment per "
					       "service and month",
					       path, j, str(v, "from"));
		}
	}
	return AMR_OK;
}
