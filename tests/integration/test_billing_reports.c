/*
 * The accounting reports (billing/report) with a real Mosquitto,
 * amr-archive and amr-billing: a building's month drafted and issued from
 * the archive's readings, an opening debt, payments and a reversal; then
 * every report's rows and totals against what the other methods answer
 * (totals are the sums of the rows; the charges are the invoices' totals;
 * the turnover sheet's identity holds on every row and in the totals; the
 * debtors and the balance are billing/debtors' and building.balance's;
 * the readings are the invoices', end - start the quantity), and bad
 * arguments refused naming the field.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <jansson.h>

#include "archive_util.h"
#include "billrun_util.h"
#include "harness.h"
#include "month.h"

static struct harness h;

/* The building of the tests. */
struct scene {
	struct month p0, cur;
	char per0[8], from[11], today[11], pay_day[11], before[11];
	int64_t t0[32];
	long long org, bld, p[4], acc[4], cold, maint;
	struct feed f;
};

static struct scene sc;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	arc_start(&h, NULL);
	br_billing_start(&h, NULL, NULL);
}

static void teardown(void)
{
	harness_stop(&h);
}

/* Roubles "-1234.56" as kopecks. */
static long long kop(const char *s)
{
	const char *dot;
	long long v;

	ck_assert_ptr_nonnull(s);
	dot = strchr(s, '.');
	ck_assert_msg(dot && strlen(dot + 1) == 2, "%s: not money", s);
	v = llabs(atoll(s)) * 100 + atoll(dot + 1);
	return s[0] == '-' ? -v : v;
}

static long long cell(const json_t *row, const char *key)
{
	return kop(json_string_value(json_object_get(row, key)));
}

/* The local (Moscow) date of t. */
static void local_date(time_t t, char *buf)
{
	struct tm tm;

	t += 3 * 3600;
	gmtime_r(&t, &tm);
	strftime(buf, 11, "%Y-%m-%d", &tm);
}

static void build_scene(void)
{
	time_t now = time(NULL);
	struct tm tm;
	struct month prev;
	char buf[16];

	memset(&sc, 0, sizeof sc);
	local_date(now, sc.today);
	now += 3 * 3600;
	gmtime_r(&now, &tm);
	sc.cur = (struct month){ tm.tm_year + 1900, tm.tm_mon + 1 };
	sc.p0 = month_add(sc.cur, -2);
	prev = month_add(sc.p0, -1);
	month_format(&sc.p0, sc.per0);
	month_date(&sc.p0, 0, sc.from);
	month_date(&sc.cur, 0, sc.pay_day); /* the 1st of this month */
	month_date(&prev, month_days(&prev) - 1, sc.before);
	ck_assert_int_eq(month_utc_days(&sc.p0, "Europe/Moscow", sc.t0), 0);

	sc.org = br_org(&h);
	sc.bld = br_create(&h, "building",
			   "\"org\":%lld,\"address\":\"ул. Садовая, 12\",\"tz\":\"Europe/Moscow\","
			   "\"objects\":[1],\"odn_uncapped\":true,\"house_meters\":[{\"resource\":"
			   "\"cold_water\",\"channel\":\"1.4.1\"}]",
			   sc.org);
	for (int i = 1; i <= 3; i++)
		sc.p[i] = br_create(&h, "premises",
				    "\"building\":%lld,\"number\":\"%d\",\"kind\":\"flat\","
				    "\"area\":\"%d\",\"residents\":%d",
				    sc.bld, i, 20 + 10 * i, i);
	for (int i = 1; i <= 3; i++)
		sc.acc[i] = br_create(
			&h, "account",
			"\"org\":%lld,\"number\":\"10000%d\",\"holder\":{\"type\":"
			"\"person\",\"name\":\"Жилец %d\"},\"premises\":[{\"premises\":"
			"%lld,\"from\":\"2020-01-01\"}]",
			sc.org, i, i, sc.p[i]);
	sc.cold = br_service(&h, sc.org, "cold_water", "Холодная вода", "m3", "\"norm\":\"4.745\"");
	sc.maint = br_service(&h, sc.org, "maintenance", "Содержание", "m2", "");
	br_tariff(&h, sc.org, sc.cold, "ХВС", "per_unit", "\"price\":\"42.30\"");
	br_tariff(&h, sc.org, sc.maint, "Содержание", "per_area", "\"price\":\"25.50\"");
	/* flats 1 and 2 metered; flat 3 without a meter: billed by the norm */
	br_create(&h, "meter",
		  "\"premises\":%lld,\"service\":%lld,\"channel\":\"1.1.1\",\"serial\":\"ХВ-1\","
		  "\"from\":\"2020-01-01\",\"initial\":\"100.000\"",
		  sc.p[1], sc.cold);
	br_create(&h, "meter",
		  "\"premises\":%lld,\"service\":%lld,\"channel\":\"1.2.1\",\"serial\":\"ХВ-2\","
		  "\"from\":\"2020-01-01\"",
		  sc.p[2], sc.cold);

	/* readings: a first one before the month, then twice a day; the house
	 * meter counts the flats and 30 pulses more */
	feed_init(&sc.f, &h, 1);
	{
		struct feed_reading first[3] = { { 1, 1, 0 }, { 2, 1, 0 }, { 4, 1, 0 } };

		feed_send(&sc.f, sc.t0[0] - 86400, first, 3);
	}
	br_channel_unit(&h, "1.1.1", "m3", 100);
	br_channel_unit(&h, "1.2.1", "m3", 100);
	br_channel_unit(&h, "1.4.1", "m3", 100);
	for (int d = 0; d < month_days(&sc.p0); d++)
		for (int half = 0; half < 2; half++) {
			uint32_t a = (uint32_t)(d % 5 + 1), b = (uint32_t)(d % 3 + 2);
			struct feed_reading r[3] = { { 1, 1, a },
						     { 2, 1, b },
						     { 4, 1, a + b + 30 } };

			feed_send(&sc.f, sc.t0[d] + 2 * 3600 + half * 12 * 3600, r, 3);
		}

	/* flat 3 came over owing 1000.00 for the month before */
	month_format(&prev, buf);
	json_decref(
		br_call(&h, "billing/account.opening",
			"{\"account\":%lld,\"actor\":\"accountant\",\"reason\":\"old system\","
			"\"date\":\"%s\",\"items\":[{\"period\":\"%s\",\"amount\":\"1000.00\"}]}",
			sc.acc[3], sc.before, buf));
	json_decref(br_call(&h, "billing/run.draft",
			    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}",
			    sc.bld, sc.per0));
	json_decref(br_call(&h, "billing/run.issue",
			    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}",
			    sc.bld, sc.per0));
	json_decref(br_call(&h, "billing/payment.create",
			    "{\"actor\":\"accountant\",\"account\":%lld,\"date\":\"%s\",\"amount\":"
			    "\"500.00\",\"reference\":\"K-1\"}",
			    sc.acc[1], sc.pay_day));
	{
		json_t *e = br_call(&h, "billing/payment.create",
				    "{\"actor\":\"accountant\",\"account\":%lld,\"date\":\"%s\","
				    "\"amount\":\"300.00\",\"reference\":\"K-2\"}",
				    sc.acc[2], sc.pay_day);

		json_decref(br_call(&h, "billing/payment.reverse",
				    "{\"seq\":%lld,\"actor\":\"accountant\",\"reason\":\"wrong "
				    "account\",\"date\":\"%s\"}",
				    (long long)json_integer_value(json_object_get(e, "seq")),
				    sc.today));
		json_decref(e);
	}
}

static json_t *report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *report(const char *fmt, ...)
{
	char args[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	return br_call(&h, "billing/report", "%s", args);
}

/* The row of rows whose key is value, or NULL. */
static json_t *row_of(const json_t *table, const char *key, const char *value)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(table, "rows"), i, r)
		if (!strcmp(json_string_value(json_object_get(r, key)) ?: "", value))
			return r;
	return NULL;
}

/* The totals' money cell key is the sum of the rows'. */
static void totals_are_sums(const json_t *table, const char *key)
{
	long long sum = 0;
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(table, "rows"), i, r)
		sum += cell(r, key);
	ck_assert_msg(sum == cell(json_object_get(table, "totals"), key),
		      "%s: rows %lld, totals %s", key, sum,
		      json_string_value(json_object_get(json_object_get(table, "totals"), key)));
}

/* Every column's key names a type of tabout.h. */
static void columns_typed(const json_t *table, size_t n)
{
	static const char *const types[] = { "text", "int", "money", "decimal", "percent", "date" };
	json_t *c;
	size_t i;

	ck_assert_uint_eq(json_array_size(json_object_get(table, "columns")), n);
	json_array_foreach(json_object_get(table, "columns"), i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));
		bool ok = false;

		for (size_t k = 0; t && k < sizeof types / sizeof types[0]; k++)
			ok |= !strcmp(t, types[k]);
		ck_assert_msg(ok, "column %zu: type %s", i, t ? t : "(none)");
		ck_assert_ptr_nonnull(json_string_value(json_object_get(c, "title")));
	}
}

static long long invoice_total(long long account)
{
	json_t *inv = br_invoice(&h, sc.per0, sc.bld, account);
	long long t = kop(json_string_value(json_object_get(inv, "total")));

	json_decref(inv);
	return t;
}

static void check_turnover(void)
{
	static const char *const money[] = { "opening", "charges",   "payments",
					     "other",	"penalties", "closing" };
	json_t *t = report("{\"report\":\"turnover\",\"org\":%lld,\"from\":\"%s\",\"to\":\"%s\"}",
			   sc.org, sc.from, sc.today);
	json_t *r, *tot = json_object_get(t, "totals");
	size_t i;

	ck_assert_str_eq(json_string_value(json_object_get(t, "title")),
			 "Оборотно-сальдовая ведомость");
	columns_typed(t, 9);
	ck_assert_uint_eq(json_array_size(json_object_get(t, "rows")), 3);
	json_array_foreach(json_object_get(t, "rows"), i, r) {
		/* opening + charges - payments + penalties + other = closing */
		ck_assert_int_eq(cell(r, "opening") + cell(r, "charges") - cell(r, "payments") +
					 cell(r, "penalties") + cell(r, "other"),
				 cell(r, "closing"));
		/* the closing balance is the journal's */
		{
			json_t *b = br_call(
				&h, "billing/account.balance", "{\"account\":%lld,\"date\":\"%s\"}",
				(long long)json_integer_value(json_object_get(r, "account")),
				sc.today);

			ck_assert_int_eq(cell(b, "balance"), cell(r, "closing"));
			json_decref(b);
		}
	}
	for (i = 0; i < sizeof money / sizeof money[0]; i++)
		totals_are_sums(t, money[i]);
	ck_assert_int_eq(cell(tot, "opening") + cell(tot, "charges") - cell(tot, "payments") +
				 cell(tot, "penalties") + cell(tot, "other"),
			 cell(tot, "closing"));
	r = row_of(t, "number", "100001");
	ck_assert_int_eq(cell(r, "opening"), 0);
	ck_assert_int_eq(cell(r, "charges"), invoice_total(sc.acc[1]));
	ck_assert_int_eq(cell(r, "payments"), 50000);
	r = row_of(t, "number", "100002");
	ck_assert_int_eq(cell(r, "payments"), 30000);
	ck_assert_int_eq(cell(r, "other"), 30000); /* the reversal */
	r = row_of(t, "number", "100003");
	ck_assert_int_eq(cell(r, "opening"), 100000);
	ck_assert_str_eq(json_string_value(json_object_get(r, "premises")), "3");
	json_decref(t);

	/* a span after everything: the openings are the closings, nothing moved */
	t = report(
		"{\"report\":\"turnover\",\"org\":%lld,\"building\":%lld,\"from\":\"2099-01-01\","
		"\"to\":\"2099-01-31\",\"lang\":\"en\"}",
		sc.org, sc.bld);
	ck_assert_str_eq(json_string_value(json_object_get(t, "title")), "Turnover balance sheet");
	json_array_foreach(json_object_get(t, "rows"), i, r) {
		ck_assert_int_eq(cell(r, "opening"), cell(r, "closing"));
		ck_assert_int_eq(cell(r, "charges") + cell(r, "payments"), 0);
	}
	json_decref(t);
}

static void check_charges(void)
{
	json_t *t = report("{\"report\":\"charges\",\"building\":%lld,\"period\":\"%s\"}", sc.bld,
			   sc.per0);
	json_t *list = br_call(&h, "billing/invoice.list", "{\"building\":%lld,\"period\":\"%s\"}",
			       sc.bld, sc.per0);
	json_t *inv, *r;
	long long sum = 0;
	size_t i;
	bool odn = false, norm = false;

	columns_typed(t, 6);
	json_array_foreach(json_object_get(list, "invoices"), i, inv)
		sum += kop(json_string_value(json_object_get(inv, "total")));
	ck_assert_int_gt(sum, 0);
	ck_assert_int_eq(cell(json_object_get(t, "totals"), "amount"), sum);
	totals_are_sums(t, "amount");
	ck_assert_int_eq(
		kop(json_string_value(json_object_get(json_object_get(t, "invoices"), "total"))),
		sum);
	json_array_foreach(json_object_get(t, "rows"), i, r) {
		const char *b = json_string_value(json_object_get(r, "basis_code"));

		odn |= !strcmp(b, "odn");
		norm |= !strcmp(b, "norm");
		if (!strcmp(b, "norm")) /* 4.745 m3 x 3 residents, no meter: x 1.5 not set */
			ck_assert_str_eq(json_string_value(json_object_get(r, "quantity")),
					 "14.235");
	}
	ck_assert_msg(odn && norm, "charges: %s",
		      json_dumps(json_object_get(t, "rows"), JSON_COMPACT));
	json_decref(list);
	json_decref(t);
}

static void check_payments(void)
{
	json_t *t = report("{\"report\":\"payments\",\"org\":%lld,\"from\":\"%s\",\"to\":\"%s\"}",
			   sc.org, sc.from, sc.today);
	json_t *rows = json_object_get(t, "rows"), *days = json_object_get(t, "days");
	long long per_day = 0;
	json_t *d;
	size_t i;

	columns_typed(t, 7);
	ck_assert_uint_eq(json_array_size(rows), 3);
	ck_assert_int_eq(cell(json_array_get(rows, 0), "amount") +
				 cell(json_array_get(rows, 1), "amount"),
			 80000);
	ck_assert_int_eq(cell(json_array_get(rows, 2), "amount"), -30000);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 2), "kind")),
			 "reversal");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 0), "source")),
			 "введён: accountant");
	ck_assert_int_eq(cell(json_object_get(t, "totals"), "amount"), 50000);
	totals_are_sums(t, "amount");
	json_array_foreach(days, i, d)
		per_day += cell(d, "amount");
	ck_assert_int_eq(per_day, 50000);
	json_decref(t);
}

static void check_debtors(void)
{
	json_t *t = report("{\"report\":\"debtors\",\"org\":%lld}", sc.org);
	json_t *d = br_call(&h, "billing/debtors", "{\"org\":%lld}", sc.org);
	json_t *r;

	columns_typed(t, 12);
	ck_assert_uint_eq(json_array_size(json_object_get(t, "rows")),
			  json_array_size(json_object_get(d, "debtors")));
	ck_assert_int_eq(cell(json_object_get(t, "totals"), "overdue"), cell(d, "total"));
	ck_assert_int_eq(cell(json_object_get(t, "totals"), "penalties"), cell(d, "penalties"));
	totals_are_sums(t, "overdue");
	totals_are_sums(t, "over_6m");
	r = row_of(t, "number", "100003");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_ge(cell(r, "overdue"), 100000);
	ck_assert_str_eq(json_string_value(json_object_get(r, "premises")), "3");
	json_decref(d);
	json_decref(t);
}

static void check_balance(void)
{
	json_t *t = report("{\"report\":\"balance\",\"building\":%lld,\"period\":\"%s\"}", sc.bld,
			   sc.per0);
	json_t *b = br_call(&h, "billing/building.balance", "{\"building\":%lld,\"period\":\"%s\"}",
			    sc.bld, sc.per0);
	json_t *r = json_array_get(json_object_get(t, "rows"), 0);
	json_t *it = json_array_get(json_object_get(b, "resources"), 0);
	static const char *const same[] = { "house", "premises", "odn", "difference",
					    "difference_pct" };

	columns_typed(t, 10);
	ck_assert_uint_eq(json_array_size(json_object_get(t, "rows")), 1);
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
		ck_assert_str_eq(json_string_value(json_object_get(r, same[i])),
				 json_string_value(json_object_get(it, same[i])));
	ck_assert_int_eq(br_milli(json_string_value(json_object_get(r, "metered"))) +
				 br_milli(json_string_value(json_object_get(r, "estimated"))),
			 br_milli(json_string_value(json_object_get(r, "premises"))));
	ck_assert_str_eq(json_string_value(json_object_get(r, "estimated")), "14.235");
	ck_assert_str_eq(json_string_value(json_object_get(r, "unit")), "м³");
	json_decref(b);
	json_decref(t);
}

static void check_readings(void)
{
	json_t *t = report("{\"report\":\"readings\",\"building\":%lld,\"period\":\"%s\","
			   "\"service\":\"cold_water\"}",
			   sc.bld, sc.per0);
	json_t *inv = br_invoice(&h, sc.per0, sc.bld, sc.acc[1]);
	json_t *r = row_of(t, "number", "100001");
	long long sum = 0;
	json_t *x;
	size_t i;

	columns_typed(t, 10);
	ck_assert_uint_eq(json_array_size(json_object_get(t, "rows")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(r, "quantity")),
			 br_qty(inv, sc.p[1], "cold_water", "meter", ""));
	ck_assert_str_eq(json_string_value(json_object_get(r, "basis")), "meter");
	/* the meter's readings: from its initial 100.000 on, end - start billed */
	ck_assert_str_eq(json_string_value(json_object_get(r, "serial")), "ХВ-1");
	ck_assert_str_eq(json_string_value(json_object_get(r, "start")), "100.000");
	ck_assert_int_eq(br_milli(json_string_value(json_object_get(r, "end"))) -
				 br_milli(json_string_value(json_object_get(r, "start"))),
			 br_milli(json_string_value(json_object_get(r, "quantity"))));
	r = row_of(t, "number", "100003");
	ck_assert_str_eq(json_string_value(json_object_get(r, "basis")), "norm");
	ck_assert_ptr_null(json_object_get(r, "start"));
	json_array_foreach(json_object_get(t, "rows"), i, x)
		sum += br_milli(json_string_value(json_object_get(x, "quantity")));
	ck_assert_int_eq(sum, br_milli(json_string_value(
				      json_object_get(json_object_get(t, "totals"), "quantity"))));
	json_decref(inv);
	json_decref(t);
}

/* amrctl prints a report as a table for people, its JSON with
 * --compact, and refuses a bad command line without sending it. */
static void check_amrctl(void)
{
	char cmd[256], *out;
	json_t *t;
	int status;

	snprintf(cmd, sizeof cmd, "amrctl billing report charges building=%lld period=%s", sc.bld,
		 sc.per0);
	out = harness_run(&h, cmd, &status);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_msg(strstr(out, "Начисления по услугам") && strstr(out, "Итого") &&
			      strstr(out, "по нормативу"),
		      "%s", out);
	free(out);
	snprintf(cmd, sizeof cmd, "amrctl --compact billing report turnover org=%lld from=%s to=%s",
		 sc.org, sc.from, sc.today);
	out = harness_run(&h, cmd, &status);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	t = json_loads(out, 0, NULL);
	ck_assert_msg(t != NULL, "%s", out);
	ck_assert_uint_eq(json_array_size(json_object_get(t, "rows")), 3);
	json_decref(t);
	free(out);
	free(harness_run(&h, "amrctl billing report debtors org 2>/dev/null", &status));
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	free(harness_run(&h, "amrctl billing report debtors org=1 --format pdf 2>/dev/null",
			 &status));
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	free(harness_run(&h, "amrctl billing report debtors org=99 2>/dev/null", &status));
	ck_assert_int_eq(WEXITSTATUS(status), 1);
}

/* The whole of file path (new, NUL-terminated), its size in *n. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	ck_assert_msg(f != NULL, "%s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = 0;
	fclose(f);
	*n = (size_t)len;
	return buf;
}

/* Money "1234.56" as the files write it: "1234,56" (CSV), "1 234,56" (PDF). */
static void ru_money(const char *m, bool spaces, char *buf)
{
	const char *dot = strchr(m, '.');
	size_t ni = (size_t)(dot - m), o = 0, neg = m[0] == '-';

	for (size_t i = 0; i < ni; i++) {
		if (spaces && i > neg && (ni - i) % 3 == 0)
			buf[o++] = ' ';
		buf[o++] = m[i];
	}
	sprintf(buf + o, ",%s", dot + 1);
}

/* The turnover sheet fetched as CSV, XLSX and PDF by amrctl (in chunks,
 * checked): the same figures as its JSON. */
static void check_files(void)
{
	char cmd[3000], path[400], want[64], *out, *text;
	const char *closing;
	json_t *t;
	size_t n;
	int status;

	t = report("{\"report\":\"turnover\",\"org\":%lld,\"from\":\"%s\",\"to\":\"%s\"}", sc.org,
		   sc.from, sc.today);
	closing = json_string_value(json_object_get(json_object_get(t, "totals"), "closing"));

	/* CSV: a BOM, the titles as the header, ';', a decimal comma */
	snprintf(path, sizeof path, "%s/t.csv", h.dir);
	snprintf(cmd, sizeof cmd,
		 "amrctl billing report turnover org=%lld from=%s to=%s --format csv -o %s", sc.org,
		 sc.from, sc.today, path);
	out = harness_run(&h, cmd, &status);
	ck_assert_msg(WEXITSTATUS(status) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "text/csv"));
	free(out);
	text = slurp(path, &n);
	ck_assert_mem_eq(text, "\xEF\xBB\xBF", 3);
	ck_assert_msg(
		!strncmp(
			text + 3,
			"Лицевой счёт;Владелец;Помещение;Сальдо на начало, ₽;Начислено, ₽;"
			"Оплачено (поступило), ₽;Пени, ₽;",
			strlen("Лицевой счёт;Владелец;Помещение;Сальдо на начало, ₽;"
			       "Начислено, ₽;Оплачено (поступило), ₽;Пени, ₽;")),
		"%.300s", text);
	ru_money(closing, false, want);
	ck_assert_msg(strstr(text, "Итого;") && strstr(text, want), "%s not in %s", want, text);
	ck_assert_msg(strstr(text, ";1000,00;"), "%s", text); /* flat 3's opening debt */
	free(text);

	/* XLSX: every cell as the JSON says, read back by openpyxl */
	snprintf(path, sizeof path, "%s/t.json", h.dir);
	ck_assert_int_eq(json_dump_file(t, path, 0), 0);
	snprintf(cmd, sizeof cmd,
		 "amrctl billing report turnover org=%lld from=%s to=%s -o %s/t.xlsx >/dev/null && "
		 "/usr/bin/python3 '%s/tests/unit/tabout_xlsx_check.py' %s/t.xlsx %s",
		 sc.org, sc.from, sc.today, h.dir,
		 getenv("AMR_SRC_DIR") ? getenv("AMR_SRC_DIR") : ".", h.dir, path);
	out = harness_run(&h, cmd, &status);
	ck_assert_msg(WEXITSTATUS(status) == 0 && !strncmp(out, "ok 4", 4), "%s", out);
	free(out);

	/* PDF: the title and the totals, as print writes them */
	snprintf(cmd, sizeof cmd,
		 "amrctl billing report turnover org=%lld from=%s to=%s -o %s/t.pdf >/dev/null && "
		 "pdftotext -layout %s/t.pdf -",
		 sc.org, sc.from, sc.today, h.dir, h.dir);
	out = harness_run(&h, cmd, &status);
	ru_money(closing, true, want);
	ck_assert_msg(WEXITSTATUS(status) == 0 && strstr(out, "Оборотно-сальдовая ведомость") &&
			      strstr(out, "Итого") && strstr(out, want),
		      "%s not in %s", want, out);
	free(out);
	json_decref(t);

	/* a payment between two chunks: the fetch goes on with the file it
	 * began with, and a new fetch shows the payment */
	{
		json_t *c0, *c1, *c2;

		c0 = report("{\"report\":\"turnover\",\"org\":%lld,\"from\":\"%s\",\"to\":"
			    "\"%s\",\"format\":\"pdf\",\"max\":1000}",
			    sc.org, sc.from, sc.today);
		json_decref(br_call(&h, "billing/payment.create",
				    "{\"actor\":\"accountant\",\"account\":%lld,\"date\":\"%s\","
				    "\"amount\":\"100.00\",\"reference\":\"K-3\"}",
				    sc.acc[3], sc.today));
		c1 = report("{\"report\":\"turnover\",\"org\":%lld,\"from\":\"%s\",\"to\":"
			    "\"%s\",\"format\":\"pdf\",\"max\":1000,\"offset\":1000,"
			    "\"sha256\":\"%s\"}",
			    sc.org, sc.from, sc.today,
			    json_string_value(json_object_get(c0, "sha256")));
		ck_assert_str_eq(json_string_value(json_object_get(c1, "sha256")),
				 json_string_value(json_object_get(c0, "sha256")));
		ck_assert_int_eq(json_integer_value(json_object_get(c1, "offset")), 1000);
		c2 = report("{\"report\":\"turnover\",\"org\":%lld,\"from\":\"%s\",\"to\":"
			    "\"%s\",\"format\":\"pdf\",\"max\":1000}",
			    sc.org, sc.from, sc.today);
		ck_assert_str_ne(json_string_value(json_object_get(c2, "sha256")),
				 json_string_value(json_object_get(c0, "sha256")));
		snprintf(want, sizeof want, "turnover-%s-%s.pdf", sc.from, sc.today);
		ck_assert_str_eq(json_string_value(json_object_get(c0, "name")), want);
		json_decref(c2);
		json_decref(c0);
		json_decref(c1);
	}
}

START_TEST(reports_add_up)
{
	build_scene();
	check_turnover();
	check_charges();
	check_payments();
	check_debtors();
	check_balance();
	check_readings();
	check_amrctl();
	check_files();
}
END_TEST

START_TEST(bad_arguments_named)
{
	memset(&sc, 0, sizeof sc);
	sc.org = br_org(&h);
	sc.bld = br_create(&h, "building",
			   "\"org\":%lld,\"address\":\"ул. Садовая, 12\",\"tz\":\"Europe/Moscow\"",
			   sc.org);
	strcpy(sc.per0, "2026-01");
	br_refused(&h, "billing/report", "bad_request", "report:", "{\"report\":\"profit\"}");
	br_refused(&h, "billing/report", "bad_request", "report:", "{\"org\":1}");
	br_refused(&h, "billing/report", "not_found", "org: there is no org 99",
		   "{\"report\":\"turnover\",\"org\":99,\"from\":\"2026-01-01\",\"to\":"
		   "\"2026-01-31\"}");
	br_refused(&h, "billing/report", "bad_request", "to: 2026-01-01 is before from",
		   "{\"report\":\"turnover\",\"org\":%lld,\"from\":\"2026-01-31\",\"to\":"
		   "\"2026-01-01\"}",
		   sc.org);
	br_refused(&h, "billing/report", "bad_request", "from: \"31.01.2026\" is not a date",
		   "{\"report\":\"payments\",\"org\":%lld,\"from\":\"31.01.2026\",\"to\":"
		   "\"2026-01-01\"}",
		   sc.org);
	br_refused(&h, "billing/report", "not_found", "building: there is no building 99",
		   "{\"report\":\"charges\",\"building\":99,\"period\":\"%s\"}", sc.per0);
	br_refused(&h, "billing/report", "not_found", "period: building",
		   "{\"report\":\"balance\",\"building\":%lld,\"period\":\"2001-01\"}", sc.bld);
	br_refused(&h, "billing/report", "bad_request",
		   "period:", "{\"report\":\"readings\",\"building\":%lld,\"period\":\"2026-13\"}",
		   sc.bld);
	br_refused(&h, "billing/report", "bad_request", "date:",
		   "{\"report\":\"turnover\",\"org\":1,"
		   "\"from\":\"2026-01-01\",\"to\":\"2026-01-02\",\"date\":\"2026-01-01\"}");
	br_refused(&h, "billing/report", "not_found", "building: there is no building 99",
		   "{\"report\":\"debtors\",\"org\":%lld,\"building\":99}", sc.org);
	br_refused(&h, "billing/report", "bad_request",
		   "min_debt:", "{\"report\":\"debtors\",\"org\":%lld,\"min_debt\":\"1,5\"}",
		   sc.org);
	br_refused(&h, "billing/report", "bad_request",
		   "format:", "{\"report\":\"debtors\",\"org\":%lld,\"format\":\"doc\"}", sc.org);
	br_refused(&h, "billing/report", "bad_request",
		   "lang:", "{\"report\":\"debtors\",\"org\":%lld,\"lang\":\"de\"}", sc.org);
}
END_TEST

static Suite *reports_suite(void)
{
	Suite *s = suite_create("billing_reports");
	TCase *tc = tcase_create("reports");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, reports_add_up);
	tcase_add_test(tc, bad_arguments_named);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reports_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
