/*
 * report_usage.c - the "usage" report: a tenant's consumption of one
 * service beside what it is compared with, by day or by month over a
 * span. For each bucket:
 *   - quantity: the account's own, its meters over the days it held its
 *     premises (as the consumption report: archive/series of every meter
 *     assignment of the service over the days both cover);
 *   - last_year: the same bucket a year before, again only over the days
 *     the account held its premises then, so that a new tenant is never
 *     shown the previous occupant's consumption (absent when it held
 *     nothing then);
 *   - per_m2: quantity per m² of the premises it held in the span;
 *   - building_per_m2: every meter of the service in the building over
 *     the bucket, added up, per m² of the building's premises: the
 *     building's average. It is given only when at least
 *     USAGE_MIN_METERED premises of the building have a meter of the
 *     service in the span: of a building of one or two metered flats the
 *     average would be a neighbour's consumption, or tell it by a
 *     subtraction.
 * Quantities are added exactly (money_qty) and a figure per m² is
 * rounded once, half up, to 4 decimals. The plan is read by the helpers
 * of report_consumption.c; report_archive.c asks the archives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reportint.h"

#define PER_M2_DEC	  4 /* decimals of a quantity per m² */
#define USAGE_MIN_METERED 3 /* metered premises a building's average needs */

/* The series a planned channel belongs to (its owner). */
enum {
	SERIES_OWN,
	SERIES_YEAR_AGO,
	SERIES_BUILDING,
	SERIES_N
};

/* Hundredths of m² of an "area" ("54.30"); 0 when it has none. */
static int64_t area_of(const json_t *premises)
{
	struct money_qty q;
	const char *a = json_string_value(json_object_get(premises, "area"));

	if (!a || report__qty_parse(a, &q) || q.v < 0 || q.dec > 2)
		return 0;
	for (int d = q.dec; d < 2; d++)
		q.v *= 10;
	return q.v;
}

/* The same calendar day a year before d (29 February: the 28th). */
static cal_day year_before(cal_day d)
{
	int y, m, dd;

	cal_ymd(d, &y, &m, &dd);
	return cal_day_of(y - 1, m, m == 2 && dd == 29 ? 28 : dd);
}

/* A series' days added up by local day or month (the table's step),
 * under "<series>|<bucket>"; a year before counts in the bucket of the
 * same date a year on. The archive is always asked by day: its month
 * bucket is the whole month even when the span asked for is a part of
 * it, and a month must hold only the days the account held its flat. */
static int usage_answer(struct report__job *j, size_t first, size_t n, const json_t *result)
{
	const char *step = json_string_value(
		json_object_get(json_object_get(j->table, "params"), "step"));
	size_t len = step && !strcmp(step, "day") ? 10 : 7, i, owner = j->chans[first].owner;
	json_t *pt;

	(void)n;
	json_array_foreach(json_object_get(result, "points"), i, pt) {
		int64_t t = json_integer_value(json_object_get(pt, "t"));
		char iso[TZONE_ISO_LEN], key[48];
		int y;

		tzone_iso_in(j->tz, t, iso, sizeof iso);
		iso[len] = 0;
		if (owner == SERIES_YEAR_AGO && sscanf(iso, "%4d", &y) == 1)
			snprintf(key, sizeof key, "%zu|%04d%s", owner, y + 1, iso + 4);
		else
			snprintf(key, sizeof key, "%zu|%s", owner, iso);
		if (report__add_qty(j->sums, key, t,
				    json_string_value(json_object_get(pt, "quantity"))))
			return AMR_EINVAL;
	}
	return 0;
}

/* q per area hundredths of m², to PER_M2_DEC decimals rounded half up,
 * into obj's key; nothing without an area. */
static int per_m2(json_t *obj, const char *key, const struct money_qty *q, int64_t area)
{
	__int128 num = (__int128)q->v * 100, den = area;
	struct money_qty r;

	if (area <= 0)
		return AMR_OK;
	for (int d = 0; d < PER_M2_DEC; d++)
		num *= 10;
	for (int d = 0; d < q->dec; d++)
		den *= 10;
	r.v = (int64_t)((num < 0 ? -1 : 1) * (((num < 0 ? -num : num) * 2 + den) / (2 * den)));
	r.dec = PER_M2_DEC;
	return report__qty(obj, key, &r);
}

/* The sum of series s in bucket b into *q; false when it has none. */
static bool sum_of(const struct report__job *j, int s, const char *b, struct money_qty *q)
{
	char key[48];
	const json_t *o;

	snprintf(key, sizeof key, "%d|%s", s, b);
	if (!(o = json_object_get(j->sums, key)))
		return false;
	*q = (struct money_qty){ json_integer_value(json_object_get(o, "v")),
				 (int)json_integer_value(json_object_get(o, "dec")) };
	return true;
}

/* Row obj's cells of the series' quantities qs (had: which have one). */
static int cells(json_t *obj, const struct money_qty *qs, const bool *had, int64_t area,
		 int64_t building_area)
{
	int rc = 0;

	if (had[SERIES_OWN])
		rc = report__qty(obj, "quantity", &qs[SERIES_OWN]) ||
		     per_m2(obj, "per_m2", &qs[SERIES_OWN], area);
	if (!rc && had[SERIES_YEAR_AGO])
		rc = report__qty(obj, "last_year", &qs[SERIES_YEAR_AGO]);
	if (!rc && had[SERIES_BUILDING])
		rc = per_m2(obj, "building_per_m2", &qs[SERIES_BUILDING], building_area);
	return rc ? AMR_ENOMEM : AMR_OK;
}

/* Every bucket of the span, in order, gets its row; the totals add up. */
static int usage_finish(struct report__job *j, struct jv_err *err)
{
	const json_t *params = json_object_get(j->table, "params");
	int64_t area = json_integer_value(json_object_get(params, "area_hundredths"));
	int64_t barea = json_integer_value(json_object_get(params, "building_area_hundredths"));
	struct money_qty total[SERIES_N] = { { 0, 0 } }, sum;
	bool any[SERIES_N] = { false };
	cal_day d0, d1;
	char last[CAL_DATE_LEN] = "";
	json_t *o;
	int rc = 0;

	(void)err;
	if (!cal_day_parse(json_string_value(json_object_get(params, "from")), &d0) ||
	    !cal_day_parse(json_string_value(json_object_get(params, "to")), &d1))
		return AMR_EINVAL;
	for (cal_day d = d0; !rc && d <= d1; d++) {
		char b[CAL_DATE_LEN];
		struct money_qty qs[SERIES_N];
		bool had[SERIES_N];
		json_t *row;

		cal_day_format(d, b);
		if (strcmp(json_string_value(json_object_get(params, "step")), "day"))
			b[7] = 0;
		if (!strcmp(b, last))
			continue;
		snprintf(last, sizeof last, "%s", b);
		for (int s = 0; s < SERIES_N; s++) {
			had[s] = sum_of(j, s, b, &qs[s]);
			if (had[s] && !money_qty_add(&total[s], &qs[s], &sum))
				total[s] = sum;
			any[s] |= had[s];
		}
		if (!(row = json_pack("{s:s}", "time", b)) || cells(row, qs, had, area, barea) ||
		    report__row(j->table, row))
			rc = AMR_ENOMEM;
	}
	o = json_pack("{s:s}", "time", j->en ? "Total" : "Итого");
	if (rc || !o || cells(o, total, any, area, barea) ||
	    json_object_set_new(j->table, "totals", o))
		return rc ? rc : AMR_ENOMEM;
	return AMR_OK;
}

/* The premises of the building (p->building) planned as held over the
 * span, their areas added into *area. */
struct bscan {
	struct report__plan *p;
	int64_t area;
};

static int building_premises(uint32_t id, const json_t *rec, void *arg)
{
	struct bscan *b = arg;

	if ((uint32_t)json_integer_value(json_object_get(rec, "building")) != b->p->building)
		return 0;
	b->area += area_of(rec);
	report__plan_hold(b->p, id, b->p->from, b->p->to);
	return 0;
}

/* The premises of the building with a meter of the service in the span,
 * counted once each (a set of their ids). */
struct metered {
	struct report__plan *p;
	json_t *seen;
};

static int metered_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct metered *m = arg;
	const char *to = json_string_value(json_object_get(rec, "to"));
	uint32_t pid = (uint32_t)json_integer_value(json_object_get(rec, "premises"));
	cal_day d0, d1 = CAL_DAY_OPEN;
	char key[16];

	(void)id;
	if ((uint32_t)json_integer_value(json_object_get(rec, "service")) != m->p->service)
		return 0;
	cal_day_parse(json_string_value(json_object_get(rec, "from")), &d0);
	if (to)
		cal_day_parse(to, &d1);
	if (d0 >= m->p->to || d1 <= m->p->from)
		return 0;
	for (size_t i = 0; i < m->p->nheld; i++)
		if (m->p->held[i].premises == pid) {
			snprintf(key, sizeof key, "%u", pid);
			return json_object_set_new(m->seen, key, json_true()) ? AMR_ENOMEM : 0;
		}
	return 0;
}

/* Plan the building's meters as its series when enough of its premises
 * are metered (USAGE_MIN_METERED); *area gets its premises' area. */
static int plan_building(struct report__plan *p, int64_t *area)
{
	struct bscan bs = { p, 0 };
	struct metered m = { p, json_object() };
	int rc;

	*area = 0;
	if (!m.seen)
		return AMR_ENOMEM;
	p->nheld = 0;
	p->owner = SERIES_BUILDING;
	if (!(rc = ledger_scan(p->q->r->l, p->q->txn, MODEL_PREMISES, 0, building_premises, &bs)) &&
	    !(rc = ledger_scan(p->q->r->l, p->q->txn, MODEL_METER, 0, metered_fn, &m)) &&
	    json_object_size(m.seen) >= USAGE_MIN_METERED) {
		*area = bs.area;
		rc = ledger_scan(p->q->r->l, p->q->txn, MODEL_METER, 0, report__plan_meter, p);
	}
	json_decref(m.seen);
	return rc;
}

/* Plan the account's meters over [from, to) as series s. */
static int plan_account(struct report__plan *p, const json_t *acc, cal_day from, cal_day to, int s)
{
	p->from = from;
	p->to = to;
	p->nheld = 0;
	p->owner = (size_t)s;
	report__plan_holdings(p, acc);
	return ledger_scan(p->q->r->l, p->q->txn, MODEL_METER, 0, report__plan_meter, p);
}

/* The area of the distinct premises of p's plan, and the building of the
 * first (0 when none). */
static int64_t held_area(struct report__plan *p, uint32_t *building)
{
	int64_t area = 0;

	*building = 0;
	for (size_t i = 0; i < p->nheld; i++) {
		json_t *pr = NULL;
		bool seen = false;

		for (size_t k = 0; k < i; k++)
			seen |= p->held[k].premises == p->held[i].premises;
		if (seen ||
		    ledger_get(p->q->r->l, p->q->txn, MODEL_PREMISES, p->held[i].premises, &pr))
			continue;
		area += area_of(pr);
		if (!*building)
			*building = (uint32_t)json_integer_value(json_object_get(pr, "building"));
		json_decref(pr);
	}
	return area;
}

/* The table's frame: title, columns in the service's unit, chart. */
static json_t *frame(const struct report__ask *q, const json_t *svc, const json_t *acc,
		     const char *subtitle, bool by_day)
{
	const char *unit = report__unit(q, json_string_value(json_object_get(svc, "unit")));
	char t[5][80], title[300];
	struct report__col cols[] = {
		{ "time", "Время", "Time", by_day ? "date" : "text" },
		{ "quantity", t[0], t[0], "decimal" },
		{ "last_year", t[1], t[1], "decimal" },
		{ "per_m2", t[2], t[2], "decimal" },
		{ "building_per_m2", t[3], t[3], "decimal" },
	};
	json_t *tab;

	snprintf(t[0], sizeof t[0], "%s, %s", report__tr(q, "Объём", "Quantity"), unit);
	snprintf(t[1], sizeof t[1], "%s, %s", report__tr(q, "Год назад", "A year before"), unit);
	snprintf(t[2], sizeof t[2], "%s, %s/м²", report__tr(q, "На м²", "Per m²"), unit);
	snprintf(t[3], sizeof t[3], "%s, %s/м²",
		 report__tr(q, "Дом в среднем на м²", "Building per m²"), unit);
	snprintf(title, sizeof title, "%s: %s, %s %s",
		 report__tr(q, "Потребление и сравнение", "Consumption compared"),
		 json_string_value(json_object_get(svc, "name")) ?: "",
		 report__tr(q, "лицевой счёт", "account"),
		 json_string_value(json_object_get(acc, "number")) ?: "");
	if (!(tab = report__table(q, "usage", title, subtitle, cols, 5, false)))
		return NULL;
	if (json_object_set_new(
		    tab, "unit",
		    json_string(json_string_value(json_object_get(svc, "unit")) ?: "")) ||
	    json_object_set_new(tab, "chart",
				json_pack("{s:s, s:s, s:[s,s], s:s}", "kind",
					  by_day ? "line" : "bar", "x", "time", "y", "quantity",
					  "last_year", "title", title))) {
		json_decref(tab);
		return NULL;
	}
	return tab;
}

int report__usage(const struct report__ask *q, rpc_req *req, const char *format)
{
	static const char *const steps[] = { "day", "month", NULL };
	struct report__plan p = { .q = q, .one_owner = true };
	json_t *acc = NULL, *svc = NULL, *params;
	char subtitle[512], a[CAL_DATE_LEN], b[CAL_DATE_LEN];
	cal_day from, to;
	int64_t area, barea = 0;
	uint32_t id;
	int rc, step = 1;

	if (!(p.j = report__job_new(q, req, "usage", format, "series")))
		return AMR_ENOMEM;
	if ((rc = jv_enum(q->args, "step", false, 1, steps, &step, q->err)) ||
	    (rc = report__plan_dates(&p)) ||
	    (rc = report__record(q, "account", MODEL_ACCOUNT, true, &id, &acc)))
		goto out_drop;
	p.j->step = "day"; /* what the archive is asked (usage_answer) */
	from = p.from;
	to = p.to;
	p.org = (uint32_t)json_integer_value(json_object_get(acc, "org"));
	report__plan_holdings(&p, acc);
	area = held_area(&p, &p.building);
	if ((rc = report__plan_service(&p, &svc)) ||
	    (rc = report__plan_span(&p, subtitle, sizeof subtitle)) ||
	    (rc = plan_account(&p, acc, from, to, SERIES_OWN)) ||
	    (rc = plan_account(&p, acc, year_before(from), year_before(to), SERIES_YEAR_AGO)))
		goto out_drop;
	p.from = from;
	p.to = to;
	if (p.building && (rc = plan_building(&p, &barea)))
		goto out_drop;
	if (!(p.j->table = frame(q, svc, acc, subtitle, step == 0)) ||
	    !(params = json_pack("{s:I, s:O, s:s, s:s, s:s, s:I, s:I}", "account", (json_int_t)id,
				 "service", json_object_get(q->args, "service"), "from",
				 cal_day_format(from, a), "to", cal_day_format(to - 1, b), "step",
				 steps[step], "area_hundredths", (json_int_t)area,
				 "building_area_hundredths", (json_int_t)barea)) ||
	    json_object_set_new(p.j->table, "params", params)) {
		rc = AMR_ENOMEM;
		goto out_drop;
	}
	p.j->answer = usage_answer;
	p.j->finish = usage_finish;
	json_decref(acc);
	json_decref(svc);
	free(p.held);
	return report__jobs_start(p.j);
out_drop:
	json_decref(acc);
	json_decref(svc);
	free(p.held);
	report__job_free(p.j);
	return rc;
}
