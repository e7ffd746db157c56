/*
 * Unit tests of historical and manual readings: archive/import's argument
 * checks (services/archive/import.c, from a table of bad requests) and the
 * store's side (store_import.c): imported hours counted by consumption and
 * series like live ones, refused where they would overlap live readings or
 * an earlier import (changing nothing), the channel's live counting
 * untouched, the audit record stored with them.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "import.h"
#include "query.h"
#include "test_archive_fixture.h"

#define DEC1 1764536400LL /* 2025-12-01 00:00 Moscow, 2025-11-30 21:00 UTC */
#define NOW  1767214800LL /* 2026-01-01 00:00 Moscow: the archive's clock */
#define C51  BATCH_CHAN(5, 1)

static struct fx f;

static void setup(void)
{
	fx_open(&f);
}

static void teardown(void)
{
	fx_close(&f);
}

static const struct {
	const char *args; /* the request */
	const char *want; /* the start of the message */
} bad[] = {
	{ "{\"reason\":\"r\",\"source\":\"s\",\"channel\":\"1.5.1\",\"from\":0,\"pulses\":[1]}",
	  "actor: " },
	{ "{\"actor\":\"a\",\"source\":\"s\",\"channel\":\"1.5.1\",\"from\":0,\"pulses\":[1]}",
	  "reason: " },
	{ "{\"actor\":\"a\",\"reason\":\"r\",\"channel\":\"1.5.1\",\"from\":0,\"pulses\":[1]}",
	  "source: " },
	{ "{\"actor\":\"a\",\"reason\":\"r\",\"source\":\"old system\",\"channel\":\"1.5.1\","
	  "\"from\":0,\"pulses\":[1]}",
	  "source: \"old system\" must be" },
	{ "{\"actor\":\"a\",\"reason\":\"r\",\"source\":\"s\",\"channel\":\"1.5.1\",\"from\":0,"
	  "\"pulses\":[1],\"total\":5}",
	  "total: " },
	{ "{\"actor\":\"a\",\"reason\":\"r\",\"source\":\"s\",\"channel\":\"1.5\",\"from\":0,"
	  "\"pulses\":[1]}",
	  "channel: \"1.5\" is not a channel" },
	{ "{\"actor\":\"a\",\"reason\":\"r\",\"source\":\"s\",\"channel\":\"1.500.1\",\"from\":0,"
	  "\"pulses\":[1]}",
	  "" },
	{ "{\"actor\":\"a\",\"reason\":\"r\",\"source\":\"s\",\"channel\":\"1.5.1\",\"step\":\"day\","
	  "\"from\":0,\"pulses\":[1]}",
	  "step: " },
	{ "{\"actor\":\"a\",\"reason\":\"r\",\"source\":\"s\",\"channel\":\"1.5.1\","
	  "\"from\":1764536500,\"pulses\":[1]}",
	  "from: 1764536500 is not a whole UTC hour" },
	{ "{\"actor\":\"a\",\"reason\":\"r\",\"source\":\"s\",\"channel\":\"1.5.1\",\"from\":\"x\","
	  "\"pulses\":[1]}",
	  "from: " },
	{ "{\"actor\":\"a\",\"reason\":\"r\",\"source\":\"s\",\"channel\":\"1.5.1\",\"from\":-3600,"
	  "\"pulses\":[1]}",
	  "from: " },
	{ "{\"actor\":\"a\",\"reason\":\"r\",\"source\":\"s\",\"channel\":\"1.5.1\",\"from\":0,"
	  "\"pulses\":[]}",
	  "pulses: empty" },
	{ "{\"actor\":\"a\",\"reason\":\"r\",\"source\":\"s\",\"channel\":\"1.5.1\",\"from\":0,"
	  "\"pulses\":5}",
	  "pulses: " },
	{ "{\"actor\":\"a\",\"reason\":\"r\",\"source\":\"s\",\"channel\":\"1.5.1\",\"from\":0,"
	  "\"pulses\":[12,0,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,-3]}",
	  "pulses[17]: -3 is negative" },
	{ "{\"actor\":\"a\",\"reason\":\"r\",\"source\":\"s\",\"channel\":\"1.5.1\",\"from\":0,"
	  "\"pulses\":[1,\"2\"]}",
	  "pulses[1]: expected a whole number" },
	{ "{\"actor\":\"a\",\"reason\":\"r\",\"source\":\"s\",\"channel\":\"1.5.1\",\"from\":0,"
	  "\"pulses\":[1.5]}",
	  "pulses[0]: expected a whole number" },
	{ "{\"actor\":\"a\",\"reason\":\"r\",\"source\":\"s\",\"channel\":\"1.5.1\",\"from\":0,"
	  "\"pulses\":[4294967295,4294967296]}",
	  "pulses[1]: 4294967296 is above 4294967295" },
	/* the last hour must have begun: NOW is its start, the next is the future */
	{ "{\"actor\":\"a\",\"reason\":\"r\",\"source\":\"s\",\"channel\":\"1.5.1\","
	  "\"from\":1767211200,\"pulses\":[1,1,1]}",
	  "pulses: hour 2 (from 1767218400) has not begun yet" },
};

START_TEST(bad_requests_name_the_field)
{
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *args = json_loads(bad[i].args, 0, NULL);
		struct jv_err err = { "" };
		struct import_req r;

		ck_assert_ptr_nonnull(args);
		ck_assert_int_eq(import_parse(args, NOW, &r, &err), AMR_EINVAL);
		ck_assert_msg(err.msg[0] && !strncmp(err.msg, bad[i].want, strlen(bad[i].want)),
			      "case %zu: \"%s\", want \"%s...\"", i, err.msg, bad[i].want);
		ck_assert_ptr_null(r.pulses);
		json_decref(args);
	}
}
END_TEST

START_TEST(too_many_hours_are_refused)
{
	json_t *args = json_pack("{s:s, s:s, s:s, s:s, s:I, s:[]}", "actor", "a", "reason", "r",
				 "source", "s", "channel", "1.5.1", "from", (json_int_t)0,
				 "pulses");
	json_t *p = json_object_get(args, "pulses");
	struct jv_err err = { "" };
	struct import_req r;

	for (int i = 0; i <= IMPORT_MAX_HOURS; i++)
		json_array_append_new(p, json_integer(1));
	ck_assert_int_eq(import_parse(args, NOW, &r, &err), AMR_EINVAL);
	ck_assert_str_eq(err.msg, "pulses: 9601 hours, at most 9600 (400 days) in one call");
	json_array_remove(p, 0);
	ck_assert_int_eq(import_parse(args, NOW, &r, &err), AMR_OK);
	ck_assert_uint_eq(r.n, IMPORT_MAX_HOURS);
	ck_assert_int_eq(r.to, 3600LL * IMPORT_MAX_HOURS);
	ck_assert_uint_eq(r.total, IMPORT_MAX_HOURS);
	import_req_free(&r);
	json_decref(args);
}
END_TEST

/* Parse and import pulses[0..n) of channel 1.5.1 from from; returns the
 * store's code, err its message. */
static int import(const char *source, int64_t from, size_t n, const uint32_t *pulses,
		  struct jv_err *err)
{
	json_t *args = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:[]}", "actor", "admin", "reason",
				 "history from the old system", "source", source, "channel",
				 "1.5.1", "step", "hour", "from", (json_int_t)from, "pulses");
	struct import_req r;
	struct store_import im;
	json_t *rec;
	int rc;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(json_object_get(args, "pulses"), json_integer(pulses[i]));
	ck_assert_int_eq(import_parse(args, NOW, &r, err), AMR_OK);
	ck_assert_ptr_nonnull(rec = import_audit(&r, NOW));
	im = (struct store_import){ r.key, r.from, r.to, r.n, r.pulses, r.total, r.source, rec };
	rc = store_import(f.s, &im, NOW, NULL, err);
	json_decref(rec);
	import_req_free(&r);
	json_decref(args);
	return rc;
}

/* Pulses of 1.5.1 over [from, to) by consumption; its coverage's field. */
static json_int_t consumption(int64_t from, int64_t to, const char *cov_field)
{
	struct query q = { f.s, f.reg, NOW, 3600, NULL };
	struct proto_id k = { 1, 5, 1 };
	struct jv_err err = { "" };
	json_t *res = NULL, *it;
	json_int_t v;
	MDB_txn *txn;

	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(query_consumption(&q, txn, &k, 1, from, to, NULL, 0, &res, &err), 0);
	mdb_txn_abort(txn);
	it = json_array_get(json_object_get(res, "items"), 0);
	v = json_integer_value(cov_field
				       ? json_object_get(json_object_get(it, "coverage"), cov_field)
				       : json_object_get(it, "pulses"));
	json_decref(res);
	return v;
}

/* The sum of a series' points of step over [from, to), and their number. */
static json_int_t series(enum tb_step step, int64_t from, int64_t to, size_t *npoints)
{
	struct query q = { f.s, f.reg, NOW, 3600, NULL };
	struct proto_id k = { 1, 5, 1 };
	struct jv_err err = { "" };
	json_t *res = NULL, *pt;
	json_int_t sum = 0;
	MDB_txn *txn;
	size_t i;

	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(query_series(&q, txn, &k, from, to, step, &res, &err), 0);
	mdb_txn_abort(txn);
	json_array_foreach(json_object_get(res, "points"), i, pt)
		sum += json_integer_value(json_object_get(pt, "pulses"));
	*npoints = json_array_size(json_object_get(res, "points"));
	ck_assert_int_eq(sum, json_integer_value(json_object_get(res, "pulses")));
	json_decref(res);
	return sum;
}

/* Audit records of target 1.5.1. */
static size_t audits(void)
{
	json_t *res = NULL;
	size_t n;
	MDB_txn *txn;

	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(audit_query(f.aud, txn, 0, 1LL << 40, NULL, "1.5.1", 100, &res), 0);
	mdb_txn_abort(txn);
	n = json_array_size(json_object_get(res, "records"));
	json_decref(res);
	return n;
}

/* A day of hours for a channel never seen: registered, counted by hour,
 * day and month, covered as imported, audited. */
START_TEST(a_day_for_a_new_channel)
{
	uint32_t p[24];
	struct jv_err err = { "" };
	json_t *rec = NULL;
	uint64_t sum = 0;
	size_t npts;
	MDB_txn *txn;

	for (int i = 0; i < 24; i++)
		sum += p[i] = (uint32_t)(i * 3 % 7);
	ck_assert_int_eq(import("demo-history", DEC1, 24, p, &err), AMR_OK);
	ck_assert_int_eq(consumption(DEC1, DEC1 + 86400, NULL), (json_int_t)sum);
	ck_assert_int_eq(consumption(DEC1, DEC1 + 86400, "imported_hours"), 24);
	ck_assert_int_eq(consumption(DEC1, DEC1 + 86400, "hours"), 24);
	ck_assert_int_eq(consumption(DEC1, DEC1 + 86400, "first"), DEC1);
	ck_assert_int_eq(series(TB_HOUR, DEC1, DEC1 + 86400, &npts), (json_int_t)sum);
	ck_assert_uint_eq(npts, 24);
	ck_assert_int_eq(series(TB_DAY, DEC1, DEC1 + 86400, &npts), (json_int_t)sum);
	ck_assert_uint_eq(npts, 1);
	ck_assert_int_eq(series(TB_MONTH, DEC1, NOW, &npts), (json_int_t)sum);
	ck_assert_uint_eq(npts, 1);
	/* registered as a first reading would have; no live state */
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(registry_get(f.reg, txn, &(struct proto_id){ 1, 5, 1 }, &rec), AMR_OK);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "unit")), "pulse");
	json_decref(rec);
	{
		struct store_chan *c = NULL;
		size_t n = 0;

		ck_assert_int_eq(store_state(f.s, txn, 1, &c, &n), AMR_ENOTFOUND);
	}
	mdb_txn_abort(txn);
	ck_assert_uint_eq(audits(), 1);
}
END_TEST

/* An import over hours already imported is refused and changes nothing;
 * the hours next to them are taken. */
START_TEST(an_overlapping_import_is_refused)
{
	uint32_t p[48];
	struct jv_err err = { "" };

	for (int i = 0; i < 48; i++)
		p[i] = 2;
	ck_assert_int_eq(import("demo-history", DEC1, 24, p, &err), AMR_OK);
	ck_assert_int_eq(import("second-try", DEC1 + 23 * 3600, 2, p, &err), AMR_ESTATE);
	ck_assert_msg(strstr(err.msg, "channel 1.5.1: ") && strstr(err.msg, "overlap") &&
			      strstr(err.msg, "\"demo-history\""),
		      "%s", err.msg);
	ck_assert_int_eq(consumption(DEC1 - 86400, NOW, NULL), 48);
	ck_assert_uint_eq(audits(), 1);
	/* the day before and the day after are free */
	ck_assert_int_eq(import("before", DEC1 - 86400, 24, p, &err), AMR_OK);
	ck_assert_int_eq(import("after", DEC1 + 86400, 24, p, &err), AMR_OK);
	ck_assert_int_eq(consumption(DEC1 - 86400, NOW, NULL), 48 * 3);
	ck_assert_uint_eq(audits(), 3);
}
END_TEST

/* Live readings from DEC1 + 10 days: an import may end at the first of
 * them, not after; live counting goes on from its own totals. */
START_TEST(imports_end_where_live_readings_begin)
{
	const int64_t live = DEC1 + 10 * 86400 + 1800;
	uint32_t p[241], r[3] = { C51, 5000, 0 };
	struct jv_err err = { "" };
	struct store_outcome o;
	struct batch *b;
	uint64_t seq = 0;

	for (int i = 0; i < 241; i++)
		p[i] = 1;
	b = fx_batch(1, ++seq, live, 1, r);
	o = fx_commit1(&f, b);
	store_outcome_free(&o);
	batch_free(b);
	r[1] = 5007;
	b = fx_batch(1, ++seq, live + 3600, 1, r);
	o = fx_commit1(&f, b);
	store_outcome_free(&o);
	batch_free(b);
	/* up to the hour holding the first live reading: it overlaps */
	ck_assert_int_eq(import("old", DEC1, 241, p, &err), AMR_ESTATE);
	ck_assert_msg(strstr(err.msg, "channel 1.5.1: its live readings begin at 1765402200 "
				      "(2025-12-10T21:30:00Z)"),
		      "%s", err.msg);
	ck_assert_int_eq(consumption(DEC1, NOW, NULL), 7);
	ck_assert_uint_eq(audits(), 0);
	/* the ten days before it */
	ck_assert_int_eq(import("old", DEC1, 240, p, &err), AMR_OK);
	ck_assert_int_eq(consumption(DEC1, NOW, NULL), 240 + 7);
	ck_assert_int_eq(consumption(DEC1, NOW, "imported_hours"), 240);
	ck_assert_int_eq(consumption(DEC1, NOW, "hours"), 242);
	/* the next live reading counts from its last total, as without the import */
	r[1] = 5010;
	b = fx_batch(1, ++seq, live + 7200, 1, r);
	o = fx_commit1(&f, b);
	ck_assert_uint_eq(o.pulses, 3);
	store_outcome_free(&o);
	batch_free(b);
	ck_assert_int_eq(consumption(DEC1, NOW, NULL), 240 + 10);
	/* and nothing before DEC1 + 10 days is free any more but what was */
	ck_assert_int_eq(import("again", DEC1 + 5 * 86400, 1, p, &err), AMR_ESTATE);
	ck_assert_int_eq(import("earlier", DEC1 - 86400, 24, p, &err), AMR_OK);
}
END_TEST

/* The most one call takes, 400 days of hours, comes back whole by hour,
 * day and month (days and months summed across their bounds). */
START_TEST(four_hundred_days_in_one_call)
{
	static uint32_t p[IMPORT_MAX_HOURS];
	const int64_t from = NOW - 3600LL * IMPORT_MAX_HOURS;
	struct jv_err err = { "" };
	uint64_t sum = 0;
	size_t npts;

	for (int i = 0; i < IMPORT_MAX_HOURS; i++)
		sum += p[i] = (uint32_t)(i % 17);
	ck_assert_int_eq(import("old-system", from, IMPORT_MAX_HOURS, p, &err), AMR_OK);
	ck_assert_int_eq(consumption(from, NOW, NULL), (json_int_t)sum);
	ck_assert_int_eq(consumption(from, NOW, "imported_hours"), IMPORT_MAX_HOURS);
	ck_assert_int_eq(series(TB_HOUR, from, NOW, &npts), (json_int_t)sum);
	ck_assert_uint_eq(npts, IMPORT_MAX_HOURS);
	/* from is 2024-11-27 00:00 Moscow: whole days, and the months from December */
	ck_assert_int_eq(series(TB_DAY, from, NOW, &npts), (json_int_t)sum);
	ck_assert_uint_eq(npts, 400);
	ck_assert_int_eq(series(TB_MONTH, from - 40 * 86400, NOW, &npts), (json_int_t)sum);
	ck_assert_uint_eq(npts, 14);
}
END_TEST

Suite *archive_import_suite(void)
{
	Suite *s = suite_create("archive_import");
	TCase *tc = tcase_create("import");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bad_requests_name_the_field);
	tcase_add_test(tc, too_many_hours_are_refused);
	tcase_add_test(tc, a_day_for_a_new_channel);
	tcase_add_test(tc, an_overlapping_import_is_refused);
	tcase_add_test(tc, imports_end_where_live_readings_begin);
	tcase_add_test(tc, four_hundred_days_in_one_call);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(archive_import_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
