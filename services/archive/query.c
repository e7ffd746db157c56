#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "proto.h"
#include "query.h"
#include "units.h"

static char *chan_id(uint16_t obj, uint16_t chan, char *buf)
{
	struct proto_id k = { obj, (uint8_t)(chan >> 8), (uint8_t)(chan & 0xff) };

	return proto_id_format(&k, buf);
}

/* The conversion details of channel k, which must have been seen: a channel
 * the archive never heard of answers not_found rather than an empty span. */
static int known_conv(const struct query *q, MDB_txn *txn, const struct proto_id *k,
		      const char *field, struct reg_conv *conv, struct jv_err *err)
{
	char id[24];
	int rc = registry_conv(q->reg, txn, k, conv);

	if (rc || conv->known)
		return rc;
	jv_fail(err, "%s: channel %s was never seen (it is not in the registry)", field,
		proto_id_format(k, id));
	return AMR_ENOTFOUND;
}

amr_err query_latest(const struct query *q, MDB_txn *txn, uint16_t obj, uint16_t from_obj,
		     size_t limit, json_t **out)
{
	json_t *res = json_object(), *arr = json_array();
	uint16_t first = obj ? obj : (from_obj ? from_obj : 1), last = obj ? obj : PROTO_OBJ_MAX;
	int rc = AMR_ENOMEM;
	bool any = false;

	if (!res || !arr)
		goto out_free;
	json_object_set_new(res, "channels", arr);
	for (uint32_t o = first; o <= last; o++) {
		struct proto_id ok = { (uint16_t)o, 0, 0 }, dk = { (uint16_t)o, 0, 0 };
		struct store_chan *c = NULL;
		bool obj_retired, dev_retired = false;
		size_t n = 0;

		rc = store_state(q->s, txn, (uint16_t)o, &c, &n);
		if (rc == AMR_ENOTFOUND)
			continue;
		if (rc)
			goto out_free;
		/* retired: out of the list of every object, marked when asked by name */
		obj_retired = registry_retired(q->reg, txn, &ok);
		if (obj_retired && !obj) {
			free(c);
			continue;
		}
		if (json_array_size(arr) && json_array_size(arr) + n > limit) {
			free(c);
			json_object_set_new(res, "next_obj", json_integer(o));
			break;
		}
		any = true;
		for (size_t i = 0; i < n; i++) {
			struct proto_id k = { (uint16_t)o, (uint8_t)(c[i].chan >> 8),
					      (uint8_t)(c[i].chan & 0xff) };
			struct reg_conv conv;
			char id[24], qty[UNITS_QTY_MAX];
			json_t *e;

			if (k.addr != dk.addr) {
				dk.addr = k.addr;
				dev_retired = registry_retired(q->reg, txn, &dk);
			}
			if (dev_retired && !obj)
				continue;
			if ((rc = registry_conv(q->reg, txn, &k, &conv))) {
				free(c);
				goto out_free;
			}
			/* the counter in units, at the weight valid now */
			units_format(units_scaled(c[i].total,
						  &conv.w[units_weight_at(conv.w, conv.nw, q->now)],
						  conv.dec),
				     conv.dec, qty);
			e = json_pack("{s:s, s:I, s:s, s:I, s:I, s:s, s:s, s:b, s:b}", "id",
				      chan_id((uint16_t)o, c[i].chan, id), "total",
				      (json_int_t)c[i].total, "quantity", qty, "ts",
				      (json_int_t)c[i].ts, "period_ms", (json_int_t)c[i].period_ms,
				      "label", conv.label, "unit", conv.unit, "fresh",
				      q->now - c[i].ts <= q->fresh_s, "quarantined",
				      (c[i].flags & STORE_CHAN_QUARANTINED) != 0);
			if (e && (obj_retired || dev_retired))
				json_object_set_new(e, "retired", json_true());
			json_array_append_new(arr, e);
		}
		free(c);
	}
	if (obj && !any) {
		rc = AMR_ENOTFOUND;
		goto out_free;
	}
	*out = res;
	return AMR_OK;
out_free:
	json_decref(res);
	return rc;
}

/* Pulses per bucket and weight period, collected from a rollup scan. */
struct buckets {
	enum tb_step step;	     /* of the answer */
	const struct reg_conv *conv; /* weights */
	size_t n;		     /* buckets */
	int64_t *start;		     /* bucket starts, ascending */
	uint64_t *pulses;	     /* [bucket * nw + period] */
	size_t cursor;		     /* bucket of the last hit */
};

static size_t bucket_of(struct buckets *b, int64_t t)
{
	while (b->cursor + 1 < b->n && b->start[b->cursor + 1] <= t)
		b->cursor++;
	return b->cursor;
}

static int collect(void *ctx, int64_t start, uint64_t pulses)
{
	struct buckets *b = ctx;
	size_t p = units_weight_at(b->conv->w, b->conv->nw, start);

	b->pulses[bucket_of(b, start) * b->conv->nw + p] += pulses;
	return 0;
}

static int series_raw(const struct query *q, MDB_txn *txn, const struct proto_id *k,
		      const struct reg_conv *conv, int64_t from, int64_t to, json_t *res,
		      struct jv_err *err);

amr_err query_series(const struct query *q, MDB_txn *txn, const struct proto_id *k, int64_t from,
		     int64_t to, enum tb_step step, json_t **out, struct jv_err *err)
{
	static const char *const steps[] = { "raw", "hour", "day", "month" };
	struct buckets b = { .step = step };
	struct reg_conv conv;
	struct units_acc acc;
	json_t *res = NULL, *pts;
	uint64_t total = 0;
	char id[24], qty[UNITS_QTY_MAX];
	int rc;
	int64_t t;

	if ((rc = known_conv(q, txn, k, "channel", &conv, err)))
		return rc;
	b.conv = &conv;
	if (!(res = json_pack("{s:s, s:s, s:s, s:i, s:s, s:I, s:I, s:[]}", "channel",
			      proto_id_format(k, id), "unit", conv.unit, "label", conv.label,
			      "decimals", conv.dec, "step", steps[step], "from", (json_int_t)from,
			      "to", (json_int_t)to, "points")))
		return AMR_ENOMEM;
	if (step == TB_RAW) {
		if ((rc = series_raw(q, txn, k, &conv, from, to, res, err)))
			goto out_free;
		goto out_done;
	}
	/* the buckets starting in [from, to) */
	t = tb_start_in(q->tz, step, from);
	if (t < from)
		t = tb_next_in(q->tz, step, t);
	for (int64_t u = t; u < to; u = tb_next_in(q->tz, step, u))
		if (++b.n > QUERY_MAX_POINTS) {
			rc = jv_fail(err,
				     "to: more than %d points; use a longer step or a "
				     "shorter span",
				     QUERY_MAX_POINTS);
			goto out_free;
		}
	rc = AMR_ENOMEM;
	if (!(b.start = calloc(b.n + 1, sizeof *b.start)) ||
	    !(b.pulses = calloc((b.n + 1) * conv.nw, sizeof *b.pulses)))
		goto out_free;
	for (size_t i = 0; i < b.n; i++, t = tb_next_in(q->tz, step, t))
		b.start[i] = t;
	if (b.n) {
		/* with several weights a day or month may straddle a change:
		 * build it from hours, which never do (valid_from is a whole hour);
		 * the same for days and months of another zone than the rollups' */
		enum tb_step src = conv.nw > 1 || q->tz ? TB_HOUR : step;

		if (store_rollup_scan(q->s, txn, src, k->obj, BATCH_CHAN(k->addr, k->ch),
				      b.start[0], tb_next_in(q->tz, step, b.start[b.n - 1]),
				      collect, &b)) {
			rc = AMR_EDB;
			goto out_free;
		}
	}
	units_acc_init(&acc, conv.w, conv.nw, conv.dec);
	pts = json_object_get(res, "points");
	for (size_t i = 0; i < b.n; i++) {
		units_u128 qv = 0;
		uint64_t pulses = 0;

		for (size_t p = 0; p < conv.nw; p++) {
			uint64_t x = b.pulses[i * conv.nw + p];

			if (x) {
				qv += units_acc_add(&acc, p, x);
				pulses += x;
			}
		}
		total += pulses;
		json_array_append_new(pts, json_pack("{s:I, s:I, s:s}", "t", (json_int_t)b.start[i],
						     "pulses", (json_int_t)pulses, "quantity",
						     units_format(qv, conv.dec, qty)));
	}
	json_object_set_new(res, "pulses", json_integer((json_int_t)total));
	json_object_set_new(res, "quantity", json_string(units_format(acc.total, conv.dec, qty)));
out_done:
	free(b.start);
	free(b.pulses);
	*out = res;
	return AMR_OK;
out_free:
	free(b.start);
	free(b.pulses);
	json_decref(res);
	return rc;
}

struct raw_walk {
	json_t *pts;
	const struct reg_conv *conv;
	struct units_acc acc;
	uint64_t total;
	int full;
};

static int raw_point(void *ctx, const struct store_raw *r)
{
	struct raw_walk *w = ctx;
	char qty[UNITS_QTY_MAX];
	units_u128 qv;
	json_t *pt;

	if (json_array_size(w->pts) >= QUERY_MAX_POINTS) {
		w->full = 1;
		return 1;
	}
	qv = units_acc_add(&w->acc, units_weight_at(w->conv->w, w->conv->nw, r->ts), r->delta);
	w->total += r->delta;
	pt = json_pack("{s:I, s:I, s:I, s:s, s:I, s:I}", "t", (json_int_t)r->ts, "seq",
		       (json_int_t)r->seq, "pulses", (json_int_t)r->delta, "quantity",
		       units_format(qv, w->conv->dec, qty), "total", (json_int_t)r->total,
		       "period_ms", (json_int_t)r->period_ms);
	if (pt && (r->flags & STORE_RAW_QUARANTINED))
		json_object_set_new(pt, "quarantined", json_true());
	if (pt && (r->flags & STORE_RAW_ZEROED))
		json_object_set_new(pt, "zeroed", json_true());
	if (pt && (r->flags & STORE_RAW_OBJ_CHANGED))
		json_object_set_new(pt, "object_changed", json_true());
	if (pt && (r->flags & STORE_RAW_CLAIM))
		json_object_set_new(pt, "claim_quarantined", json_true());
	json_array_append_new(w->pts, pt);
	return 0;
}

static int series_raw(const struct query *q, MDB_txn *txn, const struct proto_id *k,
		      const struct reg_conv *conv, int64_t from, int64_t to, json_t *res,
		      struct jv_err *err)
{
	struct raw_walk w = { .pts = json_object_get(res, "points"), .conv = conv };
	char qty[UNITS_QTY_MAX];

	if (to - from > QUERY_MAX_RAW_SPAN)
		return jv_fail(err,
			       "to: a raw series spans at most %d days; use step "
			       "\"hour\" for longer spans",
			       QUERY_MAX_RAW_SPAN / 86400);
	units_acc_init(&w.acc, conv->w, conv->nw, conv->dec);
	if (store_raw_scan(q->s, txn, k->obj, BATCH_CHAN(k->addr, k->ch), from, to, raw_point, &w))
		return AMR_EDB;
	if (w.full)
		json_object_set_new(res, "truncated", json_true());
	json_object_set_new(res, "pulses", json_integer((json_int_t)w.total));
	json_object_set_new(res, "quantity",
			    json_string(units_format(w.acc.total, conv->dec, qty)));
	return AMR_OK;
}

amr_err query_zones_check(const struct query_zone *zones, size_t nz, struct jv_err *err)
{
	int owner[24];

	for (int h = 0; h < 24; h++)
		owner[h] = -1;
	for (size_t z = 0; z < nz; z++) {
		int h = zones[z].from_h;

		do {
			if (owner[h] >= 0)
				return jv_fail(err,
					       "zones: hour %02d:00 is in both \"%s\" and \"%s\"",
					       h, zones[owner[h]].name, zones[z].name);
			owner[h] = (int)z;
			h = (h + 1) % 24;
		} while (h != zones[z].to_h % 24);
	}
	for (int h = 0; h < 24; h++)
		if (owner[h] < 0)
			return jv_fail(err,
				       "zones: hour %02d:00 is in no zone; zones must "
				       "cover the whole day",
				       h);
	return AMR_OK;
}

struct zone_walk {
	const struct reg_conv *conv;
	const tzone_rules *tz; /* zone of the local hours, NULL the site's */
	struct units_acc acc;
	const int *zone_of_hour; /* [24], or NULL */
	uint64_t total;
	uint64_t zpulses[QUERY_MAX_ZONES];
	units_u128 zqty[QUERY_MAX_ZONES];
};

static int zone_hour(void *ctx, int64_t start, uint64_t pulses)
{
	struct zone_walk *w = ctx;
	units_u128 qv = units_acc_add(&w->acc, units_weight_at(w->conv->w, w->conv->nw, start),
				      pulses);

	w->total += pulses;
	if (w->zone_of_hour) {
		int z = w->zone_of_hour[tb_local_hour_in(w->tz, start)];

		w->zpulses[z] += pulses;
		w->zqty[z] += qv;
	}
	return 0;
}

/* An item's "coverage" (new), first and last only when there was a reading. */
static json_t *cover_json(const struct store_cover *c)
{
	json_t *j = json_pack(
		"{s:I, s:I, s:I, s:I, s:I}", "span_hours", (json_int_t)c->span_hours, "hours",
		(json_int_t)c->hours, "quarantined", (json_int_t)c->quarantined, "lumped_pulses",
		(json_int_t)c->lumped_pulses, "imported_hours", (json_int_t)c->imported_hours);

	if (j && c->hours &&
	    (json_object_set_new(j, "first", json_integer((json_int_t)c->first)) ||
	     json_object_set_new(j, "last", json_integer((json_int_t)c->last)))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

amr_err query_consumption(const struct query *q, MDB_txn *txn, const struct proto_id *keys,
			  size_t n, int64_t from, int64_t to, const struct query_zone *zones,
			  size_t nz, json_t **out, struct jv_err *err)
{
	json_t *res = json_pack("{s:I, s:I, s:I, s:[]}", "from", (json_int_t)from, "to",
				(json_int_t)to, "coverage_from", (json_int_t)store_cover_from(q->s),
				"items"),
	       *items;
	int zone_of_hour[24];
	int rc = AMR_ENOMEM;

	if (!res)
		return AMR_ENOMEM;
	items = json_object_get(res, "items");
	for (size_t z = 0; z < nz; z++)
		for (int h = zones[z].from_h;; h = (h + 1) % 24) {
			zone_of_hour[h] = (int)z;
			if ((h + 1) % 24 == zones[z].to_h % 24)
				break;
		}
	for (size_t i = 0; i < n; i++) {
		struct zone_walk w = { 0 };
		struct store_cover cover;
		struct reg_conv conv;
		char id[24], qty[UNITS_QTY_MAX], field[32];
		json_t *item;

		snprintf(field, sizeof field, "channels[%zu]", i);
		if ((rc = known_conv(q, txn, &keys[i], field, &conv, err)))
			goto out_free;
		w.conv = &conv;
		w.tz = q->tz;
		w.zone_of_hour = nz ? zone_of_hour : NULL;
		units_acc_init(&w.acc, conv.w, conv.nw, conv.dec);
		if (store_rollup_scan(q->s, txn, TB_HOUR, keys[i].obj,
				      BATCH_CHAN(keys[i].addr, keys[i].ch), from, to, zone_hour,
				      &w)) {
			rc = AMR_EDB;
			goto out_free;
		}
		if ((rc = store_cover_scan(q->s, txn, keys[i].obj,
					   BATCH_CHAN(keys[i].addr, keys[i].ch), from, to, &cover)))
			goto out_free;
		item = json_pack("{s:s, s:I, s:s, s:s, s:i, s:o}", "channel",
				 proto_id_format(&keys[i], id), "pulses", (json_int_t)w.total,
				 "quantity", units_format(w.acc.total, conv.dec, qty), "unit",
				 conv.unit, "decimals", conv.dec, "coverage", cover_json(&cover));
		if (item && nz) {
			json_t *za = json_array();

			for (size_t z = 0; z < nz; z++)
				json_array_append_new(
					za,
					json_pack("{s:s, s:I, s:s}", "name", zones[z].name,
						  "pulses", (json_int_t)w.zpulses[z], "quantity",
						  units_format(w.zqty[z], conv.dec, qty)));
			json_object_set_new(item, "zones", za);
		}
		json_array_append_new(items, item);
	}
	*out = res;
	return AMR_OK;
out_free:
	json_decref(res);
	return rc;
}
