/*
 * The "usage" report (a tenant's consumption compared) with a real
 * Mosquitto, amr-archive and amr-billing: flat 1 changed hands on the
 * 16th of last month, flat 2 kept its tenant; both flats' meters have
 * data of last month and of the same month a year before. The new
 * tenant's days are the archive's days of its own channel from its
 * move-in only, and a year before it is shown nothing (it held nothing
 * then); the old tenant's year before is its own; per m² is the quantity
 * over the flat's area, the building's average all flats over all areas,
 * rounded half up to 4 decimals, and given only once three flats are
 * metered; by month the same whole.
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

static struct {
	struct month p0, p1;   /* last month, the same a year before */
	char from[11], to[11]; /* last month's first and last days */
	char moved[11];	       /* the 16th */
	int64_t t0[32], t1[32];
	int days, days1;
	long long org, bld, p[4], old, neu, other, cold;
	struct feed f;
} sc;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	arc_start(&h, NULL);
	br_billing_start(&h, NULL, NULL);
}

static void teardown(void)
{
	harness_stop(&h);
}

/* Each day of month m (its days' UTC starts t), two readings of both flats. */
static void feed_month(const int64_t *t, int days)
{
	for (int d = 0; d < days; d++)
		for (int half = 0; half < 2; half++) {
			struct feed_reading r[3] = { { 1, 1, (uint32_t)(d * 7 % 11 + 1) },
						     { 2, 1, (uint32_t)(d % 4 + 3 * half + 1) },
						     { 3, 1, (uint32_t)(d % 3 + 2) } };

			feed_send(&sc.f, t[d] + 2 * 3600 + half * 12 * 3600, r, 3);
		}
}

static void build_scene(void)
{
	time_t now = time(NULL) + 3 * 3600; /* Moscow */
	struct tm tm;

	gmtime_r(&now, &tm);
	sc.p0 = month_add((struct month){ tm.tm_year + 1900, tm.tm_mon + 1 }, -1);
	sc.p1 = month_add(sc.p0, -12);
	sc.days = month_days(&sc.p0);
	sc.days1 = month_days(&sc.p1);
	month_date(&sc.p0, 0, sc.from);
	month_date(&sc.p0, sc.days - 1, sc.to);
	month_date(&sc.p0, 15, sc.moved);
	ck_assert_int_eq(month_utc_days(&sc.p0, "Europe/Moscow", sc.t0), 0);
	ck_assert_int_eq(month_utc_days(&sc.p1, "Europe/Moscow", sc.t1), 0);
	sc.org = br_org(&h);
	sc.bld = br_create(&h, "building",
			   "\"org\":%lld,\"address\":\"ул. Садовая, 12\",\"tz\":\"Europe/Moscow\","
			   "\"objects\":[1]",
			   sc.org);
	for (int i = 1; i <= 3; i++)
		sc.p[i] = br_create(&h, "premises",
				    "\"building\":%lld,\"number\":\"%d\",\"kind\":\"flat\","
				    "\"area\":\"%s\",\"residents\":1",
				    sc.bld, i,
				    (const char *[]){ "", "40.00", "60.00", "50.00" }[i]);
	sc.old = br_create(&h, "account",
			   "\"org\":%lld,\"number\":\"300001\",\"holder\":{\"type\":\"person\","
			   "\"name\":\"Старый\"},\"premises\":[{\"premises\":%lld,\"from\":"
			   "\"2020-01-01\",\"to\":\"%s\"}]",
			   sc.org, sc.p[1], sc.moved);
	sc.neu = br_create(&h, "account",
			   "\"org\":%lld,\"number\":\"300002\",\"holder\":{\"type\":\"person\","
			   "\"name\":\"Новый\"},\"premises\":[{\"premises\":%lld,\"from\":\"%s\"}]",
			   sc.org, sc.p[1], sc.moved);
	sc.other = br_create(&h, "account",
			     "\"org\":%lld,\"number\":\"300003\",\"holder\":{\"type\":\"person\","
			     "\"name\":\"Сосед\"},\"premises\":[{\"premises\":%lld,\"from\":"
			     "\"2020-01-01\"}]",
			     sc.org, sc.p[2]);
	sc.cold = br_service(&h, sc.org, "cold_water", "Холодная вода", "m3", "");
	for (int i = 1; i <= 2; i++)
		br_create(&h, "meter",
			  "\"premises\":%lld,\"service\":%lld,\"channel\":\"1.%d.1\",\"from\":"
			  "\"2020-01-01\"",
			  sc.p[i], sc.cold, i);
	feed_init(&sc.f, &h, 1);
	{
		struct feed_reading first[3] = { { 1, 1, 0 }, { 2, 1, 0 }, { 3, 1, 0 } };

		feed_send(&sc.f, sc.t1[0] - 86400, first, 3);
	}
	br_channel_unit(&h, "1.1.1", "m3", 1000);
	br_channel_unit(&h, "1.2.1", "m3", 1000);
	br_channel_unit(&h, "1.3.1", "m3", 1000);
	feed_month(sc.t1, sc.days1);
	feed_month(sc.t0, sc.days);
}

static json_t *usage(long long account, const char *step)
{
	return br_call(&h, "billing/report",
		       "{\"report\":\"usage\",\"account\":%lld,\"service\":\"cold_water\","
		       "\"from\":\"%s\",\"to\":\"%s\",\"step\":\"%s\"}",
		       account, sc.from, sc.to, step);
}

/* q (milli-units) per area (hundredths of m²) to 4 decimals, half up. */
static void per_m2(long long milli, long long area, char out[32])
{
	long long r = (milli * 100 * 10000 / 1000 * 2 + area) / (2 * area);

	snprintf(out, 32, "%lld.%04lld", r / 10000, r % 10000);
}

static const char *cell(const json_t *row, const char *key)
{
	return json_string_value(json_object_get(row, key));
}

START_TEST(usage_compares_only_what_was_held)
{
	json_t *t, *r;
	char want[32];
	long long total = 0;

	build_scene();
	/* two metered flats: their average would tell the neighbour's */
	t = usage(sc.neu, "month");
	ck_assert_ptr_null(cell(json_array_get(json_object_get(t, "rows"), 0), "building_per_m2"));
	ck_assert_ptr_nonnull(cell(json_array_get(json_object_get(t, "rows"), 0), "quantity"));
	json_decref(t);
	br_create(
		&h, "meter",
		"\"premises\":%lld,\"service\":%lld,\"channel\":\"1.3.1\",\"from\":\"2020-01-01\"",
		sc.p[3], sc.cold);

	/* the new tenant by day: nothing before its move-in, nothing a year before */
	t = usage(sc.neu, "day");
	ck_assert_uint_eq(json_array_size(json_object_get(t, "rows")), (size_t)sc.days);
	for (int d = 0; d < sc.days; d++) {
		char *q1 = br_consumption(&h, "1.1.1", sc.t0[d], sc.t0[d + 1]);
		char *q2 = br_consumption(&h, "1.2.1", sc.t0[d], sc.t0[d + 1]);
		char *q3 = br_consumption(&h, "1.3.1", sc.t0[d], sc.t0[d + 1]);
		char day[11];

		r = json_array_get(json_object_get(t, "rows"), (size_t)d);
		month_date(&sc.p0, d, day);
		ck_assert_str_eq(cell(r, "time"), day);
		ck_assert_msg(!cell(r, "last_year"), "day %d: a year before %s", d,
			      cell(r, "last_year"));
		if (d < 15) {
			ck_assert_msg(!cell(r, "quantity") && !cell(r, "per_m2"),
				      "day %d: the previous tenant's %s shown", d,
				      cell(r, "quantity"));
		} else {
			ck_assert_str_eq(cell(r, "quantity"), q1);
			per_m2(br_milli(q1), 4000, want);
			ck_assert_str_eq(cell(r, "per_m2"), want);
			total += br_milli(q1);
		}
		/* the building: the three flats over 150.00 m², whoever held them */
		per_m2(br_milli(q1) + br_milli(q2) + br_milli(q3), 15000, want);
		ck_assert_str_eq(cell(r, "building_per_m2"), want);
		free(q1);
		free(q2);
		free(q3);
	}
	r = json_object_get(t, "totals");
	ck_assert_int_eq(br_milli(cell(r, "quantity")), total);
	ck_assert_ptr_null(cell(r, "last_year"));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(t, "params"), "step")),
			 "day");
	json_decref(t);

	/* the old tenant by month: its first 15 days only (the archive's month
	 * would be the whole of it), and its own whole month a year before */
	t = usage(sc.old, "month");
	ck_assert_uint_eq(json_array_size(json_object_get(t, "rows")), 1);
	r = json_array_get(json_object_get(t, "rows"), 0);
	{
		char *q = br_consumption(&h, "1.1.1", sc.t0[0], sc.t0[15]);
		/* it held the flat all of that month a year before */
		char *ly = br_consumption(&h, "1.1.1", sc.t1[0], sc.t1[sc.days1]);

		ck_assert_int_eq(strncmp(cell(r, "time"), sc.from, 7), 0);
		ck_assert_uint_eq(strlen(cell(r, "time")), 7);
		ck_assert_int_eq(br_milli(cell(r, "quantity")), br_milli(q));
		ck_assert_int_eq(br_milli(cell(r, "last_year")), br_milli(ly));
		free(q);
		free(ly);
	}
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(t, "chart"), "kind")),
			 "bar");
	json_decref(t);

	/* the neighbour kept its flat: a whole year before */
	t = usage(sc.other, "month");
	r = json_array_get(json_object_get(t, "rows"), 0);
	{
		char *ly = br_consumption(&h, "1.2.1", sc.t1[0], sc.t1[sc.days1]);

		ck_assert_int_eq(br_milli(cell(r, "last_year")), br_milli(ly));
		free(ly);
	}
	json_decref(t);

	/* as a file, as every report */
	for (int f = 0; f < 2; f++) {
		t = br_call(&h, "billing/report",
			    "{\"report\":\"usage\",\"account\":%lld,\"service\":\"cold_water\","
			    "\"from\":\"%s\",\"to\":\"%s\",\"step\":\"day\",\"format\":\"%s\"}",
			    sc.neu, sc.from, sc.to, (const char *[]){ "csv", "pdf" }[f]);
		ck_assert_int_gt(json_integer_value(json_object_get(t, "size")), 0);
		json_decref(t);
	}

	/* refused, naming the field */
	br_refused(&h, "billing/report", "bad_request", "step: ",
		   "{\"report\":\"usage\",\"account\":%lld,\"service\":\"cold_water\","
		   "\"from\":\"%s\",\"to\":\"%s\",\"step\":\"hour\"}",
		   sc.neu, sc.from, sc.to);
	br_refused(&h, "billing/report", "not_found", "account: ",
		   "{\"report\":\"usage\",\"account\":999,\"service\":\"cold_water\","
		   "\"from\":\"%s\",\"to\":\"%s\"}",
		   sc.from, sc.to);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("billing_usage");
	TCase *tc = tcase_create("usage");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, usage_compares_only_what_was_held);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
