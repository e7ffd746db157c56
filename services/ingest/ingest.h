/*
 * ingest.h - the message handlers of amr-ingest: telemetry batches,
 * gateway status and command results from amr/v1/gw/+/...
 *
 *   up          -> validate.c; canonical batch on amr/v1/readings/{obj},
 *                  dropped entries and rejected batches to the deadletter,
 *                  events.c's normalised events on amr/v1/events/{obj}
 *   status      -> presence events on change (remembered in the store);
 *                  online sends the gateway's queued commands (router.c)
 *   cmd/result  -> router.c
 *
 * Runs on the service's loop thread.
 */
#ifndef AMR_INGEST_INGEST_H
#define AMR_INGEST_INGEST_H

#include "err.h"
#include "events.h"
#include "outbox.h"
#include "router.h"
#include "ingestdb.h"
#include "svc.h"
#include "validate.h"

typedef struct ingest ingest;

/* Create over the given parts (all borrowed; they must outlive it), restore
 * the presence remembered in the store into ev, and subscribe to the three
 * gateway topics at QoS 1. Returns AMR_OK, AMR_ENOMEM, AMR_EDB or AMR_EMQ. */
amr_err ingest_create(ingest **out, struct svc *s, const struct validate_opts *vo, ingestdb *st,
		      events *ev, outbox *ob, router *r);

/* Free. Subscriptions stay with the MQTT client. Accepts NULL. */
void ingest_destroy(ingest *in);

#endif
