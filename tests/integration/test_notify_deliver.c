/*
 * Who is told, how and when (services/notify/deliver.h): amr-notify with
 * a real Mosquitto, a real SMTP server (aiosmtpd) and a real HTTP
 * receiver for its webhooks. A contact's quiet hours hold what is below
 * their override severity until they end, and let the rest through; its
 * hourly limit holds the messages over it and sends them as one digest
 * when the hour ends (amr-notify's clock set by libfaketime); its channels choose among its
 * addresses; a webhook carries the alarm's JSON signed with HMAC-SHA256
 * and keeps its key when a refusal makes it try again; an alarm nobody
 * acknowledges goes to the contact it escalates to, and one acknowledged
 * in time does not; a storm of 10,000 events of one condition is one
 * alarm, 14 states on the broker and one e-mail; another service's
 * e-mail (notify/send) goes once per ref, with its file attached, and its
 * outcome is told to that service.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "harness.h"
#include "hook_util.h"
#include "mail_util.h"

#define SECRET "a-secret-of-the-tsj-webhooks-2026"

static struct harness h;
static struct catcher mc;

static void start_notify(bool hooks)
{
	char url[64], secret[400], *st;
	const char *args[] = { "--smtp-url",
			       url,
			       "--retry-s",
			       "1",
			       "--tz",
			       "UTC",
			       hooks ? "--webhook-secret-file" : NULL,
			       secret,
			       NULL };
	FILE *f;

	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", mc.port);
	snprintf(secret, sizeof secret, "%s/hook.secret", h.dir);
	f = fopen(secret, "w");
	ck_assert(f != NULL);
	fputs(SECRET "\n", f);
	fclose(f);
	ck_assert_int_gt(harness_spawn(&h, "amr-notify", args), 0);
	st = harness_wait_message(&h, "amr/v1/svc/notify/status", "\"online\":true", 15000);
	ck_assert_msg(st != NULL, "amr-notify did not come online");
	free(st);
}

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	catcher_init(&mc, &h);
	catcher_start(&mc, NULL);
}

static void teardown(void)
{
	harness_stop(&h);
}

/* notify/method's result (new); the call must succeed. */
static json_t *call(const char *method, const char *a)
{
	char full[64], *text;
	json_t *r, *res;

	snprintf(full, sizeof full, "notify/%s", method);
	text = harness_rpc(&h, full, a, 10000);
	ck_assert_msg(text != NULL, "%s: no answer", full);
	r = json_loads(text, 0, NULL);
	ck_assert_msg(r && json_is_true(json_object_get(r, "ok")), "%s %s: %s", full, a, text);
	free(text);
	res = json_incref(json_object_get(r, "result"));
	json_decref(r);
	return res;
}

static void contact(const char *json)
{
	json_decref(call("contact.set", json));
}

static void event(const char *type, int addr)
{
	char body[200];

	snprintf(body, sizeof body,
		 "{\"obj\":1,\"type\":\"%s\",\"addr\":%d,\"ts\":%lld,\"detail\":{}}", type, addr,
		 (long long)time(NULL));
	ck_assert_int_eq(harness_publish(&h, "amr/v1/events/1", body, 1, false), 0);
}

/* The delivery log of alarm (0: all), newest first (new). */
static json_t *messages(int alarm)
{
	char a[40];
	json_t *r, *m;

	snprintf(a, sizeof a, "{\"alarm\":%d}", alarm);
	r = call("messages", alarm ? a : "{}");
	m = json_incref(json_object_get(r, "messages"));
	json_decref(r);
	return m;
}

static size_t count_messages(int alarm)
{
	json_t *m = messages(alarm);
	size_t n = json_array_size(m);

	json_decref(m);
	return n;
}

/* "HH:MM" of UTC time t. */
static void hhmm(time_t t, char out[6])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 6, "%02d:%02d", tm.tm_hour, tm.tm_min);
}

START_TEST(quiet_hours_hold_what_is_below_their_override)
{
	time_t now = time(NULL);
	char from[6], to[6], c[400], *text;
	json_t *m, *one, *r;

	start_notify(false);
	hhmm(now - 3600, from);
	hhmm(now + 2 * 3600, to);
	snprintf(c, sizeof c,
		 "{\"name\":\"night\",\"actor\":\"admin\",\"email\":\"night@tsj.example\","
		 "\"min_severity\":\"minor\",\"quiet\":{\"from\":\"%s\",\"to\":\"%s\","
		 "\"override\":\"major\"}}",
		 from, to);
	contact(c);
	event("battery_low", 5);    /* minor: waits for the morning */
	event("device_offline", 6); /* major: the override, at once */
	m = catcher_read(&mc, 1);
	ck_assert_str_eq(json_string_value(json_object_get(m, "subject")),
			 "Тревога 2: УО-4 не отвечает, 1.6");
	json_decref(m);
	m = messages(1);
	one = json_array_get(m, 0);
	ck_assert_uint_eq(json_array_size(m), 1);
	ck_assert_str_eq(json_string_value(json_object_get(one, "state")), "queued");
	/* due when the quiet hours end, to the minute */
	ck_assert_int_ge(json_integer_value(json_object_get(one, "next")), (long long)now + 7000);
	ck_assert_int_le(json_integer_value(json_object_get(one, "next")), (long long)now + 7200);
	json_decref(m);
	ck_assert_int_eq(catcher_count(&mc), 1);

	/* a clock that is not one: refused, naming the field */
	text = harness_rpc(&h, "notify/contact.set",
			   "{\"name\":\"x\",\"actor\":\"admin\",\"quiet\":"
			   "{\"from\":\"25:00\",\"to\":\"07:00\"}}",
			   10000);
	ck_assert(text != NULL);
	r = json_loads(text, 0, NULL);
	free(text);
	ck_assert_msg(
		strstr(json_string_value(json_object_get(json_object_get(r, "error"), "message")),
		       "quiet: \"25:00\""),
		"not refused naming quiet");
	json_decref(r);
}
END_TEST

START_TEST(the_hourly_limit_holds_the_rest)
{
	json_t *m;

	start_notify(false);
	contact("{\"name\":\"busy\",\"actor\":\"admin\",\"email\":\"busy@tsj.example\","
		"\"hourly_limit\":2}");
	for (int addr = 5; addr <= 8; addr++)
		event("device_offline", addr);
	/* four alarms raised (the barrier), two messages */
	HARNESS_POLL_UNTIL(harness_metric(&h, "notify", "amr_notify_alarms_raised_total") == 4,
			   10000);
	ck_assert_int_eq(harness_metric(&h, "notify", "amr_notify_alarms_raised_total"), 4);
	m = catcher_read(&mc, 2);
	json_decref(m);
	ck_assert_uint_eq(count_messages(0), 2);
	ck_assert_uint_eq(count_messages(3), 0);
	ck_assert_uint_eq(count_messages(4), 0);
}
END_TEST

/* The environment that starts a program at fake time t, its clock running
 * on from there (libfaketime); monotonic time stays true, so its timers
 * run at the real pace. */
#define FAKETIME_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

START_TEST(the_hours_digest_follows_at_its_end)
{
	char url[64], at[64], asan[400], c[200], body[200];
	const char *args[] = { "--smtp-url", url, "--retry-s", "1", "--tz", "UTC", NULL };
	/* asan: the sanitizers' runtime comes after the preloaded library */
	const char *env[] = {
		"LD_PRELOAD=" FAKETIME_LIB, at,	  "FAKETIME_DONT_FAKE_MONOTONIC=1",
		"FAKETIME_NO_CACHE=1",	    asan, NULL,
	};
	time_t now = time(NULL), start = now - now % 3600 + 3600 - 20;
	struct tm tm;
	json_t *m;
	char *st;

	if (access(FAKETIME_LIB, R_OK) != 0) {
		ck_abort_msg("%s is missing (deploy/install-deps.sh installs faketime)",
			     FAKETIME_LIB);
		return;
	}
	snprintf(asan, sizeof asan, "ASAN_OPTIONS=%s%sverify_asan_link_order=0",
		 getenv("ASAN_OPTIONS") ? getenv("ASAN_OPTIONS") : "",
		 getenv("ASAN_OPTIONS") ? ":" : "");
	/* amr-notify's clock starts 20 s before an hour ends */
	gmtime_r(&start, &tm);
	strftime(at, sizeof at, "FAKETIME=@%Y-%m-%d %H:%M:%S", &tm);
	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", mc.port);
	ck_assert_int_gt(harness_spawn_env(&h, "amr-notify", args, env), 0);
	st = harness_wait_message(&h, "amr/v1/svc/notify/status", "\"online\":true", 15000);
	ck_assert_msg(st != NULL, "amr-notify did not come online");
	free(st);
	contact("{\"name\":\"busy\",\"actor\":\"admin\",\"email\":\"busy@tsj.example\","
		"\"hourly_limit\":1}");
	for (int addr = 5; addr <= 7; addr++) {
		snprintf(body, sizeof body,
			 "{\"obj\":1,\"type\":\"device_offline\",\"addr\":%d,\"ts\":%lld,"
			 "\"detail\":{}}",
			 addr, (long long)start + addr);
		ck_assert_int_eq(harness_publish(&h, "amr/v1/events/1", body, 1, false), 0);
	}
	HARNESS_POLL_UNTIL(harness_metric(&h, "notify", "amr_notify_alarms_raised_total") == 3,
			   10000);
	ck_assert_int_eq(harness_metric(&h, "notify", "amr_notify_alarms_raised_total"), 3);
	m = catcher_read(&mc, 1); /* the first alarm, within the limit */
	ck_assert_msg(strstr(json_string_value(json_object_get(m, "subject")), "1.5") != NULL,
		      "the first message is not alarm 1.5's: %s",
		      json_string_value(json_object_get(m, "subject")));
	json_decref(m);
	ck_assert_int_eq(catcher_count(&mc), 1); /* the other two are held */

	/* the hour ends: one digest naming the two held (20 s on amr-notify's
	 * clock, so up to 30 s here) */
	HARNESS_POLL_UNTIL(catcher_stored(&mc, 2), 30000);
	m = catcher_read(&mc, 2);
	snprintf(c, sizeof c, "%s", json_string_value(json_object_get(m, "subject")));
	ck_assert_msg(strstr(c, "2 more alarms in the hour from") || strstr(c, "Ещё тревог за час"),
		      "not a digest: %s", c);
	ck_assert_msg(strstr(json_string_value(json_object_get(m, "body")), "1.6") &&
			      strstr(json_string_value(json_object_get(m, "body")), "1.7"),
		      "the digest does not name 1.6 and 1.7: %s",
		      json_string_value(json_object_get(m, "body")));
	json_decref(m);
	/* and nothing else: the limit begins again in the new hour */
	ck_assert_uint_eq(count_messages(0), 2);
	ck_assert_int_eq(catcher_count(&mc), 2);
}
END_TEST

/* The channels as the health page shows them, after a webhook refused
 * once and was sent at its second try: e-mail idle at its server, the
 * webhook's retry and its reason, nothing owed. */
static void health_after_a_refusal(void)
{
	char server[64];
	json_t *r = call("channels", "{}"), *e;
	size_t i, seen = 0;

	snprintf(server, sizeof server, "smtp://127.0.0.1:%d", mc.port);
	json_array_foreach(json_object_get(r, "channels"), i, e) {
		const char *ch = json_string_value(json_object_get(e, "channel"));

		if (!strcmp(ch, "email")) {
			seen++;
			ck_assert_str_eq(json_string_value(json_object_get(e, "server")), server);
			ck_assert_int_eq(json_integer_value(json_object_get(e, "sent")), 0);
		} else if (!strcmp(ch, "webhook")) {
			seen++;
			ck_assert_int_eq(json_integer_value(json_object_get(e, "sent")), 1);
			ck_assert_int_eq(json_integer_value(json_object_get(e, "retried")), 1);
			ck_assert_int_gt(json_integer_value(json_object_get(e, "last_ok")), 0);
			ck_assert_msg(strstr(json_string_value(json_object_get(
						     json_object_get(e, "last_error"), "why")),
					     "503") != NULL,
				      "the webhook's last error does not say 503");
		}
	}
	ck_assert_uint_eq(seen, 2);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "queued")), 0);
	ck_assert(json_is_null(json_object_get(r, "sms_in")));
	json_decref(r);
}

START_TEST(a_webhook_is_signed_and_keeps_its_key)
{
	struct hooks k;
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char hex[2 * sizeof mac + 1], want[80], c[300];
	json_t *p1, *p2, *alarm;
	const char *body;

	hooks_start(&k, &h, 1); /* the receiver refuses the first try */
	start_notify(true);
	snprintf(c, sizeof c,
		 "{\"name\":\"scada\",\"actor\":\"admin\",\"email\":\"scada@tsj.example\","
		 "\"webhook\":\"http://127.0.0.1:%d/amr\",\"channels\":[\"webhook\"]}",
		 k.port);
	contact(c);
	event("device_offline", 5);
	p1 = hooks_read(&k, 1);
	p2 = hooks_read(&k, 2); /* tried again after the 503 */
	ck_assert_str_eq(json_string_value(json_object_get(p1, "path")), "/amr");
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(p2, "headers"), "x-amr-key")),
		"1.1");
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(p1, "headers"), "x-amr-key")),
		"1.1");
	body = json_string_value(json_object_get(p2, "body"));
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)SECRET, strlen(SECRET));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
	snprintf(want, sizeof want, "sha256=%s", hex);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(p2, "headers"),
							   "x-amr-signature")),
			 want);
	alarm = json_loads(body, 0, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(alarm, "id")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(alarm, "kind")), "device_offline");
	json_decref(alarm);
	/* its channels chose the webhook alone: the log is the barrier */
	HARNESS_POLL_UNTIL(
		harness_metric(&h, "notify", "amr_notify_messages_total{result=\"sent\"}") == 1,
		10000);
	ck_assert_uint_eq(count_messages(1), 1);
	ck_assert_int_eq(catcher_count(&mc), 0);
	json_decref(p1);
	json_decref(p2);
	health_after_a_refusal();
}
END_TEST

START_TEST(an_alarm_nobody_acknowledges_escalates)
{
	json_t *m, *a, *e;

	start_notify(false);
	contact("{\"name\":\"ivan\",\"actor\":\"admin\",\"email\":\"ivan@tsj.example\","
		"\"escalate\":{\"after_min\":1,\"to\":\"petr\"}}");
	contact("{\"name\":\"petr\",\"actor\":\"admin\",\"email\":\"petr@tsj.example\","
		"\"min_severity\":\"critical\"}");
	event("device_offline", 5);
	event("device_offline", 6);
	json_decref(catcher_read(&mc, 2));
	json_decref(call("alarm.ack", "{\"id\":1,\"actor\":\"ivan\",\"comment\":\"еду\"}"));
	/* a minute later alarm 2 goes to petr (its severity below his own
	 * choice: an escalation is for him whatever he chose), alarm 1 not */
	HARNESS_POLL_UNTIL(catcher_stored(&mc, 3), 90000);
	m = catcher_read(&mc, 3);
	ck_assert_str_eq(json_string_value(json_object_get(m, "subject")),
			 "Не подтверждена за 1 мин (ivan): Тревога 2: УО-4 не отвечает, 1.6");
	ck_assert_msg(strstr(json_string_value(json_object_get(m, "to")), "petr@"), "%s",
		      json_string_value(json_object_get(m, "to")));
	json_decref(m);
	a = call("alarm.get", "{\"id\":2}");
	e = json_array_get(json_object_get(a, "escalated"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(e, "from")), "ivan");
	ck_assert_str_eq(json_string_value(json_object_get(e, "to")), "petr");
	json_decref(a);
	a = call("alarm.get", "{\"id\":1}");
	ck_assert(json_object_get(a, "escalated") == NULL);
	json_decref(a);
	/* both were due at the same tick, alarm 1 first */
	ck_assert_uint_eq(count_messages(1), 1);
	ck_assert_int_eq(catcher_count(&mc), 3);
}
END_TEST

START_TEST(a_storm_of_one_condition_is_one_alarm_and_one_message)
{
	char body[200];
	json_t *a;
	long long t = (long long)time(NULL);

	start_notify(false);
	contact("{\"name\":\"dispatcher\",\"actor\":\"admin\","
		"\"email\":\"dispatch@tsj.example\"}");
	for (int i = 0; i < 10000; i++) {
		snprintf(body, sizeof body,
			 "{\"obj\":1,\"type\":\"device_offline\",\"addr\":5,\"ts\":%lld,"
			 "\"detail\":{}}",
			 t + i / 100);
		ck_assert_int_eq(harness_publish(&h, "amr/v1/events/1", body, 1, false), 0);
	}
	HARNESS_POLL_UNTIL(harness_metric(&h, "notify", "amr_notify_events_total") == 10000, 60000);
	a = call("alarm.get", "{\"id\":1}");
	ck_assert_int_eq(json_integer_value(json_object_get(a, "count")), 10000);
	json_decref(a);
	a = call("alarms", "{}");
	ck_assert_uint_eq(json_array_size(json_object_get(a, "alarms")), 1);
	json_decref(a);
	/* told on the broker at 1, 2, 4, .. 8192: 14 states; one e-mail */
	ck_assert_int_eq(harness_metric(&h, "notify", "amr_notify_alarm_states_total"), 14);
	json_decref(catcher_read(&mc, 1));
	ck_assert_uint_eq(count_messages(0), 1);
	ck_assert_int_eq(catcher_count(&mc), 1);
}
END_TEST

/* notify/method's error message ("" when it succeeded; new). */
static char *refusal(const char *method, const char *a)
{
	char full[64], *text, *msg;
	json_t *r;

	snprintf(full, sizeof full, "notify/%s", method);
	text = harness_rpc(&h, full, a, 10000);
	ck_assert_msg(text != NULL, "%s: no answer", full);
	r = json_loads(text, 0, NULL);
	free(text);
	ck_assert(r != NULL);
	msg = strdup(json_string_value(json_object_get(json_object_get(r, "error"), "message"))
			     ?: "");
	json_decref(r);
	return msg;
}

START_TEST(another_service_sends_once_per_ref)
{
	static const unsigned char file[] = "%PDF-1.4 квитанция за октябрь, ЛС 100010";
	char b64[200], send[800], sha[2 * crypto_hash_sha256_BYTES + 1], *ev, *why;
	unsigned char digest[crypto_hash_sha256_BYTES];
	json_t *r, *m, *att;

	start_notify(false);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/notify/delivery/billing"), 0);
	sodium_bin2base64(b64, sizeof b64, file, sizeof file - 1, sodium_base64_VARIANT_ORIGINAL);
	crypto_hash_sha256(digest, file, sizeof file - 1);
	sodium_bin2hex(sha, sizeof sha, digest, sizeof digest);
	snprintf(send, sizeof send,
		 "{\"ref\":\"billing/receipt/2026-10/1/17/email\",\"channel\":\"email\","
		 "\"to\":\"tenant17@tsj.example\",\"subject\":\"Квитанция за октябрь 2026\","
		 "\"body\":\"Квитанция во вложении.\",\"actor\":\"accountant\","
		 "\"attachment\":{\"name\":\"receipt-2026-10-17.pdf\",\"type\":"
		 "\"application/pdf\",\"data\":\"%s\"}}",
		 b64);
	r = call("send", send);
	ck_assert_str_eq(json_string_value(json_object_get(r, "key")), "0.1");
	ck_assert(json_object_get(json_object_get(r, "attachment"), "data") == NULL);
	json_decref(r);
	m = catcher_read(&mc, 1);
	ck_assert_str_eq(json_string_value(json_object_get(m, "subject")),
			 "Квитанция за октябрь 2026");
	ck_assert_str_eq(json_string_value(json_object_get(m, "body")), "Квитанция во вложении.");
	att = json_array_get(json_object_get(m, "attachments"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(att, "name")), "receipt-2026-10-17.pdf");
	ck_assert_str_eq(json_string_value(json_object_get(att, "type")), "application/pdf");
	ck_assert_str_eq(json_string_value(json_object_get(att, "sha256")), sha);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "defects")), 0);
	json_decref(m);
	/* the outcome told to the service the ref names */
	ev = harness_wait_message(&h, "amr/v1/notify/delivery/billing", "\"state\":\"sent\"",
				  10000);
	ck_assert_msg(ev && strstr(ev, "\"ref\":\"billing/receipt/2026-10/1/17/email\""), "%s",
		      ev ? ev : "no delivery event");
	free(ev);

	/* the same ref again: the message as it is, nothing queued */
	r = call("send", send);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(r, "state")), "sent");
	json_decref(r);
	ck_assert_uint_eq(count_messages(0), 1);
	ck_assert_int_eq(catcher_count(&mc), 1);

	/* bad input: named, nothing queued */
	why = refusal("send", "{\"ref\":\"no slash\",\"channel\":\"email\",\"to\":\"a@b.c\","
			      "\"subject\":\"s\",\"body\":\"b\",\"actor\":\"x\"}");
	ck_assert_msg(!strncmp(why, "ref: ", 5), "%s", why);
	free(why);
	why = refusal("send", "{\"ref\":\"billing/x\",\"channel\":\"sms\",\"to\":\"+79001234567\","
			      "\"body\":\"b\",\"actor\":\"x\"}");
	ck_assert_msg(strstr(why, "channel: amr-notify sends no sms"), "%s", why);
	free(why);
	why = refusal("send", "{\"ref\":\"billing/y\",\"channel\":\"email\",\"to\":\"a@b.c\","
			      "\"subject\":\"s\",\"body\":\"b\",\"actor\":\"x\","
			      "\"attachment\":{\"name\":\"../x\",\"type\":\"application/pdf\","
			      "\"data\":\"AAAA\"}}");
	ck_assert_msg(!strncmp(why, "attachment.name: ", 17), "%s", why);
	free(why);
	ck_assert_uint_eq(count_messages(0), 1);
}
END_TEST

static Suite *notify_deliver_suite(void)
{
	Suite *s = suite_create("notify_deliver");
	TCase *tc = tcase_create("deliver");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, quiet_hours_hold_what_is_below_their_override);
	tcase_add_test(tc, the_hourly_limit_holds_the_rest);
	tcase_add_test(tc, the_hours_digest_follows_at_its_end);
	tcase_add_test(tc, a_webhook_is_signed_and_keeps_its_key);
	tcase_add_test(tc, an_alarm_nobody_acknowledges_escalates);
	tcase_add_test(tc, a_storm_of_one_condition_is_one_alarm_and_one_message);
	tcase_add_test(tc, another_service_sends_once_per_ref);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(notify_deliver_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
