/*
 * billing_cases.h - reading the tables of tests/unit/billing_cases/ for
 * the tests of amr-billing's debt arithmetic: one case a line, a JSON
 * object; any other line (a "#" comment, a blank) is skipped, so each
 * table can carry its working by hand.
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

/* Call fn with each case (borrowed) of billing_cases/<file> under
 * $AMR_SRC_DIR. Returns how many there were. */
int bcase_each(const char *file, void (*fn)(const json_t *c));

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
