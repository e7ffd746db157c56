/*
 * test_ingest.c - amr-ingest's telemetry and presence paths with a real
 * Mosquitto: batches in on amr/v1/gw/{obj}/up, canonical batches out on
 * amr/v1/readings/{obj}, rejects on amr/v1/deadletter, events on
 * amr/v1/events/{obj}.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "err.h"
#include "test_ingest_util.h"

static struct harness h;
static struct client cl;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/readings/#"), 0);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/events/#"), 0);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/deadletter"), 0);
	ck_assert_int_eq(client_start(&cl, &h), 0);
}

static void teardown(void)
{
	client_stop(&cl);
	harness_stop(&h);
}

/* The metrics text of amr-ingest (malloc'd). */
static char *metrics_text(void)
{
	struct answer a;
	char *text;

	ck_assert_int_eq(client_call(&cl, "ingest/metrics", NULL, 5000, &a), AMR_OK);
	text = strdup(json_string_value(json_object_get(a.result, "text")));
	json_decref(a.result);
	return text;
}

static void assert_metric(const char *sample)
{
	char *text = metrics_text();

	ck_assert_msg(strstr(text, sample), "metric \"%s\" not in:\n%s", sample, text);
	free(text);
}

/* A message that must not have come: ingest answers a ping from the probe
 * after handling what the probe published before it, so anything it
 * published for those is in the inbox by then. Fails the test, saying what,
 * if a message on filter with needle (NULL: any) is there. */
static void assert_none(const char *filter, const char *needle, const char *what)
{
	char *m;

	ck_assert_msg(harness_barrier(&h, "ingest", 5000) == 0, "ingest did not answer a ping");
	m = harness_wait_message(&h, filter, needle, 0);
	ck_assert_msg(m == NULL, "%s: %s", what, m);
}

/* Wait for a message that must come. */
static void expect_msg(const char *filter, const char *needle, int ms)
{
	char *m = harness_wait_message(&h, filter, needle, ms);

	ck_assert_msg(m != NULL, "no message on %s with %s", filter, needle);
	free(m);
}

START_TEST(test_batch_delivered_three_times)
{
	long long now = time(NULL);
	char batch[512];
	json_t *c;
	char *m;

	ck_assert_int_gt(start_ingest(&h, NULL), 0);
	snprintf(batch, sizeof batch,
		 "{\"seq\":5,\"ts\":%lld,\"readings\":[{\"addr\":5,\"ch\":1,\"total\":100,"
		 "\"delta\":7,\"period_ms\":850}],\"events\":[{\"type\":\"battery_low\","
		 "\"addr\":9,\"ts\":%lld}]}",
		 now, now);
	for (int i = 0; i < 3; i++) {
		harness_clear_inbox(&h);
		ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/7/up", batch, 1, false), 0);
		m = harness_wait_message(&h, "amr/v1/readings/7", "\"seq\":5", 5000);
		ck_assert_msg(m != NULL, "delivery %d was not forwarded", i + 1);
		c = parse(m);
		ck_assert_int_eq(json_integer_value(json_object_get(c, "obj")), 7);
		ck_assert_int_ge(json_integer_value(json_object_get(c, "rx")), now);
		ck_assert_int_eq(
			json_integer_value(json_object_get(
				json_array_get(json_object_get(c, "readings"), 0), "delta")),
			7);
		json_decref(c);
		free(m);
		/* The event is normalised once, on the first delivery (battery_low
		 * is passed on as it comes, so only the seq rule can hold it back). */
		if (i == 0) {
			expect_msg("amr/v1/events/7", "battery_low", 5000);
		} else {
			char what[64];

			snprintf(what, sizeof what, "delivery %d repeated the event", i + 1);
			assert_none("amr/v1/events/7", "battery_low", what);
		}
	}
	/* A gateway resending after a reconnect goes back below the highest seq. */
	snprintf(batch, sizeof batch, "{\"seq\":6,\"ts\":%lld}", now);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/7/up", batch, 1, false), 0);
	expect_msg("amr/v1/readings/7", "\"seq\":6", 5000);
	harness_clear_inbox(&h);
	/* 4, never seen, may be one lost on the way: new (its events would go
	 * out); once the archive acknowledged 6, 4 is a resend */
	snprintf(batch, sizeof batch, "{\"seq\":4,\"ts\":%lld}", now);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/7/up", batch, 1, false), 0);
	expect_msg("amr/v1/readings/7", "\"seq\":4", 5000);
	assert_metric("amr_ingest_resent_total 2");
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/7/ack", "{\"seq\":6}", 1, true), 0);
	snprintf(batch, sizeof batch, "{\"seq\":3,\"ts\":%lld}", now);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/7/up", batch, 1, false), 0);
	expect_msg("amr/v1/readings/7", "\"seq\":3", 5000);

	assert_none("amr/v1/deadletter", NULL, "unexpected deadletter");
	assert_metric("amr_ingest_batches_total 6");
	assert_metric("amr_ingest_resent_total 3");
}
END_TEST

struct bad_case {
	const char *topic;   /* where it is published */
	const char *payload; /* printf format, %lld = now */
	const char *reason;  /* expected deadletter reason */
	const char *detail;  /* part of the expected detail */
};

START_TEST(test_bad_batches_never_block_good_ones)
{
	static const struct bad_case bad[] = {
		{ "amr/v1/gw/7/up", "{\"seq\":1,", "bad_json", "malformed JSON" },
		{ "amr/v1/gw/7/up", "{\"seq\":0,\"ts\":%lld}", "bad_seq",
		  "seq: 0 is out of range" },
		{ "amr/v1/gw/7/up", "{\"ts\":%lld}", "bad_seq", "seq: missing" },
		{ "amr/v1/gw/7/up", "{\"obj\":8,\"seq\":1,\"ts\":%lld}", "wrong_obj",
		  "obj: 8 does not match the topic's 7" },
		{ "amr/v1/gw/7/up",
		  "{\"seq\":1,\"ts\":%lld,\"readings\":[{\"addr\":300,\"ch\":1,"
		  "\"total\":1,\"delta\":1}]}",
		  "bad_reading", "readings[0].addr: 300 is out of range 1..127" },
		{ "amr/v1/gw/7/up",
		  "{\"seq\":1,\"ts\":%lld,\"readings\":[{\"addr\":3,\"ch\":1,"
		  "\"total\":1,\"delta\":5}]}",
		  "bad_reading", "exceeds total 1" },
		{ "amr/v1/gw/7/up", "{\"seq\":1,\"ts\":99%lld}", "bad_ts",
		  "ahead of the server clock" },
		{ "amr/v1/gw/7/up", "{\"seq\":1,\"ts\":%lld,\"spool\":3}", "bad_field",
		  "spool: unknown field" },
		{ "amr/v1/gw/007/up", "{\"seq\":1,\"ts\":%lld}", "bad_topic", "object number" },
	};
	const size_t n = sizeof bad / sizeof bad[0];
	long long now = time(NULL);
	char text[1024], want[64];
	char *m;

	ck_assert_int_gt(start_ingest(&h, NULL), 0);
	/* Bad and good alternate: every good one must come through. */
	for (size_t i = 0; i < n; i++) {
		snprintf(text, sizeof text, bad[i].payload, now);
		ck_assert_int_eq(harness_publish(&h, bad[i].topic, text, 1, false), 0);
		snprintf(text, sizeof text, "{\"seq\":%zu,\"ts\":%lld}", 100 + i, now);
		ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/7/up", text, 1, false), 0);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *d;

		snprintf(want, sizeof want, "\"seq\":%zu,", 100 + i);
		m = harness_wait_message(&h, "amr/v1/readings/7", want, 5000);
		ck_assert_msg(m != NULL, "good batch %zu after a %s was not forwarded", 100 + i,
			      bad[i].reason);
		free(m);
		m = harness_wait_message(&h, "amr/v1/deadletter", bad[i].detail, 5000);
		ck_assert_msg(m != NULL, "no deadletter saying %s", bad[i].detail);
		d = parse(m);
		ck_assert_str_eq(json_string_value(json_object_get(d, "reason")), bad[i].reason);
		ck_assert_msg(
			strstr(json_string_value(json_object_get(d, "detail")), bad[i].detail),
			"case %zu: deadletter %s lacks \"%s\"", i, m, bad[i].detail);
		ck_assert_ptr_nonnull(json_string_value(json_object_get(d, "payload")));
		ck_assert_ptr_nonnull(json_string_value(json_object_get(d, "topic")));
		json_decref(d);
		free(m);
	}
	/* Nothing rejected reached the archive's topic. */
	assert_none("amr/v1/readings/#", "\"seq\":1,", "a rejected batch was forwarded");
	assert_metric("amr_ingest_deadletter_total{reason=\"bad_seq\"} 2");
	assert_metric("amr_ingest_deadletter_total{reason=\"bad_reading\"} 2");
	assert_metric("amr_ingest_deadletter_total{reason=\"bad_json\"} 1");
}
END_TEST

START_TEST(test_oversized_payload_truncated_in_deadletter)
{
	static const char *const args[] = { "--max-payload=2048", "--deadletter-max=300", NULL };
	long long now = time(NULL);
	size_t len = 5000;
	char *big = malloc(len + 1), *m;
	json_t *d;

	ck_assert_int_gt(start_ingest(&h, args), 0);
	snprintf(big, len + 1, "{\"seq\":1,\"ts\":%lld,\"x\":\"", now);
	memset(big + strlen(big), 'a', len - strlen(big) - 2);
	strcpy(big + len - 2, "\"}");
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/7/up", big, 1, false), 0);
	m = harness_wait_message(&h, "amr/v1/deadletter", "too_large", 5000);
	ck_assert_ptr_nonnull(m);
	d = parse(m);
	ck_assert_ptr_nonnull(d);
	ck_assert(json_is_true(json_object_get(d, "truncated")));
	ck_assert_int_eq(json_integer_value(json_object_get(d, "size")), (long long)len);
	ck_assert_uint_le(strlen(json_string_value(json_object_get(d, "payload"))), 300);
	ck_assert(strstr(json_string_value(json_object_get(d, "detail")), "5000 bytes"));
	json_decref(d);
	free(m);
	free(big);
}
END_TEST

START_TEST(test_bad_event_dropped_readings_kept)
{
	long long now = time(NULL);
	char text[512], *m;

	ck_assert_int_gt(start_ingest(&h, NULL), 0);
	snprintf(text, sizeof text,
		 "{\"seq\":9,\"ts\":%lld,\"readings\":[{\"addr\":2,\"ch\":3,\"total\":50,"
		 "\"delta\":2}],\"events\":[{\"type\":\"sparks\",\"addr\":2,\"ts\":%lld},"
		 "{\"type\":\"counter_zeroed\",\"addr\":2,\"ch\":4,\"ts\":%lld,\"by\":\"c1\"}]}",
		 now, now, now);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/7/up", text, 1, false), 0);
	m = harness_wait_message(&h, "amr/v1/readings/7", "\"seq\":9", 5000);
	ck_assert_ptr_nonnull(m);
	ck_assert_msg(!strstr(m, "sparks"), "the bad event was forwarded: %s", m);
	ck_assert(strstr(m, "counter_zeroed"));
	free(m);
	m = harness_wait_message(&h, "amr/v1/deadletter", "bad_event", 5000);
	ck_assert_ptr_nonnull(m);
	ck_assert(strstr(m, "sparks"));
	free(m);
	m = harness_wait_message(&h, "amr/v1/events/7", "counter_zeroed", 5000);
	ck_assert_ptr_nonnull(m);
	ck_assert(strstr(m, "\"ch\":4"));
	ck_assert(strstr(m, "\"detail\":{\"by\":\"c1\"}"));
	free(m);
}
END_TEST

START_TEST(test_presence_events_on_change_only)
{
	char *m;
	pid_t pid = start_ingest(&h, NULL);

	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/12/status",
					 "{\"online\":true,\"fw\":\"1.2.0\",\"ip\":\"10.0.0.5\","
					 "\"devices\":{\"polled\":32,\"responding\":31},"
					 "\"spool\":{\"pending\":0}}",
					 1, true),
			 0);
	m = harness_wait_message(&h, "amr/v1/events/12", "gateway_online", 5000);
	ck_assert_ptr_nonnull(m);
	ck_assert(strstr(m, "\"fw\":\"1.2.0\""));
	free(m);

	/* The same state again is not news. */
	harness_clear_inbox(&h);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/12/status", "{\"online\":true}", 1, true),
			 0);
	assert_none("amr/v1/events/12", NULL, "repeated presence event");

	/* A bad status changes nothing and is dead-lettered. */
	ck_assert_int_eq(
		harness_publish(&h, "amr/v1/gw/12/status", "{\"online\":\"no\"}", 1, false), 0);
	m = harness_wait_message(&h, "amr/v1/deadletter", "bad_status", 5000);
	ck_assert_ptr_nonnull(m);
	free(m);

	/* The last will. */
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/12/status", "{\"online\":false}", 1, true),
			 0);
	m = harness_wait_message(&h, "amr/v1/events/12", "gateway_offline", 5000);
	ck_assert_ptr_nonnull(m);
	free(m);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/12/status", "{\"online\":true}", 1, true),
			 0);
	m = harness_wait_message(&h, "amr/v1/events/12", "gateway_online", 5000);
	ck_assert_ptr_nonnull(m);
	free(m);

	/* Ingest publishes the event before it remembers the presence: its
	 * answer to a request, handled after the status, is the barrier that
	 * the crash below comes after both. */
	ck_assert_int_eq(harness_barrier(&h, "ingest", 5000), 0);

	/* After a crash the retained status comes again: still not news. It
	 * comes right after ingest's SUBSCRIBE, which goes before its online
	 * status, so before the probe's ping. */
	harness_kill(&h, pid, SIGKILL);
	pid = start_ingest(&h, NULL);
	ck_assert_int_gt(pid, 0);
	assert_none("amr/v1/events/12", NULL, "presence event repeated after restart");
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/12/status", "{\"online\":false}", 1, true),
			 0);
	m = harness_wait_message(&h, "amr/v1/events/12", "gateway_offline", 5000);
	ck_assert_ptr_nonnull(m);
	free(m);
}
END_TEST

START_TEST(test_device_snapshot_events)
{
	long long now = time(NULL);
	char text[512], *m;

	ck_assert_int_gt(start_ingest(&h, NULL), 0);
	snprintf(text, sizeof text,
		 "{\"seq\":1,\"ts\":%lld,\"devices\":[{\"addr\":3,\"ok\":true,"
		 "\"mains\":true,\"batt_mv\":3000}]}",
		 now);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/7/up", text, 1, false), 0);
	expect_msg("amr/v1/readings/7", "\"seq\":1", 5000);
	assert_none("amr/v1/events/7", NULL, "a healthy device is not news");

	snprintf(text, sizeof text,
		 "{\"seq\":2,\"ts\":%lld,\"devices\":[{\"addr\":3,\"ok\":false}]}", now);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/7/up", text, 1, false), 0);
	m = harness_wait_message(&h, "amr/v1/events/7", "device_offline", 5000);
	ck_assert_ptr_nonnull(m);
	ck_assert(strstr(m, "\"addr\":3"));
	ck_assert(strstr(m, "\"seq\":2"));
	ck_assert(strstr(m, "\"source\":\"devices\""));
	free(m);
}
END_TEST

static Suite *ingest_suite(void)
{
	Suite *s = suite_create("ingest");
	TCase *tc = tcase_create("telemetry");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_batch_delivered_three_times);
	tcase_add_test(tc, test_bad_batches_never_block_good_ones);
	tcase_add_test(tc, test_oversized_payload_truncated_in_deadletter);
	tcase_add_test(tc, test_bad_event_dropped_readings_kept);
	tcase_add_test(tc, test_presence_events_on_change_only);
	tcase_add_test(tc, test_device_snapshot_events);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ingest_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
