/*
 * Unit tests of the archive's queries (services/archive/query.c) and
 * registry updates over a real LMDB archive: a year of hourly readings comes
 * back by hour, day and month with the same pulses and quantities, across a
 * change of pulse weight; zones split a span exactly; the audit trail.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "err.h"
#include "query.h"
#include "tbucket.h"
#include "test_archive_fixture.h"
#include "units.h"

#define C11	BATCH_CHAN(1, 1)
#define Y2025	1735678800LL /* 2025-01-01 00:00 Moscow (UTC+3) */
#define Y2026	1767214800LL /* 2026-01-01 00:00 Moscow */
#define JUL1_12 1751360400LL /* 2025-07-01 12:00 Moscow: the meter is replaced */

static struct fx f;
static uint64_t pulses_before, pulses_after; /* what the year holds */

struct set_args {
	struct fx *f;
	struct proto_id k;
	json_t *args;
	struct jv_err err;
	uint32_t total_now; /* the channel's counter as the archive has it */
};

static int set_txn(MDB_txn *txn, void *arg)
{
	struct set_args *s = arg;
	json_t *before = NULL, *after = NULL;
	int rc = registry_update(s->f->reg, txn, &s->k, s->args, s->total_now, 1, &before, &after,
				 &s->err);

	json_decref(before);
	json_decref(after);
	return rc;
}

/* archive/registry.set of record k with args json; err gets the reason. */
static int registry_set_key(struct proto_id k, const char *json, uint32_t total_now,
			    struct jv_err *err)
{
	struct set_args s = { &f, k, json_loads(json, 0, NULL), { "" }, total_now };
	int rc;

	ck_assert_ptr_nonnull(s.args);
	rc = kv_write(f.k, set_txn, &s);
	json_decref(s.args);
	if (err)
		*err = s.err;
	return rc;
}

static int registry_set_at(const char *json, uint32_t total_now, struct jv_err *err)
{
	return registry_set_key((struct proto_id){ 1, 1, 1 }, json, total_now, err);
}

static int registry_set(const char *json, struct jv_err *err)
{
	return registry_set_at(json, 0, err);
}

/* The ids archive/latest lists (obj 0: every object), joined by spaces,
 * "!" after a retired one. */
static void latest_ids(uint16_t obj, char *out, size_t size)
{
	struct query q = { f.s, f.reg, Y2026, 3600, NULL };
	json_t *res = NULL, *c;
	MDB_txn *txn;
	size_t i, n = 0;

	out[0] = '\0';
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(query_latest(&q, txn, obj, 0, 4000, &res), 0);
	mdb_txn_abort(txn);
	json_array_foreach(json_object_get(res, "channels"), i, c)
		n += (size_t)snprintf(out + n, size - n, "%s%s%s", n ? " " : "",
				      json_string_value(json_object_get(c, "id")),
				      json_is_true(json_object_get(c, "retired")) ? "!" : "");
	json_decref(res);
}

/* A year of hourly batches for channel 1.1.1, 24 per commit. */
static void fill_year(void)
{
	uint32_t total = 1000, seed = 12345;
	uint64_t seq = 0;

	pulses_before = pulses_after = 0;
	for (int64_t t = Y2025; t < Y2026; t += 24 * 3600) {
		struct batch *b[24];
		struct store_outcome o;

		for (int h = 0; h < 24; h++) {
			uint32_t d, r[3];

			seed = seed * 1103515245u + 12345u;
			d = (seed >> 16) % 97;
			/* the first reading's delta is the gateway's: 0 here */
			if (seq == 0)
				d = 0;
			total += d;
			r[0] = C11;
			r[1] = total;
			r[2] = d;
			/* the reading at t covers the hour before: put it inside the hour */
			b[h] = fx_batch(1, ++seq, t + h * 3600 + 1800, 1, r);
			if (t + h * 3600 < JUL1_12)
				pulses_before += d;
			else
				pulses_after += d;
		}
		ck_assert_int_eq(store_commit(f.s, b, 24, 1, &o), 0);
		store_outcome_free(&o);
		for (int h = 0; h < 24; h++)
			batch_free(b[h]);
	}
}

static void setup(void)
{
	fx_open(&f);
}

static void teardown(void)
{
	fx_close(&f);
}

/* Sum the points of a series answer; check the sums against its totals. */
static void check_series(json_t *res, uint64_t want_pulses, units_u128 want_qty, int dec,
			 size_t want_points)
{
	json_t *pts = json_object_get(res, "points"), *pt;
	uint64_t pulses = 0;
	units_u128 qty = 0, v;
	size_t i;

	ck_assert_uint_eq(json_array_size(pts), want_points);
	json_array_foreach(pts, i, pt) {
		pulses += (uint64_t)json_integer_value(json_object_get(pt, "pulses"));
		ck_assert_int_eq(
			units_parse(json_string_value(json_object_get(pt, "quantity")), dec, &v),
			0);
		qty += v;
	}
	ck_assert_uint_eq(pulses, want_pulses);
	ck_assert(qty == want_qty);
	ck_assert_int_eq(json_integer_value(json_object_get(res, "pulses")),
			 (json_int_t)want_pulses);
	ck_assert_int_eq(units_parse(json_string_value(json_object_get(res, "quantity")), dec, &v),
			 0);
	ck_assert(v == want_qty);
}

START_TEST(year_by_hour_day_month)
{
	struct query q = { f.s, f.reg, Y2026, 3600, NULL };
	struct proto_id k = { 1, 1, 1 };
	struct jv_err err = { "" };
	json_t *res;
	MDB_txn *txn;
	units_u128 qty;
	static const struct {
		enum tb_step step;
		size_t points;
	} steps[] = { { TB_HOUR, 8760 }, { TB_DAY, 365 }, { TB_MONTH, 12 } };

	fill_year();
	/* 1/100 m3 per pulse, then a meter of 1/1000 m3 per pulse from 1 July 12:00 */
	ck_assert_int_eq(registry_set("{\"unit\":\"m3\",\"resource\":\"cold_water\","
				      "\"weights\":[{\"num\":1,\"den\":100,\"valid_from\":0},"
				      "{\"num\":1,\"den\":1000,\"valid_from\":1751360400}]}",
				      NULL),
			 0);
	qty = (units_u128)pulses_before * 10 + pulses_after; /* litres = 0.001 m3 */
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(query_series(&q, txn, &k, Y2025, Y2026, steps[i].step, &res, &err),
				 0);
		ck_assert_str_eq(json_string_value(json_object_get(res, "unit")), "m3");
		check_series(res, pulses_before + pulses_after, qty, 3, steps[i].points);
		json_decref(res);
	}
	/* the consumption of the year is the same again */
	ck_assert_int_eq(query_consumption(&q, txn, &k, 1, Y2025, Y2026, NULL, 0, &res, &err), 0);
	{
		json_t *item = json_array_get(json_object_get(res, "items"), 0);
		units_u128 v;

		ck_assert_int_eq(json_integer_value(json_object_get(item, "pulses")),
				 (json_int_t)(pulses_before + pulses_after));
		ck_assert_int_eq(
			units_parse(json_string_value(json_object_get(item, "quantity")), 3, &v),
			0);
		ck_assert(v == qty);
	}
	json_decref(res);
	/* the day of the change: 12 hours at each weight */
	ck_assert_int_eq(query_series(&q, txn, &k, JUL1_12 - 12 * 3600, JUL1_12 + 12 * 3600, TB_DAY,
				      &res, &err),
			 0);
	ck_assert_uint_eq(json_array_size(json_object_get(res, "points")), 1);
	json_decref(res);
	mdb_txn_abort(txn);
}
END_TEST

START_TEST(zones_split_exactly)
{
	struct query q = { f.s, f.reg, Y2026, 3600, NULL };
	struct proto_id k = { 1, 1, 1 };
	struct query_zone two[] = { { "day", 7, 23 }, { "night", 23, 7 } };
	struct query_zone gap[] = { { "day", 7, 23 }, { "night", 0, 7 } };
	struct query_zone overlap[] = { { "day", 7, 23 }, { "night", 22, 8 } };
	struct jv_err err = { "" };
	json_t *res, *item, *z;
	uint64_t day = 0, night = 0, total;
	units_u128 zq = 0, v;
	MDB_txn *txn;
	size_t i;

	ck_assert_int_eq(query_zones_check(two, 2, &err), 0);
	ck_assert_int_eq(query_zones_check(gap, 2, &err), AMR_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "23:00 is in no zone"));
	ck_assert_int_eq(query_zones_check(overlap, 2, &err), AMR_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "in both"));

	fill_year();
	/* 1/3 kWh per pulse: no exact decimal, so zones rely on the rounding rule */
	ck_assert_int_eq(registry_set("{\"unit\":\"kWh\",\"weight\":{\"num\":1,\"den\":3,"
				      "\"valid_from\":0}}",
				      NULL),
			 0);
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(query_consumption(&q, txn, &k, 1, Y2025, Y2026, two, 2, &res, &err), 0);
	mdb_txn_abort(txn);
	item = json_array_get(json_object_get(res, "items"), 0);
	total = (uint64_t)json_integer_value(json_object_get(item, "pulses"));
	json_array_foreach(json_object_get(item, "zones"), i, z) {
		uint64_t p = (uint64_t)json_integer_value(json_object_get(z, "pulses"));

		*(i == 0 ? &day : &night) += p;
		ck_assert_int_eq(
			units_parse(json_string_value(json_object_get(z, "quantity")), 3, &v), 0);
		zq += v;
	}
	ck_assert_uint_eq(total, pulses_before + pulses_after);
	ck_assert_uint_eq(day + night, total);
	ck_assert(day > night); /* 16 hours against 8 */
	ck_assert_int_eq(units_parse(json_string_value(json_object_get(item, "quantity")), 3, &v),
			 0);
	ck_assert(zq == v);
	ck_assert(v == (units_u128)((total * 1000 + 1) / 3));
	json_decref(res);
}
END_TEST

START_TEST(a_channel_never_seen_is_not_found)
{
	struct query q = { f.s, f.reg, Y2026, 3600, NULL };
	uint32_t r[] = { C11, 5, 0 };
	struct batch *b = fx_batch(1, 1, Y2025, 1, r);
	struct store_outcome o = fx_commit1(&f, b);
	struct proto_id seen = { 1, 1, 1 }, unseen = { 1, 1, 2 },
			keys[] = { { 1, 1, 1 }, { 1, 1, 2 } };
	struct jv_err err = { "" };
	json_t *res = NULL;
	MDB_txn *txn;

	store_outcome_free(&o);
	batch_free(b);
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	/* seen, but nothing counted in the span: zero, not an error */
	ck_assert_int_eq(query_series(&q, txn, &seen, Y2026 - 3600, Y2026, TB_HOUR, &res, &err), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(res, "pulses")), 0);
	json_decref(res);
	res = NULL;
	ck_assert_int_eq(query_series(&q, txn, &unseen, Y2025, Y2026, TB_DAY, &res, &err),
			 AMR_ENOTFOUND);
	ck_assert_ptr_null(res);
	ck_assert_str_eq(err.msg,
			 "channel: channel 1.1.2 was never seen (it is not in the registry)");
	err.msg[0] = 0;
	ck_assert_int_eq(query_consumption(&q, txn, keys, 2, Y2025, Y2026, NULL, 0, &res, &err),
			 AMR_ENOTFOUND);
	ck_assert_ptr_null(res);
	ck_assert_ptr_nonnull(strstr(err.msg, "channels[1]: channel 1.1.2 was never seen"));
	mdb_txn_abort(txn);
}
END_TEST

START_TEST(registry_refuses_bad_updates)
{
	static const struct {
		const char *args;
		const char *err;
	} cases[] = {
		{ "{\"colour\":\"red\"}", "colour" },
		{ "{\"unit\":\"furlong\"}", "unit" },
		{ "{\"resource\":\"steam\"}", "resource" },
		{ "{\"verification_due\":\"2027-02-30\"}", "verification_due" },
		{ "{\"weight\":{\"num\":1,\"den\":100,\"valid_from\":1800}}", "weight" },
		{ "{\"weight\":{\"num\":0,\"den\":100}}", "weight" },
		{ "{\"initial_reading\":\"12.34567\"}", "initial_reading" },
		{ "{\"initial_total\":5}", "initial_total" },
		{ "{\"initial_reading\":\"1\",\"initial_total\":-1}", "initial_total" },
		{ "{\"initial_reading\":\"1\",\"initial_total\":4294967296}", "initial_total" },
	};
	uint32_t r[] = { C11, 5, 0 };
	struct batch *b = fx_batch(1, 1, Y2025, 1, r);
	struct store_outcome o = fx_commit1(&f, b);
	struct proto_id k = { 1, 1, 1 };
	json_t *rec;
	MDB_txn *txn;

	store_outcome_free(&o);
	batch_free(b);
	/* ids have one spelling, in the protocol's ranges */
	{
		static const char *const bad[] = { "",	    "0",     "01.5.1", "1.05",
						   "1.128", "1.1.5", "1.1.0",  "1.1.1.1",
						   "1.",    "+1",    " 1",     "65001" };
		struct proto_id key;
		struct jv_err err = { "" };

		ck_assert_int_eq(registry_parse_id("65000.127.4", &key, &err), AMR_OK);
		ck_assert(key.obj == 65000 && key.addr == 127 && key.ch == 4);
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
			ck_assert_msg(registry_parse_id(bad[i], &key, &err) == AMR_EINVAL, "%s",
				      bad[i]);
	}
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct jv_err err = { "" };

		ck_assert_msg(registry_set(cases[i].args, &err) == AMR_EINVAL, "case %zu", i);
		ck_assert_msg(strstr(err.msg, cases[i].err), "case %zu: %s", i, err.msg);
	}
	/* the reading is paired with the counter as it stands ... */
	ck_assert_int_eq(registry_set_at("{\"label\":\"Cold water, flat 1\",\"unit\":\"m3\","
					 "\"serial\":\"A-17\",\"verification_due\":\"2028-02-29\","
					 "\"initial_reading\":\"12.345\"}",
					 5000, NULL),
			 0);
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(registry_get(f.reg, txn, &k, &rec), 0);
	mdb_txn_abort(txn);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "label")), "Cold water, flat 1");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "serial")), "A-17");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "initial_reading")), "12.345");
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "initial_total")), 5000);
	json_decref(rec);
	/* ... or with the counter the operator gives; other changes keep the pair */
	ck_assert_int_eq(
		registry_set_at("{\"initial_reading\":\"20\",\"initial_total\":4800}", 5100, NULL),
		0);
	ck_assert_int_eq(registry_set_at("{\"label\":\"Cold water, flat 1, toilet\"}", 5200, NULL),
			 0);
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(registry_get(f.reg, txn, &k, &rec), 0);
	mdb_txn_abort(txn);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "initial_reading")), "20");
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "initial_total")), 4800);
	json_decref(rec);
}
END_TEST

/* A retired object or device leaves the list of every object's latest
 * values and keeps its data; a channel is not retired on its own. */
START_TEST(retired_objects_and_devices_leave_latest)
{
	uint32_t r1[] = { C11, 5, 0, BATCH_CHAN(2, 1), 7, 0 }, r12[] = { C11, 9, 0 };
	struct batch *b1 = fx_batch(1, 1, Y2025, 2, r1), *b12 = fx_batch(12, 1, Y2025, 1, r12);
	struct store_outcome o;
	struct jv_err err = { "" };
	struct proto_id k = { 12, 0, 0 };
	char ids[256];
	json_t *rec;
	MDB_txn *txn;

	o = fx_commit1(&f, b1);
	store_outcome_free(&o);
	o = fx_commit1(&f, b12);
	store_outcome_free(&o);
	batch_free(b1);
	batch_free(b12);
	latest_ids(0, ids, sizeof ids);
	ck_assert_str_eq(ids, "1.1.1 1.2.1 12.1.1");
	ck_assert_int_eq(
		registry_set_key((struct proto_id){ 12, 0, 0 }, "{\"retired\":true}", 0, NULL), 0);
	ck_assert_int_eq(
		registry_set_key((struct proto_id){ 1, 2, 0 }, "{\"retired\":true}", 0, NULL), 0);
	latest_ids(0, ids, sizeof ids);
	ck_assert_str_eq(ids, "1.1.1");
	latest_ids(12, ids, sizeof ids);
	ck_assert_str_eq(ids, "12.1.1!");
	latest_ids(1, ids, sizeof ids);
	ck_assert_str_eq(ids, "1.1.1 1.2.1!");
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(registry_get(f.reg, txn, &k, &rec), 0);
	mdb_txn_abort(txn);
	ck_assert(json_is_true(json_object_get(rec, "retired")));
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "retired_at")), 1);
	json_decref(rec);
	ck_assert_int_eq(
		registry_set_key((struct proto_id){ 12, 1, 1 }, "{\"retired\":true}", 0, &err),
		AMR_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "retire its device 12.1 or its object 12"));
	ck_assert_int_eq(
		registry_set_key((struct proto_id){ 12, 0, 0 }, "{\"retired\":1}", 0, &err),
		AMR_EINVAL);
	ck_assert_int_eq(
		registry_set_key((struct proto_id){ 12, 0, 0 }, "{\"retired\":false}", 0, NULL), 0);
	latest_ids(0, ids, sizeof ids);
	ck_assert_str_eq(ids, "1.1.1 12.1.1");
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(registry_get(f.reg, txn, &k, &rec), 0);
	mdb_txn_abort(txn);
	ck_assert_ptr_null(json_object_get(rec, "retired"));
	ck_assert_ptr_null(json_object_get(rec, "retired_at"));
	json_decref(rec);
}
END_TEST

/* A device's outputs get labels and resources, merged output by output;
 * bad ones are refused naming the output and change nothing. */
START_TEST(registry_labels_outputs)
{
	static const struct {
		const char *args;
		const char *err;
	} bad[] = {
		{ "{\"outputs\":{\"5\":{\"label\":\"x\"}}}", "outputs: \"5\" is not an output" },
		{ "{\"outputs\":{\"01\":{\"label\":\"x\"}}}", "outputs: \"01\"" },
		{ "{\"outputs\":{\"1\":\"valve\"}}", "outputs.1: not an object" },
		{ "{\"outputs\":{\"1\":{\"colour\":\"red\"}}}", "outputs.1.colour" },
		{ "{\"outputs\":{\"2\":{\"resource\":\"steam\"}}}", "outputs.2.resource" },
		{ "{\"outputs\":[1]}", "outputs" },
		{ "{\"unit\":\"m3\"}", "unit" },
	};
	const struct proto_id dev = { 1, 1, 0 };
	uint32_t r[] = { C11, 5, 0 };
	struct batch *b = fx_batch(1, 1, Y2025, 1, r);
	struct store_outcome o = fx_commit1(&f, b);
	json_t *rec, *outs;
	MDB_txn *txn;

	store_outcome_free(&o);
	batch_free(b);
	ck_assert_int_eq(registry_set_key(dev,
					  "{\"label\":\"Flat 1\",\"outputs\":{\"1\":{\"label\":"
					  "\"Cold water valve\",\"resource\":\"cold_water\"},"
					  "\"3\":{\"label\":\"Contactor\"}}}",
					  0, NULL),
			 0);
	ck_assert_int_eq(registry_set_key(dev,
					  "{\"outputs\":{\"3\":{\"resource\":\"electricity\"}}}", 0,
					  NULL),
			 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct jv_err err = { "" };

		ck_assert_msg(registry_set_key(dev, bad[i].args, 0, &err) == AMR_EINVAL, "case %zu",
			      i);
		ck_assert_msg(strstr(err.msg, bad[i].err), "case %zu: %s", i, err.msg);
	}
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(registry_get(f.reg, txn, &dev, &rec), 0);
	mdb_txn_abort(txn);
	outs = json_object_get(rec, "outputs");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "label")), "Flat 1");
	ck_assert_uint_eq(json_object_size(outs), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(outs, "1"), "label")),
			 "Cold water valve");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(outs, "1"), "resource")),
			 "cold_water");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(outs, "3"), "label")),
			 "Contactor");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(outs, "3"), "resource")),
			 "electricity");
	json_decref(rec);
}
END_TEST

START_TEST(audit_is_append_only_and_queryable)
{
	const char *recs[] = {
		"{\"ts\":100,\"actor\":\"anna\",\"action\":\"block\",\"target\":\"1.5\",\"detail\":{}}",
		"{\"ts\":200,\"actor\":\"boris\",\"action\":\"tariff.set\",\"target\":\"t1\"}",
		"{\"ts\":300,\"actor\":\"anna\",\"action\":\"unblock\",\"target\":\"1.5\"}",
		"{\"ts\":100,\"actor\":\"anna\",\"action\":\"block\",\"target\":\"1.5\",\"detail\":{}}",
	};
	MDB_txn *txn;
	json_t *res;
	bool dup;

	for (size_t i = 0; i < 4; i++) {
		json_t *rec = json_loads(recs[i], 0, NULL);
		struct jv_err err = { "" };

		ck_assert_int_eq(audit_check(rec, &err), 0);
		ck_assert_int_eq(audit_store(f.aud, rec, &dup), 0);
		ck_assert(dup == (i == 3)); /* a redelivery is stored once */
		json_decref(rec);
	}
	{
		json_t *bad = json_loads("{\"ts\":\"now\",\"actor\":\"x\",\"action\":\"y\"}", 0,
					 NULL);
		struct jv_err err = { "" };

		ck_assert_int_eq(audit_check(bad, &err), AMR_EINVAL);
		ck_assert_ptr_nonnull(strstr(err.msg, "ts"));
		json_decref(bad);
	}
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(audit_query(f.aud, txn, 0, 1000, NULL, NULL, 100, &res), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(res, "records")), 3);
	json_decref(res);
	ck_assert_int_eq(audit_query(f.aud, txn, 0, 1000, "anna", NULL, 100, &res), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(res, "records")), 2);
	json_decref(res);
	ck_assert_int_eq(audit_query(f.aud, txn, 150, 1000, NULL, "1.5", 100, &res), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(res, "records")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(res, "records"), 0), "action")),
			 "unblock");
	json_decref(res);
	ck_assert_int_eq(audit_query(f.aud, txn, 0, 1000, NULL, NULL, 2, &res), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(res, "records")), 2);
	ck_assert(json_is_true(json_object_get(res, "more")));
	json_decref(res);
	mdb_txn_abort(txn);
}
END_TEST

/* A day's row names the day as the site does: Moscow midnight is 21:00 UTC
 * the day before. */
START_TEST(csv_names_the_local_day)
{
	json_t *series = json_loads("{\"channel\":\"1.1.1\",\"unit\":\"m3\",\"points\":"
				    "[{\"t\":1764536400,\"pulses\":12,\"quantity\":\"0.120\"}]}",
				    0, NULL);
	char *csv = csv_series(series, NULL);

	ck_assert_str_eq(csv,
			 "channel,unit,t,time_utc,time_local,pulses,quantity\n"
			 "1.1.1,m3,1764536400,2025-11-30T21:00:00Z,2025-12-01T00:00:00+03:00,12,"
			 "0.120\n");
	free(csv);
	json_decref(series);
}
END_TEST

Suite *archive_query_suite(void)
{
	Suite *s = suite_create("archive_query");
	TCase *tc = tcase_create("query");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, year_by_hour_day_month);
	tcase_add_test(tc, zones_split_exactly);
	tcase_add_test(tc, a_channel_never_seen_is_not_found);
	tcase_add_test(tc, registry_refuses_bad_updates);
	tcase_add_test(tc, retired_objects_and_devices_leave_latest);
	tcase_add_test(tc, registry_labels_outputs);
	tcase_add_test(tc, audit_is_append_only_and_queryable);
	tcase_add_test(tc, csv_names_the_local_day);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(archive_query_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
