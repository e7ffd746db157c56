/*
 * Billing's messages through amr-notify, with a real Mosquitto, a real
 * SMTP server (aiosmtpd, mail_util.h), amr-notify, amr-archive and
 * amr-billing. A restriction's notice reaches the tenant's mailbox in
 * Russian with the debt and the earliest day, the case shows the e-mail
 * sent and the SMS failed (this amr-notify drives no SMS), and a repeat
 * sends nothing new; an account without an address is refused, naming
 * the field. An issued period's receipts reach the tenants who have an
 * address with the PDF billing/receipt hands out, byte for byte, once:
 * asked again, nothing more is sent. Through a real Kannel and its fake
 * SMS centre (kannel_util.h) the notice's SMS reaches the phone in
 * Russian, once.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "archive_util.h"
#include "billrun_util.h"
#include "harness.h"
#include "kannel_util.h"
#include "mail_util.h"
#include "month.h"

static struct harness h;
static struct catcher mc;
static struct kannel kn;

static const char *const bargs[] = { "--restrict-poll", "1", "--notify-timeout", "3000", NULL };

/* amr-notify with the SMTP catcher, and Kannel's sendsms when sms. */
static void start_notify(bool sms)
{
	char url[64], *st;
	const char *args[] = { "--smtp-url",
			       url,
			       "--smtp-from",
			       "billing@tsj.example",
			       "--retry-s",
			       "1",
			       "--smtp-timeout-ms",
			       "2000",
			       sms ? "--sms-url" : NULL,
			       kn.url,
			       "--sms-user",
			       KANNEL_USER,
			       "--sms-password",
			       KANNEL_PASSWORD,
			       NULL };

	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", mc.port);
	harness_clear_inbox(&h);
	ck_assert_int_gt(harness_spawn(&h, "amr-notify", args), 0);
	st = harness_wait_message(&h, "amr/v1/svc/notify/status", "\"online\":true", 15000);
	ck_assert_msg(st != NULL, "amr-notify did not come online");
	free(st);
}

/* The stack: the mailbox, amr-notify (with Kannel when sms), amr-archive
 * and amr-billing. */
static void stack(bool sms)
{
	catcher_start(&mc, NULL);
	if (sms)
		kannel_start(&kn, &h);
	start_notify(sms);
	arc_start(&h, NULL);
	br_billing_start(&h, bargs, NULL);
}

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	memset(&kn, 0, sizeof kn);
	catcher_init(&mc, &h);
}

static void teardown(void)
{
	kannel_stop(&kn);
	harness_stop(&h);
}

static const char *sv(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	ck_assert_msg(v != NULL, "no %s", k);
	return v;
}

/* The state of case id's message on channel ch ("" when none). */
static char *message_state(long long id, const char *ch)
{
	json_t *c = br_call(&h, "billing/restriction.get", "{\"id\":%lld}", id), *m;
	char *out = strdup("");
	size_t i;

	json_array_foreach(json_object_get(c, "messages"), i, m)
		if (!strcmp(sv(m, "channel"), ch)) {
			free(out);
			out = strdup(sv(m, "state"));
		}
	json_decref(c);
	return out;
}

static bool message_is(long long id, const char *ch, const char *want)
{
	char *s = message_state(id, ch);
	bool yes = !strcmp(s, want);

	free(s);
	return yes;
}

/* The messages amr-notify holds whose refs start with prefix. */
static size_t notify_messages(const char *prefix)
{
	char args[128], *text;
	json_t *r;
	size_t n;

	snprintf(args, sizeof args, "{\"ref\":\"%s\"}", prefix);
	text = harness_rpc(&h, "notify/messages", args, 10000);
	ck_assert_msg(text != NULL, "notify/messages: no answer");
	r = json_loads(text, 0, NULL);
	free(text);
	ck_assert(json_is_true(json_object_get(r, "ok")));
	n = json_array_size(json_object_get(json_object_get(r, "result"), "messages"));
	json_decref(r);
	return n;
}

/* Electricity (norm 100 kWh a resident at 5.00: two months for 2
 * residents are 2000.00) metered in flat 1, whose output 1.5.2 cuts it;
 * account 1001 (e-mail and a phone written as people write it) owes
 * 3000.00 for June 2026, account 1002 (no address) as much. */
static long long restr_model(long long *other)
{
	long long org, b, el, p, acc[2];

	org = br_create(&h, "org", BR_ORG ",\"phone\":\"+7 843 555-01-02\"");
	br_create(&h, "rate",
		  "\"org\":%lld,\"kind\":\"key_rate\",\"from\":\"2020-01-01\",\"rate\":\"16.00\"",
		  org);
	b = br_create(&h, "building",
		      "\"org\":%lld,\"address\":\"ул. Садовая, 1\",\"tz\":\"Europe/Moscow\","
		      "\"objects\":[1]",
		      org);
	el = br_service(&h, org, "electricity", "Электроснабжение", "kWh", "\"norm\":\"100\"");
	br_tariff(&h, org, el, "Электроэнергия", "per_unit", "\"price\":\"5.00\"");
	for (int i = 0; i < 2; i++) {
		p = br_create(&h, "premises",
			      "\"building\":%lld,\"number\":\"%d\",\"kind\":\"flat\","
			      "\"area\":\"50.00\",\"residents\":2",
			      b, i + 1);
		br_create(&h, "meter",
			  "\"premises\":%lld,\"service\":%lld,\"channel\":\"1.%d.1\","
			  "\"from\":\"2026-01-01\",\"output\":\"1.%d.2\"",
			  p, el, 5 + i, 5 + i);
		acc[i] = br_create(&h, "account",
				   "\"org\":%lld,\"number\":\"100%d\",\"holder\":{\"type\":"
				   "\"person\",\"name\":\"Жилец %d\"},\"premises\":[{\"premises\":"
				   "%lld,\"from\":\"2026-01-01\"}]%s",
				   org, i + 1, i + 1, p,
				   i ? ""
				     : ",\"email\":\"tenant1@flat.example\",\"phone\":\"8 (900) "
				       "123-45-67\"");
		json_decref(
			br_call(&h, "billing/account.opening",
				"{\"account\":%lld,\"actor\":\"accountant\",\"reason\":\"the old "
				"system\",\"date\":\"2026-10-31\",\"items\":[{\"period\":"
				"\"2026-06\",\"amount\":\"3000.00\"}]}",
				acc[i]));
	}
	*other = acc[1];
	return acc[0];
}

/* Today + days in Moscow as a receipt writes it, DD.MM.YYYY. */
static void ru_day(int days, char out[16])
{
	time_t t = time(NULL) + 3 * 3600 + (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%d.%m.%Y", &tm);
}

START_TEST(the_notice_reaches_the_tenant_once)
{
	long long acc, other, id, id2;
	json_t *c, *m, *mail;
	char earliest[16];
	const char *body;

	stack(false);
	acc = restr_model(&other);
	c = br_call(&h, "billing/restriction.propose",
		    "{\"account\":%lld,\"service\":\"electricity\",\"actor\":\"accountant\"}", acc);
	id = json_integer_value(json_object_get(c, "id"));
	json_decref(c);
	c = br_call(&h, "billing/restriction.propose",
		    "{\"account\":%lld,\"service\":\"electricity\",\"actor\":\"accountant\"}",
		    other);
	id2 = json_integer_value(json_object_get(c, "id"));
	json_decref(c);

	/* refused, naming the field, and nothing changes */
	br_refused(&h, "billing/restriction.send_notice", "bad_request", "account: account 1002",
		   "{\"id\":%lld,\"actor\":\"accountant\"}", id2);
	br_refused(&h, "billing/restriction.send_notice", "bad_request", "channels: account 1002",
		   "{\"id\":%lld,\"channels\":[\"email\"],\"actor\":\"accountant\"}", id2);
	br_refused(&h, "billing/restriction.send_notice", "bad_request", "channels[1]: ",
		   "{\"id\":%lld,\"channels\":[\"sms\",\"fax\"],\"actor\":\"accountant\"}", id);
	c = br_call(&h, "billing/restriction.get", "{\"id\":%lld}", id2);
	ck_assert_ptr_null(json_object_get(c, "messages"));
	json_decref(c);

	/* both channels: the e-mail goes, the SMS fails here (no --sms-url) */
	c = br_call(&h, "billing/restriction.send_notice", "{\"id\":%lld,\"actor\":\"accountant\"}",
		    id);
	ck_assert_uint_eq(json_array_size(json_object_get(c, "messages")), 2);
	m = json_array_get(json_object_get(c, "messages"), 1);
	ck_assert_str_eq(sv(m, "to"), "+79001234567");
	json_decref(c);
	mail = catcher_read(&mc, 1);
	ck_assert_str_eq(sv(mail, "to"), "tenant1@flat.example");
	ck_assert_str_eq(sv(mail, "subject"),
			 "Предупреждение об ограничении услуги «Электроснабжение», лицевой счёт "
			 "1001");
	body = sv(mail, "body");
	ru_day(20, earliest);
	ck_assert_msg(strstr(body, "задолженность по лицевому счёту 1001"), "%s", body);
	ck_assert_msg(strstr(body, "3 000,00 ₽"), "no debt: %s", body);
	ck_assert_msg(strstr(body, "2 000,00 ₽"), "no threshold: %s", body);
	ck_assert_msg(strstr(body, earliest), "no earliest day %s: %s", earliest, body);
	ck_assert_msg(strstr(body, "ТСЖ «Берёзка»") && strstr(body, "+7 843 555-01-02"), "%s",
		      body);
	json_decref(mail);
	HARNESS_POLL_UNTIL(message_is(id, "email", "sent"), 15000);
	ck_assert(message_is(id, "email", "sent"));
	ck_assert_msg(message_is(id, "sms", "failed"), "sms: %s", message_state(id, "sms"));
	c = br_call(&h, "billing/restriction.get", "{\"id\":%lld}", id);
	m = json_array_get(json_object_get(c, "messages"), 1);
	ck_assert_msg(strstr(sv(m, "reason"), "sms"), "%s", sv(m, "reason"));
	/* sending records no notice: the accountant does, from delivery */
	ck_assert_str_eq(sv(c, "state"), "proposed");
	ck_assert_ptr_null(json_object_get(c, "notice"));
	json_decref(c);

	/* the same request again: the e-mail is not sent twice */
	c = br_call(&h, "billing/restriction.send_notice",
		    "{\"id\":%lld,\"channels\":[\"email\"],\"actor\":\"accountant\"}", id);
	ck_assert_uint_eq(json_array_size(json_object_get(c, "messages")), 2);
	json_decref(c);
	ck_assert_int_eq(harness_barrier(&h, "notify", 5000), 0);
	ck_assert_uint_eq(notify_messages("billing/restr/"), 1);
	ck_assert_int_eq(catcher_count(&mc), 1);
}
END_TEST

/* Maintenance by area in flats 1 and 2 of one building, last month
 * issued; account 1 has an e-mail address, account 2 none. */
static void receipts_model(long long *bld, char per[8])
{
	time_t now = time(NULL) + 3 * 3600;
	long long org, maint, p;
	struct month mo;
	struct tm tm;

	gmtime_r(&now, &tm);
	mo = month_add((struct month){ tm.tm_year + 1900, tm.tm_mon + 1 }, -1);
	month_format(&mo, per);
	org = br_org(&h);
	*bld = br_create(&h, "building",
			 "\"org\":%lld,\"address\":\"г. Казань, ул. Ленина, д. 5\","
			 "\"tz\":\"Europe/Moscow\",\"objects\":[1]",
			 org);
	maint = br_service(&h, org, "maintenance", "Содержание жилья", "m2", "");
	br_tariff(&h, org, maint, "Содержание", "per_area", "\"price\":\"25.50\"");
	for (int i = 1; i <= 2; i++) {
		p = br_create(&h, "premises",
			      "\"building\":%lld,\"number\":\"%d\",\"kind\":\"flat\","
			      "\"area\":\"%d0.00\",\"residents\":1",
			      *bld, i, 3 + i);
		br_create(&h, "account",
			  "\"org\":%lld,\"number\":\"20000%d\",\"holder\":{\"type\":\"person\","
			  "\"name\":\"Жилец %d\"},\"premises\":[{\"premises\":%lld,\"from\":"
			  "\"2020-01-01\"}]%s",
			  org, i, i, p, i == 1 ? ",\"email\":\"flat1@tenant.example\"" : "");
	}
	json_decref(br_call(&h, "billing/run.draft",
			    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}", *bld,
			    per));
	json_decref(br_call(&h, "billing/run.issue",
			    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\","
			    "\"reason\":\"the month\"}",
			    *bld, per));
}

static bool receipt_is(long long bld, const char *per, const char *want)
{
	json_t *r = br_call(&h, "billing/receipts.sent", "{\"building\":%lld,\"period\":\"%s\"}",
			    bld, per);
	const char *s = json_string_value(
		json_object_get(json_array_get(json_object_get(r, "invoices"), 0), "state"));
	bool yes = s && !strcmp(s, want);

	json_decref(r);
	return yes;
}

START_TEST(receipts_reach_the_tenants_with_an_address_once)
{
	long long bld;
	char per[8], inv[40];
	json_t *r, *mail, *att, *file, *row;

	stack(false);
	receipts_model(&bld, per);
	br_refused(&h, "billing/receipts.email", "bad_request", "period: ",
		   "{\"building\":%lld,\"period\":\"2026-13\",\"actor\":\"accountant\"}", bld);
	r = br_call(&h, "billing/receipts.email",
		    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}", bld, per);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "invoices")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "queued")), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "no_address")), 1);
	ck_assert_str_eq(sv(json_array_get(json_object_get(r, "no_address"), 0), "number"),
			 "200002");
	json_decref(r);

	mail = catcher_read(&mc, 1);
	ck_assert_str_eq(sv(mail, "to"), "flat1@tenant.example");
	ck_assert_msg(strstr(sv(mail, "subject"), "лицевой счёт 200001"), "%s",
		      sv(mail, "subject"));
	ck_assert_msg(strstr(sv(mail, "body"), "Сумма к оплате: "), "%s", sv(mail, "body"));
	ck_assert_uint_eq(json_array_size(json_object_get(mail, "attachments")), 1);
	att = json_array_get(json_object_get(mail, "attachments"), 0);
	ck_assert_str_eq(sv(att, "type"), "application/pdf");

	/* the attachment is the PDF billing/receipt hands out */
	r = br_call(&h, "billing/receipts.sent", "{\"building\":%lld,\"period\":\"%s\"}", bld, per);
	row = json_array_get(json_object_get(r, "invoices"), 0);
	snprintf(inv, sizeof inv, "%s", sv(row, "invoice"));
	ck_assert_str_eq(sv(json_array_get(json_object_get(r, "invoices"), 1), "state"), "none");
	json_decref(r);
	file = br_call(&h, "billing/receipt", "{\"invoice\":\"%s\"}", inv);
	ck_assert_str_eq(sv(att, "sha256"), sv(file, "sha256"));
	ck_assert_str_eq(sv(att, "name"), sv(file, "name"));
	json_decref(file);
	json_decref(mail);
	HARNESS_POLL_UNTIL(receipt_is(bld, per, "sent"), 15000);
	ck_assert(receipt_is(bld, per, "sent"));

	/* asked again: nothing new is queued, nothing more sent */
	r = br_call(&h, "billing/receipts.email",
		    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"accountant\"}", bld, per);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "queued")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "already")), 1);
	json_decref(r);
	ck_assert_int_eq(harness_barrier(&h, "billing", 5000), 0);
	ck_assert_int_eq(harness_barrier(&h, "notify", 5000), 0);
	ck_assert_uint_eq(notify_messages("billing/receipt/"), 1);
	ck_assert_int_eq(catcher_count(&mc), 1);
}
END_TEST

/* The parts fakesmsc got, their text joined (new). */
static char *phone_text(int *parts)
{
	struct kannel_sms got[8];
	char *all = calloc(1, 1);
	size_t len = 0;

	*parts = kannel_received(&kn, got, 8);
	for (int i = 0; i < *parts && i < 8; i++) {
		char *t = kannel_ucs2_to_utf8(got[i].data, got[i].len);

		all = realloc(all, len + strlen(t) + 1);
		memcpy(all + len, t, strlen(t) + 1);
		len += strlen(t);
		free(t);
	}
	return all;
}

START_TEST(the_notice_reaches_the_phone_through_kannel)
{
	long long acc, other, id;
	char earliest[16], *text;
	int parts, again;
	json_t *c;

	stack(true);
	acc = restr_model(&other);
	c = br_call(&h, "billing/restriction.propose",
		    "{\"account\":%lld,\"service\":\"electricity\",\"actor\":\"accountant\"}", acc);
	id = json_integer_value(json_object_get(c, "id"));
	json_decref(c);
	json_decref(br_call(&h, "billing/restriction.send_notice",
			    "{\"id\":%lld,\"channels\":[\"sms\"],\"actor\":\"accountant\"}", id));
	HARNESS_POLL_UNTIL(message_is(id, "sms", "sent"), 20000);
	ck_assert_msg(message_is(id, "sms", "sent"), "sms: %s", message_state(id, "sms"));
	/* Kannel took it: the fake SMS centre has every part */
	HARNESS_POLL_UNTIL((free(phone_text(&parts)), parts >= 3), 10000);
	text = phone_text(&parts);
	ru_day(20, earliest);
	ck_assert_msg(strstr(text, "ТСЖ «Берёзка»: долг по л/с 1001 за «Электроснабжение» "
				   "3 000,00 руб."),
		      "%d parts: %s", parts, text);
	ck_assert_msg(strstr(text, earliest) && strstr(text, "Тел. +7 843 555-01-02"), "%s", text);
	free(text);
	ck_assert_uint_eq(notify_messages("billing/restr/"), 1);

	/* asked again on every channel: the e-mail, which had not gone, goes
	 * once; nothing more reaches the phone (what that ask queued is out
	 * once the e-mail is sent, and amr-notify answers a barrier after) */
	json_decref(br_call(&h, "billing/restriction.send_notice",
			    "{\"id\":%lld,\"actor\":\"accountant\"}", id));
	json_decref(catcher_read(&mc, 1));
	HARNESS_POLL_UNTIL(message_is(id, "email", "sent"), 15000);
	ck_assert(message_is(id, "email", "sent"));
	ck_assert_int_eq(harness_barrier(&h, "notify", 5000), 0);
	free(phone_text(&again));
	ck_assert_int_eq(again, parts);
	ck_assert_uint_eq(notify_messages("billing/restr/"), 2);
	ck_assert_int_eq(catcher_count(&mc), 1);
}
END_TEST

static Suite *billing_notice_suite(void)
{
	Suite *s = suite_create("billing_notice");
	TCase *tc = tcase_create("notice");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, the_notice_reaches_the_tenant_once);
	tcase_add_test(tc, receipts_reach_the_tenants_with_an_address_once);
	tcase_add_test(tc, the_notice_reaches_the_phone_through_kannel);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(billing_notice_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
