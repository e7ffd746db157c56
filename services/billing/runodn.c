/*
 * runodn.c - the house meters of a run: heat shared by area where no
 * premises has a heat meter, ОДН distributed by area, and the building's
 * balance per resource.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archcl.h"
#include "model.h"
#include "odn.h"
#include "runint.h"

/* The house meters' quantity of resource ri, usable or not (why), and
 * their channels. */
static bool house_qty(struct run *r, int ri, const char *unit, struct money_qty *q,
		      json_t *channels, char *why, size_t size)
{
	bool usable = true, any = false;

	*q = (struct money_qty){ 0, 0 };
	for (size_t i = 0; i < r->nhouse; i++) {
		const struct run__need *n = &r->needs[r->house[i].need];
		struct money_qty t;

		if (r->house[i].resource != ri)
			continue;
		any = true;
		json_array_append_new(channels, json_string(r->house[i].channel));
		if (!usable)
			continue;
		if (!run__usable(n, unit ? unit : n->unit, why, size))
			usable = false;
		else if (!money_qty_add(q, &n->qty, &t))
			*q = t;
	}
	return any && usable;
}

/* Split units over every premises by area into parts[p] (units). */
static amr_err by_area(struct run *r, int64_t units, int64_t *parts)
{
	struct odn_part *op = calloc(r->npremises, sizeof *op);
	amr_err rc;

	if (!op)
		return AMR_ENOMEM;
	for (size_t p = 0; p < r->npremises; p++)
		op[p] = (struct odn_part){ (uint32_t)p, r->premises[p].number, r->premises[p].area,
					   0, 0 };
	if (!(rc = odn_split(units, op, r->npremises)))
		for (size_t p = 0; p < r->npremises; p++)
			parts[p] = op[p].part;
	free(op);
	return rc;
}

amr_err run__house_heat(struct run *r, struct money_qty *parts, size_t s)
{
	const struct run__service *sv = &r->services[s];
	json_t *channels = json_array();
	struct money_qty q;
	char why[200] = "";
	int64_t *units = calloc(r->npremises, sizeof *units), total;
	int ri;
	amr_err rc = AMR_OK;

	if (!units || !channels) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	for (ri = 0; model_resources[ri] && strcmp(model_resources[ri], "heat"); ri++)
		;
	if (!house_qty(r, ri, sv->unit, &q, channels, why, sizeof why)) {
		run__warn(r,
			  "%s: the house heat meter gave no usable data (%s); heat is not "
			  "billed",
			  sv->name, why);
		q = (struct money_qty){ 0, 0 };
	}
	total = q.v;
	if ((rc = by_area(r, total, units)))
		goto out_free;
	for (size_t p = 0; p < r->npremises; p++)
		parts[p] = (struct money_qty){ units[p], q.dec };
out_free:
	free(units);
	json_decref(channels);
	return rc;
}

static int64_t odn_price(const struct run__service *sv)
{
	return tariff_zone_names(sv->v.kind) ? sv->v.zone_price[0] : sv->v.price;
}

/* Bill premises p's part of ОДН to its holdings by days. */
static amr_err bill_part(struct run *r, size_t p, const struct run__service *sv,
			 const struct money_qty *part)
{
	const struct run__premises *pr = &r->premises[p];
	struct money_qty *parts = calloc(pr->nh ? pr->nh : 1, sizeof *parts);
	amr_err rc = AMR_ENOMEM;

	if (!parts)
		return rc;
	if ((rc = run__prorate(r, p, part, parts)))
		goto out_free;
	for (size_t i = 0; i < pr->nh; i++) {
		const struct run__holding *h = &r->holdings[pr->hold[i]];
		int64_t price = odn_price(sv);
		money_kop amount;
		json_t *l;

		if (run__amount(price, &parts[i], h->num, h->den, &amount)) {
			rc = AMR_EINVAL;
			goto out_free;
		}
		if (!(l = run__line(sv, BASIS_ODN, "", &parts[i], price, amount))) {
			rc = AMR_ENOMEM;
			goto out_free;
		}
		if (h->share[0])
			json_object_set_new(l, "share", json_string(h->share));
		if ((rc = run__add_line(r, h->acc, run__entry(r, pr->hold[i]), l, BASIS_ODN,
					amount)))
			goto out_free;
	}
out_free:
	free(parts);
	return rc;
}

/* Distribute what res says of service sv over the premises by area. */
static amr_err distribute(struct run *r, const struct run__service *sv,
			  const struct odn_result *res)
{
	int64_t *units = calloc(r->npremises, sizeof *units);
	amr_err rc;

	if (!units)
		return AMR_ENOMEM;
	if ((rc = by_area(r, res->distributed.v, units)))
		goto out_free;
	for (size_t p = 0; p < r->npremises; p++) {
		struct money_qty part = { units[p], res->dec };

		if (units[p] && (rc = bill_part(r, p, sv, &part)))
			goto out_free;
	}
out_free:
	free(units);
	return rc;
}

/* The building's norm of common property for a resource, and its area. */
static void odn_terms(const struct run *r, int ri, struct odn_input *in)
{
	const char *norm = json_string_value(
		json_object_get(json_object_get(r->brec, "odn_norms"), model_resources[ri]));
	const char *area = json_string_value(json_object_get(r->brec, "common_area"));
	struct money_qty a;
	struct jv_err e;

	in->uncapped = json_is_true(json_object_get(r->brec, "odn_uncapped"));
	in->has_norm = norm && area && !money_qty_parse(norm, "n", &in->norm, &e) &&
		       !money_qty_parse(area, "a", &a, &e) && run__units(&a, 2, &in->common_area);
}

static amr_err resource_balance(struct run *r, int ri)
{
	const struct run__service *sv = NULL;
	struct odn_input in = { 0 };
	struct odn_result res;
	json_t *channels = json_array(), *item;
	char why[200] = "", b1[MONEY_STR_MAX], b2[MONEY_STR_MAX], b3[MONEY_STR_MAX],
	     b4[MONEY_STR_MAX], b5[MONEY_STR_MAX], b6[MONEY_STR_MAX], *pct;
	bool odn = !strcmp(model_resources[ri], "cold_water") ||
		   !strcmp(model_resources[ri], "hot_water") ||
		   !strcmp(model_resources[ri], "electricity");
	amr_err rc;

	for (size_t s = 0; s < r->nservices; s++)
		if (r->services[s].priced && r->services[s].quantity &&
		    r->services[s].resource == ri)
			sv = &r->services[s];
	if (!house_qty(r, ri, sv ? sv->unit : NULL, &in.house, channels, why, sizeof why)) {
		run__warn(r, "%s: the house meter gave no usable data (%s); no balance, no ОДН",
			  model_resources[ri], why);
		json_decref(channels);
		return AMR_OK;
	}
	for (size_t p = 0; p < r->npremises; p++)
		if (r->premises[p].has_res[ri]) {
			struct money_qty t;

			if (money_qty_add(&in.premises, &r->premises[p].res[ri], &t) == AMR_OK)
				in.premises = t;
		}
	odn_terms(r, ri, &in);
	if (!odn || !sv || sv->house_heat)
		in.uncapped = false, in.has_norm = false;
	if ((rc = odn_balance(&in, &res))) {
		json_decref(channels);
		return rc;
	}
	if (!odn || !sv || sv->house_heat) {
		res.distributed = (struct money_qty){ 0, res.dec };
		res.excess = (struct money_qty){ 0, res.dec };
		res.capped = false;
	} else if (res.capped && !in.has_norm) {
		run__warn(r,
			  "%s: no norm of common property (building odn_norms and "
			  "common_area) and odn_uncapped is not set: no ОДН billed",
			  model_resources[ri]);
	}
	if (res.negative)
		run__warn(r, "%s: the premises used %s more than the house meter shows; not billed",
			  model_resources[ri],
			  money_qty_format(&(struct money_qty){ -res.diff.v, res.dec }, b1));
	pct = odn_percent(&res.diff, &in.house, b6);
	item = json_pack(
		"{s:s, s:s, s:o, s:s, s:s, s:s, s:s?, s:s, s:s, s:b, s:b}", "resource",
		model_resources[ri], "unit", sv ? sv->unit : "", "channels", channels, "house",
		money_qty_format(&in.house, b1), "premises", money_qty_format(&in.premises, b2),
		"difference", money_qty_format(&res.diff, b3), "difference_pct", pct, "odn",
		money_qty_format(&res.distributed, b4), "odn_excess",
		money_qty_format(&res.excess, b5), "negative", res.negative, "capped", res.capped);
	if (!item || json_array_append_new(r->balance, item))
		return AMR_ENOMEM;
	return res.distributed.v > 0 ? distribute(r, sv, &res) : AMR_OK;
}

amr_err run__odn(struct run *r)
{
	amr_err rc;

	for (int ri = 0; model_resources[ri]; ri++) {
		bool any = false;

		for (size_t i = 0; i < r->nhouse; i++)
			any |= r->house[i].resource == ri;
		if (any && (rc = resource_balance(r, ri)))
			return rc;
	}
	return AMR_OK;
}
