/*
 * test_ingest_commands.c - command routing of amr-ingest with a real
 * Mosquitto: the test calls ingest/command over RPC and its probe plays the
 * gateway (amr/v1/gw/{obj}/status, /cmd, /cmd/result).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <check.h>

#include "err.h"
#include "test_ingest_util.h"

static struct harness h;
static struct client cl;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/gw/+/cmd"), 0);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/audit"), 0);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/deadletter"), 0);
	ck_assert_int_eq(client_start(&cl, &h), 0);
}

static void teardown(void)
{
	client_stop(&cl);
	harness_stop(&h);
}

static void gateway_status(unsigned obj, bool online)
{
	char topic[64];

	snprintf(topic, sizeof topic, "amr/v1/gw/%u/status", obj);
	ck_assert_int_eq(
		harness_publish(&h, topic,
				online ? "{\"online\":true,\"fw\":\"1.0\"}" : "{\"online\":false}",
				1, true),
		0);
}

/* Wait for the command on amr/v1/gw/{obj}/cmd; returns it parsed. */
static json_t *gateway_receives(unsigned obj, const char *needle, int ms)
{
	char filter[64], *m;
	json_t *j;

	snprintf(filter, sizeof filter, "amr/v1/gw/%u/cmd", obj);
	m = harness_wait_message(&h, filter, needle, ms);
	ck_assert_msg(m != NULL, "the gateway got no command with %s", needle);
	j = parse(m);
	free(m);
	ck_assert_ptr_nonnull(j);
	return j;
}

static void gateway_answers(unsigned obj, const char *id, const char *tail)
{
	char topic[64], text[256];

	snprintf(topic, sizeof topic, "amr/v1/gw/%u/cmd/result", obj);
	snprintf(text, sizeof text, "{\"id\":\"%s\",%s}", id, tail);
	ck_assert_int_eq(harness_publish(&h, topic, text, 1, false), 0);
}

static const char *str(const json_t *o, const char *field)
{
	const char *s = json_string_value(json_object_get(o, field));

	ck_assert_msg(s != NULL, "no string field %s", field);
	return s;
}

/* Ingest has handled everything the probe published so far (a gateway's
 * status, a result) and what it published for those is in the inbox:
 * harness_barrier(). */
static void ingest_caught_up(void)
{
	ck_assert_msg(harness_barrier(&h, "ingest", 5000) == 0, "ingest did not answer a ping");
}

/* No message on filter (NULL needle: any) after ingest_caught_up(). */
static void assert_none(const char *filter, const char *what)
{
	char *m;

	ingest_caught_up();
	m = harness_wait_message(&h, filter, NULL, 0);
	ck_assert_msg(m == NULL, "%s: %s", what, m);
}

/* The record of a command through ingest/command.get (new reference). */
static json_t *command_get(const char *id)
{
	struct answer a;
	char args[96];

	snprintf(args, sizeof args, "{\"id\":\"%s\"}", id);
	ck_assert_int_eq(client_call(&cl, "ingest/command.get", args, 5000, &a), AMR_OK);
	return a.result;
}

START_TEST(test_command_done_within_the_wait)
{
	struct answer a;
	json_t *cmd, *res, *audit;
	char id[64], *m;

	ck_assert_int_gt(start_ingest(&h, NULL), 0);
	gateway_status(7, true);
	ingest_caught_up();
	ck_assert_int_eq(
		client_call_async(&cl, "ingest/command",
				  "{\"obj\":7,\"cmd\":\"block\",\"addr\":5,\"out\":2,"
				  "\"actor\":\"operator1\",\"reason\":\"debt\",\"wait\":10}",
				  15000, &a),
		0);
	/* The test's loop is idle while the gateway stand-in works. */
	cmd = gateway_receives(7, "\"cmd\":\"block\"", 5000);
	ck_assert_int_eq(json_integer_value(json_object_get(cmd, "addr")), 5);
	ck_assert_int_eq(json_integer_value(json_object_get(cmd, "out")), 2);
	ck_assert_int_gt(json_integer_value(json_object_get(cmd, "expires")), time(NULL));
	snprintf(id, sizeof id, "%s", str(cmd, "id"));
	json_decref(cmd);
	gateway_answers(7, id, "\"ok\":true,\"output\":\"blocked\"");

	client_wait(&cl, &a);
	ck_assert_msg(a.err == AMR_OK, "ingest/command failed: %s %s", a.code, a.message);
	ck_assert_str_eq(str(a.result, "id"), id);
	ck_assert_str_eq(str(a.result, "state"), "done");
	res = json_object_get(a.result, "result");
	ck_assert(json_is_true(json_object_get(res, "ok")));
	ck_assert_str_eq(str(res, "output"), "blocked");
	json_decref(a.result);

	/* Audited at request and at completion, with who, what and why. */
	m = harness_wait_message(&h, "amr/v1/audit", "\"state\":\"queued\"", 5000);
	ck_assert_ptr_nonnull(m);
	audit = parse(m);
	free(m);
	ck_assert_str_eq(str(audit, "actor"), "operator1");
	ck_assert_str_eq(str(audit, "action"), "block");
	ck_assert_str_eq(str(audit, "target"), "7.5.2");
	ck_assert_str_eq(str(json_object_get(audit, "detail"), "reason"), "debt");
	ck_assert_str_eq(str(json_object_get(audit, "detail"), "id"), id);
	json_decref(audit);
	m = harness_wait_message(&h, "amr/v1/audit", "\"state\":\"done\"", 5000);
	ck_assert_ptr_nonnull(m);
	free(m);

	/* A repeated result (QoS 1 may repeat) changes nothing: neither the
	 * state nor the result, nor a second audit record. */
	harness_clear_inbox(&h);
	gateway_answers(7, id, "\"ok\":false,\"error\":\"late\"");
	assert_none("amr/v1/audit", "a repeated result was audited");
	res = command_get(id);
	ck_assert_str_eq(str(res, "state"), "done");
	ck_assert_str_eq(str(res, "actor"), "operator1");
	ck_assert(json_is_true(json_object_get(json_object_get(res, "result"), "ok")));
	ck_assert_str_eq(str(json_object_get(res, "result"), "output"), "blocked");
	json_decref(res);
}
END_TEST

START_TEST(test_command_failed_and_console)
{
	struct answer a;
	json_t *cmd, *rec;
	char id[64], *m;

	ck_assert_int_gt(start_ingest(&h, NULL), 0);
	gateway_status(7, true);
	ingest_caught_up();
	ck_assert_int_eq(client_call(&cl, "ingest/command",
				     "{\"obj\":7,\"cmd\":\"console\",\"line\":\"show addr\","
				     "\"actor\":\"tech\",\"wait\":0}",
				     5000, &a),
			 AMR_OK);
	ck_assert_str_eq(str(a.result, "state"), "sent");
	snprintf(id, sizeof id, "%s", str(a.result, "id"));
	json_decref(a.result);
	cmd = gateway_receives(7, id, 5000);
	ck_assert_str_eq(str(cmd, "cmd"), "console");
	ck_assert_str_eq(str(cmd, "line"), "show addr");
	json_decref(cmd);
	gateway_answers(7, id, "\"ok\":false,\"error\":\"RS485 timeout\"");
	ingest_caught_up();
	rec = command_get(id);
	ck_assert_str_eq(str(rec, "state"), "failed");
	ck_assert_str_eq(str(json_object_get(rec, "result"), "error"), "RS485 timeout");
	json_decref(rec);
	m = harness_wait_message(&h, "amr/v1/audit", "\"state\":\"failed\"", 5000);
	ck_assert_ptr_nonnull(m);
	ck_assert(strstr(m, "RS485 timeout"));
	free(m);
}
END_TEST

/* amrctl's exit status follows the command's outcome: a block the
 * gateway refuses exits 1 with the gateway's error, one done exits 0. */
START_TEST(test_amrctl_exit_follows_the_outcome)
{
	static const struct {
		const char *answer;
		int exit;
	} cases[] = {
		{ "\"ok\":false,\"error\":\"device 099 is not answering\"", 1 },
		{ "\"ok\":true,\"output\":\"blocked\"", 0 },
	};

	ck_assert_int_gt(start_ingest(&h, NULL), 0);
	gateway_status(7, true);
	ingest_caught_up();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *args[] = { "--timeout", "20000",	"block", "7", "99",
				       "1",	    "--reason", "test",	 NULL };
		char id[64];
		json_t *cmd;
		pid_t pid;
		int st;

		harness_clear_inbox(&h);
		pid = harness_spawn(&h, "amrctl", args);
		ck_assert_int_gt(pid, 0);
		cmd = gateway_receives(7, "\"block\"", 10000);
		snprintf(id, sizeof id, "%s", str(cmd, "id"));
		json_decref(cmd);
		gateway_answers(7, id, cases[i].answer);
		st = harness_wait_exit(&h, pid, 15000);
		ck_assert_msg(st != -1 && WIFEXITED(st), "amrctl did not end");
		ck_assert_msg(WEXITSTATUS(st) == cases[i].exit, "%s: exit %d, want %d",
			      cases[i].answer, WEXITSTATUS(st), cases[i].exit);
	}
}
END_TEST

START_TEST(test_offline_gateway_command_waits_then_expires)
{
	struct answer a;
	json_t *rec;
	char id[64], *m;

	ck_assert_int_gt(start_ingest(&h, NULL), 0);
	gateway_status(9, false);
	ingest_caught_up();
	ck_assert_int_eq(client_call(&cl, "ingest/command",
				     "{\"obj\":9,\"cmd\":\"unblock\",\"addr\":4,\"out\":1,"
				     "\"actor\":\"op\",\"reason\":\"paid\",\"ttl\":3,\"wait\":1}",
				     5000, &a),
			 AMR_OK);
	ck_assert_str_eq(str(a.result, "state"), "queued");
	snprintf(id, sizeof id, "%s", str(a.result, "id"));
	json_decref(a.result);
	assert_none("amr/v1/gw/9/cmd", "a command went to an offline gateway");
	/* Its ttl, 3 s, runs out. */
	for (int i = 0;; i++) {
		rec = command_get(id);
		if (!strcmp(str(rec, "state"), "expired") || i == 100)
			break;
		json_decref(rec);
		harness_sleep_ms(100);
	}
	ck_assert_str_eq(str(rec, "state"), "expired");
	json_decref(rec);
	m = harness_wait_message(&h, "amr/v1/audit", "\"state\":\"expired\"", 5000);
	ck_assert_ptr_nonnull(m);
	ck_assert(strstr(m, "did not come online"));
	free(m);
	/* Coming online later does not send an expired command. */
	gateway_status(9, true);
	assert_none("amr/v1/gw/9/cmd", "an expired command was sent");
}
END_TEST

START_TEST(test_queued_command_sent_when_gateway_returns_after_restart)
{
	struct answer a;
	json_t *cmd, *rec;
	char id[64];
	pid_t pid = start_ingest(&h, NULL);

	ck_assert_int_gt(pid, 0);
	gateway_status(11, false);
	ingest_caught_up();
	ck_assert_int_eq(client_call(&cl, "ingest/command",
				     "{\"obj\":11,\"cmd\":\"zero\",\"addr\":3,\"ch\":4,"
				     "\"actor\":\"op\",\"reason\":\"meter replaced\",\"wait\":0}",
				     5000, &a),
			 AMR_OK);
	ck_assert_str_eq(str(a.result, "state"), "queued");
	snprintf(id, sizeof id, "%s", str(a.result, "id"));
	json_decref(a.result);

	/* The queue lives in LMDB: a crash of ingest keeps it. */
	harness_kill(&h, pid, SIGKILL);
	ck_assert_int_gt(start_ingest(&h, NULL), 0);
	gateway_status(11, true);
	cmd = gateway_receives(11, id, 5000);
	ck_assert_str_eq(str(cmd, "cmd"), "zero");
	ck_assert_int_eq(json_integer_value(json_object_get(cmd, "ch")), 4);
	json_decref(cmd);
	gateway_answers(11, id, "\"ok\":true");
	ingest_caught_up();
	rec = command_get(id);
	ck_assert_str_eq(str(rec, "state"), "done");
	json_decref(rec);

	ck_assert_int_eq(client_call(&cl, "ingest/commands", "{\"obj\":11}", 5000, &a), AMR_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(a.result, "commands")), 1);
	ck_assert_str_eq(str(json_array_get(json_object_get(a.result, "commands"), 0), "id"), id);
	json_decref(a.result);
	ck_assert_int_eq(client_call(&cl, "ingest/commands", "{\"obj\":12}", 5000, &a), AMR_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(a.result, "commands")), 0);
	json_decref(a.result);
}
END_TEST

START_TEST(test_bad_requests_refused)
{
	static const struct {
		const char *args;    /* request */
		const char *message; /* part of the error message */
	} bad[] = {
		{ "{\"obj\":7,\"cmd\":\"block\",\"addr\":5,\"actor\":\"a\",\"reason\":\"r\"}",
		  "out: missing" },
		{ "{\"obj\":7,\"cmd\":\"block\",\"addr\":5,\"out\":5,\"actor\":\"a\",\"reason\":\"r\"}",
		  "out: 5 is out of range 1..4" },
		{ "{\"obj\":7,\"cmd\":\"block\",\"addr\":128,\"out\":1,\"actor\":\"a\",\"reason\":\"r\"}",
		  "addr: 128 is out of range" },
		{ "{\"obj\":0,\"cmd\":\"block\",\"addr\":5,\"out\":1,\"actor\":\"a\",\"reason\":\"r\"}",
		  "obj: 0 is out of range" },
		{ "{\"obj\":7,\"cmd\":\"block\",\"addr\":5,\"out\":1,\"actor\":\"a\"}",
		  "reason: missing" },
		{ "{\"obj\":7,\"cmd\":\"block\",\"addr\":5,\"out\":1,\"reason\":\"r\"}",
		  "actor: missing" },
		{ "{\"obj\":7,\"cmd\":\"block\",\"addr\":5,\"out\":1,\"actor\":\"a\",\"reason\":\"r\","
		  "\"force\":true}",
		  "force: unknown field" },
		{ "{\"obj\":7,\"cmd\":\"zero\",\"addr\":5,\"out\":1,\"ch\":1,\"actor\":\"a\",\"reason\":\"r\"}",
		  "out: not used by zero" },
		{ "{\"obj\":7,\"cmd\":\"console\",\"line\":\"reset\\nsave all\",\"actor\":\"a\"}",
		  "line: character 0x0a is not allowed" },
		{ "{\"obj\":7,\"cmd\":\"reboot\",\"actor\":\"a\"}",
		  "cmd: \"reboot\" is not one of" },
		{ "{\"obj\":7,\"cmd\":\"console\",\"line\":\"show addr\",\"actor\":\"a\",\"ttl\":0}",
		  "ttl: 0 is out of range" },
		{ "{\"obj\":7,\"cmd\":\"console\",\"line\":\"show addr\",\"actor\":\"a\",\"wait\":31}",
		  "wait: 31 is out of range 0..30" },
	};
	struct answer a;

	ck_assert_int_gt(start_ingest(&h, NULL), 0);
	gateway_status(7, true);
	ingest_caught_up();
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_ne(client_call(&cl, "ingest/command", bad[i].args, 5000, &a), AMR_OK);
		ck_assert_str_eq(a.code, "bad_request");
		ck_assert_msg(strstr(a.message, bad[i].message), "case %zu: \"%s\" lacks \"%s\"", i,
			      a.message, bad[i].message);
	}
	/* Nothing was sent, recorded or audited. */
	assert_none("amr/v1/gw/+/cmd", "a refused command was sent");
	assert_none("amr/v1/audit", "a refused command was audited");
	ck_assert_int_eq(client_call(&cl, "ingest/commands", NULL, 5000, &a), AMR_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(a.result, "commands")), 0);
	json_decref(a.result);
	ck_assert_int_eq(client_call(&cl, "ingest/command.get", "{\"id\":\"c42\"}", 5000, &a),
			 AMR_ENOTFOUND);
}
END_TEST

START_TEST(test_stray_results_dead_lettered)
{
	struct answer a;
	char id[64], *m;
	json_t *rec;

	ck_assert_int_gt(start_ingest(&h, NULL), 0);
	gateway_status(7, true);
	ingest_caught_up();
	gateway_answers(7, "c999", "\"ok\":true");
	m = harness_wait_message(&h, "amr/v1/deadletter", "unknown_command", 5000);
	ck_assert_ptr_nonnull(m);
	free(m);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/7/cmd/result", "{\"ok\":true}", 1, false),
			 0);
	m = harness_wait_message(&h, "amr/v1/deadletter", "bad_result", 5000);
	ck_assert_ptr_nonnull(m);
	ck_assert(strstr(m, "id: missing"));
	free(m);

	/* A result for gateway 7's command from gateway 8 is refused. */
	ck_assert_int_eq(client_call(&cl, "ingest/command",
				     "{\"obj\":7,\"cmd\":\"console\",\"line\":\"show addr\","
				     "\"actor\":\"tech\",\"wait\":0}",
				     5000, &a),
			 AMR_OK);
	snprintf(id, sizeof id, "%s", str(a.result, "id"));
	json_decref(a.result);
	json_decref(gateway_receives(7, id, 5000));
	gateway_answers(8, id, "\"ok\":true,\"output\":\"+1\"");
	m = harness_wait_message(&h, "amr/v1/deadletter", "wrong_obj", 5000);
	ck_assert_ptr_nonnull(m);
	free(m);
	rec = command_get(id);
	ck_assert_str_eq(str(rec, "state"), "sent");
	json_decref(rec);
}
END_TEST

static Suite *commands_suite(void)
{
	Suite *s = suite_create("ingest_commands");
	TCase *tc = tcase_create("commands");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_command_done_within_the_wait);
	tcase_add_test(tc, test_command_failed_and_console);
	tcase_add_test(tc, test_amrctl_exit_follows_the_outcome);
	tcase_add_test(tc, test_offline_gateway_command_waits_then_expires);
	tcase_add_test(tc, test_queued_command_sent_when_gateway_returns_after_restart);
	tcase_add_test(tc, test_bad_requests_refused);
	tcase_add_test(tc, test_stray_results_dead_lettered);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(commands_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
