/*
 * A tenant's view of the metering derived from its billing accounts
 * (docs/web.md, "A tenant's scope"), against a running stack (Mosquitto,
 * amr-archive, amr-ingest, amr-web, amr-billing): flat 9's cold water
 * meter 1.9.1 counted 5 pulses for the old tenant, who moved out three
 * days ago, and 9 for the new one since. Each sees the meter's series
 * and consumption only over its own days, the new one its live value and
 * the old one not, neither a neighbour's meter; and the new tenant's
 * move-out entered by the accountant ends its live stream at once and
 * cuts its series at the move-out day.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive_util.h"
#include "billrun_util.h"
#include "test_web_util.h"

#define MSK (3 * 3600) /* Europe/Moscow: UTC+3 all year */

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

/* Local day d (days since 1970-01-01 in Moscow) as "YYYY-MM-DD". */
static const char *date_of(long long d, char *buf, size_t size)
{
	time_t s = (time_t)(d * 86400);
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, size, "%Y-%m-%d", &tm);
	return buf;
}

/* A tenant of account id signed in as c. */
static void tenant(struct webc *a, struct webc *c, const char *name, long long id)
{
	char body[160], pw[64];
	struct webr r;

	snprintf(body, sizeof body, "{\"user\":\"%s\",\"role\":\"tenant\",\"accounts\":[%lld]}",
		 name, id);
	r = webc_req(a, "POST", "/api/v1/users", body, NULL, NULL);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	snprintf(pw, sizeof pw, "%s", json_string_value(json_object_get(r.json, "password")));
	webr_free(&r);
	webc_init(c, &t);
	ck_assert_int_eq(webc_login(c, name, pw), 200);
}

/* c's hourly series of 1.9.1 over [from, to): its only member. */
static json_t *series(struct webc *c, long long from, long long to)
{
	char path[160];
	struct webr r;
	json_t *s;

	snprintf(path, sizeof path, "/api/v1/series?channels=1.9.1&from=%lld&to=%lld&step=hour",
		 from, to);
	r = webc_req(c, "GET", path, NULL, NULL, NULL);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	s = json_incref(json_array_get(json_object_get(r.json, "series"), 0));
	webr_free(&r);
	ck_assert_ptr_nonnull(s);
	return s;
}

static long long num(const json_t *j, const char *key)
{
	return (long long)json_integer_value(json_object_get(j, key));
}

START_TEST(tenant_sees_its_own_days_of_the_flat)
{
	const struct feed_reading first = { 9, 1, 0 }, before = { 9, 1, 5 }, after = { 9, 1, 7 },
				  now_r = { 9, 1, 2 }, other = { 8, 1, 4 };
	struct webc a = webt_admin(&t), old, neu;
	long long now = (long long)time(NULL), today = (now + MSK) / 86400, moved = today - 3;
	long long moved_t = moved * 86400 - MSK, today_t = today * 86400 - MSK;
	long long org, bld, cold, flat, flat8, acc_old, acc_new;
	char d_moved[16], d_today[16], body[512], path[160];
	struct feed f;
	struct webr r;
	json_t *s;

	date_of(moved, d_moved, sizeof d_moved);
	date_of(today, d_today, sizeof d_today);
	org = br_org(&t.h);
	bld = br_create(&t.h, "building",
			"\"org\":%lld,\"address\":\"г. Казань, ул. Ленина, д. 5\","
			"\"tz\":\"Europe/Moscow\"",
			org);
	cold = br_service(&t.h, org, "cold_water", "Холодная вода", "m3", "");
	flat = br_create(&t.h, "premises",
			 "\"building\":%lld,\"number\":\"9\",\"kind\":\"flat\","
			 "\"area\":\"40.00\",\"residents\":1",
			 bld);
	flat8 = br_create(&t.h, "premises",
			  "\"building\":%lld,\"number\":\"8\",\"kind\":\"flat\","
			  "\"area\":\"40.00\",\"residents\":1",
			  bld);
	br_create(
		&t.h, "meter",
		"\"premises\":%lld,\"service\":%lld,\"channel\":\"1.9.1\",\"from\":\"2020-01-01\"",
		flat, cold);
	br_create(
		&t.h, "meter",
		"\"premises\":%lld,\"service\":%lld,\"channel\":\"1.8.1\",\"from\":\"2020-01-01\"",
		flat8, cold);
	acc_old = br_create(&t.h, "account",
			    "\"org\":%lld,\"number\":\"A-1\",\"holder\":{\"type\":\"person\","
			    "\"name\":\"Старый Жилец\"},\"premises\":[{\"premises\":%lld,"
			    "\"from\":\"2020-01-01\",\"to\":\"%s\"}]",
			    org, flat, d_moved);
	acc_new = br_create(&t.h, "account",
			    "\"org\":%lld,\"number\":\"B-2\",\"holder\":{\"type\":\"person\","
			    "\"name\":\"Новый Жилец\"},\"premises\":[{\"premises\":%lld,"
			    "\"from\":\"%s\"}]",
			    org, flat, d_moved);

	/* the meter: 5 pulses before the move, 7 after it, 2 a minute ago */
	feed_init(&f, &t.h, 1);
	feed_send(&f, moved_t - 7200, &first, 1);
	feed_send(&f, moved_t - 3600, &before, 1);
	feed_send(&f, moved_t + 3600, &after, 1);
	feed_send(&f, moved_t + 3660, &other, 1);
	feed_send(&f, now - 60, &now_r, 1);
	br_channel_unit(&t.h, "1.9.1", "m3", 1000);

	tenant(&a, &old, "old9", acc_old);
	tenant(&a, &neu, "new9", acc_new);

	/* the series of the same span: each tenant's own days of it */
	s = series(&neu, moved_t - 86400, now + 60);
	ck_assert_int_eq(num(s, "from"), moved_t);
	ck_assert_int_eq(num(s, "pulses"), 9);
	json_decref(s);
	s = series(&old, moved_t - 86400, now + 60);
	ck_assert_int_eq(num(s, "from"), moved_t - 86400);
	ck_assert_int_eq(num(s, "to"), moved_t);
	ck_assert_int_eq(num(s, "pulses"), 5);
	json_decref(s);
	/* a span wholly before the new tenant's move-in holds nothing of it */
	s = series(&neu, moved_t - 86400, moved_t);
	ck_assert(json_is_false(json_object_get(s, "held")));
	ck_assert_int_eq(num(s, "pulses"), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(s, "points")), 0);
	json_decref(s);
	/* consumption: its own days, or refused when the span has none */
	snprintf(path, sizeof path, "/api/v1/consumption?channels=1.9.1&from=%lld&to=%lld",
		 moved_t - 86400, now + 60);
	r = webc_req(&neu, "GET", path, NULL, NULL, NULL);
	ck_assert_msg(r.status == 200 && strstr(r.body, "\"0.009\""), "%ld %s", r.status, r.body);
	webr_free(&r);
	snprintf(path, sizeof path, "/api/v1/consumption?channels=1.9.1&from=%lld&to=%lld",
		 moved_t - 86400, moved_t);
	r = webc_req(&neu, "GET", path, NULL, NULL, NULL);
	ck_assert_msg(r.status == 403 && strstr(r.body, "1.9.1"), "%ld %s", r.status, r.body);
	webr_free(&r);
	/* the neighbour's meter: by no route */
	snprintf(path, sizeof path, "/api/v1/series?channels=1.8.1&from=%lld&to=%lld",
		 moved_t - 86400, now);
	r = webc_req(&neu, "GET", path, NULL, NULL, NULL);
	ck_assert_msg(r.status == 403, "%ld %s", r.status, r.body);
	webr_free(&r);
	/* the meter as it is now: the new tenant's, not the old one's */
	r = webc_wait_for(&neu, "/api/v1/channels", "\"1.9.1\"");
	ck_assert_msg(r.status == 200 && strstr(r.body, "\"1.9.1\"") && !strstr(r.body, "1.8.1"),
		      "%ld %s", r.status, r.body);
	webr_free(&r);
	r = webc_req(&old, "GET", "/api/v1/channels", NULL, NULL, NULL);
	ck_assert_msg(r.status == 200 && !strstr(r.body, "1.9.1") && !strstr(r.body, "1.8.1"),
		      "%ld %s", r.status, r.body);
	webr_free(&r);
	/* what it may see, told to the page */
	r = webc_req(&neu, "GET", "/api/v1/me", NULL, NULL, NULL);
	s = json_array_get(json_object_get(r.json, "meters"), 0);
	ck_assert_msg(s && !strcmp(json_string_value(json_object_get(s, "channel")), "1.9.1") &&
			      num(s, "from") == moved_t && json_is_null(json_object_get(s, "to")),
		      "%s", r.body);
	webr_free(&r);

	/* the accountant enters the new tenant's move-out today: its live
	 * stream ends at once, and its series ends at today's start */
	snprintf(body, sizeof body,
		 "{\"id\":%lld,\"reason\":\"moved out\",\"premises\":[{\"premises\":%lld,"
		 "\"from\":\"%s\",\"to\":\"%s\"}]}",
		 acc_new, flat, d_moved, d_today);
	webt_stream_ends_when(&a, &neu, "POST", "/api/v1/billing/account.update", body);
	s = series(&neu, moved_t - 86400, now + 60);
	ck_assert_int_eq(num(s, "from"), moved_t);
	ck_assert_int_eq(num(s, "to"), today_t);
	json_decref(s);
	webc_free(&old);
	webc_free(&neu);
	webc_free(&a);
}
END_TEST

static Suite *web_tscope_suite(void)
{
	Suite *s = suite_create("web_tscope");
	TCase *tc = tcase_create("tscope");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, tenant_sees_its_own_days_of_the_flat);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(web_tscope_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
