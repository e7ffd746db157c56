/*
 * store.h - the archive's readings store over LMDB: the write path (group
 * commit, rollups, high-water marks, quarantine) and the scans queries use.
 *
 * Databases and keys (all integers big-endian, so byte order is time order):
 *
 *   hwm         obj u16                         -> seq u64
 *   state       obj u16                         -> [chan state] sorted by chan
 *   raw         obj u16 | ts u64 | seq u64      -> [raw reading] of one batch
 *   hour        obj u16 | hour start u64        -> [chan u16, pulses u64] sorted
 *   day         obj u16 | local day start u64   -> same
 *   month       obj u16 | local month start u64 -> same
 *   quarantine  obj u16 | chan u16 | ts | seq   -> total, last total, delta, resolved
 *   hcover      obj u16 | UTC hour start u64    -> [chan coverage] sorted by chan
 *   import      obj u16 | chan u16 | from u64   -> to, hours, pulses, source
 *   meta        "tz", "schema", "cover_from"    -> text
 *
 * chan is addr << 8 | ch (BATCH_CHAN). Rollups are kept per object, so one
 * batch costs a handful of puts whatever its size.
 *
 * Archived delta of a reading (what rollups and consumption count):
 *   - a counter_zeroed event for the channel in the batch, an
 *     object_changed event in the batch (the pulses since the last totals
 *     of this object were counted under the gateway's other number), or a
 *     channel seen for the first time: the gateway's delta (which the
 *     parse has held to the total plus the counter events' from);
 *   - but after counter_zeroed (without object_changed) no more than the
 *     totals show, batch_counted_bound() from the last counted total: a
 *     claim beyond it counts that much, and the reading is quarantined
 *     with the claim (kept in "quarantine", reported), the new total the
 *     base;
 *   - otherwise total - last total, recomputed from the totals so that a
 *     lost batch loses no pulses (pulse conservation, DESIGN.md 4.3);
 *   - a total below the last one without counter_zeroed: the reading is
 *     quarantined (delta 0, kept in "quarantine", reported once per
 *     channel) and the last total is kept, until the total is back at or
 *     above it or an operator rebases the channel.
 *
 * Coverage (hcover): for every reading, stored or quarantined, its hour's
 * entry of the channel counts it, so that a query can tell an hour
 * without readings from one without consumption; a reading whose archived
 * delta comes more than STORE_LUMP_GAP after the channel's previous
 * counted reading adds its pulses to "lumped" (an outage's pulses in one
 * hour). Hours before "cover_from" (an archive of schema 1, upgraded) have
 * no coverage of their own.
 *
 * A device that moved (address_changed in a batch) takes its channels'
 * states and its registry records to the new address, after the batch's
 * readings are counted at the old one: the next reading at the new
 * address counts from the old address's last totals, and the move is
 * audited in the same transaction (registry_move()).
 *
 * Gaps (docs/protocol.md, delivery guarantee): a batch may name the seq of
 * the gateway's batch before it ("prev"). A batch above the mark whose prev
 * is also above the mark follows a batch the archive never got (the broker
 * lost it): it is refused, neither stored nor acknowledged, so the gateway
 * sends everything unacknowledged again, oldest first. An object without a
 * mark (never seen, or a wiped archive) is accepted whatever its prev, and a
 * gap refused for the gap wait (in memory, per object, from the first
 * refusal) is given up: the batch is stored, and as deltas come from the
 * totals no pulse is lost, only the time resolution of the gap.
 */
#ifndef AMR_ARCHIVE_STORE_H
#define AMR_ARCHIVE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "audit.h"
#include "batch.h"
#include "err.h"
#include "kv.h"
#include "registry.h"
#include "tbucket.h"

typedef struct store store;

enum {
	STORE_CHAN_QUARANTINED = 1, /* state flag: last reading went down */
};

enum {
	STORE_RAW_NEW = 1,	    /* first reading of the channel */
	STORE_RAW_ZEROED = 2,	    /* counter_zeroed in the batch */
	STORE_RAW_QUARANTINED = 4,  /* went down: not counted */
	STORE_RAW_MISMATCH = 8,	    /* gateway delta differed from the totals */
	STORE_RAW_OBJ_CHANGED = 16, /* object_changed in the batch */
	STORE_RAW_CLAIM = 32,	    /* the gateway claimed more than the totals show */
};

/* Why a reading is in quarantine. */
enum store_quar_reason {
	STORE_QUAR_DECREASED, /* its total went down without counter_zeroed */
	STORE_QUAR_DELTA,     /* its delta after a zero was more than the totals show */
};

struct store_ack {
	uint16_t obj; /* object */
	uint64_t seq; /* its high-water mark after the commit */
};

struct store_quarantine {
	uint16_t obj;		       /* object */
	uint16_t chan;		       /* addr << 8 | ch */
	int64_t ts;		       /* reading time */
	uint64_t seq;		       /* batch */
	uint32_t total;		       /* the reading's total */
	uint32_t last_total;	       /* the last total counted before it */
	enum store_quar_reason reason; /* why */
	uint32_t delta;		       /* STORE_QUAR_DELTA: the gateway's claim */
	uint64_t counted;	       /* STORE_QUAR_DELTA: what the totals show, counted */
};

/* A reading counted more than this after its channel's previous counted
 * reading lumps an outage's pulses into its hour: an hour, plus 5 minutes
 * for a late batch (a gateway sends every 10 s by default, every minute
 * at the slowest usual setting). */
#define STORE_LUMP_GAP (3600 + 300)

/* Coverage of one channel over a span (store_cover_scan()). */
struct store_cover {
	uint64_t span_hours;	 /* hours starting in the span */
	uint64_t hours;		 /* of them with a reading or imported pulses */
	int64_t first, last;	 /* first and last reading, UTC s (hours > 0) */
	uint64_t quarantined;	 /* readings quarantined, either reason */
	uint64_t lumped_pulses;	 /* pulses of readings after an outage */
	uint64_t imported_hours; /* hours whose pulses came by import */
};

/* Default gap wait, s: three times the gateway's default resend interval. */
#define STORE_GAP_WAIT_DEFAULT 90

/* A batch that followed a gap: refused, or stored after the gap wait. */
struct store_gap {
	uint16_t obj;  /* object */
	uint64_t mark; /* its high-water mark: (mark, prev] is missing */
	uint64_t prev; /* the batch's prev */
	uint64_t seq;  /* the batch */
	int64_t since; /* first refusal of this gap, UTC s */
	bool given_up; /* stored anyway: the gap wait is over */
	bool jump;     /* refused for ever: seq leaps past STORE_SEQ_JUMP (mark 0: none) */
};

/* The farthest a gateway's seq may leap past its mark, or past 0 for an
 * object's first batch (a fresh gateway and a new object number start at
 * seq 1). A gateway numbers its batches one by one (a spool merge or a
 * wiped flash skips at most the spool's size), so a leap beyond this is a
 * broken or forged batch; taken, it would move the mark out of reach of
 * every later batch of the object, and make the gateway renumber its
 * batches above it, past what ingest accepts near 2^53. */
#define STORE_SEQ_JUMP 4294967296ULL

/* What one commit did. Its arrays are new: free them with store_outcome_free(). */
struct store_outcome {
	size_t batches;		/* batches stored */
	size_t duplicates;	/* batches at or below the mark, ignored */
	size_t readings;	/* readings stored */
	uint64_t pulses;	/* archived pulses */
	size_t quarantined;	/* readings quarantined, either reason */
	size_t claims;		/* of them, for a delta above what the totals show */
	size_t new_channels;	/* channels registered */
	size_t mismatches;	/* gateway deltas that differed */
	size_t lumped;		/* readings after an outage (STORE_LUMP_GAP) */
	size_t nacks;		/* objects to acknowledge */
	struct store_ack *acks; /* one per object, highest seq */
	size_t nevents;		/* channels newly quarantined */
	struct store_quarantine *events;
	size_t gaps_refused;  /* batches refused after a gap */
	size_t gaps_given_up; /* batches stored across a gap (wait over) */
	size_t jumps_refused; /* batches whose seq leaps past STORE_SEQ_JUMP */
	size_t ngaps;	      /* both, in order */
	struct store_gap *gaps;
	json_t *audits; /* records of the store's own registry changes, to publish */
};

struct store_chan {
	uint16_t chan;	    /* addr << 8 | ch */
	uint8_t flags;	    /* STORE_CHAN_ */
	uint32_t total;	    /* last counted total */
	uint32_t period_ms; /* last pulse period */
	int64_t ts;	    /* time of the last counted reading */
};

struct store_raw {
	int64_t ts;	    /* reading time */
	uint64_t seq;	    /* batch */
	uint16_t chan;	    /* addr << 8 | ch */
	uint8_t flags;	    /* STORE_RAW_ */
	uint32_t total;	    /* device total */
	uint32_t delta;	    /* archived delta */
	uint32_t period_ms; /* pulse period */
};

/* Open the databases in k (borrowed) and check the time zone tz against
 * the one the archive was created with. reg and aud (where the registry
 * changes of a commit are audited) are borrowed.
 * Returns AMR_OK, AMR_ENOMEM, AMR_EINVAL (other zone) or AMR_EDB. */
amr_err store_open(store **out, kv *k, registry *reg, audit *aud, const char *tz);

/* Free. Accepts NULL. */
void store_close(store *s);

/* The environment (borrowed). */
kv *store_kv(store *s);

/* How long, in seconds, a gap is refused before it is given up (0: gaps
 * are never refused, only reported). STORE_GAP_WAIT_DEFAULT until set. */
void store_gap_wait_set(store *s, int64_t seconds);

/*
 * Store batches b[0..n) (borrowed) in one write transaction, in order: each
 * batch above its object's mark with its rollups, the new marks,
 * quarantined readings and first-seen channels; a batch after a gap is
 * refused (see above). now (UTC s, the caller's clock) stamps new registry
 * records and times gaps. Objects with a batch stored or repeated get an
 * ack; objects whose batches were all refused get none.
 * On AMR_OK *out says what happened (free it); on failure nothing changed,
 * in LMDB or in the gaps being timed.
 * Returns AMR_OK, AMR_ENOMEM or AMR_EDB.
 */
amr_err store_commit(store *s, struct batch *const *b, size_t n, int64_t now,
		     struct store_outcome *out);

/* Free the arrays of an outcome. */
void store_outcome_free(struct store_outcome *o);

/* Object obj's high-water mark (0 when none). Returns AMR_OK or AMR_EDB. */
amr_err store_hwm(store *s, MDB_txn *txn, uint16_t obj, uint64_t *seq);

/* Channels of object obj: *out a new array (the caller frees it), *n entries.
 * Returns AMR_OK, AMR_ENOTFOUND (object never seen), AMR_ENOMEM, AMR_EDB. */
amr_err store_state(store *s, MDB_txn *txn, uint16_t obj, struct store_chan **out, size_t *n);

/* Objects with readings, ascending: calls cb(ctx, obj) until it returns
 * non-zero. Returns AMR_OK or AMR_EDB. */
amr_err store_objects(store *s, MDB_txn *txn, int (*cb)(void *ctx, uint16_t obj), void *ctx);

/* Rollup buckets of step (hour, day, month) of one channel starting in
 * [from, to): cb(ctx, start, pulses) in time order, buckets without pulses
 * skipped; stops when cb returns non-zero. Returns AMR_OK or AMR_EDB. */
amr_err store_rollup_scan(store *s, MDB_txn *txn, enum tb_step step, uint16_t obj, uint16_t chan,
			  int64_t from, int64_t to,
			  int (*cb)(void *ctx, int64_t start, uint64_t pulses), void *ctx);

/*
 * Coverage of channel chan of obj over the UTC hours starting in [from,
 * to) into *out. An hour before store_cover_from() without an entry of its
 * own counts as one with a reading (at its start) when its rollup shows
 * pulses: quarantined and lumped readings of such hours are not known.
 * An hour of imported pulses counts as read at its start.
 * Returns AMR_OK or AMR_EDB.
 */
amr_err store_cover_scan(store *s, MDB_txn *txn, uint16_t obj, uint16_t chan, int64_t from,
			 int64_t to, struct store_cover *out);

/* Hours from this UTC time on have coverage; 0 for an archive created with
 * it, the hour after the upgrade for one of schema 1. */
int64_t store_cover_from(store *s);

/* Hours of pulses of one channel to import (store_import()). */
struct store_import {
	struct proto_id key;	/* the channel */
	int64_t from, to;	/* its hours [from, to), whole UTC hours */
	size_t n;		/* hours */
	const uint32_t *pulses; /* pulses of each hour (borrowed) */
	uint64_t total;		/* their sum */
	const char *source;	/* where they come from (borrowed) */
	const json_t *audit;	/* the audit record (borrowed), stored with them */
};

/*
 * Import historical or manual readings: im's hours into the hour, day and
 * month rollups and the coverage (imported), the import's record and its
 * audit record, in one transaction; not into raw readings, and the
 * channel's state is not changed. A channel never seen is registered
 * (registry_ensure(), stamped now; *created says so, may be NULL).
 * Refused with AMR_ESTATE and err naming the channel and the time when
 * [from, to) ends after the channel's first live reading, or overlaps an
 * earlier import of it: nothing is changed then.
 * Returns AMR_OK, AMR_ESTATE, AMR_ENOMEM or the kv_write() errors.
 */
amr_err store_import(store *s, const struct store_import *im, int64_t now, bool *created,
		     struct jv_err *err);

/* A meter's reading sent by a person or a device (store_manual()). */
struct store_manual {
	struct proto_id key; /* the channel */
	const char *ref;     /* the sender's idempotency key, "sms:<Kannel id>" */
	const char *value;   /* the exact decimal read, in the channel's unit */
	int64_t ts;	     /* when it was read */
	const char *source;  /* "sms:+79001234567" */
	const char *actor;   /* who sent it */
	const char *reason;  /* why, may be NULL */
};

/*
 * Keep manual reading m of a channel the registry has, once per ref
 * (docs/archive.md, "Manual readings"): the record {"ref","channel",
 * "value","unit","ts","source","actor","reason"?,"at"} into the manual
 * database with audit record audit (borrowed) in one transaction. A ref
 * kept before changes nothing: *out is the record kept then and *repeat
 * true. Nothing else (rollups, coverage, the channel's state) changes: a
 * manual reading is kept beside the counted pulses, never counted with
 * them. Returns AMR_OK; AMR_ENOTFOUND with err naming the channel when the
 * registry has none; AMR_ENOMEM or the kv_write() errors.
 */
amr_err store_manual(store *s, const struct store_manual *m, const json_t *audit, int64_t now,
		     json_t **out, bool *repeat, struct jv_err *err);

/* Raw readings of one channel with ts in [from, to), in time order. */
int store_raw_scan(store *s, MDB_txn *txn, uint16_t obj, uint16_t chan, int64_t from, int64_t to,
		   int (*cb)(void *ctx, const struct store_raw *r), void *ctx);

/* Quarantined readings of object obj (0 all), channel chan (0 all), as a
 * new JSON array of {"channel","ts","seq","total","last_total","delta",
 * "reason","resolved"} ("reason": "decreased" or "delta"), at most limit.
 * Returns AMR_OK, AMR_ENOMEM or AMR_EDB. */
amr_err store_quarantine_list(store *s, MDB_txn *txn, uint16_t obj, uint16_t chan, size_t limit,
			      json_t **out);

/* Accept the counter of a quarantined channel as it now is: its last total
 * becomes the latest quarantined total, its quarantine records are marked
 * resolved. *total gets the new base. Returns AMR_OK, AMR_ENOTFOUND (not
 * quarantined), AMR_EDB. */
amr_err store_quarantine_rebase(store *s, uint16_t obj, uint16_t chan, uint32_t *total);

/* Delete raw readings older than cutoff, at most max per transaction, until
 * none is left; rollups stay. *deleted counts them. Returns AMR_OK or
 * AMR_EDB. */
amr_err store_retention(store *s, int64_t cutoff, size_t max, size_t *deleted);

#endif
