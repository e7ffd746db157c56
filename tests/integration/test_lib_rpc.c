/*
 * lib/rpc against a real Mosquitto: concurrent calls are matched by id, a
 * silent service becomes a clear timeout, a call that cannot be timed
 * fails at once, and malformed requests are answered or logged and change
 * nothing.
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "harness.h"
#include "loop.h"
#include "mq.h"
#include "mq_client.h"
#include "rpc.h"

static struct harness h;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
}

static void teardown(void)
{
	harness_stop(&h);
}

/* The server runs its loop on a thread of its own, as a service would in
 * its own process; the test thread plays the caller. */
struct server {
	rpc_req *held[64]; /* requests answered later */
	long long n[64];   /* the n each carried */
	int nheld;	   /* written on the server thread */
	pthread_t thread;  /* runs the server's loop */
};

static int held_count(struct server *s)
{
	return __atomic_load_n(&s->nheld, __ATOMIC_SEQ_CST);
}

/* On the server thread: answer every held request, newest first, each
 * with the n it carried. */
static void answer_held(void *arg)
{
	struct server *s = arg;

	for (int i = s->nheld - 1; i >= 0; i--)
		rpc_reply_ok(s->held[i], json_pack("{s:I}", "echo", (json_int_t)s->n[i]));
	__atomic_store_n(&s->nheld, 0, __ATOMIC_SEQ_CST);
}

static void *server_thread(void *arg)
{
	loop_run(arg);
	return NULL;
}

static void m_echo(void *ctx, rpc_req *req, json_t *args)
{
	struct server *s = ctx;

	/* Keep the request; the test answers later, out of order. */
	s->n[s->nheld] = json_integer_value(json_object_get(args, "n"));
	s->held[s->nheld] = req;
	__atomic_add_fetch(&s->nheld, 1, __ATOMIC_SEQ_CST);
}

static void m_never(void *ctx, rpc_req *req, json_t *args)
{
	struct server *s = ctx;

	s->n[s->nheld] = -1;
	s->held[s->nheld] = req; /* answered only at the end */
	__atomic_add_fetch(&s->nheld, 1, __ATOMIC_SEQ_CST);
	(void)args;
}

static void m_fail(void *ctx, rpc_req *req, json_t *args)
{
	(void)ctx;
	(void)args;
	rpc_reply_err(req, "not_found", "no channel %s", "9.9.9");
}

/* An error quoting a value cut at a byte count, inside a character. */
static void m_cut(void *ctx, rpc_req *req, json_t *args)
{
	(void)ctx;
	(void)args;
	rpc_reply_err(req, "bad_request", "label: \"%.5s\" is not a label", "ааа");
}

struct calls {
	int answered; /* callbacks run */
	int matched;  /* answers whose echo is the caller's own n */
};

struct call {
	struct calls *all; /* shared tally */
	int n;		   /* what this call sent */
};

static void on_answer(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct call *c = ctx;

	c->all->answered++;
	if (!err && json_integer_value(json_object_get(result, "echo")) == c->n)
		c->all->matched++;
	(void)code;
	(void)message;
}

START_TEST(concurrent_calls_are_matched_by_id)
{
	static const struct rpc_method methods[] = {
		{ "echo", m_echo, "echo n" },
		{ "never", m_never, "never answers" },
		{ "fail", m_fail, "always fails" },
	};
	struct client srv, cli;
	struct server s = { .nheld = 0 };
	struct calls calls = { 0 };
	struct call each[40];
	json_t *result = NULL;
	char *code = NULL, *message = NULL;
	int rc;

	client_open(&srv, &h, "rpc-server", false, NULL, NULL);
	ck_assert_int_eq(rpc_create(&srv.r, srv.m, srv.l), AMR_OK);
	ck_assert_int_eq(rpc_serve(srv.r, "t", methods, 3, &s), AMR_OK);
	ck_assert_int_eq(pthread_create(&s.thread, NULL, server_thread, srv.l), 0);
	/* The server's subscription is in force once it answers the probe. */
	ck_assert_msg(harness_wait_service(&h, "t", 5000) == 0, "the server never answered");
	/* The client's requests go after its reply subscription, on the same
	 * connection: nothing to wait for. */
	client_open(&cli, &h, "rpc-client", true, NULL, NULL);
	ck_assert_int_eq(rpc_create(&cli.r, cli.m, cli.l), AMR_OK);

	for (int i = 0; i < 40; i++) {
		each[i] = (struct call){ &calls, 1000 + i };
		ck_assert_int_eq(rpc_call(cli.r, "t/echo", json_pack("{s:i}", "n", 1000 + i), 10000,
					  on_answer, &each[i]),
				 AMR_OK);
	}
	/* The server takes all 40, then answers newest first. */
	RUN_UNTIL(&cli, held_count(&s) == 40, 10000);
	ck_assert_int_eq(held_count(&s), 40);
	loop_post(srv.l, answer_held, &s, NULL);
	RUN_UNTIL(&cli, calls.answered == 40, 10000);
	ck_assert_int_eq(calls.answered, 40);
	ck_assert_int_eq(calls.matched, 40);

	/* An error answer keeps its code and message. */
	rc = rpc_call_wait(cli.r, "t/fail", NULL, 5000, &result, &code, &message);
	ck_assert_int_eq(rc, AMR_ENOTFOUND);
	ck_assert_str_eq(code, "not_found");
	ck_assert_str_eq(message, "no channel 9.9.9");
	free(code);
	free(message);

	/* An unknown method is answered, not ignored. */
	rc = rpc_call_wait(cli.r, "t/nope", NULL, 5000, &result, &code, &message);
	ck_assert_int_eq(rc, AMR_ENOTFOUND);
	ck_assert_str_eq(code, "unknown_method");
	free(code);
	free(message);

	/* A method that never answers times out with the service's name. */
	rc = rpc_call_wait(cli.r, "t/never", NULL, 700, &result, &code, &message);
	ck_assert_int_eq(rc, AMR_ETIMEDOUT);
	ck_assert_str_eq(code, "timeout");
	ck_assert_str_eq(message, "t is not answering");
	free(code);
	free(message);

	/* Bad method names are refused before anything is sent. */
	rc = rpc_call_wait(cli.r, "no-slash", NULL, 700, &result, &code, &message);
	ck_assert_int_eq(rc, AMR_EINVAL);
	free(code);
	free(message);

	ck_assert_int_eq(held_count(&s), 1);
	loop_post(srv.l, answer_held, &s, NULL);
	RUN_UNTIL(&cli, held_count(&s) == 0, 3000);
	loop_stop(srv.l);
	pthread_join(s.thread, NULL);
	client_close(&cli);
	client_close(&srv);
}
END_TEST

static void count_answer(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	(*(int *)ctx)++;
	(void)err;
	(void)result;
	(void)code;
	(void)message;
}

/* A call whose timeout cannot be set would wait forever if its answer
 * never came: it fails at once, sends nothing and leaves nothing pending. */
START_TEST(a_call_without_a_timer_fails_at_once)
{
	static const struct rpc_method methods[] = { { "echo", m_echo, "echo n" } };
	struct client srv, cli;
	struct server s = { .nheld = 0 };
	json_t *result = NULL;
	char *code = NULL, *message = NULL;
	int answered = 0, rc;

	client_open(&srv, &h, "rpc-server-3", false, NULL, NULL);
	ck_assert_int_eq(rpc_create(&srv.r, srv.m, srv.l), AMR_OK);
	ck_assert_int_eq(rpc_serve(srv.r, "t", methods, 1, &s), AMR_OK);
	ck_assert_int_eq(pthread_create(&s.thread, NULL, server_thread, srv.l), 0);
	/* as above: the server answers, the client's requests follow its
	 * reply subscription */
	ck_assert_msg(harness_wait_service(&h, "t", 5000) == 0, "the server never answered");
	client_open(&cli, &h, "rpc-client-3", true, NULL, NULL);
	ck_assert_int_eq(rpc_create(&cli.r, cli.m, cli.l), AMR_OK);

	loop_timer_limit(cli.l, 0);
	rc = rpc_call(cli.r, "t/echo", json_pack("{s:i}", "n", 1), 10000, count_answer, &answered);
	ck_assert_int_eq(rc, AMR_ENOMEM);
	rc = rpc_call_wait(cli.r, "t/echo", json_pack("{s:i}", "n", 1), 10000, &result, &code,
			   &message);
	loop_timer_limit(cli.l, SIZE_MAX);
	ck_assert_int_eq(rc, AMR_ENOMEM);
	ck_assert_str_eq(code, "internal");
	ck_assert_ptr_null(result);
	free(code);
	free(message);

	/* Barrier: a call that works. Had the refused ones been sent, their
	 * requests would have reached the server first (QoS 1, in order). */
	ck_assert_int_eq(rpc_call(cli.r, "t/echo", json_pack("{s:i}", "n", 2), 10000, count_answer,
				  &answered),
			 AMR_OK);
	RUN_UNTIL(&cli, held_count(&s) >= 1, 10000);
	ck_assert_int_eq(held_count(&s), 1);
	ck_assert_int_eq(s.n[0], 2);
	loop_post(srv.l, answer_held, &s, NULL);
	RUN_UNTIL(&cli, answered == 1, 10000);
	ck_assert_int_eq(answered, 1);
	/* Nothing pending: destroying the endpoint answers no one. */
	rpc_destroy(cli.r);
	cli.r = NULL;
	ck_assert_int_eq(answered, 1);

	loop_stop(srv.l);
	pthread_join(s.thread, NULL);
	client_close(&cli);
	client_close(&srv);
}
END_TEST

/* An answer of 1.5 MB: more than the broker carries. */
static void m_big(void *ctx, rpc_req *req, json_t *args)
{
	char *s = malloc(1500000);

	(void)ctx;
	(void)args;
	memset(s, 'x', 1499999);
	s[1499999] = '\0';
	rpc_reply_ok(req, json_pack("{s:s}", "blob", s));
	free(s);
}

/* The probe has the answer with id on amr/v1/rpc/reply/p. */
static bool answered(const char *id)
{
	char needle[32], *w;

	snprintf(needle, sizeof needle, "\"id\":\"%s\"", id);
	w = harness_wait_message(&h, "amr/v1/rpc/reply/p", needle, 0);
	if (!w)
		return false;
	free(w);
	return true;
}

START_TEST(malformed_requests_change_nothing)
{
	static const struct rpc_method methods[] = { { "fail", m_fail, "fails" },
						     { "big", m_big, "too big to send" },
						     { "cut", m_cut, "quotes a cut value" } };
	struct client srv;
	struct server s = { .nheld = 0 };
	char *w;

	client_open(&srv, &h, "rpc-server-2", false, NULL, NULL);
	ck_assert_int_eq(rpc_create(&srv.r, srv.m, srv.l), AMR_OK);
	ck_assert_int_eq(rpc_serve(srv.r, "u", methods, 3, &s), AMR_OK);
	harness_subscribe(&h, "amr/v1/rpc/reply/#");
	harness_subscribe(&h, "amr/v1/svc/x");
	/* The server's subscription is in force once it answers. */
	for (int i = 0; i < 50; i++) {
		char req[96], id[16];

		snprintf(id, sizeof id, "r%d", i);
		snprintf(req, sizeof req, "{\"id\":\"%s\",\"reply\":\"amr/v1/rpc/reply/p\"}", id);
		harness_publish(&h, "amr/v1/rpc/u/fail", req, 1, false);
		RUN_UNTIL(&srv, answered(id), 100);
		if (answered(id))
			break;
		ck_assert_msg(i < 49, "the server never answered");
	}
	harness_publish(&h, "amr/v1/rpc/u/fail", "{not json", 1, false);
	harness_publish(&h, "amr/v1/rpc/u/fail", "{\"id\":\"x1\",\"reply\":\"amr/v1/svc/x\"}", 1,
			false);
	harness_publish(&h, "amr/v1/rpc/u/fail",
			"{\"id\":\"x2\",\"reply\":\"amr/v1/rpc/reply/p\",\"args\":[1]}", 1, false);
	harness_publish(&h, "amr/v1/rpc/u/fail",
			"{\"id\":\"x3\",\"reply\":\"amr/v1/rpc/reply/p\",\"extra\":1}", 1, false);
	RUN_UNTIL(&srv, answered("x3"), 5000);
	w = harness_wait_message(&h, "amr/v1/rpc/reply/p", "\"id\":\"x2\"", 3000);
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(strstr(w, "bad_request"));
	ck_assert_ptr_nonnull(strstr(w, "args: expected an object"));
	free(w);
	w = harness_wait_message(&h, "amr/v1/rpc/reply/p", "\"id\":\"x3\"", 3000);
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(strstr(w, "extra: unknown field"));
	free(w);
	/* No answer can go to a topic outside amr/v1/rpc/reply/: one to x1
	 * would have come before the answer to x3 (the probe was subscribed). */
	ck_assert_ptr_null(harness_wait_message(&h, "amr/v1/svc/x", NULL, 0));
	/* An answer the broker would drop (with the server's connection) is
	 * replaced by an error, and the server goes on answering. */
	harness_publish(&h, "amr/v1/rpc/u/big", "{\"id\":\"x4\",\"reply\":\"amr/v1/rpc/reply/p\"}",
			1, false);
	RUN_UNTIL(&srv, answered("x4"), 5000);
	w = harness_wait_message(&h, "amr/v1/rpc/reply/p", "\"id\":\"x4\"", 3000);
	ck_assert_ptr_nonnull(w);
	ck_assert_msg(strstr(w, "\"too_large\"") && strlen(w) < 1000, "%.200s", w);
	free(w);
	harness_publish(&h, "amr/v1/rpc/u/fail", "{\"id\":\"x5\",\"reply\":\"amr/v1/rpc/reply/p\"}",
			1, false);
	RUN_UNTIL(&srv, answered("x5"), 5000);
	w = harness_wait_message(&h, "amr/v1/rpc/reply/p", "\"id\":\"x5\"", 3000);
	ck_assert_ptr_nonnull(w);
	free(w);
	/* a request with bytes that are not UTF-8 is answered, not dropped */
	harness_publish(
		&h, "amr/v1/rpc/u/fail",
		"{\"id\":\"x6\",\"reply\":\"amr/v1/rpc/reply/p\",\"args\":{\"l\":\"\xd0\"}}", 1,
		false);
	RUN_UNTIL(&srv, answered("x6"), 5000);
	w = harness_wait_message(&h, "amr/v1/rpc/reply/p", "\"id\":\"x6\"", 3000);
	ck_assert_msg(w && strstr(w, "bad_request") && strstr(w, "not UTF-8"), "%s", w ? w : "-");
	free(w);
	/* a key given twice is answered bad_request, naming it, not dropped */
	harness_publish(&h, "amr/v1/rpc/u/fail",
			"{\"id\":\"x8\",\"reply\":\"amr/v1/rpc/reply/p\",\"args\":{},\"args\":{}}",
			1, false);
	RUN_UNTIL(&srv, answered("x8"), 5000);
	w = harness_wait_message(&h, "amr/v1/rpc/reply/p", "\"id\":\"x8\"", 3000);
	ck_assert_msg(w && strstr(w, "bad_request") && strstr(w, "duplicate"), "%s", w ? w : "-");
	free(w);
	/* an error message cut inside a character still answers */
	harness_publish(&h, "amr/v1/rpc/u/cut", "{\"id\":\"x7\",\"reply\":\"amr/v1/rpc/reply/p\"}",
			1, false);
	RUN_UNTIL(&srv, answered("x7"), 5000);
	w = harness_wait_message(&h, "amr/v1/rpc/reply/p", "\"id\":\"x7\"", 3000);
	ck_assert_msg(w && strstr(w, "label: \\\"аа?\\\" is not a label"), "%s", w ? w : "-");
	free(w);
	client_close(&srv);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lib_rpc");
	TCase *tc = tcase_create("broker");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, concurrent_calls_are_matched_by_id);
	tcase_add_test(tc, a_call_without_a_timer_fails_at_once);
	tcase_add_test(tc, malformed_requests_change_nothing);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
