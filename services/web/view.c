#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "proto.h"
#include "utf8.h"
#include "view_int.h"

amr_err view_create(view **out, const struct view_opts *o)
{
	view *v = calloc(1, sizeof *v);

	if (!v)
		return AMR_ENOMEM;
	v->o = *o;
	if (!v->o.max_events)
		v->o.max_events = 1;
	if (!(v->events = calloc(v->o.max_events, sizeof *v->events))) {
		free(v);
		return AMR_ENOMEM;
	}
	*out = v;
	return AMR_OK;
}

static void free_obj(struct vobj *o)
{
	for (unsigned a = 0; a < VIEW_ADDRS; a++) {
		for (unsigned c = 0; c < VIEW_CHS; c++)
			free(o->ch[a][c]);
		free(o->dev[a].outl);
	}
	json_decref(o->lcd);
	json_decref(o->alarms);
	free(o);
}

void view_destroy(view *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nobjs; i++)
		free_obj(v->objs[i]);
	for (size_t i = 0; i < v->o.max_events; i++)
		json_decref(v->events[i]);
	free(v->events);
	free(v->objs);
	free(v);
}

size_t view_nobjects(const view *v)
{
	return v->nobjs;
}

/* Index of the first object >= obj. */
static size_t lower_bound(const view *v, unsigned obj)
{
	size_t lo = 0, hi = v->nobjs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v->objs[mid]->obj < obj)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct vobj *view__find(const view *v, unsigned obj)
{
	size_t i = lower_bound(v, obj);

	return i < v->nobjs && v->objs[i]->obj == obj ? v->objs[i] : NULL;
}

/* The object, created on first sight; NULL when out of memory or obj is
 * out of range. */
struct vobj *view__get(view *v, unsigned obj)
{
	struct vobj *o = view__find(v, obj);
	size_t i;

	if (o || !proto_obj_ok(obj))
		return o;
	if (v->nobjs == v->capobjs) {
		size_t cap = v->capobjs ? v->capobjs * 2 : 16;
		struct vobj **p = realloc(v->objs, cap * sizeof *p);

		if (!p)
			return NULL;
		v->objs = p;
		v->capobjs = cap;
	}
	if (!(o = calloc(1, sizeof *o)))
		return NULL;
	o->obj = obj;
	o->spool_capacity = -1;
	for (unsigned a = 0; a < VIEW_ADDRS; a++) {
		o->dev[a].mains = -1;
		o->dev[a].batt_mv = -1;
		memset(o->dev[a].out, -1, sizeof o->dev[a].out);
	}
	i = lower_bound(v, obj);
	memmove(&v->objs[i + 1], &v->objs[i], (v->nobjs - i) * sizeof *v->objs);
	v->objs[i] = o;
	v->nobjs++;
	return o;
}

static struct vchan *get_chan(struct vobj *o, long long addr, long long ch)
{
	struct vchan **slot;

	if (addr < 1 || addr > VIEW_ADDRS || ch < 1 || ch > VIEW_CHS)
		return NULL;
	slot = &o->ch[addr - 1][ch - 1];
	if (!*slot && (*slot = calloc(1, sizeof **slot)))
		qty_conv_default(&(*slot)->conv);
	return *slot;
}

static long long int_of(const json_t *obj, const char *field, long long def)
{
	json_t *v = json_object_get(obj, field);

	return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

static void copy_str(char *dst, size_t size, const json_t *obj, const char *field)
{
	const char *s = json_string_value(json_object_get(obj, field));

	if (s)
		snprintf(dst, size, "%s", s);
}

json_t *view_on_gw_status(view *v, unsigned obj, const json_t *st, int64_t now)
{
	struct vobj *o = view__get(v, obj);
	json_t *on, *devs, *spool;

	if (!o)
		return NULL;
	on = json_object_get(st, "online");
	if (!json_is_boolean(on)) {
		o->status_known = false;
	} else {
		if (!o->status_known || o->online != json_is_true(on))
			o->status_ts = now;
		o->status_known = true;
		o->online = json_is_true(on);
		copy_str(o->fw, sizeof o->fw, st, "fw");
		copy_str(o->ip, sizeof o->ip, st, "ip");
		if ((devs = json_object_get(st, "devices"))) {
			o->polled = int_of(devs, "polled", o->polled);
			o->responding = int_of(devs, "responding", o->responding);
		}
		if ((spool = json_object_get(st, "spool"))) {
			o->spool_pending = int_of(spool, "pending", o->spool_pending);
			o->spool_capacity = int_of(spool, "capacity", o->spool_capacity);
		}
		if (json_is_array(json_object_get(st, "lcd"))) {
			json_decref(o->lcd);
			o->lcd = json_deep_copy(json_object_get(st, "lcd"));
		}
	}
	if (o->retired)
		return NULL; /* kept, not shown */
	return json_pack("{s:o*}", "object", view__obj_summary(v, o, now));
}

static void device_state(struct vdev *d, bool ok, int mains, int64_t ts)
{
	if (!d->seen || d->ok != ok || (ok && d->mains != mains))
		d->since = ts;
	d->seen = true;
	d->ok = ok;
	if (ok)
		d->mains = mains;
	d->ts = ts;
}

/*
 * The "outputs" of a responding device's entry in a batch of gateway time
 * ts: the coils as the gateway last read them. Each output takes it unless
 * a state with a later time was applied (a resent older batch, or an event
 * or command newer than the batch). A malformed array changes nothing.
 */
static void output_snapshot(struct vdev *d, const json_t *outs, int64_t ts)
{
	long long val[VIEW_OUTS];

	if (json_array_size(outs) != VIEW_OUTS)
		return;
	for (unsigned k = 0; k < VIEW_OUTS; k++) {
		json_t *e = json_array_get(outs, k);

		val[k] = json_is_integer(e) ? (long long)json_integer_value(e) : -1;
		if (val[k] != 0 && val[k] != 1)
			return;
	}
	for (unsigned k = 0; k < VIEW_OUTS; k++) {
		if (ts < d->out_ev_ts[k])
			continue;
		d->out[k] = (int8_t)val[k];
		d->out_ts[k] = ts;
		d->out_ev_ts[k] = ts;
	}
}

json_t *view_on_readings(view *v, unsigned obj, const json_t *batch, int64_t now)
{
	struct vobj *o = view__get(v, obj);
	json_t *up, *chans, *devs, *e;
	long long ts = int_of(batch, "ts", 0);
	size_t i;

	if (!o || ts <= 0 ||
	    !(up = json_pack("{s:i, s:I, s:[], s:[]}", "obj", (int)obj, "ts", (json_int_t)ts,
			     "channels", "devices")))
		return NULL;
	chans = json_object_get(up, "channels");
	devs = json_object_get(up, "devices");
	o->last_rx = int_of(batch, "rx", now);
	o->last_ts = ts;
	o->last_seq = int_of(batch, "seq", o->last_seq);
	json_array_foreach(json_object_get(batch, "readings"), i, e) {
		long long addr = int_of(e, "addr", 0), ch = int_of(e, "ch", 0);
		long long total = int_of(e, "total", -1), delta = int_of(e, "delta", 0);
		struct vchan *c = get_chan(o, addr, ch);

		if (!c || total < 0 || total > UINT32_MAX)
			continue;
		if (c->has_value && ts < c->ts)
			continue; /* a resent old batch says nothing new */
		if (!c->has_value || delta > 0 || (uint32_t)total != c->total)
			c->moved_ts = ts;
		c->has_value = true;
		c->total = (uint32_t)total;
		c->period_ms = (uint32_t)int_of(e, "period_ms", c->period_ms);
		c->ts = ts;
		if (!o->dev[addr - 1].retired)
			json_array_append_new(
				chans, view__chan_json(v, o, (unsigned)addr, (unsigned)ch, now));
	}
	json_array_foreach(json_object_get(batch, "devices"), i, e) {
		long long addr = int_of(e, "addr", 0);
		json_t *mains = json_object_get(e, "mains");
		struct vdev *d;

		if (addr < 1 || addr > VIEW_ADDRS)
			continue;
		d = &o->dev[addr - 1];
		device_state(d, json_is_true(json_object_get(e, "ok")),
			     json_is_boolean(mains) ? json_is_true(mains) : d->mains, ts);
		d->batt_mv = (int)int_of(e, "batt_mv", d->batt_mv);
		/* a silent device (outputs released on battery) keeps the state
		 * it will drive again with mains */
		if (d->ok)
			output_snapshot(d, json_object_get(e, "outputs"), ts);
		if (!d->retired)
			json_array_append_new(devs, view__dev_json(o, (unsigned)addr));
	}
	if (o->retired) {
		json_decref(up); /* kept, not shown */
		return NULL;
	}
	json_object_set_new(up, "object", view__obj_summary(v, o, now));
	return up;
}

static void remember_event(view *v, json_t *ev)
{
	json_decref(v->events[v->ev_head]);
	v->events[v->ev_head] = json_incref(ev);
	v->ev_head = (v->ev_head + 1) % v->o.max_events;
	if (v->ev_count < v->o.max_events)
		v->ev_count++;
}

/* The out and blocked of an output_changed event: in its detail (as ingest
 * normalises it) or at the top (as the gateway sends it). Returns 0 or -1. */
static int output_of(const json_t *ev, long long *out, bool *blocked)
{
	const json_t *src = json_object_get(ev, "detail");
	json_t *b;

	if (!json_is_boolean(json_object_get(src, "blocked")))
		src = ev;
	b = json_object_get(src, "blocked");
	*out = int_of(src, "out", 0);
	if (!json_is_boolean(b) || *out < 1 || *out > VIEW_OUTS)
		return -1;
	*blocked = json_is_true(b);
	return 0;
}

static void output_event(struct vdev *d, const json_t *ev, int64_t ts, int64_t now)
{
	long long out;
	bool blocked;

	if (output_of(ev, &out, &blocked) || ts < d->out_ev_ts[out - 1])
		return;
	d->out[out - 1] = blocked;
	d->out_ts[out - 1] = now;
	d->out_ev_ts[out - 1] = ts;
}

json_t *view_on_event(view *v, unsigned obj, const json_t *ev, int64_t now)
{
	enum proto_event type = proto_event_parse(json_string_value(json_object_get(ev, "type")));
	long long addr = int_of(ev, "addr", 0), ts = int_of(ev, "ts", now);
	struct vobj *o = view__get(v, obj);
	struct vdev *d = NULL;
	json_t *copy;

	struct vchan *c;

	if (!o || !json_is_string(json_object_get(ev, "type")))
		return NULL;
	if (proto_addr_ok(addr))
		d = &o->dev[addr - 1];
	switch (type) {
	case PROTO_EV_DEVICE_OFFLINE:
	case PROTO_EV_DEVICE_ONLINE:
		if (d)
			device_state(d, type == PROTO_EV_DEVICE_ONLINE, d->mains, ts);
		break;
	case PROTO_EV_MAINS_LOST:
		if (d)
			device_state(d, d->seen ? d->ok : true, 0, ts);
		break;
	case PROTO_EV_MAINS_RESTORED:
		if (d) {
			device_state(d, true, 1, ts);
			d->batt_low = false;
		}
		break;
	case PROTO_EV_BATTERY_LOW:
		if (d)
			d->batt_low = true;
		break;
	case PROTO_EV_OUTPUT_CHANGED:
		if (d)
			output_event(d, ev, ts, now);
		break;
	case PROTO_EV_COUNTER_QUARANTINED:
		if ((c = get_chan(o, addr, int_of(ev, "ch", 0))))
			c->quarantined = true;
		break;
	case PROTO_EV_GATEWAY_ONLINE:
	case PROTO_EV_GATEWAY_OFFLINE:
		if (!o->status_known || o->online != (type == PROTO_EV_GATEWAY_ONLINE))
			o->status_ts = ts;
		o->status_known = true;
		o->online = type == PROTO_EV_GATEWAY_ONLINE;
		break;
	default:
		break;
	}
	if (!(copy = json_deep_copy(ev)))
		return NULL;
	json_object_set_new(copy, "obj", json_integer(obj));
	remember_event(v, copy);
	if (o->retired || (d && d->retired)) {
		json_decref(copy); /* kept, not shown */
		return NULL;
	}
	if (d)
		return json_pack("{s:o, s:o*, s:i, s:[o*]}", "event", copy, "object",
				 view__obj_summary(v, o, now), "obj", (int)obj, "devices",
				 view__dev_json(o, (unsigned)addr));
	return json_pack("{s:o, s:o*}", "event", copy, "object", view__obj_summary(v, o, now));
}

/* The device and output of a done block/unblock record; NULL otherwise. */
static struct vdev *command_output(view *v, const json_t *rec, unsigned *obj, unsigned *addr,
				   unsigned *out, bool *blocked)
{
	const char *cmd = json_string_value(json_object_get(rec, "cmd"));
	const char *state = json_string_value(json_object_get(rec, "state"));
	long long o = int_of(rec, "obj", 0), a = int_of(rec, "addr", 0), n = int_of(rec, "out", 0);
	struct vobj *vo;

	if (!cmd || !state || strcmp(state, "done") ||
	    !json_is_true(json_object_get(json_object_get(rec, "result"), "ok")) ||
	    (strcmp(cmd, "block") && strcmp(cmd, "unblock")) || !proto_obj_ok(o) || a < 1 ||
	    a > VIEW_ADDRS || n < 1 || n > VIEW_OUTS || !(vo = view__get(v, (unsigned)o)))
		return NULL;
	*obj = (unsigned)o;
	*addr = (unsigned)a;
	*out = (unsigned)n;
	*blocked = !strcmp(cmd, "block");
	return &vo->dev[a - 1];
}

json_t *view_on_command(view *v, const json_t *rec, int64_t now)
{
	unsigned obj, addr, out;
	long long finished;
	bool blocked;
	struct vdev *d = command_output(v, rec, &obj, &addr, &out, &blocked);

	if (!d)
		return NULL;
	d->out[out - 1] = blocked;
	d->out_ts[out - 1] = now;
	/* Newer than any batch or event before it: a batch made before the
	 * command but delivered after its answer does not turn it back. */
	finished = int_of(rec, "finished", now);
	if (finished > d->out_ev_ts[out - 1])
		d->out_ev_ts[out - 1] = finished;
	return json_pack("{s:i, s:[o*]}", "obj", (int)obj, "devices",
			 view__dev_json(view__find(v, obj), addr));
}

size_t view_on_commands(view *v, const json_t *result, int64_t now)
{
	size_t i, n = 0;
	json_t *rec;

	json_array_foreach(json_object_get(result, "commands"), i, rec) {
		unsigned obj, addr, out;
		bool blocked;
		struct vdev *d = command_output(v, rec, &obj, &addr, &out, &blocked);

		if (!d || d->out[out - 1] >= 0)
			continue; /* known, or a newer record was taken */
		d->out[out - 1] = blocked;
		d->out_ts[out - 1] = int_of(rec, "finished", now);
		d->out_ev_ts[out - 1] = d->out_ts[out - 1];
		n++;
	}
	return n;
}

json_t *view_on_svc_status(view *v, const char *name, const json_t *st, int64_t now)
{
	struct vsvc *s = NULL;

	for (size_t i = 0; i < v->nsvc && !s; i++)
		if (!strcmp(v->svc[i].name, name))
			s = &v->svc[i];
	if (!s && v->nsvc < VIEW_MAX_SVC) {
		s = &v->svc[v->nsvc++];
		snprintf(s->name, sizeof s->name, "%s", name);
	}
	if (!s || !json_is_boolean(json_object_get(st, "online")))
		return NULL;
	s->online = json_is_true(json_object_get(st, "online"));
	copy_str(s->version, sizeof s->version, st, "version");
	s->started = int_of(st, "started", s->started);
	s->seen = now;
	/* a status without "problem" clears it (docs/protocol.md) */
	s->problem[0] = '\0';
	copy_str(s->problem, sizeof s->problem, st, "problem");
	utf8_fix(s->problem);
	return json_pack("{s:{s:s, s:b, s:s, s:I, s:I, s:s}}", "service", "name", s->name, "online",
			 s->online, "version", s->version, "started", (json_int_t)s->started,
			 "seen", (json_int_t)s->seen, "problem", s->problem);
}

int view_service_online(const view *v, const char *name)
{
	for (size_t i = 0; i < v->nsvc; i++)
		if (!strcmp(v->svc[i].name, name))
			return v->svc[i].seen ? v->svc[i].online : -1;
	return -1;
}

void view_on_broker(view *v, const char *key, const char *value)
{
	if (!strcmp(key, "version"))
		snprintf(v->broker_version, sizeof v->broker_version, "%s", value);
	else if (!strcmp(key, "uptime"))
		snprintf(v->broker_uptime, sizeof v->broker_uptime, "%s", value);
	else if (!strcmp(key, "clients/connected"))
		snprintf(v->broker_clients, sizeof v->broker_clients, "%s", value);
}

/* "1", "1.5" or "1.5.1" into its parts (0 for absent ones). */
static int parse_id(const char *id, unsigned *obj, unsigned *addr, unsigned *ch)
{
	int n = 0;
	char tail;

	*obj = *addr = *ch = 0;
	if (!id || (n = sscanf(id, "%u.%u.%u%c", obj, addr, ch, &tail)) < 1 || n > 3)
		return AMR_EINVAL;
	if (!proto_obj_ok(*obj) || (n >= 2 && (*addr < 1 || *addr > VIEW_ADDRS)) ||
	    (n == 3 && (*ch < 1 || *ch > VIEW_CHS)))
		return AMR_EINVAL;
	return AMR_OK;
}

/* The "retired" of an object's or a device's record into *flag. */
static void set_retired(view *v, bool *flag, const json_t *rec)
{
	bool retired = json_is_true(json_object_get(rec, "retired"));

	if (retired != *flag)
		v->reload = true;
	*flag = retired;
}

/* Device addr of o (ch 0) or its channel ch as if never seen. */
static void forget(view *v, struct vobj *o, unsigned addr, unsigned ch)
{
	if (ch) {
		if (o->ch[addr - 1][ch - 1])
			v->reload = true;
		free(o->ch[addr - 1][ch - 1]);
		o->ch[addr - 1][ch - 1] = NULL;
		return;
	}
	if (o->dev[addr - 1].seen)
		v->reload = true;
	free(o->dev[addr - 1].outl);
	o->dev[addr - 1] = (struct vdev){ .mains = -1, .batt_mv = -1 };
	memset(o->dev[addr - 1].out, -1, sizeof o->dev[addr - 1].out);
}

bool view_take_reload(view *v)
{
	bool r = v->reload;

	v->reload = false;
	return r;
}

/* The "outputs" of a device's record ({"1":{"label","resource"},..}): the
 * labels replace those the device had; none left frees them. */
static void device_outputs(struct vdev *d, const json_t *outs)
{
	bool any = false;

	if (json_object_size(outs) && !d->outl)
		d->outl = calloc(VIEW_OUTS, sizeof *d->outl);
	for (unsigned k = 0; d->outl && k < VIEW_OUTS; k++) {
		char key[4];
		const json_t *e;
		const char *res;

		snprintf(key, sizeof key, "%u", k + 1);
		e = json_object_get(outs, key);
		d->outl[k].label[0] = d->outl[k].resource[0] = '\0';
		copy_str(d->outl[k].label, sizeof d->outl[k].label, e, "label");
		res = json_string_value(json_object_get(e, "resource"));
		if (res && strcmp(res, "unknown"))
			snprintf(d->outl[k].resource, sizeof d->outl[k].resource, "%s", res);
		any = any || d->outl[k].label[0] || d->outl[k].resource[0];
	}
	if (!any) {
		free(d->outl);
		d->outl = NULL;
	}
}

json_t *view_on_registry(view *v, const json_t *rec, int64_t now)
{
	unsigned obj, addr, ch;
	struct vobj *o;
	struct vchan *c;

	if (parse_id(json_string_value(json_object_get(rec, "id")), &obj, &addr, &ch) ||
	    !(o = view__get(v, obj)))
		return NULL;
	if (!addr) {
		copy_str(o->label, sizeof o->label, rec, "label");
		set_retired(v, &o->retired, rec);
		return NULL;
	}
	/* The device moved to another address (its records went along):
	 * nothing of it stays at this one. */
	if (json_is_string(json_object_get(rec, "moved_to"))) {
		forget(v, o, addr, ch);
		return NULL;
	}
	if (!ch) {
		struct vdev *d = &o->dev[addr - 1];

		copy_str(d->label, sizeof d->label, rec, "label");
		set_retired(v, &d->retired, rec);
		device_outputs(d, json_object_get(rec, "outputs"));
		if (d->retired)
			return NULL; /* no live updates of a retired device */
		return json_pack("{s:i, s:[o*]}", "obj", (int)obj, "devices",
				 view__dev_json(o, addr));
	}
	if (!(c = get_chan(o, addr, ch)))
		return NULL;
	c->reg = true;
	c->reg_asked = true;
	qty_conv_from_record(rec, &c->conv);
	copy_str(c->label, sizeof c->label, rec, "label");
	copy_str(c->resource, sizeof c->resource, rec, "resource");
	copy_str(c->serial, sizeof c->serial, rec, "serial");
	copy_str(c->due, sizeof c->due, rec, "verification_due");
	return json_pack("{s:i, s:[o*]}", "obj", (int)obj, "channels",
			 view__chan_json(v, o, addr, ch, now));
}

void view_on_latest(view *v, const json_t *result, int64_t now)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(result, "channels"), i, e) {
		unsigned obj, addr, ch;
		long long ts = int_of(e, "ts", 0);
		struct vobj *o;
		struct vchan *c;

		if (parse_id(json_string_value(json_object_get(e, "id")), &obj, &addr, &ch) ||
		    !ch || !(o = view__get(v, obj)) || !(c = get_chan(o, addr, ch)))
			continue;
		c->quarantined = json_is_true(json_object_get(e, "quarantined"));
		if (c->has_value && c->ts >= ts)
			continue;
		c->has_value = true;
		c->total = (uint32_t)int_of(e, "total", 0);
		c->period_ms = (uint32_t)int_of(e, "period_ms", 0);
		c->ts = ts;
		c->moved_ts = ts;
		if (ts > o->last_ts)
			o->last_ts = ts;
		if (ts > o->last_rx)
			o->last_rx = ts;
	}
	(void)now;
}

bool view_wants_registry(view *v, unsigned obj, unsigned addr, unsigned ch)
{
	struct vobj *o = view__find(v, obj);
	struct vchan *c;

	if (!o || addr < 1 || addr > VIEW_ADDRS || ch < 1 || ch > VIEW_CHS)
		return false;
	c = o->ch[addr - 1][ch - 1];
	if (!c || c->reg || c->reg_asked)
		return false;
	c->reg_asked = true;
	return true;
}
