#include <stdio.h>
#include <string.h>

#include "view_int.h"

static bool fresh(const view *v, int64_t ts, int64_t now)
{
	return ts > 0 && now - ts <= (int64_t)v->o.fresh_s;
}

/* The gateway said it is offline: what the view holds of its devices and
 * channels is what they were when it was last heard from, not live. */
static bool last_known(const struct vobj *o)
{
	return o->status_known && !o->online;
}

json_t *view__chan_json(const view *v, const struct vobj *o, unsigned addr, unsigned ch,
			int64_t now)
{
	const struct vchan *c = o->ch[addr - 1][ch - 1];
	char id[32], reading[QTY_MAX], rate[QTY_MAX];
	int64_t idle_ms;
	json_t *j;

	if (!c)
		return NULL;
	snprintf(id, sizeof id, "%u.%u.%u", o->obj, addr, ch);
	j = json_pack("{s:s, s:i, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:{s:I, s:I}}",
		      "id", id, "obj", (int)o->obj, "addr", (int)addr, "ch", (int)ch, "label",
		      c->label, "resource", c->resource[0] ? c->resource : "unknown", "unit",
		      c->conv.unit, "rate_unit", qty_rate_unit(c->conv.unit), "serial", c->serial,
		      "verification_due", c->due, "fresh", c->has_value && fresh(v, c->ts, now),
		      "quarantined", c->quarantined, "weight", "num", (json_int_t)c->conv.num,
		      "den", (json_int_t)c->conv.den);
	if (j && last_known(o))
		json_object_set_new(j, "last_known", json_true());
	if (!j || !c->has_value)
		return j;
	idle_ms = now > c->moved_ts ? (now - c->moved_ts) * 1000 : 0;
	json_object_set_new(j, "total", json_integer(c->total));
	/* null: the counter is below the one the initial reading belongs to */
	json_object_set_new(j, "reading",
			    qty_reading(&c->conv, c->total, reading) ? json_string(reading)
								     : json_null());
	json_object_set_new(j, "ts", json_integer(c->ts));
	json_object_set_new(j, "period_ms", json_integer(c->period_ms));
	if (qty_rate(&c->conv, c->period_ms, (uint64_t)idle_ms, rate))
		json_object_set_new(j, "rate", json_string(rate));
	return j;
}

/* [{"out":1,"state":"blocked"|"released"|"unknown","ts":T}, ...]: the last
 * state the web service learnt (a batch's "outputs", an output_changed
 * event or a done command); "unknown" (no ts) until then. */
static json_t *outputs_json(const struct vdev *d)
{
	json_t *arr = json_array();

	for (unsigned i = 0; arr && i < VIEW_OUTS; i++) {
		json_t *e = json_pack("{s:i, s:s}", "out", (int)i + 1, "state",
				      d->out[i] < 0 ? "unknown"
				      : d->out[i]   ? "blocked"
						    : "released");

		if (e && d->out[i] >= 0)
			json_object_set_new(e, "ts", json_integer(d->out_ts[i]));
		if (e && d->outl && d->outl[i].label[0])
			json_object_set_new(e, "label", json_string(d->outl[i].label));
		if (e && d->outl && d->outl[i].resource[0])
			json_object_set_new(e, "resource", json_string(d->outl[i].resource));
		json_array_append_new(arr, e);
	}
	return arr;
}

json_t *view__dev_json(const struct vobj *o, unsigned addr)
{
	const struct vdev *d = &o->dev[addr - 1];
	json_t *j = json_pack(
		"{s:i, s:b, s:s, s:b, s:I, s:I}", "addr", (int)addr, "ok", d->ok, "power",
		!d->ok || d->mains < 0 ? "unknown"
		: d->mains	       ? "mains"
				       : "battery",
		"battery_low", d->batt_low, "ts", (json_int_t)d->ts, "since", (json_int_t)d->since);

	if (j && d->batt_mv >= 0)
		json_object_set_new(j, "batt_mv", json_integer(d->batt_mv));
	if (j && d->label[0])
		json_object_set_new(j, "label", json_string(d->label));
	if (j)
		json_object_set_new(j, "outputs", outputs_json(d));
	if (j && last_known(o))
		json_object_set_new(j, "last_known", json_true());
	return j;
}

json_t *view__obj_summary(const view *v, const struct vobj *o, int64_t now)
{
	json_t *al = view__alarms_json(o);
	size_t nch = 0, ndev = 0, nok = 0;
	json_t *j;

	for (unsigned i = 0; i < VIEW_ADDRS; i++) {
		if (o->dev[i].retired)
			continue;
		ndev += o->dev[i].seen;
		nok += o->dev[i].seen && o->dev[i].ok;
		for (unsigned c = 0; c < VIEW_CHS; c++)
			nch += o->ch[i][c] != NULL;
	}
	j = json_pack("{s:i, s:s, s:o, s:s, s:s, s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I}, s:I, s:I, "
		      "s:I, s:b, s:I, s:i, s:o*}",
		      "obj", (int)o->obj, "label", o->label, "online",
		      o->status_known ? json_boolean(o->online) : json_null(), "fw", o->fw, "ip",
		      o->ip, "devices", "polled", (json_int_t)o->polled, "responding",
		      (json_int_t)o->responding, "seen", (json_int_t)ndev, "ok", (json_int_t)nok,
		      "spool", "pending", (json_int_t)o->spool_pending, "capacity",
		      (json_int_t)o->spool_capacity, "since", (json_int_t)o->status_ts, "last_rx",
		      (json_int_t)o->last_rx, "last_seq", (json_int_t)o->last_seq, "fresh",
		      fresh(v, o->last_rx, now), "age_s",
		      (json_int_t)(o->last_rx ? now - o->last_rx : -1), "channels", (int)nch,
		      "alarms", al);
	if (j && o->lcd)
		json_object_set(j, "lcd", o->lcd);
	if (j && o->retired)
		json_object_set_new(j, "retired", json_true());
	if (j && last_known(o))
		json_object_set_new(j, "last_known", json_true());
	return j;
}

json_t *view_objects_json(view *v, int64_t now)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < v->nobjs; i++)
		if (!v->objs[i]->retired)
			json_array_append_new(arr, view__obj_summary(v, v->objs[i], now));
	return arr ? json_pack("{s:o}", "objects", arr) : NULL;
}

json_t *view_object_json(view *v, unsigned obj, int64_t now)
{
	struct vobj *o = view__find(v, obj);
	json_t *j, *devs, *chans;

	if (!o)
		return NULL;
	j = json_pack("{s:o*, s:[], s:[]}", "object", view__obj_summary(v, o, now), "devices",
		      "channels");
	if (!j)
		return NULL;
	devs = json_object_get(j, "devices");
	chans = json_object_get(j, "channels");
	for (unsigned a = 1; a <= VIEW_ADDRS; a++) {
		bool any = o->dev[a - 1].seen;

		if (o->dev[a - 1].retired)
			continue;
		for (unsigned k = 0; k < VIEW_OUTS; k++)
			any = any || o->dev[a - 1].out[k] >= 0;

		for (unsigned c = 1; c <= VIEW_CHS; c++) {
			if (o->ch[a - 1][c - 1]) {
				any = true;
				json_array_append_new(chans, view__chan_json(v, o, a, c, now));
			}
		}
		if (any)
			json_array_append_new(devs, view__dev_json(o, a));
	}
	json_object_set_new(j, "events", view_events_json(v, obj, 50));
	return j;
}

json_t *view_channels_json(view *v, unsigned obj, int64_t now)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < v->nobjs; i++) {
		struct vobj *o = v->objs[i];

		if ((obj && o->obj != obj) || o->retired)
			continue;
		for (unsigned a = 1; a <= VIEW_ADDRS; a++)
			for (unsigned c = 1; c <= VIEW_CHS; c++)
				if (o->ch[a - 1][c - 1] && !o->dev[a - 1].retired)
					json_array_append_new(arr,
							      view__chan_json(v, o, a, c, now));
	}
	return arr ? json_pack("{s:o}", "channels", arr) : NULL;
}

json_t *view_events_json(view *v, unsigned obj, size_t limit)
{
	json_t *arr = json_array();

	for (size_t k = 0; arr && k < v->ev_count && json_array_size(arr) < limit; k++) {
		size_t i = (v->ev_head + v->o.max_events - 1 - k) % v->o.max_events;
		json_t *e = v->events[i];
		json_int_t eo = json_integer_value(json_object_get(e, "obj"));
		json_int_t ea = json_integer_value(json_object_get(e, "addr"));
		const struct vobj *o = view__find(v, (unsigned)eo);

		/* nothing of a retired object or device */
		if (o && (o->retired || (ea >= 1 && ea <= VIEW_ADDRS && o->dev[ea - 1].retired)))
			continue;
		if (!obj || eo == (json_int_t)obj)
			json_array_append(arr, e);
	}
	return arr;
}

json_t *view_services_json(view *v, bool broker_connected, int64_t now)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < v->nsvc; i++) {
		const struct vsvc *s = &v->svc[i];

		json_array_append_new(arr,
				      json_pack("{s:s, s:b, s:s, s:I, s:I, s:s}", "name", s->name,
						"online", s->online, "version", s->version,
						"started", (json_int_t)s->started, "seen",
						(json_int_t)s->seen, "problem", s->problem));
	}
	return json_pack("{s:o*, s:{s:b, s:s, s:s, s:s}, s:I}", "services", arr, "broker",
			 "connected", broker_connected, "version", v->broker_version, "uptime",
			 v->broker_uptime, "clients", v->broker_clients, "now", (json_int_t)now);
}
