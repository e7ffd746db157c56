/*
 * Integration tests of amr-archive with a real Mosquitto (tests/harness):
 * duplicates counted once, kill -9 in the middle of a stream loses nothing
 * and counts nothing twice, a year of hourly data by hour, day and month,
 * bad input refused, hot backup and restore.
 *
 * The test process plays the gateway side: it publishes canonical batches on
 * amr/v1/readings/{obj}, keeps them until amr/v1/gw/{obj}/ack covers them
 * and sends the unacknowledged ones again after a restart, as the gateway's
 * spool does (DESIGN.md 4.3).
 */
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define NCH 8                     /* channels of the emulated gateway */

static struct harness h;
static int rpc_seq;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
}

static void teardown(void)
{
	harness_stop(&h);
}

static pid_t start_archive(void)
{
	char *st;
	pid_t p;

	harness_clear_inbox(&h);
	p = harness_spawn(&h, "amr-archive", (const char *[]){ "--commit-ms=20", NULL });
	ck_assert_int_gt(p, 0);
	st = harness_wait_message(&h, "amr/v1/svc/archive/status", "\"online\":true", 15000);
	ck_assert_msg(st != NULL, "amr-archive did not come online");
	free(st);
	return p;
}

static void publish(const char *topic, const char *payload)
{
	for (int tries = 0; harness_publish(&h, topic, payload, 1, false) != 0; tries++) {
		ck_assert_int_lt(tries, 1000);
		harness_sleep_ms(5);
	}
}

/* Call archive/<method>; returns the answer's "result" (new ref), or NULL
 * and the error code in code (when not NULL). want_err, when not NULL, is
 * the error code expected (only that answer is waited for). */
static json_t *rpc_call(const char *method, const char *args, const char *want_err,
			char *code, size_t size)
{
	char id[32], topic[128], req[8192], ok[64], bad[128];
	json_t *ans, *res;
	char *payload;

	snprintf(id, sizeof id, "t%d", ++rpc_seq);
	snprintf(topic, sizeof topic, "amr/v1/rpc/archive/%s", method);
	snprintf(req, sizeof req, "{\"id\":\"%s\",\"reply\":\"amr/v1/rpc/reply/test\",\"args\":%s}",
		 id, args);
	snprintf(ok, sizeof ok, "\"id\":\"%s\",\"ok\":true", id);
	snprintf(bad, sizeof bad, "\"id\":\"%s\",\"ok\":false,\"error\":{\"code\":\"%s", id,
		 want_err ? want_err : "");
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/rpc/reply/test"), 0);
	publish(topic, req);
	payload = want_err ? NULL : harness_wait_message(&h, "amr/v1/rpc/reply/test", ok, 1500);
	if (!payload)
		payload = harness_wait_message(&h, "amr/v1/rpc/reply/test", bad, 10000);
	ck_assert_msg(payload != NULL, "archive/%s: no answer", method);
	ans = json_loads(payload, 0, NULL);
	free(payload);
	ck_assert_ptr_nonnull(ans);
	res = json_incref(json_object_get(ans, "result"));
	if (!res && code)
		snprintf(code, size, "%s", json_string_value(json_object_get(
			json_object_get(ans, "error"), "code")));
	json_decref(ans);
	return res;
}

static json_t *rpc(const char *method, const char *args, char *code, size_t size)
{
	return rpc_call(method, args, NULL, code, size);
}

/* The emulated gateway: totals per channel and its unacknowledged batches. */
struct gw {
	int obj;
	uint64_t seq;
	uint32_t total[NCH];
	uint32_t first[NCH];          /* totals at the start */
	char **sent;                  /* payload of seq i at [i], until acked */
	size_t cap;
};

static void gw_init(struct gw *g, int obj, size_t cap)
{
	memset(g, 0, sizeof *g);
	g->obj = obj;
	g->cap = cap + 1;
	g->sent = calloc(g->cap, sizeof *g->sent);
	ck_assert_ptr_nonnull(g->sent);
	for (int c = 0; c < NCH; c++)
		g->first[c] = g->total[c] = 1000u * (uint32_t)(c + 1) + 17;
}

static void gw_free(struct gw *g)
{
	for (size_t i = 0; i < g->cap; i++)
		free(g->sent[i]);
	free(g->sent);
}

/* Make and publish the next batch at time ts; the first carries delta 0. */
static void gw_send(struct gw *g, int64_t ts)
{
	char topic[64], *p;
	json_t *b, *rs;

	g->seq++;
	ck_assert_uint_lt(g->seq, g->cap);
	rs = json_array();
	for (int c = 0; c < NCH; c++) {
		uint32_t d = g->seq == 1 ? 0 : (uint32_t)((g->seq * 7 + (uint64_t)c * 3) % 11);

		g->total[c] += d;
		json_array_append_new(rs, json_pack("{s:i, s:i, s:I, s:I, s:i}", "addr", 1 + c / 4,
						    "ch", 1 + c % 4, "total", (json_int_t)g->total[c],
						    "delta", (json_int_t)d, "period_ms", 900));
	}
	b = json_pack("{s:i, s:I, s:I, s:I, s:o, s:[], s:[]}", "obj", g->obj, "rx",
		      (json_int_t)ts, "seq", (json_int_t)g->seq, "ts", (json_int_t)ts,
		      "readings", rs, "devices", "events");
	p = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	snprintf(topic, sizeof topic, "amr/v1/readings/%d", g->obj);
	publish(topic, p);
	g->sent[g->seq] = p;
}

/* Send again every batch above acked, in order (the spool after reconnect). */
static void gw_resend(struct gw *g, uint64_t acked)
{
	char topic[64];

	snprintf(topic, sizeof topic, "amr/v1/readings/%d", g->obj);
	for (uint64_t s = acked + 1; s <= g->seq; s++)
		publish(topic, g->sent[s]);
}

static void wait_ack(int obj, uint64_t seq, int ms)
{
	char topic[64], needle[64], *p;

	snprintf(topic, sizeof topic, "amr/v1/gw/%d/ack", obj);
	snprintf(needle, sizeof needle, "{\"seq\":%llu}", (unsigned long long)seq);
	p = harness_wait_message(&h, topic, needle, ms);
	ck_assert_msg(p != NULL, "no ack %s on %s", needle, topic);
	free(p);
}

static uint64_t hwm(int obj)
{
	char args[32];
	json_t *r;
	uint64_t seq;

	snprintf(args, sizeof args, "{\"obj\":%d}", obj);
	r = rpc("hwm", args, NULL, 0);
	ck_assert_ptr_nonnull(r);
	seq = (uint64_t)json_integer_value(json_object_get(r, "seq"));
	json_decref(r);
	return seq;
}

/* Archived pulses of every channel over all time equal the change of the
 * gateway's totals: nothing lost, nothing twice. */
static void check_conservation(const struct gw *g)
{
	char args[512];
	json_t *r, *items;
	int n;

	n = snprintf(args, sizeof args, "{\"from\":0,\"to\":4000000000,\"channels\":[");
	for (int c = 0; c < NCH; c++)
		n += snprintf(args + n, sizeof args - (size_t)n, "%s\"%d.%d.%d\"", c ? "," : "",
			      g->obj, 1 + c / 4, 1 + c % 4);
	snprintf(args + n, sizeof args - (size_t)n, "]}");
	r = rpc("consumption", args, NULL, 0);
	ck_assert_ptr_nonnull(r);
	items = json_object_get(r, "items");
	ck_assert_uint_eq(json_array_size(items), NCH);
	for (int c = 0; c < NCH; c++) {
		json_int_t pulses = json_integer_value(json_object_get(json_array_get(items, c),
								       "pulses"));

		ck_assert_msg(pulses == (json_int_t)(g->total[c] - g->first[c]),
			      "channel %d: archived %lld, totals changed by %u", c, (long long)pulses,
			      g->total[c] - g->first[c]);
	}
	json_decref(r);
}

START_TEST(batch_delivered_three_times_is_counted_once)
{
	int64_t t0 = (int64_t)time(NULL) - 3600;
	struct gw g;

	start_archive();
	gw_init(&g, 5, 16);
	for (int i = 0; i < 4; i++)
		gw_send(&g, t0 + i * 60);
	wait_ack(5, 4, 10000);
	/* every batch twice more, as a gateway resends after a lost ack */
	gw_resend(&g, 0);
	gw_resend(&g, 0);
	harness_sleep_ms(300);
	wait_ack(5, 4, 10000);
	ck_assert_uint_eq(hwm(5), 4);
	check_conservation(&g);
	gw_free(&g);
}
END_TEST

START_TEST(kill9_midstream_loses_nothing)
{
	int64_t t0 = (int64_t)time(NULL) - 86400;
	uint64_t acked;
	struct gw g;
	pid_t p;

	p = start_archive();
	gw_init(&g, 9, 1200);
	for (int i = 0; i < 300; i++) {
		gw_send(&g, t0 + i * 30);
		if (i % 10 == 0)
			harness_sleep_ms(2);
	}
	/* in the middle of the stream: some batches committed, some in flight */
	harness_kill(&h, p, SIGKILL);
	for (int i = 300; i < 500; i++)
		gw_send(&g, t0 + i * 30);      /* queued by the broker meanwhile */
	p = start_archive();
	/* the spool: everything above the last ack again */
	{
		char *a = harness_wait_message(&h, "amr/v1/gw/9/ack", "seq", 10000);
		json_t *j = a ? json_loads(a, 0, NULL) : NULL;

		acked = j ? (uint64_t)json_integer_value(json_object_get(j, "seq")) : 0;
		json_decref(j);
		free(a);
	}
	gw_resend(&g, acked);
	for (int i = 500; i < 800; i++)
		gw_send(&g, t0 + i * 30);
	wait_ack(9, 800, 20000);
	ck_assert_uint_eq(hwm(9), 800);
	check_conservation(&g);
	/* and again after a second kill, with nothing in flight */
	harness_kill(&h, p, SIGKILL);
	start_archive();
	check_conservation(&g);
	gw_free(&g);
}
END_TEST

/* Sum of "pulses" over the points of a series answer. */
static long long sum_points(const json_t *res, size_t *npoints)
{
	const json_t *pts = json_object_get(res, "points"), *pt;
	long long sum = 0;
	size_t i;

	json_array_foreach(pts, i, pt)
		sum += json_integer_value(json_object_get(pt, "pulses"));
	*npoints = json_array_size(pts);
	return sum;
}

START_TEST(year_of_hourly_data_by_day_and_month)
{
	/* 2025 in Moscow: 2025-01-01 00:00 +03 .. 2026-01-01 00:00 +03 */
	const int64_t from = 1735678800, to = 1767214800;
	const char *steps[] = { "hour", "day", "month" };
	const size_t points[] = { 8760, 365, 12 };
	long long raw = 0;
	uint32_t total = 50000;
	char payload[512], args[256];
	uint64_t seq = 0;

	start_archive();
	for (int64_t t = from; t < to; t += 3600) {
		uint32_t d = seq == 0 ? 0 : (uint32_t)((seq * 13) % 29);

		total += d;
		raw += d;
		snprintf(payload, sizeof payload, "{\"obj\":2,\"rx\":%lld,\"seq\":%llu,\"ts\":%lld,"
			 "\"readings\":[{\"addr\":1,\"ch\":1,\"total\":%u,\"delta\":%u,"
			 "\"period_ms\":0}],\"devices\":[],\"events\":[]}", (long long)t + 1800,
			 (unsigned long long)++seq, (long long)t + 1800, total, d);
		publish("amr/v1/readings/2", payload);
	}
	wait_ack(2, seq, 60000);
	for (size_t i = 0; i < 3; i++) {
		json_t *r;
		size_t n;

		snprintf(args, sizeof args, "{\"channel\":\"2.1.1\",\"from\":%lld,\"to\":%lld,"
			 "\"step\":\"%s\"}", (long long)from, (long long)to, steps[i]);
		r = rpc("series", args, NULL, 0);
		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(sum_points(r, &n), raw);
		ck_assert_uint_eq(n, points[i]);
		ck_assert_int_eq(json_integer_value(json_object_get(r, "pulses")), raw);
		json_decref(r);
	}
}
END_TEST

START_TEST(bad_input_is_refused_and_changes_nothing)
{
	static const struct {
		const char *method;
		const char *args;
		const char *code;
	} bad[] = {
		{ "series", "{\"channel\":\"1.1\",\"from\":0,\"to\":10}", "bad_request" },
		{ "series", "{\"channel\":\"1.1.1\",\"from\":10,\"to\":5}", "bad_request" },
		{ "series", "{\"channel\":\"1.1.1\",\"from\":0,\"to\":10,\"colour\":1}", "bad_request" },
		{ "series", "{\"channel\":\"1.1.1\",\"from\":0,\"to\":99999999,\"step\":\"raw\"}",
		  "bad_request" },
		{ "zones", "{\"channels\":[\"1.1.1\"],\"from\":0,\"to\":10,\"zones\":[{\"name\":"
		  "\"day\",\"from\":\"07:30\",\"to\":\"23:00\"}]}", "bad_request" },
		{ "registry.set", "{\"id\":\"1.1.1\",\"label\":\"x\"}", "bad_request" },
		{ "registry.set", "{\"id\":\"3.1.1\",\"actor\":\"op\",\"label\":\"x\"}", "not_found" },
		{ "registry.get", "{\"id\":\"70000\"}", "bad_request" },
		{ "backup", "{\"name\":\"../etc\"}", "bad_request" },
		{ "latest", "{\"obj\":77}", "not_found" },
	};
	struct gw g;
	char code[64], *dl;

	start_archive();
	gw_init(&g, 1, 8);
	gw_send(&g, (int64_t)time(NULL) - 600);
	gw_send(&g, (int64_t)time(NULL) - 300);
	wait_ack(1, 2, 10000);
	/* a batch for another object on this topic, and one that is not JSON */
	publish("amr/v1/readings/1", "{\"obj\":3,\"seq\":9,\"ts\":5,\"readings\":[]}");
	publish("amr/v1/readings/1", "{\"obj\":1,");
	dl = harness_wait_message(&h, "amr/v1/deadletter", "does not match", 5000);
	ck_assert_ptr_nonnull(dl);
	free(dl);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *r = rpc_call(bad[i].method, bad[i].args, bad[i].code, code, sizeof code);

		ck_assert_msg(r == NULL, "case %zu accepted", i);
		ck_assert_msg(strcmp(code, bad[i].code) == 0, "case %zu: %s", i, code);
	}
	ck_assert_uint_eq(hwm(1), 2);
	ck_assert_uint_eq(hwm(3), 0);
	check_conservation(&g);
	gw_free(&g);
}
END_TEST

START_TEST(registry_update_is_audited)
{
	json_t *r;
	char *a;
	struct gw g;

	start_archive();
	gw_init(&g, 4, 4);
	gw_send(&g, (int64_t)time(NULL) - 60);
	wait_ack(4, 1, 10000);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/audit"), 0);
	r = rpc("registry.set", "{\"id\":\"4.1.1\",\"actor\":\"anna\",\"reason\":\"new meter\","
		"\"label\":\"Cold water, flat 3\",\"resource\":\"cold_water\",\"unit\":\"m3\","
		"\"weight\":{\"num\":1,\"den\":100,\"valid_from\":0}}", NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(json_string_value(json_object_get(r, "label")), "Cold water, flat 3");
	json_decref(r);
	a = harness_wait_message(&h, "amr/v1/audit", "\"actor\":\"anna\"", 5000);
	ck_assert_ptr_nonnull(a);
	free(a);
	/* an audit record from another service is stored too */
	publish("amr/v1/audit", "{\"ts\":100,\"actor\":\"boris\",\"action\":\"block\","
		"\"target\":\"4.1\",\"detail\":{\"out\":2}}");
	harness_sleep_ms(300);
	r = rpc("audit.query", "{\"actor\":\"anna\"}", NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "records")), 1);
	json_decref(r);
	r = rpc("audit.query", "{\"target\":\"4.1\",\"to\":1000}", NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "records")), 1);
	json_decref(r);
	r = rpc("latest", "{\"obj\":4}", NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
		json_object_get(r, "channels"), 0), "label")), "Cold water, flat 3");
	json_decref(r);
	gw_free(&g);
}
END_TEST

START_TEST(backup_then_restore)
{
	char cmd[1024], *out;
	int status;
	struct gw g;
	json_t *r;
	pid_t p;

	p = start_archive();
	gw_init(&g, 6, 64);
	for (int i = 0; i < 50; i++)
		gw_send(&g, (int64_t)time(NULL) - 3000 + i * 60);
	wait_ack(6, 50, 10000);
	/* the RPC, and the command while the daemon runs */
	r = rpc("backup", "{\"name\":\"nightly\"}", NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_gt(json_integer_value(json_object_get(r, "bytes")), 0);
	json_decref(r);
	snprintf(cmd, sizeof cmd, "amr-archive --backup=%s/copy", h.dir);
	out = harness_run(&h, cmd, &status);
	free(out);
	ck_assert_int_eq(status, 0);
	/* more data after the backup: the restore must go back to the copy */
	for (int i = 50; i < 60; i++)
		gw_send(&g, (int64_t)time(NULL) - 3000 + i * 60);
	wait_ack(6, 60, 10000);
	harness_kill(&h, p, SIGTERM);
	/* restore: stop, replace the data directory with the backup, start */
	snprintf(cmd, sizeof cmd, "set -e; cd %s/data; mv archive archive.old; mkdir archive; "
		 "cp backup/nightly/data.mdb archive/; cmp backup/nightly/data.mdb archive/data.mdb; "
		 "test -s %s/copy/data.mdb", h.dir, h.dir);
	out = harness_run(&h, cmd, &status);
	free(out);
	ck_assert_int_eq(status, 0);
	start_archive();
	ck_assert_uint_eq(hwm(6), 50);
	/* the gateway's spool sends 51..60 again: nothing lost */
	gw_resend(&g, 50);
	wait_ack(6, 60, 10000);
	check_conservation(&g);
	gw_free(&g);
}
END_TEST

Suite *archive_integ_suite(void)
{
	Suite *s = suite_create("archive_integration");
	TCase *tc = tcase_create("archive");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, batch_delivered_three_times_is_counted_once);
	tcase_add_test(tc, kill9_midstream_loses_nothing);
	tcase_add_test(tc, year_of_hourly_data_by_day_and_month);
	tcase_add_test(tc, bad_input_is_refused_and_changes_nothing);
	tcase_add_test(tc, registry_update_is_audited);
	tcase_add_test(tc, backup_then_restore);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(archive_integ_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
