/*
 * billing_cases.c - the table readers of the debt arithmetic's tests.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing_cases.h"

cal_day bcase_day(const json_t *v)
{
	cal_day d = CAL_DAY_NONE;

	if (!v || json_is_null(v))
		return CAL_DAY_NONE;
	ck_assert_msg(cal_day_parse(json_string_value(v), &d), "not a date: %s",
		      json_string_value(v));
	return d;
}

money_kop bcase_money(const json_t *v)
{
	struct jv_err err = { "" };
	money_kop k = 0;

	ck_assert_msg(json_is_string(v), "an amount is a string");
	ck_assert_msg(!money_parse(json_string_value(v), "amount", true, &k, &err), "%s", err.msg);
	return k;
}

/* Room for an element of size bytes for each of arr's (new, zeroed). */
static void *room(const json_t *arr, size_t size)
{
	void *p = calloc(json_array_size(arr) + 1, size);

	ck_assert_ptr_nonnull(p);
	return p;
}

size_t bcase_rates(const json_t *arr, struct rates_entry **out)
{
	struct rates_entry *t = room(arr, sizeof *t);
	struct jv_err err = { "" };
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		ck_assert_msg(!rates_entry_read(v, &t[i], &err), "rates[%zu]: %s", i, err.msg);
	*out = t;
	return json_array_size(arr);
}

size_t bcase_calendar(const json_t *arr, struct cal_exception **out)
{
	struct cal_exception *ex = room(arr, sizeof *ex);
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		ex[i] = (struct cal_exception){ bcase_day(json_array_get(v, 0)),
						json_is_true(json_array_get(v, 1)) };
	*out = ex;
	return json_array_size(arr);
}

/* The due date of an entry whose due is "": by the case's calendar. */
static cal_day due_of(const json_t *c, const char *period)
{
	struct cal_exception *ex;
	size_t n = bcase_calendar(json_object_get(c, "calendar"), &ex);
	json_t *dd = json_object_get(c, "due_day");
	struct jv_err err = { "" };
	cal_day due = CAL_DAY_NONE;
	int y, m;

	ck_assert_msg(cal_period_parse(period, &y, &m), "period %s", period);
	ck_assert_msg(!cal_due_date(y, m, dd ? (int)json_integer_value(dd) : CAL_DUE_DAY_DEFAULT,
				    ex, n, &due, &err),
		      "%s", err.msg);
	free(ex);
	return due;
}

static void entry_of(const json_t *c, const json_t *v, struct debt_entry *e)
{
	const char *period = json_string_value(json_array_get(v, 0));
	const char *kind = json_string_value(json_array_get(v, 1));
	const char *due = json_string_value(json_array_get(v, 2));

	ck_assert_msg(period && kind && due && json_array_size(v) == 5, "a bad entry");
	snprintf(e->period, sizeof e->period, "%s", period);
	e->kind = !strcmp(kind, "penalty") ? DEBT_PENALTY : DEBT_PRINCIPAL;
	e->due = *due ? bcase_day(json_array_get(v, 2)) : due_of(c, period);
	e->date = bcase_day(json_array_get(v, 3));
	e->amount = bcase_money(json_array_get(v, 4));
}

static void payment_of(const json_t *v, struct debt_payment *p)
{
	const char *period = json_string_value(json_object_get(v, "period"));

	p->date = bcase_day(json_object_get(v, "date"));
	p->amount = bcase_money(json_object_get(v, "amount"));
	snprintf(p->period, sizeof p->period, "%s", period ? period : "");
	p->penalties_first = json_is_true(json_object_get(v, "penalties_first"));
	p->reversed = bcase_day(json_object_get(v, "reversed"));
}

amr_err bcase_allocate(const json_t *c, struct debt_alloc *a, struct jv_err *err)
{
	const json_t *ea = json_object_get(c, "entries"), *pa = json_object_get(c, "payments");
	size_t ne = json_array_size(ea), np = json_array_size(pa), i;
	struct debt_entry *e = room(ea, sizeof *e);
	struct debt_payment *p = room(pa, sizeof *p);
	json_t *v;
	amr_err rc;

	json_array_foreach(ea, i, v)
		entry_of(c, v, &e[i]);
	json_array_foreach(pa, i, v)
		payment_of(v, &p[i]);
	rc = debt_allocate(e, ne, p, np, bcase_day(json_object_get(c, "at")), a, err);
	free(e);
	free(p);
	return rc;
}
