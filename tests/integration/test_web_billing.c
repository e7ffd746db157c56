/*
 * The portal's billing route against a running stack (Mosquitto,
 * amr-archive, amr-ingest, amr-web, amr-billing): an accountant's call
 * reaches amr-billing with the signed-in user as its actor, and the
 * archive's audit record names that user; amr-billing's refusals come
 * back with their field; an operator may read the debtors but not change
 * a record, a tenant may do neither, a body naming its own actor and a
 * method the portal does not offer are refused, and none of the refused
 * calls changed anything.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_util.h"
#include "billing_util.h"
#include "billrun_util.h"
#include "test_web_util.h"

static struct webt t;

static void setup(void)
{
	webt_start(&t, NULL);
	br_billing_start(&t.h, NULL, NULL);
}

static void teardown(void)
{
	webt_stop(&t);
}

/* The records of billing/org.list as text: the state refusals keep. */
static char *orgs(struct webc *c)
{
	struct webr r = webc_req(c, "POST", "/api/v1/billing/org.list", "{}", NULL, NULL);
	char *s;

	ck_assert_int_eq(r.status, 200);
	s = json_dumps(json_object_get(r.json, "records"), JSON_SORT_KEYS);
	webr_free(&r);
	return s;
}

/* The turnover report of January from day from, in format, with more
 * members (",\"max\":40" or ""), as a file through the portal. */
static struct webr turnover(struct webc *c, const char *from, const char *format, const char *more)
{
	char body[256];

	snprintf(body, sizeof body,
		 "{\"report\":\"turnover\",\"org\":1,\"from\":\"%s\",\"to\":\"2026-01-31\","
		 "\"format\":\"%s\"%s}",
		 from, format, more);
	return webc_req(c, "POST", "/api/v1/billing/file/report", body, NULL, NULL);
}

START_TEST(accountant_calls_billing_as_herself)
{
	struct webc a = webt_admin(&t), acc, op, ten;
	char pw[3][64], keep[80], *before, *after, *text;
	struct webr r, r2;
	json_t *au;

	webt_user(&a, "buh", "accountant", NULL, pw[0], sizeof pw[0]);
	webt_user(&a, "disp", "operator", NULL, pw[1], sizeof pw[1]);
	webt_user(&a, "flat7", "tenant", "[1]", pw[2], sizeof pw[2]);
	webc_init(&acc, &t);
	webc_init(&op, &t);
	webc_init(&ten, &t);
	ck_assert_int_eq(webc_login(&acc, "buh", pw[0]), 200);
	ck_assert_int_eq(webc_login(&op, "disp", pw[1]), 200);
	ck_assert_int_eq(webc_login(&ten, "flat7", pw[2]), 200);

	r = webc_req(&acc, "POST", "/api/v1/billing/org.create",
		     "{" BR_ORG ",\"reason\":\"our ТСЖ\"}", NULL, NULL);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "id")), 1);
	webr_free(&r);
	/* the audit trail names the person, not the portal */
	au = bil_audit_records(&t.h, "billing/org/1", 1);
	text = json_dumps(au, JSON_COMPACT);
	ck_assert_msg(strstr(text, "\"actor\":\"buh\""), "%s", text);
	free(text);
	json_decref(au);

	/* amr-billing's own refusal, with its field */
	r = webc_req(&acc, "POST", "/api/v1/billing/org.create",
		     "{\"name\":\"x\",\"inn\":\"123\",\"account\":\"1\",\"bank\":\"b\","
		     "\"bik\":\"044525225\",\"corr_account\":\"30101810400000000225\"}",
		     NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_msg(strstr(r.body, "inn: "), "%s", r.body);
	webr_free(&r);

	before = orgs(&acc);
	/* an operator reads the debtors, and cannot make an organisation */
	r = webc_req(&op, "POST", "/api/v1/billing/debtors", "{\"org\":1}", NULL, NULL);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "count")), 0);
	webr_free(&r);
	r = webc_req(&op, "POST", "/api/v1/billing/org.create", "{" BR_ORG "}", NULL, NULL);
	ck_assert_int_eq(r.status, 403);
	ck_assert_msg(strstr(r.body, "billing/org.create: not for the role operator"), "%s",
		      r.body);
	webr_free(&r);
	/* a tenant reaches nothing of billing through this route */
	r = webc_req(&ten, "POST", "/api/v1/billing/debtors", "{\"org\":1}", NULL, NULL);
	ck_assert_int_eq(r.status, 403);
	webr_free(&r);
	/* the actor is the signed-in user, never the body's */
	r = webc_req(&acc, "POST", "/api/v1/billing/org.create",
		     "{" BR_ORG ",\"actor\":\"somebody else\"}", NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_msg(strstr(r.body, "actor: not a field here"), "%s", r.body);
	webr_free(&r);
	/* what the portal does not offer: not the service's ping, nor a typo */
	r = webc_req(&acc, "POST", "/api/v1/billing/metrics", "{}", NULL, NULL);
	ck_assert_int_eq(r.status, 404);
	webr_free(&r);
	r = webc_req(&acc, "POST", "/api/v1/billing/org.creat", "{}", NULL, NULL);
	ck_assert_int_eq(r.status, 404);
	ck_assert_msg(strstr(r.body, "is not a billing method of the portal"), "%s", r.body);
	webr_free(&r);
	/* without the CSRF token */
	snprintf(keep, sizeof keep, "%s", acc.csrf);
	acc.csrf[0] = '\0';
	r = webc_req(&acc, "POST", "/api/v1/billing/org.create", "{" BR_ORG "}", NULL, NULL);
	ck_assert_int_eq(r.status, 403);
	webr_free(&r);
	snprintf(acc.csrf, sizeof acc.csrf, "%s", keep);
	after = orgs(&acc);
	ck_assert_str_eq(before, after);

	/* a report's file, fetched in chunks and answered whole: the CSV the
	 * accountant saves, with its name; the operator gets none */
	r = turnover(&acc, "2026-01-01", "csv", "");
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_msg(r.len > 80 && !memcmp(r.body, "\xef\xbb\xbf", 3), "no BOM: %s", r.body);
	ck_assert_msg(strstr(r.body, "Лицевой счёт;"), "%s", r.body);
	ck_assert_msg(strstr(r.headers, "Content-Type: text/csv") &&
			      strstr(r.headers, "Content-Disposition: attachment; filename=\""),
		      "%s", r.headers);
	/* the same file in chunks of 40 bytes: put together byte for byte */
	r2 = turnover(&acc, "2026-01-01", "csv", ",\"max\":40");
	ck_assert_int_eq(r2.status, 200);
	ck_assert_int_eq(r2.len, r.len);
	ck_assert(!memcmp(r2.body, r.body, r.len));
	webr_free(&r2);
	webr_free(&r);
	r = turnover(&acc, "2026-01-01", "json", "");
	ck_assert_int_eq(r.status, 400);
	webr_free(&r);
	r = turnover(&acc, "2026-02-30", "csv", "");
	ck_assert_int_eq(r.status, 400);
	ck_assert_msg(strstr(r.body, "from"), "%s", r.body);
	webr_free(&r);
	r = webc_req(&acc, "POST", "/api/v1/billing/file/org.list", "{}", NULL, NULL);
	ck_assert_int_eq(r.status, 404);
	webr_free(&r);
	r = turnover(&op, "2026-01-01", "csv", "");
	ck_assert_int_eq(r.status, 403);
	webr_free(&r);
	free(before);
	free(after);
	webc_free(&acc);
	webc_free(&op);
	webc_free(&ten);
	webc_free(&a);
}
END_TEST

static Suite *web_billing_suite(void)
{
	Suite *s = suite_create("web_billing");
	TCase *tc = tcase_create("billing");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, accountant_calls_billing_as_herself);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(web_billing_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
