/*
 * Several metering systems: amr-billing bills a building whose meters
 * are in two archives, its own broker's and a second real Mosquitto with
 * a second amr-archive (a meter's "source"); each premises' quantity,
 * and its meter's readings, are its own archive's. When the second archive stops answering, the run
 * fails naming the source and the premises it serves, and bills nothing
 * as zero.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <jansson.h>

#include "archive_util.h"
#include "billrun_util.h"
#include "harness.h"
#include "month.h"

static struct harness h;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
}

static void teardown(void)
{
	harness_stop(&h);
}

/* The second system's broker on a port of its own. */
static int north_broker(void)
{
	char dir[400], conf[500];
	const char *args[] = { "-c", conf, NULL };
	int port = harness_free_port();
	FILE *f;

	snprintf(dir, sizeof dir, "%s/north", h.dir);
	mkdir(dir, 0755);
	snprintf(conf, sizeof conf, "%s/mosquitto.conf", dir);
	ck_assert_ptr_nonnull(f = fopen(conf, "w"));
	fprintf(f,
		"listener %d 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\n"
		"log_type error\n",
		port);
	fclose(f);
	ck_assert_int_gt(harness_spawn(&h, "/usr/sbin/mosquitto", args), 0);
	ck_assert_int_eq(harness_wait_port(port, 10000), 0);
	return port;
}

/* amrctl against the north broker: status 0 and its output (new), or
 * NULL. */
static char *north_ctl(int port, const char *cmd, int *status)
{
	char line[2048];

	snprintf(line, sizeof line, "amrctl --mqtt-port %d --timeout 3000 %s", port, cmd);
	return harness_run(&h, line, status);
}

static pid_t north_archive(int port)
{
	char penv[32], denv[450];
	const char *env[] = { penv, denv, NULL };
	const char *args[] = { "--commit-ms=20", NULL };
	int status = -1;
	pid_t p;

	snprintf(penv, sizeof penv, "AMR_MQTT_PORT=%d", port);
	snprintf(denv, sizeof denv, "AMR_DATA_DIR=%s/north", h.dir);
	p = harness_spawn_env(&h, "amr-archive", args, env);
	ck_assert_int_gt(p, 0);
	HARNESS_POLL_UNTIL(
		(free(north_ctl(port, "ping archive >/dev/null 2>&1", &status)), status == 0),
		15000);
	ck_assert_int_eq(status, 0);
	return p;
}

/* Publish a batch on the north broker and wait until its archive has it. */
static void north_send(int port, struct feed *f, int64_t ts, const struct feed_reading *r, size_t n)
{
	char *text = feed_batch(f, ts, r, n), path[450], cmd[600], want[64], *out = NULL;
	int status = -1;
	FILE *fp;

	snprintf(path, sizeof path, "%s/north/batch.json", h.dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	free(text);
	snprintf(cmd, sizeof cmd, "mosquitto_pub -p %d -q 1 -t amr/v1/readings/%d -f %s", port,
		 f->obj, path);
	free(harness_run(&h, cmd, &status));
	ck_assert_int_eq(status, 0);
	snprintf(cmd, sizeof cmd, "--compact=yes rpc archive/hwm '{\"obj\":%d}'", f->obj);
	snprintf(want, sizeof want, "\"seq\":%llu", (unsigned long long)f->seq);
	HARNESS_POLL_UNTIL(
		(free(out), out = north_ctl(port, cmd, &status), out && strstr(out, want)), 10000);
	ck_assert_msg(out && strstr(out, want), "north's archive did not store seq %llu",
		      (unsigned long long)f->seq);
	free(out);
}

START_TEST(a_second_source)
{
	struct month cur, m;
	char period[8], path[450], cmd[400], envs[500], *out;
	const char *env[] = { envs, NULL };
	int64_t t[32];
	struct feed own, north;
	long long org, bld, p1, p2, a1, a2, cold;
	time_t now = time(NULL) + 3 * 3600;
	struct tm tm;
	int port, status;
	pid_t narc;
	json_t *inv;
	FILE *f;

	gmtime_r(&now, &tm);
	cur = (struct month){ tm.tm_year + 1900, tm.tm_mon + 1 };
	m = month_add(cur, -1);
	month_format(&m, period);
	ck_assert_int_eq(month_utc_days(&m, "Europe/Moscow", t), 0);

	port = north_broker();
	narc = north_archive(port);
	arc_start(&h, NULL);
	snprintf(path, sizeof path, "%s/sources.json", h.dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "{\"sources\":[{\"name\":\"north\",\"host\":\"127.0.0.1\",\"port\":%d}]}\n",
		port);
	fclose(f);
	snprintf(envs, sizeof envs, "AMR_BILLING_SOURCES=%s", path);
	{
		const char *args[] = { "--archive-timeout=2000", NULL };

		br_billing_start(&h, args, env);
	}

	org = br_org(&h);
	bld = br_create(&h, "building",
			"\"org\":%lld,\"address\":\"ул. Северная, 2\",\"tz\":\"Europe/Moscow\"",
			org);
	p1 = br_create(&h, "premises",
		       "\"building\":%lld,\"number\":\"1\",\"kind\":\"flat\",\"area\":\"40\","
		       "\"residents\":1",
		       bld);
	p2 = br_create(&h, "premises",
		       "\"building\":%lld,\"number\":\"2\",\"kind\":\"flat\",\"area\":\"45\","
		       "\"residents\":1",
		       bld);
	a1 = br_create(&h, "account",
		       "\"org\":%lld,\"number\":\"1\",\"holder\":{\"type\":\"person\",\"name\":"
		       "\"А\"},\"premises\":[{\"premises\":%lld,\"from\":\"2020-01-01\"}]",
		       org, p1);
	a2 = br_create(&h, "account",
		       "\"org\":%lld,\"number\":\"2\",\"holder\":{\"type\":\"person\",\"name\":"
		       "\"Б\"},\"premises\":[{\"premises\":%lld,\"from\":\"2020-01-01\"}]",
		       org, p2);
	cold = br_service(&h, org, "cold_water", "ХВС", "m3", "");
	br_tariff(&h, org, cold, "ХВС", "per_unit", "\"price\":\"40\"");
	br_create(
		&h, "meter",
		"\"premises\":%lld,\"service\":%lld,\"channel\":\"1.1.1\",\"from\":\"2020-01-01\"",
		p1, cold);
	br_create(&h, "meter",
		  "\"premises\":%lld,\"service\":%lld,\"channel\":\"2.1.1\",\"source\":\"north\","
		  "\"from\":\"2020-01-01\",\"initial\":\"17.25\"",
		  p2, cold);

	/* readings: object 1 in the own archive, object 2 in north's */
	feed_init(&own, &h, 1);
	feed_init(&north, &h, 2);
	for (int i = 0; i < 3; i++) {
		struct feed_reading r1 = { 1, 1, (uint32_t)(120 + i * 7) };
		struct feed_reading r2 = { 1, 1, (uint32_t)(310 + i * 11) };
		int64_t ts = i ? t[i * 10] + 3600 : t[0] - 3600;

		feed_send(&own, ts, &r1, 1);
		north_send(port, &north, ts, &r2, 1);
	}
	br_channel_unit(&h, "1.1.1", "m3", 100);
	free(north_ctl(port,
		       "rpc archive/registry.set '{\"id\":\"2.1.1\",\"actor\":\"test\",\"unit\":"
		       "\"m3\",\"weight\":{\"num\":1,\"den\":100,\"valid_from\":0}}' >/dev/null",
		       &status));
	ck_assert_int_eq(status, 0);

	json_decref(br_call(&h, "billing/run.draft",
			    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}", bld,
			    period));
	/* each premises' quantity is its own archive's */
	inv = br_invoice(&h, period, bld, a1);
	out = br_consumption(&h, "1.1.1", t[0], t[month_days(&m)]);
	ck_assert_str_eq(br_qty(inv, p1, "cold_water", "meter", ""), out);
	free(out);
	json_decref(inv);
	inv = br_invoice(&h, period, bld, a2);
	snprintf(cmd, sizeof cmd,
		 "--compact=yes rpc archive/consumption '{\"channels\":[\"2.1.1\"],\"from\":%lld,"
		 "\"to\":%lld}'",
		 (long long)t[0], (long long)t[month_days(&m)]);
	out = north_ctl(port, cmd, &status);
	ck_assert_int_eq(status, 0);
	{
		json_t *a = json_loads(out, 0, NULL);
		const char *q = json_string_value(json_object_get(
			json_array_get(json_object_get(a, "items"), 0), "quantity"));

		ck_assert_ptr_nonnull(q);
		ck_assert_str_eq(br_qty(inv, p2, "cold_water", "meter", ""), q);
		ck_assert_str_eq(q, "6.530"); /* 321 + 332 pulses of 0.01 m3: the first is 0 */
		json_decref(a);
	}
	{
		/* its meter's reading: north's archive asked for what came before */
		json_t *rd = json_array_get(
			json_object_get(json_array_get(json_object_get(inv, "premises"), 0),
					"readings"),
			0);

		ck_assert_ptr_nonnull(rd);
		ck_assert_str_eq(json_string_value(json_object_get(rd, "start")), "17.250");
		ck_assert_str_eq(json_string_value(json_object_get(rd, "end")), "23.780");
	}
	free(out);
	json_decref(inv);

	/* north's archive stops: the run fails, naming the source and premises */
	harness_kill(&h, narc, SIGTERM);
	{
		char *ans;

		snprintf(cmd, sizeof cmd,
			 "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}", bld,
			 period);
		ans = harness_rpc(&h, "billing/run.draft", cmd, 20000);
		ck_assert_ptr_nonnull(ans);
		ck_assert_msg(
			strstr(ans, "\"code\":\"unavailable\"") &&
				strstr(ans, "source \\\"north\\\": archive/consumption: timeout") &&
				strstr(ans, "the run cannot bill premises 2"),
			"%s", ans);
		free(ans);
	}
	/* the draft made before is still the one stored */
	inv = br_invoice(&h, period, bld, a2);
	ck_assert_str_eq(br_qty(inv, p2, "cold_water", "meter", ""), "6.530");
	json_decref(inv);

	/* a source that is not in the file */
	json_decref(br_call(&h, "billing/meter.update",
			    "{\"id\":2,\"actor\":\"accountant\",\"reason\":\"moved\","
			    "\"source\":\"south\"}"));
	br_refused(&h, "billing/run.draft", "bad_request", "meter 2 (premises 2): source \"south\"",
		   "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}", bld, period);
}
END_TEST

START_TEST(a_bad_sources_file)
{
	char path[450], envs[500];
	const char *env[] = { envs, NULL };
	const char *none[] = { NULL };
	pid_t p;
	FILE *f;
	int st;

	snprintf(path, sizeof path, "%s/sources.json", h.dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "{\"sources\":[{\"name\":\"north\",\"host\":\"h\"},{\"name\":\"north\","
		   "\"host\":\"h2\"}]}\n");
	fclose(f);
	snprintf(envs, sizeof envs, "AMR_BILLING_SOURCES=%s", path);
	p = harness_spawn_env(&h, "amr-billing", none, env);
	ck_assert_int_gt(p, 0);
	st = harness_wait_exit(&h, p, 10000);
	ck_assert_int_ge(st, 0);
	ck_assert_int_eq(WEXITSTATUS(st), 1);
}
END_TEST

static Suite *src_suite(void)
{
	Suite *s = suite_create("billing_run_src");
	TCase *tc = tcase_create("src");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, a_second_source);
	tcase_add_test(tc, a_bad_sources_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(src_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
