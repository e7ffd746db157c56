#include "devstate.h"

#include "../uo4/uo4_map.h"
#include "proto.h"

static void event(struct devstate_out *out, enum devstate_event_type type, int64_t ts)
{
	/* DEVSTATE_EVENTS_MAX is the most one poll can give. */
	if (out->n < DEVSTATE_EVENTS_MAX)
		out->ev[out->n++] = (struct devstate_event){ type, ts };
}

static bool rose(uint16_t before, uint16_t after, uint16_t bit)
{
	return !(before & bit) && (after & bit);
}

static void answered(struct devstate *s, const struct devstate_poll *p, struct devstate_now now,
		     struct devstate_out *out)
{
	if (s->link != DEVSTATE_ONLINE) {
		event(out, DEVSTATE_EV_ONLINE, now.ts);
		s->link = DEVSTATE_ONLINE;
		out->changed = true;
		out->want_coils = true;
	}
	if (s->read) {
		bool was_mains = s->status & UO4_ST_MAINS, mains = p->status & UO4_ST_MAINS;
		unsigned step = s->batt_mv > p->batt_mv ? s->batt_mv - p->batt_mv
							: p->batt_mv - s->batt_mv;

		if (was_mains && !mains) {
			event(out, DEVSTATE_EV_MAINS_LOST, now.ts);
		} else if (!was_mains && mains) {
			event(out, DEVSTATE_EV_MAINS_RESTORED, now.ts);
			out->want_coils = true;
		} else if (mains && (p->status & UO4_ST_ON_BATTERY)) {
			/* It counted on battery while silent: mains was lost
			 * since its last answer and is back; never dated after
			 * its return, should the clock have been set back. */
			event(out, DEVSTATE_EV_MAINS_LOST,
			      s->last_ok_ts < now.ts ? s->last_ok_ts : now.ts);
			event(out, DEVSTATE_EV_MAINS_RESTORED, now.ts);
			out->want_coils = true;
		}
		if (rose(s->status, p->status, UO4_ST_BATT_LOW))
			event(out, DEVSTATE_EV_BATTERY_LOW, now.ts);
		if (rose(s->status, p->status, UO4_ST_NVM_ERROR))
			event(out, DEVSTATE_EV_NVM_ERROR, now.ts);
		if (was_mains != mains || step >= DEVSTATE_BATT_STEP_MV)
			out->changed = true;
	} else {
		out->changed = true;
	}
	s->read = true;
	s->status = p->status;
	s->batt_mv = p->batt_mv;
	s->last_ok_ms = now.ms;
	s->last_ok_ts = now.ts;
}

static void silent(struct devstate *s, struct devstate_now now, uint64_t timeout_ms,
		   struct devstate_out *out)
{
	uint64_t since;

	if (!s->failed) {
		s->failed = true;
		s->failed_ms = now.ms;
	}
	/* Silent since the last answer; a device that never answered, since
	 * its first failed poll. */
	since = s->link == DEVSTATE_ONLINE ? s->last_ok_ms : s->failed_ms;
	if (s->link == DEVSTATE_OFFLINE || now.ms < since || now.ms - since < timeout_ms)
		return;
	s->link = DEVSTATE_OFFLINE;
	out->changed = true;
	event(out, DEVSTATE_EV_OFFLINE, now.ts);
}

struct devstate devstate_next(const struct devstate *prev, const struct devstate_poll *p,
			      struct devstate_now now, uint64_t timeout_ms,
			      struct devstate_out *out)
{
	struct devstate s = *prev;

	*out = (struct devstate_out){ .n = 0 };
	if (p->ok)
		answered(&s, p, now, out);
	else
		silent(&s, now, timeout_ms, out);
	return s;
}

bool devstate_online(const struct devstate *s)
{
	return s->link == DEVSTATE_ONLINE;
}

const char *devstate_event_name(enum devstate_event_type type)
{
	switch (type) {
	case DEVSTATE_EV_ONLINE:
		return proto_event_name(PROTO_EV_DEVICE_ONLINE);
	case DEVSTATE_EV_OFFLINE:
		return proto_event_name(PROTO_EV_DEVICE_OFFLINE);
	case DEVSTATE_EV_MAINS_LOST:
		return proto_event_name(PROTO_EV_MAINS_LOST);
	case DEVSTATE_EV_MAINS_RESTORED:
		return proto_event_name(PROTO_EV_MAINS_RESTORED);
	case DEVSTATE_EV_BATTERY_LOW:
		return proto_event_name(PROTO_EV_BATTERY_LOW);
	case DEVSTATE_EV_NVM_ERROR:
		return proto_event_name(PROTO_EV_NVM_ERROR);
	}
	return "unknown";
}
