/*
 * The portal's billing route against a running stack (Mosquitto,
 * amr-archive, amr-ingest, amr-web, amr-billing): an accountant's call
 * reaches amr-billing with the signed-in user as its actor, and the
 * archive's audit record names that user; amr-billing's refusals come
 * back with their field; an operator may read the debtors but not change
 * a record, a tenant may do neither, a body naming its own actor and a
 * method the portal does not offer are refused, and none of the refused
 * calls changed anything.
 *
 * A tenant tied to its billing accounts (the user record's "accounts")
 * reads their balance, statement, debt, issued invoices and receipts, and
 * of any other account gets exactly the answer of an id that does not
 * exist; a change of its accounts signs it out.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	/* billing's messages through amr-notify: the accountant's, as herself
	 * (no "actor: missing"), refused by amr-billing for what is not there;
	 * not the operator's nor the tenant's */
	r = webc_req(&acc, "POST", "/api/v1/billing/restriction.send_notice", "{\"id\":99}", NULL,
		     NULL);
	ck_assert_msg(r.status == 404 && strstr(r.body, "id: there is no restriction 99"), "%ld %s",
		      r.status, r.body);
	webr_free(&r);
	r = webc_req(&acc, "POST", "/api/v1/billing/receipts.email",
		     "{\"building\":1,\"period\":\"2026-10\"}", NULL, NULL);
	ck_assert_msg(r.status == 404 && strstr(r.body, "period: building 1 has no run of 2026-10"),
		      "%ld %s", r.status, r.body);
	webr_free(&r);
	r = webc_req(&acc, "POST", "/api/v1/billing/receipts.sent",
		     "{\"building\":1,\"period\":\"2026-10\"}", NULL, NULL);
	ck_assert_msg(r.status == 404, "%ld %s", r.status, r.body);
	webr_free(&r);
	r = webc_req(&op, "POST", "/api/v1/billing/restriction.send_notice", "{\"id\":99}", NULL,
		     NULL);
	ck_assert_int_eq(r.status, 403);
	webr_free(&r);
	r = webc_req(&ten, "POST", "/api/v1/billing/receipts.sent",
		     "{\"building\":1,\"period\":\"2026-10\"}", NULL, NULL);
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

/* The month before this one in Moscow, "YYYY-MM". */
static void last_month(char out[8])
{
	time_t now = time(NULL) + 3 * 3600;
	struct tm tm;

	gmtime_r(&now, &tm);
	if (tm.tm_mon == 0)
		snprintf(out, 8, "%04d-12", tm.tm_year + 1900 - 1);
	else
		snprintf(out, 8, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon);
}

/* POST /api/v1/billing/<method> as c with body: status and answer. */
static struct webr bill(struct webc *c, const char *method, const char *body)
{
	char path[96];

	snprintf(path, sizeof path, "/api/v1/billing/%s", method);
	return webc_req(c, "POST", path, body, NULL, NULL);
}

/* The call answers status with body text want (NULL: any body). */
static void bill_is(struct webc *c, const char *method, const char *body, long status,
		    const char *want)
{
	struct webr r = bill(c, method, body);

	ck_assert_msg(r.status == status, "%s %s: %ld %s", method, body, r.status, r.body);
	if (want)
		ck_assert_msg(!strcmp(r.body, want), "%s %s: %s, not %s", method, body, r.body,
			      want);
	webr_free(&r);
}

/* The body of the answer to method with args (the caller frees it). */
static char *bill_text(struct webc *c, const char *method, const char *body)
{
	struct webr r = bill(c, method, body);
	char *s = strdup(r.body ? r.body : "");

	webr_free(&r);
	return s;
}

START_TEST(tenant_sees_only_its_accounts)
{
	struct webc a = webt_admin(&t), ten;
	long long org, bld, maint, flat, acc_a, acc_b;
	char per[8], moved[16], body[256], inv_a[32], inv_b[32], pw[64], *none, *other;
	struct webr r;

	last_month(per);
	snprintf(moved, sizeof moved, "%s-16", per);
	org = br_org(&t.h);
	bld = br_create(&t.h, "building",
			"\"org\":%lld,\"address\":\"г. Казань, ул. Ленина, д. 5\","
			"\"tz\":\"Europe/Moscow\"",
			org);
	maint = br_service(&t.h, org, "maintenance", "Содержание жилья", "m2", "");
	br_tariff(&t.h, org, maint, "Содержание", "per_area", "\"price\":\"25.50\"");
	flat = br_create(&t.h, "premises",
			 "\"building\":%lld,\"number\":\"7\",\"kind\":\"flat\","
			 "\"area\":\"40.00\",\"residents\":1",
			 bld);
	/* the old tenant moved out on the 16th, the new one moved in */
	acc_a = br_create(&t.h, "account",
			  "\"org\":%lld,\"number\":\"A-1\",\"holder\":{\"type\":\"person\","
			  "\"name\":\"Старый Жилец\"},\"premises\":[{\"premises\":%lld,"
			  "\"from\":\"2020-01-01\",\"to\":\"%s\"}]",
			  org, flat, moved);
	acc_b = br_create(&t.h, "account",
			  "\"org\":%lld,\"number\":\"B-2\",\"holder\":{\"type\":\"person\","
			  "\"name\":\"Новый Жилец\"},\"premises\":[{\"premises\":%lld,"
			  "\"from\":\"%s\"}]",
			  org, flat, moved);
	json_decref(br_call(&t.h, "billing/run.draft",
			    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"buh\"}", bld, per));
	json_decref(br_call(&t.h, "billing/run.issue",
			    "{\"building\":%lld,\"period\":\"%s\",\"actor\":\"buh\","
			    "\"reason\":\"the month\"}",
			    bld, per));
	snprintf(inv_a, sizeof inv_a, "%s/%lld/%lld", per, bld, acc_a);
	snprintf(inv_b, sizeof inv_b, "%s/%lld/%lld", per, bld, acc_b);

	/* accounts are a tenant's; the list is checked */
	bill_is(&a, "org.list", "{}", 200, NULL);
	r = webc_req(&a, "POST", "/api/v1/users",
		     "{\"user\":\"op2\",\"role\":\"operator\",\"accounts\":[1]}", NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_msg(strstr(r.body, "accounts: only a tenant"), "%s", r.body);
	webr_free(&r);
	r = webc_req(&a, "POST", "/api/v1/users",
		     "{\"user\":\"ten-a\",\"role\":\"tenant\",\"accounts\":[0]}", NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_msg(strstr(r.body, "accounts[0]: "), "%s", r.body);
	webr_free(&r);
	snprintf(body, sizeof body, "{\"user\":\"ten-a\",\"role\":\"tenant\",\"accounts\":[%lld]}",
		 acc_a);
	r = webc_req(&a, "POST", "/api/v1/users", body, NULL, NULL);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	snprintf(pw, sizeof pw, "%s", json_string_value(json_object_get(r.json, "password")));
	webr_free(&r);
	webc_init(&ten, &t);
	ck_assert_int_eq(webc_login(&ten, "ten-a", pw), 200);
	r = webc_req(&ten, "GET", "/api/v1/me", NULL, NULL, NULL);
	ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(r.json, "accounts"), 0)),
			 acc_a);
	webr_free(&r);

	/* its own account: balance, statement, debt, the record, the invoice */
	snprintf(body, sizeof body, "{\"account\":%lld}", acc_a);
	bill_is(&ten, "account.balance", body, 200, NULL);
	bill_is(&ten, "account.statement", body, 200, NULL);
	bill_is(&ten, "account.debt", body, 200, NULL);
	r = bill(&ten, "invoice.list", body);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "invoices")), 1);
	webr_free(&r);
	snprintf(body, sizeof body, "{\"id\":%lld}", acc_a);
	bill_is(&ten, "account.get", body, 200, NULL);
	snprintf(body, sizeof body, "{\"id\":\"%s\"}", inv_a);
	r = bill(&ten, "invoice.get", body);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "account")), acc_a);
	webr_free(&r);
	snprintf(body, sizeof body, "{\"invoice\":\"%s\"}", inv_a);
	r = webc_req(&ten, "POST", "/api/v1/billing/file/receipt", body, NULL, NULL);
	ck_assert_msg(r.status == 200 && r.len > 4 && !memcmp(r.body, "%PDF", 4), "%ld %.200s",
		      r.status, r.body);
	webr_free(&r);

	/* the new tenant's account answers as one that does not exist */
	static const char *const reads[] = { "account.balance", "account.statement", "account.debt",
					     "invoice.list" };
	for (size_t i = 0; i < sizeof reads / sizeof *reads; i++) {
		snprintf(body, sizeof body, "{\"account\":%lld}", acc_b);
		other = bill_text(&ten, reads[i], body);
		snprintf(body, sizeof body, "{\"account\":%lld}", acc_b + 1000);
		none = bill_text(&ten, reads[i], body);
		snprintf(body, sizeof body, "account %lld", acc_b + 1000);
		ck_assert_msg(strstr(none, "not_found") && strstr(none, body), "%s", none);
		snprintf(body, sizeof body, "%lld", acc_b);
		/* the same words but for the id */
		ck_assert_msg(strstr(other, "not_found") && strstr(other, body), "%s", other);
		ck_assert_int_eq(strlen(other) + 3, strlen(none));
		free(other);
		free(none);
	}
	snprintf(body, sizeof body, "{\"id\":%lld}", acc_b);
	bill_is(&ten, "account.get", body, 404, NULL);
	snprintf(body, sizeof body, "{\"id\":\"%s\"}", inv_b);
	r = bill(&ten, "invoice.get", body);
	ck_assert_int_eq(r.status, 404);
	ck_assert_msg(strstr(r.body, "id: there is no invoice"), "%s", r.body);
	webr_free(&r);
	snprintf(body, sizeof body, "{\"invoice\":\"%s\"}", inv_b);
	r = webc_req(&ten, "POST", "/api/v1/billing/file/receipt", body, NULL, NULL);
	ck_assert_int_eq(r.status, 404);
	webr_free(&r);
	snprintf(body, sizeof body, "{\"account\":%lld,\"period\":\"%s\"}", acc_b, per);
	r = webc_req(&ten, "POST", "/api/v1/billing/file/receipt", body, NULL, NULL);
	ck_assert_int_eq(r.status, 404);
	webr_free(&r);
	/* its own consumption compared, and only that report, as JSON */
	snprintf(body, sizeof body,
		 "{\"report\":\"usage\",\"account\":%lld,\"service\":\"maintenance\","
		 "\"from\":\"%s-01\",\"to\":\"%s-10\",\"step\":\"day\"}",
		 acc_a, per, per);
	r = bill(&ten, "report", body);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "rows")), 10);
	webr_free(&r);
	snprintf(body, sizeof body,
		 "{\"report\":\"usage\",\"account\":%lld,\"service\":\"maintenance\","
		 "\"from\":\"%s-01\",\"to\":\"%s-10\"}",
		 acc_b, per, per);
	bill_is(&ten, "report", body, 404, NULL);
	snprintf(body, sizeof body,
		 "{\"report\":\"usage\",\"account\":%lld,\"service\":\"maintenance\","
		 "\"from\":\"%s-01\",\"to\":\"%s-10\",\"format\":\"csv\"}",
		 acc_a, per, per);
	bill_is(&ten, "report", body, 403, NULL);
	snprintf(body, sizeof body,
		 "{\"report\":\"turnover\",\"account\":%lld,\"org\":1,\"from\":\"%s-01\","
		 "\"to\":\"%s-10\"}",
		 acc_a, per, per);
	bill_is(&ten, "report", body, 403, NULL);

	/* by organisation and number, or a list without its account: refused */
	bill_is(&ten, "account.balance", "{\"org\":1,\"number\":\"B-2\"}", 400, NULL);
	bill_is(&ten, "invoice.list", "{}", 400, NULL);
	bill_is(&ten, "debtors", "{\"org\":1}", 403, NULL);
	bill_is(&ten, "account.list", "{}", 403, NULL);
	r = webc_req(&ten, "POST", "/api/v1/billing/file/report",
		     "{\"report\":\"debtors\",\"org\":1,\"format\":\"csv\"}", NULL, NULL);
	ck_assert_int_eq(r.status, 403);
	webr_free(&r);

	/* a change of its accounts signs it out; then it sees the other one */
	snprintf(body, sizeof body, "{\"accounts\":[%lld]}", acc_b);
	r = webc_req(&a, "PATCH", "/api/v1/users/ten-a", body, NULL, NULL);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	webr_free(&r);
	snprintf(body, sizeof body, "{\"account\":%lld}", acc_b);
	bill_is(&ten, "account.balance", body, 401, NULL);
	ck_assert_int_eq(webc_login(&ten, "ten-a", pw), 200);
	bill_is(&ten, "account.balance", body, 200, NULL);
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
	tcase_add_test(tc, tenant_sees_only_its_accounts);
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
