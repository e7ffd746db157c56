/*
 * Receipts with a real Mosquitto, amr-archive and amr-billing: an issued
 * period's receipts carry the invoice's lines and the journal's money
 * (the total to pay is the balance at the period's charge day), a
 * receipt with nothing to pay has a QR code without Sum, a building's
 * receipts come as one PDF in premises order whose pages pdftotext reads
 * back and whose QR codes zbarimg decodes to the receipts' payloads byte
 * for byte, drawn again by a new process they read the same, and a draft
 * period, a bad month or language and an unknown invoice are refused.
 * A proposed restriction's warning is printed on the account's receipt.
 */
#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <jansson.h>

#include "archive_util.h"
#include "billing_util.h"
#include "billrun_util.h"
#include "harness.h"
#include "month.h"

static struct harness h;

static struct {
	struct month p; /* the last month that ended */
	char per[8];	/* as "YYYY-MM" */
	char mmyyyy[8]; /* as the QR code's PaymPeriod */
	int64_t t[32];	/* its local midnights in UTC */
	long long bld, acc[4];
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

/* Flats "10", "2" and "1" held by accounts 1, 2 and 3 (so that the
 * premises order differs from the accounts'), cold water by meter and
 * maintenance by area; account 3 paid far ahead. */
static void build(void)
{
	time_t now = time(NULL) + 3 * 3600; /* Moscow */
	static const char *const flats[] = { "", "10", "2", "1" };
	struct feed f;
	struct tm tm;
	long long org, cold, maint, p;
	char day5[16];

	gmtime_r(&now, &tm);
	sc.p = month_add((struct month){ tm.tm_year + 1900, tm.tm_mon + 1 }, -1);
	month_format(&sc.p, sc.per);
	snprintf(sc.mmyyyy, sizeof sc.mmyyyy, "%02d%04d", sc.p.m, sc.p.y);
	ck_assert_int_eq(month_utc_days(&sc.p, "Europe/Moscow", sc.t), 0);
	month_date(&sc.p, 4, day5);

	org = br_org(&h);
	sc.bld = br_create(&h, "building",
			   "\"org\":%lld,\"address\":\"г. Казань, ул. Ленина, д. 5\","
			   "\"tz\":\"Europe/Moscow\",\"objects\":[1]",
			   org);
	cold = br_service(&h, org, "cold_water", "Холодное водоснабжение", "m3", "");
	maint = br_service(&h, org, "maintenance", "Содержание жилья", "m2", "");
	br_tariff(&h, org, cold, "ХВС", "per_unit", "\"price\":\"42.30\"");
	br_tariff(&h, org, maint, "Содержание", "per_area", "\"price\":\"25.50\"");
	for (int i = 1; i <= 3; i++) {
		p = br_create(&h, "premises",
			      "\"building\":%lld,\"number\":\"%s\",\"kind\":\"flat\","
			      "\"area\":\"%d.40\",\"residents\":%d",
			      sc.bld, flats[i], 30 + 10 * i, i);
		sc.acc[i] = br_create(&h, "account",
				      "\"org\":%lld,\"number\":\"10000%d\",\"holder\":{\"type\":"
				      "\"person\",\"name\":\"Жилец Номер %d\"},\"premises\":[{"
				      "\"premises\":%lld,\"from\":\"2020-01-01\"}]",
				      org, i, i, p);
		br_create(&h, "meter",
			  "\"premises\":%lld,\"service\":%lld,\"channel\":\"1.%d.1\","
			  "\"from\":\"2020-01-01\",\"serial\":\"ХВ-%d\"",
			  p, cold, i, 700 + i);
	}
	json_decref(br_call(
		&h, "billing/account.opening",
		"{\"account\":%lld,\"actor\":\"accountant\",\"reason\":\"paid ahead\","
		"\"date\":\"2020-01-01\",\"items\":[{\"period\":\"2019-12\",\"amount\":\"-50000.00\"}]}",
		sc.acc[3]));
	json_decref(br_call(&h, "billing/payment.create",
			    "{\"account\":%lld,\"actor\":\"accountant\",\"date\":\"%s\","
			    "\"amount\":\"300.00\"}",
			    sc.acc[1], day5));

	/* a first reading registers the channels, then they get their unit */
	feed_init(&f, &h, 1);
	for (int d = -1; d < month_days(&sc.p); d += 3) {
		struct feed_reading r[3];

		for (int c = 0; c < 3; c++)
			r[c] = (struct feed_reading){ c + 1, 1,
						      d < 0 ? 0u : (uint32_t)(40 + d * c) };
		feed_send(&f, d < 0 ? sc.t[0] - 3600 : sc.t[d] + 12 * 3600, r, 3);
		for (int i = 1; d < 0 && i <= 3; i++)
			br_channel_unit(&h, (const char *[]){ "", "1.1.1", "1.2.1", "1.3.1" }[i],
					"m3", 100);
	}
}

static void draft_issue(void)
{
	json_decref(br_call(&h, "billing/run.draft",
			    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}",
			    sc.bld, sc.per));
	json_decref(br_call(&h, "billing/run.issue",
			    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\","
			    "\"reason\":\"the month\"}",
			    sc.bld, sc.per));
}

/* Roubles "1234.56" as kopecks. */
static long long kop(const char *s)
{
	const char *dot = strchr(s, '.');

	ck_assert_ptr_nonnull(dot);
	return atoll(s) * 100 + (s[0] == '-' ? -1 : 1) * atoll(dot + 1);
}

/* A shell command's output (new); the test fails unless it exits 0. */
static char *run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *run(const char *fmt, ...)
{
	char cmd[2048], *out;
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	out = harness_run(&h, cmd, &st);
	ck_assert_msg(out && WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: status %d: %s", cmd, st,
		      out ? out : "");
	return out;
}

/* 1234.56 as a receipt prints it: "1 234,56". */
static void ru_money(const char *s, char *buf, size_t size)
{
	long long k = kop(s), a = k < 0 ? -k : k, r = a / 100;
	char digits[32];
	size_t n, o = 0;

	snprintf(digits, sizeof digits, "%lld", r);
	n = strlen(digits);
	if (k < 0)
		buf[o++] = '-';
	for (size_t i = 0; i < n && o + 2 < size; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ' ';
		buf[o++] = digits[i];
	}
	snprintf(buf + o, size - o, ",%02lld", a % 100);
}

START_TEST(receipts_carry_the_money_and_the_qr)
{
	json_t *r[4], *bal, *inv;
	char *out, *page, file[512], want[64], sum[64];

	arc_start(&h, NULL);
	br_billing_start(&h, NULL, NULL);
	build();
	json_decref(br_call(&h, "billing/run.draft",
			    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}",
			    sc.bld, sc.per));
	br_refused(&h, "billing/receipts", "conflict", "period: the run of building",
		   "{\"building\":%lld,\"period\":\"%s\"}", sc.bld, sc.per);
	br_refused(&h, "billing/receipt", "conflict", "invoice ",
		   "{\"account\":%lld,\"period\":\"%s\",\"format\":\"json\"}", sc.acc[1], sc.per);
	draft_issue();

	for (int i = 1; i <= 3; i++) {
		r[i] = br_call(&h, "billing/receipt",
			       "{\"account\":%lld,\"period\":\"%s\",\"format\":\"json\"}",
			       sc.acc[i], sc.per);
		inv = br_invoice(&h, sc.per, sc.bld, sc.acc[i]);
		bal = br_call(&h, "billing/account.balance", "{\"account\":%lld,\"date\":\"%s\"}",
			      sc.acc[i], sv(inv, "to"));
		json_t *m = json_object_get(r[i], "money");

		/* the total is the journal's balance at the charge day, and
		 * the parts add up to it */
		ck_assert_str_eq(sv(m, "total"), sv(bal, "balance"));
		ck_assert_str_eq(sv(m, "charged"), sv(inv, "total"));
		ck_assert_int_eq(kop(sv(m, "opening")) - kop(sv(m, "paid")) +
					 kop(sv(m, "charged")) + kop(sv(m, "recalculated")) +
					 kop(sv(m, "adjustments")) + kop(sv(m, "penalties")),
				 kop(sv(m, "total")));
		ck_assert_str_eq(sv(json_object_get(r[i], "account"), "number"), sv(inv, "number"));
		ck_assert_msg(!strncmp(sv(r[i], "qr"), "ST00012|Name=ТСЖ «Берёзка»|", 39), "%s",
			      sv(r[i], "qr"));
		snprintf(want, sizeof want, "|PersAcc=10000%d|", i);
		ck_assert_msg(strstr(sv(r[i], "qr"), want), "%s", sv(r[i], "qr"));
		snprintf(want, sizeof want, "|PaymPeriod=%s|", sc.mmyyyy);
		ck_assert_msg(strstr(sv(r[i], "qr"), want), "%s", sv(r[i], "qr"));
		json_decref(bal);
		json_decref(inv);
	}
	/* account 1 paid 300.00 in the month and owes; account 3 owes nothing */
	ck_assert_str_eq(sv(json_object_get(r[1], "money"), "paid"), "300.00");
	ck_assert(json_is_true(json_object_get(r[1], "to_pay")));
	snprintf(sum, sizeof sum, "|Sum=%lld|", kop(sv(json_object_get(r[1], "money"), "total")));
	ck_assert_msg(strstr(sv(r[1], "qr"), sum), "%s", sv(r[1], "qr"));
	ck_assert(json_is_false(json_object_get(r[3], "to_pay")));
	ck_assert_msg(!strstr(sv(r[3], "qr"), "|Sum="), "%s", sv(r[3], "qr"));
	/* the meter's line carries its serial */
	ck_assert_str_eq(sv(json_array_get(json_object_get(r[2], "lines"), 0), "basis"), "meter");

	/* the building's PDF: premises 1, 2, 10, i.e. accounts 3, 2, 1 */
	snprintf(file, sizeof file, "%s/receipts.pdf", h.dir);
	free(run("amrctl billing receipts --building %lld --period %s -o %s", sc.bld, sc.per,
		 file));
	out = run("pdfinfo %s", file);
	ck_assert_msg(strstr(out, "Pages:           3"), "%s", out);
	free(out);
	for (int pg = 1; pg <= 3; pg++) {
		int i = 4 - pg;

		page = run("pdftotext -layout -f %d -l %d %s -", pg, pg, file);
		snprintf(want, sizeof want, "10000%d", i);
		ck_assert_msg(strstr(page, want), "page %d: no %s: %s", pg, want, page);
		ck_assert_msg(strstr(page, sv(json_object_get(r[i], "account"), "holder")),
			      "page %d: %s", pg, page);
		ru_money(sv(json_object_get(r[i], "money"), "charged"), want, sizeof want);
		ck_assert_msg(strstr(page, want), "page %d: no %s: %s", pg, want, page);
		free(page);
		/* the QR code drawn is the payload, byte for byte */
		out = run("pdftoppm -r 150 -png -f %d -l %d %s %s/page%d && "
			  "zbarimg --raw -q -Sbinary %s/page%d*.png",
			  pg, pg, file, h.dir, pg, h.dir, pg);
		out[strcspn(out, "\n")] = 0;
		ck_assert_str_eq(out, sv(r[i], "qr"));
		free(out);
	}
	for (int i = 1; i <= 3; i++)
		json_decref(r[i]);
}
END_TEST

START_TEST(drawn_again_reads_the_same)
{
	char *a, *b, file[512];
	pid_t billing;

	arc_start(&h, NULL);
	billing = br_billing_start(&h, NULL, NULL);
	build();
	draft_issue();
	snprintf(file, sizeof file, "%s/one.pdf", h.dir);
	free(run("amrctl billing receipt %lld --period %s -o %s", sc.acc[2], sc.per, file));
	a = run("pdftotext -layout %s -", file);
	/* a clean exit (the workers stopped, nothing leaked), then a new
	 * process with nothing kept draws it anew from the issued invoice */
	ck_assert_int_eq(harness_kill(&h, billing, SIGTERM), 0);
	br_billing_start(&h, NULL, NULL);
	free(run("rm %s && amrctl billing receipt %lld --period %s -o %s", file, sc.acc[2], sc.per,
		 file));
	b = run("pdftotext -layout %s -", file);
	ck_assert_str_eq(a, b);
	ck_assert_msg(strstr(a, "100002"), "%s", a);
	free(a);

	/* in small chunks: the chunks after the first are cut from the file
	 * kept, nothing gathered or drawn again */
	{
		static const char gathered[] =
			"amr_billing_rpc_total{method=\"receipts\",result=\"ok\"}";
		long long drawn = bil_metric(&h, "amr_billing_files_rendered_total"),
			  hits = bil_metric(&h, "amr_billing_files_kept_hits_total"),
			  asked = bil_metric(&h, gathered);
		char *said, small[512];
		json_t *info;

		snprintf(small, sizeof small, "%s/small.pdf", h.dir);
		said = run("amrctl --compact get billing/receipts '{\"building\":%lld,\"period\":"
			   "\"%s\",\"max\":4096}' -o %s",
			   sc.bld, sc.per, small);
		info = json_loads(said, 0, NULL);
		ck_assert_ptr_nonnull(info);
		ck_assert_int_gt(json_integer_value(json_object_get(info, "size")), 3 * 4096);
		ck_assert_int_eq(bil_metric(&h, "amr_billing_files_rendered_total"), drawn + 1);
		ck_assert_int_eq(bil_metric(&h, gathered), (asked < 0 ? 0 : asked) + 1);
		ck_assert_int_eq(bil_metric(&h, "amr_billing_files_kept_hits_total") - hits,
				 (json_integer_value(json_object_get(info, "size")) + 4095) / 4096 -
					 1);
		json_decref(info);
		free(said);
	}

	/* by its лицевой счёт, as an accountant knows it: the same receipt */
	{
		char *c2, other[512];

		snprintf(other, sizeof other, "%s/by-number.pdf", h.dir);
		free(run("amrctl billing receipt 100002 --org 1 --period %s -o %s", sc.per, other));
		c2 = run("pdftotext -layout %s -", other);
		ck_assert_str_eq(c2, b);
		free(c2);
		free(b);
	}
	br_refused(&h, "billing/receipt", "not_found", "number: organisation 1 has no account 999",
		   "{\"org\":1,\"number\":\"999\",\"period\":\"%s\"}", sc.per);

	/* refused, naming what */
	br_refused(&h, "billing/receipt", "bad_request", "period: \"2026-13\"",
		   "{\"account\":%lld,\"period\":\"2026-13\"}", sc.acc[2]);
	br_refused(&h, "billing/receipt", "bad_request", "lang",
		   "{\"invoice\":\"%s/%lld/%lld\","
		   "\"lang\":\"de\"}",
		   sc.per, sc.bld, sc.acc[2]);
	br_refused(&h, "billing/receipt", "not_found", "invoice: there is no invoice",
		   "{\"invoice\":\"%s/%lld/999\"}", sc.per, sc.bld);
	br_refused(&h, "billing/receipts", "bad_request", "building", "{\"period\":\"%s\"}",
		   sc.per);
	br_refused(&h, "billing/receipts", "not_found", "period: building 999 has no run",
		   "{\"building\":999,\"period\":\"%s\"}", sc.per);
}
END_TEST

/* The notice before a restriction printed on the receipt (Правила 354
 * п. 119): while account 1's electricity restriction is proposed, its
 * receipt warns of it in its language, in the PDF too; once cancelled,
 * it does not, and another account's never did. */
START_TEST(restriction_warning_on_the_receipt)
{
	json_t *r, *c;
	char *page, file[512], debt[64];
	long long el, t, prem, id;

	arc_start(&h, NULL);
	br_billing_start(&h, NULL, NULL);
	build();
	draft_issue();
	/* electricity with an output to cut, and a debt of long ago */
	el = br_service(&h, 1, "electricity", "Электроснабжение", "kWh", "\"norm\":\"100\"");
	t = br_create(&h, "tariff",
		      "\"org\":1,\"service\":%lld,\"name\":\"ЭЭ\",\"kind\":\"per_unit\"", el);
	br_create(&h, "tariff.version",
		  "\"tariff\":%lld,\"from\":\"2020-01-01\",\"price\":\"5.00\"", t);
	c = br_call(&h, "billing/account.get", "{\"id\":%lld}", sc.acc[1]);
	prem = json_integer_value(
		json_object_get(json_array_get(json_object_get(c, "premises"), 0), "premises"));
	json_decref(c);
	br_create(
		&h, "meter",
		"\"premises\":%lld,\"service\":%lld,\"channel\":\"1.1.2\",\"from\":\"2020-01-01\","
		"\"output\":\"1.1.2\"",
		prem, el);
	json_decref(br_call(&h, "billing/account.opening",
			    "{\"account\":%lld,\"actor\":\"accountant\",\"reason\":\"old debt\","
			    "\"date\":\"2020-01-01\",\"items\":[{\"period\":\"2019-11\","
			    "\"amount\":\"12345.67\"}]}",
			    sc.acc[1]));
	c = br_call(&h, "billing/restriction.propose",
		    "{\"account\":%lld,\"service\":\"electricity\",\"actor\":\"accountant\"}",
		    sc.acc[1]);
	id = json_integer_value(json_object_get(c, "id"));
	ru_money(sv(c, "debt"), debt, sizeof debt);
	json_decref(c);

	r = br_call(&h, "billing/receipt",
		    "{\"account\":%lld,\"period\":\"%s\",\"format\":\"json\"}", sc.acc[1], sc.per);
	ck_assert_msg(strstr(sv(r, "notice"), "ПРЕДУПРЕЖДЕНИЕ") &&
			      strstr(sv(r, "notice"), "«Электроснабжение»") &&
			      strstr(sv(r, "notice"), debt) && strstr(sv(r, "notice"), "20 дней"),
		      "%s (debt %s)", sv(r, "notice"), debt);
	json_decref(r);
	r = br_call(&h, "billing/receipt",
		    "{\"account\":%lld,\"period\":\"%s\",\"format\":\"json\",\"lang\":\"en\"}",
		    sc.acc[1], sc.per);
	ck_assert_msg(strstr(sv(r, "notice"), "WARNING of restriction"), "%s", sv(r, "notice"));
	json_decref(r);
	r = br_call(&h, "billing/receipt",
		    "{\"account\":%lld,\"period\":\"%s\",\"format\":\"json\"}", sc.acc[2], sc.per);
	ck_assert_ptr_null(json_object_get(r, "notice"));
	json_decref(r);
	/* on paper: the building's PDF, account 1's page (the last) */
	snprintf(file, sizeof file, "%s/warned.pdf", h.dir);
	free(run("amrctl billing receipts --building %lld --period %s -o %s", sc.bld, sc.per,
		 file));
	page = run("pdftotext -f 3 -l 3 %s -", file);
	ck_assert_msg(strstr(page, "ПРЕДУПРЕЖДЕНИЕ") && strstr(page, "100001"), "%s", page);
	free(page);
	page = run("pdftotext -f 1 -l 2 %s -", file);
	ck_assert_msg(!strstr(page, "ПРЕДУПРЕЖДЕНИЕ"), "%s", page);
	free(page);

	json_decref(br_call(
		&h, "billing/restriction.cancel",
		"{\"id\":%lld,\"actor\":\"accountant\",\"reason\":\"paid at the desk\"}", id));
	r = br_call(&h, "billing/receipt",
		    "{\"account\":%lld,\"period\":\"%s\",\"format\":\"json\"}", sc.acc[1], sc.per);
	ck_assert_ptr_null(json_object_get(r, "notice"));
	json_decref(r);
}
END_TEST

static Suite *receipts_suite(void)
{
	Suite *s = suite_create("billing_receipts");
	TCase *tc = tcase_create("receipts");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, receipts_carry_the_money_and_the_qr);
	tcase_add_test(tc, drawn_again_reads_the_same);
	tcase_add_test(tc, restriction_warning_on_the_receipt);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(receipts_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
