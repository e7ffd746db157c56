/* history.c - the building's past in fast time (history.h). */
#include "history.h"

#include <errno.h>
#include <stdlib.h>

#include "sim.h"

#define HOUR_S 3600u

struct out {
	FILE *f;		 /* where the lines go */
	struct history_stats st; /* what went there */
	int obj;		 /* object number of the ids */
};

/* One channel's hour: a line when it has pulses. Returns 0 or -1 (errno). */
static int put(struct out *w, int addr, unsigned c, uint64_t t, uint64_t n, bool *seen)
{
	if (!n)
		return 0;
	if (!*seen) {
		*seen = true;
		w->st.channels++;
	}
	w->st.lines++;
	w->st.pulses += n;
	return fprintf(w->f, "%d.%d.%u,%llu,%llu\n", w->obj, addr, c + 1, (unsigned long long)t,
		       (unsigned long long)n) < 0
		       ? -1
		       : 0;
}

/* The hours of one generator's channel, from start on; adds each hour's
 * pulses to sum[h] when sum is not NULL. Returns 0 or -1 (errno). */
static int meter(struct out *w, struct gen *g, int addr, unsigned c, uint64_t start, uint64_t hours,
		 uint64_t *sum)
{
	bool seen = false;

	for (uint64_t h = 0; h < hours; h++) {
		uint64_t t = start + h * HOUR_S;
		uint32_t n = gen_hour(g, t * 1000u);

		if (sum)
			sum[h] += n;
		if (put(w, addr, c, t, n, &seen))
			return -1;
	}
	return 0;
}

/* A house meter's input that counts the flats' hours sum[0..hours). */
static int mirror(struct out *w, int addr, unsigned c, uint64_t start, uint64_t hours,
		  const uint64_t *sum)
{
	uint32_t acc = 0;
	bool seen = false;

	for (uint64_t h = 0; h < hours; h++)
		if (put(w, addr, c, start + h * HOUR_S, sim_house_share(&acc, sum[h]), &seen))
			return -1;
	return 0;
}

int history_write(FILE *out, const struct history_opts *o, struct history_stats *st)
{
	struct out w = { out, { 0 }, o->obj };
	uint64_t hours = (uint64_t)o->days * 24u, end = o->end_s - o->end_s % HOUR_S, start;
	uint64_t *sum = NULL;
	struct gen g;
	int rc = -1;

	if (o->days < 1 || o->days > HISTORY_MAX_DAYS || o->flats < 1 ||
	    (unsigned)(o->flats + o->house) > SIM_MAX_DEVICES || o->obj < 1 ||
	    end < hours * HOUR_S) {
		errno = EINVAL;
		return -1;
	}
	start = end - hours * HOUR_S;
	if (o->house && !(sum = calloc(HAL_CHANNELS * hours, sizeof *sum)))
		return -1;
	if (fputs("channel,t,pulses\n", out) < 0)
		goto out_free;
	for (int a = 1; a <= o->flats; a++) {
		for (unsigned c = 0; c < HAL_CHANNELS; c++) {
			gen_init(&g, o->kinds[c], sim_meter_seed(o->seed, a, c), start * 1000u,
				 o->tz_h);
			if (meter(&w, &g, a, c, start, hours, sum ? sum + c * hours : NULL))
				goto out_free;
		}
	}
	for (unsigned c = 0; o->house && c < HAL_CHANNELS; c++) {
		int addr = o->flats + 1;

		if (sim_house_mirrors(c)) {
			if (mirror(&w, addr, c, start, hours, sum + c * hours))
				goto out_free;
			continue;
		}
		sim_house_meter(&g, c, o->kinds, o->seed, o->flats, start * 1000u, o->tz_h);
		if (meter(&w, &g, addr, c, start, hours, NULL))
			goto out_free;
	}
	if (fflush(out) == 0 && !ferror(out))
		rc = 0;
out_free:
	free(sum);
	if (st)
		*st = w.st;
	return rc;
}
