/*
 * test_ingest_events.c - presence and device events of amr-ingest
 * (services/ingest/events.c), without a broker.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "err.h"
#include "events.h"

#define NOW 1763600000

static events *ev;
static json_t *got; /* every event emitted, in order */

static void collect(void *ctx, unsigned obj, json_t *event)
{
	ck_assert_uint_eq(json_integer_value(json_object_get(event, "obj")), obj);
	json_array_append(got, event);
}

static void setup(void)
{
	ck_assert_int_eq(events_create(&ev), AMR_OK);
	got = json_array();
}

static void teardown(void)
{
	events_destroy(ev);
	json_decref(got);
}

/* Feed a batch given as JSON text; returns whether it was a resend. */
static bool batch(unsigned obj, long long seq, const char *text)
{
	json_t *b = json_loads(text, 0, NULL);
	bool resend = true;

	ck_assert_msg(b != NULL, "bad test JSON: %s", text);
	ck_assert_int_eq(events_batch(ev, obj, b, seq, NOW, &resend, collect, NULL), AMR_OK);
	json_decref(b);
	return resend;
}

static int status(unsigned obj, const char *text, bool *changed, struct jv_err *err)
{
	json_t *s = json_loads(text, 0, NULL);
	bool online;
	int rc;

	ck_assert_ptr_nonnull(s);
	rc = events_status(ev, obj, s, NOW, &online, changed, collect, NULL, err);
	json_decref(s);
	return rc;
}

/* The i-th event, dumped compactly with sorted keys (caller frees). */
static char *event_text(size_t i)
{
	return json_dumps(json_array_get(got, i), JSON_COMPACT | JSON_SORT_KEYS);
}

static void assert_event(size_t i, const char *want)
{
	char *t = event_text(i);

	ck_assert_msg(t != NULL, "no event %zu", i);
	ck_assert_str_eq(t, want);
	free(t);
}

START_TEST(test_status_changes_only)
{
	struct jv_err err = { "" };
	bool changed;

	ck_assert_int_eq(events_presence_get(ev, 4), EVENTS_UNKNOWN);
	ck_assert_int_eq(
		status(4,
		       "{\"online\":true,\"fw\":\"1.2.0\",\"ip\":\"10.0.0.9\","
		       "\"devices\":{\"polled\":32,\"responding\":31},\"spool\":{\"pending\":0},"
		       "\"extra\":1}",
		       &changed, &err),
		AMR_OK);
	ck_assert(changed);
	assert_event(
		0, "{\"detail\":{\"devices\":{\"polled\":32,\"responding\":31},\"fw\":\"1.2.0\","
		   "\"ip\":\"10.0.0.9\"},\"obj\":4,\"ts\":1763600000,\"type\":\"gateway_online\"}");
	ck_assert_int_eq(status(4, "{\"online\":true}", &changed, &err), AMR_OK);
	ck_assert(!changed);
	ck_assert_int_eq(status(4, "{\"online\":false}", &changed, &err), AMR_OK);
	ck_assert(changed);
	assert_event(1, "{\"detail\":{},\"obj\":4,\"ts\":1763600000,\"type\":\"gateway_offline\"}");
	ck_assert_uint_eq(json_array_size(got), 2);
	ck_assert_int_eq(events_presence_get(ev, 4), EVENTS_OFFLINE);
}
END_TEST

START_TEST(test_bad_status_changes_nothing)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "{}", "online: missing" },
		{ "{\"online\":\"yes\"}", "online: expected true or false, got string" },
		{ "{\"online\":1}", "online: expected true or false, got integer" },
		{ "{\"online\":true,\"fw\":7}", "fw: expected a string" },
		{ "{\"online\":true,\"fw\":\"123456789012345678901234567890123\"}",
		  "fw: length 33" },
		{ "{\"online\":true,\"devices\":{\"polled\":200}}",
		  "devices.polled: 200 is out of range" },
		{ "{\"online\":true,\"devices\":[]}", "devices: expected an object" },
		{ "{\"online\":true,\"spool\":{\"pending\":-1}}",
		  "spool.pending: -1 is out of range" },
	};
	struct jv_err err = { "" };
	bool changed;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(status(5, bad[i].text, &changed, &err), AMR_EINVAL);
		ck_assert_msg(strstr(err.msg, bad[i].msg), "%s: \"%s\" lacks \"%s\"", bad[i].text,
			      err.msg, bad[i].msg);
	}
	ck_assert_uint_eq(json_array_size(got), 0);
	ck_assert_int_eq(events_presence_get(ev, 5), EVENTS_UNKNOWN);
}
END_TEST

START_TEST(test_restored_presence_is_not_news)
{
	struct jv_err err = { "" };
	bool changed;

	ck_assert_int_eq(events_presence_set(ev, 6, EVENTS_ONLINE), AMR_OK);
	ck_assert_int_eq(status(6, "{\"online\":true}", &changed, &err), AMR_OK);
	ck_assert(!changed);
	ck_assert_uint_eq(json_array_size(got), 0);
}
END_TEST

START_TEST(test_gateway_events_normalised)
{
	ck_assert(!batch(
		1, 10,
		"{\"events\":["
		"{\"type\":\"counter_zeroed\",\"addr\":5,\"ch\":2,\"ts\":1763599000,\"by\":\"c7\"},"
		"{\"type\":\"gateway_boot\",\"ts\":1763598000,\"fw\":\"1.3\"},"
		"{\"type\":\"battery_low\",\"addr\":5,\"ts\":1763599100}]}"));
	ck_assert_uint_eq(json_array_size(got), 3);
	assert_event(0, "{\"addr\":5,\"ch\":2,\"detail\":{\"by\":\"c7\"},\"obj\":1,\"seq\":10,"
			"\"ts\":1763599000,\"type\":\"counter_zeroed\"}");
	assert_event(1, "{\"detail\":{\"fw\":\"1.3\"},\"obj\":1,\"seq\":10,\"ts\":1763598000,"
			"\"type\":\"gateway_boot\"}");
	assert_event(2, "{\"addr\":5,\"detail\":{},\"obj\":1,\"seq\":10,\"ts\":1763599100,"
			"\"type\":\"battery_low\"}");
}
END_TEST

/* The events the gateway (firmware/gateway/gw.c) writes, with their fields. */
START_TEST(test_gateway_firmware_events)
{
	ck_assert(!batch(2, 42,
			 "{\"seq\":42,\"prev\":41,\"events\":["
			 "{\"type\":\"counter_decreased\",\"addr\":5,\"ch\":1,\"ts\":1763599000,"
			 "\"from\":180,\"total\":100},"
			 "{\"type\":\"address_changed\",\"addr\":9,\"from\":126,\"ts\":1763599001},"
			 "{\"type\":\"output_changed\",\"addr\":9,\"out\":2,\"blocked\":true,"
			 "\"ts\":1763599002},"
			 "{\"type\":\"nvm_error\",\"addr\":5,\"ts\":1763599003}]}"));
	ck_assert_uint_eq(json_array_size(got), 4);
	assert_event(0, "{\"addr\":5,\"ch\":1,\"detail\":{\"from\":180,\"total\":100},"
			"\"obj\":2,\"seq\":42,\"ts\":1763599000,\"type\":\"counter_decreased\"}");
	assert_event(1, "{\"addr\":9,\"detail\":{\"from\":126},\"obj\":2,\"seq\":42,"
			"\"ts\":1763599001,\"type\":\"address_changed\"}");
	assert_event(2, "{\"addr\":9,\"detail\":{\"blocked\":true,\"out\":2},\"obj\":2,"
			"\"seq\":42,\"ts\":1763599002,\"type\":\"output_changed\"}");
	assert_event(3, "{\"addr\":5,\"detail\":{},\"obj\":2,\"seq\":42,"
			"\"ts\":1763599003,\"type\":\"nvm_error\"}");
}
END_TEST

START_TEST(test_resend_emits_nothing)
{
	const char *b = "{\"events\":[{\"type\":\"mains_lost\",\"addr\":5,\"ts\":1763599000}]}";

	ck_assert(!batch(1, 10, b));
	ck_assert(batch(1, 10, b));
	events_acked(ev, 1, 10); /* the archive stored everything up to 10 */
	ck_assert(batch(1, 9, b));
	ck_assert_uint_eq(json_array_size(got), 1);
	ck_assert_int_eq(events_high_seq(ev, 1), 10);
	/* Each gateway has its own sequence. */
	ck_assert(!batch(2, 3, b));
	ck_assert_uint_eq(json_array_size(got), 2);
	ck_assert_int_eq(events_high_seq(ev, 1), 10);
	ck_assert_int_eq(events_high_seq(ev, 2), 3);
}
END_TEST

/* A batch the archive refused (a forged seq far ahead) is never
 * acknowledged: the real batches after it are new, their events go out;
 * one that came before the refused one but was lost (resent after a
 * gap) is new too; what the archive acknowledged is a resend. */
START_TEST(test_refused_batch_hides_no_events)
{
	static const char *const at[] = {
		"{\"events\":[{\"type\":\"mains_lost\",\"addr\":5,\"ts\":1763599000}]}",
		"{\"events\":[{\"type\":\"mains_lost\",\"addr\":6,\"ts\":1763599000}]}",
		"{\"events\":[{\"type\":\"mains_lost\",\"addr\":7,\"ts\":1763599000}]}",
		"{\"events\":[{\"type\":\"mains_lost\",\"addr\":9,\"ts\":1763599000}]}",
	};

	ck_assert(!batch(1, 5, at[0]));
	events_acked(ev, 1, 5);
	ck_assert(!batch(1, 9007199254740991LL, at[3])); /* refused by the archive: no ack */
	ck_assert(!batch(1, 7, at[2]));			 /* 6 lost on the way */
	ck_assert(!batch(1, 6, at[1]));			 /* sent again: first seen now */
	ck_assert(batch(1, 7, at[2]));			 /* a resend before any ack */
	ck_assert_uint_eq(json_array_size(got), 4);
	events_acked(ev, 1, 7);
	ck_assert(batch(1, 6, at[1]) && batch(1, 7, at[2]) && batch(1, 3, at[0]));
	ck_assert_uint_eq(json_array_size(got), 4);
	/* an ack before ingest hears from a gateway (retained, after a restart) */
	events_acked(ev, 4, 100);
	ck_assert(batch(4, 99, at[0]));
	ck_assert(!batch(4, 101, at[0]));
	ck_assert_uint_eq(json_array_size(got), 5);
}
END_TEST

START_TEST(test_device_state_not_reported_twice)
{
	/* The gateway's event, then the snapshot that agrees: one event. */
	batch(1, 1,
	      "{\"events\":[{\"type\":\"device_offline\",\"addr\":3,\"ts\":1763599000}],"
	      "\"devices\":[{\"addr\":3,\"ok\":false}]}");
	ck_assert_uint_eq(json_array_size(got), 1);
	/* The same event in a later batch: the state already says so. */
	batch(1, 2, "{\"events\":[{\"type\":\"device_offline\",\"addr\":3,\"ts\":1763599100}]}");
	ck_assert_uint_eq(json_array_size(got), 1);
	/* Back online, reported by the snapshot only. */
	batch(1, 3, "{\"devices\":[{\"addr\":3,\"ok\":true,\"mains\":true}]}");
	ck_assert_uint_eq(json_array_size(got), 2);
	assert_event(1, "{\"addr\":3,\"detail\":{\"source\":\"devices\"},\"obj\":1,\"seq\":3,"
			"\"ts\":1763600000,\"type\":\"device_online\"}");
	/* Mains lost and restored, by event then by snapshot. */
	batch(1, 4,
	      "{\"events\":[{\"type\":\"mains_lost\",\"addr\":3,\"ts\":1763599200}],"
	      "\"devices\":[{\"addr\":3,\"ok\":true,\"mains\":false}]}");
	batch(1, 5, "{\"devices\":[{\"addr\":3,\"ok\":true,\"mains\":true}]}");
	ck_assert_uint_eq(json_array_size(got), 4);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(got, 2), "type")),
			 "mains_lost");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(got, 3), "type")),
			 "mains_restored");
}
END_TEST

START_TEST(test_snapshot_first_sight)
{
	/* Healthy devices seen for the first time are not news. */
	batch(1, 1,
	      "{\"devices\":[{\"addr\":1,\"ok\":true,\"mains\":true},{\"addr\":2,\"ok\":true}]}");
	ck_assert_uint_eq(json_array_size(got), 0);
	/* A silent one and one without mains are. */
	batch(1, 2,
	      "{\"devices\":[{\"addr\":7,\"ok\":false},{\"addr\":8,\"ok\":true,\"mains\":false}]}");
	ck_assert_uint_eq(json_array_size(got), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(got, 0), "type")),
			 "device_offline");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(got, 1), "type")),
			 "mains_lost");
	/* The mains flag of a device that does not answer means nothing. */
	batch(1, 3, "{\"devices\":[{\"addr\":8,\"ok\":false,\"mains\":true}]}");
	ck_assert_uint_eq(json_array_size(got), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(got, 2), "type")),
			 "device_offline");
}
END_TEST

static Suite *events_suite(void)
{
	Suite *s = suite_create("ingest_events");
	TCase *tc = tcase_create("events");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_status_changes_only);
	tcase_add_test(tc, test_bad_status_changes_nothing);
	tcase_add_test(tc, test_restored_presence_is_not_news);
	tcase_add_test(tc, test_gateway_events_normalised);
	tcase_add_test(tc, test_gateway_firmware_events);
	tcase_add_test(tc, test_resend_emits_nothing);
	tcase_add_test(tc, test_refused_batch_hides_no_events);
	tcase_add_test(tc, test_device_state_not_reported_twice);
	tcase_add_test(tc, test_snapshot_first_sight);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(events_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
