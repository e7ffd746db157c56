/*
 * tariff.c - tariff kinds, the prices of a version, and their arithmetic.
 */
#include <stdio.h>
#include <string.h>

#include "tariff.h"

static const char *const kind_names[TARIFF_KIND_END + 1] = {
	"per_unit", "per_area", "per_resident", "fixed", "tou2",
	"tou3",	    "tiered",	"wastewater",	NULL,
};
static const char *const zones2[] = { "day", "night", NULL };
static const char *const zones3[] = { "peak", "half_peak", "night", NULL };

int tariff_kind_parse(const char *name)
{
	for (int i = 0; name && i < TARIFF_KIND_END; i++)
		if (!strcmp(kind_names[i], name))
			return i;
	return -1;
}

const char *tariff_kind_name(enum tariff_kind k)
{
	return k < TARIFF_KIND_END ? kind_names[k] : NULL;
}

const char *const *tariff_zone_names(enum tariff_kind k)
{
	return k == TARIFF_TOU2 ? zones2 : k == TARIFF_TOU3 ? zones3 : NULL;
}

static int zone_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

/* "07:00" -> 7, "24:00" -> 24 (only as an end); -1 otherwise. */
static int hour(const char *s, int max)
{
	int h;

	if (!s || strlen(s) != 5 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
	    strcmp(s + 2, ":00"))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	return h <= max ? h : -1;
}

static amr_err zones_parse(enum tariff_kind k, const json_t *rec, struct tariff_version *out,
			   struct jv_err *err)
{
	const char *const *names = tariff_zone_names(k);
	json_t *prices = json_object_get(rec, "prices"), *zones = json_object_get(rec, "zones"), *z;
	int owner[24], nz = 0;
	const char *key;
	json_t *v;
	size_t i;

	while (names[nz])
		nz++;
	if (!json_is_object(prices))
		return jv_fail(err,
			       "prices: missing (an object with the price of each zone: %s%s%s)",
			       names[0], nz > 2 ? ", half_peak" : "", ", night");
	json_object_foreach(prices, key, v) {
		char path[64];
		int zi = zone_index(names, key);

		snprintf(path, sizeof path, "prices.%s", key);
		if (zi < 0)
			return jv_fail(err, "%s: a %s tariff has no zone \"%s\"", path,
				       kind_names[k], key);
		if (!json_is_string(v))
			return jv_fail(err, "%s: expected a price string like \"5.92\"", path);
		if (money_price_parse(json_string_value(v), path, &out->zone_price[zi], err))
			return AMR_EINVAL;
	}
	for (int zi = 0; zi < nz; zi++)
		if (!json_object_get(prices, names[zi]))
			return jv_fail(err, "prices.%s: missing", names[zi]);
	if (!json_is_array(zones) || json_array_size(zones) == 0)
		return jv_fail(err,
			       "zones: missing (the hours of each zone, "
			       "[{\"zone\":\"night\",\"from\":\"23:00\",\"to\":\"07:00\"},..])");
	if (json_array_size(zones) > TARIFF_SPANS_MAX)
		return jv_fail(err, "zones: more than %d spans", TARIFF_SPANS_MAX);
	for (int h = 0; h < 24; h++)
		owner[h] = -1;
	out->nspans = 0;
	json_array_foreach(zones, i, z) {
		struct tariff_span *sp = &out->spans[out->nspans];
		const char *zn = json_string_value(json_object_get(z, "zone"));

		if (!json_is_object(z) || json_object_size(z) != 3 || !zn)
			return jv_fail(err, "zones[%zu]: expected {\"zone\",\"from\",\"to\"}", i);
		if ((sp->zone = zone_index(names, zn)) < 0)
			return jv_fail(err, "zones[%zu].zone: a %s tariff has no zone \"%s\"", i,
				       kind_names[k], zn);
		sp->from_h = hour(json_string_value(json_object_get(z, "from")), 23);
		sp->to_h = hour(json_string_value(json_object_get(z, "to")), 24);
		if (sp->from_h < 0)
			return jv_fail(
				err, "zones[%zu].from: expected a whole hour \"HH:00\", 00..23", i);
		if (sp->to_h < 0 || sp->to_h % 24 == sp->from_h)
			return jv_fail(err,
				       "zones[%zu].to: expected a whole hour \"HH:00\" (01..24) "
				       "other than from",
				       i);
		for (int h = sp->from_h; h != sp->to_h % 24; h = (h + 1) % 24) {
			if (owner[h] >= 0)
				return jv_fail(err,
					       "zones[%zu]: hour %02d:00 is in zones[%d] already",
					       i, h, owner[h]);
			owner[h] = (int)i;
		}
		out->nspans++;
	}
	for (int h = 0; h < 24; h++)
		if (owner[h] < 0)
			return jv_fail(err,
				       "zones: hour %02d:00 is in no zone; the zones cover "
				       "every hour of the day once",
				       h);
	for (int zi = 0; zi < nz; zi++) {
		bool used = false;

		for (size_t s = 0; s < out->nspans; s++)
			used |= out->spans[s].zone == zi;
		if (!used)
			return jv_fail(err, "zones: zone %s has no hours", names[zi]);
	}
	return AMR_OK;
}

amr_err tariff_version_parse(enum tariff_kind k, const json_t *rec, struct tariff_version *out,
			     struct jv_err *err)
{
	static const char *const fields[] = { "price", "price_over", "norm", "prices", "zones" };
	/* which of fields[] each kind takes: bit i for fields[i] */
	static const unsigned takes[TARIFF_KIND_END] = {
		[TARIFF_PER_UNIT] = 1, [TARIFF_PER_AREA] = 1,	[TARIFF_PER_RESIDENT] = 1,
		[TARIFF_FIXED] = 1,    [TARIFF_TOU2] = 24,	[TARIFF_TOU3] = 24,
		[TARIFF_TIERED] = 7,   [TARIFF_WASTEWATER] = 1,
	};
	struct tariff_version v;
	const char *s;

	memset(&v, 0, sizeof v);
	if (k >= TARIFF_KIND_END)
		return jv_fail(err, "kind: unknown");
	v.kind = k;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		bool has = json_object_get(rec, fields[i]) != NULL;

		if (has && !(takes[k] & (1u << i)))
			return jv_fail(err, "%s: a %s tariff has none", fields[i], kind_names[k]);
		if (!has && (takes[k] & (1u << i)) && i < 3)
			return jv_fail(err, "%s: missing (a %s tariff needs it)", fields[i],
				       kind_names[k]);
	}
	if ((s = json_string_value(json_object_get(rec, "price"))) &&
	    money_price_parse(s, "price", &v.price, err))
		return AMR_EINVAL;
	if ((s = json_string_value(json_object_get(rec, "price_over"))) &&
	    money_price_parse(s, "price_over", &v.price_over, err))
		return AMR_EINVAL;
	if ((s = json_string_value(json_object_get(rec, "norm"))) &&
	    money_qty_parse(s, "norm", &v.norm, err))
		return AMR_EINVAL;
	if (tariff_zone_names(k) && zones_parse(k, rec, &v, err))
		return AMR_EINVAL;
	*out = v;
	return AMR_OK;
}

static amr_err line(struct tariff_line *l, const char *name, const struct money_qty *q,
		    int64_t price)
{
	l->name = name;
	l->qty = *q;
	l->price = price;
	return money_line(price, q, &l->amount);
}

amr_err tariff_charge(const struct tariff_version *v, const struct tariff_input *in,
		      struct tariff_line *lines, size_t *n)
{
	struct money_qty q, limit, over;
	const char *const *zn;

	*n = 0;
	switch (v->kind) {
	case TARIFF_PER_UNIT:
		*n = 1;
		return line(&lines[0], "", &in->qty, v->price);
	case TARIFF_PER_AREA:
		q = (struct money_qty){ in->area, 2 };
		*n = 1;
		return line(&lines[0], "", &q, v->price);
	case TARIFF_PER_RESIDENT:
		q = (struct money_qty){ in->residents, 0 };
		*n = 1;
		return line(&lines[0], "", &q, v->price);
	case TARIFF_FIXED:
		q = (struct money_qty){ 1, 0 };
		*n = 1;
		return line(&lines[0], "", &q, v->price);
	case TARIFF_TOU2:
	case TARIFF_TOU3:
		zn = tariff_zone_names(v->kind);
		for (size_t z = 0; zn[z]; z++) {
			if (line(&lines[z], zn[z], &in->zone_qty[z], v->zone_price[z]))
				return AMR_EINVAL;
			*n = z + 1;
		}
		return AMR_OK;
	case TARIFF_TIERED:
		/* the norm is per resident; a premises without residents has none */
		if (money_qty_mul(&v->norm, in->residents, &limit))
			return AMR_EINVAL;
		if (money_qty_cmp(&in->qty, &limit) <= 0) {
			*n = 1;
			return line(&lines[0], "norm", &in->qty, v->price);
		}
		if (money_qty_sub(&in->qty, &limit, &over) ||
		    line(&lines[0], "norm", &limit, v->price))
			return AMR_EINVAL;
		*n = 2;
		return line(&lines[1], "over_norm", &over, v->price_over);
	case TARIFF_WASTEWATER:
		if (money_qty_add(&in->cold, &in->hot, &q))
			return AMR_EINVAL;
		*n = 1;
		return line(&lines[0], "", &q, v->price);
	case TARIFF_KIND_END:
		break;
	}
	return AMR_EINVAL;
}

json_t *tariff_archive_zones(const struct tariff_version *v)
{
	const char *const *zn = tariff_zone_names(v->kind);
	json_t *arr = json_array();

	for (size_t i = 0; arr && zn && i < v->nspans; i++) {
		char from[8], to[8];

		snprintf(from, sizeof from, "%02d:00", v->spans[i].from_h);
		snprintf(to, sizeof to, "%02d:00", v->spans[i].to_h);
		if (json_array_append_new(arr,
					  json_pack("{s:s, s:s, s:s}", "name", zn[v->spans[i].zone],
						    "from", from, "to", to))) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
