/*
 * ОДН and the building's balance with a real Mosquitto, amr-archive and
 * amr-billing: the house meter less the premises' quantities (a premises
 * billed by the norm counted at its norm) is distributed by area, and the
 * premises' quantities and their ОДН add up exactly to the house meter;
 * capped at the norm for common property unless the building says
 * otherwise; a negative difference reported and not billed; heat in a
 * building without heat meters in its premises shared by area from the
 * house meter; building.balance says it all per resource.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "archive_util.h"
#include "billrun_util.h"
#include "harness.h"
#include "month.h"

static struct harness h;
static struct month mo[2];
static char per[2][8];
static int64_t t[2][32];
static long long bld, prem[4], acc[4];

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
}

static void teardown(void)
{
	harness_stop(&h);
}

static long long units(const char *s, int dec)
{
	const char *dot = strchr(s, '.');
	long long v = llabs(atoll(s)), frac = 0;
	int d = 0;

	for (const char *c = dot ? dot + 1 : ""; *c; c++, d++)
		frac = frac * 10 + (*c - '0');
	ck_assert_int_le(d, dec);
	for (int i = 0; i < dec; i++)
		v *= 10;
	for (; d < dec; d++)
		frac *= 10;
	return (s[0] == '-' ? -1 : 1) * (v + frac);
}

static const char *sv(const json_t *o, const char *name)
{
	const char *s = json_string_value(json_object_get(o, name));

	ck_assert_msg(s != NULL, "no %s", name);
	return s;
}

/* Month i: readings on the 5th and 20th; the house's cold meter counts
 * the flats' and house_extra more each time (negative: fewer). */
static void feed_month(struct feed *f, int i, int house_extra)
{
	for (int day = 4; day <= 19; day += 15) {
		struct feed_reading r[4];
		int sum = 0;

		for (int a = 1; a <= 2; a++) {
			r[a - 1] = (struct feed_reading){ a, 1, (uint32_t)(50 + a * 13 + day + i) };
			sum += (int)r[a - 1].delta;
		}
		/* the flat billed by the norm (4.000 a month, 400 pulses) uses about that */
		sum += 200;
		r[2] = (struct feed_reading){ 9, 1, (uint32_t)(sum + house_extra) };
		r[3] = (struct feed_reading){ 9, 2, (uint32_t)(1234567 + day) };
		feed_send(f, t[i][day] + 12 * 3600, r, 4);
	}
}

static void build(struct feed *f)
{
	time_t now = time(NULL) + 3 * 3600;
	struct tm tm;
	struct month cur;
	long long org, cold, heat;
	static const char *const area[] = { "", "50", "30", "20.01" };

	gmtime_r(&now, &tm);
	cur = (struct month){ tm.tm_year + 1900, tm.tm_mon + 1 };
	for (int i = 0; i < 2; i++) {
		mo[i] = month_add(cur, i - 2);
		month_format(&mo[i], per[i]);
		ck_assert_int_eq(month_utc_days(&mo[i], "Europe/Moscow", t[i]), 0);
	}
	org = br_org(&h);
	bld = br_create(&h, "building",
			"\"org\":%lld,\"address\":\"пр. Мира, 7\",\"tz\":\"Europe/Moscow\","
			"\"odn_uncapped\":true,\"house_meters\":[{\"resource\":\"cold_water\","
			"\"channel\":\"1.9.1\"},{\"resource\":\"heat\",\"channel\":\"1.9.2\"}]",
			org);
	for (int p = 1; p <= 3; p++) {
		prem[p] = br_create(
			&h, "premises",
			"\"building\":%lld,\"number\":\"%d\",\"kind\":\"flat\",\"area\":"
			"\"%s\",\"residents\":1",
			bld, p, area[p]);
		acc[p] = br_create(
			&h, "account",
			"\"org\":%lld,\"number\":\"40000%d\",\"holder\":{\"type\":"
			"\"person\",\"name\":\"Жилец %d\"},\"premises\":[{\"premises\":%lld,"
			"\"from\":\"2020-01-01\"}]",
			org, p, p, prem[p]);
	}
	cold = br_service(&h, org, "cold_water", "Холодная вода", "m3", "\"norm\":\"4.000\"");
	heat = br_service(&h, org, "heat", "Отопление", "Gcal", "");
	br_tariff(&h, org, cold, "ХВС", "per_unit", "\"price\":\"42.30\"");
	br_tariff(&h, org, heat, "Тепло", "per_unit", "\"price\":\"2564.51\"");
	for (int p = 1; p <= 2; p++)
		br_create(&h, "meter",
			  "\"premises\":%lld,\"service\":%lld,\"channel\":\"1.%d.1\",\"from\":"
			  "\"2020-01-01\"",
			  prem[p], cold, p);
	feed_init(f, &h, 1);
	{
		struct feed_reading first[4] = {
			{ 1, 1, 0 }, { 2, 1, 0 }, { 9, 1, 0 }, { 9, 2, 0 }
		};

		feed_send(f, t[0][0] - 86400, first, 4);
	}
	br_channel_unit(&h, "1.1.1", "m3", 100);
	br_channel_unit(&h, "1.2.1", "m3", 100);
	br_channel_unit(&h, "1.9.1", "m3", 100);
	br_channel_unit(&h, "1.9.2", "Gcal", 1000000);
	feed_month(f, 0, 37);
	feed_month(f, 1, -300);
}

/* The resource's item of building.balance for month i. */
static json_t *balance(int i, const char *resource)
{
	json_t *b = br_call(&h, "billing/building.balance",
			    "{\"building\":%lld,\"period\":\"%s\",\"resource\":\"%s\"}", bld,
			    per[i], resource);
	json_t *it = json_incref(json_array_get(json_object_get(b, "resources"), 0));

	ck_assert_int_eq(json_array_size(json_object_get(b, "resources")), 1);
	json_decref(b);
	return it;
}

/* Units of the lines of code (basis, or any) over every invoice of month i. */
static long long lines_sum(int i, const char *code, const char *basis, int dec, int *n)
{
	long long sum = 0;

	*n = 0;
	for (int p = 1; p <= 3; p++) {
		json_t *inv = br_invoice(&h, per[i], bld, acc[p]);
		json_t *l = br_line(inv, prem[p], code, basis, "");

		if (l) {
			sum += units(sv(l, "quantity"), dec);
			(*n)++;
		}
		json_decref(inv);
	}
	return sum;
}

static void draft(int i)
{
	json_decref(br_call(&h, "billing/run.draft",
			    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}", bld,
			    per[i]));
}

START_TEST(odn_adds_up_to_the_house_meter)
{
	struct feed f;
	long long house, premises, odn, diff;
	char *q, pct[48];
	json_t *b;
	int n;

	arc_start(&h, NULL);
	br_billing_start(&h, NULL, NULL);
	build(&f);
	draft(0);

	/* the premises as billed (2 by meter, 1 by the norm) and their ОДН make
	 * up the house meter to the last decimal */
	q = br_consumption(&h, "1.9.1", t[0][0], t[0][month_days(&mo[0])]);
	house = units(q, 3);
	free(q);
	premises = lines_sum(0, "cold_water", "meter", 3, &n);
	ck_assert_int_eq(n, 2);
	premises += lines_sum(0, "cold_water", "norm", 3, &n);
	ck_assert_int_eq(n, 1);
	odn = lines_sum(0, "cold_water", "odn", 3, &n);
	ck_assert_int_eq(n, 3);
	ck_assert_int_gt(odn, 0);
	ck_assert_int_eq(premises + odn, house);
	/* the parts by area, 50 : 30 : 20.01, by the largest remainder */
	{
		json_t *inv = br_invoice(&h, per[0], bld, acc[1]);
		long long p1 = units(sv(br_line(inv, prem[1], "cold_water", "odn", ""), "quantity"),
				     3);

		json_decref(inv);
		ck_assert_int_le(llabs(p1 * 10001 - odn * 5000), 10001);
	}

	/* the balance says the same */
	b = balance(0, "cold_water");
	diff = house - premises;
	ck_assert_int_eq(units(sv(b, "house"), 3), house);
	ck_assert_int_eq(units(sv(b, "premises"), 3), premises);
	ck_assert_int_eq(units(sv(b, "difference"), 3), diff);
	ck_assert_int_eq(units(sv(b, "odn"), 3), diff);
	snprintf(pct, sizeof pct, "%lld.%02lld", (diff * 10000 * 2 + house) / (2 * house) / 100,
		 (diff * 10000 * 2 + house) / (2 * house) % 100);
	ck_assert_str_eq(sv(b, "difference_pct"), pct);
	ck_assert(json_is_false(json_object_get(b, "negative")));
	json_decref(b);

	/* heat without heat meters in the premises: the house's, by area */
	q = br_consumption(&h, "1.9.2", t[0][0], t[0][month_days(&mo[0])]);
	ck_assert_int_eq(lines_sum(0, "heat", "house", 6, &n), units(q, 6));
	ck_assert_int_eq(n, 3);
	free(q);

	/* capped: 0.005 m3 a m2 of 120 m2 of common property is 0.600 */
	json_decref(br_call(&h, "billing/building.update",
			    "{\"id\":%lld,\"actor\":\"accountant\",\"reason\":\"the owners' "
			    "meeting\",\"odn_uncapped\":false,\"common_area\":\"120\","
			    "\"odn_norms\":{\"cold_water\":\"0.005\"}}",
			    bld));
	draft(0);
	ck_assert_int_eq(lines_sum(0, "cold_water", "odn", 3, &n), 600);
	b = balance(0, "cold_water");
	ck_assert_str_eq(sv(b, "odn"), "0.600");
	ck_assert_int_eq(units(sv(b, "odn_excess"), 3), diff - 600);
	ck_assert(json_is_true(json_object_get(b, "capped")));
	json_decref(b);

	/* the premises used more than the house meter shows: reported, not billed */
	draft(1);
	b = balance(1, "cold_water");
	ck_assert(json_is_true(json_object_get(b, "negative")));
	ck_assert_str_eq(sv(b, "odn"), "0.000");
	ck_assert_int_lt(units(sv(b, "difference"), 3), 0);
	ck_assert_int_eq(sv(b, "difference_pct")[0], '-');
	json_decref(b);
	ck_assert_int_eq(lines_sum(1, "cold_water", "odn", 3, &n), 0);
	ck_assert_int_eq(n, 0);
	br_refused(&h, "billing/building.balance", "bad_request",
		   "resource: ", "{\"building\":%lld,\"period\":\"%s\",\"resource\":\"water\"}",
		   bld, per[0]);
}
END_TEST

static Suite *odn_suite(void)
{
	Suite *s = suite_create("billing_run_odn");
	TCase *tc = tcase_create("odn");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, odn_adds_up_to_the_house_meter);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(odn_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
