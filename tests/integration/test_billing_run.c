/*
 * The monthly billing run with a real Mosquitto, amr-archive and
 * amr-billing: invoices whose metered quantities are the archive's own
 * consumption of the premises' channels over the days each account held
 * them (a meter replaced mid-month billed by both, time-of-use zones,
 * wastewater as cold plus hot, a monthly charge prorated by days, shares
 * of co-owners); a draft made twice is the same; an issue freezes the
 * period, writes a journal charge per invoice, refuses a second draft and
 * is never re-priced by a later version; an open or future period is
 * refused.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <jansson.h>

#include "archive_util.h"
#include "billrun_util.h"
#include "harness.h"
#include "journal.h"
#include "month.h"

static struct harness h;

/* The building of the tests and what the checks need of it. */
struct scene {
	struct month p0, p1; /* two months that have ended, p1 the last */
	char per0[8], per1[8];
	int64_t t0[32], t1[32]; /* their local midnights in UTC */
	long long bld, p[4], acc[6], cold, hot, ww, elec, maint, v_cold;
	struct feed f;
};

static struct scene sc;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/audit"), 0);
}

static void teardown(void)
{
	harness_stop(&h);
}

/* Pulses of channel (addr, ch) in batch i: a few, never the same pattern. */
static uint32_t pulses(int i, int addr, int ch)
{
	return (uint32_t)((i * 7 + addr * 3 + ch * 5) % 9) + 1;
}

/* Batches at 02:00 and 14:00 local time over month m (days t): premises'
 * meters, and the house meter counting them all and 2 more. */
static void feed_month(const int64_t *t, int days)
{
	static const int chans[][2] = { { 1, 1 }, { 1, 2 }, { 1, 3 }, { 2, 1 },
					{ 2, 2 }, { 2, 3 }, { 3, 1 } };
	static int batch;

	for (int d = 0; d < days; d++)
		for (int half = 0; half < 2; half++) {
			struct feed_reading r[8];
			uint32_t cold = 2;

			for (size_t c = 0; c < 7; c++) {
				r[c] = (struct feed_reading){ chans[c][0], chans[c][1],
							      pulses(batch, chans[c][0],
								     chans[c][1]) };
				if (chans[c][1] == 1 || (chans[c][0] == 2 && chans[c][1] == 2))
					cold += r[c].delta;
			}
			r[7] = (struct feed_reading){ 4, 1, cold };
			feed_send(&sc.f, t[d] + 2 * 3600 + half * 12 * 3600, r, 8);
			batch++;
		}
}

static void build_scene(void)
{
	time_t now = time(NULL);
	struct tm tm;
	struct month cur;
	long long org;
	char buf[16];
	static const char *const m3[] = { "1.1.1", "1.1.2", "1.2.1", "1.2.2",
					  "1.2.3", "1.3.1", "1.4.1" };

	memset(&sc, 0, sizeof sc);
	now += 3 * 3600; /* Moscow */
	gmtime_r(&now, &tm);
	cur = (struct month){ tm.tm_year + 1900, tm.tm_mon + 1 };
	sc.p0 = month_add(cur, -2);
	sc.p1 = month_add(cur, -1);
	month_format(&sc.p0, sc.per0);
	month_format(&sc.p1, sc.per1);
	ck_assert_int_eq(month_utc_days(&sc.p0, "Europe/Moscow", sc.t0), 0);
	ck_assert_int_eq(month_utc_days(&sc.p1, "Europe/Moscow", sc.t1), 0);

	org = br_org(&h);
	sc.bld = br_create(&h, "building",
			   "\"org\":%lld,\"address\":\"ул. Ленина, 5\",\"tz\":\"Europe/Moscow\","
			   "\"objects\":[1],\"house_meters\":[{\"resource\":\"cold_water\","
			   "\"channel\":\"1.4.1\"}]",
			   org);
	sc.p[1] = br_create(&h, "premises",
			    "\"building\":%lld,\"number\":\"1\",\"kind\":\"flat\",\"area\":\"50\","
			    "\"residents\":2",
			    sc.bld);
	sc.p[2] = br_create(&h, "premises",
			    "\"building\":%lld,\"number\":\"2\",\"kind\":\"flat\",\"area\":\"30\","
			    "\"residents\":1",
			    sc.bld);
	sc.p[3] = br_create(&h, "premises",
			    "\"building\":%lld,\"number\":\"3\",\"kind\":\"nonresidential\","
			    "\"area\":\"20\",\"residents\":0",
			    sc.bld);
	/* flat 1 held all along; flat 2 changes hands on the 11th of p0; the
	 * shop is owned half and half */
	month_date(&sc.p0, 10, buf);
	sc.acc[1] = br_create(&h, "account",
			      "\"org\":%lld,\"number\":\"100001\",\"holder\":{\"type\":\"person\","
			      "\"name\":\"Иванова М. П.\"},\"premises\":[{\"premises\":%lld,"
			      "\"from\":\"2020-01-01\"}]",
			      org, sc.p[1]);
	sc.acc[2] = br_create(&h, "account",
			      "\"org\":%lld,\"number\":\"100002\",\"holder\":{\"type\":\"person\","
			      "\"name\":\"Петров И. И.\"},\"premises\":[{\"premises\":%lld,"
			      "\"from\":\"2020-01-01\",\"to\":\"%s\"}]",
			      org, sc.p[2], buf);
	sc.acc[3] = br_create(&h, "account",
			      "\"org\":%lld,\"number\":\"100003\",\"holder\":{\"type\":\"person\","
			      "\"name\":\"Сидорова А. А.\"},\"premises\":[{\"premises\":%lld,"
			      "\"from\":\"%s\"}]",
			      org, sc.p[2], buf);
	for (int i = 4; i <= 5; i++)
		sc.acc[i] = br_create(
			&h, "account",
			"\"org\":%lld,\"number\":\"20000%d\",\"holder\":{\"type\":"
			"\"person\",\"name\":\"Совладелец %d\"},\"premises\":[{"
			"\"premises\":%lld,\"from\":\"2020-01-01\",\"share\":\"1/2\"}]",
			org, i, i, sc.p[3]);
	sc.cold = br_service(&h, org, "cold_water", "Холодная вода", "m3", "");
	sc.hot = br_service(&h, org, "hot_water", "Горячая вода", "m3", "");
	sc.ww = br_service(&h, org, "wastewater", "Водоотведение", "m3", "");
	sc.elec = br_service(&h, org, "electricity", "Электроэнергия", "kWh", "");
	sc.maint = br_service(&h, org, "maintenance", "Содержание", "m2", "");
	sc.v_cold = br_tariff(&h, org, sc.cold, "ХВС", "per_unit", "\"price\":\"42.30\"");
	br_tariff(&h, org, sc.hot, "ГВС", "per_unit", "\"price\":\"215.17\"");
	br_tariff(&h, org, sc.ww, "Стоки", "wastewater", "\"price\":\"33.05\"");
	br_tariff(&h, org, sc.elec, "ЭЭ", "tou2",
		  "\"prices\":{\"day\":\"6.43\",\"night\":\"2.86\"},\"zones\":[{\"zone\":"
		  "\"day\",\"from\":\"07:00\",\"to\":\"23:00\"},{\"zone\":\"night\",\"from\":"
		  "\"23:00\",\"to\":\"07:00\"}]");
	br_tariff(&h, org, sc.maint, "Содержание", "per_area", "\"price\":\"25.50\"");
	/* meters; flat 2's cold water meter replaced on the 15th of p0 */
	month_date(&sc.p0, 14, buf);
	br_create(
		&h, "meter",
		"\"premises\":%lld,\"service\":%lld,\"channel\":\"1.1.1\",\"from\":\"2020-01-01\"",
		sc.p[1], sc.cold);
	br_create(
		&h, "meter",
		"\"premises\":%lld,\"service\":%lld,\"channel\":\"1.1.2\",\"from\":\"2020-01-01\"",
		sc.p[1], sc.hot);
	br_create(
		&h, "meter",
		"\"premises\":%lld,\"service\":%lld,\"channel\":\"1.1.3\",\"from\":\"2020-01-01\"",
		sc.p[1], sc.elec);
	br_create(
		&h, "meter",
		"\"premises\":%lld,\"service\":%lld,\"channel\":\"1.2.1\",\"from\":\"2020-01-01\","
		"\"to\":\"%s\"",
		sc.p[2], sc.cold, buf);
	br_create(&h, "meter",
		  "\"premises\":%lld,\"service\":%lld,\"channel\":\"1.2.2\",\"from\":\"%s\"",
		  sc.p[2], sc.cold, buf);
	br_create(
		&h, "meter",
		"\"premises\":%lld,\"service\":%lld,\"channel\":\"1.2.3\",\"from\":\"2020-01-01\"",
		sc.p[2], sc.hot);
	br_create(
		&h, "meter",
		"\"premises\":%lld,\"service\":%lld,\"channel\":\"1.3.1\",\"from\":\"2020-01-01\"",
		sc.p[3], sc.cold);

	/* readings: a first one before p0, then p0 and p1 */
	feed_init(&sc.f, &h, 1);
	{
		struct feed_reading first[8];
		static const int all[][2] = { { 1, 1 }, { 1, 2 }, { 1, 3 }, { 2, 1 },
					      { 2, 2 }, { 2, 3 }, { 3, 1 }, { 4, 1 } };

		for (int i = 0; i < 8; i++)
			first[i] = (struct feed_reading){ all[i][0], all[i][1], 0 };
		feed_send(&sc.f, sc.t0[0] - 86400, first, 8);
	}
	for (size_t i = 0; i < sizeof m3 / sizeof m3[0]; i++)
		br_channel_unit(&h, m3[i], "m3", 100);
	br_channel_unit(&h, "1.1.3", "kWh", 100);
	feed_month(sc.t0, month_days(&sc.p0));
	feed_month(sc.t1, month_days(&sc.p1));
}

static json_t *draft(const char *period)
{
	return br_call(&h, "billing/run.draft",
		       "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}", sc.bld,
		       period);
}

/* The invoice with "made" taken away, as text. */
static char *without_made(json_t *inv)
{
	char *s;

	json_object_del(inv, "made");
	s = json_dumps(inv, JSON_COMPACT);
	json_decref(inv);
	return s;
}

/* Roubles "1234.56" as kopecks. */
static long long kop(const char *s)
{
	const char *dot = strchr(s, '.');

	ck_assert_ptr_nonnull(dot);
	return atoll(s) * 100 + (s[0] == '-' ? -1 : 1) * atoll(dot + 1);
}

/* A quantity of 3 decimals "12.345" as thousandths. */
static long long milli(const char *s)
{
	const char *dot = strchr(s, '.');

	ck_assert_msg(dot && strlen(dot + 1) == 3, "%s: not 3 decimals", s);
	return atoll(s) * 1000 + atoll(dot + 1);
}

/* price (kopecks) x quantity (thousandths) x num / den, half up. */
static long long amount(long long price, long long qty, long long num, long long den)
{
	long long n = price * qty * num, d = 1000 * den;

	return (2 * n + d) / (2 * d);
}

static long long line_kop(const json_t *inv, long long premises, const char *code, const char *line)
{
	json_t *l = br_line(inv, premises, code, NULL, line);

	ck_assert_msg(l != NULL, "no %s line", code);
	return kop(json_string_value(json_object_get(l, "amount")));
}

/* Every line's amount added up is the invoice's total. */
static void total_is_the_lines(const json_t *inv)
{
	long long sum = 0;
	json_t *p, *l;
	size_t i, k;

	json_array_foreach(json_object_get(inv, "premises"), i, p)
		json_array_foreach(json_object_get(p, "lines"), k, l)
			sum += kop(json_string_value(json_object_get(l, "amount")));
	ck_assert_int_eq(sum, kop(json_string_value(json_object_get(inv, "total"))));
}

START_TEST(invoices_equal_the_archive)
{
	int days;
	json_t *run, *inv, *z;
	char *q, *q2, buf[64];
	char *texts[6];
	const char *parts[2];
	size_t i;

	arc_start(&h, NULL);
	br_billing_start(&h, NULL, NULL);
	build_scene();
	days = month_days(&sc.p0);
	run = draft(sc.per0);
	ck_assert_int_eq(json_integer_value(json_object_get(run, "invoices")), 5);
	ck_assert_str_eq(json_string_value(json_object_get(run, "state")), "draft");
	json_decref(run);

	/* flat 1: each of its channels over the whole month, as the archive has it */
	inv = br_invoice(&h, sc.per0, sc.bld, sc.acc[1]);
	q = br_consumption(&h, "1.1.1", sc.t0[0], sc.t0[days]);
	ck_assert_str_eq(br_qty(inv, sc.p[1], "cold_water", "meter", ""), q);
	ck_assert_int_eq(line_kop(inv, sc.p[1], "cold_water", ""), amount(4230, milli(q), 1, 1));
	q2 = br_consumption(&h, "1.1.2", sc.t0[0], sc.t0[days]);
	ck_assert_str_eq(br_qty(inv, sc.p[1], "hot_water", "meter", ""), q2);
	parts[0] = q;
	parts[1] = q2;
	ck_assert_str_eq(br_qty(inv, sc.p[1], "wastewater", "meter", ""), br_sum(buf, 3, parts, 2));
	free(q);
	free(q2);
	z = br_call(&h, "archive/zones",
		    "{\"channels\":[\"1.1.3\"],\"from\":%lld,\"to\":%lld,\"zones\":[{\"name\":"
		    "\"day\",\"from\":\"07:00\",\"to\":\"23:00\"},{\"name\":\"night\",\"from\":"
		    "\"23:00\",\"to\":\"07:00\"}]}",
		    (long long)sc.t0[0], (long long)sc.t0[days]);
	{
		json_t *zs = json_object_get(json_array_get(json_object_get(z, "items"), 0),
					     "zones");

		ck_assert_str_eq(
			br_qty(inv, sc.p[1], "electricity", "meter", "day"),
			json_string_value(json_object_get(json_array_get(zs, 0), "quantity")));
		ck_assert_str_eq(
			br_qty(inv, sc.p[1], "electricity", "meter", "night"),
			json_string_value(json_object_get(json_array_get(zs, 1), "quantity")));
		ck_assert_str_ne(
			json_string_value(json_object_get(json_array_get(zs, 1), "quantity")),
			"0.000");
	}
	json_decref(z);
	ck_assert_str_eq(br_qty(inv, sc.p[1], "maintenance", "fixed", ""), "50.00");
	ck_assert_int_eq(line_kop(inv, sc.p[1], "maintenance", ""), 127500);
	total_is_the_lines(inv);
	json_decref(inv);

	/* flat 2: Petrov's 10 days on the old meter; Sidorova's days on the old
	 * meter to the 15th, then on the new one */
	inv = br_invoice(&h, sc.per0, sc.bld, sc.acc[2]);
	q = br_consumption(&h, "1.2.1", sc.t0[0], sc.t0[10]);
	ck_assert_str_eq(br_qty(inv, sc.p[2], "cold_water", "meter", ""), q);
	free(q);
	/* 25.50 x 30 m2 x 10 / days, rounded once */
	ck_assert_int_eq(line_kop(inv, sc.p[2], "maintenance", ""),
			 (2 * 2550 * 30 * 10 + days) / (2 * days));
	total_is_the_lines(inv);
	json_decref(inv);
	inv = br_invoice(&h, sc.per0, sc.bld, sc.acc[3]);
	q = br_consumption(&h, "1.2.1", sc.t0[10], sc.t0[14]);
	q2 = br_consumption(&h, "1.2.2", sc.t0[14], sc.t0[days]);
	parts[0] = q;
	parts[1] = q2;
	ck_assert_str_eq(br_qty(inv, sc.p[2], "cold_water", "meter", ""), br_sum(buf, 3, parts, 2));
	free(q);
	free(q2);
	total_is_the_lines(inv);
	json_decref(inv);

	/* the shop: each owner half of every amount, of the whole quantity */
	q = br_consumption(&h, "1.3.1", sc.t0[0], sc.t0[days]);
	for (int a = 4; a <= 5; a++) {
		inv = br_invoice(&h, sc.per0, sc.bld, sc.acc[a]);
		ck_assert_str_eq(br_qty(inv, sc.p[3], "cold_water", "meter", ""), q);
		ck_assert_int_eq(line_kop(inv, sc.p[3], "cold_water", ""),
				 amount(4230, milli(q), 1, 2));
		ck_assert_str_eq(json_string_value(json_object_get(
					 br_line(inv, sc.p[3], "cold_water", NULL, ""), "share")),
				 "1/2");
		json_decref(inv);
	}
	free(q);

	/* made again: the same invoices, byte for byte but the time made */
	for (i = 1; i <= 5; i++)
		texts[i] = without_made(br_invoice(&h, sc.per0, sc.bld, sc.acc[i]));
	json_decref(draft(sc.per0));
	for (i = 1; i <= 5; i++) {
		char *again = without_made(br_invoice(&h, sc.per0, sc.bld, sc.acc[i]));

		ck_assert_str_eq(again, texts[i]);
		free(again);
		free(texts[i]);
	}

	/* amrctl: the run's summary, an account's invoices */
	{
		int status = -1;
		char cmd[200], *out;

		snprintf(cmd, sizeof cmd, "amrctl billing run --building %lld --period %s", sc.bld,
			 sc.per0);
		out = harness_run(&h, cmd, &status);
		ck_assert_int_eq(status, 0);
		ck_assert_msg(strstr(out, "draft, 5 invoices, total ") != NULL, "%s", out);
		ck_assert_msg(strstr(out, "lines: meter ") != NULL, "%s", out);
		free(out);
		snprintf(cmd, sizeof cmd, "amrctl --compact=yes billing invoice %lld --period %s",
			 sc.acc[3], sc.per0);
		out = harness_run(&h, cmd, &status);
		ck_assert_int_eq(status, 0);
		snprintf(buf, sizeof buf, "\"id\":\"%s/%lld/%lld\"", sc.per0, sc.bld, sc.acc[3]);
		ck_assert_msg(strstr(out, buf) != NULL, "%s", out);
		free(out);
		snprintf(cmd, sizeof cmd,
			 "amrctl billing issue --building %lld --period %s 2>/dev/null", sc.bld,
			 sc.per0);
		free(harness_run(&h, cmd, &status));
		ck_assert_int_eq(WEXITSTATUS(status), 2); /* no --reason: nothing sent */
	}

	/* the run and the invoices listed */
	run = br_call(&h, "billing/run.list", "{\"building\":%lld}", sc.bld);
	ck_assert_int_eq(json_array_size(json_object_get(run, "runs")), 1);
	json_decref(run);
	run = br_call(&h, "billing/invoice.list",
		      "{\"building\":%lld,\"period\":\"%s\",\"limit\":2}", sc.bld, sc.per0);
	ck_assert_int_eq(json_array_size(json_object_get(run, "invoices")), 2);
	ck_assert_ptr_nonnull(json_object_get(run, "next"));
	json_decref(run);
	run = br_call(&h, "billing/invoice.list", "{\"account\":%lld}", sc.acc[3]);
	ck_assert_int_eq(json_array_size(json_object_get(run, "invoices")), 1);
	json_decref(run);
}
END_TEST

struct entries {
	int n;
	json_t *first; /* the first entry */
	json_t *adj;   /* the adjustment */
};

static int entry_fn(const struct journal_entry *e, void *arg)
{
	struct entries *es = arg;

	if (!es->n++)
		es->first = json_deep_copy(e->rec);
	if (e->kind == JOURNAL_ADJUSTMENT)
		es->adj = json_deep_copy(e->rec);
	return 0;
}

START_TEST(issue_freezes_the_period)
{
	json_t *run, *inv;
	char *rec, next[8], first1[11], total[40];
	struct month m;
	pid_t billing;

	arc_start(&h, NULL);
	billing = br_billing_start(&h, NULL, NULL);
	build_scene();
	json_decref(draft(sc.per0));
	br_refused(&h, "billing/run.issue", "not_found", "period: there is no draft of building",
		   "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}", sc.bld,
		   sc.per1);
	run = br_call(&h, "billing/run.issue",
		      "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\",\"reason\":"
		      "\"the month's bills\"}",
		      sc.bld, sc.per0);
	ck_assert_str_eq(json_string_value(json_object_get(run, "state")), "issued");
	json_decref(run);
	rec = harness_wait_message(&h, "amr/v1/audit", "\"action\":\"run.issue\"", 10000);
	ck_assert_ptr_nonnull(rec);
	ck_assert_ptr_nonnull(strstr(rec, "\"journal_entries\":5"));
	ck_assert_ptr_nonnull(strstr(rec, "\"reason\":\"the month's bills\""));
	free(rec);
	inv = br_invoice(&h, sc.per0, sc.bld, sc.acc[1]);
	ck_assert_str_eq(json_string_value(json_object_get(inv, "state")), "issued");
	snprintf(total, sizeof total, "%s", json_string_value(json_object_get(inv, "total")));
	json_decref(inv);

	/* frozen: no second draft, no second issue */
	br_refused(&h, "billing/run.draft", "conflict",
		   "period: ", "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}",
		   sc.bld, sc.per0);
	br_refused(&h, "billing/run.issue", "conflict",
		   "period: ", "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}",
		   sc.bld, sc.per0);
	/* a month not over yet, and one to come */
	m = month_add(sc.p1, 1);
	br_refused(&h, "billing/run.draft", "bad_request",
		   "period: ", "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}",
		   sc.bld, month_format(&m, next));
	m = month_add(sc.p1, 2);
	br_refused(&h, "billing/run.draft", "bad_request",
		   "period: ", "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}",
		   sc.bld, month_format(&m, next));
	br_refused(&h, "billing/run.draft", "bad_request", "period: \"2026-13\" is not a month",
		   "{\"building\":%lld,\"period\":\"2026-13\",\"actor\":\"accountant\"}", sc.bld);

	/* a new price: the issued invoice keeps the one it billed, the next month
	 * has the new one */
	json_decref(br_call(&h, "billing/tariff.version.update",
			    "{\"id\":%lld,\"actor\":\"accountant\",\"reason\":\"a correction\","
			    "\"price\":\"50.00\"}",
			    sc.v_cold));
	inv = br_invoice(&h, sc.per0, sc.bld, sc.acc[1]);
	ck_assert_str_eq(json_string_value(json_object_get(
				 br_line(inv, sc.p[1], "cold_water", "meter", ""), "price")),
			 "42.30");
	ck_assert_str_eq(json_string_value(json_object_get(inv, "total")), total);
	json_decref(inv);
	/* a correction of the issued invoice: billed on the next one */
	br_refused(&h, "billing/invoice.adjust", "bad_request", "reason: missing",
		   "{\"invoice\":\"%s/%lld/%lld\",\"actor\":\"accountant\",\"amount\":\"-150\"}",
		   sc.per0, sc.bld, sc.acc[1]);
	br_refused(&h, "billing/invoice.adjust", "bad_request", "amount: 0.00 corrects nothing",
		   "{\"invoice\":\"%s/%lld/%lld\",\"actor\":\"accountant\",\"reason\":\"r\","
		   "\"amount\":\"0\"}",
		   sc.per0, sc.bld, sc.acc[1]);
	br_refused(&h, "billing/invoice.adjust", "not_found", "invoice: there is no invoice",
		   "{\"invoice\":\"%s/%lld/99\",\"actor\":\"accountant\",\"reason\":\"r\","
		   "\"amount\":\"-1\"}",
		   sc.per0, sc.bld);
	json_decref(br_call(&h, "billing/invoice.adjust",
			    "{\"invoice\":\"%s/%lld/%lld\",\"actor\":\"accountant\",\"reason\":"
			    "\"a leak: the meter's count was checked\",\"amount\":\"-150.00\","
			    "\"service\":%lld}",
			    sc.per0, sc.bld, sc.acc[1], sc.cold));
	/* from amrctl: a correction needs its reason; a wrong invoice is named */
	{
		int status = -1;
		char cmd[256];

		free(harness_run(&h, "amrctl billing adjust 2026-01/1/1 -1.00 2>/dev/null",
				 &status));
		ck_assert_int_eq(WEXITSTATUS(status), 2);
		snprintf(cmd, sizeof cmd, "amrctl billing adjust %s/%lld/99 -1.00 --reason r 2>&1",
			 sc.per0, sc.bld);
		rec = harness_run(&h, cmd, &status);
		ck_assert_int_eq(WEXITSTATUS(status), 1);
		ck_assert_msg(strstr(rec, "invoice: there is no invoice"), "%s", rec);
		free(rec);
	}
	rec = harness_wait_message(&h, "amr/v1/audit", "\"action\":\"invoice.adjust\"", 10000);
	ck_assert_ptr_nonnull(rec);
	free(rec);
	json_decref(draft(sc.per1));
	br_refused(&h, "billing/invoice.adjust", "conflict", "invoice: ",
		   "{\"invoice\":\"%s/%lld/%lld\",\"actor\":\"accountant\",\"reason\":\"r\","
		   "\"amount\":\"-1\"}",
		   sc.per1, sc.bld, sc.acc[1]);
	inv = br_invoice(&h, sc.per1, sc.bld, sc.acc[1]);
	ck_assert_str_eq(json_string_value(json_object_get(
				 br_line(inv, sc.p[1], "cold_water", "meter", ""), "price")),
			 "50.00");
	{
		json_t *l = br_line(inv, sc.p[1], "cold_water", "adjustment", NULL);

		ck_assert_ptr_nonnull(l);
		ck_assert_str_eq(json_string_value(json_object_get(l, "amount")), "-150.00");
		ck_assert_str_eq(json_string_value(json_object_get(l, "month")), sc.per0);
	}
	total_is_the_lines(inv);
	json_decref(inv);
	json_decref(br_call(&h, "billing/run.issue",
			    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}",
			    sc.bld, sc.per1));

	/* the journal: one charge of the invoice's total, dated the first day
	 * after the period, for the period; the next month's charge and the
	 * correction of the first, with its reason */
	harness_kill(&h, billing, SIGTERM);
	{
		struct entries es = { 0, NULL, NULL };

		br_journal(&h, sc.acc[1], entry_fn, &es);
		ck_assert_int_eq(es.n, 3);
		ck_assert_str_eq(json_string_value(json_object_get(es.first, "kind")), "charge");
		ck_assert_str_eq(json_string_value(json_object_get(es.first, "amount")), total);
		ck_assert_str_eq(json_string_value(json_object_get(es.first, "period")), sc.per0);
		ck_assert_str_eq(json_string_value(json_object_get(es.first, "date")),
				 month_date(&sc.p1, 0, first1));
		ck_assert_ptr_nonnull(es.adj);
		ck_assert_str_eq(json_string_value(json_object_get(es.adj, "amount")), "-150.00");
		ck_assert_str_eq(json_string_value(json_object_get(es.adj, "period")), sc.per0);
		ck_assert_str_eq(json_string_value(json_object_get(es.adj, "reason")),
				 "a leak: the meter's count was checked");
		json_decref(es.first);
		json_decref(es.adj);
	}
}
END_TEST

static Suite *run_suite(void)
{
	Suite *s = suite_create("billing_run");
	TCase *tc = tcase_create("run");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, invoices_equal_the_archive);
	tcase_add_test(tc, issue_freezes_the_period);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(run_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
