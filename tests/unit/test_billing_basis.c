/*
 * Unit tests of services/billing/basis.c (meter, average or norm) from
 * tests/unit/billing_cases/basis.jsonl: the months available, a flat or a
 * non-residential premises, months of average in a row, the heating
 * season; and of services/billing/month.c: a period's days and the UTC
 * bounds of its local days.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "basis.h"
#include "billing_table.h"

static struct money_qty qty(const char *s)
{
	struct jv_err err = { "" };
	struct money_qty q = { 0, 0 };

	ck_assert_msg(s && !money_qty_parse(s, "q", &q, &err), "%s", err.msg);
	return q;
}

static void run_case(const json_t *c)
{
	const char *name = billing_table_name(c);
	json_t *in = json_object_get(c, "in"), *want = json_object_get(c, "want"), *h;
	struct basis_month hist[BASIS_HIST_MAX];
	struct basis_in bi = { 0 };
	struct basis_choice out;
	struct jv_err err = { "" };
	const char *wq = json_string_value(json_object_get(want, "qty"));
	char buf[MONEY_STR_MAX];
	size_t i;

	ck_assert_int_eq(month_parse(json_string_value(json_object_get(in, "period")), "period",
				     &bi.period, &err),
			 AMR_OK);
	bi.usable = json_is_true(json_object_get(in, "usable"));
	bi.residential = json_is_true(json_object_get(in, "residential"));
	bi.heat = json_is_true(json_object_get(in, "heat"));
	bi.heating_months = BASIS_HEATING_DEFAULT;
	json_array_foreach(json_object_get(in, "hist"), i, h) {
		struct basis_month *m = &hist[bi.nhist++];

		memset(m, 0, sizeof *m);
		ck_assert_int_eq(
			month_parse(json_string_value(json_array_get(h, 0)), "m", &m->m, &err),
			AMR_OK);
		m->basis = (enum basis_kind)basis_parse(json_string_value(json_array_get(h, 1)));
		m->qty = qty(json_string_value(json_array_get(h, 2)));
		for (size_t z = 3; z < json_array_size(h); z++)
			m->zone[m->nzones++] = qty(json_string_value(json_array_get(h, z)));
	}
	bi.hist = hist;
	ck_assert_int_eq(basis_choose(&bi, &out), AMR_OK);
	ck_assert_msg(
		!strcmp(basis_name(out.basis), json_string_value(json_object_get(want, "basis"))),
		"%s: %s (%s)", name, basis_name(out.basis), out.why);
	if (json_object_get(want, "in_row"))
		ck_assert_msg(out.in_row == json_integer_value(json_object_get(want, "in_row")),
			      "%s: %d in a row", name, out.in_row);
	if (json_object_get(want, "months"))
		ck_assert_msg(out.months == json_integer_value(json_object_get(want, "months")),
			      "%s: %d months", name, out.months);
	if (wq)
		ck_assert_msg(!strcmp(money_qty_format(&out.qty, buf), wq), "%s: average %s", name,
			      buf);
	ck_assert_msg(out.nzones == json_array_size(json_object_get(want, "zones")),
		      "%s: %zu zones", name, out.nzones);
	for (i = 0; i < out.nzones; i++)
		ck_assert_msg(!strcmp(money_qty_format(&out.zone[i], buf),
				      json_string_value(
					      json_array_get(json_object_get(want, "zones"), i))),
			      "%s: zone %zu %s", name, i, buf);
	if (out.basis != BASIS_METER)
		ck_assert_msg(out.why[0], "%s: no reason", name);
}

START_TEST(basis_from_the_table)
{
	billing_table_run("basis.jsonl", run_case, 15);
}
END_TEST

START_TEST(months_and_their_days)
{
	struct jv_err err = { "" };
	struct month m;
	int64_t t[MONTH_DAYS_MAX + 1];
	char buf[16];

	ck_assert_int_eq(month_parse("2026-13", "period", &m, &err), AMR_EINVAL);
	ck_assert_str_eq(err.msg, "period: \"2026-13\" is not a month (YYYY-MM, e.g. \"2026-10\")");
	ck_assert_int_eq(month_parse("2028-02", "period", &m, &err), AMR_OK);
	ck_assert_int_eq(month_days(&m), 29);
	ck_assert_str_eq(month_date(&m, 29, buf), "2028-03-01");
	ck_assert_int_eq(month_day_index(&m, "2028-01-15"), 0);
	ck_assert_int_eq(month_day_index(&m, "2028-02-15"), 14);
	ck_assert_int_eq(month_day_index(&m, "2028-03-01"), 29);
	ck_assert_int_eq(month_day_index(&m, NULL), 29);
	m = month_add(m, -2);
	ck_assert_str_eq(month_format(&m, buf), "2027-12");
	ck_assert_int_eq(month_diff(&m, &(struct month){ 2028, 2 }), 2);

	/* Moscow: UTC+3 all year; 2026-10-01 00:00 MSK is 2026-09-30 21:00 UTC */
	ck_assert_int_eq(month_parse("2026-10", "period", &m, &err), AMR_OK);
	ck_assert_int_eq(month_utc_days(&m, "Europe/Moscow", t), AMR_OK);
	ck_assert_int_eq(t[0], 1790802000);
	ck_assert_int_eq(t[31] - t[0], 31 * 86400);
	/* Berlin: summer time ends on 25 October 2026, a day of 25 hours */
	ck_assert_int_eq(month_utc_days(&m, "Europe/Berlin", t), AMR_OK);
	ck_assert_int_eq(t[0], 1790805600);
	ck_assert_int_eq(t[25] - t[24], 25 * 3600);
	ck_assert_int_eq(t[31] - t[0], 31 * 86400 + 3600);
	ck_assert_int_eq(month_utc_days(&m, "Mars/Olympus", t), AMR_EINVAL);
}
END_TEST

static Suite *basis_suite(void)
{
	Suite *s = suite_create("billing_basis");
	TCase *tc = tcase_create("basis");

	tcase_add_test(tc, basis_from_the_table);
	tcase_add_test(tc, months_and_their_days);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(basis_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
