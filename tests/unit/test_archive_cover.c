/*
 * Unit tests of coverage (services/archive/store_cover.c and the
 * "coverage" of archive/consumption and archive/zones items): an outage
 * and the reading that lumps its pulses, a quarantined reading, a month
 * without readings beside one without consumption, and an archive of
 * schema 1 upgraded, whose old hours are judged by their pulses.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "query.h"
#include "store_int.h"
#include "test_archive_fixture.h"

#define C11   BATCH_CHAN(1, 1)
#define C12   BATCH_CHAN(1, 2)
#define DEC1  1764536400LL /* 2025-12-01 00:00 Moscow */
#define JAN1  1767214800LL /* 2026-01-01 00:00 Moscow */
#define FEB1  1769893200LL /* 2026-02-01 00:00 Moscow */
#define HOURT 3600

static struct fx f;
static uint64_t seq;

static void setup(void)
{
	fx_open(&f);
	seq = 0;
}

static void teardown(void)
{
	fx_close(&f);
}

/* Store one batch of readings (chan, total, delta) at ts. */
static void put(int64_t ts, size_t n, const uint32_t *r)
{
	struct batch *b = fx_batch(1, ++seq, ts, n, r);
	struct store_outcome o = fx_commit1(&f, b);

	store_outcome_free(&o);
	batch_free(b);
}

/* archive/consumption of 1.1.<ch> over [from, to), the first item (new). */
static json_t *item(int ch, int64_t from, int64_t to)
{
	struct query q = { f.s, f.reg, to, 3600, NULL };
	struct proto_id k = { 1, 1, (uint8_t)ch };
	struct jv_err err = { "" };
	json_t *res = NULL, *it;
	MDB_txn *txn;

	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(query_consumption(&q, txn, &k, 1, from, to, NULL, 0, &res, &err), 0);
	mdb_txn_abort(txn);
	it = json_incref(json_array_get(json_object_get(res, "items"), 0));
	json_decref(res);
	return it;
}

static json_int_t cov(const json_t *it, const char *field)
{
	const json_t *v = json_object_get(json_object_get(it, "coverage"), field);

	ck_assert_msg(json_is_integer(v), "coverage.%s missing", field);
	return json_integer_value(v);
}

static bool has(const json_t *it, const char *field)
{
	return json_object_get(json_object_get(it, "coverage"), field) != NULL;
}

/* Readings at :30 of hours 0..9, none in hours 10..14 (the gateway was
 * cut off), then one in hour 15 counting everything since hour 9: its
 * pulses are lumped into hour 15. */
START_TEST(an_outage_then_a_lumped_reading)
{
	uint32_t total = 500, r[3];
	json_t *it;

	for (int h = 0; h < 10; h++) {
		r[0] = C11;
		r[1] = total += h ? 10 : 0;
		r[2] = h ? 10 : 0;
		put(DEC1 + h * HOURT + 1800, 1, r);
	}
	r[1] = total += 60; /* six hours of 10, counted by the totals */
	r[2] = 60;
	put(DEC1 + 15 * HOURT + 1800, 1, r);
	r[1] = total += 10; /* and the next one on time again */
	r[2] = 10;
	put(DEC1 + 16 * HOURT + 1800, 1, r);

	it = item(1, DEC1, DEC1 + 24 * HOURT);
	ck_assert_int_eq(json_integer_value(json_object_get(it, "pulses")), 90 + 60 + 10);
	ck_assert_int_eq(cov(it, "span_hours"), 24);
	ck_assert_int_eq(cov(it, "hours"), 12);
	ck_assert_int_eq(cov(it, "first"), DEC1 + 1800);
	ck_assert_int_eq(cov(it, "last"), DEC1 + 16 * HOURT + 1800);
	ck_assert_int_eq(cov(it, "lumped_pulses"), 60);
	ck_assert_int_eq(cov(it, "quarantined"), 0);
	ck_assert_int_eq(cov(it, "imported_hours"), 0);
	json_decref(it);
	/* the hours of the outage alone: no reading at all */
	it = item(1, DEC1 + 10 * HOURT, DEC1 + 15 * HOURT);
	ck_assert_int_eq(cov(it, "span_hours"), 5);
	ck_assert_int_eq(cov(it, "hours"), 0);
	ck_assert(!has(it, "first") && !has(it, "last"));
	json_decref(it);
}
END_TEST

/* A total that goes down is quarantined: the hour had a reading (not
 * "no data"), counted as quarantined, with no pulses. */
START_TEST(a_quarantined_reading_is_counted)
{
	uint32_t a[] = { C11, 1000, 0, C12, 50, 0 }, b[] = { C11, 1010, 10, C12, 55, 5 },
		 c[] = { C11, 400, 0, C12, 60, 5 }, d[] = { C11, 405, 5, C12, 61, 1 };
	json_t *it;

	put(DEC1 + 600, 2, a);
	put(DEC1 + 1200, 2, b);
	put(DEC1 + HOURT + 600, 2, c); /* 1.1.1 went down: quarantined */
	put(DEC1 + HOURT + 1200, 2, d);
	it = item(1, DEC1, DEC1 + 2 * HOURT);
	ck_assert_int_eq(json_integer_value(json_object_get(it, "pulses")), 10);
	ck_assert_int_eq(cov(it, "hours"), 2);
	ck_assert_int_eq(cov(it, "quarantined"), 2); /* both readings below 1010 */
	ck_assert_int_eq(cov(it, "first"), DEC1 + 600);
	ck_assert_int_eq(cov(it, "last"), DEC1 + HOURT + 1200);
	json_decref(it);
	/* the hour of the quarantine alone: a reading, no pulses */
	it = item(1, DEC1 + HOURT, DEC1 + 2 * HOURT);
	ck_assert_int_eq(json_integer_value(json_object_get(it, "pulses")), 0);
	ck_assert_int_eq(cov(it, "hours"), 1);
	ck_assert_int_eq(cov(it, "quarantined"), 2);
	json_decref(it);
	it = item(2, DEC1, DEC1 + 2 * HOURT);
	ck_assert_int_eq(cov(it, "quarantined"), 0);
	ck_assert_int_eq(cov(it, "hours"), 2);
	json_decref(it);
}
END_TEST

/* December has readings without consumption; January none at all: both
 * "0.000", told apart by coverage. */
START_TEST(a_month_without_readings)
{
	uint32_t r[] = { C11, 7000, 0 };
	json_t *it;

	for (int d = 0; d < 31; d++)
		put(DEC1 + d * 86400 + 43200, 1, r); /* noon each day, the meter still */
	fx_registry_set(&f, (struct proto_id){ 1, 1, 1 },
			"{\"unit\":\"m3\",\"weight\":{\"num\":1,\"den\":1000,\"valid_from\":0}}");
	it = item(1, DEC1, JAN1);
	ck_assert_str_eq(json_string_value(json_object_get(it, "quantity")), "0.000");
	ck_assert_int_eq(cov(it, "span_hours"), 744);
	ck_assert_int_eq(cov(it, "hours"), 31);
	json_decref(it);
	it = item(1, JAN1, FEB1);
	ck_assert_str_eq(json_string_value(json_object_get(it, "quantity")), "0.000");
	ck_assert_int_eq(json_integer_value(json_object_get(it, "pulses")), 0);
	ck_assert_int_eq(cov(it, "span_hours"), 744);
	ck_assert_int_eq(cov(it, "hours"), 0);
	ck_assert_int_eq(cov(it, "quarantined"), 0);
	ck_assert_int_eq(cov(it, "lumped_pulses"), 0);
	ck_assert(!has(it, "first"));
	json_decref(it);
}
END_TEST

/* Batches of one hour with other channels each: a channel new to the
 * hour joins its entries, one that skips a batch keeps its own. */
START_TEST(channels_join_an_hour)
{
	uint32_t a[] = { C11, 10, 0, C12, 20, 0 }, b[] = { C12, 25, 5 },
		 c[] = { C11, 12, 2, BATCH_CHAN(1, 3), 7, 0 }, d[] = { BATCH_CHAN(1, 3), 9, 2 };
	json_t *it;

	put(DEC1 + 60, 2, a);
	put(DEC1 + 120, 1, b); /* only 1.1.2 */
	put(DEC1 + 180, 2, c); /* 1.1.3 is new to the hour */
	put(DEC1 + 240, 1, d);
	for (int ch = 1; ch <= 3; ch++) {
		static const int64_t first[] = { 60, 60, 180 }, last[] = { 180, 120, 240 };
		static const json_int_t pulses[] = { 2, 5, 2 };

		it = item(ch, DEC1, DEC1 + HOURT);
		ck_assert_int_eq(json_integer_value(json_object_get(it, "pulses")), pulses[ch - 1]);
		ck_assert_int_eq(cov(it, "hours"), 1);
		ck_assert_int_eq(cov(it, "first"), DEC1 + first[ch - 1]);
		ck_assert_int_eq(cov(it, "last"), DEC1 + last[ch - 1]);
		json_decref(it);
	}
}
END_TEST

/* archive/zones items carry the same coverage as consumption's. */
START_TEST(zones_items_carry_coverage)
{
	struct query q = { f.s, f.reg, JAN1, 3600, NULL };
	struct query_zone zones[] = { { "all", 0, 24 } };
	struct proto_id k = { 1, 1, 1 };
	struct jv_err err = { "" };
	uint32_t r[] = { C11, 10, 0 };
	json_t *res = NULL, *it;
	MDB_txn *txn;

	put(DEC1 + 100, 1, r);
	r[1] = 20;
	r[2] = 10;
	put(DEC1 + 5 * HOURT + 100, 1, r);
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(query_consumption(&q, txn, &k, 1, DEC1, JAN1, zones, 1, &res, &err), 0);
	mdb_txn_abort(txn);
	ck_assert_int_eq(json_integer_value(json_object_get(res, "coverage_from")), 0);
	it = json_array_get(json_object_get(res, "items"), 0);
	ck_assert_int_eq(cov(it, "hours"), 2);
	ck_assert_int_eq(cov(it, "lumped_pulses"), 10);
	ck_assert_int_eq(cov(it, "span_hours"), 744);
	json_decref(res);
}
END_TEST

/* Make the archive one of schema 1: no coverage, no cover_from. */
static int to_schema1(MDB_txn *txn, void *arg)
{
	MDB_val k = { 6, "schema" }, v = { 1, "1" }, c = { 10, "cover_from" };
	int rc;

	(void)arg;
	if ((rc = mdb_drop(txn, f.s->hcover, 0)) || (rc = mdb_put(txn, f.s->meta, &k, &v, 0)))
		return rc;
	rc = mdb_del(txn, f.s->meta, &c, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* An archive written before coverage: opened, it is upgraded; its hours
 * count as read where they show pulses, quarantined and lumped readings
 * of then are not known, and new readings have coverage again. */
START_TEST(an_old_archive_is_judged_by_its_pulses)
{
	uint32_t a[] = { C11, 100, 0 }, b[] = { C11, 120, 20 }, c[] = { C11, 90, 0 },
		 d[] = { C11, 125, 5 };
	json_t *it;

	put(DEC1 + 100, 1, a);
	put(DEC1 + HOURT + 100, 1, b);
	put(DEC1 + 2 * HOURT + 100, 1, c); /* quarantined: no pulses */
	put(DEC1 + 5 * HOURT + 100, 1, d); /* lumped */
	ck_assert_int_eq(kv_write(f.k, to_schema1, NULL), 0);
	store_close(f.s);
	ck_assert_int_eq(store_open(&f.s, f.k, f.reg, f.aud, "Europe/Moscow"), 0);
	ck_assert_int_gt(store_cover_from(f.s), DEC1 + 6 * HOURT); /* from the upgrade on */
	it = item(1, DEC1, JAN1);
	ck_assert_int_eq(json_integer_value(json_object_get(it, "pulses")), 25);
	ck_assert_int_eq(cov(it, "hours"), 2); /* the hours with pulses */
	ck_assert_int_eq(cov(it, "first"), DEC1 + HOURT);
	ck_assert_int_eq(cov(it, "last"), DEC1 + 5 * HOURT);
	ck_assert_int_eq(cov(it, "quarantined"), 0);
	ck_assert_int_eq(cov(it, "lumped_pulses"), 0);
	json_decref(it);
	/* a new reading of then has coverage: its hour counts once */
	d[1] = 126;
	d[2] = 1;
	put(DEC1 + 5 * HOURT + 200, 1, d);
	it = item(1, DEC1, JAN1);
	ck_assert_int_eq(cov(it, "hours"), 2);
	ck_assert_int_eq(cov(it, "last"), DEC1 + 5 * HOURT + 200);
	json_decref(it);
	/* opened again, it stays upgraded, with the same cover_from */
	{
		int64_t from = store_cover_from(f.s);

		store_close(f.s);
		ck_assert_int_eq(store_open(&f.s, f.k, f.reg, f.aud, "Europe/Moscow"), 0);
		ck_assert_int_eq(store_cover_from(f.s), from);
	}
}
END_TEST

/* A schema this program does not know is refused, not written over. */
static int to_schema9(MDB_txn *txn, void *arg)
{
	MDB_val k = { 6, "schema" }, v = { 1, "9" };

	(void)arg;
	return mdb_put(txn, f.s->meta, &k, &v, 0);
}

START_TEST(a_newer_schema_is_refused)
{
	store *s2 = NULL;

	ck_assert_int_eq(kv_write(f.k, to_schema9, NULL), 0);
	ck_assert_int_eq(store_open(&s2, f.k, f.reg, f.aud, "Europe/Moscow"), AMR_EINVAL);
	ck_assert_ptr_null(s2);
}
END_TEST

Suite *archive_cover_suite(void)
{
	Suite *s = suite_create("archive_cover");
	TCase *tc = tcase_create("cover");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, an_outage_then_a_lumped_reading);
	tcase_add_test(tc, a_quarantined_reading_is_counted);
	tcase_add_test(tc, a_month_without_readings);
	tcase_add_test(tc, channels_join_an_hour);
	tcase_add_test(tc, zones_items_carry_coverage);
	tcase_add_test(tc, an_old_archive_is_judged_by_its_pulses);
	tcase_add_test(tc, a_newer_schema_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(archive_cover_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
