/*
 * Unit tests of the archive's write path (services/archive/store.c) against
 * real LMDB files: high-water mark dedup, deltas from totals, quarantine,
 * counter_zeroed, first-seen registration, rollups in the site's zone,
 * retention and rebase.
 */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "test_archive_fixture.h"

#define C11 BATCH_CHAN(1, 1)
#define C12 BATCH_CHAN(1, 2)
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

static uint64_t hwm(uint16_t obj)
{
	MDB_txn *txn;
	uint64_t seq;

	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(store_hwm(f.s, txn, obj, &seq), 0);
	mdb_txn_abort(txn);
	return seq;
}

static struct store_chan chan_state(uint16_t obj, uint16_t chan)
{
	struct store_chan *c, r = { 0 };
	MDB_txn *txn;
	size_t n;

	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(store_state(f.s, txn, obj, &c, &n), 0);
	mdb_txn_abort(txn);
	for (size_t i = 0; i < n; i++)
		if (c[i].chan == chan)
			r = c[i];
	free(c);
	ck_assert_uint_eq(r.chan, chan);
	return r;
}

START_TEST(duplicates_are_counted_once)
{
	uint32_t r1[] = { C11, 100, 0 }, r2[] = { C11, 110, 10 };
	struct batch *b1 = fx_batch(7, 1, T0, 1, r1), *b2 = fx_batch(7, 2, T0 + 60, 1, r2);
	struct store_outcome o;

	o = fx_commit1(&f, b1);
	ck_assert_uint_eq(o.batches, 1);
	ck_assert_uint_eq(o.nacks, 1);
	ck_assert_uint_eq(o.acks[0].obj, 7);
	ck_assert_uint_eq(o.acks[0].seq, 1);
	store_outcome_free(&o);
	/* the same batch delivered three times, in one group and in later ones */
	{
		struct batch *g[] = { b2, b2, b1 };

		ck_assert_int_eq(store_commit(f.s, g, 3, 1000, &o), 0);
		ck_assert_uint_eq(o.batches, 1);
		ck_assert_uint_eq(o.duplicates, 2);
		ck_assert_uint_eq(o.nacks, 1);
		ck_assert_uint_eq(o.acks[0].seq, 2);
		store_outcome_free(&o);
	}
	o = fx_commit1(&f, b2);
	ck_assert_uint_eq(o.batches, 0);
	ck_assert_uint_eq(o.duplicates, 1);
	ck_assert_uint_eq(o.acks[0].seq, 2); /* the ack is sent again */
	store_outcome_free(&o);
	ck_assert_uint_eq(hwm(7), 2);
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_HOUR, 7, C11, 0, T0 * 2), 10);
	ck_assert_uint_eq(chan_state(7, C11).total, 110);
	batch_free(b1);
	batch_free(b2);
}
END_TEST

START_TEST(deltas_come_from_totals)
{
	/* new channel: the gateway's delta; then totals decide, also when the
	 * gateway's delta is wrong or a batch was lost (seq 3 never arrives) */
	uint32_t r[][3] = { { C11, 100, 4 }, { C11, 110, 10 }, { C11, 130, 5 }, { C11, 150, 20 } };
	uint64_t seqs[] = { 1, 2, 4, 5 };
	size_t mismatches = 0;

	for (size_t i = 0; i < 4; i++) {
		struct batch *b = fx_batch(1, seqs[i], T0 + 60 * (int64_t)i, 1, r[i]);
		struct store_outcome o = fx_commit1(&f, b);

		mismatches += o.mismatches;
		store_outcome_free(&o);
		batch_free(b);
	}
	ck_assert_uint_eq(mismatches, 1);
	/* 4 (first, as the gateway said) + 10 + 20 + 20 = 4 + (150 - 100) */
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_HOUR, 1, C11, 0, T0 * 2), 54);
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_DAY, 1, C11, 0, T0 * 2), 54);
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_MONTH, 1, C11, 0, T0 * 2), 54);
	ck_assert_uint_eq(hwm(1), 5);
}
END_TEST

START_TEST(total_going_down_is_quarantined)
{
	uint32_t r[][3] = { { C11, 150, 0 }, { C11, 40, 0 }, { C11, 45, 5 }, { C11, 160, 115 } };
	size_t events = 0, quarantined = 0;
	MDB_txn *txn;
	json_t *list;

	for (size_t i = 0; i < 4; i++) {
		struct batch *b = fx_batch(1, i + 1, T0 + 60 * (int64_t)i, 1, r[i]);
		struct store_outcome o = fx_commit1(&f, b);

		events += o.nevents;
		quarantined += o.quarantined;
		if (o.nevents) {
			ck_assert_uint_eq(o.events[0].total, 40);
			ck_assert_uint_eq(o.events[0].last_total, 150);
		}
		if (i == 2)
			ck_assert(chan_state(1, C11).flags & STORE_CHAN_QUARANTINED);
		store_outcome_free(&o);
		batch_free(b);
	}
	ck_assert_uint_eq(quarantined, 2);
	ck_assert_uint_eq(events, 1); /* reported once per episode */
	/* never negative: only 160 - 150 is counted */
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_HOUR, 1, C11, 0, T0 * 2), 10);
	ck_assert_uint_eq(chan_state(1, C11).flags & STORE_CHAN_QUARANTINED, 0);
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(store_quarantine_list(f.s, txn, 1, 0, 100, &list), 0);
	mdb_txn_abort(txn);
	ck_assert_uint_eq(json_array_size(list), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "channel")),
			 "1.1.1");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(list, 0), "total")), 40);
	json_decref(list);
}
END_TEST

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
	ck_assert(chan_state(1, C11).flags & STORE_CHAN_QUARANTINED);
	ck_assert_uint_eq(chan_state(1, C11).total, 5); /* the new base */
	/* the next reading counts on from the new total, and the channel is sound */
	ck_assert_uint_eq(zero_batch(3, C11, 9, 4, false, 0, &o), 4);
	ck_assert_uint_eq(o.nevents, 0);
	store_outcome_free(&o);
	ck_assert(!(chan_state(1, C11).flags & STORE_CHAN_QUARANTINED));
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
	ck_assert_uint_eq(chan_state(1, C11).total, 5);
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
	ck_assert_uint_eq(chan_state(1, BATCH_CHAN(40, 1)).total, 110);
	ck_assert_uint_eq(chan_state(1, BATCH_CHAN(40, 2)).total, 50);
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

START_TEST(first_reading_registers_the_channel)
{
	uint32_t r[] = { C11, 1, 0, C12, 2, 0 };
	struct batch *b = fx_batch(3, 1, T0, 2, r);
	struct store_outcome o = fx_commit1(&f, b);
	struct proto_id k = { 3, 1, 2 }, dk = { 3, 1, 0 }, ok = { 3, 0, 0 };
	MDB_txn *txn;
	json_t *rec;

	ck_assert_uint_eq(o.new_channels, 2);
	store_outcome_free(&o);
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(registry_get(f.reg, txn, &k, &rec), 0);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "id")), "3.1.2");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "label")), "");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "unit")), "pulse");
	json_decref(rec);
	ck_assert_int_eq(registry_get(f.reg, txn, &dk, &rec), 0);
	json_decref(rec);
	ck_assert_int_eq(registry_get(f.reg, txn, &ok, &rec), 0);
	json_decref(rec);
	mdb_txn_abort(txn);
	batch_free(b);
}
END_TEST

START_TEST(rollups_use_the_site_zone)
{
	/* 2025-01-31 20:30 UTC is 23:30 in Moscow: January;
	 * 2025-01-31 21:30 UTC is 00:30 on 1 February in Moscow */
	int64_t jan = 1738355400, feb = 1738359000;
	int64_t feb1 = 1738357200; /* 2025-02-01 00:00 MSK */
	uint32_t r1[] = { C11, 0, 0 }, r2[] = { C11, 7, 7 }, r3[] = { C11, 10, 3 };
	struct batch *b[] = { fx_batch(1, 1, jan - 60, 1, r1), fx_batch(1, 2, jan, 1, r2),
			      fx_batch(1, 3, feb, 1, r3) };
	struct store_outcome o;

	ck_assert_int_eq(store_commit(f.s, b, 3, 1000, &o), 0);
	store_outcome_free(&o);
	ck_assert_int_eq(tb_start(TB_DAY, feb), feb1);
	ck_assert_int_eq(tb_start(TB_MONTH, feb), feb1);
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_MONTH, 1, C11, 0, feb1), 7);
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_MONTH, 1, C11, feb1, feb1 + 86400), 3);
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_DAY, 1, C11, feb1 - 86400, feb1), 7);
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_HOUR, 1, C11, feb1, feb1 + 3600), 3);
	for (size_t i = 0; i < 3; i++)
		batch_free(b[i]);
}
END_TEST

static int count_raw(void *ctx, const struct store_raw *r)
{
	(*(int *)ctx)++;
	return 0;
}

START_TEST(retention_drops_raw_keeps_rollups)
{
	MDB_txn *txn;
	size_t deleted;
	int n = 0;

	for (uint64_t i = 0; i < 2500; i++) {
		uint32_t r[] = { C11, (uint32_t)i * 2, 2 };
		struct batch *b = fx_batch(1, i + 1, T0 + (int64_t)i * 60, 1, r);
		struct store_outcome o = fx_commit1(&f, b);

		store_outcome_free(&o);
		batch_free(b);
	}
	ck_assert_int_eq(store_retention(f.s, T0 + 2000 * 60, 300, &deleted), 0);
	ck_assert_uint_eq(deleted, 2000);
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(store_raw_scan(f.s, txn, 1, C11, 0, T0 * 2, count_raw, &n), 0);
	mdb_txn_abort(txn);
	ck_assert_int_eq(n, 500);
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_HOUR, 1, C11, 0, T0 * 2), 2 + 2 * 2499);
}
END_TEST

START_TEST(rebase_accepts_a_replaced_counter)
{
	uint32_t r[][3] = { { C11, 900, 0 }, { C11, 3, 0 }, { C11, 8, 5 }, { C11, 10, 2 } };
	uint32_t total = 0;

	for (size_t i = 0; i < 3; i++) {
		struct batch *b = fx_batch(1, i + 1, T0 + 60 * (int64_t)i, 1, r[i]);
		struct store_outcome o = fx_commit1(&f, b);

		store_outcome_free(&o);
		batch_free(b);
	}
	ck_assert_int_eq(store_quarantine_rebase(f.s, 1, C11, &total), 0);
	ck_assert_uint_eq(total, 8);
	ck_assert_int_eq(store_quarantine_rebase(f.s, 1, C11, &total), AMR_ENOTFOUND);
	{
		struct batch *b = fx_batch(1, 4, T0 + 180, 1, r[3]);
		struct store_outcome o = fx_commit1(&f, b);

		ck_assert_uint_eq(o.quarantined, 0);
		store_outcome_free(&o);
		batch_free(b);
	}
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_HOUR, 1, C11, 0, T0 * 2), 2);
}
END_TEST

/* A glitch that healed by itself (500, 400, 600) leaves nothing to rebase:
 * rebasing on the old 400 would count 400..600 again. */
START_TEST(rebase_refuses_a_recovered_channel)
{
	uint32_t r[][3] = { { C11, 500, 0 }, { C11, 400, 0 }, { C11, 600, 100 }, { C11, 610, 10 } };
	uint32_t total = 0;

	for (size_t i = 0; i < 3; i++) {
		struct batch *b = fx_batch(1, i + 1, T0 + 60 * (int64_t)i, 1, r[i]);
		struct store_outcome o = fx_commit1(&f, b);

		store_outcome_free(&o);
		batch_free(b);
	}
	ck_assert_int_eq(store_quarantine_rebase(f.s, 1, C11, &total), AMR_ENOTFOUND);
	{
		struct batch *b = fx_batch(1, 4, T0 + 180, 1, r[3]);
		struct store_outcome o = fx_commit1(&f, b);

		store_outcome_free(&o);
		batch_free(b);
	}
	/* the device counter moved 500 -> 610 */
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_HOUR, 1, C11, 0, T0 * 2), 110);
}
END_TEST

/* One broken or forged batch whose seq leaps 2^32 past the mark must not
 * move the mark out of reach of the gateway's next batches. */
START_TEST(a_seq_leap_is_refused)
{
	uint32_t r1[] = { C11, 100, 0 }, r2[] = { C11, 105, 5 }, r3[] = { C11, 107, 2 };
	struct batch *b;
	struct store_outcome o;
	MDB_txn *txn;
	uint64_t mark;

	b = fx_batch(1, 5, T0, 1, r1);
	o = fx_commit1(&f, b);
	store_outcome_free(&o);
	batch_free(b);
	b = fx_batch(1, 5 + STORE_SEQ_JUMP + 1, T0 + 60, 1, r2);
	o = fx_commit1(&f, b);
	ck_assert_uint_eq(o.jumps_refused, 1);
	ck_assert_uint_eq(o.batches, 0);
	ck_assert_uint_eq(o.nacks, 0);
	store_outcome_free(&o);
	batch_free(b);
	b = fx_batch(1, 5 + STORE_SEQ_JUMP, T0 + 60, 1, r2); /* a leap of exactly 2^32 is taken */
	o = fx_commit1(&f, b);
	ck_assert_uint_eq(o.batches, 1);
	store_outcome_free(&o);
	batch_free(b);
	ck_assert_int_eq(kv_read_begin(f.k, &txn), 0);
	ck_assert_int_eq(store_hwm(f.s, txn, 1, &mark), 0);
	mdb_txn_abort(txn);
	ck_assert_uint_eq(mark, 5 + STORE_SEQ_JUMP);
	b = fx_batch(1, 6 + STORE_SEQ_JUMP, T0 + 120, 1, r3);
	o = fx_commit1(&f, b);
	ck_assert_uint_eq(o.batches, 1);
	store_outcome_free(&o);
	batch_free(b);
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_HOUR, 1, C11, 0, T0 * 2), 7);
}
END_TEST

START_TEST(parse_checks_what_the_archive_relies_on)
{
#define RX "\"rx\":1736000000,\"ts\":1736000000,"
	static const struct {
		const char *json;
		const char *err; /* expected start of the message, NULL = ok */
	} cases[] = {
		{ "{\"obj\":1,\"seq\":3,\"rx\":1736000000,\"ts\":1736000000,\"readings\":[{\"addr\":5,\"ch\":1,"
		  "\"total\":9,\"delta\":1,\"period_ms\":800}],\"events\":[{\"type\":"
		  "\"counter_zeroed\",\"addr\":5,\"ch\":1,\"ts\":1}]}",
		  NULL },
		{ "{\"obj\":2,\"seq\":3," RX "\"readings\":[]}", "obj: 2 does not match" },
		{ "{\"obj\":1,\"seq\":-1," RX "\"readings\":[]}", "seq" },
		{ "{\"obj\":1,\"seq\":1," RX "\"readings\":[{\"addr\":0,\"ch\":1,\"total\":1,"
		  "\"delta\":1}]}",
		  "readings[0].addr" },
		{ "{\"obj\":1,\"seq\":1," RX "\"readings\":[{\"addr\":1,\"ch\":1,"
		  "\"total\":4294967296,\"delta\":1}]}",
		  "readings[0].total" },
		{ "{\"obj\":1,\"seq\":1," RX "\"readings\":{}}", "readings" },
		{ "{\"obj\":1,\"seq\":1," RX "\"readings\":[],\"events\":[{\"type\":"
		  "\"counter_zeroed\",\"addr\":1}]}",
		  "events[0].ch" },
		{ "not json", "" },
		/* the rules ingest applies (lib/telemetry.h), no fewer */
		{ "{\"obj\":1,\"seq\":1," RX "\"readings\":[{\"addr\":1,\"ch\":1,"
		  "\"total\":10,\"delta\":0},{\"addr\":1,\"ch\":1,\"total\":11,\"delta\":1}]}",
		  "readings[1]: channel 1.1 appears twice" },
		{ "{\"obj\":1,\"seq\":1,\"rx\":1736000000,\"ts\":1736000301,\"readings\":[]}",
		  "ts: 1736000301 is 301 s ahead of the server clock (limit 300 s)" },
		{ "{\"obj\":1,\"seq\":1,\"rx\":1736000000,\"ts\":1732111999,\"readings\":[]}",
		  "ts: 1732111999 is older than the horizon of 45 days" },
		{ "{\"obj\":1,\"seq\":1,\"ts\":1736000000,\"readings\":[]}", "rx: missing" },
		{ "{\"obj\":1,\"seq\":1,\"rx\":1736000311,\"ts\":1736000311,\"readings\":[]}",
		  "rx: 1736000311 is 301 s ahead of the archive's clock (limit 300 s)" },
		{ "{\"obj\":1,\"seq\":9007199254740992," RX "\"readings\":[]}",
		  "seq: 9007199254740992 is out of range 1..9007199254740991" },
		{ "{\"obj\":1,\"seq\":0," RX "\"readings\":[]}", "seq: 0 is out of range" },
		{ "{\"obj\":1,\"seq\":1," RX "\"readings\":[{\"addr\":1,\"ch\":1,"
		  "\"total\":10,\"delta\":0,\"colour\":1}]}",
		  "readings[0].colour: unknown field" },
		{ "{\"obj\":1,\"seq\":1," RX "\"readings\":[{\"addr\":1,\"ch\":1,"
		  "\"total\":10,\"delta\":11}]}",
		  "readings[0].delta: 11 exceeds total 10 without a counter_zeroed or "
		  "counter_decreased event for 1.1" },
		{ "{\"obj\":1,\"seq\":1," RX "\"readings\":[{\"addr\":1,\"ch\":1,"
		  "\"total\":10,\"delta\":11}],\"events\":[{\"type\":\"counter_decreased\","
		  "\"addr\":1,\"ch\":1,\"ts\":1,\"from\":\"x\"}]}",
		  "events[0].from: expected an integer" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct jv_err err = { "" };
		struct batch *b = NULL;
		int rc = batch_parse(cases[i].json, strlen(cases[i].json), &fx_clock, 1, &b, &err);

		if (!cases[i].err) {
			ck_assert_int_eq(rc, 0);
			ck_assert_uint_eq(b->n, 1);
			ck_assert_uint_eq(b->r[0].chan, BATCH_CHAN(5, 1));
			ck_assert_int_eq(batch_zeroed(b, BATCH_CHAN(5, 1)), 1);
			batch_free(b);
			continue;
		}
		ck_assert_msg(rc == AMR_EINVAL, "case %zu: rc %d", i, rc);
		ck_assert_msg(strncmp(err.msg, cases[i].err, strlen(cases[i].err)) == 0,
			      "case %zu: \"%s\"", i, err.msg);
		ck_assert(err.msg[0]);
	}
	/* ingest forwards a batch without readings as it came (docs/ingest.md:
	 * readings are optional): a batch of no readings */
	{
		static const char heartbeat[] =
			"{\"obj\":1,\"seq\":2,\"prev\":1,\"rx\":1736000000,\"ts\":1736000000}";
		struct jv_err err = { "" };
		struct batch *b = NULL;

		ck_assert_int_eq(batch_parse(heartbeat, strlen(heartbeat), &fx_clock, 1, &b, &err),
				 0);
		ck_assert_uint_eq(b->n, 0);
		ck_assert_uint_eq(b->seq, 2);
		batch_free(b);
	}
#undef RX
}
END_TEST

/*
 * batch_parse() reads a batch as ingest writes it with the streaming reader
 * and anything else through a jansson tree: the same batch must come out
 * either way. The escaped key ("se\u0071" is "seq") and the UTF-8 string
 * send the second text down the tree path.
 */
START_TEST(parse_same_through_both_paths)
{
	static const char fast[] =
		"{\"obj\":1,\"rx\":1736000009,\"seq\":7,\"prev\":5,\"ts\":1736000000,"
		"\"readings\":[{\"addr\":5,\"ch\":1,\"total\":9,\"delta\":1,\"period_ms\":800},"
		"{\"addr\":5,\"ch\":2,\"total\":4294967295,\"delta\":0}],"
		"\"devices\":[{\"addr\":5,\"ok\":true,\"outputs\":[0,1,0,0]}],"
		"\"events\":[{\"type\":\"counter_zeroed\",\"addr\":5,\"ch\":2,\"ts\":1736000000},"
		"{\"type\":\"mains_lost\",\"addr\":5,\"ts\":1736000000,\"by\":\"x\"}]}";
	static const char tree[] =
		"{\"obj\":1,\"rx\":1736000009,\"se\\u0071\":7,\"prev\":5,\"ts\":1736000000,"
		"\"readings\":[{\"addr\":5,\"ch\":1,\"total\":9,\"delta\":1,\"period_ms\":800},"
		"{\"addr\":5,\"ch\":2,\"total\":4294967295,\"delta\":0}],"
		"\"devices\":[{\"addr\":5,\"ok\":true,\"outputs\":[0,1,0,0]}],"
		"\"events\":[{\"type\":\"counter_zeroed\",\"addr\":5,\"ch\":2,\"ts\":1736000000},"
		"{\"type\":\"mains_lost\",\"addr\":5,\"ts\":1736000000,\"by\":\"\xc3\xa9\"}]}";
	struct jv_err err = { "" };
	struct batch *a = NULL, *b = NULL;

	ck_assert_int_eq(batch_parse(fast, sizeof fast - 1, &fx_clock, 1, &a, &err), AMR_OK);
	ck_assert_int_eq(batch_parse(tree, sizeof tree - 1, &fx_clock, 1, &b, &err), AMR_OK);
	ck_assert_uint_eq(a->obj, b->obj);
	ck_assert_uint_eq(a->seq, 7);
	ck_assert_uint_eq(b->seq, 7);
	ck_assert(a->has_prev && b->has_prev);
	ck_assert_uint_eq(a->prev, b->prev);
	ck_assert_int_eq(a->ts, b->ts);
	ck_assert_int_eq(a->rx, 1736000009);
	ck_assert_int_eq(b->rx, 1736000009);
	ck_assert_uint_eq(a->n, 2);
	ck_assert_uint_eq(b->n, 2);
	for (int i = 0; i < 2; i++) { /* field by field: padding differs */
		ck_assert_uint_eq(a->r[i].chan, b->r[i].chan);
		ck_assert_uint_eq(a->r[i].total, b->r[i].total);
		ck_assert_uint_eq(a->r[i].delta, b->r[i].delta);
		ck_assert_uint_eq(a->r[i].period_ms, b->r[i].period_ms);
	}
	ck_assert_uint_eq(a->r[1].total, 4294967295u);
	ck_assert_uint_eq(a->r[1].period_ms, 0);
	ck_assert_uint_eq(a->ncounters, 1);
	ck_assert_uint_eq(b->ncounters, 1);
	ck_assert_int_eq(batch_zeroed(a, BATCH_CHAN(5, 2)), 1);
	ck_assert_int_eq(batch_zeroed(b, BATCH_CHAN(5, 2)), 1);
	batch_free(a);
	batch_free(b);
}
END_TEST

/* Remove the time zone the archive recorded at creation. */
static int drop_tz(MDB_txn *txn, void *arg)
{
	MDB_dbi meta;
	MDB_val k = { 2, "tz" };
	int rc;

	(void)arg;
	if ((rc = mdb_dbi_open(txn, "meta", 0, &meta)))
		return rc;
	return mdb_del(txn, meta, &k, NULL);
}

/* A store whose first record of its time zone cannot be committed (the
 * disk refuses the write) fails to open with an error; the failed commit
 * has freed its transaction, which must not be aborted again (under ASan
 * that was a double free). */
START_TEST(a_failed_commit_at_open_is_an_error)
{
	store *s2 = (store *)1;
	int ro, fd;

	ck_assert_int_eq(kv_write(f.k, drop_tz, NULL), AMR_OK);
	store_close(f.s);
	f.s = NULL;
	ck_assert_int_eq(mdb_env_get_fd(kv_env(f.k), &fd), 0);
	ck_assert_int_ge(ro = open("/dev/null", O_RDONLY), 0);
	ck_assert_int_eq(dup2(ro, fd), fd);
	close(ro);
	ck_assert_int_eq(store_open(&s2, f.k, f.reg, f.aud, "Europe/Moscow"), AMR_EIO);
	ck_assert_ptr_eq(s2, (store *)1); /* untouched */
}
END_TEST

Suite *archive_store_suite(void)
{
	Suite *s = suite_create("archive_store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, duplicates_are_counted_once);
	tcase_add_test(tc, a_failed_commit_at_open_is_an_error);
	tcase_add_test(tc, deltas_come_from_totals);
	tcase_add_test(tc, total_going_down_is_quarantined);
	tcase_add_test(tc, counter_zeroed_resets_the_base);
	tcase_add_test(tc, a_zero_counts_no_more_than_the_totals_show);
	tcase_add_test(tc, a_zero_in_quarantine_counts_from_the_zero);
	tcase_add_test(tc, object_changed_counts_the_gateway_deltas);
	tcase_add_test(tc, a_moved_device_takes_its_registry_along);
	tcase_add_test(tc, first_reading_registers_the_channel);
	tcase_add_test(tc, rollups_use_the_site_zone);
	tcase_add_test(tc, retention_drops_raw_keeps_rollups);
	tcase_add_test(tc, rebase_accepts_a_replaced_counter);
	tcase_add_test(tc, rebase_refuses_a_recovered_channel);
	tcase_add_test(tc, a_seq_leap_is_refused);
	tcase_add_test(tc, parse_checks_what_the_archive_relies_on);
	tcase_add_test(tc, parse_same_through_both_paths);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(archive_store_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
