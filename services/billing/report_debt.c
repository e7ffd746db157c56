/*
 * report_debt.c - the debtors report: what billing/debtors answers
 * (debtrpc.h), every debtor a row with the ages of its debt.
 */
#include <stdio.h>
#include <string.h>

#include "debtrpc.h"
#include "reportint.h"

/* The ages of acctdebt.h, as the debtors answer names them. */
static const char *const ages[] = { "not_due", "under_1m", "1_3m", "3_6m", "over_6m" };
#define NAGES (sizeof ages / sizeof ages[0])

/* The money cells of a row, added up in the totals. */
static const char *const sums[] = { "balance", "overdue", "not_due",   "under_1m", "1_3m",
				    "3_6m",    "over_6m", "penalties", NULL };

static json_t *debtor_row(const json_t *d)
{
	const json_t *ages_o = json_object_get(d, "ages"), *lp = json_object_get(d, "last_payment");
	char premises[512] = "";
	size_t i, len = 0;
	json_t *p, *row;

	json_array_foreach(json_object_get(d, "premises"), i, p) {
		const char *num = json_string_value(json_object_get(p, "number")) ?: "";

		if (len + strlen(num) + 3 < sizeof premises)
			len += (size_t)snprintf(premises + len, sizeof premises - len, "%s%s",
						len ? ", " : "", num);
	}
	row = json_pack(
		"{s:O, s:O, s:s, s:s, s:O, s:O, s:O}", "account", json_object_get(d, "account"),
		"number", json_object_get(d, "number"), "holder",
		json_string_value(json_object_get(json_object_get(d, "holder"), "name")) ?: "",
		"premises", premises, "balance", json_object_get(d, "balance"), "overdue",
		json_object_get(d, "overdue"), "penalties",
		json_object_get(json_object_get(d, "penalties"), "accrued"));
	for (i = 0; row && i < NAGES; i++)
		json_object_set(row, ages[i], json_object_get(ages_o, ages[i]));
	if (row && json_is_object(lp)) {
		json_object_set(row, "last_payment", json_object_get(lp, "date"));
		json_object_set(row, "last_payment_amount", json_object_get(lp, "amount"));
	}
	return row;
}

int report__debtors(const struct report__ask *q, json_t **out)
{
	static const struct report__col cols[] = {
		{ "number", "Лицевой счёт", "Account", "text" },
		{ "holder", "Владелец", "Holder", "text" },
		{ "premises", "Помещение", "Premises", "text" },
		{ "balance", "Сальдо, ₽", "Balance, ₽", "money" },
		{ "overdue", "Просрочено, ₽", "Overdue, ₽", "money" },
		{ "not_due", "Срок не наступил, ₽", "Not due, ₽", "money" },
		{ "under_1m", "До 1 мес., ₽", "Under 1 month, ₽", "money" },
		{ "1_3m", "1-3 мес., ₽", "1-3 months, ₽", "money" },
		{ "3_6m", "3-6 мес., ₽", "3-6 months, ₽", "money" },
		{ "over_6m", "Более 6 мес., ₽", "Over 6 months, ₽", "money" },
		{ "penalties", "Пени, ₽", "Penalties, ₽", "money" },
		{ "last_payment", "Последняя оплата", "Last payment", "date" },
	};
	static const char *const passed[] = {
		"org", "date", "building", "group", "min_debt", NULL
	};
	money_kop total[sizeof sums / sizeof sums[0]] = { 0 };
	json_t *args = json_object(), *res = NULL, *table = NULL, *d, *totals = NULL, *org = NULL;
	char subtitle[512];
	struct jv_err e;
	size_t i;
	int rc;

	if (!args)
		return AMR_ENOMEM;
	for (i = 0; passed[i]; i++)
		if (json_object_get(q->args, passed[i]))
			json_object_set(args, passed[i], json_object_get(q->args, passed[i]));
	json_object_set_new(args, "limit", json_integer(10000)); /* every debtor */
	if ((rc = debtrpc_debtors(q->r->l, q->r->j, q->txn, args, &res, q->err)))
		goto out_free;
	if ((rc = ledger_get(q->r->l, q->txn, MODEL_ORG,
			     (uint32_t)json_integer_value(json_object_get(res, "org")), &org)))
		goto out_free;
	snprintf(subtitle, sizeof subtitle, report__tr(q, "%s, на %s", "%s, at %s"),
		 json_string_value(json_object_get(org, "name")) ?: "",
		 json_string_value(json_object_get(res, "date")) ?: "");
	if (!(table = report__table(q, "debtors", report__tr(q, "Должники", "Debtors"), subtitle,
				    cols, sizeof cols / sizeof cols[0], true))) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	json_array_foreach(json_object_get(res, "debtors"), i, d) {
		json_t *row = debtor_row(d);

		for (size_t k = 0; row && sums[k]; k++) {
			money_kop v = 0;

			money_parse(json_string_value(json_object_get(row, sums[k])), sums[k], true,
				    &v, &e);
			total[k] += v;
		}
		if ((rc = report__row(table, row)))
			goto out_free;
	}
	if (!(totals = json_pack("{s:s, s:O}", "number", report__tr(q, "Итого", "Total"), "count",
				 json_object_get(res, "count")))) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	for (size_t k = 0; !rc && sums[k]; k++)
		rc = report__money(totals, sums[k], total[k]);
	json_object_del(args, "limit");
	if (rc || json_object_set(table, "totals", totals) ||
	    json_object_set(table, "params", args) ||
	    json_object_set_new(table, "chart",
				json_pack("{s:s, s:s, s:[s, s, s, s], s:s}", "kind", "bar", "x",
					  "number", "y", "under_1m", "1_3m", "3_6m", "over_6m",
					  "title",
					  report__tr(q, "Долг по срокам", "Debt by age")))) {
		rc = rc ? rc : AMR_ENOMEM;
		goto out_free;
	}
	json_object_set(json_object_get(table, "params"), "date", json_object_get(res, "date"));
	*out = table;
	table = NULL;
out_free:
	json_decref(totals);
	json_decref(table);
	json_decref(res);
	json_decref(org);
	json_decref(args);
	return rc;
}
