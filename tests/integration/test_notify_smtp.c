/*
 * amr-notify's e-mail channel (services/notify/smtp.c) against a real SMTP
 * server, aiosmtpd (deploy/mail-catcher.py), on a free loopback
 * port: a Russian alarm arrives once and reads back as sent in a mail
 * reader (Python's email package decodes it), with its Message-ID from the
 * key; AUTH with the right and a wrong password; a recipient refused for
 * good (550) and for now (451); nobody listening and a server that never
 * answers, each within the timeout; header injection refused before
 * anything is sent; and a duplicate recognisable by its Message-ID.
 *
 * The catcher is started with harness_spawn() (its output in
 * <dir>/python3.log, where it says "ready"), so harness_stop() in the
 * teardown kills it with everything else, pass or fail.
 */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "mail_util.h"
#include "smtp.h"

#define TIMEOUT_MS 2000

static struct harness h;
static struct catcher mc; /* the SMTP server */

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	catcher_init(&mc, &h);
}

static void teardown(void)
{
	harness_stop(&h); /* the catcher too */
}

/* The channel on the catcher, without AUTH unless given. */
static struct smtp_conf conf(const char *user, const char *password)
{
	static char url[64];

	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", mc.port);
	return (struct smtp_conf){
		.url = url,
		.from = "amr@example.org",
		.from_name = "Диспетчер АСКУЭ",
		.user = user,
		.password = password,
		.timeout_ms = TIMEOUT_MS,
	};
}

/* Make the channel from c, send one message, destroy the channel. */
static enum transport_result send_one(const struct smtp_conf *c, const char *key, const char *to,
				      const char *subject, const char *body, char *why,
				      size_t why_size)
{
	struct transport t = { 0 };
	struct transport_msg m = { .key = key, .to = to, .subject = subject, .body = body };
	enum transport_result r;

	ck_assert_int_eq(smtp_create(&t, c), AMR_OK);
	ck_assert_str_eq(t.name, "email");
	why[0] = '\0';
	r = t.send(t.ctx, &m, why, why_size);
	smtp_destroy(&t);
	ck_assert_ptr_null(t.ctx);
	return r;
}

static const char *s_of(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ? json_string_value(json_object_get(o, k))
							: "";
}

START_TEST(a_russian_alarm_arrives_once_as_sent)
{
	/* 80 bytes: two encoded words, the 45th byte inside "д" */
	static const char subject[] = "Утечка воды в кв. 7: расход 0,9 м³/ч ночью (дом 5)";
	static const char body[] = "Счётчик ХВС 1.7.2 показывает расход всю ночь.\n"
				   ".Строка с точкой в начале\n"
				   ".\n"
				   "Проверьте квартиру 12.\n";
	struct smtp_conf c = conf(NULL, NULL);
	char why[256], *raw, *env;
	json_t *m, *e;

	catcher_start(&mc, NULL);
	ck_assert_int_eq(send_one(&c, "17.2", "ivan@example.org", subject, body, why, sizeof why),
			 TRANSPORT_SENT);

	m = catcher_read(&mc, 1);
	ck_assert_str_eq(s_of(m, "subject"), subject);
	ck_assert_str_eq(s_of(m, "body"), body);
	ck_assert_str_eq(s_of(m, "from"), "Диспетчер АСКУЭ <amr@example.org>");
	ck_assert_str_eq(s_of(m, "to"), "ivan@example.org");
	ck_assert_str_eq(s_of(m, "message_id"), "<17.2@amr-notify>");
	ck_assert(json_is_true(json_object_get(m, "date_ok")));
	ck_assert_int_eq(json_integer_value(json_object_get(m, "defects")), 0);
	ck_assert(json_is_true(json_object_get(m, "words_whole")));
	json_decref(m);

	/* on the wire: the headers as smtp.h says, CRLF only, the subject
	 * in encoded words */
	raw = catcher_slurp(&mc, "1.eml");
	ck_assert_ptr_nonnull(strstr(raw, "\r\nTo: <ivan@example.org>\r\n"));
	ck_assert_ptr_nonnull(strstr(raw, "\r\nMessage-ID: <17.2@amr-notify>\r\n"));
	ck_assert_ptr_nonnull(strstr(raw, "\r\nSubject: =?UTF-8?B?"));
	ck_assert_ptr_nonnull(strstr(raw, "\r\nContent-Type: text/plain; charset=UTF-8\r\n"));
	ck_assert_ptr_nonnull(strstr(raw, "\r\nContent-Transfer-Encoding: base64\r\n"));
	for (const char *p = strchr(raw, '\n'); p; p = strchr(p + 1, '\n'))
		ck_assert_msg(p > raw && p[-1] == '\r', "a bare LF at byte %td", p - raw);
	free(raw);

	env = catcher_slurp(&mc, "1.env");
	e = json_loads(env, 0, NULL);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(s_of(e, "mail_from"), "amr@example.org");
	ck_assert_uint_eq(json_array_size(json_object_get(e, "rcpt_tos")), 1);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(e, "rcpt_tos"), 0)),
			 "ivan@example.org");
	json_decref(e);
	free(env);
	ck_assert_int_eq(catcher_count(&mc), 1); /* once */
}
END_TEST

START_TEST(auth_right_and_wrong_password)
{
	struct smtp_conf good = conf("alarms", "s3cret"), bad = conf("alarms", "wrong-pass"),
			 none = conf(NULL, NULL);
	char why[256];
	json_t *m;

	catcher_start(&mc, (const char *const[]){ "--auth", "alarms:s3cret", NULL });
	ck_assert_int_eq(
		send_one(&good, "3.1", "ivan@example.org", "Auth", "ok\n", why, sizeof why),
		TRANSPORT_SENT);
	m = catcher_read(&mc, 1);
	ck_assert_str_eq(s_of(m, "subject"), "Auth");
	json_decref(m);

	ck_assert_int_eq(send_one(&bad, "3.2", "ivan@example.org", "Auth", "no\n", why, sizeof why),
			 TRANSPORT_FAILED);
	ck_assert_msg(strstr(why, "login \"alarms\" denied") && strstr(why, "535"), "%s", why);
	ck_assert_msg(!strstr(why, "wrong-pass"), "the password in why: %s", why);

	/* a server that requires AUTH, configured without: 530, for good */
	ck_assert_int_eq(
		send_one(&none, "3.3", "ivan@example.org", "Auth", "no\n", why, sizeof why),
		TRANSPORT_FAILED);
	ck_assert_msg(strstr(why, "smtp 530"), "%s", why);
	ck_assert_int_eq(catcher_count(&mc), 1);
}
END_TEST

START_TEST(refused_recipients_fail_or_retry)
{
	struct smtp_conf c = conf(NULL, NULL);
	char why[256];

	catcher_start(&mc, (const char *const[]){ "--fail-rcpt", "gone@example.org:550",
						  "--fail-rcpt", "busy@example.org:451", NULL });
	ck_assert_int_eq(send_one(&c, "4.1", "gone@example.org", "x", "x", why, sizeof why),
			 TRANSPORT_FAILED);
	ck_assert_msg(strncmp(why, "smtp 550: ", 10) == 0 && strstr(why, "refused by mail-catcher"),
		      "%s", why);
	ck_assert_int_eq(send_one(&c, "4.2", "busy@example.org", "x", "x", why, sizeof why),
			 TRANSPORT_RETRY);
	ck_assert_msg(strncmp(why, "smtp 451: ", 10) == 0, "%s", why);
	ck_assert_int_eq(catcher_count(&mc), 0);
}
END_TEST

START_TEST(no_server_retries_within_the_timeout)
{
	struct smtp_conf c = conf(NULL, NULL);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof a;
	char why[256];
	uint64_t t0;
	int fd;

	/* nobody listens on mc.port */
	t0 = harness_now_ms();
	ck_assert_int_eq(send_one(&c, "5.1", "ivan@example.org", "x", "x", why, sizeof why),
			 TRANSPORT_RETRY);
	ck_assert_uint_le(harness_now_ms() - t0, TIMEOUT_MS + 1000);
	ck_assert_msg(strncmp(why, "smtp: ", 6) == 0 && strstr(why, "onnect"), "%s", why);

	/* a server that takes the connection and never greets (the kernel
	 * accepts into the backlog): the timeout ends the wait */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	mc.port = ntohs(a.sin_port);
	c = conf(NULL, NULL);
	t0 = harness_now_ms();
	ck_assert_int_eq(send_one(&c, "5.2", "ivan@example.org", "x", "x", why, sizeof why),
			 TRANSPORT_RETRY);
	ck_assert_uint_ge(harness_now_ms() - t0, TIMEOUT_MS - 100);
	ck_assert_uint_le(harness_now_ms() - t0, TIMEOUT_MS + 1000);
	ck_assert_msg(why[0] != '\0', "no reason given");
	close(fd);
}
END_TEST

START_TEST(header_injection_is_refused)
{
	static const char *const bad_to[] = {
		"a@b\r\nBcc: x@y", "a@b\r\nBcc:x@y", "a@b\nBcc:x@y", "a@b\rX:y", "a@b\tc",
		"a@b>,<x@y",	   "a@b,x@y",	     "<a@b>",	     "",	 "a b@c",
	};
	struct smtp_conf c = conf(NULL, NULL), bad = conf(NULL, NULL);
	struct transport t = { 0 };
	char why[256];
	json_t *m;

	catcher_start(&mc, NULL);
	for (size_t i = 0; i < sizeof bad_to / sizeof bad_to[0]; i++) {
		ck_assert_int_eq(send_one(&c, "6.1", bad_to[i], "x", "x", why, sizeof why),
				 TRANSPORT_FAILED);
		ck_assert_msg(strstr(why, "recipient"), "%s", why);
	}
	ck_assert_int_eq(
		send_one(&c, "6.2", "ivan@example.org", "Hi\r\nBcc: x@y", "x", why, sizeof why),
		TRANSPORT_FAILED);
	ck_assert_msg(strstr(why, "subject"), "%s", why);
	ck_assert_int_eq(
		send_one(&c, "6.3\r\nBcc: x@y", "ivan@example.org", "x", "x", why, sizeof why),
		TRANSPORT_FAILED);
	/* a bad from is refused when the channel is made */
	bad.from = "amr@example.org\r\nBcc: x@y";
	ck_assert_int_eq(smtp_create(&t, &bad), AMR_EINVAL);
	bad.from = "amr@example.org>, <x@y";
	ck_assert_int_eq(smtp_create(&t, &bad), AMR_EINVAL);
	bad = conf(NULL, NULL);
	bad.from_name = "Evil\r\nBcc: x@y";
	ck_assert_int_eq(smtp_create(&t, &bad), AMR_EINVAL);
	ck_assert_ptr_null(t.ctx);

	/* nothing went out: the next good message is the first one stored */
	ck_assert_int_eq(send_one(&c, "6.4", "ivan@example.org", "good", "x", why, sizeof why),
			 TRANSPORT_SENT);
	m = catcher_read(&mc, 1);
	ck_assert_str_eq(s_of(m, "subject"), "good");
	json_decref(m);
	ck_assert_int_eq(catcher_count(&mc), 1);
}
END_TEST

START_TEST(a_duplicate_keeps_its_message_id)
{
	struct smtp_conf c = conf(NULL, NULL);
	char why[256];
	json_t *m1, *m2;

	catcher_start(&mc, NULL);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(send_one(&c, "17.3", "ivan@example.org", "Протечка", "текст\n",
					  why, sizeof why),
				 TRANSPORT_SENT);
	m1 = catcher_read(&mc, 1);
	m2 = catcher_read(&mc, 2);
	ck_assert_str_eq(s_of(m1, "message_id"), "<17.3@amr-notify>");
	ck_assert_str_eq(s_of(m2, "message_id"), "<17.3@amr-notify>");
	ck_assert_str_eq(s_of(m2, "subject"), "Протечка");
	json_decref(m1);
	json_decref(m2);
	ck_assert_int_eq(catcher_count(&mc), 2);
}
END_TEST

static Suite *notify_smtp_suite(void)
{
	Suite *s = suite_create("notify_smtp");
	TCase *tc = tcase_create("email");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_russian_alarm_arrives_once_as_sent);
	tcase_add_test(tc, auth_right_and_wrong_password);
	tcase_add_test(tc, refused_recipients_fail_or_retry);
	tcase_add_test(tc, no_server_retries_within_the_timeout);
	tcase_add_test(tc, header_injection_is_refused);
	tcase_add_test(tc, a_duplicate_keeps_its_message_id);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	/* once per process, before any thread (the harness's probe) starts */
	if (smtp_global_init() != AMR_OK)
		return 1;
	sr = srunner_create(notify_smtp_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
