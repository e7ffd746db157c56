/*
 * Unit tests of amr-notify's rules' parameters (services/notify/
 * ruleset.c), from tables: which scopes there are, which params are
 * refused and with what message, which scope wins for a parameter, and
 * thresholds in a channel's unit per hour as pulses of its weight,
 * exactly.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "ruleset.h"

START_TEST(scopes)
{
	static const struct {
		const char *s;
		int lvl;
		unsigned obj, addr, ch;
	} t[] = {
		{ "default", RULESET_DEFAULT, 0, 0, 0 },
		{ "cold_water", RULESET_RESOURCE, 0, 0, 0 },
		{ "electricity", RULESET_RESOURCE, 0, 0, 0 },
		{ "2", RULESET_OBJECT, 2, 0, 0 },
		{ "1.5.1", RULESET_CHANNEL, 1, 5, 1 },
		{ "1.5", -1, 0, 0, 0 },	       /* a device is no scope */
		{ "water_cold", -1, 0, 0, 0 }, /* not a resource's name */
		{ "02", -1, 0, 0, 0 },	       /* not the one spelling */
		{ "0", -1, 0, 0, 0 },
		{ "", -1, 0, 0, 0 },
		{ "Default", -1, 0, 0, 0 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct proto_id id;

		ck_assert_msg(ruleset_scope_parse(t[i].s, &id) == t[i].lvl, "%s", t[i].s);
		if (t[i].lvl >= RULESET_OBJECT)
			ck_assert_msg(id.obj == t[i].obj && id.addr == t[i].addr &&
					      id.ch == t[i].ch,
				      "%s", t[i].s);
	}
}
END_TEST

START_TEST(checks)
{
	static const struct {
		const char *params;
		int lvl;
		const char *err; /* NULL: accepted */
		const char *stored;
	} t[] = {
		{ "{\"leak_hours\":12}", RULESET_DEFAULT, NULL, "{\"leak_hours\":12}" },
		{ "{\"leak_hours\":721}", RULESET_CHANNEL,
		  "params.leak_hours: 721 is out of range 0..720", NULL },
		{ "{\"leak_hours\":\"12\"}", RULESET_CHANNEL,
		  "params.leak_hours: expected an integer, got string", NULL },
		{ "{\"leak_zero_min\":0}", RULESET_CHANNEL,
		  "params.leak_zero_min: 0 is out of range 1..1440", NULL },
		{ "{\"night_max_per_h\":\"0.030\"}", RULESET_RESOURCE, NULL,
		  "{\"night_max_per_h\":\"0.030\"}" },
		{ "{\"night_max_per_h\":0.03}", RULESET_RESOURCE,
		  "params.night_max_per_h: expected a decimal string like \"0.030\", got number "
		  "with a fraction",
		  NULL },
		{ "{\"burst_per_h\":\"1.5e3\"}", RULESET_RESOURCE,
		  "params.burst_per_h: \"1.5e3\" is not a decimal with at most 6 decimals", NULL },
		{ "{\"burst_per_h\":\"0.0000001\"}", RULESET_RESOURCE,
		  "params.burst_per_h: \"0.0000001\" is not a decimal with at most 6 decimals",
		  NULL },
		{ "{\"burst_per_h\":\"1000000.5\"}", RULESET_RESOURCE,
		  "params.burst_per_h: 1000000.5 is above 1000000", NULL },
		{ "{\"stuck_min_pulses\":17}", RULESET_OBJECT,
		  "params.stuck_min_pulses: 17 is out of range 0..16", NULL },
		{ "{\"leak\":1}", RULESET_DEFAULT, "params.leak: not a parameter of the rules",
		  NULL },
		{ "{\"spool_pct\":90}", RULESET_OBJECT, NULL, "{\"spool_pct\":90}" },
		{ "{\"spool_pct\":90}", RULESET_CHANNEL,
		  "params.spool_pct: an object's parameter, set at \"default\" or an object, not "
		  "at a channel",
		  NULL },
		{ "{\"gateway_offline_min\":5}", RULESET_RESOURCE,
		  "params.gateway_offline_min: an object's parameter, set at \"default\" or an "
		  "object, not at a resource",
		  NULL },
		{ "{\"debt_threshold\":\"5000.00\"}", RULESET_DEFAULT, NULL,
		  "{\"debt_threshold\":500000}" },
		{ "{\"debt_threshold\":\"5000.5\"}", RULESET_OBJECT, NULL,
		  "{\"debt_threshold\":500050}" },
		{ "{\"debt_threshold\":700000}", RULESET_OBJECT, NULL,
		  "{\"debt_threshold\":700000}" },
		{ "{\"debt_threshold\":\"5000.001\"}", RULESET_OBJECT,
		  "params.debt_threshold: \"5000.001\" is not a decimal with at most 2 decimals",
		  NULL },
		{ "{\"debt_threshold\":-1}", RULESET_OBJECT,
		  "params.debt_threshold: -1 kopecks is out of range 0..100000000000", NULL },
		{ "{\"debt_threshold\":50.5}", RULESET_OBJECT,
		  "params.debt_threshold: expected kopecks (500000) or rubles as a decimal string "
		  "(\"5000.00\"), got number with a fraction",
		  NULL },
		{ "{}", RULESET_CHANNEL, NULL, "{}" },
		{ "[]", RULESET_CHANNEL, "params: expected an object of parameters, got array",
		  NULL },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		json_t *p = json_loads(t[i].params, JSON_DECODE_ANY, NULL), *out = NULL;
		struct jv_err err = { "" };
		amr_err rc = ruleset_check(p, t[i].lvl, &out, &err);

		if (t[i].err) {
			ck_assert_msg(rc == AMR_EINVAL, "%s accepted", t[i].params);
			ck_assert_msg(!out, "%s", t[i].params);
			ck_assert_str_eq(err.msg, t[i].err);
		} else {
			json_t *want = json_loads(t[i].stored, 0, NULL);

			ck_assert_msg(rc == AMR_OK, "%s: %s", t[i].params, err.msg);
			ck_assert_msg(json_equal(out, want), "%s stored otherwise", t[i].params);
			json_decref(want);
		}
		json_decref(out);
		json_decref(p);
	}
}
END_TEST

/* The most specific scope that sets a parameter wins. */
START_TEST(resolution)
{
	static const struct {
		const char *levels[RULESET_LEVELS]; /* default, resource, object, channel */
		const char *res, *unit;
		int32_t leak_hours, stuck_days, spool_pct;
		int64_t burst_u;
	} t[] = {
		/* built in: water gets leak and burst, others only stuck */
		{ { NULL, NULL, NULL, NULL }, "cold_water", "m3", 24, 7, 80, 1500000 },
		{ { NULL, NULL, NULL, NULL }, "hot_water", "l", 24, 7, 80, 1500000000 },
		{ { NULL, NULL, NULL, NULL }, "electricity", "kWh", 0, 7, 80, 0 },
		{ { NULL, NULL, NULL, NULL }, "cold_water", "pulse", 24, 7, 80, 0 },
		/* each level over the one before, parameter by parameter */
		{ { "{\"leak_hours\":6,\"stuck_days\":3}", NULL, NULL, NULL },
		  "electricity",
		  "kWh",
		  6,
		  3,
		  80,
		  0 },
		{ { "{\"leak_hours\":6}", "{\"leak_hours\":12}", NULL, NULL },
		  "cold_water",
		  "m3",
		  12,
		  7,
		  80,
		  1500000 },
		{ { "{\"leak_hours\":6}", "{\"leak_hours\":12}",
		    "{\"leak_hours\":2,\"spool_pct\":50}", NULL },
		  "cold_water",
		  "m3",
		  2,
		  7,
		  50,
		  1500000 },
		{ { "{\"leak_hours\":6}", "{\"leak_hours\":12,\"burst_per_h\":\"2.5\"}",
		    "{\"leak_hours\":2}", "{\"leak_hours\":1,\"stuck_days\":0}" },
		  "cold_water",
		  "m3",
		  1,
		  0,
		  80,
		  2500000 },
		/* a channel's rule that says nothing of a parameter leaves it */
		{ { NULL, "{\"burst_per_h\":\"0\"}", NULL, "{\"stuck_days\":30}" },
		  "hot_water",
		  "m3",
		  24,
		  30,
		  80,
		  0 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const json_t *lv[RULESET_LEVELS];
		json_t *own[RULESET_LEVELS];
		struct ruleset_params p;

		for (int l = 0; l < RULESET_LEVELS; l++) {
			struct jv_err err;
			json_t *raw = t[i].levels[l] ? json_loads(t[i].levels[l], 0, NULL) : NULL;

			own[l] = NULL;
			if (raw)
				ck_assert_int_eq(ruleset_check(raw, l, &own[l], &err), AMR_OK);
			json_decref(raw);
			lv[l] = own[l];
		}
		ruleset_resolve(&p, lv, t[i].res, t[i].unit, 10, 80);
		ck_assert_msg(p.leak_hours == t[i].leak_hours, "case %zu: leak_hours %d", i,
			      p.leak_hours);
		ck_assert_msg(p.stuck_days == t[i].stuck_days, "case %zu: stuck_days %d", i,
			      p.stuck_days);
		ck_assert_msg(p.spool_pct == t[i].spool_pct, "case %zu: spool_pct %d", i,
			      p.spool_pct);
		ck_assert_msg(p.burst_u == t[i].burst_u, "case %zu: burst %lld", i,
			      (long long)p.burst_u);
		ck_assert_int_eq(p.gateway_offline_min, 10);
		ck_assert_int_eq(p.verification_days, RULESET_DEFAULT_VERIFY);
		for (int l = 0; l < RULESET_LEVELS; l++)
			json_decref(own[l]);
	}
}
END_TEST

/* Unit per hour to pulses per hour: floor(u * den / num), at least 1. */
START_TEST(units)
{
	static const struct {
		const char *rate; /* unit per hour */
		uint64_t num, den;
		int64_t pulses_h;
	} t[] = {
		{ "0.030", 1, 100, 3 },			     /* 10 l a pulse: 30 l/h */
		{ "0.030", 1, 1000, 30 },		     /* 1 l a pulse */
		{ "1.5", 1, 100, 150 },			     /* burst of 1.5 m³/h */
		{ "0.035", 1, 100, 3 },			     /* 3.5 pulses: down to 3 */
		{ "0.001", 1, 100, 1 },			     /* a tenth of a pulse: at least 1 */
		{ "0", 1, 100, 0 },			     /* off stays off */
		{ "1", 1, 3200, 3200 },			     /* 3200 imp/kWh */
		{ "0.5", 3, 1000, 166 },		     /* 500/3 = 166.67 */
		{ "1000000", 1, 1000000000, FLOW_RATE_MAX }, /* bounded */
		{ "10", 1000000, 1, 1 },		     /* a big weight */
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		units_u128 u;
		struct units_weight w = { t[i].num, t[i].den, 0 };

		ck_assert_int_eq(units_parse(t[i].rate, RULESET_DEC, &u), AMR_OK);
		ck_assert_msg(ruleset_pulses_h((int64_t)u, &w) == t[i].pulses_h,
			      "%s at %llu/%llu: %lld", t[i].rate, (unsigned long long)t[i].num,
			      (unsigned long long)t[i].den,
			      (long long)ruleset_pulses_h((int64_t)u, &w));
	}
}
END_TEST

/* The parameters make flow params flow.h accepts. */
START_TEST(flow_of)
{
	struct ruleset_params p;
	struct flow_params fp;
	struct units_weight w = { 1, 100, 0 };
	const json_t *none[RULESET_LEVELS] = { NULL, NULL, NULL, NULL };
	const char *why = NULL;

	ruleset_resolve(&p, none, "cold_water", "m3", 10, 80);
	ruleset_flow(&p, &w, &fp);
	ck_assert_int_eq(flow_params_check(&fp, &why), AMR_OK);
	ck_assert_int_eq(fp.leak_hours, 24);
	ck_assert_int_eq(fp.night_max_pulses_h, 3);
	ck_assert_int_eq(fp.burst_pulses_h, 150);
	ck_assert_int_eq(fp.burst_min, 30);
	ck_assert_int_eq(fp.stuck_days, 7);
}
END_TEST

/* Verification dates as days, and today in the site's zone. */
START_TEST(dates)
{
	static const struct {
		const char *s;
		bool ok;
		int64_t days;
	} t[] = {
		{ "1970-01-01", true, 0 },
		{ "2026-12-04", true, 20791 },
		{ "2029-05-01", true, 21670 },
		{ "2024-02-29", true, 19782 },
		{ "2026-02-29", false, 0 },
		{ "2100-02-29", false, 0 },
		{ "2000-02-29", true, 11016 },
		{ "2026-13-01", false, 0 },
		{ "2026-04-31", false, 0 },
		{ "2026-1-01", false, 0 },
		{ "", false, 0 },
		{ "2026-01-01x", false, 0 },
		{ "20260101xx", false, 0 },
		{ "1969-12-31", true, -1 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int64_t d = 12345;

		ck_assert_msg(ruleset_date_days(t[i].s, &d) == t[i].ok, "%s", t[i].s);
		if (t[i].ok)
			ck_assert_msg(d == t[i].days, "%s: %lld", t[i].s, (long long)d);
	}
	/* 2026-12-04 21:30 UTC is the 5th in Moscow (+3), the 4th in UTC */
	ck_assert_int_eq(ruleset_local_day(1796419800, 3 * 3600), 20792);
	ck_assert_int_eq(ruleset_local_day(1796419800, 0), 20791);
	ck_assert_int_eq(ruleset_local_day(-1, 0), -1);
}
END_TEST

/* The parameters as JSON, and the scope each comes from. */
START_TEST(json_and_sources)
{
	static const char *const names[RULESET_LEVELS] = { "default", "cold_water", "1", "1.5.1" };
	json_t *res = json_loads("{\"burst_per_h\":\"2\",\"leak_hours\":12}", 0, NULL);
	json_t *ch = json_loads("{\"leak_hours\":3}", 0, NULL);
	json_t *dflt = json_loads("{\"debt_threshold\":500000,\"leak_hours\":1}", 0, NULL);
	const json_t *lv[RULESET_LEVELS] = { dflt, res, NULL, ch };
	struct ruleset_params p;
	json_t *j, *from;

	ruleset_resolve(&p, lv, "cold_water", "m3", 10, 80);
	j = ruleset_json(&p);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "leak_hours")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(j, "burst_per_h")), "2.000");
	ck_assert_str_eq(json_string_value(json_object_get(j, "night_max_per_h")), "0.030");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "debt_threshold")), 500000);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "spool_pct")), 80);
	ck_assert_uint_eq(json_object_size(j), 14);
	{
		char buf[UNITS_QTY_MAX];

		ck_assert_str_eq(ruleset_decimal(0, buf), "0.000");
		ck_assert_str_eq(ruleset_decimal(1, buf), "0.000001");
		ck_assert_str_eq(ruleset_decimal(1500000, buf), "1.500");
		ck_assert_str_eq(ruleset_decimal(1234500, buf), "1.2345");
		ck_assert_str_eq(ruleset_decimal(1000000000000, buf), "1000000.000");
	}
	from = ruleset_sources(lv, names);
	ck_assert_str_eq(json_string_value(json_object_get(from, "leak_hours")), "1.5.1");
	ck_assert_str_eq(json_string_value(json_object_get(from, "burst_per_h")), "cold_water");
	ck_assert_str_eq(json_string_value(json_object_get(from, "debt_threshold")), "default");
	ck_assert_str_eq(json_string_value(json_object_get(from, "stuck_days")), "builtin");
	json_decref(from);
	json_decref(j);
	json_decref(res);
	json_decref(ch);
	json_decref(dflt);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("notify_ruleset");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, scopes);
	tcase_add_test(tc, checks);
	tcase_add_test(tc, resolution);
	tcase_add_test(tc, units);
	tcase_add_test(tc, flow_of);
	tcase_add_test(tc, dates);
	tcase_add_test(tc, json_and_sources);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
