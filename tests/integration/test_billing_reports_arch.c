/*
 * The reports the archives answer (billing/report consumption and
 * distribution) with a real Mosquitto, amr-archive and amr-billing: an
 * account's consumption by day, hour and month is the archive's own
 * consumption of its channel, bucket by bucket added up exactly; a
 * group's is its premises' together; the distribution of a building's
 * water gives each premises its channel's quantity and shares adding up
 * to 100.00; a silent or refusing archive, and bad arguments, are
 * refused.
 */
#include <check.h>
#include <signal.h>
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

static pid_t archive;

static struct {
	struct month p0;
	char from[11], to[11];
	int64_t t[32];
	int days;
	long long org, bld, p[3], acc[3], cold;
	struct feed f;
} sc;

static void setup(void)
{
	static const char *const args[] = { "--archive-timeout", "2000", NULL };

	ck_assert_int_eq(harness_start(&h), 0);
	archive = arc_start(&h, NULL);
	br_billing_start(&h, args, NULL);
}

static void teardown(void)
{
	harness_stop(&h);
}

/* Hundredths of a percentage "12.34". */
static long long centi(const char *s)
{
	const char *dot;

	ck_assert_ptr_nonnull(s);
	dot = strchr(s, '.');
	ck_assert_msg(dot && strlen(dot + 1) == 2, "%s: not 2 decimals", s);
	return atoll(s) * 100 + atoll(dot + 1);
}

static void build_scene(void)
{
	time_t now = time(NULL) + 3 * 3600; /* Moscow */
	struct tm tm;

	memset(&sc, 0, sizeof sc);
	gmtime_r(&now, &tm);
	sc.p0 = month_add((struct month){ tm.tm_year + 1900, tm.tm_mon + 1 }, -1);
	sc.days = month_days(&sc.p0);
	month_date(&sc.p0, 0, sc.from);
	month_date(&sc.p0, sc.days - 1, sc.to);
	ck_assert_int_eq(month_utc_days(&sc.p0, "Europe/Moscow", sc.t), 0);
	sc.org = br_org(&h);
	sc.bld = br_create(&h, "building",
			   "\"org\":%lld,\"address\":\"ул. Садовая, 12\",\"tz\":\"Europe/Moscow\","
			   "\"objects\":[1]",
			   sc.org);
	for (int i = 1; i <= 2; i++) {
		sc.p[i] = br_create(&h, "premises",
				    "\"building\":%lld,\"number\":\"%d\",\"kind\":\"flat\","
				    "\"area\":\"40\",\"residents\":1",
				    sc.bld, i);
		sc.acc[i] = br_create(
			&h, "account",
			"\"org\":%lld,\"number\":\"20000%d\",\"holder\":{\"type\":"
			"\"person\",\"name\":\"Жилец %d\"},\"premises\":[{\"premises\":"
			"%lld,\"from\":\"2020-01-01\"}]",
			sc.org, i, i, sc.p[i]);
	}
	sc.cold = br_service(&h, sc.org, "cold_water", "Холодная вода", "m3", "");
	for (int i = 1; i <= 2; i++)
		br_create(&h, "meter",
			  "\"premises\":%lld,\"service\":%lld,\"channel\":\"1.%d.1\",\"from\":"
			  "\"2020-01-01\"",
			  sc.p[i], sc.cold, i);
	feed_init(&sc.f, &h, 1);
	{
		struct feed_reading first[2] = { { 1, 1, 0 }, { 2, 1, 0 } };

		feed_send(&sc.f, sc.t[0] - 86400, first, 2);
	}
	br_channel_unit(&h, "1.1.1", "m3", 1000);
	br_channel_unit(&h, "1.2.1", "m3", 1000);
	for (int d = 0; d < sc.days; d++)
		for (int half = 0; half < 2; half++) {
			struct feed_reading r[2] = { { 1, 1, (uint32_t)(d * 7 % 11 + 1) },
						     { 2, 1, (uint32_t)(d % 4 + 3 * half + 1) } };

			feed_send(&sc.f, sc.t[d] + 2 * 3600 + half * 12 * 3600, r, 2);
		}
}

static json_t *consumption(const char *who, long long id, const char *step)
{
	return br_call(&h, "billing/report",
		       "{\"report\":\"consumption\",\"%s\":%lld,\"service\":\"cold_water\","
		       "\"from\":\"%s\",\"to\":\"%s\",\"step\":\"%s\"}",
		       who, id, sc.from, sc.to, step);
}

/* The rows' quantities added up, which must be the totals'. */
static long long rows_sum(const json_t *t)
{
	long long sum = 0;
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(t, "rows"), i, r)
		sum += br_milli(json_string_value(json_object_get(r, "quantity")));
	ck_assert_int_eq(sum, br_milli(json_string_value(
				      json_object_get(json_object_get(t, "totals"), "quantity"))));
	return sum;
}

START_TEST(consumption_is_the_archives)
{
	char *q1, *q2, day[11];
	json_t *t, *r;

	build_scene();
	q1 = br_consumption(&h, "1.1.1", sc.t[0], sc.t[sc.days]);
	q2 = br_consumption(&h, "1.2.1", sc.t[0], sc.t[sc.days]);

	/* by day: a row a day of the month, each the archive's day */
	t = consumption("account", sc.acc[1], "day");
	ck_assert_str_eq(json_string_value(json_object_get(t, "title")),
			 "Потребление: Холодная вода, лицевой счёт 200001");
	ck_assert_uint_eq(json_array_size(json_object_get(t, "rows")), (size_t)sc.days);
	ck_assert_int_eq(rows_sum(t), br_milli(q1));
	r = json_array_get(json_object_get(t, "rows"), 4);
	month_date(&sc.p0, 4, day);
	ck_assert_str_eq(json_string_value(json_object_get(r, "time")), day);
	{
		char *q = br_consumption(&h, "1.1.1", sc.t[4], sc.t[5]);

		ck_assert_str_eq(json_string_value(json_object_get(r, "quantity")), q);
		free(q);
	}
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(t, "chart"), "kind")),
			 "line");
	json_decref(t);

	/* by hour and by month: the same whole */
	t = consumption("account", sc.acc[1], "hour");
	ck_assert_uint_eq(json_array_size(json_object_get(t, "rows")), (size_t)sc.days * 24);
	ck_assert_int_eq(rows_sum(t), br_milli(q1));
	json_decref(t);
	t = consumption("account", sc.acc[2], "month");
	ck_assert_uint_eq(json_array_size(json_object_get(t, "rows")), 1);
	ck_assert_int_eq(rows_sum(t), br_milli(q2));
	json_decref(t);

	/* a group of both flats: both channels added up */
	{
		long long g = br_create(&h, "group",
					"\"org\":%lld,\"name\":\"Подъезд 1\",\"kind\":\"entrance\","
					"\"premises\":[%lld,%lld]",
					sc.org, sc.p[1], sc.p[2]);

		t = consumption("group", g, "day");
		ck_assert_int_eq(rows_sum(t), br_milli(q1) + br_milli(q2));
		json_decref(t);
	}

	/* the distribution: each flat its channel's, shares adding up to 100.00 */
	t = br_call(&h, "billing/report",
		    "{\"report\":\"distribution\",\"building\":%lld,\"service\":%lld,\"from\":"
		    "\"%s\",\"to\":\"%s\"}",
		    sc.bld, sc.cold, sc.from, sc.to);
	ck_assert_uint_eq(json_array_size(json_object_get(t, "rows")), 2);
	r = json_array_get(json_object_get(t, "rows"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "number")), "1");
	ck_assert_str_eq(json_string_value(json_object_get(r, "accounts")), "200001");
	ck_assert_str_eq(json_string_value(json_object_get(r, "quantity")), q1);
	ck_assert_int_eq(rows_sum(t), br_milli(q1) + br_milli(q2));
	{
		long long a = centi(json_string_value(json_object_get(r, "share")));
		long long b = centi(json_string_value(
			json_object_get(json_array_get(json_object_get(t, "rows"), 1), "share")));
		/* the exact share of flat 1 in hundredths of a percent, rounded down */
		long long exact = br_milli(q1) * 10000 / (br_milli(q1) + br_milli(q2));

		ck_assert_int_eq(a + b, 10000);
		ck_assert_msg(a == exact || a == exact + 1, "share %lld, exact %lld", a, exact);
	}
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(t, "totals"), "share")),
			 "100.00");
	json_decref(t);

	/* as a file: the same, through tabout */
	t = br_call(&h, "billing/report",
		    "{\"report\":\"distribution\",\"building\":%lld,\"service\":%lld,\"from\":"
		    "\"%s\",\"to\":\"%s\",\"format\":\"csv\"}",
		    sc.bld, sc.cold, sc.from, sc.to);
	ck_assert_str_eq(json_string_value(json_object_get(t, "type")), "text/csv; charset=utf-8");
	ck_assert_ptr_null(json_string_value(json_object_get(t, "next")));
	json_decref(t);
	/* a table of days as every file: its totals' label under the dates */
	for (int f = 0; f < 3; f++) {
		t = br_call(&h, "billing/report",
			    "{\"report\":\"consumption\",\"account\":%lld,\"service\":"
			    "\"cold_water\",\"from\":\"%s\",\"to\":\"%s\",\"step\":\"day\","
			    "\"format\":\"%s\"}",
			    sc.acc[1], sc.from, sc.to, (const char *[]){ "csv", "xlsx", "pdf" }[f]);
		ck_assert_int_gt(json_integer_value(json_object_get(t, "size")), 0);
		json_decref(t);
	}
	free(q1);
	free(q2);
}
END_TEST

START_TEST(bad_arguments_and_silent_archives)
{
	build_scene();
	br_refused(&h, "billing/report", "bad_request", "account: give an account or a group",
		   "{\"report\":\"consumption\",\"account\":%lld,\"group\":1,\"service\":%lld,"
		   "\"from\":\"%s\",\"to\":\"%s\"}",
		   sc.acc[1], sc.cold, sc.from, sc.to);
	br_refused(&h, "billing/report", "not_found", "service: organisation 1 has no service gas",
		   "{\"report\":\"consumption\",\"account\":%lld,\"service\":\"gas\",\"from\":"
		   "\"%s\",\"to\":\"%s\"}",
		   sc.acc[1], sc.from, sc.to);
	br_refused(&h, "billing/report", "bad_request", "step:",
		   "{\"report\":\"consumption\",\"account\":%lld,\"service\":%lld,\"from\":\"%s\","
		   "\"to\":\"%s\",\"step\":\"week\"}",
		   sc.acc[1], sc.cold, sc.from, sc.to);
	br_refused(&h, "billing/report", "not_found", "account: there is no account 99",
		   "{\"report\":\"consumption\",\"account\":99,\"service\":%lld,\"from\":\"%s\","
		   "\"to\":\"%s\"}",
		   sc.cold, sc.from, sc.to);
	br_refused(&h, "billing/report", "bad_request", "to:",
		   "{\"report\":\"distribution\",\"building\":%lld,\"service\":%lld,\"from\":"
		   "\"%s\",\"to\":\"2001-01-01\"}",
		   sc.bld, sc.cold, sc.from);
	/* a channel the archive never saw: the archive refuses, so does the report */
	br_create(
		&h, "meter",
		"\"premises\":%lld,\"service\":%lld,\"channel\":\"1.9.1\",\"from\":\"2020-01-01\"",
		sc.p[1], sc.cold);
	br_refused(&h, "billing/report", "unavailable", "source \"\": archive/series: not_found",
		   "{\"report\":\"consumption\",\"account\":%lld,\"service\":%lld,\"from\":\"%s\","
		   "\"to\":\"%s\"}",
		   sc.acc[1], sc.cold, sc.from, sc.to);
	/* the archive stopped: unavailable, never a report of zeros */
	ck_assert_int_eq(harness_kill(&h, archive, SIGTERM), 0);
	br_refused(&h, "billing/report", "unavailable", "source \"\": archive/consumption:",
		   "{\"report\":\"distribution\",\"building\":%lld,\"service\":%lld,\"from\":"
		   "\"%s\",\"to\":\"%s\"}",
		   sc.bld, sc.cold, sc.from, sc.to);
}
END_TEST

static Suite *reports_arch_suite(void)
{
	Suite *s = suite_create("billing_reports_arch");
	TCase *tc = tcase_create("reports");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, consumption_is_the_archives);
	tcase_add_test(tc, bad_arguments_and_silent_archives);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reports_arch_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
