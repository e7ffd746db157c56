/*
 * amr-web's API as a whole against a real stack: the audit trail in pages
 * and as CSV, the services page saying what each service serves, and the
 * OpenAPI description checked route by route against the server. Part of
 * the test_web runner.
 */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <curl/curl.h>

#include "test_web_util.h"

TCase *web_api_tcase(void);

static struct webt t;

static void setup(void)
{
	webt_start(&t, (const char *[]){ "--login-fails-user=3", "--rpc-timeout-ms=1500", NULL });
}

static void teardown(void)
{
	webt_stop(&t);
}

/* The audit trail in pages newest first, each record once, and as CSV: 130
 * records, three to a second, so pages end inside a second. */
START_TEST(audit_in_pages_and_csv)
{
	const long long base = 1796119200; /* 2026-12-01 13:00 Moscow */
	struct webc a;
	struct webr r;
	char path[256], rec[256], next[64] = "";
	bool seen[130] = { false };
	long long last_ts = base + 100;
	int pages = 0, got = 0;
	const char *line, *want = "ts,time_utc,time_local,actor,action,target,reason,detail\n"
				  "1796119243,2026-12-01T10:00:43Z,2026-12-01T13:00:43+03:00,"
				  "pager,user.update,u129,paging,\"{\"\"i\"\":129}\"\n";

	webc_init(&a, &t);
	ck_assert_int_eq(webc_login(&a, "admin", t.admin_pw), 200);
	for (int i = 0; i < 130; i++) {
		snprintf(rec, sizeof rec,
			 "{\"ts\":%lld,\"actor\":\"pager\",\"action\":\"user.update\","
			 "\"target\":\"u%d\",\"detail\":{\"i\":%d,\"reason\":\"%s\"}}",
			 base + i / 3, i, i, i == 0 ? "=HYPERLINK(1)" : "paging");
		ck_assert_int_eq(harness_publish(&t.h, "amr/v1/audit", rec, 1, false), 0);
	}
	ck_assert_int_eq(harness_barrier(&t.h, "archive", 5000), 0); /* stored on receipt */
	do {
		snprintf(path, sizeof path, "/api/v1/audit?order=desc&actor=pager&limit=50%s%s",
			 next[0] ? "&before=" : "", next);
		r = webc_req(&a, "GET", path, NULL, NULL, NULL);
		ck_assert_int_eq(r.status, 200);
		for (size_t i = 0; i < json_array_size(json_object_get(r.json, "records")); i++) {
			json_t *x = json_array_get(json_object_get(r.json, "records"), i);
			long long ts = json_integer_value(json_object_get(x, "ts"));
			int n = (int)json_integer_value(
				json_object_get(json_object_get(x, "detail"), "i"));

			ck_assert_msg(n >= 0 && n < 130 && !seen[n], "record %d twice, page %d", n,
				      pages);
			ck_assert_int_le(ts, last_ts); /* newest first */
			seen[n] = true;
			last_ts = ts;
			got++;
		}
		ck_assert_int_eq(json_is_true(json_object_get(r.json, "more")),
				 json_object_get(r.json, "next") != NULL);
		snprintf(next, sizeof next, "%s",
			 json_string_value(json_object_get(r.json, "next")) ?: "");
		pages++;
		webr_free(&r);
	} while (next[0] && pages < 10);
	ck_assert_int_eq(got, 130);
	ck_assert_int_eq(pages, 3);
	/* a cursor is for newest first, and is what "next" gave */
	r = webc_req(&a, "GET", "/api/v1/audit?order=asc&before=1796119200.1", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	webr_free(&r);
	r = webc_req(&a, "GET", "/api/v1/audit?order=desc&before=17961x.1", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_msg(strstr(r.body, "before"), "%s", r.body);
	webr_free(&r);
	/* CSV: every record, newest first, the site's time and a reason kept from formulas */
	r = webc_req(&a, "GET", "/api/v1/audit?order=desc&actor=pager&format=csv", NULL, NULL,
		     NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(strstr(r.headers, "text/csv"));
	ck_assert(strstr(r.headers, "attachment"));
	ck_assert_msg(!strncmp(r.body, want, strlen(want)), "%s", r.body);
	ck_assert_msg(strstr(r.body, ",u0,'=HYPERLINK(1),\"{\"\"i\"\":0}\"\n"), "%s", r.body);
	got = 0;
	for (line = r.body; (line = strchr(line, '\n')) && line[1]; line++)
		got++;
	ck_assert_int_eq(got, 130);
	webr_free(&r);
	webc_free(&a);
}
END_TEST

/* Every operation of openapi.json exists on the server (never 404 "no such
 * route" nor 405), and what the server answers for routes not in it is 404. */
/* Whether arr holds the string want. */
static bool has_string(const json_t *arr, const char *want)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e)
		if (json_is_string(e) && !strcmp(json_string_value(e), want))
			return true;
	return false;
}

/* The services page's answer says what each service serves: its own RPC
 * methods ([] for one that only answers ping, metrics and help), and for
 * the web its routes. */
START_TEST(services_say_what_they_serve)
{
	struct webc a;
	struct webr r;
	json_t *e;
	size_t i;
	bool archive = false, ingest = false, web = false;

	webc_init(&a, &t);
	ck_assert_int_eq(webc_login(&a, "admin", t.admin_pw), 200);
	r = webc_wait_for(&a, "/api/v1/services?ping=1", "\"methods\":[\"");
	ck_assert_int_eq(r.status, 200);
	json_array_foreach(json_object_get(r.json, "serves"), i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		json_t *m = json_object_get(e, "methods");

		ck_assert_msg(json_is_array(m), "%s: no methods", name);
		ck_assert(!has_string(m, "ping") && !has_string(m, "help"));
		if (!strcmp(name, "archive"))
			archive = has_string(m, "latest") && has_string(m, "registry.set");
		else if (!strcmp(name, "ingest"))
			ingest = has_string(m, "command");
		else if (!strcmp(name, "web"))
			web = json_integer_value(json_object_get(e, "routes")) > 10;
	}
	ck_assert_msg(archive && ingest && web, "serves: %s", r.body);
	webr_free(&r);
	webc_free(&a);
}
END_TEST

START_TEST(openapi_describes_the_server)
{
	struct webc a;
	struct webr r, doc;
	const char *p, *m;
	json_t *ops, *op;
	int n = 0;

	webc_init(&a, &t);
	doc = webc_req(&a, "GET", "/api/v1/openapi.json", NULL, NULL, NULL);
	ck_assert_int_eq(doc.status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(doc.json, "openapi")), "3.0.3");
	json_object_foreach(json_object_get(doc.json, "paths"), p, ops) {
		json_object_foreach(ops, m, op) {
			char path[256], method[8], *brace;
			size_t i;

			snprintf(path, sizeof path, "%s", p);
			while ((brace = strchr(path, '{'))) { /* {param} -> 1 */
				char *end = strchr(brace, '}');

				*brace = '1';
				memmove(brace + 1, end + 1, strlen(end + 1) + 1);
			}
			for (i = 0; m[i] && i < 7; i++)
				method[i] = (char)(m[i] - 32);
			method[i] = '\0';
			if (!strcmp(path, "/api/v1/stream"))
				continue; /* anonymous: 401, checked below */
			r = webc_req(&a, method, path, !strcmp(method, "GET") ? NULL : "{}", NULL,
				     NULL);
			ck_assert_msg(r.status != 405 && !(r.status == 404 &&
							   !strcmp(webr_code(&r), "not_found") &&
							   strstr(r.body, "no such API route")),
				      "%s %s -> %ld %s", method, path, r.status, r.body);
			webr_free(&r);
			n++;
		}
	}
	ck_assert_int_ge(n, 20);
	r = webc_req(&a, "GET", "/api/v1/stream", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 401);
	webr_free(&r);
	webr_free(&doc);
	webc_free(&a);
}
END_TEST

TCase *web_api_tcase(void)
{
	TCase *tc = tcase_create("api");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, audit_in_pages_and_csv);
	tcase_add_test(tc, services_say_what_they_serve);
	tcase_add_test(tc, openapi_describes_the_server);
	return tc;
}
