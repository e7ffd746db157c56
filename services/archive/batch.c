/*
 * batch.c - the canonical batch as a struct. Two ways in: a streaming read
 * (jflat: the readings as rows, no jansson value per field) for the batches
 * ingest sends, and the jansson tree for everything the streaming reader
 * declines. Only the tree path reports errors, so every message comes from
 * one place; both apply the same rules (the tables and check_head() below).
 */
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "err.h"
#include "jflat.h"
#include "proto.h"

void batch_free(struct batch *b)
{
	if (!b)
		return;
	free(b->r);
	free(b->zeroed);
	free(b->moves);
	free(b);
}

int batch_zeroed(const struct batch *b, uint16_t chan)
{
	for (size_t i = 0; i < b->nzeroed; i++)
		if (b->zeroed[i] == chan)
			return 1;
	return 0;
}

/* A reading's fields and their bounds, in the order they are checked. */
enum {
	R_ADDR,
	R_CH,
	R_TOTAL,
	R_DELTA,
	R_PERIOD,
	R_FIELDS
};
static const char *const reading_fields[R_FIELDS + 1] = { "addr",  "ch",	"total",
							  "delta", "period_ms", NULL };
static const struct jflat_bound reading_rules[R_FIELDS] = {
	[R_ADDR] = { true, 1, PROTO_ADDR_MAX }, [R_CH] = { true, 1, PROTO_CH_MAX },
	[R_TOTAL] = { true, 0, UINT32_MAX },	[R_DELTA] = { true, 0, UINT32_MAX },
	[R_PERIOD] = { false, 0, UINT32_MAX },
};

/* v holds a reading's checked fields (period_ms 0 when absent). */
static void set_reading(struct batch_reading *r, const long long *v)
{
	r->chan = BATCH_CHAN(v[R_ADDR], v[R_CH]);
	r->total = (uint32_t)v[R_TOTAL];
	r->delta = (uint32_t)v[R_DELTA];
	r->period_ms = (uint32_t)v[R_PERIOD];
}

static int parse_reading(const json_t *j, size_t i, struct batch_reading *r, struct jv_err *err)
{
	long long v[R_FIELDS];

	if (!json_is_object(j))
		return jv_fail(err, "readings[%zu]: expected an object", i);
	for (int f = 0; f < R_FIELDS; f++)
		if (jv_int(j, reading_fields[f], reading_rules[f].required, 0, reading_rules[f].min,
			   reading_rules[f].max, &v[f], err)) {
			char m[sizeof err->msg];

			memcpy(m, err->msg, sizeof m);
			return jv_fail(err, "readings[%zu].%.180s", i, m);
		}
	set_reading(r, v);
	return AMR_OK;
}
static int parse_events(const json_t *events, struct batch *b, struct jv_err *err)
{
	size_t i;
	json_t *e;

	if (!events)
		return AMR_OK;
	b->zeroed = calloc(json_array_size(events) + 1, sizeof *b->zeroed);
	b->moves = calloc(json_array_size(events) + 1, sizeof *b->moves);
	if (!b->zeroed || !b->moves)
		return AMR_ENOMEM;
	json_array_foreach(events, i, e) {
		const char *type;
		long long addr, ch, from;
		enum proto_event t;

		if (!json_is_object(e))
			return jv_fail(err, "events[%zu]: expected an object", i);
		if (jv_str(e, "type", true, NULL, 1, 64, &type, err))
			return jv_fail(err, "events[%zu].type: missing or not a string", i);
		t = proto_event_parse(type);
		if (t == PROTO_EV_OBJECT_CHANGED)
			b->obj_changed = true;
		if (t != PROTO_EV_COUNTER_ZEROED && t != PROTO_EV_ADDRESS_CHANGED)
			continue;
		if (jv_int(e, "addr", true, 0, 1, PROTO_ADDR_MAX, &addr, err) ||
		    (t == PROTO_EV_COUNTER_ZEROED &&
		     jv_int(e, "ch", true, 0, 1, PROTO_CH_MAX, &ch, err)) ||
		    (t == PROTO_EV_ADDRESS_CHANGED &&
		     jv_int(e, "from", true, 0, 1, PROTO_ADDR_MAX, &from, err))) {
			char m[sizeof err->msg];

			memcpy(m, err->msg, sizeof m);
			return jv_fail(err, "events[%zu].%.180s", i, m);
		}
		if (t == PROTO_EV_COUNTER_ZEROED)
			b->zeroed[b->nzeroed++] = BATCH_CHAN(addr, ch);
		else if (from != addr)
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
 * and returned in *readings.
 */
static int check_head(const json_t *root, unsigned topic_obj, json_t **readings, struct head *h,
		      struct jv_err *err)
{
	if (jv_int(root, "obj", true, 0, 1, PROTO_OBJ_MAX, &h->obj, err) ||
	    jv_int(root, "seq", true, 0, 0, INT64_MAX, &h->seq, err) ||
	    jv_int(root, "ts", true, 0, 1, UINT32_MAX, &h->ts, err) ||
	    jv_int(root, "rx", false, 0, 0, UINT32_MAX, &h->rx, err) ||
	    (readings && jv_array(root, "readings", false, BATCH_MAX_READINGS, readings, err)) ||
	    jv_array(root, "events", false, BATCH_MAX_EVENTS, &h->events, err))
		return AMR_EINVAL;
	/* prev names an earlier batch: below seq (absent from older gateways) */
	if (jv_int(root, "prev", false, -1, 0, h->seq - 1, &h->prev, err))
		return AMR_EINVAL;
	if (topic_obj && (unsigned)h->obj != topic_obj)
		return jv_fail(err, "obj: %lld does not match the topic's object %u", h->obj,
			       topic_obj);
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

static int parse_tree(const char *text, size_t len, unsigned topic_obj, struct batch **out,
		      struct jv_err *err)
{
	json_t *root, *readings, *e;
	struct batch_reading *r;
	struct batch *b = NULL;
	struct head h;
	int rc = AMR_EINVAL;
	size_t i;

	root = jv_parse_object(text, len, err);
	if (!root)
		return AMR_EINVAL;
	if (check_head(root, topic_obj, &readings, &h, err))
		goto out_free_json;
	rc = AMR_ENOMEM;
	if (!(r = calloc(json_array_size(readings) + 1, sizeof *r)) ||
	    new_batch(&h, r, json_array_size(readings), &b))
		goto out_free_json;
	json_array_foreach(readings, i, e) {
		if ((rc = parse_reading(e, i, &b->r[i], err)))
			goto out_free_batch;
	}
	if ((rc = parse_events(h.events, b, err)))
		goto out_free_batch;
	json_decref(root);
	*out = b;
	return AMR_OK;

out_free_batch:
	batch_free(b);
out_free_json:
	json_decref(root);
	return rc;
}

/* Rows of the streaming path, checked against reading_rules as they come. */
struct rows {
	struct batch_reading *r; /* realloc'd */
	size_t cap;
};

static int on_row(void *ctx, size_t i, const long long *v, unsigned present)
{
	struct rows *rs = ctx;
	long long val[R_FIELDS];

	/* jflat has checked reading_rules; an absent optional field is 0. */
	for (int f = 0; f < R_FIELDS; f++)
		val[f] = present & (1u << f) ? v[f] : 0;
	if (i >= BATCH_MAX_READINGS)
		return -1;
	if (i == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 256;
		struct batch_reading *nr = realloc(rs->r, cap * sizeof *nr);

		if (!nr)
			return -1;
		rs->r = nr;
		rs->cap = cap;
	}
	set_reading(&rs->r[i], val);
	return 0;
}

/* The streaming path: AMR_OK, or nonzero and nothing built (the tree path
 * then decides and explains). */
static int parse_fast(const char *text, size_t len, unsigned topic_obj, struct batch **out)
{
	struct rows rs = { 0 };
	const struct jflat_rows rows = { "readings", reading_fields, reading_rules, on_row, &rs };
	struct jv_err err;
	struct jflat_out jo;
	struct batch *b;
	struct head h;
	int rc;

	if ((rc = jflat_read(text, len, &rows, &jo))) {
		free(rs.r);
		return rc;
	}
	/* readings may be absent (ingest's contract, docs/ingest.md): no
	 * readings; keep b->r a valid pointer when there are none */
	if (check_head(jo.head, topic_obj, NULL, &h, &err) ||
	    (!rs.r && !(rs.r = calloc(1, sizeof *rs.r)))) {
		rc = AMR_EINVAL;
		free(rs.r);
		goto out_free_head;
	}
	if ((rc = new_batch(&h, rs.r, jo.nrows, &b)))
		goto out_free_head;
	if ((rc = parse_events(h.events, b, &err))) {
		batch_free(b);
		goto out_free_head;
	}
	*out = b;
out_free_head:
	json_decref(jo.head);
	return rc;
}

amr_err batch_parse(const char *text, size_t len, unsigned topic_obj, struct batch **out,
		    struct jv_err *err)
{
	if (parse_fast(text, len, topic_obj, out) == AMR_OK)
		return AMR_OK;
	return parse_tree(text, len, topic_obj, out, err);
}
