/*
 * Unit tests of the allocation of payments and the ages of debt
 * (services/billing/debt.c), from tests/unit/billing_cases/debts.jsonl: an
 * account's entries and payments, the calculation day, and for each piece
 * what paid it (day, amount, which payment) and what is still unpaid,
 * worked by hand to the kopeck; the bad journals refused with their
 * message.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing_cases.h"
#include "billing_table.h"

/* A part's source as the table writes it: the payment's index, or
 * "credit <period>". */
static bool source_is(const struct debt_alloc *a, const struct debt_part *p, const json_t *want)
{
	char credit[32];

	if (p->source >= 0)
		return json_is_integer(want) && json_integer_value(want) == p->source;
	snprintf(credit, sizeof credit, "credit %s", a->pieces[-1 - p->source].period);
	return json_is_string(want) && !strcmp(json_string_value(want), credit);
}

static void check_piece(const char *name, const struct debt_alloc *a, size_t i, const json_t *w)
{
	const struct debt_piece *pc = &a->pieces[i];
	const json_t *parts = json_array_get(w, 4), *wp;
	const char *kind = json_string_value(json_array_get(w, 1));
	size_t k;

	ck_assert_msg(!strcmp(pc->period, json_string_value(json_array_get(w, 0))),
		      "%s: piece %zu is %s", name, i, pc->period);
	ck_assert_msg(pc->kind == (!strcmp(kind, "penalty") ? DEBT_PENALTY : DEBT_PRINCIPAL),
		      "%s: piece %zu kind", name, i);
	ck_assert_msg(pc->amount == bcase_money(json_array_get(w, 2)), "%s: %s amount %lld", name,
		      pc->period, (long long)pc->amount);
	ck_assert_msg(pc->unpaid == bcase_money(json_array_get(w, 3)), "%s: %s %s unpaid %lld",
		      name, pc->period, kind, (long long)pc->unpaid);
	ck_assert_msg(pc->nparts == json_array_size(parts), "%s: %s %s has %zu parts", name,
		      pc->period, kind, pc->nparts);
	json_array_foreach(parts, k, wp) {
		const struct debt_part *p = &a->parts[pc->part + k];
		char day[CAL_DATE_LEN];

		ck_assert_msg(p->piece == i, "%s: part of another piece", name);
		ck_assert_msg(!strcmp(cal_day_format(p->date, day),
				      json_string_value(json_array_get(wp, 0))),
			      "%s: %s part %zu on %s", name, pc->period, k, day);
		ck_assert_msg(p->amount == bcase_money(json_array_get(wp, 1)),
			      "%s: %s part %zu of %lld", name, pc->period, k, (long long)p->amount);
		ck_assert_msg(source_is(a, p, json_array_get(wp, 2)), "%s: %s part %zu from %d",
			      name, pc->period, k, p->source);
	}
}

static void check_ages(const char *name, const struct debt_alloc *a, const json_t *w)
{
	struct debt_ages ages;

	debt_ages(a, &ages);
	for (int g = 0; g < DEBT_AGE_END; g++) {
		ck_assert_msg(ages.principal[g] == bcase_money(json_array_get(
							   json_object_get(w, "principal"), g)),
			      "%s: principal %s %lld", name, debt_age_name(g),
			      (long long)ages.principal[g]);
		ck_assert_msg(ages.penalty[g] ==
				      bcase_money(json_array_get(json_object_get(w, "penalty"), g)),
			      "%s: penalty %s %lld", name, debt_age_name(g),
			      (long long)ages.penalty[g]);
	}
}

static void debt_case(const json_t *c)
{
	const char *name = json_string_value(json_object_get(c, "case"));
	const char *error = json_string_value(json_object_get(c, "error"));
	const json_t *pieces = json_object_get(c, "pieces"), *w;
	struct debt_alloc a;
	struct jv_err err = { "" };
	amr_err rc = bcase_allocate(c, &a, &err);
	size_t i, parts = 0;

	if (error) {
		ck_assert_msg(rc == AMR_EINVAL && !a.pieces && !a.parts, "%s: accepted", name);
		ck_assert_msg(!strcmp(err.msg, error), "%s: \"%s\"", name, err.msg);
		return;
	}
	ck_assert_msg(rc == AMR_OK, "%s: %s", name, err.msg);
	ck_assert_msg(a.npieces == json_array_size(pieces), "%s: %zu pieces", name, a.npieces);
	json_array_foreach(pieces, i, w) {
		check_piece(name, &a, i, w);
		parts += a.pieces[i].nparts;
	}
	ck_assert_msg(parts == a.nparts, "%s: parts of no piece", name);
	ck_assert_msg(a.advance == bcase_money(json_object_get(c, "advance")), "%s: advance %lld",
		      name, (long long)a.advance);
	if (json_object_get(c, "ages"))
		check_ages(name, &a, json_object_get(c, "ages"));
	debt_alloc_free(&a);
}

START_TEST(allocations_from_the_table)
{
	billing_table_run("debts.jsonl", debt_case, 20);
}
END_TEST

/* Money is neither made nor lost: what the payments bring is what paid the
 * pieces plus the advance, whatever the order. */
START_TEST(money_is_kept)
{
	struct debt_entry e[12];
	struct debt_payment p[8];
	struct jv_err err = { "" };

	for (int round = 0; round < 200; round++) {
		struct debt_alloc a;
		money_kop in = 0, paid = 0, owed = 0, unpaid = 0;
		unsigned seed = (unsigned)round * 2654435761u;

		for (int i = 0; i < 12; i++) {
			seed = seed * 1103515245u + 12345u;
			snprintf(e[i].period, sizeof e[i].period, "2026-%02d", i % 6 + 1);
			e[i].kind = i >= 9 ? DEBT_PENALTY : DEBT_PRINCIPAL;
			e[i].due = cal_day_of(2026, i % 6 + 2, 10);
			e[i].date = cal_day_of(2026, i % 6 + 2, 1) + (int)(seed >> 28);
			e[i].amount = (money_kop)(seed >> 12) % 500000 + (i >= 9 ? 1 : -40000);
		}
		for (int j = 0; j < 8; j++) {
			seed = seed * 1103515245u + 12345u;
			p[j] = (struct debt_payment){ cal_day_of(2026, 2, 1) + j * 25,
						      (money_kop)(seed >> 12) % 400000 + 1, "",
						      (seed & 1) != 0, CAL_DAY_NONE };
			if (seed & 2)
				snprintf(p[j].period, sizeof p[j].period, "2026-%02d", j % 6 + 1);
			if ((seed & 12) == 12)
				p[j].reversed = p[j].date + 10;
			if (p[j].reversed == CAL_DAY_NONE || p[j].reversed > cal_day_of(2026, 9, 1))
				in += p[j].amount;
		}
		ck_assert_msg(!debt_allocate(e, 12, p, 8, cal_day_of(2026, 9, 1), &a, &err), "%s",
			      err.msg);
		for (size_t i = 0; i < a.npieces; i++) {
			if (a.pieces[i].amount < 0)
				in += -a.pieces[i].amount; /* a credit brings money too */
			else
				owed += a.pieces[i].amount;
			unpaid += a.pieces[i].unpaid;
		}
		for (size_t k = 0; k < a.nparts; k++)
			paid += a.parts[k].amount;
		ck_assert_int_eq(in, paid + a.advance);
		ck_assert_int_eq(owed, paid + unpaid);
		ck_assert_msg(a.advance == 0 || unpaid == 0, "an advance beside unpaid debt");
		debt_alloc_free(&a);
	}
}
END_TEST

static Suite *debt_suite(void)
{
	Suite *s = suite_create("billing_debt");
	TCase *tc = tcase_create("debt");

	tcase_add_test(tc, allocations_from_the_table);
	tcase_add_test(tc, money_is_kept);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(debt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
