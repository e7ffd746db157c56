/*
 * Unit tests of the archive's queries in a zone other than its own
 * (struct query's tz, archive/zones and archive/series with "tz"): each
 * UTC hour goes to the local hour it falls in, across the changes of
 * Europe/Berlin's clocks and in Asia/Vladivostok, ten hours ahead of UTC
 * and seven of the archive's Moscow; days are the zone's local days. The
 * offsets the tests expect are written here from the zones' rules, not
 * asked of the code under test.
 */
#include <check.h>
#include <stdlib.h>

#include "err.h"
#include "query.h"
#include "test_archive_fixture.h"
#include "tzone.h"
#include "units.h"

#define C11	 BATCH_CHAN(1, 1)
#define MAR28	 1743120000LL /* 2025-03-28 00:00 UTC */
#define MAR30_01 1743296400LL /* 2025-03-30 01:00 UTC: Berlin 02:00 CET -> 03:00 CEST */
#define OCT24	 1761264000LL /* 2025-10-24 00:00 UTC */
#define OCT26_01 1761440400LL /* 2025-10-26 01:00 UTC: Berlin 03:00 CEST -> 02:00 CET */
#define HOURS	 (4 * 24)     /* four days of hours around each change */

static struct fx f;

static void setup(void)
{
	fx_open(&f);
}

static void teardown(void)
{
	fx_close(&f);
}

/* A different count every hour, so an hour in the wrong zone shows. */
static uint32_t pulses_of(size_t i)
{
	return (uint32_t)(i * 7 % 23 + 1);
}

/* Berlin's offset at UTC hour h of the spring or autumn days. */
static int64_t berlin(int64_t h)
{
	if (h < OCT24)
		return h < MAR30_01 ? 3600 : 7200;
	return h < OCT26_01 ? 7200 : 3600;
}

static int64_t vladivostok(int64_t h)
{
	(void)h;
	return 36000;
}

static int64_t moscow(int64_t h)
{
	(void)h;
	return 10800;
}

/* The items of archive/zones for 1.1.1 over [from, from + HOURS h) in tz
 * (NULL: the archive's zone), day 07-23, night 23-07. */
static json_t *zones_item(const char *tz, int64_t from)
{
	struct query q = { f.s, f.reg, from + HOURS * 3600, 3600, NULL };
	struct query_zone zones[] = { { "day", 7, 23 }, { "night", 23, 7 } };
	struct proto_id k = { 1, 1, 1 };
	struct jv_err err = { "" };
	json_t *res = NULL, *item;
	MDB_txn *txn;

	if (tz)
		ck_assert_int_eq(tzone_rules_get(tz, &q.tz), AMR_OK);
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(
		query_consumption(&q, txn, &k, 1, from, from + HOURS * 3600, zones, 2, &res, &err),
		0);
	mdb_txn_abort(txn);
	item = json_incref(json_array_get(json_object_get(res, "items"), 0));
	json_decref(res);
	return item;
}

/* The zones of the hours stored from from on, by the offsets off() gives:
 * day and night pulses as they must come out. */
static void expected(int64_t from, int64_t (*off)(int64_t), uint64_t *day, uint64_t *night)
{
	*day = *night = 0;
	for (size_t i = 1; i < HOURS; i++) { /* hour 0: the first reading, 0 */
		int64_t h = from + (int64_t)i * 3600;
		int local = (int)((h + off(h)) / 3600 % 24);

		*(local >= 7 && local < 23 ? day : night) += pulses_of(i);
	}
}

/* The item's zones are day and night as expected, and add up to it in
 * pulses and in kWh (1/3 kWh per pulse: no exact decimal). */
static void check_zones(const json_t *item, uint64_t day, uint64_t night)
{
	const json_t *z = json_object_get(item, "zones");
	units_u128 q0, q1, qt;

	ck_assert_int_eq(json_array_size(z), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(z, 0), "pulses")),
			 (json_int_t)day);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(z, 1), "pulses")),
			 (json_int_t)night);
	ck_assert_int_eq(json_integer_value(json_object_get(item, "pulses")),
			 (json_int_t)(day + night));
	ck_assert_int_eq(
		units_parse(json_string_value(json_object_get(json_array_get(z, 0), "quantity")), 3,
			    &q0),
		0);
	ck_assert_int_eq(
		units_parse(json_string_value(json_object_get(json_array_get(z, 1), "quantity")), 3,
			    &q1),
		0);
	ck_assert_int_eq(units_parse(json_string_value(json_object_get(item, "quantity")), 3, &qt),
			 0);
	ck_assert(q0 + q1 == qt);
	ck_assert(qt == (units_u128)(((day + night) * 1000 + 1) / 3));
}

static void fill(int64_t from)
{
	uint64_t seq = 0;

	fx_hourly(&f, 1, C11, from, HOURS, &seq, pulses_of);
	fx_registry_set(&f, (struct proto_id){ 1, 1, 1 },
			"{\"unit\":\"kWh\",\"weight\":{\"num\":1,\"den\":3,\"valid_from\":0}}");
}

START_TEST(zones_follow_berlin_across_its_changes)
{
	const int64_t spans[] = { MAR28, OCT24 };

	for (size_t s = 0; s < 2; s++) {
		uint64_t day, night, mday, mnight;
		json_t *item;

		teardown();
		setup();
		fill(spans[s]);
		expected(spans[s], berlin, &day, &night);
		item = zones_item("Europe/Berlin", spans[s]);
		check_zones(item, day, night);
		json_decref(item);
		/* without tz, the archive's Moscow: another split of the same total */
		expected(spans[s], moscow, &mday, &mnight);
		ck_assert_uint_ne(mday, day);
		item = zones_item(NULL, spans[s]);
		check_zones(item, mday, mnight);
		json_decref(item);
	}
}
END_TEST

START_TEST(zones_in_vladivostok)
{
	uint64_t day, night;
	json_t *item;

	fill(MAR28);
	expected(MAR28, vladivostok, &day, &night);
	item = zones_item("Asia/Vladivostok", MAR28);
	check_zones(item, day, night);
	json_decref(item);
}
END_TEST

/* Series by day in Berlin: the days begin at Berlin's midnights, the one of
 * 30 March has 23 hours, and each day holds exactly its hours. */
START_TEST(series_days_are_the_zones_days)
{
	const int64_t mid[] = { MAR28 - 3600, MAR28 + 23 * 3600, MAR28 + 47 * 3600,
				MAR28 + 70 * 3600, MAR28 + 94 * 3600 };
	struct query q = { f.s, f.reg, MAR28 + HOURS * 3600, 3600, NULL };
	struct proto_id k = { 1, 1, 1 };
	struct jv_err err = { "" };
	json_t *res = NULL, *pts;
	MDB_txn *txn;

	fill(MAR28);
	ck_assert_int_eq(tzone_rules_get("Europe/Berlin", &q.tz), AMR_OK);
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(query_series(&q, txn, &k, mid[0], mid[4], TB_DAY, &res, &err), 0);
	pts = json_object_get(res, "points");
	ck_assert_int_eq(json_array_size(pts), 4);
	for (size_t d = 0; d < 4; d++) {
		const json_t *pt = json_array_get(pts, d);
		uint64_t want = 0;

		ck_assert_int_eq(json_integer_value(json_object_get(pt, "t")), mid[d]);
		for (size_t i = 1; i < HOURS; i++) {
			int64_t h = MAR28 + (int64_t)i * 3600;

			if (h >= mid[d] && h < mid[d + 1])
				want += pulses_of(i);
		}
		ck_assert_int_eq(json_integer_value(json_object_get(pt, "pulses")),
				 (json_int_t)want);
	}
	ck_assert_int_eq(mid[3] - mid[2], 23 * 3600);
	json_decref(res);
	/* by month: March from Berlin's 1 March midnight (28 February 23:00
	 * UTC), April from 1 April 00:00 CEST (31 March 22:00 UTC) */
	ck_assert_int_eq(query_series(&q, txn, &k, MAR28 - 28 * 86400, MAR28 + 10 * 86400, TB_MONTH,
				      &res, &err),
			 0);
	pts = json_object_get(res, "points");
	ck_assert_int_eq(json_array_size(pts), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(pts, 0), "t")),
			 1740783600LL);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(pts, 1), "t")), mid[4]);
	{
		uint64_t march = 0;

		for (size_t i = 1; i < HOURS; i++)
			if (MAR28 + (int64_t)i * 3600 < mid[4])
				march += pulses_of(i);
		ck_assert_int_eq(
			json_integer_value(json_object_get(json_array_get(pts, 0), "pulses")),
			(json_int_t)march);
	}
	json_decref(res);
	mdb_txn_abort(txn);
}
END_TEST

Suite *archive_tz_suite(void)
{
	Suite *s = suite_create("archive_tz");
	TCase *tc = tcase_create("tz");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, zones_follow_berlin_across_its_changes);
	tcase_add_test(tc, zones_in_vladivostok);
	tcase_add_test(tc, series_days_are_the_zones_days);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(archive_tz_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
