/*
 * billing_util.c - amr-billing started and called for the integration
 * tests.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_util.h"
#include "billing_util.h"

pid_t bil_start(struct harness *h, const char *const *args)
{
	static const char *const none[] = { NULL };
	pid_t p;
	char *st;

	harness_clear_inbox(h);
	p = harness_spawn(h, "amr-billing", args ? args : none);
	ck_assert_int_gt(p, 0);
	st = harness_wait_message(h, "amr/v1/svc/billing/status", "\"online\":true", 15000);
	ck_assert_msg(st != NULL, "amr-billing did not come online");
	free(st);
	return p;
}

json_t *bil_call(struct harness *h, const char *method, const char *args, const char *want_code,
		 char *msg, size_t size)
{
	char m[128];
	char *text;
	json_t *ans, *res, *e;

	snprintf(m, sizeof m, "billing/%s", method);
	text = harness_rpc(h, m, args, 30000);
	if (!text)
		harness_dump_logs(h);
	ck_assert_msg(text != NULL, "%s: no answer", m);
	ans = json_loads(text, 0, NULL);
	ck_assert_msg(ans != NULL, "%s: %s", m, text);
	res = json_incref(json_object_get(ans, "result"));
	e = json_object_get(ans, "error");
	if (want_code)
		ck_assert_msg(
			e && !strcmp(json_string_value(json_object_get(e, "code")), want_code),
			"%.200s %.300s: expected %s, got %.500s", m, args, want_code, text);
	else
		ck_assert_msg(res != NULL, "%.200s %.300s: %.500s", m, args, text);
	if (msg && e)
		snprintf(msg, size, "%s", json_string_value(json_object_get(e, "message")));
	free(text);
	json_decref(ans);
	return res;
}

long long bil_create(struct harness *h, const char *kind, const char *fields)
{
	char m[64], args[4096];
	json_t *r;
	long long id;

	snprintf(m, sizeof m, "%s.create", kind);
	snprintf(args, sizeof args, "{\"actor\":\"accountant\",%s}", fields);
	r = bil_call(h, m, args, NULL, NULL, 0);
	id = json_integer_value(json_object_get(r, "id"));
	ck_assert_int_gt(id, 0);
	json_decref(r);
	return id;
}

void bil_refused(struct harness *h, const char *method, const char *args, const char *code,
		 const char *want)
{
	char msg[512] = "";
	json_t *r = bil_call(h, method, args, code, msg, sizeof msg);

	ck_assert_ptr_null(r);
	ck_assert_msg(!strncmp(msg, want, strlen(want)), "%s: \"%s\", expected \"%s...\"", method,
		      msg, want);
}

long long bil_metric(struct harness *h, const char *name)
{
	return harness_metric(h, "billing", name);
}

json_t *bil_audit_records(struct harness *h, const char *target, size_t n)
{
	char args[128];
	json_t *r = NULL;

	snprintf(args, sizeof args, "{\"target\":\"%s\"}", target);
	HARNESS_POLL_UNTIL((json_decref(r), r = arc_rpc(h, "audit.query", args, NULL, NULL, 0),
			    json_array_size(json_object_get(r, "records")) >= n),
			   5000);
	return r;
}
