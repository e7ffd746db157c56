/*
 * The whole stack against a real Mosquitto: every service comes online,
 * a service killed with SIGKILL is marked offline by its last will and comes
 * back, amrctl reaches a service and reports clearly when it is down.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"

static const char *const services[] = { "archive", "ingest", "billing", "notify", "web" };
#define NSERVICES (sizeof services / sizeof services[0])

static struct harness h;
static pid_t pids[NSERVICES];

static void start_service(size_t i)
{
	char name[32];

	snprintf(name, sizeof name, "amr-%s", services[i]);
	pids[i] = harness_spawn(&h, name, (const char *[]){ NULL });
	ck_assert_int_gt(pids[i], 0);
}

static char *status_of(const char *svc, const char *needle, int ms)
{
	char topic[64];

	snprintf(topic, sizeof topic, "amr/v1/svc/%s/status", svc);
	return harness_wait_message(&h, topic, needle, ms);
}

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	for (size_t i = 0; i < NSERVICES; i++)
		start_service(i);
}

static void teardown(void)
{
	harness_stop(&h);
}

START_TEST(every_service_comes_online)
{
	for (size_t i = 0; i < NSERVICES; i++) {
		char *st = status_of(services[i], "\"online\":true", 15000);

		ck_assert_msg(st != NULL, "%s never reported online", services[i]);
		ck_assert_ptr_nonnull(strstr(st, "\"version\":"));
		ck_assert_ptr_nonnull(strstr(st, "\"started\":"));
		free(st);
	}
	/* amrctl status lists them all: every retained status comes before
	 * its barrier (no fixed wait that a slow broker could outrun) */
	{
		int status;
		char *out = harness_run(&h, "amrctl status 2>&1", &status);

		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", out);
		for (size_t i = 0; i < NSERVICES; i++) {
			char want[48];

			snprintf(want, sizeof want, "\"%s\": {", services[i]);
			ck_assert_msg(strstr(out, want), "amrctl status without %s: %s",
				      services[i], out);
		}
		ck_assert_msg(!strstr(out, "incomplete"), "%s", out);
		free(out);
	}
}
END_TEST

START_TEST(killed_service_goes_offline_by_will_and_returns)
{
	size_t i = 2; /* billing: any service will do */
	char *st = status_of(services[i], "\"online\":true", 15000);

	ck_assert_ptr_nonnull(st);
	free(st);
	harness_clear_inbox(&h);
	harness_kill(&h, pids[i], SIGKILL);
	/* The broker publishes the will when the keep-alive runs out or, as
	 * here, at once when the socket closes. */
	st = status_of(services[i], "{\"online\":false}", 15000);
	ck_assert_msg(st != NULL, "no offline status after SIGKILL");
	free(st);
	harness_clear_inbox(&h);
	start_service(i);
	st = status_of(services[i], "\"online\":true", 15000);
	ck_assert_msg(st != NULL, "no online status after restart");
	free(st);
}
END_TEST

START_TEST(clean_stop_publishes_offline_and_exits_zero)
{
	size_t i = 3; /* notify */
	char *st = status_of(services[i], "\"online\":true", 15000);
	int status;

	ck_assert_ptr_nonnull(st);
	free(st);
	harness_clear_inbox(&h);
	status = harness_kill(&h, pids[i], SIGTERM);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	st = status_of(services[i], "{\"online\":false}", 5000);
	ck_assert_ptr_nonnull(st);
	free(st);
}
END_TEST

START_TEST(amrctl_answers_and_reports_a_missing_service)
{
	char *out, *st;
	int status;

	st = status_of("archive", "\"online\":true", 15000);
	ck_assert_ptr_nonnull(st);
	free(st);
	out = harness_run(&h, "amrctl rpc archive/ping '{}' 2>&1", &status);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", out);
	ck_assert_msg(strstr(out, "\"service\": \"archive\"") != NULL, "%s", out);
	free(out);

	/* An unknown method is an error answer, not a hang. */
	out = harness_run(&h, "amrctl rpc archive/no.such '{}' 2>&1", &status);
	ck_assert_int_eq(WEXITSTATUS(status), 1);
	ck_assert_msg(strstr(out, "unknown_method") != NULL, "%s", out);
	free(out);

	/* Malformed arguments never leave amrctl. */
	out = harness_run(&h, "amrctl rpc archive/ping '{\"a\":' 2>&1", &status);
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	ck_assert_msg(strstr(out, "malformed JSON") != NULL, "%s", out);
	free(out);

	harness_kill(&h, pids[0], SIGTERM);
	out = harness_run(&h, "amrctl --timeout 1500 rpc archive/ping '{}' 2>&1", &status);
	ck_assert_int_eq(WEXITSTATUS(status), 1);
	ck_assert_msg(strstr(out, "archive is not answering") != NULL, "%s", out);
	free(out);
}
END_TEST

START_TEST(amrctl_reports_an_unreachable_broker)
{
	char *out;
	int status;

	harness_broker_kill(&h, SIGTERM);
	out = harness_run(&h, "amrctl --timeout 1500 rpc archive/ping '{}' 2>&1", &status);
	ck_assert_int_eq(WEXITSTATUS(status), 1);
	ck_assert_msg(strstr(out, "cannot reach the broker") != NULL, "%s", out);
	free(out);
}
END_TEST

/* amrctl ping NAME until it answers (30 tries); its output. */
static bool pings(const char *name, char **last)
{
	char cmd[128];
	int status;

	snprintf(cmd, sizeof cmd, "amrctl --timeout 1000 ping %s 2>&1", name);
	for (int i = 0; i < 30; i++) {
		free(*last);
		*last = harness_run(&h, cmd, &status);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			return true;
		harness_sleep_ms(500);
	}
	return false;
}

START_TEST(services_reconnect_after_a_broker_restart)
{
	char *st = status_of("web", "\"online\":true", 15000), *out = NULL;

	ck_assert_ptr_nonnull(st);
	free(st);
	/* The service has settled (its RPC subscription answers) before the
	 * broker goes: Paho 1.3.12 can free a SUBSCRIBE still in flight under
	 * its own receive thread when the connection drops within
	 * milliseconds of connecting (lib/mq.h). */
	ck_assert_msg(pings("web", &out), "web did not answer before the restart: %s", out);
	harness_broker_kill(&h, SIGKILL);
	ck_assert_int_eq(harness_broker_start(&h), 0);
	/* amrctl connects anew each time; the web answers once its session
	 * came back (pings tries for 30 s). */
	ck_assert_msg(pings("web", &out), "web did not answer after the broker restarted: %s", out);
	free(out);
}
END_TEST

/* Canonical batches straight to the archive, then amrctl as a person uses
 * it: latest values, a series as CSV, a command refused without a reason. */
START_TEST(amrctl_latest_series_csv_and_commands)
{
	long long now = (long long)time(NULL);
	char batch[512], cmd[256], *out, *st;
	int status;

	st = status_of("archive", "\"online\":true", 15000);
	ck_assert_ptr_nonnull(st);
	free(st);
	harness_subscribe(&h, "amr/v1/gw/7/ack");
	for (int seq = 1; seq <= 3; seq++) {
		snprintf(batch, sizeof batch,
			 "{\"obj\":7,\"rx\":%lld,\"seq\":%d,\"ts\":%lld,\"readings\":"
			 "[{\"addr\":3,\"ch\":2,\"total\":%d,\"delta\":%d,\"period_ms\":900}]}",
			 now, seq, now - 3 + seq, 1000 + 25 * (seq - 1), seq == 1 ? 0 : 25);
		ck_assert_int_eq(harness_publish(&h, "amr/v1/readings/7", batch, 1, false), 0);
	}
	st = harness_wait_message(&h, "amr/v1/gw/7/ack", "{\"seq\":3}", 10000);
	ck_assert_msg(st != NULL, "the archive never acknowledged seq 3");
	free(st);

	out = harness_run(&h, "amrctl latest 7 2>&1", &status);
	ck_assert_msg(WEXITSTATUS(status) == 0, "%s", out);
	ck_assert_msg(strstr(out, "7.3.2") && strstr(out, "1050"), "%s", out);
	free(out);
	/* in units once the registry knows the weight: 1050 pulses of 1 Wh are
	 * 1.050 kWh, never "1050 kWh" */
	out = harness_run(&h,
			  "amrctl rpc archive/registry.set '{\"id\":\"7.3.2\",\"actor\":\"t\","
			  "\"unit\":\"kWh\",\"weight\":{\"num\":1,\"den\":1000}}' 2>&1",
			  &status);
	ck_assert_msg(WEXITSTATUS(status) == 0, "%s", out);
	free(out);
	out = harness_run(&h, "amrctl latest 7 2>&1", &status);
	ck_assert_msg(WEXITSTATUS(status) == 0, "%s", out);
	ck_assert_msg(strstr(out, " 1050 ") && strstr(out, " 1.050 kWh "), "%s", out);
	free(out);

	snprintf(cmd, sizeof cmd, "amrctl series 7.3.2 --step raw --csv --from %lld --to %lld 2>&1",
		 now - 60, now + 60);
	out = harness_run(&h, cmd, &status);
	ck_assert_msg(WEXITSTATUS(status) == 0, "%s", out);
	ck_assert_msg(strncmp(out, "channel,unit,t,time_utc,time_local,pulses,quantity\n", 51) == 0,
		      "%s", out);
	{
		/* The pulses column adds up to the change of the total. */
		long long sum = 0;
		char *line = strchr(out, '\n');

		while (line && line[1]) {
			char *field = line + 1;

			for (int i = 0; i < 5 && field; i++)
				field = strchr(field, ',') ? strchr(field, ',') + 1 : NULL;
			if (field)
				sum += atoll(field);
			line = strchr(line + 1, '\n');
		}
		ck_assert_int_eq(sum, 50);
	}
	free(out);

	out = harness_run(&h, "amrctl series 7.3.2 --from yesterday 2>&1", &status);
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	free(out);
	out = harness_run(&h, "amrctl block 7 3 2 2>&1", &status);
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	ck_assert_msg(strstr(out, "--reason") != NULL, "%s", out);
	free(out);
	/* no gateway of object 7 is connected: the block is queued, not done,
	 * and the exit status says so */
	out = harness_run(&h, "amrctl block 7 3 2 --reason test 2>&1", &status);
	ck_assert_msg(WEXITSTATUS(status) == 3, "exit %d: %s", WEXITSTATUS(status), out);
	ck_assert_msg(strstr(out, "is queued: the gateway of the object is not connected"), "%s",
		      out);
	free(out);
	out = harness_run(&h, "amrctl frobnicate 2>&1", &status);
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	ck_assert_msg(strstr(out, "unknown command") != NULL, "%s", out);
	free(out);
}
END_TEST

static Suite *stack_suite(void)
{
	Suite *s = suite_create("stack");
	TCase *tc = tcase_create("services");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, every_service_comes_online);
	tcase_add_test(tc, killed_service_goes_offline_by_will_and_returns);
	tcase_add_test(tc, clean_stop_publishes_offline_and_exits_zero);
	tcase_add_test(tc, amrctl_answers_and_reports_a_missing_service);
	tcase_add_test(tc, amrctl_reports_an_unreachable_broker);
	tcase_add_test(tc, services_reconnect_after_a_broker_restart);
	tcase_add_test(tc, amrctl_latest_series_csv_and_commands);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(stack_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
