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
 *
 * Object numbers (docs/gateway.md, "Changing the object number"): a batch
 * belongs to the object it was made under, and each object number has its
 * own chain - its batches, its seq, its sent mark and its ack - so a
 * number the gateway comes back to goes on where it stopped. New batches
 * go to the spool's object, given at open; batches of other numbers wait
 * for their own acks. The first batch stored under a number other than
 * the one of the batch before it gets an object_changed event naming that
 * number: its deltas count from totals sent under the other number.
 */
#ifndef GW_SPOOL_H
#define GW_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "kv.h"

typedef struct spool spool;

/* Open the spool's databases in k (borrowed; must outlive the spool); new
 * batches belong to object obj (1..65000). capacity is the most batches
 * kept, of every object (>= 4). A spool written before objects had chains
 * of their own is taken as obj's. Returns AMR_OK, AMR_EINVAL, AMR_ENOMEM
 * or AMR_EDB. */
int spool_open(spool **out, kv *k, unsigned capacity, unsigned obj);

/* Free. Accepts NULL. */
void spool_close(spool *s);

/* Call fn for every baseline on flash. Returns AMR_OK or AMR_EDB. */
int spool_baselines(spool *s, void (*fn)(void *ctx, unsigned addr, unsigned ch, uint32_t total),
		    void *ctx);

/*
 * Store batch b (borrowed; its "seq" and "prev" are set here, and an
 * object_changed event added when the last batch stored was another
 * object's) under the spool's object with the baselines of its readings,
 * merging old unsent batches of that object first when the spool is full.
 * If sending, the sent mark moves to the new seq in the same transaction.
 * Returns AMR_OK with *seq, AMR_EFULL (full of sent, unacknowledged
 * batches: the caller keeps its pulses for later), AMR_ENOMEM or AMR_EDB;
 * on error nothing changed on flash.
 */
int spool_append(spool *s, json_t *b, bool sending, uint64_t *seq);

/* Drop the baselines of addr (a device moved away). AMR_OK or AMR_EDB. */
int spool_forget(spool *s, unsigned addr);

/*
 * The durable mark of a zero command under way on input ch of addr
 * (docs/gateway.md, "Counters that go down"): set (on) after the pulses
 * before the zero are stored and before the zero is written, cleared once
 * a batch holding the total after it is stored. One synced transaction.
 * Returns AMR_OK or AMR_EDB.
 */
int spool_zeroing(spool *s, unsigned addr, unsigned ch, bool on);

/* Call fn for every zero mark on flash (at start). AMR_OK or AMR_EDB. */
int spool_zeroings(spool *s, void (*fn)(void *ctx, unsigned addr, unsigned ch), void *ctx);

/* The archive holds everything of object obj up to seq. Duplicate and
 * older acks, and acks of an object without batches here, change nothing.
 * An ack above every seq given renumbers the batches above it, unless
 * they or the next batch would pass PROTO_SEQ_MAX, what ingest accepts:
 * then it is refused (logged) and nothing changes.
 * Returns AMR_OK, AMR_EINVAL (refused) or AMR_EDB. */
int spool_ack(spool *s, unsigned obj, uint64_t seq);

/* Mark that batches of obj up to seq may be published. AMR_OK or AMR_EDB. */
int spool_mark_sent(spool *s, unsigned obj, uint64_t seq);

/* The oldest stored batch of obj with seq > after: *seq and its text in
 * *text (new). AMR_OK, AMR_ENOTFOUND, AMR_ENOMEM, AMR_EDB. */
int spool_next(spool *s, unsigned obj, uint64_t after, uint64_t *seq, char **text);

/* The objects other than the spool's with batches waiting for an ack, up
 * to max of them into objs; returns how many there are. */
size_t spool_others(const spool *s, unsigned *objs, size_t max);

unsigned spool_obj(const spool *s);			 /* object of new batches */
unsigned spool_pending(const spool *s);			 /* batches stored, all objects */
unsigned spool_pending_of(const spool *s, unsigned obj); /* batches of obj */
unsigned spool_capacity(const spool *s);		 /* most batches kept */
uint64_t spool_acked(const spool *s, unsigned obj);	 /* highest ack of obj */
uint64_t spool_sent(const spool *s, unsigned obj);	 /* sent mark of obj */
uint64_t spool_last_seq(const spool *s, unsigned obj);	 /* last seq of obj, 0 if none */
unsigned long spool_merges(const spool *s);		 /* merges done since open */

#endif
