/*
 * fuzz_devstate.c - libFuzzer target: what the gateway makes of one UO-4
 * from poll to poll, firmware/gateway/devstate.c driven by fuzzed
 * register replies (devstate.h; docs/gateway.md; docs/reliability.md).
 *
 * The input: the RS485 timeout (one byte, in seconds, 1..256), then polls
 * of 5 bytes each: flags (bit 0 answered, bits 1-4 the status register's
 * low bits: mains, battery low, NVM error, counted on battery; bit 5 a
 * restart of the gateway, the state all zero again; bit 6 the wall clock
 * set back by the time given, tenfold, the monotonic clock going on), the battery in mV (2 bytes), the time since the last poll (2
 * bytes, in 100 ms). Checked after every poll, against the events alone:
 *  - device_online and device_offline alternate, and the link the state
 *    says is the one the last of them said;
 *  - mains_lost and mains_restored alternate from the first answer's
 *    mains bit, and after every answer they leave it as the status says
 *    it is; a lost before a restored in one poll, dated from the last
 *    answer, no later than the restored;
 *  - battery_low, nvm_error only when their bit rose between two answers;
 *    the first answer after a restart gives none of these;
 *  - a lost before a restored in one poll also when the wall clock was
 *    set back in between;
 *  - device_offline only once the device has been silent for the timeout
 *    (since its last answer, or its first failed poll when it never
 *    answered), and always then; a failed poll gives nothing else;
 *  - at most DEVSTATE_EVENTS_MAX events; changed when the link or the
 *    mains bit changed from the last answer or the battery moved by DEVSTATE_BATT_STEP_MV; the
 *    coils asked for when online again or mains back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../uo4/uo4_map.h"
#include "devstate.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

/* What the events so far say. */
struct model {
	int link;	  /* 0 unknown, 1 online, 2 offline */
	bool read;	  /* an answer since the restart */
	uint16_t status;  /* at the last answer */
	uint16_t batt;	  /* at the last answer */
	int mains;	  /* -1 unknown, else as the mains events left it */
	uint64_t last_ms; /* the last answer */
	int64_t last_ts;  /* the same, Unix seconds */
	bool failed;	  /* a failed poll since the restart */
	uint64_t fail_ms; /* the first */
};

static void check_poll(struct model *m, const struct devstate_poll *p, struct devstate_now now,
		       uint64_t timeout, const struct devstate *s, const struct devstate_out *o)
{
	bool online = false, offline = false, coils = false, linkchg;
	uint16_t was = m->status;
	int64_t lost_ts = -1;

	CHECK(o->n <= DEVSTATE_EVENTS_MAX);
	for (unsigned i = 0; i < o->n; i++) {
		const struct devstate_event *e = &o->ev[i];

		switch (e->type) {
		case DEVSTATE_EV_ONLINE:
			CHECK(p->ok && m->link != 1 && i == 0);
			m->link = 1;
			online = true;
			break;
		case DEVSTATE_EV_OFFLINE:
			CHECK(!p->ok && m->link != 2 && o->n == 1);
			m->link = 2;
			offline = true;
			break;
		case DEVSTATE_EV_MAINS_LOST:
			CHECK(p->ok && m->read && m->mains == 1);
			CHECK(e->ts == now.ts || e->ts == m->last_ts);
			m->mains = 0;
			lost_ts = e->ts;
			break;
		case DEVSTATE_EV_MAINS_RESTORED:
			CHECK(p->ok && m->read && m->mains == 0 && e->ts == now.ts);
			CHECK(lost_ts < 0 || lost_ts <= e->ts);
			m->mains = 1;
			coils = true;
			break;
		case DEVSTATE_EV_BATTERY_LOW:
			CHECK(p->ok && m->read && !(was & UO4_ST_BATT_LOW) &&
			      (p->status & UO4_ST_BATT_LOW) && e->ts == now.ts);
			break;
		case DEVSTATE_EV_NVM_ERROR:
			CHECK(p->ok && m->read && !(was & UO4_ST_NVM_ERROR) &&
			      (p->status & UO4_ST_NVM_ERROR) && e->ts == now.ts);
			break;
		default:
			CHECK(0);
		}
	}
	linkchg = online || offline;
	CHECK(devstate_online(s) == (m->link == 1));
	CHECK((int)s->link == m->link);
	if (p->ok) {
		uint16_t mains = p->status & UO4_ST_MAINS ? 1 : 0;
		unsigned step = m->batt > p->batt_mv ? m->batt - p->batt_mv : p->batt_mv - m->batt;

		/* every bit that rose between two answers was said */
		if (m->read) {
			bool said_batt = false, said_nvm = false;

			for (unsigned i = 0; i < o->n; i++) {
				said_batt |= o->ev[i].type == DEVSTATE_EV_BATTERY_LOW;
				said_nvm |= o->ev[i].type == DEVSTATE_EV_NVM_ERROR;
			}
			CHECK(said_batt ==
			      (!(was & UO4_ST_BATT_LOW) && (p->status & UO4_ST_BATT_LOW)));
			CHECK(said_nvm ==
			      (!(was & UO4_ST_NVM_ERROR) && (p->status & UO4_ST_NVM_ERROR)));
			CHECK(m->mains == mains);
			if (linkchg || (was & UO4_ST_MAINS) != (p->status & UO4_ST_MAINS) ||
			    step >= DEVSTATE_BATT_STEP_MV)
				CHECK(o->changed);
		} else {
			CHECK(o->n == (unsigned)online);
			CHECK(o->changed);
			m->mains = mains;
		}
		CHECK(m->link == 1);
		if (online || coils)
			CHECK(o->want_coils);
		m->read = true;
		m->status = p->status;
		m->batt = p->batt_mv;
		m->last_ms = now.ms;
		m->last_ts = now.ts;
	} else {
		uint64_t since;
		bool due;

		if (!m->failed) {
			m->failed = true;
			m->fail_ms = now.ms;
		}
		since = m->read ? m->last_ms : m->fail_ms;
		due = now.ms >= since && now.ms - since >= timeout;
		if (offline)
			CHECK(due && o->changed);
		if (due)
			CHECK(m->link == 2);
		CHECK(o->n <= 1 && !o->want_coils);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct devstate s;
	struct model m;
	struct devstate_now now = { 1000000, 1700000000 };
	uint64_t timeout;

	if (size < 1)
		return 0;
	timeout = ((uint64_t)data[0] + 1) * 1000;
	memset(&s, 0, sizeof s);
	memset(&m, 0, sizeof m);
	m.mains = -1;
	for (size_t at = 1; at + 5 <= size; at += 5) {
		const uint8_t *b = data + at;
		struct devstate_poll p = { b[0] & 1, (uint16_t)((b[0] >> 1) & 0xf),
					   (uint16_t)(b[1] | b[2] << 8) };
		uint64_t step = ((uint64_t)b[3] | (uint64_t)b[4] << 8) * 100;
		struct devstate_out o;
		struct devstate next;

		if (b[0] & 0x20) { /* a restart: nothing known */
			memset(&s, 0, sizeof s);
			memset(&m, 0, sizeof m);
			m.mains = -1;
		}
		if (b[0] & 0x40) /* the wall clock set back (NTP), not the monotonic one */
			now.ts -= (int64_t)(step / 10);
		now.ms += step;
		now.ts += (int64_t)(step / 1000);
		next = devstate_next(&s, &p, now, timeout, &o);
		check_poll(&m, &p, now, timeout, &next, &o);
		s = next;
	}
	return 0;
}
