/*
 * import.c - archive/import's arguments checked into a request, and its
 * audit record (import.h).
 */
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "registry.h"
#include "tbucket.h"

#define MAX_TIME (1LL << 40) /* as every time argument of the archive */

/* A source names where readings came from: letters, digits, ._:@/+- */
static bool source_ok(const char *s)
{
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:@/+-",
			    *s))
			return false;
	return true;
}

/* pulses[i] of arr into r->pulses; err names the entry. */
static int pulses_of(const json_t *arr, int64_t now, struct import_req *r, struct jv_err *err)
{
	size_t n = json_array_size(arr), i;
	const json_t *e;

	if (!n)
		return jv_fail(err, "pulses: empty; give the pulses of at least one hour");
	if (n > IMPORT_MAX_HOURS)
		return jv_fail(err, "pulses: %zu hours, at most %d (400 days) in one call", n,
			       IMPORT_MAX_HOURS);
	/* the last hour must have begun: readings of the past, not forecasts */
	if (r->from + 3600 * (int64_t)(n - 1) > now)
		return jv_fail(err,
			       "pulses: hour %zu (from %lld) has not begun yet; an import is "
			       "of hours that have",
			       n - 1, (long long)(r->from + 3600 * (int64_t)(n - 1)));
	if (!(r->pulses = calloc(n, sizeof *r->pulses)))
		return AMR_ENOMEM;
	json_array_foreach(arr, i, e) {
		json_int_t v;

		if (!json_is_integer(e))
			return jv_fail(err, "pulses[%zu]: expected a whole number of pulses", i);
		v = json_integer_value(e);
		if (v < 0)
			return jv_fail(err, "pulses[%zu]: %lld is negative", i, (long long)v);
		if (v > UINT32_MAX)
			return jv_fail(err,
				       "pulses[%zu]: %lld is above %u, the most a counter counts",
				       i, (long long)v, UINT32_MAX);
		r->pulses[i] = (uint32_t)v;
		r->total += (uint64_t)v;
	}
	r->n = n;
	r->to = r->from + 3600 * (int64_t)n;
	return AMR_OK;
}

amr_err import_parse(const json_t *args, int64_t now, struct import_req *r, struct jv_err *err)
{
	static const char *const fields[] = { "actor", "reason", "source", "channel",
					      "step",  "from",	 "pulses", NULL };
	static const char *const steps[] = { "hour", NULL };
	json_t *arr;
	long long from;
	int step, rc;

	memset(r, 0, sizeof *r);
	if ((rc = jv_only(args, fields, err)) ||
	    (rc = jv_str(args, "actor", true, NULL, 1, 100, &r->actor, err)) ||
	    (rc = jv_str(args, "reason", true, NULL, 1, 500, &r->reason, err)) ||
	    (rc = jv_str(args, "source", true, NULL, 1, IMPORT_MAX_SOURCE, &r->source, err)) ||
	    (rc = jv_str(args, "channel", true, NULL, 1, 32, &r->channel, err)) ||
	    (rc = jv_enum(args, "step", false, 0, steps, &step, err)) ||
	    (rc = jv_int(args, "from", true, 0, 0, MAX_TIME, &from, err)) ||
	    (rc = jv_array(args, "pulses", true, (size_t)-1, &arr, err)))
		return rc;
	if (!source_ok(r->source))
		return jv_fail(err,
			       "source: \"%s\" must be letters, digits and . _ : @ / + - "
			       "(e.g. \"demo-history\")",
			       r->source);
	if (registry_parse_id(r->channel, &r->key, err))
		return AMR_EINVAL;
	if (!r->key.ch)
		return jv_fail(err, "channel: \"%s\" is not a channel (obj.addr.ch)", r->channel);
	proto_id_format(&r->key, r->id);
	if (from % 3600)
		return jv_fail(err, "from: %lld is not a whole UTC hour (a multiple of 3600)",
			       from);
	r->from = from;
	if ((rc = pulses_of(arr, now, r, err)))
		import_req_free(r);
	return rc;
}

void import_req_free(struct import_req *r)
{
	free(r->pulses);
	r->pulses = NULL;
}

json_t *import_audit(const struct import_req *r, int64_t now)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:{s:s, s:I, s:I, s:I, s:I, s:s}}", "ts",
			 (json_int_t)now, "actor", r->actor, "action", "archive.import", "target",
			 r->id, "detail", "source", r->source, "from", (json_int_t)r->from, "to",
			 (json_int_t)r->to, "hours", (json_int_t)r->n, "pulses",
			 (json_int_t)r->total, "reason", r->reason);
}
