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

/* GET path as c; the body (malloc'd) after checking the status. */
static char *get_body(struct webc *c, const char *path, long want)
{
	struct webr r = webc_req(c, "GET", path, NULL, NULL, NULL);
	char *body;

	ck_assert_msg(r.status == want, "GET %s: %ld %s", path, r.status, r.body ? r.body : "");
	body = strdup(r.body ? r.body : "");
	webr_free(&r);
	return body;
}

/* c's live stream into s while publish (a thread, given s) sends what
 * it should carry; until s->until came or 15 s passed. */
static void read_stream(struct webc *c, struct sse_read *s, void *(*publish)(void *))
{
	char url[160];
	pthread_t th;

	snprintf(url, sizeof url, "%s/api/v1/stream", c->base);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, sse_collect);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, 15000L);
	pthread_create(&th, NULL, publish, s);
	curl_easy_perform(c->curl);
	pthread_join(th, NULL);
}

/* True when GET path as c answers 200 with both texts in its body. */
static bool shows(struct webc *c, const char *path, const char *one, const char *two)
{
	char *body = get_body(c, path, 200);
	bool both = strstr(body, one) && strstr(body, two);

	free(body);
	return both;
}

/* The users list as text (the state the refused requests must not change). */
static char *users_state(struct webc *admin)
{
	return get_body(admin, "/api/v1/users", 200);
}

static struct webc admin_client(void)
{
	struct webc a;

	webc_init(&a, &t);
	ck_assert_int_eq(webc_login(&a, "admin", t.admin_pw), 200);
	return a;
}

/* A new user of role (objects: a JSON array or NULL); its password into pw. */
static void create_user(struct webc *a, const char *name, const char *role, const char *objects,
			char *pw, size_t size)
{
	char body[256];
	struct webr r;

	snprintf(body, sizeof body, "{\"user\":\"%s\",\"role\":\"%s\"%s%s}", name, role,
		 objects ? ",\"objects\":" : "", objects ? objects : "");
	r = webc_req(a, "POST", "/api/v1/users", body, NULL, NULL);
	ck_assert_msg(r.status == 201, "create %s: %ld %s", name, r.status, r.body);
	snprintf(pw, size, "%s", json_string_value(json_object_get(r.json, "password")));
	webr_free(&r);
}

START_TEST(operator_cannot_change_users)
{
	struct webc a = admin_client(), op;
	char pw[64], *before, *after;
	struct webr r;

	create_user(&a, "op1", "operator", NULL, pw, sizeof pw);
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
	struct webc a = admin_client(), ten, none;
	struct sse_read s = { "", 0, "event: reading\ndata: {\"obj\":31" };
	char pw[64], pw2[64], url[128], *body;
	struct webr r;

	publish_batch(31, 1, 1000);
	publish_batch(32, 1, 2000);
	/* the admin sees both objects */
	HARNESS_POLL_UNTIL(shows(&a, "/api/v1/objects", "\"obj\":31", "\"obj\":32"), 5000);
	ck_assert_msg(shows(&a, "/api/v1/objects", "\"obj\":31", "\"obj\":32"),
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
	create_user(&a, "ten31", "tenant", "[31]", pw, sizeof pw);
	free(harness_wait_message(&t.h, "amr/v1/audit", "\"objects\":[31]", 5000)
		     ?: (ck_abort_msg("user.create not audited with its objects"), NULL));
	webc_init(&ten, &t);
	ck_assert_int_eq(webc_login(&ten, "ten31", pw), 200);
	/* its own object */
	body = get_body(&ten, "/api/v1/objects/31", 200);
	free(body);
	body = get_body(&ten, "/api/v1/objects", 200);
	ck_assert_msg(strstr(body, "\"obj\":31") && !strstr(body, "\"obj\":32"), "%s", body);
	free(body);
	body = get_body(&ten, "/api/v1/channels", 200);
	ck_assert_msg(strstr(body, "31.2.1") && !strstr(body, "32.2.1"), "%s", body);
	free(body);
	snprintf(url, sizeof url, "/api/v1/series?channels=31.2.1&step=raw&from=%lld&to=%lld",
		 (long long)time(NULL) - 3600, (long long)time(NULL) + 60);
	body = get_body(&ten, url, 200);
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
	read_stream(&ten, &s, publisher);
	ck_assert_msg(strstr(s.buf, "event: reading\ndata: {\"obj\":31"), "%s", s.buf);
	ck_assert_msg(!strstr(s.buf, "\"obj\":32"), "%s", s.buf);
	/* a tenant without a list sees nothing */
	create_user(&a, "ten0", "tenant", NULL, pw2, sizeof pw2);
	webc_init(&none, &t);
	ck_assert_int_eq(webc_login(&none, "ten0", pw2), 200);
	body = get_body(&none, "/api/v1/objects", 200);
	ck_assert_msg(strstr(body, "\"objects\":[]"), "%s", body);
	free(body);
	free(get_body(&none, "/api/v1/objects/31", 403));
	/* the admin moves the tenant to object 32: its session ends, the new one sees 32 only */
	r = webc_req(&a, "PATCH", "/api/v1/users/ten0", "{\"objects\":[32]}", NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(r.json, "objects"), 0)),
			 32);
	webr_free(&r);
	free(harness_wait_message(&t.h, "amr/v1/audit", "\"objects\":[32]", 5000)
		     ?: (ck_abort_msg("user.update not audited"), NULL));
	free(get_body(&none, "/api/v1/objects", 401));
	ck_assert_int_eq(webc_login(&none, "ten0", pw2), 200);
	free(get_body(&none, "/api/v1/objects/32", 200));
	free(get_body(&none, "/api/v1/objects/31", 403));
	webc_free(&none);
	webc_free(&ten);
	webc_free(&a);
}
END_TEST

/* A batch of building 33: flats 16 and 17 (devices 16 and 17, channels
 * 1 and 3 each), flat 16's counters at t16, flat 17's at t17; with only
 * flat 17's reading when t16 is 0. */
static void publish_flats(long long seq, long long t16, long long t17)
{
	long long now = (long long)time(NULL);
	char msg[1024], f16[256] = "";

	if (t16)
		snprintf(f16, sizeof f16,
			 "{\"addr\":16,\"ch\":1,\"total\":%lld,\"delta\":1,\"period_ms\":1000},"
			 "{\"addr\":16,\"ch\":3,\"total\":%lld,\"delta\":1,\"period_ms\":1000},",
			 t16, t16 + 1);
	snprintf(msg, sizeof msg,
		 "{\"seq\":%lld,\"ts\":%lld,\"readings\":[%s"
		 "{\"addr\":17,\"ch\":1,\"total\":%lld,\"delta\":1,\"period_ms\":1000},"
		 "{\"addr\":17,\"ch\":3,\"total\":%lld,\"delta\":1,\"period_ms\":1000}],"
		 "\"devices\":[%s{\"addr\":17,\"ok\":true,\"mains\":true,\"batt_mv\":3000}],"
		 "\"events\":[],\"obj\":33,\"rx\":%lld}",
		 seq, now, f16, t17, t17 + 1,
		 t16 ? "{\"addr\":16,\"ok\":true,\"mains\":false,\"batt_mv\":2100,"
		       "\"outputs\":[true,false,false,false]},"
		     : "",
		 now);
	ck_assert_int_eq(harness_publish(&t.h, "amr/v1/readings/33", msg, 1, false), 0);
}

/* Once the stream (arg) is open: flat 16's event, a batch of both flats,
 * then one of flat 17 alone (the end marker: amr-web handles them in
 * order, so anything of flat 16 would be on the stream before it). */
static void *flats_publisher(void *arg)
{
	char ev[256];

	sse_wait_open(arg, 10000);
	snprintf(ev, sizeof ev,
		 "{\"type\":\"mains_lost\",\"addr\":16,\"ts\":%lld,\"detail\":{\"flat\":16}}",
		 (long long)time(NULL));
	harness_publish(&t.h, "amr/v1/events/33", ev, 1, false);
	publish_flats(3, 716000, 717000);
	publish_flats(4, 0, 717999);
	return NULL;
}

/* Nothing of flat 16 in text: no id 33.16.x, no device 16, no total. */
static void no_flat16(const char *where, const char *text)
{
	ck_assert_msg(!strstr(text, "33.16") && !strstr(text, "\"addr\":16") &&
			      !strstr(text, "\"total\":716") && !strstr(text, "\"flat\":16"),
		      "%s shows flat 16: %.2000s", where, text);
}

START_TEST(tenant_of_one_flat_sees_nothing_of_the_next)
{
	static const char *const seen[] = {
		"/api/v1/objects",	    "/api/v1/objects/33",      "/api/v1/channels",
		"/api/v1/channels?obj=33",  "/api/v1/events",	       "/api/v1/events?obj=33",
		"/api/v1/registry",	    "/api/v1/registry?obj=33", "/api/v1/registry/33",
		"/api/v1/registry/33.17.3",
	};
	static const char *const refused[] = {
		"/api/v1/series?channels=33.16.1&step=raw",
		"/api/v1/series?channels=33.17.1,33.16.3",
		"/api/v1/series?channel=33.16.3",
		"/api/v1/consumption?channels=33.16.3",
		"/api/v1/registry/33.16.1",
		"/api/v1/registry/33.16",
		"/api/v1/objects/34",
	};
	struct webc a = admin_client(), ten, op;
	struct sse_read s = { "", 0, "717999" };
	char pw[64], opw[64], url[160], *body;
	struct webr r;

	publish_flats(1, 716000, 717000);
	harness_publish(&t.h, "amr/v1/events/33",
			"{\"type\":\"mains_lost\",\"addr\":16,\"ts\":1,\"detail\":{\"flat\":16}}",
			1, false);
	publish_flats(2, 716001, 717001);
	/* the admin sees both flats, in the view and the archive's registry */
	HARNESS_POLL_UNTIL(shows(&a, "/api/v1/objects/33", "716001", "\"flat\":16") &&
				   shows(&a, "/api/v1/registry?obj=33", "33.16.3", "33.17.3"),
			   10000);
	ck_assert_msg(shows(&a, "/api/v1/objects/33", "716001", "\"flat\":16") &&
			      shows(&a, "/api/v1/registry?obj=33", "33.16.3", "33.17.3"),
		      "flats 16 and 17 never appeared");
	create_user(&a, "ten17", "tenant", "[\"33.17\"]", pw, sizeof pw);
	webc_init(&ten, &t);
	ck_assert_int_eq(webc_login(&ten, "ten17", pw), 200);
	r = webc_req(&ten, "GET", "/api/v1/me", NULL, NULL, NULL);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "objects"), 0)),
			 "33.17");
	webr_free(&r);
	/* its flat, and nothing of the next one, on every route that lists */
	body = get_body(&ten, "/api/v1/objects/33", 200);
	ck_assert_msg(strstr(body, "33.17.3") && strstr(body, "717001") &&
			      strstr(body, "\"addr\":17"),
		      "%s", body);
	ck_assert_msg(!strstr(body, "\"lcd\"") && !strstr(body, "\"polled\""), "%s", body);
	free(body);
	for (size_t i = 0; i < sizeof seen / sizeof seen[0]; i++) {
		body = get_body(&ten, seen[i], 200);
		no_flat16(seen[i], body);
		free(body);
	}
	snprintf(url, sizeof url,
		 "/api/v1/series?channels=33.17.1,33.17.3&step=raw&from=%lld&to=%lld",
		 (long long)time(NULL) - 3600, (long long)time(NULL) + 60);
	free(get_body(&ten, url, 200));
	/* every route naming flat 16: 403 naming what was refused */
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		r = webc_req(&ten, "GET", refused[i], NULL, NULL, NULL);
		ck_assert_msg(r.status == 403, "%s: %ld %s", refused[i], r.status, r.body);
		ck_assert_str_eq(webr_code(&r), "forbidden");
		ck_assert_msg(strstr(r.body, "33.16 is not among what ten17 may see") ||
				      strstr(r.body, "33.16.1 is not among what ten17 may see") ||
				      strstr(r.body, "33.16.3 is not among what ten17 may see") ||
				      strstr(r.body, "object 34 is not among"),
			      "%s: %s", refused[i], r.body);
		webr_free(&r);
	}
	/* the registry walked a record at a time: the cursor tells nothing
	 * of flat 16 (sealed) and the pages hold flat 17's records only */
	{
		char after[512] = "", path[640];
		int pages = 0, mine = 0;

		for (;; pages++) {
			const char *next;

			ck_assert_msg(pages < 100, "the registry walk does not end");
			snprintf(path, sizeof path, "/api/v1/registry?limit=1%s%s",
				 after[0] ? "&after=" : "", after);
			r = webc_req(&ten, "GET", path, NULL, NULL, NULL);
			ck_assert_msg(r.status == 200, "%s: %ld %s", path, r.status, r.body);
			no_flat16(path, r.body);
			mine += strstr(r.body, "\"33.17.") != NULL;
			next = json_string_value(json_object_get(r.json, "next"));
			if (!next) {
				webr_free(&r);
				break;
			}
			ck_assert_msg(!strchr(next, '.'), "a plain cursor: %s", next);
			snprintf(after, sizeof after, "%s", next);
			webr_free(&r);
		}
		ck_assert_msg(pages >= 4 && mine >= 2, "walked %d pages, %d of flat 17", pages,
			      mine);
		r = webc_req(&ten, "GET", "/api/v1/registry?after=00ff", NULL, NULL, NULL);
		ck_assert_msg(r.status == 400 && strstr(r.body, "cursor"), "%ld %s", r.status,
			      r.body);
		webr_free(&r);
	}
	/* an operator of flat 17 alone cannot block flat 16's valve */
	create_user(&a, "op17", "operator", "[\"33.17\"]", opw, sizeof opw);
	webc_init(&op, &t);
	ck_assert_int_eq(webc_login(&op, "op17", opw), 200);
	r = webc_req(&op, "POST", "/api/v1/objects/33/commands",
		     "{\"cmd\":\"block\",\"addr\":16,\"out\":1,\"reason\":\"debt\"}", NULL, NULL);
	ck_assert_msg(r.status == 403 && strstr(r.body, "device 33.16"), "%ld %s", r.status,
		      r.body);
	webr_free(&r);
	/* the live stream: flat 17's readings, none of flat 16's */
	read_stream(&ten, &s, flats_publisher);
	ck_assert_msg(strstr(s.buf, "717000") && strstr(s.buf, "717999"), "%s", s.buf);
	no_flat16("the stream", s.buf);
	webc_free(&op);
	webc_free(&ten);
	webc_free(&a);
}
END_TEST

/* A live stream of user c read on a handle of its own (c's cookies
 * copied), so that c can go on with other requests. */
struct stream_run {
	struct webc *c;	   /* whose session */
	struct sse_read s; /* what came */
	CURLcode rc;	   /* how the transfer ended */
	double secs;	   /* how long it lasted */
};

static void *stream_thread(void *arg)
{
	struct stream_run *r = arg;
	struct curl_slist *cookies = NULL;
	char url[160];
	CURL *h = curl_easy_init();
	struct timespec t0, t1;

	curl_easy_getinfo(r->c->curl, CURLINFO_COOKIELIST, &cookies);
	for (struct curl_slist *k = cookies; k; k = k->next)
		curl_easy_setopt(h, CURLOPT_COOKIELIST, k->data);
	curl_slist_free_all(cookies);
	snprintf(url, sizeof url, "%s/api/v1/stream", r->c->base);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sse_collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r->s);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 20000L);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r->rc = curl_easy_perform(h);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	curl_easy_cleanup(h);
	return NULL;
}

/* Open c's stream, then as a: method path body; check the server ends
 * the stream at once rather than at the 20 s transfer timeout. */
static void stream_ends_when(struct webc *a, struct webc *c, const char *method, const char *path,
			     const char *body)
{
	struct stream_run run = { .c = c, .s = { "", 0, NULL } };
	pthread_t th;
	struct webr r;

	pthread_create(&th, NULL, stream_thread, &run);
	ck_assert_msg(sse_wait_open(&run.s, 10000) == 0, "%s %s: the stream did not open", method,
		      path);
	r = webc_req(a, method, path, body, NULL, NULL);
	ck_assert_msg(r.status == 200, "%s %s: %ld %s", method, path, r.status, r.body);
	webr_free(&r);
	pthread_join(th, NULL);
	ck_assert_msg(run.rc == CURLE_OK && run.secs < 10,
		      "%s %s %s: the stream went on (%s after %.1f s): %.300s", method, path,
		      body ? body : "", curl_easy_strerror(run.rc), run.secs, run.s.buf);
}

START_TEST(streams_end_with_their_rights)
{
	struct webc a = admin_client(), ten;
	char pw[64];
	struct webr r;

	create_user(&a, "live31", "tenant", "[31]", pw, sizeof pw);
	webc_init(&ten, &t);
	/* signed out */
	ck_assert_int_eq(webc_login(&ten, "live31", pw), 200);
	stream_ends_when(&ten, &ten, "POST", "/api/v1/logout", "{}");
	/* its scope changed by an admin */
	ck_assert_int_eq(webc_login(&ten, "live31", pw), 200);
	stream_ends_when(&a, &ten, "PATCH", "/api/v1/users/live31", "{\"objects\":[\"31.2\"]}");
	/* disabled by an admin */
	ck_assert_int_eq(webc_login(&ten, "live31", pw), 200);
	stream_ends_when(&a, &ten, "PATCH", "/api/v1/users/live31", "{\"disabled\":true}");
	/* and the disabled user cannot open another */
	r = webc_req(&ten, "GET", "/api/v1/stream", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 401);
	webr_free(&r);
	webc_free(&ten);
	webc_free(&a);
}
END_TEST

START_TEST(no_csrf_token_refused)
{
	struct webc a = admin_client();
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
	struct webc a = admin_client();
	char *before, *after, pw[64];
	struct webr r;

	create_user(&a, "bj0", "operator", NULL, pw, sizeof pw);
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
	struct webc a = admin_client(), ten, op;
	char pw[64], opw[64], path[3200], *body, *after;
	struct webr r;

	publish_batch(31, 1, 1000);
	publish_batch(32, 1, 2000);
	create_user(&a, "ten31", "tenant", "[31]", pw, sizeof pw);
	create_user(&a, "op31", "operator", "[31]", opw, sizeof opw);
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
	body = get_body(&a, "/api/v1/objects/32/commands", 200);
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
	free(get_body(&op, "/api/v1/objects/31", 200)); /* op31 untouched, still signed in */
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
	tcase_add_test(tc, tenant_of_one_flat_sees_nothing_of_the_next);
	tcase_add_test(tc, streams_end_with_their_rights);
	tcase_add_test(tc, no_csrf_token_refused);
	tcase_add_test(tc, bad_json_400_changes_nothing);
	tcase_add_test(tc, limited_users_cannot_spell_around);
	tcase_add_test(tc, reset_lost_admin_password);
	return tc;
}
