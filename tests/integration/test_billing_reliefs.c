/*
 * Benefits, subsidies and instalments with a real Mosquitto and
 * amr-billing over three issued months: a benefit takes its percentage
 * off the service's own lines, a subsidy its amount and never more than
 * the charge, an instalment spreads part of one month's charge over
 * later months with the interest on what is still owed and its kopecks
 * on the first parts, an account that moves out pays every part left,
 * an instalment entered after its month was issued bills nothing and the
 * run says so; the receipt prints them and its total is the journal's
 * balance; a bad relief is refused naming the field and changes nothing.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <jansson.h>

#include "billrun_util.h"
#include "harness.h"
#include "month.h"

static struct harness h;

static struct {
	struct month m[3]; /* three months that ended, the oldest first */
	char per[3][8];	   /* as "YYYY-MM" */
	char first[4][11]; /* their first days, and the next month's */
	long long org, bld, maint, heat, prem[5], acc[5];
} sc;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
}

static void teardown(void)
{
	harness_stop(&h);
}

static const char *sv(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	ck_assert_msg(v != NULL, "no %s", k);
	return v;
}

/* Four flats of 40.40, 50.40, 60.40 and 30.40 m², maintenance at 25.50
 * a m² and heat at 10.00 a m²; account 4 moves out after the second
 * month. */
static void build(void)
{
	time_t now = time(NULL) + 3 * 3600; /* Moscow */
	struct tm tm;

	gmtime_r(&now, &tm);
	for (int i = 0; i < 3; i++) {
		sc.m[i] = month_add((struct month){ tm.tm_year + 1900, tm.tm_mon + 1 }, i - 3);
		month_format(&sc.m[i], sc.per[i]);
		month_date(&sc.m[i], 0, sc.first[i]);
	}
	month_date(&sc.m[2], month_days(&sc.m[2]), sc.first[3]);
	sc.org = br_org(&h);
	sc.bld = br_create(&h, "building",
			   "\"org\":%lld,\"address\":\"г. Казань, ул. Ленина, д. 7\","
			   "\"tz\":\"Europe/Moscow\"",
			   sc.org);
	sc.maint = br_service(&h, sc.org, "maintenance", "Содержание жилья", "m2", "");
	sc.heat = br_service(&h, sc.org, "other", "Отопление по площади", "m2", "");
	br_tariff(&h, sc.org, sc.maint, "Содержание", "per_area", "\"price\":\"25.50\"");
	br_tariff(&h, sc.org, sc.heat, "Отопление", "per_area", "\"price\":\"10.00\"");
	for (int i = 1; i <= 4; i++) {
		sc.prem[i] = br_create(&h, "premises",
				       "\"building\":%lld,\"number\":\"%d\",\"kind\":\"flat\","
				       "\"area\":\"%d.40\",\"residents\":1",
				       sc.bld, i, i == 4 ? 30 : 30 + 10 * i);
		sc.acc[i] = br_create(&h, "account",
				      "\"org\":%lld,\"number\":\"20000%d\",\"holder\":{\"type\":"
				      "\"person\",\"name\":\"Жилец %d\"},\"premises\":[{"
				      "\"premises\":%lld,\"from\":\"2020-01-01\"%s%s%s}]",
				      sc.org, i, i, sc.prem[i], i == 4 ? ",\"to\":\"" : "",
				      i == 4 ? sc.first[2] : "", i == 4 ? "\"" : "");
	}
}

/* Roubles "1234.56" as kopecks. */
static long long kop(const char *a)
{
	return atoll(a) * 100 + (a[0] == '-' ? -1 : 1) * atoll(strchr(a, '.') + 1);
}

/* Change account i's reliefs to fields (JSON members). */
static void reliefs(int i, const char *fields)
{
	json_decref(br_call(&h, "billing/account.update",
			    "{\"id\":%lld,\"actor\":\"accountant\",\"reason\":\"reliefs\",%s}",
			    sc.acc[i], fields));
}

static json_t *draft_issue(int k)
{
	json_t *s = br_call(&h, "billing/run.draft",
			    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}",
			    sc.bld, sc.per[k]);

	json_decref(br_call(&h, "billing/run.issue",
			    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\","
			    "\"reason\":\"the month\"}",
			    sc.bld, sc.per[k]));
	return s;
}

/* The amount of the lines of inv of basis and service (0: any) whose
 * instalment has a part (want_part) or not; how many into *n. */
static long long lines_sum(const json_t *inv, const char *basis, long long service, int want_part,
			   int *n, const json_t **last)
{
	json_t *p, *l;
	size_t i, k;
	long long sum = 0;

	*n = 0;
	json_array_foreach(json_object_get(inv, "premises"), i, p)
		json_array_foreach(json_object_get(p, "lines"), k, l) {
			json_t *in = json_object_get(l, "instalment");
			long long a = kop(sv(l, "amount"));

			if (strcmp(sv(l, "basis"), basis) ||
			    (service &&
			     json_integer_value(json_object_get(l, "service")) != service) ||
			    (want_part >= 0 && !!json_object_get(in, "part") != want_part))
				continue;
			sum += a;
			(*n)++;
			if (last)
				*last = l;
		}
	return sum;
}

static json_t *invoice(int k, int i)
{
	return br_invoice(&h, sc.per[k], sc.bld, sc.acc[i]);
}

/* The invoice's total in kopecks. */
static long long total(const json_t *inv)
{
	return kop(sv(inv, "total"));
}

static bool warned(const json_t *summary, const char *what)
{
	json_t *w;
	size_t i;

	json_array_foreach(json_object_get(summary, "warnings"), i, w)
		if (strstr(json_string_value(w), what))
			return true;
	return false;
}

START_TEST(reliefs_on_three_months)
{
	const json_t *l = NULL;
	json_t *inv, *s, *r, *bal;
	char *out, file[512], cmd[4096];
	int n, st;

	br_billing_start(&h, NULL, NULL);
	build();
	snprintf(cmd, sizeof cmd,
		 "\"benefits\":[{\"kind\":\"benefit\",\"service\":%lld,\"percent\":\"50\","
		 "\"from\":\"2020-01-01\",\"reason\":\"ветеран труда\"},{\"kind\":\"subsidy\","
		 "\"service\":%lld,\"amount\":\"300\",\"from\":\"%s\",\"to\":\"%s\","
		 "\"reason\":\"субсидия УСЗН\"}]",
		 sc.maint, sc.maint, sc.first[1], sc.first[2]);
	reliefs(1, cmd);
	/* the instalment of account 2 from the first month */
	snprintf(cmd, sizeof cmd,
		 "\"instalments\":[{\"service\":%lld,\"amount\":\"1000\",\"months\":3,"
		 "\"rate\":\"12\",\"from\":\"%s\",\"reason\":\"рост платы более 25 %%, п. 72\"}]",
		 sc.maint, sc.first[0]);
	reliefs(2, cmd);
	snprintf(cmd, sizeof cmd,
		 "\"benefits\":[{\"kind\":\"subsidy\",\"service\":%lld,\"amount\":\"5000.00\","
		 "\"from\":\"%s\",\"to\":\"%s\",\"reason\":\"субсидия\"}]",
		 sc.heat, sc.first[0], sc.first[1]);
	reliefs(3, cmd);
	snprintf(cmd, sizeof cmd,
		 "\"instalments\":[{\"service\":%lld,\"amount\":\"600.00\",\"months\":6,"
		 "\"from\":\"%s\",\"reason\":\"соглашение\"}]",
		 sc.maint, sc.first[0]);
	reliefs(4, cmd);

	/* month 1 */
	s = draft_issue(0);
	ck_assert_str_eq(sv(json_object_get(s, "amounts"), "benefit"), "-515.10");
	json_decref(s);
	inv = invoice(0, 1); /* 40.40 x 25.50 = 1030.20, half off; heat 404.00 */
	ck_assert_int_eq(lines_sum(inv, "benefit", sc.maint, -1, &n, &l), -51510);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(sv(l, "percent"), "50.00");
	ck_assert_str_eq(sv(l, "reason"), "ветеран труда");
	ck_assert_int_eq(lines_sum(inv, "subsidy", 0, -1, &n, NULL), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(total(inv), 103020 - 51510 + 40400);
	json_decref(inv);
	inv = invoice(0, 2); /* 50.40 x 25.50 = 1285.20 */
	ck_assert_int_eq(lines_sum(inv, "instalment", sc.maint, 0, &n, NULL), -100000);
	ck_assert_int_eq(lines_sum(inv, "instalment", sc.maint, 1, &n, &l), 33334);
	ck_assert_str_eq(sv(json_object_get(l, "instalment"), "interest"), "0.00");
	ck_assert_str_eq(sv(json_object_get(l, "instalment"), "left"), "666.66");
	ck_assert_int_eq(total(inv), 128520 - 100000 + 33334 + 50400);
	json_decref(inv);
	inv = invoice(0, 3); /* heat 604.00, the subsidy of 5000.00 takes it all */
	ck_assert_int_eq(lines_sum(inv, "subsidy", sc.heat, -1, &n, NULL), -60400);
	ck_assert_int_eq(total(inv), 154020);
	json_decref(inv);

	/* month 2: account 4 moves out, so it pays the 500.00 left at once */
	s = draft_issue(1);
	json_decref(s);
	inv = invoice(1, 1);
	ck_assert_int_eq(lines_sum(inv, "benefit", sc.maint, -1, &n, NULL), -51510);
	ck_assert_int_eq(lines_sum(inv, "subsidy", sc.maint, -1, &n, NULL), -30000);
	json_decref(inv);
	inv = invoice(1, 2); /* 333.33 and 1 % a month of 666.66 */
	ck_assert_int_eq(lines_sum(inv, "instalment", sc.maint, 0, &n, NULL), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(lines_sum(inv, "instalment", sc.maint, 1, &n, &l), 33333 + 667);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(l, "instalment"), "part")), 2);
	json_decref(inv);
	inv = invoice(1, 3); /* the subsidy ended */
	ck_assert_int_eq(lines_sum(inv, "subsidy", 0, -1, &n, NULL), 0);
	ck_assert_int_eq(n, 0);
	json_decref(inv);
	inv = invoice(1, 4);
	ck_assert_int_eq(lines_sum(inv, "instalment", sc.maint, 1, &n, &l), 50000);
	ck_assert(json_is_true(json_object_get(json_object_get(l, "instalment"), "early")));
	ck_assert_str_eq(sv(json_object_get(l, "instalment"), "left"), "0.00");
	json_decref(inv);

	/* an instalment of the second month, entered after it was issued */
	snprintf(cmd, sizeof cmd,
		 "\"instalments\":[{\"service\":%lld,\"amount\":\"100.00\",\"months\":2,"
		 "\"from\":\"%s\",\"reason\":\"поздно\"}]",
		 sc.maint, sc.first[1]);
	reliefs(3, cmd);

	/* month 3 */
	s = draft_issue(2);
	ck_assert_msg(warned(s, "account 200003: the instalment of 100.00"), "%s",
		      json_dumps(json_object_get(s, "warnings"), 0));
	json_decref(s);
	inv = invoice(2, 3);
	ck_assert_int_eq(lines_sum(inv, "instalment", 0, -1, &n, NULL), 0);
	ck_assert_int_eq(n, 0);
	json_decref(inv);
	inv = invoice(2, 2); /* the last part: 333.33 and 3.33 */
	ck_assert_int_eq(lines_sum(inv, "instalment", sc.maint, 1, &n, &l), 33333 + 333);
	ck_assert_str_eq(sv(json_object_get(l, "instalment"), "left"), "0.00");
	json_decref(inv);

	/* the receipt prints them, and its total is the journal's balance */
	r = br_call(&h, "billing/receipt",
		    "{\"account\":%lld,\"period\":\"%s\",\"format\":\"json\"}", sc.acc[2],
		    sc.per[1]);
	inv = invoice(1, 2);
	bal = br_call(&h, "billing/account.balance", "{\"account\":%lld,\"date\":\"%s\"}",
		      sc.acc[2], sv(inv, "to"));
	ck_assert_str_eq(sv(json_object_get(r, "money"), "total"), sv(bal, "balance"));
	ck_assert_str_eq(sv(json_object_get(r, "money"), "charged"), sv(inv, "total"));
	json_decref(bal);
	json_decref(inv);
	json_decref(r);
	for (int lang = 0; lang < 2; lang++) {
		snprintf(file, sizeof file, "%s/r%d.pdf", h.dir, lang);
		snprintf(cmd, sizeof cmd,
			 "amrctl billing receipt 200002 --org %lld --period %s --lang %s -o %s && "
			 "pdftotext -layout %s - && amrctl billing receipt 200001 --org %lld "
			 "--period %s --lang %s -o %s && pdftotext -layout %s -",
			 sc.org, sc.per[1], lang ? "en" : "ru", file, file, sc.org, sc.per[1],
			 lang ? "en" : "ru", file, file);
		out = harness_run(&h, cmd, &st);
		ck_assert_msg(out && WIFEXITED(st) && !WEXITSTATUS(st), "%s", out ? out : "");
		if (!lang) {
			ck_assert_msg(strstr(out, "рассрочка"), "%s", out);
			ck_assert_msg(strstr(out, "платёж 2 из 3"), "%s", out);
			ck_assert_msg(strstr(out, "проценты 6,67"), "%s", out);
			ck_assert_msg(strstr(out, "остаток 333,33"), "%s", out);
			ck_assert_msg(strstr(out, "340,00"), "%s", out);
			ck_assert_msg(strstr(out, "льгота 50 %"), "%s", out);
			ck_assert_msg(strstr(out, "-515,10"), "%s", out);
			ck_assert_msg(strstr(out, "субсидия"), "%s", out);
			ck_assert_msg(strstr(out, "-300,00"), "%s", out);
		} else {
			ck_assert_msg(strstr(out, "part 2 of 3"), "%s", out);
			ck_assert_msg(strstr(out, "benefit 50 %"), "%s", out);
		}
		free(out);
	}

	/* the charges report counts them by basis */
	r = br_call(&h, "billing/report",
		    "{\"report\":\"charges\",\"building\":%lld,\"period\":\"%s\"}", sc.bld,
		    sc.per[0]);
	out = json_dumps(r, 0);
	ck_assert_msg(strstr(out, "\"льгота\"") && strstr(out, "\"рассрочка\"") &&
			      strstr(out, "\"субсидия\""),
		      "%s", out);
	free(out);
	json_decref(r);
}
END_TEST

/* A bad relief is refused naming the field, and the account keeps what
 * it had. */
START_TEST(bad_reliefs_refused)
{
	static const struct {
		const char *fields, *want;
	} bad[] = {
		{ "\"benefits\":[{\"kind\":\"benefit\",\"service\":1,\"percent\":\"0\","
		  "\"from\":\"2026-01-01\",\"reason\":\"x\"}]",
		  "benefits[0].percent: a benefit is above 0 %" },
		{ "\"benefits\":[{\"kind\":\"benefit\",\"service\":1,\"percent\":\"100.01\","
		  "\"from\":\"2026-01-01\",\"reason\":\"x\"}]",
		  "benefits[0].percent: " },
		{ "\"benefits\":[{\"kind\":\"benefit\",\"service\":1,\"percent\":\"12.345\","
		  "\"from\":\"2026-01-01\",\"reason\":\"x\"}]",
		  "benefits[0].percent: \"12.345\" has more than 2 decimals" },
		{ "\"benefits\":[{\"kind\":\"subsidy\",\"service\":1,\"percent\":\"10\","
		  "\"from\":\"2026-01-01\",\"reason\":\"x\"}]",
		  "benefits[0].amount: missing (a subsidy is an amount a month)" },
		{ "\"benefits\":[{\"kind\":\"benefit\",\"service\":1,\"percent\":\"10\","
		  "\"amount\":\"5\",\"from\":\"2026-01-01\",\"reason\":\"x\"}]",
		  "benefits[0].amount: a benefit has no amount" },
		{ "\"benefits\":[{\"kind\":\"gift\",\"service\":1,\"percent\":\"10\","
		  "\"from\":\"2026-01-01\",\"reason\":\"x\"}]",
		  "benefits[0].kind: " },
		{ "\"benefits\":[{\"kind\":\"benefit\",\"service\":1,\"percent\":\"10\","
		  "\"from\":\"2026-01-15\",\"reason\":\"x\"}]",
		  "benefits[0].from: 2026-01-15 is not the first day of a month" },
		{ "\"benefits\":[{\"kind\":\"benefit\",\"service\":1,\"percent\":\"10\","
		  "\"from\":\"2026-03-01\",\"to\":\"2026-02-01\",\"reason\":\"x\"}]",
		  "benefits[0].to: 2026-02-01 is not after from" },
		{ "\"benefits\":[{\"kind\":\"benefit\",\"service\":1,\"percent\":\"10\","
		  "\"from\":\"2026-01-01\"}]",
		  "benefits[0].reason: missing" },
		{ "\"benefits\":[{\"kind\":\"benefit\",\"service\":99,\"percent\":\"10\","
		  "\"from\":\"2026-01-01\",\"reason\":\"x\"}]",
		  "benefits[0].service: there is no service 99" },
		{ "\"benefits\":[{\"kind\":\"benefit\",\"service\":1,\"percent\":\"10\","
		  "\"from\":\"2026-01-01\",\"reason\":\"x\",\"extra\":1}]",
		  "benefits[0].extra: unknown field" },
		{ "\"instalments\":[{\"service\":1,\"amount\":\"100\",\"months\":1,"
		  "\"from\":\"2026-01-01\",\"reason\":\"x\"}]",
		  "instalments[0].months: " },
		{ "\"instalments\":[{\"service\":1,\"amount\":\"-100\",\"months\":3,"
		  "\"from\":\"2026-01-01\",\"reason\":\"x\"}]",
		  "instalments[0].amount: " },
		{ "\"instalments\":[{\"service\":1,\"amount\":\"0\",\"months\":3,"
		  "\"from\":\"2026-01-01\",\"reason\":\"x\"}]",
		  "instalments[0].amount: an amount is above 0" },
		{ "\"instalments\":[{\"service\":1,\"amount\":\"100\",\"months\":3,"
		  "\"rate\":\"-1\",\"from\":\"2026-01-01\",\"reason\":\"x\"}]",
		  "instalments[0].rate: " },
		{ "\"instalments\":[{\"service\":1,\"amount\":\"100\",\"months\":3,"
		  "\"from\":\"2026-01-01\",\"reason\":\"x\"},{\"service\":1,\"amount\":\"5\","
		  "\"months\":2,\"from\":\"2026-01-01\",\"reason\":\"y\"}]",
		  "instalments[1]: instalments[0] already spreads this service's charge of 2026-01" },
		{ "\"benefits\":{\"kind\":\"benefit\"}", "benefits: " },
	};
	json_t *before, *after;

	br_billing_start(&h, NULL, NULL);
	build();
	ck_assert_int_eq(sc.maint, 1); /* the refusals below name service 1 */
	reliefs(1, "\"benefits\":[{\"kind\":\"benefit\",\"service\":1,\"percent\":\"25\","
		   "\"from\":\"2026-01-01\",\"reason\":\"многодетная семья\"}]");
	before = br_call(&h, "billing/account.get", "{\"id\":%lld}", sc.acc[1]);
	ck_assert_str_eq(sv(json_array_get(json_object_get(before, "benefits"), 0), "percent"),
			 "25.00");
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		br_refused(&h, "billing/account.update", "bad_request", bad[i].want,
			   "{\"id\":%lld,\"actor\":\"accountant\",\"reason\":\"x\",%s}", sc.acc[1],
			   bad[i].fields);
	after = br_call(&h, "billing/account.get", "{\"id\":%lld}", sc.acc[1]);
	ck_assert(json_equal(before, after));
	json_decref(before);
	json_decref(after);
}
END_TEST

static Suite *reliefs_suite(void)
{
	Suite *s = suite_create("billing_reliefs");
	TCase *tc = tcase_create("reliefs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, reliefs_on_three_months);
	tcase_add_test(tc, bad_reliefs_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reliefs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
