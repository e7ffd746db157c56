/*
 * amr-notify's alarm rules through the portal, against a real Mosquitto,
 * amr-archive, amr-ingest, amr-notify and amr-web: an admin sets a
 * scope's parameters with a reason and notify keeps them as the admin's;
 * an operator reads them and may not change them (nothing changes); a bad
 * parameter is 400 naming it; what applies to a channel comes from its
 * own scope over its resource's; a limited operator sees the rules and
 * the effective values of what it sees only.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "test_web_util.h"

static struct webt t;

static void setup(void)
{
	webt_start(&t, NULL);
	ck_assert_int_eq(harness_barrier(&t.h, "notify", 10000), 0);
}

static void teardown(void)
{
	webt_stop(&t);
}

/* A first reading of channel 1.5.1: the archive registers it. */
static void first_reading(void)
{
	long long now = (long long)time(NULL);
	char msg[512];

	snprintf(msg, sizeof msg,
		 "{\"seq\":1,\"ts\":%lld,\"readings\":[{\"addr\":5,\"ch\":1,\"total\":10,"
		 "\"delta\":10,\"period_ms\":1200}],\"devices\":[{\"addr\":5,\"ok\":true,"
		 "\"mains\":true,\"batt_mv\":3000}],\"events\":[],\"obj\":1,\"rx\":%lld}",
		 now - 1, now);
	ck_assert_int_eq(harness_publish(&t.h, "amr/v1/readings/1", msg, 1, false), 0);
}

static void expect(struct webc *c, const char *method, const char *path, const char *body,
		   long status, const char *text)
{
	struct webr r = webc_req(c, method, path, body, NULL, NULL);

	ck_assert_msg(r.status == status, "%s %s %s: %ld %s", method, path, body ? body : "",
		      r.status, r.body);
	ck_assert_msg(!text || (r.body && strstr(r.body, text)), "%s %s: %s lacks %s", method, path,
		      r.body, text);
	webr_free(&r);
}

/* The record of scope in notify's own list (new; NULL when it has none),
 * asked over RPC behind the web's back. */
static json_t *notify_rule(const char *scope)
{
	char *ans = harness_rpc(&t.h, "notify/rules", "{}", 5000);
	json_t *j = ans ? json_loads(ans, 0, NULL) : NULL, *e, *out = NULL;
	size_t i;

	ck_assert_msg(j != NULL, "notify/rules: %s", ans ? ans : "no answer");
	json_array_foreach(json_object_get(json_object_get(j, "result"), "rules"), i, e)
		if (!strcmp(json_string_value(json_object_get(e, "scope")) ?: "", scope))
			out = json_incref(e);
	json_decref(j);
	free(ans);
	return out;
}

/* Param key of scope's record as notify keeps it ("" when none). */
static const char *param_of(json_t *rec, const char *key)
{
	return json_string_value(json_object_get(json_object_get(rec, "params"), key)) ?: "";
}

START_TEST(rules_set_by_an_admin_read_by_an_operator)
{
	struct webc a = webt_admin(&t), op;
	char pw[64];
	json_t *rec;
	struct webr r;

	webt_user(&a, "petr", "operator", NULL, pw, sizeof pw);
	webc_init(&op, &t);
	ck_assert_int_eq(webc_login(&op, "petr", pw), 200);
	/* the admin sets cold water's, with a reason: notify keeps it as the admin's */
	expect(&a, "PUT", "/api/v1/notify/rules/cold_water",
	       "{\"params\":{\"night_max_per_h\":\"0.020\",\"burst_per_h\":\"2.0\"},"
	       "\"reason\":\"зима\"}",
	       200, "\"by\":\"admin\"");
	rec = notify_rule("cold_water");
	ck_assert_msg(rec != NULL, "notify has no cold_water rule");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "by")), "admin");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "reason")), "зима");
	ck_assert_str_eq(param_of(rec, "burst_per_h"), "2.0");
	json_decref(rec);
	/* an operator reads them */
	r = webc_req(&op, "GET", "/api/v1/notify/rules", NULL, NULL, NULL);
	ck_assert_msg(r.status == 200 && strstr(r.body, "\"scope\":\"cold_water\""), "%ld %s",
		      r.status, r.body);
	webr_free(&r);
	/* and may not change them: 403, and notify's record is as it was */
	expect(&op, "PUT", "/api/v1/notify/rules/cold_water",
	       "{\"params\":{\"burst_per_h\":\"9.0\"},\"reason\":\"x\"}", 403, "forbidden");
	expect(&op, "DELETE", "/api/v1/notify/rules/cold_water", "{\"reason\":\"x\"}", 403,
	       "forbidden");
	ck_assert_int_eq(harness_barrier(&t.h, "notify", 5000), 0);
	rec = notify_rule("cold_water");
	ck_assert_msg(rec != NULL, "the operator removed cold_water's rule");
	ck_assert_str_eq(param_of(rec, "burst_per_h"), "2.0");
	ck_assert_str_eq(param_of(rec, "night_max_per_h"), "0.020");
	json_decref(rec);
	/* bad input names the field and changes nothing */
	expect(&a, "PUT", "/api/v1/notify/rules/cold_water",
	       "{\"params\":{\"burst_per_h\":1.5},\"reason\":\"x\"}", 400, "params.burst_per_h");
	expect(&a, "PUT", "/api/v1/notify/rules/cold_water",
	       "{\"params\":{\"stuck_days\":400},\"reason\":\"x\"}", 400, "stuck_days");
	expect(&a, "PUT", "/api/v1/notify/rules/cold_water",
	       "{\"params\":{\"spool_pct\":50},\"reason\":\"x\"}", 400, "spool_pct");
	expect(&a, "PUT", "/api/v1/notify/rules/cold_water", "{\"params\":{\"burst_per_h\":\"1\"}}",
	       400, "reason");
	expect(&a, "PUT", "/api/v1/notify/rules/cold_water",
	       "{\"params\":{},\"reason\":\"x\",\"by\":\"me\"}", 400, "by");
	expect(&a, "PUT", "/api/v1/notify/rules/steam", "{\"params\":{},\"reason\":\"x\"}", 400,
	       "scope");
	expect(&a, "DELETE", "/api/v1/notify/rules/cold_water", "{}", 400, "reason");
	ck_assert_int_eq(harness_barrier(&t.h, "notify", 5000), 0);
	rec = notify_rule("cold_water");
	ck_assert_str_eq(param_of(rec, "burst_per_h"), "2.0");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "reason")), "зима");
	json_decref(rec);
	/* removed by the admin, with a reason */
	expect(&a, "DELETE", "/api/v1/notify/rules/cold_water", "{\"reason\":\"весна\"}", 200,
	       "\"deleted\":true");
	rec = notify_rule("cold_water");
	ck_assert_msg(rec == NULL, "cold_water's rule is still there");
	expect(&a, "DELETE", "/api/v1/notify/rules/cold_water", "{\"reason\":\"again\"}", 404,
	       "cold_water");
	webc_free(&op);
	webc_free(&a);
}
END_TEST

START_TEST(effective_channel_over_resource_and_scope)
{
	struct webc a = webt_admin(&t), op, lim;
	char pw[64];
	json_t *from;
	struct webr r;

	webt_user(&a, "petr", "operator", NULL, pw, sizeof pw);
	webc_init(&op, &t);
	ck_assert_int_eq(webc_login(&op, "petr", pw), 200);
	webt_user(&a, "olga", "operator", "[\"1.5\"]", pw, sizeof pw);
	webc_init(&lim, &t);
	ck_assert_int_eq(webc_login(&lim, "olga", pw), 200);
	/* channel 1.5.1, registered by its first reading, is cold water in m³ */
	first_reading();
	r = webc_wait_for(&a, "/api/v1/registry/1.5.1", "\"1.5.1\"");
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	webr_free(&r);
	expect(&a, "PATCH", "/api/v1/registry/1.5.1",
	       "{\"resource\":\"cold_water\",\"unit\":\"m3\",\"weight\":{\"num\":1,\"den\":100,"
	       "\"valid_from\":0},\"reason\":\"commissioning\"}",
	       200, NULL);
	expect(&a, "PUT", "/api/v1/notify/rules/cold_water",
	       "{\"params\":{\"night_max_per_h\":\"0.020\",\"burst_per_h\":\"2.0\"},"
	       "\"reason\":\"зима\"}",
	       200, NULL);
	expect(&a, "PUT", "/api/v1/notify/rules/1.5.1",
	       "{\"params\":{\"burst_per_h\":\"0.5\"},\"reason\":\"стояк\"}", 200, NULL);
	expect(&a, "PUT", "/api/v1/notify/rules/2",
	       "{\"params\":{\"spool_pct\":80},\"reason\":\"другой дом\"}", 200, NULL);
	/* notify reads the registry again 2 s after the archive's audit
	 * record (docs/notify.md, "Rules") */
	HARNESS_POLL_UNTIL(webc_shows(&op, "/api/v1/notify/rules/effective/1.5.1",
				      "\"resource\":\"cold_water\"", "\"unit\":\"m3\""),
			   15000);
	r = webc_req(&op, "GET", "/api/v1/notify/rules/effective/1.5.1", NULL, NULL, NULL);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	from = json_object_get(r.json, "from");
	ck_assert_str_eq(json_string_value(json_object_get(from, "burst_per_h")), "1.5.1");
	ck_assert_msg(!strcmp(json_string_value(json_object_get(from, "night_max_per_h")) ?: "",
			      "cold_water"),
		      "%s", r.body);
	ck_assert_str_eq(json_string_value(
				 json_object_get(json_object_get(r.json, "params"), "burst_per_h")),
			 "0.500");
	/* 0.5 m³/h at 10 l a pulse: 50 pulses an hour */
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(r.json, "pulses_h"), "burst")),
		50);
	webr_free(&r);
	expect(&op, "GET", "/api/v1/notify/rules/effective/1.5", NULL, 400, "id");
	expect(&op, "GET", "/api/v1/notify/rules/effective/2", NULL, 200, "\"spool_pct\":80");
	/* one who sees flat 1.5 only: its channel, not object 2 nor the whole of 1 */
	expect(&lim, "GET", "/api/v1/notify/rules/effective/1.5.1", NULL, 200, "\"1.5.1\"");
	expect(&lim, "GET", "/api/v1/notify/rules/effective/1.6.1", NULL, 403, "forbidden");
	expect(&lim, "GET", "/api/v1/notify/rules/effective/2", NULL, 403, "forbidden");
	expect(&lim, "GET", "/api/v1/notify/rules/effective/1", NULL, 403, "wholly");
	r = webc_req(&lim, "GET", "/api/v1/notify/rules", NULL, NULL, NULL);
	ck_assert_msg(r.status == 200 && strstr(r.body, "\"scope\":\"cold_water\"") &&
			      strstr(r.body, "\"scope\":\"1.5.1\"") &&
			      !strstr(r.body, "\"scope\":\"2\""),
		      "%ld %s", r.status, r.body);
	webr_free(&r);
	webc_free(&lim);
	webc_free(&op);
	webc_free(&a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("web_rules");
	TCase *tc = tcase_create("stack");
	SRunner *sr;
	int failed;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rules_set_by_an_admin_read_by_an_operator);
	tcase_add_test(tc, effective_channel_over_resource_and_scope);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
