/*
 * Incoming SMS (docs/notify.md, "Incoming SMS") end to end: a phone's SMS
 * goes from Kannel's fake SMS centre through bearerbox and smsbox, whose
 * sms-service fetches amr-notify's listener (--sms-listen), and the
 * answer comes back through the outbox and Kannel's sendsms to fakesmsc
 * (tests/integration/kannel_util.h), all real, on free loopback ports.
 * STATUS from a listed phone is answered with the object's state; an
 * unknown number gets nothing; ACK acknowledges as the contact's user,
 * audited; a repeat of Kannel's request is not acted on twice; what is
 * not a well-formed request is refused 400 with its reason; UCS-2 text
 * is read; the answers' delivery reports are recorded on them.
 */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_util.h"
#include "billing_util.h"
#include "harness.h"
#include "kannel_util.h"

#define WAIT_MS	 15000
#define DUTY	 "+79001234567"
#define STRANGER "+79990000000"

static struct harness h;
static struct kannel k;
static int port; /* amr-notify's listener */

/* What amr-notify sent to the phone number to, each answer's text (new;
 * the parts of a concatenated one joined) into out[0..max); returns how
 * many. */
static int answers_to(const char *to, char **out, int max)
{
	static struct kannel_sms got[64];
	int n = kannel_received(&k, got, 64), m = 0;

	for (int i = 0; i < n && i < 64; i++) {
		bool more = !strcmp(got[i].type, "udh") && got[i].udh_len == 6 && got[i].udh[5] > 1;
		char *t;

		if (strcmp(got[i].to, to))
			continue;
		if (!strcmp(got[i].type, "text")) {
			t = calloc(1, got[i].len + 1);
			memcpy(t, got[i].data, got[i].len);
		} else {
			t = kannel_ucs2_to_utf8(got[i].data, got[i].len);
		}
		if (more && m > 0 && m <= max) { /* a later part of the last one */
			char *j = malloc(strlen(out[m - 1]) + strlen(t) + 1);

			strcpy(j, out[m - 1]);
			strcat(j, t);
			free(out[m - 1]);
			out[m - 1] = j;
			free(t);
			continue;
		}
		if (more) {
			free(t);
			continue;
		}
		if (m < max)
			out[m] = t;
		else
			free(t);
		m++;
	}
	return m;
}

static void free_all(char **a, int n)
{
	for (int i = 0; i < n; i++)
		free(a[i]);
}

/* Wait for the n-th answer to DUTY; its text (new). */
static char *wait_answer(int n)
{
	char *a[16] = { 0 };
	char *last;
	int got = 0;

	HARNESS_POLL_UNTIL((got = answers_to(DUTY, a, 0)) >= n, WAIT_MS);
	got = answers_to(DUTY, a, 16);
	ck_assert_msg(got == n, "%d answers to " DUTY ", not %d", got, n);
	last = a[n - 1];
	a[n - 1] = NULL;
	free_all(a, got < 16 ? got : 16);
	return last;
}

static size_t keep(char *p, size_t size, size_t n, void *arg)
{
	char *buf = arg;
	size_t len = strlen(buf), add = size * n;

	if (len + add < 400) {
		memcpy(buf + len, p, add);
		buf[len + add] = '\0';
	}
	return size * n;
}

/* GET path on the listener, as Kannel would; the HTTP code, the answer's
 * text in body (400 bytes). */
static long get(const char *path, char *body)
{
	char url[4096];
	CURL *c = curl_easy_init();
	long code = 0;

	ck_assert_ptr_nonnull(c);
	body[0] = '\0';
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	return code;
}

static pid_t notify_pid;

/* amr-notify on the test's Kannel, listening on listen; online. */
static void start_notify(const char *listen, const char *dlr)
{
	const char *args[] = { "--sms-url",
			       k.url,
			       "--sms-user",
			       KANNEL_USER,
			       "--sms-password",
			       KANNEL_PASSWORD,
			       "--sms-listen",
			       listen,
			       "--sms-dlr-url",
			       dlr,
			       "--retry-s",
			       "1",
			       NULL };
	char *st;

	harness_clear_inbox(&h);
	notify_pid = harness_spawn(&h, "amr-notify", args);
	ck_assert_int_gt(notify_pid, 0);
	st = harness_wait_message(&h, "amr/v1/svc/notify/status", "\"online\":true", WAIT_MS);
	ck_assert_msg(st != NULL, "amr-notify did not come online");
	free(st);
	ck_assert_int_eq(harness_wait_port(port, WAIT_MS), 0);
}

static void setup(void)
{
	char get_url[200], listen[40], dlr[200];
	char *st;

	ck_assert_int_eq(harness_start(&h), 0);
	port = harness_free_port();
	snprintf(
		get_url, sizeof get_url,
		"http://127.0.0.1:%d/sms/in?from=%%p&to=%%P&text=%%a&id=%%I&coding=%%c&charset=%%C",
		port);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
	snprintf(dlr, sizeof dlr, "http://127.0.0.1:%d/sms/dlr?key=%%KEY%%&status=%%d", port);
	kannel_start_get(&k, &h, get_url);
	start_notify(listen, dlr);
	/* gateway 1 online, and a UO-4 of it not answering: alarm 1, raised
	 * before anyone is listed, so that no alarm SMS goes out */
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/1/status",
					 "{\"online\":true,\"ts\":1796000000}", 1, true),
			 0);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/events/1",
					 "{\"obj\":1,\"type\":\"device_offline\",\"addr\":5,"
					 "\"ts\":1796000000,\"detail\":{}}",
					 1, false),
			 0);
	st = harness_wait_message(&h, "amr/v1/alarms/1", "\"state\":\"raised\"", WAIT_MS);
	ck_assert_msg(st != NULL, "alarm 1 not raised");
	free(st);
	st = harness_rpc(
		&h, "notify/contact.set",
		"{\"name\":\"duty\",\"actor\":\"admin\",\"user\":\"ivan\",\"phone\":\"" DUTY
		"\",\"sms_from\":[\"+79005550001\"]}",
		10000);
	ck_assert_msg(st && strstr(st, "\"name\":\"duty\""), "%s", st ? st : "no answer");
	free(st);
}

static void teardown(void)
{
	kannel_stop(&k);
	harness_stop(&h);
}

START_TEST(status_from_a_listed_phone_is_answered_with_the_objects_state)
{
	char *a;

	kannel_send_mo(&k, DUTY, "1234", "status 1");
	a = wait_answer(1);
	ck_assert_msg(strstr(a, "Объект 1") && strstr(a, "шлюз на связи") &&
			      strstr(a, "Тревога 1: УО-4 не отвечает, 1.5"),
		      "%s", a);
	free(a);
	/* what is not understood is answered so, with what is */
	kannel_send_mo(&k, DUTY, "1234", "STATUS 0");
	a = wait_answer(2);
	ck_assert_msg(strstr(a, "Не понято: STATUS: нужен номер объекта 1..65000. Команды: ") == a,
		      "%s", a);
	free(a);
	/* nothing went back to the phones' side by smsbox itself */
	ck_assert_int_eq(kannel_mo_replies(&k, NULL, 0), 0);
}
END_TEST

START_TEST(an_unknown_number_gets_nothing_and_is_logged)
{
	char *a[4] = { 0 }, *b;
	long mark = harness_log_mark(&h, "amr-notify");

	kannel_send_mo(&k, STRANGER, "1234", "STATUS 1");
	/* the barrier: a listed phone's command sent after it is answered */
	kannel_send_mo(&k, DUTY, "1234", "HELP");
	b = wait_answer(1);
	ck_assert_msg(strstr(b, "STATUS") && strstr(b, "READ"), "%s", b);
	free(b);
	HARNESS_POLL_UNTIL(harness_log_count(&h, "amr-notify", mark, "from " STRANGER) > 0,
			   WAIT_MS);
	ck_assert_int_eq(answers_to(STRANGER, a, 4), 0);
	ck_assert_int_eq(harness_log_count(&h, "amr-notify", mark,
					   "from " STRANGER ": no contact lists this number"),
			 1);
	ck_assert_int_eq(
		harness_metric(&h, "notify", "amr_notify_sms_in_total{result=\"unknown\"}"), 1);
	ck_assert_int_eq(
		harness_metric(&h, "notify", "amr_notify_sms_in_total{result=\"command\"}"), 1);
}
END_TEST

START_TEST(ack_acknowledges_as_the_contacts_user)
{
	char *a, *rec, *audit;

	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/audit"), 0);
	kannel_send_mo(&k, DUTY, "1234", "ACK 1 on my way");
	a = wait_answer(1);
	ck_assert_str_eq(a, "Тревога 1 принята (ivan)");
	free(a);
	rec = harness_rpc(&h, "notify/alarm.get", "{\"id\":1}", 10000);
	ck_assert_msg(rec && strstr(rec, "\"state\":\"acknowledged\"") &&
			      strstr(rec, "\"by\":\"ivan\"") &&
			      strstr(rec, "\"comment\":\"on my way\""),
		      "%s", rec ? rec : "no answer");
	free(rec);
	audit = harness_wait_message(&h, "amr/v1/audit", "\"action\":\"alarm.ack\"", WAIT_MS);
	ck_assert_msg(audit && strstr(audit, "\"actor\":\"ivan\"") &&
			      strstr(audit, "notify/alarm/1"),
		      "%s", audit ? audit : "no audit");
	free(audit);
	/* again: it is acknowledged already, and an alarm that is none of
	 * the contact's is refused the same way as one that does not exist */
	kannel_send_mo(&k, DUTY, "1234", "ACK 1");
	a = wait_answer(2);
	ck_assert_str_eq(a, "Тревога 1: уже принята или снята");
	free(a);
	kannel_send_mo(&k, DUTY, "1234", "ACK 99");
	a = wait_answer(3);
	ck_assert_str_eq(a, "Тревога 99: нет такой у вас");
	free(a);
}
END_TEST

START_TEST(a_repeat_of_kannels_request_is_acted_on_once)
{
	char body[400], *a, *b[4] = { 0 };

	/* an sms_from number of the contact, the request as smsbox makes it,
	 * twice with the same id (smsbox trying again) */
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(get("/sms/in?from=%2B79005550001&to=1234&text=STATUS+1&id=abc-1"
				     "&coding=0&charset=UTF-8",
				     body),
				 200);
		ck_assert_str_eq(body, "accepted\n");
	}
	/* the barrier: a later request is answered */
	ck_assert_int_eq(get("/sms/in?from=%2B79005550001&text=HELP&id=abc-2", body), 200);
	HARNESS_POLL_UNTIL(answers_to("+79005550001", b, 0) >= 2, WAIT_MS);
	ck_assert_int_eq(answers_to("+79005550001", b, 4), 2);
	ck_assert_ptr_nonnull(strstr(b[0], "Объект 1"));
	ck_assert_ptr_nonnull(strstr(b[1], "STATUS"));
	free_all(b, 2);
	ck_assert_int_eq(harness_metric(&h, "notify", "amr_notify_sms_in_total{result=\"repeat\"}"),
			 1);
	/* UCS-2 as smsbox hands it over: "статус 1" in UTF-16BE */
	ck_assert_int_eq(get("/sms/in?from=%2B79001234567&id=u-1&coding=2&charset=UTF-16BE&text="
			     "%04%41%04%42%04%30%04%42%04%43%04%41%00%20%00%31",
			     body),
			 200);
	a = wait_answer(1);
	ck_assert_msg(strstr(a, "Объект 1"), "%s", a);
	free(a);
	/* coding 2 that smsbox converted already: the charset decides */
	ck_assert_int_eq(get("/sms/in?from=%2B79001234567&id=u-2&coding=2&charset=UTF-8&text="
			     "%D1%81%D1%82%D0%B0%D1%82%D1%83%D1%81+1",
			     body),
			 200);
	a = wait_answer(2);
	ck_assert_msg(strstr(a, "Объект 1"), "%s", a);
	free(a);
	/* and UCS-2 without a charset */
	ck_assert_int_eq(get("/sms/in?from=%2B79001234567&id=u-3&coding=2&text="
			     "%04%41%04%42%04%30%04%42%04%43%04%41%00%20%00%31",
			     body),
			 200);
	a = wait_answer(3);
	ck_assert_msg(strstr(a, "Объект 1"), "%s", a);
	free(a);
}
END_TEST

START_TEST(what_is_not_a_request_is_refused_naming_why)
{
	static const struct {
		const char *path, *why;
	} bad[] = {
		{ "/sms/in?text=STATUS+1&id=x1", "from:" },
		{ "/sms/in?from=89001234567x&text=STATUS+1&id=x1", "from:" },
		{ "/sms/in?from=%2B79001234567&text=STATUS+1", "id:" },
		{ "/sms/in?from=%2B79001234567&text=STATUS+1&id=a%2Fb", "id:" },
		{ "/sms/in?from=%2B79001234567&id=x1", "text:" },
		{ "/sms/in?from=%2B79001234567&text=%FF%FE&id=x1", "text:" },
		{ "/sms/in?from=%2B79001234567&text=STATUS%1B1&id=x1", "text:" },
		{ "/sms/in?from=%2B79001234567&text=%00S%00%07&id=x1&coding=2", "text:" },
		{ "/sms/in?from=%2B79001234567&text=%D8%00&id=x1&coding=2", "text:" },
		{ "/sms/in?from=%2B79001234567&text=A%00B&id=x1", "text:" },
		{ "/sms/in?from=%2B79001234567&text=%00A%00%00&id=x1&coding=2", "text:" },
		{ "/sms/in?from=%2B79001234567&text=x&id=x1&coding=1", "coding:" },
		{ "/sms/in?from=%2B79001234567&text=x&id=x1&coding=7", "coding:" },
		{ "/sms/dlr?key=0.1", "status:" },
		{ "/sms/dlr?key=0.1&status=3", "status:" },
		{ "/sms/dlr?key=0%251&status=1", "key:" },
		{ "/sms/out?from=%2B79001234567&text=x&id=x1", "path:" },
		{ "/", "path:" },
	};
	char body[400], *huge = malloc(5000), *a;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(get(bad[i].path, body) == 400, "%s: not refused", bad[i].path);
		ck_assert_msg(strncmp(body, bad[i].why, strlen(bad[i].why)) == 0, "%s: \"%s\"",
			      bad[i].path, body);
	}
	ck_assert_ptr_nonnull(huge);
	strcpy(huge, "/sms/in?from=%2B79001234567&id=x1&text=");
	memset(huge + strlen(huge), 'A', 3300);
	huge[39 + 3300] = '\0';
	ck_assert_int_eq(get(huge, body), 400);
	ck_assert_msg(!strncmp(body, "text: over", 10), "%s", body);
	free(huge);
	/* nothing of it was acted on: the next good one is the first answer */
	ck_assert_int_eq(get("/sms/in?from=%2B79001234567&text=HELP&id=good-1", body), 200);
	a = wait_answer(1);
	ck_assert_ptr_nonnull(strstr(a, "HELP"));
	free(a);
	ck_assert_int_eq(
		harness_metric(&h, "notify", "amr_notify_sms_in_total{result=\"command\"}"), 1);
	ck_assert_int_eq(
		harness_metric(&h, "notify", "amr_notify_sms_requests_total{kind=\"refused\"}"),
		(long long)(sizeof bad / sizeof bad[0]) + 1);
}
END_TEST

START_TEST(the_answers_delivery_report_is_read_back)
{
	char *a, *log = NULL;

	kannel_send_mo(&k, DUTY, "1234", "STATUS 1");
	a = wait_answer(1);
	free(a);
	/* the fake SMS centre reports 8 (accepted) then 1 (delivered) */
	HARNESS_POLL_UNTIL((free(log), log = harness_rpc(&h, "notify/messages", "{}", 10000)) &&
				   strstr(log, "\"status\":\"delivered\""),
			   WAIT_MS);
	ck_assert_msg(log && strstr(log, "\"delivery\":{") &&
			      strstr(log, "\"status\":\"delivered\"") &&
			      strstr(log, "\"code\":1") && strstr(log, "\"in\":\"STATUS 1\"") &&
			      strstr(log, "\"ref\":\"notify/sms/"),
		      "%s", log ? log : "no answer");
	free(log);
	ck_assert_int_ge(harness_metric(&h, "notify", "amr_notify_sms_reports_total"), 1);
}
END_TEST

/* Many open alarms: the answer names what fits in Kannel's four parts
 * and says there are more; from a contact's sms_from number, answered to
 * that number. */
START_TEST(a_long_status_fits_in_four_parts)
{
	char ev[200], *a[2] = { 0 }, *st;
	size_t n = 0;

	for (int addr = 6; addr <= 12; addr++) {
		snprintf(ev, sizeof ev,
			 "{\"obj\":1,\"type\":\"device_offline\",\"addr\":%d,\"ts\":1796000000,"
			 "\"detail\":{}}",
			 addr);
		ck_assert_int_eq(harness_publish(&h, "amr/v1/events/1", ev, 1, false), 0);
	}
	st = harness_wait_message(&h, "amr/v1/alarms/8", "\"state\":\"raised\"", WAIT_MS);
	ck_assert_ptr_nonnull(st);
	free(st);
	kannel_send_mo(&k, "+79005550001", "1234", "STATUS 1");
	HARNESS_POLL_UNTIL(answers_to("+79005550001", a, 0) >= 1, WAIT_MS);
	ck_assert_int_eq(answers_to("+79005550001", a, 2), 1);
	for (const char *p = a[0]; *p; p++)
		n += ((unsigned char)*p & 0xc0) != 0x80;
	ck_assert_msg(n <= 4 * 67 && strstr(a[0], "Объект 1") && strstr(a[0], "; и другие"),
		      "%zu: %s", n, a[0]);
	free(a[0]);
}
END_TEST

/* Another service's SMS (notify/send): its delivery report is told to it
 * on amr/v1/notify/delivery/<service>. */
START_TEST(another_services_sms_is_told_its_delivery_report)
{
	char *r, *ev;

	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/notify/delivery/+"), 0);
	r = harness_rpc(
		&h, "notify/send",
		"{\"ref\":\"billing/restriction/1/sms\",\"channel\":\"sms\",\"to\":\"+79005550009\","
		"\"body\":\"Notice\",\"actor\":\"billing\"}",
		10000);
	ck_assert_msg(r && strstr(r, "\"ok\":true"), "%s", r ? r : "no answer");
	free(r);
	ev = harness_wait_message(&h, "amr/v1/notify/delivery/billing", "\"status\":\"delivered\"",
				  WAIT_MS);
	ck_assert_msg(ev && strstr(ev, "\"ref\":\"billing/restriction/1/sms\"") &&
			      strstr(ev, "\"delivery\":{") && strstr(ev, "\"code\":1"),
		      "%s", ev ? ev : "no delivery report told");
	free(ev);
	/* amr-notify's own answers are not told to anyone: once the answer's
	 * report is recorded, and the broker has passed on what notify
	 * published before its barrier, nothing came for "notify" */
	kannel_send_mo(&k, DUTY, "1234", "HELP");
	free(wait_answer(1));
	r = NULL;
	HARNESS_POLL_UNTIL(
		(free(r), r = harness_rpc(&h, "notify/messages", "{\"limit\":1}", 10000)) &&
			strstr(r, "\"in\":\"HELP\"") && strstr(r, "\"code\":1"),
		WAIT_MS);
	ck_assert_msg(r && strstr(r, "\"code\":1"), "%s", r ? r : "no answer");
	free(r);
	ck_assert_int_eq(harness_barrier(&h, "notify", 10000), 0);
	ck_assert_ptr_null(harness_wait_message(&h, "amr/v1/notify/delivery/notify", NULL, 0));
}
END_TEST

/* The answer is owed in the outbox: amr-notify killed while Kannel's
 * sendsms is down still answers once after its restart, and smsbox
 * repeating the request then does not make a second answer. */
START_TEST(an_answer_owed_survives_a_kill)
{
	char body[400], listen[40], dlr[200], conf[300], *log = NULL, *a;

	snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
	snprintf(dlr, sizeof dlr, "http://127.0.0.1:%d/sms/dlr?key=%%KEY%%&status=%%d", port);
	harness_kill(&h, k.smsbox, SIGKILL); /* sendsms gone: the answer waits */
	k.smsbox = 0;
	ck_assert_int_eq(get("/sms/in?from=%2B79001234567&text=HELP&id=kill-1", body), 200);
	HARNESS_POLL_UNTIL((free(log), log = harness_rpc(&h, "notify/messages", "{}", 10000)) &&
				   strstr(log, "\"in\":\"HELP\"") && strstr(log, "\"why\":"),
			   WAIT_MS);
	ck_assert_msg(log && strstr(log, "\"why\":"), "%s", log ? log : "no answer");
	free(log);
	ck_assert_int_eq(answers_to(DUTY, NULL, 0), 0);
	harness_kill(&h, notify_pid, SIGKILL);
	start_notify(listen, dlr);
	snprintf(conf, sizeof conf, "%s/kannel.conf", h.dir);
	k.smsbox = harness_spawn(&h, KANNEL_SMSBOX, (const char *[]){ "-v", "1", conf, NULL });
	ck_assert_int_gt(k.smsbox, 0);
	a = wait_answer(1);
	ck_assert_ptr_nonnull(strstr(a, "HELP"));
	free(a);
	ck_assert_int_eq(get("/sms/in?from=%2B79001234567&text=HELP&id=kill-1", body), 200);
	/* the barrier: a later request is answered, and it is the second */
	ck_assert_int_eq(get("/sms/in?from=%2B79001234567&text=STATUS+1&id=kill-2", body), 200);
	a = wait_answer(2);
	ck_assert_ptr_nonnull(strstr(a, "Объект 1"));
	free(a);
}
END_TEST

/* The archive's audit records of manual readings of channel (a count). */
static int manual_audits(const char *channel)
{
	char args[128];
	json_t *r;
	int n = 0;
	size_t i;
	json_t *e;

	snprintf(args, sizeof args, "{\"target\":\"%s\"}", channel);
	r = arc_rpc(&h, "audit.query", args, NULL, NULL, 0);
	json_array_foreach(json_object_get(r, "records"), i, e)
		n += !strcmp(json_string_value(json_object_get(e, "action"))
				     ? json_string_value(json_object_get(e, "action"))
				     : "",
			     "archive.reading.manual");
	json_decref(r);
	return n;
}

START_TEST(read_reaches_the_archive_once_even_when_the_sms_comes_twice)
{
	char body[600], path[600], *a, *log, *p, id[80];
	json_t *r;

	arc_start(&h, NULL);
	/* channel 1.5.1 registered (an import registers a channel never
	 * seen), its unit m3 */
	json_decref(arc_rpc(&h, "import",
			    "{\"actor\":\"op\",\"reason\":\"t\",\"source\":\"t\",\"channel\":"
			    "\"1.5.1\",\"from\":3600,\"pulses\":[0]}",
			    NULL, NULL, 0));
	json_decref(arc_rpc(&h, "registry.set",
			    "{\"id\":\"1.5.1\",\"actor\":\"op\",\"unit\":\"m3\"}", NULL, NULL, 0));
	kannel_send_mo(&k, DUTY, "1234", "READ 1.5.1 123,456");
	a = wait_answer(1);
	ck_assert_str_eq(a, "Показание 1.5.1 = 123.456 m3 принято");
	free(a);
	ck_assert_int_eq(manual_audits("1.5.1"), 1);

	/* smsbox fetching the same request again (same Kannel id) */
	log = harness_rpc(&h, "notify/messages", "{}", 10000);
	ck_assert_ptr_nonnull(log);
	p = strstr(log, "\"ref\":\"notify/sms/");
	ck_assert_ptr_nonnull(p);
	p += strlen("\"ref\":\"notify/sms/");
	snprintf(id, sizeof id, "%.*s", (int)strcspn(p, "\""), p);
	free(log);
	snprintf(path, sizeof path,
		 "/sms/in?from=%%2B79001234567&to=1234&text=READ+1.5.1+123%%2C456&id=%s", id);
	ck_assert_int_eq(get(path, body), 200);
	/* the same SMS again from the phone: a new Kannel id, the same reading */
	kannel_send_mo(&k, DUTY, "1234", "READ 1.5.1 123.456");
	a = wait_answer(2);
	ck_assert_str_eq(a, "Показание 1.5.1 = 123.456 m3 уже принято, повторно не учтено");
	free(a);
	ck_assert_int_eq(harness_metric(&h, "notify", "amr_notify_sms_in_total{result=\"repeat\"}"),
			 1);
	ck_assert_int_eq(manual_audits("1.5.1"), 1);
	/* the archive keeps it as sent, with its source */
	r = arc_rpc(&h, "reading.manual",
		    "{\"actor\":\"x\",\"source\":\"y\",\"ref\":\"sms:+79001234567:1.5.1:123.456:"
		    "0\",\"channel\":\"1.5.1\",\"value\":\"1.0\"}",
		    NULL, NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(json_is_false(json_object_get(r, "repeat")), 1);
	json_decref(r);
	ck_assert_int_eq(manual_audits("1.5.1"), 2);
	/* a channel the registry lacks, a value that is not exact */
	kannel_send_mo(&k, DUTY, "1234", "READ 1.6.1 5");
	a = wait_answer(3);
	ck_assert_msg(strstr(a, "Показание 1.6.1 не принято") && strstr(a, "1.6.1"), "%s", a);
	free(a);
	json_decref(arc_rpc(&h, "reading.manual",
			    "{\"actor\":\"x\",\"source\":\"y\",\"ref\":\"r1\",\"channel\":"
			    "\"1.5.1\",\"value\":\"1e3\"}",
			    "bad_request", NULL, 0));
	ck_assert_int_eq(manual_audits("1.5.1"), 2);
}
END_TEST

START_TEST(balance_answers_only_the_accounts_own_phone)
{
	char *a;

	arc_start(&h, NULL);
	bil_start(&h, NULL);
	ck_assert_int_eq(bil_create(&h, "org", BIL_ORG), 1);
	ck_assert_int_eq(
		bil_create(&h, "account",
			   "\"org\":1,\"number\":\"100001\",\"phone\":\"8 (900) 123-45-67\","
			   "\"holder\":{\"type\":\"person\",\"name\":\"Жилец 1\"}"),
		1);
	ck_assert_int_eq(bil_create(&h, "account",
				    "\"org\":1,\"number\":\"100002\",\"phone\":\"+79005550002\","
				    "\"holder\":{\"type\":\"person\",\"name\":\"Жилец 2\"}"),
			 2);
	kannel_send_mo(&k, DUTY, "1234", "BALANCE 1");
	a = wait_answer(1);
	ck_assert_msg(strstr(a, "Л/с 1 на ") && strstr(a, "к оплате 0.00 руб."), "%s", a);
	free(a);
	kannel_send_mo(&k, DUTY, "1234", "BALANCE 2");
	a = wait_answer(2);
	ck_assert_str_eq(a, "Л/с 2: нет такого счёта для вашего номера");
	free(a);
	kannel_send_mo(&k, DUTY, "1234", "BALANCE 3");
	a = wait_answer(3);
	ck_assert_str_eq(a, "Л/с 3: нет такого счёта для вашего номера");
	free(a);
}
END_TEST

static Suite *smsin_suite(void)
{
	Suite *s = suite_create("notify_smsin");
	TCase *tc = tcase_create("smsin");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, status_from_a_listed_phone_is_answered_with_the_objects_state);
	tcase_add_test(tc, a_long_status_fits_in_four_parts);
	tcase_add_test(tc, an_unknown_number_gets_nothing_and_is_logged);
	tcase_add_test(tc, ack_acknowledges_as_the_contacts_user);
	tcase_add_test(tc, a_repeat_of_kannels_request_is_acted_on_once);
	tcase_add_test(tc, what_is_not_a_request_is_refused_naming_why);
	tcase_add_test(tc, the_answers_delivery_report_is_read_back);
	tcase_add_test(tc, another_services_sms_is_told_its_delivery_report);
	tcase_add_test(tc, an_answer_owed_survives_a_kill);
	tcase_add_test(tc, read_reaches_the_archive_once_even_when_the_sms_comes_twice);
	tcase_add_test(tc, balance_answers_only_the_accounts_own_phone);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	sr = srunner_create(smsin_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? 1 : 0;
}
