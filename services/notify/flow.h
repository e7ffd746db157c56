/*
 * flow.h - water-flow alarms of one channel from its pulse readings (pure:
 * no I/O, no clock but the times given, no allocation).
 *
 * A channel's readings arrive as batches: at ts (UTC seconds) delta pulses
 * counted since the channel's previous reading. The interval of a reading
 * is (previous ts, ts]; its rate is delta * 3600 / (ts - previous ts)
 * pulses per hour, always over the actual interval, so a late reading with
 * many pulses is not a burst. Thresholds are pulses: the caller converts
 * m³/h with the channel's weight. "Above" a rate threshold means strictly
 * above; a rate equal to it is not.
 *
 * Three rules, each an alarm that is raised once per episode, stays active
 * without being raised again, and is cleared exactly once:
 *
 *   leak   (a) continuous flow: no zero-flow span of leak_zero_min minutes
 *          (consecutive intervals with delta 0, added up) has ended within
 *          the last leak_hours hours. Raised at a reading with pulses whose
 *          ts is leak_hours after the end of the last such span (or after
 *          the first reading, or the last gap); since = that start.
 *          (b) night flow: consecutive night intervals above
 *          night_max_pulses_h lasting 60 minutes in total; since = their
 *          start. An interval is a night one when both of its readings'
 *          local hours lie in [night_from_h, night_to_h) (wrapping past
 *          midnight when from > to; from == to is no window).
 *          Cleared when a zero-flow span reaches leak_zero_min (both
 *          variants), or, for (b), when consecutive night intervals not
 *          above the threshold last 60 minutes. Active while (a) or (b)
 *          holds; since is that of the variant that raised it.
 *   burst  consecutive intervals above burst_pulses_h lasting burst_min
 *          minutes in total; since = their start. Cleared by an interval
 *          not above the threshold.
 *   stuck  no pulses for stuck_days days after the last reading with
 *          pulses (since = that reading's ts), on a channel that counted
 *          at least stuck_min_pulses pulses in the stuck_days days up to
 *          and including that reading. Checked by flow_tick() and by every
 *          reading; cleared by the next reading with pulses. The module
 *          cannot tell a silent meter from a silent gateway: the engine
 *          should not tick channels of a gateway known to be offline.
 *
 * Gaps: an interval longer than max_gap_min minutes is no evidence of
 * flow or of zero flow. It restarts the leak, night and burst timers at
 * its ts (so leak needs leak_hours of readings again) and neither raises
 * nor clears leak or burst; its pulses still count for stuck. The first
 * reading of a channel has no interval and only starts the timers.
 *
 * A reading whose ts is not after the last accepted one (a resent batch),
 * whose ts is not positive or whose delta is negative is ignored: the
 * state is left unchanged and flow_out.ignored is set.
 */
#ifndef AMR_NOTIFY_FLOW_H
#define AMR_NOTIFY_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

#define FLOW_RECENT	       16 /* pulse readings kept for stuck; bounds stuck_min_pulses */
#define FLOW_RATE_MAX	       1000000000 /* bound of the pulses-per-hour thresholds */
#define FLOW_DEFAULT_ZERO_MIN  30	  /* leak_zero_min of flow_params_init() */
#define FLOW_DEFAULT_STUCK_MIN 10	  /* stuck_min_pulses of flow_params_init() */
#define FLOW_DEFAULT_GAP_MIN   180	  /* max_gap_min of flow_params_init() */

/* One channel's rules; 0 turns the rule it names off. */
struct flow_params {
	int32_t leak_hours;	    /* continuous flow this long raises leak, 0..720; 0 = off */
	int32_t leak_zero_min;	    /* minutes of zero flow that end a leak, 1..1440 */
	int32_t night_from_h;	    /* night window's first local hour, 0..23 */
	int32_t night_to_h;	    /* local hour the window ends before, 0..23 */
	int64_t night_max_pulses_h; /* night flow above this raises leak; 0 = off */
	int64_t burst_pulses_h;	    /* flow above this raises burst; 0 = off */
	int32_t burst_min;	    /* minutes above burst_pulses_h that raise it, 0..1440 */
	int32_t stuck_days;	    /* days without pulses that raise stuck, 0..366; 0 = off */
	int32_t stuck_min_pulses;   /* pulses that make it one that counted, 0..FLOW_RECENT */
	int32_t max_gap_min;	    /* longer intervals are gaps, 1..10080 */
};

/* An alarm's state kept between calls. */
struct flow_alarm {
	bool active;   /* raised and not cleared */
	int64_t since; /* UTC s the episode began; kept after the clear */
};

/*
 * One channel's state, owned by the caller (one per channel); all zero =
 * nothing seen yet. Only flow_reading() and flow_tick() change it.
 */
struct flow_state {
	int64_t last_ts;	       /* ts of the last accepted reading; 0 = none */
	int32_t last_hour;	       /* its local hour */
	int64_t flow_since;	       /* start of the leak timer (see leak (a)) */
	int64_t zero_since;	       /* start of the running zero-flow span; 0 = none */
	int64_t night_hi_since;	       /* start of the night intervals above; 0 = none */
	int64_t night_lo_since;	       /* start of the night intervals not above; 0 = none */
	int64_t burst_since;	       /* start of the intervals above burst; 0 = none */
	int64_t last_pulse_ts;	       /* ts of the last reading with pulses; 0 = none */
	int64_t pulse_ts[FLOW_RECENT]; /* the last readings with pulses: their ts, */
	uint8_t pulse_n[FLOW_RECENT];  /* their pulses, FLOW_RECENT at most (0 = empty slot) */
	uint8_t pulse_next;	       /* slot the next one goes to */
	bool leak_cont;		       /* leak (a) holds */
	bool leak_night;	       /* leak (b) holds */
	struct flow_alarm leak;	       /* active = leak_cont || leak_night */
	struct flow_alarm burst;
	struct flow_alarm stuck;
};

enum flow_change {
	FLOW_SAME,    /* no change in this call */
	FLOW_RAISED,  /* became active in this call */
	FLOW_CLEARED, /* stopped being active in this call */
};

/* One rule after a call. */
struct flow_rule {
	bool active;		 /* active now */
	enum flow_change change; /* what this call did to it */
	int64_t since;		 /* UTC s its episode began (the cleared one's on a clear) */
};

/* What a call found; filled by every call, ignored or not. */
struct flow_out {
	struct flow_rule leak;
	struct flow_rule burst;
	struct flow_rule stuck;
	bool ignored; /* the reading was ignored: nothing changed */
};

/* Fill p with every rule off and the FLOW_DEFAULT_* values. */
void flow_params_init(struct flow_params *p);

/*
 * Check p against the bounds above. Returns AMR_OK, or AMR_EINVAL with
 * *why (borrowed, static) naming the field and its bounds. Other values
 * give unspecified alarms (never undefined behaviour).
 */
amr_err flow_params_check(const struct flow_params *p, const char **why);

/*
 * A reading of the channel: delta pulses (0 or more) counted up to ts (UTC
 * s) since its previous reading; local_hour is ts's hour in the channel's
 * time zone (0..23), for the night window. Updates s (borrowed) and fills
 * out. An ignored reading (see above) leaves s unchanged.
 */
void flow_reading(struct flow_state *s, const struct flow_params *p, int64_t ts, int64_t delta,
		  int local_hour, struct flow_out *out);

/*
 * The time-based checks at now (UTC s) without a reading: raises stuck
 * when its time has come. Touches only s->stuck; fills out (leak and
 * burst as they are, unchanged).
 */
void flow_tick(struct flow_state *s, const struct flow_params *p, int64_t now,
	       struct flow_out *out);

#endif
