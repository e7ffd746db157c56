/*
 * amr-web against a real Mosquitto, amr-archive and amr-ingest: sign-in
 * and roles, CSRF, rate limits, a series query, a registry update the
 * archive then returns, a retired object leaving the lists and alarms,
 * 503 when the archive is stopped or silent, hostile
 * HTTP and the live stream.
 * test_web_roles.c adds the four role rules and the password reset,
 * test_web_flats.c the tenant of one flat and streams that end with rights,
 * test_web_api.c the audit in pages, the services page and the OpenAPI
 * description.
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

static struct webt t;

TCase *web_roles_tcase(void); /* test_web_roles.c */
TCase *web_flats_tcase(void); /* test_web_flats.c */
TCase *web_api_tcase(void);   /* test_web_api.c */

static void setup(void)
{
	webt_start(&t, (const char *[]){ "--login-fails-user=3", "--rpc-timeout-ms=1500", NULL });
}

static void teardown(void)
{
	webt_stop(&t);
}

/* Publish canonical batches for object obj (as ingest would). */
static void publish_batches(unsigned obj, int n, long long seq0, long long total0)
{
	long long now = (long long)time(NULL);
	char topic[64], msg[512];

	snprintf(topic, sizeof topic, "amr/v1/readings/%u", obj);
	for (int i = 0; i < n; i++) {
		snprintf(
			msg, sizeof msg,
			"{\"seq\":%lld,\"ts\":%lld,\"readings\":[{\"addr\":5,\"ch\":1,\"total\":%lld,"
			"\"delta\":10,\"period_ms\":1200}],\"devices\":[{\"addr\":5,\"ok\":true,\"mains\":true,"
			"\"batt_mv\":3000}],\"events\":[],\"obj\":%u,\"rx\":%lld}",
			seq0 + i, now - n + i, total0 + 10 * (i + 1), obj, now);
		ck_assert_int_eq(harness_publish(&t.h, topic, msg, 1, false), 0);
	}
}

START_TEST(sign_in_roles_csrf_audit)
{
	struct webc a, op, anon;
	struct webr r;
	char pw[64];

	webc_init(&a, &t);
	webc_init(&anon, &t);
	/* a wrong password and an unknown user get the same answer */
	ck_assert_int_eq(webc_login(&a, "admin", "not-the-password"), 401);
	r = webc_req(&a, "POST", "/api/v1/login",
		     "{\"user\":\"nobody\",\"password\":\"whatever12\"}", NULL, NULL);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(r.json, "error"), "message")),
		"wrong user or password");
	webr_free(&r);
	/* sign in: the cookie is HttpOnly and SameSite=Strict, headers are set */
	r = webc_req(&a, "POST", "/api/v1/login", NULL, NULL, NULL); /* empty body */
	ck_assert_int_eq(r.status, 400);
	webr_free(&r);
	ck_assert_int_eq(webc_login(&a, "admin", t.admin_pw), 200);
	r = webc_req(&a, "GET", "/api/v1/me", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "role")), "admin");
	/* the site's zone, the archive's default: the portal names days by it */
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "tz")), "Europe/Moscow");
	{ /* a zone the TZ database does not have: amr-web does not start */
		char cmd[800], *out;
		int status;

		snprintf(cmd, sizeof cmd,
			 "amr-web --tz Mars/Olympus_Mons --port 0 --data-dir %s/badtz 2>&1",
			 t.h.dir);
		out = harness_run(&t.h, cmd, &status);
		ck_assert_msg(WEXITSTATUS(status) != 0 && out && strstr(out, "Mars/Olympus_Mons"),
			      "%s", out ? out : "");
		free(out);
	}
	ck_assert(strstr(r.headers, "Content-Security-Policy: default-src 'self'"));
	ck_assert(strstr(r.headers, "frame-ancestors 'none'"));
	ck_assert(strstr(r.headers, "X-Content-Type-Options: nosniff"));
	webr_free(&r);
	/* anonymous: 401 on data routes */
	r = webc_req(&anon, "GET", "/api/v1/objects", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(webr_code(&r), "unauthorized");
	webr_free(&r);
	/* state changes need the CSRF token */
	{
		char keep[80];

		snprintf(keep, sizeof keep, "%s", a.csrf);
		a.csrf[0] = '\0';
		r = webc_req(&a, "POST", "/api/v1/users",
			     "{\"user\":\"op1\",\"role\":\"operator\"}", NULL, NULL);
		ck_assert_int_eq(r.status, 403);
		ck_assert_str_eq(webr_code(&r), "csrf");
		webr_free(&r);
		r = webc_req(
			&a, "POST", "/api/v1/users", "{\"user\":\"op1\",\"role\":\"operator\"}",
			NULL,
			"X-CSRF-Token: 0000000000000000000000000000000000000000000000000000000000000000");
		ck_assert_int_eq(r.status, 403);
		webr_free(&r);
		snprintf(a.csrf, sizeof a.csrf, "%s", keep);
	}
	harness_subscribe(&t.h, "amr/v1/audit");
	r = webc_req(&a, "POST", "/api/v1/users", "{\"user\":\"op1\",\"role\":\"operator\"}", NULL,
		     NULL);
	ck_assert_int_eq(r.status, 201);
	snprintf(pw, sizeof pw, "%s", json_string_value(json_object_get(r.json, "password")));
	ck_assert_uint_ge(strlen(pw), 12);
	webr_free(&r);
	free(harness_wait_message(&t.h, "amr/v1/audit", "\"action\":\"user.create\"", 5000)
		     ?: (ck_abort_msg("no audit of user.create"), NULL));
	/* bad input changes nothing */
	r = webc_req(&a, "POST", "/api/v1/users", "{\"user\":\"Op 2\",\"role\":\"operator\"}", NULL,
		     NULL);
	ck_assert_int_eq(r.status, 400);
	webr_free(&r);
	r = webc_req(&a, "POST", "/api/v1/users", "{\"user\":\"op2\",\"role\":\"root\"}", NULL,
		     NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert(strstr(r.body, "role"));
	webr_free(&r);
	r = webc_req(&a, "POST", "/api/v1/users", "{\"user\":\"op1\",\"role\":\"operator\"}", NULL,
		     NULL);
	ck_assert_int_eq(r.status, 409);
	webr_free(&r);
	/* the operator sees data but not admin routes */
	webc_init(&op, &t);
	ck_assert_int_eq(webc_login(&op, "op1", pw), 200);
	r = webc_req(&op, "GET", "/api/v1/objects", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	webr_free(&r);
	r = webc_req(&op, "GET", "/api/v1/users", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 403);
	ck_assert_str_eq(webr_code(&r), "forbidden");
	webr_free(&r);
	r = webc_req(&op, "PATCH", "/api/v1/registry/1.5.1", "{\"label\":\"x\"}", NULL, NULL);
	ck_assert_int_eq(r.status, 403);
	webr_free(&r);
	r = webc_req(&op, "POST", "/api/v1/objects/1/console", "{\"line\":\"reset -d\"}", NULL,
		     NULL);
	ck_assert_int_eq(r.status, 403);
	webr_free(&r);
	/* disabling the user ends its session at once */
	r = webc_req(&a, "PATCH", "/api/v1/users/op1", "{\"disabled\":true}", NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	webr_free(&r);
	r = webc_req(&op, "GET", "/api/v1/objects", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 401);
	webr_free(&r);
	ck_assert_int_eq(webc_login(&op, "op1", pw), 401);
	/* sign-out */
	r = webc_req(&a, "POST", "/api/v1/logout", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(strstr(r.headers, "Max-Age=0"));
	webr_free(&r);
	r = webc_req(&a, "GET", "/api/v1/me", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 401);
	webr_free(&r);
	webc_free(&a);
	webc_free(&op);
	webc_free(&anon);
}
END_TEST

START_TEST(login_rate_limited)
{
	struct webc c;
	struct webr r;

	webc_init(&c, &t);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(webc_login(&c, "admin", "wrong password"), 401);
	/* now even the right password is refused for a while */
	r = webc_req(&c, "POST", "/api/v1/login", NULL, NULL, NULL);
	webr_free(&r);
	ck_assert_int_eq(webc_login(&c, "admin", t.admin_pw), 429);
	r = webc_req(&c, "GET", "/metrics", NULL, NULL, NULL);
	ck_assert(strstr(r.body, "amr_web_logins_total{result=\"limited\"} 1"));
	ck_assert(strstr(r.body, "amr_web_logins_total{result=\"failed\"} 3"));
	webr_free(&r);
	webc_free(&c);
}
END_TEST

START_TEST(series_registry_and_live_view)
{
	long long now = (long long)time(NULL);
	char path[256];
	struct webc a;
	struct webr r;
	json_t *s;

	webc_init(&a, &t);
	ck_assert_int_eq(webc_login(&a, "admin", t.admin_pw), 200);
	publish_batches(4, 5, 1, 1000);
	snprintf(path, sizeof path, "/api/v1/series?channels=4.5.1&from=%lld&to=%lld&step=raw",
		 now - 600, now + 60);
	r = webc_wait_for(&a, path, "\"pulses\":50");
	ck_assert_int_eq(r.status, 200);
	s = json_array_get(json_object_get(r.json, "series"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(s, "unit")), "pulse");
	ck_assert_str_eq(json_string_value(json_object_get(s, "quantity")), "50");
	webr_free(&r);
	/* rename and weigh the channel: the archive returns it and re-prices */
	r = webc_req(
		&a, "PATCH", "/api/v1/registry/4.5.1",
		"{\"label\":\"Холодная вода, туалет, 1 этаж\",\"resource\":\"cold_water\",\"unit\":\"m3\","
		"\"weight\":{\"num\":1,\"den\":100,\"valid_from\":0},\"reason\":\"commissioning\"}",
		NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	webr_free(&r);
	r = webc_req(&a, "GET", "/api/v1/registry/4.5.1", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "label")),
			 "Холодная вода, туалет, 1 этаж");
	webr_free(&r);
	r = webc_req(&a, "GET", path, NULL, NULL, NULL);
	s = json_array_get(json_object_get(r.json, "series"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(s, "unit")), "m3");
	ck_assert_str_eq(json_string_value(json_object_get(s, "quantity")), "0.500");
	webr_free(&r);
	/* the status view shows the label, the reading in units and a rate */
	r = webc_req(&a, "GET", "/api/v1/objects/4", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	s = json_array_get(json_object_get(r.json, "channels"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(s, "label")),
			 "Холодная вода, туалет, 1 этаж");
	ck_assert_str_eq(json_string_value(json_object_get(s, "reading")), "10.500");
	ck_assert_str_eq(json_string_value(json_object_get(s, "rate_unit")), "m3/h");
	webr_free(&r);
	/* the device: its flat and what its outputs drive, kept by the archive */
	r = webc_req(&a, "PATCH", "/api/v1/registry/4.5",
		     "{\"label\":\"Кв. 5\",\"outputs\":{\"1\":{\"label\":\"Кран ХВС\","
		     "\"resource\":\"cold_water\"}},\"reason\":\"commissioning\"}",
		     NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(
		json_string_value(json_object_get(
			json_object_get(json_object_get(r.json, "outputs"), "1"), "label")),
		"Кран ХВС");
	webr_free(&r);
	r = webc_req(&a, "GET", "/api/v1/objects/4", NULL, NULL, NULL);
	s = json_array_get(json_object_get(r.json, "devices"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(s, "label")), "Кв. 5");
	s = json_array_get(json_object_get(s, "outputs"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(s, "label")), "Кран ХВС");
	ck_assert_str_eq(json_string_value(json_object_get(s, "resource")), "cold_water");
	webr_free(&r);
	r = webc_req(&a, "PATCH", "/api/v1/registry/4.5", "{\"outputs\":{\"9\":{\"label\":\"x\"}}}",
		     NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert(strstr(r.body, "outputs"));
	webr_free(&r);
	/* CSV */
	snprintf(path, sizeof path,
		 "/api/v1/series?channels=4.5.1&from=%lld&to=%lld&step=hour&format=csv", now - 7200,
		 now + 3600);
	r = webc_req(&a, "GET", path, NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(strncmp(r.body, "channel,unit,t,time_utc,time_local,pulses,quantity\n", 51) == 0);
	ck_assert_msg(strstr(r.body, ":00:00+03:00,"), "no Moscow time in %s", r.body); /* --tz */
	ck_assert(strstr(r.headers, "text/csv"));
	webr_free(&r);
	/* bad query arguments */
	r = webc_req(&a, "GET", "/api/v1/series?channels=4.5.9&from=1&to=2", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	webr_free(&r);
	r = webc_req(&a, "GET", "/api/v1/series?channels=4.5.1&from=10&to=5", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert(strstr(r.body, "not after"));
	webr_free(&r);
	r = webc_req(&a, "PATCH", "/api/v1/registry/4.5.1", "{\"unit\":\"furlong\"}", NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	webr_free(&r);
	r = webc_req(&a, "PATCH", "/api/v1/registry/4.9.1", "{\"label\":\"no such device\"}", NULL,
		     NULL);
	ck_assert_int_eq(r.status, 404);
	webr_free(&r);
	webc_free(&a);
}
END_TEST

/* An object no gateway uses any more (its retained status offline for
 * ever) is retired by an admin: gone from the lists and the alarms, its
 * data still answering. */
START_TEST(retired_object_leaves_the_lists)
{
	long long now = (long long)time(NULL);
	char path[256];
	struct webc a;
	struct webr r;

	webc_init(&a, &t);
	ck_assert_int_eq(webc_login(&a, "admin", t.admin_pw), 200);
	ck_assert_int_eq(
		harness_publish(&t.h, "amr/v1/gw/12/status", "{\"online\":false}", 1, true), 0);
	publish_batches(12, 2, 1, 1000);
	snprintf(path, sizeof path, "/api/v1/series?channels=12.5.1&from=%lld&to=%lld&step=raw",
		 now - 600, now + 60);
	r = webc_wait_for(&a, path, "\"pulses\":20");
	ck_assert_int_eq(r.status, 200);
	webr_free(&r);
	r = webc_wait_for(&a, "/api/v1/objects", "gateway_offline");
	ck_assert_msg(strstr(r.body, "\"obj\":12"), "%s", r.body);
	webr_free(&r);
	r = webc_req(&a, "PATCH", "/api/v1/registry/12", "{\"retired\":true}", NULL, NULL);
	ck_assert_int_eq(r.status, 400); /* why? */
	ck_assert_msg(strstr(r.body, "reason"), "%s", r.body);
	webr_free(&r);
	r = webc_req(&a, "PATCH", "/api/v1/registry/12",
		     "{\"retired\":true,\"reason\":\"gateway renumbered back to 1\"}", NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(json_is_true(json_object_get(r.json, "retired")));
	webr_free(&r);
	r = webc_req(&a, "GET", "/api/v1/objects", NULL, NULL, NULL);
	ck_assert_msg(!strstr(r.body, "\"obj\":12") && !strstr(r.body, "gateway_offline"), "%s",
		      r.body);
	webr_free(&r);
	r = webc_req(&a, "GET", "/api/v1/channels", NULL, NULL, NULL);
	ck_assert_msg(!strstr(r.body, "12.5.1"), "%s", r.body);
	webr_free(&r);
	r = webc_req(&a, "GET", "/api/v1/objects/12", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(json_is_true(json_object_get(json_object_get(r.json, "object"), "retired")));
	ck_assert_uint_eq(
		json_array_size(json_object_get(json_object_get(r.json, "object"), "alarms")), 0);
	webr_free(&r);
	r = webc_req(&a, "GET", path, NULL, NULL, NULL);
	ck_assert_msg(r.status == 200 && strstr(r.body, "\"pulses\":20"), "%s", r.body);
	webr_free(&r);
	webc_free(&a);
}
END_TEST

START_TEST(archive_stopped_gives_503)
{
	long long now = (long long)time(NULL);
	char path[256];
	struct webc a;
	struct webr r;

	webc_init(&a, &t);
	ck_assert_int_eq(webc_login(&a, "admin", t.admin_pw), 200);
	snprintf(path, sizeof path, "/api/v1/series?channels=4.5.1&from=%lld&to=%lld", now - 600,
		 now);
	/* silent (stopped with SIGSTOP: its status still says online): the timeout */
	kill(t.archive, SIGSTOP);
	r = webc_req(&a, "GET", path, NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 503);
	ck_assert_str_eq(webr_code(&r), "unavailable");
	ck_assert(strstr(r.body, "archive is not answering"));
	ck_assert(r.secs < 5.0);
	webr_free(&r);
	kill(t.archive, SIGCONT);
	/* gone (its will says offline): 503 at once */
	harness_kill(&t.h, t.archive, SIGKILL);
	free(harness_wait_message(&t.h, "amr/v1/svc/archive/status", "\"online\":false", 10000));
	r = webc_wait_for(&a, "/api/v1/services", "{\"name\":\"archive\",\"online\":false");
	webr_free(&r); /* the web has the will too */
	r = webc_req(&a, "GET", "/api/v1/registry?obj=4", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 503);
	ck_assert(strstr(r.body, "archive is not answering"));
	ck_assert(r.secs < 1.0);
	webr_free(&r);
	/* the rest of the portal goes on */
	r = webc_req(&a, "GET", "/api/v1/objects", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	webr_free(&r);
	r = webc_req(&a, "GET", "/api/v1/services", NULL, NULL, NULL);
	ck_assert(strstr(r.body, "{\"name\":\"archive\",\"online\":false"));
	webr_free(&r);
	webc_free(&a);
}
END_TEST

START_TEST(hostile_http)
{
	static const char *const traversal[] = { "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
						 "/js/../../../etc/passwd", "/.git/config",
						 "/vendor/chart.js/../../../../etc/passwd" };
	struct webc a, raw;
	struct webr r;
	char *big, *huge;

	webc_init(&a, &t);
	webc_init(&raw, &t);
	curl_easy_setopt(raw.curl, CURLOPT_PATH_AS_IS, 1L);
	ck_assert_int_eq(webc_login(&a, "admin", t.admin_pw), 200);
	for (size_t i = 0; i < sizeof traversal / sizeof traversal[0]; i++) {
		r = webc_req(&raw, "GET", traversal[i], NULL, NULL, NULL);
		ck_assert_msg(r.status == 404 || r.status == 400, "%s -> %ld", traversal[i],
			      r.status);
		ck_assert(!strstr(r.body, "root:"));
		webr_free(&r);
	}
	r = webc_req(&raw, "GET", "/vendor/chart.js/chart.min.js", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 200); /* the charting library from its Debian package */
	webr_free(&r);
	r = webc_req(&a, "BREW", "/api/v1/objects", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 405);
	webr_free(&r);
	r = webc_req(&a, "DELETE", "/api/v1/objects", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 405);
	webr_free(&r);
	r = webc_req(&a, "GET", "/api/v1/nothing", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(webr_code(&r), "not_found");
	webr_free(&r);
	r = webc_req(&a, "POST", "/api/v1/users", "{\"user\":\"x\",", NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(webr_code(&r), "bad_json");
	ck_assert(strstr(r.body, "malformed JSON"));
	webr_free(&r);
	r = webc_req(&a, "POST", "/api/v1/users", "[1,2]", NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	webr_free(&r);
	r = webc_req(&a, "POST", "/api/v1/users", "user=x", "application/x-www-form-urlencoded",
		     NULL);
	ck_assert_int_eq(r.status, 415);
	webr_free(&r);
	r = webc_req(&a, "POST", "/api/v1/users",
		     "{\"user\":\"x1\",\"role\":\"operator\",\"admin\":true}", NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert(strstr(r.body, "admin"));
	webr_free(&r);
	big = malloc(200000);
	memset(big, ' ', 199999);
	big[0] = '{';
	big[199997] = '}';
	big[199998] = '\0';
	r = webc_req(&a, "POST", "/api/v1/users", big, NULL, NULL);
	ck_assert_int_eq(r.status, 413);
	webr_free(&r);
	huge = malloc(70000);
	memcpy(huge, "X-Junk: ", 8);
	memset(huge + 8, 'a', 69990);
	huge[69998] = '\0';
	r = webc_req(&a, "GET", "/api/v1/me", NULL, NULL, huge);
	ck_assert_msg(r.status >= 400 || r.status == 0, "huge header -> %ld", r.status);
	webr_free(&r);
	free(big);
	free(huge);
	/* still well */
	r = webc_req(&a, "GET", "/healthz", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	webr_free(&r);
	webc_free(&a);
	webc_free(&raw);
}
END_TEST

/* Once the stream (arg) is open, the batches it must show. */
static void *publisher(void *arg)
{
	sse_wait_open(arg, 10000);
	publish_batches(6, 2, 100, 500);
	return NULL;
}

START_TEST(live_stream_pushes_readings)
{
	struct webc a;
	struct sse_read s = { "", 0, "\"6.5.1\"" };
	pthread_t th;
	char url[128];

	webc_init(&a, &t);
	ck_assert_int_eq(webc_login(&a, "admin", t.admin_pw), 200);
	snprintf(url, sizeof url, "%s/api/v1/stream?obj=6", a.base);
	curl_easy_setopt(a.curl, CURLOPT_URL, url);
	curl_easy_setopt(a.curl, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(a.curl, CURLOPT_WRITEFUNCTION, sse_collect);
	curl_easy_setopt(a.curl, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(a.curl, CURLOPT_TIMEOUT_MS, 15000L);
	pthread_create(&th, NULL, publisher, &s);
	curl_easy_perform(a.curl); /* ends once the reading came, or by the timeout */
	pthread_join(th, NULL);
	ck_assert_msg(strstr(s.buf, "retry: 3000"), "%s", s.buf);
	ck_assert_msg(strstr(s.buf, "event: reading\ndata: {\"obj\":6"), "%s", s.buf);
	ck_assert(strstr(s.buf, "\"6.5.1\""));
	webc_free(&a);
}
END_TEST

Suite *web_suite(void)
{
	Suite *s = suite_create("web");
	TCase *tc = tcase_create("stack");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, sign_in_roles_csrf_audit);
	tcase_add_test(tc, login_rate_limited);
	tcase_add_test(tc, series_registry_and_live_view);
	tcase_add_test(tc, retired_object_leaves_the_lists);
	tcase_add_test(tc, archive_stopped_gives_503);
	tcase_add_test(tc, hostile_http);
	tcase_add_test(tc, live_stream_pushes_readings);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, web_roles_tcase());
	suite_add_tcase(s, web_flats_tcase());
	suite_add_tcase(s, web_api_tcase());
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	sr = srunner_create(web_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
