/* Unit tests of the gateway's durable spool with real LMDB files: seq never
 * repeats, a cut between store and ack loses and doubles nothing, duplicate
 * and out-of-order acks, a full spool merging, an object number changed and
 * back (a chain per object), a spool of before the chains, and a process
 * killed with SIGKILL at random instants while an "archive" counts what it
 * received. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../firmware/gateway/delta.h"
#include "../../firmware/gateway/spool.h"
#include "../../firmware/gateway/upbatch.h"
#include "err.h"
#include "kv.h"
#include "proto.h"

static char dir[64];
static kv *k;
static spool *sp;
static unsigned obj = 1; /* the object number the spool is opened for */

/* The archive as DESIGN.md 4.3 has it: stores a batch once, by seq. */
struct archive {
	uint64_t mark;	    /* highest seq stored */
	long long sum[8];   /* deltas of channels 1..4 of address 1 (and 2) */
	long long first[8]; /* total in the first batch of a channel, -1 */
	long long last[8];  /* latest total */
	unsigned stored, dups;
};

static struct archive ar;

static void archive_init(void)
{
	memset(&ar, 0, sizeof ar);
	for (int i = 0; i < 8; i++)
		ar.first[i] = -1;
}

static void archive_take(const char *text, size_t len)
{
	json_t *b = json_loadb(text, len, 0, NULL), *r;
	uint64_t seq;
	size_t i;

	ck_assert_ptr_nonnull(b);
	seq = (uint64_t)json_integer_value(json_object_get(b, "seq"));
	/* the chain has no hole: the predecessor is stored */
	ck_assert_msg(seq <= ar.mark ||
			      (uint64_t)json_integer_value(json_object_get(b, "prev")) <= ar.mark,
		      "seq %llu: prev %lld above the mark %llu", (unsigned long long)seq,
		      json_integer_value(json_object_get(b, "prev")), (unsigned long long)ar.mark);
	if (seq <= ar.mark) {
		ar.dups++;
		json_decref(b);
		return;
	}
	ar.mark = seq;
	ar.stored++;
	json_array_foreach(json_object_get(b, "readings"), i, r) {
		int a = (int)json_integer_value(json_object_get(r, "addr"));
		int c = (int)json_integer_value(json_object_get(r, "ch"));
		int x = (a - 1) * 4 + c - 1;
		long long delta = json_integer_value(json_object_get(r, "delta"));

		ck_assert_int_ge(delta, 0);
		ck_assert(x >= 0 && x < 8);
		if (ar.first[x] < 0) {
			ar.first[x] = json_integer_value(json_object_get(r, "total"));
			ck_assert_int_eq(delta, 0);
		}
		ar.sum[x] += delta;
		ar.last[x] = json_integer_value(json_object_get(r, "total"));
	}
	json_decref(b);
}

static void open_spool(unsigned capacity)
{
	ck_assert_int_eq(kv_open(&k, dir, &(struct kv_opts){ .map_size = 1 << 20 }), AMR_OK);
	ck_assert_int_eq(spool_open(&sp, k, capacity, obj), AMR_OK);
}

static void close_spool(void)
{
	spool_close(sp);
	kv_close(k);
	sp = NULL;
	k = NULL;
}

static void load_base(void *ctx, unsigned addr, unsigned ch, uint32_t total)
{
	delta_set_base(ctx, addr, ch, total);
}

/* A gateway's state in RAM, lost at every cut. */
static struct delta dl;

static void restart(unsigned capacity)
{
	if (sp)
		close_spool();
	open_spool(capacity);
	delta_init(&dl);
	ck_assert_int_eq(spool_baselines(sp, load_base, &dl), AMR_OK);
}

/* Read device totals into the tracker and store one batch. */
static int make_batch(const uint32_t *tot, bool sending, uint64_t *seq)
{
	json_t *b = upbatch_new(time(NULL));
	uint32_t prev;
	int rc;

	for (unsigned ch = 1; ch <= 4; ch++)
		delta_read(&dl, 1, ch, tot[ch - 1], 100, false, &prev);
	ck_assert_int_ge(delta_take(&dl, b, false), 0);
	rc = spool_append(sp, b, sending, seq);
	if (rc == AMR_OK)
		delta_commit(&dl);
	else
		delta_abort(&dl);
	json_decref(b);
	return rc;
}

/* Publish every stored batch above after to the archive. */
static uint64_t publish_from(uint64_t after)
{
	uint64_t seq = after;
	char *text;

	while (spool_next(sp, obj, seq, &seq, &text) == AMR_OK) {
		archive_take(text, strlen(text));
		free(text);
	}
	return seq;
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_gw_spool.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	archive_init();
	sp = NULL;
	obj = 1;
	restart(100);
}

static void teardown(void)
{
	char cmd[128];

	close_spool();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void check_conservation(const uint32_t *tot)
{
	for (int c = 0; c < 4; c++) {
		ck_assert_int_eq(ar.last[c], tot[c]);
		ck_assert_int_eq(ar.sum[c], tot[c] - ar.first[c]);
	}
}

START_TEST(test_seq_never_repeats)
{
	uint32_t tot[4] = { 1, 2, 3, 4 };
	uint64_t seq, last = 0;

	for (int r = 0; r < 5; r++) {
		for (int i = 0; i < 3; i++) {
			tot[i % 4] += 5;
			ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
			ck_assert_uint_gt(seq, last);
			last = seq;
		}
		ck_assert_int_eq(spool_ack(sp, obj, seq), AMR_OK);
		restart(100);
		ck_assert_uint_eq(spool_last_seq(sp, obj), last);
		ck_assert_uint_eq(spool_pending(sp), 0);
	}
}
END_TEST

START_TEST(test_cut_between_store_and_ack)
{
	uint32_t tot[4] = { 100, 200, 300, 400 };
	uint64_t seq;

	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	publish_from(0);
	ck_assert_int_eq(spool_ack(sp, obj, seq), AMR_OK);
	tot[0] += 7;
	tot[2] += 3;
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	/* the archive stored it, but the ack never came back */
	publish_from(spool_acked(sp, obj));
	tot[0] += 1;
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	/* power cut: RAM lost; the device kept counting */
	restart(100);
	ck_assert_uint_eq(spool_pending(sp), 2);
	tot[1] += 50;
	/* after the reconnect every unacknowledged batch goes out again */
	publish_from(spool_acked(sp, obj));
	ck_assert_uint_eq(ar.dups, 1);
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	publish_from(spool_acked(sp, obj));
	ck_assert_int_eq(spool_ack(sp, obj, seq), AMR_OK);
	ck_assert_uint_eq(spool_pending(sp), 0);
	check_conservation(tot);
}
END_TEST

START_TEST(test_cut_before_store_counts_later)
{
	uint32_t tot[4] = { 10, 10, 10, 10 };
	uint64_t seq;

	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	tot[3] += 9;
	/* read but never stored: the cut comes first */
	{
		uint32_t prev;

		delta_read(&dl, 1, 4, tot[3], 0, false, &prev);
	}
	restart(100);
	tot[3] += 1;
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	publish_from(0);
	check_conservation(tot);
}
END_TEST

START_TEST(test_acks_duplicate_and_out_of_order)
{
	uint32_t tot[4] = { 0, 0, 0, 0 };
	uint64_t seq;

	for (int i = 0; i < 6; i++) {
		tot[0]++;
		ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	}
	ck_assert_uint_eq(spool_pending(sp), 6);
	ck_assert_int_eq(spool_ack(sp, obj, 4), AMR_OK);
	ck_assert_uint_eq(spool_pending(sp), 2);
	ck_assert_int_eq(spool_ack(sp, obj, 4), AMR_OK);
	ck_assert_int_eq(spool_ack(sp, obj, 2), AMR_OK);
	ck_assert_uint_eq(spool_pending(sp), 2);
	ck_assert_uint_eq(spool_acked(sp, obj), 4);
	restart(100);
	ck_assert_uint_eq(spool_pending(sp), 2);
	ck_assert_uint_eq(spool_acked(sp, obj), 4);
	ck_assert_int_eq(spool_ack(sp, obj, 6), AMR_OK);
	ck_assert_uint_eq(spool_pending(sp), 0);
}
END_TEST

START_TEST(test_ack_above_every_seq_renumbers)
{
	uint32_t tot[4] = { 5, 5, 5, 5 };
	uint64_t seq;
	char *text;

	for (int i = 0; i < 3; i++) {
		tot[1] += 2;
		ck_assert_int_eq(make_batch(tot, false, &seq), AMR_OK);
	}
	/* the archive remembers seq 1000 from an earlier spool */
	ck_assert_int_eq(spool_ack(sp, obj, 1000), AMR_OK);
	ck_assert_uint_eq(spool_pending(sp), 3);
	ck_assert_int_eq(spool_next(sp, obj, 1000, &seq, &text), AMR_OK);
	ck_assert_uint_eq(seq, 1001);
	ck_assert_ptr_nonnull(strstr(text, "\"seq\":1001"));
	free(text);
	ar.mark = 1000;
	publish_from(1000);
	ck_assert_uint_eq(ar.stored, 3);
	tot[1] += 1;
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	ck_assert_uint_eq(seq, 1004);
	publish_from(1003);
	check_conservation(tot);
}
END_TEST

/* An ack from an archive that stored a forged batch near 2^53 (issue 13):
 * renumbering above it would give seqs past the 2^53-1 ingest accepts, and
 * every batch of the object would be refused for ever. Such an ack is
 * refused: the batches keep their seqs and go out as they are. */
START_TEST(test_ack_past_what_ingest_accepts_is_refused)
{
	uint32_t tot[4] = { 5, 5, 5, 5 };
	uint64_t seq;
	char *text;

	for (int i = 0; i < 3; i++) {
		tot[1] += 2;
		ck_assert_int_eq(make_batch(tot, false, &seq), AMR_OK);
	}
	/* 3 batches above 2^53-4 would be 2^53-3 .. 2^53-1, the next 2^53 */
	ck_assert_int_eq(spool_ack(sp, obj, (uint64_t)PROTO_SEQ_MAX - 3), AMR_EINVAL);
	ck_assert_int_eq(spool_ack(sp, obj, (uint64_t)PROTO_SEQ_MAX), AMR_EINVAL);
	ck_assert_uint_eq(spool_acked(sp, obj), 0);
	ck_assert_uint_eq(spool_pending(sp), 3);
	ck_assert_uint_eq(spool_last_seq(sp, obj), 3);
	ck_assert_int_eq(spool_next(sp, obj, 0, &seq, &text), AMR_OK);
	ck_assert_uint_eq(seq, 1);
	free(text);
	/* one seq short of that is still an archive's mark to follow */
	ck_assert_int_eq(spool_ack(sp, obj, (uint64_t)PROTO_SEQ_MAX - 4), AMR_OK);
	ck_assert_int_eq(spool_next(sp, obj, (uint64_t)PROTO_SEQ_MAX - 4, &seq, &text), AMR_OK);
	ck_assert_uint_eq(seq, (uint64_t)PROTO_SEQ_MAX - 3);
	free(text);
	/* the spool reopened says the same */
	restart(100);
	ck_assert_uint_eq(spool_last_seq(sp, obj), (uint64_t)PROTO_SEQ_MAX - 1);
}
END_TEST

START_TEST(test_full_spool_merges_unsent)
{
	uint32_t tot[4] = { 1000, 0, 0, 0 };
	uint64_t seq;
	char *text;

	restart(4);
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	publish_from(0);
	/* link down: nothing more is sent; 20 batches into a spool of 4 */
	for (int i = 0; i < 20; i++) {
		tot[i % 4] += (uint32_t)(i + 1);
		ck_assert_int_eq(make_batch(tot, false, &seq), AMR_OK);
		ck_assert_uint_le(spool_pending(sp), 4);
	}
	ck_assert_uint_eq(spool_pending(sp), 4);
	ck_assert_uint_ge(spool_merges(sp), 17);
	/* the one sent batch is never merged: it may be in the archive */
	ck_assert_int_eq(spool_next(sp, obj, 0, &seq, &text), AMR_OK);
	ck_assert_uint_eq(seq, 1);
	free(text);
	restart(4);
	publish_from(0);
	ck_assert_uint_eq(ar.dups, 1);
	check_conservation(tot);
}
END_TEST

START_TEST(test_full_of_sent_batches)
{
	uint32_t tot[4] = { 0, 0, 0, 0 };
	uint64_t seq;

	restart(4);
	for (int i = 0; i < 4; i++) {
		tot[0]++;
		ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	}
	publish_from(0);
	tot[0] += 10;
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_EFULL);
	/* the pulses wait in the tracker */
	ck_assert_uint_eq(delta_pending(&dl, 1, 1), 10);
	ck_assert_int_eq(spool_ack(sp, obj, 2), AMR_OK);
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	ck_assert_uint_eq(seq, 5);
	publish_from(4);
	check_conservation(tot);
}
END_TEST

START_TEST(test_merge_keeps_events_and_devices)
{
	json_t *a = json_pack("{s:I,s:I,s:[{s:i,s:i,s:I,s:I,s:I}],s:[{s:i,s:b}],s:[{s:s,s:i,s:I}]}",
			      "seq", (json_int_t)5, "ts", (json_int_t)100, "readings", "addr", 1,
			      "ch", 1, "total", (json_int_t)10, "delta", (json_int_t)4, "period_ms",
			      (json_int_t)50, "devices", "addr", 1, "ok", 0, "events", "type",
			      "device_offline", "addr", 1, "ts", (json_int_t)90);
	json_t *b = json_pack(
		"{s:I,s:I,s:[{s:i,s:i,s:I,s:I,s:I},{s:i,s:i,s:I,s:I,s:I}],s:[{s:i,s:b,s:b,s:i}],s:[{s:s,s:i,s:I}]}",
		"seq", (json_int_t)6, "ts", (json_int_t)200, "readings", "addr", 1, "ch", 1,
		"total", (json_int_t)13, "delta", (json_int_t)3, "period_ms", (json_int_t)40,
		"addr", 1, "ch", 2, "total", (json_int_t)7, "delta", (json_int_t)0, "period_ms",
		(json_int_t)0, "devices", "addr", 1, "ok", 1, "mains", 1, "batt_mv", 3000, "events",
		"type", "device_online", "addr", 1, "ts", (json_int_t)190);
	json_t *m = upbatch_merge(a, b), *r;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "seq")), 6);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "ts")), 200);
	r = json_array_get(json_object_get(m, "readings"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "delta")), 7);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "total")), 13);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "period_ms")), 40);
	ck_assert_uint_eq(json_array_size(json_object_get(m, "readings")), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(m, "devices")), 1);
	ck_assert(json_is_true(
		json_object_get(json_array_get(json_object_get(m, "devices"), 0), "ok")));
	ck_assert_uint_eq(json_array_size(json_object_get(m, "events")), 2);
	ck_assert_ptr_null(upbatch_merge(a, json_object_get(a, "readings")));
	json_decref(a);
	json_decref(b);
	json_decref(m);
}
END_TEST

/* The events of a batch's text of the given type. */
static size_t events_of(const char *text, const char *type, long long *from)
{
	json_t *b = json_loads(text, 0, NULL), *e;
	size_t i, n = 0;

	ck_assert_ptr_nonnull(b);
	json_array_foreach(json_object_get(b, "events"), i, e) {
		if (strcmp(json_string_value(json_object_get(e, "type")), type))
			continue;
		n++;
		*from = json_integer_value(json_object_get(e, "from"));
	}
	json_decref(b);
	return n;
}

/* The deltas of a batch's text, summed into sum[0..4). */
static void add_deltas(const char *text, long long sum[4])
{
	json_t *b = json_loads(text, 0, NULL), *r;
	size_t i;

	json_array_foreach(json_object_get(b, "readings"), i, r)
		sum[json_integer_value(json_object_get(r, "ch")) - 1] += json_integer_value(
			json_object_get(r, "delta"));
	json_decref(b);
}

/*
 * objnum=12 and back to 1 (issue 12): a batch not acknowledged as object 1
 * stays object 1's; 12 starts its own seq; back at 1 the chain goes on from
 * 1's last seq, without a gap; each first batch after a change says
 * object_changed; and the deltas of both objects add up to what the
 * devices counted, once.
 */
START_TEST(test_object_change_keeps_chains)
{
	uint32_t tot[4] = { 100, 0, 0, 0 }, first[4];
	long long sum[4] = { 0 }, from = 0;
	uint64_t seq;
	unsigned others[4];
	char *text;

	/* the first batch gives the totals every count starts from */
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	memcpy(first, tot, sizeof tot);
	for (int i = 0; i < 2; i++) {
		tot[0] += 10;
		ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	}
	for (uint64_t s = 0; spool_next(sp, 1, s, &s, &text) == AMR_OK; free(text))
		if (s <= 2)
			add_deltas(text, sum);
	ck_assert_int_eq(spool_ack(sp, obj, 2), AMR_OK);
	/* objnum=12, save all, reset */
	obj = 12;
	restart(100);
	ck_assert_uint_eq(spool_obj(sp), 12);
	ck_assert_uint_eq(spool_others(sp, others, 4), 1);
	ck_assert_uint_eq(others[0], 1);
	ck_assert_uint_eq(spool_pending_of(sp, 1), 1);
	ck_assert_uint_eq(spool_last_seq(sp, 12), 0);
	tot[0] += 7;
	tot[1] += 2;
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	ck_assert_uint_eq(seq, 1);
	tot[0] += 1;
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	ck_assert_uint_eq(seq, 2);
	ck_assert_int_eq(spool_next(sp, 12, 0, &seq, &text), AMR_OK);
	ck_assert_ptr_nonnull(strstr(text, "\"prev\":0"));
	ck_assert_uint_eq(events_of(text, "object_changed", &from), 1);
	ck_assert_int_eq(from, 1);
	free(text);
	ck_assert_int_eq(spool_next(sp, 12, 1, &seq, &text), AMR_OK);
	ck_assert_uint_eq(events_of(text, "object_changed", &from), 0);
	free(text);
	/* 1's last batch is still 1's, delivered and acknowledged as 1 */
	ck_assert_int_eq(spool_next(sp, 1, 2, &seq, &text), AMR_OK);
	ck_assert_uint_eq(seq, 3);
	add_deltas(text, sum);
	free(text);
	ck_assert_int_eq(spool_ack(sp, 1, 3), AMR_OK);
	ck_assert_uint_eq(spool_pending_of(sp, 1), 0);
	ck_assert_uint_eq(spool_others(sp, others, 4), 0);
	for (uint64_t s = 0; spool_next(sp, 12, s, &s, &text) == AMR_OK; free(text))
		add_deltas(text, sum);
	ck_assert_int_eq(spool_ack(sp, 12, 1), AMR_OK);
	/* reset -d: object 1 again, with 12's last batch not acknowledged */
	obj = 1;
	restart(100);
	ck_assert_uint_eq(spool_others(sp, others, 4), 1);
	ck_assert_uint_eq(others[0], 12);
	ck_assert_uint_eq(spool_acked(sp, 1), 3);
	tot[0] += 5;
	ck_assert_int_eq(make_batch(tot, true, &seq), AMR_OK);
	ck_assert_uint_eq(seq, 4);
	ck_assert_int_eq(spool_next(sp, 1, 3, &seq, &text), AMR_OK);
	ck_assert_ptr_nonnull(strstr(text, "\"prev\":3"));
	ck_assert_uint_eq(events_of(text, "object_changed", &from), 1);
	ck_assert_int_eq(from, 12);
	add_deltas(text, sum);
	free(text);
	for (int c = 0; c < 4; c++)
		ck_assert_int_eq(sum[c], tot[c] - first[c]);
	ck_assert_uint_eq(spool_pending(sp), 2);
	ck_assert_uint_eq(spool_pending_of(sp, 12), 1);
}
END_TEST

/* A spool written before objects had chains (batches keyed by seq,
 * next/acked/sent in meta) is the chain of the object it is opened for. */
START_TEST(test_spool_of_before_chains)
{
	MDB_dbi batches, meta;
	MDB_txn *txn;
	uint64_t seq;
	uint8_t key[8], v[8];
	char *text;
	long long from;
	static const char *const b[] = {
		"{\"seq\":41,\"prev\":40,\"ts\":1,\"readings\":[],\"devices\":[],\"events\":[]}",
		"{\"seq\":42,\"prev\":41,\"ts\":2,\"readings\":[],\"devices\":[],\"events\":[]}",
	};
	static const struct {
		const char *name;
		uint64_t v;
	} m[] = { { "next", 43 }, { "acked", 40 }, { "sent", 41 } };

	close_spool();
	ck_assert_int_eq(kv_open(&k, dir, &(struct kv_opts){ .map_size = 1 << 20 }), AMR_OK);
	ck_assert_int_eq(kv_dbi(k, "batches", 0, &batches), AMR_OK);
	ck_assert_int_eq(kv_dbi(k, "meta", 0, &meta), AMR_OK);
	ck_assert_int_eq(mdb_txn_begin(kv_env(k), NULL, 0, &txn), 0);
	for (int i = 0; i < 2; i++) {
		kv_pack_u64(key, 41 + (uint64_t)i);
		ck_assert_int_eq(mdb_put(txn, batches, &(MDB_val){ 8, key },
					 &(MDB_val){ strlen(b[i]), (void *)b[i] }, 0),
				 0);
	}
	for (int i = 0; i < 3; i++) {
		kv_pack_u64(v, m[i].v);
		ck_assert_int_eq(mdb_put(txn, meta,
					 &(MDB_val){ strlen(m[i].name), (void *)m[i].name },
					 &(MDB_val){ 8, v }, 0),
				 0);
	}
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	kv_close(k);
	k = NULL;
	obj = 7;
	restart(100);
	ck_assert_uint_eq(spool_pending(sp), 2);
	ck_assert_uint_eq(spool_pending_of(sp, 7), 2);
	ck_assert_uint_eq(spool_acked(sp, 7), 40);
	ck_assert_uint_eq(spool_sent(sp, 7), 41);
	ck_assert_uint_eq(spool_last_seq(sp, 7), 42);
	ck_assert_int_eq(spool_next(sp, 7, 40, &seq, &text), AMR_OK);
	ck_assert_uint_eq(seq, 41);
	free(text);
	/* taken as 7's own: no object change */
	ck_assert_int_eq(make_batch((uint32_t[]){ 1, 2, 3, 4 }, true, &seq), AMR_OK);
	ck_assert_uint_eq(seq, 43);
	ck_assert_int_eq(spool_next(sp, 7, 42, &seq, &text), AMR_OK);
	ck_assert_uint_eq(events_of(text, "object_changed", &from), 0);
	free(text);
	ck_assert_int_eq(spool_ack(sp, 7, 43), AMR_OK);
	ck_assert_uint_eq(spool_pending(sp), 0);
}
END_TEST

/* ---- SIGKILL at random instants ---- */

struct shared {
	uint32_t tot[4]; /* the device's counters: they survive the gateway */
};

/* The gateway process: recover, resend, then count, store, publish, ack. */
static void child(struct shared *sh, const char *wire, bool finish)
{
	int fd = open(wire, O_WRONLY | O_APPEND | O_CREAT, 0600);
	uint64_t seq, sent;
	char *text;
	unsigned n = 0;

	restart(16);
	sent = spool_acked(sp, obj);
	for (;;) {
		/* publish everything not yet sent in this life */
		while (spool_next(sp, obj, sent, &seq, &text) == AMR_OK) {
			uint32_t len = (uint32_t)strlen(text);
			char *rec = malloc(4 + (size_t)len);

			/* one write: a kill cannot tear a record that a later life
			 * would append after (the reader would read on into it) */
			if (!rec)
				_exit(3);
			memcpy(rec, &len, 4);
			memcpy(rec + 4, text, len);
			if (spool_mark_sent(sp, obj, seq) != AMR_OK ||
			    write(fd, rec, 4 + (size_t)len) != (ssize_t)(4 + len))
				_exit(3);
			free(rec);
			free(text);
			sent = seq;
			/* the archive acks some of what it got, late */
			if (seq > 3 && seq % 3 == 0 && spool_ack(sp, obj, seq - 2) != AMR_OK)
				_exit(4);
		}
		if (finish && n++ == 3)
			break;
		sh->tot[n % 4] += 1 + n % 5; /* pulses arrive */
		sh->tot[(n + 1) % 4] += 1;
		if (make_batch(sh->tot, false, &seq) != AMR_OK)
			_exit(5);
	}
	if (spool_ack(sp, obj, sent) != AMR_OK)
		_exit(6);
	close_spool();
	close(fd);
	_exit(0);
}

static void read_wire(const char *wire)
{
	FILE *f = fopen(wire, "rb");
	uint32_t len;
	char *buf;

	archive_init();
	ck_assert_ptr_nonnull(f);
	while (fread(&len, 4, 1, f) == 1) {
		buf = malloc(len);
		ck_assert_ptr_nonnull(buf);
		if (fread(buf, 1, len, f) != len) { /* torn by the kill: never delivered */
			free(buf);
			break;
		}
		archive_take(buf, len);
		free(buf);
	}
	fclose(f);
}

START_TEST(test_sigkill_at_random)
{
	struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char wire[96];
	int status;
	pid_t pid;

	ck_assert_ptr_ne(sh, MAP_FAILED);
	memset(sh, 0, sizeof *sh);
	snprintf(wire, sizeof wire, "%s/wire", dir);
	close_spool();
	srand(12345);
	for (int i = 0; i < 25; i++) {
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			child(sh, wire, false);
		usleep((useconds_t)(2000 + rand() % 30000));
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFSIGNALED(status), "child exited on its own: %d",
			      WEXITSTATUS(status));
	}
	pid = fork();
	if (pid == 0)
		child(sh, wire, true);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "final run failed");
	read_wire(wire);
	ck_assert_uint_gt(ar.stored, 10);
	check_conservation(sh->tot);
	open_spool(16);
	ck_assert_uint_eq(spool_pending(sp), 0);
	munmap(sh, sizeof *sh);
}
END_TEST

static Suite *spool_suite(void)
{
	Suite *s = suite_create("gw_spool");
	TCase *tc = tcase_create("spool");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_seq_never_repeats);
	tcase_add_test(tc, test_cut_between_store_and_ack);
	tcase_add_test(tc, test_cut_before_store_counts_later);
	tcase_add_test(tc, test_acks_duplicate_and_out_of_order);
	tcase_add_test(tc, test_ack_above_every_seq_renumbers);
	tcase_add_test(tc, test_ack_past_what_ingest_accepts_is_refused);
	tcase_add_test(tc, test_full_spool_merges_unsent);
	tcase_add_test(tc, test_full_of_sent_batches);
	tcase_add_test(tc, test_merge_keeps_events_and_devices);
	tcase_add_test(tc, test_object_change_keeps_chains);
	tcase_add_test(tc, test_spool_of_before_chains);
	tcase_add_test(tc, test_sigkill_at_random);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(spool_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
