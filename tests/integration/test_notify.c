/*
 * amr-notify's alarms with a real Mosquitto: one alarm per condition and
 * target however often the condition repeats (a storm of a thousand
 * events is one alarm and a handful of messages), cleared by its
 * condition, retained while open and gone from retention once cleared;
 * acknowledged and cleared by a person, audited, with the wrong step
 * refused; a gateway offline past its grace and its spool filling, from
 * its retained status, raised again from the store after amr-notify is
 * killed; and what is not an event changes nothing.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "harness.h"

static struct harness h;
static pid_t notify;

static const char *const args[] = { "--gateway-offline-min", "0", NULL };

static void start(void)
{
	char *st;

	harness_clear_inbox(&h);
	notify = harness_spawn(&h, "amr-notify", args);
	ck_assert_int_gt(notify, 0);
	st = harness_wait_message(&h, "amr/v1/svc/notify/status", "\"online\":true", 15000);
	ck_assert_msg(st != NULL, "amr-notify did not come online");
	free(st);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/alarms/+"), 0);
}

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	start();
}

static void teardown(void)
{
	harness_stop(&h);
}

/* notify/method's result (new); the answer's error code when want_err. */
static json_t *call(const char *method, const char *a, const char *want_err)
{
	char full[64], *text;
	json_t *r, *res;

	snprintf(full, sizeof full, "notify/%s", method);
	text = harness_rpc(&h, full, a, 10000);
	ck_assert_msg(text != NULL, "%s: no answer", full);
	r = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(r);
	if (want_err) {
		const char *code = json_string_value(
			json_object_get(json_object_get(r, "error"), "code"));

		ck_assert_msg(code && !strcmp(code, want_err), "%s %s: %s", full, a, text);
	} else {
		ck_assert_msg(json_is_true(json_object_get(r, "ok")), "%s %s: %s", full, a, text);
	}
	free(text);
	res = json_incref(json_object_get(r, want_err ? "error" : "result"));
	json_decref(r);
	return res;
}

static long long metric(const char *name)
{
	return harness_metric(&h, "notify", name);
}

static void event(int obj, const char *type, int addr, int ch, long long ts)
{
	char topic[64], body[256];

	snprintf(topic, sizeof topic, "amr/v1/events/%d", obj);
	snprintf(body, sizeof body,
		 "{\"obj\":%d,\"type\":\"%s\",\"addr\":%d,\"ch\":%d,\"ts\":%lld,\"detail\":{}}",
		 obj, type, addr, ch, ts);
	ck_assert_int_eq(harness_publish(&h, topic, body, 1, false), 0);
}

/* The open alarms as a list (new). */
static json_t *open_alarms(void)
{
	json_t *r = call("alarms", "{\"state\":\"open\"}", NULL), *a;

	a = json_incref(json_object_get(r, "alarms"));
	json_decref(r);
	return a;
}

static const char *s_of(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
}

START_TEST(one_alarm_however_often)
{
	long long t = (long long)time(NULL), told;
	json_t *a, *rec;
	char *m, args_[64];
	long long id;

	event(1, "device_offline", 5, 0, t);
	m = harness_wait_message(&h, "amr/v1/alarms/+", "\"key\":\"device_offline/1.5\"", 10000);
	ck_assert_msg(m && strstr(m, "\"state\":\"raised\"") && strstr(m, "\"severity\":\"major\""),
		      "%s", m ? m : "no alarm");
	free(m);
	told = metric("amr_notify_alarm_states_total");
	/* a storm of the same condition */
	for (int i = 1; i <= 1000; i++)
		event(1, "device_offline", 5, 0, t + i);
	a = open_alarms(); /* after the storm: the probe's messages are handled in order */
	ck_assert_uint_eq(json_array_size(a), 1);
	rec = json_array_get(a, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "count")), 1001);
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "last")), t + 1000);
	id = json_integer_value(json_object_get(rec, "id"));
	json_decref(a);
	/* counts 2, 4, .. 512 told: 9 messages, not a thousand */
	ck_assert_int_eq(metric("amr_notify_alarm_states_total") - told, 9);
	ck_assert_int_eq(metric("amr_notify_alarms_raised_total"), 1);

	/* the device answers: cleared by its condition, retention removed */
	harness_clear_inbox(&h);
	event(1, "device_online", 5, 0, t + 2000);
	m = harness_wait_message(&h, "amr/v1/alarms/+", "\"state\":\"cleared\"", 10000);
	ck_assert_msg(m && strstr(m, "\"by\":\"condition\""), "%s", m ? m : "not cleared");
	free(m);
	a = open_alarms();
	ck_assert_uint_eq(json_array_size(a), 0);
	json_decref(a);
	/* a subscriber that comes later gets no retained alarm */
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/alarms/#"), 0);
	snprintf(args_, sizeof args_, "{\"id\":%lld}", id);
	rec = call("alarm.get", args_, NULL);
	ck_assert_str_eq(s_of(rec, "state"), "cleared");
	json_decref(rec);
	/* the condition again, after the clear: a new alarm */
	event(1, "device_offline", 5, 0, t + 3000);
	a = open_alarms();
	ck_assert_uint_eq(json_array_size(a), 1);
	ck_assert_int_gt(json_integer_value(json_object_get(json_array_get(a, 0), "id")), id);
	json_decref(a);
}
END_TEST

START_TEST(a_person_acknowledges_and_clears)
{
	long long t = (long long)time(NULL), id;
	json_t *a, *r;
	char args_[160], *m;

	event(1, "counter_quarantined", 7, 2, t);
	a = open_alarms();
	ck_assert_uint_eq(json_array_size(a), 1);
	ck_assert_str_eq(s_of(json_array_get(a, 0), "key"), "counter/1.7.2");
	id = json_integer_value(json_object_get(json_array_get(a, 0), "id"));
	json_decref(a);

	/* refused, naming the field, changing nothing */
	r = call("alarm.ack", "{\"actor\":\"ivan\"}", "bad_request");
	ck_assert_msg(strstr(s_of(r, "message"), "id"), "%s", s_of(r, "message"));
	json_decref(r);
	r = call("alarm.ack", "{\"id\":999,\"actor\":\"ivan\"}", "not_found");
	json_decref(r);
	snprintf(args_, sizeof args_, "{\"id\":%lld,\"actor\":\"ivan\",\"colour\":1}", id);
	json_decref(call("alarm.ack", args_, "bad_request"));
	snprintf(args_, sizeof args_, "{\"id\":%lld,\"actor\":\"ivan\"}", id);
	r = call("alarm.clear", args_, "bad_request"); /* a clear says why */
	ck_assert_msg(strstr(s_of(r, "message"), "reason"), "%s", s_of(r, "message"));
	json_decref(r);

	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/audit"), 0);
	snprintf(args_, sizeof args_,
		 "{\"id\":%lld,\"actor\":\"ivan\",\"comment\":\"счётчик проверяю\"}", id);
	r = call("alarm.ack", args_, NULL);
	ck_assert_str_eq(s_of(r, "state"), "acknowledged");
	ck_assert_str_eq(s_of(json_object_get(r, "ack"), "by"), "ivan");
	json_decref(r);
	m = harness_wait_message(&h, "amr/v1/audit", "\"action\":\"alarm.ack\"", 10000);
	ck_assert_msg(m && strstr(m, "\"actor\":\"ivan\"") && strstr(m, "счётчик проверяю"), "%s",
		      m ? m : "no audit");
	free(m);
	json_decref(call("alarm.ack", args_, "conflict")); /* acknowledged already */
	snprintf(args_, sizeof args_,
		 "{\"id\":%lld,\"actor\":\"anna\",\"reason\":\"счётчик заменён\"}", id);
	r = call("alarm.clear", args_, NULL);
	ck_assert_str_eq(s_of(r, "state"), "cleared");
	ck_assert_str_eq(s_of(json_object_get(r, "cleared"), "by"), "anna");
	json_decref(r);
	json_decref(call("alarm.clear", args_, "conflict"));
	m = harness_wait_message(&h, "amr/v1/audit", "\"action\":\"alarm.clear\"", 10000);
	ck_assert_msg(m && strstr(m, "счётчик заменён"), "%s", m ? m : "no audit");
	free(m);
	/* the history keeps it; the filters choose */
	r = call("alarms", "{\"state\":\"cleared\",\"kind\":\"counter\"}", NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "alarms")), 1);
	json_decref(r);
	r = call("alarms", "{\"severity\":\"critical\"}", NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "alarms")), 0);
	json_decref(r);
	json_decref(call("alarms", "{\"state\":\"closed\"}", "bad_request"));
}
END_TEST

START_TEST(gateway_offline_and_spool_survive_a_kill)
{
	json_t *a;
	char *m;

	/* gateway 2's will: offline; with no grace the alarm follows at the tick */
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/2/status", "{\"online\":false}", 1, true),
			 0);
	m = harness_wait_message(&h, "amr/v1/alarms/+", "\"key\":\"gateway_offline/2\"", 15000);
	ck_assert_msg(m != NULL, "no gateway_offline alarm");
	free(m);
	/* gateway 3 online with its spool 90 % full */
	ck_assert_int_eq(
		harness_publish(&h, "amr/v1/gw/3/status",
				"{\"online\":true,\"spool\":{\"pending\":900,\"capacity\":1000}}",
				1, true),
		0);
	m = harness_wait_message(&h, "amr/v1/alarms/+", "\"key\":\"spool/3\"", 10000);
	ck_assert_msg(m != NULL, "no spool alarm");
	free(m);

	/* killed: the open alarms come back from its store, retained again */
	ck_assert_int_eq(harness_kill(&h, notify, SIGKILL) != -1, 1);
	harness_clear_inbox(&h);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/2/status", "", 1, true), 0); /* forgotten */
	start();
	a = open_alarms();
	ck_assert_uint_eq(json_array_size(a), 2);
	json_decref(a);
	m = harness_wait_message(&h, "amr/v1/alarms/+", "\"key\":\"gateway_offline/2\"", 10000);
	ck_assert_msg(m != NULL, "the open alarm was not told again after the restart");
	free(m);
	/* back online, the spool emptied: both cleared */
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/2/status", "{\"online\":true}", 1, true),
			 0);
	ck_assert_int_eq(
		harness_publish(&h, "amr/v1/gw/3/status",
				"{\"online\":true,\"spool\":{\"pending\":10,\"capacity\":1000}}", 1,
				true),
		0);
	a = open_alarms();
	ck_assert_uint_eq(json_array_size(a), 0);
	json_decref(a);
}
END_TEST

START_TEST(what_is_not_an_event_changes_nothing)
{
	static const struct {
		const char *topic, *body;
	} bad[] = {
		{ "amr/v1/events/1", "{\"type\":\"device_offline\",\"addr\":5" },
		{ "amr/v1/events/1", "{\"type\":\"device_offline\",\"addr\":0,\"ts\":5}" },
		{ "amr/v1/events/1", "{\"type\":\"device_offline\",\"addr\":5}" },
		{ "amr/v1/events/1", "{\"type\":\"counter_decreased\",\"addr\":5,\"ts\":5}" },
		{ "amr/v1/events/01", "{\"type\":\"device_offline\",\"addr\":5,\"ts\":5}" },
		{ "amr/v1/events/65001", "{\"type\":\"device_offline\",\"addr\":5,\"ts\":5}" },
		{ "amr/v1/events/1", "{\"type\":\"no_such_event\",\"addr\":5,\"ts\":5}" },
		{ "amr/v1/events/1", "[]" },
	};
	json_t *a;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_int_eq(harness_publish(&h, bad[i].topic, bad[i].body, 1, false), 0);
	a = open_alarms(); /* the barrier: every one handled before it */
	ck_assert_uint_eq(json_array_size(a), 0);
	json_decref(a);
	ck_assert_int_eq(metric("amr_notify_alarms_raised_total"), 0);
	ck_assert_int_ge(metric("amr_notify_events_total"), 7);
}
END_TEST

static Suite *notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("alarms");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, one_alarm_however_often);
	tcase_add_test(tc, a_person_acknowledges_and_clears);
	tcase_add_test(tc, gateway_offline_and_spool_survive_a_kill);
	tcase_add_test(tc, what_is_not_an_event_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(notify_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
