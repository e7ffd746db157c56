/*
 * units.h - pulses to quantities with exact rational arithmetic.
 *
 * A channel's pulse weight is a rational num/den of its unit per pulse
 * (1/100 m3, 1/3200 kWh) valid from a time on. A quantity is an integer
 * scaled by 10^dec, printed as a decimal string ("0.120"); no floating point
 * is used anywhere.
 *
 * dec is the unit's decimals (units_unit_decimals: 3 for m3 and kWh), raised
 * to the decimals a weight needs to be exact (1/3200 kWh needs 7), at most
 * UNITS_MAX_DEC. A weight whose decimal expansion does not end (1/375) is
 * rounded half up at dec decimals.
 *
 * Splits add up: a query converts cumulative pulses per weight period and
 * differences them (units_acc), so the quantities of the hours, days or zones
 * of a span always sum to the quantity of the span.
 */
#ifndef AMR_UNITS_H
#define AMR_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define UNITS_MAX_DEC	  9	     /* most decimals a quantity carries */
#define UNITS_MAX_NUM	  1000000    /* largest weight numerator */
#define UNITS_MAX_DEN	  1000000000 /* largest weight denominator */
#define UNITS_MAX_WEIGHTS 32	     /* weight periods per channel */
#define UNITS_QTY_MAX	  48	     /* buffer size for a formatted quantity */

typedef unsigned __int128 units_u128;

struct units_weight {
	uint64_t num;	    /* unit per pulse, numerator (1..UNITS_MAX_NUM) */
	uint64_t den;	    /* denominator (1..UNITS_MAX_DEN) */
	int64_t valid_from; /* UTC seconds, a whole hour; 0 = from the start */
};

/* The units a channel may have, NULL-terminated ("m3", "kWh", ...). */
extern const char *const units_names[];

/* Decimals of a unit name (3 for m3/kWh, 0 for pulse); -1 if unknown. */
int units_unit_decimals(const char *unit);

/* Decimals that make num/den exact (0..UNITS_MAX_DEC), or -1 when more are
 * needed or the expansion does not end. */
int units_exact_decimals(uint64_t num, uint64_t den);

/* Decimals of a channel: the unit's, raised to what each weight needs. */
int units_channel_decimals(const char *unit, const struct units_weight *w, size_t n);

/* round_half_up(pulses * num / den * 10^dec). Never overflows within the
 * bounds above (pulses < 2^64). */
units_u128 units_scaled(uint64_t pulses, const struct units_weight *w, int dec);

/* Print v / 10^dec as a decimal string into buf (UNITS_QTY_MAX bytes),
 * e.g. v=120, dec=3 -> "0.120". Returns buf. */
char *units_format(units_u128 v, int dec, char *buf);

/* Parse a non-negative decimal string with at most dec decimals into
 * v*10^dec. Returns AMR_OK or AMR_EINVAL (not a number, too many
 * decimals, too big). */
amr_err units_parse(const char *s, int dec, units_u128 *out);

/* Check a weight table: bounds, valid_from whole hours, strictly
 * increasing. Writes the reason into msg (size bytes). Returns AMR_OK or
 * AMR_EINVAL. */
amr_err units_check_weights(const struct units_weight *w, size_t n, char *msg, size_t size);

/* Index of the weight valid at t in w[0..n) (sorted by valid_from): the last
 * with valid_from <= t, or 0 when t is before all. n must be >= 1. */
size_t units_weight_at(const struct units_weight *w, size_t n, int64_t t);

/*
 * Cumulative converter for one query. Pulses are added in any order with the
 * index of their weight period; each add returns the increase of
 * Q = sum over periods of round(cum_p * w_p), so the returned parts of any
 * split always sum to Q of the whole.
 */
struct units_acc {
	const struct units_weight *w;	 /* weights, borrowed */
	size_t n;			 /* how many */
	int dec;			 /* decimals */
	uint64_t cum[UNITS_MAX_WEIGHTS]; /* pulses so far per period */
	units_u128 total;		 /* Q so far, scaled */
};

/* Start an accumulator (w borrowed, n <= UNITS_MAX_WEIGHTS). */
void units_acc_init(struct units_acc *a, const struct units_weight *w, size_t n, int dec);

/* Add pulses in period p; returns the scaled quantity they add to Q. */
units_u128 units_acc_add(struct units_acc *a, size_t p, uint64_t pulses);

#endif
