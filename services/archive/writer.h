/*
 * writer.h - group commit of readings batches (the edge of store.c).
 *
 * Batches from amr/v1/readings/{obj} are parsed on arrival and collect in a
 * pending list. The list is committed in one LMDB transaction when it holds
 * max_batches batches or max_readings readings, or commit_ms after its first
 * batch arrived (commit_ms <= 100 keeps the DESIGN's bound between arrival
 * and commit). Only after the commit are the acknowledgements
 * {"seq":N} published, retained, on amr/v1/gw/{obj}/ack, and quarantine
 * events on amr/v1/events/{obj}.
 *
 * A batch refused for a gap (store.h) is logged and counted, not
 * acknowledged. A batch that does not parse goes to amr/v1/deadletter with
 * the reason.
 * A failed commit acknowledges nothing: the gateways send again. While
 * commits fail (disk full, map full at its limit) the store refuses: the
 * change is logged once each way, the gauge amr_archive_store_refusing is 1
 * and the service's status carries "problem" (svc_set_problem()).
 */
#ifndef AMR_ARCHIVE_WRITER_H
#define AMR_ARCHIVE_WRITER_H

#include <stddef.h>

#include "err.h"
#include "kv.h"
#include "mq.h"
#include "store.h"
#include "svc.h"

typedef struct writer writer;

struct writer_opts {
	unsigned commit_ms;		/* longest wait from first arrival to commit */
	size_t max_batches;		/* commit at once when this many are pending */
	size_t max_readings;		/* ... or this many readings */
	struct telemetry_window window; /* ingest's ts window (batch_parse()) */
};

/* Create a writer storing into s (in environment k, for the map gauges),
 * publishing through svc (all borrowed). Returns AMR_OK or AMR_ENOMEM. */
amr_err writer_create(writer **out, store *s, kv *k, struct svc *svc, const struct writer_opts *o);

/* Commit what is pending, then free. Accepts NULL. */
void writer_destroy(writer *w);

/* mq handler for amr/v1/readings/+ (ctx is the writer). */
void writer_on_readings(void *ctx, const struct mq_msg *msg);

/* Commit what is pending now. Returns AMR_OK or the store's error. */
amr_err writer_flush(writer *w);

#endif
