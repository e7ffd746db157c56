/*
 * ruleset.h - the alarm rules' parameters as people set them, per scope,
 * and what they come to for one channel or object (pure: no I/O, no
 * clock but the times given); docs/notify.md, "Rules".
 *
 * A scope is "default", a resource ("cold_water", proto_resources[]), an
 * object ("2") or a channel ("1.5.1"). A scope's params set some of the
 * parameters below; for one channel each parameter comes from the most
 * specific scope that sets it: the channel, its object, its resource,
 * "default", and else the built-in default. The parameters of a gateway
 * (gateway_offline_min, spool_pct) and debt_threshold belong to an
 * object: they may be set at "default" or at an object only.
 *
 * Thresholds of flow are in the channel's unit per hour, as exact
 * decimal strings ("0.030" m³/h), converted to pulses per hour with the
 * channel's pulse weight (unit per pulse, num/den) by exact integer
 * arithmetic: pulses/h = floor(threshold * den / num), at least 1 when
 * the threshold is not 0, at most FLOW_RATE_MAX.
 */
#ifndef AMR_NOTIFY_RULESET_H
#define AMR_NOTIFY_RULESET_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "flow.h"
#include "jv.h"
#include "proto.h"
#include "units.h"

#define RULESET_DEC	       6	  /* decimals of a threshold in unit per hour */
#define RULESET_RATE_MAX       1000000	  /* largest threshold, unit per hour */
#define RULESET_DEBT_MAX       1000000000 /* largest debt threshold, rubles */
#define RULESET_SCOPE_LEN      16	  /* bytes of a scope's name */
#define RULESET_DEFAULT_VERIFY 30	  /* verification_days built in */
#define RULESET_DEFAULT_STUCK  7	  /* stuck_days built in */

enum ruleset_level {
	RULESET_DEFAULT,
	RULESET_RESOURCE,
	RULESET_OBJECT,
	RULESET_CHANNEL,
	RULESET_LEVELS
};

/* Every parameter of one channel (or object), in its own terms. */
struct ruleset_params {
	int32_t leak_hours, leak_zero_min, night_from_h, night_to_h;
	int64_t night_max_u; /* unit per hour * 10^RULESET_DEC; 0 = off */
	int64_t burst_u;     /* unit per hour * 10^RULESET_DEC; 0 = off */
	int32_t burst_min, stuck_days, stuck_min_pulses, max_gap_min;
	int32_t gateway_offline_min, spool_pct, verification_days;
	int64_t debt_kop; /* kopecks; 0 = no debt alarm */
};

/* The scope's level, and its object (for an object or a channel) and
 * channel id into *id when id is not NULL; -1 when s is not a scope. */
int ruleset_scope_parse(const char *s, struct proto_id *id);

/*
 * Check params (a rule.set's "params", borrowed) for scope level lvl:
 * only known parameters, each within its bounds, the object's ones only
 * at default or an object. The stored form (debt_threshold in kopecks)
 * into *out (new). Returns AMR_OK, or AMR_EINVAL with err naming the
 * field ("params.leak_hours: ..."), or AMR_ENOMEM.
 */
amr_err ruleset_check(const json_t *params, enum ruleset_level lvl, json_t **out,
		      struct jv_err *err);

/* The built-in defaults for a channel of resource res (NULL: none) in
 * unit (NULL: pulse); gateway_offline_min and spool_pct as given. */
void ruleset_builtin(struct ruleset_params *p, const char *res, const char *unit,
		     int32_t gateway_offline_min, int32_t spool_pct);

/* Apply stored params (checked by ruleset_check, borrowed; NULL: none)
 * over p: each parameter they set replaces p's. */
void ruleset_apply(struct ruleset_params *p, const json_t *params);

/*
 * Resolve: the built-in defaults, then level[RULESET_DEFAULT] ..
 * level[RULESET_CHANNEL] applied in turn (each borrowed, NULL: not set),
 * into *p.
 */
void ruleset_resolve(struct ruleset_params *p, const json_t *const level[RULESET_LEVELS],
		     const char *res, const char *unit, int32_t gateway_offline_min,
		     int32_t spool_pct);

/* Threshold u (unit per hour * 10^RULESET_DEC) in pulses per hour with
 * weight w (see above). */
int64_t ruleset_pulses_h(int64_t u, const struct units_weight *w);

/* p's flow rules for a channel of weight w into *fp. */
void ruleset_flow(const struct ruleset_params *p, const struct units_weight *w,
		  struct flow_params *fp);

/* Threshold u (unit per hour * 10^RULESET_DEC) as a decimal string with
 * 3 to RULESET_DEC decimals ("0.030") into buf. Returns buf. */
char *ruleset_decimal(int64_t u, char buf[UNITS_QTY_MAX]);

/* p as the parameters' JSON (new; NULL when out of memory): integers,
 * thresholds as ruleset_decimal() strings, the debt in
 * kopecks. */
json_t *ruleset_json(const struct ruleset_params *p);

/* Which scope each parameter comes from, {"leak_hours":"cold_water",..}
 * (new): names[l] of the most specific level[l] that sets it, else
 * "builtin". */
json_t *ruleset_sources(const json_t *const level[RULESET_LEVELS],
			const char *const names[RULESET_LEVELS]);

/* "YYYY-MM-DD" (a real date) into days since 1970-01-01 in *out; false
 * when it is not one (the registry's "" among them). */
bool ruleset_date_days(const char *s, int64_t *out);

/* The local day (days since 1970-01-01) of UTC time t at offset seconds
 * east of UTC. */
int64_t ruleset_local_day(int64_t t, int32_t offset);

#endif
