/*
 * Unit tests of days, due dates (services/billing/calendar.c) and the
 * key-rate table (services/billing/rates.c): the due dates of
 * tests/unit/billing_cases/calendar.jsonl (a period, the organisation's due
 * day and calendar, the due date worked by hand), the rates of a day and
 * the refused entries of rates.jsonl, and the days of 1900, 2000, 2100
 * and 2999 read back as written, their weekdays in turn.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "billing_cases.h"
#include "billing_table.h"

static void due_case(const json_t *c)
{
	const char *name = json_string_value(json_object_get(c, "case"));
	const char *error = json_string_value(json_object_get(c, "error"));
	struct cal_exception *ex;
	size_t n = bcase_calendar(json_object_get(c, "calendar"), &ex);
	struct jv_err err = { "" };
	cal_day due = CAL_DAY_NONE;
	char got[CAL_DATE_LEN];
	int y = 0, m = 0;
	amr_err rc;

	ck_assert_msg(cal_period_parse(json_string_value(json_object_get(c, "period")), &y, &m),
		      "%s: period", name);
	rc = cal_due_date(y, m, (int)json_integer_value(json_object_get(c, "due_day")), ex, n, &due,
			  &err);
	free(ex);
	if (error) {
		ck_assert_msg(rc == AMR_EINVAL && due == CAL_DAY_NONE, "%s: accepted", name);
		ck_assert_msg(!strcmp(err.msg, error), "%s: \"%s\"", name, err.msg);
		return;
	}
	ck_assert_msg(rc == AMR_OK, "%s: %s", name, err.msg);
	cal_day_format(due, got);
	ck_assert_msg(!strcmp(got, json_string_value(json_object_get(c, "due"))), "%s: due %s",
		      name, got);
}

START_TEST(due_dates_from_the_table)
{
	billing_table_run("calendar.jsonl", due_case, 10);
}
END_TEST

static void rates_case(const json_t *c)
{
	const char *name = json_string_value(json_object_get(c, "case"));
	const char *error = json_string_value(json_object_get(c, "error"));
	struct rates_entry *t, e;
	struct jv_err err = { "" };
	size_t n, i;
	json_t *d;

	if (error) {
		ck_assert_msg(rates_entry_read(json_object_get(c, "record"), &e, &err) ==
				      AMR_EINVAL,
			      "%s: accepted", name);
		ck_assert_msg(!strcmp(err.msg, error), "%s: \"%s\"", name, err.msg);
		return;
	}
	n = bcase_rates(json_object_get(c, "rates"), &t);
	json_array_foreach(json_object_get(c, "days"), i, d) {
		const char *day = json_string_value(json_array_get(d, 0));
		const char *want = json_string_value(json_array_get(d, 1));
		cal_day next = 0, wnext = bcase_day(json_array_get(d, 3));
		int32_t rate = -1;
		amr_err rc = rates_on(t, n, bcase_day(json_array_get(d, 0)), &rate, &err);
		char got[RATES_PCT_LEN];
		bool held = rates_moratorium(t, n, bcase_day(json_array_get(d, 0)), &next);

		if (!want) {
			ck_assert_msg(rc == AMR_ENOTFOUND && rate == -1, "%s: %s has a rate", name,
				      day);
		} else {
			ck_assert_msg(rc == AMR_OK, "%s: %s: %s", name, day, err.msg);
			ck_assert_msg(!strcmp(rates_pct_format(rate, got), want), "%s: %s at %s",
				      name, day, got);
		}
		ck_assert_msg(held == json_is_true(json_array_get(d, 2)), "%s: %s moratorium", name,
			      day);
		ck_assert_msg(next == (wnext == CAL_DAY_NONE ? CAL_DAY_OPEN : wnext),
			      "%s: %s: the moratorium next changes on %d", name, day, next);
	}
	free(t);
}

START_TEST(rates_from_the_table)
{
	billing_table_run("rates.jsonl", rates_case, 12);
}
END_TEST

START_TEST(percentages)
{
	static const struct {
		const char *s;
		int32_t v;	   /* -1: refused */
		const char *shown; /* as formatted */
	} p[] = {
		{ "16.50", 1650, "16.50" }, { "16.5", 1650, "16.50" },	{ "16", 1600, "16.00" },
		{ "0", 0, "0.00" },	    { "100", 10000, "100.00" }, { "9.50", 950, "9.50" },
		{ "100.01", -1, NULL },	    { "16.505", -1, NULL },	{ "-1", -1, NULL },
		{ "16,5", -1, NULL },	    { "", -1, NULL },		{ "016.5", -1, NULL },
	};

	for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
		struct jv_err err = { "" };
		int32_t v = -1;
		char buf[RATES_PCT_LEN];
		amr_err rc = rates_pct_parse(p[i].s, "rate", &v, &err);

		if (p[i].v < 0) {
			ck_assert_msg(rc == AMR_EINVAL && v == -1, "%s accepted", p[i].s);
			ck_assert_msg(!strncmp(err.msg, "rate: ", 6), "%s: %s", p[i].s, err.msg);
			continue;
		}
		ck_assert_msg(rc == AMR_OK && v == p[i].v, "%s: %d %s", p[i].s, v, err.msg);
		ck_assert_str_eq(rates_pct_format(v, buf), p[i].shown);
	}
}
END_TEST

/* Each day of years from..to reads back as written, the weekdays in turn. */
static void days_read_back(int from, int to)
{
	cal_day first = cal_day_of(from, 1, 1), last = cal_day_of(to, 12, 31);
	int wd = cal_weekday(first);

	for (cal_day d = first; d <= last; d++) {
		char buf[CAL_DATE_LEN];
		cal_day back = CAL_DAY_NONE;

		ck_assert_msg(cal_day_parse(cal_day_format(d, buf), &back) && back == d, "%s", buf);
		ck_assert_int_eq(cal_weekday(d), wd);
		wd = wd % 7 + 1;
	}
}

START_TEST(days_read_back_as_written)
{
	cal_day first = cal_day_of(1900, 1, 1), last = cal_day_of(2999, 12, 31);

	/* 1900-01-01 was a Monday, 1970-01-01 day 0 a Thursday */
	ck_assert_int_eq(cal_weekday(first), 1);
	ck_assert_int_eq(cal_day_of(1970, 1, 1), 0);
	ck_assert_int_eq(cal_weekday(0), 4);
	days_read_back(1900, 1901);
	days_read_back(1996, 2104); /* 2000 is a leap year, 2100 is not */
	days_read_back(2998, 2999);
	ck_assert_int_eq(last - first + 1, 1100 * 365 + 267); /* leap years 1904..2996 less 7 */
	ck_assert(!cal_day_parse("1899-12-31", NULL));
	ck_assert(!cal_day_parse("3000-01-01", NULL));
	ck_assert(!cal_day_parse("2026-02-29", NULL));
	ck_assert(cal_day_parse("2028-02-29", NULL));
	ck_assert(!cal_day_parse("2026-1-01", NULL));
	ck_assert(!cal_day_parse("2026-01-01 ", NULL));
}
END_TEST

START_TEST(months_after_a_day)
{
	static const struct {
		int y, m, d, n;	  /* a day and months after it */
		const char *want; /* the day they make */
	} c[] = {
		{ 2026, 1, 31, 1, "2026-02-28" },  { 2028, 1, 31, 1, "2028-02-29" },
		{ 2026, 11, 10, 3, "2027-02-10" }, { 2026, 8, 31, 6, "2027-02-28" },
		{ 2026, 12, 15, 0, "2026-12-15" }, { 2026, 12, 15, 12, "2027-12-15" },
		{ 2026, 3, 31, 1, "2026-04-30" },  { 2026, 12, 31, 2, "2027-02-28" },
	};

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		char buf[CAL_DATE_LEN];

		cal_day_format(cal_add_months(cal_day_of(c[i].y, c[i].m, c[i].d), c[i].n), buf);
		ck_assert_msg(!strcmp(buf, c[i].want), "%d-%02d-%02d + %d: %s", c[i].y, c[i].m,
			      c[i].d, c[i].n, buf);
	}
}
END_TEST

static Suite *calendar_suite(void)
{
	Suite *s = suite_create("billing_calendar");
	TCase *tc = tcase_create("calendar");

	tcase_add_test(tc, due_dates_from_the_table);
	tcase_add_test(tc, rates_from_the_table);
	tcase_add_test(tc, percentages);
	tcase_add_test(tc, days_read_back_as_written);
	tcase_add_test(tc, months_after_a_day);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(calendar_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
