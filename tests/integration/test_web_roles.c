/*
 * The four rules of the portal's API over HTTP against a running stack
 * (Mosquitto, amr-archive, amr-ingest, amr-web), each checked with the
 * state before and after: an operator cannot change users, a tenant gets
 * 403 on other objects (and sees only its own in lists and the stream),
 * a request without the CSRF token is refused, bad JSON gets 400. Then
 * `amr-web --reset-password` for a lost admin password. Part of the
 * test_web runner.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "test_web_util.h"

TCase *web_roles_tcase(void);

static struct webt t;

static void setup(void)
{
	webt_start(&t, NULL);
}

static void teardown(void)
{
	webt_stop(&t);
}

/* One canonical batch of object obj (as ingest publishes it). */
static void publish_batch(unsigned obj, long long seq, long long total)
{
	long long now = (long long)time(NULL);
	char topic[64], msg[512];

	snprintf(topic, sizeof topic, "amr/v1/readings/%u", obj);
	snprintf(
		msg, sizeof msg,
		"{\"seq\":%lld,\"ts\":%lld,\"readings\":[{\"addr\":2,\"ch\":1,\"total\":%lld,"
		"\"delta\":1,\"period_ms\":1000}],\"devices\":[{\"addr\":2,\"ok\":true,\"mains\":true,"
		"\"batt_mv\":3000}],\"events\":[],\"obj\":%u,\"rx\":%lld}",
		seq, now, total, obj, now);
	ck_assert_int_eq(harness_publish(&t.h, topic, msg, 1, false), 0);
}

/* The users list as text (the state the refused requests must not change). */
static char *users_state(struct webc *admin)
{
	return webc_body(admin, "/api/v1/users", 200);
}

START_TEST(operator_cannot_change_users)
{
	struct webc a = webt_admin(&t), op;
	char pw[64], *before, *after;
	struct webr r;

	webt_user(&a, "op1", "operator", NULL, pw, sizeof pw);
	webc_init(&op, &t);
	ck_assert_int_eq(webc_login(&op, "op1", pw), 200);
	before = users_state(&a);
	r = webc_req(&op, "POST", "/api/v1/users", "{\"user\":\"evil\",\"role\":\"admin\"}", NULL,
		     NULL);
	ck_assert_int_eq(r.status, 403);
	ck_assert_str_eq(webr_code(&r), "forbidden");
	webr_free(&r);
	r = webc_req(&op, "PATCH", "/api/v1/users/op1", "{\"role\":\"admin\"}", NULL, NULL);
	ck_assert_int_eq(r.status, 403);
	webr_free(&r);
	r = webc_req(&op, "PATCH", "/api/v1/users/admin", "{\"disabled\":true}", NULL, NULL);
	ck_assert_int_eq(r.status, 403);
	webr_free(&r);
	r = webc_req(&op, "POST", "/api/v1/users/admin/password", "{\"password\":\"taken over 1\"}",
		     NULL, NULL);
	ck_assert_int_eq(r.status, 403);
	webr_free(&r);
	r = webc_req(&op, "GET", "/api/v1/users", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 403);
	webr_free(&r);
	after = users_state(&a);
	ck_assert_str_eq(before, after); /* nothing changed */
	ck_assert(!strstr(after, "evil"));
	ck_assert_int_eq(webc_login(&a, "admin", t.admin_pw), 200); /* the admin's password holds */
	r = webc_req(&op, "GET", "/api/v1/me", NULL, NULL, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "role")), "operator");
	webr_free(&r);
	free(before);
	free(after);
	webc_free(&op);
	webc_free(&a);
}
END_TEST

/* Once the stream (arg) is open: a batch of object 32, then one of 31. amr-web
 * handles them in that order, so when 31's reading is on the stream, one
 * of 32's would be there before it. */
static void *publisher(void *arg)
{
	sse_wait_open(arg, 10000);
	publish_batch(32, 10, 2010);
	publish_batch(31, 10, 1010);
	return NULL;
}

START_TEST(tenant_403_on_other_objects)
{
	static const char *const refused[] = {
		"/api/v1/objects/32",
		"/api/v1/channels?obj=32",
		"/api/v1/events?obj=32",
		"/api/v1/series?channels=32.2.1&step=raw",
		"/api/v1/series?channels=31.2.1,32.2.1",
		"/api/v1/consumption?channels=32.2.1",
		"/api/v1/registry/32.2.1",
		"/api/v1/registry?obj=32",
		"/api/v1/stream?obj=32",
	};
	struct webc a = webt_admin(&t), ten, none;
	struct sse_read s = { "", 0, "event: reading\ndata: {\"obj\":31" };
	char pw[64], pw2[64], url[128], *body;
	struct webr r;

	publish_batch(31, 1, 1000);
	publish_batch(32, 1, 2000);
	/* the admin sees both objects */
	HARNESS_POLL_UNTIL(webc_shows(&a, "/api/v1/objects", "\"obj\":31", "\"obj\":32"), 5000);
	ck_assert_msg(webc_shows(&a, "/api/v1/objects", "\"obj\":31", "\"obj\":32"),
		      "objects 31 and 32 never appeared");
	/* a bad list is refused and creates nothing; an admin has no list */
	r = webc_req(&a, "POST", "/api/v1/users",
		     "{\"user\":\"t0\",\"role\":\"tenant\",\"objects\":[0]}", NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert(strstr(r.body, "objects"));
	webr_free(&r);
	r = webc_req(&a, "POST", "/api/v1/users",
		     "{\"user\":\"a2\",\"role\":\"admin\",\"objects\":[1]}", NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	webr_free(&r);
	body = users_state(&a);
	ck_assert(!strstr(body, "\"t0\"") && !strstr(body, "\"a2\""));
	free(body);
	harness_subscribe(&t.h, "amr/v1/audit");
	webt_user(&a, "ten31", "tenant", "[31]", pw, sizeof pw);
	free(harness_wait_message(&t.h, "amr/v1/audit", "\"objects\":[31]", 5000)
		     ?: (ck_abort_msg("user.create not audited with its objects"), NULL));
	webc_init(&ten, &t);
	ck_assert_int_eq(webc_login(&ten, "ten31", pw), 200);
	/* its own object */
	body = webc_body(&ten, "/api/v1/objects/31", 200);
	free(body);
	body = webc_body(&ten, "/api/v1/objects", 200);
	ck_assert_msg(strstr(body, "\"obj\":31") && !strstr(body, "\"obj\":32"), "%s", body);
	free(body);
	body = webc_body(&ten, "/api/v1/channels", 200);
	ck_assert_msg(strstr(body, "31.2.1") && !strstr(body, "32.2.1"), "%s", body);
	free(body);
	snprintf(url, sizeof url, "/api/v1/series?channels=31.2.1&step=raw&from=%lld&to=%lld",
		 (long long)time(NULL) - 3600, (long long)time(NULL) + 60);
	body = webc_body(&ten, url, 200);
	free(body);
	/* every route naming another object: 403 with a clear JSON error */
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		r = webc_req(&ten, "GET", refused[i], NULL, NULL, NULL);
		ck_assert_msg(r.status == 403, "%s: %ld", refused[i], r.status);
		ck_assert_str_eq(webr_code(&r), "forbidden");
		ck_assert_msg(strstr(r.body, "object 32 is not among the objects of ten31"), "%s",
			      r.body);
		webr_free(&r);
	}
	/* not the staff's pages either */
	r = webc_req(&ten, "GET", "/api/v1/services", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 403);
	webr_free(&r);
	/* the stream carries only its object */
	webc_stream(&ten, &s, publisher);
	ck_assert_msg(strstr(s.buf, "event: reading\ndata: {\"obj\":31"), "%s", s.buf);
	ck_assert_msg(!strstr(s.buf, "\"obj\":32"), "%s", s.buf);
	/* a tenant without a list sees nothing */
	webt_user(&a, "ten0", "tenant", NULL, pw2, sizeof pw2);
	webc_init(&none, &t);
	ck_assert_int_eq(webc_login(&none, "ten0", pw2), 200);
	body = webc_body(&none, "/api/v1/objects", 200);
	ck_assert_msg(strstr(body, "\"objects\":[]"), "%s", body);
	free(body);
	free(webc_body(&none, "/api/v1/objects/31", 403));
	/* the admin moves the tenant to object 32: its session ends, the new one sees 32 only */
	r = webc_req(&a, "PATCH", "/api/v1/users/ten0", "{\"objects\":[32]}", NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(r.json, "objects"), 0)),
			 32);
	webr_free(&r);
	free(harness_wait_message(&t.h, "amr/v1/audit", "\"objects\":[32]", 5000)
		     ?: (ck_abort_msg("user.update not audited"), NULL));
	free(webc_body(&none, "/api/v1/objects", 401));
	ck_assert_int_eq(webc_login(&none, "ten0", pw2), 200);
	free(webc_body(&none, "/api/v1/objects/32", 200));
	free(webc_body(&none, "/api/v1/objects/31", 403));
	webc_free(&none);
	webc_free(&ten);
	webc_free(&a);
}
END_TEST

START_TEST(no_csrf_token_refused)
{
	struct webc a = webt_admin(&t);
	char keep[80], *before, *after;
	struct webr r;

	before = users_state(&a);
	snprintf(keep, sizeof keep, "%s", a.csrf);
	a.csrf[0] = '\0';
	r = webc_req(&a, "POST", "/api/v1/users", "{\"user\":\"nocsrf\",\"role\":\"operator\"}",
		     NULL, NULL);
	ck_assert_int_eq(r.status, 403);
	ck_assert_str_eq(webr_code(&r), "csrf");
	webr_free(&r);
	r = webc_req(&a, "PATCH", "/api/v1/users/admin", "{\"disabled\":true}", NULL, NULL);
	ck_assert_int_eq(r.status, 403);
	webr_free(&r);
	r = webc_req(&a, "POST", "/api/v1/logout", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 403);
	webr_free(&r);
	after = users_state(&a); /* still signed in, nothing changed */
	ck_assert_str_eq(before, after);
	snprintf(a.csrf, sizeof a.csrf, "%s", keep);
	r = webc_req(&a, "POST", "/api/v1/users", "{\"user\":\"nocsrf\",\"role\":\"operator\"}",
		     NULL, NULL);
	ck_assert_int_eq(r.status, 201); /* with the token it goes through */
	webr_free(&r);
	free(before);
	free(after);
	webc_free(&a);
}
END_TEST

START_TEST(bad_json_400_changes_nothing)
{
	static const char *const bodies[] = {
		"{\"user\":\"bj\",\"role\":",
		"not json",
		"[1,2]",
		"{\"user\":\"bj\",\"role\":\"operator\",}",
		"{\"user\":\"bj\",\"role\":\"operator\",\"objects\":\"31\"}",
		"{\"user\":\"bj\",\"role\":\"operator\",\"extra\":1}",
	};
	struct webc a = webt_admin(&t);
	char *before, *after, pw[64];
	struct webr r;

	webt_user(&a, "bj0", "operator", NULL, pw, sizeof pw);
	before = users_state(&a);
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		r = webc_req(&a, "POST", "/api/v1/users", bodies[i], NULL, NULL);
		ck_assert_msg(r.status == 400, "%s: %ld", bodies[i], r.status);
		ck_assert_msg(!strcmp(webr_code(&r), "bad_json") ||
				      !strcmp(webr_code(&r), "bad_request"),
			      "%s: %s", bodies[i], r.body);
		webr_free(&r);
	}
	r = webc_req(&a, "PATCH", "/api/v1/users/bj0", "{\"role\":\"admin\"", NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	webr_free(&r);
	r = webc_req(&a, "PATCH", "/api/v1/users/bj0", "{\"role\":\"admin\",\"objects\":[1,1]}",
		     NULL, NULL);
	ck_assert_int_eq(r.status, 400); /* one bad field: the good one is not applied */
	webr_free(&r);
	after = users_state(&a);
	ck_assert_str_eq(before, after);
	ck_assert_int_eq(webc_login(&a, "bj0", pw), 200); /* still an operator that signs in */
	r = webc_req(&a, "GET", "/api/v1/me", NULL, NULL, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "role")), "operator");
	webr_free(&r);
	free(before);
	free(after);
	webc_free(&a);
}
END_TEST

/* Another spelling of another object's number is refused, never read as
 * that object: a limited tenant or operator gets 400 or 403 on every form,
 * and the operator's command for object 32 never reaches ingest. */
START_TEST(limited_users_cannot_spell_around)
{
	static const char *const forms[] = {
		"/api/v1/objects/0000032",
		"/api/v1/objects/032",
		"/api/v1/objects/+32",
		"/api/v1/series?channel=32.2.1&step=raw",
		"/api/v1/consumption?channel=32.2.1",
		"/api/v1/series?channels=032.2.1",
		"/api/v1/series?channels=31.2.1,%2032.2.1",
		"/api/v1/channels?obj=+32",
		"/api/v1/channels?obj=0032",
		"/api/v1/events?obj=32x",
		"/api/v1/registry/0032.2.1",
		"/api/v1/stream?obj=32abc",
	};
	struct webc a = webt_admin(&t), ten, op;
	char pw[64], opw[64], path[3200], *body, *after;
	struct webr r;

	publish_batch(31, 1, 1000);
	publish_batch(32, 1, 2000);
	webt_user(&a, "ten31", "tenant", "[31]", pw, sizeof pw);
	webt_user(&a, "op31", "operator", "[31]", opw, sizeof opw);
	webc_init(&ten, &t);
	ck_assert_int_eq(webc_login(&ten, "ten31", pw), 200);
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		r = webc_req(&ten, "GET", forms[i], NULL, NULL, NULL);
		ck_assert_msg(r.status == 400 || r.status == 403 || r.status == 404, "%s: %ld %s",
			      forms[i], r.status, r.body ? r.body : "");
		ck_assert_msg(!strstr(r.body, "32.2.1\",\"obj\""), "%s leaked: %s", forms[i],
			      r.body);
		webr_free(&r);
	}
	/* an argument too long to be read whole is refused, not dropped */
	snprintf(path, sizeof path, "/api/v1/channels?obj=");
	memset(path + strlen(path), '3', 3000);
	path[sizeof path - 1] = '\0';
	path[strlen("/api/v1/channels?obj=") + 3000] = '\0';
	r = webc_req(&ten, "GET", path, NULL, NULL, NULL);
	ck_assert_msg(r.status == 400 && strstr(r.body, "longer than"), "%ld %s", r.status, r.body);
	webr_free(&r);
	/* a value or name that is not UTF-8 is refused, not dropped: a dropped
	 * filter would widen the answer (the audit's actor filter, an
	 * object's channels) */
	r = webc_req(&a, "GET", "/api/v1/audit?actor=ten%FF31", NULL, NULL, NULL);
	ck_assert_msg(r.status == 400 && strstr(r.body, "actor: not UTF-8"), "%ld %s", r.status,
		      r.body);
	webr_free(&r);
	r = webc_req(&a, "GET", "/api/v1/channels?obj=31&%C3=1", NULL, NULL, NULL);
	ck_assert_msg(r.status == 400 && strstr(r.body, "name is not UTF-8"), "%ld %s", r.status,
		      r.body);
	webr_free(&r);
	/* an error quoting a value cut inside a character is still a 400 */
	r = webc_req(&a, "GET",
		     "/api/v1/registry?after=a%D0%B8%D0%B8%D0%B8%D0%B8%D0%B8%D0%B8%D0%B8%D0%B8"
		     "%D0%B8%D0%B8%D0%B8%D0%B8%D0%B8%D0%B8%D0%B8%D0%B8",
		     NULL, NULL, NULL);
	ck_assert_msg(r.status == 400 && strstr(r.body, "is not an id"), "%ld %s", r.status,
		      r.body);
	webr_free(&r);
	r = webc_req(&a, "GET", "/api/v1/audit?actor=%D0%B8", NULL, NULL, NULL); /* "и" is UTF-8 */
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	webr_free(&r);
	/* guessing the old password from a stolen session is limited */
	for (int i = 0; i < 5; i++) {
		r = webc_req(&ten, "POST", "/api/v1/me/password",
			     "{\"old\":\"guess-guess\",\"new\":\"new-password-1\"}", NULL, NULL);
		ck_assert_int_eq(r.status, 403);
		webr_free(&r);
	}
	r = webc_req(&ten, "POST", "/api/v1/me/password",
		     "{\"old\":\"guess-guess\",\"new\":\"new-password-1\"}", NULL, NULL);
	ck_assert_msg(r.status == 429 && strstr(r.headers, "Retry-After"), "%ld", r.status);
	webr_free(&r);
	/* the operator limited to 31 cannot command object 32 by any spelling */
	webc_init(&op, &t);
	ck_assert_int_eq(webc_login(&op, "op31", opw), 200);
	r = webc_req(&op, "POST", "/api/v1/objects/0000032/commands",
		     "{\"cmd\":\"block\",\"addr\":2,\"out\":1,\"reason\":\"x\"}", NULL, NULL);
	ck_assert_msg(r.status == 400, "%ld %s", r.status, r.body);
	webr_free(&r);
	body = webc_body(&a, "/api/v1/objects/32/commands", 200);
	ck_assert_msg(strstr(body, "\"commands\":[]"), "%s", body);
	free(body);
	/* JSON is application/json (parameters allowed), nothing that starts so */
	r = webc_req(&a, "PATCH", "/api/v1/users/op31", "{\"disabled\":true}", "application/jsonx",
		     NULL);
	ck_assert_int_eq(r.status, 415);
	webr_free(&r);
	/* an admin has no list of objects, whichever way it is given */
	body = users_state(&a);
	r = webc_req(&a, "PATCH", "/api/v1/users/admin", "{\"objects\":[5]}", NULL, NULL);
	ck_assert_msg(r.status == 400 && strstr(r.body, "an admin sees every object"), "%s",
		      r.body);
	webr_free(&r);
	r = webc_req(&a, "PATCH", "/api/v1/users/op31", "{\"role\":\"admin\",\"objects\":[5]}",
		     NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	webr_free(&r);
	free(webc_body(&op, "/api/v1/objects/31", 200)); /* op31 untouched, still signed in */
	after = users_state(&a);
	ck_assert_str_eq(body, after);
	free(body);
	free(after);
	webc_free(&op);
	webc_free(&ten);
	webc_free(&a);
}
END_TEST

START_TEST(reset_lost_admin_password)
{
	struct webc a;
	char *out, pw[64] = "";
	const char *p;
	int status;

	harness_subscribe(&t.h, "amr/v1/audit");
	out = harness_run(&t.h, "amr-web --reset-password admin 2>/dev/null", &status);
	ck_assert_msg(status == 0, "%s", out ? out : "");
	ck_assert_msg(out && (p = strstr(out, "new password of admin: ")), "%s", out ? out : "");
	sscanf(p + strlen("new password of admin: "), "%63s", pw);
	free(out);
	ck_assert_uint_eq(strlen(pw), 16);
	free(harness_wait_message(&t.h, "amr/v1/audit", "\"by\":\"reset\"", 8000)
		     ?: (ck_abort_msg("the reset is not in the audit trail"), NULL));
	webc_init(&a, &t);
	ck_assert_int_eq(webc_login(&a, "admin", t.admin_pw), 401); /* the old one is gone */
	ck_assert_int_eq(webc_login(&a, "admin", pw), 200);
	webc_free(&a);
	/* the running amr-web kept its broker session and status */
	free(harness_wait_message(&t.h, "amr/v1/svc/web/status", "\"online\":true", 2000)
		     ?: (ck_abort_msg("amr-web shown offline after the reset"), NULL));
	out = harness_run(&t.h, "amr-web --reset-password ghost 2>&1", &status);
	ck_assert_int_ne(status, 0);
	ck_assert(out && strstr(out, "no user \"ghost\""));
	free(out);
}
END_TEST

TCase *web_roles_tcase(void)
{
	TCase *tc = tcase_create("roles");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, operator_cannot_change_users);
	tcase_add_test(tc, tenant_403_on_other_objects);
	tcase_add_test(tc, no_csrf_token_refused);
	tcase_add_test(tc, bad_json_400_changes_nothing);
	tcase_add_test(tc, limited_users_cannot_spell_around);
	tcase_add_test(tc, reset_lost_admin_password);
	return tc;
}
