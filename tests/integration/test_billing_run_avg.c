/*
 * Average, norm and recalculation with a real Mosquitto, amr-archive and
 * amr-billing: a flat whose new meter gave no readings is billed, month
 * after month, by the average of its last 3 metered months, 3 times, then
 * by the norm; a non-residential premises by the average twice, then by
 * the norm; a flat without a meter that could have one by the norm x 1.5.
 * When the new meter's readings come in later, the next month's run
 * recalculates every one of those months by meter, at that month's
 * price, and its issue writes a journal adjustment for each.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "archive_util.h"
#include "billrun_util.h"
#include "harness.h"
#include "journal.h"
#include "month.h"

#define NM 8 /* months: 3 by meter, 3 without readings, 1 more, then the run that recalculates */

static struct harness h;
static struct month mo[NM];
static char per[NM][8];
static int64_t t[NM][32];
static long long bld, flat, shop, bare, late, acc[5];

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/audit"), 0);
}

static void teardown(void)
{
	harness_stop(&h);
}

static long long milli(const char *s)
{
	const char *dot = strchr(s, '.');
	long long v;

	ck_assert_msg(dot && strlen(dot + 1) == 3, "%s: not 3 decimals", s);
	v = llabs(atoll(s)) * 1000 + atoll(dot + 1);
	return s[0] == '-' ? -v : v;
}

static long long kop(const char *s)
{
	const char *dot = strchr(s, '.');
	long long v = llabs(atoll(s)) * 100 + atoll(dot + 1);

	return s[0] == '-' ? -v : v;
}

/* n / d rounded half away from zero, d > 0. */
static long long half_up(long long n, long long d)
{
	long long a = (llabs(n) * 2 + d) / (2 * d);

	return n < 0 ? -a : a;
}

static void months(void)
{
	time_t now = time(NULL) + 3 * 3600; /* Moscow */
	struct tm tm;
	struct month cur;

	gmtime_r(&now, &tm);
	cur = (struct month){ tm.tm_year + 1900, tm.tm_mon + 1 };
	for (int i = 0; i < NM; i++) {
		mo[i] = month_add(cur, i - NM);
		month_format(&mo[i], per[i]);
		ck_assert_int_eq(month_utc_days(&mo[i], "Europe/Moscow", t[i]), 0);
	}
}

static void draft_issue(int i)
{
	json_decref(br_call(&h, "billing/run.draft",
			    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}", bld,
			    per[i]));
	json_decref(br_call(&h, "billing/run.issue",
			    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\","
			    "\"reason\":\"monthly\"}",
			    bld, per[i]));
}

/* Readings of channels (addr, ch 1) on the 5th and the 20th of month i. */
static void feed_month(struct feed *f, int i, const int *addrs, size_t n)
{
	for (int day = 4; day <= 19; day += 15) {
		struct feed_reading r[4];

		for (size_t k = 0; k < n; k++)
			r[k] = (struct feed_reading){
				addrs[k], 1, (uint32_t)(i * 37 + day * 11 + addrs[k] * 5) % 90 + 40
			};
		feed_send(f, t[i][day] + 12 * 3600, r, n);
	}
}

/* The one line of service code on account a's invoice of month i. */
static json_t *line_of(int i, int a, long long premises, const char *code, const char *basis,
		       json_t **inv)
{
	*inv = br_invoice(&h, per[i], bld, acc[a]);
	return br_line(*inv, premises, code, basis, "");
}

static void build(struct feed *f)
{
	long long org, cold, tariff;
	char d[11];

	months();
	org = br_org(&h);
	bld = br_create(&h, "building",
			"\"org\":%lld,\"address\":\"ул. Садовая, 1\",\"tz\":\"Europe/Moscow\"",
			org);
	flat = br_create(&h, "premises",
			 "\"building\":%lld,\"number\":\"1\",\"kind\":\"flat\",\"area\":\"40\","
			 "\"residents\":2",
			 bld);
	shop = br_create(&h, "premises",
			 "\"building\":%lld,\"number\":\"2\",\"kind\":\"nonresidential\",\"area\":"
			 "\"60\",\"residents\":1",
			 bld);
	bare = br_create(&h, "premises",
			 "\"building\":%lld,\"number\":\"3\",\"kind\":\"flat\",\"area\":\"35\","
			 "\"residents\":3,\"meter_possible\":true",
			 bld);
	/* its meter's verification ran out at month 1: readings keep coming,
	 * and are never a basis from then on */
	late = br_create(&h, "premises",
			 "\"building\":%lld,\"number\":\"4\",\"kind\":\"flat\",\"area\":\"50\","
			 "\"residents\":1",
			 bld);
	for (int a = 1; a <= 4; a++)
		acc[a] = br_create(
			&h, "account",
			"\"org\":%lld,\"number\":\"30000%d\",\"holder\":{\"type\":"
			"\"person\",\"name\":\"Жилец %d\"},\"premises\":[{\"premises\":%lld,"
			"\"from\":\"2020-01-01\"}]",
			org, a, a,
			a == 1	 ? flat
			: a == 2 ? shop
			: a == 3 ? bare
				 : late);
	cold = br_service(&h, org, "cold_water", "Холодная вода", "m3", "\"norm\":\"4.745\"");
	tariff = br_create(&h, "tariff",
			   "\"org\":%lld,\"service\":%lld,\"name\":\"ХВС\",\"kind\":\"per_unit\"",
			   org, cold);
	/* a new price from month 6 on: its recalculation is at its own price */
	br_create(&h, "tariff.version",
		  "\"tariff\":%lld,\"from\":\"2020-01-01\",\"to\":\"%s\",\"price\":\"42.30\"",
		  tariff, month_date(&mo[6], 0, d));
	br_create(&h, "tariff.version", "\"tariff\":%lld,\"from\":\"%s\",\"price\":\"45.00\"",
		  tariff, d);
	/* the flat's and the shop's meters are replaced at month 3 by meters
	 * whose readings do not come yet */
	month_date(&mo[3], 0, d);
	br_create(
		&h, "meter",
		"\"premises\":%lld,\"service\":%lld,\"channel\":\"1.1.1\",\"from\":\"2020-01-01\","
		"\"to\":\"%s\"",
		flat, cold, d);
	br_create(&h, "meter",
		  "\"premises\":%lld,\"service\":%lld,\"channel\":\"1.2.1\",\"from\":\"%s\"", flat,
		  cold, d);
	br_create(
		&h, "meter",
		"\"premises\":%lld,\"service\":%lld,\"channel\":\"1.3.1\",\"from\":\"2020-01-01\","
		"\"to\":\"%s\"",
		shop, cold, d);
	br_create(&h, "meter",
		  "\"premises\":%lld,\"service\":%lld,\"channel\":\"1.4.1\",\"from\":\"%s\"", shop,
		  cold, d);
	br_create(
		&h, "meter",
		"\"premises\":%lld,\"service\":%lld,\"channel\":\"1.5.1\",\"from\":\"2020-01-01\","
		"\"verification_due\":\"%s\"",
		late, cold, month_date(&mo[1], 0, d));
	feed_init(f, &h, 1);
	{
		static const int old[] = { 1, 3, 5 }, five[] = { 5 };
		struct feed_reading first[3] = { { 1, 1, 0 }, { 3, 1, 0 }, { 5, 1, 0 } };

		feed_send(f, t[0][0] - 86400, first, 3);
		br_channel_unit(&h, "1.1.1", "m3", 100);
		br_channel_unit(&h, "1.3.1", "m3", 100);
		br_channel_unit(&h, "1.5.1", "m3", 100);
		for (int i = 0; i < 3; i++)
			feed_month(f, i, old, 3);
		for (int i = 3; i < NM; i++)
			feed_month(f, i, five, 1);
	}
}

static const char *sv(const json_t *o, const char *name)
{
	const char *s = json_string_value(json_object_get(o, name));

	ck_assert_msg(s != NULL, "no %s", name);
	return s;
}

struct journal_count {
	int charges, adjustments, penalties;
	json_t *adj3; /* the adjustment of month 3 */
};

static int count_fn(const struct journal_entry *e, void *arg)
{
	struct journal_count *jc = arg;

	if (e->kind == JOURNAL_CHARGE)
		jc->charges++;
	if (e->kind == JOURNAL_PENALTY)
		jc->penalties++;
	if (e->kind == JOURNAL_ADJUSTMENT) {
		jc->adjustments++;
		if (!strcmp(e->period, per[3]))
			jc->adj3 = json_deep_copy(e->rec);
	}
	return 0;
}

START_TEST(average_then_norm_then_recalculated)
{
	struct feed f;
	long long q[NM] = { 0 }, sq[NM] = { 0 }, avg, savg, billed[NM] = { 0 };
	long long sbilled[NM] = { 0 }, recalc3 = 0;
	json_t *inv, *l, *run;
	char *c, buf[64];
	pid_t billing;

	arc_start(&h, NULL);
	billing = br_billing_start(&h, NULL, NULL);
	build(&f);

	/* three months by meter */
	for (int i = 0; i < 3; i++) {
		draft_issue(i);
		l = line_of(i, 1, flat, "cold_water", "meter", &inv);
		c = br_consumption(&h, "1.1.1", t[i][0], t[i][month_days(&mo[i])]);
		ck_assert_str_eq(sv(l, "quantity"), c);
		q[i] = milli(c);
		free(c);
		json_decref(inv);
		l = line_of(i, 2, shop, "cold_water", "meter", &inv);
		c = br_consumption(&h, "1.3.1", t[i][0], t[i][month_days(&mo[i])]);
		ck_assert_str_eq(sv(l, "quantity"), c);
		sq[i] = milli(c);
		free(c);
		json_decref(inv);
	}
	avg = half_up(q[0] + q[1] + q[2], 3);
	savg = half_up(sq[0] + sq[1] + sq[2], 3);

	/* the new meters give nothing: the average 3 times (2 for the shop),
	 * then the norm, 4.745 m3 a resident */
	for (int i = 3; i < 7; i++) {
		draft_issue(i);
		l = line_of(i, 1, flat, "cold_water", NULL, &inv);
		ck_assert_ptr_nonnull(l);
		ck_assert_msg(strstr(sv(l, "reason"), "channel 1.2.1 was never seen") != NULL, "%s",
			      sv(l, "reason"));
		if (i < 6) {
			ck_assert_str_eq(sv(l, "basis"), "average");
			snprintf(buf, sizeof buf, "%lld.%03lld", avg / 1000, avg % 1000);
			ck_assert_str_eq(sv(l, "quantity"), buf);
			billed[i] = avg;
		} else {
			ck_assert_str_eq(sv(l, "basis"), "norm");
			ck_assert_str_eq(sv(l, "quantity"), "9.490");
			billed[i] = 9490;
		}
		json_decref(inv);
		l = line_of(i, 2, shop, "cold_water", NULL, &inv);
		ck_assert_ptr_nonnull(l);
		if (i < 5) {
			ck_assert_str_eq(sv(l, "basis"), "average");
			sbilled[i] = savg;
		} else {
			ck_assert_str_eq(sv(l, "basis"), "norm");
			ck_assert_str_eq(sv(l, "quantity"), "4.745");
			sbilled[i] = 4745;
		}
		json_decref(inv);
		/* no meter where one could be: the norm x 1.5, 4.745 x 3 x 1.5 */
		l = line_of(i, 3, bare, "cold_water", "norm", &inv);
		ck_assert_ptr_nonnull(l);
		ck_assert_str_eq(sv(l, "quantity"), "21.3525");
		ck_assert_msg(strstr(sv(l, "reason"), "1.5") != NULL, "%s", sv(l, "reason"));
		json_decref(inv);
	}

	/* the new meters' readings come, months late */
	{
		static const int now_in[] = { 2, 4 };
		struct feed_reading first[2] = { { 2, 1, 0 }, { 4, 1, 0 } };

		feed_send(&f, t[3][0] + 1800, first, 2);
		br_channel_unit(&h, "1.2.1", "m3", 100);
		br_channel_unit(&h, "1.4.1", "m3", 100);
		for (int i = 3; i < NM; i++)
			feed_month(&f, i, now_in, 2);
	}
	run = br_call(&h, "billing/run.draft",
		      "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}", bld,
		      per[7]);
	ck_assert_int_eq(json_array_size(json_object_get(run, "recalculated")), 8);
	json_decref(run);

	/* each month redone by meter: metered less billed, at that month's price */
	inv = br_invoice(&h, per[7], bld, acc[1]);
	c = br_consumption(&h, "1.2.1", t[7][0], t[7][month_days(&mo[7])]);
	ck_assert_str_eq(br_qty(inv, flat, "cold_water", "meter", ""), c);
	free(c);
	for (int i = 3; i < 7; i++) {
		json_t *p = json_array_get(json_object_get(inv, "premises"), 0), *rl = NULL, *x;
		long long diff, price = i < 6 ? 4230 : 4500;
		size_t k;

		json_array_foreach(json_object_get(p, "lines"), k, x)
			if (json_string_value(json_object_get(x, "month")) &&
			    !strcmp(sv(x, "month"), per[i]))
				rl = x;
		ck_assert_msg(rl != NULL, "no recalculation of %s", per[i]);
		ck_assert_str_eq(sv(rl, "basis"), "recalculation");
		c = br_consumption(&h, "1.2.1", t[i][0], t[i][month_days(&mo[i])]);
		diff = milli(c) - billed[i];
		free(c);
		ck_assert_int_eq(milli(sv(rl, "quantity")), diff);
		ck_assert_int_eq(kop(sv(rl, "price")), price);
		ck_assert_int_eq(kop(sv(rl, "amount")), half_up(price * diff, 1000));
		ck_assert_msg(strstr(sv(rl, "reason"), "readings for") != NULL, "%s",
			      sv(rl, "reason"));
		if (i == 3)
			recalc3 = kop(sv(rl, "amount"));
	}
	json_decref(inv);
	inv = br_invoice(&h, per[7], bld, acc[2]);
	for (int i = 3; i < 7; i++) {
		json_t *p = json_array_get(json_object_get(inv, "premises"), 0), *x;
		bool found = false;
		size_t k;

		c = br_consumption(&h, "1.4.1", t[i][0], t[i][month_days(&mo[i])]);
		json_array_foreach(json_object_get(p, "lines"), k, x)
			if (json_string_value(json_object_get(x, "month")) &&
			    !strcmp(sv(x, "month"), per[i])) {
				ck_assert_int_eq(milli(sv(x, "quantity")), milli(c) - sbilled[i]);
				found = true;
			}
		ck_assert_msg(found, "the shop's %s is not recalculated", per[i]);
		free(c);
	}
	json_decref(inv);

	/* the issue: one charge a month, one adjustment for each month redone */
	json_decref(br_call(&h, "billing/run.issue",
			    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}", bld,
			    per[7]));
	/* premises 4: by meter until its verification ran out, then never by
	 * its readings again, nor recalculated by them */
	for (int i = 0; i < NM; i++) {
		json_t *iv = br_call(&h, "billing/invoice.get", "{\"id\":\"%s/%lld/%lld\"}", per[i],
				     bld, acc[4]);
		json_t *p, *x;
		size_t k, j;

		json_array_foreach(json_object_get(iv, "premises"), k, p)
			json_array_foreach(json_object_get(p, "lines"), j, x) {
				const char *b = sv(x, "basis");

				ck_assert_msg(strcmp(b, "recalculation") != 0,
					      "%s: a meter past its verification recalculated",
					      per[i]);
				if (!strcmp(sv(x, "code"), "cold_water"))
					ck_assert_msg(!strcmp(b, i < 1 ? "meter" : "norm"),
						      "%s: premises 4 billed by %s", per[i], b);
			}
		json_decref(iv);
	}
	/* every issue charged the penalties accrued to its period's end: none
	 * is left to charge, and the unpaid months have accrued some */
	{
		char last[11];
		json_t *d;

		month_date(&mo[7], month_days(&mo[7]), last);
		d = br_call(&h, "billing/account.debt", "{\"account\":%lld,\"date\":\"%s\"}",
			    acc[1], last);
		ck_assert_str_eq(sv(json_object_get(d, "penalties"), "not_charged"), "0.00");
		ck_assert_str_eq(sv(json_object_get(d, "penalties"), "charged"),
				 sv(json_object_get(d, "penalties"), "accrued"));
		ck_assert_int_gt(kop(sv(json_object_get(d, "penalties"), "charged")), 0);
		json_decref(d);
	}
	/* the receipt shows the recalculation apart from the month's charge:
	 * its lines' sum, and the whole invoice between the two */
	{
		json_t *rc = br_call(&h, "billing/receipt",
				     "{\"account\":%lld,\"period\":\"%s\",\"format\":\"json\"}",
				     acc[1], per[7]),
		       *m = json_object_get(rc, "money"), *p, *x;
		long long sum = 0;
		size_t k;

		inv = br_invoice(&h, per[7], bld, acc[1]);
		p = json_array_get(json_object_get(inv, "premises"), 0);
		json_array_foreach(json_object_get(p, "lines"), k, x)
			if (!strcmp(sv(x, "basis"), "recalculation"))
				sum += kop(sv(x, "amount"));
		ck_assert_int_ne(sum, 0);
		ck_assert_int_eq(kop(sv(m, "recalculated")), sum);
		ck_assert_str_eq(sv(m, "adjustments"), "0.00");
		ck_assert_int_eq(kop(sv(m, "charged")) + kop(sv(m, "recalculated")),
				 kop(sv(inv, "total")));
		json_decref(inv);
		json_decref(rc);
	}
	harness_kill(&h, billing, SIGTERM);
	{
		struct journal_count jc = { 0, 0, 0, NULL };

		br_journal(&h, acc[1], count_fn, &jc);
		ck_assert_int_eq(jc.charges, NM);
		ck_assert_int_eq(jc.adjustments, 4);
		ck_assert_int_ge(jc.penalties, 1);
		ck_assert_ptr_nonnull(jc.adj3);
		ck_assert_int_eq(kop(sv(jc.adj3, "amount")), recalc3);
		ck_assert_str_eq(sv(jc.adj3, "kind"), "adjustment");
		ck_assert_msg(strstr(sv(jc.adj3, "reason"), "recalculation of") != NULL, "%s",
			      sv(jc.adj3, "reason"));
		json_decref(jc.adj3);
	}
}
END_TEST

static Suite *avg_suite(void)
{
	Suite *s = suite_create("billing_run_avg");
	TCase *tc = tcase_create("avg");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, average_then_norm_then_recalculated);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(avg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
