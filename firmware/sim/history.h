/*
 * history.h - the building's past in fast time: hourly pulses of every
 * meter for the days before the simulator starts, as the CSV that
 * `amrctl archive import` reads (docs/archive.md):
 *
 *   channel,t,pulses
 *   1.1.1,1733086800,2
 *
 * t is the UTC start of an hour; one channel's lines come together, hours
 * ascending; an hour without pulses has no line. The meters are the live
 * simulator's (gen.h), seeded alike (sim_meter_seed), so a flat that uses
 * much water now used much then; each hour is drawn at once (gen_hour)
 * instead of pulse by pulse, so a year of a building takes well under a
 * second. The house meters (sim.h) count the flats' hours the live way
 * (sim_house_share), their heat meter the weather of each hour.
 *
 * Deterministic: the same options give the same bytes.
 */
#ifndef SIM_HISTORY_H
#define SIM_HISTORY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "gen.h"
#include "hal_sim.h"

#define HISTORY_MAX_DAYS 3660 /* ten years */

struct history_opts {
	int obj;			   /* object number of the channel ids */
	int flats;			   /* flats' devices, at addresses 1..flats */
	bool house;			   /* the house meters at address flats + 1 */
	enum gen_kind kinds[HAL_CHANNELS]; /* the flats' meters on inputs 1..4 */
	uint64_t seed;			   /* the simulator's --seed */
	double tz_h;			   /* site's UTC offset, hours */
	uint64_t end_s;			   /* UTC seconds: the history ends before its hour */
	int days;			   /* 1..HISTORY_MAX_DAYS days before that hour */
};

struct history_stats {
	int channels;	 /* channels written (a channel without pulses has no line) */
	uint64_t lines;	 /* lines after the header */
	uint64_t pulses; /* pulses of every line together */
};

/*
 * Write the history o describes to out: the hours from o->end_s rounded
 * down to an hour, less o->days days, up to that hour. Counts what it wrote
 * in *st (may be NULL). Returns 0, or -1 when o is out of its bounds or
 * writing failed (errno set; the output is then incomplete).
 */
int history_write(FILE *out, const struct history_opts *o, struct history_stats *st);

#endif
