/*
 * amr-billing's debt methods with a real Mosquitto and amr-archive:
 * opening balances and a payment make debts; account.debt answers the
 * penalty worked by hand; debtors lists them the largest first, filtered
 * by building and minimum; amrctl prints both; bad input names the field.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <jansson.h>

#include "archive_util.h"
#include "billing_util.h"
#include "harness.h"

static struct harness h;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	arc_start(&h, NULL);
	bil_start(&h, NULL);
}

static void teardown(void)
{
	harness_stop(&h);
}

static const char *s_of(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(o, a);

	return json_string_value(b ? json_object_get(v, b) : v);
}

/* An account number holding premises p from 2026-01-01, with an opening
 * debt of amount for period. Returns its id. */
static long long debtor(const char *number, long long premises, const char *period,
			const char *amount)
{
	char buf[512];
	long long id;
	json_t *r;

	snprintf(
		buf, sizeof buf,
		"\"org\":1,\"number\":\"%s\",\"holder\":{\"type\":\"person\",\"name\":\"Жилец %s\"},"
		"\"premises\":[{\"premises\":%lld,\"from\":\"2026-01-01\"}]",
		number, number, premises);
	id = bil_create(&h, "account", buf);
	snprintf(buf, sizeof buf,
		 "{\"account\":%lld,\"actor\":\"accountant\",\"reason\":\"from the old system\","
		 "\"date\":\"2026-10-31\",\"items\":[{\"period\":\"%s\",\"amount\":\"%s\"}]}",
		 id, period, amount);
	r = bil_call(&h, "account.opening", buf, NULL, NULL, 0);
	json_decref(r);
	return id;
}

/*
 * Account 100001 owes 1000.00 for June 2026, due Friday 10 July. At
 * 30 November, at 16 %: days 31..90 (9 August .. 8 October) are 60 days
 * at 1/300, days 91.. (9 October .. 30 November) 53 days at 1/130:
 * 1000 x 16 % x (60/300 + 53/130) = 97.2307.. -> 97.23.
 */
START_TEST(debts_and_debtors)
{
	long long b1, b2, p[3], a1;
	char buf[512];
	json_t *r, *rows;

	bil_create(&h, "org", BIL_ORG);
	bil_create(&h, "rate",
		   "\"org\":1,\"kind\":\"key_rate\",\"from\":\"2020-01-01\","
		   "\"rate\":\"16.00\"");
	b1 = bil_create(&h, "building",
			"\"org\":1,\"address\":\"ул. Садовая, 12\",\"tz\":\"Europe/Moscow\"");
	b2 = bil_create(&h, "building",
			"\"org\":1,\"address\":\"ул. Лесная, 3\",\"tz\":\"Europe/Moscow\"");
	for (int i = 0; i < 3; i++) {
		snprintf(buf, sizeof buf,
			 "\"building\":%lld,\"number\":\"%d\",\"kind\":\"flat\",\"area\":\"50.00\","
			 "\"residents\":2",
			 i < 2 ? b1 : b2, i + 1);
		p[i] = bil_create(&h, "premises", buf);
	}
	a1 = debtor("100001", p[0], "2026-06", "1000.00");
	debtor("100002", p[1], "2026-09", "500.00");
	debtor("100003", p[2], "2026-08", "300.00");
	r = bil_call(&h, "payment.create",
		     "{\"account\":2,\"actor\":\"accountant\",\"date\":\"2026-11-05\","
		     "\"amount\":\"200.00\"}",
		     NULL, NULL, 0);
	json_decref(r);

	/* what can restrict premises 1: hot water, never cold water or heat */
	{
		static const char *const codes[] = { "cold_water", "hot_water", "heat" };
		static const char *const units[] = { "m3", "m3", "Gcal" };

		for (int i = 0; i < 3; i++) {
			snprintf(buf, sizeof buf,
				 "\"org\":1,\"code\":\"%s\",\"name\":\"%s\",\"unit\":\"%s\"",
				 codes[i], codes[i], units[i]);
			bil_create(&h, "service", buf);
			snprintf(buf, sizeof buf,
				 "\"premises\":%lld,\"service\":%d,\"channel\":\"1.1.%d\","
				 "\"output\":\"1.1.%d\",\"from\":\"2026-01-01\"",
				 p[0], i + 1, i + 1, i + 1);
			bil_create(&h, "meter", buf);
		}
		bil_refused(&h, "meter.create",
			    "{\"actor\":\"a\",\"premises\":2,\"service\":2,\"channel\":\"1.2.2\","
			    "\"output\":\"1.2\",\"from\":\"2026-01-01\"}",
			    "bad_request", "output: \"1.2\" is not an output");
	}
	snprintf(buf, sizeof buf, "{\"account\":%lld,\"date\":\"2026-11-30\"}", a1);
	r = bil_call(&h, "account.debt", buf, NULL, NULL, 0);
	ck_assert_str_eq(s_of(r, "overdue", NULL), "1000.00");
	ck_assert_str_eq(s_of(r, "penalties", "accrued"), "97.23");
	ck_assert_str_eq(s_of(r, "ages", "3_6m"), "1000.00");
	ck_assert_str_eq(s_of(json_array_get(json_object_get(r, "pieces"), 0), "due", NULL),
			 "2026-07-10");
	json_decref(r);

	/* the largest first; 300.00 each for 100002 and 100003: by number */
	r = bil_call(&h, "debtors", "{\"org\":1,\"date\":\"2026-11-30\"}", NULL, NULL, 0);
	rows = json_object_get(r, "debtors");
	ck_assert_int_eq(json_array_size(rows), 3);
	ck_assert_str_eq(s_of(json_array_get(rows, 0), "number", NULL), "100001");
	{
		json_t *cuts = json_object_get(
			json_array_get(json_object_get(json_array_get(rows, 0), "premises"), 0),
			"restrictable");

		ck_assert_int_eq(json_array_size(cuts), 1);
		ck_assert_str_eq(s_of(json_array_get(cuts, 0), "service", NULL), "hot_water");
		ck_assert_str_eq(s_of(json_array_get(cuts, 0), "output", NULL), "1.1.2");
	}
	ck_assert_str_eq(s_of(json_array_get(rows, 1), "number", NULL), "100002");
	ck_assert_str_eq(s_of(json_array_get(rows, 1), "overdue", NULL), "300.00");
	ck_assert_str_eq(s_of(json_array_get(rows, 1), "last_payment", "amount"), "200.00");
	ck_assert_str_eq(s_of(json_array_get(rows, 2), "number", NULL), "100003");
	ck_assert_str_eq(s_of(r, "total", NULL), "1600.00");
	json_decref(r);
	snprintf(buf, sizeof buf, "{\"org\":1,\"date\":\"2026-11-30\",\"building\":%lld}", b2);
	r = bil_call(&h, "debtors", buf, NULL, NULL, 0);
	ck_assert_int_eq(json_array_size(json_object_get(r, "debtors")), 1);
	ck_assert_str_eq(s_of(r, "total", NULL), "300.00");
	json_decref(r);
	r = bil_call(&h, "debtors", "{\"org\":1,\"date\":\"2026-11-30\",\"min_debt\":\"400\"}",
		     NULL, NULL, 0);
	ck_assert_int_eq(json_array_size(json_object_get(r, "debtors")), 1);
	json_decref(r);
	/* September's debt is due on Saturday 10 October: on Monday 12th */
	r = bil_call(&h, "account.debt", "{\"account\":2,\"date\":\"2026-11-30\"}", NULL, NULL, 0);
	ck_assert_str_eq(s_of(json_array_get(json_object_get(r, "pieces"), 0), "due", NULL),
			 "2026-10-12");
	json_decref(r);
	/* the day before the opening balances were booked nobody owed anything */
	r = bil_call(&h, "debtors", "{\"org\":1,\"date\":\"2026-10-30\"}", NULL, NULL, 0);
	ck_assert_int_eq(json_array_size(json_object_get(r, "debtors")), 0);
	json_decref(r);

	/* amrctl: a table for people */
	{
		int status = -1;
		char *out = harness_run(&h, "amrctl billing debtors --org 1 --date 2026-11-30",
					&status);

		ck_assert_int_eq(status, 0);
		ck_assert_msg(strstr(out, "100001") && strstr(out, "97.23") &&
				      strstr(out, "1600.00"),
			      "%s", out);
		free(out);
		out = harness_run(&h,
				  "amrctl --compact billing debt 100001 --org 1 --date 2026-11-30",
				  &status);
		ck_assert_int_eq(status, 0);
		ck_assert_msg(strstr(out, "\"accrued\":\"97.23\""), "%s", out);
		free(out);
		free(harness_run(&h, "amrctl billing debt 100099 --org 1 2>/dev/null", &status));
		ck_assert_int_eq(WEXITSTATUS(status), 1);
		free(harness_run(&h, "amrctl billing debtors 2>/dev/null", &status));
		ck_assert_int_eq(WEXITSTATUS(status), 2);
		free(harness_run(&h, "amrctl billing debtors --org 1 floor=2 2>/dev/null",
				 &status));
		ck_assert_int_eq(WEXITSTATUS(status), 2);
	}

	bil_refused(&h, "debtors", "{}", "bad_request", "org");
	bil_refused(&h, "debtors", "{\"org\":1,\"date\":\"2026-13-01\"}", "bad_request", "date");
	bil_refused(&h, "debtors", "{\"org\":1,\"min_debt\":\"-5\"}", "bad_request", "min_debt");
	bil_refused(&h, "debtors", "{\"org\":99}", "not_found", "org: there is no org 99");
	bil_refused(&h, "debtors", "{\"org\":1,\"flat\":1}", "bad_request", "flat");
	bil_refused(&h, "account.debt", "{\"account\":42}", "not_found",
		    "account: there is no account 42");
	bil_refused(&h, "account.debt", "{\"org\":1,\"number\":\"100099\"}", "not_found",
		    "number: organisation 1 has no account 100099");
	bil_refused(&h, "account.debt", "{\"date\":\"2026-11-30\"}", "bad_request",
		    "account: missing");
}
END_TEST

static Suite *debtors_suite(void)
{
	Suite *s = suite_create("billing_debtors");
	TCase *tc = tcase_create("debtors");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, debts_and_debtors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(debtors_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
