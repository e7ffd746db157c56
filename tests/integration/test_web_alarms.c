/*
 * amr-notify's alarms through the portal, against a real Mosquitto,
 * amr-archive, amr-ingest, amr-notify and amr-web: two silent UO-4
 * (events as ingest tells them) raise two alarms that the object's
 * summary and the live stream show; the list, one alarm, acknowledging
 * and clearing by role and scope (an operator of one flat, a tenant of
 * another); contacts an admin sets and a user sets for itself; the
 * delivery log; hostile input answered 400 naming the field.
 */
#include <check.h>
#include <pthread.h>
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

/* Device addr of object 1 stops answering (ingest's event). */
static void silent(int addr)
{
	char msg[160];

	snprintf(msg, sizeof msg,
		 "{\"type\":\"device_offline\",\"addr\":%d,\"ts\":%lld,\"detail\":{}}", addr,
		 (long long)time(NULL));
	ck_assert_int_eq(harness_publish(&t.h, "amr/v1/events/1", msg, 1, false), 0);
}

/* The id of the open alarm of device addr of object 1, as admin a sees
 * it (waits until notify raised it and amr-web shows it). */
static long long alarm_of(struct webc *a, int addr)
{
	char needle[64];
	struct webr r;
	json_t *e;
	size_t i;
	long long id = 0;

	snprintf(needle, sizeof needle, "\"addr\":%d", addr);
	r = webc_wait_for(a, "/api/v1/alarms?state=open&obj=1", needle);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	json_array_foreach(json_object_get(r.json, "alarms"), i, e)
		if (json_integer_value(json_object_get(e, "addr")) == addr)
			id = json_integer_value(json_object_get(e, "id"));
	ck_assert_msg(id > 0, "no alarm of device %d: %s", addr, r.body);
	webr_free(&r);
	return id;
}

/* The number of alarms c's list holds. */
static size_t listed(struct webc *c, const char *path)
{
	struct webr r = webc_req(c, "GET", path, NULL, NULL, NULL);
	size_t n;

	ck_assert_msg(r.status == 200, "GET %s: %ld %s", path, r.status, r.body);
	n = json_array_size(json_object_get(r.json, "alarms"));
	webr_free(&r);
	return n;
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

/* Once the stream (arg) is open: device 7 goes silent. */
static void *raise_seven(void *arg)
{
	sse_wait_open(arg, 10000);
	silent(7);
	return NULL;
}

START_TEST(alarms_of_notify_in_the_summary_and_stream)
{
	struct webc a = webt_admin(&t);
	struct sse_read s = { "", 0, "\"kind\":\"device_offline\"" };
	struct webr r;

	/* the stream carries the new alarm within the stream's wait */
	webc_stream(&a, &s, raise_seven);
	ck_assert_msg(strstr(s.buf, "event: alarm\ndata: {\"obj\":1"), "%s", s.buf);
	ck_assert_msg(strstr(s.buf, "\"addr\":7"), "%s", s.buf);
	webc_free(&a);
	a = webt_admin(&t);
	/* the object's summary holds notify's alarm, nothing derived */
	r = webc_wait_for(&a, "/api/v1/objects/1", "\"device_offline\"");
	ck_assert_msg(r.status == 200 && strstr(r.body, "\"target\":\"1.7\""), "%s", r.body);
	ck_assert_msg(!strstr(r.body, "\"stale\""), "%s", r.body);
	webr_free(&r);
	/* cleared by its condition: gone from the summary */
	ck_assert_int_eq(harness_publish(&t.h, "amr/v1/events/1",
					 "{\"type\":\"device_online\",\"addr\":7,\"ts\":1}", 1,
					 false),
			 0);
	ck_assert_int_eq(harness_barrier(&t.h, "notify", 5000), 0);
	HARNESS_POLL_UNTIL(!webc_shows(&a, "/api/v1/objects/1", "\"1.7\"", "alarms"), 5000);
	ck_assert(!webc_shows(&a, "/api/v1/objects/1", "\"1.7\"", "alarms"));
	ck_assert_uint_eq(listed(&a, "/api/v1/alarms?state=cleared"), 1);
	webc_free(&a);
}
END_TEST

START_TEST(alarms_by_role_and_scope)
{
	struct webc a = webt_admin(&t), op, ten;
	char pw[64], path[96], *ans;
	long long five, six;
	struct webr r;

	webt_user(&a, "ivan", "operator", "[\"1.5\"]", pw, sizeof pw);
	webc_init(&op, &t);
	ck_assert_int_eq(webc_login(&op, "ivan", pw), 200);
	webt_user(&a, "anna", "tenant", "[\"1.6\"]", pw, sizeof pw);
	webc_init(&ten, &t);
	ck_assert_int_eq(webc_login(&ten, "anna", pw), 200);
	silent(5);
	silent(6);
	/* and the building's own: its gateway's spool nearly full */
	ck_assert_int_eq(
		harness_publish(&t.h, "amr/v1/gw/1/status",
				"{\"online\":true,\"spool\":{\"pending\":95,\"capacity\":100}}", 1,
				true),
		0);
	five = alarm_of(&a, 5);
	six = alarm_of(&a, 6);
	r = webc_wait_for(&a, "/api/v1/alarms?state=open&kind=spool", "\"spool\"");
	webr_free(&r);
	ck_assert_uint_eq(listed(&a, "/api/v1/alarms?state=open"), 3);
	ck_assert_int_eq(harness_metric(&t.h, "web", "amr_web_alarms_open"), 3);
	ck_assert_uint_eq(listed(&a, "/api/v1/alarms?state=open&kind=spool"), 1);
	ck_assert_uint_eq(listed(&op, "/api/v1/alarms?state=open"), 1);	 /* flat 5's */
	ck_assert_uint_eq(listed(&ten, "/api/v1/alarms?state=open"), 1); /* flat 6's */
	ck_assert_uint_eq(listed(&ten, "/api/v1/alarms?severity=major"), 1);
	expect(&ten, "GET", "/api/v1/alarms?obj=2", NULL, 403, "object 2");
	snprintf(path, sizeof path, "/api/v1/alarms/%lld", five);
	expect(&ten, "GET", path, NULL, 404, "not_found"); /* another flat's: not there */
	expect(&op, "GET", path, NULL, 200, "\"target\":\"1.5\"");
	/* acknowledging: operators, of what they see, with a comment */
	snprintf(path, sizeof path, "/api/v1/alarms/%lld/ack", five);
	expect(&ten, "POST", path, "{}", 403, "forbidden");
	expect(&op, "POST", path, "{\"comment\":\"выехал\",\"by\":\"x\"}", 400, "by");
	expect(&op, "POST", path, "{\"comment\":\"выехал\"}", 200, "\"acknowledged\"");
	expect(&op, "POST", path, "{}", 409, "conflict");
	snprintf(path, sizeof path, "{\"id\":%lld}", five);
	ans = harness_rpc(&t.h, "notify/alarm.get", path, 5000);
	ck_assert_msg(ans && strstr(ans, "\"by\":\"ivan\"") && strstr(ans, "выехал"), "%s", ans);
	free(ans);
	snprintf(path, sizeof path, "/api/v1/alarms/%lld/ack", six);
	expect(&op, "POST", path, "{}", 404, "not_found"); /* not ivan's flat */
	/* clearing needs a reason */
	snprintf(path, sizeof path, "/api/v1/alarms/%lld/clear", six);
	expect(&a, "POST", path, "{}", 400, "reason");
	expect(&a, "POST", path, "{\"reason\":\"\"}", 400, "reason");
	expect(&a, "POST", path, "{\"reason\":\"заменили УО-4\"}", 200, "\"cleared\"");
	expect(&a, "POST", path, "{\"reason\":\"again\"}", 409, "conflict");
	ck_assert_uint_eq(listed(&ten, "/api/v1/alarms?state=open"), 0);
	/* hostile input names the field, changes nothing */
	expect(&a, "GET", "/api/v1/alarms?obj=0", NULL, 400, "obj");
	expect(&a, "GET", "/api/v1/alarms?limit=5000", NULL, 400, "limit");
	expect(&a, "GET", "/api/v1/alarms?state=Open", NULL, 400, "state");
	expect(&a, "GET", "/api/v1/alarms?kind=flood", NULL, 400, "kind");
	expect(&a, "GET", "/api/v1/alarms?before=-1", NULL, 400, "before");
	expect(&a, "POST", "/api/v1/alarms/0x7/ack", "{}", 400, "alarm");
	expect(&a, "POST", "/api/v1/alarms/99999/ack", "{}", 404, "not_found");
	expect(&a, "POST", "/api/v1/alarms/1/ack", "[1]", 400, NULL);
	ck_assert_uint_eq(listed(&a, "/api/v1/alarms?state=acknowledged"), 1);
	/* the building's alarm in the summary: the admin's, not the flats' */
	ck_assert(webc_shows(&a, "/api/v1/objects/1", "\"spool\"", "\"alarms\""));
	ck_assert(!webc_shows(&op, "/api/v1/objects/1", "\"spool\"", "\"alarms\""));
	ck_assert(!webc_shows(&ten, "/api/v1/objects/1", "\"spool\"", "\"alarms\""));
	webc_free(&ten);
	webc_free(&op);
	webc_free(&a);
}
END_TEST

START_TEST(contacts_and_the_delivery_log)
{
	struct webc a = webt_admin(&t), op, lim;
	char pw[64];
	struct webr r;

	webt_user(&a, "petr", "operator", NULL, pw, sizeof pw);
	webc_init(&op, &t);
	ck_assert_int_eq(webc_login(&op, "petr", pw), 200);
	webt_user(&a, "olga", "operator", "[1]", pw, sizeof pw);
	webc_init(&lim, &t);
	ck_assert_int_eq(webc_login(&lim, "olga", pw), 200);
	/* an admin sets anyone's */
	expect(&a, "PUT", "/api/v1/notify/contacts/duty",
	       "{\"user\":\"olga\",\"phone\":\"+79001234567\",\"min_severity\":\"critical\"}", 200,
	       "\"duty\"");
	expect(&a, "PUT", "/api/v1/notify/contacts/bad", "{\"email\":\"x\"}", 400, "email");
	expect(&a, "PUT", "/api/v1/notify/contacts/bad", "{\"mail\":\"a@b.c\"}", 400, "mail");
	/* a user its own, not another's, not as another */
	expect(&op, "PUT", "/api/v1/notify/contacts/petr",
	       "{\"user\":\"petr\",\"email\":\"petr@example.org\",\"quiet\":{\"from\":\"22:00\","
	       "\"to\":\"07:00\"},\"hourly_limit\":5}",
	       200, "petr@example.org");
	expect(&op, "PUT", "/api/v1/notify/contacts/petr2", "{\"email\":\"p@example.org\"}", 403,
	       "user");
	expect(&op, "PUT", "/api/v1/notify/contacts/duty", "{\"user\":\"petr\"}", 403, "duty");
	expect(&op, "DELETE", "/api/v1/notify/contacts/duty", NULL, 403, "duty");
	/* one who sees some objects only: an admin's to set */
	expect(&lim, "PUT", "/api/v1/notify/contacts/olga", "{\"user\":\"olga\"}", 403, "admin");
	r = webc_req(&op, "GET", "/api/v1/notify/contacts", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "contacts")), 1);
	webr_free(&r);
	r = webc_req(&a, "GET", "/api/v1/notify/contacts", NULL, NULL, NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "contacts")), 2);
	webr_free(&r);
	expect(&op, "DELETE", "/api/v1/notify/contacts/petr", NULL, 200, "\"deleted\":true");
	expect(&a, "DELETE", "/api/v1/notify/contacts/petr", NULL, 404, "petr");
	/* the delivery log: staff who see everything */
	expect(&a, "GET", "/api/v1/notify/messages?limit=10", NULL, 200, "\"messages\"");
	expect(&a, "GET", "/api/v1/notify/messages?alarm=x", NULL, 400, "alarm");
	expect(&lim, "GET", "/api/v1/notify/messages", NULL, 403, "every object");
	webc_free(&lim);
	webc_free(&op);
	webc_free(&a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("web_alarms");
	TCase *tc = tcase_create("stack");
	SRunner *sr;
	int failed;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, alarms_of_notify_in_the_summary_and_stream);
	tcase_add_test(tc, alarms_by_role_and_scope);
	tcase_add_test(tc, contacts_and_the_delivery_log);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
