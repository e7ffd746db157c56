/*
 * ingest.c - handlers of what gateways publish.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jv.h"
#include "log.h"
#include "proto.h"
#include "ingest.h"

struct ingest {
	struct svc *s;		 /* clock, broker */
	struct validate_opts vo; /* batch limits */
	ingestdb *st;		 /* presence memory */
	events *ev;		 /* per-gateway state */
	outbox *ob;		 /* publishing */
	router *r;		 /* commands */
};

/*
 * A change typed on a gateway's console, relayed to the audit trail: the
 * gateway may publish only under its own topics, and ingest, which checked
 * the event, speaks for it. A resent batch's events never come here twice.
 */
static void console_audit(ingest *in, unsigned obj, const json_t *event)
{
	const json_t *detail = json_object_get(event, "detail");
	const char *peer = json_string_value(json_object_get(detail, "peer"));
	char actor[96], target[PROTO_ID_LEN];
	struct proto_id id = { (uint16_t)obj, 0, 0 };

	snprintf(actor, sizeof actor, "console@%s", peer ? peer : "?");
	outbox_audit(in->ob, json_pack("{s:O, s:s, s:s, s:s, s:{s:O, s:O}}", "ts",
				       json_object_get(event, "ts"), "actor", actor, "action",
				       "console", "target", proto_id_format(&id, target), "detail",
				       "line", json_object_get(detail, "line"), "seq",
				       json_object_get(event, "seq") ?: json_null()));
}

static void emit(void *ctx, unsigned obj, json_t *event)
{
	ingest *in = ctx;

	outbox_event(in->ob, obj, event);
	if (proto_event_parse(json_string_value(json_object_get(event, "type"))) ==
	    PROTO_EV_CONSOLE_ACTION)
		console_audit(in, obj, event);
}

static void dead_entries(ingest *in, const char *topic, long long seq, const json_t *dropped)
{
	size_t i;
	json_t *d;

	json_array_foreach(dropped, i, d) {
		char *text = json_dumps(json_object_get(d, "entry"),
					JSON_COMPACT | JSON_ENCODE_ANY);
		char detail[300];

		snprintf(detail, sizeof detail, "seq %lld: %s", seq,
			 json_string_value(json_object_get(d, "detail")));
		outbox_deadletter(in->ob, topic, json_string_value(json_object_get(d, "reason")),
				  detail, text ? text : "", text ? strlen(text) : 0);
		free(text);
	}
}

#define BAD_TOPIC "the object number in the topic is not " PROTO_OBJ_RANGE

static void on_up(void *ctx, const struct mq_msg *msg)
{
	ingest *in = ctx;
	struct validate_result r = { 0 };
	unsigned obj;
	bool resend = false;
	int rc;

	if (!(obj = proto_topic_obj(msg->topic, PROTO_T_GW_UP))) {
		outbox_deadletter(in->ob, msg->topic, "bad_topic", BAD_TOPIC, msg->payload,
				  msg->len);
		return;
	}
	if (validate_batch(&in->vo, obj, svc_now(), msg->payload, msg->len, &r)) {
		outbox_deadletter(in->ob, msg->topic, r.reason, r.detail, msg->payload, msg->len);
		goto out;
	}
	/* The readings go first: events describe them. */
	outbox_readings(in->ob, obj, r.canonical, r.canonical_len, r.readings);
	rc = events_batch(in->ev, obj, r.batch, r.seq, r.ts, &resend, emit, in);
	if (rc)
		log_error("obj=%u seq=%lld: events lost: %s", obj, r.seq, amr_strerror(rc));
	/* A resend's dropped entries too: a batch sent again with other
	 * entries than the first time must not lose them without a word. */
	if (r.dropped)
		dead_entries(in, msg->topic, r.seq, r.dropped);
	if (resend) {
		outbox_count_resend(in->ob);
		log_debug("obj=%u seq=%lld forwarded again (highest seen %lld)", obj, r.seq,
			  events_high_seq(in->ev, obj));
	} else {
		log_debug("obj=%u seq=%lld forwarded, %zu readings", obj, r.seq, r.readings);
	}
out:
	validate_result_clear(&r);
}

/* The archive's acknowledgement: what it stored is a resend from now on. */
static void on_ack(void *ctx, const struct mq_msg *msg)
{
	ingest *in = ctx;
	struct jv_err err = { "" };
	unsigned obj = proto_topic_obj(msg->topic, PROTO_T_GW_ACK);
	json_t *j = obj ? jv_parse_object(msg->payload, msg->len, &err) : NULL;
	long long seq;

	if (j && !jv_int(j, "seq", true, 0, 1, PROTO_SEQ_MAX, &seq, &err))
		events_acked(in->ev, obj, seq);
	json_decref(j);
}

static void on_status(void *ctx, const struct mq_msg *msg)
{
	ingest *in = ctx;
	struct jv_err err = { "" };
	unsigned obj;
	bool online, changed;
	json_t *st;
	int rc;

	if (!(obj = proto_topic_obj(msg->topic, PROTO_T_GW_STATUS))) {
		outbox_deadletter(in->ob, msg->topic, "bad_topic", BAD_TOPIC, msg->payload,
				  msg->len);
		return;
	}
	if (msg->len == 0) {
		/* Someone cleared the retained status: nothing to report. */
		log_info("obj=%u: retained status cleared", obj);
		return;
	}
	if (!(st = jv_parse_object(msg->payload, msg->len, &err))) {
		outbox_deadletter(in->ob, msg->topic, "bad_status", err.msg, msg->payload,
				  msg->len);
		return;
	}
	rc = events_status(in->ev, obj, st, svc_now(), &online, &changed, emit, in, &err);
	json_decref(st);
	if (rc == AMR_EINVAL) {
		outbox_deadletter(in->ob, msg->topic, "bad_status", err.msg, msg->payload,
				  msg->len);
		return;
	}
	if (rc) {
		log_error("obj=%u: status lost: %s", obj, amr_strerror(rc));
		return;
	}
	if (changed) {
		log_info("obj=%u gateway %s", obj, online ? "online" : "offline");
		if ((rc = ingestdb_presence_set(in->st, obj, online)))
			log_error("obj=%u: cannot remember presence: %s", obj, amr_strerror(rc));
	}
	if (online)
		router_gateway_online(in->r, obj);
}

static void on_result(void *ctx, const struct mq_msg *msg)
{
	ingest *in = ctx;
	struct jv_err err = { "" };
	const char *id, *text;
	unsigned obj;
	bool ok;
	json_t *res;
	int rc;

	if (!(obj = proto_topic_obj(msg->topic, PROTO_T_GW_RESULT))) {
		outbox_deadletter(in->ob, msg->topic, "bad_topic", BAD_TOPIC, msg->payload,
				  msg->len);
		return;
	}
	if (!(res = jv_parse_object(msg->payload, msg->len, &err)) ||
	    cmd_result_parse(res, &id, &ok, &text, &err)) {
		outbox_deadletter(in->ob, msg->topic, "bad_result", err.msg, msg->payload,
				  msg->len);
		goto out;
	}
	rc = router_result(in->r, obj, id, ok, text);
	if (rc == AMR_ENOTFOUND)
		outbox_deadletter(in->ob, msg->topic, "unknown_command", "no such command id",
				  msg->payload, msg->len);
	else if (rc == AMR_EINVAL)
		outbox_deadletter(in->ob, msg->topic, "wrong_obj",
				  "the command was sent to another gateway", msg->payload,
				  msg->len);
	else if (rc == AMR_EEXIST)
		log_info("obj=%u command id=%s: repeated result ignored", obj, id);
	else if (rc)
		log_error("obj=%u command id=%s: result not recorded: %s", obj, id,
			  amr_strerror(rc));
out:
	json_decref(res);
}

static int restore_presence(void *ctx, unsigned obj, bool online)
{
	ingest *in = ctx;

	if (!proto_obj_ok(obj))
		return AMR_OK;
	return events_presence_set(in->ev, obj, online ? EVENTS_ONLINE : EVENTS_OFFLINE);
}

amr_err ingest_create(ingest **out, struct svc *s, const struct validate_opts *vo, ingestdb *st,
		      events *ev, outbox *ob, router *r)
{
	ingest *in = calloc(1, sizeof *in);
	int rc;

	if (!in)
		return AMR_ENOMEM;
	in->s = s;
	in->vo = *vo;
	in->st = st;
	in->ev = ev;
	in->ob = ob;
	in->r = r;
	if ((rc = ingestdb_presence_each(st, restore_presence, in)) ||
	    (rc = mq_subscribe(s->mq, proto_topic_filter(PROTO_T_GW_UP), 1, on_up, in)) ||
	    (rc = mq_subscribe(s->mq, proto_topic_filter(PROTO_T_GW_STATUS), 1, on_status, in)) ||
	    (rc = mq_subscribe(s->mq, proto_topic_filter(PROTO_T_GW_RESULT), 1, on_result, in)) ||
	    (rc = mq_subscribe(s->mq, proto_topic_filter(PROTO_T_GW_ACK), 1, on_ack, in))) {
		free(in);
		return rc;
	}
	*out = in;
	return AMR_OK;
}

void ingest_destroy(ingest *in)
{
	free(in);
}
