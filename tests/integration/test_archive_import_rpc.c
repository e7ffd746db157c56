/*
 * Integration tests of historical and manual readings (archive/import) and
 * of what billing reads beside the quantities, with a real Mosquitto and
 * amr-archive: a day imported for a new channel comes back exactly by
 * consumption and series, audited, and after a kill -9; an import over
 * live readings is refused and changes nothing; an import then live
 * readings add up; bad input is refused naming the entry; zones in another
 * zone and coverage over RPC; amrctl archive import of a CSV file.
 */
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "archive_util.h"

static struct harness h;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
}

static void teardown(void)
{
	harness_stop(&h);
}

/* A Moscow midnight (the archive's default zone, UTC+3) days before now. */
static int64_t midnight(int days)
{
	int64_t now = (int64_t)time(NULL);

	return (now + 10800) / 86400 * 86400 - 10800 - 86400LL * days;
}

/* The args of archive/import of n hours of channel from from, pulse(i)
 * each; a new string. */
static char *import_args(const char *channel, const char *source, int64_t from, size_t n,
			 uint32_t (*pulse)(size_t))
{
	json_t *a = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:[]}", "actor", "admin", "reason",
			      "history from the old system", "source", source, "channel", channel,
			      "step", "hour", "from", (json_int_t)from, "pulses");
	char *text;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(json_object_get(a, "pulses"), json_integer(pulse(i)));
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return text;
}

static uint32_t varied(size_t i)
{
	return (uint32_t)(i * 5 % 13);
}

static uint32_t ones(size_t i)
{
	(void)i;
	return 1;
}

static uint64_t sum_of(size_t n, uint32_t (*pulse)(size_t))
{
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += pulse(i);
	return s;
}

/* Pulses of one channel over [from, to) by archive/consumption; the item's
 * coverage field instead when cov is given; -1 if not found. */
static long long consumption(const char *channel, int64_t from, int64_t to, const char *cov)
{
	char args[160], code[32] = "";
	json_t *r, *it;
	long long v;

	snprintf(args, sizeof args, "{\"channels\":[\"%s\"],\"from\":%lld,\"to\":%lld}", channel,
		 (long long)from, (long long)to);
	if (!(r = arc_rpc(&h, "consumption", args, NULL, code, sizeof code)))
		return -1;
	it = json_array_get(json_object_get(r, "items"), 0);
	v = json_integer_value(cov ? json_object_get(json_object_get(it, "coverage"), cov)
				   : json_object_get(it, "pulses"));
	json_decref(r);
	return v;
}

/* Sum of the points of a series of step over [from, to); *n their number. */
static long long series(const char *channel, const char *step, int64_t from, int64_t to, size_t *n)
{
	char args[200];
	json_t *r, *pt;
	long long sum = 0;
	size_t i;

	snprintf(args, sizeof args,
		 "{\"channel\":\"%s\",\"from\":%lld,\"to\":%lld,\"step\":\"%s\"}", channel,
		 (long long)from, (long long)to, step);
	r = arc_rpc(&h, "series", args, NULL, NULL, 0);
	ck_assert_ptr_nonnull(r);
	json_array_foreach(json_object_get(r, "points"), i, pt)
		sum += json_integer_value(json_object_get(pt, "pulses"));
	*n = json_array_size(json_object_get(r, "points"));
	json_decref(r);
	return sum;
}

/* The archive.import audit records of target. */
static json_t *import_audits(const char *target)
{
	char args[96];
	json_t *r, *rec, *out = json_array();
	size_t i;

	snprintf(args, sizeof args, "{\"target\":\"%s\"}", target);
	r = arc_rpc(&h, "audit.query", args, NULL, NULL, 0);
	ck_assert_ptr_nonnull(r);
	json_array_foreach(json_object_get(r, "records"), i, rec)
		if (!strcmp(json_string_value(json_object_get(rec, "action")), "archive.import"))
			json_array_append(out, rec);
	json_decref(r);
	return out;
}

/* The whole answer of archive/import with args; new. */
static json_t *import_answer(const char *args)
{
	char *text = harness_rpc(&h, "archive/import", args, 10000);
	json_t *ans;

	ck_assert_msg(text != NULL, "archive/import: no answer");
	ans = json_loads(text, 0, NULL);
	free(text);
	ck_assert_ptr_nonnull(ans);
	return ans;
}

static const char *error_of(const json_t *ans, const char *field)
{
	return json_string_value(json_object_get(json_object_get(ans, "error"), field)) ?: "";
}

START_TEST(a_day_imported_for_a_new_channel)
{
	const int64_t day = midnight(30);
	const uint64_t sum = sum_of(24, varied);
	char *args = import_args("3.5.1", "demo-history", day, 24, varied);
	json_t *ans, *res, *recs, *d;
	size_t n;
	pid_t p;

	p = arc_start(&h, NULL);
	ans = import_answer(args);
	ck_assert_msg(json_is_true(json_object_get(ans, "ok")), "%s", error_of(ans, "message"));
	res = json_object_get(ans, "result");
	ck_assert_str_eq(json_string_value(json_object_get(res, "channel")), "3.5.1");
	ck_assert_int_eq(json_integer_value(json_object_get(res, "from")), day);
	ck_assert_int_eq(json_integer_value(json_object_get(res, "to")), day + 86400);
	ck_assert_int_eq(json_integer_value(json_object_get(res, "hours")), 24);
	ck_assert_int_eq(json_integer_value(json_object_get(res, "pulses")), (json_int_t)sum);
	ck_assert_str_eq(json_string_value(json_object_get(res, "source")), "demo-history");
	json_decref(ans);
	for (int round = 0; round < 2; round++) {
		ck_assert_int_eq(consumption("3.5.1", day, day + 86400, NULL), (long long)sum);
		ck_assert_int_eq(consumption("3.5.1", day, day + 86400, "imported_hours"), 24);
		ck_assert_int_eq(series("3.5.1", "hour", day, day + 86400, &n), (long long)sum);
		ck_assert_uint_eq(n, 24);
		ck_assert_int_eq(series("3.5.1", "day", day, day + 86400, &n), (long long)sum);
		ck_assert_uint_eq(n, 1);
		ck_assert_int_eq(series("3.5.1", "month", day - 40 * 86400, day + 40 * 86400, &n),
				 (long long)sum);
		recs = import_audits("3.5.1");
		ck_assert_uint_eq(json_array_size(recs), 1);
		d = json_object_get(json_array_get(recs, 0), "detail");
		ck_assert_str_eq(
			json_string_value(json_object_get(json_array_get(recs, 0), "actor")),
			"admin");
		ck_assert_str_eq(json_string_value(json_object_get(d, "source")), "demo-history");
		ck_assert_str_eq(json_string_value(json_object_get(d, "reason")),
				 "history from the old system");
		ck_assert_int_eq(json_integer_value(json_object_get(d, "from")), day);
		ck_assert_int_eq(json_integer_value(json_object_get(d, "to")), day + 86400);
		ck_assert_int_eq(json_integer_value(json_object_get(d, "hours")), 24);
		ck_assert_int_eq(json_integer_value(json_object_get(d, "pulses")), (json_int_t)sum);
		json_decref(recs);
		/* and all of it again after a kill -9 */
		if (round == 0) {
			harness_kill(&h, p, SIGKILL);
			p = arc_start(&h, NULL);
		}
	}
	/* the same hours again: refused */
	ans = import_answer(args);
	ck_assert_str_eq(error_of(ans, "code"), "conflict");
	json_decref(ans);
	free(args);
}
END_TEST

START_TEST(an_import_over_live_readings_changes_nothing)
{
	const int64_t t0 = midnight(1) + 3600;
	char *args;
	json_t *ans;
	struct agw g;
	long long before;

	arc_start(&h, NULL);
	agw_init(&g, &h, 4, 16);
	for (int i = 0; i < 6; i++)
		agw_send(&g, t0 + i * 600);
	arc_wait_ack(&h, 4, 6, 10000);
	before = consumption("4.1.1", t0 - 2 * 86400, t0 + 86400, NULL);
	ck_assert_int_gt(before, 0);
	/* a day ending an hour after the first live reading */
	args = import_args("4.1.1", "old-system", t0 - 23 * 3600, 24, ones);
	ans = import_answer(args);
	ck_assert_str_eq(error_of(ans, "code"), "conflict");
	ck_assert_msg(strstr(error_of(ans, "message"), "channel 4.1.1: its live readings begin at"),
		      "%s", error_of(ans, "message"));
	json_decref(ans);
	free(args);
	ck_assert_int_eq(consumption("4.1.1", t0 - 2 * 86400, t0 + 86400, NULL), before);
	ck_assert_int_eq(consumption("4.1.1", t0 - 2 * 86400, t0 + 86400, "imported_hours"), 0);
	{
		json_t *recs = import_audits("4.1.1");

		ck_assert_uint_eq(json_array_size(recs), 0);
		json_decref(recs);
	}
	arc_check_conservation(&h, &g);
	agw_free(&g);
}
END_TEST

START_TEST(an_import_then_live_readings_add_up)
{
	const int64_t t0 = midnight(1) + 7200;
	char *args = import_args("5.1.1", "old-system", t0 - 48 * 3600, 48, varied);
	json_t *ans;
	struct agw g;

	arc_start(&h, NULL);
	ans = import_answer(args);
	ck_assert_msg(json_is_true(json_object_get(ans, "ok")), "%s", error_of(ans, "message"));
	json_decref(ans);
	free(args);
	agw_init(&g, &h, 5, 16);
	for (int i = 0; i < 8; i++)
		agw_send(&g, t0 + i * 600);
	arc_wait_ack(&h, 5, 8, 10000);
	ck_assert_int_eq(consumption("5.1.1", t0 - 72 * 3600, t0 + 86400, NULL),
			 (long long)(sum_of(48, varied) + g.total[0] - g.first[0]));
	/* the live readings' hours besides the imported ones */
	ck_assert_int_eq(consumption("5.1.1", t0 - 72 * 3600, t0 + 86400, "imported_hours"), 48);
	ck_assert_int_eq(consumption("5.1.1", t0 - 72 * 3600, t0 + 86400, "hours"), 48 + 2);
	agw_free(&g);
}
END_TEST

START_TEST(bad_imports_are_refused_and_change_nothing)
{
	const int64_t day = midnight(3);
	static uint32_t bad[18] = { 12, 0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 0 };
	char args[512], code[32] = "";
	json_t *ans;
	int n;

	arc_start(&h, NULL);
	n = snprintf(args, sizeof args,
		     "{\"actor\":\"admin\",\"reason\":\"r\",\"source\":\"s\",\"channel\":\"6.1.1\","
		     "\"from\":%lld,\"pulses\":[",
		     (long long)day);
	for (int i = 0; i < 18; i++)
		n += snprintf(args + n, sizeof args - (size_t)n, "%s%d", i ? "," : "",
			      i == 17 ? -3 : (int)bad[i]);
	snprintf(args + n, sizeof args - (size_t)n, "]}");
	ans = import_answer(args);
	ck_assert_str_eq(error_of(ans, "code"), "bad_request");
	ck_assert_str_eq(error_of(ans, "message"), "pulses[17]: -3 is negative");
	json_decref(ans);
	snprintf(args, sizeof args,
		 "{\"actor\":\"admin\",\"reason\":\"r\",\"source\":\"s\",\"channel\":\"6.1.1\","
		 "\"from\":%lld,\"pulses\":[1]}",
		 (long long)day + 60);
	ans = import_answer(args);
	ck_assert_str_eq(error_of(ans, "code"), "bad_request");
	ck_assert_ptr_nonnull(strstr(error_of(ans, "message"), "from: "));
	json_decref(ans);
	/* nothing registered, nothing audited */
	ck_assert_ptr_null(
		arc_rpc(&h, "registry.get", "{\"id\":\"6.1.1\"}", "not_found", code, sizeof code));
	ck_assert_str_eq(code, "not_found");
}
END_TEST

/* archive/zones in a building's zone over RPC, with coverage; a zone that
 * does not exist is refused naming tz; consumption takes no tz. */
START_TEST(zones_in_another_zone_with_coverage)
{
	const int64_t day = midnight(5);
	char *args = import_args("7.1.1", "s", day, 24, ones), zargs[400];
	json_t *ans, *r, *it, *z;

	arc_start(&h, NULL);
	ans = import_answer(args);
	ck_assert(json_is_true(json_object_get(ans, "ok")));
	json_decref(ans);
	free(args);
	/* the Moscow day is 07:00-07:00 in Vladivostok: 16 day hours, 8 night */
	snprintf(zargs, sizeof zargs,
		 "{\"channels\":[\"7.1.1\"],\"from\":%lld,\"to\":%lld,\"tz\":\"Asia/Vladivostok\","
		 "\"zones\":[{\"name\":\"day\",\"from\":\"07:00\",\"to\":\"23:00\"},"
		 "{\"name\":\"night\",\"from\":\"23:00\",\"to\":\"07:00\"}]}",
		 (long long)day, (long long)day + 86400);
	r = arc_rpc(&h, "zones", zargs, NULL, NULL, 0);
	ck_assert_ptr_nonnull(r);
	it = json_array_get(json_object_get(r, "items"), 0);
	z = json_object_get(it, "zones");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(z, 0), "pulses")), 16);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(z, 1), "pulses")), 8);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(it, "coverage"), "span_hours")),
		24);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(it, "coverage"),
							    "imported_hours")),
			 24);
	json_decref(r);
	/* a zone that is no zone is refused, naming tz */
	snprintf(zargs, sizeof zargs,
		 "{\"channels\":[\"7.1.1\"],\"from\":%lld,\"to\":%lld,\"tz\":\"Mars/Base\","
		 "\"zones\":[{\"name\":\"all\",\"from\":\"00:00\",\"to\":\"24:00\"}]}",
		 (long long)day, (long long)day + 86400);
	{
		char *text = harness_rpc(&h, "archive/zones", zargs, 10000);

		ck_assert_ptr_nonnull(text);
		ck_assert_msg(strstr(text, "\"bad_request\"") &&
				      strstr(text, "tz: \\\"Mars/Base\\\""),
			      "%s", text);
		free(text);
	}
	snprintf(zargs, sizeof zargs,
		 "{\"channels\":[\"7.1.1\"],\"from\":%lld,\"to\":%lld,\"tz\":\"Asia/Vladivostok\"}",
		 (long long)day, (long long)day + 86400);
	ck_assert_ptr_null(arc_rpc(&h, "consumption", zargs, "bad_request", NULL, 0));
}
END_TEST

/* Write text into the test directory's file name; returns its path. */
static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", h.dir, name);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	return path;
}

START_TEST(amrctl_imports_a_csv_file)
{
	const int64_t day = midnight(10);
	char csv[1024], cmd[1400], *out;
	const char *path;
	int status, n;

	arc_start(&h, NULL);
	/* 8.1.1: hours 0..3 with hour 2 missing (0); 8.1.2: two hours */
	n = snprintf(csv, sizeof csv, "channel,t,pulses\n");
	n += snprintf(csv + n, sizeof csv - (size_t)n, "8.1.1,%lld,5\n8.1.1,%lld,6\n8.1.1,%lld,7\n",
		      (long long)day, (long long)day + 3600, (long long)day + 3 * 3600);
	snprintf(csv + n, sizeof csv - (size_t)n, "8.1.2,%lld,1\n8.1.2,%lld,2\n", (long long)day,
		 (long long)day + 3600);
	path = write_file("good.csv", csv);
	snprintf(cmd, sizeof cmd,
		 "amrctl --compact archive import --source file-test --reason 'meters read by "
		 "hand' %s 2>&1",
		 path);
	out = harness_run(&h, cmd, &status);
	ck_assert_msg(status == 0, "%s", out ? out : "");
	ck_assert_ptr_nonnull(strstr(out, "\"channel\":\"8.1.1\""));
	free(out);
	ck_assert_int_eq(consumption("8.1.1", day, day + 86400, NULL), 18);
	ck_assert_int_eq(consumption("8.1.1", day, day + 86400, "imported_hours"), 4);
	ck_assert_int_eq(consumption("8.1.2", day, day + 86400, NULL), 3);
	{
		json_t *recs = import_audits("8.1.1");

		ck_assert_uint_eq(json_array_size(recs), 1);
		ck_assert_str_eq(
			json_string_value(json_object_get(
				json_object_get(json_array_get(recs, 0), "detail"), "source")),
			"file-test");
		json_decref(recs);
	}
	/* line 3 is not a number: nothing of the file is sent */
	snprintf(csv, sizeof csv, "channel,t,pulses\n8.2.1,%lld,1\n8.2.1,%lld,x\n", (long long)day,
		 (long long)day + 3600);
	path = write_file("bad.csv", csv);
	snprintf(cmd, sizeof cmd, "amrctl archive import --source f --reason r %s 2>&1", path);
	out = harness_run(&h, cmd, &status);
	ck_assert_msg(WEXITSTATUS(status) == 2 && strstr(out, "line 3"), "%d %s", status, out);
	free(out);
	ck_assert_int_eq(consumption("8.2.1", day, day + 86400, NULL), -1); /* never seen */
}
END_TEST

Suite *archive_import_integ_suite(void)
{
	Suite *s = suite_create("archive_import_integration");
	TCase *tc = tcase_create("import");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, a_day_imported_for_a_new_channel);
	tcase_add_test(tc, an_import_over_live_readings_changes_nothing);
	tcase_add_test(tc, an_import_then_live_readings_add_up);
	tcase_add_test(tc, bad_imports_are_refused_and_change_nothing);
	tcase_add_test(tc, zones_in_another_zone_with_coverage);
	tcase_add_test(tc, amrctl_imports_a_csv_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(archive_import_integ_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
