/*
 * runrecalc.c - перерасчёт: a month billed by average or norm while a
 * meter was assigned, billed again by the meter's readings once the
 * archive has them, as recalculation lines on this run's invoices.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odn.h"
#include "runint.h"

static const char *str(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

/* The service of a month's record as its lines name it: the run's own
 * record of it when it still has one (its name), else the record's. */
static void service_of(const struct run *r, const json_t *rec, struct run__service *out)
{
	uint32_t id = (uint32_t)json_integer_value(json_object_get(rec, "service"));
	const struct run__service *own = run__service_find(r, id);

	memset(out, 0, sizeof *out);
	if (own)
		snprintf(out->name, sizeof out->name, "%s", own->name);
	out->id = id;
	snprintf(out->code, sizeof out->code, "%s", str(rec, "code") ? str(rec, "code") : "");
	if (!out->name[0])
		snprintf(out->name, sizeof out->name, "%s", out->code);
	snprintf(out->unit, sizeof out->unit, "%s", str(rec, "unit") ? str(rec, "unit") : "");
	out->tariff = (uint32_t)json_integer_value(json_object_get(rec, "tariff"));
	out->version = (uint32_t)json_integer_value(json_object_get(rec, "version"));
}

/* The billed line of rec named name: its quantity and price. */
static bool billed(const json_t *rec, const char *name, struct money_qty *q, int64_t *price)
{
	struct jv_err e;
	json_t *l;
	size_t i;

	json_array_foreach(json_object_get(rec, "lines"), i, l)
		if (!strcmp(str(l, "line"), name))
			return !money_qty_parse(str(l, "quantity"), "q", q, &e) &&
			       !money_price_parse(str(l, "price"), "p", price, &e);
	return false;
}

/* Bill diff (signed, of rec's month ctx) of line name at price to the
 * month's holders by their days, on this run's invoices. */
static amr_err bill_diff(struct run *r, const struct run__pending *pe, const json_t *rec,
			 const char *name, const struct money_qty *diff, int64_t price,
			 const char *reason)
{
	const struct run__ctx *c = &r->ctx[pe->ctx];
	json_t *holders = json_object_get(rec, "holders"), *h;
	struct odn_span spans[64];
	struct run__service sv;
	size_t n = 0, i;
	amr_err rc;

	service_of(r, rec, &sv);
	json_array_foreach(holders, i, h) {
		if (n == 64)
			break;
		spans[n++] = (struct odn_span){ (int)json_integer_value(json_object_get(h, "d0")),
						(int)json_integer_value(json_object_get(h, "d1")),
						0 };
	}
	if (odn_prorate(diff->v < 0 ? -diff->v : diff->v, c->days, spans, n))
		return AMR_EINVAL;
	for (i = 0; i < n; i++) {
		uint32_t acc_id = (uint32_t)json_integer_value(
			json_object_get(json_array_get(holders, i), "account"));
		const char *share = str(json_array_get(holders, i), "share");
		struct money_qty part = { diff->v < 0 ? -spans[i].part : spans[i].part, diff->dec };
		unsigned long num = 1, den = 1;
		money_kop amount;
		size_t acc;
		json_t *l;

		for (acc = 0; acc < r->naccounts && r->accounts[acc].id != acc_id; acc++)
			;
		if (acc == r->naccounts || !part.v)
			continue;
		if (share && sscanf(share, "%lu/%lu", &num, &den) < 1)
			num = den = 1;
		if (!den || run__amount(price, &part, num, den, &amount))
			return AMR_EINVAL;
		if (!(l = run__line(&sv, BASIS_RECALCULATION, name, &part, price, amount)))
			return AMR_ENOMEM;
		json_object_set_new(l, "month", json_string(c->period));
		if (share)
			json_object_set_new(l, "share", json_string(share));
		json_object_set_new(l, "reason", json_string(reason));
		if ((rc = run__add_line(r, acc, run__entry_of(r, acc, pe->p), l,
					BASIS_RECALCULATION, amount)))
			return rc;
	}
	return AMR_OK;
}

/* The meters' quantity of a waiting month, if every channel now has
 * usable data. */
static bool readings_in(const struct run *r, const struct run__pending *pe, size_t nz,
			struct money_qty *q, struct money_qty *z)
{
	const char *unit = str(pe->rec, "unit");
	char why[200];

	*q = (struct money_qty){ 0, 0 };
	memset(z, 0, nz * sizeof *z);
	if (!pe->nneeds)
		return false;
	for (size_t i = pe->need0; i < pe->need0 + pe->nneeds; i++) {
		const struct run__need *n = &r->needs[i];
		struct money_qty t;

		if (!run__usable(n, unit ? unit : "", why, sizeof why) ||
		    (n->has_cov && n->hours < 1))
			return false;
		if (money_qty_add(q, &n->qty, &t))
			return false;
		*q = t;
		for (size_t k = 0; k < nz; k++)
			if (!money_qty_add(&z[k], &n->zone[k], &t))
				z[k] = t;
	}
	return true;
}

static amr_err recalc_one(struct run *r, struct run__pending *pe)
{
	const json_t *rec = pe->rec;
	int kind = tariff_kind_parse(str(rec, "kind") ? str(rec, "kind") : "");
	struct tariff_version v;
	struct tariff_input in = { 0 };
	struct tariff_line lines[TARIFF_LINES_MAX];
	struct money_qty q, was, diff, z[TARIFF_ZONES_MAX];
	struct jv_err e;
	char reason[400], qb[MONEY_STR_MAX], wb[MONEY_STR_MAX];
	size_t n, nz = 0;
	const char *const *zn;
	amr_err rc;

	if (kind < 0 ||
	    tariff_version_parse((enum tariff_kind)kind, json_object_get(rec, "version_rec"), &v,
				 &e) ||
	    money_qty_parse(str(rec, "quantity"), "q", &was, &e))
		return AMR_OK; /* a record this run cannot read again: left waiting */
	for (zn = tariff_zone_names((enum tariff_kind)kind); zn && zn[nz]; nz++)
		;
	if (!readings_in(r, pe, nz, &q, z))
		return AMR_OK;
	in.qty = q;
	in.residents = json_integer_value(json_object_get(rec, "residents"));
	memcpy(in.zone_qty, z, sizeof z);
	if (tariff_charge(&v, &in, lines, &n))
		return AMR_EINVAL;
	snprintf(reason, sizeof reason, "readings for %s came: by meter %s %s, billed %s by %s",
		 r->ctx[pe->ctx].period, money_qty_format(&q, qb), str(rec, "unit"),
		 money_qty_format(&was, wb), str(rec, "basis"));
	/* each line: metered less billed, at the price billed */
	for (size_t i = 0; i < n; i++) {
		struct money_qty bq = { 0, 0 };
		int64_t price = lines[i].price;

		billed(rec, lines[i].name, &bq, &price);
		if (money_qty_sub(&lines[i].qty, &bq, &diff))
			return AMR_EINVAL;
		if (diff.v && (rc = bill_diff(r, pe, rec, lines[i].name, &diff, price, reason)))
			return rc;
	}
	/* a line billed that the meter's quantity does not make (over the norm) */
	{
		json_t *l;
		size_t i;

		json_array_foreach(json_object_get(rec, "lines"), i, l) {
			bool made = false;
			int64_t price;
			struct money_qty bq;

			for (size_t k = 0; k < n; k++)
				made |= !strcmp(lines[k].name, str(l, "line"));
			if (made || !billed(rec, str(l, "line"), &bq, &price))
				continue;
			diff = (struct money_qty){ -bq.v, bq.dec };
			if (diff.v &&
			    (rc = bill_diff(r, pe, rec, str(l, "line"), &diff, price, reason)))
				return rc;
		}
	}
	/* wastewater billed from this water: the difference of the water */
	if (pe->ww && !money_qty_sub(&q, &was, &diff) && diff.v) {
		int64_t price;
		struct money_qty bq;

		if (billed(pe->ww, "", &bq, &price) &&
		    (rc = bill_diff(r, pe, pe->ww, "", &diff, price, reason)))
			return rc;
	}
	pe->done = true;
	return json_array_append_new(r->recalcs, json_pack("{s:I, s:I, s:s}", "premises",
							   (json_int_t)r->premises[pe->p].id,
							   "service", (json_int_t)pe->service,
							   "period", r->ctx[pe->ctx].period))
		       ? AMR_ENOMEM
		       : AMR_OK;
}

amr_err run__recalc(struct run *r)
{
	amr_err rc;

	for (size_t i = 0; i < r->npending; i++)
		if ((rc = recalc_one(r, &r->pending[i]))) {
			if (rc == AMR_EINVAL && !r->failed[0])
				snprintf(r->failed, sizeof r->failed,
					 "premises %s: the recalculation of %s is out of range",
					 r->premises[r->pending[i].p].number,
					 r->ctx[r->pending[i].ctx].period);
			return rc;
		}
	return AMR_OK;
}
