/*
 * spool.h - the durable spool of telemetry batches (DESIGN.md 4.3).
 *
 * Kept in an LMDB environment on the gateway's flash (kv.h), so that each
 * step is one transaction, synced before it returns:
 *
 *   append  the batch (with its new seq), the new baseline of every channel
 *           it carries and the next seq - all or nothing. A power cut before
 *           the commit leaves the pulses on the devices, counted again from
 *           the old baseline after the restart; after it, the batch is in
 *           the spool. Either way no pulse is lost or counted twice.
 *   sent    the highest seq that may have reached the broker, written
 *           before publishing: only batches above it are ever merged, since
 *           a batch the archive may hold must be sent again unchanged.
 *   ack     batches at or below the archive's ack are dropped.
 *   merge   when the spool holds capacity batches, the two oldest batches
 *           never sent become one (upbatch_merge()).
 *
 * Each batch carries "prev", the seq of the batch before it (merges and
 * renumbering keep the chain), so the archive can refuse a batch whose
 * predecessor it never stored (the broker lost it) instead of moving its
 * mark over the gap; without an ack the gateway sends again from the oldest.
 *
 * seq is stored with the batch, so it never repeats across restarts and
 * power cuts; an ack above it (the archive remembers a previous spool)
 * moves it past the ack.
 */
#ifndef GW_SPOOL_H
#define GW_SPOOL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "kv.h"

typedef struct spool spool;

/* Open the spool's databases in k (borrowed; must outlive the spool).
 * capacity is the most batches kept (>= 4). Returns AMR_OK, AMR_EINVAL,
 * AMR_ENOMEM or AMR_EDB. */
int spool_open(spool **out, kv *k, unsigned capacity);

/* Free. Accepts NULL. */
void spool_close(spool *s);

/* Call fn for every baseline on flash. Returns AMR_OK or AMR_EDB. */
int spool_baselines(spool *s, void (*fn)(void *ctx, unsigned addr, unsigned ch, uint32_t total),
		    void *ctx);

/*
 * Store batch b (borrowed; its "seq" is set here) with the baselines of its
 * readings, merging old unsent batches first when the spool is full. If
 * sending, the sent mark moves to the new seq in the same transaction.
 * Returns AMR_OK with *seq, AMR_EFULL (full of sent, unacknowledged batches:
 * the caller keeps its pulses for later), AMR_ENOMEM or AMR_EDB; on error
 * nothing changed on flash.
 */
int spool_append(spool *s, json_t *b, bool sending, uint64_t *seq);

/* Drop the baselines of addr (a device moved away). AMR_OK or AMR_EDB. */
int spool_forget(spool *s, unsigned addr);

/* The archive holds everything up to seq. Duplicate and older acks change
 * nothing. Returns AMR_OK or AMR_EDB. */
int spool_ack(spool *s, uint64_t seq);

/* Mark that batches up to seq may be published. AMR_OK or AMR_EDB. */
int spool_mark_sent(spool *s, uint64_t seq);

/* The oldest stored batch with seq > after: *seq and its text in *text
 * (new). AMR_OK, AMR_ENOTFOUND, AMR_ENOMEM, AMR_EDB. */
int spool_next(spool *s, uint64_t after, uint64_t *seq, char **text);

unsigned spool_pending(const spool *s);	    /* batches stored */
unsigned spool_capacity(const spool *s);    /* most batches kept */
uint64_t spool_acked(const spool *s);	    /* highest ack seen */
uint64_t spool_sent(const spool *s);	    /* sent mark */
uint64_t spool_last_seq(const spool *s);    /* last seq given, 0 if none */
unsigned long spool_merges(const spool *s); /* merges done since open */

#endif
