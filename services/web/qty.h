/*
 * qty.h - what the status pages show of a channel: its reading and its
 * instantaneous rate, as decimal strings computed with integers only.
 *
 * reading = initial_reading + (total - initial_total) * w, where w =
 * num/den is the channel's current pulse weight (its last weight period),
 * total the device counter and initial_total the counter when the meter
 * showed initial_reading (the registry pairs them, docs/archive.md);
 * printed at the channel's decimals (the archive's rule, through
 * lib/units.c). A counter below initial_total (zeroed, or a
 * device replaced) has no reading until the meter's reading is entered
 * again.
 *
 * rate = w / period, per hour (m3/h, l/h, Gcal/h, GJ/h; kWh per hour is kW,
 * MWh per hour MW), where period is the device's last pulse period, or the
 * time since the counter last moved when that is longer (no pulse for a
 * minute means the flow is at most one pulse a minute, and falls towards
 * zero). Printed with 3 decimals. No rate before the first pulse.
 */
#ifndef AMR_WEB_QTY_H
#define AMR_WEB_QTY_H

#include "err.h"

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#define QTY_MAX 48

struct qty_conv {
	char unit[8];		/* "m3", "kWh", ... "pulse" */
	uint64_t num;		/* current weight: unit per pulse, numerator */
	uint64_t den;		/* denominator */
	int dec;		/* decimals of the reading */
	char initial[32];	/* initial reading, decimal string */
	uint32_t initial_total; /* the counter when the meter showed it */
};

/* The default of an unregistered channel: pulse, 1/1, 0 decimals. */
void qty_conv_default(struct qty_conv *c);

/* Fill c from an archive registry record of a channel (unit, weights,
 * initial_reading); fields missing or out of bounds keep the default.
 * Returns AMR_OK or AMR_EINVAL (then c is the default). */
amr_err qty_conv_from_record(const json_t *rec, struct qty_conv *c);

/* The reading for total into buf[QTY_MAX]. Returns buf, or NULL when total
 * is below the counter the initial reading belongs to. */
char *qty_reading(const struct qty_conv *c, uint32_t total, char *buf);

/* The rate into buf[QTY_MAX] for the last pulse period and the time since
 * the counter last moved (both ms). Returns false (buf "") before the first
 * pulse (period_ms 0). */
bool qty_rate(const struct qty_conv *c, uint32_t period_ms, uint64_t idle_ms, char *buf);

/* The unit of a rate of unit ("m3" -> "m3/h", "kWh" -> "kW"). */
const char *qty_rate_unit(const char *unit);

#endif
