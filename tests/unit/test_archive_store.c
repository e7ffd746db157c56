/*
 * Unit tests of the archive's write path (services/archive/store.c) against
 * real LMDB files: high-water mark dedup, deltas from totals, quarantine,
 * first-seen registration, rollups in the site's zone, retention, rebase,
 * seq leaps, a failed open, and the batch reader it relies on
 * (services/archive/batch.c). The counter events of a batch (a zero, an
 * object number changed, a device moved) are in test_archive_events.c.
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
	ck_assert_uint_eq(fx_hwm(&f, 7), 2);
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_HOUR, 7, C11, 0, T0 * 2), 10);
	ck_assert_uint_eq(fx_chan_state(&f, 7, C11).total, 110);
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
	ck_assert_uint_eq(fx_hwm(&f, 1), 5);
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
			ck_assert(fx_chan_state(&f, 1, C11).flags & STORE_CHAN_QUARANTINED);
		store_outcome_free(&o);
		batch_free(b);
	}
	ck_assert_uint_eq(quarantined, 2);
	ck_assert_uint_eq(events, 1); /* reported once per episode */
	/* never negative: only 160 - 150 is counted */
	ck_assert_uint_eq(fx_rollup_sum(&f, TB_HOUR, 1, C11, 0, T0 * 2), 10);
	ck_assert_uint_eq(fx_chan_state(&f, 1, C11).flags & STORE_CHAN_QUARANTINED, 0);
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
	ck_assert_uint_eq(fx_hwm(&f, 1), 5 + STORE_SEQ_JUMP);
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
