#include "gen.h"

#include <math.h>
#include <string.h>
#include <time.h>

#define HOUR_MS	     3600000.0
#define DAY_MS	     86400000.0
#define LEAK_MAX     3.0 /* pulses per hour */
#define GAP_MIN_MS   40u /* contact open at least this long between pulses */
#define HOUR_SAMPLES 4	 /* gen_hour: the rate in the middle of each quarter */

/* Moscow's climate: the yearly wave of the daily mean, the daily wave
 * around it, and how far a day's weather strays from the mean. */
#define CLIMATE_MEAN_C	      5.8  /* mean of the year */
#define CLIMATE_SWING_C	      13.0 /* July this much above it, January below */
#define CLIMATE_COLDEST_DAY   15.0 /* day of the year of the coldest mean (mid-January) */
#define CLIMATE_DAILY_SWING_C 3.0  /* 15:00 this much above the day's mean, 03:00 below */
#define CLIMATE_WEATHER_C     6.0  /* a day's weather: up to this above or below */
#define YEAR_DAYS	      365.2425

struct hump {
	double amp;   /* height relative to the base */
	double mu;    /* hour of day of the top */
	double sigma; /* width, hours */
};

struct kind_info {
	const char *name;
	double per_day;	     /* average pulses a day */
	double base;	     /* night base of the shape */
	struct hump hump[3]; /* morning, midday, evening */
	uint32_t width_ms;   /* contact closed this long */
	bool reed;	     /* bounces on closing */
	bool leaks;	     /* may develop a leak */
	bool even;	     /* evenly spaced pulses (a meter of power) */
};

static const struct kind_info kinds[] = {
	[GEN_NONE] = { "none",
		       0,
		       0,
		       { { 0, 0, 1 }, { 0, 0, 1 }, { 0, 0, 1 } },
		       0,
		       false,
		       false,
		       false },
	[GEN_COLD] = { "cold",
		       33,
		       0.15,
		       { { 2.2, 7.5, 1.0 }, { 0.6, 13.0, 3.0 }, { 2.6, 20.5, 1.5 } },
		       100,
		       true,
		       true,
		       false },
	[GEN_HOT] = { "hot",
		      20,
		      0.10,
		      { { 2.8, 7.3, 0.9 }, { 0.4, 13.0, 3.0 }, { 2.4, 21.0, 1.3 } },
		      100,
		      true,
		      true,
		      false },
	[GEN_ELEC] = { "elec",
		       6500,
		       0.55,
		       { { 1.0, 7.5, 1.0 }, { 0.3, 13.0, 3.0 }, { 2.0, 20.0, 2.0 } },
		       50,
		       false,
		       false,
		       true },
	[GEN_GAS] = { "gas",
		      40,
		      0.02,
		      { { 1.5, 7.5, 0.7 }, { 1.0, 13.0, 0.8 }, { 2.5, 19.0, 1.0 } },
		      100,
		      true,
		      false,
		      false },
	[GEN_HEAT] = { "heat",
		       0,
		       0,
		       { { 0, 0, 1 }, { 0, 0, 1 }, { 0, 0, 1 } },
		       100,
		       false,
		       false,
		       true },
};

int gen_kind_parse(const char *s)
{
	for (int k = GEN_NONE; k <= GEN_HEAT; k++)
		if (strcmp(s, kinds[k].name) == 0)
			return k;
	return -1;
}

const char *gen_kind_name(enum gen_kind k)
{
	return kinds[k].name;
}

/* xorshift64*: a uniform double in (0, 1]. */
static double uniform(struct gen *g)
{
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return ((g->rng * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0) +
	       (1.0 / 9007199254740992.0);
}

static double shape(const struct kind_info *k, double hour)
{
	double s = k->base;

	for (int i = 0; i < 3; i++) {
		double d = hour - k->hump[i].mu;

		/* Distance on the 24-hour circle: a late peak spills past midnight. */
		if (d > 12)
			d -= 24;
		if (d < -12)
			d += 24;
		s += k->hump[i].amp * exp(-d * d / (2 * k->hump[i].sigma * k->hump[i].sigma));
	}
	return s;
}

static double hour_of_day(const struct gen *g, uint64_t t_ms)
{
	double h = fmod((double)t_ms / HOUR_MS + g->tz_h - g->shift_h, 24.0);

	return h < 0 ? h + 24.0 : h;
}

bool gen_leaking(const struct gen *g, uint64_t t_ms)
{
	return t_ms < g->leak_until_ms;
}

/* A fixed value in [-1, 1) for day number d (splitmix64 of it): the
 * weather of that day, the same in every run. */
static double weather(int64_t d)
{
	uint64_t z = (uint64_t)d + 0x9E3779B97F4A7C15ull;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return (double)(z >> 11) / 4503599627370496.0 - 1.0;
}

double gen_outdoor_c(uint64_t t_ms, double tz_h)
{
	double days = (double)t_ms / DAY_MS + tz_h / 24.0; /* local days since 1970 */
	double noon = floor(days - 0.5), f = days - 0.5 - noon;
	double year = 2 * M_PI * (fmod(days, YEAR_DAYS) - CLIMATE_COLDEST_DAY) / YEAR_DAYS;
	double hour = fmod(days, 1.0) * 24.0;

	/* The day's weather goes over into the next day's between their noons. */
	return CLIMATE_MEAN_C - CLIMATE_SWING_C * cos(year) +
	       CLIMATE_DAILY_SWING_C * cos(2 * M_PI * (hour - 15.0) / 24.0) +
	       CLIMATE_WEATHER_C *
		       (weather((int64_t)noon) * (1 - f) + weather((int64_t)noon + 1) * f);
}

/* Heat: in the heating season (October to April, local dates) in
 * proportion to how far the outdoors is below the rooms. */
static double heat_rate(const struct gen *g, uint64_t t_ms)
{
	time_t local = (time_t)(t_ms / 1000u) + (time_t)(g->tz_h * 3600.0);
	double below;
	struct tm tm;

	gmtime_r(&local, &tm);
	if (tm.tm_mon >= 4 && tm.tm_mon <= 8) /* May to September */
		return 0;
	below = GEN_HEAT_INDOOR_C - gen_outdoor_c(t_ms, g->tz_h);
	return below > 0 ? g->scale * GEN_HEAT_MCAL_PER_DEGREE_DAY / 24.0 * below : 0;
}

double gen_rate(const struct gen *g, uint64_t t_ms)
{
	const struct kind_info *k = &kinds[g->kind];
	double r;

	if (g->kind == GEN_NONE)
		return 0;
	if (g->kind == GEN_HEAT)
		return heat_rate(g, t_ms);
	r = k->per_day / 24.0 * shape(k, hour_of_day(g, t_ms)) / g->norm * g->scale;
	return gen_leaking(g, t_ms) ? r + g->leak_rate : r;
}

/* Roll, once per simulated hour up to t_ms, for a leak to start. */
static void roll_leaks(struct gen *g, uint64_t t_ms)
{
	if (!kinds[g->kind].leaks)
		return;
	while (g->leak_roll_ms <= t_ms) {
		if (!gen_leaking(g, g->leak_roll_ms) && uniform(g) < 1.0 / 720.0) {
			g->leak_until_ms = g->leak_roll_ms +
					   (uint64_t)((2 + 46 * uniform(g)) * HOUR_MS);
			g->leak_rate = 0.5 + 2.5 * uniform(g);
		}
		g->leak_roll_ms += (uint64_t)HOUR_MS;
	}
}

/* When the pulse after one that began at t_ms starts. */
static uint64_t schedule(struct gen *g, uint64_t t_ms)
{
	const struct kind_info *k = &kinds[g->kind];
	uint64_t earliest = t_ms + k->width_ms + GAP_MIN_MS;
	double t = (double)t_ms;

	if (k->even) {
		double r = gen_rate(g, t_ms);

		/* A heat meter stands still out of season and in a warm spell:
		 * its next pulse is in the next hour of use (within a year). */
		for (int i = 0; r <= 0 && i < 366 * 24; i++) {
			t = (floor(t / HOUR_MS) + 1) * HOUR_MS;
			r = gen_rate(g, (uint64_t)t);
		}
		if (r <= 0)
			return UINT64_MAX;
		t += HOUR_MS / r * (0.95 + 0.1 * uniform(g));
	} else {
		/* Thinning: candidates at the highest rate, each kept with the
		 * ratio of the rate at its time to that bound. */
		double leak = g->leak_rate > LEAK_MAX ? g->leak_rate : LEAK_MAX;
		double bound = k->per_day / 24.0 * g->peak / g->norm * g->scale + leak;

		for (;;) {
			t += -log(uniform(g)) / bound * HOUR_MS;
			roll_leaks(g, (uint64_t)t);
			if (uniform(g) * bound <= gen_rate(g, (uint64_t)t))
				break;
		}
	}
	return (uint64_t)t > earliest ? (uint64_t)t : earliest;
}

void gen_init(struct gen *g, enum gen_kind k, uint64_t seed, uint64_t now_ms, double tz_h)
{
	memset(g, 0, sizeof *g);
	g->kind = k;
	g->rng = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
	if (g->rng == 0)
		g->rng = 1;
	g->tz_h = tz_h;
	g->scale = 0.5 + 1.2 * uniform(g);
	g->shift_h = 1.5 * uniform(g) - 0.75;
	g->norm = 0;
	g->peak = 0;
	for (int i = 0; i < 96; i++) {
		double s = shape(&kinds[k], i / 4.0);

		g->norm += s / 96.0;
		if (s > g->peak)
			g->peak = s;
	}
	if (g->norm <= 0)
		g->norm = 1;
	g->leak_roll_ms = now_ms;
	g->next_ms = k == GEN_NONE ? UINT64_MAX : schedule(g, now_ms);
}

void gen_serve(struct gen *g, int flats, uint64_t now_ms)
{
	g->scale = flats;
	if (g->kind != GEN_NONE)
		g->next_ms = schedule(g, now_ms);
}

/* A Poisson count of the given mean (Knuth's product of uniforms, in parts
 * of at most 16 so that exp() of a part stays far from 0). */
static uint32_t poisson(struct gen *g, double mean)
{
	uint32_t n = 0;

	while (mean > 0) {
		double part = mean > 16 ? 16 : mean, limit = exp(-part), p = uniform(g);

		mean -= part;
		while (p > limit) {
			n++;
			p *= uniform(g);
		}
	}
	return n;
}

uint32_t gen_hour(struct gen *g, uint64_t hour_ms)
{
	double mean = 0, n;

	if (g->kind == GEN_NONE)
		return 0;
	roll_leaks(g, hour_ms);
	for (int i = 0; i < HOUR_SAMPLES; i++)
		mean += gen_rate(g, hour_ms + (uint64_t)((i + 0.5) * HOUR_MS / HOUR_SAMPLES)) /
			HOUR_SAMPLES;
	if (!kinds[g->kind].even)
		return poisson(g, mean);
	n = floor(mean + g->carry);
	g->carry += mean - n;
	return (uint32_t)n;
}

int gen_take(struct gen *g, struct gen_edge *e)
{
	const struct kind_info *k = &kinds[g->kind];
	uint64_t t = g->next_ms;
	int n = 0;

	if (g->kind == GEN_NONE)
		return 0;
	e[n++] = (struct gen_edge){ t, true };
	if (k->reed && uniform(g) < 0.5) {
		int bounces = 1 + (int)(uniform(g) * 2.99);

		for (int i = 0; i < bounces; i++) {
			e[n++] = (struct gen_edge){ t + 2u * i + 1u, false };
			e[n++] = (struct gen_edge){ t + 2u * i + 2u, true };
		}
	}
	e[n++] = (struct gen_edge){ t + k->width_ms, false };
	g->next_ms = schedule(g, t);
	return n;
}
