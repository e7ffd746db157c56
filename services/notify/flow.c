/*
 * flow.c - leak, burst and stuck over one channel's pulse readings
 * (flow.h says what each rule means; this file only does it).
 */
#include "flow.h"

#define HOUR 3600
#define DAY  86400

void flow_params_init(struct flow_params *p)
{
	*p = (struct flow_params){
		.leak_zero_min = FLOW_DEFAULT_ZERO_MIN,
		.stuck_min_pulses = FLOW_DEFAULT_STUCK_MIN,
		.max_gap_min = FLOW_DEFAULT_GAP_MIN,
	};
}

amr_err flow_params_check(const struct flow_params *p, const char **why)
{
	static const char *msg[] = {
		"leak_hours: 0..720",	 "leak_zero_min: 1..1440",     "night_from_h: 0..23",
		"night_to_h: 0..23",	 "night_max_pulses_h: 0..1e9", "burst_pulses_h: 0..1e9",
		"burst_min: 0..1440",	 "stuck_days: 0..366",	       "stuck_min_pulses: 0..16",
		"max_gap_min: 1..10080",
	};
	const bool bad[] = {
		p->leak_hours < 0 || p->leak_hours > 720,
		p->leak_zero_min < 1 || p->leak_zero_min > 1440,
		p->night_from_h < 0 || p->night_from_h > 23,
		p->night_to_h < 0 || p->night_to_h > 23,
		p->night_max_pulses_h < 0 || p->night_max_pulses_h > FLOW_RATE_MAX,
		p->burst_pulses_h < 0 || p->burst_pulses_h > FLOW_RATE_MAX,
		p->burst_min < 0 || p->burst_min > 1440,
		p->stuck_days < 0 || p->stuck_days > 366,
		p->stuck_min_pulses < 0 || p->stuck_min_pulses > FLOW_RECENT,
		p->max_gap_min < 1 || p->max_gap_min > 10080,
	};

	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (bad[i]) {
			*why = msg[i];
			return AMR_EINVAL;
		}
	}
	return AMR_OK;
}

/* delta pulses over dur seconds above thr pulses per hour (128 bits: no overflow). */
static bool above(int64_t delta, int64_t dur, int64_t thr)
{
	return (__int128)delta * HOUR > (__int128)thr * dur;
}

static bool night(const struct flow_params *p, int h)
{
	int from = p->night_from_h, to = p->night_to_h;

	if (h < 0 || h > 23)
		return false;
	return from < to ? h >= from && h < to : from > to && (h >= from || h < to);
}

/* A run of intervals starting at the previous reading; true once it lasts len seconds. */
static bool run(int64_t *since, int64_t prev, int64_t ts, int64_t len)
{
	if (!*since)
		*since = prev;
	return ts - *since >= len;
}

static void raise_leak(struct flow_state *s, int64_t since)
{
	if (!s->leak.active) {
		s->leak.active = true;
		s->leak.since = since;
	}
}

/* The interval (s->last_ts, ts] of a reading that is neither the first nor a gap. */
static void interval(struct flow_state *s, const struct flow_params *p, int64_t ts, int64_t delta,
		     int hour)
{
	int64_t dur = ts - s->last_ts;

	if (delta) {
		s->zero_since = 0;
	} else if (run(&s->zero_since, s->last_ts, ts, (int64_t)p->leak_zero_min * 60)) {
		/* Zero flow long enough: no leak, and the leak timer starts again. */
		s->flow_since = ts;
		s->leak_cont = s->leak_night = false;
	}
	if (p->leak_hours && delta && !s->leak_cont &&
	    ts - s->flow_since >= (int64_t)p->leak_hours * HOUR) {
		s->leak_cont = true;
		raise_leak(s, s->flow_since);
	}

	if (p->night_max_pulses_h && night(p, s->last_hour) && night(p, hour)) {
		if (above(delta, dur, p->night_max_pulses_h)) {
			s->night_lo_since = 0;
			if (run(&s->night_hi_since, s->last_ts, ts, HOUR) && !s->leak_night) {
				s->leak_night = true;
				raise_leak(s, s->night_hi_since);
			}
		} else {
			s->night_hi_since = 0;
			if (run(&s->night_lo_since, s->last_ts, ts, HOUR))
				s->leak_night = false;
		}
	} else {
		s->night_hi_since = s->night_lo_since = 0;
	}
	if (!s->leak_cont && !s->leak_night)
		s->leak.active = false;

	if (!p->burst_pulses_h || !above(delta, dur, p->burst_pulses_h)) {
		s->burst_since = 0;
		s->burst.active = false;
	} else if (run(&s->burst_since, s->last_ts, ts, (int64_t)p->burst_min * 60) &&
		   !s->burst.active) {
		s->burst.active = true;
		s->burst.since = s->burst_since;
	}
}

/* Stuck at t: silent stuck_days after the last pulses, having counted before them. */
static void check_stuck(struct flow_state *s, const struct flow_params *p, int64_t t)
{
	int64_t len = (int64_t)p->stuck_days * DAY, sum = 0;

	if (!p->stuck_days || s->stuck.active || !s->last_pulse_ts || t < s->last_pulse_ts ||
	    t - s->last_pulse_ts < len)
		return;
	/*
	 * Each kept reading has a pulse or more, so the last FLOW_RECENT of
	 * them, each counted up to FLOW_RECENT, decide whether
	 * stuck_min_pulses (at most FLOW_RECENT) came in the days before the
	 * silence.
	 */
	for (int i = 0; i < FLOW_RECENT; i++) {
		if (s->pulse_n[i] && s->pulse_ts[i] > s->last_pulse_ts - len)
			sum += s->pulse_n[i];
	}
	if (sum >= p->stuck_min_pulses) {
		s->stuck.active = true;
		s->stuck.since = s->last_pulse_ts;
	}
}

static void rule_out(struct flow_rule *r, const struct flow_alarm *a, bool was)
{
	r->active = a->active;
	r->since = a->since;
	r->change = a->active == was ? FLOW_SAME : a->active ? FLOW_RAISED : FLOW_CLEARED;
}

static void fill(struct flow_out *out, const struct flow_state *s, const bool was[3], bool ignored)
{
	rule_out(&out->leak, &s->leak, was[0]);
	rule_out(&out->burst, &s->burst, was[1]);
	rule_out(&out->stuck, &s->stuck, was[2]);
	out->ignored = ignored;
}

void flow_reading(struct flow_state *s, const struct flow_params *p, int64_t ts, int64_t delta,
		  int local_hour, struct flow_out *out)
{
	const bool was[3] = { s->leak.active, s->burst.active, s->stuck.active };

	if (ts <= 0 || ts <= s->last_ts || delta < 0) {
		fill(out, s, was, true);
		return;
	}
	if (!s->last_ts || ts - s->last_ts > (int64_t)p->max_gap_min * 60) {
		/* First reading or a gap: timers start here, alarms stay as they are. */
		s->flow_since = ts;
		s->zero_since = s->night_hi_since = s->night_lo_since = s->burst_since = 0;
	} else {
		interval(s, p, ts, delta, local_hour);
	}
	if (delta) {
		s->pulse_ts[s->pulse_next] = ts;
		/* More than FLOW_RECENT never matters (see check_stuck()). */
		s->pulse_n[s->pulse_next] = delta < FLOW_RECENT ? delta : FLOW_RECENT;
		s->pulse_next = (s->pulse_next + 1) % FLOW_RECENT;
		s->last_pulse_ts = ts;
		s->stuck.active = false;
	}
	check_stuck(s, p, ts);
	s->last_ts = ts;
	s->last_hour = local_hour;
	fill(out, s, was, false);
}

void flow_tick(struct flow_state *s, const struct flow_params *p, int64_t now, struct flow_out *out)
{
	const bool was[3] = { s->leak.active, s->burst.active, s->stuck.active };

	check_stuck(s, p, now);
	fill(out, s, was, false);
}
