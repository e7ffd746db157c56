/*
 * cmdlog.h - the server commands already executed, on flash.
 *
 * A command id seen again (the broker redelivers, ingest retries) gets the
 * recorded answer instead of a second execution. An id is recorded as
 * "started" before a device is touched, so a restart in the middle is
 * reported rather than repeated. The newest `keep` ids are kept.
 */
#ifndef GW_CMDLOG_H
#define GW_CMDLOG_H

#include "kv.h"

#define CMDLOG_STARTED "" /* answer text of a command not finished */

typedef struct cmdlog cmdlog;

/* Open in k (borrowed). Returns AMR_OK, AMR_ENOMEM or AMR_EDB. */
int cmdlog_open(cmdlog **out, kv *k, unsigned keep);

/* Free. Accepts NULL. */
void cmdlog_close(cmdlog *c);

/* The answer recorded for id: AMR_OK with the answer in *answer (new;
 * CMDLOG_STARTED if unfinished), AMR_ENOTFOUND, AMR_ENOMEM or AMR_EDB. */
int cmdlog_get(cmdlog *c, const char *id, char **answer);

/* Record (or replace) the answer of id, synced. AMR_OK or AMR_EDB. */
int cmdlog_put(cmdlog *c, const char *id, const char *answer);

#endif
