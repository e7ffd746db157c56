/*
 * Unit tests of penalties (services/billing/penalty.c), from
 * tests/unit/billing_cases/penalties.jsonl: an account's entries and
 * payments, the rate table, the calculation day; the penalty of each
 * principal piece, the total, and every row of the breakdown, worked by
 * hand to the kopeck in the table's comments.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "billing_cases.h"
#include "billing_table.h"
#include "penalty.h"

static void check_row(const char *name, const struct debt_alloc *a, const struct penalty_row *r,
		      size_t k, const json_t *w)
{
	char from[CAL_DATE_LEN], to[CAL_DATE_LEN], day[CAL_DATE_LEN], rate[RATES_PCT_LEN];

	cal_day_format(r->from, from);
	cal_day_format(r->to, to);
	cal_day_format(r->rate_day, day);
	rates_pct_format(r->rate, rate);
	ck_assert_msg(!strcmp(from, json_string_value(json_array_get(w, 0))) &&
			      !strcmp(to, json_string_value(json_array_get(w, 1))),
		      "%s: row %zu is %s..%s", name, k, from, to);
	ck_assert_msg(r->first == json_integer_value(json_array_get(w, 2)) &&
			      r->days == json_integer_value(json_array_get(w, 3)),
		      "%s: row %zu: day %d, %d days", name, k, r->first, r->days);
	ck_assert_msg(r->amount == bcase_money(json_array_get(w, 4)), "%s: row %zu amount %lld",
		      name, k, (long long)r->amount);
	ck_assert_msg(!strcmp(day, json_string_value(json_array_get(w, 5))) &&
			      !strcmp(rate, json_string_value(json_array_get(w, 6))),
		      "%s: row %zu rate %s of %s", name, k, rate, day);
	ck_assert_msg(!strcmp(penalty_why_name(r->why), json_string_value(json_array_get(w, 7))),
		      "%s: row %zu is %s", name, k, penalty_why_name(r->why));
	ck_assert_msg(r->penalty == bcase_money(json_array_get(w, 8)), "%s: row %zu penalty %lld",
		      name, k, (long long)r->penalty);
	ck_assert_msg(!strcmp(a->pieces[r->piece].period, json_string_value(json_array_get(w, 9))),
		      "%s: row %zu of %s", name, k, a->pieces[r->piece].period);
}

static void penalty_case(const json_t *c)
{
	const char *name = json_string_value(json_object_get(c, "case"));
	const char *error = json_string_value(json_object_get(c, "error"));
	const json_t *want = json_object_get(c, "penalties"), *rows = json_object_get(c, "rows");
	struct rates_entry *t;
	size_t n = bcase_rates(json_object_get(c, "rates"), &t), i, principal = 0;
	struct debt_alloc a;
	struct penalty_result res;
	struct jv_err err = { "" };
	const json_t *w;
	amr_err rc;

	ck_assert_msg(bcase_allocate(c, &a, &err) == AMR_OK, "%s: %s", name, err.msg);
	rc = penalty_compute(&a, t, n, &res, &err);
	free(t);
	if (error) {
		ck_assert_msg(rc == AMR_ENOTFOUND && !res.pieces && !res.rows, "%s: computed",
			      name);
		ck_assert_msg(!strcmp(err.msg, error), "%s: \"%s\"", name, err.msg);
		debt_alloc_free(&a);
		return;
	}
	ck_assert_msg(rc == AMR_OK, "%s: %s", name, err.msg);
	for (i = 0; i < a.npieces; i++) {
		const struct penalty_piece *pp = &res.pieces[i];

		if (a.pieces[i].kind == DEBT_PENALTY) {
			ck_assert_msg(pp->penalty == 0 && pp->nrows == 0,
				      "%s: a penalty on penalties", name);
			continue;
		}
		w = json_array_get(want, principal++);
		ck_assert_msg(
			w && !strcmp(a.pieces[i].period, json_string_value(json_array_get(w, 0))),
			"%s: piece %zu is %s", name, i, a.pieces[i].period);
		ck_assert_msg(pp->penalty == bcase_money(json_array_get(w, 1)),
			      "%s: %s penalty %lld", name, a.pieces[i].period,
			      (long long)pp->penalty);
		for (size_t k = pp->row; k < pp->row + pp->nrows; k++)
			ck_assert_msg(res.rows[k].piece == i, "%s: row %zu of another piece", name,
				      k);
	}
	ck_assert_msg(principal == json_array_size(want), "%s: %zu principal pieces", name,
		      principal);
	ck_assert_msg(res.total == bcase_money(json_object_get(c, "total")), "%s: total %lld", name,
		      (long long)res.total);
	ck_assert_msg(res.nrows == json_array_size(rows), "%s: %zu rows", name, res.nrows);
	json_array_foreach(rows, i, w)
		check_row(name, &a, &res.rows[i], i, w);
	penalty_result_free(&res);
	debt_alloc_free(&a);
}

START_TEST(penalties_from_the_table)
{
	billing_table_run("penalties.jsonl", penalty_case, 12);
}
END_TEST

/* The exact sum behind a row: amount x rate x days / (10^4 x 300 or 130),
 * here for the largest amount over a century, within the 128 bits. */
START_TEST(exact_without_overflow)
{
	struct rates_entry t[] = { { RATES_KEY_RATE, cal_day_of(1900, 1, 1), CAL_DAY_OPEN,
				     RATES_MAX } };
	struct debt_entry e = { "1900-01", DEBT_PRINCIPAL, cal_day_of(1900, 2, 10),
				cal_day_of(1900, 2, 1), MONEY_MAX };
	struct debt_alloc a;
	struct penalty_result res;
	struct jv_err err = { "" };
	cal_day at = cal_day_of(2999, 12, 31);
	__int128 want;

	ck_assert_int_eq(debt_allocate(&e, 1, NULL, 0, at, &a, &err), AMR_OK);
	ck_assert_int_eq(penalty_compute(&a, t, 1, &res, &err), AMR_OK);
	ck_assert_int_eq(res.nrows, 3);
	/* 60 days at 1/300 and the rest at 1/130 of 100 %, in 1/39000000 kopeck */
	want = (__int128)MONEY_MAX * 10000 * (60 * 13 + (__int128)(at - e.due - 90) * 30);
	ck_assert(res.rows[1].exact + res.rows[2].exact == want);
	ck_assert(res.pieces[0].penalty == (money_kop)money_round_div(want, PENALTY_DEN));
	penalty_result_free(&res);
	debt_alloc_free(&a);
}
END_TEST

static Suite *penalty_suite(void)
{
	Suite *s = suite_create("billing_penalty");
	TCase *tc = tcase_create("penalty");

	tcase_add_test(tc, penalties_from_the_table);
	tcase_add_test(tc, exact_without_overflow);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(penalty_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
