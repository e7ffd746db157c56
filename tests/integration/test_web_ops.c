/*
 * What operators do through amr-web, against real programs: Mosquitto,
 * amr-archive, amr-ingest, amr-web, amr-sim (2 UO-4) and amr-gateway
 * (object 1).
 *
 * - block_unblock_on_the_field: roles (accountant 403, operator allowed,
 *   zero admin only), CSRF, bad input, then an operator blocks output 1 of
 *   device 1: the answer is "done" with the gateway's text, the object shows
 *   the output "blocked", the simulated UO-4 drives its output, the audit
 *   trail (newest first) has the block with actor and reason; unblock; a
 *   restarted amr-web takes the states from ingest's command history and
 *   the gateway's batches. Every output of a responding device is known
 *   before any command: the gateway reports the coils it read ("outputs").
 * - tls: amr-web with a self-signed certificate: curl with --cacert gets
 *   /healthz, without it the certificate is refused, plain HTTP gets no
 *   answer, and the session cookie carries Secure (and HSTS is sent).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <unistd.h>

#include <curl/curl.h>

#include "test_web_util.h"

static struct webt t;
static char ctl[108]; /* the simulator's control socket (sun_path size) */

/* One line to the simulator's control socket; its answer line in out. */
static void sim_ctl(const char *line, char *out, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	size_t n = 0;
	ssize_t r;

	ck_assert_int_ge(fd, 0);
	memcpy(sa.sun_path, ctl, sizeof ctl);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	ck_assert_int_eq(write(fd, "\n", 1), 1);
	while (n + 1 < size && (r = read(fd, out + n, size - 1 - n)) > 0) {
		n += (size_t)r;
		if (memchr(out, '\n', n))
			break;
	}
	out[n] = '\0';
	close(fd);
}

/* "outputs=XXXX" of device addr as the simulator drives them. */
static void sim_outputs(unsigned addr, char bits[5])
{
	char line[32], ans[1024], *p;

	snprintf(line, sizeof line, "status %u", addr);
	sim_ctl(line, ans, sizeof ans);
	ck_assert_msg((p = strstr(ans, " outputs=")), "sim status: %s", ans);
	snprintf(bits, 5, "%s", p + strlen(" outputs="));
}

static void field_start(void)
{
	char bus[600], state[600], port[16];

	webt_start(&t, NULL);
	snprintf(bus, sizeof bus, "%s/bus", t.h.dir);
	snprintf(state, sizeof state, "%s/sim", t.h.dir);
	ck_assert_int_lt(snprintf(ctl, sizeof ctl, "%s/sim.sock", t.h.dir), (int)sizeof ctl);
	ck_assert(harness_spawn(&t.h, "amr-sim",
				(const char *[]){ "--bus", bus, "--devices", "2", "--speed", "60",
						  "--control", ctl, "--state", state, NULL }) > 0);
	for (int i = 0; i < 50 && access(bus, F_OK) != 0; i++)
		harness_sleep_ms(100);
	snprintf(port, sizeof port, "%d", harness_free_port());
	ck_assert(harness_spawn(&t.h, "amr-gateway",
				(const char *[]){ "--obj", "1", "--serial", bus, "--poll", "1-2",
						  "--batch-interval", "1", "--console-port", port,
						  NULL }) > 0);
	free(harness_wait_message(&t.h, "amr/v1/gw/1/status", "\"online\":true", 10000)
		     ?: (ck_abort_msg("the gateway did not come online"), NULL));
}

static void teardown(void)
{
	webt_stop(&t);
}

/* The state of output out of device addr of object 1 as GET /objects/1 shows it. */
static const char *out_state(struct webc *c, unsigned addr, unsigned out)
{
	static char buf[16];
	struct webr r = webc_req(c, "GET", "/api/v1/objects/1", NULL, NULL, NULL);
	json_t *d;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(json_object_get(r.json, "devices"), i, d)
		if (json_integer_value(json_object_get(d, "addr")) == addr)
			snprintf(buf, sizeof buf, "%s",
				 json_string_value(json_object_get(
					 json_array_get(json_object_get(d, "outputs"), out - 1),
					 "state"))
					 ?: "");
	webr_free(&r);
	return buf;
}

static void create_user(struct webc *admin, const char *user, const char *role)
{
	char body[256];
	struct webr r;

	snprintf(body, sizeof body, "{\"user\":\"%s\",\"role\":\"%s\",\"password\":\"%s-pass-1\"}",
		 user, role, user);
	r = webc_req(admin, "POST", "/api/v1/users", body, NULL, NULL);
	ck_assert_msg(r.status == 200 || r.status == 201, "create %s: %ld %s", user, r.status,
		      r.body);
	webr_free(&r);
}

/* Wait up to 15 s for output out of device addr to show state. */
static void wait_out_state(struct webc *c, unsigned addr, unsigned out, const char *state)
{
	for (int i = 0; i < 150 && strcmp(out_state(c, addr, out), state); i++)
		harness_sleep_ms(100);
	ck_assert_msg(!strcmp(out_state(c, addr, out), state),
		      "output %u of device %u: %s, want %s", out, addr, out_state(c, addr, out),
		      state);
}

static long post(struct webc *c, const char *body, char *code, size_t size)
{
	struct webr r = webc_req(c, "POST", "/api/v1/objects/1/commands", body, NULL, NULL);
	long status = r.status;

	snprintf(code, size, "%s", webr_code(&r));
	webr_free(&r);
	return status;
}

START_TEST(block_unblock_on_the_field)
{
	struct webc admin, op, acc;
	struct webr r;
	char code[32], bits[5], csrf[80];
	json_t *rec;

	webc_init(&admin, &t);
	webc_init(&op, &t);
	webc_init(&acc, &t);
	ck_assert_int_eq(webc_login(&admin, "admin", t.admin_pw), 200);
	create_user(&admin, "op1", "operator");
	create_user(&admin, "acc1", "accountant");
	ck_assert_int_eq(webc_login(&op, "op1", "op1-pass-1"), 200);
	ck_assert_int_eq(webc_login(&acc, "acc1", "acc1-pass-1"), 200);
	/* the device is seen: its outputs "unknown" until the gateway has read
	 * its coils, then "released" as read; never a guess. The batch that
	 * first shows the device may already carry the coils (under load it
	 * often does), so either is right at first, and "released" follows. */
	HARNESS_POLL_UNTIL(out_state(&op, 1, 1)[0], 10000);
	ck_assert_msg(!strcmp(out_state(&op, 1, 1), "unknown") ||
			      !strcmp(out_state(&op, 1, 1), "released"),
		      "output 1 of device 1 is \"%s\" before any command", out_state(&op, 1, 1));
	HARNESS_POLL_UNTIL(!strcmp(out_state(&op, 1, 1), "released"), 10000);
	ck_assert_str_eq(out_state(&op, 1, 1), "released");

	/* who may: an accountant neither commands nor reads the commands */
	ck_assert_int_eq(post(&acc, "{\"cmd\":\"block\",\"addr\":1,\"out\":1,\"reason\":\"x\"}",
			      code, sizeof code),
			 403);
	r = webc_req(&acc, "GET", "/api/v1/objects/1/commands", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 403);
	webr_free(&r);
	/* an operator may not zero a counter (admins only) */
	ck_assert_int_eq(post(&op, "{\"cmd\":\"zero\",\"addr\":1,\"ch\":1,\"reason\":\"x\"}", code,
			      sizeof code),
			 403);
	ck_assert_str_eq(code, "forbidden");
	/* CSRF: without the token the state change is refused */
	snprintf(csrf, sizeof csrf, "%s", op.csrf);
	op.csrf[0] = '\0';
	ck_assert_int_eq(post(&op, "{\"cmd\":\"block\",\"addr\":1,\"out\":1,\"reason\":\"x\"}",
			      code, sizeof code),
			 403);
	ck_assert_str_eq(code, "csrf");
	snprintf(op.csrf, sizeof op.csrf, "%s", csrf);
	/* bad input: a clear 400, nothing sent */
	ck_assert_int_eq(post(&op, "{\"cmd\":\"block\",\"addr\":1,\"out\":1}", code, sizeof code),
			 400);
	ck_assert_int_eq(post(&op, "{\"cmd\":\"block\",\"addr\":1,\"out\":5,\"reason\":\"x\"}",
			      code, sizeof code),
			 400);
	ck_assert_int_eq(post(&op, "{\"cmd\":\"block\",\"addr\":1,\"out\":1,\"reason\":\"\"}", code,
			      sizeof code),
			 400);
	ck_assert_int_eq(post(&op,
			      "{\"cmd\":\"block\",\"addr\":1,\"ch\":1,\"out\":1,\"reason\":\"x\"}",
			      code, sizeof code),
			 400);
	ck_assert_int_eq(post(&op, "{\"cmd\":\"explode\",\"addr\":1,\"out\":1,\"reason\":\"x\"}",
			      code, sizeof code),
			 400);
	sim_outputs(1, bits);
	ck_assert_str_eq(bits, "0000");
	/* before any command: the states the gateway read from the devices */
	for (unsigned a = 1; a <= 2; a++)
		for (unsigned k = 1; k <= 4; k++)
			wait_out_state(&op, a, k, "released");

	/* block: done, with the gateway's answer; the device drives output 1 */
	r = webc_req(&op, "POST", "/api/v1/objects/1/commands",
		     "{\"cmd\":\"block\",\"addr\":1,\"out\":1,\"reason\":\"debt, flat 12\"}", NULL,
		     NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "state")), "done");
	ck_assert_msg(strstr(json_string_value(
				     json_object_get(json_object_get(r.json, "result"), "output"))
				     ?: "",
			     "blocked"),
		      "gateway answer: %s", r.body);
	webr_free(&r);
	ck_assert_str_eq(out_state(&op, 1, 1), "blocked");
	ck_assert_str_eq(out_state(&op, 1, 2), "released");
	sim_outputs(1, bits);
	ck_assert_str_eq(bits, "1000");
	/* the command list has it with its actor */
	r = webc_req(&op, "GET", "/api/v1/objects/1/commands?limit=5", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	rec = json_array_get(json_object_get(r.json, "commands"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "actor")), "op1");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "reason")), "debt, flat 12");
	webr_free(&r);

	/* the audit trail, newest first: the block with who and why; operators may not read it */
	r = webc_req(&op, "GET", "/api/v1/audit?order=desc", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 403);
	webr_free(&r);
	for (int i = 0; i < 50; i++) {
		r = webc_req(&admin, "GET", "/api/v1/audit?order=desc&target=1.1.1&limit=10", NULL,
			     NULL, NULL);
		ck_assert_int_eq(r.status, 200);
		rec = json_array_get(json_object_get(r.json, "records"), 0);
		if (rec && !strcmp(json_string_value(
					   json_object_get(json_object_get(rec, "detail"), "state"))
					   ?: "",
				   "done"))
			break;
		webr_free(&r);
		harness_sleep_ms(100);
	}
	ck_assert_ptr_nonnull(rec);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "action")), "block");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "actor")), "op1");
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(rec, "detail"), "reason")),
		"debt, flat 12");
	webr_free(&r);

	/* unblock */
	r = webc_req(&op, "POST", "/api/v1/objects/1/commands",
		     "{\"cmd\":\"unblock\",\"addr\":1,\"out\":1,\"reason\":\"paid\"}", NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "state")), "done");
	webr_free(&r);
	ck_assert_str_eq(out_state(&op, 1, 1), "released");
	sim_outputs(1, bits);
	ck_assert_str_eq(bits, "0000");
	/* an admin blocks output 3 of device 2 */
	r = webc_req(&admin, "POST", "/api/v1/objects/1/commands",
		     "{\"cmd\":\"block\",\"addr\":2,\"out\":3,\"reason\":\"leak\"}", NULL, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "state")), "done");
	webr_free(&r);

	/* a restarted amr-web learns the states from ingest's command history
	 * and the gateway's next full batch, whichever comes first (the history
	 * alone: view_on_commands in test_web_unit) */
	webt_restart_web(&t, NULL);
	webc_free(&admin);
	webc_init(&admin, &t);
	ck_assert_int_eq(webc_login(&admin, "admin", t.admin_pw), 200);
	for (int i = 0; i < 100 && strcmp(out_state(&admin, 2, 3), "blocked"); i++)
		harness_sleep_ms(100);
	ck_assert_str_eq(out_state(&admin, 2, 3), "blocked");
	wait_out_state(&admin, 1, 1, "released");
	wait_out_state(&admin, 2, 1, "released");
	ck_assert_str_eq(out_state(&admin, 2, 3), "blocked");
	webc_free(&admin);
	webc_free(&op);
	webc_free(&acc);
}
END_TEST

static void tls_start(void)
{
	webt_start_tls(&t, NULL);
}

START_TEST(tls_secure_cookie)
{
	struct webc c;
	struct webr r;
	char cmd[1200], *out;
	int status;

	/* curl with the certificate as CA: the health check over HTTPS */
	snprintf(cmd, sizeof cmd, "curl -sS --max-time 10 --cacert %s https://127.0.0.1:%d/healthz",
		 t.cacert, t.http_port);
	out = harness_run(&t.h, cmd, &status);
	ck_assert_msg(status == 0 && out && strstr(out, "\"status\":\"ok\""), "curl: %d %s", status,
		      out ? out : "");
	free(out);
	/* without it the self-signed certificate is refused (curl exit 60) */
	snprintf(cmd, sizeof cmd, "curl -sS --max-time 10 https://127.0.0.1:%d/healthz 2>/dev/null",
		 t.http_port);
	out = harness_run(&t.h, cmd, &status);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 60);
	free(out);
	/* plain HTTP on the TLS port gets no HTTP answer */
	snprintf(cmd, sizeof cmd,
		 "curl -s --max-time 5 -o /dev/null -w '%%{http_code}' "
		 "http://127.0.0.1:%d/healthz",
		 t.http_port);
	out = harness_run(&t.h, cmd, &status);
	ck_assert_msg(out && !strcmp(out, "000"), "plain HTTP answered %s", out ? out : "");
	free(out);
	/* sign in over TLS: the cookie is Secure, HSTS is sent, the session works */
	webc_init(&c, &t);
	r = webc_req(&c, "POST", "/api/v1/login", NULL, NULL, NULL);
	webr_free(&r);
	{
		char body[200];

		snprintf(body, sizeof body, "{\"user\":\"admin\",\"password\":\"%s\"}", t.admin_pw);
		r = webc_req(&c, "POST", "/api/v1/login", body, NULL, NULL);
	}
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.headers, "Set-Cookie: amr_sid="), "headers: %s", r.headers);
	ck_assert_msg(strstr(strstr(r.headers, "Set-Cookie: amr_sid="), "; Secure"), "headers: %s",
		      r.headers);
	ck_assert(strstr(r.headers, "HttpOnly"));
	ck_assert(strstr(r.headers, "Strict-Transport-Security: max-age="));
	webr_free(&r);
	r = webc_req(&c, "GET", "/api/v1/me", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "user")), "admin");
	webr_free(&r);
	webc_free(&c);
}
END_TEST

START_TEST(plain_http_cookie_not_secure)
{
	struct webc c;
	struct webr r;
	char body[200];

	webc_init(&c, &t);
	snprintf(body, sizeof body, "{\"user\":\"admin\",\"password\":\"%s\"}", t.admin_pw);
	r = webc_req(&c, "POST", "/api/v1/login", body, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(strstr(r.headers, "Set-Cookie: amr_sid="));
	ck_assert(!strstr(r.headers, "Secure"));
	ck_assert(!strstr(r.headers, "Strict-Transport-Security"));
	webr_free(&r);
	webc_free(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("web_ops");
	TCase *tc = tcase_create("field");
	SRunner *sr;
	int failed;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_checked_fixture(tc, field_start, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, block_unblock_on_the_field);
	tcase_add_test(tc, plain_http_cookie_not_secure);
	suite_add_tcase(s, tc);
	tc = tcase_create("tls");
	tcase_add_checked_fixture(tc, tls_start, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, tls_secure_cookie);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
