#include <stdio.h>
#include <string.h>

#include "err.h"
#include "qty.h"
#include "units.h"
#include "weights.h"

void qty_conv_default(struct qty_conv *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->unit, sizeof c->unit, "pulse");
	c->num = c->den = 1;
	snprintf(c->initial, sizeof c->initial, "0");
}

amr_err qty_conv_from_record(const json_t *rec, struct qty_conv *c)
{
	struct units_weight w[UNITS_MAX_WEIGHTS];
	const char *unit = json_string_value(json_object_get(rec, "unit"));
	const char *init = json_string_value(json_object_get(rec, "initial_reading"));
	json_int_t itotal = json_integer_value(json_object_get(rec, "initial_total"));
	json_t *weights = json_object_get(rec, "weights");
	struct jv_err err;
	units_u128 v;
	size_t n = 1;
	int dec;

	qty_conv_default(c);
	if (!unit || units_unit_decimals(unit) < 0)
		return AMR_EINVAL;
	w[0] = (struct units_weight){ 1, 1, 0 };
	/* a record without periods counts pulses one to one */
	if (json_array_size(weights) > 0 && weights_parse(weights, w, &n, &err))
		return AMR_EINVAL;
	dec = units_channel_decimals(unit, w, n);
	if (dec < 0)
		return AMR_EINVAL;
	snprintf(c->unit, sizeof c->unit, "%s", unit);
	c->num = w[n - 1].num;
	c->den = w[n - 1].den;
	c->dec = dec;
	if (init && strlen(init) < sizeof c->initial && !units_parse(init, dec, &v) &&
	    itotal >= 0 && itotal <= UINT32_MAX) {
		snprintf(c->initial, sizeof c->initial, "%s", init);
		c->initial_total = (uint32_t)itotal;
	}
	return AMR_OK;
}

char *qty_reading(const struct qty_conv *c, uint32_t total, char *buf)
{
	struct units_weight w = { c->num, c->den, 0 };
	units_u128 init = 0;

	if (total < c->initial_total)
		return NULL;
	if (units_parse(c->initial, c->dec, &init))
		init = 0;
	return units_format(init + units_scaled(total - c->initial_total, &w, c->dec), c->dec, buf);
}

bool qty_rate(const struct qty_conv *c, uint32_t period_ms, uint64_t idle_ms, char *buf)
{
	uint64_t p = period_ms;
	units_u128 scaled, den;

	buf[0] = '\0';
	if (!period_ms || !c->den)
		return false;
	if (idle_ms > p)
		p = idle_ms;
	/* w * 3600000 / p per hour, times 1000 for three decimals, half up */
	den = (units_u128)c->den * p;
	scaled = ((units_u128)c->num * 3600000u * 1000u * 2 + den) / (2 * den);
	units_format(scaled, 3, buf);
	return true;
}

const char *qty_rate_unit(const char *unit)
{
	static const char *const map[][2] = {
		{ "m3", "m3/h" },     { "l", "l/h" },	{ "kWh", "kW" },	{ "MWh", "MW" },
		{ "Gcal", "Gcal/h" }, { "GJ", "GJ/h" }, { "pulse", "pulse/h" },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(unit, map[i][0]) == 0)
			return map[i][1];
	return "1/h";
}
