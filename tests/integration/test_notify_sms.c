/*
 * amr-notify's SMS channel (services/notify/sms.c) through a real SMS
 * gateway, Kannel, to its fake SMS centre (fakesmsc), all on free
 * loopback ports (tests/integration/kannel_util.h): a Russian alarm
 * reaches the phone as UCS-2, in one part up to 70 characters and in
 * concatenated parts of 67 beyond (issue 17), an English one as one 7-bit
 * part; a wrong sendsms password fails naming it; nobody listening, or a
 * gateway that never answers, retries within the timeout; a number that
 * is not +digits, a bad key or text is refused before anything is sent;
 * the delivery reports Kannel makes name the message by its key, for a
 * duplicate too; and an incoming SMS gets the gateway's answer.
 *
 * Kannel's programs are started with harness_spawn(), so harness_stop()
 * kills whatever kannel_stop() in the teardown left, pass or fail.
 */
#include <check.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "kannel_util.h"
#include "sms.h"

#define TIMEOUT_MS 3000
#define WAIT_MS	   10000

/* 105 characters: two parts, 67 and 38 */
static const char long_ru[] = "Внимание! Протечка воды в квартире 12, дом 5: счётчик ХВС "
			      "показывает расход 40 л/ч уже 3 часа. Проверьте.";
/* 70 characters: the most one UCS-2 SMS holds */
static const char one_ru[] =
	"Авария: нет связи со счётчиком ХВС в квартире 12, дома 5 больше суток!";

static struct harness h;
static struct kannel k;
static struct kannel_dlr dlr;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	memset(&k, 0, sizeof k);
	memset(&dlr, 0, sizeof dlr);
}

static void teardown(void)
{
	kannel_stop(&k);
	kannel_dlr_stop(&dlr);
	harness_stop(&h);
}

/* The channel on the test's Kannel (kannel_start() first), the right
 * password unless given, delivery reports when dlr_url is not NULL. */
static struct sms_conf conf(const char *password, const char *dlr_url)
{
	return (struct sms_conf){
		.url = k.url,
		.user = KANNEL_USER,
		.password = password ? password : KANNEL_PASSWORD,
		.dlr_url = dlr_url,
		.timeout_ms = TIMEOUT_MS,
	};
}

/* Make the channel from c, send one message, destroy the channel. */
static enum transport_result send_one(const struct sms_conf *c, const char *key, const char *to,
				      const char *text, char *why, size_t why_size)
{
	struct transport t = { 0 };
	struct transport_msg m = { .key = key, .to = to, .body = text };
	enum transport_result r;

	ck_assert_int_eq(sms_create(&t, c), AMR_OK);
	ck_assert_str_eq(t.name, "sms");
	why[0] = '\0';
	r = t.send(t.ctx, &m, why, why_size);
	sms_destroy(&t);
	ck_assert_ptr_null(t.ctx);
	return r;
}

/* Characters (not bytes) of UTF-8 s. */
static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The text of an SMS fakesmsc got, as the phone shows it (new). */
static char *shown(const struct kannel_sms *m)
{
	char *s;

	if (strcmp(m->type, "text") != 0)
		return kannel_ucs2_to_utf8(m->data, m->len);
	s = malloc(m->len + 1);
	ck_assert_ptr_nonnull(s);
	memcpy(s, m->data, m->len);
	s[m->len] = '\0';
	return s;
}

START_TEST(russian_text_goes_as_ucs2_in_concatenated_parts)
{
	struct sms_conf c;
	struct kannel_sms got[8];
	char why[256], *t1, *t2, joined[1024];

	ck_assert_uint_eq(chars(long_ru), 105);
	ck_assert_uint_eq(chars(one_ru), 70);
	kannel_start(&k, &h);
	c = conf(NULL, NULL);
	ck_assert_int_eq(send_one(&c, "1.1", "+79001234567", "Leak in flat 12", why, sizeof why),
			 TRANSPORT_SENT);
	ck_assert_int_eq(send_one(&c, "1.2", "+79001234567", one_ru, why, sizeof why),
			 TRANSPORT_SENT);
	ck_assert_int_eq(send_one(&c, "1.3", "+79001234567", long_ru, why, sizeof why),
			 TRANSPORT_SENT);
	HARNESS_POLL_UNTIL(kannel_received(&k, got, 8) >= 4, WAIT_MS);
	ck_assert_int_eq(kannel_received(&k, got, 8), 4);

	/* English: one 7-bit part, as sent, from the sendsms-user's sender */
	ck_assert_str_eq(got[0].type, "text");
	ck_assert_str_eq(got[0].from, KANNEL_SENDER);
	ck_assert_str_eq(got[0].to, "+79001234567");
	t1 = shown(&got[0]);
	ck_assert_str_eq(t1, "Leak in flat 12");
	free(t1);

	/* 70 Russian characters: one UCS-2 part without a UDH */
	ck_assert_str_eq(got[1].type, "ucs-2");
	ck_assert_uint_eq(got[1].len, 140);
	t1 = shown(&got[1]);
	ck_assert_str_eq(t1, one_ru);
	free(t1);

	/* 105: parts of 67 and 38 characters, each with the concatenation
	 * header 05 00 03 <ref> <total 2> <seq>, the same ref */
	for (int i = 2; i < 4; i++) {
		ck_assert_str_eq(got[i].type, "udh");
		ck_assert_uint_eq(got[i].udh_len, 6);
		ck_assert_int_eq(got[i].udh[0], 5);
		ck_assert_int_eq(got[i].udh[1], 0);
		ck_assert_int_eq(got[i].udh[2], 3);
		ck_assert_int_eq(got[i].udh[3], got[2].udh[3]);
		ck_assert_int_eq(got[i].udh[4], 2);
		ck_assert_int_eq(got[i].udh[5], i - 1);
	}
	ck_assert_uint_eq(got[2].len, 67 * 2);
	ck_assert_uint_eq(got[3].len, (105 - 67) * 2);
	t1 = shown(&got[2]);
	t2 = shown(&got[3]);
	snprintf(joined, sizeof joined, "%s%s", t1, t2);
	ck_assert_str_eq(joined, long_ru);
	free(t1);
	free(t2);

	/* what went to the SMS centre, in bearerbox's words: coding 2 for
	 * the two Russian messages (flags mclass:coding:mwi:compress:dlr),
	 * 0 for the English one */
	ck_assert_int_eq(kannel_access_count(&k, "Sent SMS"), 3);
	ck_assert_int_eq(kannel_access_count(&k, "[flags:-1:2:"), 2);
	ck_assert_int_eq(kannel_access_count(&k, "[flags:-1:0:"), 1);
}
END_TEST

START_TEST(a_wrong_password_fails_naming_it)
{
	struct sms_conf bad, good;
	struct kannel_sms got[2];
	char why[256];

	kannel_start(&k, &h);
	bad = conf("wrong-password", NULL);
	ck_assert_int_eq(send_one(&bad, "2.1", "+79001234567", "x", why, sizeof why),
			 TRANSPORT_FAILED);
	ck_assert_msg(strcmp(why, "sms 403: Authorization failed for sendsms") == 0, "%s", why);
	ck_assert_ptr_null(strstr(why, "wrong-password"));
	bad.user = "nobody";
	bad.password = KANNEL_PASSWORD;
	ck_assert_int_eq(send_one(&bad, "2.2", "+79001234567", "x", why, sizeof why),
			 TRANSPORT_FAILED);
	ck_assert_msg(strstr(why, "403") && strstr(why, "Authorization failed"), "%s", why);

	/* nothing went out: the next good message is the first one there */
	good = conf(NULL, NULL);
	ck_assert_int_eq(send_one(&good, "2.3", "+79001234567", "good", why, sizeof why),
			 TRANSPORT_SENT);
	HARNESS_POLL_UNTIL(kannel_received(&k, got, 2) >= 1, WAIT_MS);
	ck_assert_int_eq(kannel_received(&k, got, 2), 1);
	ck_assert_uint_eq(got[0].len, 4);
	ck_assert_int_eq(memcmp(got[0].data, "good", 4), 0);
}
END_TEST

START_TEST(no_gateway_retries_within_the_timeout)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof a;
	struct sms_conf c;
	char why[256];
	uint64_t t0;
	int fd;

	/* nobody listens */
	snprintf(k.url, sizeof k.url, "http://127.0.0.1:%d/cgi-bin/sendsms", harness_free_port());
	c = conf(NULL, NULL);
	t0 = harness_now_ms();
	ck_assert_int_eq(send_one(&c, "3.1", "+79001234567", "x", why, sizeof why),
			 TRANSPORT_RETRY);
	ck_assert_uint_le(harness_now_ms() - t0, TIMEOUT_MS + 1000);
	ck_assert_msg(strncmp(why, "sms: ", 5) == 0 && strstr(why, "onnect"), "%s", why);

	/* a gateway that takes the connection and never answers (the kernel
	 * accepts into the backlog): the timeout ends the wait */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	snprintf(k.url, sizeof k.url, "http://127.0.0.1:%d/cgi-bin/sendsms", ntohs(a.sin_port));
	c = conf(NULL, NULL);
	t0 = harness_now_ms();
	ck_assert_int_eq(send_one(&c, "3.2", "+79001234567", "x", why, sizeof why),
			 TRANSPORT_RETRY);
	ck_assert_uint_ge(harness_now_ms() - t0, TIMEOUT_MS - 100);
	ck_assert_uint_le(harness_now_ms() - t0, TIMEOUT_MS + 1000);
	ck_assert_msg(strstr(why, "imed out") || strstr(why, "imeout"), "%s", why);
	close(fd);
}
END_TEST

START_TEST(what_kannel_would_misread_is_refused_before_sending)
{
	static const char *const bad_to[] = {
		"89001234567",
		"+7 900 123 45 67",
		"+7900123456a",
		"",
		"+",
		"+123456",
		"79001234567",
		"+1234567890123456",
		"+79001234567\r\n",
		"+79001234567&to=+79990000000",
	};
	static const char *const bad_key[] = { "", "17.2&x=%d", "17%2", "ключ",
					       "0123456789012345678901234567890123456789012345678"
					       "9012345678901234" }; /* 65 */
	static const char *const bad_text[] = { "", "\xff\xfe", "bell\a", "Утечка\x1b[31m" };
	struct sms_conf c, d;
	struct transport t = { 0 };
	struct kannel_sms got[2];
	char why[256];

	kannel_start(&k, &h);
	c = conf(NULL, NULL);
	d = conf(NULL, "http://127.0.0.1:9/dlr?key=%KEY%&status=%d");
	for (size_t i = 0; i < sizeof bad_to / sizeof bad_to[0]; i++) {
		ck_assert_int_eq(send_one(&c, "4.1", bad_to[i], "x", why, sizeof why),
				 TRANSPORT_FAILED);
		ck_assert_msg(strncmp(why, "sms: to \"", 9) == 0, "%s", why);
		ck_assert_ptr_null(strchr(why, '\n'));
	}
	for (size_t i = 0; i < sizeof bad_key / sizeof bad_key[0]; i++) {
		ck_assert_int_eq(send_one(&d, bad_key[i], "+79001234567", "x", why, sizeof why),
				 TRANSPORT_FAILED);
		ck_assert_msg(strstr(why, "key"), "%s", why);
	}
	for (size_t i = 0; i < sizeof bad_text / sizeof bad_text[0]; i++) {
		ck_assert_int_eq(send_one(&c, "4.2", "+79001234567", bad_text[i], why, sizeof why),
				 TRANSPORT_FAILED);
		ck_assert_msg(strstr(why, "text"), "%s", why);
	}
	/* a configuration that cannot work is refused when the channel is made */
	d.url = "ftp://127.0.0.1/sendsms";
	ck_assert_int_eq(sms_create(&t, &d), AMR_EINVAL);
	d = conf(NULL, "http://127.0.0.1:9/dlr?status=%d"); /* no %KEY% */
	ck_assert_int_eq(sms_create(&t, &d), AMR_EINVAL);
	d = conf(NULL, NULL);
	d.from = "AMR-Dispatcher"; /* 14: an alphanumeric sender holds 11 */
	ck_assert_int_eq(sms_create(&t, &d), AMR_EINVAL);
	d.from = "+7900123456x";
	ck_assert_int_eq(sms_create(&t, &d), AMR_EINVAL);
	d = conf(NULL, NULL);
	d.password = NULL;
	ck_assert_int_eq(sms_create(&t, &d), AMR_EINVAL);
	ck_assert_ptr_null(t.ctx);

	/* nothing went out: the next good message is the first one there */
	ck_assert_int_eq(send_one(&c, "4.3", "+79001234567", "good", why, sizeof why),
			 TRANSPORT_SENT);
	HARNESS_POLL_UNTIL(kannel_received(&k, got, 2) >= 1, WAIT_MS);
	ck_assert_int_eq(kannel_received(&k, got, 2), 1);
	ck_assert_str_eq(got[0].to, "+79001234567");
	ck_assert_uint_eq(got[0].len, 4);
	ck_assert_int_eq(memcmp(got[0].data, "good", 4), 0);
}
END_TEST

START_TEST(delivery_reports_name_the_message_by_its_key)
{
	struct sms_conf c;
	char why[256], tmpl[128];

	kannel_dlr_start(&dlr);
	kannel_start(&k, &h);
	snprintf(tmpl, sizeof tmpl, "http://127.0.0.1:%d/dlr?key=%%KEY%%&status=%%d", dlr.port);
	c = conf(NULL, tmpl);
	c.from = "+79000000001";

	/* the fake SMS centre reports 8 (accepted by the SMS centre) and 1
	 * (delivered to the phone) for each message */
	ck_assert_int_eq(send_one(&c, "5.1", "+79001234567", "Leak in flat 12", why, sizeof why),
			 TRANSPORT_SENT);
	HARNESS_POLL_UNTIL(kannel_dlr_count(&dlr, "/dlr?key=5.1&status=8") == 1 &&
				   kannel_dlr_count(&dlr, "/dlr?key=5.1&status=1") == 1,
			   WAIT_MS);
	ck_assert_int_eq(kannel_dlr_count(&dlr, "/dlr?key=5.1&status=8"), 1);
	ck_assert_int_eq(kannel_dlr_count(&dlr, "/dlr?key=5.1&status=1"), 1);

	/* a message of two parts is reported once per state, not per part */
	ck_assert_int_eq(send_one(&c, "5.2", "+79001234567", long_ru, why, sizeof why),
			 TRANSPORT_SENT);
	HARNESS_POLL_UNTIL(kannel_dlr_count(&dlr, "key=5.2&status=8") >= 1 &&
				   kannel_dlr_count(&dlr, "key=5.2&status=1") >= 1,
			   WAIT_MS);

	/* a duplicate (a resend after RETRY) is reported under the same key;
	 * its reports also come after any late one of 5.2 */
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(send_one(&c, "5.3", "+79001234567", "dup", why, sizeof why),
				 TRANSPORT_SENT);
	HARNESS_POLL_UNTIL(kannel_dlr_count(&dlr, "key=5.3&status=1") == 2, WAIT_MS);
	ck_assert_int_eq(kannel_dlr_count(&dlr, "key=5.3&status=1"), 2);
	ck_assert_int_eq(kannel_dlr_count(&dlr, "key=5.2&status=8"), 1);
	ck_assert_int_eq(kannel_dlr_count(&dlr, "key=5.2&status=1"), 1);
	ck_assert_int_eq(kannel_dlr_count(&dlr, "key="), 8);
}
END_TEST

START_TEST(an_incoming_sms_gets_the_gateways_answer)
{
	struct kannel_sms got[2];

	kannel_start(&k, &h);
	kannel_send_mo(&k, "+79001234567", "1234", "status 12");
	HARNESS_POLL_UNTIL(kannel_mo_replies(&k, got, 2) >= 1, WAIT_MS);
	ck_assert_int_eq(kannel_mo_replies(&k, got, 2), 1);
	ck_assert_str_eq(got[0].from, "1234");
	ck_assert_str_eq(got[0].to, "+79001234567");
	ck_assert_str_eq(got[0].type, "text");
	ck_assert_uint_eq(got[0].len, strlen(KANNEL_REPLY));
	ck_assert_int_eq(memcmp(got[0].data, KANNEL_REPLY, got[0].len), 0);
	/* the answer went back to the phones' side, not to "mt" */
	ck_assert_int_eq(kannel_received(&k, got, 2), 0);
}
END_TEST

/* The whole path: a UO-4 that stops answering raises an alarm in
 * amr-notify, whose SMS to the duty phone goes through Kannel as one
 * UCS-2 text, the subject alone; the delivery log says sent. */
START_TEST(an_alarm_reaches_the_duty_phone)
{
	struct kannel_sms got[4];
	const char *args[] = {
		"--sms-url",	 k.url,	       "--sms-user", KANNEL_USER, "--sms-password",
		KANNEL_PASSWORD, "--sms-from", "AMR",	     NULL
	};
	char *st, *text = NULL, *log;
	int n = 0;

	kannel_start(&k, &h);
	ck_assert_int_gt(harness_spawn(&h, "amr-notify", args), 0);
	st = harness_wait_message(&h, "amr/v1/svc/notify/status", "\"online\":true", 15000);
	ck_assert_msg(st != NULL, "amr-notify did not come online");
	free(st);
	free(harness_rpc(&h, "notify/contact.set",
			 "{\"name\":\"duty\",\"actor\":\"admin\",\"phone\":\"+79001234567\"}",
			 10000));
	ck_assert_int_eq(harness_publish(&h, "amr/v1/events/1",
					 "{\"obj\":1,\"type\":\"device_offline\",\"addr\":5,"
					 "\"ts\":1796000000,\"detail\":{}}",
					 1, false),
			 0);
	HARNESS_POLL_UNTIL((n = kannel_received(&k, got, 4)) >= 1, 15000);
	ck_assert_int_eq(n, 1); /* one part: the subject, not the whole body */
	ck_assert_str_eq(got[0].to, "+79001234567");
	text = kannel_ucs2_to_utf8(got[0].data, got[0].len);
	ck_assert_str_eq(text, "Тревога 1: УО-4 не отвечает, 1.5");
	free(text);
	HARNESS_POLL_UNTIL(
		harness_metric(&h, "notify", "amr_notify_messages_total{result=\"sent\"}") == 1,
		10000);
	log = harness_rpc(&h, "notify/messages", "{\"alarm\":1}", 10000);
	ck_assert_msg(log && strstr(log, "\"channel\":\"sms\"") &&
			      strstr(log, "\"state\":\"sent\""),
		      "%s", log ? log : "no answer");
	free(log);
}
END_TEST

static Suite *notify_sms_suite(void)
{
	Suite *s = suite_create("notify_sms");
	TCase *tc = tcase_create("sms");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, russian_text_goes_as_ucs2_in_concatenated_parts);
	tcase_add_test(tc, a_wrong_password_fails_naming_it);
	tcase_add_test(tc, no_gateway_retries_within_the_timeout);
	tcase_add_test(tc, what_kannel_would_misread_is_refused_before_sending);
	tcase_add_test(tc, delivery_reports_name_the_message_by_its_key);
	tcase_add_test(tc, an_alarm_reaches_the_duty_phone);
	tcase_add_test(tc, an_incoming_sms_gets_the_gateways_answer);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	/* once per process, before any thread (the harness's probe) starts;
	 * amr-notify's main does it through smtp_global_init() */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	sr = srunner_create(notify_sms_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? 1 : 0;
}
