#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ruleset.h"

enum kind_of {
	P_INT,	/* an integer within its bounds */
	P_RATE, /* a decimal string, unit per hour */
	P_DEBT, /* kopecks as an integer, or rubles as a decimal string */
};

#define OFF(f) offsetof(struct ruleset_params, f)

/* The parameters: name, type, where it goes, bounds, an object's. */
static const struct param {
	const char *name;
	enum kind_of kind;
	size_t off;
	long long min, max;
	bool object; /* a gateway's or an account's: default or object only */
} params[] = {
	{ "leak_hours", P_INT, OFF(leak_hours), 0, 720, false },
	{ "leak_zero_min", P_INT, OFF(leak_zero_min), 1, 1440, false },
	{ "night_from_h", P_INT, OFF(night_from_h), 0, 23, false },
	{ "night_to_h", P_INT, OFF(night_to_h), 0, 23, false },
	{ "night_max_per_h", P_RATE, OFF(night_max_u), 0, RULESET_RATE_MAX, false },
	{ "burst_per_h", P_RATE, OFF(burst_u), 0, RULESET_RATE_MAX, false },
	{ "burst_min", P_INT, OFF(burst_min), 0, 1440, false },
	{ "stuck_days", P_INT, OFF(stuck_days), 0, 366, false },
	{ "stuck_min_pulses", P_INT, OFF(stuck_min_pulses), 0, FLOW_RECENT, false },
	{ "max_gap_min", P_INT, OFF(max_gap_min), 1, 10080, false },
	{ "verification_days", P_INT, OFF(verification_days), 0, 3650, false },
	{ "gateway_offline_min", P_INT, OFF(gateway_offline_min), 0, 1440, true },
	{ "spool_pct", P_INT, OFF(spool_pct), 0, 100, true },
	{ "debt_threshold", P_DEBT, OFF(debt_kop), 0, RULESET_DEBT_MAX, true },
};
#define NPARAMS (sizeof params / sizeof params[0])

static const char *const level_names[RULESET_LEVELS] = { "default", "resource", "object",
							 "channel" };

int ruleset_scope_parse(const char *s, struct proto_id *id)
{
	struct proto_id v = { 0, 0, 0 };
	int parts;

	if (id)
		*id = v;
	if (!s)
		return -1;
	if (!strcmp(s, "default"))
		return RULESET_DEFAULT;
	for (size_t i = 0; proto_resources[i]; i++)
		if (!strcmp(s, proto_resources[i]))
			return RULESET_RESOURCE;
	parts = proto_id_parse(s, &v);
	if (parts != 1 && parts != 3)
		return -1; /* a device is no scope */
	if (id)
		*id = v;
	return parts == 1 ? RULESET_OBJECT : RULESET_CHANNEL;
}

/* A decimal string of at most RULESET_DEC decimals, 0..max, scaled. */
static amr_err rate(const json_t *v, const char *name, long long max, int dec, int64_t *out,
		    struct jv_err *err)
{
	const char *s = json_string_value(v);
	units_u128 u, top = (units_u128)max;

	if (!json_is_string(v))
		return jv_fail(err, "params.%s: expected a decimal string like \"0.030\", got %s",
			       name, jv_type_name(v));
	if (strlen(s) > 24 || units_parse(s, dec, &u))
		return jv_fail(err,
			       "params.%s: \"%.24s\" is not a decimal with at most %d decimals",
			       name, s, dec);
	for (int i = 0; i < dec; i++)
		top *= 10;
	if (u > top)
		return jv_fail(err, "params.%s: %s is above %lld", name, s, max);
	*out = (int64_t)u;
	return AMR_OK;
}

static amr_err check_one(const struct param *p, const json_t *v, enum ruleset_level lvl,
			 json_t *out, struct jv_err *err)
{
	int64_t n;
	amr_err rc;

	if (p->object && lvl != RULESET_DEFAULT && lvl != RULESET_OBJECT)
		return jv_fail(err,
			       "params.%s: an object's parameter, set at \"default\" or an object, "
			       "not at a %s",
			       p->name, level_names[lvl]);
	switch (p->kind) {
	case P_INT:
		if (!json_is_integer(v))
			return jv_fail(err, "params.%s: expected an integer, got %s", p->name,
				       jv_type_name(v));
		n = json_integer_value(v);
		if (n < p->min || n > p->max)
			return jv_fail(err, "params.%s: %lld is out of range %lld..%lld", p->name,
				       (long long)n, p->min, p->max);
		return json_object_set_new(out, p->name, json_integer(n)) ? AMR_ENOMEM : AMR_OK;
	case P_RATE:
		if ((rc = rate(v, p->name, p->max, RULESET_DEC, &n, err)))
			return rc;
		return json_object_set(out, p->name, (json_t *)v) ? AMR_ENOMEM : AMR_OK;
	case P_DEBT:
		if (json_is_integer(v)) {
			n = json_integer_value(v);
			if (n < 0 || n > p->max * 100)
				return jv_fail(err,
					       "params.%s: %lld kopecks is out of range 0..%lld",
					       p->name, (long long)n, p->max * 100);
		} else if (!json_is_string(v)) {
			return jv_fail(
				err,
				"params.%s: expected kopecks (500000) or rubles as a decimal "
				"string (\"5000.00\"), got %s",
				p->name, jv_type_name(v));
		} else if ((rc = rate(v, p->name, p->max, 2, &n, err))) {
			return rc;
		}
		return json_object_set_new(out, p->name, json_integer(n)) ? AMR_ENOMEM : AMR_OK;
	}
	return AMR_EINVAL;
}

amr_err ruleset_check(const json_t *args, enum ruleset_level lvl, json_t **out, struct jv_err *err)
{
	const char *key;
	json_t *v, *res;
	amr_err rc;

	*out = NULL;
	if (!json_is_object(args))
		return jv_fail(err, "params: expected an object of parameters, got %s",
			       jv_type_name(args));
	if (!(res = json_object()))
		return AMR_ENOMEM;
	json_object_foreach((json_t *)args, key, v) {
		size_t i;

		for (i = 0; i < NPARAMS && strcmp(params[i].name, key); i++)
			;
		if (i == NPARAMS) {
			json_decref(res);
			return jv_fail(err, "params.%.40s: not a parameter of the rules", key);
		}
		if ((rc = check_one(&params[i], v, lvl, res, err))) {
			json_decref(res);
			return rc;
		}
	}
	*out = res;
	return AMR_OK;
}

static bool water(const char *res)
{
	return res && (!strcmp(res, "cold_water") || !strcmp(res, "hot_water"));
}

void ruleset_builtin(struct ruleset_params *p, const char *res, const char *unit,
		     int32_t gateway_offline_min, int32_t spool_pct)
{
	struct flow_params f;
	/* m³ per hour * 10^6; litres are a thousand times more */
	int64_t scale = unit && !strcmp(unit, "m3") ? 1 : unit && !strcmp(unit, "l") ? 1000 : 0;

	flow_params_init(&f);
	*p = (struct ruleset_params){ .leak_zero_min = f.leak_zero_min,
				      .night_from_h = 0,
				      .night_to_h = 5,
				      .stuck_days = RULESET_DEFAULT_STUCK,
				      .stuck_min_pulses = f.stuck_min_pulses,
				      .max_gap_min = f.max_gap_min,
				      .verification_days = RULESET_DEFAULT_VERIFY,
				      .gateway_offline_min = gateway_offline_min,
				      .spool_pct = spool_pct };
	if (!water(res))
		return;
	p->leak_hours = 24;
	p->burst_min = 30;
	p->night_max_u = 30000 * scale; /* 0.030 m³/h: a running cistern */
	p->burst_u = 1500000 * scale;	/* 1.5 m³/h: a flat's tap wide open */
}

void ruleset_apply(struct ruleset_params *p, const json_t *set)
{
	for (size_t i = 0; i < NPARAMS && set; i++) {
		const json_t *v = json_object_get(set, params[i].name);
		char *at = (char *)p + params[i].off;
		struct jv_err err;
		int64_t n = json_integer_value(v);

		if (!v)
			continue;
		if (params[i].kind == P_RATE &&
		    rate(v, params[i].name, params[i].max, RULESET_DEC, &n, &err))
			continue; /* checked when set: not reached */
		if (params[i].kind == P_INT) {
			int32_t n32 = (int32_t)n;

			memcpy(at, &n32, sizeof n32);
		} else {
			memcpy(at, &n, sizeof n);
		}
	}
}

void ruleset_resolve(struct ruleset_params *p, const json_t *const level[RULESET_LEVELS],
		     const char *res, const char *unit, int32_t gateway_offline_min,
		     int32_t spool_pct)
{
	ruleset_builtin(p, res, unit, gateway_offline_min, spool_pct);
	for (int i = 0; i < RULESET_LEVELS; i++)
		ruleset_apply(p, level[i]);
}

int64_t ruleset_pulses_h(int64_t u, const struct units_weight *w)
{
	units_u128 num, den, q;

	if (u <= 0)
		return 0;
	num = (units_u128)u * (w && w->num ? w->den : 1);
	den = (units_u128)1000000 * (w && w->num ? w->num : 1); /* 10^RULESET_DEC */
	q = num / den;
	if (q < 1)
		return 1;
	return q > FLOW_RATE_MAX ? FLOW_RATE_MAX : (int64_t)q;
}

void ruleset_flow(const struct ruleset_params *p, const struct units_weight *w,
		  struct flow_params *fp)
{
	*fp = (struct flow_params){ .leak_hours = p->leak_hours,
				    .leak_zero_min = p->leak_zero_min,
				    .night_from_h = p->night_from_h,
				    .night_to_h = p->night_to_h,
				    .night_max_pulses_h = ruleset_pulses_h(p->night_max_u, w),
				    .burst_pulses_h = ruleset_pulses_h(p->burst_u, w),
				    .burst_min = p->burst_min,
				    .stuck_days = p->stuck_days,
				    .stuck_min_pulses = p->stuck_min_pulses,
				    .max_gap_min = p->max_gap_min };
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_of(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool ruleset_date_days(const char *s, int64_t *out)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || strspn(s, "0123456789") != 4 ||
	    strspn(s + 5, "0123456789") != 2 || strspn(s + 8, "0123456789") != 2)
		return false;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
		return false;
	*out = days_of(y, m, d);
	return true;
}

int64_t ruleset_local_day(int64_t t, int32_t offset)
{
	int64_t l = t + offset;

	return l / 86400 - (l % 86400 < 0);
}

char *ruleset_decimal(int64_t u, char buf[UNITS_QTY_MAX])
{
	size_t len;

	units_format((units_u128)(u < 0 ? 0 : u), RULESET_DEC, buf);
	len = strlen(buf);
	for (size_t keep = len - RULESET_DEC + 3; len > keep && buf[len - 1] == '0';)
		buf[--len] = '\0';
	return buf;
}

json_t *ruleset_json(const struct ruleset_params *p)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < NPARAMS; i++) {
		const char *at = (const char *)p + params[i].off;
		json_t *v;

		if (params[i].kind == P_INT) {
			int32_t n;

			memcpy(&n, at, sizeof n);
			v = json_integer(n);
		} else {
			int64_t n;
			char buf[UNITS_QTY_MAX];

			memcpy(&n, at, sizeof n);
			v = params[i].kind == P_DEBT ? json_integer(n)
						     : json_string(ruleset_decimal(n, buf));
		}
		if (json_object_set_new(o, params[i].name, v)) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

json_t *ruleset_sources(const json_t *const level[RULESET_LEVELS],
			const char *const names[RULESET_LEVELS])
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < NPARAMS; i++) {
		const char *from = "builtin";

		for (int l = 0; l < RULESET_LEVELS; l++)
			if (level[l] && json_object_get(level[l], params[i].name))
				from = names[l];
		if (json_object_set_new(o, params[i].name, json_string(from))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}
