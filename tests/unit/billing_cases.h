/*
 * billing_cases.h - the values of the cases of amr-billing's debt
 * arithmetic (tests/unit/billing_cases/, read with billing_table_run()):
 * dates, amounts, rate and calendar tables, an allocation.
 *
 * The readers fail the running test (ck_assert) on a malformed case.
 */
#ifndef AMR_TESTS_BILLING_CASES_H
#define AMR_TESTS_BILLING_CASES_H

#include <stddef.h>

#include <jansson.h>

#include "calendar.h"
#include "debt.h"
#include "money.h"
#include "rates.h"

/* A date string ("2026-10-12") as a day; JSON null or absent: CAL_DAY_NONE. */
cal_day bcase_day(const json_t *v);

/* A money string ("1234.56", "-5.00") as kopecks. */
money_kop bcase_money(const json_t *v);

/* The `rate` records of arr as a table: *out new (free()), returns n. */
size_t bcase_rates(const json_t *arr, struct rates_entry **out);

/* The calendar exceptions [["2027-01-07",false],..] of arr: *out new. */
size_t bcase_calendar(const json_t *arr, struct cal_exception **out);

/*
 * The allocation of case c: its "entries" [[period, "principal"|"penalty",
 * due, booked, amount],..] (a due of "" is the period's due date by the
 * case's "due_day" (default 10) and "calendar"), its "payments"
 * [{"date","amount","period"?,"penalties_first"?,"reversed"?},..], at its
 * "at". Returns debt_allocate()'s code; err gets its message.
 */
amr_err bcase_allocate(const json_t *c, struct debt_alloc *a, struct jv_err *err);

#endif
