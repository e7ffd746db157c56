/*
 * runread.c - the meter readings on a run's invoices (Правила 354 п. 69):
 * for each meter assignment a holding was billed by, what the meter
 * showed where the holding's days of it begin and end. A UO-4 counts
 * pulses, so a reading is the meter's initial reading on its
 * assignment's first day plus the archive's consumption of its channel
 * since; the archive is asked for that once the month's own answers are
 * in, and a source that cannot answer leaves the readings off with a
 * warning, never the invoices.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archcl.h"
#include "runint.h"

#define RUN_READ_BATCH 1000 /* channels in one archive request */

/* One request: needs[i0 .. i0+n) of reading group g. */
struct rchunk {
	struct run__draft *d;
	size_t g, i0, n;
};

amr_err run__meter_read(struct run__meter *m, const json_t *rec)
{
	const char *initial = json_string_value(json_object_get(rec, "initial"));
	const char *from = json_string_value(json_object_get(rec, "from"));
	const char *serial = json_string_value(json_object_get(rec, "serial"));
	struct jv_err e;

	m->initial = (struct money_qty){ 0, 0 };
	if (initial && money_qty_parse(initial, "initial", &m->initial, &e))
		return AMR_EDB;
	snprintf(m->from, sizeof m->from, "%s", from ? from : "");
	snprintf(m->serial, sizeof m->serial, "%s", serial ? serial : "");
	return AMR_OK;
}

void run__read_free(struct run *r)
{
	for (size_t i = 0; i < r->nrgroups; i++)
		free(r->rgroups[i].needs);
	free(r->rgroups);
	free(r->rneeds);
}

/* The local midnight starting date ("YYYY-MM-DD") in the run's zone, UTC,
 * through a cache of the last month looked up. */
struct midnights {
	char month[MONTH_LEN]; /* "" until one is looked up */
	int64_t t[MONTH_DAYS_MAX + 1];
};

static bool midnight_of(const struct run *r, struct midnights *c, const char *date, int64_t *out)
{
	struct month m;
	struct jv_err e;
	char per[MONTH_LEN];
	int day;

	if (strlen(date) != 10)
		return false;
	snprintf(per, sizeof per, "%.7s", date);
	day = (date[8] - '0') * 10 + (date[9] - '0');
	if (strcmp(per, c->month)) {
		c->month[0] = 0;
		if (month_parse(per, "from", &m, &e) || month_utc_days(&m, r->tz, c->t))
			return false;
		snprintf(c->month, sizeof c->month, "%s", per);
	}
	if (day < 1 || day > MONTH_DAYS_MAX)
		return false;
	*out = c->t[day - 1];
	return true;
}

/* A new reading need of channel from src over [from, to), in its group.
 * Returns its index, or -1 when out of memory. */
static long rneed_new(struct run *r, int src, int64_t from, int64_t to, const char *channel)
{
	struct run__rgroup *g = NULL;
	struct run__rneed *n;
	void *p;
	size_t k;

	for (k = 0; k < r->nrgroups; k++) {
		g = &r->rgroups[k];
		if (g->src == src && g->from == from && g->to == to)
			break;
	}
	if (k == r->nrgroups) {
		if (!(p = run__grow(r->rgroups, r->nrgroups, &r->cap_rg, sizeof *r->rgroups)))
			return -1;
		r->rgroups = p;
		g = &r->rgroups[r->nrgroups++];
		*g = (struct run__rgroup){ src, from, to, NULL, 0, 0 };
	}
	if (!(p = run__grow(r->rneeds, r->nrneeds, &r->cap_rn, sizeof *r->rneeds)))
		return -1;
	r->rneeds = p;
	if (!(p = run__grow(g->needs, g->n, &g->cap, sizeof *g->needs)))
		return -1;
	g->needs = p;
	n = &r->rneeds[r->nrneeds];
	memset(n, 0, sizeof *n);
	snprintf(n->channel, sizeof n->channel, "%s", channel);
	g->needs[g->n++] = r->nrneeds;
	return (long)r->nrneeds++;
}

/* Where each use of meter mi starts: its first day, or a need asked. */
static amr_err plan_meter(struct run *r, size_t mi, struct midnights *c)
{
	const struct run__meter *m = &r->meters[mi];
	const struct run__service *s = &r->services[m->s];
	char why[200];
	int64_t from;

	/* only a meter that can bill the month: its service's other meters
	 * decide whether it does, at the calculation */
	if (!m->nu || !m->verified || !run__usable(&r->needs[m->need], s->unit, why, sizeof why))
		return AMR_OK;
	if (!midnight_of(r, c, m->from, &from)) {
		run__warn(r, "meter %u: no reading: its from %s is not a day in %s", m->id, m->from,
			  r->tz);
		return AMR_OK;
	}
	for (size_t u = m->u0; u < m->u0 + m->nu; u++) {
		struct run__use *us = &r->uses[u];
		int64_t to = r->ctx[0].t[r->needs[us->need].d0];
		long n = -1;

		if (from >= to) {
			us->read = RUN_READ_INITIAL;
			continue;
		}
		/* co-owners' holdings start on the same day: one need */
		for (size_t k = m->u0; k < u && n < 0; k++)
			if (r->uses[k].read == RUN_READ_ASKED &&
			    r->needs[r->uses[k].need].d0 == r->needs[us->need].d0)
				n = (long)r->uses[k].rn;
		if (n < 0 && (n = rneed_new(r, m->src, from, to, m->channel)) < 0)
			return AMR_ENOMEM;
		us->read = RUN_READ_ASKED;
		us->rn = (size_t)n;
	}
	return AMR_OK;
}

/* The answer items (borrowed) of chunk c into its needs. Returns AMR_OK
 * or AMR_EPROTO. */
static amr_err read_answer(struct run *r, const struct rchunk *c, const json_t *items)
{
	const struct run__rgroup *g = &r->rgroups[c->g];

	if (json_array_size(items) != c->n)
		return AMR_EPROTO;
	for (size_t i = 0; i < c->n; i++) {
		struct run__rneed *n = &r->rneeds[g->needs[c->i0 + i]];
		const json_t *it = json_array_get(items, i);
		const char *ch = json_string_value(json_object_get(it, "channel"));
		const char *unit = json_string_value(json_object_get(it, "unit"));
		const char *q = json_string_value(json_object_get(it, "quantity"));
		struct jv_err e;

		if (!ch || strcmp(ch, n->channel) || !unit || !q ||
		    money_qty_parse(q, "quantity", &n->qty, &e))
			return AMR_EPROTO;
		snprintf(n->unit, sizeof n->unit, "%s", unit);
	}
	for (size_t i = 0; i < c->n; i++)
		r->rneeds[g->needs[c->i0 + i]].answered = true;
	return AMR_OK;
}

static void on_read(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct rchunk *c = ctx;
	struct run__draft *d = c->d;
	struct run *r = d->r;
	const struct run__rgroup *g = &r->rgroups[c->g];
	char from[32];

	d->calls--;
	if (err || read_answer(r, c, json_object_get(result, "items")))
		run__warn(r,
			  "source %s: archive/consumption from %s for the meters' readings (%zu "
			  "channel%s): %s%s%s; the invoices go without those readings",
			  run__source_label(r, g->src), run__utc(g->from, from, sizeof from), c->n,
			  c->n == 1 ? "" : "s",
			  err ? (code ? code : "error") : "its answer does not fit the request",
			  err && message ? ": " : "", err && message ? message : "");
	free(c);
	if (!d->calls)
		run__draft_finish(d);
}

bool run__read_ask(struct run__draft *d)
{
	struct run *r = d->r;
	struct midnights c = { "", { 0 } };

	for (size_t m = 0; m < r->nmeters; m++)
		if (plan_meter(r, m, &c)) {
			run__warn(r, "out of memory: the invoices go without the meters' readings");
			for (size_t u = 0; u < r->nuses; u++)
				r->uses[u].read = RUN_READ_NONE;
			return false;
		}
	d->calls++; /* held while sending, so an answer cannot finish it early */
	for (size_t g = 0; g < r->nrgroups; g++)
		for (size_t i = 0; i < r->rgroups[g].n; i += RUN_READ_BATCH) {
			const struct run__rgroup *gr = &r->rgroups[g];
			struct rchunk *ch = malloc(sizeof *ch);
			json_t *args, *chans = json_array();
			size_t n = gr->n - i < RUN_READ_BATCH ? gr->n - i : RUN_READ_BATCH;
			amr_err rc;

			for (size_t k = 0; k < n; k++)
				json_array_append_new(
					chans, json_string(r->rneeds[gr->needs[i + k]].channel));
			args = json_pack("{s:o, s:I, s:I}", "channels", chans, "from",
					 (json_int_t)gr->from, "to", (json_int_t)gr->to);
			if (!ch || !args) {
				free(ch);
				json_decref(args);
				run__warn(r, "out of memory: some meters' readings are left off");
				continue;
			}
			*ch = (struct rchunk){ d, g, i, n };
			d->calls++;
			d->requests++;
			if ((rc = archcl_call(r->a, gr->src, "consumption", args, on_read, ch))) {
				d->calls--;
				free(ch);
				run__warn(r,
					  "source %s: cannot ask its archive for the meters' "
					  "readings: %s",
					  run__source_label(r, gr->src), amr_strerror(rc));
			}
		}
	return --d->calls > 0;
}

amr_err run__reading(struct run *r, size_t ui)
{
	const struct run__use *u = &r->uses[ui];
	const struct run__meter *m = &r->meters[u->meter];
	const struct run__service *s = &r->services[m->s];
	const struct run__need *nd = &r->needs[u->need];
	struct money_qty start = m->initial, end;
	char from[11], to[11], sb[MONEY_STR_MAX], eb[MONEY_STR_MAX];
	json_t *entry, *list, *rd;

	if (u->read == RUN_READ_NONE)
		return AMR_OK;
	if (u->read == RUN_READ_ASKED) {
		const struct run__rneed *rn = &r->rneeds[u->rn];

		if (!rn->answered)
			return AMR_OK; /* warned when it was not */
		if (strcmp(rn->unit, s->unit)) {
			run__warn(r,
				  "meter %u: no reading: channel %s measured %s before, the "
				  "service is in %s",
				  m->id, m->channel, rn->unit, s->unit);
			return AMR_OK;
		}
		if (money_qty_add(&start, &rn->qty, &start))
			return AMR_OK;
	}
	if (money_qty_add(&start, &nd->qty, &end) || !run__units(&start, end.dec, &start.v))
		return AMR_OK; /* beyond what a quantity holds: no meter shows that */
	start.dec = end.dec;
	if (!(entry = run__entry(r, u->holding)))
		return AMR_ENOMEM;
	if (!(list = json_object_get(entry, "readings")) &&
	    json_object_set_new(entry, "readings", list = json_array()))
		return AMR_ENOMEM;
	rd = json_pack("{s:I, s:s, s:I, s:s, s:s*, s:s, s:s, s:s, s:s, s:s}", "service",
		       (json_int_t)s->id, "code", s->code, "meter", (json_int_t)m->id, "channel",
		       m->channel, "serial", m->serial[0] ? m->serial : NULL, "from",
		       month_date(&r->ctx[0].m, nd->d0, from), "to",
		       month_date(&r->ctx[0].m, nd->d1, to), "start", money_qty_format(&start, sb),
		       "end", money_qty_format(&end, eb), "unit", s->unit);
	return json_array_append_new(list, rd) ? AMR_ENOMEM : AMR_OK;
}
