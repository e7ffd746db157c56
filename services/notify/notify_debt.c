/*
 * notify_debt.c - the debt rule: amr-billing asked at start and every
 * --debt-poll-s seconds, asynchronously (billing/org.list, meter.list
 * page by page, then billing/debtors of each organisation), and "debt"
 * raised on the UO-4 of each debtor's premises (the device of the
 * premises' meters' channels, "1.5") when the account's overdue debt is
 * above the object's debt_threshold; cleared when a whole poll no
 * longer finds it above (docs/notify.md, "Rules").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "notify_int.h"

#define TIMEOUT_MS 20000 /* billing's time to answer one call */
#define PAGE	   2000	 /* records asked at once (billing's most) */
#define FIRST_MS   0	 /* the first poll as the loop starts */

struct debt_poll {
	notify *n;
	uint64_t timer;
	uint64_t first; /* the first poll's timer, 0 once it fired */
	bool asking;
	bool dead;	/* destroyed while a call was out: its answer frees */
	json_t *orgs;	/* the organisations' ids */
	size_t org;	/* the one asked now */
	json_t *device; /* premises id -> "obj.addr" */
	json_t *above;	/* "obj.addr" -> the detail raised with */
};

static void finish(struct debt_poll *d)
{
	json_decref(d->orgs);
	json_decref(d->device);
	json_decref(d->above);
	d->orgs = d->device = d->above = NULL;
	d->asking = false;
}

static void give_up(struct debt_poll *d, const char *what, const char *message)
{
	log_info("debt: %s: %s; debt alarms as they were", what, message ? message : "no answer");
	finish(d);
}

static void ask(struct debt_poll *d, const char *method, json_t *args, rpc_cb cb);

/* The open debt alarms the poll did not find above: cleared. */
static void clear_fn(const json_t *rec, void *arg)
{
	struct debt_poll *d = arg;
	const char *kind = json_string_value(json_object_get(rec, "kind"));
	const char *target = json_string_value(json_object_get(rec, "target"));
	struct proto_id id;

	if (kind && !strcmp(kind, "debt") && target && !json_object_get(d->above, target) &&
	    proto_id_parse(target, &id) == 2)
		json_object_set_new(d->above, target, json_null()); /* to clear, below */
}

static void settle(struct debt_poll *d)
{
	const char *key;
	json_t *v;
	int64_t now = svc_now();

	alarm_each_open(d->n->st, clear_fn, d);
	json_object_foreach(d->above, key, v) {
		struct proto_id id;

		if (proto_id_parse(key, &id) != 2)
			continue;
		if (json_is_null(v))
			notify__clear(d->n, RULES_DEBT, &id, now);
		else if (!alarm_is_open(d->n->st, RULES_DEBT, &id))
			notify__raise(d->n, RULES_DEBT, &id, now, v);
	}
	finish(d);
}

/* "600.00" as kopecks; -1 when it is not a sum. */
static int64_t kopecks(const char *s)
{
	units_u128 v;
	bool neg = s && *s == '-';

	if (!s || neg || strlen(s) > 20 || units_parse(s, 2, &v))
		return -1;
	return (int64_t)v;
}

static void next_org(struct debt_poll *d);

/* Whether a page's answer is to be read: not when the rule was stopped
 * meanwhile (the poll is freed) nor when billing refused (the poll gives
 * up until the next). */
static bool answered(struct debt_poll *d, int err, const char *method, const char *message)
{
	if (d->dead) {
		finish(d);
		free(d);
		return false;
	}
	if (err) {
		give_up(d, method, message);
		return false;
	}
	return true;
}

static void on_debtors(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct debt_poll *d = ctx;
	const json_t *row, *pr;
	size_t i, j;

	if (!answered(d, err, "billing/debtors", message))
		return;
	json_array_foreach(json_object_get(result, "debtors"), i, row) {
		const char *overdue = json_string_value(json_object_get(row, "overdue"));
		int64_t kop = kopecks(overdue);

		json_array_foreach(json_object_get(row, "premises"), j, pr) {
			char key[24];
			const char *dev;
			struct proto_id id;
			struct ruleset_params p;

			snprintf(key, sizeof key, "%lld",
				 (long long)json_integer_value(json_object_get(pr, "premises")));
			dev = json_string_value(json_object_get(d->device, key));
			if (!dev || proto_id_parse(dev, &id) != 2 || kop < 0)
				continue; /* premises without a meter on a UO-4 */
			notify__params(d->n, &(struct proto_id){ id.obj, 0, 0 }, &p);
			if (!p.debt_kop || kop <= p.debt_kop || json_object_get(d->above, dev))
				continue;
			json_object_set_new(
				d->above, dev,
				json_pack("{s:O?, s:O?, s:O?, s:I, s:s, s:I, s:I}", "account",
					  json_object_get(row, "account"), "number",
					  json_object_get(row, "number"), "holder",
					  json_object_get(row, "holder"), "premises",
					  json_integer_value(json_object_get(pr, "premises")),
					  "overdue", overdue, "overdue_kop", (json_int_t)kop,
					  "threshold_kop", (json_int_t)p.debt_kop));
		}
	}
	d->org++;
	next_org(d);
}

static void next_org(struct debt_poll *d)
{
	const json_t *org = json_array_get(d->orgs, d->org);

	if (!org) {
		settle(d);
		return;
	}
	ask(d, "billing/debtors", json_pack("{s:O, s:i}", "org", org, "limit", 10000), on_debtors);
}

static void on_meters(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct debt_poll *d = ctx;
	const json_t *m, *next = json_object_get(result, "next");
	size_t i;

	if (!answered(d, err, "billing/meter.list", message))
		return;
	json_array_foreach(json_object_get(result, "records"), i, m) {
		struct proto_id ch, dev;
		char key[24], id[PROTO_ID_LEN];

		if (proto_id_parse(json_string_value(json_object_get(m, "channel")), &ch) != 3 ||
		    json_object_get(m, "to"))
			continue; /* a meter removed, or not on a UO-4 */
		dev = (struct proto_id){ ch.obj, ch.addr, 0 };
		snprintf(key, sizeof key, "%lld",
			 (long long)json_integer_value(json_object_get(m, "premises")));
		if (!json_object_get(d->device, key))
			json_object_set_new(d->device, key, json_string(proto_id_format(&dev, id)));
	}
	if (json_is_integer(next)) {
		ask(d, "billing/meter.list", json_pack("{s:O, s:i}", "after", next, "limit", PAGE),
		    on_meters);
		return;
	}
	d->org = 0;
	next_org(d);
}

static void on_orgs(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct debt_poll *d = ctx;
	const json_t *o, *next = json_object_get(result, "next");
	size_t i;

	if (!answered(d, err, "billing/org.list", message))
		return;
	json_array_foreach(json_object_get(result, "records"), i, o)
		if (json_is_integer(json_object_get(o, "id")))
			json_array_append(d->orgs, json_object_get(o, "id"));
	if (json_is_integer(next)) {
		ask(d, "billing/org.list", json_pack("{s:O, s:i}", "after", next, "limit", PAGE),
		    on_orgs);
		return;
	}
	ask(d, "billing/meter.list", json_pack("{s:i}", "limit", PAGE), on_meters);
}

static void ask(struct debt_poll *d, const char *method, json_t *args, rpc_cb cb)
{
	if (!args || rpc_call(d->n->s->rpc, method, args, TIMEOUT_MS, cb, d))
		give_up(d, method, "not asked");
}

static void poll_now(void *arg)
{
	struct debt_poll *d = arg;

	if (d->asking)
		return;
	if (!(d->orgs = json_array()) || !(d->device = json_object()) ||
	    !(d->above = json_object())) {
		finish(d);
		return;
	}
	d->asking = true;
	ask(d, "billing/org.list", json_pack("{s:i}", "limit", PAGE), on_orgs);
}

static void first_poll(void *arg)
{
	struct debt_poll *d = arg;

	d->first = 0;
	poll_now(d);
}

amr_err notify__debt_start(notify *n, unsigned poll_s)
{
	struct debt_poll *d;

	if (!poll_s)
		return AMR_OK; /* no debt alarms */
	if (!(d = calloc(1, sizeof *d)))
		return AMR_ENOMEM;
	d->n = n;
	if (!(d->timer = loop_timer_add(n->s->loop, poll_s * 1000, true, poll_now, d))) {
		free(d);
		return AMR_ENOMEM;
	}
	n->debt = d;
	/* From the loop, once it runs (rpc holds the call until the broker
	 * session is up, lib/rpc.h). */
	if (!(d->first = loop_timer_add(n->s->loop, FIRST_MS, false, first_poll, d)))
		poll_now(d);
	return AMR_OK;
}

void notify__debt_stop(notify *n)
{
	struct debt_poll *d = n->debt;

	if (!d)
		return;
	loop_timer_cancel(n->s->loop, d->timer);
	loop_timer_cancel(n->s->loop, d->first);
	n->debt = NULL;
	if (d->asking) {
		d->dead = true; /* rpc answers the call at the latest when it ends */
		return;
	}
	finish(d);
	free(d);
}
