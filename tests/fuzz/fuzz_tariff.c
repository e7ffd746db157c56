/*
 * fuzz_tariff.c - libFuzzer target: a tariff version's definition and its
 * arithmetic (services/billing/tariff.c, docs/billing.md "Tariffs";
 * docs/reliability.md).
 *
 * The input is one case in the shape of tests/unit/billing_cases/
 * tariffs.jsonl: {"kind":..,"version":{..},"input":{..}}. Checked besides
 * the sanitizers: a refused version names why; a read one is of its kind,
 * its time-of-use spans cover each hour of the day exactly once with zones
 * of the kind, and archive/zones gets one entry a span; charging it gives
 * at most TARIFF_LINES_MAX lines, each amount exactly money_line() of its
 * price and quantity and within MONEY_MAX, or a refusal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "money.h"
#include "tariff.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static size_t zones_of(enum tariff_kind k)
{
	const char *const *z = tariff_zone_names(k);
	size_t n = 0;

	while (z && z[n])
		n++;
	return n;
}

static void check_version(enum tariff_kind k, const struct tariff_version *v)
{
	size_t nz = zones_of(k);
	int cover[24] = { 0 };
	json_t *arch;

	CHECK(v->kind == k);
	if (!nz)
		return;
	CHECK(v->nspans >= 1 && v->nspans <= TARIFF_SPANS_MAX);
	for (size_t i = 0; i < v->nspans; i++) {
		const struct tariff_span *s = &v->spans[i];

		CHECK(s->zone >= 0 && (size_t)s->zone < nz);
		CHECK(s->from_h >= 0 && s->from_h <= 23 && s->to_h >= 1 && s->to_h <= 24);
		int len = (s->to_h - s->from_h + 24) % 24;

		for (int h = 0; h < (len ? len : 24); h++)
			cover[(s->from_h + h) % 24]++;
	}
	for (int h = 0; h < 24; h++)
		CHECK(cover[h] == 1);
	arch = tariff_archive_zones(v);
	CHECK(arch && json_array_size(arch) == v->nspans);
	json_decref(arch);
}

/* A quantity of the input, "" when absent; false when it does not read. */
static bool qty_of(const json_t *o, const char *name, struct money_qty *q)
{
	const char *s = json_string_value(json_object_get(o, name));
	struct jv_err e = { "" };

	if (!s)
		return true;
	return money_qty_parse(s, name, q, &e) == AMR_OK;
}

static void charge(const struct tariff_version *v, const json_t *in)
{
	struct tariff_input ti;
	struct tariff_line lines[TARIFF_LINES_MAX + 1];
	const json_t *z;
	size_t n = 99, i;
	amr_err rc;

	memset(&ti, 0, sizeof ti);
	if (!qty_of(in, "qty", &ti.qty) || !qty_of(in, "cold", &ti.cold) ||
	    !qty_of(in, "hot", &ti.hot))
		return;
	json_array_foreach(json_object_get(in, "zones"), i, z) {
		struct jv_err e = { "" };

		if (i >= TARIFF_ZONES_MAX || !json_is_string(z) ||
		    money_qty_parse(json_string_value(z), "zones", &ti.zone_qty[i], &e))
			return;
	}
	ti.area = json_integer_value(json_object_get(in, "area"));
	ti.residents = json_integer_value(json_object_get(in, "residents"));
	rc = tariff_charge(v, &ti, lines, &n);
	CHECK(rc == AMR_OK || rc == AMR_EINVAL);
	if (rc)
		return;
	CHECK(n <= TARIFF_LINES_MAX);
	for (i = 0; i < n; i++) {
		money_kop a = -1;

		CHECK(lines[i].name != NULL);
		CHECK(money_line(lines[i].price, &lines[i].qty, &a) == AMR_OK);
		CHECK(a == lines[i].amount);
		CHECK(a >= -MONEY_MAX && a <= MONEY_MAX);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *c = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	struct tariff_version v;
	struct jv_err e = { "" };
	int kind;

	if (!c)
		return 0;
	kind = tariff_kind_parse(json_string_value(json_object_get(c, "kind")));
	if (kind < 0) {
		CHECK(kind == -1);
		goto out;
	}
	CHECK(kind < TARIFF_KIND_END &&
	      !strcmp(tariff_kind_name(kind), json_string_value(json_object_get(c, "kind"))));
	memset(&v, 0x5a, sizeof v);
	if (tariff_version_parse((enum tariff_kind)kind, json_object_get(c, "version"), &v, &e)) {
		CHECK(e.msg[0] != '\0');
		goto out;
	}
	check_version((enum tariff_kind)kind, &v);
	charge(&v, json_object_get(c, "input"));
out:
	json_decref(c);
	return 0;
}
