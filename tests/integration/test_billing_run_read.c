/*
 * The meters' readings on the run's invoices with a real Mosquitto,
 * amr-archive and amr-billing: a meter's reading at the start of the
 * month is its initial reading plus what the archive counted since its
 * assignment began (history imported by archive/import included), at
 * the end that plus the month's quantity, so that end - start is the
 * quantity billed, asked once per source and assignment from for every
 * channel together; a meter replaced mid-month gives two readings; a
 * service billed by norm has none; an archive that cannot answer for the
 * readings leaves them off with a warning and the invoices are drafted;
 * a bad initial reading is refused naming the field and changes nothing.
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

#define IMPORT_HOURS 48

static struct harness h;

/* The building of the tests and what the checks need of it. */
struct scene {
	struct month p, back2; /* the month billed, and two months before */
	char per[8];
	int64_t t[32], tb[32]; /* their local midnights in UTC */
	int days;
	long long bld, p1, p2, p3, acc1, acc2, acc3, cold, hot, m_p3, m_cold, m_old, m_new, m_far;
	char from_cold[11], swap[11];
	struct feed f;
};

static struct scene sc;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/audit"), 0);
}

static void teardown(void)
{
	harness_stop(&h);
}

/* Pulses of the imported hour i: a few, never the same pattern. */
static uint32_t imported(int i)
{
	return (uint32_t)(i * 5 % 13);
}

/* Flat 1's cold water history from the old system: IMPORT_HOURS hours
 * from the 3rd of two months before. Returns the pulses imported. */
static long long import_history(void)
{
	json_t *a = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:[]}", "actor", "admin", "reason",
			      "history from the old system", "source", "old-system", "channel",
			      "1.1.1", "step", "hour", "from", (json_int_t)sc.tb[2], "pulses");
	long long sum = 0;
	char *text;
	json_t *r;

	for (int i = 0; i < IMPORT_HOURS; i++) {
		json_array_append_new(json_object_get(a, "pulses"), json_integer(imported(i)));
		sum += imported(i);
	}
	text = json_dumps(a, JSON_COMPACT);
	r = br_call(&h, "archive/import", "%s", text);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "pulses")), sum);
	json_decref(r);
	json_decref(a);
	free(text);
	return sum;
}

/* Readings of the month on a few days, each channel its own pulses. */
static void feed_month(void)
{
	static const int days[] = { 0, 4, 9, 13, 14, 19, 26 };
	struct feed_reading first[5] = {
		{ 1, 1, 0 }, { 1, 2, 0 }, { 1, 3, 0 }, { 2, 1, 0 }, { 3, 1, 0 }
	};

	feed_send(&sc.f, sc.t[0] - 12 * 3600, first, 5);
	br_channel_unit(&h, "1.1.1", "m3", 1000);
	br_channel_unit(&h, "1.1.2", "m3", 100);
	br_channel_unit(&h, "1.1.3", "m3", 100);
	br_channel_unit(&h, "1.2.1", "m3", 100);
	br_channel_unit(&h, "1.3.1", "m3", 100);
	for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
		struct feed_reading r[5];

		for (int c = 0; c < 5; c++)
			r[c] = (struct feed_reading){ first[c].addr, first[c].ch,
						      (uint32_t)(37 + 11 * i + 5 * (size_t)c) };
		feed_send(&sc.f, sc.t[days[i]] + 12 * 3600, r, 5);
	}
}

/* A meter of premises' service on channel from from, more fields (JSON
 * members after a comma, or ""): its id. */
static long long meter(long long premises, long long service, const char *channel, const char *from,
		       const char *more)
{
	return br_create(&h, "meter",
			 "\"premises\":%lld,\"service\":%lld,\"channel\":\"%s\",\"from\":\"%s\"%s",
			 premises, service, channel, from, more);
}

/* Flat number of building sc.bld with residents, held all along by an
 * account of holder (its id into *acc): the flat's id. */
static long long flat(long long org, int number, int residents, const char *holder, long long *acc)
{
	long long p = br_create(&h, "premises",
				"\"building\":%lld,\"number\":\"%d\",\"kind\":\"flat\","
				"\"area\":\"40\",\"residents\":%d",
				sc.bld, number, residents);

	*acc = br_create(
		&h, "account",
		"\"org\":%lld,\"number\":\"10000%d\",\"holder\":{\"type\":\"person\","
		"\"name\":\"%s\"},\"premises\":[{\"premises\":%lld,\"from\":\"2020-01-01\"}]",
		org, number, holder, p);
	return p;
}

static void build_scene(void)
{
	time_t now = time(NULL) + 3 * 3600; /* Moscow */
	struct tm tm;
	long long org;
	char more[96];

	memset(&sc, 0, sizeof sc);
	gmtime_r(&now, &tm);
	sc.p = month_add((struct month){ tm.tm_year + 1900, tm.tm_mon + 1 }, -1);
	sc.back2 = month_add(sc.p, -2);
	sc.days = month_days(&sc.p);
	month_format(&sc.p, sc.per);
	ck_assert_int_eq(month_utc_days(&sc.p, "Europe/Moscow", sc.t), 0);
	ck_assert_int_eq(month_utc_days(&sc.back2, "Europe/Moscow", sc.tb), 0);
	month_date(&sc.back2, 0, sc.from_cold);
	month_date(&sc.p, 14, sc.swap);

	org = br_org(&h);
	sc.bld = br_create(&h, "building",
			   "\"org\":%lld,\"address\":\"ул. Ленина, 5\",\"tz\":\"Europe/Moscow\","
			   "\"objects\":[1]",
			   org);
	sc.p1 = flat(org, 1, 2, "Иванова М. П.", &sc.acc1);
	sc.p2 = flat(org, 2, 1, "Петров И. И.", &sc.acc2);
	sc.p3 = flat(org, 3, 1, "Сидорова А. А.", &sc.acc3);
	sc.cold = br_service(&h, org, "cold_water", "Холодная вода", "m3", "\"norm\":\"4.745\"");
	sc.hot = br_service(&h, org, "hot_water", "Горячая вода", "m3", "");
	br_tariff(&h, org, sc.cold, "ХВС", "per_unit", "\"price\":\"42.30\"");
	br_tariff(&h, org, sc.hot, "ГВС", "per_unit", "\"price\":\"215.17\"");
	/* flat 1: cold water from two months before, history imported; hot
	 * water's meter replaced on the 15th. Flat 2: cold water by the norm,
	 * hot water on a meter of 1960 (the archive keeps nothing so old) */
	sc.m_cold = meter(sc.p1, sc.cold, "1.1.1", sc.from_cold,
			  ",\"serial\":\"ХВ-123\",\"initial\":\"100.000\"");
	snprintf(more, sizeof more, ",\"to\":\"%s\",\"initial\":\"5.5\"", sc.swap);
	sc.m_old = meter(sc.p1, sc.hot, "1.1.2", "2020-01-01", more);
	sc.m_new = meter(sc.p1, sc.hot, "1.1.3", sc.swap, "");
	sc.m_p3 = meter(sc.p3, sc.cold, "1.3.1", sc.from_cold, ",\"initial\":\"7\"");
	sc.m_far = meter(sc.p2, sc.hot, "1.2.1", "1960-01-01", ",\"initial\":\"321.000\"");
	feed_init(&sc.f, &h, 1);
}

/* The readings of invoice inv's premises of service code (borrowed
 * entries appended to out). */
static size_t readings_of(const json_t *inv, long long premises, const char *code, json_t *out)
{
	json_t *p, *rd;
	size_t i, k, n = 0;

	json_array_foreach(json_object_get(inv, "premises"), i, p) {
		if (json_integer_value(json_object_get(p, "premises")) != premises)
			continue;
		json_array_foreach(json_object_get(p, "readings"), k, rd)
			if (!strcmp(json_string_value(json_object_get(rd, "code")), code)) {
				json_array_append(out, rd);
				n++;
			}
	}
	return n;
}

static const char *s(const json_t *o, const char *name)
{
	const char *v = json_string_value(json_object_get(o, name));

	ck_assert_msg(v != NULL, "no %s", name);
	return v;
}

/* end - start of reading rd, as a decimal of 3 decimals into buf. */
static char *span(const json_t *rd, char *buf)
{
	char neg[64];
	const char *parts[2];

	snprintf(neg, sizeof neg, "-%s", s(rd, "start"));
	parts[0] = s(rd, "end");
	parts[1] = neg;
	return br_sum(buf, 3, parts, 2);
}

/* A reading's fields that a receipt prints. */
static void reading_is(const json_t *rd, long long meter, const char *channel, const char *from,
		       const char *to, const char *start)
{
	ck_assert_int_eq(json_integer_value(json_object_get(rd, "meter")), meter);
	ck_assert_str_eq(s(rd, "channel"), channel);
	ck_assert_str_eq(s(rd, "from"), from);
	ck_assert_str_eq(s(rd, "to"), to);
	ck_assert_str_eq(s(rd, "start"), start);
	ck_assert_str_eq(s(rd, "unit"), "m3");
}

START_TEST(readings_start_where_the_meter_began)
{
	json_t *run, *inv, *rds = json_array(), *w;
	char want[64], got[64], first[11], next[11], *q;
	const char *parts[2];
	long long pulses;
	long mark;
	size_t i;
	bool warned = false;

	arc_start(&h, NULL);
	br_billing_start(&h, NULL, NULL);
	build_scene();
	pulses = import_history();
	feed_month();
	mark = harness_log_mark(&h, "amr-billing");
	run = br_call(&h, "billing/run.draft",
		      "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}", sc.bld,
		      sc.per);
	ck_assert_int_eq(json_integer_value(json_object_get(run, "invoices")), 3);
	/* the month's 3 spans, then the readings: one request per source and
	 * assignment from, flats 1 and 3 (from the same day) in one */
	ck_assert_int_eq(harness_log_count(&h, "amr-billing", mark, ", 6 archive requests "), 1);
	month_date(&sc.p, 0, first);
	month_date(&sc.p, sc.days, next);

	/* flat 1's cold water: 100.000 + the imported history (1/1000 m3 a
	 * pulse) at the start, the month's quantity on top at the end */
	inv = br_invoice(&h, sc.per, sc.bld, sc.acc1);
	ck_assert_int_eq(readings_of(inv, sc.p1, "cold_water", rds), 1);
	q = br_consumption(&h, "1.1.1", sc.tb[0], sc.t[0]);
	snprintf(want, sizeof want, "%lld.%03lld", pulses / 1000, pulses % 1000);
	ck_assert_str_eq(q, want);
	free(q);
	snprintf(want, sizeof want, "%lld.%03lld", 100 + pulses / 1000, pulses % 1000);
	reading_is(json_array_get(rds, 0), sc.m_cold, "1.1.1", first, next, want);
	ck_assert_str_eq(s(json_array_get(rds, 0), "serial"), "ХВ-123");
	ck_assert_str_eq(span(json_array_get(rds, 0), got),
			 br_qty(inv, sc.p1, "cold_water", "meter", ""));
	q = br_consumption(&h, "1.1.1", sc.t[0], sc.t[sc.days]);
	ck_assert_str_eq(got, q);
	ck_assert_str_ne(q, "0.000");
	free(q);

	/* hot water: the old meter to the 15th from 5.5 + nothing counted
	 * before the month, the new one from its initial 0; together the line */
	json_array_clear(rds);
	ck_assert_int_eq(readings_of(inv, sc.p1, "hot_water", rds), 2);
	reading_is(json_array_get(rds, 0), sc.m_old, "1.1.2", first, sc.swap, "5.500");
	reading_is(json_array_get(rds, 1), sc.m_new, "1.1.3", sc.swap, next, "0.000");
	ck_assert_ptr_null(json_object_get(json_array_get(rds, 1), "serial"));
	q = br_consumption(&h, "1.1.2", sc.t[0], sc.t[14]);
	ck_assert_str_eq(span(json_array_get(rds, 0), want), q);
	free(q);
	q = br_consumption(&h, "1.1.3", sc.t[14], sc.t[sc.days]);
	ck_assert_str_eq(s(json_array_get(rds, 1), "end"), q);
	free(q);
	span(json_array_get(rds, 0), want);
	parts[0] = want;
	parts[1] = span(json_array_get(rds, 1), got);
	ck_assert_str_eq(br_sum(got, 3, parts, 2), br_qty(inv, sc.p1, "hot_water", "meter", ""));
	json_decref(inv);

	/* flat 2: cold water by the norm has none; the hot water meter's
	 * reading could not be asked (from 1960): billed, no reading, a warning */
	inv = br_invoice(&h, sc.per, sc.bld, sc.acc2);
	json_array_clear(rds);
	ck_assert_str_eq(br_qty(inv, sc.p2, "cold_water", "norm", ""), "4.745");
	ck_assert_int_eq(readings_of(inv, sc.p2, "cold_water", rds), 0);
	q = br_consumption(&h, "1.2.1", sc.t[0], sc.t[sc.days]);
	ck_assert_str_eq(br_qty(inv, sc.p2, "hot_water", "meter", ""), q);
	free(q);
	ck_assert_int_eq(readings_of(inv, sc.p2, "hot_water", rds), 0);
	json_array_foreach(json_object_get(run, "warnings"), i, w)
		warned |= strstr(json_string_value(w),
				 "source own: archive/consumption from 1959-12-31T21:00:00Z for "
				 "the meters' readings (1 channel): bad_request") != NULL;
	ck_assert_msg(warned, "no warning of the readings not asked");
	json_decref(inv);

	/* flat 3: 7 + what the archive has of its channel before the month
	 * (its first reading: none) */
	inv = br_invoice(&h, sc.per, sc.bld, sc.acc3);
	json_array_clear(rds);
	ck_assert_int_eq(readings_of(inv, sc.p3, "cold_water", rds), 1);
	reading_is(json_array_get(rds, 0), sc.m_p3, "1.3.1", first, next, "7.000");
	ck_assert_str_eq(span(json_array_get(rds, 0), got),
			 br_qty(inv, sc.p3, "cold_water", "meter", ""));
	json_decref(inv);
	json_decref(rds);
	json_decref(run);
}
END_TEST

/* A bad initial reading is refused naming the field and changes nothing;
 * a good one is audited. */
START_TEST(a_bad_initial_reading_is_refused)
{
	json_t *m;
	char *a;

	arc_start(&h, NULL);
	br_billing_start(&h, NULL, NULL);
	build_scene();
	a = harness_wait_message(&h, "amr/v1/audit", "\"initial\":\"100.000\"", 10000);
	ck_assert_msg(a != NULL, "no audit record of the initial reading");
	free(a);
	br_refused(&h, "billing/meter.create", "bad_request",
		   "initial: \"12.3456\" has more than 3 decimals",
		   "{\"actor\":\"a\",\"premises\":%lld,\"service\":%lld,\"channel\":\"1.2.2\","
		   "\"from\":\"2025-01-01\",\"initial\":\"12.3456\"}",
		   sc.p2, sc.cold);
	br_refused(&h, "billing/meter.create", "bad_request", "initial: \"-1\" is negative",
		   "{\"actor\":\"a\",\"premises\":%lld,\"service\":%lld,\"channel\":\"1.2.2\","
		   "\"from\":\"2025-01-01\",\"initial\":\"-1\"}",
		   sc.p2, sc.cold);
	br_refused(&h, "billing/meter.update", "bad_request",
		   "initial: \"00100.000\" has a leading zero",
		   "{\"actor\":\"a\",\"reason\":\"read again\",\"id\":%lld,"
		   "\"initial\":\"00100.000\"}",
		   sc.m_cold);
	m = br_call(&h, "billing/meter.get", "{\"id\":%lld}", sc.m_cold);
	ck_assert_str_eq(s(m, "initial"), "100.000");
	json_decref(m);
	m = br_call(&h, "billing/meter.get", "{\"id\":%lld}", sc.m_new);
	ck_assert_str_eq(s(m, "initial"), "0");
	json_decref(m);
}
END_TEST

static Suite *run_read_suite(void)
{
	Suite *su = suite_create("billing_run_read");
	TCase *tc = tcase_create("readings");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, readings_start_where_the_meter_began);
	tcase_add_test(tc, a_bad_initial_reading_is_refused);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(run_read_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
