/*
 * lib/rpc_file against a real Mosquitto: a small RPC server (a thread of
 * this test, with its own connection) hands out a multi-megabyte random
 * file in chunks, and the client gets it back byte for byte with every
 * chunk's answer under RPC_MAX_ANSWER; a file that changes between chunks
 * is an error whether the server or the client sees it; a bad offset is a
 * bad_request naming the field; amrctl get saves the file, checked, or
 * nothing.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <sodium.h>

#include "err.h"
#include "harness.h"
#include "loop.h"
#include "mq.h"
#include "rpc.h"
#include "rpc_file.h"

#define FILE_SIZE (3 * 1024 * 1024 + 12345) /* five chunks, the last short */

static struct harness h;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
}

static void teardown(void)
{
	harness_stop(&h);
}

struct client {
	loop *l;   /* its loop */
	mq *m;	   /* its connection */
	rpc *r;	   /* its RPC endpoint */
	bool up;   /* connected */
	bool wake; /* loop_run_until flag */
};

static void on_up(void *ctx)
{
	struct client *c = ctx;

	c->up = true;
	c->wake = true;
}

/* Run c's loop until cond holds or ms pass. */
#define RUN_UNTIL(c, cond, ms) \
	HARNESS_LOOP_UNTIL((c)->l, harness_loop_wake, &(c)->wake, &(c)->wake, cond, ms)

static void client_open(struct client *c, const char *id)
{
	struct mq_opts o = { 0 };

	memset(c, 0, sizeof *c);
	o.host = "127.0.0.1";
	o.port = h.mqtt_port;
	o.client_id = id;
	o.clean_session = true;
	o.on_connect = on_up;
	o.ctx = c;
	ck_assert_int_eq(loop_create(&c->l), AMR_OK);
	ck_assert_int_eq(mq_create(&c->m, c->l, &o), AMR_OK);
	ck_assert_int_eq(rpc_create(&c->r, c->m, c->l), AMR_OK);
	RUN_UNTIL(c, c->up, 10000);
	ck_assert_msg(c->up, "client %s did not connect", id);
}

static void client_close(struct client *c)
{
	rpc_destroy(c->r);
	mq_destroy(c->m);
	loop_destroy(c->l);
}

/* ---- the server, on a thread of its own ---- */

struct server {
	struct client c;       /* its connection */
	unsigned char *data;   /* the file */
	char sha256[65];       /* computed once */
	unsigned char *moving; /* a file that changes with every request */
	pthread_t thread;      /* runs c.l */
};

/* f/file {offset?,max?,sha256?}: the random file. */
static void m_file(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { RPC_FILE_ARGS, NULL };
	struct server *s = ctx;
	struct rpc_file f = { s->data, FILE_SIZE, "random.bin", "application/octet-stream",
			      s->sha256 };
	struct jv_err err = { "" };

	if (jv_only(args, fields, &err)) {
		rpc_reply_err(req, "bad_request", "%s", err.msg);
		return;
	}
	rpc_file_reply(req, &f, args);
}

/* f/moving: rendered anew for every request, as a report of live data
 * would be; its sha256 is computed for each chunk. */
static void m_moving(void *ctx, rpc_req *req, json_t *args)
{
	struct server *s = ctx;
	struct rpc_file f = { s->moving, FILE_SIZE, "live.csv", "text/csv", NULL };

	s->moving[0]++;
	rpc_file_reply(req, &f, args);
}

/* f/moving_blind: the same, but a server that drops the caller's sha256
 * and cannot refuse: the client must see the change itself. */
static void m_moving_blind(void *ctx, rpc_req *req, json_t *args)
{
	struct server *s = ctx;
	struct rpc_file f = { s->moving, FILE_SIZE, "live.csv", "text/csv", NULL };
	json_t *blind = json_deep_copy(args);

	s->moving[0]++;
	json_object_del(blind, "sha256");
	rpc_file_reply(req, &f, blind);
	json_decref(blind);
}

static const struct rpc_method methods[] = {
	{ "file", m_file, "a random file" },
	{ "moving", m_moving, "a file that changes" },
	{ "moving_blind", m_moving_blind, "a file that changes, sha256 ignored" },
};

static void *server_thread(void *arg)
{
	loop_run(arg);
	return NULL;
}

static void server_start(struct server *s)
{
	memset(s, 0, sizeof *s);
	ck_assert_int_ge(sodium_init(), 0);
	s->data = malloc(FILE_SIZE);
	s->moving = malloc(FILE_SIZE);
	ck_assert(s->data && s->moving);
	randombytes_buf(s->data, FILE_SIZE);
	memcpy(s->moving, s->data, FILE_SIZE);
	rpc_file_sha256(s->data, FILE_SIZE, s->sha256);
	client_open(&s->c, "file-server");
	ck_assert_int_eq(rpc_serve(s->c.r, "f", methods, 3, s), AMR_OK);
	ck_assert_int_eq(pthread_create(&s->thread, NULL, server_thread, s->c.l), 0);
	/* its subscription is in force once it answers the probe */
	ck_assert_msg(harness_wait_service(&h, "f", 5000) == 0, "the file server never answered");
}

static void server_stop(struct server *s)
{
	loop_stop(s->c.l);
	pthread_join(s->thread, NULL);
	client_close(&s->c);
	free(s->data);
	free(s->moving);
}

/* ---- the client's sink ---- */

struct membuf {
	unsigned char *p; /* bytes received */
	size_t n;	  /* how many */
};

static int mem_sink(void *ctx, const void *data, size_t len)
{
	struct membuf *m = ctx;
	unsigned char *p = realloc(m->p, m->n + len);

	if (!p)
		return -1;
	memcpy(p + m->n, data, len);
	m->p = p;
	m->n += len;
	return 0;
}

START_TEST(a_multi_megabyte_file_comes_back_byte_for_byte)
{
	struct server s;
	struct client cli;
	struct rpc_file_info info;
	struct membuf m = { 0 };
	char *code = NULL, *message = NULL, needle[64], *w;
	long long offset;
	int rc, chunks = 0;

	server_start(&s);
	harness_subscribe(&h, "amr/v1/rpc/reply/#");
	client_open(&cli, "file-client");
	rc = rpc_file_fetch_wait(cli.r, "f/file", NULL, 10000, 0, mem_sink, &m, &info, &code,
				 &message);
	ck_assert_msg(rc == AMR_OK, "%s: %s", code, message);
	ck_assert_uint_eq(m.n, FILE_SIZE);
	ck_assert(memcmp(m.p, s.data, FILE_SIZE) == 0);
	ck_assert_str_eq(info.name, "random.bin");
	ck_assert_str_eq(info.type, "application/octet-stream");
	ck_assert_uint_eq(info.size, FILE_SIZE);
	ck_assert_str_eq(info.sha256, s.sha256);

	/* Every chunk's answer, as the broker carried it, is under the limit
	 * and full but for the last. */
	for (offset = 0; offset < FILE_SIZE; offset += RPC_FILE_CHUNK_MAX, chunks++) {
		snprintf(needle, sizeof needle, "\"offset\":%lld,", offset);
		w = harness_wait_message(&h, "amr/v1/rpc/reply/#", needle, 5000);
		ck_assert_msg(w, "no answer with %s", needle);
		ck_assert_uint_le(strlen(w), RPC_MAX_ANSWER);
		if (offset + RPC_FILE_CHUNK_MAX < FILE_SIZE)
			ck_assert_uint_gt(strlen(w), 980000);
		free(w);
	}
	ck_assert_int_eq(chunks, 5);
	free(m.p);

	/* Smaller chunks when the caller asks for them. */
	m = (struct membuf){ 0 };
	rc = rpc_file_fetch_wait(cli.r, "f/file", json_pack("{s:i}", "max", 500000), 10000, 0,
				 mem_sink, &m, &info, &code, &message);
	ck_assert_msg(rc == AMR_OK, "%s: %s", code, message);
	ck_assert(m.n == FILE_SIZE && memcmp(m.p, s.data, FILE_SIZE) == 0);
	free(m.p);

	/* A caller that takes at most 1 MB refuses it from the first chunk. */
	m = (struct membuf){ 0 };
	rc = rpc_file_fetch_wait(cli.r, "f/file", NULL, 10000, 1000000, mem_sink, &m, &info, &code,
				 &message);
	ck_assert_int_eq(rc, AMR_EFULL);
	ck_assert_str_eq(code, "too_large");
	ck_assert_uint_eq(m.n, 0);
	free(code);
	free(message);
	client_close(&cli);
	server_stop(&s);
}
END_TEST

START_TEST(a_file_that_changes_between_chunks_is_an_error)
{
	struct server s;
	struct client cli;
	struct rpc_file_info info;
	struct membuf m = { 0 };
	char *code = NULL, *message = NULL;
	int rc;

	server_start(&s);
	client_open(&cli, "file-client-2");

	/* The server, given the first chunk's sha256, refuses the second. */
	rc = rpc_file_fetch_wait(cli.r, "f/moving", NULL, 10000, 0, mem_sink, &m, &info, &code,
				 &message);
	ck_assert_int_eq(rc, AMR_ESTATE);
	ck_assert_str_eq(code, "conflict");
	ck_assert_msg(strstr(message, "sha256: the file changed since the first chunk"), "%s",
		      message);
	ck_assert_uint_eq(m.n, RPC_FILE_CHUNK_MAX); /* the first chunk only */
	free(code);
	free(message);
	free(m.p);

	/* A server that cannot refuse: the client sees it in the second. */
	m = (struct membuf){ 0 };
	rc = rpc_file_fetch_wait(cli.r, "f/moving_blind", NULL, 10000, 0, mem_sink, &m, &info,
				 &code, &message);
	ck_assert_int_eq(rc, AMR_ESTATE);
	ck_assert_str_eq(code, "conflict");
	ck_assert_msg(strstr(message, "the file changed between chunks"), "%s", message);
	ck_assert_uint_eq(m.n, RPC_FILE_CHUNK_MAX);
	free(code);
	free(message);
	free(m.p);
	client_close(&cli);
	server_stop(&s);
}
END_TEST

START_TEST(a_bad_offset_is_a_bad_request_naming_it)
{
	static const struct {
		const char *args; /* of the call */
		const char *says; /* the message */
	} cases[] = {
		{ "{\"offset\":3158073}", "offset: 3158073 is past the end of the file (3158073 "
					  "bytes)" },
		{ "{\"offset\":-5}", "offset: -5 is out of range 0..9223372036854775807" },
		{ "{\"offset\":\"12\"}", "offset: expected an integer, got string" },
		{ "{\"offset\":0.5}", "offset: expected an integer, got number with a fraction" },
		{ "{\"offset\":0,\"max\":0}", "max: 0 is out of range 1..737280" },
	};
	struct server s;
	struct client cli;
	struct rpc_file_info info;
	struct membuf m = { 0 };
	json_t *result = NULL;
	char *code = NULL, *message = NULL;
	int rc;

	ck_assert_int_eq(FILE_SIZE, 3158073);
	server_start(&s);
	client_open(&cli, "file-client-3");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rc = rpc_call_wait(cli.r, "f/file", json_loads(cases[i].args, 0, NULL), 10000,
				   &result, &code, &message);
		ck_assert_int_eq(rc, AMR_EINVAL);
		ck_assert_str_eq(code, "bad_request");
		ck_assert_str_eq(message, cases[i].says);
		free(code);
		free(message);
	}
	/* The last byte alone is a good request. */
	rc = rpc_call_wait(cli.r, "f/file", json_pack("{s:i}", "offset", FILE_SIZE - 1), 10000,
			   &result, &code, &message);
	ck_assert_int_eq(rc, AMR_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(result, "length")), 1);
	ck_assert(json_is_null(json_object_get(result, "next")));
	json_decref(result);

	/* A wait stopped (a signal) before the answer is "interrupted"; the
	 * call still pending ends with the endpoint and frees the fetch. */
	loop_stop(cli.l);
	rc = rpc_file_fetch_wait(cli.r, "f/file", NULL, 10000, 0, mem_sink, &m, &info, &code,
				 &message);
	ck_assert_int_eq(rc, AMR_ESTATE);
	ck_assert_str_eq(code, "interrupted");
	ck_assert_uint_eq(m.n, 0);
	free(code);
	free(message);
	client_close(&cli);
	server_stop(&s);
}
END_TEST

/* Read a whole file; a malloc'd copy and its size, or NULL. */
static unsigned char *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (p = malloc((size_t)n + 1)) && fread(p, 1, (size_t)n, f) == (size_t)n) {
		*size = (size_t)n;
	} else {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}

START_TEST(amrctl_get_saves_a_checked_file_or_nothing)
{
	struct server s;
	char cmd[1024], path[512], *out;
	unsigned char *got;
	size_t size = 0;
	int status;
	FILE *f;

	server_start(&s);
	snprintf(path, sizeof path, "%s/random.bin", h.dir);
	snprintf(cmd, sizeof cmd, "amrctl get f/file -o %s 2>&1", path);
	out = harness_run(&h, cmd, &status);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", out);
	ck_assert_msg(strstr(out, s.sha256) && strstr(out, "\"size\": 3158073"), "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\"name\": \"random.bin\""));
	free(out);
	got = slurp(path, &size);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(size, FILE_SIZE);
	ck_assert(memcmp(got, s.data, FILE_SIZE) == 0);
	free(got);

	/* To stdout, in smaller chunks: the same bytes. */
	out = harness_run(&h, "amrctl get f/file '{\"max\":100000}' -o - | sha256sum", &status);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", out);
	ck_assert_msg(strncmp(out, s.sha256, 64) == 0, "%s", out);
	free(out);

	/* A file that changes is an error, and FILE keeps what it had. */
	snprintf(path, sizeof path, "%s/live.csv", h.dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("old\n", f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "amrctl get f/moving -o %s 2>&1", path);
	out = harness_run(&h, cmd, &status);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "%s", out);
	ck_assert_msg(strstr(out, "amrctl: f/moving: conflict: sha256: the file changed"), "%s",
		      out);
	free(out);
	got = slurp(path, &size);
	ck_assert(got && size == 4 && memcmp(got, "old\n", 4) == 0);
	free(got);

	/* An unknown method: exit 1, no file. Nothing half-written is left. */
	snprintf(cmd, sizeof cmd, "amrctl get f/nope -o %s/nope.bin 2>&1", h.dir);
	out = harness_run(&h, cmd, &status);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "unknown_method"));
	free(out);
	snprintf(cmd, sizeof cmd, "ls %s | grep -c -e nope.bin -e '\\.part-' 2>&1", h.dir);
	out = harness_run(&h, cmd, &status);
	ck_assert_str_eq(out, "0\n");
	free(out);

	/* Usage errors never leave amrctl. */
	out = harness_run(&h, "amrctl get f/file 2>&1", &status);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 2, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "-o FILE"));
	free(out);
	server_stop(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rpc_file");
	TCase *tc = tcase_create("broker");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, a_multi_megabyte_file_comes_back_byte_for_byte);
	tcase_add_test(tc, a_file_that_changes_between_chunks_is_an_error);
	tcase_add_test(tc, a_bad_offset_is_a_bad_request_naming_it);
	tcase_add_test(tc, amrctl_get_saves_a_checked_file_or_nothing);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
