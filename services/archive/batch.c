/*
 * batch.c - the canonical batch as a struct. Two ways in: a streaming read
 * (jflat: the readings as rows, no jansson value per field) for the batches
 * ingest sends, and the jansson tree for everything the streaming reader
 * declines. Only the tree path reports errors, so every message comes from
 * one place; both apply the same rules: ingest's, from lib/telemetry.h,
 * through check_head(), parse_events() and check_readings() below.
 */
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "err.h"
#include "jflat.h"
#include "proto.h"
#include "telemetry.h"

void batch_free(struct batch *b)
{
	if (!b)
		return;
	free(b->r);
	free(b->counters);
	free(b->moves);
	free(b);
}

int batch_zeroed(const struct batch *b, uint16_t chan)
{
	for (size_t i = 0; i < b->ncounters; i++)
		if (b->counters[i].chan == chan && b->counters[i].zeroed)
			return 1;
	return 0;
}

uint64_t batch_counted_bound(const struct batch *b, uint16_t chan, uint32_t total, uint32_t last)
{
	uint64_t bound = total;
	bool first = true;

	for (size_t i = 0; i < b->ncounters; i++) {
		uint64_t from;

		if (b->counters[i].chan != chan)
			continue;
		from = b->counters[i].from > 0 ? (uint64_t)b->counters[i].from : 0;
		/* the counter went from last up to the first from, from each later
		 * event's total (at least 0) up to its from, then up to total */
		if (first)
			bound += from > last ? from - last : 0;
		else
			bound += from;
		first = false;
	}
	return bound;
}

/* A reading whose fields are checked, as the store keeps it. */
static void set_reading(struct batch_reading *r, const struct telemetry_reading *t)
{
	r->chan = BATCH_CHAN(t->addr, t->ch);
	r->total = t->total;
	r->delta = t->delta;
	r->period_ms = t->period_ms;
}

/*
 * The events the archive needs: counter_zeroed and counter_decreased (their
 * channels, for the rules of the readings, noted in c), object_changed and
 * address_changed. Others are ingest's to judge and pass by.
 */
static int parse_events(const json_t *events, struct batch *b, struct telemetry_chans *c,
			struct jv_err *err)
{
	size_t i;
	json_t *e;

	if (!events)
		return AMR_OK;
	b->counters = calloc(json_array_size(events) + 1, sizeof *b->counters);
	b->moves = calloc(json_array_size(events) + 1, sizeof *b->moves);
	if (!b->counters || !b->moves)
		return AMR_ENOMEM;
	json_array_foreach(events, i, e) {
		const char *type;
		long long addr, ch, from;
		enum proto_event t;
		bool counter;

		if (!json_is_object(e))
			return jv_fail(err, "events[%zu]: expected an object", i);
		if (jv_str(e, "type", true, NULL, 1, 64, &type, err))
			return jv_fail(err, "events[%zu].type: missing or not a string", i);
		t = proto_event_parse(type);
		if (t == PROTO_EV_OBJECT_CHANGED)
			b->obj_changed = true;
		counter = t == PROTO_EV_COUNTER_ZEROED || t == PROTO_EV_COUNTER_DECREASED;
		if (!counter && t != PROTO_EV_ADDRESS_CHANGED)
			continue;
		if (jv_int(e, "addr", true, 0, 1, PROTO_ADDR_MAX, &addr, err) ||
		    (counter && (jv_int(e, "ch", true, 0, 1, PROTO_CH_MAX, &ch, err) ||
				 telemetry_counter_fields(e, &from, err))) ||
		    (t == PROTO_EV_ADDRESS_CHANGED &&
		     jv_int(e, "from", true, 0, 1, PROTO_ADDR_MAX, &from, err))) {
			char m[sizeof err->msg];

			memcpy(m, err->msg, sizeof m);
			return jv_fail(err, "events[%zu].%.180s", i, m);
		}
		if (counter) {
			telemetry_counter_add(c, (unsigned)addr, (unsigned)ch, from);
			b->counters[b->ncounters++] = (struct batch_counter){
				BATCH_CHAN(addr, ch), t == PROTO_EV_COUNTER_ZEROED, from
			};
		} else if (from != addr)
			b->moves[b->nmoves++] = (struct batch_move){ (uint8_t)from, (uint8_t)addr };
	}
	return AMR_OK;
}

/* The batch's own fields, as read from the head of either path. */
struct head {
	long long obj, seq, prev, ts, rx;
	json_t *events; /* borrowed, NULL when absent */
};

/*
 * The rules of the top-level fields. readings is NULL on the streaming path
 * (which read them as rows); otherwise the array is checked in its place
 * and returned in *readings. ts is judged as ingest judged it, by ingest's
 * clock when it received the batch (rx), which is not ahead of ours: a
 * batch the archive reads late (it was down, the broker kept the batch)
 * is as good as when it came.
 */
static int check_head(const json_t *root, const struct batch_clock *clk, unsigned topic_obj,
		      json_t **readings, struct head *h, struct jv_err *err)
{
	if (jv_int(root, "obj", true, 0, 1, PROTO_OBJ_MAX, &h->obj, err))
		return AMR_EINVAL;
	if (topic_obj && (unsigned)h->obj != topic_obj)
		return jv_fail(err, "obj: %lld does not match the topic's object %u", h->obj,
			       topic_obj);
	if (telemetry_seq(root, &h->seq, &h->prev, err) ||
	    jv_int(root, "rx", true, 0, 0, PROTO_SEQ_MAX, &h->rx, err))
		return AMR_EINVAL;
	if (h->rx > clk->now + clk->window.ahead_s)
		return jv_fail(err,
			       "rx: %lld is %lld s ahead of the archive's clock (limit %lld s)",
			       h->rx, h->rx - (long long)clk->now, (long long)clk->window.ahead_s);
	if (telemetry_ts(root, "", &clk->window, h->rx, &h->ts, err) ||
	    (readings && jv_array(root, "readings", false, BATCH_MAX_READINGS, readings, err)) ||
	    jv_array(root, "events", false, BATCH_MAX_EVENTS, &h->events, err))
		return AMR_EINVAL;
	return AMR_OK;
}

/* The rules between the readings r[0..n) and the rest of the batch, once
 * the events have noted their counters in c (lib/telemetry.h). */
static int check_readings(const struct telemetry_reading *r, size_t n, struct telemetry_chans *c,
			  struct jv_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (telemetry_reading_check(c, &r[i], i, err))
			return AMR_EINVAL;
	return AMR_OK;
}

/* A new batch with h's fields and the readings r[0..n) (ownership taken,
 * freed on failure). */
static int new_batch(const struct head *h, struct batch_reading *r, size_t n, struct batch **out)
{
	struct batch *b = calloc(1, sizeof *b);

	if (!b) {
		free(r);
		return AMR_ENOMEM;
	}
	b->obj = (uint16_t)h->obj;
	b->seq = (uint64_t)h->seq;
	b->has_prev = h->prev >= 0;
	b->prev = b->has_prev ? (uint64_t)h->prev : 0;
	b->ts = h->ts;
	b->rx = h->rx;
	b->r = r;
	b->n = n;
	*out = b;
	return AMR_OK;
}

static int parse_tree(const char *text, size_t len, const struct batch_clock *clk,
		      unsigned topic_obj, struct batch **out, struct jv_err *err)
{
	json_t *root, *readings, *e;
	struct telemetry_reading *t = NULL;
	struct telemetry_chans c;
	struct batch_reading *r;
	struct batch *b = NULL;
	struct head h;
	int rc = AMR_EINVAL;
	size_t i;

	telemetry_chans_init(&c);
	root = jv_parse_object(text, len, err);
	if (!root)
		return AMR_EINVAL;
	if (check_head(root, clk, topic_obj, &readings, &h, err))
		goto out_free_json;
	rc = AMR_ENOMEM;
	if (!(t = calloc(json_array_size(readings) + 1, sizeof *t)) ||
	    !(r = calloc(json_array_size(readings) + 1, sizeof *r)) ||
	    new_batch(&h, r, json_array_size(readings), &b))
		goto out_free_json;
	json_array_foreach(readings, i, e) {
		if ((rc = telemetry_reading_tree(e, i, &t[i], err)))
			goto out_free_batch;
		set_reading(&b->r[i], &t[i]);
	}
	if ((rc = parse_events(h.events, b, &c, err)) || (rc = check_readings(t, b->n, &c, err)))
		goto out_free_batch;
	free(t);
	json_decref(root);
	*out = b;
	return AMR_OK;

out_free_batch:
	batch_free(b);
out_free_json:
	free(t);
	json_decref(root);
	return rc;
}

/* Rows of the streaming path, checked against the bounds as they come;
 * the rules between them wait for the events. */
struct rows {
	struct telemetry_reading *t; /* realloc'd */
	size_t cap;
};

static int on_row(void *ctx, size_t i, const long long *v, unsigned present)
{
	struct rows *rs = ctx;

	/* jflat has checked telemetry_reading_bounds */
	if (i >= BATCH_MAX_READINGS)
		return -1;
	if (i == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 256;
		struct telemetry_reading *nt = realloc(rs->t, cap * sizeof *nt);

		if (!nt)
			return -1;
		rs->t = nt;
		rs->cap = cap;
	}
	telemetry_reading_row(&rs->t[i], v, present);
	return 0;
}

/* The streaming path: AMR_OK, or nonzero and nothing built (the tree path
 * then decides and explains). */
static int parse_fast(const char *text, size_t len, const struct batch_clock *clk,
		      unsigned topic_obj, struct batch **out)
{
	struct rows rs = { 0 };
	const struct jflat_rows rows = { "readings", telemetry_reading_fields,
					 telemetry_reading_bounds, on_row, &rs };
	struct telemetry_chans c;
	struct batch_reading *r;
	struct jv_err err;
	struct jflat_out jo;
	struct batch *b;
	struct head h;
	int rc;

	telemetry_chans_init(&c);
	if ((rc = jflat_read(text, len, &rows, &jo))) {
		free(rs.t);
		return rc;
	}
	/* readings may be absent (ingest's contract, docs/ingest.md): no
	 * readings; keep b->r a valid pointer when there are none */
	if (check_head(jo.head, clk, topic_obj, NULL, &h, &err)) {
		rc = AMR_EINVAL;
		goto out_free_head;
	}
	if (!(r = calloc(jo.nrows + 1, sizeof *r))) {
		rc = AMR_ENOMEM;
		goto out_free_head;
	}
	for (size_t i = 0; i < jo.nrows; i++)
		set_reading(&r[i], &rs.t[i]);
	if ((rc = new_batch(&h, r, jo.nrows, &b)))
		goto out_free_head;
	if ((rc = parse_events(h.events, b, &c, &err)) ||
	    (rc = check_readings(rs.t, jo.nrows, &c, &err))) {
		batch_free(b);
		goto out_free_head;
	}
	*out = b;
out_free_head:
	free(rs.t);
	json_decref(jo.head);
	return rc;
}

amr_err batch_parse(const char *text, size_t len, const struct batch_clock *clk, unsigned topic_obj,
		    struct batch **out, struct jv_err *err)
{
	if (parse_fast(text, len, clk, topic_obj, out) == AMR_OK)
		return AMR_OK;
	return parse_tree(text, len, clk, topic_obj, out, err);
}
