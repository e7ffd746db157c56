/*
 * store_cover.c - coverage: what the readings of each channel were, hour by
 * hour, beside the pulses they counted (store.h, "hcover").
 *
 * The hourly rollups hold only channels with pulses, so "no data" and
 * "nothing consumed" look alike there. hcover holds, per object and UTC
 * hour, one entry per channel that had a reading in the hour or whose
 * pulses came by import: its readings, of them quarantined, the seconds
 * into the hour of the first and last, the pulses of readings that came
 * after an outage (STORE_LUMP_GAP), and the imported flag. It is written
 * in the transaction of the rollups it describes.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store.h"
#include "store_int.h"

static uint16_t add16(uint16_t a, uint16_t b)
{
	return a > UINT16_MAX - b ? UINT16_MAX : (uint16_t)(a + b);
}

static uint32_t add32(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

static void decode(const uint8_t *p, struct cov *c)
{
	c->chan = kv_unpack_u16(p);
	c->readings = kv_unpack_u16(p + 2);
	c->quarantined = kv_unpack_u16(p + 4);
	c->first = kv_unpack_u16(p + 6);
	c->last = kv_unpack_u16(p + 8);
	c->flags = p[10];
	c->lumped = kv_unpack_u32(p + 12);
}

static void encode(uint8_t *p, const struct cov *c)
{
	kv_pack_u16(p, c->chan);
	kv_pack_u16(p + 2, c->readings);
	kv_pack_u16(p + 4, c->quarantined);
	kv_pack_u16(p + 6, c->first);
	kv_pack_u16(p + 8, c->last);
	p[10] = c->flags;
	p[11] = 0;
	kv_pack_u32(p + 12, c->lumped);
}

/* An hour's entry with what another adds to it; counts saturate. */
static void merge(struct cov *a, const struct cov *b)
{
	if (!a->readings || (b->readings && b->first < a->first))
		a->first = b->first;
	if (!a->readings || (b->readings && b->last > a->last))
		a->last = b->last;
	a->readings = add16(a->readings, b->readings);
	a->quarantined = add16(a->quarantined, b->quarantined);
	a->flags |= b->flags;
	a->lumped = add32(a->lumped, b->lumped);
}

/* What u adds, written into the encoded entry p of the same channel. */
static void patch_one(uint8_t *p, const struct cov *u)
{
	uint16_t readings = kv_unpack_u16(p + 2);

	if (u->readings) {
		if (!readings || u->first < kv_unpack_u16(p + 6))
			kv_pack_u16(p + 6, u->first);
		if (!readings || u->last > kv_unpack_u16(p + 8))
			kv_pack_u16(p + 8, u->last);
		kv_pack_u16(p + 2, add16(readings, u->readings));
	}
	if (u->quarantined)
		kv_pack_u16(p + 4, add16(kv_unpack_u16(p + 4), u->quarantined));
	p[10] |= u->flags;
	if (u->lumped)
		kv_pack_u32(p + 12, add32(kv_unpack_u32(p + 12), u->lumped));
}

/* The usual case of a batch in an hour already begun: every channel of u
 * has its entry in old (nold entries). Copies old into buf with u added
 * and returns true; false when a channel is new to the hour (buf is then
 * of no use). */
static bool patch(uint8_t *buf, const uint8_t *old, size_t nold, const struct cov *u, size_t n)
{
	size_t i = 0;

	memcpy(buf, old, nold * COVER_ENTRY);
	for (size_t j = 0; j < n; j++, i++) {
		while (i < nold && kv_unpack_u16(buf + i * COVER_ENTRY) < u[j].chan)
			i++;
		if (i == nold || kv_unpack_u16(buf + i * COVER_ENTRY) != u[j].chan)
			return false;
		patch_one(buf + i * COVER_ENTRY, &u[j]);
	}
	return true;
}

int store__cover_add(store *s, MDB_txn *txn, uint16_t obj, int64_t hour, const struct cov *u,
		     size_t n)
{
	uint8_t kb[10];
	MDB_val k = { sizeof kb, kb }, v;
	const uint8_t *old = NULL;
	size_t nold = 0, i = 0, j = 0, m = 0;
	int rc;

	kv_pack_u16(kb, obj);
	kv_pack_u64(kb + 2, (uint64_t)hour);
	rc = mdb_get(txn, s->hcover, &k, &v);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (rc == 0) {
		old = v.mv_data;
		nold = v.mv_size / COVER_ENTRY;
	}
	if (store__reserve(&s->covbuf, &s->capcovbuf, (nold + n) * COVER_ENTRY + 1, 1))
		return AMR_ENOMEM;
	if (nold && patch(s->covbuf, old, nold, u, n)) {
		v = (MDB_val){ nold * COVER_ENTRY, s->covbuf };
		return mdb_put(txn, s->hcover, &k, &v, 0);
	}
	/* both sorted by channel: one pass, as add_rollup does */
	while (i < nold || j < n) {
		uint16_t oc = i < nold ? kv_unpack_u16(old + i * COVER_ENTRY) : 0xffff;
		struct cov e;

		if (j >= n || (i < nold && oc < u[j].chan)) {
			decode(old + i++ * COVER_ENTRY, &e);
		} else if (i < nold && oc == u[j].chan) {
			decode(old + i++ * COVER_ENTRY, &e);
			merge(&e, &u[j++]);
		} else {
			e = u[j++];
		}
		encode(s->covbuf + m++ * COVER_ENTRY, &e);
	}
	v = (MDB_val){ m * COVER_ENTRY, s->covbuf };
	return mdb_put(txn, s->hcover, &k, &v, 0);
}

int64_t store_cover_from(store *s)
{
	return s->cover_from;
}

/* The entry of chan in a coverage value (binary search); false if none. */
static bool cover_find(const MDB_val *v, uint16_t chan, struct cov *out)
{
	const uint8_t *p = v->mv_data;
	size_t lo = 0, hi = v->mv_size / COVER_ENTRY;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint16_t c = kv_unpack_u16(p + mid * COVER_ENTRY);

		if (c == chan) {
			decode(p + mid * COVER_ENTRY, out);
			return true;
		}
		if (c < chan)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

struct walk {
	store *s;
	MDB_txn *txn;
	uint16_t obj, chan;
	struct store_cover *out;
};

/* One hour of the channel with a reading (or an import) from first to last. */
static void note_hour(struct store_cover *c, int64_t first, int64_t last)
{
	if (!c->hours++ || first < c->first)
		c->first = first;
	if (c->hours == 1 || last > c->last)
		c->last = last;
}

static int cover_one(void *arg, const uint8_t *key, const MDB_val *v)
{
	struct walk *w = arg;
	int64_t hour = (int64_t)kv_unpack_u64(key + 2);
	struct cov e;

	if (!cover_find(v, w->chan, &e))
		return 0;
	note_hour(w->out, hour + e.first, hour + e.last);
	w->out->quarantined += e.quarantined;
	w->out->lumped_pulses += e.lumped;
	w->out->imported_hours += (e.flags & COVER_IMPORTED) != 0;
	return 0;
}

/* An hour before coverage began with pulses and no entry of its own: it
 * had a reading (pulses are counted only by readings). */
static int legacy_one(void *arg, const uint8_t *key, const MDB_val *v)
{
	struct walk *w = arg;
	int64_t hour = (int64_t)kv_unpack_u64(key + 2);
	const uint8_t *p = v->mv_data;
	bool has = false;
	MDB_val cv;
	struct cov e;

	for (size_t i = 0; i < v->mv_size / ROLL_ENTRY && !has; i++)
		has = kv_unpack_u16(p + i * ROLL_ENTRY) == w->chan &&
		      kv_unpack_u64(p + i * ROLL_ENTRY + 2) > 0;
	if (!has)
		return 0;
	if (mdb_get(w->txn, w->s->hcover, &(MDB_val){ 10, (void *)key }, &cv) == 0 &&
	    cover_find(&cv, w->chan, &e))
		return 0; /* counted from hcover */
	note_hour(w->out, hour, hour);
	return 0;
}

amr_err store_cover_scan(store *s, MDB_txn *txn, uint16_t obj, uint16_t chan, int64_t from,
			 int64_t to, struct store_cover *out)
{
	struct walk w = { s, txn, obj, chan, out };
	int64_t first = from <= 0 ? 0 : (from + 3599) / 3600 * 3600;

	memset(out, 0, sizeof *out);
	out->span_hours = first < to ? (uint64_t)((to - first + 3599) / 3600) : 0;
	if (store__range_scan(txn, s->hcover, obj, from, to, cover_one, &w))
		return AMR_EDB;
	if (from < s->cover_from &&
	    store__range_scan(txn, s->roll[TB_HOUR], obj, from,
			      to < s->cover_from ? to : s->cover_from, legacy_one, &w))
		return AMR_EDB;
	return AMR_OK;
}
