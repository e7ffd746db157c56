/*
 * counter.h - one pulse input: debounce, total, period between pulses.
 *
 * Pure: the caller feeds samples of the raw input level with the device
 * time (ms) at which it was seen; nothing here touches the hardware or the
 * NV memory. The caller persists the total (see journal.h) when
 * counter_sample() reports a pulse.
 *
 * Debounce: a level counts only once it has held for at least debounce_ms.
 * A pulse is counted on the debounced rising edge (contact closed); its
 * time is the moment the closing level began, so bounce on the contact does
 * not skew the period. The caller must sample at least at every change of
 * the raw level (a pin-change interrupt or the simulator's edges) or
 * periodically faster than debounce_ms; a sample at the moment a level
 * ends is enough to judge how long it held.
 */
#ifndef UO4_COUNTER_H
#define UO4_COUNTER_H

#include <stdbool.h>
#include <stdint.h>

struct counter {
	uint32_t total;		/* pulses counted; mirrored in NV by the caller */
	uint32_t period_ms;	/* time between the last two pulses; 0 = fewer than 2 */
	uint32_t last_pulse_ms; /* device time the last pulse began */
	uint32_t raw_since_ms;	/* device time raw last changed */
	bool have_pulse;	/* last_pulse_ms is valid */
	bool raw;		/* last raw level seen */
	bool stable;		/* debounced level */
};

/* Start with total and both levels open (no pulse active). */
void counter_init(struct counter *c, uint32_t total, uint32_t now_ms);

/*
 * Feed the raw level seen at now_ms. Returns true when this sample
 * completes the debounce of a closing contact: total has been incremented
 * and period_ms updated. Samples must come in time order.
 */
bool counter_sample(struct counter *c, bool level, uint32_t now_ms, uint16_t debounce_ms);

/*
 * The period to report at now_ms: the last measured period, or the time
 * since the last pulse when that is longer (so a flow that stops decays to
 * zero instead of freezing). 0 until two pulses were counted.
 */
uint32_t counter_period(const struct counter *c, uint32_t now_ms);

/* Set the total to 0 and forget the period (the zero command). */
void counter_zero(struct counter *c);

#endif
