/*
 * Restricting a debtor's supply with a real Mosquitto, amr-archive (the
 * audit trail), amr-ingest and amr-billing; the probe plays the gateway (its status, the commands it
 * gets, its results). What the rules refuse (heating, cold water, a debt
 * not over two months at the norm, an approval before the 20 days or by
 * the proposer) changes nothing; an approval blocks the output, a payment
 * of the debt unblocks it; a command whose outcome is unknown (ingest
 * down, billing killed) is never asked again by itself, and is known once
 * ingest has it; a failed one is asked again only by a person's retry.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "archive_util.h"
#include "billing_util.h"
#include "harness.h"
#include "test_ingest_util.h"

static struct harness h;
static pid_t billing, ingest;

static const char *const bargs[] = { "--restrict-poll", "1", "--ingest-timeout", "1500", NULL };

static void gateway_online(void)
{
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/1/status",
					 "{\"online\":true,\"fw\":\"1.0\"}", 1, true),
			 0);
}

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/gw/+/cmd"), 0);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/audit"), 0);
	gateway_online();
	arc_start(&h, NULL);
	ingest = start_ingest(&h, NULL);
	ck_assert_int_gt(ingest, 0);
	billing = bil_start(&h, bargs);
}

static void teardown(void)
{
	harness_stop(&h);
}

/* Day today + days in the site's zone (billing's --tz default). */
static void day(int days, char out[11])
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;

	setenv("TZ", "Europe/Moscow", 1);
	tzset();
	localtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/*
 * Organisation 1 with electricity (norm 100 kWh a resident, 5.00 a kWh:
 * two months for 2 residents are 2000.00), hot water, cold water and
 * heating; flat 1 (2 residents) with an electricity meter whose supply
 * output 1.5.2 cuts, held by account 1001 owing 3000.00 for June 2026,
 * and flat 2 by 1002 owing 1500.00.
 */
static void model(void)
{
	char buf[512];
	long long b, p1, p2, el, t;

	bil_create(&h, "org", BIL_ORG);
	bil_create(&h, "rate",
		   "\"org\":1,\"kind\":\"key_rate\",\"from\":\"2020-01-01\",\"rate\":\"16.00\"");
	b = bil_create(&h, "building",
		       "\"org\":1,\"address\":\"ул. Садовая, 1\",\"tz\":\"Europe/Moscow\","
		       "\"objects\":[1]");
	snprintf(buf, sizeof buf,
		 "\"building\":%lld,\"number\":\"1\",\"kind\":\"flat\",\"area\":\"50.00\","
		 "\"residents\":2",
		 b);
	p1 = bil_create(&h, "premises", buf);
	snprintf(buf, sizeof buf,
		 "\"building\":%lld,\"number\":\"2\",\"kind\":\"flat\",\"area\":\"40.00\","
		 "\"residents\":2",
		 b);
	p2 = bil_create(&h, "premises", buf);
	el = bil_create(&h, "service",
			"\"org\":1,\"code\":\"electricity\",\"name\":\"Электроэнергия\","
			"\"unit\":\"kWh\",\"norm\":\"100\"");
	bil_create(
		&h, "service",
		"\"org\":1,\"code\":\"cold_water\",\"name\":\"ХВС\",\"unit\":\"m3\",\"norm\":\"4\"");
	bil_create(&h, "service",
		   "\"org\":1,\"code\":\"heat\",\"name\":\"Отопление\",\"unit\":\"Gcal\"");
	bil_create(&h, "service",
		   "\"org\":1,\"code\":\"gas\",\"name\":\"Газ\",\"unit\":\"m3\",\"norm\":\"10\"");
	snprintf(buf, sizeof buf,
		 "\"org\":1,\"service\":%lld,\"name\":\"Электроэнергия\",\"kind\":\"per_unit\"",
		 el);
	t = bil_create(&h, "tariff", buf);
	snprintf(buf, sizeof buf, "\"tariff\":%lld,\"from\":\"2026-01-01\",\"price\":\"5.00\"", t);
	bil_create(&h, "tariff.version", buf);
	snprintf(buf, sizeof buf,
		 "\"premises\":%lld,\"service\":%lld,\"channel\":\"1.5.1\",\"from\":\"2026-01-01\","
		 "\"output\":\"1.5.2\"",
		 p1, el);
	bil_create(&h, "meter", buf);
	snprintf(buf, sizeof buf,
		 "\"premises\":%lld,\"service\":%lld,\"channel\":\"1.6.1\",\"from\":\"2026-01-01\","
		 "\"output\":\"1.6.2\"",
		 p2, el);
	bil_create(&h, "meter", buf);
	for (int i = 0; i < 2; i++) {
		json_t *r;

		snprintf(buf, sizeof buf,
			 "\"org\":1,\"number\":\"100%d\",\"holder\":{\"type\":\"person\","
			 "\"name\":\"Жилец %d\"},\"premises\":[{\"premises\":%lld,\"from\":"
			 "\"2026-01-01\"}]",
			 i + 1, i + 1, i ? p2 : p1);
		bil_create(&h, "account", buf);
		snprintf(buf, sizeof buf,
			 "{\"account\":%d,\"actor\":\"accountant\",\"reason\":\"from the old "
			 "system\",\"date\":\"2026-10-31\",\"items\":[{\"period\":\"2026-06\","
			 "\"amount\":\"%s\"}]}",
			 i + 1, i ? "1500.00" : "3000.00");
		r = bil_call(&h, "account.opening", buf, NULL, NULL, 0);
		json_decref(r);
	}
}

static const char *s_of(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Restriction id once its field (state, or "block"/"unblock" command 0's
 * state when cmd is set) is want, read again at each of its audit records;
 * fails after 20 s. */
static json_t *until(long long id, const char *cmd, const char *want)
{
	uint64_t end = harness_now_ms() + 20000;
	char args[64], target[64];

	snprintf(args, sizeof args, "{\"id\":%lld}", id);
	snprintf(target, sizeof target, "\"billing/restriction/%lld\"", id);
	for (;;) {
		json_t *c;
		const char *s;
		char *m;

		/* every change of a case is audited after it commits: what came
		 * before the read is cleared, a change after it is waited for */
		harness_clear_inbox(&h);
		c = bil_call(&h, "restriction.get", args, NULL, NULL, 0);
		s = cmd ? s_of(json_array_get(json_object_get(c, cmd), 0), "state")
			: s_of(c, "state");
		if (s && !strcmp(s, want))
			return c;
		m = harness_wait_message(
			&h, "amr/v1/audit", target,
			(int)(end > harness_now_ms() ? end - harness_now_ms() : 0));
		ck_assert_msg(m != NULL, "restriction %lld: %s is %s, not %s", id,
			      cmd ? cmd : "state", s ? s : "absent", want);
		free(m);
		json_decref(c);
	}
}

/* After two more of billing's looks at the restrictions (each asks after
 * commands and lifts paid debts) and ingest's answer to a barrier: what
 * those looks would have sent has reached the probe. */
static void two_polls(void)
{
	long long n = bil_metric(&h, "amr_billing_restriction_polls_total");
	uint64_t end = harness_now_ms() + 20000;

	/* each question is a round trip to billing: the loop waits on its answers */
	while (bil_metric(&h, "amr_billing_restriction_polls_total") < n + 2)
		ck_assert_msg(harness_now_ms() < end, "billing does not look at restrictions");
	ck_assert_int_eq(harness_barrier(&h, "ingest", 5000), 0);
}

/* The gateway gets cmd for 1.5.2 and answers: ok, or error when given. */
static void gateway_answers(const char *cmd, const char *error)
{
	char needle[64], *m, res[300];
	json_t *j;

	snprintf(needle, sizeof needle, "\"cmd\":\"%s\"", cmd);
	m = harness_wait_message(&h, "amr/v1/gw/1/cmd", needle, 10000);
	ck_assert_msg(m != NULL, "the gateway got no %s", cmd);
	j = parse(m);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "addr")), 5);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "out")), 2);
	if (error)
		snprintf(res, sizeof res, "{\"id\":\"%s\",\"ok\":false,\"error\":\"%s\"}",
			 s_of(j, "id"), error);
	else
		snprintf(res, sizeof res, "{\"id\":\"%s\",\"ok\":true,\"output\":\"%sed\"}",
			 s_of(j, "id"), cmd);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/1/cmd/result", res, 1, false), 0);
	json_decref(j);
	free(m);
	harness_clear_inbox(&h); /* messages stay: a later look sees only new ones */
}

static void gateway_does(const char *cmd)
{
	gateway_answers(cmd, NULL);
}

static long long propose(const char *account, const char *actor)
{
	char args[200];
	json_t *c;
	long long id;

	snprintf(args, sizeof args,
		 "{\"org\":1,\"number\":\"%s\",\"service\":\"electricity\",\"actor\":\"%s\","
		 "\"reason\":\"долг за 5 месяцев\"}",
		 account, actor);
	c = bil_call(&h, "restriction.propose", args, NULL, NULL, 0);
	ck_assert_str_eq(s_of(c, "state"), "proposed");
	id = json_integer_value(json_object_get(c, "id"));
	json_decref(c);
	return id;
}

static void notice(long long id, int days_ago)
{
	char args[200], d[11];
	json_t *c;

	day(-days_ago, d);
	snprintf(args, sizeof args,
		 "{\"id\":%lld,\"delivered\":\"%s\",\"how\":\"hand\",\"actor\":\"accountant\"}", id,
		 d);
	c = bil_call(&h, "restriction.notice", args, NULL, NULL, 0);
	ck_assert_str_eq(s_of(c, "state"), "noticed");
	json_decref(c);
}

START_TEST(rules_refuse)
{
	char in20[11], want[200];
	long long id;

	model();
	bil_refused(&h, "restriction.propose",
		    "{\"org\":1,\"number\":\"1001\",\"service\":\"heat\",\"actor\":\"accountant\"}",
		    "bad_request", "service: heating may never be restricted");
	bil_refused(&h, "restriction.propose",
		    "{\"org\":1,\"number\":\"1001\",\"service\":\"cold_water\",\"actor\":\"a\"}",
		    "bad_request", "service: cold water in an apartment building");
	bil_refused(&h, "restriction.propose",
		    "{\"org\":1,\"number\":\"1001\",\"service\":\"gas\",\"actor\":\"a\"}",
		    "bad_request", "service: no meter of gas in the account's premises");
	bil_refused(&h, "restriction.propose",
		    "{\"org\":1,\"number\":\"1002\",\"service\":\"electricity\",\"actor\":\"a\"}",
		    "bad_request",
		    "account: the debt past due, 1500.00, does not exceed two months' charges at "
		    "the norm, 2000.00");
	bil_refused(&h, "restriction.propose",
		    "{\"org\":1,\"number\":\"1001\",\"service\":\"electricity\",\"actor\":\"a\","
		    "\"colour\":1}",
		    "bad_request", "colour");
	id = propose("1001", "accountant");
	bil_refused(&h, "restriction.propose",
		    "{\"org\":1,\"number\":\"1001\",\"service\":\"electricity\",\"actor\":\"a\"}",
		    "conflict",
		    "service: restriction 1 of electricity for account 1 is open already");
	bil_refused(&h, "restriction.approve", "{\"id\":1,\"actor\":\"operator\"}", "conflict",
		    "id: restriction 1 is proposed: it needs a notice delivered first");
	day(1, in20);
	snprintf(want, sizeof want,
		 "{\"id\":1,\"delivered\":\"%s\",\"how\":\"hand\",\"actor\":\"a\"}", in20);
	bil_refused(&h, "restriction.notice", want, "bad_request", "delivered: ");
	bil_refused(&h, "restriction.notice",
		    "{\"id\":1,\"delivered\":\"2026-11-01\",\"how\":\"pigeon\",\"actor\":\"a\"}",
		    "bad_request", "how");
	notice(id, 0);
	day(20, in20);
	snprintf(want, sizeof want, "id: restriction 1 may happen on %s at the earliest", in20);
	bil_refused(&h, "restriction.approve", "{\"id\":1,\"actor\":\"operator\"}", "conflict",
		    want);
	notice(id, 20);
	bil_refused(&h, "restriction.approve", "{\"id\":1,\"actor\":\"accountant\"}", "forbidden",
		    "actor: the two-person rule: accountant proposed restriction 1");
	/* nothing of that reached a gateway: ingest answers its barrier first */
	ck_assert_int_eq(harness_barrier(&h, "ingest", 5000), 0);
	ck_assert_ptr_null(harness_wait_message(&h, "amr/v1/gw/1/cmd", "block", 0));
}
END_TEST

START_TEST(block_then_paid_unblocks)
{
	char args[300], d[11];
	json_t *c, *a;

	model();
	propose("1001", "accountant");
	notice(1, 21);
	c = bil_call(&h, "restriction.approve", "{\"id\":1,\"actor\":\"operator\"}", NULL, NULL, 0);
	ck_assert_str_eq(s_of(c, "state"), "blocking");
	json_decref(c);
	gateway_does("block");
	c = until(1, NULL, "restricted");
	ck_assert_str_eq(s_of(json_array_get(json_object_get(c, "block"), 0), "output"), "1.5.2");
	ck_assert_str_eq(s_of(c, "threshold"), "2000.00");
	json_decref(c);
	/* a part of the debt does not lift it */
	day(0, d);
	snprintf(args, sizeof args,
		 "{\"account\":1,\"date\":\"%s\",\"amount\":\"1000.00\",\"actor\":\"accountant\"}",
		 d);
	json_decref(bil_call(&h, "payment.create", args, NULL, NULL, 0));
	two_polls();
	ck_assert_ptr_null(harness_wait_message(&h, "amr/v1/gw/1/cmd", "unblock", 0));
	snprintf(args, sizeof args,
		 "{\"account\":1,\"date\":\"%s\",\"amount\":\"2000.00\",\"actor\":\"accountant\"}",
		 d);
	json_decref(bil_call(&h, "payment.create", args, NULL, NULL, 0));
	gateway_does("unblock");
	c = until(1, NULL, "lifted");
	ck_assert(json_is_true(json_object_get(json_object_get(c, "lift"), "automatic")));
	json_decref(c);
	a = bil_audit_records(&h, "billing/restriction/1", 6);
	ck_assert_int_ge(json_array_size(json_object_get(a, "records")), 6);
	json_decref(a);
	ck_assert_int_ge(bil_metric(&h, "amr_billing_restriction_auto_lifts_total"), 1);
}
END_TEST

/* Ingest down: the ask is unanswered, so the block is unknown; the broker
 * keeps the ask for ingest, which runs it when it is back: the poll finds
 * it by its reason, and it is done, sent once. */
START_TEST(unknown_found_later)
{
	json_t *c, *e;

	model();
	propose("1001", "accountant");
	notice(1, 20);
	harness_kill(&h, ingest, SIGKILL);
	json_decref(bil_call(&h, "restriction.approve", "{\"id\":1,\"actor\":\"operator\"}", NULL,
			     NULL, 0));
	c = until(1, "block", "unknown");
	ck_assert_ptr_nonnull(strstr(s_of(json_array_get(json_object_get(c, "block"), 0), "error"),
				     "did not answer"));
	json_decref(c);
	ingest = start_ingest(&h, NULL);
	ck_assert_int_gt(ingest, 0);
	gateway_does("block");
	c = until(1, NULL, "restricted");
	e = json_array_get(json_object_get(c, "block"), 0);
	ck_assert_ptr_nonnull(s_of(e, "id"));
	ck_assert_ptr_null(json_object_get(e, "error"));
	ck_assert_int_eq(json_integer_value(json_object_get(e, "attempt")), 1);
	json_decref(c);
	two_polls();
	ck_assert_ptr_null(harness_wait_message(&h, "amr/v1/gw/1/cmd", "block", 0));
}
END_TEST

/* A block the gateway failed stays failed until a person retries it. */
START_TEST(failed_is_retried_by_a_person)
{
	json_t *c;

	model();
	propose("1001", "accountant");
	notice(1, 20);
	json_decref(bil_call(&h, "restriction.approve", "{\"id\":1,\"actor\":\"operator\"}", NULL,
			     NULL, 0));
	gateway_answers("block", "relay does not answer");
	c = until(1, "block", "failed");
	ck_assert_str_eq(s_of(json_array_get(json_object_get(c, "block"), 0), "error"),
			 "relay does not answer");
	ck_assert_str_eq(s_of(c, "state"), "blocking");
	json_decref(c);
	two_polls();
	ck_assert_ptr_null(harness_wait_message(&h, "amr/v1/gw/1/cmd", "block", 0));
	bil_refused(&h, "restriction.retry", "{\"id\":1,\"actor\":\"operator\"}", "bad_request",
		    "reason");
	json_decref(bil_call(&h, "restriction.retry",
			     "{\"id\":1,\"actor\":\"operator\",\"reason\":\"relay replaced\"}",
			     NULL, NULL, 0));
	gateway_does("block");
	c = until(1, NULL, "restricted");
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_array_get(json_object_get(c, "block"), 0), "attempt")),
			 2);
	json_decref(c);
}
END_TEST

/* Billing killed after recording a block and before ingest answered: at
 * the next start it is unknown; ingest, back, runs the kept ask once and
 * the poll finds it. */
START_TEST(killed_while_asking_is_unknown)
{
	static const char *const slow[] = { "--restrict-poll", "1", "--ingest-timeout", "60000",
					    NULL };
	json_t *c;

	model();
	propose("1001", "accountant");
	notice(1, 20);
	ck_assert_int_eq(harness_kill(&h, billing, SIGTERM), 0);
	billing = bil_start(&h, slow);
	harness_kill(&h, ingest, SIGKILL);
	c = bil_call(&h, "restriction.approve", "{\"id\":1,\"actor\":\"operator\"}", NULL, NULL, 0);
	ck_assert_str_eq(s_of(json_array_get(json_object_get(c, "block"), 0), "state"),
			 "requesting");
	json_decref(c);
	harness_kill(&h, billing, SIGKILL);
	billing = bil_start(&h, bargs);
	c = until(1, "block", "unknown");
	ck_assert_ptr_nonnull(strstr(s_of(json_array_get(json_object_get(c, "block"), 0), "error"),
				     "billing stopped"));
	json_decref(c);
	ingest = start_ingest(&h, NULL);
	ck_assert_int_gt(ingest, 0);
	gateway_does("block");
	json_decref(until(1, NULL, "restricted"));
	two_polls();
	ck_assert_ptr_null(harness_wait_message(&h, "amr/v1/gw/1/cmd", "block", 0));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("billing_restrict");
	TCase *tc = tcase_create("restrict");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, rules_refuse);
	tcase_add_test(tc, block_then_paid_unblocks);
	tcase_add_test(tc, unknown_found_later);
	tcase_add_test(tc, failed_is_retried_by_a_person);
	tcase_add_test(tc, killed_while_asking_is_unknown);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
