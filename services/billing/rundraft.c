/*
 * rundraft.c - run.draft: the plan, the archives asked for every channel
 * in batches, the invoices made of their answers and stored as the draft.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "run.h"
#include "runint.h"

#define RUN_BATCH 1000 /* channels in one archive request */

/* One request: needs of group g. */
struct chunk {
	struct run__draft *d;
	size_t g;
	size_t *needs, n; /* owned */
	bool no_tz;	  /* the archive does not take "tz" */
};

void run__draft_free(struct run__draft *d)
{
	run__free(d->r);
	free(d);
}

static void unlink_draft(struct run__draft *d)
{
	for (struct run__draft **p = &d->m->drafts; *p; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			return;
		}
}

/* The zone names of a zone set asked of the archive: three zones if it
 * has a peak, else day and night. */
static const char *const *zone_names(const json_t *zset)
{
	json_t *z;
	size_t i;

	if (!zset)
		return NULL;
	json_array_foreach(zset, i, z) {
		const char *name = json_string_value(json_object_get(z, "name"));

		if (name && (!strcmp(name, "peak") || !strcmp(name, "half_peak")))
			return tariff_zone_names(TARIFF_TOU3);
	}
	return tariff_zone_names(TARIFF_TOU2);
}

amr_err run__answer(struct run *r, size_t g, const size_t *needs, size_t n, const json_t *items)
{
	const struct run__group *gr = &r->groups[g];
	const json_t *zset = gr->zset >= 0 ? json_array_get(r->zsets, (size_t)gr->zset) : NULL;
	const char *const *zn = zone_names(zset);

	if (json_array_size(items) != n)
		return AMR_EPROTO;
	for (size_t i = 0; i < n; i++) {
		struct run__need *nd = &r->needs[needs[i]];
		json_t *it = json_array_get(items, i), *cov = json_object_get(it, "coverage"), *z;
		const char *unit = json_string_value(json_object_get(it, "unit"));
		struct jv_err e;
		size_t k;

		if (!json_is_object(it) ||
		    strcmp(json_string_value(json_object_get(it, "channel")) ?: "", nd->channel) ||
		    !unit ||
		    money_qty_parse(json_string_value(json_object_get(it, "quantity")) ?: "", "q",
				    &nd->qty, &e))
			return AMR_EPROTO;
		snprintf(nd->unit, sizeof nd->unit, "%s", unit);
		if (json_is_object(cov)) {
			nd->has_cov = true;
			nd->hours = json_integer_value(json_object_get(cov, "hours"));
			nd->quarantined = json_integer_value(json_object_get(cov, "quarantined"));
			nd->lumped = json_integer_value(json_object_get(cov, "lumped_pulses"));
		}
		/* zones by name into the kind's order (peak may come twice) */
		json_array_foreach(json_object_get(it, "zones"), k, z) {
			const char *name = json_string_value(json_object_get(z, "name"));
			struct money_qty q, t;
			int zi = -1;

			for (int j = 0; zn && zn[j] && name; j++)
				if (!strcmp(zn[j], name))
					zi = j;
			if (zi < 0 ||
			    money_qty_parse(json_string_value(json_object_get(z, "quantity")) ?: "",
					    "q", &q, &e))
				return AMR_EPROTO;
			if (!money_qty_add(&nd->zone[zi], &q, &t))
				nd->zone[zi] = t;
		}
		nd->answered = true;
	}
	return AMR_OK;
}

const char *run__source_label(const struct run *r, int src)
{
	static char buf[ARCHCL_NAME_MAX + 3];

	if (!src)
		return "own";
	snprintf(buf, sizeof buf, "\"%s\"", archcl_name(r->a, src));
	return buf;
}

/* The premises numbers source src serves in r, for a failure's message. */
static void served_by(const struct run *r, int src, char *buf, size_t size)
{
	size_t used = 0, shown = 0, more = 0;
	size_t last = (size_t)-1;

	buf[0] = 0;
	for (size_t i = 0; i < r->nmeters; i++) {
		const struct run__meter *m = &r->meters[i];

		if (m->src != src || m->p == last)
			continue;
		last = m->p;
		if (shown < 20 && used < size) {
			used += (size_t)snprintf(buf + used, size - used, "%s%s", shown ? ", " : "",
						 r->premises[m->p].number);
			shown++;
		} else {
			more++;
		}
	}
	if (more && used < size)
		snprintf(buf + used, size - used, " and %zu more", more);
	if (!shown && used < size)
		snprintf(buf, size, "the house meters");
}

static void on_answer(void *ctx, int err, json_t *result, const char *code, const char *message);

/* Send chunk c (taken): one archive request. */
static void chunk_send(struct chunk *c)
{
	struct run__draft *d = c->d;
	struct run *r = d->r;
	const struct run__group *g = &r->groups[c->g];
	const struct run__ctx *cx = &r->ctx[g->ctx];
	json_t *args, *chans = json_array();
	amr_err rc;

	for (size_t i = 0; i < c->n; i++)
		json_array_append_new(chans, json_string(r->needs[c->needs[i]].channel));
	args = json_pack("{s:o, s:I, s:I}", "channels", chans, "from", (json_int_t)cx->t[g->d0],
			 "to", (json_int_t)cx->t[g->d1]);
	if (args && g->zset >= 0) {
		json_object_set(args, "zones", json_array_get(r->zsets, (size_t)g->zset));
		if (!c->no_tz)
			json_object_set_new(args, "tz", json_string(r->tz));
	}
	d->calls++;
	d->requests++;
	rc = archcl_call(r->a, g->src, g->zset >= 0 ? "zones" : "consumption", args, on_answer, c);
	if (rc) {
		d->calls--;
		if (!d->error[0])
			snprintf(d->error, sizeof d->error, "source %s: cannot ask its archive: %s",
				 run__source_label(r, g->src), amr_strerror(rc));
		free(c->needs);
		free(c);
	}
}

/* "...: channel 1.5.1 was never seen ...": the channel, into buf. */
static bool never_seen(const char *message, char *buf, size_t size)
{
	const char *p = message ? strstr(message, "channel ") : NULL;
	size_t n;

	if (!p || !strstr(message, "was never seen"))
		return false;
	p += 8;
	n = strcspn(p, " ");
	if (!n || n >= size)
		return false;
	memcpy(buf, p, n);
	buf[n] = 0;
	return true;
}

static void on_answer(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct chunk *c = ctx;
	struct run__draft *d = c->d;
	struct run *r = d->r;
	const struct run__group *g = &r->groups[c->g];
	char chan[RUN_CHAN_LEN], who[300];

	d->calls--;
	if (!err) {
		if (run__answer(r, c->g, c->needs, c->n, json_object_get(result, "items")) &&
		    !d->error[0])
			snprintf(d->error, sizeof d->error,
				 "source %s: its archive's answer does not fit the request",
				 run__source_label(r, g->src));
	} else if (err == AMR_ENOTFOUND && never_seen(message, chan, sizeof chan)) {
		/* the channel never came to that archive: no data, the others asked again */
		size_t k = 0;

		for (size_t i = 0; i < c->n; i++) {
			struct run__need *n = &r->needs[c->needs[i]];

			if (!strcmp(n->channel, chan)) {
				n->never_seen = n->answered = true;
				snprintf(n->unit, sizeof n->unit, "%s", "");
			} else {
				c->needs[k++] = c->needs[i];
			}
		}
		if (k && k < c->n) {
			c->n = k;
			chunk_send(c);
			goto out_done;
		}
		if (k == c->n && !d->error[0])
			snprintf(d->error, sizeof d->error, "source %s: archive/consumption: %s",
				 run__source_label(r, g->src), message);
	} else if (err == AMR_EINVAL && g->zset >= 0 && !c->no_tz && message &&
		   !strncmp(message, "tz:", 3)) {
		if (!d->no_tz_warned)
			run__warn(r,
				  "source %s: its archive takes no \"tz\"; time-of-use zones are "
				  "in the archive's own time zone",
				  run__source_label(r, g->src));
		d->no_tz_warned = true;
		c->no_tz = true;
		chunk_send(c);
		goto out_done;
	} else if (!d->error[0]) {
		served_by(r, g->src, who, sizeof who);
		snprintf(d->error, sizeof d->error,
			 "source %s: archive/%s: %s: %s; the run cannot bill premises %s",
			 run__source_label(r, g->src), g->zset >= 0 ? "zones" : "consumption",
			 code ? code : "error", message ? message : "", who);
	}
	free(c->needs);
	free(c);
out_done:
	if (!d->calls)
		run__draft_finish(d);
}

/* Ask the archives for every group, RUN_BATCH channels a request. */
static void draft_ask(struct run__draft *d)
{
	struct run *r = d->r;

	d->calls++; /* held while sending, so an answer cannot finish it early */
	for (size_t g = 0; g < r->ngroups && !d->error[0]; g++)
		for (size_t i = 0; i < r->groups[g].n && !d->error[0]; i += RUN_BATCH) {
			struct chunk *c = calloc(1, sizeof *c);
			size_t n = r->groups[g].n - i < RUN_BATCH ? r->groups[g].n - i : RUN_BATCH;

			if (!c || !(c->needs = malloc(n * sizeof *c->needs))) {
				free(c);
				snprintf(d->error, sizeof d->error, "out of memory");
				break;
			}
			*c = (struct chunk){ d, g, c->needs, n, false };
			memcpy(c->needs, r->groups[g].needs + i, n * sizeof *c->needs);
			chunk_send(c);
		}
	if (!--d->calls)
		run__draft_finish(d);
}

/* The history of a premises' service: the issued months before the
 * period, read in the calculation's own read transaction. */
struct hist {
	runsvc *m;
	MDB_txn *txn;
	json_t *issued; /* period -> true/false: its run is issued */
};

static bool month_issued(struct hist *h, const struct run *r, const char *period)
{
	json_t *v = json_object_get(h->issued, period), *run = NULL;
	bool yes;

	if (v)
		return json_is_true(v);
	yes = !invstore_run_get(h->m->is, h->txn, r->building, period, &run) &&
	      !strcmp(json_string_value(json_object_get(run, "state")) ?: "", "issued");
	json_decref(run);
	json_object_set_new(h->issued, period, json_boolean(yes));
	return yes;
}

static int hist_fn(void *ctx, const struct run *r, size_t p, size_t s, struct basis_month *hist,
		   size_t *n)
{
	struct hist *h = ctx;
	int back = strcmp(r->services[s].code, "heat") ? BASIS_WINDOW : BASIS_WINDOW_HEAT;

	*n = 0;
	for (int k = 1; k <= back && *n < BASIS_HIST_MAX; k++) {
		struct month m = month_add(r->ctx[0].m, -k);
		char per[MONTH_LEN];
		json_t *rec = NULL, *z;
		struct basis_month *bm = &hist[*n];
		struct jv_err e;
		int b, rc;
		size_t i;

		month_format(&m, per);
		if (!month_issued(h, r, per))
			continue;
		rc = invstore_prem_get(h->m->is, h->txn, r->building, per, r->premises[p].id,
				       r->services[s].id, &rec);
		if (rc == AMR_ENOTFOUND)
			continue;
		if (rc)
			return rc;
		memset(bm, 0, sizeof *bm);
		bm->m = m;
		b = basis_parse(json_string_value(json_object_get(rec, "basis")));
		if (b >= 0 &&
		    !money_qty_parse(json_string_value(json_object_get(rec, "quantity")) ?: "", "q",
				     &bm->qty, &e)) {
			bm->basis = (enum basis_kind)b;
			json_array_foreach(json_object_get(rec, "zones"), i, z)
				if (i < TARIFF_ZONES_MAX &&
				    !money_qty_parse(json_string_value(z) ?: "", "z", &bm->zone[i],
						     &e))
					bm->nzones = i + 1;
			(*n)++;
		}
		json_decref(rec);
	}
	return 0;
}

struct store {
	runsvc *m;
	struct run *r;
	json_t *summary; /* the run's record */
	json_t *audit;
	struct jv_err *err;
};

static int store_draft_txn(MDB_txn *txn, void *arg)
{
	struct store *st = arg;
	struct run *r = st->r;
	json_t *old = NULL, *e;
	size_t i;
	int rc = invstore_run_get(st->m->is, txn, r->building, r->ctx[0].period, &old);

	if (rc && rc != AMR_ENOTFOUND)
		return rc;
	if (!rc && !strcmp(json_string_value(json_object_get(old, "state")) ?: "", "issued")) {
		json_decref(old);
		jv_fail(st->err, "period: %s of building %u is issued already", r->ctx[0].period,
			r->building);
		return AMR_EEXIST;
	}
	json_decref(old);
	if ((rc = invstore_clear(st->m->is, txn, r->building, r->ctx[0].period)))
		return rc;
	for (i = 0; i < r->naccounts; i++)
		if (r->accounts[i].inv &&
		    (rc = invstore_invoice_put(st->m->is, txn, r->accounts[i].inv)))
			return rc;
	json_array_foreach(r->prem_months, i, e)
		if ((rc = invstore_prem_put(
			     st->m->is, txn, r->building, r->ctx[0].period,
			     (uint32_t)json_integer_value(json_object_get(e, "premises")),
			     (uint32_t)json_integer_value(json_object_get(e, "service")), e)))
			return rc;
	if ((rc = invstore_run_put(st->m->is, txn, r->building, r->ctx[0].period, st->summary)))
		return rc;
	return run__audit(st->m, txn, r->actor, "run.draft", r->building, r->ctx[0].period,
			  json_pack("{s:O, s:O, s:O, s:s}", "invoices",
				    json_object_get(st->summary, "invoices"), "total",
				    json_object_get(st->summary, "total"), "lines",
				    json_object_get(st->summary, "lines"), "reason", ""),
			  &st->audit);
}

void run__draft_finish(struct run__draft *d)
{
	runsvc *m = d->m;
	struct run *r = d->r;
	struct jv_err err = { "" };
	struct hist h = { m, NULL, json_object() };
	struct store st = { m, r, NULL, NULL, &err };
	int64_t made = svc_now();
	uint64_t ms, t_asked = loop_now_ms(), t_calc;
	int rc;

	if (!d->error[0] && !d->read_asked) {
		d->read_asked = true;
		if (run__read_ask(d))
			return; /* finished again once they answer */
	}
	unlink_draft(d);
	if (d->error[0]) {
		log_warn("run.draft building %u %s: %s", r->building, r->ctx[0].period, d->error);
		rpc_reply_err(d->req, "unavailable", "%s", d->error);
		run__count_run(m, "draft", "failed");
		goto out_free;
	}
	if (!h.issued || (rc = kv_read_begin(ledger_kv(m->l), &h.txn))) {
		rpc_reply_err(d->req, "internal", "run.draft: cannot read the history");
		run__count_run(m, "draft", "failed");
		goto out_free;
	}
	rc = run__calc(r, hist_fn, &h);
	mdb_txn_abort(h.txn);
	t_calc = loop_now_ms();
	if (rc) {
		rpc_reply_rc(d->req, rc, "%s", r->failed[0] ? r->failed : amr_strerror(rc));
		run__count_run(m, "draft", "failed");
		goto out_free;
	}
	for (size_t i = 0; i < r->naccounts; i++)
		if (r->accounts[i].inv)
			json_object_set_new(r->accounts[i].inv, "made", json_integer(made));
	if (!(st.summary = run__summary(r, made)) ||
	    (rc = kv_write(ledger_kv(m->l), store_draft_txn, &st))) {
		if (err.msg[0])
			rpc_reply_rc(d->req, rc ? rc : AMR_ENOMEM, "%s", err.msg);
		else
			rpc_reply_rc(d->req, rc ? rc : AMR_ENOMEM, "run.draft: %s",
				     amr_strerror(rc ? rc : AMR_ENOMEM));
		run__count_run(m, "draft", "failed");
		goto out_free;
	}
	auditq_flush(m->q);
	ms = loop_now_ms() - d->t0;
	log_info("run.draft building %u %s by %s: %lld invoices, %s, %llu ms (plan %llu, %zu "
		 "archive requests %llu, invoices %llu, stored %llu)",
		 r->building, r->ctx[0].period, r->actor,
		 (long long)json_integer_value(json_object_get(st.summary, "invoices")),
		 json_string_value(json_object_get(st.summary, "total")), (unsigned long long)ms,
		 (unsigned long long)(d->t_plan - d->t0), d->requests,
		 (unsigned long long)(t_asked - d->t_plan), (unsigned long long)(t_calc - t_asked),
		 (unsigned long long)(loop_now_ms() - t_calc));
	metric_set(metrics_get(m->s->metrics, METRIC_GAUGE, "amr_billing_run_last_ms", NULL,
			       "Milliseconds the last run.draft took, archive calls included."),
		   (int64_t)ms);
	metric_add(metrics_get(m->s->metrics, METRIC_COUNTER, "amr_billing_run_ms_total", NULL,
			       "Milliseconds spent making drafts, archive calls included."),
		   (int64_t)ms);
	run__count_run(m, "draft", "ok");
	rpc_reply_ok(d->req, json_incref(st.summary));
out_free:
	json_decref(st.summary);
	json_decref(st.audit);
	json_decref(h.issued);
	run__draft_free(d);
}

/* A run of an issued period is refused: conflict. */
static int issued_already(runsvc *m, MDB_txn *txn, uint32_t building, const char *period,
			  struct jv_err *err)
{
	json_t *run = NULL;
	int rc = invstore_run_get(m->is, txn, building, period, &run);

	if (rc == AMR_ENOTFOUND)
		return 0;
	if (!rc && !strcmp(json_string_value(json_object_get(run, "state")) ?: "", "issued")) {
		jv_fail(err,
			"period: %s of building %u is issued; it is frozen (a correction is "
			"billed on a later invoice)",
			period, building);
		rc = AMR_EEXIST;
	}
	json_decref(run);
	return rc;
}

void run__m_draft(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "building", "period", "actor", NULL };
	runsvc *m = ctx;
	struct jv_err err = { "" };
	struct run__draft *d = NULL;
	struct run *r = NULL;
	struct month per;
	const char *actor;
	long long building;
	char period[MONTH_LEN], local[32], end[32];
	MDB_txn *txn;
	uint64_t t0 = loop_now_ms();
	int rc;

	if ((rc = run__args(args, fields, &building, &per, &actor, &err)))
		goto out_reply;
	month_format(&per, period);
	if (run__busy(m, (uint32_t)building, period)) {
		rc = AMR_EEXIST;
		jv_fail(&err, "a run of building %lld for %s is being made; wait for its answer",
			building, period);
		goto out_reply;
	}
	if ((rc = kv_read_begin(ledger_kv(m->l), &txn)))
		goto out_reply;
	if (!(rc = issued_already(m, txn, (uint32_t)building, period, &err)))
		rc = run__plan(m->l, m->is, txn, m->a, (uint32_t)building, &per, actor, &r, &err);
	mdb_txn_abort(txn);
	if (rc)
		goto out_reply;
	if (svc_now() < r->ctx[0].t[r->ctx[0].days]) {
		month_date(&per, r->ctx[0].days, local);
		rc = jv_fail(&err,
			     "period: %s has not ended in %s (it ends at %s 00:00 local time, %s); "
			     "a month is billed once it is over",
			     period, r->tz, local,
			     run__utc(r->ctx[0].t[r->ctx[0].days], end, sizeof end));
		goto out_reply;
	}
	if (!(d = calloc(1, sizeof *d))) {
		rc = AMR_ENOMEM;
		goto out_reply;
	}
	*d = (struct run__draft){ m, req, r, 0, t0, loop_now_ms(), 0, "", false, m->drafts, false };
	m->drafts = d;
	draft_ask(d);
	return;
out_reply:
	run__free(r);
	run__count_run(m, "draft", "refused");
	run__reply_rc(req, rc, &err, "run.draft");
}
