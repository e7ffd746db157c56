/*
 * amr-billing with a real Mosquitto and a real amr-archive: every kind of
 * record created, read, listed and updated over RPC; bad input refused
 * with the field named and nothing changed; every change audited on
 * amr/v1/audit and stored by the archive; and an audit record committed
 * with its change survives a kill -9 before it was published.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <jansson.h>

#include "archive_util.h"
#include "billing_util.h"
#include "harness.h"

static struct harness h;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/audit"), 0);
}

static void teardown(void)
{
	harness_stop(&h);
}

START_TEST(records_checked_and_audited)
{
	char buf[2048], *rec;
	long long org, bld, p1, p2, acc, cold, meter, tariff, v1;
	json_t *r;

	arc_start(&h, NULL);
	bil_start(&h, NULL);

	org = bil_create(&h, "org", BIL_ORG);
	snprintf(buf, sizeof buf,
		 "\"org\":%lld,\"address\":\"ул. Ленина, 5\",\"tz\":\"Europe/Moscow\","
		 "\"objects\":[1],\"house_meters\":[{\"resource\":\"cold_water\",\"channel\":"
		 "\"1.33.1\"}]",
		 org);
	bld = bil_create(&h, "building", buf);
	snprintf(buf, sizeof buf,
		 "\"building\":%lld,\"number\":\"1\",\"kind\":\"flat\",\"area\":\"54.3\","
		 "\"residents\":2,\"entrance\":1,\"floor\":1",
		 bld);
	p1 = bil_create(&h, "premises", buf);
	snprintf(buf, sizeof buf,
		 "\"building\":%lld,\"number\":\"2\",\"kind\":\"nonresidential\",\"area\":\"120\","
		 "\"residents\":0",
		 bld);
	p2 = bil_create(&h, "premises", buf);
	r = bil_call(&h, "premises.get", "{\"id\":1}", NULL, NULL, 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "area")), "54.30"); /* normalised */
	json_decref(r);
	snprintf(buf, sizeof buf,
		 "\"org\":%lld,\"number\":\"100234\",\"holder\":{\"type\":\"person\",\"name\":"
		 "\"Иванова Мария Петровна\"},\"email\":\"ivanova@example.ru\",\"phone\":"
		 "\"+7 (912) 345-67-89\",\"premises\":[{\"premises\":%lld,\"from\":\"2025-03-01\","
		 "\"share\":\"1/2\"}]",
		 org, p1);
	acc = bil_create(&h, "account", buf);
	snprintf(buf, sizeof buf,
		 "\"org\":%lld,\"code\":\"cold_water\",\"name\":\"Холодная вода\",\"unit\":\"m3\"",
		 org);
	cold = bil_create(&h, "service", buf);
	snprintf(buf, sizeof buf,
		 "\"premises\":%lld,\"service\":%lld,\"channel\":\"1.1.1\",\"from\":\"2025-03-01\","
		 "\"to\":\"2026-01-15\"",
		 p1, cold);
	meter = bil_create(&h, "meter", buf);
	/* the replacement meter, from the day the first ends */
	snprintf(buf, sizeof buf,
		 "\"premises\":%lld,\"service\":%lld,\"channel\":\"1.1.2\",\"from\":\"2026-01-15\"",
		 p1, cold);
	bil_create(&h, "meter", buf);
	snprintf(
		buf, sizeof buf,
		"\"org\":%lld,\"name\":\"Подъезд 1\",\"kind\":\"entrance\",\"premises\":[%lld,%lld],"
		"\"accounts\":[%lld]",
		org, p1, p2, acc);
	bil_create(&h, "group", buf);
	snprintf(buf, sizeof buf,
		 "\"org\":%lld,\"service\":%lld,\"name\":\"ХВС 2026\",\"kind\":\"per_unit\"", org,
		 cold);
	tariff = bil_create(&h, "tariff", buf);
	snprintf(buf, sizeof buf,
		 "\"tariff\":%lld,\"from\":\"2026-01-01\",\"to\":\"2026-07-01\",\"price\":\"42.3\"",
		 tariff);
	v1 = bil_create(&h, "tariff.version", buf);
	snprintf(buf, sizeof buf, "\"tariff\":%lld,\"from\":\"2026-07-01\",\"price\":\"44.15\"",
		 tariff);
	bil_create(&h, "tariff.version", buf);
	r = bil_call(&h, "tariff.version.get", "{\"id\":1}", NULL, NULL, 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "price")), "42.30");
	json_decref(r);

	/* lists, filtered and paged */
	snprintf(buf, sizeof buf, "{\"building\":%lld,\"limit\":1}", bld);
	r = bil_call(&h, "premises.list", buf, NULL, NULL, 0);
	ck_assert_int_eq(json_array_size(json_object_get(r, "records")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "next")), p1);
	json_decref(r);
	snprintf(buf, sizeof buf, "{\"premises\":%lld}", p1);
	r = bil_call(&h, "account.list", buf, NULL, NULL, 0);
	ck_assert_int_eq(json_array_size(json_object_get(r, "records")), 1);
	json_decref(r);
	r = bil_call(&h, "meter.list", buf, NULL, NULL, 0);
	ck_assert_int_eq(json_array_size(json_object_get(r, "records")), 2);
	json_decref(r);

	/* an update, audited with before, after, changes and reason */
	snprintf(buf, sizeof buf,
		 "{\"id\":%lld,\"actor\":\"accountant\",\"reason\":\"a child registered\","
		 "\"residents\":3}",
		 p1);
	r = bil_call(&h, "premises.update", buf, NULL, NULL, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "residents")), 3);
	json_decref(r);
	rec = harness_wait_message(&h, "amr/v1/audit", "\"action\":\"premises.update\"", 10000);
	ck_assert_ptr_nonnull(rec);
	ck_assert_ptr_nonnull(strstr(rec, "\"reason\":\"a child registered\""));
	ck_assert_ptr_nonnull(strstr(rec, "\"target\":\"billing/premises/1\""));
	ck_assert_ptr_nonnull(strstr(rec, "\"changes\":{\"residents\":3}"));
	ck_assert_ptr_nonnull(strstr(rec, "\"residents\":2")); /* before */
	ck_assert_ptr_nonnull(strstr(rec, "\"actor\":\"accountant\""));
	free(rec);

	/* refused, naming the field; nothing changed */
	bil_refused(&h, "org.create",
		    "{\"actor\":\"a\",\"name\":\"x\",\"inn\":\"7707083894\",\"kpp\":\"773601001\","
		    "\"account\":\"40703810538000001234\",\"bank\":\"b\",\"bik\":\"044525225\","
		    "\"corr_account\":\"30101810400000000225\"}",
		    "bad_request", "inn: 7707083894: the check digit is 3, not 4");
	bil_refused(
		&h, "org.update",
		"{\"id\":1,\"actor\":\"a\",\"reason\":\"r\",\"account\":\"40703810438000001234\"}",
		"bad_request", "account: 40703810438000001234 does not match БИК 044525225");
	snprintf(buf, sizeof buf,
		 "{\"id\":%lld,\"actor\":\"a\",\"reason\":\"r\",\"area\":\"54.305\"}", p1);
	bil_refused(&h, "premises.update", buf, "bad_request",
		    "area: \"54.305\" has more than 2 decimals");
	bil_refused(
		&h, "premises.create",
		"{\"actor\":\"a\",\"building\":99,\"number\":\"7\",\"kind\":\"flat\",\"area\":\"1\","
		"\"residents\":0}",
		"bad_request", "building: there is no building 99");
	snprintf(buf, sizeof buf,
		 "{\"actor\":\"a\",\"building\":%lld,\"number\":\"1\",\"kind\":\"flat\",\"area\":"
		 "\"40\",\"residents\":1}",
		 bld);
	bil_refused(&h, "premises.create", buf, "conflict",
		    "number: a premises of this number is in the building already (premises 1)");
	snprintf(
		buf, sizeof buf,
		"{\"actor\":\"a\",\"org\":%lld,\"number\":\"100234\",\"holder\":{\"type\":"
		"\"legal\",\"name\":\"ООО Ромашка\",\"inn\":\"7707083893\",\"kpp\":\"773601001\"}}",
		org);
	bil_refused(&h, "account.create", buf, "conflict",
		    "number: the organisation has an account of this number already");
	snprintf(buf, sizeof buf,
		 "{\"actor\":\"a\",\"org\":%lld,\"number\":\"100235\",\"holder\":{\"type\":"
		 "\"legal\",\"name\":\"ООО Ромашка\"}}",
		 org);
	bil_refused(&h, "account.create", buf, "bad_request", "holder.inn: missing");
	/* ownership shares of one premises add up to at most the whole, on
	 * every day: Иванова holds half of flat 1 from 2025-03-01 */
	snprintf(buf, sizeof buf,
		 "{\"actor\":\"a\",\"org\":%lld,\"number\":\"100301\",\"holder\":{\"type\":"
		 "\"person\",\"name\":\"Петров И. И.\"},\"premises\":[{\"premises\":%lld,"
		 "\"from\":\"2025-06-01\",\"share\":\"2/3\"}]}",
		 org, p1);
	bil_refused(&h, "account.create", buf, "bad_request",
		    "premises: the ownership shares of premises 1 add up to 7/6 on 2025-06-01");
	snprintf(buf, sizeof buf,
		 "\"org\":%lld,\"number\":\"100301\",\"holder\":{\"type\":\"person\",\"name\":"
		 "\"Петров И. И.\"},\"premises\":[{\"premises\":%lld,\"from\":\"2025-06-01\","
		 "\"share\":\"1/2\"}]",
		 org, p1);
	bil_create(&h, "account", buf);
	/* a third owner only once one of them moved out */
	snprintf(buf, sizeof buf,
		 "{\"actor\":\"a\",\"org\":%lld,\"number\":\"100302\",\"holder\":{\"type\":"
		 "\"person\",\"name\":\"Сидорова А. А.\"},\"premises\":[{\"premises\":%lld,"
		 "\"from\":\"2026-02-01\",\"share\":\"1/2\"}]}",
		 org, p1);
	bil_refused(&h, "account.create", buf, "bad_request",
		    "premises: the ownership shares of premises 1 add up to 3/2 on 2026-02-01");
	snprintf(buf, sizeof buf,
		 "{\"id\":%lld,\"actor\":\"a\",\"reason\":\"sold her half\",\"premises\":"
		 "[{\"premises\":%lld,\"from\":\"2025-03-01\",\"to\":\"2026-02-01\","
		 "\"share\":\"1/2\"}]}",
		 acc, p1);
	json_decref(bil_call(&h, "account.update", buf, NULL, NULL, 0));
	snprintf(buf, sizeof buf,
		 "\"org\":%lld,\"number\":\"100302\",\"holder\":{\"type\":\"person\",\"name\":"
		 "\"Сидорова А. А.\"},\"premises\":[{\"premises\":%lld,\"from\":\"2026-02-01\","
		 "\"share\":\"1/2\"}]",
		 org, p1);
	bil_create(&h, "account", buf);
	snprintf(buf, sizeof buf,
		 "{\"actor\":\"a\",\"premises\":%lld,\"service\":%lld,\"channel\":\"1.1.1\","
		 "\"from\":\"2026-01-01\"}",
		 p2, cold);
	bil_refused(
		&h, "meter.create", buf, "bad_request",
		"channel: 1.1.1 is assigned to premises 1 from 2025-03-01 to 2026-01-15 already");
	snprintf(buf, sizeof buf,
		 "{\"actor\":\"a\",\"premises\":%lld,\"service\":%lld,\"channel\":\"1.01.1\","
		 "\"from\":\"2026-01-01\"}",
		 p2, cold);
	bil_refused(&h, "meter.create", buf, "bad_request", "channel: \"1.01.1\" is not a channel");
	snprintf(buf, sizeof buf,
		 "{\"actor\":\"a\",\"tariff\":%lld,\"from\":\"2026-06-01\",\"price\":\"43\"}",
		 tariff);
	bil_refused(&h, "tariff.version.create", buf, "bad_request",
		    "from: [2026-06-01, open) overlaps version");
	snprintf(buf, sizeof buf,
		 "{\"actor\":\"a\",\"tariff\":%lld,\"from\":\"2030-01-01\",\"price\":\"-1\"}",
		 tariff);
	bil_refused(&h, "tariff.version.create", buf, "bad_request",
		    "price: -1 is negative; a price is 0 or more");
	snprintf(buf, sizeof buf,
		 "{\"id\":%lld,\"actor\":\"a\",\"reason\":\"r\",\"to\":\"2025-12-01\"}", v1);
	bil_refused(&h, "tariff.version.update", buf, "bad_request",
		    "to: 2025-12-01 is not after from 2026-01-01");
	snprintf(buf, sizeof buf, "{\"id\":%lld,\"actor\":\"a\",\"residents\":4}", p1);
	bil_refused(&h, "premises.update", buf, "bad_request", "reason: missing");
	bil_refused(&h, "premises.create", "{\"actor\":\"a\",\"colour\":\"red\"}", "bad_request",
		    "colour: unknown field");
	bil_refused(&h, "premises.get", "{\"id\":42}", "not_found", "id: there is no premises 42");
	r = bil_call(&h, "premises.get", "{\"id\":1}", NULL, NULL, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "residents")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(r, "area")), "54.30");
	json_decref(r);
	(void)meter;

	/* the archive stored the records; the refusals left none */
	ck_assert_int_eq(harness_barrier(&h, "billing", 5000), 0);
	r = bil_audit_records(&h, "billing/premises/1", 2);
	ck_assert_int_eq(json_array_size(json_object_get(r, "records")), 2);
	json_decref(r);
	ck_assert_ptr_null(harness_wait_message(&h, "amr/v1/audit", "\"residents\":4", 0));

	/* amrctl billing: the records of a kind, filtered; one by id; a typo */
	{
		int status = -1;
		char *out = harness_run(&h, "amrctl --compact=yes billing premises building=1",
					&status);

		ck_assert_int_eq(status, 0);
		r = json_loads(out, 0, NULL);
		ck_assert_int_eq(json_array_size(json_object_get(r, "records")), 2);
		json_decref(r);
		free(out);
		out = harness_run(&h, "amrctl --compact=yes billing accounts 1", &status);
		ck_assert_int_eq(status, 0);
		ck_assert_ptr_nonnull(strstr(out, "\"number\":\"100234\""));
		free(out);
		free(harness_run(&h, "amrctl billing flats 2>/dev/null", &status));
		ck_assert_int_eq(WEXITSTATUS(status), 2);
		free(harness_run(&h, "amrctl billing premises 42 2>/dev/null", &status));
		ck_assert_int_eq(WEXITSTATUS(status), 1);
	}
}
END_TEST

/* An account holds premises of its own organisation's buildings only; a
 * tariff prices its own organisation's service; a refusal changes
 * nothing. */
START_TEST(records_of_one_organisation)
{
	char buf[1024];
	long long org1, org2, bld2, p2, svc2;
	json_t *r;

	arc_start(&h, NULL);
	bil_start(&h, NULL);
	org1 = bil_create(&h, "org", BIL_ORG);
	org2 = bil_create(&h, "org", BIL_ORG);
	snprintf(buf, sizeof buf,
		 "\"org\":%lld,\"address\":\"ул. Лесная, 3\",\"tz\":\"Europe/Moscow\"", org2);
	bld2 = bil_create(&h, "building", buf);
	snprintf(buf, sizeof buf,
		 "\"building\":%lld,\"number\":\"1\",\"kind\":\"flat\",\"area\":\"40.00\","
		 "\"residents\":1",
		 bld2);
	p2 = bil_create(&h, "premises", buf);
	snprintf(buf, sizeof buf,
		 "\"org\":%lld,\"code\":\"cold_water\",\"name\":\"ХВС\",\"unit\":\"m3\"", org2);
	svc2 = bil_create(&h, "service", buf);

	snprintf(buf, sizeof buf,
		 "{\"actor\":\"accountant\",\"org\":%lld,\"number\":\"1\",\"holder\":{\"type\":"
		 "\"person\",\"name\":\"Иванов И. И.\"},\"premises\":[{\"premises\":%lld,"
		 "\"from\":\"2026-01-01\"}]}",
		 org1, p2);
	bil_refused(
		&h, "account.create", buf, "bad_request",
		"premises[0].premises: premises 1 belongs to organisation 2, not to organisation 1");
	snprintf(buf, sizeof buf,
		 "{\"actor\":\"accountant\",\"org\":%lld,\"service\":%lld,\"name\":\"ХВС\","
		 "\"kind\":\"per_unit\"}",
		 org1, svc2);
	bil_refused(&h, "tariff.create", buf, "bad_request",
		    "service: service 1 belongs to organisation 2");
	r = bil_call(&h, "account.list", "{}", NULL, NULL, 0);
	ck_assert_int_eq(json_array_size(json_object_get(r, "records")), 0);
	json_decref(r);
	r = bil_call(&h, "tariff.list", "{}", NULL, NULL, 0);
	ck_assert_int_eq(json_array_size(json_object_get(r, "records")), 0);
	json_decref(r);
	/* the same account in the premises' own organisation is taken */
	snprintf(buf, sizeof buf,
		 "\"org\":%lld,\"number\":\"1\",\"holder\":{\"type\":\"person\",\"name\":"
		 "\"Иванов И. И.\"},\"premises\":[{\"premises\":%lld,\"from\":\"2026-01-01\"}]",
		 org2, p2);
	ck_assert_int_eq(bil_create(&h, "account", buf), 1);
}
END_TEST

START_TEST(audit_survives_kill_after_commit)
{
	static const char *const hold[] = { "--audit-publish=false", NULL };
	pid_t p;
	char *rec;
	json_t *r;

	arc_start(&h, NULL);
	/* amr-billing commits the change and its audit record, then dies
	 * before anything reaches the broker */
	p = bil_start(&h, hold);
	bil_create(&h, "org", BIL_ORG);
	ck_assert_int_eq(bil_metric(&h, "amr_billing_audit_pending"), 1);
	ck_assert_ptr_null(harness_wait_message(&h, "amr/v1/audit", "org.create", 0));
	harness_kill(&h, p, SIGKILL);

	/* after the restart the record goes out, and the archive has it */
	p = bil_start(&h, NULL);
	rec = harness_wait_message(&h, "amr/v1/audit", "\"action\":\"org.create\"", 15000);
	ck_assert_msg(rec != NULL, "the audit record was lost");
	ck_assert_ptr_nonnull(strstr(rec, "\"actor\":\"accountant\""));
	ck_assert_ptr_nonnull(strstr(rec, "\"target\":\"billing/org/1\""));
	free(rec);
	r = bil_audit_records(&h, "billing/org/1", 1);
	ck_assert_int_eq(json_array_size(json_object_get(r, "records")), 1);
	json_decref(r);
	/* it came back from the broker, so it left the outbox */
	HARNESS_POLL_UNTIL(bil_metric(&h, "amr_billing_audit_pending") == 0, 5000);
	ck_assert_int_eq(bil_metric(&h, "amr_billing_audit_pending"), 0);
	ck_assert_int_ge(bil_metric(&h, "amr_billing_audit_confirmed_total"), 1);
	/* the data survived too */
	r = bil_call(&h, "org.get", "{\"id\":1}", NULL, NULL, 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "inn")), "7707083893");
	json_decref(r);
	harness_kill(&h, p, SIGTERM);
}
END_TEST

/* The key-rate table and the calendar over RPC: one key rate per date, one
 * calendar record per day, each refusal naming the field. */
START_TEST(rates_and_calendar_over_rpc)
{
	long long org, kr;
	json_t *r;
	pid_t p = bil_start(&h, NULL);

	org = bil_create(&h, "org", BIL_ORG);
	kr = bil_create(&h, "rate",
			"\"org\":1,\"kind\":\"key_rate\",\"from\":\"2025-10-27\","
			"\"rate\":\"16.5\"");
	bil_refused(&h, "rate.create",
		    "{\"actor\":\"a\",\"org\":1,\"kind\":\"key_rate\",\"from\":\"2025-10-27\","
		    "\"rate\":\"17.00\"}",
		    "conflict",
		    "from: the organisation has a key rate from this date already (rate 1)");
	bil_refused(&h, "rate.create",
		    "{\"actor\":\"a\",\"org\":1,\"kind\":\"key_rate\",\"from\":\"2025-12-22\","
		    "\"rate\":\"16.005\"}",
		    "bad_request", "rate: \"16.005\" has more than 2 decimals");
	bil_create(&h, "rate",
		   "\"org\":1,\"kind\":\"rate_cap\",\"from\":\"2022-02-28\","
		   "\"to\":\"2023-01-01\",\"rate\":\"9.50\"");
	bil_create(&h, "rate",
		   "\"org\":1,\"kind\":\"rate_cap\",\"from\":\"2022-02-28\","
		   "\"rate\":\"9.50\"");
	bil_create(&h, "calendar",
		   "\"org\":1,\"date\":\"2027-01-07\",\"working\":false,"
		   "\"note\":\"Рождество\"");
	bil_refused(&h, "calendar.create",
		    "{\"actor\":\"a\",\"org\":1,\"date\":\"2027-01-07\",\"working\":true}",
		    "conflict",
		    "date: the organisation's calendar has this day already (calendar 1)");
	bil_refused(&h, "calendar.create",
		    "{\"actor\":\"a\",\"org\":2,\"date\":\"2027-01-08\",\"working\":false}",
		    "bad_request", "org: there is no org 2");
	r = bil_call(&h, "rate.get", "{\"id\":1}", NULL, NULL, 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "rate")), "16.50");
	json_decref(r);
	r = bil_call(&h, "rate.list", "{\"org\":1}", NULL, NULL, 0);
	ck_assert_int_eq(json_array_size(json_object_get(r, "records")), 3);
	json_decref(r);
	{
		int status = -1;
		char *out = harness_run(&h, "amrctl --compact=yes billing rates org=1", &status);

		ck_assert_int_eq(status, 0);
		r = json_loads(out, 0, NULL);
		ck_assert_int_eq(json_array_size(json_object_get(r, "records")), 3);
		json_decref(r);
		free(out);
	}
	/* the key rate moved to a free date keeps its id; the old date is free again */
	r = bil_call(&h, "rate.update",
		     "{\"id\":1,\"actor\":\"a\",\"reason\":\"a typo\",\"from\":\"2025-10-28\"}",
		     NULL, NULL, 0);
	json_decref(r);
	bil_create(&h, "rate",
		   "\"org\":1,\"kind\":\"key_rate\",\"from\":\"2025-10-27\","
		   "\"rate\":\"16.50\"");
	ck_assert_int_eq(org, 1);
	ck_assert_int_eq(kr, 1);
	harness_kill(&h, p, SIGTERM);
}
END_TEST

static Suite *billing_suite(void)
{
	Suite *s = suite_create("billing");
	TCase *tc = tcase_create("billing");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, records_checked_and_audited);
	tcase_add_test(tc, records_of_one_organisation);
	tcase_add_test(tc, audit_survives_kill_after_commit);
	tcase_add_test(tc, rates_and_calendar_over_rpc);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(billing_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
