/*
 * What a tenant given one flat's UO-4 sees over HTTP against a running
 * stack (Mosquitto, amr-archive, amr-ingest, amr-web): every route, the
 * registry walked a record at a time, an operator of that flat, and the
 * live stream, none of which shows anything of the flat beside it; and
 * live streams that end with their session or the user's rights. Part of
 * the test_web runner.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "test_web_util.h"

TCase *web_flats_tcase(void);

static struct webt t;

static void setup(void)
{
	webt_start(&t, NULL);
}

static void teardown(void)
{
	webt_stop(&t);
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
	webt_publish_flats(&t, 3, 716000, 717000);
	webt_publish_flats(&t, 4, 0, 717999);
	return NULL;
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
	struct webc a = webt_admin(&t), ten, op;
	struct sse_read s = { "", 0, "717999" };
	char pw[64], opw[64], url[160], *body;
	struct webr r;

	webt_publish_flats(&t, 1, 716000, 717000);
	harness_publish(&t.h, "amr/v1/events/33",
			"{\"type\":\"mains_lost\",\"addr\":16,\"ts\":1,\"detail\":{\"flat\":16}}",
			1, false);
	webt_publish_flats(&t, 2, 716001, 717001);
	/* the admin sees both flats, in the view and the archive's registry */
	HARNESS_POLL_UNTIL(webc_shows(&a, "/api/v1/objects/33", "716001", "\"flat\":16") &&
				   webc_shows(&a, "/api/v1/registry?obj=33", "33.16.3", "33.17.3"),
			   10000);
	ck_assert_msg(webc_shows(&a, "/api/v1/objects/33", "716001", "\"flat\":16") &&
			      webc_shows(&a, "/api/v1/registry?obj=33", "33.16.3", "33.17.3"),
		      "flats 16 and 17 never appeared");
	webt_user(&a, "ten17", "tenant", "[\"33.17\"]", pw, sizeof pw);
	webc_init(&ten, &t);
	ck_assert_int_eq(webc_login(&ten, "ten17", pw), 200);
	r = webc_req(&ten, "GET", "/api/v1/me", NULL, NULL, NULL);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "objects"), 0)),
			 "33.17");
	webr_free(&r);
	/* its flat, and nothing of the next one, on every route that lists */
	body = webc_body(&ten, "/api/v1/objects/33", 200);
	ck_assert_msg(strstr(body, "33.17.3") && strstr(body, "717001") &&
			      strstr(body, "\"addr\":17"),
		      "%s", body);
	ck_assert_msg(!strstr(body, "\"lcd\"") && !strstr(body, "\"polled\""), "%s", body);
	free(body);
	for (size_t i = 0; i < sizeof seen / sizeof seen[0]; i++) {
		body = webc_body(&ten, seen[i], 200);
		webt_no_flat16(seen[i], body);
		free(body);
	}
	snprintf(url, sizeof url,
		 "/api/v1/series?channels=33.17.1,33.17.3&step=raw&from=%lld&to=%lld",
		 (long long)time(NULL) - 3600, (long long)time(NULL) + 60);
	free(webc_body(&ten, url, 200));
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
			webt_no_flat16(path, r.body);
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
	webt_user(&a, "op17", "operator", "[\"33.17\"]", opw, sizeof opw);
	webc_init(&op, &t);
	ck_assert_int_eq(webc_login(&op, "op17", opw), 200);
	r = webc_req(&op, "POST", "/api/v1/objects/33/commands",
		     "{\"cmd\":\"block\",\"addr\":16,\"out\":1,\"reason\":\"debt\"}", NULL, NULL);
	ck_assert_msg(r.status == 403 && strstr(r.body, "device 33.16"), "%ld %s", r.status,
		      r.body);
	webr_free(&r);
	/* the live stream: flat 17's readings, none of flat 16's */
	webc_stream(&ten, &s, flats_publisher);
	ck_assert_msg(strstr(s.buf, "717000") && strstr(s.buf, "717999"), "%s", s.buf);
	webt_no_flat16("the stream", s.buf);
	webc_free(&op);
	webc_free(&ten);
	webc_free(&a);
}
END_TEST

START_TEST(streams_end_with_their_rights)
{
	struct webc a = webt_admin(&t), ten;
	char pw[64];
	struct webr r;

	webt_user(&a, "live31", "tenant", "[31]", pw, sizeof pw);
	webc_init(&ten, &t);
	/* signed out */
	ck_assert_int_eq(webc_login(&ten, "live31", pw), 200);
	webt_stream_ends_when(&ten, &ten, "POST", "/api/v1/logout", "{}");
	/* its scope changed by an admin */
	ck_assert_int_eq(webc_login(&ten, "live31", pw), 200);
	webt_stream_ends_when(&a, &ten, "PATCH", "/api/v1/users/live31",
			      "{\"objects\":[\"31.2\"]}");
	/* disabled by an admin */
	ck_assert_int_eq(webc_login(&ten, "live31", pw), 200);
	webt_stream_ends_when(&a, &ten, "PATCH", "/api/v1/users/live31", "{\"disabled\":true}");
	/* and the disabled user cannot open another */
	r = webc_req(&ten, "GET", "/api/v1/stream", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 401);
	webr_free(&r);
	webc_free(&ten);
	webc_free(&a);
}
END_TEST

TCase *web_flats_tcase(void)
{
	TCase *tc = tcase_create("flats");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tenant_of_one_flat_sees_nothing_of_the_next);
	tcase_add_test(tc, streams_end_with_their_rights);
	tcase_set_timeout(tc, 120);
	return tc;
}
