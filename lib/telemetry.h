/*
 * telemetry.h - the rules of a telemetry batch, written once for the two
 * programs that judge one: amr-ingest on what a gateway sends
 * (amr/v1/gw/{obj}/up, services/ingest/validate.c) and amr-archive on the
 * canonical batch ingest forwards (amr/v1/readings/{obj},
 * services/archive/batch.c). What one accepts the other accepts, and a
 * bound cannot drift between them. docs/ingest.md lists the rules for
 * people:
 *
 *  - seq is an integer 1..PROTO_SEQ_MAX; prev, when present, 0..seq-1;
 *  - ts is an integer within [now - horizon, now + ahead] of a clock:
 *    ingest's own, and for the archive the batch's receive time "rx",
 *    the clock ingest judged it by;
 *  - a reading has exactly addr 1..127, ch 1..4, total and delta
 *    0..4294967295 and optional period_ms 0..4294967295, and there is one
 *    reading per channel;
 *  - a reading's delta is at most its total plus the "from" (the total
 *    before) of every counter_zeroed and counter_decreased event of the
 *    batch for that channel. A gateway's delta counts from the total it
 *    read first, which is at least 0; only a counter that went down in
 *    between, which the gateway reports with such an event, can make the
 *    delta exceed the total, and then by at most the totals it fell from.
 *    A counter event without "from" explains nothing. This is all the
 *    archive can hold a channel's first reading to: it has no total of
 *    its own to compare with.
 *
 * Pure functions over caller memory, no clock of their own. A failing
 * check returns AMR_EINVAL with a message in *e that names the field and
 * the bad value, as docs/ingest.md quotes them.
 */
#ifndef AMR_TELEMETRY_H
#define AMR_TELEMETRY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "jflat.h"
#include "jv.h"
#include "proto.h"

/* The time window's defaults and bounds, shared by both programs' options. */
#define TELEMETRY_HORIZON_DAYS	   45	 /* oldest ts accepted, days before now */
#define TELEMETRY_HORIZON_DAYS_MAX 3650	 /* largest horizon an option may set */
#define TELEMETRY_TS_AHEAD	   300	 /* newest ts accepted, s after now */
#define TELEMETRY_TS_AHEAD_MAX	   86400 /* largest ahead an option may set */

/* Which times are accepted around a clock's now. */
struct telemetry_window {
	int64_t horizon_s; /* oldest: now - horizon_s */
	int64_t ahead_s;   /* newest: now + ahead_s */
};

/* A reading's fields in the order they are checked: the index of
 * telemetry_reading_fields[] and telemetry_reading_bounds[]. */
enum telemetry_field {
	TELEMETRY_ADDR,
	TELEMETRY_CH,
	TELEMETRY_TOTAL,
	TELEMETRY_DELTA,
	TELEMETRY_PERIOD,
	TELEMETRY_FIELDS
};

/* The names, NULL-terminated, and the bounds of a reading's fields: the
 * table the streaming reader (jflat_rows) and the tree path both read. */
extern const char *const telemetry_reading_fields[TELEMETRY_FIELDS + 1];
extern const struct jflat_bound telemetry_reading_bounds[TELEMETRY_FIELDS];

/* One reading, its fields checked. */
struct telemetry_reading {
	uint32_t total;	    /* device counter */
	uint32_t delta;	    /* pulses since the previous batch, per the gateway */
	uint32_t period_ms; /* last pulse period, 0 when absent */
	uint8_t addr;	    /* 1..PROTO_ADDR_MAX */
	uint8_t ch;	    /* 1..PROTO_CH_MAX */
};

/* What the rules between readings and events collect over one batch. */
struct telemetry_chans {
	unsigned char seen[PROTO_ADDR_MAX + 1];		 /* readings so far: bit ch-1 per addr */
	unsigned char counter[PROTO_ADDR_MAX + 1];	 /* channels with a counter event */
	uint64_t from[PROTO_ADDR_MAX + 1][PROTO_CH_MAX]; /* sum of those events' from */
};

/* seq and prev of batch (prev -1 when absent). AMR_OK or AMR_EINVAL. */
amr_err telemetry_seq(const json_t *batch, long long *seq, long long *prev, struct jv_err *e);

/*
 * The "ts" of o, a batch (where "") or an entry (where "events[2]."),
 * within w around now. AMR_OK with *ts, or AMR_EINVAL ("ts: 1763600400 is
 * 400 s ahead of the server clock (limit 300 s)").
 */
amr_err telemetry_ts(const json_t *o, const char *where, const struct telemetry_window *w,
		     int64_t now, long long *ts, struct jv_err *e);

/* Reading i of a batch read as a tree: every field within its bounds, no
 * other field. AMR_OK with *rd, or AMR_EINVAL ("readings[3].addr: ..."). */
amr_err telemetry_reading_tree(const json_t *item, size_t i, struct telemetry_reading *rd,
			       struct jv_err *e);

/* A row of the streaming reader, which has checked the bounds: v[f] holds
 * field f when bit f of present is set (jflat_rows.row). */
void telemetry_reading_row(struct telemetry_reading *rd, const long long *v, unsigned present);

/* Start a batch: no readings or counter events seen. */
void telemetry_chans_init(struct telemetry_chans *c);

/* The fields of a counter_zeroed or counter_decreased event besides addr
 * and ch: "from" and "total", each optional, 0..4294967295. AMR_OK with
 * *from (-1 when absent), or AMR_EINVAL ("from: -5 is out of range ..."). */
amr_err telemetry_counter_fields(const json_t *ev, long long *from, struct jv_err *e);

/* A counter event of the batch for addr.ch (both in range) with its from
 * (-1: none). */
void telemetry_counter_add(struct telemetry_chans *c, unsigned addr, unsigned ch, long long from);

/*
 * The rules between reading i and the rest of the batch, once every
 * counter event has been added: its channel not read before in the
 * batch, and its delta explained (above). Marks the channel read.
 * AMR_OK or AMR_EINVAL ("readings[2]: channel 5.1 appears twice").
 */
amr_err telemetry_reading_check(struct telemetry_chans *c, const struct telemetry_reading *rd,
				size_t i, struct jv_err *e);

#endif
