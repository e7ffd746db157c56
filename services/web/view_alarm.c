/*
 * view_alarm.c - amr-notify's open alarms in the view (docs/notify.md,
 * "On the broker"): each retained amr/v1/alarms/{id} is kept with its
 * object until a message with "state":"cleared" or an empty retained one
 * removes it. The view derives no alarm of its own: notify is the one
 * alarm engine.
 */
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "view_int.h"

/* Index of alarm id in o's list, or -1. */
static ssize_t find_alarm(const struct vobj *o, uint32_t id)
{
	size_t i;
	json_t *e;

	json_array_foreach(o->alarms, i, e)
		if (json_integer_value(json_object_get(e, "id")) == (json_int_t)id)
			return (ssize_t)i;
	return -1;
}

/* The part of a member of rec in lo..hi, or -1 (absent, not an integer,
 * out of range). */
static long long part(const json_t *rec, const char *key, long long lo, long long hi)
{
	const json_t *v = json_object_get(rec, key);
	long long n = json_is_integer(v) ? (long long)json_integer_value(v) : -1;

	return n >= lo && n <= hi ? n : -1;
}

/*
 * The record as the view keeps it (new), or NULL when rec is not one of
 * alarm id (an absent "addr" or "ch" is 0): its notify-only "key" goes;
 * an "addr" or "ch" of 0 (an alarm of the gateway, of the UO-4) is left
 * out, so that it names the object or the device alone (scope_filter
 * reads "obj", "addr", "ch").
 */
static json_t *keep(uint32_t id, const json_t *rec)
{
	long long obj = part(rec, "obj", 1, PROTO_OBJ_MAX);
	long long addr = json_object_get(rec, "addr") ? part(rec, "addr", 0, VIEW_ADDRS) : 0;
	long long ch = json_object_get(rec, "ch") ? part(rec, "ch", 0, VIEW_CHS) : 0;
	json_t *k;

	if (part(rec, "id", id, id) < 0 || obj < 0 || addr < 0 || ch < 0 || (ch && !addr) ||
	    !json_is_string(json_object_get(rec, "state")) ||
	    !json_is_string(json_object_get(rec, "kind")) || !(k = json_deep_copy(rec)))
		return NULL;
	json_object_del(k, "key");
	if (!addr)
		json_object_del(k, "addr");
	if (!ch)
		json_object_del(k, "ch");
	if (!json_object_get(k, "ack"))
		json_object_set_new(k, "ack", json_null());
	return k;
}

/* True when the alarm kept as a is about a device o retired (or o is). */
static bool hidden(const struct vobj *o, const json_t *a)
{
	long long addr = part(a, "addr", 1, VIEW_ADDRS);

	return o->retired || (addr > 0 && o->dev[addr - 1].retired);
}

json_t *view__alarms_json(const struct vobj *o)
{
	json_t *arr = json_array();
	size_t i;
	json_t *e;

	json_array_foreach(o->alarms, i, e)
		if (arr && !hidden(o, e))
			json_array_append(arr, e);
	return arr;
}

/* The update of alarm a (taken) of o: {"obj","alarms":[a],"object"}. */
static json_t *update(const view *v, const struct vobj *o, json_t *a, int64_t now)
{
	if (hidden(o, a)) {
		json_decref(a);
		return NULL; /* kept, not shown */
	}
	return json_pack("{s:i, s:[o], s:o*}", "obj", (int)o->obj, "alarms", a, "object",
			 view__obj_summary(v, o, now));
}

json_t *view_on_alarm(view *v, uint32_t id, const json_t *rec, int64_t now)
{
	const char *state = json_string_value(json_object_get(rec, "state"));
	struct vobj *o = NULL;
	ssize_t at = -1;
	json_t *k, *gone;

	if (!json_object_size(rec) || (state && !strcmp(state, "cleared"))) {
		for (size_t i = 0; i < v->nobjs && at < 0; i++)
			if ((at = find_alarm(v->objs[i], id)) >= 0)
				o = v->objs[i];
		if (!o)
			return NULL; /* not open here: nothing changes */
		gone = json_incref(json_array_get(o->alarms, (size_t)at));
		json_array_remove(o->alarms, (size_t)at);
		k = json_object_size(rec) ? keep(id, rec) : NULL;
		if (!k && (k = json_deep_copy(gone)))
			json_object_set_new(k, "state", json_string("cleared"));
		json_decref(gone);
		return k ? update(v, o, k, now) : NULL;
	}
	if (!(k = keep(id, rec)) ||
	    !(o = view__get(v, (unsigned)part(rec, "obj", 1, PROTO_OBJ_MAX))) ||
	    (!o->alarms && !(o->alarms = json_array()))) {
		json_decref(k);
		return NULL;
	}
	if ((at = find_alarm(o, id)) >= 0)
		json_array_set(o->alarms, (size_t)at, k);
	else
		json_array_append(o->alarms, k);
	return update(v, o, k, now);
}

size_t view_open_alarms(const view *v)
{
	size_t n = 0;

	for (size_t i = 0; i < v->nobjs; i++)
		n += json_array_size(v->objs[i]->alarms);
	return n;
}

size_t view_forget_alarms(view *v)
{
	size_t n = 0;

	for (size_t i = 0; i < v->nobjs; i++) {
		n += json_array_size(v->objs[i]->alarms);
		json_decref(v->objs[i]->alarms);
		v->objs[i]->alarms = NULL;
	}
	return n;
}
