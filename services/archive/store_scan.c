/*
 * store_scan.c - the store's reads (states, rollups, raw readings),
 * quarantine and retention (store.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "proto.h"
#include "store.h"
#include "store_int.h"

amr_err store_state(store *s, MDB_txn *txn, uint16_t obj, struct store_chan **out, size_t *n)
{
	uint8_t kb[2];
	MDB_val k = { 2, kb }, v;
	struct store_chan *c;
	int rc;

	kv_pack_u16(kb, obj);
	rc = mdb_get(txn, s->state, &k, &v);
	if (rc == MDB_NOTFOUND)
		return AMR_ENOTFOUND;
	if (rc)
		return AMR_EDB;
	*n = v.mv_size / STATE_ENTRY;
	if (!(c = calloc(*n + 1, sizeof *c)))
		return AMR_ENOMEM;
	for (size_t i = 0; i < *n; i++)
		store__decode_state((const uint8_t *)v.mv_data + i * STATE_ENTRY, &c[i]);
	*out = c;
	return AMR_OK;
}

amr_err store_objects(store *s, MDB_txn *txn, int (*cb)(void *ctx, uint16_t obj), void *ctx)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, op = MDB_FIRST;

	if (mdb_cursor_open(txn, s->state, &cur))
		return AMR_EDB;
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size == 2 && cb(ctx, kv_unpack_u16(k.mv_data)))
			break;
	}
	mdb_cursor_close(cur);
	return rc && rc != MDB_NOTFOUND ? AMR_EDB : AMR_OK;
}

/* Pulses of chan in a rollup value (binary search); 0 when absent. */
static uint64_t roll_find(const MDB_val *v, uint16_t chan)
{
	const uint8_t *p = v->mv_data;
	size_t lo = 0, hi = v->mv_size / ROLL_ENTRY;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint16_t c = kv_unpack_u16(p + mid * ROLL_ENTRY);

		if (c == chan)
			return kv_unpack_u64(p + mid * ROLL_ENTRY + 2);
		if (c < chan)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int store__range_scan(MDB_txn *txn, MDB_dbi dbi, uint16_t obj, int64_t from, int64_t to,
		      int (*cb)(void *ctx, const uint8_t *key, const MDB_val *v), void *ctx)
{
	uint8_t kb[10];
	MDB_val k = { sizeof kb, kb }, v;
	MDB_cursor *cur;
	int rc, op = MDB_SET_RANGE;

	if (from < 0)
		from = 0;
	kv_pack_u16(kb, obj);
	kv_pack_u64(kb + 2, (uint64_t)from);
	if (mdb_cursor_open(txn, dbi, &cur))
		return AMR_EDB;
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		const uint8_t *p = k.mv_data;

		op = MDB_NEXT;
		if (k.mv_size < 10 || kv_unpack_u16(p) != obj ||
		    (int64_t)kv_unpack_u64(p + 2) >= to)
			break;
		if (cb(ctx, p, &v))
			break;
	}
	mdb_cursor_close(cur);
	return rc && rc != MDB_NOTFOUND ? AMR_EDB : AMR_OK;
}

struct roll_ctx {
	uint16_t chan;
	int (*cb)(void *ctx, int64_t start, uint64_t pulses);
	void *ctx;
};

static int roll_one(void *arg, const uint8_t *key, const MDB_val *v)
{
	struct roll_ctx *c = arg;
	uint64_t pulses = roll_find(v, c->chan);

	return pulses ? c->cb(c->ctx, (int64_t)kv_unpack_u64(key + 2), pulses) : 0;
}

amr_err store_rollup_scan(store *s, MDB_txn *txn, enum tb_step step, uint16_t obj, uint16_t chan,
			  int64_t from, int64_t to,
			  int (*cb)(void *ctx, int64_t start, uint64_t pulses), void *ctx)
{
	struct roll_ctx c = { chan, cb, ctx };

	if (step < TB_HOUR || step > TB_MONTH)
		return AMR_EINVAL;
	return store__range_scan(txn, s->roll[step], obj, from, to, roll_one, &c);
}

struct raw_ctx {
	uint16_t chan;
	int (*cb)(void *ctx, const struct store_raw *r);
	void *ctx;
};

static int raw_one(void *arg, const uint8_t *key, const MDB_val *v)
{
	struct raw_ctx *c = arg;
	const uint8_t *p = v->mv_data;
	int rc;

	for (size_t i = 0; i < v->mv_size / RAW_ENTRY; i++, p += RAW_ENTRY) {
		struct store_raw r;

		if (kv_unpack_u16(p) != c->chan)
			continue;
		r.ts = (int64_t)kv_unpack_u64(key + 2);
		r.seq = kv_unpack_u64(key + 10);
		r.chan = c->chan;
		r.flags = p[2];
		r.total = kv_unpack_u32(p + 4);
		r.delta = kv_unpack_u32(p + 8);
		r.period_ms = kv_unpack_u32(p + 12);
		if ((rc = c->cb(c->ctx, &r)))
			return rc;
	}
	return 0;
}

int store_raw_scan(store *s, MDB_txn *txn, uint16_t obj, uint16_t chan, int64_t from, int64_t to,
		   int (*cb)(void *ctx, const struct store_raw *r), void *ctx)
{
	struct raw_ctx c = { chan, cb, ctx };

	return store__range_scan(txn, s->raw, obj, from, to, raw_one, &c);
}

amr_err store_quarantine_list(store *s, MDB_txn *txn, uint16_t obj, uint16_t chan, size_t limit,
			      json_t **out)
{
	uint8_t kb[4] = { 0 };
	MDB_val k = { sizeof kb, kb }, v;
	MDB_cursor *cur;
	json_t *arr = json_array();
	int rc, op = MDB_SET_RANGE;

	if (!arr)
		return AMR_ENOMEM;
	kv_pack_u16(kb, obj);
	kv_pack_u16(kb + 2, chan);
	if (mdb_cursor_open(txn, s->quar, &cur)) {
		json_decref(arr);
		return AMR_EDB;
	}
	while (json_array_size(arr) < limit && (rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		const uint8_t *p = k.mv_data, *q = v.mv_data;
		uint16_t c = kv_unpack_u16(p + 2);
		struct proto_id cid;
		char id[PROTO_ID_LEN];

		op = MDB_NEXT;
		if (k.mv_size != 20 || v.mv_size != QUAR_VALUE)
			continue;
		if ((obj && kv_unpack_u16(p) != obj) || (chan && c != chan))
			break;
		cid = (struct proto_id){ kv_unpack_u16(p), (uint8_t)(c >> 8), (uint8_t)(c & 0xff) };
		proto_id_format(&cid, id);
		json_array_append_new(
			arr, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:b}", "channel", id,
				       "ts", (json_int_t)kv_unpack_u64(p + 4), "seq",
				       (json_int_t)kv_unpack_u64(p + 12), "total",
				       (json_int_t)kv_unpack_u32(q), "last_total",
				       (json_int_t)kv_unpack_u32(q + 4), "delta",
				       (json_int_t)kv_unpack_u32(q + 8), "reason",
				       kv_unpack_u32(q + 12) & QUAR_CLAIM ? "delta" : "decreased",
				       "resolved", (kv_unpack_u32(q + 12) & QUAR_RESOLVED) != 0));
	}
	mdb_cursor_close(cur);
	*out = arr;
	return AMR_OK;
}

struct rebase {
	store *s;
	uint16_t obj, chan;
	uint32_t total;
};

static int rebase_txn(MDB_txn *txn, void *arg)
{
	struct rebase *rb = arg;
	store *s = rb->s;
	uint8_t kb[20] = { 0 };
	MDB_val k = { 4, kb }, v;
	MDB_cursor *cur;
	bool found = false;
	size_t i;
	int rc, op = MDB_SET_RANGE;

	/* only a channel quarantined now: one that recovered by itself counts
	 * from its own total, and rebasing it on an old record would count the
	 * pulses since then twice */
	if ((rc = store__load_state(s, txn, rb->obj)))
		return rc;
	for (i = 0; i < s->nst && s->st[i].chan != rb->chan; i++)
		;
	if (i == s->nst || !(s->st[i].flags & STORE_CHAN_QUARANTINED))
		return AMR_ENOTFOUND;
	kv_pack_u16(kb, rb->obj);
	kv_pack_u16(kb + 2, rb->chan);
	if ((rc = mdb_cursor_open(txn, s->quar, &cur)))
		return rc;
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		const uint8_t *p = k.mv_data;
		uint8_t nv[QUAR_VALUE];

		op = MDB_NEXT;
		if (k.mv_size != 20 || kv_unpack_u16(p) != rb->obj ||
		    kv_unpack_u16(p + 2) != rb->chan)
			break;
		memcpy(nv, v.mv_data, QUAR_VALUE);
		if (kv_unpack_u32(nv + 12) & QUAR_RESOLVED)
			continue;
		rb->total = kv_unpack_u32(nv); /* keys in time order: the last wins */
		found = true;
		kv_pack_u32(nv + 12, kv_unpack_u32(nv + 12) | QUAR_RESOLVED);
		v = (MDB_val){ QUAR_VALUE, nv };
		if ((rc = mdb_cursor_put(cur, &k, &v, MDB_CURRENT)))
			break;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (!found)
		return AMR_ENOTFOUND;
	s->st[i].total = rb->total;
	s->st[i].flags &= (uint8_t)~STORE_CHAN_QUARANTINED;
	return store__save_state(s, txn, rb->obj);
}

amr_err store_quarantine_rebase(store *s, uint16_t obj, uint16_t chan, uint32_t *total)
{
	struct rebase rb = { s, obj, chan, 0 };
	int rc = kv_write(s->k, rebase_txn, &rb);

	if (rc == AMR_OK)
		*total = rb.total;
	return rc;
}

struct retention {
	store *s;
	int64_t cutoff;
	size_t max;
	size_t deleted; /* in this transaction */
};

static int retention_txn(MDB_txn *txn, void *arg)
{
	struct retention *r = arg;
	uint8_t kb[18] = { 0 };
	MDB_val k = { sizeof kb, kb }, v;
	MDB_cursor *cur;
	int rc, op = MDB_FIRST;

	r->deleted = 0;
	if ((rc = mdb_cursor_open(txn, r->s->raw, &cur)))
		return rc;
	while (r->deleted < r->max && (rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		const uint8_t *p = k.mv_data;
		uint16_t obj = kv_unpack_u16(p);

		op = MDB_NEXT;
		if (k.mv_size == 18 && (int64_t)kv_unpack_u64(p + 2) < r->cutoff) {
			if ((rc = mdb_cursor_del(cur, 0)))
				break;
			r->deleted++;
			continue;
		}
		if (obj == 0xffff)
			break;
		/* the rest of this object is recent: jump to the next one */
		memset(kb, 0, sizeof kb);
		kv_pack_u16(kb, (uint16_t)(obj + 1));
		k = (MDB_val){ sizeof kb, kb };
		op = MDB_SET_RANGE;
	}
	mdb_cursor_close(cur);
	return rc && rc != MDB_NOTFOUND ? rc : 0;
}

amr_err store_retention(store *s, int64_t cutoff, size_t max, size_t *deleted)
{
	struct retention r = { s, cutoff, max ? max : 1000, 0 };
	int rc;

	*deleted = 0;
	do {
		if ((rc = kv_write(s->k, retention_txn, &r)))
			return rc;
		*deleted += r.deleted;
	} while (r.deleted == r.max);
	return AMR_OK;
}
