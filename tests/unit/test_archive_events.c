/*
 * Unit tests of the counter events of a batch in the archive's write path
 * (services/archive/store.c) against real LMDB files: counter_zeroed (what
 * a zero may count, in and out of quarantine), object_changed (the
 * gateway's deltas count) and address_changed (a device moved takes its
 * registry records along). The rest of the write path is in
 * test_archive_store.c.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "test_archive_fixture.h"

#define C11 BATCH_CHAN(1, 1)
#define T0  1736000000LL /* 2025-01-04T14:13:20Z */

static struct fx f;

static void setup(void)
{
	fx_open(&f);
}

static void teardown(void)
{
	fx_close(&f);
}

START_TEST(counter_zeroed_resets_the_base)
{
	uint32_t r1[] = { C11, 500, 0 }, r2[] = { C11, 5, 12 }, r3[] = { C11, 9, 4 };
	struct batch *b1 = fx_batch(1, 1, T0, 1, r1), *b2 = fx_batch(1, 2, T0 + 60, 1, r2);
	struct batch *b3 = fx_batch(1, 3, T0 + 120, 1, r3);
	struct store_outcome o;

	fx_counter(b2, C11, true, 507); /* 500 -> 507, zeroed, -> 5 */
	o = fx_commit1(&f, b1);
	store_outcome_free(&o);
	o = fx_commit1(&f, b2);
	ck_assert_uint_eq(o.quarantined, 0);
	store_outcome_free(&o);
	o = fx_commit1(&f, b3);
	store_outcome_free(&o);
	/* 12 as the gateway counted across the zeroing, then 9 - 5 */
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_HOUR, 1, C11, 0, T0 * 2), 16);
	batch_free(b1);
	batch_free(b2);
	batch_free(b3);
}
END_TEST

/* Commit a batch of one reading of chan, with a counter_zeroed event
 * (from, -1: none) when zero; returns the pulses it counted. */
static uint64_t zero_batch(uint64_t seq, uint16_t chan, uint32_t total, uint32_t delta, bool zero,
			   int64_t from, struct store_outcome *o)
{
	uint32_t r[] = { chan, total, delta };
	struct batch *b = fx_batch(1, seq, T0 + 60 * (int64_t)seq, 1, r);

	if (zero)
		fx_counter(b, chan, true, from);
	*o = fx_commit1(&f, b);
	batch_free(b);
	return o->pulses;
}

/*
 * After counter_zeroed the gateway's delta counts, but no more than the
 * totals show: the event's from minus the last counted total (0 if below
 * it), each further event's from, plus the new total. Beyond that the
 * claim is quarantined with its reading, and what the totals show counted.
 */
START_TEST(a_zero_counts_no_more_than_the_totals_show)
{
	struct store_outcome o;
	json_t *list;
	MDB_txn *txn;

	ck_assert_uint_eq(zero_batch(1, C11, 100, 0, false, 0, &o), 0);
	store_outcome_free(&o);
	/* 100 -> 120, zeroed, -> 5: 25 pulses; the gateway claims 4000 */
	ck_assert_uint_eq(zero_batch(2, C11, 5, 4000, true, 120, &o), 25);
	ck_assert_uint_eq(o.quarantined, 1);
	ck_assert_uint_eq(o.claims, 1);
	ck_assert_uint_eq(o.nevents, 1);
	ck_assert_int_eq(o.events[0].reason, STORE_QUAR_DELTA);
	ck_assert_uint_eq(o.events[0].delta, 4000);
	ck_assert_uint_eq(o.events[0].counted, 25);
	ck_assert_uint_eq(o.events[0].last_total, 100);
	store_outcome_free(&o);
	ck_assert(fx_chan_state(&f, 1, C11).flags & STORE_CHAN_QUARANTINED);
	ck_assert_uint_eq(fx_chan_state(&f, 1, C11).total, 5); /* the new base */
	/* the next reading counts on from the new total, and the channel is sound */
	ck_assert_uint_eq(zero_batch(3, C11, 9, 4, false, 0, &o), 4);
	ck_assert_uint_eq(o.nevents, 0);
	store_outcome_free(&o);
	ck_assert(!(fx_chan_state(&f, 1, C11).flags & STORE_CHAN_QUARANTINED));
	/* a claim the totals show is counted whole */
	ck_assert_uint_eq(zero_batch(4, C11, 3, 14, true, 20, &o), 14);
	ck_assert_uint_eq(o.quarantined, 0);
	store_outcome_free(&o);
	/* without from nothing before the zero is shown: the total alone */
	ck_assert_uint_eq(zero_batch(5, C11, 2, 7, true, -1, &o), 2);
	ck_assert_uint_eq(o.claims, 1);
	store_outcome_free(&o);
	/* a merged batch, zeroed twice: 2 -> 30, zeroed, -> 40, zeroed, -> 4 */
	{
		uint32_t r[] = { C11, 4, 80 };
		struct batch *b = fx_batch(1, 6, T0 + 360, 1, r);

		fx_counter(b, C11, true, 30);
		fx_counter(b, C11, true, 40);
		o = fx_commit1(&f, b);
		ck_assert_uint_eq(o.pulses, 28 + 40 + 4);
		ck_assert_uint_eq(o.claims, 1);
		store_outcome_free(&o);
		batch_free(b);
	}
	/* with object_changed the last totals are another number's past: the
	 * gateway's delta counts as the parse allowed it */
	{
		uint32_t r[] = { C11, 1, 50 };
		struct batch *b = fx_batch(1, 7, T0 + 420, 1, r);

		fx_counter(b, C11, true, 49);
		b->obj_changed = true;
		o = fx_commit1(&f, b);
		ck_assert_uint_eq(o.pulses, 50);
		ck_assert_uint_eq(o.quarantined, 0);
		store_outcome_free(&o);
		batch_free(b);
	}
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_HOUR, 1, C11, 0, T0 * 2), 25 + 4 + 14 + 2 + 72 + 50);
	/* the claims are kept, each with its reason */
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(store_quarantine_list(f.s, txn, 1, C11, 10, &list), 0);
	mdb_txn_abort(txn);
	ck_assert_uint_eq(json_array_size(list), 3);
	for (size_t i = 0; i < 3; i++)
		ck_assert_str_eq(
			json_string_value(json_object_get(json_array_get(list, i), "reason")),
			"delta");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(list, 0), "delta")),
			 4000);
	json_decref(list);
}
END_TEST

/* A channel quarantined for a total that fell (a replaced counter) stays
 * unbilled through a zero: what it counted below its last total is not
 * shown by the totals, only what came after the zero. */
START_TEST(a_zero_in_quarantine_counts_from_the_zero)
{
	struct store_outcome o;

	ck_assert_uint_eq(zero_batch(1, C11, 1000, 0, false, 0, &o), 0);
	store_outcome_free(&o);
	ck_assert_uint_eq(zero_batch(2, C11, 40, 3, false, 0, &o), 0); /* went down */
	ck_assert_uint_eq(o.nevents, 1);
	ck_assert_int_eq(o.events[0].reason, STORE_QUAR_DECREASED);
	store_outcome_free(&o);
	/* 40 -> 60 on the new counter, zeroed, -> 5: the gateway claims 25 */
	ck_assert_uint_eq(zero_batch(3, C11, 5, 25, true, 60, &o), 5);
	ck_assert_uint_eq(o.claims, 1);
	store_outcome_free(&o);
	ck_assert_uint_eq(fx_chan_state(&f, 1, C11).total, 5);
}
END_TEST

/*
 * A gateway counted as object 1, then as 12, then as 1 again: the first
 * batch back (object_changed) carries the pulses since its last batch as
 * 12, not since its last batch as 1, which the totals would give.
 */
START_TEST(object_changed_counts_the_gateway_deltas)
{
	uint32_t r1[] = { C11, 100, 0 }, r2[] = { C11, 130, 30 }, r3[] = { C11, 700, 20 };
	uint32_t r4[] = { C11, 705, 5 };
	struct batch *b1 = fx_batch(1, 1, T0, 1, r1), *b2 = fx_batch(1, 2, T0 + 60, 1, r2);
	struct batch *b3 = fx_batch(1, 3, T0 + 120, 1, r3), *b4 = fx_batch(1, 4, T0 + 180, 1, r4);
	const char *text = "{\"obj\":1,\"rx\":1736000000,\"seq\":3,\"prev\":2,\"ts\":1736000000,"
			   "\"readings\":[],\"events\":[{\"type\":\"object_changed\",\"ts\":1,"
			   "\"from\":12}]}";
	struct jv_err err = { "" };
	struct store_outcome o;
	struct batch *parsed;

	ck_assert_int_eq(batch_parse(text, strlen(text), &fx_clock, 1, &parsed, &err), 0);
	ck_assert(parsed->obj_changed);
	ck_assert_uint_eq(parsed->ncounters, 0);
	batch_free(parsed);
	b3->obj_changed = true;
	o = fx_commit1(&f, b1);
	store_outcome_free(&o);
	o = fx_commit1(&f, b2);
	store_outcome_free(&o);
	o = fx_commit1(&f, b3);
	ck_assert_uint_eq(o.pulses, 20);
	ck_assert_uint_eq(o.mismatches, 0);
	store_outcome_free(&o);
	o = fx_commit1(&f, b4);
	store_outcome_free(&o);
	/* 30 + 20 + 5; the 550 in between were counted as object 12 */
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_HOUR, 1, C11, 0, T0 * 2), 55);
	batch_free(b1);
	batch_free(b2);
	batch_free(b3);
	batch_free(b4);
}
END_TEST

struct label_arg {
	struct fx *f;
	struct proto_id k;
	const char *json;
};

static int set_label_txn(MDB_txn *txn, void *arg)
{
	struct label_arg *a = arg;
	json_t *args = json_loads(a->json, 0, NULL), *before = NULL, *after = NULL;
	struct jv_err err = { "" };
	int rc = registry_update(a->f->reg, txn, &a->k, args, 0, 5, &before, &after, &err);

	json_decref(args);
	json_decref(before);
	json_decref(after);
	return rc;
}

static json_t *record(const char *id)
{
	struct proto_id k;
	struct jv_err err;
	json_t *rec = NULL;
	MDB_txn *txn;

	ck_assert_int_eq(registry_parse_id(id, &k, &err), 0);
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(registry_get(f.reg, txn, &k, &rec), 0);
	mdb_txn_abort(txn);
	return rec;
}

/*
 * ch addr=002 to 040: the batch with address_changed still counts at 2,
 * then the device's state and registry records go to 40 (label, unit,
 * weights, serial), the old records keep their history's weights but not
 * the flat's name, and the move is audited; the next reading at 40 counts
 * from 2's last total although the gateway's delta is 0 there.
 */
START_TEST(a_moved_device_takes_its_registry_along)
{
	uint32_t r1[] = { BATCH_CHAN(2, 1), 100, 0, BATCH_CHAN(2, 2), 50, 0 };
	uint32_t r2[] = { BATCH_CHAN(2, 1), 110, 10 }, r3[] = { BATCH_CHAN(40, 1), 115, 0 };
	struct batch *b1 = fx_batch(1, 1, T0, 2, r1), *b2 = fx_batch(1, 2, T0 + 60, 1, r2);
	struct batch *b3 = fx_batch(1, 3, T0 + 120, 1, r3), *parsed;
	struct label_arg la = {
		&f,
		{ 1, 2, 1 },
		"{\"label\":\"Cold water, flat 2\",\"unit\":\"m3\",\"serial\":\"CW-2\","
		"\"weight\":{\"num\":1,\"den\":100,\"valid_from\":0}}"
	};
	const char *text = "{\"obj\":1,\"rx\":1736000000,\"seq\":2,\"ts\":1736000000,"
			   "\"events\":[{\"type\":\"address_changed\",\"addr\":40,\"from\":2,"
			   "\"ts\":1}]}";
	struct jv_err err = { "" };
	struct store_outcome o;
	MDB_txn *txn;
	json_t *rec, *res;

	ck_assert_int_eq(batch_parse(text, strlen(text), &fx_clock, 1, &parsed, &err), 0);
	ck_assert_uint_eq(parsed->nmoves, 1);
	ck_assert_uint_eq(parsed->moves[0].from, 2);
	ck_assert_uint_eq(parsed->moves[0].to, 40);
	batch_free(parsed);
	b2->moves = calloc(1, sizeof *b2->moves);
	ck_assert_ptr_nonnull(b2->moves);
	b2->moves[0] = (struct batch_move){ 2, 40 };
	b2->nmoves = 1;
	o = fx_commit1(&f, b1);
	store_outcome_free(&o);
	ck_assert_int_eq(kv_write(f.k, set_label_txn, &la), 0);
	la.k.ch = 0;
	la.json = "{\"label\":\"Flat 2\"}";
	ck_assert_int_eq(kv_write(f.k, set_label_txn, &la), 0);
	o = fx_commit1(&f, b2);
	ck_assert_uint_eq(json_array_size(o.audits), 1);
	rec = json_array_get(o.audits, 0);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "action")), "registry.move");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "target")), "1.2");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(rec, "detail"), "to")),
			 "1.40");
	store_outcome_free(&o);
	ck_assert_uint_eq(fx_chan_state(&f, 1, BATCH_CHAN(40, 1)).total, 110);
	ck_assert_uint_eq(fx_chan_state(&f, 1, BATCH_CHAN(40, 2)).total, 50);
	o = fx_commit1(&f, b3);
	ck_assert_uint_eq(o.new_channels, 0);
	store_outcome_free(&o);
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_HOUR, 1, BATCH_CHAN(2, 1), 0, T0 * 2), 10);
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_HOUR, 1, BATCH_CHAN(40, 1), 0, T0 * 2), 5);
	rec = record("1.40.1");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "label")), "Cold water, flat 2");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "serial")), "CW-2");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "unit")), "m3");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "moved_from")), "1.2.1");
	json_decref(rec);
	rec = record("1.40");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "label")), "Flat 2");
	json_decref(rec);
	rec = record("1.2.1");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "label")), "");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "serial")), "");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "unit")), "m3");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "moved_to")), "1.40.1");
	json_decref(rec);
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(audit_query(f.aud, txn, 0, 1LL << 40, "archive", "1.2", 10, &res), 0);
	mdb_txn_abort(txn);
	ck_assert_uint_eq(json_array_size(json_object_get(res, "records")), 1);
	json_decref(res);
	/* another device answers at 2 later: the address is in use again */
	{
		uint32_t r4[] = { BATCH_CHAN(2, 1), 7, 0 };
		struct batch *b4 = fx_batch(1, 4, T0 + 180, 1, r4);

		o = fx_commit1(&f, b4);
		ck_assert_uint_eq(o.pulses, 0);
		store_outcome_free(&o);
		batch_free(b4);
	}
	rec = record("1.2.1");
	ck_assert_ptr_null(json_object_get(rec, "moved_to"));
	ck_assert_str_eq(json_string_value(json_object_get(rec, "label")), "");
	json_decref(rec);
	rec = record("1.2");
	ck_assert_ptr_null(json_object_get(rec, "moved_to"));
	json_decref(rec);
	batch_free(b1);
	batch_free(b2);
	batch_free(b3);
}
END_TEST

Suite *archive_events_suite(void)
{
	Suite *s = suite_create("archive_events");
	TCase *tc = tcase_create("events");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, counter_zeroed_resets_the_base);
	tcase_add_test(tc, a_zero_counts_no_more_than_the_totals_show);
	tcase_add_test(tc, a_zero_in_quarantine_counts_from_the_zero);
	tcase_add_test(tc, object_changed_counts_the_gateway_deltas);
	tcase_add_test(tc, a_moved_device_takes_its_registry_along);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(archive_events_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
