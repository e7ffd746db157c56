/*
 * report_consumption.c - consumption over a span from the archives: of
 * one account's (or a group's) premises by hour, day or month, and of a
 * building's premises side by side with their shares. The plan is read
 * here; report_archive.c asks the archives and calls back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odn.h"
#include "reportint.h"

struct report__job *report__job_new(const struct report__ask *q, rpc_req *req, const char *kind,
				    const char *format, const char *method)
{
	struct report__job *j = calloc(1, sizeof *j);

	if (!j)
		return NULL;
	*j = (struct report__job){
		.r = q->r, .req = req, .kind = kind, .en = q->en, .method = method
	};
	snprintf(j->format, sizeof j->format, "%s", format);
	j->args = json_deep_copy(q->args);
	j->sums = json_object();
	if (!j->args || !j->sums) {
		json_decref(j->args);
		json_decref(j->sums);
		free(j);
		return NULL;
	}
	return j;
}

static int code_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct report__plan *p = arg;

	if ((uint32_t)json_integer_value(json_object_get(rec, "org")) != p->org ||
	    strcmp(json_string_value(json_object_get(rec, "code")) ?: "", p->code))
		return 0;
	p->service = id;
	return 1;
}

/* The service of args: an id, or a code of the plan's organisation. */
int report__plan_service(struct report__plan *p, json_t **rec)
{
	const struct report__ask *q = p->q;
	int rc;

	if (!(p->code = json_string_value(json_object_get(q->args, "service"))))
		return report__record(q, "service", MODEL_SERVICE, true, &p->service, rec);
	if ((rc = ledger_scan(q->r->l, q->txn, MODEL_SERVICE, 0, code_fn, p)) < 0 ||
	    (rc && rc != 1))
		return rc;
	if (!p->service) {
		jv_fail(q->err, "service: organisation %u has no service %s", p->org, p->code);
		return AMR_ENOTFOUND;
	}
	return ledger_get(q->r->l, q->txn, MODEL_SERVICE, p->service, rec);
}

/* Premises pid held over [d0, d1) (clipped to the span), once. */
void report__plan_hold(struct report__plan *p, uint32_t pid, cal_day d0, cal_day d1)
{
	d0 = d0 > p->from ? d0 : p->from;
	d1 = d1 < p->to ? d1 : p->to;
	if (d0 >= d1)
		return;
	for (size_t i = 0; i < p->nheld; i++)
		if (p->held[i].premises == pid && p->held[i].d0 <= d0 && p->held[i].d1 >= d1)
			return;
	if (p->nheld == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct report__held *h = realloc(p->held, cap * sizeof *h);

		if (!h)
			return; /* that premises is left out: no quantity is better than a wrong one */
		p->held = h;
		p->cap = cap;
	}
	p->held[p->nheld++] = (struct report__held){ pid, d0, d1 };
}

/* The premises an account's holdings hold in the span. */
void report__plan_holdings(struct report__plan *p, const json_t *acc)
{
	json_t *h;
	size_t i;

	json_array_foreach(json_object_get(acc, "premises"), i, h) {
		const char *to = json_string_value(json_object_get(h, "to"));
		cal_day d0, d1 = CAL_DAY_OPEN;

		cal_day_parse(json_string_value(json_object_get(h, "from")), &d0);
		if (to)
			cal_day_parse(to, &d1);
		report__plan_hold(p, (uint32_t)json_integer_value(json_object_get(h, "premises")),
				  d0, d1);
	}
}

/* A meter of the service in a held premises: its channel over the days
 * both cover. */
int report__plan_meter(uint32_t id, const json_t *rec, void *arg)
{
	struct report__plan *p = arg;
	const char *to = json_string_value(json_object_get(rec, "to"));
	const char *source = json_string_value(json_object_get(rec, "source"));
	uint32_t pid = (uint32_t)json_integer_value(json_object_get(rec, "premises"));
	cal_day d0, d1 = CAL_DAY_OPEN;
	int src;

	if ((uint32_t)json_integer_value(json_object_get(rec, "service")) != p->service)
		return 0;
	cal_day_parse(json_string_value(json_object_get(rec, "from")), &d0);
	if (to)
		cal_day_parse(to, &d1);
	for (size_t i = 0; i < p->nheld; i++) {
		const struct report__held *h = &p->held[i];
		cal_day a = d0 > h->d0 ? d0 : h->d0, b = d1 < h->d1 ? d1 : h->d1;

		if (h->premises != pid || a >= b)
			continue;
		if ((src = archcl_find(p->q->r->a, source)) < 0)
			return jv_fail(p->q->err,
				       "meter %u: source \"%s\" is not a metering source of "
				       "amr-billing (--sources)",
				       id, source);
		if (report__chan_add(p->j, src, json_string_value(json_object_get(rec, "channel")),
				     tzone_date_start(p->j->tz, a), tzone_date_start(p->j->tz, b),
				     p->one_owner ? p->owner : i))
			return AMR_ENOMEM;
	}
	return 0;
}

/* The span of args: from, to (both days, included), the zone of the
 * first premises' building. */
int report__plan_span(struct report__plan *p, char *subtitle, size_t size)
{
	const struct report__ask *q = p->q;
	json_t *pr = NULL, *b = NULL;
	char a[CAL_DATE_LEN], c[CAL_DATE_LEN];
	const char *tz = NULL;
	int rc;

	if (p->nheld && !ledger_get(q->r->l, q->txn, MODEL_PREMISES, p->held[0].premises, &pr))
		ledger_get(q->r->l, q->txn, MODEL_BUILDING,
			   (uint32_t)json_integer_value(json_object_get(pr, "building")), &b);
	tz = json_string_value(json_object_get(b, "tz"));
	rc = tzone_rules_get(tz ? tz : tzone_name(), &p->j->tz);
	snprintf(subtitle, size, "%s%s%s – %s",
		 json_string_value(json_object_get(b, "address")) ?: "", b ? ", " : "",
		 cal_day_format(p->from, a), cal_day_format(p->to - 1, c));
	json_decref(pr);
	json_decref(b);
	return rc ? jv_fail(q->err, "building: its zone %s is not known", tz ? tz : "") : 0;
}

int report__plan_dates(struct report__plan *p)
{
	char a[CAL_DATE_LEN], b[CAL_DATE_LEN];
	int rc;

	if ((rc = report__date(p->q, "from", true, &p->from)) ||
	    (rc = report__date(p->q, "to", true, &p->to)))
		return rc;
	if (p->to < p->from)
		return jv_fail(p->q->err, "to: %s is before from (%s)", cal_day_format(p->to, b),
			       cal_day_format(p->from, a));
	if (p->to - p->from > 3660)
		return jv_fail(p->q->err, "to: a span of at most 10 years");
	p->to++; /* to is included */
	return AMR_OK;
}

/* A series' points added up by local hour, day or month. */
static int series_answer(struct report__job *j, size_t first, size_t n, const json_t *result)
{
	static const size_t len[] = { 16, 10, 7 }; /* hour, day, month of "YYYY-MM-DDThh:mm" */
	size_t k = !strcmp(j->step, "hour") ? 0 : !strcmp(j->step, "day") ? 1 : 2, i;
	json_t *pt;

	(void)first;
	(void)n;
	json_array_foreach(json_object_get(result, "points"), i, pt) {
		int64_t t = json_integer_value(json_object_get(pt, "t"));
		char iso[TZONE_ISO_LEN];

		tzone_iso_in(j->tz, t, iso, sizeof iso);
		iso[len[k]] = 0;
		if (k == 0)
			iso[10] = ' ';
		if (report__add_qty(j->sums, iso, t,
				    json_string_value(json_object_get(pt, "quantity"))))
			return AMR_EINVAL;
	}
	return 0;
}

static int by_t(const void *pa, const void *pb)
{
	json_int_t a = json_integer_value(json_object_get(*(json_t *const *)pa, "t"));
	json_int_t b = json_integer_value(json_object_get(*(json_t *const *)pb, "t"));

	return a < b ? -1 : a > b;
}

static int series_finish(struct report__job *j, struct jv_err *err)
{
	size_t n = json_object_size(j->sums), i = 0;
	json_t **v = malloc((n ? n : 1) * sizeof *v), *o;
	struct money_qty total = { 0, 0 }, sum;
	const char *key;
	int rc = 0;

	(void)err;
	if (!v)
		return AMR_ENOMEM;
	json_object_foreach(j->sums, key, o) {
		json_object_set_new(o, "time", json_string(key));
		v[i++] = o;
	}
	qsort(v, n, sizeof *v, by_t);
	for (i = 0; !rc && i < n; i++) {
		struct money_qty q = { json_integer_value(json_object_get(v[i], "v")),
				       (int)json_integer_value(json_object_get(v[i], "dec")) };
		json_t *row = json_pack("{s:O}", "time", json_object_get(v[i], "time"));

		if (!money_qty_add(&total, &q, &sum))
			total = sum;
		rc = row && !report__qty(row, "quantity", &q) ? report__row(j->table, row)
							      : AMR_ENOMEM;
	}
	free(v);
	o = json_pack("{s:s}", "time", j->en ? "Total" : "Итого");
	if (rc || !o || report__qty(o, "quantity", &total) ||
	    json_object_set_new(j->table, "totals", o))
		return rc ? rc : AMR_ENOMEM;
	return AMR_OK;
}

int report__consumption(const struct report__ask *q, rpc_req *req, const char *format)
{
	static const char *const steps[] = { "hour", "day", "month", NULL };
	struct report__col cols[] = {
		{ "time", "Время", "Time", "text" },
		{ "quantity", "Объём", "Quantity", "decimal" },
	};
	struct report__plan p = { .q = q };
	json_t *who = NULL, *svc = NULL, *v;
	char subtitle[512], title[300], qtitle[64];
	uint32_t id;
	int rc, step = 1;
	size_t i;

	if (!(p.j = report__job_new(q, req, "consumption", format, "series")))
		return AMR_ENOMEM;
	if ((rc = jv_enum(q->args, "step", false, 1, steps, &step, q->err)) ||
	    (rc = report__plan_dates(&p)))
		goto out_drop;
	p.j->step = steps[step];
	if (json_object_get(q->args, "account") && json_object_get(q->args, "group")) {
		rc = jv_fail(q->err, "account: give an account or a group, not both");
		goto out_drop;
	}
	if (json_object_get(q->args, "group")) {
		if ((rc = report__record(q, "group", MODEL_GROUP, true, &id, &who)))
			goto out_drop;
		json_array_foreach(json_object_get(who, "premises"), i, v)
			report__plan_hold(&p, (uint32_t)json_integer_value(v), p.from, p.to);
		json_array_foreach(json_object_get(who, "accounts"), i, v) {
			json_t *acc = NULL;

			if (!ledger_get(q->r->l, q->txn, MODEL_ACCOUNT,
					(uint32_t)json_integer_value(v), &acc))
				report__plan_holdings(&p, acc);
			json_decref(acc);
		}
	} else {
		if ((rc = report__record(q, "account", MODEL_ACCOUNT, true, &id, &who)))
			goto out_drop;
		report__plan_holdings(&p, who);
	}
	p.org = (uint32_t)json_integer_value(json_object_get(who, "org"));
	if ((rc = report__plan_service(&p, &svc)) ||
	    (rc = report__plan_span(&p, subtitle, sizeof subtitle)) ||
	    (rc = ledger_scan(q->r->l, q->txn, MODEL_METER, 0, report__plan_meter, &p)))
		goto out_drop;
	snprintf(qtitle, sizeof qtitle, "%s, %s", report__tr(q, "Объём", "Quantity"),
		 report__unit(q, json_string_value(json_object_get(svc, "unit"))));
	cols[1].ru = cols[1].en = qtitle;
	snprintf(title, sizeof title, "%s: %s, %s %s", report__tr(q, "Потребление", "Consumption"),
		 json_string_value(json_object_get(svc, "name")) ?: "",
		 json_object_get(q->args, "group") ? report__tr(q, "группа", "group")
						   : report__tr(q, "лицевой счёт", "account"),
		 json_string_value(json_object_get(
			 who, json_object_get(q->args, "group") ? "name" : "number"))
			 ?: "");
	if (step == 1)
		cols[0].type = "date";
	if (!(p.j->table = report__table(q, "consumption", title, subtitle, cols, 2, false)) ||
	    json_object_set_new(
		    p.j->table, "unit",
		    json_string(json_string_value(json_object_get(svc, "unit")) ?: "")) ||
	    json_object_set_new(p.j->table, "chart",
				json_pack("{s:s, s:s, s:[s], s:s}", "kind",
					  step == 2 ? "bar" : "line", "x", "time", "y", "quantity",
					  "title", title))) {
		rc = AMR_ENOMEM;
		goto out_drop;
	}
	json_object_set_new(p.j->table, "params", json_deep_copy(q->args));
	p.j->answer = series_answer;
	p.j->finish = series_finish;
	json_decref(who);
	json_decref(svc);
	free(p.held);
	return report__jobs_start(p.j);
out_drop:
	json_decref(who);
	json_decref(svc);
	free(p.held);
	report__job_free(p.j);
	return rc;
}

/* Each premises' channels' quantities added up. */
static int dist_answer(struct report__job *j, size_t first, size_t n, const json_t *result)
{
	json_t *it;
	size_t i;

	json_array_foreach(json_object_get(result, "items"), i, it) {
		const char *ch = json_string_value(json_object_get(it, "channel"));
		size_t k;
		char key[24];

		for (k = first; k < first + n && strcmp(j->chans[k].channel, ch ? ch : ""); k++)
			;
		if (k == first + n)
			return AMR_EINVAL;
		snprintf(key, sizeof key, "%zu", j->chans[k].owner);
		if (report__add_qty(j->sums, key, 0,
				    json_string_value(json_object_get(it, "quantity"))))
			return AMR_EINVAL;
	}
	return 0;
}

/* The rows (made at the plan, one per premises) get their quantities and
 * shares: the share of each in 0.01 % by the largest remainder, so that
 * the shares add up to 100.00 exactly. */
static int dist_finish(struct report__job *j, struct jv_err *err)
{
	json_t *rows = json_object_get(j->table, "rows"), *o, *row;
	size_t n = json_array_size(rows), i;
	struct odn_part *parts = calloc(n ? n : 1, sizeof *parts);
	struct money_qty total = { 0, 0 }, sum;
	int dec = 0, rc = 0;

	if (!parts)
		return AMR_ENOMEM;
	json_array_foreach(rows, i, row) {
		char key[24];

		snprintf(key, sizeof key, "%zu", i);
		if ((o = json_object_get(j->sums, key)) &&
		    json_integer_value(json_object_get(o, "dec")) > dec)
			dec = (int)json_integer_value(json_object_get(o, "dec"));
	}
	json_array_foreach(rows, i, row) {
		char key[24];
		struct money_qty q;

		snprintf(key, sizeof key, "%zu", i);
		parts[i].key = (uint32_t)i;
		parts[i].number = json_string_value(json_object_get(row, "number"));
		if (!(o = json_object_get(j->sums, key)))
			continue; /* no meter in the span: no quantity, no share */
		q = (struct money_qty){ json_integer_value(json_object_get(o, "v")),
					(int)json_integer_value(json_object_get(o, "dec")) };
		if (odn_units(&q, dec, &parts[i].weight) || money_qty_add(&total, &q, &sum)) {
			rc = AMR_EINVAL;
			break;
		}
		total = sum;
		rc = report__qty(row, "quantity", &q);
	}
	if (!rc && total.v > 0 && odn_split(10000, parts, n))
		rc = jv_fail(err, "the shares cannot be worked out");
	for (i = 0; !rc && total.v > 0 && i < n; i++) {
		char buf[48];

		if (!json_object_get(json_array_get(rows, i), "quantity"))
			continue;
		snprintf(buf, sizeof buf, "%lld.%02lld", (long long)parts[i].part / 100,
			 (long long)parts[i].part % 100);
		json_object_set_new(json_array_get(rows, i), "share", json_string(buf));
	}
	free(parts);
	o = json_pack("{s:s}", "number", j->en ? "Total" : "Итого");
	if (rc || !o || report__qty(o, "quantity", &total) ||
	    (total.v > 0 && json_object_set_new(o, "share", json_string("100.00"))) ||
	    json_object_set_new(j->table, "totals", o))
		return rc ? rc : AMR_ENOMEM;
	return AMR_OK;
}

static int dist_premises(uint32_t id, const json_t *rec, void *arg)
{
	struct report__plan *p = arg;
	json_t *row;

	if ((uint32_t)json_integer_value(json_object_get(rec, "building")) != p->building)
		return 0;
	report__plan_hold(p, id, p->from, p->to);
	row = json_pack("{s:I, s:O, s:s}", "premises", (json_int_t)id, "number",
			json_object_get(rec, "number"), "accounts", "");
	return report__row(p->j->table, row);
}

/* The accounts that held each premises in the span, by number. */
static int dist_account(uint32_t id, const json_t *acc, void *arg)
{
	struct report__plan *p = arg;
	json_t *h, *row;
	size_t i, k;

	(void)id;
	json_array_foreach(json_object_get(acc, "premises"), i, h) {
		uint32_t pid = (uint32_t)json_integer_value(json_object_get(h, "premises"));
		const char *to = json_string_value(json_object_get(h, "to"));
		cal_day d0, d1 = CAL_DAY_OPEN;
		char buf[512];

		cal_day_parse(json_string_value(json_object_get(h, "from")), &d0);
		if (to)
			cal_day_parse(to, &d1);
		if (d0 >= p->to || d1 <= p->from)
			continue;
		json_array_foreach(json_object_get(p->j->table, "rows"), k, row) {
			const char *was = json_string_value(json_object_get(row, "accounts"));

			if ((uint32_t)json_integer_value(json_object_get(row, "premises")) != pid)
				continue;
			snprintf(buf, sizeof buf, "%s%s%s", was, *was ? ", " : "",
				 json_string_value(json_object_get(acc, "number")) ?: "");
			json_object_set_new(row, "accounts", json_string(buf));
		}
	}
	return 0;
}

int report__distribution(const struct report__ask *q, rpc_req *req, const char *format)
{
	struct report__col cols[] = {
		{ "number", "Помещение", "Premises", "text" },
		{ "accounts", "Лицевые счета", "Accounts", "text" },
		{ "quantity", "Объём", "Quantity", "decimal" },
		{ "share", "Доля, %", "Share, %", "percent" },
	};
	struct report__plan p = { .q = q };
	json_t *b = NULL, *org = NULL, *svc = NULL;
	char subtitle[512], title[300], qtitle[64];
	int rc;

	if (!(p.j = report__job_new(q, req, "distribution", format, "consumption")))
		return AMR_ENOMEM;
	if ((rc = report__building(q, &p.building, &b, &org)) || (rc = report__plan_dates(&p)))
		goto out_drop;
	p.org = (uint32_t)json_integer_value(json_object_get(b, "org"));
	if ((rc = report__plan_service(&p, &svc)))
		goto out_drop;
	snprintf(qtitle, sizeof qtitle, "%s, %s", report__tr(q, "Объём", "Quantity"),
		 report__unit(q, json_string_value(json_object_get(svc, "unit"))));
	cols[2].ru = cols[2].en = qtitle;
	snprintf(title, sizeof title, "%s: %s", report__tr(q, "Распределение", "Distribution"),
		 json_string_value(json_object_get(svc, "name")) ?: "");
	if (!(p.j->table = report__table(q, "distribution", title, "", cols, 4, false))) {
		rc = AMR_ENOMEM;
		goto out_drop;
	}
	if ((rc = ledger_scan(q->r->l, q->txn, MODEL_PREMISES, 0, dist_premises, &p)))
		goto out_drop;
	report__sort_rows(p.j->table, "number");
	/* the rows' order is the premises' index of the plan */
	p.nheld = 0;
	{
		json_t *row;
		size_t i;

		json_array_foreach(json_object_get(p.j->table, "rows"), i, row)
			report__plan_hold(
				&p, (uint32_t)json_integer_value(json_object_get(row, "premises")),
				p.from, p.to);
	}
	if ((rc = report__plan_span(&p, subtitle, sizeof subtitle)) ||
	    (rc = ledger_scan(q->r->l, q->txn, MODEL_ACCOUNT, 0, dist_account, &p)) ||
	    (rc = ledger_scan(q->r->l, q->txn, MODEL_METER, 0, report__plan_meter, &p)))
		goto out_drop;
	if (json_object_set_new(p.j->table, "subtitle", json_string(subtitle)) ||
	    json_object_set_new(
		    p.j->table, "unit",
		    json_string(json_string_value(json_object_get(svc, "unit")) ?: "")) ||
	    json_object_set_new(p.j->table, "params", json_deep_copy(q->args)) ||
	    json_object_set_new(p.j->table, "chart",
				json_pack("{s:s, s:s, s:[s], s:s}", "kind", "pie", "x", "number",
					  "y", "quantity", "title", title))) {
		rc = AMR_ENOMEM;
		goto out_drop;
	}
	p.j->answer = dist_answer;
	p.j->finish = dist_finish;
	json_decref(b);
	json_decref(org);
	json_decref(svc);
	free(p.held);
	return report__jobs_start(p.j);
out_drop:
	json_decref(b);
	json_decref(org);
	json_decref(svc);
	free(p.held);
	report__job_free(p.j);
	return rc;
}
