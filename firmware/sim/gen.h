/*
 * gen.h - pulse generators: what a meter behind a UO-4 input emits.
 *
 * Each kind has a daily load shape (a night base, a morning and an evening
 * peak, some daytime use) scaled to a realistic daily consumption of one
 * apartment, a pulse weight and a pulse width:
 *
 *   kind   meter                   pulse weight     average per day
 *   cold   cold water, reed        10 L             330 L   (33 pulses)
 *   hot    hot water, reed         10 L             200 L   (20 pulses)
 *   elec   electricity, S0         1000 imp/kWh     6.5 kWh (6500 pulses)
 *   gas    gas, reed               0.01 m3          0.4 m3  (40 pulses)
 *   heat   heat, calculator        0.001 Gcal       by the weather (below)
 *
 * Each generator draws its own apartment factor (0.5..1.7 times the
 * average) and a shift of its peaks (+-45 min). Water pulses arrive as a
 * Poisson process following the shape; electricity pulses are evenly spaced
 * at the present power, with 5% jitter. Water inputs now and then develop
 * a leak (a running cistern: 0.5..3 pulses an hour on top, for 2..48 hours,
 * about once a month), and reed contacts bounce for a few ms on closing.
 *
 * Heat follows the weather instead of a daily shape: from October to April
 * (the heating season, local dates) a flat's share of the building's heat
 * is GEN_HEAT_MCAL_PER_DEGREE_DAY for each degree the outdoor temperature
 * of the moment is below GEN_HEAT_INDOOR_C, pulses evenly spaced; none
 * from May to September. The outdoor temperature is Moscow's climate (a
 * yearly wave, a daily wave) plus the weather of the day, a fixed function
 * of the date: every run and the history see the same winter.
 *
 * Pure and deterministic: times are simulated milliseconds since the Unix
 * epoch, randomness comes from the generator's own seeded state.
 */
#ifndef SIM_GEN_H
#define SIM_GEN_H

#include <stdbool.h>
#include <stdint.h>

enum gen_kind {
	GEN_NONE = 0, /* no pulses (only injected ones) */
	GEN_COLD,
	GEN_HOT,
	GEN_ELEC,
	GEN_GAS,
	GEN_HEAT,
};

#define GEN_HEAT_INDOOR_C	     20.0 /* rooms are heated to this */
#define GEN_HEAT_MCAL_PER_DEGREE_DAY 1.8  /* a flat's heat, Mcal (pulses) per degree-day */

#define GEN_MAX_EDGES 8 /* edges of one pulse, bounce included */

struct gen_edge {
	uint64_t t_ms; /* simulated time */
	bool level;    /* 1 = contact closed */
};

struct gen {
	enum gen_kind kind;	/* what kind of meter */
	uint64_t rng;		/* xorshift64* state, never 0 */
	double scale;		/* this apartment relative to the average (gen_serve) */
	double shift_h;		/* shift of the daily shape, hours */
	double norm;		/* mean of the shape over a day */
	double peak;		/* highest value of the shape */
	double tz_h;		/* site's offset from UTC, hours */
	uint64_t next_ms;	/* start of the next pulse */
	uint64_t leak_until_ms; /* a leak runs until then (0: none) */
	double leak_rate;	/* pulses per hour while leaking */
	uint64_t leak_roll_ms;	/* next hourly roll for a new leak */
	double carry;		/* gen_hour: the part of a pulse not yet given */
};

/* Parse "cold", "hot", "elec", "gas" or "heat" (and "none"); -1 if unknown. */
int gen_kind_parse(const char *s);

/* Name of a kind, for status lines. */
const char *gen_kind_name(enum gen_kind k);

/*
 * Start a generator of kind k at simulated time now_ms with the given seed
 * (any value) and the site's UTC offset in hours.
 */
void gen_init(struct gen *g, enum gen_kind k, uint64_t seed, uint64_t now_ms, double tz_h);

/*
 * Make g the meter of a whole building of flats average apartments (a
 * house meter): its scale becomes flats, and its first pulse is scheduled
 * again at that scale. Call right after gen_init, with its now_ms.
 */
void gen_serve(struct gen *g, int flats, uint64_t now_ms);

/* Expected pulses per hour at t_ms (leak included). */
double gen_rate(const struct gen *g, uint64_t t_ms);

/* The simulated outdoor temperature at t_ms, degrees Celsius, for a site
 * tz_h hours from UTC. */
double gen_outdoor_c(uint64_t t_ms, double tz_h);

/*
 * The pulses g gives in the hour that starts at hour_ms (a whole UTC hour),
 * in fast time for a history: the rate over the hour (leaks included,
 * rolled as gen_take rolls them), drawn as a Poisson count for meters that
 * pulse at random, and for evenly pulsing ones (electricity, heat) the
 * whole pulses of it, the rest carried into the next hour. Call it for
 * consecutive hours from the gen_init time on; g then serves no gen_take.
 */
uint32_t gen_hour(struct gen *g, uint64_t hour_ms);

/*
 * Take the pulse due at g->next_ms: writes its edges (rising first, falling
 * last, bounce between) into e and returns how many; then schedules the
 * next pulse. GEN_NONE returns 0 and never schedules.
 */
int gen_take(struct gen *g, struct gen_edge *e);

/* Whether a leak runs at t_ms. */
bool gen_leaking(const struct gen *g, uint64_t t_ms);

#endif
