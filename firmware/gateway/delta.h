/*
 * delta.h - pulse deltas from device totals (pure).
 *
 * For each channel (address 1..127, input 1..4) the tracker knows the
 * baseline - the total last published, which the spool keeps on flash in
 * the same transaction as the batch - and the latest total read. A batch
 * carries delta = latest - baseline (summed over reads), so pulses counted
 * while the gateway was off, the link was down or the device was on battery
 * are published as soon as the device is read again: after a restart the
 * first read is compared with the baseline from flash.
 *
 * A total below the previous one is never a negative delta: it is either
 * the zero command the gateway sent (DELTA_ZEROED: the new total is
 * consumption since the zero) or DELTA_DECREASED (no consumption counted;
 * the new total becomes the reference).
 *
 * Use: delta_read() for every total read; delta_take() fills a batch;
 * after the spool stored it, delta_commit(); if storing failed,
 * delta_abort() and the pulses stay for the next batch.
 */
#ifndef GW_DELTA_H
#define GW_DELTA_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "settings.h"

struct delta_chan {
	uint32_t base;	    /* total last published (valid if known) */
	uint32_t latest;    /* total last read (valid if seen) */
	uint64_t acc;	    /* pulses since base, not yet published */
	uint32_t period_ms; /* last pulse period read */
	bool known;	    /* base came from flash or a published batch */
	bool seen;	    /* read since start */
	bool changed;	    /* something to publish */
	bool taken;	    /* in the batch being stored */
	bool zeroing;	    /* a zero of ours may have happened unseen */
};

struct delta {
	struct delta_chan ch[GW_ADDR_MAX + 1][GW_CHANNELS]; /* [addr][ch-1] */
};

enum delta_kind {
	DELTA_SAME,	 /* total unchanged */
	DELTA_UP,	 /* total grew: delta accumulated */
	DELTA_FIRST,	 /* first total of a channel without baseline */
	DELTA_ZEROED,	 /* total fell after our zero command */
	DELTA_DECREASED, /* total fell without a zero command */
};

void delta_init(struct delta *d);

/* Baseline from flash at start (before any read). */
void delta_set_base(struct delta *d, unsigned addr, unsigned ch, uint32_t total);

/*
 * A zero command of ours may have zeroed the counter without its result
 * being seen (the gateway restarted, or the read after the zero failed):
 * the next total read of the channel, if below the one before, is taken
 * as counted from that zero (DELTA_ZEROED) rather than as a counter that
 * fell. A total at or above it is taken as no zero. Either way the next
 * read ends it.
 */
void delta_set_zeroing(struct delta *d, unsigned addr, unsigned ch);

/* True while a delta_set_zeroing() waits for its read. */
bool delta_zeroing(const struct delta *d, unsigned addr, unsigned ch);

/*
 * A total read from a device. zeroed says the gateway just zeroed this
 * counter (its pre-zero total was read just before). *prev gets the total
 * before this read, for events. Bad addr/ch return DELTA_SAME.
 */
enum delta_kind delta_read(struct delta *d, unsigned addr, unsigned ch, uint32_t total,
			   uint32_t period_ms, bool zeroed, uint32_t *prev);

/* Pulses read but not yet published on a channel. */
uint64_t delta_pending(const struct delta *d, unsigned addr, unsigned ch);

/*
 * Add readings to batch b: every changed channel, or every channel read
 * since start when full. Marks them taken. Returns the number added, or
 * -1 when out of memory (then call delta_abort()).
 */
int delta_take(struct delta *d, json_t *b, bool full);

/* The batch was stored: taken channels have their new baseline. */
void delta_commit(struct delta *d);

/* The batch was not stored: forget the marks; the pulses stay pending. */
void delta_abort(struct delta *d);

/* The device left addr (address change): forget its channels. */
void delta_forget(struct delta *d, unsigned addr);

#endif
