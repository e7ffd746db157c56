/*
 * report_invoice.c - the reports read from a run's records: the charges
 * by service of a building's month (its invoices), the building balance
 * (the run's balance and the premises' months) and the readings and
 * consumption of every account (the invoices' premises entries).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "month.h"
#include "reportint.h"

/* The bases in the order a charges report shows them, with their names. */
static const struct {
	const char *basis, *ru, *en;
} bases[] = {
	{ "meter", "по счётчику", "by meter" },
	{ "average", "по среднему", "by average" },
	{ "norm", "по нормативу", "by norm" },
	{ "house", "по общедомовому счётчику", "by the house meter" },
	{ "fixed", "ежемесячно", "monthly" },
	{ "odn", "ОДН", "common property (ОДН)" },
	{ "benefit", "льгота", "benefit" },
	{ "subsidy", "субсидия", "subsidy" },
	{ "instalment", "рассрочка", "instalment" },
	{ "recalculation", "перерасчёт", "recalculation" },
	{ "adjustment", "корректировка", "adjustment" }, /* last: what basis_index falls back to */
};
#define NBASES (sizeof bases / sizeof bases[0])

static int basis_index(const char *b)
{
	for (size_t i = 0; b && i < NBASES; i++)
		if (!strcmp(bases[i].basis, b))
			return (int)i;
	return (int)NBASES - 1;
}

static const char *resource_name(const struct report__ask *q, const char *code)
{
	static const struct {
		const char *code, *ru, *en;
	} names[] = {
		{ "cold_water", "Холодная вода", "Cold water" },
		{ "hot_water", "Горячая вода", "Hot water" },
		{ "electricity", "Электроэнергия", "Electricity" },
		{ "heat", "Тепловая энергия", "Heat" },
		{ "gas", "Газ", "Gas" },
	};

	for (size_t i = 0; code && i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(names[i].code, code))
			return report__tr(q, names[i].ru, names[i].en);
	return code ? code : "";
}

/* What a report of a building's month starts from: its building, its
 * organisation, its run and a subtitle. */
struct month_of {
	uint32_t building;
	char period[MONTH_LEN];
	json_t *b, *org, *run;
	char subtitle[512];
};

static int month_args(const struct report__ask *q, struct month_of *m)
{
	int rc;

	memset(m, 0, sizeof *m);
	if ((rc = report__building(q, &m->building, &m->b, &m->org)) ||
	    (rc = report__period(q, m->period)))
		return rc;
	rc = invstore_run_get(q->r->is, q->txn, m->building, m->period, &m->run);
	if (rc == AMR_ENOTFOUND)
		jv_fail(q->err, "period: building %u has no run for %s; make one with run.draft",
			m->building, m->period);
	if (rc)
		return rc;
	snprintf(m->subtitle, sizeof m->subtitle, "%s, %s, %s (%s)",
		 json_string_value(json_object_get(m->org, "name")) ?: "",
		 json_string_value(json_object_get(m->b, "address")) ?: "", m->period,
		 !strcmp(json_string_value(json_object_get(m->run, "state")) ?: "", "issued")
			 ? report__tr(q, "выставлено", "issued")
			 : report__tr(q, "черновик", "draft"));
	return AMR_OK;
}

static void month_free(struct month_of *m)
{
	json_decref(m->b);
	json_decref(m->org);
	json_decref(m->run);
}

static json_t *month_params(const struct month_of *m)
{
	return json_pack("{s:I, s:s, s:O}", "building", (json_int_t)m->building, "period",
			 m->period, "state", json_object_get(m->run, "state"));
}

/* One row of the charges: a service billed on one basis. */
struct charge {
	uint32_t service;
	int basis;
	const char *name, *code, *unit; /* borrowed from the first line's invoice: copied */
	char name_buf[201], code_buf[16], unit_buf[8];
	struct money_qty qty;
	bool qty_ok; /* every quantity could be added */
	money_kop amount;
	long long lines;
};

struct charges {
	struct charge *c;
	size_t n, cap;
	json_t *shared; /* premises/service/basis/line/month of shared lines counted */
	money_kop inv_total, penalties, total;
	long long invoices;
};

static struct charge *charge_of(struct charges *s, uint32_t service, int basis, const json_t *l)
{
	struct charge *c;

	for (size_t i = 0; i < s->n; i++)
		if (s->c[i].service == service && s->c[i].basis == basis)
			return &s->c[i];
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct charge *nc = realloc(s->c, cap * sizeof *nc);

		if (!nc)
			return NULL;
		s->c = nc;
		s->cap = cap;
	}
	c = &s->c[s->n++];
	memset(c, 0, sizeof *c);
	c->service = service;
	c->basis = basis;
	c->qty_ok = true;
	snprintf(c->name_buf, sizeof c->name_buf, "%s",
		 json_string_value(json_object_get(l, "name")) ?: "");
	snprintf(c->code_buf, sizeof c->code_buf, "%s",
		 json_string_value(json_object_get(l, "code")) ?: "");
	snprintf(c->unit_buf, sizeof c->unit_buf, "%s",
		 json_string_value(json_object_get(l, "unit")) ?: "");
	return c;
}

/* A line of a shared premises carries the premises' whole quantity on
 * every owner's invoice: counted once. */
static bool counted_before(struct charges *s, const json_t *entry, const json_t *l)
{
	char key[160];

	if (!json_object_get(l, "share"))
		return false;
	snprintf(key, sizeof key, "%lld/%lld/%s/%s/%s",
		 (long long)json_integer_value(json_object_get(entry, "premises")),
		 (long long)json_integer_value(json_object_get(l, "service")),
		 json_string_value(json_object_get(l, "basis")) ?: "",
		 json_string_value(json_object_get(l, "line")) ?: "",
		 json_string_value(json_object_get(l, "month")) ?: "");
	if (json_object_get(s->shared, key))
		return true;
	json_object_set_new(s->shared, key, json_true());
	return false;
}

static int charge_invoice(const json_t *inv, void *arg)
{
	struct charges *s = arg;
	struct jv_err e;
	json_t *entry, *l;
	size_t i, k;
	money_kop v;

	s->invoices++;
	if (!money_parse(json_string_value(json_object_get(inv, "total")), "total", true, &v, &e))
		s->inv_total += v;
	if (json_is_string(json_object_get(inv, "penalty")) &&
	    !money_parse(json_string_value(json_object_get(inv, "penalty")), "penalty", true, &v,
			 &e))
		s->penalties += v;
	json_array_foreach(json_object_get(inv, "premises"), i, entry)
		json_array_foreach(json_object_get(entry, "lines"), k, l) {
			struct charge *c = charge_of(
				s, (uint32_t)json_integer_value(json_object_get(l, "service")),
				basis_index(json_string_value(json_object_get(l, "basis"))), l);
			struct money_qty q, sum;

			if (!c)
				return AMR_ENOMEM;
			if (money_parse(json_string_value(json_object_get(l, "amount")), "amount",
					true, &v, &e))
				return AMR_EINVAL;
			c->amount += v;
			s->total += v;
			c->lines++;
			if (counted_before(s, entry, l))
				continue;
			if (report__qty_parse(json_string_value(json_object_get(l, "quantity")),
					      &q) ||
			    money_qty_add(&c->qty, &q, &sum))
				c->qty_ok = false;
			else
				c->qty = sum;
		}
	return 0;
}

static int charge_cmp(const void *pa, const void *pb)
{
	const struct charge *a = pa, *b = pb;

	if (a->service != b->service)
		return a->service < b->service ? -1 : 1;
	return a->basis - b->basis;
}

int report__charges(const struct report__ask *q, json_t **out)
{
	static const struct report__col cols[] = {
		{ "service", "Услуга", "Service", "text" },
		{ "basis", "Основание", "Basis", "text" },
		{ "quantity", "Объём", "Quantity", "decimal" },
		{ "unit", "Ед. изм.", "Unit", "text" },
		{ "lines", "Строк", "Lines", "int" },
		{ "amount", "Начислено, ₽", "Charged, ₽", "money" },
	};
	struct month_of m;
	struct charges s = { .shared = json_object() };
	struct invstore_filter f = { 0 };
	json_t *table = NULL, *totals;
	int rc;

	if ((rc = month_args(q, &m)))
		goto out_free;
	f.building = m.building;
	f.period = m.period;
	if (!s.shared || (rc = invstore_invoice_scan(q->r->is, q->txn, &f, charge_invoice, &s)) ||
	    !(table = report__table(q, "charges",
				    report__tr(q, "Начисления по услугам", "Charges by service"),
				    m.subtitle, cols, sizeof cols / sizeof cols[0], false))) {
		rc = rc ? rc : AMR_ENOMEM;
		goto out_free;
	}
	qsort(s.c, s.n, sizeof *s.c, charge_cmp);
	for (size_t i = 0; !rc && i < s.n; i++) {
		const struct charge *c = &s.c[i];
		json_t *row = json_pack(
			"{s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "service", c->name_buf, "code",
			c->code_buf, "basis", report__tr(q, bases[c->basis].ru, bases[c->basis].en),
			"basis_code", bases[c->basis].basis, "service_id", (json_int_t)c->service,
			"lines", (json_int_t)c->lines, "unit", report__unit(q, c->unit_buf));

		if (row && c->qty_ok && report__qty(row, "quantity", &c->qty))
			rc = AMR_ENOMEM;
		if (!rc && (report__money(row, "amount", c->amount) || report__row(table, row)))
			rc = AMR_ENOMEM;
	}
	if (rc)
		goto out_free;
	totals = json_pack("{s:s}", "service", report__tr(q, "Итого", "Total"));
	if (!totals || report__money(totals, "amount", s.total) ||
	    json_object_set_new(table, "totals", totals) ||
	    json_object_set_new(table, "params", month_params(&m)) ||
	    json_object_set_new(table, "invoices",
				json_pack("{s:I, s:s, s:s}", "count", (json_int_t)s.invoices,
					  "total", "0.00", "penalties", "0.00")) ||
	    report__money(json_object_get(table, "invoices"), "total", s.inv_total) ||
	    report__money(json_object_get(table, "invoices"), "penalties", s.penalties) ||
	    json_object_set_new(
		    table, "chart",
		    json_pack("{s:s, s:s, s:[s], s:s}", "kind", "bar", "x", "service", "y",
			      "amount", "title",
			      report__tr(q, "Начислено по услугам", "Charged by service")))) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	*out = table;
	table = NULL;
out_free:
	json_decref(table);
	json_decref(s.shared);
	free(s.c);
	month_free(&m);
	return rc;
}

/* The premises' quantities of a resource billed by meter, from the
 * premises' months. */
struct metered {
	const char *code;
	struct money_qty qty;
};

static int metered_fn(uint32_t premises, uint32_t service, const json_t *rec, void *arg)
{
	struct metered *m = arg;
	struct money_qty q, sum;

	(void)premises;
	(void)service;
	if (strcmp(json_string_value(json_object_get(rec, "code")) ?: "", m->code) ||
	    strcmp(json_string_value(json_object_get(rec, "basis")) ?: "", "meter"))
		return 0;
	if (report__qty_parse(json_string_value(json_object_get(rec, "quantity")), &q) ||
	    money_qty_add(&m->qty, &q, &sum))
		return AMR_EINVAL;
	m->qty = sum;
	return 0;
}

/* A balance item of the run as a row. */
static int balance_row(const struct report__ask *q, const struct month_of *mo, const json_t *it,
		       json_t *table)
{
	const char *code = json_string_value(json_object_get(it, "resource"));
	struct metered m = { code ? code : "", { 0, 0 } };
	struct money_qty premises, est;
	json_t *row;
	int rc;

	if ((rc = invstore_prem_scan(q->r->is, q->txn, mo->building, mo->period, metered_fn, &m)))
		return rc;
	if (report__qty_parse(json_string_value(json_object_get(it, "premises")), &premises) ||
	    money_qty_sub(&premises, &m.qty, &est))
		return AMR_EINVAL;
	row = json_pack(
		"{s:s, s:s, s:s, s:s, s:O, s:O, s:O, s:O, s:O, s:O*, s:O, s:O}", "resource",
		resource_name(q, code), "code", m.code, "unit",
		report__unit(q, json_string_value(json_object_get(it, "unit"))), "unit_code",
		json_string_value(json_object_get(it, "unit")) ?: "", "house",
		json_object_get(it, "house"), "premises", json_object_get(it, "premises"), "odn",
		json_object_get(it, "odn"), "odn_excess", json_object_get(it, "odn_excess"),
		"difference", json_object_get(it, "difference"), "difference_pct",
		json_object_get(it, "difference_pct"), "negative", json_object_get(it, "negative"),
		"channels", json_object_get(it, "channels"));
	if (!row || report__qty(row, "metered", &m.qty) || report__qty(row, "estimated", &est)) {
		json_decref(row);
		return AMR_ENOMEM;
	}
	return report__row(table, row);
}

int report__balance(const struct report__ask *q, json_t **out)
{
	static const struct report__col cols[] = {
		{ "resource", "Ресурс", "Resource", "text" },
		{ "unit", "Ед. изм.", "Unit", "text" },
		{ "house", "Общедомовой счётчик", "House meter", "decimal" },
		{ "premises", "Помещения, всего", "Premises, all", "decimal" },
		{ "metered", "по счётчикам", "by meters", "decimal" },
		{ "estimated", "по среднему и нормативу", "by average and norm", "decimal" },
		{ "odn", "ОДН", "Common property (ОДН)", "decimal" },
		{ "odn_excess", "Сверх норматива ОДН", "Over the ОДН norm", "decimal" },
		{ "difference", "Небаланс", "Imbalance", "decimal" },
		{ "difference_pct", "Небаланс, %", "Imbalance, %", "percent" },
	};
	struct month_of m;
	const char *resource;
	json_t *table = NULL, *it;
	int rc, ri = -1;
	size_t i;

	if ((rc = month_args(q, &m)) ||
	    (rc = jv_enum(q->args, "resource", false, -1, model_resources, &ri, q->err)))
		goto out_free;
	resource = ri >= 0 ? model_resources[ri] : NULL;
	if (!(table = report__table(q, "balance",
				    report__tr(q, "Баланс дома по ресурсам", "Building balance"),
				    m.subtitle, cols, sizeof cols / sizeof cols[0], true))) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	json_array_foreach(json_object_get(m.run, "balance"), i, it)
		if (!resource ||
		    !strcmp(json_string_value(json_object_get(it, "resource")) ?: "", resource))
			if ((rc = balance_row(q, &m, it, table)))
				goto out_free;
	if (json_object_set_new(table, "params", month_params(&m)) ||
	    json_object_set_new(
		    table, "chart",
		    json_pack("{s:s, s:s, s:[s, s], s:s}", "kind", "bar", "x", "resource", "y",
			      "house", "premises", "title",
			      report__tr(q, "Дом и помещения", "House and premises")))) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	if (resource)
		json_object_set_new(json_object_get(table, "params"), "resource",
				    json_string(resource));
	*out = table;
	table = NULL;
out_free:
	json_decref(table);
	month_free(&m);
	return rc;
}
