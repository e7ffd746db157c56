/*
 * model.c - the field tables of amr-billing's records and their checks.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bankcheck.h"
#include "calendar.h"
#include "model.h"
#include "model_int.h"
#include "money.h"
#include "proto.h"
#include "rates.h"

const char *const model_resources[] = { "cold_water", "hot_water", "electricity",
					"heat",	      "gas",	   NULL };

static const char *const premises_kinds[] = { "flat", "nonresidential", NULL };
static const char *const holder_types[] = { "person", "legal", NULL };
static const char *const service_codes[] = { "cold_water",  "hot_water", "wastewater",
					     "electricity", "heat",	 "gas",
					     "maintenance", "other",	 NULL };
static const char *const service_units[] = { "m3", "kWh",    "MWh",   "Gcal", "GJ",
					     "m2", "person", "month", NULL };
static const char *const group_kinds[] = {
	"entrance", "riser", "floor", "building", "custom", NULL
};
static const char *const tariff_kinds[] = { "per_unit", "per_area", "per_resident", "fixed", "tou2",
					    "tou3",	"tiered",   "wastewater",   NULL };

bool model_date_ok(const char *s)
{
	return cal_day_parse(s, NULL);
}

bool model_periods_overlap(const char *af, const char *at, const char *bf, const char *bt)
{
	/* dates compare as strings; [af, at) and [bf, bt) meet unless one ends
	 * on or before the other's start */
	if (at && strcmp(at, bf) <= 0)
		return false;
	if (bt && strcmp(bt, af) <= 0)
		return false;
	return true;
}

static const char *str(const json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

/* The organisation. */
static const struct field org_fields[] = {
	{ "name", F_STR, true, 1, 300, NULL, 0 },
	{ "inn", F_STR, true, 1, 20, NULL, 0 },
	{ "kpp", F_STR, false, 1, 20, NULL, 0 },
	{ "account", F_STR, true, 1, 30, NULL, 0 },
	{ "bank", F_STR, true, 1, 300, NULL, 0 },
	{ "bik", F_STR, true, 1, 20, NULL, 0 },
	{ "corr_account", F_STR, true, 1, 30, NULL, 0 },
	{ "address", F_STR, false, 0, 500, NULL, 0 },
	{ "phone", F_STR, false, 0, 40, NULL, 0 },
	{ "email", F_STR, false, 0, 200, NULL, 0 },
	{ "website", F_STR, false, 0, 200, NULL, 0 },
	{ "due_day", F_INT, false, 1, CAL_DUE_DAY_MAX, NULL, 0 },
};

static amr_err org_rule(json_t *rec, struct model_refs *refs, struct jv_err *err)
{
	const char *inn = str(rec, "inn"), *kpp = str(rec, "kpp"), *bik = str(rec, "bik");

	(void)refs;
	if (bankcheck_inn(inn, "inn", 0, err) || (kpp && bankcheck_kpp(kpp, "kpp", err)) ||
	    bankcheck_bik(bik, "bik", err) ||
	    bankcheck_account(str(rec, "account"), bik, "account", err) ||
	    bankcheck_corr_account(str(rec, "corr_account"), bik, "corr_account", err))
		return AMR_EINVAL;
	if (strlen(inn) == 10 && !kpp)
		return jv_fail(err, "kpp: missing (an organisation with a 10-digit ИНН has a КПП)");
	return AMR_OK;
}

/* A building. */
static const struct field building_fields[] = {
	{ "org", F_REF, true, 0, 0, NULL, MODEL_ORG },
	{ "address", F_STR, true, 1, 500, NULL, 0 },
	{ "tz", F_STR, true, 1, 64, NULL, 0 },
	{ "objects", F_ANY, false, 0, 0, NULL, 0 },
	{ "house_meters", F_ANY, false, 0, 0, NULL, 0 },
	{ "note", F_STR, false, 0, 1000, NULL, 0 },
	/* the billing run's: ОДН and the heating season (docs/billing.md, "ОДН") */
	{ "common_area", F_AREA, false, 0, 0, NULL, 0 },
	{ "odn_norms", F_ANY, false, 0, 0, NULL, 0 },
	{ "odn_uncapped", F_BOOL, false, 0, 0, NULL, 0 },
	{ "heating_months", F_ANY, false, 0, 0, NULL, 0 },
};

static const struct field house_meter_fields[] = {
	{ "resource", F_ENUM, true, 0, 0, model_resources, 0 },
	{ "channel", F_STR, true, 1, 20, NULL, 0 },
	{ "from", F_DATE, false, 0, 0, NULL, 0 },
	{ "to", F_DATE, false, 0, 0, NULL, 0 },
	{ "source", F_STR, false, 0, 64, NULL, 0 },
};

/* The billing run's fields of a building: a norm of common property per
 * resource ({"cold_water":"0.030"}, per m2 of common_area a month) and the
 * months of the heating season ([10,11,12,1,2,3,4]). */
static amr_err run_fields_ok(json_t *rec, struct jv_err *err)
{
	json_t *norms = json_object_get(rec, "odn_norms"), *v, *arr;
	const char *key;
	size_t i;

	if (norms && !json_is_object(norms))
		return jv_fail(err, "odn_norms: expected an object of a quantity per resource, "
				    "{\"cold_water\":\"0.030\"}");
	json_object_foreach(norms, key, v) {
		char path[64];
		struct money_qty q;
		size_t r;

		snprintf(path, sizeof path, "odn_norms.%.40s", key);
		for (r = 0; model_resources[r] && strcmp(model_resources[r], key); r++)
			;
		if (!model_resources[r])
			return jv_fail(err,
				       "%s: not a resource (cold_water, hot_water, "
				       "electricity, heat, gas)",
				       path);
		if (!json_is_string(v))
			return jv_fail(err, "%s: expected a quantity like \"0.030\"", path);
		if (money_qty_parse(json_string_value(v), path, &q, err))
			return AMR_EINVAL;
	}
	if (jv_array(rec, "heating_months", false, 12, &arr, err))
		return AMR_EINVAL;
	json_array_foreach(arr, i, v)
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 12)
			return jv_fail(err, "heating_months[%zu]: expected a month 1..12", i);
	return AMR_OK;
}

/* A zone of the TZ database: a plain relative path under zoneinfo. */
static amr_err tz_ok(const char *tz, struct jv_err *err)
{
	char path[128];

	for (const char *p = tz; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || strchr("/_+-", *p)))
			return jv_fail(err, "tz: \"%s\" is not a time zone name", tz);
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
	if (tz[0] == '/' || strstr(tz, "..") || access(path, R_OK))
		return jv_fail(err,
			       "tz: \"%s\" is not in the time zone database "
			       "(e.g. \"Europe/Moscow\")",
			       tz);
	return AMR_OK;
}

static amr_err channel_ok(const char *s, const char *path, struct jv_err *err)
{
	if (proto_id_parse(s, NULL) != 3)
		return jv_fail(err, "%s: \"%.30s\" is not a channel (%s)", path, s, PROTO_ID_FORMS);
	return AMR_OK;
}

static amr_err building_rule(json_t *rec, struct model_refs *refs, struct jv_err *err)
{
	json_t *arr, *v;
	size_t i;
	char path[64];

	if (tz_ok(str(rec, "tz"), err) || jv_array(rec, "objects", false, 1000, &arr, err))
		return AMR_EINVAL;
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v) || !proto_obj_ok(json_integer_value(v)))
			return jv_fail(err, "objects[%zu]: expected an object number %s", i,
				       PROTO_OBJ_RANGE);
		for (size_t j = 0; j < i; j++)
			if (json_equal(json_array_get(arr, j), v))
				return jv_fail(err, "objects[%zu]: %lld is listed twice", i,
					       (long long)json_integer_value(v));
	}
	if (model__check_items(rec, "house_meters", 100, house_meter_fields,
			       sizeof house_meter_fields / sizeof house_meter_fields[0], refs, err))
		return AMR_EINVAL;
	json_array_foreach(json_object_get(rec, "house_meters"), i, v) {
		snprintf(path, sizeof path, "house_meters[%zu].channel", i);
		if (channel_ok(str(v, "channel"), path, err))
			return AMR_EINVAL;
		snprintf(path, sizeof path, "house_meters[%zu]", i);
		if (model__period_ok(v, path, err))
			return AMR_EINVAL;
	}
	return run_fields_ok(rec, err);
}

/* A premises. */
static const struct field premises_fields[] = {
	{ "building", F_REF, true, 0, 0, NULL, MODEL_BUILDING },
	{ "number", F_STR, true, 1, 20, NULL, 0 },
	{ "kind", F_ENUM, true, 0, 0, premises_kinds, 0 },
	{ "area", F_AREA, true, 0, 0, NULL, 0 },
	{ "residents", F_INT, true, 0, 1000, NULL, 0 },
	{ "entrance", F_INT, false, 0, 100, NULL, 0 },
	{ "floor", F_INT, false, -10, 200, NULL, 0 },
	/* a meter could be installed: the norm is x 1.5 where none is (billing run) */
	{ "meter_possible", F_BOOL, false, 0, 0, NULL, 0 },
};

/* An account: holder, contacts, premises held. */
static const struct field account_fields[] = {
	{ "org", F_REF, true, 0, 0, NULL, MODEL_ORG },
	{ "number", F_STR, true, 1, 30, NULL, 0 },
	{ "holder", F_ANY, true, 0, 0, NULL, 0 },
	{ "email", F_STR, false, 0, 200, NULL, 0 },
	{ "phone", F_STR, false, 0, 40, NULL, 0 },
	{ "premises", F_ANY, false, 0, 0, NULL, 0 },
	{ "note", F_STR, false, 0, 1000, NULL, 0 },
	/* the billing run's reliefs (model_relief.c) */
	{ "benefits", F_ANY, false, 0, 0, NULL, 0 },
	{ "instalments", F_ANY, false, 0, 0, NULL, 0 },
};

static const struct field holder_fields[] = {
	{ "type", F_ENUM, true, 0, 0, holder_types, 0 },
	{ "name", F_STR, true, 1, 300, NULL, 0 },
	{ "inn", F_STR, false, 1, 20, NULL, 0 },
	{ "kpp", F_STR, false, 1, 20, NULL, 0 },
};

static const struct field held_fields[] = {
	{ "premises", F_REF, true, 0, 0, NULL, MODEL_PREMISES },
	{ "from", F_DATE, true, 0, 0, NULL, 0 },
	{ "to", F_DATE, false, 0, 0, NULL, 0 },
	{ "share", F_STR, false, 1, 20, NULL, 0 },
};

/* An ownership share "1", "1/2", "3/10": 0 < num/den <= 1. */
static amr_err share_ok(const char *s, const char *path, struct jv_err *err)
{
	unsigned long num, den = 1;
	char tail;
	int n = sscanf(s, "%lu/%lu%c", &num, &den, &tail);

	if ((n != 1 && n != 2) || strchr(s, '-') || strchr(s, '+') || strchr(s, ' ') ||
	    (n == 1 && strchr(s, '/')) || num == 0 || den == 0 || den > 10000 || num > den)
		return jv_fail(err,
			       "%s: \"%.20s\" is not a share: \"1\" or a fraction like "
			       "\"1/2\" (above 0, at most 1)",
			       path, s);
	return AMR_OK;
}

static amr_err account_rule(json_t *rec, struct model_refs *refs, struct jv_err *err)
{
	json_t *holder = json_object_get(rec, "holder"), *v;
	const char *s, *email = str(rec, "email"), *phone = str(rec, "phone");
	size_t i;
	char path[64];

	for (s = str(rec, "number"); *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || strchr("-/", *s)))
			return jv_fail(err,
				       "number: \"%s\": a лицевой счёт is digits, capital "
				       "Latin letters, '-' and '/'",
				       str(rec, "number"));
	if (model__check_table(holder, holder_fields,
			       sizeof holder_fields / sizeof holder_fields[0], "holder", refs, err))
		return AMR_EINVAL;
	if (!strcmp(str(holder, "type"), "legal")) {
		if (!str(holder, "inn"))
			return jv_fail(err, "holder.inn: missing (a legal entity has an ИНН)");
		if (!str(holder, "kpp"))
			return jv_fail(err, "holder.kpp: missing (a legal entity has a КПП)");
		if (bankcheck_inn(str(holder, "inn"), "holder.inn", 10, err) ||
		    bankcheck_kpp(str(holder, "kpp"), "holder.kpp", err))
			return AMR_EINVAL;
	} else {
		if (str(holder, "kpp"))
			return jv_fail(err, "holder.kpp: a person has no КПП");
		if (str(holder, "inn") && bankcheck_inn(str(holder, "inn"), "holder.inn", 12, err))
			return AMR_EINVAL;
	}
	if (email && *email && (!strchr(email, '@') || strchr(email, ' ')))
		return jv_fail(err, "email: \"%s\" is not an e-mail address", email);
	for (s = phone ? phone : ""; *s; s++)
		if (!strchr("+0123456789 ()-", *s))
			return jv_fail(err,
				       "phone: \"%s\": a phone number is digits, '+', "
				       "spaces, '(', ')' and '-'",
				       phone);
	if (model__check_items(rec, "premises", 50, held_fields,
			       sizeof held_fields / sizeof held_fields[0], refs, err))
		return AMR_EINVAL;
	json_array_foreach(json_object_get(rec, "premises"), i, v) {
		snprintf(path, sizeof path, "premises[%zu]", i);
		if (model__period_ok(v, path, err))
			return AMR_EINVAL;
		snprintf(path, sizeof path, "premises[%zu].share", i);
		if (str(v, "share") && share_ok(str(v, "share"), path, err))
			return AMR_EINVAL;
	}
	return model__reliefs_ok(rec, refs, err);
}

/* A service. */
static const struct field service_fields[] = {
	{ "org", F_REF, true, 0, 0, NULL, MODEL_ORG },
	{ "code", F_ENUM, true, 0, 0, service_codes, 0 },
	{ "name", F_STR, true, 1, 200, NULL, 0 },
	{ "unit", F_ENUM, true, 0, 0, service_units, 0 },
	{ "metered", F_BOOL, false, 0, 0, NULL, 0 },
	/* the billing run's norm: units per registered resident a month */
	{ "norm", F_QTY, false, 0, 0, NULL, 0 },
};

static amr_err service_rule(json_t *rec, struct model_refs *refs, struct jv_err *err)
{
	const char *code = str(rec, "code");
	bool resource = false;

	(void)refs;
	for (size_t i = 0; model_resources[i]; i++)
		resource |= !strcmp(code, model_resources[i]);
	if (!json_object_get(rec, "metered"))
		json_object_set_new(rec, "metered", json_boolean(resource));
	if (json_is_true(json_object_get(rec, "metered")) && !resource)
		return jv_fail(err,
			       "metered: a %s service has no meter of its own (metered are "
			       "cold_water, hot_water, electricity, heat and gas)",
			       code);
	return AMR_OK;
}

/* A meter assignment. */
static const struct field meter_fields[] = {
	{ "premises", F_REF, true, 0, 0, NULL, MODEL_PREMISES },
	{ "service", F_REF, true, 0, 0, NULL, MODEL_SERVICE },
	{ "channel", F_STR, true, 1, 20, NULL, 0 },
	{ "source", F_STR, false, 0, 64, NULL, 0 },
	{ "from", F_DATE, true, 0, 0, NULL, 0 },
	{ "to", F_DATE, false, 0, 0, NULL, 0 },
	{ "serial", F_STR, false, 0, 64, NULL, 0 },
	{ "output", F_STR, false, 1, 20, NULL, 0 },
	{ "note", F_STR, false, 0, 1000, NULL, 0 },
	/* when its verification is due: no usable data for that month on */
	{ "verification_due", F_DATE, false, 0, 0, NULL, 0 },
	/* what the meter showed on its from day: its readings start there */
	{ "initial", F_QTY, false, 0, 0, NULL, 0 },
};

#define METER_INITIAL_MAX 1000000000 /* a reading is below 10^9 units */

static amr_err meter_rule(json_t *rec, struct model_refs *refs, struct jv_err *err)
{
	const char *out = str(rec, "output"), *initial = str(rec, "initial");
	struct money_qty q;

	(void)refs;
	if (channel_ok(str(rec, "channel"), "channel", err) || model__period_ok(rec, "", err))
		return AMR_EINVAL;
	/* the UO-4 output that cuts this meter's supply: object.device.output */
	if (out && proto_id_parse(out, NULL) != 3)
		return jv_fail(err, "output: \"%.30s\" is not an output (OBJ.ADDR.OUT, as 1.5.2)",
			       out);
	if (!initial)
		return json_object_set_new(rec, "initial", json_string("0")) ? AMR_ENOMEM : AMR_OK;
	if (money_qty_parse(initial, "initial", &q, err))
		return AMR_EINVAL; /* checked by the table already */
	if (money_qty_cmp(&q, &(struct money_qty){ METER_INITIAL_MAX, 0 }) >= 0)
		return jv_fail(err,
			       "initial: \"%.40s\" is not below %d; a meter's reading has at most "
			       "9 digits before the point",
			       initial, METER_INITIAL_MAX);
	return AMR_OK;
}

/* A group. */
static const struct field group_fields[] = {
	{ "org", F_REF, true, 0, 0, NULL, MODEL_ORG },	{ "name", F_STR, true, 1, 200, NULL, 0 },
	{ "kind", F_ENUM, true, 0, 0, group_kinds, 0 }, { "premises", F_ANY, false, 0, 0, NULL, 0 },
	{ "accounts", F_ANY, false, 0, 0, NULL, 0 },
};

/* A list of ids of kind k; the first MODEL_REFS_MAX / 2 are looked up
 * through refs, the rest by the caller's own scan. */
static amr_err id_list(json_t *rec, const char *name, enum model_kind k, struct model_refs *refs,
		       struct jv_err *err)
{
	json_t *arr, *v;
	size_t i;
	char path[64];

	if (jv_array(rec, name, false, 10000, &arr, err))
		return AMR_EINVAL;
	json_array_foreach(arr, i, v) {
		long long id = json_integer_value(v);

		snprintf(path, sizeof path, "%s[%zu]", name, i);
		if (!json_is_integer(v) || id < 1 || id > MODEL_ID_MAX)
			return jv_fail(err, "%s: expected an id", path);
		if (refs->n < MODEL_REFS_MAX && model__add_ref(refs, k, id, path, err))
			return AMR_EINVAL;
	}
	return AMR_OK;
}

static amr_err group_rule(json_t *rec, struct model_refs *refs, struct jv_err *err)
{
	return id_list(rec, "premises", MODEL_PREMISES, refs, err) ||
			       id_list(rec, "accounts", MODEL_ACCOUNT, refs, err)
		       ? AMR_EINVAL
		       : AMR_OK;
}

/* A tariff: what it prices and how; the prices are in its versions. */
static const struct field tariff_fields[] = {
	{ "org", F_REF, true, 0, 0, NULL, MODEL_ORG },
	{ "service", F_REF, true, 0, 0, NULL, MODEL_SERVICE },
	{ "name", F_STR, true, 1, 200, NULL, 0 },
	{ "kind", F_ENUM, true, 0, 0, tariff_kinds, 0 },
	{ "note", F_STR, false, 0, 1000, NULL, 0 },
};

/* A version: the shape only; tariff.c checks the prices its kind needs. */
static const struct field version_fields[] = {
	{ "tariff", F_REF, true, 0, 0, NULL, MODEL_TARIFF },
	{ "from", F_DATE, true, 0, 0, NULL, 0 },
	{ "to", F_DATE, false, 0, 0, NULL, 0 },
	{ "price", F_PRICE, false, 0, 0, NULL, 0 },
	{ "price_over", F_PRICE, false, 0, 0, NULL, 0 },
	{ "norm", F_QTY, false, 0, 0, NULL, 0 },
	{ "prices", F_ANY, false, 0, 0, NULL, 0 },
	{ "zones", F_ANY, false, 0, 0, NULL, 0 },
	{ "note", F_STR, false, 0, 1000, NULL, 0 },
};

/* Billing periods are whole months, so a version starts and ends on a
 * month's first day: a month has one price (docs/billing.md, "Invoices"). */
static amr_err version_rule(json_t *rec, struct model_refs *refs, struct jv_err *err)
{
	(void)refs;
	return model__whole_months(rec, "", "a version's prices hold for whole months", err);
}

/* A day of the organisation's calendar that the week does not tell. */
static const struct field calendar_fields[] = {
	{ "org", F_REF, true, 0, 0, NULL, MODEL_ORG },
	{ "date", F_DATE, true, 0, 0, NULL, 0 },
	{ "working", F_BOOL, true, 0, 0, NULL, 0 },
	{ "note", F_STR, false, 0, 1000, NULL, 0 },
};

/* An entry of the key-rate table; rates.c knows what each kind needs. */
static const struct field rate_fields[] = {
	{ "org", F_REF, true, 0, 0, NULL, MODEL_ORG },
	{ "kind", F_ENUM, true, 0, 0, rates_kind_names, 0 },
	{ "from", F_DATE, true, 0, 0, NULL, 0 },
	{ "to", F_DATE, false, 0, 0, NULL, 0 },
	{ "rate", F_STR, false, 1, 20, NULL, 0 },
	{ "note", F_STR, false, 0, 1000, NULL, 0 },
};

static amr_err rate_rule(json_t *rec, struct model_refs *refs, struct jv_err *err)
{
	struct rates_entry e;
	char buf[RATES_PCT_LEN];

	(void)refs;
	if (rates_entry_read(rec, &e, err))
		return AMR_EINVAL;
	if (json_object_get(rec, "rate")) /* "16.5" is kept as "16.50" */
		json_object_set_new(rec, "rate", json_string(rates_pct_format(e.rate, buf)));
	return AMR_OK;
}

#define KIND(name, t, rule)                           \
	{                                             \
		name, t, sizeof t / sizeof t[0], rule \
	}

static const struct kind kinds[MODEL_KIND_END] = {
	[MODEL_ORG] = KIND("org", org_fields, org_rule),
	[MODEL_BUILDING] = KIND("building", building_fields, building_rule),
	[MODEL_PREMISES] = KIND("premises", premises_fields, NULL),
	[MODEL_ACCOUNT] = KIND("account", account_fields, account_rule),
	[MODEL_SERVICE] = KIND("service", service_fields, service_rule),
	[MODEL_METER] = KIND("meter", meter_fields, meter_rule),
	[MODEL_GROUP] = KIND("group", group_fields, group_rule),
	[MODEL_TARIFF] = KIND("tariff", tariff_fields, NULL),
	[MODEL_TARIFF_VERSION] = KIND("tariff.version", version_fields, version_rule),
	[MODEL_CALENDAR] = KIND("calendar", calendar_fields, NULL),
	[MODEL_RATE] = KIND("rate", rate_fields, rate_rule),
};

const char *model_kind_name(enum model_kind k)
{
	return k > 0 && k < MODEL_KIND_END ? kinds[k].name : NULL;
}

amr_err model_check(enum model_kind k, json_t *rec, struct model_refs *refs, struct jv_err *err)
{
	const struct kind *d;

	refs->n = 0;
	if (k <= 0 || k >= MODEL_KIND_END)
		return jv_fail(err, "kind %d: unknown", (int)k);
	d = &kinds[k];
	if (model__check_table(rec, d->fields, d->n, "", refs, err))
		return AMR_EINVAL;
	return d->rule ? d->rule(rec, refs, err) : AMR_OK;
}

bool model_unique_key(enum model_kind k, const json_t *rec, char *buf, size_t size,
		      const char **what)
{
	switch (k) {
	case MODEL_PREMISES:
		snprintf(buf, size, "premises %lld:%s",
			 (long long)json_integer_value(json_object_get(rec, "building")),
			 str(rec, "number"));
		*what = "number: a premises of this number is in the building already";
		return true;
	case MODEL_ACCOUNT:
		snprintf(buf, size, "account %lld:%s",
			 (long long)json_integer_value(json_object_get(rec, "org")),
			 str(rec, "number"));
		*what = "number: the organisation has an account of this number already";
		return true;
	case MODEL_GROUP:
		snprintf(buf, size, "group %lld:%s",
			 (long long)json_integer_value(json_object_get(rec, "org")),
			 str(rec, "name"));
		*what = "name: the organisation has a group of this name already";
		return true;
	case MODEL_TARIFF:
		snprintf(buf, size, "tariff %lld:%s",
			 (long long)json_integer_value(json_object_get(rec, "org")),
			 str(rec, "name"));
		*what = "name: the organisation has a tariff of this name already";
		return true;
	case MODEL_CALENDAR:
		snprintf(buf, size, "calendar %lld:%s",
			 (long long)json_integer_value(json_object_get(rec, "org")),
			 str(rec, "date"));
		*what = "date: the organisation's calendar has this day already";
		return true;
	case MODEL_RATE:
		if (strcmp(str(rec, "kind"), "key_rate"))
			return false; /* moratoria and caps may overlap: the least cap holds */
		snprintf(buf, size, "rate %lld:key_rate:%s",
			 (long long)json_integer_value(json_object_get(rec, "org")),
			 str(rec, "from"));
		*what = "from: the organisation has a key rate from this date already";
		return true;
	default:
		return false;
	}
}
