/*
 * The alarm path end to end from the simulated building (issue 17, point
 * 8), every part real and on loopback: amr-sim (UO-4s on a virtual RS-485
 * bus) -> amr-gateway polling it -> Mosquitto -> amr-ingest -> amr-archive
 * (its registry) and amr-notify, which tells a contact by e-mail through
 * a real SMTP server (aiosmtpd, mail_util.h) and by SMS through a real
 * Kannel to its fake SMS centre (fakesmsc, kannel_util.h).
 *
 *  - a UO-4 taken off the bus ("unplug 5") raises device_offline/1.5,
 *    named by the label the registry gives it, and reaches the contact as
 *    one e-mail and one SMS carrying the alarm's id; while it stays off
 *    (more batches, then another UO-4 unplugged and its messages in as a
 *    barrier) nothing more is sent for it; plugged back it is cleared and
 *    still nothing more is sent (another unplug as the barrier again);
 *  - a leak profile on a cold water meter ("leak 7 1 ..."), with a
 *    channel rule on 1.7.1 that makes it a burst within seconds (the
 *    registry's weight turns the m³/h threshold into pulses), raises
 *    burst/1.7.1 once and reaches a contact of critical alarms by e-mail
 *    and SMS once.
 *
 * The simulator's meters run 30 times faster than the clock (--speed 30),
 * so the leak's 3600 pulses an hour of simulated time are about 30 pulses
 * a second of real time, far above the 10800 pulses an hour (3 a second)
 * of the threshold even in the shortest batch interval; the building's
 * ordinary use (33 cold water pulses a day, times 30) never gets there.
 */
#include <check.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "archive_util.h"
#include "gw_archive.h"
#include "harness.h"
#include "kannel_util.h"
#include "mail_util.h"

#define WAIT_MS	 20000
#define MAX_SMS	 64
#define MAX_MAIL 64

static struct harness h;
static struct catcher mc;
static struct kannel k;
static char bus[300], sock[300], state[300];

static void sim_ctl(const char *cmd)
{
	char buf[256];

	ck_assert_msg(gw_sim_ctl(sock, cmd, false, buf, sizeof buf) == 0, "sim %s: no answer", cmd);
	ck_assert_msg(strncmp(buf, "ok", 2) == 0, "sim %s: %s", cmd, buf);
}

static void wait_path(const char *path)
{
	struct stat st;

	HARNESS_POLL_UNTIL(stat(path, &st) == 0, 10000);
	ck_assert_msg(stat(path, &st) == 0, "%s never appeared", path);
}

/* notify/method's result (new); asserts that it is ok. */
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

/* The record of alarm key ("kind/target") when there is one (new). */
static json_t *alarm_of(const char *key)
{
	char a[96];
	json_t *r, *al, *found = NULL;
	size_t i;

	snprintf(a, sizeof a, "{\"kind\":\"%.*s\"}", (int)strcspn(key, "/"), key);
	r = call("alarms", a);
	json_array_foreach(json_object_get(r, "alarms"), i, al)
		if (!strcmp(json_string_value(json_object_get(al, "key")) ?: "", key))
			found = json_incref(al);
	json_decref(r);
	return found;
}

/* Wait for alarm key in state; its record (new). */
static json_t *wait_alarm(const char *key, const char *state_)
{
	json_t *a = NULL;

	HARNESS_POLL_UNTIL(
		(json_decref(a), a = alarm_of(key)) &&
			!strcmp(json_string_value(json_object_get(a, "state")) ?: "", state_),
		WAIT_MS);
	ck_assert_msg(a && !strcmp(json_string_value(json_object_get(a, "state")) ?: "", state_),
		      "%s never %s", key, state_);
	return a;
}

static long long id_of(const json_t *a)
{
	return (long long)json_integer_value(json_object_get(a, "id"));
}

/* Whether text s is alarm id's ("Тревога 7: .."), or with id 0 holds
 * about ("(1.5)": any alarm of that target). */
static bool is_of(const char *s, long long id, const char *about)
{
	char prefix[48];

	if (!id)
		return strstr(s, about) != NULL;
	snprintf(prefix, sizeof prefix, "Тревога %lld: ", id);
	return !strncmp(s, prefix, strlen(prefix));
}

/* E-mails at the catcher whose subject is_of(id, about), the last one's
 * subject and recipient into subject and to. */
static int mails_of(long long id, const char *about, char *subject, size_t slen, char *to,
		    size_t tlen)
{
	int n = 0, stored = catcher_count(&mc);

	for (int i = 1; i <= stored && i <= MAX_MAIL; i++) {
		json_t *m = catcher_read(&mc, i);
		const char *s = json_string_value(json_object_get(m, "subject")) ?: "";

		if (is_of(s, id, about)) {
			n++;
			if (subject)
				snprintf(subject, slen, "%s", s);
			if (to)
				snprintf(to, tlen, "%s",
					 json_string_value(json_object_get(m, "to")) ?: "");
		}
		json_decref(m);
	}
	return n;
}

/* SMS fakesmsc got whose text is_of(id, about), the last one's text and
 * number into text and to. */
static int sms_of(long long id, const char *about, char *text, size_t tlen, char *to, size_t tolen)
{
	static struct kannel_sms got[MAX_SMS];
	int n = 0, all = kannel_received(&k, got, MAX_SMS);

	for (int i = 0; i < all && i < MAX_SMS; i++) {
		char *s;

		if (!strcmp(got[i].type, "text")) {
			s = calloc(1, got[i].len + 1);
			ck_assert_ptr_nonnull(s);
			memcpy(s, got[i].data, got[i].len);
		} else {
			s = kannel_ucs2_to_utf8(got[i].data, got[i].len);
		}
		if (is_of(s, id, about)) {
			n++;
			if (text)
				snprintf(text, tlen, "%s", s);
			if (to)
				snprintf(to, tolen, "%s", got[i].to);
		}
		free(s);
	}
	return n;
}

static int mails_for(long long id, char *subject, size_t slen, char *to, size_t tlen)
{
	return mails_of(id, NULL, subject, slen, to, tlen);
}

static int sms_for(long long id, char *text, size_t tlen, char *to, size_t tolen)
{
	return sms_of(id, NULL, text, tlen, to, tolen);
}

/* Entries of the delivery log (notify/messages) for alarm id. */
static int logged_for(long long id)
{
	char a[48];
	json_t *r;
	int n;

	snprintf(a, sizeof a, "{\"alarm\":%lld}", id);
	r = call("messages", a);
	n = (int)json_array_size(json_object_get(r, "messages"));
	json_decref(r);
	return n;
}

/* Wait until alarm id's e-mail and SMS are in, one of each so far. */
static void wait_told(long long id)
{
	HARNESS_POLL_UNTIL(mails_for(id, NULL, 0, NULL, 0) >= 1 &&
				   sms_for(id, NULL, 0, NULL, 0) >= 1,
			   WAIT_MS);
	ck_assert_msg(mails_for(id, NULL, 0, NULL, 0) == 1, "alarm %lld: %d e-mails", id,
		      mails_for(id, NULL, 0, NULL, 0));
	ck_assert_msg(sms_for(id, NULL, 0, NULL, 0) == 1, "alarm %lld: %d SMS", id,
		      sms_for(id, NULL, 0, NULL, 0));
}

/* A record of the archive's registry with id is there (the gateway's
 * first reading of it came through). */
static bool registered(const char *id)
{
	char needle[64], *text = harness_rpc(&h, "archive/registry.list", "{\"obj\":1}", 10000);
	bool yes;

	snprintf(needle, sizeof needle, "\"id\":\"%s\"", id);
	yes = text && strstr(text, needle);
	free(text);
	return yes;
}

/* archive/registry.set args, then wait until amr-notify has read the
 * registry again (2 s after the archive's audit record; a reading under
 * way is waited for first, and one that failed is tried again). */
static void registry_set(const char *args)
{
	long long reads = harness_metric(&h, "notify", "amr_notify_registry_reads_total");
	char code[64] = "";
	json_t *r = arc_rpc(&h, "registry.set", args, NULL, code, sizeof code);

	ck_assert_msg(r != NULL, "registry.set %s: %s", args, code);
	json_decref(r);
	HARNESS_POLL_UNTIL(harness_metric(&h, "notify", "amr_notify_registry_reads_total") > reads,
			   WAIT_MS);
	ck_assert_int_gt(harness_metric(&h, "notify", "amr_notify_registry_reads_total"), reads);
}

static void setup(void)
{
	char busarg[320], sockarg[320], statearg[320], serial[320], smtp[64], *st;

	ck_assert_int_eq(harness_start(&h), 0);
	memset(&k, 0, sizeof k);
	snprintf(bus, sizeof bus, "%s/bus", h.dir);
	snprintf(sock, sizeof sock, "%s/sim.sock", h.dir);
	snprintf(state, sizeof state, "%s/sim", h.dir);
	catcher_init(&mc, &h);
	catcher_start(&mc, NULL);
	kannel_start(&k, &h);
	arc_start(&h, NULL);
	ck_assert_int_gt(harness_spawn(&h, "amr-ingest", (const char *[]){ NULL }), 0);

	snprintf(smtp, sizeof smtp, "smtp://127.0.0.1:%d", mc.port);
	{
		const char *args[] = { "--smtp-url",
				       smtp,
				       "--smtp-from",
				       "alarms@tsj.example",
				       "--sms-url",
				       k.url,
				       "--sms-user",
				       KANNEL_USER,
				       "--sms-password",
				       KANNEL_PASSWORD,
				       "--sms-from",
				       "AMR",
				       "--retry-s",
				       "1",
				       "--smtp-timeout-ms",
				       "3000",
				       NULL };

		ck_assert_int_gt(harness_spawn(&h, "amr-notify", args), 0);
	}
	st = harness_wait_message(&h, "amr/v1/svc/notify/status", "\"online\":true", 15000);
	ck_assert_msg(st != NULL, "amr-notify did not come online");
	free(st);

	snprintf(busarg, sizeof busarg, "--bus=%s", bus);
	snprintf(sockarg, sizeof sockarg, "--control=%s", sock);
	snprintf(statearg, sizeof statearg, "--state=%s", state);
	ck_assert_int_gt(harness_spawn(&h, "amr-sim",
				       (const char *[]){ busarg, sockarg, statearg, "--devices=8",
							 "--profile=mixed", "--speed=30",
							 "--wire-timing=no", NULL }),
			 0);
	wait_path(sock);
	wait_path(bus);
	snprintf(serial, sizeof serial, "--serial=%s", bus);
	ck_assert_int_gt(
		harness_spawn(&h, "amr-gateway",
			      (const char *[]){ "--obj=1", serial, "--poll=1-8",
						"--batch-interval=1", "--poll-interval-ms=200",
						"--resend=3", "--log-level=debug", NULL }),
		0);
	/* the gateway's first batch has every channel: the archive registers
	 * them, and so the devices */
	HARNESS_POLL_UNTIL(registered("1.7.1") && registered("1.5"), WAIT_MS);
	ck_assert_msg(registered("1.7.1") && registered("1.5"),
		      "the archive never registered the simulator's channels");
	/* amr-notify's first reading of the registry is over, so the next
	 * one counted (registry_set()) began after the change */
	HARNESS_POLL_UNTIL(harness_metric(&h, "notify", "amr_notify_registry_reads_total") >= 1,
			   WAIT_MS);
	ck_assert_int_ge(harness_metric(&h, "notify", "amr_notify_registry_reads_total"), 1);
}

static void teardown(void)
{
	kannel_stop(&k);
	harness_stop(&h);
}

START_TEST(a_uo4_off_the_bus_is_told_once_by_mail_and_sms)
{
	char subject[256], to[128], text[256], phone[32], *dump;
	long long id5, id6, id4;
	json_t *a;
	long mark;

	registry_set("{\"id\":\"1.5\",\"actor\":\"test\",\"label\":\"Кв. 5\"}");
	json_decref(call("contact.set", "{\"name\":\"duty\",\"actor\":\"admin\","
					"\"email\":\"duty@tsj.example\",\"phone\":\"+79001234567\","
					"\"min_severity\":\"major\"}"));

	sim_ctl("unplug 5");
	a = wait_alarm("device_offline/1.5", "raised");
	id5 = id_of(a);
	dump = json_dumps(a, JSON_COMPACT);
	ck_assert_msg(strstr(dump, "\"label\":\"Кв. 5\""), "not named by its label: %s", dump);
	free(dump);
	json_decref(a);
	wait_told(id5);
	mails_for(id5, subject, sizeof subject, to, sizeof to);
	sms_for(id5, text, sizeof text, phone, sizeof phone);
	ck_assert_msg(strstr(subject, "УО-4 не отвечает") && strstr(subject, "Кв. 5"), "%s",
		      subject);
	ck_assert_msg(strstr(to, "duty@tsj.example"), "%s", to);
	ck_assert_msg(strstr(text, "УО-4 не отвечает") && strstr(text, "Кв. 5"), "%s", text);
	ck_assert_str_eq(phone, "+79001234567");
	fprintf(stderr, "e2e: alarm %lld: e-mail \"%s\", SMS \"%s\"\n", id5, subject, text);

	/* it stays off while the gateway polls and sends more batches; then
	 * another UO-4 goes, and its messages coming in are the barrier */
	mark = harness_log_mark(&h, "amr-gateway");
	HARNESS_POLL_UNTIL(gw_batches_stored(&h, mark) >= 3, WAIT_MS);
	ck_assert_int_ge(gw_batches_stored(&h, mark), 3);
	sim_ctl("unplug 6");
	a = wait_alarm("device_offline/1.6", "raised");
	id6 = id_of(a);
	json_decref(a);
	ck_assert_int_ne(id6, id5);
	wait_told(id6);
	ck_assert_int_eq(mails_for(id5, NULL, 0, NULL, 0), 1);
	ck_assert_int_eq(sms_for(id5, NULL, 0, NULL, 0), 1);
	ck_assert_int_eq(logged_for(id5), 2);
	/* nor of another alarm of 1.5: the same one is open, counted once */
	ck_assert_int_eq(mails_of(0, "(1.5)", NULL, 0, NULL, 0), 1);
	ck_assert_int_eq(sms_of(0, "(1.5)", NULL, 0, NULL, 0), 1);
	a = alarm_of("device_offline/1.5");
	ck_assert_int_eq(id_of(a), id5);
	ck_assert_str_eq(json_string_value(json_object_get(a, "state")), "raised");
	ck_assert_int_eq(json_integer_value(json_object_get(a, "count")), 1);
	json_decref(a);

	/* back on the bus: cleared by the condition, and nothing is sent for
	 * it (a third UO-4's messages are the barrier) */
	sim_ctl("plug 5");
	a = wait_alarm("device_offline/1.5", "cleared");
	ck_assert_int_eq(id_of(a), id5);
	json_decref(a);
	sim_ctl("unplug 4");
	a = wait_alarm("device_offline/1.4", "raised");
	id4 = id_of(a);
	json_decref(a);
	wait_told(id4);
	ck_assert_int_eq(mails_of(0, "(1.5)", NULL, 0, NULL, 0), 1);
	ck_assert_int_eq(sms_of(0, "(1.5)", NULL, 0, NULL, 0), 1);
	ck_assert_int_eq(logged_for(id5), 2);
	ck_assert_int_eq(mails_for(id6, NULL, 0, NULL, 0), 1);
	ck_assert_int_eq(sms_for(id6, NULL, 0, NULL, 0), 1);
}
END_TEST

START_TEST(a_leak_profile_bursts_and_is_told_once)
{
	char subject[256], to[128], text[256], phone[32];
	json_t *r, *a;
	long long id, idb;
	long mark;

	registry_set("{\"id\":\"1.7.1\",\"actor\":\"test\",\"resource\":\"cold_water\","
		     "\"unit\":\"m3\",\"weight\":{\"num\":1,\"den\":100,\"valid_from\":0}}");
	/* 108 m³/h at 10 l a pulse: 10800 pulses an hour, 3 a second; at
	 * once (burst_min 0); no leak or night rule to muddle it */
	json_decref(call("rule.set", "{\"scope\":\"1.7.1\",\"actor\":\"test\",\"reason\":\"e2e\","
				     "\"params\":{\"burst_per_h\":\"108\",\"burst_min\":0,"
				     "\"leak_hours\":0,\"night_max_per_h\":\"0\"}}"));
	r = call("rule.effective", "{\"id\":\"1.7.1\"}");
	ck_assert_str_eq(json_string_value(json_object_get(r, "resource")), "cold_water");
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(r, "pulses_h"), "burst")),
		10800);
	json_decref(r);
	json_decref(call("contact.set",
			 "{\"name\":\"chief\",\"actor\":\"admin\","
			 "\"email\":\"chief@tsj.example\",\"phone\":\"+79007654321\","
			 "\"min_severity\":\"critical\"}"));
	/* who hears of the major barrier below */
	json_decref(call("contact.set",
			 "{\"name\":\"duty\",\"actor\":\"admin\","
			 "\"email\":\"duty@tsj.example\",\"phone\":\"+79001234567\","
			 "\"min_severity\":\"major\",\"kinds\":[\"device_offline\"]}"));

	/* one simulated hour of 3600 pulses an hour: two minutes of 30 a
	 * second */
	sim_ctl("leak 7 1 1 3600");
	a = wait_alarm("burst/1.7.1", "raised");
	id = id_of(a);
	ck_assert_str_eq(json_string_value(json_object_get(a, "severity")), "critical");
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(a, "detail"), "resource")),
		"cold_water");
	json_decref(a);
	wait_told(id);
	mails_for(id, subject, sizeof subject, to, sizeof to);
	sms_for(id, text, sizeof text, phone, sizeof phone);
	ck_assert_msg(strstr(subject, "1.7.1"), "%s", subject);
	ck_assert_msg(strstr(to, "chief@tsj.example"), "%s", to);
	ck_assert_msg(strstr(text, "1.7.1"), "%s", text);
	ck_assert_str_eq(phone, "+79007654321");
	fprintf(stderr, "e2e: alarm %lld: e-mail \"%s\", SMS \"%s\"\n", id, subject, text);

	/* the leak goes on for more batches, then a UO-4 goes off the bus
	 * and its messages are the barrier: still one of each, one alarm
	 * raised once */
	mark = harness_log_mark(&h, "amr-gateway");
	HARNESS_POLL_UNTIL(gw_batches_stored(&h, mark) >= 3, WAIT_MS);
	ck_assert_int_ge(gw_batches_stored(&h, mark), 3);
	sim_ctl("unplug 6");
	a = wait_alarm("device_offline/1.6", "raised");
	idb = id_of(a);
	json_decref(a);
	wait_told(idb);
	ck_assert_int_eq(mails_for(id, NULL, 0, NULL, 0), 1);
	ck_assert_int_eq(sms_for(id, NULL, 0, NULL, 0), 1);
	ck_assert_int_eq(mails_of(0, "прорыв", NULL, 0, NULL, 0), 1);
	ck_assert_int_eq(sms_of(0, "прорыв", NULL, 0, NULL, 0), 1);
	ck_assert_int_eq(logged_for(id), 2);
	a = alarm_of("burst/1.7.1");
	ck_assert_int_eq(id_of(a), id);
	ck_assert_str_eq(json_string_value(json_object_get(a, "state")), "raised");
	ck_assert_int_eq(json_integer_value(json_object_get(a, "count")), 1);
	json_decref(a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("notify_e2e");
	TCase *tc = tcase_create("e2e");
	SRunner *sr;
	int failed;

	/* once per process, before any thread (the harness's probe) starts */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, a_uo4_off_the_bus_is_told_once_by_mail_and_sms);
	tcase_add_test(tc, a_leak_profile_bursts_and_is_told_once);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
