/*
 * Unit tests of services/billing/odn.c from the table in
 * tests/unit/billing_cases/odn.jsonl: the largest-remainder split by
 * area (remainders, ties by premises number, zero areas), ОДН's
 * difference, cap and percentage (negative, capped, uncapped), and the
 * proration of a month's quantity by days of holding.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "billing_table.h"
#include "odn.h"

static struct money_qty qty(const json_t *c, const char *s)
{
	struct jv_err err = { "" };
	struct money_qty q = { 0, 0 };

	ck_assert_msg(s && !money_qty_parse(s, "q", &q, &err), "%s: %s", billing_table_name(c),
		      err.msg);
	return q;
}

static void want_qty(const json_t *c, const char *what, const struct money_qty *q, const char *want)
{
	char buf[MONEY_STR_MAX];

	ck_assert_msg(!strcmp(money_qty_format(q, buf), want), "%s: %s is %s, not %s",
		      billing_table_name(c), what, buf, want);
}

static void split_case(const json_t *c, const json_t *in)
{
	struct odn_part parts[16];
	struct money_qty total = qty(c, json_string_value(json_object_get(in, "total")));
	json_t *p, *want = json_object_get(c, "want");
	size_t i, n = 0;
	amr_err rc;

	json_array_foreach(json_object_get(in, "parts"), i, p) {
		struct money_qty area = qty(c, json_string_value(json_array_get(p, 1)));
		int64_t a;

		ck_assert_int_eq(odn_units(&area, 2, &a), AMR_OK);
		parts[n++] = (struct odn_part){ (uint32_t)i + 1,
						json_string_value(json_array_get(p, 0)), a, 0, 0 };
	}
	rc = odn_split(total.v, parts, n);
	if (json_is_true(json_object_get(c, "error"))) {
		ck_assert_msg(rc == AMR_EINVAL, "%s: accepted", billing_table_name(c));
		return;
	}
	ck_assert_msg(rc == AMR_OK, "%s: refused", billing_table_name(c));
	for (i = 0; i < n; i++) {
		struct money_qty q = { parts[i].part, total.dec };

		want_qty(c, parts[i].number, &q, json_string_value(json_array_get(want, i)));
	}
}

static void balance_case(const json_t *c, const json_t *in)
{
	json_t *want = json_object_get(c, "want");
	struct odn_input oi = { qty(c, json_string_value(json_object_get(in, "house"))),
				qty(c, json_string_value(json_object_get(in, "premises"))),
				json_is_true(json_object_get(in, "uncapped")),
				json_object_get(in, "norm") != NULL,
				{ 0, 0 },
				0 };
	struct odn_result r;
	const char *pct = json_string_value(json_object_get(want, "percent"));
	char buf[MONEY_STR_MAX], *got;

	if (oi.has_norm) {
		struct money_qty area = qty(c,
					    json_string_value(json_object_get(in, "common_area")));

		oi.norm = qty(c, json_string_value(json_object_get(in, "norm")));
		ck_assert_int_eq(odn_units(&area, 2, &oi.common_area), AMR_OK);
	}
	ck_assert_msg(odn_balance(&oi, &r) == AMR_OK, "%s: refused", billing_table_name(c));
	want_qty(c, "diff", &r.diff, json_string_value(json_object_get(want, "diff")));
	want_qty(c, "cap", &r.cap, json_string_value(json_object_get(want, "cap")));
	want_qty(c, "distributed", &r.distributed,
		 json_string_value(json_object_get(want, "distributed")));
	want_qty(c, "excess", &r.excess, json_string_value(json_object_get(want, "excess")));
	ck_assert_msg(r.negative == json_is_true(json_object_get(want, "negative")), "%s: negative",
		      billing_table_name(c));
	ck_assert_msg(r.capped == json_is_true(json_object_get(want, "capped")), "%s: capped",
		      billing_table_name(c));
	got = odn_percent(&r.diff, &oi.house, buf);
	if (!pct)
		ck_assert_msg(got == NULL, "%s: a percentage %s", billing_table_name(c), buf);
	else
		ck_assert_msg(got && !strcmp(got, pct), "%s: percent %s", billing_table_name(c),
			      got ? got : "none");
}

static void prorate_case(const json_t *c, const json_t *in)
{
	struct odn_span spans[16];
	struct money_qty total = qty(c, json_string_value(json_object_get(in, "total")));
	json_t *s, *want = json_object_get(c, "want");
	size_t i, n = 0;
	amr_err rc;

	json_array_foreach(json_object_get(in, "spans"), i, s)
		spans[n++] = (struct odn_span){ (int)json_integer_value(json_array_get(s, 0)),
						(int)json_integer_value(json_array_get(s, 1)), 0 };
	rc = odn_prorate(total.v, (int)json_integer_value(json_object_get(in, "days")), spans, n);
	if (json_is_true(json_object_get(c, "error"))) {
		ck_assert_msg(rc == AMR_EINVAL, "%s: accepted", billing_table_name(c));
		return;
	}
	ck_assert_msg(rc == AMR_OK, "%s: refused", billing_table_name(c));
	for (i = 0; i < n; i++) {
		struct money_qty q = { spans[i].part, total.dec };

		want_qty(c, "part", &q, json_string_value(json_array_get(want, i)));
	}
}

static void run_case(const json_t *c)
{
	json_t *in;

	if ((in = json_object_get(c, "split")))
		split_case(c, in);
	else if ((in = json_object_get(c, "balance")))
		balance_case(c, in);
	else if ((in = json_object_get(c, "prorate")))
		prorate_case(c, in);
	else
		ck_abort_msg("%s: no split, balance or prorate", billing_table_name(c));
}

START_TEST(odn_from_the_table)
{
	billing_table_run("odn.jsonl", run_case, 20);
}
END_TEST

START_TEST(numbers_sort_as_people_read_them)
{
	ck_assert_int_eq(odn_number_cmp("9", "10"), -1);
	ck_assert_int_eq(odn_number_cmp("010", "10"), 0);
	ck_assert_int_eq(odn_number_cmp("10", "10а"), -1);
	ck_assert_int_eq(odn_number_cmp("Б", "А"), 1);
}
END_TEST

static Suite *odn_suite(void)
{
	Suite *s = suite_create("billing_odn");
	TCase *tc = tcase_create("odn");

	tcase_add_test(tc, odn_from_the_table);
	tcase_add_test(tc, numbers_sort_as_people_read_them);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(odn_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
