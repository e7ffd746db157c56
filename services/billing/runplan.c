/*
 * runplan.c - a building's records and history read for a run, and the
 * archive's answers it needs listed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archcl.h"
#include "log.h"
#include "model.h"
#include "runint.h"

void *run__grow(void *arr, size_t n, size_t *cap, size_t size)
{
	void *p;

	if (n < *cap)
		return arr;
	p = realloc(arr, (*cap ? *cap * 2 : 16) * size);
	if (p)
		*cap = *cap ? *cap * 2 : 16;
	return p;
}

#define PUSH(r, arr, n, cap)                                    \
	((arr = run__grow(arr, n, &cap, sizeof *arr))           \
		 ? (memset(&arr[n], 0, sizeof *arr), &arr[n++]) \
		 : NULL)

void run__warn(struct run *r, const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	r->nwarnings++;
	if (json_array_size(r->warnings) >= RUN_WARN_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	json_array_append_new(r->warnings, json_string(buf));
}

void run__free(struct run *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nservices; i++)
		json_decref(r->services[i].vrec);
	for (size_t i = 0; i < r->npremises; i++) {
		free(r->premises[i].hold);
		free(r->premises[i].mtr);
	}
	for (size_t i = 0; i < r->naccounts; i++) {
		json_decref(r->accounts[i].inv);
		json_decref(r->accounts[i].rec);
		free(r->accounts[i].deferred);
	}
	for (size_t i = 0; i < r->ngroups; i++)
		free(r->groups[i].needs);
	for (size_t i = 0; i < r->npending; i++) {
		json_decref(r->pending[i].rec);
		json_decref(r->pending[i].ww);
	}
	free(r->services);
	free(r->premises);
	free(r->accounts);
	free(r->holdings);
	free(r->meters);
	free(r->uses);
	free(r->needs);
	free(r->groups);
	free(r->pending);
	free(r->house);
	run__read_free(r);
	json_decref(r->brec);
	json_decref(r->zsets);
	json_decref(r->prem_months);
	json_decref(r->recalcs);
	json_decref(r->adjusts);
	json_decref(r->adjusted);
	json_decref(r->balance);
	json_decref(r->warnings);
	free(r);
}

static const char *str(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

static long long num(const json_t *o, const char *name)
{
	return json_integer_value(json_object_get(o, name));
}

/* Scans' state: the run, what they need besides, and their capacity. */
struct plan {
	struct run *r;
	ledger *l;
	invstore *is;
	MDB_txn *txn;
	struct archcl *a;
	struct jv_err *err;
	size_t cap_s, cap_p, cap_a, cap_h, cap_m, cap_u, cap_n, cap_g, cap_pe, cap_ho;
	json_t *versions; /* tariff id (text) -> [version records in force] */
	json_t *tariffs;  /* tariff id (text) -> tariff record */
};

static struct run__premises *premises_of(const struct run *r, uint32_t id, size_t *idx)
{
	size_t lo = 0, hi = r->npremises;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->premises[mid].id == id) {
			if (idx)
				*idx = mid;
			return &r->premises[mid];
		}
		if (r->premises[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int premises_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct plan *pl = arg;
	struct run *r = pl->r;
	struct run__premises *p;
	struct money_qty area;
	struct jv_err e;

	if ((uint32_t)num(rec, "building") != r->building)
		return 0;
	if (!(p = PUSH(r, r->premises, r->npremises, pl->cap_p)))
		return AMR_ENOMEM;
	p->id = id;
	snprintf(p->number, sizeof p->number, "%s", str(rec, "number"));
	p->residential = !strcmp(str(rec, "kind"), "flat");
	if (money_qty_parse(str(rec, "area"), "area", &area, &e) || !run__units(&area, 2, &p->area))
		return AMR_EDB;
	p->residents = num(rec, "residents");
	p->meter_possible = json_is_true(json_object_get(rec, "meter_possible"));
	return 0;
}

/* A share as stored: "1", "3/10"; none is the whole. */
static void share_of(const char *s, unsigned long *n, unsigned long *d)
{
	*n = *d = 1;
	if (s && sscanf(s, "%lu/%lu", n, d) < 1)
		*n = *d = 1;
	if (!*d)
		*d = 1;
}

static void account_set(struct run__account *a, uint32_t id, const json_t *rec)
{
	const json_t *holder = json_object_get(rec, "holder");

	a->id = id;
	snprintf(a->number, sizeof a->number, "%s", str(rec, "number"));
	snprintf(a->holder, sizeof a->holder, "%s", str(holder, "name") ? str(holder, "name") : "");
}

static int account_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct plan *pl = arg;
	struct run *r = pl->r;
	const struct month *m = &r->ctx[0].m;
	size_t i, acc = (size_t)-1;
	json_t *e;

	if ((uint32_t)num(rec, "org") != r->org)
		return 0;
	json_array_foreach(json_object_get(rec, "premises"), i, e) {
		struct run__holding *h;
		struct run__premises *p;
		size_t pi;
		int d0 = month_day_index(m, str(e, "from")), d1 = month_day_index(m, str(e, "to"));

		if (d1 <= d0 || !(p = premises_of(r, (uint32_t)num(e, "premises"), &pi)))
			continue;
		if (acc == (size_t)-1) {
			struct run__account *a = PUSH(r, r->accounts, r->naccounts, pl->cap_a);

			if (!a)
				return AMR_ENOMEM;
			account_set(a, id, rec);
			a->rec = json_incref((json_t *)rec);
			acc = r->naccounts - 1;
		}
		if (!(h = PUSH(r, r->holdings, r->nholdings, pl->cap_h)))
			return AMR_ENOMEM;
		h->acc = acc;
		h->p = pi;
		h->d0 = d0;
		h->d1 = d1;
		snprintf(h->share, sizeof h->share, "%s", str(e, "share") ? str(e, "share") : "");
		share_of(str(e, "share"), &h->num, &h->den);
	}
	return 0;
}

static int service_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct plan *pl = arg;
	struct run *r = pl->r;
	struct run__service *s;
	struct jv_err e;

	if ((uint32_t)num(rec, "org") != r->org)
		return 0;
	if (!(s = PUSH(r, r->services, r->nservices, pl->cap_s)))
		return AMR_ENOMEM;
	s->id = id;
	s->zset = -1;
	s->resource = -1;
	snprintf(s->code, sizeof s->code, "%s", str(rec, "code"));
	snprintf(s->name, sizeof s->name, "%s", str(rec, "name"));
	snprintf(s->unit, sizeof s->unit, "%s", str(rec, "unit"));
	for (int i = 0; model_resources[i]; i++)
		if (!strcmp(model_resources[i], s->code))
			s->resource = i;
	if (str(rec, "norm")) {
		if (money_qty_parse(str(rec, "norm"), "norm", &s->norm, &e))
			return AMR_EDB;
		s->has_norm = true;
	}
	return 0;
}

static int tariff_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct plan *pl = arg;
	char key[16];

	if ((uint32_t)num(rec, "org") != pl->r->org)
		return 0;
	snprintf(key, sizeof key, "%u", id);
	return json_object_set(pl->tariffs, key, (json_t *)rec) ? AMR_ENOMEM : 0;
}

/* Versions in force on the period's first day (versions hold whole
 * months, so for the whole period). */
static int version_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct plan *pl = arg;
	char first[11], key[16];
	const char *from = str(rec, "from"), *to = str(rec, "to");
	json_t *list;

	(void)id;
	month_date(&pl->r->ctx[0].m, 0, first);
	if (strcmp(from, first) > 0 || (to && strcmp(to, first) <= 0))
		return 0;
	snprintf(key, sizeof key, "%lld", num(rec, "tariff"));
	if (!json_object_get(pl->tariffs, key))
		return 0;
	if (!(list = json_object_get(pl->versions, key))) {
		list = json_array();
		if (json_object_set_new(pl->versions, key, list))
			return AMR_ENOMEM;
	}
	return json_array_append(list, (json_t *)rec) ? AMR_ENOMEM : 0;
}

/* The zone set of zones (borrowed): its index in r->zsets, added once. */
static int zset_of(struct run *r, const json_t *zones)
{
	size_t i;
	json_t *z;

	json_array_foreach(r->zsets, i, z)
		if (json_equal(z, zones))
			return (int)i;
	if (json_array_append(r->zsets, (json_t *)zones))
		return -1;
	return (int)json_array_size(r->zsets) - 1;
}

/* Each service's tariff with a version in force: at most one. */
static amr_err price_services(struct plan *pl)
{
	struct run *r = pl->r;
	const char *key;
	json_t *list;

	json_object_foreach(pl->versions, key, list) {
		json_t *t = json_object_get(pl->tariffs, key), *v = json_array_get(list, 0);
		struct run__service *s = run__service_find(r, (uint32_t)num(t, "service"));
		int kind = tariff_kind_parse(str(t, "kind"));

		if (!s)
			continue;
		if (s->priced)
			return jv_fail(pl->err,
				       "service %u (%s): tariffs %u and %s both have a version in "
				       "force for %s; a service has one tariff a month",
				       s->id, s->name, s->tariff, key, r->ctx[0].period);
		if (kind < 0 || tariff_version_parse((enum tariff_kind)kind, v, &s->v, pl->err))
			return AMR_EINVAL;
		s->priced = true;
		s->tariff = (uint32_t)atol(key);
		s->version = (uint32_t)num(v, "id");
		s->vrec = json_incref(v);
		s->quantity = kind == TARIFF_PER_UNIT || kind == TARIFF_TOU2 ||
			      kind == TARIFF_TOU3 || kind == TARIFF_TIERED;
		if (tariff_zone_names((enum tariff_kind)kind)) {
			json_t *z = tariff_archive_zones(&s->v);

			s->zset = z ? zset_of(r, z) : -1;
			json_decref(z);
			if (s->zset < 0)
				return AMR_ENOMEM;
		}
	}
	return AMR_OK;
}

/* The need for channel over [d0, d1) of ctx from src: an existing one of
 * the same meter (first..n) or a new one. Returns its index or -1. */
static long need_of(struct plan *pl, int src, int ctx, int d0, int d1, int zset,
		    const char *channel, size_t first)
{
	struct run *r = pl->r;
	struct run__need *n;

	for (size_t i = first; i < r->nneeds; i++) {
		n = &r->needs[i];
		if (n->src == src && n->ctx == ctx && n->d0 == d0 && n->d1 == d1 &&
		    n->zset == zset && !strcmp(n->channel, channel))
			return (long)i;
	}
	if (!(n = PUSH(r, r->needs, r->nneeds, pl->cap_n)))
		return -1;
	*n = (struct run__need){ .src = src, .ctx = ctx, .d0 = d0, .d1 = d1, .zset = zset };
	snprintf(n->channel, sizeof n->channel, "%s", channel);
	return (long)r->nneeds - 1;
}

static int meter_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct plan *pl = arg;
	struct run *r = pl->r;
	const struct run__ctx *c = &r->ctx[0];
	struct run__premises *p;
	struct run__meter *m;
	size_t pi, si;
	int d0 = month_day_index(&c->m, str(rec, "from")),
	    d1 = month_day_index(&c->m, str(rec, "to"));
	const char *due = str(rec, "verification_due");
	char next[11];
	long n;

	if (d1 <= d0 || !(p = premises_of(r, (uint32_t)num(rec, "premises"), &pi)))
		return 0;
	for (si = 0; si < r->nservices && r->services[si].id != (uint32_t)num(rec, "service"); si++)
		;
	if (si == r->nservices)
		return 0;
	if (!(m = PUSH(r, r->meters, r->nmeters, pl->cap_m)))
		return AMR_ENOMEM;
	m->id = id;
	m->p = pi;
	m->s = si;
	m->d0 = d0;
	m->d1 = d1;
	snprintf(m->channel, sizeof m->channel, "%s", str(rec, "channel"));
	month_date(&c->m, c->days, next);
	m->verified = !due || strcmp(due, next) >= 0;
	if (run__meter_read(m, rec))
		return AMR_EDB;
	if ((m->src = archcl_find(pl->a, str(rec, "source"))) < 0)
		return jv_fail(pl->err,
			       "meter %u (premises %s): source \"%s\" is not a metering source "
			       "of amr-billing (--sources)",
			       id, p->number, str(rec, "source"));
	if (!r->services[si].priced || !r->services[si].quantity)
		return 0;
	if ((n = need_of(pl, m->src, 0, d0, d1, r->services[si].zset, m->channel, r->nneeds)) < 0)
		return AMR_ENOMEM;
	m->need = (size_t)n;
	m->u0 = r->nuses;
	for (size_t k = 0; k < p->nh; k++) {
		struct run__holding *h = &r->holdings[p->hold[k]];
		int u0 = h->d0 > d0 ? h->d0 : d0, u1 = h->d1 < d1 ? h->d1 : d1;
		struct run__use *u;

		if (u1 <= u0)
			continue;
		if ((n = need_of(pl, m->src, 0, u0, u1, r->services[si].zset, m->channel,
				 m->need)) < 0 ||
		    !(u = PUSH(r, r->uses, r->nuses, pl->cap_u)))
			return AMR_ENOMEM;
		*u = (struct run__use){ .meter = r->nmeters - 1,
					.holding = p->hold[k],
					.need = (size_t)n };
		r->meters[r->nmeters - 1].nu++;
	}
	return 0;
}

static amr_err house_meters(struct plan *pl)
{
	struct run *r = pl->r;
	const struct run__ctx *c = &r->ctx[0];
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(r->brec, "house_meters"), i, e) {
		int d0 = str(e, "from") ? month_day_index(&c->m, str(e, "from")) : 0,
		    d1 = month_day_index(&c->m, str(e, "to"));
		struct run__house *h;
		long n;
		int src = archcl_find(pl->a, str(e, "source"));

		if (d1 <= d0)
			continue;
		if (src < 0)
			return jv_fail(pl->err,
				       "house_meters[%zu]: source \"%s\" is not a metering source "
				       "of amr-billing (--sources)",
				       i, str(e, "source"));
		if (!(h = PUSH(r, r->house, r->nhouse, pl->cap_ho)))
			return AMR_ENOMEM;
		for (h->resource = 0; model_resources[h->resource] &&
				      strcmp(model_resources[h->resource], str(e, "resource"));
		     h->resource++)
			;
		snprintf(h->channel, sizeof h->channel, "%s", str(e, "channel"));
		h->src = src;
		if ((n = need_of(pl, src, 0, d0, d1, -1, h->channel, r->nneeds)) < 0)
			return AMR_ENOMEM;
		h->need = (size_t)n;
	}
	/* heat without a meter in any premises: the house meter's, by area */
	for (size_t s = 0; s < r->nservices; s++) {
		struct run__service *sv = &r->services[s];
		bool metered = false, house = false;

		if (strcmp(sv->code, "heat") || !sv->priced || !sv->quantity)
			continue;
		for (size_t m = 0; m < r->nmeters; m++)
			metered |= r->meters[m].s == s;
		for (size_t h = 0; h < r->nhouse; h++)
			house |= !strcmp(model_resources[r->house[h].resource], "heat");
		sv->house_heat = house && !metered;
	}
	return AMR_OK;
}

/* The month context of period (added once), or -1 when there are too
 * many. */
static int ctx_of(struct run *r, const char *period)
{
	struct jv_err e;
	struct run__ctx *c;

	for (size_t i = 0; i < r->nctx; i++)
		if (!strcmp(r->ctx[i].period, period))
			return (int)i;
	if (r->nctx >= RUN_CTX_MAX)
		return -1;
	c = &r->ctx[r->nctx];
	if (month_parse(period, "period", &c->m, &e) || month_utc_days(&c->m, r->tz, c->t))
		return -1;
	snprintf(c->period, sizeof c->period, "%s", period);
	c->days = month_days(&c->m);
	return (int)r->nctx++;
}

/* An account a recalculation bills that holds nothing in the period. */
static int account_known(struct plan *pl, uint32_t id)
{
	struct run *r = pl->r;
	struct run__account *a;
	json_t *rec = NULL;
	int rc;

	for (size_t i = 0; i < r->naccounts; i++)
		if (r->accounts[i].id == id)
			return 0;
	if ((rc = ledger_get(pl->l, pl->txn, MODEL_ACCOUNT, id, &rec)))
		return rc == AMR_ENOTFOUND ? 0 : rc;
	if (!(a = PUSH(r, r->accounts, r->naccounts, pl->cap_a))) {
		json_decref(rec);
		return AMR_ENOMEM;
	}
	account_set(a, id, rec);
	json_decref(rec);
	return 0;
}

/* A month waiting for readings: its channels asked again. */
static int pending_fn(uint32_t premises, uint32_t service, const char *period, void *arg)
{
	struct plan *pl = arg;
	struct run *r = pl->r;
	struct run__pending *pe;
	struct month m;
	struct jv_err e;
	json_t *rec = NULL, *ch, *zones;
	size_t pi, i;
	int ctx, zset = -1, rc;

	if (month_parse(period, "period", &m, &e) || !premises_of(r, premises, &pi))
		return 0;
	if (month_diff(&m, &r->ctx[0].m) <= 0 || month_diff(&m, &r->ctx[0].m) > RUN_RECALC_BACK)
		return 0;
	rc = invstore_prem_get(pl->is, pl->txn, r->building, period, premises, service, &rec);
	if (rc == AMR_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	if ((ctx = ctx_of(r, period)) < 0) {
		json_decref(rec);
		return 0; /* more months than one run asks about: the next run */
	}
	if ((zones = json_object_get(rec, "zones_asked")) && (zset = zset_of(r, zones)) < 0)
		goto out_nomem;
	if (!(pe = PUSH(r, r->pending, r->npending, pl->cap_pe)))
		goto out_nomem;
	pe->p = pi;
	pe->service = service;
	pe->ctx = ctx;
	pe->rec = rec;
	pe->need0 = r->nneeds;
	json_array_foreach(json_object_get(rec, "channels"), i, ch) {
		int src = archcl_find(pl->a, str(ch, "source"));

		if (src < 0)
			continue;
		if (need_of(pl, src, ctx, (int)num(ch, "d0"), (int)num(ch, "d1"), zset,
			    str(ch, "channel"), r->nneeds) < 0)
			return AMR_ENOMEM;
	}
	pe->nneeds = r->nneeds - pe->need0;
	if (json_is_integer(json_object_get(rec, "wastewater"))) {
		rc = invstore_prem_get(pl->is, pl->txn, r->building, period, premises,
				       (uint32_t)num(rec, "wastewater"), &pe->ww);
		if (rc && rc != AMR_ENOTFOUND)
			return rc;
	}
	json_array_foreach(json_object_get(rec, "holders"), i, ch)
		if ((rc = account_known(pl, (uint32_t)num(ch, "account"))))
			return rc;
	return 0;
out_nomem:
	json_decref(rec);
	return AMR_ENOMEM;
}

/* Put every need in the group of its source, month, span and zones. */
static amr_err group_needs(struct plan *pl)
{
	struct run *r = pl->r;

	for (size_t i = 0; i < r->nneeds; i++) {
		struct run__need *n = &r->needs[i];
		struct run__group *g = NULL;
		size_t k;

		for (k = 0; k < r->ngroups; k++) {
			g = &r->groups[k];
			if (g->src == n->src && g->ctx == n->ctx && g->d0 == n->d0 &&
			    g->d1 == n->d1 && g->zset == n->zset)
				break;
		}
		if (k == r->ngroups) {
			if (!(g = PUSH(r, r->groups, r->ngroups, pl->cap_g)))
				return AMR_ENOMEM;
			*g = (struct run__group){
				n->src, n->ctx, n->d0, n->d1, n->zset, NULL, 0, 0
			};
		}
		if (!(g->needs = run__grow(g->needs, g->n, &g->cap, sizeof *g->needs)))
			return AMR_ENOMEM;
		g->needs[g->n++] = i;
		n->group = k;
	}
	return AMR_OK;
}

/* An adjustment waiting for the run: its account is one of the run's. */
static int adjust_fn(const json_t *adj, void *arg)
{
	struct plan *pl = arg;
	int rc;

	if ((rc = account_known(pl, (uint32_t)num(adj, "account"))))
		return rc;
	return json_array_append(pl->r->adjusts, (json_t *)adj) ? AMR_ENOMEM : 0;
}

/* Each premises' list of its meters. */
static amr_err premises_meters(struct run *r)
{
	for (size_t i = 0; i < r->nmeters; i++) {
		struct run__premises *p = &r->premises[r->meters[i].p];
		size_t *m = realloc(p->mtr, (p->nm + 1) * sizeof *m);

		if (!m)
			return AMR_ENOMEM;
		p->mtr = m;
		p->mtr[p->nm++] = i;
	}
	return AMR_OK;
}

amr_err run__plan(ledger *l, invstore *is, MDB_txn *txn, struct archcl *a, uint32_t building,
		  const struct month *period, const char *actor, struct run **out,
		  struct jv_err *err)
{
	struct run *r = calloc(1, sizeof *r);
	struct plan pl = { .r = r, .l = l, .is = is, .txn = txn, .a = a, .err = err };
	json_t *hm;
	size_t i;
	int rc;

	if (!r || !(r->zsets = json_array()) || !(r->warnings = json_array()) ||
	    !(r->adjusts = json_array()) || !(pl.versions = json_object()) ||
	    !(pl.tariffs = json_object())) {
		rc = AMR_ENOMEM;
		goto out_fail;
	}
	r->a = a;
	r->building = building;
	snprintf(r->actor, sizeof r->actor, "%s", actor);
	if ((rc = ledger_get(l, txn, MODEL_BUILDING, building, &r->brec))) {
		if (rc == AMR_ENOTFOUND)
			jv_fail(err, "building: there is no building %u", building);
		goto out_fail;
	}
	snprintf(r->tz, sizeof r->tz, "%s", str(r->brec, "tz"));
	r->org = (uint32_t)num(r->brec, "org");
	r->heating_months = 0;
	json_array_foreach(json_object_get(r->brec, "heating_months"), i, hm)
		r->heating_months |= 1u << json_integer_value(hm);
	if (!r->heating_months)
		r->heating_months = BASIS_HEATING_DEFAULT;
	r->ctx[0].m = *period;
	month_format(period, r->ctx[0].period);
	r->ctx[0].days = month_days(period);
	r->nctx = 1;
	if (month_utc_days(period, r->tz, r->ctx[0].t)) {
		rc = jv_fail(err, "building: tz \"%s\" of building %u is not a time zone", r->tz,
			     building);
		goto out_fail;
	}
	if ((rc = ledger_scan(l, txn, MODEL_PREMISES, 0, premises_fn, &pl)) ||
	    (rc = ledger_scan(l, txn, MODEL_ACCOUNT, 0, account_fn, &pl)))
		goto out_fail;
	for (i = 0; i < r->nholdings; i++) {
		struct run__premises *p = &r->premises[r->holdings[i].p];
		size_t *h = realloc(p->hold, (p->nh + 1) * sizeof *h);

		if (!h) {
			rc = AMR_ENOMEM;
			goto out_fail;
		}
		p->hold = h;
		p->hold[p->nh++] = i;
	}
	if ((rc = ledger_scan(l, txn, MODEL_SERVICE, 0, service_fn, &pl)) ||
	    (rc = ledger_scan(l, txn, MODEL_TARIFF, 0, tariff_fn, &pl)) ||
	    (rc = ledger_scan(l, txn, MODEL_TARIFF_VERSION, 0, version_fn, &pl)) ||
	    (rc = price_services(&pl)) ||
	    (rc = ledger_scan(l, txn, MODEL_METER, 0, meter_fn, &pl)) ||
	    (rc = premises_meters(r)) || (rc = house_meters(&pl)) ||
	    (rc = invstore_pending_scan(is, txn, building, pending_fn, &pl)) ||
	    (rc = invstore_adjust_scan(is, txn, building, adjust_fn, &pl)) ||
	    (rc = run__reliefs_read(r, is, txn)) || (rc = group_needs(&pl)))
		goto out_fail;
	if (!r->npremises) {
		rc = jv_fail(err, "building: building %u has no premises", building);
		goto out_fail;
	}
	json_decref(pl.versions);
	json_decref(pl.tariffs);
	*out = r;
	return AMR_OK;
out_fail:
	json_decref(pl.versions);
	json_decref(pl.tariffs);
	run__free(r);
	return rc;
}
