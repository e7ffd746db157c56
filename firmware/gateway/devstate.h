/*
 * devstate.h - what the gateway knows of one UO-4 between two polls, and
 * the events a poll gives (pure).
 *
 * A device is "responding" from its first answer and "not responding" once
 * a poll failed and it has been silent for the RS485 timeout: since its
 * last answer, or since the first failed poll if it never answered. Each
 * change is an event (device_online, device_offline). Between two answers
 * the status register (uo4_map.h) tells what happened to the supply and the
 * battery:
 *
 *   mains bit 1 -> 0              mains_lost
 *   mains bit 0 -> 1              mains_restored (read the coils: the
 *                                 device restores its blocks with mains)
 *   mains 1 and "counted on       mains_lost dated from the last answer
 *   battery" set                  (or now, when the clock was set back
 *                                 behind it), then mains_restored (mains
 *                                 was lost and came back while the device
 *                                 was silent)
 *   battery low 0 -> 1            battery_low
 *   NVM error 0 -> 1              nvm_error
 *
 * The first answer gives none of these: there is nothing to compare with.
 * The time is passed in, so the same inputs always give the same state and
 * events; the caller reads the clocks.
 */
#ifndef GW_DEVSTATE_H
#define GW_DEVSTATE_H

#include <stdbool.h>
#include <stdint.h>

#define DEVSTATE_EVENTS_MAX   5	  /* online, mains lost and restored, battery, NVM */
#define DEVSTATE_BATT_STEP_MV 100 /* a change this large puts the device in a batch */

enum devstate_link {
	DEVSTATE_UNKNOWN, /* not answered nor timed out since the state was reset */
	DEVSTATE_ONLINE,  /* responding */
	DEVSTATE_OFFLINE, /* not responding */
};

/* One device; all zero is "nothing known yet". */
struct devstate {
	enum devstate_link link; /* responding or not, or not yet known */
	uint64_t last_ok_ms;	 /* monotonic time of the last answer */
	int64_t last_ok_ts;	 /* the same in Unix seconds */
	bool failed;		 /* a poll failed since the reset: failed_ms is valid */
	uint64_t failed_ms;	 /* monotonic time of the first failed poll */
	bool read;		 /* status and batt_mv below are valid */
	uint16_t status;	 /* UO4_IN_STATUS at the last answer */
	uint16_t batt_mv;	 /* UO4_IN_BATTERY at the last answer */
};

/* What one poll of the device gave. */
struct devstate_poll {
	bool ok;	  /* the device answered */
	uint16_t status;  /* UO4_IN_STATUS (when ok) */
	uint16_t batt_mv; /* UO4_IN_BATTERY (when ok) */
};

/* The time of the poll. */
struct devstate_now {
	uint64_t ms; /* monotonic milliseconds (timeouts) */
	int64_t ts;  /* Unix seconds (event times) */
};

enum devstate_event_type {
	DEVSTATE_EV_ONLINE,	    /* device_online */
	DEVSTATE_EV_OFFLINE,	    /* device_offline */
	DEVSTATE_EV_MAINS_LOST,	    /* mains_lost */
	DEVSTATE_EV_MAINS_RESTORED, /* mains_restored */
	DEVSTATE_EV_BATTERY_LOW,    /* battery_low */
	DEVSTATE_EV_NVM_ERROR,	    /* nvm_error */
};

struct devstate_event {
	enum devstate_event_type type; /* what happened */
	int64_t ts;		       /* when, Unix seconds */
};

/* What a poll changed, for the caller to publish. */
struct devstate_out {
	struct devstate_event ev[DEVSTATE_EVENTS_MAX]; /* events, in publishing order */
	unsigned n;				       /* events in ev */
	bool changed;	 /* the device's entry goes into the next batch */
	bool want_coils; /* read the device's coils (online again, mains back) */
};

/*
 * The state after poll p of a device in state prev at time now, with the
 * RS485 timeout timeout_ms; *out gets the events and what to do (it is
 * overwritten, not added to). prev and p are borrowed.
 */
struct devstate devstate_next(const struct devstate *prev, const struct devstate_poll *p,
			      struct devstate_now now, uint64_t timeout_ms,
			      struct devstate_out *out);

/* True when the device is responding. */
bool devstate_online(const struct devstate *s);

/* The protocol's name of an event type ("device_online" ...): borrowed (a
 * string constant). */
const char *devstate_event_name(enum devstate_event_type type);

#endif
