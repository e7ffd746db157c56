/*
 * Alarms reaching a contact's mailbox: amr-notify with a real Mosquitto
 * and a real SMTP server (aiosmtpd, mail_util.h). A UO-4 that stops
 * answering reaches the dispatcher who wants major alarms once, in
 * Russian, with the alarm's Message-ID, and not the one who wants only
 * critical ones; its repeats send nothing more; the delivery log says
 * sent. With the mail server down the message waits and is tried again;
 * amr-notify killed with SIGKILL meanwhile delivers it after its restart,
 * once the server is back. A contact with a bad address is refused,
 * naming the field, and nothing is stored.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "harness.h"
#include "mail_util.h"

static struct harness h;
static struct catcher mc;
static pid_t notify;

/* amr-notify against the mail port, each message given timeout_ms. */
static void start_notify_timeout(const char *timeout_ms)
{
	char url[64], *st;
	const char *args[] = { "--smtp-url",	     url,	  "--smtp-from",
			       "alarms@tsj.example", "--retry-s", "1",
			       "--smtp-timeout-ms",  timeout_ms,  NULL };

	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", mc.port);
	harness_clear_inbox(&h);
	notify = harness_spawn(&h, "amr-notify", args);
	ck_assert_int_gt(notify, 0);
	st = harness_wait_message(&h, "amr/v1/svc/notify/status", "\"online\":true", 15000);
	ck_assert_msg(st != NULL, "amr-notify did not come online");
	free(st);
}

static void start_notify(void)
{
	start_notify_timeout("2000");
}

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	catcher_init(&mc, &h);
}

static void teardown(void)
{
	harness_stop(&h);
}

/* notify/method's answer as JSON (new). */
static json_t *call(const char *method, const char *a)
{
	char full[64], *text;
	json_t *r;

	snprintf(full, sizeof full, "notify/%s", method);
	text = harness_rpc(&h, full, a, 10000);
	ck_assert_msg(text != NULL, "%s: no answer", full);
	r = json_loads(text, 0, NULL);
	ck_assert_msg(r != NULL, "%s", text);
	free(text);
	return r;
}

static void ok(const char *method, const char *a)
{
	json_t *r = call(method, a);

	ck_assert_msg(json_is_true(json_object_get(r, "ok")), "%s %s refused", method, a);
	json_decref(r);
}

static void device_offline(long long ts)
{
	char body[160];

	snprintf(body, sizeof body,
		 "{\"obj\":1,\"type\":\"device_offline\",\"addr\":5,\"ts\":%lld,\"detail\":{}}",
		 ts);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/events/1", body, 1, false), 0);
}

/* The state of the first message in the delivery log. */
static char *state_of_first(void)
{
	json_t *r = call("messages", "{}");
	const char *s = json_string_value(json_object_get(
		json_array_get(json_object_get(json_object_get(r, "result"), "messages"), 0),
		"state"));
	char *copy = strdup(s ? s : "");

	json_decref(r);
	return copy;
}

static bool first_is(const char *state)
{
	char *s = state_of_first();
	bool is = !strcmp(s, state);

	free(s);
	return is;
}

START_TEST(an_alarm_reaches_the_dispatcher_once)
{
	long long t = (long long)time(NULL);
	json_t *m, *r;
	char *env;

	catcher_start(&mc, NULL);
	start_notify();
	ok("contact.set", "{\"name\":\"dispatcher\",\"actor\":\"admin\","
			  "\"email\":\"dispatch@tsj.example\"}");
	ok("contact.set", "{\"name\":\"chief\",\"actor\":\"admin\","
			  "\"email\":\"chief@tsj.example\",\"min_severity\":\"critical\"}");
	device_offline(t);
	m = catcher_read(&mc, 1);
	ck_assert_str_eq(json_string_value(json_object_get(m, "subject")),
			 "Тревога 1: УО-4 не отвечает, 1.5");
	ck_assert_msg(strstr(json_string_value(json_object_get(m, "body")), "Важность: серьёзная"),
		      "%s", json_string_value(json_object_get(m, "body")));
	ck_assert_str_eq(json_string_value(json_object_get(m, "message_id")), "<1.1@amr-notify>");
	json_decref(m);
	env = catcher_slurp(&mc, "1.env");
	ck_assert_msg(strstr(env, "dispatch@tsj.example") && !strstr(env, "chief@"), "%s", env);
	free(env);
	/* repeats tell nobody again: the log is the barrier */
	for (int i = 1; i <= 20; i++)
		device_offline(t + i);
	HARNESS_POLL_UNTIL(first_is("sent"), 10000);
	r = call("messages", "{\"alarm\":1}");
	ck_assert_uint_eq(
		json_array_size(json_object_get(json_object_get(r, "result"), "messages")), 1);
	json_decref(r);
	ck_assert_int_eq(catcher_count(&mc), 1);
	ck_assert_int_eq(harness_metric(&h, "notify", "amr_notify_messages_total{result=\"sent\"}"),
			 1);

	/* a bad address: refused, naming the field; nothing stored */
	r = call("contact.set",
		 "{\"name\":\"x\",\"actor\":\"admin\",\"email\":\"a@b\\r\\nBcc: c@d\"}");
	ck_assert_msg(
		strstr(json_string_value(json_object_get(json_object_get(r, "error"), "message")),
		       "email: "),
		"refused without the field");
	json_decref(r);
	r = call("contacts", "{}");
	ck_assert_uint_eq(
		json_array_size(json_object_get(json_object_get(r, "result"), "contacts")), 2);
	json_decref(r);
}
END_TEST

/* A kill while the mail server holds the message: it may have it, so it
 * is sent again at the start, counted, and marked resent, under the same
 * Message-ID. The server here takes the connection and says nothing. */
START_TEST(killed_while_sending_sends_again_and_counts_it)
{
	char port[16], code[300];
	const char *py[] = { "-c", code, NULL };
	long long t = (long long)time(NULL);
	json_t *m, *r;
	pid_t mute;

	snprintf(port, sizeof port, "%d", mc.port);
	snprintf(code, sizeof code,
		 "import signal,socket\n"
		 "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
		 "s.bind(('127.0.0.1',%s)); s.listen(8); c=s.accept(); signal.pause()\n",
		 port);
	mute = harness_spawn(&h, "/usr/bin/python3", py);
	ck_assert_int_gt(mute, 0);
	ck_assert_int_eq(harness_wait_port(mc.port, 10000), 0);
	start_notify_timeout("600000");
	ok("contact.set", "{\"name\":\"dispatcher\",\"actor\":\"admin\","
			  "\"email\":\"dispatch@tsj.example\"}");
	device_offline(t);
	HARNESS_POLL_UNTIL(first_is("sending"), 15000);
	ck_assert_msg(first_is("sending"), "not being sent: %s", state_of_first());
	ck_assert_int_eq(harness_kill(&h, notify, SIGKILL) != -1, 1);
	ck_assert_int_eq(harness_kill(&h, mute, SIGKILL) != -1, 1);

	catcher_start(&mc, NULL);
	start_notify();
	m = catcher_read(&mc, 1);
	ck_assert_str_eq(json_string_value(json_object_get(m, "message_id")), "<1.1@amr-notify>");
	json_decref(m);
	HARNESS_POLL_UNTIL(first_is("sent"), 10000);
	ck_assert(first_is("sent"));
	ck_assert_int_eq(harness_metric(&h, "notify", "amr_notify_messages_resent_total"), 1);
	r = call("messages", "{}");
	ck_assert_int_eq(
		json_integer_value(json_object_get(
			json_array_get(json_object_get(json_object_get(r, "result"), "messages"),
				       0),
			"resent")),
		1);
	json_decref(r);
}
END_TEST

START_TEST(killed_while_the_server_is_down_delivers_after)
{
	long long t = (long long)time(NULL);
	json_t *m;

	start_notify(); /* nobody listens on the mail port yet */
	ok("contact.set", "{\"name\":\"dispatcher\",\"actor\":\"admin\","
			  "\"email\":\"dispatch@tsj.example\"}");
	device_offline(t);
	/* tried and refused for now: queued again */
	HARNESS_POLL_UNTIL(
		harness_metric(&h, "notify", "amr_notify_messages_total{result=\"retry\"}") >= 1,
		15000);
	ck_assert_int_ge(
		harness_metric(&h, "notify", "amr_notify_messages_total{result=\"retry\"}"), 1);
	ck_assert_msg(first_is("queued") || first_is("sending"), "not waiting: %s",
		      state_of_first());
	ck_assert_int_eq(harness_kill(&h, notify, SIGKILL) != -1, 1);

	catcher_start(&mc, NULL);
	start_notify();
	m = catcher_read(&mc, 1); /* delivered after the restart */
	ck_assert_str_eq(json_string_value(json_object_get(m, "message_id")), "<1.1@amr-notify>");
	json_decref(m);
	HARNESS_POLL_UNTIL(first_is("sent"), 10000);
	ck_assert(first_is("sent"));
}
END_TEST

static Suite *notify_mail_suite(void)
{
	Suite *s = suite_create("notify_mail");
	TCase *tc = tcase_create("mail");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, an_alarm_reaches_the_dispatcher_once);
	tcase_add_test(tc, killed_while_the_server_is_down_delivers_after);
	tcase_add_test(tc, killed_while_sending_sends_again_and_counts_it);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(notify_mail_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
