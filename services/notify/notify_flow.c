/*
 * notify_flow.c - the rules over the readings and the registry: each
 * channel's deltas of amr/v1/readings/{obj} fed to its flow state
 * (flow.h) with the parameters the rules give it (rulestore.h) in
 * pulses of its weight, raising and clearing leak, burst and stuck; and
 * the meters' verification dates looked at each time the registry is
 * read (docs/notify.md, "Rules").
 *
 * The flow states live in memory and, when a flowstore is given, in
 * LMDB too (flowstore.h): the states a batch or a tick changed are stored
 * after it, in one transaction, so a restart goes on where it stopped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "notify_int.h"
#include "weights.h"

#define BUCKETS	  4096	 /* of the channels' hash */
#define CHANS_MAX 200000 /* channels followed */

struct flow_chan {
	struct proto_id id;
	struct flow_state st;
	struct flow_chan *next;
	struct flow_chan *dnext; /* the next changed since the last store */
	bool dirty;
};

static size_t bucket(const struct proto_id *id)
{
	uint32_t k = ((uint32_t)id->obj << 16) | ((uint32_t)id->addr << 8) | id->ch;

	return (k * 2654435761u) % BUCKETS;
}

static struct flow_chan *chan_of(notify *n, const struct proto_id *id)
{
	size_t b = bucket(id);
	struct flow_chan *c;

	for (c = n->chans[b]; c; c = c->next)
		if (c->id.obj == id->obj && c->id.addr == id->addr && c->id.ch == id->ch)
			return c;
	if (n->nchans >= CHANS_MAX || !(c = calloc(1, sizeof *c)))
		return NULL;
	c->id = *id;
	c->next = n->chans[b];
	n->chans[b] = c;
	n->nchans++;
	return c;
}

/* The registry's record of id (borrowed, may be NULL). */
/* c changed: stored by the next flush. */
static void mark(notify *n, struct flow_chan *c)
{
	if (c->dirty)
		return;
	c->dirty = true;
	c->dnext = n->dirty;
	n->dirty = c;
}

/* Store the changed states; on a failure they stay in memory only. */
static void flush(notify *n)
{
	struct proto_id ids[256];
	const struct flow_state *sts[256];
	size_t k = 0;
	amr_err rc;

	while (n->dirty) {
		struct flow_chan *c = n->dirty;

		n->dirty = c->dnext;
		c->dirty = false;
		ids[k] = c->id;
		sts[k++] = &c->st;
		if (k == 256 || !n->dirty) {
			if (n->fs && (rc = flowstore_put(n->fs, ids, sts, k)))
				log_warn("flow states not stored (%s): relearnt after a restart",
					 amr_strerror(rc));
			k = 0;
		}
	}
}

static const json_t *record(notify *n, const struct proto_id *id)
{
	char buf[PROTO_ID_LEN];

	return labels_record(n->lb, proto_id_format(id, buf));
}

static const char *resource_of(const json_t *rec)
{
	return json_string_value(json_object_get(rec, "resource")) ?: "unknown";
}

void notify__params(notify *n, const struct proto_id *id, struct ruleset_params *p)
{
	const json_t *rec = id->ch ? record(n, id) : NULL;

	rulestore_resolve(n->rs, id, resource_of(rec),
			  json_string_value(json_object_get(rec, "unit")),
			  (int32_t)n->o.gateway_offline_min, (int32_t)n->o.spool_pct, p);
}

/* The object or the device of channel id retired: it raises nothing. */
static bool retired(notify *n, const struct proto_id *id)
{
	struct proto_id o = { id->obj, 0, 0 }, d = { id->obj, id->addr, 0 };

	return json_is_true(json_object_get(record(n, &o), "retired")) ||
	       json_is_true(json_object_get(record(n, &d), "retired"));
}

/* Channel id's weight at ts (1/1 when the registry does not say). */
static struct units_weight weight_at(notify *n, const struct proto_id *id, int64_t ts)
{
	struct units_weight w[UNITS_MAX_WEIGHTS], one = { 1, 1, 0 };
	const json_t *arr = json_object_get(record(n, id), "weights");
	struct jv_err err;
	size_t nw;

	if (!arr || weights_parse(arr, w, &nw, &err))
		return one;
	return w[units_weight_at(w, nw, ts)];
}

/* The channel's flow params and its p; false when they are off or bad. */
static bool flow_params_of(notify *n, const struct proto_id *id, int64_t ts,
			   struct ruleset_params *p, struct flow_params *fp)
{
	struct units_weight w = weight_at(n, id, ts);
	const char *why;

	notify__params(n, id, p);
	ruleset_flow(p, &w, fp);
	if (flow_params_check(fp, &why)) {
		char buf[PROTO_ID_LEN];

		log_warn("%s: its flow rules do not hold together (%s); not followed",
			 proto_id_format(id, buf), why);
		return false;
	}
	return true;
}

json_t *notify__effective(notify *n, const struct proto_id *id)
{
	const json_t *rec = id->ch ? record(n, id) : NULL;
	const char *res = resource_of(rec);
	struct units_weight w = weight_at(n, id, svc_now());
	struct ruleset_params p;
	struct flow_params fp;
	char buf[PROTO_ID_LEN];
	json_t *out;

	notify__params(n, id, &p);
	out = json_pack("{s:s, s:o, s:o}", "id", proto_id_format(id, buf), "params",
			ruleset_json(&p), "from", rulestore_sources(n->rs, id, res));
	if (!out || !id->ch)
		return out;
	ruleset_flow(&p, &w, &fp);
	json_object_set_new(out, "resource", json_string(res));
	json_object_set_new(
		out, "unit",
		json_string(json_string_value(json_object_get(rec, "unit")) ?: "pulse"));
	json_object_set_new(
		out, "weight",
		json_pack("{s:I, s:I}", "num", (json_int_t)w.num, "den", (json_int_t)w.den));
	json_object_set_new(out, "pulses_h",
			    json_pack("{s:I, s:I}", "night_max", (json_int_t)fp.night_max_pulses_h,
				      "burst", (json_int_t)fp.burst_pulses_h));
	return out;
}

/* u (unit per hour * 10^6) as a decimal string, at least 3 decimals. */
static json_t *decimal(int64_t u)
{
	char buf[UNITS_QTY_MAX];

	return json_string(ruleset_decimal(u, buf));
}

/* What a flow alarm says beyond its key: the resource (for the
 * contacts' resources), the unit and the thresholds it was raised by. */
static json_t *flow_detail(notify *n, const struct proto_id *id, enum rules_kind k,
			   const struct ruleset_params *p, const struct flow_params *fp,
			   int64_t since)
{
	const json_t *rec = record(n, id);
	const char *unit = json_string_value(json_object_get(rec, "unit"));
	json_t *d = json_pack("{s:s, s:s*, s:I}", "resource", resource_of(rec), "unit", unit,
			      "since", (json_int_t)since);

	if (!d)
		return NULL;
	if (k == RULES_LEAK) {
		json_object_set_new(d, "leak_hours", json_integer(p->leak_hours));
		json_object_set_new(d, "night_max_per_h", decimal(p->night_max_u));
		json_object_set_new(d, "night_max_pulses_h", json_integer(fp->night_max_pulses_h));
	} else if (k == RULES_BURST) {
		json_object_set_new(d, "burst_per_h", decimal(p->burst_u));
		json_object_set_new(d, "burst_pulses_h", json_integer(fp->burst_pulses_h));
		json_object_set_new(d, "burst_min", json_integer(p->burst_min));
	} else {
		json_object_set_new(d, "stuck_days", json_integer(p->stuck_days));
	}
	return d;
}

static void one_rule(notify *n, const struct proto_id *id, enum rules_kind k,
		     const struct flow_rule *r, const struct ruleset_params *p,
		     const struct flow_params *fp, int64_t ts)
{
	json_t *d;

	if (r->change == FLOW_RAISED) {
		d = flow_detail(n, id, k, p, fp, r->since);
		notify__raise(n, k, id, ts, d);
		json_decref(d);
	} else if (r->change == FLOW_CLEARED) {
		notify__clear(n, k, id, ts);
	}
}

static void outcome(notify *n, const struct proto_id *id, const struct flow_out *out,
		    const struct ruleset_params *p, const struct flow_params *fp, int64_t ts)
{
	one_rule(n, id, RULES_LEAK, &out->leak, p, fp, ts);
	one_rule(n, id, RULES_BURST, &out->burst, p, fp, ts);
	one_rule(n, id, RULES_STUCK, &out->stuck, p, fp, ts);
}

static int local_hour(notify *n, int64_t ts)
{
	return n->tz ? tzone_local_hour(n->tz, ts) : (int)((ts / 3600) % 24);
}

/* One reading of a batch of object obj at ts. */
static void reading(notify *n, unsigned obj, const json_t *r, int64_t ts)
{
	const json_t *addr = json_object_get(r, "addr"), *ch = json_object_get(r, "ch");
	const json_t *delta = json_object_get(r, "delta");
	long long a = json_integer_value(addr), c = json_integer_value(ch);
	struct proto_id id = { (uint16_t)obj, (uint8_t)a, (uint8_t)c };
	struct ruleset_params p;
	struct flow_params fp;
	struct flow_chan *fc;
	struct flow_out out;

	if (!json_is_integer(addr) || !json_is_integer(ch) || !json_is_integer(delta) || a < 1 ||
	    a > PROTO_ADDR_MAX || c < 1 || c > PROTO_CH_MAX || json_integer_value(delta) < 0)
		return; /* ingest checked it: not reached from a canonical batch */
	if (retired(n, &id) || !(fc = chan_of(n, &id)) || !flow_params_of(n, &id, ts, &p, &fp))
		return;
	metric_add(n->m_readings, 1);
	flow_reading(&fc->st, &fp, ts, json_integer_value(delta), local_hour(n, ts), &out);
	if (!out.ignored) {
		mark(n, fc);
		outcome(n, &id, &out, &p, &fp, ts);
	}
}

static void on_readings(void *ctx, const struct mq_msg *msg)
{
	notify *n = ctx;
	const char *root = PROTO_TOPIC_ROOT "readings/";
	size_t len = strlen(root);
	unsigned obj = strncmp(msg->topic, root, len)
			       ? 0
			       : proto_obj_parse(msg->topic + len, strlen(msg->topic + len));
	json_t *b = obj ? json_loadb(msg->payload, msg->len, 0, NULL) : NULL;
	const json_t *ts = json_object_get(b, "ts"), *r;
	size_t i;

	if (!b || !json_is_integer(ts) || json_integer_value(ts) <= 0) {
		json_decref(b);
		return; /* not a canonical batch of an object */
	}
	json_array_foreach(json_object_get(b, "readings"), i, r)
		reading(n, obj, r, json_integer_value(ts));
	flush(n);
	json_decref(b);
}

void notify__flow_tick(notify *n, int64_t now)
{
	for (size_t b = 0; b < BUCKETS && n->chans; b++) {
		for (struct flow_chan *c = n->chans[b]; c; c = c->next) {
			struct ruleset_params p;
			struct flow_params fp;
			struct flow_out out;

			/* a silent gateway is no silent meter */
			if (n->grace[c->id.obj] || retired(n, &c->id) ||
			    !flow_params_of(n, &c->id, now, &p, &fp))
				continue;
			flow_tick(&c->st, &fp, now, &out);
			if (out.stuck.change != FLOW_SAME)
				mark(n, c);
			outcome(n, &c->id, &out, &p, &fp, now);
		}
	}
	flush(n);
}

static void load_fn(const struct proto_id *id, const struct flow_state *st, void *arg)
{
	struct flow_chan *c = chan_of(arg, id);

	if (c)
		c->st = *st;
}

amr_err notify__flow_start(notify *n)
{
	amr_err rc;

	if (!(n->chans = calloc(BUCKETS, sizeof *n->chans)))
		return AMR_ENOMEM;
	if (n->fs && (rc = flowstore_each(n->fs, load_fn, n)))
		return rc;
	if (n->nchans)
		log_info("%zu channels' flow states read back", n->nchans);
	return mq_subscribe(n->s->mq, PROTO_TOPIC_ROOT "readings/+", 1, on_readings, n);
}

void notify__flow_free(notify *n)
{
	for (size_t b = 0; b < BUCKETS && n->chans; b++) {
		struct flow_chan *c = n->chans[b], *next;

		for (; c; c = next) {
			next = c->next;
			free(c);
		}
	}
	free(n->chans);
	n->chans = NULL;
}
