/*
 * report_readings.c - the readings report: for each account of a
 * building's month and each meter that billed it, the readings at the
 * start and the end of the days billed and the quantity, from the
 * invoices' premises entries ("readings", docs/billing.md "Invoices");
 * a service billed by average or norm, or an invoice without readings,
 * shows its quantity and basis with empty readings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "month.h"
#include "reportint.h"

struct readings {
	const struct report__ask *q;
	uint32_t service; /* 0: every service */
	const char *code; /* or the service of this code; NULL: any */
	json_t *table;
	struct money_qty total; /* of the quantities (one service asked) */
	bool total_ok;
};

static bool wanted(const struct readings *s, uint32_t service, const char *code)
{
	if (!code || !strcmp(code, "wastewater")) /* no meter: the waters' sum */
		return false;
	if (s->service)
		return service == s->service;
	return !s->code || !strcmp(code, s->code);
}

/* The basis of a line that a meter's reading can stand for. */
static bool reading_basis(const char *b)
{
	return b && (!strcmp(b, "meter") || !strcmp(b, "average") || !strcmp(b, "norm"));
}

static int add_row(struct readings *s, const json_t *inv, const json_t *entry, const char *name,
		   const char *code, const char *unit, const struct money_qty *q, const char *basis,
		   const json_t *rd)
{
	json_t *row = json_pack(
		"{s:O, s:O, s:O, s:s, s:s, s:s, s:s, s:s}", "account",
		json_object_get(inv, "account"), "number", json_object_get(inv, "number"), "holder",
		json_object_get(inv, "holder"), "premises",
		json_string_value(json_object_get(entry, "number")) ?: "", "service", name, "code",
		code, "unit", report__unit(s->q, unit), "basis", basis);
	static const char *const copied[] = { "serial", "channel", "start", "end",
					      "from",	"to",	   NULL };
	struct money_qty sum;

	for (size_t i = 0; row && rd && copied[i]; i++)
		if (json_is_string(json_object_get(rd, copied[i])))
			json_object_set(row, copied[i], json_object_get(rd, copied[i]));
	if (!row || report__qty(row, "quantity", q)) {
		json_decref(row);
		return AMR_ENOMEM;
	}
	if (s->total_ok && !money_qty_add(&s->total, q, &sum))
		s->total = sum;
	else
		s->total_ok = false;
	return report__row(s->table, row);
}

/* The entry's lines of service (by meter, average or norm) added up:
 * their quantity, name, code, unit and basis (the first line's). */
struct svc_sum {
	uint32_t service;
	const char *name, *code, *unit, *basis;
	struct money_qty qty;
	bool read; /* a readings item covered it */
};

static int entry_rows(struct readings *s, const json_t *inv, const json_t *entry)
{
	struct svc_sum sums[32];
	size_t n = 0, i, k;
	json_t *l, *rd;
	int rc;

	json_array_foreach(json_object_get(entry, "lines"), i, l) {
		uint32_t sv = (uint32_t)json_integer_value(json_object_get(l, "service"));
		const char *code = json_string_value(json_object_get(l, "code"));
		struct money_qty q, sum;

		if (!wanted(s, sv, code) ||
		    !reading_basis(json_string_value(json_object_get(l, "basis"))) ||
		    report__qty_parse(json_string_value(json_object_get(l, "quantity")), &q))
			continue;
		for (k = 0; k < n && sums[k].service != sv; k++)
			;
		if (k == n) {
			if (n == sizeof sums / sizeof sums[0])
				continue;
			sums[n++] = (struct svc_sum){
				sv,
				json_string_value(json_object_get(l, "name")) ?: "",
				code,
				json_string_value(json_object_get(l, "unit")) ?: "",
				json_string_value(json_object_get(l, "basis")),
				{ 0, q.dec },
				false,
			};
		}
		if (!money_qty_add(&sums[k].qty, &q, &sum))
			sums[k].qty = sum;
	}
	json_array_foreach(json_object_get(entry, "readings"), i, rd) {
		uint32_t sv = (uint32_t)json_integer_value(json_object_get(rd, "service"));
		struct money_qty a, b, q;

		for (k = 0; k < n && sums[k].service != sv; k++)
			;
		if (k == n || !wanted(s, sv, sums[k].code))
			continue;
		sums[k].read = true;
		if (report__qty_parse(json_string_value(json_object_get(rd, "start")), &a) ||
		    report__qty_parse(json_string_value(json_object_get(rd, "end")), &b) ||
		    money_qty_sub(&b, &a, &q))
			q = sums[k].qty;
		if ((rc = add_row(s, inv, entry, sums[k].name, sums[k].code, sums[k].unit, &q,
				  "meter", rd)))
			return rc;
	}
	for (k = 0; k < n; k++)
		if (!sums[k].read &&
		    (rc = add_row(s, inv, entry, sums[k].name, sums[k].code, sums[k].unit,
				  &sums[k].qty, sums[k].basis, NULL)))
			return rc;
	return 0;
}

static int readings_invoice(const json_t *inv, void *arg)
{
	json_t *entry;
	size_t i;
	int rc;

	json_array_foreach(json_object_get(inv, "premises"), i, entry)
		if ((rc = entry_rows(arg, inv, entry)))
			return rc;
	return 0;
}

/* "service" of args: an id, or a code ("cold_water"). */
static int service_arg(const struct report__ask *q, struct readings *s)
{
	json_t *v = json_object_get(q->args, "service");
	json_t *rec = NULL;
	int rc;

	if (!v || json_is_integer(v)) {
		rc = report__record(q, "service", MODEL_SERVICE, false, &s->service, &rec);
		json_decref(rec);
		return rc;
	}
	if (jv_str(q->args, "service", false, NULL, 1, 16, &s->code, q->err))
		return jv_fail(q->err, "service: a service id or code (cold_water, ...)");
	return AMR_OK;
}

int report__readings(const struct report__ask *q, json_t **out)
{
	static const struct report__col cols[] = {
		{ "number", "Лицевой счёт", "Account", "text" },
		{ "holder", "Владелец", "Holder", "text" },
		{ "premises", "Помещение", "Premises", "text" },
		{ "service", "Услуга", "Service", "text" },
		{ "serial", "Счётчик", "Meter", "text" },
		{ "start", "Показание на начало", "Reading at start", "decimal" },
		{ "end", "Показание на конец", "Reading at end", "decimal" },
		{ "quantity", "Объём", "Quantity", "decimal" },
		{ "unit", "Ед. изм.", "Unit", "text" },
		{ "basis", "Основание", "Basis", "text" },
	};
	struct readings s = { .q = q, .total_ok = true };
	struct invstore_filter f = { 0 };
	uint32_t building;
	char period[MONTH_LEN], subtitle[512];
	json_t *b = NULL, *org = NULL, *run = NULL;
	int rc;

	if ((rc = report__building(q, &building, &b, &org)) || (rc = report__period(q, period)) ||
	    (rc = service_arg(q, &s)))
		goto out_free;
	if ((rc = invstore_run_get(q->r->is, q->txn, building, period, &run)) == AMR_ENOTFOUND)
		jv_fail(q->err, "period: building %u has no run for %s; make one with run.draft",
			building, period);
	if (rc)
		goto out_free;
	snprintf(subtitle, sizeof subtitle, "%s, %s, %s",
		 json_string_value(json_object_get(org, "name")) ?: "",
		 json_string_value(json_object_get(b, "address")) ?: "", period);
	f.building = building;
	f.period = period;
	if (!(s.table = report__table(
		      q, "readings",
		      report__tr(q, "Показания и потребление", "Readings and consumption"),
		      subtitle, cols, sizeof cols / sizeof cols[0], true)) ||
	    (rc = invstore_invoice_scan(q->r->is, q->txn, &f, readings_invoice, &s))) {
		rc = rc ? rc : AMR_ENOMEM;
		goto out_free;
	}
	report__sort_rows(s.table, "number");
	if (json_object_set_new(s.table, "params",
				json_pack("{s:I, s:s, s:O}", "building", (json_int_t)building,
					  "period", period, "state",
					  json_object_get(run, "state")))) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	/* one service: one unit, so the quantities add up */
	if ((s.service || s.code) && s.total_ok) {
		json_t *totals = json_pack("{s:s}", "number", report__tr(q, "Итого", "Total"));

		if (!totals || report__qty(totals, "quantity", &s.total) ||
		    json_object_set_new(s.table, "totals", totals)) {
			rc = AMR_ENOMEM;
			goto out_free;
		}
	}
	*out = s.table;
	s.table = NULL;
out_free:
	json_decref(s.table);
	json_decref(b);
	json_decref(org);
	json_decref(run);
	return rc;
}
