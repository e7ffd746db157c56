/*
 * The security negatives as one suite (issue 18, docs/reliability.md,
 * "Security suite"): each hostile class is a TCase of its own, so the
 * summary counts per class. This file holds the broker's classes, against
 * a Mosquitto with the stack's real users and ACL (written by
 * deploy/secrets.sh into the test's directory): a gateway's credentials
 * used for another object, anonymous and wrong-password clients, audit
 * records forged by users that are no service. The portal's classes are
 * in test_security_web.c.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

Suite *security_web_suite(void);

static struct harness h;
static char secrets[400]; /* AMR_SECRETS_DIR of the test */

/* The value of key in an env file of secrets.sh (rel: "env/ingest.env"). */
static void env_value(const char *rel, const char *key, char *out, size_t size)
{
	char path[600], line[256];
	size_t klen = strlen(key);
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", secrets, rel);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "no %s", path);
	out[0] = '\0';
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, klen) == 0 && line[klen] == '=')
			snprintf(out, size, "%.*s", (int)strcspn(line + klen + 1, "\n"),
				 line + klen + 1);
	fclose(f);
	ck_assert_msg(out[0], "no %s in %s", key, path);
}

/* A service of the stack as its own broker user on the ACL's listener. */
static pid_t spawn_service(const char *name)
{
	char rel[64], user[64], pw[128], e_port[32], e_user[96], e_pw[160];

	snprintf(rel, sizeof rel, "env/%s.env", name);
	env_value(rel, "AMR_MQTT_USER", user, sizeof user);
	env_value(rel, "AMR_MQTT_PASSWORD", pw, sizeof pw);
	snprintf(e_port, sizeof e_port, "AMR_MQTT_PORT=%d", h.auth_port);
	snprintf(e_user, sizeof e_user, "AMR_MQTT_USER=%s", user);
	snprintf(e_pw, sizeof e_pw, "AMR_MQTT_PASSWORD=%s", pw);
	return harness_spawn_env(&h, user, (const char *[]){ NULL },
				 (const char *[]){ e_port, e_user, e_pw, NULL });
}

/* The broker with the stack's users and ACL (secrets.sh init, then
 * gateway 2), amr-ingest and amr-archive as their users. */
static void setup(void)
{
	char cmd[1400], passwd[500], acl[500], *out;
	const char *src = getenv("AMR_SRC_DIR");
	int status;

	ck_assert_int_eq(harness_start(&h), 0);
	snprintf(secrets, sizeof secrets, "%s/secrets", h.dir);
	snprintf(cmd, sizeof cmd,
		 "export AMR_SECRETS_DIR=%s; %s/deploy/secrets.sh init >/dev/null && "
		 "%s/deploy/secrets.sh gateway 2 --host 127.0.0.1 >/dev/null",
		 secrets, src ? src : ".", src ? src : ".");
	out = harness_run(&h, cmd, &status);
	ck_assert_msg(status == 0, "secrets.sh: %s", out ? out : "");
	free(out);
	snprintf(passwd, sizeof passwd, "%s/broker/passwd", secrets);
	snprintf(acl, sizeof acl, "%s/broker/acl", secrets);
	ck_assert_int_gt(harness_broker_auth(&h, passwd, acl), 0);
	ck_assert_int_gt(spawn_service("ingest"), 0);
	ck_assert_int_gt(spawn_service("archive"), 0);
	ck_assert_int_eq(harness_wait_service(&h, "ingest", 20000), 0);
	ck_assert_int_eq(harness_wait_service(&h, "archive", 20000), 0);
}

static void teardown(void)
{
	harness_stop(&h);
}

/* The password of broker user who ("gw-1", "amr-health", "amr-web"). */
static void password_of(const char *who, char *pw, size_t size)
{
	char rel[64];

	if (strncmp(who, "gw-", 3) == 0)
		snprintf(rel, sizeof rel, "gateways/%s/amr-gateway.env", who + 3);
	else if (strcmp(who, "amr-health") == 0)
		snprintf(rel, sizeof rel, "env/broker.env");
	else
		snprintf(rel, sizeof rel, "env/%s.env", who + 4);
	env_value(rel, "AMR_MQTT_PASSWORD", pw, size);
}

/* mosquitto_pub on the ACL's listener as user (NULL: anonymous) with
 * password pw (NULL: user's own); returns its exit status and keeps its
 * output in the test's log. */
static int pub(const char *user, const char *pw, const char *topic, const char *msg)
{
	char cmd[2400], own[128] = "", *out;
	int status;

	if (user && !pw) {
		password_of(user, own, sizeof own);
		pw = own;
	}
	snprintf(cmd, sizeof cmd,
		 "mosquitto_pub -h 127.0.0.1 -p %d -q 1 -i sec-pub-%d %s%s %s%s%s -t '%s' -m '%s' "
		 "2>&1",
		 h.auth_port, (int)getpid(), user ? "-u " : "", user ? user : "", pw ? "-P '" : "",
		 pw ? pw : "", pw ? "'" : "", topic, msg);
	out = harness_run(&h, cmd, &status);
	if (out && out[0])
		fprintf(stderr, "mosquitto_pub as %s: %s", user ? user : "anonymous", out);
	free(out);
	return status;
}

/* A gateway's batch of object obj: device addr, channel 1 at total. */
static void gw_batch(char *buf, size_t size, long long seq, int addr, long long total)
{
	long long now = (long long)time(NULL);

	snprintf(buf, size,
		 "{\"seq\":%lld,\"ts\":%lld,\"readings\":[{\"addr\":%d,\"ch\":1,\"total\":%lld,"
		 "\"delta\":1,\"period_ms\":1000}],\"events\":[]}",
		 seq, now, addr, total);
}

/* Whether the probe saw a message on filter holding needle (the caller
 * asked for a barrier first). */
static bool seen(const char *filter, const char *needle)
{
	char *m = harness_wait_message(&h, filter, needle, 0);

	free(m);
	return m != NULL;
}

/* The archive's latest readings of object obj (its answer, malloc'd). */
static char *latest(int obj)
{
	char args[32];

	snprintf(args, sizeof args, "{\"obj\":%d}", obj);
	return harness_rpc(&h, "archive/latest", args, 5000);
}

static bool latest_has(int obj, const char *needle)
{
	char *a = latest(obj);
	bool has = a && strstr(a, needle);

	free(a);
	return has;
}

START_TEST(gateway_cannot_publish_as_another_object)
{
	char batch[512], canon[512], *a, *m;

	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/readings/+"), 0);
	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/deadletter"), 0);
	ck_assert_int_eq(harness_sync(&h, 5000), 0);
	/* gw-1's credentials: object 2's up topic, and the canonical topic
	 * ingest writes, both as device 6 with a total of its own */
	gw_batch(batch, sizeof batch, 1, 6, 661661);
	ck_assert_int_eq(pub("gw-1", NULL, "amr/v1/gw/2/up", batch), 0);
	snprintf(
		canon, sizeof canon,
		"{\"seq\":2,\"ts\":%lld,\"readings\":[{\"addr\":6,\"ch\":1,\"total\":662662,"
		"\"delta\":1,\"period_ms\":1000}],\"devices\":[],\"events\":[],\"obj\":2,\"rx\":%lld}",
		(long long)time(NULL), (long long)time(NULL));
	ck_assert_int_eq(pub("gw-1", NULL, "amr/v1/readings/2", canon), 0);
	/* the barrier: gw-2's own batch goes through and is archived */
	gw_batch(batch, sizeof batch, 3, 5, 552552);
	ck_assert_int_eq(pub("gw-2", NULL, "amr/v1/gw/2/up", batch), 0);
	m = harness_wait_message(&h, "amr/v1/readings/2", "552552", 10000);
	ck_assert_msg(m != NULL, "gw-2's own batch was not forwarded by ingest");
	free(m);
	HARNESS_POLL_UNTIL(latest_has(2, "552552"), 10000);
	a = latest(2);
	ck_assert_msg(a && strstr(a, "\"2.5.1\"") && strstr(a, "552552"), "%s", a ? a : "");
	/* object 2 holds gw-2's channel alone; nothing of gw-1's went by */
	ck_assert_msg(!strstr(a, "2.6.1") && !strstr(a, "66"), "forged readings archived: %s", a);
	free(a);
	ck_assert_msg(!seen("amr/v1/readings/+", "661661"), "ingest forwarded gw-1's batch");
	ck_assert_msg(!seen("amr/v1/readings/+", "662662"), "gw-1 published a canonical batch");
}
END_TEST

/* How many lines of mosquitto_sub's log hold needle. */
static int sub_got(const char *needle)
{
	return harness_log_count(&h, "mosquitto_sub", 0, needle);
}

/* Publish a marker on gw/1/cmd with the probe until gw-1's subscriber
 * shows it (its subscriptions are then in place); true once it did. */
static bool sub_ready(int *n)
{
	char marker[32];

	snprintf(marker, sizeof marker, "ready-%d", ++*n);
	harness_publish(&h, "amr/v1/gw/1/cmd", marker, 1, false);
	return sub_got("ready-") > 0;
}

START_TEST(gateway_cannot_read_another_objects_commands)
{
	char port[16], pw[128];
	int n = 0;

	password_of("gw-1", pw, sizeof pw);
	snprintf(port, sizeof port, "%d", h.auth_port);
	/* another object's topic by name, by wildcard, and everything */
	ck_assert_int_gt(
		harness_spawn(&h, "/usr/bin/mosquitto_sub",
			      (const char *[]){ "-h", "127.0.0.1", "-p", port, "-u", "gw-1", "-P",
						pw, "-q", "1", "-v", "-t", "amr/v1/gw/2/cmd", "-t",
						"amr/v1/gw/+/cmd", "-t", "#", NULL }),
		0);
	HARNESS_POLL_UNTIL(sub_ready(&n), 10000);
	ck_assert_msg(sub_got("ready-") > 0, "gw-1's subscriber never got its own commands");
	ck_assert_int_eq(
		harness_publish(&h, "amr/v1/gw/2/cmd", "{\"id\":\"forbidden-2\"}", 1, false), 0);
	ck_assert_int_eq(harness_publish(&h, "amr/v1/readings/2", "forbidden-readings", 1, false),
			 0);
	/* the barrier: its own command, published after them, arrived */
	ck_assert_int_eq(harness_publish(&h, "amr/v1/gw/1/cmd", "{\"id\":\"own-1\"}", 1, false), 0);
	HARNESS_POLL_UNTIL(sub_got("own-1") > 0, 10000);
	ck_assert_int_eq(sub_got("own-1"), 1);
	ck_assert_int_eq(sub_got("forbidden"), 0);
}
END_TEST

START_TEST(anonymous_and_wrong_passwords_refused)
{
	char pw2[128];

	password_of("gw-2", pw2, sizeof pw2);
	/* the right password is let in, so a refusal below is the broker's */
	ck_assert_int_eq(pub("gw-1", NULL, "amr/v1/gw/1/status", "{\"online\":true}"), 0);
	ck_assert_int_ne(pub(NULL, NULL, "amr/v1/gw/1/status", "{\"online\":true}"), 0);
	ck_assert_int_ne(pub("gw-1", "wrong password", "amr/v1/gw/1/status", "x"), 0);
	ck_assert_int_ne(pub("gw-1", "", "amr/v1/gw/1/status", "x"), 0);
	/* another user's password, and a user that does not exist */
	ck_assert_int_ne(pub("gw-1", pw2, "amr/v1/gw/1/status", "x"), 0);
	ck_assert_int_ne(pub("gw-3", pw2, "amr/v1/gw/3/status", "x"), 0);
	ck_assert_int_ne(pub("amr-ingest", pw2, "amr/v1/readings/2", "x"), 0);
}
END_TEST

/* An audit record with target (the text looked for in the trail). */
static void audit_rec(char *buf, size_t size, const char *actor, const char *target)
{
	snprintf(buf, size,
		 "{\"ts\":%lld,\"actor\":\"%s\",\"action\":\"user.create\",\"target\":\"%s\","
		 "\"detail\":{}}",
		 (long long)time(NULL), actor, target);
}

static bool trail_has(const char *needle)
{
	char *a = harness_rpc(&h, "archive/audit.query", "{\"limit\":1000}", 5000);
	bool has = a && strstr(a, needle);

	free(a);
	return has;
}

START_TEST(audit_forged_by_non_service_not_stored)
{
	char rec[512], *a;

	audit_rec(rec, sizeof rec, "admin", "forged-by-gw-1");
	ck_assert_int_eq(pub("gw-1", NULL, "amr/v1/audit", rec), 0);
	audit_rec(rec, sizeof rec, "admin", "forged-by-health");
	ck_assert_int_eq(pub("amr-health", NULL, "amr/v1/audit", rec), 0);
	/* the barrier: a service's record, published after them, is stored */
	audit_rec(rec, sizeof rec, "amr-web", "real-after-forged");
	ck_assert_int_eq(pub("amr-web", NULL, "amr/v1/audit", rec), 0);
	HARNESS_POLL_UNTIL(trail_has("real-after-forged"), 10000);
	a = harness_rpc(&h, "archive/audit.query", "{\"limit\":1000}", 5000);
	ck_assert_msg(a && strstr(a, "real-after-forged"), "the service's record is missing: %s",
		      a ? a : "");
	ck_assert_msg(!strstr(a, "forged-by"), "a forged record was stored: %s", a);
	free(a);
}
END_TEST

/* A class of the suite: its own stack for each test. */
static TCase *security_tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *security_broker_suite(void)
{
	Suite *s = suite_create("security_broker");
	TCase *tc = security_tcase(s, "gateway_as_other_object");

	tcase_add_test(tc, gateway_cannot_publish_as_another_object);
	tcase_add_test(tc, gateway_cannot_read_another_objects_commands);
	tcase_add_test(security_tcase(s, "anonymous_broker_client"),
		       anonymous_and_wrong_passwords_refused);
	tcase_add_test(security_tcase(s, "forged_audit"), audit_forged_by_non_service_not_stored);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(security_broker_suite());
	int failed;

	srunner_add_suite(sr, security_web_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
