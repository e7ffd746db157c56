/*
 * outputs.h - what the gateway knows of each UO-4's outputs (pure).
 *
 * The coils of a UO-4 are its outputs 1..4 (1 = consumer blocked,
 * firmware/uo4/uo4_map.h). The gateway reads them when a device comes (back) online,
 * after mains returns (the device restores its blocks then), after every
 * block or unblock, and one device per poll cycle otherwise, so that a
 * change made by someone else (another master, a device reset) is seen.
 * Nothing is known until the first read: a silent device (on battery, its
 * outputs released) keeps the state last read, never an invented one.
 */
#ifndef GW_OUTPUTS_H
#define GW_OUTPUTS_H

#include <stdbool.h>
#include <stdint.h>

#include "../uo4/uo4_map.h"

#define OUTPUTS_N UO4_OUTPUTS

struct outputs {
	bool known;		  /* coils below were read from the device */
	uint8_t coils[OUTPUTS_N]; /* output 1..4: 1 blocked, 0 released */
};

/*
 * Take the coils just read (nonzero = blocked). Returns the outputs whose
 * state differs from the one known before, bit out-1 for output out; 0 when
 * nothing changed or nothing was known (*first then tells which: true when
 * this is the first state known). o becomes known with these coils.
 */
unsigned outputs_take(struct outputs *o, const uint8_t coils[OUTPUTS_N], bool *first);

/*
 * The round robin of the low-rate reads: the first address after *cursor
 * (1..127, wrapping) for which eligible(ctx, addr) is true; *cursor becomes
 * that address. Returns it, or 0 when no address is eligible (*cursor
 * unchanged).
 */
unsigned outputs_next(unsigned *cursor, bool (*eligible)(void *ctx, unsigned addr), void *ctx);

#endif
