/*
 * fuzz_rpc.c - libFuzzer target: the RPC envelope (lib/rpc.c, DESIGN.md
 * 4.4) as a server reads a request and as a caller reads an answer
 * (docs/reliability.md).
 *
 * lib/rpc.c itself is linked; the broker and the loop are stubs that
 * hand it the message and keep what it publishes. The first byte of the
 * input chooses:
 *  - even: a request; up to the first newline is the method (the topic's
 *    last level), the rest the payload. The server answers at most once,
 *    exactly once when the envelope is JSON naming an id and a plain reply
 *    topic, on that topic, with {"id","ok",...} and, on failure, a code of
 *    rpc_code.h's table that a server sends;
 *  - odd: an answer to a call made just before; "$ID" in the payload
 *    becomes the call's id. The callback runs at most once with a result
 *    or a code, never both, and a call not answered ends at shutdown.
 *    With bit 1 of the first byte set the call is made before the
 *    session is up: nothing goes out until the session comes, then the
 *    request does, once.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "loop.h"
#include "mq.h"
#include "rpc.h"
#include "rpc_code.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

/* ---- the stubs: a broker that keeps what is published ---- */

struct sub {
	char filter[256];
	mq_msg_cb cb;
	void *ctx;
};

static struct sub subs[4];
static int nsubs;
static int published;
static char pub_topic[256];
static json_t *pub_json;
static uint64_t timers;
static bool session;	  /* mq_session_up() */
static mq_event_cb on_up; /* mq_on_session()'s hook */
static void *on_up_ctx;

int log_threshold = LOG_LVL_DEBUG;

void log_write(int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
}

amr_err mq_subscribe(mq *m, const char *filter, int qos, mq_msg_cb cb, void *ctx)
{
	CHECK(nsubs < 4);
	snprintf(subs[nsubs].filter, sizeof subs[nsubs].filter, "%s", filter);
	subs[nsubs].cb = cb;
	subs[nsubs++].ctx = ctx;
	return AMR_OK;
}

amr_err mq_publish(mq *m, const char *topic, const void *payload, size_t len, int qos, bool retain)
{
	json_error_t je;

	CHECK(strlen(topic) < sizeof pub_topic);
	published++;
	snprintf(pub_topic, sizeof pub_topic, "%s", topic);
	json_decref(pub_json);
	pub_json = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &je);
	CHECK(pub_json != NULL); /* what we publish is JSON */
	return AMR_OK;
}

amr_err mq_publish_json(mq *m, const char *topic, const json_t *value, int qos, bool retain)
{
	char *text = json_dumps(value, JSON_COMPACT);
	amr_err rc;

	CHECK(text != NULL);
	rc = mq_publish(m, topic, text, strlen(text), qos, retain);
	free(text);
	return rc;
}

bool mq_session_up(const mq *m)
{
	return session;
}

amr_err mq_on_session(mq *m, mq_event_cb cb, void *ctx)
{
	on_up = cb;
	on_up_ctx = ctx;
	return AMR_OK;
}

const char *mq_client_id(const mq *m)
{
	return "fuzz";
}

uint64_t loop_timer_add(loop *l, unsigned ms, bool repeat, loop_fn cb, void *arg)
{
	return ++timers;
}

void loop_timer_cancel(loop *l, uint64_t id)
{
}

/* rpc_call_wait() is not fuzzed: it only waits on rpc_call(). */
amr_err loop_run_until(loop *l, const bool *done)
{
	abort();
}

/* ---- the methods served ---- */

static void echo(void *ctx, rpc_req *req, json_t *args)
{
	CHECK(json_is_object(args));
	rpc_reply_ok(req, json_incref(args));
}

static void fail(void *ctx, rpc_req *req, json_t *args)
{
	rpc_reply_err(req, "not_found", "nothing here: %s", rpc_req_id(req));
}

static const struct rpc_method methods[] = {
	{ "echo", echo, "args back" },
	{ "fail", fail, "not_found" },
};

/* ---- the caller's side ---- */

struct answer {
	int calls;
	int err;
	bool result;
	bool code;
};

static void on_answer(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct answer *a = ctx;

	a->calls++;
	a->err = err;
	a->result = result != NULL;
	a->code = code != NULL;
	CHECK((err == AMR_OK) == (result != NULL));
	CHECK((err == AMR_OK) == (code == NULL));
	CHECK(!code || message);
}

static void deliver(const char *topic, const uint8_t *payload, size_t len)
{
	struct mq_msg msg = { .topic = topic, .len = len, .qos = 1 };
	char *p = malloc(len + 1); /* mq_msg: a NUL after len */
	size_t n = strlen(topic);

	CHECK(p != NULL);
	memcpy(p, payload, len);
	p[len] = '\0';
	msg.payload = p;
	for (int i = 0; i < nsubs; i++) {
		size_t f = strlen(subs[i].filter);

		if (!strcmp(subs[i].filter, topic) ||
		    (f > 0 && subs[i].filter[f - 1] == '+' && n >= f - 1 &&
		     !strncmp(subs[i].filter, topic, f - 1) && !strchr(topic + f - 1, '/')))
			subs[i].cb(subs[i].ctx, &msg);
	}
	free(p);
}

/* A code of rpc_code.h's table that a server sends: not one of those a
 * caller makes up ("timeout" and after). */
static bool sent_code(const char *code)
{
	const char *c;
	amr_err err;

	for (size_t i = 0; (c = rpc_code_row(i, &err)) && strcmp(c, "timeout"); i++)
		if (!strcmp(c, code))
			return true;
	return false;
}

static void check_answer(void)
{
	json_t *ok = json_object_get(pub_json, "ok"), *e;

	CHECK(!strncmp(pub_topic, RPC_REPLY_PREFIX, strlen(RPC_REPLY_PREFIX)));
	CHECK(!strpbrk(pub_topic, "+#"));
	CHECK(json_is_object(pub_json) && json_is_string(json_object_get(pub_json, "id")));
	CHECK(json_string_length(json_object_get(pub_json, "id")) <= RPC_MAX_ID);
	CHECK(json_is_boolean(ok));
	if (json_is_false(ok)) {
		const char *code;

		e = json_object_get(pub_json, "error");
		code = json_string_value(json_object_get(e, "code"));
		CHECK(code && sent_code(code));
		CHECK(json_is_string(json_object_get(e, "message")));
	}
}

/* A well-formed envelope with an id and a plain reply topic is answered,
 * there, under its id. */
static void check_answered(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	const char *id = json_string_value(json_object_get(j, "id"));
	const char *reply = json_string_value(json_object_get(j, "reply"));
	size_t plen = strlen(RPC_REPLY_PREFIX);

	if (json_is_object(j) && id && reply && *id && strlen(id) <= RPC_MAX_ID &&
	    strlen(reply) > plen && strlen(reply) < 256 &&
	    !strncmp(reply, RPC_REPLY_PREFIX, plen) && !strpbrk(reply, "+#")) {
		CHECK(published == 1 && !strcmp(pub_topic, reply));
		CHECK(!strcmp(json_string_value(json_object_get(pub_json, "id")), id));
	}
	json_decref(j);
}

static void request(rpc *r, const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t mlen = nl ? (size_t)(nl - data) : 0;
	char topic[256];

	if (!nl || mlen > 64 || memchr(data, '\0', mlen) || memchr(data, '/', mlen) ||
	    memchr(data, '+', mlen) || memchr(data, '#', mlen))
		snprintf(topic, sizeof topic, RPC_TOPIC_PREFIX "fuzz/echo");
	else
		snprintf(topic, sizeof topic, RPC_TOPIC_PREFIX "fuzz/%.*s", (int)mlen,
			 (const char *)data);
	if (nl) {
		size -= mlen + 1;
		data = nl + 1;
	}
	published = 0;
	deliver(topic, data, size);
	CHECK(published <= 1);
	if (published)
		check_answer();
	check_answered(data, size);
}

static void answer(rpc *r, bool up, const uint8_t *data, size_t size)
{
	struct answer a = { 0 };
	char id[RPC_MAX_ID + 1], reply[256];
	uint8_t *text;
	const uint8_t *mark = NULL;
	size_t idlen, n = 0;

	session = up;
	published = 0;
	CHECK(rpc_call(r, "fuzz/echo", json_object(), 1000, on_answer, &a) == AMR_OK);
	if (!up) {
		CHECK(published == 0 && on_up);
		session = true;
		on_up(on_up_ctx);
	}
	CHECK(published == 1 && a.calls == 0);
	snprintf(id, sizeof id, "%s", json_string_value(json_object_get(pub_json, "id")));
	snprintf(reply, sizeof reply, "%s", json_string_value(json_object_get(pub_json, "reply")));
	idlen = strlen(id);
	text = malloc(size + idlen + 1);
	CHECK(text != NULL);
	for (size_t i = 0; i + 3 <= size; i++) {
		if (!memcmp(data + i, "$ID", 3)) {
			mark = data + i;
			break;
		}
	}
	if (mark) {
		memcpy(text, data, (size_t)(mark - data));
		n = (size_t)(mark - data);
		memcpy(text + n, id, idlen);
		n += idlen;
		memcpy(text + n, mark + 3, size - (size_t)(mark + 3 - data));
		n += size - (size_t)(mark + 3 - data);
	} else {
		memcpy(text, data, size);
		n = size;
	}
	deliver(reply, text, n);
	free(text);
	CHECK(a.calls <= 1);
	/* A call not answered hears "shutdown" when the endpoint goes. */
	if (!a.calls) {
		rpc_destroy(r);
		CHECK(a.calls == 1 && a.err == AMR_ESTATE);
		return;
	}
	rpc_destroy(r);
	CHECK(a.calls == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rpc *r = NULL;

	if (size < 1)
		return 0;
	nsubs = 0;
	on_up = NULL;
	session = true;
	CHECK(rpc_create(&r, (mq *)&subs, (loop *)&subs) == AMR_OK);
	CHECK(rpc_serve(r, "fuzz", methods, 2, NULL) == AMR_OK);
	if (data[0] % 2 == 0) {
		request(r, data + 1, size - 1);
		rpc_destroy(r);
	} else {
		answer(r, !(data[0] & 2), data + 1, size - 1);
	}
	json_decref(pub_json);
	pub_json = NULL;
	return 0;
}
