#include <string.h>

#include "upbatch.h"
#include "err.h"
#include "log.h"

json_t *upbatch_new(int64_t ts)
{
	/* "seq" first, as people read it; the spool sets its value. */
	return json_pack("{s:I,s:I,s:I,s:[],s:[],s:[]}", "seq", (json_int_t)0, "prev",
			 (json_int_t)0, "ts", (json_int_t)ts, "readings", "devices", "events");
}

int upbatch_add_reading(json_t *b, unsigned addr, unsigned ch, uint32_t total, uint64_t delta,
			uint32_t period_ms)
{
	json_t *r = json_pack("{s:i,s:i,s:I,s:I,s:I}", "addr", (int)addr, "ch", (int)ch, "total",
			      (json_int_t)total, "delta", (json_int_t)delta, "period_ms",
			      (json_int_t)period_ms);

	if (!r || json_array_append_new(json_object_get(b, "readings"), r) != 0)
		return AMR_ENOMEM;
	return AMR_OK;
}

int upbatch_add_device(json_t *b, unsigned addr, bool ok, bool mains, unsigned batt_mv,
		       const uint8_t outputs[4])
{
	json_t *d = ok ? json_pack("{s:i,s:b,s:b,s:i}", "addr", (int)addr, "ok", 1, "mains", mains,
				   "batt_mv", (int)batt_mv)
		       : json_pack("{s:i,s:b}", "addr", (int)addr, "ok", 0);

	if (d && ok && outputs &&
	    json_object_set_new(d, "outputs",
				json_pack("[i,i,i,i]", outputs[0] != 0, outputs[1] != 0,
					  outputs[2] != 0, outputs[3] != 0)) != 0)
		goto out_free;
	if (!d || json_array_append_new(json_object_get(b, "devices"), d) != 0)
		return AMR_ENOMEM;
	return AMR_OK;

out_free:
	json_decref(d);
	return AMR_ENOMEM;
}

int upbatch_add_event(json_t *b, json_t *ev)
{
	if (!ev || json_array_append_new(json_object_get(b, "events"), ev) != 0)
		return AMR_ENOMEM;
	return AMR_OK;
}

bool upbatch_empty(const json_t *b)
{
	return json_array_size(json_object_get(b, "readings")) == 0 &&
	       json_array_size(json_object_get(b, "devices")) == 0 &&
	       json_array_size(json_object_get(b, "events")) == 0;
}

static long long geti(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* Index of the element of arr with the same addr (and ch when bych). */
static long find(const json_t *arr, const json_t *like, bool bych)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e) {
		if (geti(e, "addr") == geti(like, "addr") &&
		    (!bych || geti(e, "ch") == geti(like, "ch")))
			return (long)i;
	}
	return -1;
}

json_t *upbatch_merge(const json_t *older, const json_t *newer)
{
	json_t *m, *readings, *devices, *events, *e;
	json_t *nr = json_object_get(newer, "readings"), *nd = json_object_get(newer, "devices");
	json_t *ne = json_object_get(newer, "events");
	size_t i;

	if (!json_is_array(json_object_get(older, "readings")) || !json_is_array(nr) ||
	    !json_is_array(json_object_get(older, "devices")) || !json_is_array(nd) ||
	    !json_is_array(json_object_get(older, "events")) || !json_is_array(ne))
		return NULL;
	m = json_deep_copy(older);
	if (!m)
		return NULL;
	readings = json_object_get(m, "readings");
	devices = json_object_get(m, "devices");
	events = json_object_get(m, "events");
	json_array_foreach(nr, i, e) {
		long at = find(readings, e, true);
		json_t *copy = json_deep_copy(e);

		if (!copy)
			goto out_fail;
		if (at >= 0) {
			long long sum = geti(json_array_get(readings, (size_t)at), "delta") +
					geti(e, "delta");

			if (json_object_set_new(copy, "delta", json_integer(sum)) != 0 ||
			    json_array_set_new(readings, (size_t)at, copy) != 0)
				goto out_fail;
		} else if (json_array_append_new(readings, copy) != 0) {
			goto out_fail;
		}
	}
	json_array_foreach(nd, i, e) {
		long at = find(devices, e, false);
		json_t *copy = json_deep_copy(e);

		if (!copy)
			goto out_fail;
		if ((at >= 0 ? json_array_set_new(devices, (size_t)at, copy)
			     : json_array_append_new(devices, copy)) != 0)
			goto out_fail;
	}
	json_array_foreach(ne, i, e) {
		if (json_array_append(events, e) != 0)
			goto out_fail;
	}
	if (json_array_size(events) > UPBATCH_MAX_EVENTS) {
		size_t drop = json_array_size(events) - UPBATCH_MAX_EVENTS;

		log_warn("spool: merged batch keeps the newest %d events, %zu older dropped",
			 UPBATCH_MAX_EVENTS, drop);
		while (drop--)
			json_array_remove(events, 0);
	}
	if (json_object_set(m, "ts", json_object_get(newer, "ts")) != 0)
		goto out_fail;
	if (json_object_get(newer, "seq") &&
	    json_object_set(m, "seq", json_object_get(newer, "seq")) != 0)
		goto out_fail;
	return m;

out_fail:
	json_decref(m);
	return NULL;
}
