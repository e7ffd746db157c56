/*
 * outbox.c - what amr-ingest publishes, with its counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadletter.h"
#include "err.h"
#include "log.h"
#include "outbox.h"
#include "proto.h"

struct outbox {
	struct svc *s;	  /* broker, metrics */
	size_t dl_max;	  /* payload bytes kept in a deadletter copy */
	metric *batches;  /* canonical batches published */
	metric *readings; /* readings in them */
	metric *resent;	  /* batches at or below the highest seq */
	metric *events;	  /* events published */
	metric *commands; /* commands published to gateways */
	metric *failed;	  /* publishes the client refused */
};

#define M(name, help) metrics_get(s->metrics, METRIC_COUNTER, name, NULL, help)

amr_err outbox_create(outbox **out, struct svc *s, size_t dl_max)
{
	outbox *o = calloc(1, sizeof *o);

	if (!o)
		return AMR_ENOMEM;
	o->s = s;
	o->dl_max = dl_max;
	o->batches = M("amr_ingest_batches_total", "Canonical batches published.");
	o->readings = M("amr_ingest_readings_total", "Readings in published batches.");
	o->resent = M("amr_ingest_resent_total",
		      "Batches forwarded again with a seq at or below the highest seen.");
	o->events = M("amr_ingest_events_total", "Normalised events published.");
	o->commands = M("amr_ingest_commands_sent_total", "Commands published to gateways.");
	o->failed = M("amr_ingest_publish_failed_total", "Publishes the MQTT client refused.");
	if (!o->batches || !o->readings || !o->resent || !o->events || !o->commands || !o->failed) {
		free(o);
		return AMR_ENOMEM;
	}
	*out = o;
	return AMR_OK;
}

void outbox_destroy(outbox *o)
{
	free(o);
}

static int publish(outbox *o, const char *topic, const void *p, size_t len, int qos)
{
	int rc = mq_publish(o->s->mq, topic, p, len, qos, false);

	if (rc) {
		metric_add(o->failed, 1);
		log_error("publish on %s failed: %s", topic, amr_strerror(rc));
	}
	return rc;
}

static int publish_json(outbox *o, const char *topic, const json_t *j, int qos)
{
	char *text = json_dumps(j, JSON_COMPACT);
	int rc;

	if (!text) {
		metric_add(o->failed, 1);
		log_error("publish on %s failed: out of memory", topic);
		return AMR_ENOMEM;
	}
	rc = publish(o, topic, text, strlen(text), qos);
	free(text);
	return rc;
}

int outbox_readings(outbox *o, unsigned obj, const char *text, size_t len, size_t n)
{
	char topic[PROTO_TOPIC_MAX];
	int rc;

	proto_topic(topic, sizeof topic, PROTO_T_READINGS, obj, NULL);
	rc = publish(o, topic, text, len, 1);
	if (rc == AMR_OK) {
		metric_add(o->batches, 1);
		metric_add(o->readings, (int64_t)n);
	}
	return rc;
}

void outbox_event(outbox *o, unsigned obj, json_t *event)
{
	char topic[PROTO_TOPIC_MAX];

	proto_topic(topic, sizeof topic, PROTO_T_EVENTS, obj, NULL);
	if (publish_json(o, topic, event, 1) == AMR_OK)
		metric_add(o->events, 1);
}

int outbox_command(outbox *o, unsigned obj, const json_t *cmd)
{
	char topic[PROTO_TOPIC_MAX];
	int rc;

	proto_topic(topic, sizeof topic, PROTO_T_GW_CMD, obj, NULL);
	rc = publish_json(o, topic, cmd, 1);
	if (rc == AMR_OK)
		metric_add(o->commands, 1);
	return rc;
}

void outbox_audit(outbox *o, json_t *audit)
{
	if (!audit) {
		log_error("audit record lost: out of memory");
		return;
	}
	publish_json(o, PROTO_TOPIC_AUDIT, audit, 1);
	json_decref(audit);
}

void outbox_deadletter(outbox *o, const char *topic, const char *reason, const char *detail,
		       const char *payload, size_t len)
{
	char labels[96];
	json_t *d;

	snprintf(labels, sizeof labels, "reason=\"%s\"", reason);
	metric_add(metrics_get(o->s->metrics, METRIC_COUNTER, "amr_ingest_deadletter_total", labels,
			       "Messages rejected by ingest, by reason."),
		   1);
	log_warn("deadletter topic=%s reason=%s: %s", topic, reason, detail ? detail : "");
	d = deadletter_json(topic, reason, detail, payload, len, o->dl_max);
	if (!d) {
		metric_add(o->failed, 1);
		log_error("deadletter copy lost: out of memory");
		return;
	}
	publish_json(o, PROTO_TOPIC_DEADLETTER, d, 0);
	json_decref(d);
}

void outbox_count_resend(outbox *o)
{
	metric_add(o->resent, 1);
}
