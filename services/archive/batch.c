#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "err.h"

void batch_free(struct batch *b)
{
	if (!b)
		return;
	free(b->r);
	free(b->zeroed);
	free(b);
}

int batch_zeroed(const struct batch *b, uint16_t chan)
{
	for (size_t i = 0; i < b->nzeroed; i++)
		if (b->zeroed[i] == chan)
			return 1;
	return 0;
}

static int parse_reading(const json_t *j, size_t i, struct batch_reading *r,
			 struct jv_err *err)
{
	long long addr, ch, total, delta, period;

	if (!json_is_object(j))
		return jv_fail(err, "readings[%zu]: expected an object", i);
	if (jv_int(j, "addr", true, 0, 1, 255, &addr, err) ||
	    jv_int(j, "ch", true, 0, 1, 255, &ch, err) ||
	    jv_int(j, "total", true, 0, 0, UINT32_MAX, &total, err) ||
	    jv_int(j, "delta", true, 0, 0, UINT32_MAX, &delta, err) ||
	    jv_int(j, "period_ms", false, 0, 0, UINT32_MAX, &period, err)) {
		char m[sizeof err->msg];

		memcpy(m, err->msg, sizeof m);
		return jv_fail(err, "readings[%zu].%.180s", i, m);
	}
	r->chan = BATCH_CHAN(addr, ch);
	r->total = (uint32_t)total;
	r->delta = (uint32_t)delta;
	r->period_ms = (uint32_t)period;
	return AMR_OK;
}

static int parse_events(const json_t *events, struct batch *b, struct jv_err *err)
{
	size_t i;
	json_t *e;

	if (!events)
		return AMR_OK;
	b->zeroed = calloc(json_array_size(events) + 1, sizeof *b->zeroed);
	if (!b->zeroed)
		return AMR_ENOMEM;
	json_array_foreach(events, i, e) {
		const char *type;
		long long addr, ch;

		if (!json_is_object(e))
			return jv_fail(err, "events[%zu]: expected an object", i);
		if (jv_str(e, "type", true, NULL, 1, 64, &type, err))
			return jv_fail(err, "events[%zu].type: missing or not a string", i);
		if (strcmp(type, "counter_zeroed") != 0)
			continue;
		if (jv_int(e, "addr", true, 0, 1, 255, &addr, err) ||
		    jv_int(e, "ch", true, 0, 1, 255, &ch, err)) {
			char m[sizeof err->msg];

			memcpy(m, err->msg, sizeof m);
			return jv_fail(err, "events[%zu].%.180s", i, m);
		}
		b->zeroed[b->nzeroed++] = BATCH_CHAN(addr, ch);
	}
	return AMR_OK;
}

int batch_parse(const char *text, size_t len, unsigned topic_obj, struct batch **out,
		struct jv_err *err)
{
	long long obj, seq, prev, ts, rx;
	json_t *root, *readings, *events, *e;
	struct batch *b = NULL;
	int rc = AMR_EINVAL;
	size_t i;

	root = jv_parse_object(text, len, err);
	if (!root)
		return AMR_EINVAL;
	if (jv_int(root, "obj", true, 0, 1, 65000, &obj, err) ||
	    jv_int(root, "seq", true, 0, 0, INT64_MAX, &seq, err) ||
	    jv_int(root, "ts", true, 0, 1, UINT32_MAX, &ts, err) ||
	    jv_int(root, "rx", false, 0, 0, UINT32_MAX, &rx, err) ||
	    jv_array(root, "readings", true, BATCH_MAX_READINGS, &readings, err) ||
	    jv_array(root, "events", false, BATCH_MAX_EVENTS, &events, err))
		goto out_free_json;
	/* prev names an earlier batch: below seq (absent from older gateways) */
	if (jv_int(root, "prev", false, -1, 0, seq - 1, &prev, err))
		goto out_free_json;
	if (topic_obj && (unsigned)obj != topic_obj) {
		jv_fail(err, "obj: %lld does not match the topic's object %u", obj, topic_obj);
		goto out_free_json;
	}
	rc = AMR_ENOMEM;
	if (!(b = calloc(1, sizeof *b)) ||
	    !(b->r = calloc(json_array_size(readings) + 1, sizeof *b->r)))
		goto out_free_batch;
	b->obj = (uint16_t)obj;
	b->seq = (uint64_t)seq;
	b->has_prev = prev >= 0;
	b->prev = b->has_prev ? (uint64_t)prev : 0;
	b->ts = ts;
	b->rx = rx;
	json_array_foreach(readings, i, e) {
		if ((rc = parse_reading(e, i, &b->r[i], err)))
			goto out_free_batch;
	}
	b->n = json_array_size(readings);
	if ((rc = parse_events(events, b, err)))
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
