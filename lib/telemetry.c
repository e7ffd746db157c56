/*
 * telemetry.c - the rules of a telemetry batch. See telemetry.h.
 */
#include <stdio.h>
#include <string.h>

#include "telemetry.h"

const char *const telemetry_reading_fields[TELEMETRY_FIELDS + 1] = { "addr",  "ch",	   "total",
								     "delta", "period_ms", NULL };
const struct jflat_bound telemetry_reading_bounds[TELEMETRY_FIELDS] = {
	[TELEMETRY_ADDR] = { true, 1, PROTO_ADDR_MAX }, [TELEMETRY_CH] = { true, 1, PROTO_CH_MAX },
	[TELEMETRY_TOTAL] = { true, 0, UINT32_MAX },	[TELEMETRY_DELTA] = { true, 0, UINT32_MAX },
	[TELEMETRY_PERIOD] = { false, 0, UINT32_MAX },
};

/* Put where (e.g. "events[2].") in front of e's message; AMR_EINVAL. */
static amr_err at(struct jv_err *e, const char *where)
{
	char msg[sizeof e->msg];

	memcpy(msg, e->msg, sizeof msg);
	return jv_fail(e, "%s%s", where, msg);
}

amr_err telemetry_seq(const json_t *batch, long long *seq, long long *prev, struct jv_err *e)
{
	if (jv_int(batch, "seq", true, 0, 1, PROTO_SEQ_MAX, seq, e))
		return AMR_EINVAL;
	/* prev chains the gateway's batches so the archive can see a gap; it
	 * names an earlier batch, so it is below seq */
	return jv_int(batch, "prev", false, -1, 0, *seq - 1, prev, e);
}

amr_err telemetry_ts(const json_t *o, const char *where, const struct telemetry_window *w,
		     int64_t now, long long *ts, struct jv_err *e)
{
	if (jv_int(o, "ts", true, 0, 0, PROTO_SEQ_MAX, ts, e))
		return at(e, where);
	if (*ts > now + w->ahead_s)
		return jv_fail(e, "%sts: %lld is %lld s ahead of the server clock (limit %lld s)",
			       where, *ts, (long long)(*ts - now), (long long)w->ahead_s);
	if (*ts < now - w->horizon_s)
		return jv_fail(e, "%sts: %lld is older than the horizon of %lld days", where, *ts,
			       (long long)(w->horizon_s / 86400));
	return AMR_OK;
}

void telemetry_reading_row(struct telemetry_reading *rd, const long long *v, unsigned present)
{
	long long f[TELEMETRY_FIELDS];

	for (int i = 0; i < TELEMETRY_FIELDS; i++)
		f[i] = present & (1u << i) ? v[i] : 0;
	*rd = (struct telemetry_reading){ .total = (uint32_t)f[TELEMETRY_TOTAL],
					  .delta = (uint32_t)f[TELEMETRY_DELTA],
					  .period_ms = (uint32_t)f[TELEMETRY_PERIOD],
					  .addr = (uint8_t)f[TELEMETRY_ADDR],
					  .ch = (uint8_t)f[TELEMETRY_CH] };
}

amr_err telemetry_reading_tree(const json_t *item, size_t i, struct telemetry_reading *rd,
			       struct jv_err *e)
{
	long long v[TELEMETRY_FIELDS];
	char where[32];

	snprintf(where, sizeof where, "readings[%zu].", i);
	if (!json_is_object(item))
		return jv_fail(e, "readings[%zu]: expected an object", i);
	for (int f = 0; f < TELEMETRY_FIELDS; f++)
		if (jv_int(item, telemetry_reading_fields[f], telemetry_reading_bounds[f].required,
			   0, telemetry_reading_bounds[f].min, telemetry_reading_bounds[f].max,
			   &v[f], e))
			return at(e, where);
	/* four required fields plus period_ms: any other key is unknown */
	if (json_object_size(item) != 4u + (json_object_get(item, "period_ms") != NULL) &&
	    jv_only(item, telemetry_reading_fields, e))
		return at(e, where);
	telemetry_reading_row(rd, v, (1u << TELEMETRY_FIELDS) - 1);
	return AMR_OK;
}

void telemetry_chans_init(struct telemetry_chans *c)
{
	memset(c, 0, sizeof *c);
}

amr_err telemetry_counter_fields(const json_t *ev, long long *from, struct jv_err *e)
{
	long long total;

	if (jv_int(ev, "from", false, -1, 0, UINT32_MAX, from, e) ||
	    jv_int(ev, "total", false, 0, 0, UINT32_MAX, &total, e))
		return AMR_EINVAL;
	return AMR_OK;
}

void telemetry_counter_add(struct telemetry_chans *c, unsigned addr, unsigned ch, long long from)
{
	c->counter[addr] |= (unsigned char)(1u << (ch - 1));
	if (from > 0)
		c->from[addr][ch - 1] += (uint64_t)from;
}

amr_err telemetry_reading_check(struct telemetry_chans *c, const struct telemetry_reading *rd,
				size_t i, struct jv_err *e)
{
	unsigned char bit = (unsigned char)(1u << (rd->ch - 1));

	if (c->seen[rd->addr] & bit)
		return jv_fail(e, "readings[%zu]: channel %u.%u appears twice", i, rd->addr,
			       rd->ch);
	c->seen[rd->addr] |= bit;
	if (rd->delta <= rd->total)
		return AMR_OK;
	if (!(c->counter[rd->addr] & bit))
		return jv_fail(e,
			       "readings[%zu].delta: %u exceeds total %u without a "
			       "counter_zeroed or counter_decreased event for %u.%u",
			       i, rd->delta, rd->total, rd->addr, rd->ch);
	if (rd->delta > rd->total + c->from[rd->addr][rd->ch - 1])
		return jv_fail(e,
			       "readings[%zu].delta: %u exceeds total %u plus the from of the "
			       "counter events for %u.%u (%llu)",
			       i, rd->delta, rd->total, rd->addr, rd->ch,
			       (unsigned long long)c->from[rd->addr][rd->ch - 1]);
	return AMR_OK;
}
