/*
 * outbox.h - everything amr-ingest publishes, and the counters of it.
 *
 *   amr/v1/readings/{obj}   canonical batches, QoS 1
 *   amr/v1/events/{obj}     normalised events, QoS 1
 *   amr/v1/gw/{obj}/cmd     commands to a gateway, QoS 1
 *   amr/v1/audit            command audit records, QoS 1
 *   amr/v1/deadletter       rejected messages, QoS 0, and
 *                           amr_ingest_deadletter_total{reason=...}
 *
 * A publish that the client refuses (buffer full, not connected and
 * buffer full) is logged and counted in amr_ingest_publish_failed_total.
 * Runs on the service's loop thread.
 */
#ifndef AMR_INGEST_OUTBOX_H
#define AMR_INGEST_OUTBOX_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "svc.h"

typedef struct outbox outbox;

/* Create on service s (borrowed, must outlive the outbox); deadletter
 * copies keep at most dl_max payload bytes. Returns AMR_OK or AMR_ENOMEM. */
amr_err outbox_create(outbox **out, struct svc *s, size_t dl_max);

/* Free. Accepts NULL. */
void outbox_destroy(outbox *o);

/* Publish a canonical batch text[0..len) of obj with n readings.
 * Returns mq_publish()'s code. */
int outbox_readings(outbox *o, unsigned obj, const char *text, size_t len, size_t n);

/* Publish a normalised event (borrowed) of obj. */
void outbox_event(outbox *o, unsigned obj, json_t *event);

/* Publish a command (borrowed) to gateway obj. Returns mq_publish()'s code. */
int outbox_command(outbox *o, unsigned obj, const json_t *cmd);

/* Publish an audit record (takes it; NULL is ignored). */
void outbox_audit(outbox *o, json_t *audit);

/* Dead-letter a message received on topic: reason is a short code (the
 * metric label), detail the why; payload[0..len) as received. Logged too. */
void outbox_deadletter(outbox *o, const char *topic, const char *reason, const char *detail,
		       const char *payload, size_t len);

/* Count one resent batch (seq at or below the highest seen). */
void outbox_count_resend(outbox *o);

#endif
