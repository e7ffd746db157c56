/*
 * batch.h - the canonical readings batch (amr/v1/readings/{obj}) as a plain
 * struct.
 *
 *   {"obj":1,"rx":T,"seq":N,"prev":N,"ts":T,
 *    "readings":[{"addr":5,"ch":1,"total":123456,"delta":12,"period_ms":850}],
 *    "devices":[...],"events":[{"type":"counter_zeroed","addr":5,"ch":1,"ts":T}]}
 *
 * Ingest has validated it, but the archive is the system of record and
 * checks it again by the same rules (lib/telemetry.h): seq and prev, ts
 * within ingest's window around the receive time rx (which must be there,
 * and not ahead of the archive's clock), the readings' fields and bounds,
 * one reading per channel, a delta the counter events can explain; and
 * the object matching the topic. Of the devices and events, only
 * counter_zeroed, counter_decreased, object_changed and address_changed
 * are needed here; others are left to ingest.
 */
#ifndef AMR_ARCHIVE_BATCH_H
#define AMR_ARCHIVE_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "jv.h"
#include "telemetry.h"

#define BATCH_MAX_READINGS 65536 /* readings in one batch */
#define BATCH_MAX_EVENTS   4096	 /* events in one batch */

/* A channel inside an object: addr in the high byte, ch in the low one. */
#define BATCH_CHAN(addr, ch) ((uint16_t)(((addr) << 8) | (ch)))

struct batch_reading {
	uint16_t chan;	    /* BATCH_CHAN(addr, ch) */
	uint32_t total;	    /* device counter */
	uint32_t delta;	    /* pulses since the previous batch, per the gateway */
	uint32_t period_ms; /* last pulse period, 0 = none yet */
};

/* A counter_zeroed or counter_decreased event of the batch. */
struct batch_counter {
	uint16_t chan; /* BATCH_CHAN(addr, ch) */
	bool zeroed;   /* counter_zeroed (else counter_decreased) */
	int64_t from;  /* the total before, -1 when the event has none */
};

/* A device that moved to another address (address_changed). */
struct batch_move {
	uint8_t from; /* the old address */
	uint8_t to;   /* the new one */
};

struct batch {
	struct batch *next;		/* pending list link (writer) */
	uint64_t arrived_ms;		/* loop_now_ms() at arrival (writer) */
	uint16_t obj;			/* object number 1..PROTO_OBJ_MAX */
	uint64_t seq;			/* gateway sequence number */
	bool has_prev;			/* the batch names its predecessor */
	uint64_t prev;			/* seq of the gateway's batch before it (has_prev) */
	int64_t ts;			/* gateway time of the readings, UTC s */
	int64_t rx;			/* ingest's receive time, UTC s */
	size_t n;			/* readings */
	struct batch_reading *r;	/* new: batch_free() frees it */
	size_t ncounters;		/* counter events, in order */
	struct batch_counter *counters; /* new */
	bool obj_changed;		/* object_changed: the gateway's deltas count */
	size_t nmoves;			/* address_changed events, in order */
	struct batch_move *moves;	/* new */
};

/* The archive's clock when a batch arrived, and the time window ingest
 * applies (its --horizon-days and --ts-ahead). */
struct batch_clock {
	int64_t now;			/* UTC s */
	struct telemetry_window window; /* ts around rx; rx at most now + ahead */
};

/*
 * Parse text[0..len) as a canonical batch for object topic_obj (0: take the
 * batch's own obj), arrived at clk. A batch as ingest writes it is read by
 * a streaming reader (lib/jflat.h); anything it declines, and every error,
 * goes through a jansson tree, so the messages are the same either way.
 * On success *out gets a new batch (free with batch_free()). On failure
 * err names the field and the bad value.
 * Returns AMR_OK, AMR_EINVAL or AMR_ENOMEM.
 */
amr_err batch_parse(const char *text, size_t len, const struct batch_clock *clk, unsigned topic_obj,
		    struct batch **out, struct jv_err *err);

/* True if the batch has a counter_zeroed event for chan. */
int batch_zeroed(const struct batch *b, uint16_t chan);

/*
 * The most pulses the totals can show for chan across the batch's counter
 * events, when the archive last counted the total last: the first event's
 * from minus last (0 when from is below it), the from of each later event,
 * plus total, the reading's. A from that is missing counts 0.
 */
uint64_t batch_counted_bound(const struct batch *b, uint16_t chan, uint32_t total, uint32_t last);

/* Free a batch. Accepts NULL. */
void batch_free(struct batch *b);

#endif
