/*
 * store_import.c - historical and manual readings (archive/import): hours
 * of pulses of one channel into the rollups and the coverage, in one
 * transaction with the import's record and its audit record.
 *
 * An import only fills the past before the channel's live readings begin.
 * A live reading counts everything since the channel's previous one from
 * the totals, so pulses imported into a gap between two live readings
 * would be counted twice (once by the import, once by the reading after
 * the gap); and two imports of the same hours would count them twice too.
 * Neither raw readings nor the channel's state (its last total, its
 * quarantine) are touched, so live counting goes on exactly as before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "store.h"
#include "store_int.h"

struct first {
	store *s;
	MDB_txn *txn;
	uint16_t chan;
	int64_t at; /* first live reading found, INT64_MAX none */
};

/* The channel's first entry in hcover with a live reading. */
static int first_cover(void *arg, const uint8_t *key, const MDB_val *v)
{
	struct first *f = arg;
	const uint8_t *p = v->mv_data;

	for (size_t i = 0; i < v->mv_size / COVER_ENTRY; i++, p += COVER_ENTRY)
		if (kv_unpack_u16(p) == f->chan && kv_unpack_u16(p + 2) > 0) {
			int64_t t = (int64_t)kv_unpack_u64(key + 2) + kv_unpack_u16(p + 6);

			if (t < f->at)
				f->at = t;
			return 1;
		}
	return 0;
}

/* Before coverage: the channel's first hour with pulses that are not an
 * import's (an import into those hours has an entry of its own). */
static int first_pulses(void *arg, const uint8_t *key, const MDB_val *v)
{
	struct first *f = arg;
	const uint8_t *p = v->mv_data;
	MDB_val cv;

	for (size_t i = 0; i < v->mv_size / ROLL_ENTRY; i++, p += ROLL_ENTRY) {
		const uint8_t *c;
		bool imported = false;

		if (kv_unpack_u16(p) != f->chan || !kv_unpack_u64(p + 2))
			continue;
		if (mdb_get(f->txn, f->s->hcover, &(MDB_val){ 10, (void *)key }, &cv) == 0)
			for (c = cv.mv_data; c < (const uint8_t *)cv.mv_data + cv.mv_size;
			     c += COVER_ENTRY)
				if (kv_unpack_u16(c) == f->chan)
					imported = kv_unpack_u16(c + 2) == 0 &&
						   (c[10] & COVER_IMPORTED);
		if (imported)
			return 0;
		if ((int64_t)kv_unpack_u64(key + 2) < f->at)
			f->at = (int64_t)kv_unpack_u64(key + 2);
		return 1;
	}
	return 0;
}

/*
 * The time of the channel's first live reading, INT64_MAX when it has
 * none: its first reading in hcover; before coverage began, its first
 * hour with pulses. When neither shows one from coverage on, and the
 * archive counts the channel (it has a state: readings of before the
 * upgrade that counted no pulse, or a device that moved here), the earlier
 * of its last counted reading and its registry record's first_seen.
 */
static int first_live(store *s, MDB_txn *txn, const struct proto_id *k, int64_t *out)
{
	struct first f = { s, txn, BATCH_CHAN(k->addr, k->ch), INT64_MAX };
	int rc;

	if ((rc = store__range_scan(txn, s->hcover, k->obj, 0, INT64_MAX, first_cover, &f)) ||
	    (s->cover_from > 0 && (rc = store__range_scan(txn, s->roll[TB_HOUR], k->obj, 0,
							  s->cover_from, first_pulses, &f))) ||
	    (rc = store__load_state(s, txn, k->obj)))
		return rc;
	for (size_t i = 0; (f.at == INT64_MAX || f.at < s->cover_from) && i < s->nst; i++) {
		json_t *rec = NULL;
		json_int_t seen;

		if (s->st[i].chan != f.chan)
			continue;
		if (s->st[i].ts < f.at)
			f.at = s->st[i].ts;
		if ((rc = registry_get(s->reg, txn, k, &rec)) && rc != AMR_ENOTFOUND)
			return rc;
		seen = json_integer_value(json_object_get(rec, "first_seen"));
		if (rec && seen > 0 && seen < f.at)
			f.at = seen;
		json_decref(rec);
	}
	*out = f.at;
	return 0;
}

static const char *utc(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "?");
	return buf;
}

/* An earlier import of the channel that overlaps [from, to)? */
static int overlapping(store *s, MDB_txn *txn, const struct store_import *im, struct jv_err *err)
{
	uint8_t kb[12] = { 0 };
	MDB_val k = { sizeof kb, kb }, v;
	MDB_cursor *cur;
	int rc, op = MDB_SET_RANGE;

	kv_pack_u16(kb, im->key.obj);
	kv_pack_u16(kb + 2, BATCH_CHAN(im->key.addr, im->key.ch));
	if ((rc = mdb_cursor_open(txn, s->imp, &cur)))
		return rc;
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		const uint8_t *p = k.mv_data, *q = v.mv_data;
		int64_t from, to;
		char a[32], b[32], id[PROTO_ID_LEN];

		op = MDB_NEXT;
		if (k.mv_size != 12 || memcmp(p, kb, 4) || v.mv_size < IMPORT_HEAD)
			break;
		from = (int64_t)kv_unpack_u64(p + 4);
		to = (int64_t)kv_unpack_u64(q);
		if (from < im->to && to > im->from) {
			mdb_cursor_close(cur);
			jv_fail(err,
				"channel %s: the hours %s..%s overlap its import of %s..%s (%lld..%lld) "
				"from \"%.*s\"; import only hours not imported yet",
				proto_id_format(&im->key, id), utc(im->from, a, sizeof a),
				utc(im->to, b, sizeof b), utc(from, a, sizeof a),
				utc(to, b, sizeof b), (long long)from, (long long)to,
				(int)(v.mv_size - IMPORT_HEAD), (const char *)q + IMPORT_HEAD);
			return AMR_ESTATE;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Add pulses of the channel to the rollup of step holding t. */
static int add_one(store *s, MDB_txn *txn, enum tb_step step, const struct proto_id *k, int64_t t,
		   uint64_t pulses)
{
	if (!pulses)
		return 0;
	s->upd[0] = (struct upd){ BATCH_CHAN(k->addr, k->ch), pulses };
	return store__add_rollup(s, txn, step, k->obj, t, 1);
}

/* The hours into the rollups (days and months summed first) and coverage. */
static int put_hours(store *s, MDB_txn *txn, const struct store_import *im)
{
	struct cov c = { .chan = BATCH_CHAN(im->key.addr, im->key.ch), .flags = COVER_IMPORTED };
	int64_t day = tb_start(TB_DAY, im->from), month = tb_start(TB_MONTH, im->from);
	uint64_t dsum = 0, msum = 0;
	int rc;

	if (store__reserve(&s->upd, &s->capupd, 2, sizeof *s->upd))
		return AMR_ENOMEM;
	for (size_t i = 0; i < im->n; i++) {
		int64_t h = im->from + 3600 * (int64_t)i;

		if (h >= tb_next(TB_DAY, day)) {
			if ((rc = add_one(s, txn, TB_DAY, &im->key, day, dsum)))
				return rc;
			day = tb_start(TB_DAY, h);
			dsum = 0;
		}
		if (h >= tb_next(TB_MONTH, month)) {
			if ((rc = add_one(s, txn, TB_MONTH, &im->key, month, msum)))
				return rc;
			month = tb_start(TB_MONTH, h);
			msum = 0;
		}
		dsum += im->pulses[i];
		msum += im->pulses[i];
		/* an hour of 0 pulses is imported too: the meter read nothing */
		if ((rc = add_one(s, txn, TB_HOUR, &im->key, h, im->pulses[i])) ||
		    (rc = store__cover_add(s, txn, im->key.obj, h, &c, 1)))
			return rc;
	}
	if ((rc = add_one(s, txn, TB_DAY, &im->key, day, dsum)))
		return rc;
	return add_one(s, txn, TB_MONTH, &im->key, month, msum);
}

struct imp {
	store *s;
	const struct store_import *im;
	int64_t now;
	bool created;
	struct jv_err *err;
};

static int import_txn(MDB_txn *txn, void *arg)
{
	struct imp *x = arg;
	store *s = x->s;
	const struct store_import *im = x->im;
	size_t slen = strlen(im->source);
	uint8_t kb[12], *vb;
	MDB_val k = { sizeof kb, kb }, v;
	struct reg_conv conv;
	int64_t live;
	char id[PROTO_ID_LEN], when[32];
	bool dup;
	int rc;

	x->created = false;
	if ((rc = first_live(s, txn, &im->key, &live)))
		return rc;
	if (im->to > live) {
		jv_fail(x->err,
			"channel %s: its live readings begin at %lld (%s); an import must end by "
			"then, the live readings count the pulses since",
			proto_id_format(&im->key, id), (long long)live,
			utc(live, when, sizeof when));
		return AMR_ESTATE;
	}
	if ((rc = overlapping(s, txn, im, x->err)) ||
	    (rc = registry_conv(s->reg, txn, &im->key, &conv)))
		return rc;
	/* a channel never seen is registered as its first reading would */
	if (!conv.known && (rc = registry_ensure(s->reg, txn, im->key.obj, im->key.addr, im->key.ch,
						 x->now, &x->created)))
		return rc;
	if ((rc = put_hours(s, txn, im)))
		return rc;
	kv_pack_u16(kb, im->key.obj);
	kv_pack_u16(kb + 2, BATCH_CHAN(im->key.addr, im->key.ch));
	kv_pack_u64(kb + 4, (uint64_t)im->from);
	v = (MDB_val){ IMPORT_HEAD + slen, NULL };
	if ((rc = mdb_put(txn, s->imp, &k, &v, MDB_RESERVE)))
		return rc;
	vb = v.mv_data;
	kv_pack_u64(vb, (uint64_t)im->to);
	kv_pack_u32(vb + 8, (uint32_t)im->n);
	kv_pack_u64(vb + 12, im->total);
	memcpy(vb + IMPORT_HEAD, im->source, slen);
	return audit_append(s->aud, txn, im->audit, &dup);
}

amr_err store_import(store *s, const struct store_import *im, int64_t now, bool *created,
		     struct jv_err *err)
{
	struct imp x = { s, im, now, false, err };
	int rc = kv_write(s->k, import_txn, &x);

	if (rc == AMR_OK && created)
		*created = x.created;
	return rc;
}
