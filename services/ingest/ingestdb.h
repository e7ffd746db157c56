/*
 * ingestdb.h - amr-ingest's own LMDB environment: commands and what is known
 * of each gateway's presence, so that neither is lost by a restart.
 *
 * Databases (keys big-endian, see kv.h):
 *   cmd      u64 n            -> command record, JSON text (cmd_to_json)
 *   cmd_obj  u16 obj, u64 n   -> ""   (commands of one gateway, for listing)
 *   open     u64 n            -> ""   (commands still queued or sent)
 *   gw       u16 obj          -> 1 byte: 0 offline, 1 online
 *   meta     "next_id"        -> u64  (next command number)
 * Command ids are "c<n>"; n starts at the Unix time of the first start times
 * 1000, so ids from a re-created store do not repeat old ones.
 */
#ifndef AMR_INGEST_INGESTDB_H
#define AMR_INGEST_INGESTDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "commands.h"
#include "err.h"

typedef struct ingestdb ingestdb;

/* Open (creating) the environment in directory dir at time now.
 * Returns AMR_OK, AMR_ENOMEM, AMR_EIO or AMR_EDB. */
amr_err ingestdb_open(ingestdb **out, const char *dir, int64_t now);

/* Close. Accepts NULL. */
void ingestdb_close(ingestdb *s);

/* Give c a new id and write it (record, per-gateway index, open set).
 * Returns AMR_OK or AMR_EDB; on error c->id is unspecified. */
amr_err ingestdb_cmd_add(ingestdb *s, struct cmd *c);

/* Rewrite the record of c (its id must exist); keeps the open set in step
 * with c->state. Returns AMR_OK, AMR_EINVAL (bad id), AMR_ENOTFOUND or AMR_EDB. */
amr_err ingestdb_cmd_put(ingestdb *s, const struct cmd *c);

/* Read command id into *c. Returns AMR_OK, AMR_ENOTFOUND (also for ids that
 * are not ours), AMR_EDB or AMR_EPROTO (record unreadable). */
amr_err ingestdb_cmd_get(ingestdb *s, const char *id, struct cmd *c);

/* Call fn for every queued or sent command, oldest first; stops at fn's
 * first non-zero return, which is returned. c is valid for the call only.
 * Returns AMR_OK, AMR_EDB or fn's code. */
amr_err ingestdb_cmd_open_each(ingestdb *s, int (*fn)(void *ctx, const struct cmd *c), void *ctx);

/* Newest first, at most limit records (of gateway obj, or of all when obj
 * is 0) in *items, a new array. Returns AMR_OK, AMR_ENOMEM or AMR_EDB. */
amr_err ingestdb_cmd_list(ingestdb *s, unsigned obj, size_t limit, json_t **items);

/* Remove at most max finished commands that finished before `before`;
 * *removed gets how many. Returns AMR_OK or AMR_EDB. */
amr_err ingestdb_cmd_prune(ingestdb *s, int64_t before, size_t max, size_t *removed);

/* Remember gateway obj's presence. Returns AMR_OK or AMR_EDB. */
amr_err ingestdb_presence_set(ingestdb *s, unsigned obj, bool online);

/* Call fn for every gateway with a known presence; stops at fn's first
 * non-zero return, which is returned. Returns AMR_OK, AMR_EDB or fn's code. */
amr_err ingestdb_presence_each(ingestdb *s, int (*fn)(void *ctx, unsigned obj, bool online),
			       void *ctx);

#endif
