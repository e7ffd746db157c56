#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "feed.h"
#include "tscope.h"
#include "jv.h"
#include "log.h"
#include "proto.h"

#define SEED_RETRY_MS 5000

static void publish(struct web *w, unsigned obj, const char *event, json_t *up)
{
	if (up && w->hub)
		sse_publish(w->hub, obj, event, up);
	json_decref(up);
}

static json_t *payload(const struct mq_msg *msg)
{
	struct jv_err err = { "" };
	json_t *j;

	if (msg->len == 0)
		return json_object();
	if (!(j = jv_parse_object(msg->payload, msg->len, &err)))
		log_debug("ignored %s: %s", msg->topic, err.msg);
	return j;
}

static void on_gw_status(void *ctx, const struct mq_msg *msg)
{
	struct web *w = ctx;
	unsigned obj = proto_topic_obj(msg->topic, PROTO_T_GW_STATUS);
	json_t *j;

	if (!obj || !(j = payload(msg)))
		return;
	publish(w, obj, "object", view_on_gw_status(w->view, obj, j, svc_now()));
	json_decref(j);
}

/* A registry record came back: apply it and show it. */
static void on_record(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct web *w = ctx;
	json_t *up;

	if (err) {
		log_debug("registry.get: %s", message ? message : amr_strerror(err));
		return;
	}
	if ((up = view_on_registry(w->view, result, svc_now())))
		publish(w, (unsigned)json_integer_value(json_object_get(up, "obj")), "channel", up);
	if (view_take_reload(w->view)) /* retired or back: the lists change */
		publish(w, 0, "reload", json_object());
}

static void ask_record(struct web *w, const char *id)
{
	if (rpc_call(w->svc->rpc, "archive/registry.get", json_pack("{s:s}", "id", id),
		     (unsigned)w->o.rpc_timeout_ms, on_record, w))
		log_warn("registry.get %s not sent", id);
}

static void on_readings(void *ctx, const struct mq_msg *msg)
{
	struct web *w = ctx;
	unsigned obj = proto_topic_obj(msg->topic, PROTO_T_READINGS);
	size_t i;
	json_t *j, *e;

	if (!obj || !(j = payload(msg)))
		return;
	publish(w, obj, "reading", view_on_readings(w->view, obj, j, svc_now()));
	json_array_foreach(json_object_get(j, "readings"), i, e) {
		unsigned addr = (unsigned)json_integer_value(json_object_get(e, "addr"));
		unsigned ch = (unsigned)json_integer_value(json_object_get(e, "ch"));
		struct proto_id cid = { (uint16_t)obj, (uint8_t)addr, (uint8_t)ch };
		char id[PROTO_ID_LEN];

		if (w->seeded && view_wants_registry(w->view, obj, addr, ch))
			ask_record(w, proto_id_format(&cid, id));
	}
	json_decref(j);
}

static void on_event(void *ctx, const struct mq_msg *msg)
{
	struct web *w = ctx;
	unsigned obj = proto_topic_obj(msg->topic, PROTO_T_EVENTS);
	json_t *j;

	if (!obj || !(j = payload(msg)))
		return;
	publish(w, obj, "event", view_on_event(w->view, obj, j, svc_now()));
	json_decref(j);
}

/* amr-notify's alarm {id}: its record, or an empty retained message once
 * it is cleared; the live stream's "alarm". */
static void on_alarm(void *ctx, const struct mq_msg *msg)
{
	struct web *w = ctx;
	struct proto_topic_info t;
	char name[16], *end;
	unsigned long id;
	json_t *j, *up;

	if (proto_topic_parse(msg->topic, &t) != PROTO_T_ALARM || t.name_len >= sizeof name)
		return;
	memcpy(name, t.name, t.name_len);
	name[t.name_len] = '\0';
	id = strtoul(name, &end, 10);
	if (name[0] < '1' || name[0] > '9' || *end || id > UINT32_MAX || !(j = payload(msg)))
		return;
	if ((up = view_on_alarm(w->view, (uint32_t)id, j, svc_now())))
		publish(w, (unsigned)json_integer_value(json_object_get(up, "obj")), "alarm", up);
	metric_set(w->m.alarms, (int64_t)view_open_alarms(w->view));
	json_decref(j);
}

static void seed(struct web *w);

/* Outputs whose state no event has told yet take it from ingest's command
 * history (the newest done block/unblock of each). */
static void on_commands(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct web *w = ctx;
	size_t n;

	if (err) {
		log_info("outputs: ingest/commands: %s; states stay unknown until a batch's "
			 "outputs, a command or an output_changed event",
			 message ? message : amr_strerror(err));
		return;
	}
	if ((n = view_on_commands(w->view, result, svc_now())) > 0) {
		log_info("outputs: %zu output states from ingest's command history", n);
		publish(w, 0, "reload", json_object());
	}
}

static void seed_outputs(struct web *w)
{
	if (rpc_call(w->svc->rpc, "ingest/commands", json_pack("{s:i}", "limit", 1000),
		     (unsigned)w->o.rpc_timeout_ms * 3, on_commands, w))
		log_warn("outputs: ingest/commands not sent");
}

static void on_svc(void *ctx, const struct mq_msg *msg)
{
	struct web *w = ctx;
	struct proto_topic_info t;
	char name[32];
	int was;
	json_t *j;

	if (proto_topic_parse(msg->topic, &t) != PROTO_T_SVC_STATUS || t.name_len >= sizeof name ||
	    !(j = payload(msg)))
		return;
	memcpy(name, t.name, t.name_len);
	name[t.name_len] = '\0';
	was = view_service_online(w->view, name);
	publish(w, 0, "service", view_on_svc_status(w->view, name, j, svc_now()));
	json_decref(j);
	if (!strcmp(name, "archive") && was == 0 && view_service_online(w->view, name) == 1) {
		w->seeded = false; /* the archive is back: load it again */
		seed(w);
	}
	if (!strcmp(name, "ingest") && was != 1 && view_service_online(w->view, name) == 1)
		seed_outputs(w);
}

/* The records of an object after a device moved: apply them, reload. */
static void on_moved(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct web *w = ctx;
	size_t i;
	json_t *e;

	if (err) {
		log_info("registry.list after a move: %s", message ? message : amr_strerror(err));
		return;
	}
	json_array_foreach(json_object_get(result, "records"), i, e)
		json_decref(view_on_registry(w->view, e, svc_now()));
	view_take_reload(w->view);
	publish(w, 0, "reload", json_object());
}

static void on_audit(void *ctx, const struct mq_msg *msg)
{
	struct web *w = ctx;
	json_t *j = payload(msg);
	const char *action = json_string_value(json_object_get(j, "action"));
	const char *target = json_string_value(json_object_get(j, "target"));
	struct proto_id id;

	if (action && target && !strcmp(action, "registry.set") && strlen(target) < 24)
		ask_record(w, target);
	if (tscope_audit_matters(action, target)) /* a tenant's flat or meters changed */
		tscope_refresh(w);
	/* a device moved (the archive's record): both addresses changed */
	if (action && !strcmp(action, "registry.move") && proto_id_parse(target, &id) == 2 &&
	    rpc_call(w->svc->rpc, "archive/registry.list",
		     json_pack("{s:i, s:i}", "obj", (int)id.obj, "limit", 3000),
		     (unsigned)w->o.rpc_timeout_ms * 3, on_moved, w))
		log_warn("registry.list %u not sent", id.obj);
	json_decref(j);
}

static void on_sys(void *ctx, const struct mq_msg *msg)
{
	struct web *w = ctx;
	char value[64];

	snprintf(value, sizeof value, "%.*s", (int)(msg->len < 63 ? msg->len : 63), msg->payload);
	view_on_broker(w->view, msg->topic + strlen("$SYS/broker/"), value);
}

/* The seed: registry records, then latest values. */
static void seed_retry(void *arg)
{
	struct web *w = arg;

	w->seed_timer = 0;
	seed(w);
}

static void seed_failed(struct web *w, const char *what, const char *message)
{
	w->seeding = false;
	log_info("seed: %s: %s; again in %d s", what, message ? message : "failed",
		 SEED_RETRY_MS / 1000);
	if (!w->seed_timer &&
	    !(w->seed_timer = loop_timer_add(w->svc->loop, SEED_RETRY_MS, false, seed_retry, w)))
		log_error("seed: no retry timer (out of memory); the archive's next status or a "
			  "reconnect starts it again");
}

/* The seed reads both lists page by page (each answer stays under the
 * broker's message size, however many objects there are). */
static void on_latest(void *ctx, int err, json_t *result, const char *code, const char *message);
static void on_registry(void *ctx, int err, json_t *result, const char *code, const char *message);

static void ask_latest(struct web *w)
{
	if (rpc_call(w->svc->rpc, "archive/latest",
		     json_pack("{s:I}", "from_obj", (json_int_t)w->seed_obj),
		     (unsigned)w->o.rpc_timeout_ms * 3, on_latest, w))
		seed_failed(w, "archive/latest", "not sent");
}

static void ask_registry(struct web *w)
{
	json_t *args = json_object();

	if (w->seed_after[0])
		json_object_set_new(args, "after", json_string(w->seed_after));
	if (rpc_call(w->svc->rpc, "archive/registry.list", args, (unsigned)w->o.rpc_timeout_ms * 3,
		     on_registry, w))
		seed_failed(w, "archive/registry.list", "not sent");
}

static void on_latest(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct web *w = ctx;
	json_int_t next = json_integer_value(json_object_get(result, "next_obj"));

	if (err) {
		seed_failed(w, "archive/latest", message);
		return;
	}
	view_on_latest(w->view, result, svc_now());
	w->seed_chans += json_array_size(json_object_get(result, "channels"));
	if (next > w->seed_obj && proto_obj_ok(next)) {
		w->seed_obj = next;
		ask_latest(w);
		return;
	}
	w->seeding = false;
	w->seeded = true;
	log_info("seed: %zu channels from the archive", w->seed_chans);
	publish(w, 0, "reload", json_object());
}

static void on_registry(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct web *w = ctx;
	const char *next = json_string_value(json_object_get(result, "next"));
	json_t *e;
	size_t i;

	if (err) {
		seed_failed(w, "archive/registry.list", message);
		return;
	}
	json_array_foreach(json_object_get(result, "records"), i, e)
		json_decref(view_on_registry(w->view, e, svc_now()));
	view_take_reload(w->view); /* the seed ends with a reload of its own */
	if (next && strlen(next) < sizeof w->seed_after && strcmp(next, w->seed_after)) {
		snprintf(w->seed_after, sizeof w->seed_after, "%s", next);
		ask_registry(w);
		return;
	}
	w->seed_obj = 1;
	w->seed_chans = 0;
	ask_latest(w);
}

static void seed(struct web *w)
{
	if (w->seeded || w->seed_timer || w->seeding)
		return;
	w->seeding = true;
	w->seed_after[0] = '\0';
	ask_registry(w);
}

static void on_connect(void *ctx)
{
	struct web *w = ctx;

	/* the broker sends the open alarms again (retained): an alarm
	 * cleared while the link was down is gone from them */
	if (view_forget_alarms(w->view))
		publish(w, 0, "reload", json_object());
	metric_set(w->m.alarms, 0);
	seed(w);
}

amr_err feed_start(struct web *w)
{
	const struct {
		const char *filter;
		mq_msg_cb cb;
	} subs[] = {
		{ proto_topic_filter(PROTO_T_GW_STATUS), on_gw_status },
		{ proto_topic_filter(PROTO_T_READINGS), on_readings },
		{ proto_topic_filter(PROTO_T_EVENTS), on_event },
		{ proto_topic_filter(PROTO_T_SVC_STATUS), on_svc },
		{ PROTO_TOPIC_AUDIT, on_audit },
		{ proto_topic_filter(PROTO_T_ALARM), on_alarm },
		{ "$SYS/broker/version", on_sys },
		{ "$SYS/broker/uptime", on_sys },
		{ "$SYS/broker/clients/connected", on_sys },
	};
	int rc;

	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
		if ((rc = mq_subscribe(w->svc->mq, subs[i].filter, i < 6 ? 1 : 0, subs[i].cb, w)))
			return rc;
	w->svc->on_connect = on_connect;
	w->svc->ctx = w;
	return AMR_OK;
}

void feed_stop(struct web *w)
{
	loop_timer_cancel(w->svc->loop, w->seed_timer);
	w->seed_timer = 0;
}
