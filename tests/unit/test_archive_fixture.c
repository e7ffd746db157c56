/*
 * test_archive_fixture.c - a real LMDB archive in a temporary directory for
 * the archive's unit tests (test_archive_fixture.h).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tbucket.h"
#include "test_archive_fixture.h"

const struct batch_clock fx_clock = { FX_NOW,
				      { TELEMETRY_HORIZON_DAYS * 86400LL, TELEMETRY_TS_AHEAD } };

void fx_open(struct fx *f)
{
	memset(f, 0, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/amr-archive-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	ck_assert_int_eq(tb_init("Europe/Moscow"), 0);
	ck_assert_int_eq(kv_open(&f->k, f->dir, &(struct kv_opts){ .map_size = 1 << 20 }), 0);
	ck_assert_int_eq(registry_open(&f->reg, f->k), 0);
	ck_assert_int_eq(audit_open(&f->aud, f->k), 0);
	ck_assert_int_eq(store_open(&f->s, f->k, f->reg, f->aud, "Europe/Moscow"), 0);
}

void fx_close(struct fx *f)
{
	char path[128];

	audit_close(f->aud);
	store_close(f->s);
	registry_close(f->reg);
	kv_close(f->k);
	snprintf(path, sizeof path, "%s/data.mdb", f->dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/lock.mdb", f->dir);
	unlink(path);
	ck_assert_int_eq(rmdir(f->dir), 0);
}

struct batch *fx_batch(uint16_t obj, uint64_t seq, int64_t ts, size_t n, const uint32_t *r)
{
	struct batch *b = calloc(1, sizeof *b);

	ck_assert_ptr_nonnull(b);
	b->r = calloc(n + 1, sizeof *b->r);
	ck_assert_ptr_nonnull(b->r);
	b->obj = obj;
	b->seq = seq;
	b->ts = ts;
	b->n = n;
	for (size_t i = 0; i < n; i++)
		b->r[i] = (struct batch_reading){ (uint16_t)r[3 * i], r[3 * i + 1], r[3 * i + 2],
						  500 };
	return b;
}

void fx_counter(struct batch *b, uint16_t chan, bool zeroed, int64_t from)
{
	struct batch_counter *c = realloc(b->counters, (b->ncounters + 1) * sizeof *c);

	ck_assert_ptr_nonnull(c);
	b->counters = c;
	c[b->ncounters++] = (struct batch_counter){ chan, zeroed, from };
}

struct store_outcome fx_commit1(struct fx *f, struct batch *b)
{
	struct store_outcome o;

	ck_assert_int_eq(store_commit(f->s, &b, 1, 1000, &o), 0);
	return o;
}

uint64_t fx_hwm(struct fx *f, uint16_t obj)
{
	MDB_txn *txn;
	uint64_t seq;

	ck_assert_int_eq(kv_read_begin(f->k, &txn), 0);
	ck_assert_int_eq(store_hwm(f->s, txn, obj, &seq), 0);
	mdb_txn_abort(txn);
	return seq;
}

struct store_chan fx_chan_state(struct fx *f, uint16_t obj, uint16_t chan)
{
	struct store_chan *c, r = { 0 };
	MDB_txn *txn;
	size_t n;

	ck_assert_int_eq(kv_read_begin(f->k, &txn), 0);
	ck_assert_int_eq(store_state(f->s, txn, obj, &c, &n), 0);
	mdb_txn_abort(txn);
	for (size_t i = 0; i < n; i++)
		if (c[i].chan == chan)
			r = c[i];
	free(c);
	ck_assert_uint_eq(r.chan, chan);
	return r;
}

struct set_args {
	struct fx *f;
	struct proto_id k;
	json_t *args;
	struct jv_err err;
};

static int set_txn(MDB_txn *txn, void *arg)
{
	struct set_args *s = arg;
	json_t *before = NULL, *after = NULL;
	int rc = registry_update(s->f->reg, txn, &s->k, s->args, 0, 1, &before, &after, &s->err);

	json_decref(before);
	json_decref(after);
	return rc;
}

void fx_registry_set(struct fx *f, struct proto_id k, const char *args)
{
	struct set_args s = { f, k, json_loads(args, 0, NULL), { "" } };

	ck_assert_ptr_nonnull(s.args);
	ck_assert_msg(kv_write(f->k, set_txn, &s) == 0, "registry.set %s: %s", args, s.err.msg);
	json_decref(s.args);
}

uint64_t fx_hourly(struct fx *f, uint16_t obj, uint16_t chan, int64_t from, size_t n, uint64_t *seq,
		   uint32_t (*pulses)(size_t i))
{
	static uint32_t total = 1000;
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t d = i ? pulses(i) : 0, r[3];
		struct batch *b;
		struct store_outcome o;

		total += d;
		sum += d;
		r[0] = chan;
		r[1] = total;
		r[2] = d;
		b = fx_batch(obj, ++*seq, from + (int64_t)i * 3600 + 1800, 1, r);
		o = fx_commit1(f, b);
		store_outcome_free(&o);
		batch_free(b);
	}
	return sum;
}

struct sum {
	uint64_t total;
};

static int add(void *ctx, int64_t start, uint64_t pulses)
{
	((struct sum *)ctx)->total += pulses;
	return 0;
}

uint64_t fx_rollup_sum(struct fx *f, enum tb_step step, uint16_t obj, uint16_t chan, int64_t from,
		       int64_t to)
{
	struct sum s = { 0 };
	MDB_txn *txn;

	ck_assert_int_eq(kv_read_begin(f->k, &txn), 0);
	ck_assert_int_eq(store_rollup_scan(f->s, txn, step, obj, chan, from, to, add, &s), 0);
	mdb_txn_abort(txn);
	return s.total;
}
