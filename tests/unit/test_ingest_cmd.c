/*
 * test_ingest_cmd.c - the command request check, record and state machine
 * of amr-ingest (services/ingest/commands.c), without a broker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "commands.h"
#include "err.h"

#define NOW 1763600000

static int parse_req(const char *text, struct cmd *c, struct jv_err *err)
{
	json_t *args = json_loads(text, 0, NULL);
	int rc;

	ck_assert_msg(args != NULL, "bad test JSON: %s", text);
	rc = cmd_request_parse(args, NOW, 3600, 86400, c, err);
	json_decref(args);
	return rc;
}

static char *dump(json_t *j)
{
	char *t = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	return t;
}

static void assert_json(json_t *j, const char *want)
{
	char *t = dump(j);

	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t, want);
	free(t);
}

/* A block command, id given, in state queued. */
static void block_cmd(struct cmd *c)
{
	struct jv_err err = { "" };

	ck_assert_int_eq(parse_req("{\"obj\":7,\"cmd\":\"block\",\"addr\":5,\"out\":2,"
				   "\"actor\":\"op\",\"reason\":\"debt\"}",
				   c, &err),
			 AMR_OK);
	snprintf(c->id, sizeof c->id, "c100");
}

START_TEST(test_good_requests)
{
	struct cmd c;
	struct jv_err err = { "" };

	block_cmd(&c);
	ck_assert_uint_eq(c.obj, 7);
	ck_assert_int_eq(c.kind, CMD_BLOCK);
	ck_assert_int_eq(c.addr, 5);
	ck_assert_int_eq(c.out, 2);
	ck_assert_int_eq(c.state, CMD_QUEUED);
	ck_assert_int_eq(c.created, NOW);
	ck_assert_int_eq(c.expires, NOW + 3600);
	ck_assert_str_eq(c.actor, "op");
	ck_assert_str_eq(c.reason, "debt");

	ck_assert_int_eq(
		parse_req("{\"obj\":65000,\"cmd\":\"zero\",\"addr\":127,\"ch\":4,"
			  "\"actor\":\"op\",\"reason\":\"new meter\",\"ttl\":60,\"wait\":3}",
			  &c, &err),
		AMR_OK);
	ck_assert_int_eq(c.kind, CMD_ZERO);
	ck_assert_int_eq(c.ch, 4);
	ck_assert_int_eq(c.out, 0);
	ck_assert_int_eq(c.expires, NOW + 60);

	ck_assert_int_eq(parse_req("{\"obj\":1,\"cmd\":\"console\",\"line\":\"zero ch=1 addr=005\","
				   "\"actor\":\"tech\"}",
				   &c, &err),
			 AMR_OK);
	ck_assert_int_eq(c.kind, CMD_CONSOLE);
	ck_assert_str_eq(c.line, "zero ch=1 addr=005");
	ck_assert_str_eq(c.reason, "");
	ck_assert_int_eq(c.addr, 0);
}
END_TEST

START_TEST(test_bad_requests)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "{\"cmd\":\"block\",\"addr\":5,\"out\":2,\"actor\":\"a\",\"reason\":\"r\"}",
		  "obj: missing" },
		{ "{\"obj\":65001,\"cmd\":\"block\",\"addr\":5,\"out\":2,\"actor\":\"a\",\"reason\":\"r\"}",
		  "obj: 65001 is out of range 1..65000" },
		{ "{\"obj\":\"7\",\"cmd\":\"block\",\"addr\":5,\"out\":2,\"actor\":\"a\",\"reason\":\"r\"}",
		  "obj: expected an integer" },
		{ "{\"obj\":7,\"addr\":5,\"out\":2,\"actor\":\"a\",\"reason\":\"r\"}",
		  "cmd: missing" },
		{ "{\"obj\":7,\"cmd\":\"Block\",\"addr\":5,\"out\":2,\"actor\":\"a\",\"reason\":\"r\"}",
		  "cmd: \"Block\" is not one of" },
		{ "{\"obj\":7,\"cmd\":\"block\",\"out\":2,\"actor\":\"a\",\"reason\":\"r\"}",
		  "addr: missing" },
		{ "{\"obj\":7,\"cmd\":\"block\",\"addr\":0,\"out\":2,\"actor\":\"a\",\"reason\":\"r\"}",
		  "addr: 0 is out of range 1..127" },
		{ "{\"obj\":7,\"cmd\":\"unblock\",\"addr\":5,\"out\":0,\"actor\":\"a\",\"reason\":\"r\"}",
		  "out: 0 is out of range 1..4" },
		{ "{\"obj\":7,\"cmd\":\"block\",\"addr\":5,\"out\":2,\"ch\":1,\"actor\":\"a\",\"reason\":\"r\"}",
		  "ch: not used by block" },
		{ "{\"obj\":7,\"cmd\":\"unblock\",\"addr\":5,\"out\":2,\"line\":\"x\",\"actor\":\"a\","
		  "\"reason\":\"r\"}",
		  "line: not used by unblock" },
		{ "{\"obj\":7,\"cmd\":\"zero\",\"addr\":5,\"actor\":\"a\",\"reason\":\"r\"}",
		  "ch: missing" },
		{ "{\"obj\":7,\"cmd\":\"zero\",\"addr\":5,\"ch\":5,\"actor\":\"a\",\"reason\":\"r\"}",
		  "ch: 5 is out of range 1..4" },
		{ "{\"obj\":7,\"cmd\":\"console\",\"actor\":\"a\"}", "line: missing" },
		{ "{\"obj\":7,\"cmd\":\"console\",\"line\":\"\",\"actor\":\"a\"}",
		  "line: length 0" },
		{ "{\"obj\":7,\"cmd\":\"console\",\"line\":\"show addr\\r\",\"actor\":\"a\"}",
		  "line: character 0x0d is not allowed" },
		{ "{\"obj\":7,\"cmd\":\"console\",\"line\":\"\\u00e9\",\"actor\":\"a\"}",
		  "line: character 0xc3 is not allowed" },
		{ "{\"obj\":7,\"cmd\":\"console\",\"line\":\"show addr\",\"addr\":5,\"actor\":\"a\"}",
		  "addr: not used by console" },
		{ "{\"obj\":7,\"cmd\":\"block\",\"addr\":5,\"out\":2,\"actor\":\"\",\"reason\":\"r\"}",
		  "actor: length 0" },
		{ "{\"obj\":7,\"cmd\":\"block\",\"addr\":5,\"out\":2,\"actor\":\"a\\tb\",\"reason\":\"r\"}",
		  "actor: character 0x09" },
		{ "{\"obj\":7,\"cmd\":\"block\",\"addr\":5,\"out\":2,\"actor\":\"a\",\"reason\":\"\"}",
		  "reason: length 0" },
		{ "{\"obj\":7,\"cmd\":\"block\",\"addr\":5,\"out\":2,\"actor\":\"a\",\"reason\":\"r\","
		  "\"ttl\":86401}",
		  "ttl: 86401 is out of range 1..86400" },
		{ "{\"obj\":7,\"cmd\":\"block\",\"addr\":5,\"out\":2,\"actor\":\"a\",\"reason\":\"r\","
		  "\"id\":\"c1\"}",
		  "id: unknown field" },
	};
	struct cmd c;
	struct jv_err err = { "" };

	char text[400], line[PROTO_CONSOLE_LINE_MAX + 2];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(parse_req(bad[i].text, &c, &err), AMR_EINVAL);
		ck_assert_msg(strstr(err.msg, bad[i].msg), "case %zu: \"%s\" lacks \"%s\"", i,
			      err.msg, bad[i].msg);
	}
	/* a console line as long as the gateway takes, and one byte more */
	memset(line, 'x', sizeof line - 1);
	line[PROTO_CONSOLE_LINE_MAX] = '\0';
	snprintf(text, sizeof text,
		 "{\"obj\":7,\"cmd\":\"console\",\"line\":\"%s\",\"actor\":\"a\"}", line);
	ck_assert_int_eq(parse_req(text, &c, &err), AMR_OK);
	line[PROTO_CONSOLE_LINE_MAX] = 'x';
	line[PROTO_CONSOLE_LINE_MAX + 1] = '\0';
	snprintf(text, sizeof text,
		 "{\"obj\":7,\"cmd\":\"console\",\"line\":\"%s\",\"actor\":\"a\"}", line);
	ck_assert_int_eq(parse_req(text, &c, &err), AMR_EINVAL);
	ck_assert_msg(strstr(err.msg, "line: length 121"), "%s", err.msg);
}
END_TEST

START_TEST(test_state_machine)
{
	struct cmd c, before;

	block_cmd(&c);
	ck_assert_int_eq(cmd_mark_sent(&c, NOW + 1), AMR_OK);
	ck_assert_int_eq(c.state, CMD_SENT);
	ck_assert_int_eq(c.sent, NOW + 1);
	before = c;
	ck_assert_int_eq(cmd_mark_sent(&c, NOW + 2), AMR_ESTATE);
	ck_assert_int_eq(cmd_expire(&c, NOW + 3599), AMR_ESTATE);
	ck_assert_mem_eq(&c, &before, sizeof c);
	ck_assert_int_eq(cmd_finish(&c, true, "blocked", NOW + 5), AMR_OK);
	ck_assert_int_eq(c.state, CMD_DONE);
	ck_assert_int_eq(c.finished, NOW + 5);
	ck_assert_str_eq(c.text, "blocked");
	before = c;
	ck_assert_int_eq(cmd_finish(&c, false, "again", NOW + 6), AMR_EEXIST);
	ck_assert_int_eq(cmd_expire(&c, NOW + 9999), AMR_ESTATE);
	ck_assert_mem_eq(&c, &before, sizeof c);
	ck_assert(cmd_terminal(c.state));

	block_cmd(&c);
	ck_assert_int_eq(cmd_finish(&c, false, "no such device", NOW + 1), AMR_OK);
	ck_assert_int_eq(c.state, CMD_FAILED);
	ck_assert(!c.ok);
}
END_TEST

START_TEST(test_expiry_and_late_result)
{
	struct cmd c;

	block_cmd(&c);
	ck_assert_int_eq(cmd_expire(&c, NOW + 3600), AMR_OK);
	ck_assert_int_eq(c.state, CMD_EXPIRED);
	ck_assert(strstr(c.text, "did not come online"));
	/* A gateway that did run it just before the deadline is believed. */
	ck_assert_int_eq(cmd_finish(&c, true, "blocked", NOW + 3601), AMR_OK);
	ck_assert_int_eq(c.state, CMD_DONE);

	block_cmd(&c);
	cmd_mark_sent(&c, NOW);
	ck_assert_int_eq(cmd_expire(&c, NOW + 4000), AMR_OK);
	ck_assert(strstr(c.text, "no result from the gateway"));
}
END_TEST

START_TEST(test_long_output_cut_on_utf8_boundary)
{
	struct cmd c;
	char *out = malloc(CMD_TEXT_MAX + 10);

	block_cmd(&c);
	memset(out, 'a', CMD_TEXT_MAX - 1);
	strcpy(out + CMD_TEXT_MAX - 1, "\xd0\xb6zzz"); /* a 2-byte letter across the cut */
	ck_assert_int_eq(cmd_finish(&c, true, out, NOW), AMR_OK);
	ck_assert_uint_eq(strlen(c.text), CMD_TEXT_MAX - 1);
	free(out);
}
END_TEST

START_TEST(test_json_forms)
{
	struct cmd c, back;
	struct jv_err err = { "" };
	char *text;
	json_t *j;

	block_cmd(&c);
	assert_json(
		cmd_gateway_json(&c),
		"{\"id\":\"c100\",\"cmd\":\"block\",\"addr\":5,\"out\":2,\"expires\":1763603600}");
	assert_json(cmd_answer_json(&c), "{\"id\":\"c100\",\"state\":\"queued\"}");
	assert_json(cmd_audit_json(&c, NOW),
		    "{\"ts\":1763600000,\"actor\":\"op\",\"action\":\"block\",\"target\":\"7.5.2\","
		    "\"detail\":{\"id\":\"c100\",\"reason\":\"debt\",\"state\":\"queued\","
		    "\"expires\":1763603600}}");
	cmd_mark_sent(&c, NOW + 1);
	cmd_finish(&c, false, "RS485 timeout", NOW + 2);
	assert_json(cmd_answer_json(&c), "{\"id\":\"c100\",\"state\":\"failed\",\"result\":"
					 "{\"ok\":false,\"error\":\"RS485 timeout\"}}");
	assert_json(
		cmd_to_json(&c),
		"{\"id\":\"c100\",\"obj\":7,\"cmd\":\"block\",\"addr\":5,\"out\":2,\"actor\":\"op\","
		"\"reason\":\"debt\",\"state\":\"failed\",\"created\":1763600000,"
		"\"expires\":1763603600,\"sent\":1763600001,\"finished\":1763600002,"
		"\"result\":{\"ok\":false,\"error\":\"RS485 timeout\"}}");
	/* The stored record reads back to the same command. */
	j = cmd_to_json(&c);
	ck_assert_int_eq(cmd_from_json(j, &back), AMR_OK);
	json_decref(j);
	ck_assert_mem_eq(&back, &c, sizeof c);

	ck_assert_int_eq(
		parse_req("{\"obj\":3,\"cmd\":\"zero\",\"addr\":9,\"ch\":1,\"actor\":\"a\","
			  "\"reason\":\"r\"}",
			  &c, &err),
		AMR_OK);
	snprintf(c.id, sizeof c.id, "c7");
	assert_json(cmd_gateway_json(&c),
		    "{\"id\":\"c7\",\"cmd\":\"zero\",\"addr\":9,\"ch\":1,\"expires\":1763603600}");
	text = dump(cmd_audit_json(&c, NOW));
	ck_assert(strstr(text, "\"target\":\"3.9.1\"") != NULL);
	free(text);
	ck_assert_int_eq(parse_req("{\"obj\":3,\"cmd\":\"console\",\"line\":\"show addr\","
				   "\"actor\":\"a\"}",
				   &c, &err),
			 AMR_OK);
	snprintf(c.id, sizeof c.id, "c8");
	assert_json(
		cmd_gateway_json(&c),
		"{\"id\":\"c8\",\"cmd\":\"console\",\"line\":\"show addr\",\"expires\":1763603600}");
	cmd_mark_sent(&c, NOW);
	cmd_finish(&c, true, "+001 -002", NOW);
	j = cmd_to_json(&c);
	ck_assert_int_eq(cmd_from_json(j, &back), AMR_OK);
	json_decref(j);
	ck_assert_mem_eq(&back, &c, sizeof c);
}
END_TEST

START_TEST(test_ids)
{
	char id[CMD_ID_MAX + 1];
	uint64_t n;

	cmd_id_format(id, 1763600000000ULL);
	ck_assert_str_eq(id, "c1763600000000");
	ck_assert_int_eq(cmd_id_parse(id, &n), AMR_OK);
	ck_assert_uint_eq(n, 1763600000000ULL);
	cmd_id_format(id, UINT64_MAX);
	ck_assert_int_eq(cmd_id_parse(id, &n), AMR_EINVAL); /* beyond what we ever hand out */
	ck_assert_int_eq(cmd_id_parse("c", &n), AMR_EINVAL);
	ck_assert_int_eq(cmd_id_parse("c0", &n), AMR_EINVAL);
	ck_assert_int_eq(cmd_id_parse("c012", &n), AMR_EINVAL);
	ck_assert_int_eq(cmd_id_parse("x12", &n), AMR_EINVAL);
	ck_assert_int_eq(cmd_id_parse("c12a", &n), AMR_EINVAL);
	ck_assert_int_eq(cmd_id_parse("c99999999999999999999999", &n), AMR_EINVAL);
}
END_TEST

START_TEST(test_results)
{
	static const struct {
		const char *text;
		int rc;
		const char *msg;
	} cases[] = {
		{ "{\"id\":\"c5\",\"ok\":true,\"output\":\"done\"}", AMR_OK, "" },
		{ "{\"id\":\"c5\",\"ok\":false,\"error\":\"bad\",\"extra\":1}", AMR_OK, "" },
		{ "{\"id\":\"c5\",\"ok\":true}", AMR_OK, "" },
		{ "{\"ok\":true}", AMR_EINVAL, "id: missing" },
		{ "{\"id\":5,\"ok\":true}", AMR_EINVAL, "id: expected a string" },
		{ "{\"id\":\"c5\"}", AMR_EINVAL, "ok: missing" },
		{ "{\"id\":\"c5\",\"ok\":\"true\"}", AMR_EINVAL, "ok: expected true or false" },
		{ "{\"id\":\"c5\",\"ok\":true,\"output\":[1]}", AMR_EINVAL,
		  "output: expected a string" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *j = json_loads(cases[i].text, 0, NULL);
		struct jv_err err = { "" };
		const char *id, *text;
		bool ok;

		ck_assert_int_eq(cmd_result_parse(j, &id, &ok, &text, &err), cases[i].rc);
		ck_assert_msg(strstr(err.msg, cases[i].msg), "case %zu: %s", i, err.msg);
		if (cases[i].rc == AMR_OK) {
			ck_assert_str_eq(id, "c5");
			ck_assert_str_eq(text, i == 0 ? "done" : i == 1 ? "bad" : "");
		}
		json_decref(j);
	}
}
END_TEST

static Suite *cmd_suite(void)
{
	Suite *s = suite_create("ingest_cmd");
	TCase *tc = tcase_create("commands");

	tcase_add_test(tc, test_good_requests);
	tcase_add_test(tc, test_bad_requests);
	tcase_add_test(tc, test_state_machine);
	tcase_add_test(tc, test_expiry_and_late_result);
	tcase_add_test(tc, test_long_output_cut_on_utf8_boundary);
	tcase_add_test(tc, test_json_forms);
	tcase_add_test(tc, test_ids);
	tcase_add_test(tc, test_results);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cmd_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
