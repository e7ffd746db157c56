#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jv.h"
#include "log.h"
#include "notify_int.h"
#include "proto.h"

#define TICK_MS		 5000 /* graces looked at this often */
#define LABELS_REFRESH_S 60   /* the registry's names read again this often */

/* The record's topic amr/v1/alarms/{id} into buf. */
static const char *topic_of(const json_t *rec, char *buf, size_t size)
{
	snprintf(buf, size, PROTO_TOPIC_ROOT "alarms/%lld",
		 (long long)json_integer_value(json_object_get(rec, "id")));
	return buf;
}

/* Tell the broker of rec: retained while open; cleared, once and then
 * the retained copy removed. */
void notify__publish(notify *n, const json_t *rec)
{
	const char *state = json_string_value(json_object_get(rec, "state"));
	char topic[PROTO_TOPIC_MAX];
	bool cleared = state && !strcmp(state, "cleared");

	topic_of(rec, topic, sizeof topic);
	if (mq_publish_json(n->s->mq, topic, rec, 1, !cleared) ||
	    (cleared && mq_publish(n->s->mq, topic, "", 0, 1, true)))
		log_warn("%s not published (the broker's buffer is full)", topic);
	else
		metric_add(n->m_told, 1);
	metric_set(n->m_open, (int64_t)alarm_open_count(n->st));
}

/* The repeats of an alarm published: its first, then when its count
 * reaches a power of two, so that a storm of the same condition is a
 * handful of messages (notify/alarm.get has the exact count). */
static bool worth_telling(const json_t *rec, bool fresh)
{
	long long c = (long long)json_integer_value(json_object_get(rec, "count"));

	return fresh || (c > 0 && (c & (c - 1)) == 0);
}

/* A new alarm's messages, in its own transaction (deliver.h). */
static int tell_hook(MDB_txn *txn, const json_t *rec, bool fresh, void *arg)
{
	notify *n = arg;

	if (!fresh || !n->dl)
		return 0; /* a repeat tells nobody again */
	return deliver_alarm_txn(n->dl, txn, rec, svc_now());
}

void notify__raise(notify *n, enum rules_kind kind, const struct proto_id *t, int64_t ts,
		   const json_t *detail)
{
	char key[RULES_KEY_LEN], id[PROTO_ID_LEN], dev[PROTO_ID_LEN];
	struct proto_id d = { t->obj, t->addr, 0 };
	json_t *rec = NULL, *det = json_is_object(detail) ? json_deep_copy(detail) : json_object();
	bool fresh = false;
	const char *label = labels_get(n->lb, proto_id_format(t, id));
	const char *dlabel = t->ch ? labels_get(n->lb, proto_id_format(&d, dev)) : NULL;
	amr_err rc;

	/* the names people know it by, as the registry says now */
	if (det && label)
		json_object_set_new(det, "label", json_string(label));
	if (det && dlabel)
		json_object_set_new(det, "device_label", json_string(dlabel));
	rc = alarm_raise(n->st, kind, t, ts, det, tell_hook, n, &rec, &fresh);
	json_decref(det);

	if (rc) {
		log_error("alarm %s not raised: %s", rules_key(kind, t, key), amr_strerror(rc));
		return;
	}
	if (fresh && n->ob)
		outbox_kick(n->ob); /* its messages are committed with it */
	if (fresh) {
		metric_add(n->m_raised, 1);
		log_info("alarm %lld raised: %s",
			 (long long)json_integer_value(json_object_get(rec, "id")),
			 rules_key(kind, t, key));
	}
	if (worth_telling(rec, fresh))
		notify__publish(n, rec);
	json_decref(rec);
}

void notify__clear(notify *n, enum rules_kind kind, const struct proto_id *t, int64_t ts)
{
	char key[RULES_KEY_LEN];
	json_t *rec = NULL;
	amr_err rc;

	if (!alarm_open_count(n->st))
		return; /* a status saying all is well, as most do: no write */
	if ((rc = alarm_clear_key(n->st, kind, t, ts, &rec))) {
		log_error("alarm %s not cleared: %s", rules_key(kind, t, key), amr_strerror(rc));
		return;
	}
	if (!rec)
		return; /* nothing was open */
	metric_add(n->m_cleared, 1);
	log_info("alarm %lld cleared by its condition: %s",
		 (long long)json_integer_value(json_object_get(rec, "id")),
		 rules_key(kind, t, key));
	notify__publish(n, rec);
	json_decref(rec);
}

static void act(notify *n, const struct rules_action *a, const json_t *detail)
{
	switch (a->act) {
	case RULES_RAISE:
		notify__raise(n, a->kind, &a->target, a->ts, detail);
		break;
	case RULES_CLEAR:
		if (a->kind == RULES_GATEWAY_OFFLINE)
			n->grace[a->target.obj] = 0;
		notify__clear(n, a->kind, &a->target, a->ts);
		break;
	case RULES_GRACE:
		if (!n->grace[a->target.obj])
			n->grace[a->target.obj] = a->ts;
		break;
	case RULES_NOTHING:
		break;
	}
}

/* The object of topic root + "<obj>" + tail, 0 when it is not one. */
static unsigned obj_of(const char *topic, const char *root, const char *tail)
{
	char buf[16];
	size_t n = strlen(root), end;
	struct proto_id id;

	if (strncmp(topic, root, n))
		return 0;
	end = strcspn(topic + n, "/");
	if (end == 0 || end >= sizeof buf || strcmp(topic + n + end, tail))
		return 0;
	memcpy(buf, topic + n, end);
	buf[end] = '\0';
	return proto_id_parse(buf, &id) == 1 ? id.obj : 0;
}

static void on_event(void *ctx, const struct mq_msg *msg)
{
	notify *n = ctx;
	unsigned obj = obj_of(msg->topic, PROTO_TOPIC_ROOT "events/", "");
	json_t *ev = obj ? json_loadb(msg->payload, msg->len, 0, NULL) : NULL;
	struct rules_action a;

	metric_add(n->m_events, 1);
	if (!ev) {
		log_info("%s: not an event of an object; ignored", msg->topic);
		return;
	}
	rules_event(obj, ev, &a);
	act(n, &a, json_object_get(ev, "detail"));
	json_decref(ev);
}

static void on_status(void *ctx, const struct mq_msg *msg)
{
	notify *n = ctx;
	unsigned obj = obj_of(msg->topic, PROTO_TOPIC_ROOT "gw/", "/status");
	json_t *st = obj && msg->len ? json_loadb(msg->payload, msg->len, 0, NULL) : NULL;
	struct proto_id gw = { (uint16_t)obj, 0, 0 };
	struct ruleset_params p;
	struct rules_action a[2];

	if (!st)
		return; /* a removed status, or not one */
	if (json_is_boolean(json_object_get(st, "online")))
		n->gw[obj] = json_is_true(json_object_get(st, "online")) ? 1 : 2;
	notify__params(n, &gw, &p);
	rules_status(obj, st, (unsigned)p.spool_pct, svc_now(), a);
	act(n, &a[0], NULL);
	act(n, &a[1], json_object_get(st, "spool"));
	json_decref(st);
}

static void republish(const json_t *rec, void *arg)
{
	notify__publish(arg, rec);
}

/* Gateways offline past their grace raise their alarm; escalations and
 * digests that are due go out. */
static void tick(void *arg)
{
	notify *n = arg;
	int64_t now = svc_now();

	for (unsigned obj = 1; obj <= PROTO_OBJ_MAX; obj++) {
		struct proto_id gw = { (uint16_t)obj, 0, 0 };
		struct ruleset_params p;
		json_t *d;

		if (n->grace[obj] <= 0)
			continue;
		notify__params(n, &gw, &p);
		if (now - n->grace[obj] < (int64_t)p.gateway_offline_min * 60)
			continue;
		d = json_pack("{s:I}", "since", (json_int_t)n->grace[obj]);
		notify__raise(n, RULES_GATEWAY_OFFLINE, &gw, n->grace[obj], d);
		json_decref(d);
		n->grace[obj] = -n->grace[obj]; /* raised: no second raise until online */
	}
	notify__flow_tick(n, now);
	if (n->dl)
		deliver_tick(n->dl, now, republish, n);
}

amr_err notify_create(notify **out, struct svc *s, alarm_store *st, contacts *cs, outbox *ob,
		      deliver *dl, rulestore *rs, flowstore *fs, const struct notify_opts *o)
{
	notify *n = calloc(1, sizeof *n);
	amr_err rc;

	if (!n)
		return AMR_ENOMEM;
	n->s = s;
	n->st = st;
	n->cs = cs;
	n->ob = ob;
	n->dl = ob ? dl : NULL;
	n->rs = rs;
	n->fs = fs;
	n->o = *o;
	if (tzone_rules_get(tzone_name(), &n->tz))
		n->tz = NULL; /* UTC hours for the night window */
	n->m_raised = metrics_get(s->metrics, METRIC_COUNTER, "amr_notify_alarms_raised_total",
				  NULL, "Alarms raised (a new alarm, not a repeat).");
	n->m_cleared = metrics_get(s->metrics, METRIC_COUNTER, "amr_notify_alarms_cleared_total",
				   NULL, "Alarms cleared by their condition.");
	n->m_open = metrics_get(s->metrics, METRIC_GAUGE, "amr_notify_alarms_open", NULL,
				"Alarms raised or acknowledged, not yet cleared.");
	n->m_events = metrics_get(s->metrics, METRIC_COUNTER, "amr_notify_events_total", NULL,
				  "Events read from amr/v1/events/+.");
	n->m_told = metrics_get(s->metrics, METRIC_COUNTER, "amr_notify_alarm_states_total", NULL,
				"Alarm states published on amr/v1/alarms/{id}.");
	n->m_readings = metrics_get(s->metrics, METRIC_COUNTER, "amr_notify_readings_total", NULL,
				    "Channels' readings fed to the flow rules.");
	n->m_registry = metrics_get(s->metrics, METRIC_GAUGE, "amr_notify_registry_records", NULL,
				    "Records of the archive's registry as last read whole.");
	if ((rc = labels_create(&n->lb, s,
				o->registry_refresh_s ? o->registry_refresh_s
						      : LABELS_REFRESH_S)) ||
	    (labels_on_refresh(n->lb, notify__registry_read, n), 0) ||
	    (rc = notify__smsact_create(n)) || (rc = alarm_each_open(st, republish, n)) ||
	    (rc = notify__flow_start(n)) ||
	    (rc = mq_subscribe(s->mq, PROTO_TOPIC_ROOT "events/+", 1, on_event, n)) ||
	    (rc = mq_subscribe(s->mq, PROTO_TOPIC_ROOT "gw/+/status", 1, on_status, n))) {
		notify_destroy(n);
		return rc;
	}
	if ((rc = notify__debt_start(n, o->debt_poll_s))) {
		notify_destroy(n);
		return rc;
	}
	if (!(n->timer = loop_timer_add(s->loop, TICK_MS, true, tick, n))) {
		notify_destroy(n);
		return AMR_ENOMEM;
	}
	if (ob)
		outbox_on_done(ob, notify__delivery, n);
	metric_set(n->m_open, (int64_t)alarm_open_count(st));
	*out = n;
	return AMR_OK;
}

void notify_destroy(notify *n)
{
	if (!n)
		return;
	if (n->timer)
		loop_timer_cancel(n->s->loop, n->timer);
	labels_destroy(n->lb);
	notify__debt_stop(n);
	notify__flow_free(n);
	notify__smsact_destroy(n);
	free(n);
}
