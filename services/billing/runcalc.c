/*
 * runcalc.c - a run's invoices: every premises' services by meter,
 * average, norm or the house's heat, the monthly charges, wastewater,
 * each holding's lines; then ОДН and recalculations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archcl.h"
#include "runint.h"

struct calc {
	struct run *r;
	run__hist_fn hist;
	void *hctx;
	struct money_qty *parts;		    /* per holding of a premises */
	struct money_qty *zparts[TARIFF_ZONES_MAX]; /* and per zone */
	struct money_qty *heat;			    /* per premises: heat from the house */
	json_t *water_rec[2];			    /* the premises' water months, borrowed */
	bool unverified; /* the service being billed has a meter past its verification */
};

bool run__usable(const struct run__need *n, const char *unit, char *why, size_t size)
{
	if (!n->answered)
		snprintf(why, size, "channel %s: no answer", n->channel);
	else if (n->never_seen)
		snprintf(why, size, "channel %s was never seen by the archive", n->channel);
	else if (strcmp(n->unit, unit))
		snprintf(why, size, "channel %s measures %s, the service is in %s", n->channel,
			 n->unit, unit);
	else if (n->has_cov && n->hours == 0)
		snprintf(why, size, "no readings of channel %s in the month", n->channel);
	else if (n->has_cov && n->quarantined > 0)
		snprintf(why, size, "%lld reading%s of channel %s quarantined in the month",
			 n->quarantined, n->quarantined == 1 ? "" : "s", n->channel);
	else
		return true;
	return false;
}

static size_t zones_of(enum tariff_kind k)
{
	const char *const *zn = tariff_zone_names(k);
	size_t n = 0;

	while (zn && zn[n])
		n++;
	return n;
}

static void add_to(struct money_qty *sum, const struct money_qty *q)
{
	struct money_qty t;

	if (!money_qty_add(sum, q, &t))
		*sum = t;
}

/* The premises' month record of service s: what the run billed of the
 * whole month, for the history and a later recalculation. */
static json_t *prem_month(struct calc *c, size_t p, const struct run__service *s, enum basis_kind b,
			  const struct money_qty *q, const struct money_qty *z, size_t nz,
			  json_t *channels, const char *reason)
{
	struct run *r = c->r;
	const struct run__premises *pr = &r->premises[p];
	struct tariff_input in = { .qty = *q, .residents = pr->residents };
	struct tariff_line lines[TARIFF_LINES_MAX];
	char qb[MONEY_STR_MAX], pb[MONEY_STR_MAX], ab[MONEY_STR_MAX];
	json_t *rec, *holders = json_array(), *arr = json_array();
	size_t n = 0;

	for (size_t i = 0; i < nz; i++)
		in.zone_qty[i] = z[i];
	if (s->v.kind == TARIFF_WASTEWATER) {
		in.cold = pr->has_water[0] ? pr->water[0] : (struct money_qty){ 0, 0 };
		in.hot = pr->has_water[1] ? pr->water[1] : (struct money_qty){ 0, 0 };
	}
	tariff_charge(&s->v, &in, lines, &n);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr,
				      json_pack("{s:s, s:s, s:s, s:s}", "line", lines[i].name,
						"quantity", money_qty_format(&lines[i].qty, qb),
						"price", money_price_format(lines[i].price, pb),
						"amount", money_format(lines[i].amount, ab)));
	for (size_t i = 0; i < pr->nh; i++) {
		const struct run__holding *h = &r->holdings[pr->hold[i]];
		json_t *e = json_pack("{s:I, s:i, s:i}", "account",
				      (json_int_t)r->accounts[h->acc].id, "d0", h->d0, "d1", h->d1);

		if (e && h->share[0])
			json_object_set_new(e, "share", json_string(h->share));
		json_array_append_new(holders, e);
	}
	rec = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:O, s:I, s:i, s:o, s:o}",
			"premises", (json_int_t)pr->id, "service", (json_int_t)s->id, "code",
			s->code, "basis", basis_name(b), "quantity", money_qty_format(q, qb),
			"unit", s->unit, "tariff", (json_int_t)s->tariff, "version",
			(json_int_t)s->version, "kind", tariff_kind_name(s->v.kind), "version_rec",
			s->vrec, "residents", (json_int_t)pr->residents, "days", r->ctx[0].days,
			"holders", holders, "lines", arr);
	if (!rec) {
		json_decref(channels);
		return NULL;
	}
	if (nz) {
		json_t *za = json_array();

		for (size_t i = 0; i < nz; i++)
			json_array_append_new(za, json_string(money_qty_format(&z[i], qb)));
		json_object_set_new(rec, "zones", za);
	}
	if (channels && json_array_size(channels)) {
		json_object_set(rec, "channels", channels);
		if (s->zset >= 0)
			json_object_set(rec, "zones_asked",
					json_array_get(r->zsets, (size_t)s->zset));
		/* it waits for readings to be billed again by them, unless a meter
		 * was past its verification: its readings are not a basis then
		 * (Правила 354 п. 59), however late they come */
		if ((b == BASIS_AVERAGE || b == BASIS_NORM) && !c->unverified)
			json_object_set_new(rec, "pending", json_true());
	}
	json_decref(channels);
	if (reason)
		json_object_set_new(rec, "reason", json_string(reason));
	if (json_array_append_new(r->prem_months, rec))
		return NULL;
	return rec;
}

/* The meters of premises p's service s: their quantity if every one gave
 * usable data, else why not. */
static bool metered(struct calc *c, size_t p, size_t s, struct money_qty *q, struct money_qty *z,
		    json_t *channels, bool *any, char *why, size_t size)
{
	struct run *r = c->r;
	const struct run__premises *pr = &r->premises[p];
	const struct run__service *sv = &r->services[s];
	bool usable = true;

	*any = false;
	for (size_t k = 0; k < pr->nm; k++) {
		const struct run__meter *m = &r->meters[pr->mtr[k]];
		const struct run__need *n = &r->needs[m->need];

		if (m->s != s)
			continue;
		*any = true;
		c->unverified = c->unverified || !m->verified;
		json_array_append_new(
			channels, json_pack("{s:s, s:s, s:i, s:i}", "channel", m->channel, "source",
					    archcl_name(r->a, m->src), "d0", m->d0, "d1", m->d1));
		if (!usable)
			continue;
		if (!m->verified) {
			snprintf(why, size, "meter %u (channel %s) is past its verification date",
				 m->id, m->channel);
			usable = false;
		} else if (!run__usable(n, sv->unit, why, size)) {
			usable = false;
		} else {
			add_to(q, &n->qty);
			for (size_t i = 0; i < TARIFF_ZONES_MAX; i++)
				add_to(&z[i], &n->zone[i]);
			if (n->has_cov && n->lumped > 0)
				run__warn(r,
					  "premises %s, %s: channel %s counted %lld pulses after "
					  "an outage in one reading",
					  pr->number, sv->name, m->channel, n->lumped);
		}
	}
	if (!*any) {
		snprintf(why, size, "no meter assigned");
		usable = false;
	}
	return usable;
}

/* The norm: per resident, x 1.5 where a meter could be and is none. */
static struct money_qty norm_qty(struct calc *c, size_t p, const struct run__service *sv, bool any,
				 char *why, size_t size)
{
	const struct run__premises *pr = &c->r->premises[p];
	struct money_qty q = { 0, sv->norm.dec };
	size_t len = strlen(why);

	if (!sv->has_norm) {
		run__warn(c->r, "premises %s, %s: no norm is set (service.norm), billed 0",
			  pr->number, sv->name);
		snprintf(why + len, size - len, "; no norm is set");
		return q;
	}
	money_qty_mul(&sv->norm, pr->residents, &q);
	if (!any && pr->meter_possible) {
		q.v *= 15; /* x 1.5: one more decimal */
		q.dec++;
		snprintf(why + len, size - len,
			 "; %s x %lld residents x 1.5 (a meter could be "
			 "installed and is not)",
			 "norm", (long long)pr->residents);
	} else {
		snprintf(why + len, size - len, "; norm x %lld residents",
			 (long long)pr->residents);
	}
	return q;
}

/* Bill premises p's metered service s. */
static amr_err bill_quantity(struct calc *c, size_t p, size_t s)
{
	struct run *r = c->r;
	struct run__premises *pr = &r->premises[p];
	struct run__service *sv = &r->services[s];
	size_t nz = zones_of(sv->v.kind);
	struct money_qty q = { 0, 0 }, z[TARIFF_ZONES_MAX] = { { 0, 0 } };
	enum basis_kind b = BASIS_METER;
	json_t *channels = json_array(), *rec;
	char why[400] = "";
	bool any = false;
	amr_err rc;

	c->unverified = false;
	if (sv->house_heat) {
		q = c->heat[p];
		b = BASIS_HOUSE;
	} else if (!metered(c, p, s, &q, z, channels, &any, why, sizeof why)) {
		struct basis_month hist[BASIS_HIST_MAX];
		struct basis_in bi = { r->ctx[0].m,
				       false,
				       pr->residential,
				       !strcmp(sv->code, "heat"),
				       r->heating_months,
				       hist,
				       0 };
		struct basis_choice ch;
		size_t len;

		if ((rc = c->hist(c->hctx, r, p, s, hist, &bi.nhist)) ||
		    (rc = basis_choose(&bi, &ch)))
			goto out_free;
		len = strlen(why);
		snprintf(why + len, sizeof why - len, "; %s", ch.why);
		b = ch.basis;
		memset(z, 0, sizeof z);
		q = ch.qty;
		if (b == BASIS_AVERAGE && nz && ch.nzones == nz)
			memcpy(z, ch.zone, sizeof z);
		else if (b == BASIS_AVERAGE && nz)
			z[0] = q; /* months without zones: all of it at the first zone */
		if (b == BASIS_NORM) {
			q = norm_qty(c, p, sv, any, why, sizeof why);
			if (nz)
				z[0] = q;
		}
	}
	if (b == BASIS_NORM && !sv->has_norm) {
		json_decref(channels);
		return AMR_OK; /* nothing to bill it by: warned */
	}
	if (!(rec = prem_month(c, p, sv, b, &q, z, nz, channels, b == BASIS_METER ? NULL : why))) {
		rc = AMR_ENOMEM;
		goto out_done;
	}
	if (sv->resource >= 0) {
		pr->has_res[sv->resource] = true;
		pr->res[sv->resource] = q;
	}
	for (int k = 0; k < 2; k++)
		if (!strcmp(sv->code, k ? "hot_water" : "cold_water")) {
			pr->has_water[k] = true;
			pr->water[k] = q;
			pr->water_basis[k] = b;
			c->water_rec[k] = rec;
		}
	/* each holding: its meters' own days, or its days' part of the month */
	if (b != BASIS_METER && (rc = run__prorate(r, p, &q, c->parts)))
		goto out_range;
	for (size_t i = 0; b != BASIS_METER && i < nz; i++)
		if ((rc = run__prorate(r, p, &z[i], c->zparts[i])))
			goto out_range;
	for (size_t i = 0; i < pr->nh; i++) {
		size_t h = pr->hold[i];
		struct tariff_input in = { .qty = { 0, 0 }, .residents = pr->residents };

		if (b == BASIS_METER) {
			for (size_t k = 0; k < pr->nm; k++) {
				const struct run__meter *m = &r->meters[pr->mtr[k]];

				if (m->s != s)
					continue;
				for (size_t u = m->u0; u < m->u0 + m->nu; u++) {
					const struct run__need *n = &r->needs[r->uses[u].need];

					if (r->uses[u].holding != h)
						continue;
					add_to(&in.qty, &n->qty);
					for (size_t zi = 0; zi < nz; zi++)
						add_to(&in.zone_qty[zi], &n->zone[zi]);
					if ((rc = run__reading(r, u)))
						return rc;
				}
			}
		} else {
			in.qty = c->parts[i];
			for (size_t zi = 0; zi < nz; zi++)
				in.zone_qty[zi] = c->zparts[zi][i];
		}
		for (int k = 0; k < 2; k++)
			if (!strcmp(sv->code, k ? "hot_water" : "cold_water"))
				r->holdings[h].water[k] = in.qty;
		if ((rc = run__charge(r, h, sv, b, &in, 1, 1, b == BASIS_METER ? NULL : why)))
			return rc;
	}
	return AMR_OK;
out_range:
	snprintf(r->failed, sizeof r->failed, "premises %s, %s: the quantity is out of range",
		 pr->number, sv->name);
	return AMR_EINVAL;
out_free:
	json_decref(channels);
out_done:
	return rc;
}

/* Wastewater: the premises' cold and hot water as billed, one line. */
static amr_err bill_wastewater(struct calc *c, size_t p, size_t s)
{
	struct run *r = c->r;
	struct run__premises *pr = &r->premises[p];
	const struct run__service *sv = &r->services[s];
	struct money_qty q = { 0, 0 };
	enum basis_kind b = BASIS_METER;
	char why[200] = "";
	amr_err rc;

	if (!pr->has_water[0] && !pr->has_water[1])
		return AMR_OK;
	for (int k = 0; k < 2; k++)
		if (pr->has_water[k]) {
			add_to(&q, &pr->water[k]);
			if (pr->water_basis[k] > b)
				b = pr->water_basis[k];
		}
	if (b != BASIS_METER)
		snprintf(why, sizeof why, "cold and hot water as billed: %s%s%s",
			 pr->has_water[0] ? basis_name(pr->water_basis[0]) : "",
			 pr->has_water[0] && pr->has_water[1] ? " and " : "",
			 pr->has_water[1] ? basis_name(pr->water_basis[1]) : "");
	if (!prem_month(c, p, sv, b, &q, NULL, 0, NULL, b == BASIS_METER ? NULL : why))
		return AMR_ENOMEM;
	for (int k = 0; k < 2; k++)
		if (c->water_rec[k])
			json_object_set_new(c->water_rec[k], "wastewater", json_integer(sv->id));
	for (size_t i = 0; i < pr->nh; i++) {
		const struct run__holding *h = &r->holdings[pr->hold[i]];
		struct tariff_input in = { .cold = h->water[0], .hot = h->water[1] };

		if ((rc = run__charge(r, pr->hold[i], sv, b, &in, 1, 1,
				      b == BASIS_METER ? NULL : why)))
			return rc;
	}
	return AMR_OK;
}

/* A monthly charge per m2, per resident or per premises, for the days held. */
static amr_err bill_fixed(struct calc *c, size_t p, size_t s)
{
	struct run *r = c->r;
	const struct run__premises *pr = &r->premises[p];
	amr_err rc;

	for (size_t i = 0; i < pr->nh; i++) {
		const struct run__holding *h = &r->holdings[pr->hold[i]];
		struct tariff_input in = { .area = pr->area, .residents = pr->residents };

		if ((rc = run__charge(r, pr->hold[i], &r->services[s], BASIS_FIXED, &in,
				      (unsigned long long)(h->d1 - h->d0),
				      (unsigned long long)r->ctx[0].days, NULL)))
			return rc;
	}
	return AMR_OK;
}

/* Days of the period no account holds premises p. */
static int vacant_days(const struct run *r, size_t p)
{
	const struct run__premises *pr = &r->premises[p];
	bool held[MONTH_DAYS_MAX] = { false };
	int n = 0;

	for (size_t i = 0; i < pr->nh; i++)
		for (int d = r->holdings[pr->hold[i]].d0; d < r->holdings[pr->hold[i]].d1; d++)
			held[d] = true;
	for (int d = 0; d < r->ctx[0].days; d++)
		n += !held[d];
	return n;
}

static amr_err bill_premises(struct calc *c, size_t p)
{
	struct run *r = c->r;
	int vacant = vacant_days(r, p);
	amr_err rc;

	c->water_rec[0] = c->water_rec[1] = NULL;
	if (vacant)
		run__warn(r, "premises %s: no account holds it for %d of %d days",
			  r->premises[p].number, vacant, r->ctx[0].days);
	for (size_t s = 0; s < r->nservices; s++) {
		const struct run__service *sv = &r->services[s];

		if (!sv->priced || sv->v.kind == TARIFF_WASTEWATER)
			continue;
		if (!sv->quantity)
			rc = bill_fixed(c, p, s);
		else if (sv->resource < 0)
			rc = AMR_OK; /* warned once, below */
		else
			rc = bill_quantity(c, p, s);
		if (rc)
			return rc;
	}
	for (size_t s = 0; s < r->nservices; s++)
		if (r->services[s].priced && r->services[s].v.kind == TARIFF_WASTEWATER &&
		    (rc = bill_wastewater(c, p, s)))
			return rc;
	return AMR_OK;
}

amr_err run__calc(struct run *r, run__hist_fn hist, void *hist_ctx)
{
	struct calc c = { .r = r, .hist = hist, .hctx = hist_ctx };
	size_t most = 1;
	amr_err rc = AMR_ENOMEM;

	if (!(r->prem_months = json_array()) || !(r->balance = json_array()) ||
	    !(r->recalcs = json_array()) || !(r->adjusted = json_array()))
		goto out_free;
	for (size_t p = 0; p < r->npremises; p++)
		if (r->premises[p].nh > most)
			most = r->premises[p].nh;
	if (!(c.parts = calloc(most, sizeof *c.parts)) ||
	    !(c.heat = calloc(r->npremises, sizeof *c.heat)))
		goto out_free;
	for (size_t z = 0; z < TARIFF_ZONES_MAX; z++)
		if (!(c.zparts[z] = calloc(most, sizeof *c.parts)))
			goto out_free;
	for (size_t s = 0; s < r->nservices; s++) {
		const struct run__service *sv = &r->services[s];

		if (sv->priced && sv->quantity && sv->resource < 0)
			run__warn(r,
				  "service %u (%s): a %s tariff needs a metered quantity and "
				  "the service has no meter; not billed",
				  sv->id, sv->name, tariff_kind_name(sv->v.kind));
		if (sv->house_heat && (rc = run__house_heat(r, c.heat, s)))
			goto out_free;
	}
	for (size_t p = 0; p < r->npremises; p++)
		if ((rc = bill_premises(&c, p)))
			goto out_free;
	if ((rc = run__odn(r)) || (rc = run__reliefs(r)) || (rc = run__recalc(r)) ||
	    (rc = run__adjustments(r)))
		goto out_free;
	for (size_t a = 0; a < r->naccounts; a++) {
		char buf[MONEY_STR_MAX];

		if (r->accounts[a].inv)
			json_object_set_new(r->accounts[a].inv, "total",
					    json_string(money_format(r->accounts[a].total, buf)));
	}
	rc = AMR_OK;
out_free:
	free(c.parts);
	free(c.heat);
	for (size_t z = 0; z < TARIFF_ZONES_MAX; z++)
		free(c.zparts[z]);
	if (rc == AMR_ENOMEM && !r->failed[0])
		snprintf(r->failed, sizeof r->failed, "out of memory");
	return rc;
}
