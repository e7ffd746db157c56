/*
 * fuzz_ruleset.c - libFuzzer target: the alarm rules' parameters as people
 * set them with notify/rule.set (services/notify/ruleset.c,
 * docs/notify.md "Rules"; docs/reliability.md).
 *
 * The input is {"scope":..,"params":{..}} as rule.set takes it. Checked
 * besides the sanitizers: a scope is read as one of the four levels or
 * none; a refusal names why; accepted params, stored form, are accepted
 * again as they are (the stored form is a fixed point); an object's
 * parameters never pass at a resource or a channel; applied over the
 * built-in defaults every parameter is within the bounds docs/notify.md
 * gives; the flow thresholds convert to pulses for a weight.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "flow.h"
#include "ruleset.h"
#include "units.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

#define RATE_U_MAX ((int64_t)RULESET_RATE_MAX * 1000000)

static void check_bounds(const struct ruleset_params *p)
{
	CHECK(p->leak_hours >= 0 && p->leak_hours <= 720);
	CHECK(p->leak_zero_min >= 1 && p->leak_zero_min <= 1440);
	CHECK(p->night_from_h >= 0 && p->night_from_h <= 23);
	CHECK(p->night_to_h >= 0 && p->night_to_h <= 23);
	CHECK(p->night_max_u >= 0 && p->night_max_u <= RATE_U_MAX);
	CHECK(p->burst_u >= 0 && p->burst_u <= RATE_U_MAX);
	CHECK(p->burst_min >= 0 && p->burst_min <= 1440);
	CHECK(p->stuck_days >= 0 && p->stuck_days <= 366);
	CHECK(p->stuck_min_pulses >= 0 && p->stuck_min_pulses <= 16);
	CHECK(p->max_gap_min >= 1 && p->max_gap_min <= 10080);
	CHECK(p->verification_days >= 0 && p->verification_days <= 3650);
	CHECK(p->gateway_offline_min >= 0 && p->gateway_offline_min <= 1440);
	CHECK(p->spool_pct >= 0 && p->spool_pct <= 100);
	CHECK(p->debt_kop >= 0 && p->debt_kop <= 100000000000LL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	json_t *out = NULL, *again = NULL, *j;
	const char *scope;
	struct proto_id id;
	struct jv_err e = { "" };
	struct ruleset_params p;
	struct units_weight w = { 1, 1000, 0 };
	struct flow_params fp;
	int lvl;
	amr_err rc;

	if (!in)
		return 0;
	scope = json_string_value(json_object_get(in, "scope"));
	lvl = scope ? ruleset_scope_parse(scope, &id) : -1;
	CHECK(lvl >= -1 && lvl < RULESET_LEVELS);
	if (lvl < 0)
		lvl = RULESET_DEFAULT;
	rc = ruleset_check(json_object_get(in, "params"), (enum ruleset_level)lvl, &out, &e);
	if (rc) {
		CHECK(rc == AMR_EINVAL && e.msg[0] != '\0');
		goto out;
	}
	CHECK(json_is_object(out));
	if (lvl == RULESET_RESOURCE || lvl == RULESET_CHANNEL)
		CHECK(!json_object_get(out, "gateway_offline_min") &&
		      !json_object_get(out, "spool_pct") &&
		      !json_object_get(out, "debt_threshold"));
	CHECK(ruleset_check(out, (enum ruleset_level)lvl, &again, &e) == AMR_OK);
	CHECK(json_equal(out, again));

	ruleset_builtin(&p, "cold_water", "m3", 10, 90);
	check_bounds(&p);
	ruleset_apply(&p, out);
	check_bounds(&p);
	ruleset_flow(&p, &w, &fp);
	j = ruleset_json(&p);
	CHECK(j != NULL);
	json_decref(j);
out:
	json_decref(again);
	json_decref(out);
	json_decref(in);
	return 0;
}
