/*
 * store.c - the archive's write path (store.h): batches into raw readings,
 * rollups, coverage, channel states and marks in one transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "store.h"
#include "store_int.h"

amr_err store_open(store **out, kv *k, registry *reg, audit *aud, const char *tz)
{
	store *s = calloc(1, sizeof *s);
	int rc = AMR_EDB;

	if (!s)
		return AMR_ENOMEM;
	s->k = k;
	s->reg = reg;
	s->aud = aud;
	s->gap_wait = STORE_GAP_WAIT_DEFAULT;
	if (kv_dbi(k, "meta", 0, &s->meta) || kv_dbi(k, "hwm", 0, &s->hwm) ||
	    kv_dbi(k, "state", 0, &s->state) || kv_dbi(k, "raw", 0, &s->raw) ||
	    kv_dbi(k, "hour", 0, &s->roll[TB_HOUR]) || kv_dbi(k, "day", 0, &s->roll[TB_DAY]) ||
	    kv_dbi(k, "month", 0, &s->roll[TB_MONTH]) || kv_dbi(k, "quarantine", 0, &s->quar) ||
	    kv_dbi(k, "hcover", 0, &s->hcover) || kv_dbi(k, "import", 0, &s->imp) ||
	    kv_dbi(k, "manual", 0, &s->manual))
		goto out_free;
	if ((rc = store__meta_open(s, tz)))
		goto out_free;
	*out = s;
	return AMR_OK;
out_free:
	free(s);
	return rc;
}

void store_close(store *s)
{
	if (!s)
		return;
	free(s->st);
	free(s->buf);
	free(s->rawbuf);
	free(s->upd);
	free(s->cov);
	free(s->covbuf);
	free(s->gaps.v);
	free(s->wgaps.v);
	free(s);
}

void store_gap_wait_set(store *s, int64_t seconds)
{
	s->gap_wait = seconds > 0 ? seconds : 0;
}

kv *store_kv(store *s)
{
	return s->k;
}

void store_outcome_free(struct store_outcome *o)
{
	free(o->acks);
	free(o->events);
	free(o->gaps);
	json_decref(o->audits);
	memset(o, 0, sizeof *o);
}

int store__reserve(void *p, size_t *cap, size_t n, size_t sz)
{
	void *np;
	size_t c = *cap ? *cap : 64;

	if (n <= *cap)
		return 0;
	while (c < n)
		c *= 2;
	if (!(np = realloc(*(void **)p, c * sz)))
		return AMR_ENOMEM;
	*(void **)p = np;
	*cap = c;
	return 0;
}

/* Object obj's mark into *seq (0 when none); *found (may be NULL) says
 * whether one is stored. Returns 0 or an MDB_ code. */
static int get_hwm(store *s, MDB_txn *txn, uint16_t obj, uint64_t *seq, bool *found)
{
	uint8_t kb[2];
	MDB_val k = { 2, kb }, v;
	int rc;

	kv_pack_u16(kb, obj);
	rc = mdb_get(txn, s->hwm, &k, &v);
	*seq = rc == 0 && v.mv_size == 8 ? kv_unpack_u64(v.mv_data) : 0;
	if (found)
		*found = rc == 0;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

amr_err store_hwm(store *s, MDB_txn *txn, uint16_t obj, uint64_t *seq)
{
	return get_hwm(s, txn, obj, seq, NULL) ? AMR_EDB : AMR_OK;
}

void store__decode_state(const uint8_t *p, struct store_chan *c)
{
	c->chan = kv_unpack_u16(p);
	c->flags = p[2];
	c->total = kv_unpack_u32(p + 4);
	c->period_ms = kv_unpack_u32(p + 8);
	c->ts = (int64_t)kv_unpack_u64(p + 12);
}

static void encode_state(uint8_t *p, const struct store_chan *c)
{
	kv_pack_u16(p, c->chan);
	p[2] = c->flags;
	p[3] = 0;
	kv_pack_u32(p + 4, c->total);
	kv_pack_u32(p + 8, c->period_ms);
	kv_pack_u64(p + 12, (uint64_t)c->ts);
}

/* Load object obj's state into s->st. */
int store__load_state(store *s, MDB_txn *txn, uint16_t obj)
{
	uint8_t kb[2];
	MDB_val k = { 2, kb }, v;
	int rc;

	s->nst = 0;
	kv_pack_u16(kb, obj);
	rc = mdb_get(txn, s->state, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (store__reserve(&s->st, &s->capst, v.mv_size / STATE_ENTRY + 1, sizeof *s->st))
		return AMR_ENOMEM;
	for (size_t i = 0; i < v.mv_size / STATE_ENTRY; i++)
		store__decode_state((const uint8_t *)v.mv_data + i * STATE_ENTRY, &s->st[i]);
	s->nst = v.mv_size / STATE_ENTRY;
	return 0;
}

int store__save_state(store *s, MDB_txn *txn, uint16_t obj)
{
	uint8_t kb[2];
	MDB_val k = { 2, kb }, v = { s->nst * STATE_ENTRY, NULL };
	int rc;

	kv_pack_u16(kb, obj);
	if ((rc = mdb_put(txn, s->state, &k, &v, MDB_RESERVE)))
		return rc;
	for (size_t i = 0; i < s->nst; i++)
		encode_state((uint8_t *)v.mv_data + i * STATE_ENTRY, &s->st[i]);
	return 0;
}

/* The state entry of chan, inserted (flags 0xff marks new) if missing. */
static struct store_chan *find_chan(store *s, uint16_t chan)
{
	size_t lo = 0, hi = s->nst;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->st[mid].chan < chan)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->nst && s->st[lo].chan == chan)
		return &s->st[lo];
	if (store__reserve(&s->st, &s->capst, s->nst + 1, sizeof *s->st))
		return NULL;
	memmove(&s->st[lo + 1], &s->st[lo], (s->nst - lo) * sizeof *s->st);
	s->nst++;
	s->st[lo] = (struct store_chan){ .chan = chan, .flags = 0xff };
	return &s->st[lo];
}

static int cmp_cov(const void *a, const void *b)
{
	const struct cov *x = a, *y = b;

	return (x->chan > y->chan) - (x->chan < y->chan);
}

static int cmp_upd(const void *a, const void *b)
{
	const struct upd *x = a, *y = b;

	return (x->chan > y->chan) - (x->chan < y->chan);
}

int store__add_rollup(store *s, MDB_txn *txn, enum tb_step step, uint16_t obj, int64_t ts, size_t n)
{
	uint8_t kb[10];
	MDB_val k = { sizeof kb, kb }, v;
	const uint8_t *old = NULL;
	size_t nold = 0, i = 0, j = 0, m = 0;
	uint8_t *p;
	int rc;

	kv_pack_u16(kb, obj);
	kv_pack_u64(kb + 2, (uint64_t)tb_start(step, ts));
	rc = mdb_get(txn, s->roll[step], &k, &v);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (rc == 0) {
		old = v.mv_data;
		nold = v.mv_size / ROLL_ENTRY;
	}
	if (store__reserve(&s->buf, &s->capbuf, (nold + n) * ROLL_ENTRY, 1))
		return AMR_ENOMEM;
	p = s->buf;
	while (i < nold || j < n) {
		uint16_t oc = i < nold ? kv_unpack_u16(old + i * ROLL_ENTRY) : 0xffff;
		uint64_t pulses;
		uint16_t c;

		if (j >= n || (i < nold && oc < s->upd[j].chan)) {
			c = oc;
			pulses = kv_unpack_u64(old + i++ * ROLL_ENTRY + 2);
		} else if (i < nold && oc == s->upd[j].chan) {
			c = oc;
			pulses = kv_unpack_u64(old + i++ * ROLL_ENTRY + 2) + s->upd[j++].pulses;
		} else {
			c = s->upd[j].chan;
			pulses = s->upd[j++].pulses;
		}
		kv_pack_u16(p + m * ROLL_ENTRY, c);
		kv_pack_u64(p + m * ROLL_ENTRY + 2, pulses);
		m++;
	}
	v.mv_size = m * ROLL_ENTRY;
	v.mv_data = s->buf;
	return mdb_put(txn, s->roll[step], &k, &v, 0);
}

static int note_ack(struct store_outcome *o, uint16_t obj, size_t cap)
{
	for (size_t i = 0; i < o->nacks; i++)
		if (o->acks[i].obj == obj)
			return 0;
	if (o->nacks >= cap)
		return AMR_ENOMEM;
	o->acks[o->nacks++] = (struct store_ack){ obj, 0 };
	return 0;
}

static int put_quarantine(store *s, MDB_txn *txn, const struct batch *b,
			  const struct batch_reading *r, uint32_t last, uint32_t state)
{
	uint8_t kb[20], vb[QUAR_VALUE];
	MDB_val k = { sizeof kb, kb }, v = { sizeof vb, vb };

	kv_pack_u16(kb, b->obj);
	kv_pack_u16(kb + 2, r->chan);
	kv_pack_u64(kb + 4, (uint64_t)b->ts);
	kv_pack_u64(kb + 12, b->seq);
	kv_pack_u32(vb, r->total);
	kv_pack_u32(vb + 4, last);
	kv_pack_u32(vb + 8, r->delta);
	kv_pack_u32(vb + 12, state);
	return mdb_put(txn, s->quar, &k, &v, 0);
}

static int add_event(struct store_outcome *o, const struct batch *b, const struct batch_reading *r,
		     uint32_t last, enum store_quar_reason why, uint64_t counted)
{
	struct store_quarantine *e = realloc(o->events, (o->nevents + 1) * sizeof *e);

	if (!e)
		return AMR_ENOMEM;
	o->events = e;
	e[o->nevents++] = (struct store_quarantine){ b->obj, r->chan, b->ts,	b->seq, r->total,
						     last,   why,     r->delta, counted };
	return 0;
}

/*
 * After counter_zeroed the gateway's delta counts, but no more than the
 * totals show from c's last counted total (batch_counted_bound()): a
 * claim beyond that is cut to it, and the reading is quarantined with the
 * claim, reported once per reading. *delta holds the claim and gets what
 * is counted.
 */
static int bound_claim(store *s, MDB_txn *txn, const struct batch *b, const struct batch_reading *r,
		       struct store_chan *c, uint32_t *delta, uint8_t *flags)
{
	uint64_t bound = batch_counted_bound(b, r->chan, r->total, c->total);
	int rc;

	if (*delta <= bound)
		return 0;
	*delta = (uint32_t)bound; /* below the claim, a u32 */
	*flags |= STORE_RAW_CLAIM;
	s->out->quarantined++;
	s->out->claims++;
	if ((rc = put_quarantine(s, txn, b, r, c->total, QUAR_CLAIM)) ||
	    (rc = add_event(s->out, b, r, c->total, STORE_QUAR_DELTA, bound)))
		return rc;
	c->flags |= STORE_CHAN_QUARANTINED;
	return 0;
}

/* Decide one reading's archived delta, update its channel state and say
 * what it adds to its hour's coverage in *cv. */
static int count_reading(store *s, MDB_txn *txn, const struct batch *b,
			 const struct batch_reading *r, uint8_t *raw, size_t *nupd, struct cov *cv)
{
	struct store_chan *c = find_chan(s, r->chan);
	uint32_t delta = 0;
	uint8_t flags = 0;
	int64_t prev;
	int rc;

	if (!c)
		return AMR_ENOMEM;
	prev = c->ts;
	if (c->flags == 0xff) {
		bool created;

		if ((rc = registry_ensure(s->reg, txn, b->obj, r->chan >> 8, r->chan & 0xff, s->now,
					  &created)))
			return rc;
		s->out->new_channels += created;
		c->flags = 0;
		flags |= STORE_RAW_NEW;
		delta = r->delta;
	} else if (batch_zeroed(b, r->chan) || b->obj_changed) {
		/* The gateway's delta: it counted across the zeroing, or from
		 * totals it sent under another object number (docs/protocol.md,
		 * "Object numbers"). The total is the new base. */
		flags |= batch_zeroed(b, r->chan) ? STORE_RAW_ZEROED : STORE_RAW_OBJ_CHANGED;
		c->flags &= (uint8_t)~STORE_CHAN_QUARANTINED;
		delta = r->delta;
		/* with object_changed the last totals are older than the gateway's
		 * base (the other number counted in between): nothing to hold the
		 * claim to beyond what the parse did */
		if (!b->obj_changed && (rc = bound_claim(s, txn, b, r, c, &delta, &flags)))
			return rc;
	} else if (r->total >= c->total) {
		delta = r->total - c->total;
		c->flags &= (uint8_t)~STORE_CHAN_QUARANTINED;
		if (delta != r->delta) {
			flags |= STORE_RAW_MISMATCH;
			s->out->mismatches++;
		}
	} else {
		flags |= STORE_RAW_QUARANTINED;
		s->out->quarantined++;
		if ((rc = put_quarantine(s, txn, b, r, c->total, 0)))
			return rc;
		if (!(c->flags & STORE_CHAN_QUARANTINED)) {
			c->flags |= STORE_CHAN_QUARANTINED;
			if ((rc = add_event(s->out, b, r, c->total, STORE_QUAR_DECREASED, 0)))
				return rc;
		}
	}
	cv->chan = r->chan;
	cv->readings = 1;
	cv->flags = 0;
	cv->lumped = 0;
	cv->quarantined = (flags & (STORE_RAW_QUARANTINED | STORE_RAW_CLAIM)) != 0;
	/* pulses counted across an outage land in this one hour */
	if (delta && !(flags & STORE_RAW_NEW) && b->ts - prev > STORE_LUMP_GAP) {
		cv->lumped = delta;
		s->out->lumped++;
	}
	if (!(flags & STORE_RAW_QUARANTINED)) {
		c->total = r->total;
		c->ts = b->ts;
	}
	c->period_ms = r->period_ms;
	kv_pack_u16(raw, r->chan);
	raw[2] = flags;
	raw[3] = 0;
	kv_pack_u32(raw + 4, r->total);
	kv_pack_u32(raw + 8, delta);
	kv_pack_u32(raw + 12, r->period_ms);
	if (delta) {
		s->upd[*nupd] = (struct upd){ r->chan, delta };
		(*nupd)++;
		s->out->pulses += delta;
	}
	return 0;
}

/* The state entries of device from's channels become to's (replacing
 * what to had). Returns 0 or AMR_ENOMEM. */
static int move_state(store *s, uint8_t from, uint8_t to)
{
	for (unsigned ch = 1; ch <= PROTO_CH_MAX; ch++) {
		struct store_chan e, *d;
		size_t i;

		for (i = 0; i < s->nst && s->st[i].chan != BATCH_CHAN(from, ch); i++)
			;
		if (i == s->nst)
			continue;
		e = s->st[i];
		memmove(&s->st[i], &s->st[i + 1], (s->nst - i - 1) * sizeof *s->st);
		s->nst--;
		if (!(d = find_chan(s, BATCH_CHAN(to, ch))))
			return AMR_ENOMEM;
		*d = e;
		d->chan = BATCH_CHAN(to, ch);
	}
	return 0;
}

/* A device of b's object moved: its registry records follow it, audited
 * in the same transaction (published after the commit). */
static int move_registry(store *s, MDB_txn *txn, const struct batch *b, const struct batch_move *m)
{
	struct proto_id fk = { b->obj, m->from, 0 }, tk = { b->obj, m->to, 0 };
	char fid[PROTO_ID_LEN], tid[PROTO_ID_LEN], why[96];
	json_t *replaced = json_object(), *rec;
	size_t moved = 0;
	bool dup;
	int rc;

	if (!replaced)
		return AMR_ENOMEM;
	if ((rc = registry_move(s->reg, txn, b->obj, m->from, m->to, s->now, replaced, &moved)) ||
	    !moved) {
		json_decref(replaced);
		return rc;
	}
	snprintf(why, sizeof why, "address_changed from the gateway, batch %llu",
		 (unsigned long long)b->seq);
	rec = json_pack("{s:I, s:s, s:s, s:s, s:{s:s, s:I, s:I, s:o, s:s}}", "ts",
			(json_int_t)s->now, "actor", "archive", "action", "registry.move", "target",
			proto_id_format(&fk, fid), "detail", "to", proto_id_format(&tk, tid), "seq",
			(json_int_t)b->seq, "records", (json_int_t)moved, "replaced", replaced,
			"reason", why);
	if (!rec)
		return AMR_ENOMEM;
	if ((rc = audit_append(s->aud, txn, rec, &dup)) ||
	    (!s->out->audits && !(s->out->audits = json_array())) ||
	    json_array_append_new(s->out->audits, rec)) {
		if (!rc)
			json_decref(rec);
		return rc ? rc : AMR_ENOMEM;
	}
	return 0;
}

static int store_batch(store *s, MDB_txn *txn, const struct batch *b)
{
	uint8_t kb[18], hv[8];
	MDB_val k = { sizeof kb, kb }, v = { b->n * RAW_ENTRY, NULL };
	MDB_val hk = { 2, kb }, hval = { 8, hv };
	size_t nupd = 0, m = 0;
	bool sorted = true;
	int64_t hour = tb_start(TB_HOUR, b->ts);
	int rc;

	if ((rc = store__load_state(s, txn, b->obj)))
		return rc;
	if (store__reserve(&s->upd, &s->capupd, b->n + 1, sizeof *s->upd))
		return AMR_ENOMEM;
	kv_pack_u16(kb, b->obj);
	kv_pack_u64(kb + 2, (uint64_t)b->ts);
	kv_pack_u64(kb + 10, b->seq);
	if (store__reserve(&s->rawbuf, &s->caprawbuf, b->n * RAW_ENTRY + 1, 1) ||
	    store__reserve(&s->cov, &s->capcov, b->n + 1, sizeof *s->cov))
		return AMR_ENOMEM;
	for (size_t i = 0; i < b->n; i++) {
		if ((rc = count_reading(s, txn, b, &b->r[i], s->rawbuf + i * RAW_ENTRY, &nupd,
					&s->cov[i])))
			return rc;
		s->cov[i].first = s->cov[i].last = (uint16_t)(b->ts - hour);
		sorted &= !i || s->cov[i - 1].chan < s->cov[i].chan;
	}
	v.mv_data = s->rawbuf;
	if ((rc = mdb_put(txn, s->raw, &k, &v, 0)))
		return rc;
	qsort(s->upd, nupd, sizeof *s->upd, cmp_upd);
	for (size_t i = 0; i < nupd; i++) {
		if (m && s->upd[m - 1].chan == s->upd[i].chan)
			s->upd[m - 1].pulses += s->upd[i].pulses;
		else
			s->upd[m++] = s->upd[i];
	}
	if (m && ((rc = store__add_rollup(s, txn, TB_HOUR, b->obj, b->ts, m)) ||
		  (rc = store__add_rollup(s, txn, TB_DAY, b->obj, b->ts, m)) ||
		  (rc = store__add_rollup(s, txn, TB_MONTH, b->obj, b->ts, m))))
		return rc;
	/* every reading, with pulses or without, in its hour's coverage (one
	 * reading per channel in a batch; gateways send them in order) */
	if (!sorted)
		qsort(s->cov, b->n, sizeof *s->cov, cmp_cov);
	if (b->n && (rc = store__cover_add(s, txn, b->obj, hour, s->cov, b->n)))
		return rc;
	/* the readings were counted where the device was; now it moves */
	for (size_t i = 0; i < b->nmoves; i++)
		if ((rc = move_state(s, b->moves[i].from, b->moves[i].to)) ||
		    (rc = move_registry(s, txn, b, &b->moves[i])))
			return rc;
	if ((rc = store__save_state(s, txn, b->obj)))
		return rc;
	kv_pack_u64(hv, b->seq);
	if ((rc = mdb_put(txn, s->hwm, &hk, &hval, 0)))
		return rc;
	s->out->batches++;
	s->out->readings += b->n;
	return 0;
}

/* The gap record of obj in g, or NULL. */
static struct gap_rec *gap_find(struct gap_set *g, uint16_t obj)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].obj == obj)
			return &g->v[i];
	return NULL;
}

/* obj's batches are stored again: forget its gap. */
static void gap_clear(struct gap_set *g, uint16_t obj)
{
	struct gap_rec *r = gap_find(g, obj);

	if (r)
		*r = g->v[--g->n];
}

/* Start the working copy of the gaps from the committed one. */
static int gap_copy(struct gap_set *to, const struct gap_set *from)
{
	if (store__reserve(&to->v, &to->cap, from->n + 1, sizeof *to->v))
		return AMR_ENOMEM;
	if (from->n)
		memcpy(to->v, from->v, from->n * sizeof *to->v);
	to->n = from->n;
	return 0;
}

static int add_gap(struct store_outcome *o, const struct batch *b, uint64_t mark, int64_t since,
		   bool given_up, bool jump)
{
	struct store_gap *g = realloc(o->gaps, (o->ngaps + 1) * sizeof *g);

	if (!g)
		return AMR_ENOMEM;
	o->gaps = g;
	g[o->ngaps++] = (struct store_gap){ b->obj, mark, b->prev, b->seq, since, given_up, jump };
	if (jump)
		o->jumps_refused++;
	else if (given_up)
		o->gaps_given_up++;
	else
		o->gaps_refused++;
	return 0;
}

/*
 * Batch b is above mark; does it follow a gap? Returns 0 with *refuse set,
 * or AMR_ENOMEM. A gap is timed in s->wgaps from its first refusal; once it
 * has lasted gap_wait seconds the batch goes in. An object without a mark
 * has mark 0: a first batch naming an earlier one (prev > 0) waits for it
 * too. Its ack would say every batch up to it is stored, and the gateway
 * would let go of earlier batches that an archive killed before it
 * committed them never stored.
 */
static int check_gap(store *s, const struct batch *b, uint64_t mark, bool *refuse)
{
	struct gap_rec *r;
	int64_t since = s->now;

	*refuse = false;
	if (!b->has_prev || b->prev <= mark)
		return 0;
	if ((r = gap_find(&s->wgaps, b->obj)))
		since = r->since;
	if (s->gap_wait > 0 && s->now - since < s->gap_wait) {
		*refuse = true;
		if (!r) {
			if (store__reserve(&s->wgaps.v, &s->wgaps.cap, s->wgaps.n + 1, sizeof *r))
				return AMR_ENOMEM;
			s->wgaps.v[s->wgaps.n++] = (struct gap_rec){ b->obj, since };
		}
	}
	return add_gap(s->out, b, mark, since, !*refuse, false);
}

static int apply(MDB_txn *txn, void *arg)
{
	store *s = arg;
	struct store_outcome *o = s->out;
	int rc;

	/* kv_write may run this again after growing the map: start clean. */
	store_outcome_free(o);
	if (!(o->acks = calloc(s->n + 1, sizeof *o->acks)))
		return AMR_ENOMEM;
	if ((rc = gap_copy(&s->wgaps, &s->gaps)))
		return rc;
	for (size_t i = 0; i < s->n; i++) {
		const struct batch *b = s->b[i];
		uint64_t hwm;
		bool found, refuse;

		if ((rc = get_hwm(s, txn, b->obj, &hwm, &found)))
			return rc;
		if (b->seq <= hwm) {
			o->duplicates++;
			if ((rc = note_ack(o, b->obj, s->n)))
				return rc;
			continue;
		}
		/* without a mark too (hwm 0): a fresh gateway starts at seq 1 */
		if (b->seq - hwm > STORE_SEQ_JUMP) {
			if ((rc = add_gap(o, b, hwm, s->now, false, true)))
				return rc;
			continue; /* no ack, and the mark stays where it can be reached */
		}
		if ((rc = check_gap(s, b, hwm, &refuse)))
			return rc;
		if (refuse)
			continue; /* no ack: the gateway sends the gap again */
		if ((rc = store_batch(s, txn, b)) || (rc = note_ack(o, b->obj, s->n)))
			return rc;
		gap_clear(&s->wgaps, b->obj);
	}
	for (size_t i = 0; i < o->nacks; i++)
		if ((rc = get_hwm(s, txn, o->acks[i].obj, &o->acks[i].seq, NULL)))
			return rc;
	return 0;
}

amr_err store_commit(store *s, struct batch *const *b, size_t n, int64_t now,
		     struct store_outcome *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	s->b = b;
	s->n = n;
	s->now = now;
	s->out = out;
	rc = kv_write(s->k, apply, s);
	s->out = NULL;
	if (rc) {
		store_outcome_free(out);
		return rc;
	}
	/* committed: the gaps timed by this commit become the current ones */
	{
		struct gap_set t = s->gaps;

		s->gaps = s->wgaps;
		s->wgaps = t;
	}
	return AMR_OK;
}
