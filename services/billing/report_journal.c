/*
 * report_journal.c - the reports read from the journal: the turnover
 * sheet (оборотно-сальдовая ведомость) and the payments register.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reportint.h"

/* The columns of money a turnover row adds up. */
enum turn_col {
	T_OPENING,
	T_CHARGES,
	T_PAYMENTS,
	T_PENALTIES,
	T_OTHER,
	T_CLOSING,
	T_END
};

static const char *const turn_keys[T_END] = { "opening",   "charges", "payments",
					      "penalties", "other",   "closing" };

struct turnover {
	const struct report__ask *q;
	char from[CAL_DATE_LEN], to[CAL_DATE_LEN];
	money_kop sum[T_END]; /* of the account being read */
	money_kop total[T_END];
	json_t *table;
};

static int turn_entry(const struct journal_entry *e, void *arg)
{
	struct turnover *t = arg;

	if (strcmp(e->date, t->to) > 0)
		return 1;
	if (strcmp(e->date, t->from) < 0) {
		t->sum[T_OPENING] += e->amount;
		return 0;
	}
	switch (e->kind) {
	case JOURNAL_CHARGE:
		t->sum[T_CHARGES] += e->amount;
		break;
	case JOURNAL_PAYMENT: /* money received, shown as a positive amount */
		t->sum[T_PAYMENTS] -= e->amount;
		break;
	case JOURNAL_PENALTY:
		t->sum[T_PENALTIES] += e->amount;
		break;
	default: /* openings, adjustments, reversals */
		t->sum[T_OTHER] += e->amount;
		break;
	}
	return 0;
}

static int turn_account(const struct report__account *a, void *arg)
{
	struct turnover *t = arg;
	json_t *row;
	int rc;

	memset(t->sum, 0, sizeof t->sum);
	if ((rc = journal_scan(t->q->r->j, t->q->txn, a->id, NULL, NULL, turn_entry, t)))
		return rc;
	t->sum[T_CLOSING] = t->sum[T_OPENING] + t->sum[T_CHARGES] - t->sum[T_PAYMENTS] +
			    t->sum[T_PENALTIES] + t->sum[T_OTHER];
	row = json_pack(
		"{s:I, s:O, s:s, s:s}", "account", (json_int_t)a->id, "number",
		json_object_get(a->rec, "number"), "holder",
		json_string_value(json_object_get(json_object_get(a->rec, "holder"), "name")) ?: "",
		"premises", a->premises);
	for (int c = 0; row && c < T_END; c++) {
		t->total[c] += t->sum[c];
		if (report__money(row, turn_keys[c], t->sum[c])) {
			json_decref(row);
			row = NULL;
		}
	}
	return report__row(t->table, row);
}

int report__turnover(const struct report__ask *q, json_t **out)
{
	static const struct report__col cols[] = {
		{ "number", "Лицевой счёт", "Account", "text" },
		{ "holder", "Владелец", "Holder", "text" },
		{ "premises", "Помещение", "Premises", "text" },
		{ "opening", "Сальдо на начало, ₽", "Opening balance, ₽",
		  "money" },
		{ "charges", "Начислено, ₽", "Charged, ₽", "money" },
		{ "payments", "Оплачено (поступило), ₽", "Paid (received), ₽",
		  "money" },
		{ "penalties", "Пени, ₽", "Penalties, ₽", "money" },
		{ "other", "Корректировки и сторно, ₽",
		  "Adjustments and reversals, ₽", "money" },
		{ "closing", "Сальдо на конец, ₽", "Closing balance, ₽", "money" },
	};
	struct report__span sp;
	struct turnover t = { .q = q };
	json_t *totals = NULL;
	int rc;

	if ((rc = report__span_args(q, &sp)))
		goto out_span;
	cal_day_format(sp.from, t.from);
	cal_day_format(sp.to, t.to);
	if (!(t.table = report__table(
		      q, "turnover",
		      report__tr(q, "Оборотно-сальдовая ведомость", "Turnover balance sheet"),
		      sp.subtitle, cols, sizeof cols / sizeof cols[0], true))) {
		rc = AMR_ENOMEM;
		goto out_span;
	}
	if ((rc = report__accounts(q, sp.org, sp.building, sp.from, sp.to, turn_account, &t)))
		goto out_span;
	report__sort_rows(t.table, "number");
	totals = json_pack("{s:s}", "number", report__tr(q, "Итого", "Total"));
	for (int c = 0; totals && c < T_END; c++)
		if (report__money(totals, turn_keys[c], t.total[c]))
			rc = AMR_ENOMEM;
	if (rc) {
		json_decref(totals);
		goto out_span;
	}
	if (!totals || json_object_set_new(t.table, "totals", totals) ||
	    json_object_set_new(t.table, "params", report__span_params(&sp)) ||
	    json_object_set_new(
		    t.table, "chart",
		    json_pack("{s:s, s:s, s:[s, s], s:s}", "kind", "bar", "x", "number", "y",
			      "charges", "payments", "title",
			      report__tr(q, "Начислено и оплачено", "Charged and paid")))) {
		rc = AMR_ENOMEM;
		goto out_span;
	}
	*out = t.table;
	t.table = NULL;
out_span:
	json_decref(t.table);
	report__span_free(&sp);
	return rc;
}

/* The payments register. */
struct payreg {
	const struct report__ask *q;
	char from[CAL_DATE_LEN], to[CAL_DATE_LEN];
	const struct report__account *a; /* the account being read */
	json_t *rows;			 /* the rows, not yet sorted */
	json_t *names;			 /* import id -> its file's name */
	money_kop total;
};

/* The name of registry import id, looked up once ("" when unknown). */
static const char *import_name(struct payreg *p, uint32_t id)
{
	char key[16];
	json_t *v, *rec = NULL;

	snprintf(key, sizeof key, "%u", id);
	if ((v = json_object_get(p->names, key)))
		return json_string_value(v);
	if (recstore_get(p->q->r->imports, p->q->txn, id, &rec) == AMR_OK) {
		json_object_set(p->names, key, json_object_get(rec, "name"));
		json_decref(rec);
	}
	if (!json_object_get(p->names, key))
		json_object_set_new(p->names, key, json_string(""));
	return json_string_value(json_object_get(p->names, key));
}

/* Where a payment or reversal came from, for a person. */
static void source_of(struct payreg *p, const struct journal_entry *e, char *buf, size_t size)
{
	const json_t *r = e->rec;
	const char *actor = json_string_value(json_object_get(r, "actor")) ?: "";
	const char *bank = json_string_value(json_object_get(r, "bank"));
	json_t *imp = json_object_get(r, "import");

	if (e->kind == JOURNAL_REVERSAL)
		snprintf(buf, size,
			 report__tr(p->q, "сторно записи %lld (%s)", "reversal of %lld (%s)"),
			 (long long)json_integer_value(json_object_get(r, "reverses")), actor);
	else if (json_is_integer(imp))
		snprintf(buf, size,
			 report__tr(p->q, "%s, реестр %s, строка %lld%s",
				    "%s, registry %s, line %lld%s"),
			 bank ? bank : "", import_name(p, (uint32_t)json_integer_value(imp)),
			 (long long)json_integer_value(json_object_get(r, "line")),
			 json_object_get(r, "suspense")
				 ? report__tr(p->q, " (из невыясненных)", " (from suspense)")
				 : "");
	else
		snprintf(buf, size, report__tr(p->q, "введён: %s", "entered by %s"), actor);
}

static int pay_entry(const struct journal_entry *e, void *arg)
{
	struct payreg *p = arg;
	char source[600];
	json_t *row;

	if (strcmp(e->date, p->to) > 0)
		return 1;
	if (e->kind != JOURNAL_PAYMENT && e->kind != JOURNAL_REVERSAL)
		return 0;
	source_of(p, e, source, sizeof source);
	/* received money is plus; a reversal takes it back, minus */
	p->total -= e->amount;
	row = json_pack(
		"{s:s, s:I, s:I, s:O, s:s, s:s, s:s, s:s, s:s}", "date", e->date, "seq",
		(json_int_t)e->seq, "account", (json_int_t)e->account, "number",
		json_object_get(p->a->rec, "number"), "holder",
		json_string_value(json_object_get(json_object_get(p->a->rec, "holder"), "name"))
			?: "",
		"kind", journal_kind_name(e->kind), "source", source, "reference",
		json_string_value(json_object_get(e->rec, "payment")) ?: "", "payer",
		json_string_value(json_object_get(e->rec, "payer")) ?: "");
	if (!row || report__money(row, "amount", -e->amount)) {
		json_decref(row);
		return AMR_ENOMEM;
	}
	return json_array_append_new(p->rows, row) ? AMR_ENOMEM : 0;
}

static int pay_account(const struct report__account *a, void *arg)
{
	struct payreg *p = arg;

	p->a = a;
	return journal_scan(p->q->r->j, p->q->txn, a->id, p->from, NULL, pay_entry, p);
}

/* Date, then the order written. */
static int pay_cmp(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	int c = strcmp(json_string_value(json_object_get(a, "date")),
		       json_string_value(json_object_get(b, "date")));
	json_int_t sa = json_integer_value(json_object_get(a, "seq"));
	json_int_t sb = json_integer_value(json_object_get(b, "seq"));

	return c ? c : sa < sb ? -1 : sa > sb;
}

/* p's rows sorted into table, and the sums of each day into days. */
static int pay_rows(struct payreg *p, json_t *table, json_t *days)
{
	size_t n = json_array_size(p->rows);
	json_t **v = malloc((n ? n : 1) * sizeof *v), *day = NULL;
	money_kop sum = 0;
	int rc = 0;

	if (!v)
		return AMR_ENOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(p->rows, i);
	qsort(v, n, sizeof *v, pay_cmp);
	for (size_t i = 0; !rc && i < n; i++) {
		const char *date = json_string_value(json_object_get(v[i], "date"));
		money_kop amt;
		struct jv_err e;

		money_parse(json_string_value(json_object_get(v[i], "amount")), "amount", true,
			    &amt, &e);
		if (day && strcmp(json_string_value(json_object_get(day, "date")), date)) {
			rc = report__money(day, "amount", sum);
			day = NULL;
		}
		if (!day) {
			sum = 0;
			if (!(day = json_pack("{s:s, s:i}", "date", date, "count", 0)) ||
			    json_array_append_new(days, day))
				rc = AMR_ENOMEM;
		}
		sum += amt;
		json_object_set_new(
			day, "count",
			json_integer(json_integer_value(json_object_get(day, "count")) + 1));
		if (report__row(table, json_incref(v[i])))
			rc = AMR_ENOMEM;
	}
	if (!rc && day)
		rc = report__money(day, "amount", sum);
	free(v);
	return rc;
}

int report__payments(const struct report__ask *q, json_t **out)
{
	static const struct report__col cols[] = {
		{ "date", "Дата", "Date", "date" },
		{ "number", "Лицевой счёт", "Account", "text" },
		{ "holder", "Владелец", "Holder", "text" },
		{ "amount", "Сумма, ₽ (сторно с минусом)",
		  "Amount, ₽ (reversals negative)", "money" },
		{ "source", "Источник", "Source", "text" },
		{ "reference", "Номер платежа", "Reference", "text" },
		{ "payer", "Плательщик", "Payer", "text" },
	};
	struct report__span sp;
	struct payreg p = { .q = q, .rows = json_array(), .names = json_object() };
	json_t *table = NULL, *days = json_array();
	int rc;

	if ((rc = report__span_args(q, &sp)))
		goto out_free;
	if (!p.rows || !p.names || !days) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	cal_day_format(sp.from, p.from);
	cal_day_format(sp.to, p.to);
	if (!(table = report__table(q, "payments",
				    report__tr(q, "Реестр платежей", "Payments register"),
				    sp.subtitle, cols, sizeof cols / sizeof cols[0], true)) ||
	    (rc = report__accounts(q, sp.org, sp.building, sp.from, sp.to, pay_account, &p)) ||
	    (rc = pay_rows(&p, table, days)))
		goto out_free;
	if (!table ||
	    json_object_set_new(table, "totals",
				json_pack("{s:s, s:s, s:I}", "number",
					  report__tr(q, "Итого", "Total"), "amount", "0.00",
					  "count", (json_int_t)json_array_size(p.rows))) ||
	    report__money(json_object_get(table, "totals"), "amount", p.total) ||
	    json_object_set(table, "days", days) ||
	    json_object_set_new(table, "params", report__span_params(&sp)) ||
	    json_object_set_new(
		    table, "chart",
		    json_pack("{s:s, s:s, s:[s], s:s}", "kind", "bar", "x", "date", "y", "amount",
			      "title",
			      report__tr(q, "Поступления по датам", "Payments by date")))) {
		rc = rc ? rc : AMR_ENOMEM;
		goto out_free;
	}
	*out = table;
	table = NULL;
out_free:
	json_decref(table);
	json_decref(days);
	json_decref(p.rows);
	json_decref(p.names);
	report__span_free(&sp);
	return rc;
}
