#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "jv.h"
#include "log.h"
#include "rpc.h"
#include "utf8.h"

#define MAX_TOPIC 256

struct pending {
	struct pending *next;	 /* list link */
	rpc *r;			 /* endpoint */
	char id[RPC_MAX_ID + 1]; /* request id */
	char service[64];	 /* for the timeout message */
	uint64_t timer;		 /* timeout timer */
	rpc_cb cb;		 /* answer callback */
	void *ctx;		 /* its pointer */
	json_t *held;		 /* the request, while not sent yet */
	char topic[MAX_TOPIC];	 /* where it goes */
};

struct table {
	const struct rpc_method *methods; /* borrowed table */
	size_t n;			  /* methods in the table */
	void *ctx;			  /* handlers' pointer */
};

/* One per served service: one subscription, however many tables. */
struct server {
	struct server *next;  /* list link */
	rpc *r;		      /* owner */
	char *service;	      /* service name */
	size_t prefix_len;    /* strlen("amr/v1/rpc/<service>/") */
	struct table *tables; /* method tables, in serving order */
	size_t ntables;
};

struct rpc {
	mq *m;			     /* client used for everything */
	loop *l;		     /* its loop */
	char reply_topic[MAX_TOPIC]; /* amr/v1/rpc/reply/<client-id> */
	char id_prefix[48];	     /* makes ids unique across restarts */
	unsigned long long next_id;  /* request counter */
	struct pending *pending;     /* calls waiting for an answer */
	struct server *servers;	     /* served services */
};

struct rpc_req {
	rpc *r;			 /* endpoint that received it */
	char id[RPC_MAX_ID + 1]; /* caller's id */
	char reply[MAX_TOPIC];	 /* caller's reply topic */
};

static void on_reply(void *ctx, const struct mq_msg *msg);
static void send_held(void *ctx);

amr_err rpc_create(rpc **out, mq *m, loop *l)
{
	rpc *r = calloc(1, sizeof *r);
	struct timespec ts;
	int rc;

	if (!r)
		return AMR_ENOMEM;
	r->m = m;
	r->l = l;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(r->reply_topic, sizeof r->reply_topic, RPC_REPLY_PREFIX "%s", mq_client_id(m));
	snprintf(r->id_prefix, sizeof r->id_prefix, "%lx%lx-", (unsigned long)ts.tv_sec,
		 (unsigned long)(ts.tv_nsec ^ getpid()));
	rc = mq_subscribe(m, r->reply_topic, 1, on_reply, r);
	if (!rc)
		rc = mq_on_session(m, send_held, r);
	if (rc) {
		free(r);
		return rc;
	}
	*out = r;
	return AMR_OK;
}

loop *rpc_loop(const rpc *r)
{
	return r->l;
}

void rpc_destroy(rpc *r)
{
	struct server *s, *snext;

	if (!r)
		return;
	while (r->pending) {
		struct pending *p = r->pending;

		r->pending = p->next;
		loop_timer_cancel(r->l, p->timer);
		p->cb(p->ctx, AMR_ESTATE, NULL, "shutdown", "the caller is shutting down");
		json_decref(p->held);
		free(p);
	}
	for (s = r->servers; s; s = snext) {
		snext = s->next;
		free(s->service);
		free(s->tables);
		free(s);
	}
	free(r);
}

/* ---- server side ---- */

static void send_answer(rpc_req *req, json_t *answer)
{
	char *text = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
	size_t len = text ? strlen(text) : 0;

	if (len > RPC_MAX_ANSWER) {
		log_warn("rpc: answer %s to %s is %zu bytes; sent too_large instead", req->id,
			 req->reply, len);
		free(text);
		json_decref(answer);
		answer = json_pack("{s:s, s:b, s:{s:s, s:s}}", "id", req->id, "ok", 0, "error",
				   "code", rpc_code_name(AMR_EFULL), "message",
				   "the answer would be over "
				   "1000000 bytes; ask for a shorter span, a coarser step or "
				   "fewer items");
		text = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
		len = text ? strlen(text) : 0;
	}
	if (text)
		mq_publish(req->r->m, req->reply, text, len, 1, false);
	free(text);
	json_decref(answer);
	free(req);
}

void rpc_reply_ok(rpc_req *req, json_t *result)
{
	json_t *a = json_pack("{s:s, s:b, s:o}", "id", req->id, "ok", 1, "result",
			      result ? result : json_object());

	send_answer(req, a);
}

static void reply_verr(rpc_req *req, const char *code, const char *fmt, va_list ap)
{
	char message[512];
	json_t *a;

	vsnprintf(message, sizeof message, fmt, ap);
	/* a message quoting a value cut inside a character still answers */
	a = json_pack("{s:s, s:b, s:{s:s, s:s}}", "id", req->id, "ok", 0, "error", "code", code,
		      "message", utf8_fix(message));
	send_answer(req, a);
}

void rpc_reply_err(rpc_req *req, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_verr(req, code, fmt, ap);
	va_end(ap);
}

void rpc_reply_rc(rpc_req *req, amr_err err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_verr(req, rpc_code_name(err), fmt, ap);
	va_end(ap);
}

void rpc_reply_jv(rpc_req *req, amr_err rc, const struct jv_err *err, json_t *result)
{
	if (!rc)
		rpc_reply_ok(req, result);
	else if (err && err->msg[0])
		rpc_reply_rc(req, rc, "%s", err->msg);
	else
		rpc_reply_rc(req, rc, "%s", amr_strerror(rc));
}

const char *rpc_req_id(const rpc_req *req)
{
	return req->id;
}

static void answer_help(struct server *s, rpc_req *req)
{
	json_t *list = json_array();

	for (size_t t = 0; t < s->ntables; t++) {
		const struct rpc_method *m = s->tables[t].methods;

		for (size_t i = 0; i < s->tables[t].n; i++)
			json_array_append_new(list, json_pack("{s:s, s:s}", "method", m[i].name,
							      "help", m[i].help ? m[i].help : ""));
	}
	rpc_reply_ok(req, json_pack("{s:s, s:o}", "service", s->service, "methods", list));
}

static bool topic_safe(const char *t)
{
	return strncmp(t, RPC_REPLY_PREFIX, strlen(RPC_REPLY_PREFIX)) == 0 && !strpbrk(t, "+#") &&
	       strlen(t) < MAX_TOPIC && t[strlen(RPC_REPLY_PREFIX)] != '\0';
}

/*
 * A request that is JSON but for bytes that are not UTF-8, or for a key
 * given twice, can still be answered: read with those bytes replaced and
 * the last of each key kept, its id and reply are known, so the caller
 * hears bad_request (why is the strict reading's error) instead of waiting
 * for its timeout.
 */
static json_t *parse_loosely(const struct mq_msg *msg, bool *not_utf8)
{
	size_t n;
	char *text = utf8_clean(msg->payload, msg->len, msg->len * 3, &n, NULL);
	json_t *j = text ? json_loadb(text, n, 0, NULL) : NULL;

	*not_utf8 = text && (n != msg->len || memcmp(text, msg->payload, n) != 0);
	free(text);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

static void on_request(void *ctx, const struct mq_msg *msg)
{
	struct server *s = ctx;
	const char *method = msg->topic + s->prefix_len, *id, *reply;
	struct jv_err err = { "" };
	json_t *req_json, *args;
	bool bad_text = false, not_utf8 = false;
	rpc_req *req;

	req_json = jv_parse_object(msg->payload, msg->len, &err);
	if (!req_json && (req_json = parse_loosely(msg, &not_utf8)))
		bad_text = true;
	if (!req_json) {
		log_warn("rpc: %s: dropped request: %s", msg->topic, err.msg);
		return;
	}
	if (jv_str(req_json, "id", true, NULL, 1, RPC_MAX_ID, &id, &err) ||
	    jv_str(req_json, "reply", true, NULL, 1, MAX_TOPIC - 1, &reply, &err)) {
		log_warn("rpc: %s: dropped request: %s", msg->topic, err.msg);
		goto out;
	}
	if (!topic_safe(reply)) {
		log_warn(
			"rpc: %s: dropped request %s: reply topic must be a plain topic under " RPC_REPLY_PREFIX,
			msg->topic, id);
		goto out;
	}
	req = calloc(1, sizeof *req);
	if (!req)
		goto out;
	req->r = s->r;
	snprintf(req->id, sizeof req->id, "%s", id);
	snprintf(req->reply, sizeof req->reply, "%s", reply);

	static const char *const top_fields[] = { "id", "reply", "args", NULL };
	if (bad_text) {
		rpc_reply_err(req, "bad_request", "%s",
			      not_utf8 ? "the request is not UTF-8" : err.msg);
		goto out;
	}
	if (jv_only(req_json, top_fields, &err) ||
	    jv_object(req_json, "args", false, &args, &err)) {
		rpc_reply_err(req, "bad_request", "%s", err.msg);
		goto out;
	}
	if (!args) {
		/* req_json owns the new object; args stays borrowed. */
		args = json_object();
		if (!args || json_object_set_new(req_json, "args", args)) {
			rpc_reply_err(req, "internal", "out of memory");
			goto out;
		}
	}
	log_debug("rpc: %s id=%s", msg->topic, req->id);
	if (strcmp(method, "help") == 0) {
		answer_help(s, req);
		goto out;
	}
	for (size_t t = 0; t < s->ntables; t++) {
		const struct table *tb = &s->tables[t];

		for (size_t i = 0; i < tb->n; i++) {
			if (strcmp(tb->methods[i].name, method) == 0) {
				tb->methods[i].fn(tb->ctx, req, args);
				goto out;
			}
		}
	}
	rpc_reply_err(req, "unknown_method", "%s has no method \"%.64s\" (try %s/help)", s->service,
		      method, s->service);
out:
	json_decref(req_json);
}

amr_err rpc_serve(rpc *r, const char *service, const struct rpc_method *methods, size_t n,
		  void *ctx)
{
	char filter[MAX_TOPIC];
	struct server *s;
	struct table *t;
	int rc;

	for (s = r->servers; s; s = s->next)
		if (strcmp(s->service, service) == 0)
			break;
	if (!s) {
		s = calloc(1, sizeof *s);
		if (!s || !(s->service = strdup(service))) {
			free(s);
			return AMR_ENOMEM;
		}
		s->r = r;
		s->prefix_len = strlen(RPC_TOPIC_PREFIX) + strlen(service) + 1;
		snprintf(filter, sizeof filter, RPC_TOPIC_PREFIX "%s/+", service);
		rc = mq_subscribe(r->m, filter, 1, on_request, s);
		if (rc) {
			free(s->service);
			free(s);
			return rc;
		}
		s->next = r->servers;
		r->servers = s;
	}
	t = realloc(s->tables, (s->ntables + 1) * sizeof *t);
	if (!t)
		return AMR_ENOMEM;
	s->tables = t;
	s->tables[s->ntables++] = (struct table){ methods, n, ctx };
	return AMR_OK;
}

/* ---- client side ---- */

static struct pending *take_pending(rpc *r, const char *id)
{
	for (struct pending **pp = &r->pending; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->id, id) == 0) {
			struct pending *p = *pp;

			*pp = p->next;
			return p;
		}
	}
	return NULL;
}

static void on_reply(void *ctx, const struct mq_msg *msg)
{
	rpc *r = ctx;
	struct jv_err err = { "" };
	json_t *a = jv_parse_object(msg->payload, msg->len, &err), *result, *e;
	const char *id, *code, *message;
	struct pending *p;
	bool ok;

	if (!a) {
		log_warn("rpc: bad answer on %s: %s", msg->topic, err.msg);
		return;
	}
	if (jv_str(a, "id", true, NULL, 1, RPC_MAX_ID, &id, &err)) {
		log_warn("rpc: bad answer on %s: %s", msg->topic, err.msg);
		goto out;
	}
	p = take_pending(r, id);
	if (!p) {
		log_debug("rpc: answer %s came after its caller gave up", id);
		goto out;
	}
	loop_timer_cancel(r->l, p->timer);
	if (jv_bool(a, "ok", true, false, &ok, &err)) {
		p->cb(p->ctx, AMR_EPROTO, NULL, "bad_answer", err.msg);
	} else if (ok) {
		result = json_object_get(a, "result");
		p->cb(p->ctx, AMR_OK, result ? result : json_null(), NULL, NULL);
	} else if (jv_object(a, "error", true, &e, &err) ||
		   jv_str(e, "code", true, NULL, 1, 64, &code, &err) ||
		   jv_str(e, "message", false, "", 0, 4096, &message, &err)) {
		p->cb(p->ctx, AMR_EPROTO, NULL, "bad_answer", err.msg);
	} else {
		p->cb(p->ctx, rpc_code_parse(code), NULL, code, message);
	}
	free(p);
out:
	json_decref(a);
}

/* Timer callback; the timer is cancelled whenever p leaves the list, so p
 * is still pending here. */
static void on_timeout(void *arg)
{
	struct pending *p = arg;
	rpc *r = p->r;
	char message[128];

	for (struct pending **pp = &r->pending; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	snprintf(message, sizeof message, "%s is not answering", p->service);
	log_info("rpc: call %s: %s", p->id, message);
	p->cb(p->ctx, AMR_ETIMEDOUT, NULL, "timeout", message);
	json_decref(p->held);
	free(p);
}

/* Send held call p (still pending); on failure end it with the error. */
static void send_one(rpc *r, struct pending *p)
{
	int rc = mq_publish_json(r->m, p->topic, p->held, 1, false);

	json_decref(p->held);
	p->held = NULL;
	if (!rc)
		return;
	take_pending(r, p->id);
	loop_timer_cancel(r->l, p->timer);
	log_warn("rpc: call %s to %s not sent: %s", p->id, p->service, amr_strerror(rc));
	p->cb(p->ctx, rc, NULL, rpc_code_name(rc), "the request could not be sent");
	free(p);
}

/*
 * mq_on_session(): the reply subscription has gone out, so the calls made
 * without a session can go now; oldest first (the list is newest first).
 */
static void send_held(void *ctx)
{
	rpc *r = ctx;
	struct pending **held, *p;
	size_t n = 0, i = 0;

	for (p = r->pending; p; p = p->next)
		n += p->held != NULL;
	if (!n)
		return;
	held = malloc(n * sizeof *held);
	if (!held) { /* out of memory: send them anyway, newest first */
		while (n--) {
			for (p = r->pending; !p->held; p = p->next)
				;
			send_one(r, p);
		}
		return;
	}
	for (p = r->pending; p; p = p->next)
		if (p->held)
			held[i++] = p;
	while (n--)
		send_one(r, held[n]);
	free(held);
}

amr_err rpc_call(rpc *r, const char *service_method, json_t *args, unsigned timeout_ms, rpc_cb cb,
		 void *ctx)
{
	const char *slash = strchr(service_method, '/');
	char topic[MAX_TOPIC];
	struct pending *p = NULL;
	json_t *req = NULL;
	int rc = AMR_EINVAL;

	if (!args)
		args = json_object();
	if (!slash || slash == service_method || strchr(slash + 1, '/') || !slash[1] ||
	    strpbrk(service_method, "+# ") || (size_t)(slash - service_method) >= 64 ||
	    !json_is_object(args))
		goto out_free_args;
	rc = AMR_ENOMEM;
	p = calloc(1, sizeof *p);
	if (!p)
		goto out_free;
	p->r = r;
	snprintf(p->id, sizeof p->id, "%s%llu", r->id_prefix, ++r->next_id);
	memcpy(p->service, service_method, (size_t)(slash - service_method));
	p->cb = cb;
	p->ctx = ctx;
	snprintf(topic, sizeof topic, RPC_TOPIC_PREFIX "%s", service_method);
	req = json_pack("{s:s, s:s, s:O}", "id", p->id, "reply", r->reply_topic, "args", args);
	if (!req)
		goto out_free;
	/* The timer first: a call sent without one could wait forever. */
	p->timer = loop_timer_add(r->l, timeout_ms, false, on_timeout, p);
	if (!p->timer) {
		log_error("rpc: call %s to %s not sent: cannot set its timeout", p->id,
			  service_method);
		goto out_free;
	}
	/*
	 * Without a session the request would wait in Paho's offline buffer,
	 * which Paho sends on connecting, before the subscriptions of the new
	 * session: the answer could come back before the reply topic is
	 * listened to, and be lost. Hold it until send_held().
	 */
	if (mq_session_up(r->m)) {
		rc = mq_publish_json(r->m, topic, req, 1, false);
		if (rc)
			goto out_cancel_timer;
		json_decref(req);
	} else {
		p->held = req;
		snprintf(p->topic, sizeof p->topic, "%s", topic);
	}
	p->next = r->pending;
	r->pending = p;
	json_decref(args);
	return AMR_OK;

out_cancel_timer:
	loop_timer_cancel(r->l, p->timer);
out_free:
	json_decref(req);
	free(p);
out_free_args:
	json_decref(args);
	return rc;
}

struct waiter {
	bool done;	/* the callback ran */
	int err;	/* its err */
	json_t *result; /* new reference on success */
	char *code;	/* malloc'd on failure */
	char *message;	/* malloc'd on failure */
};

static void wait_cb(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct waiter *w = ctx;

	w->done = true;
	w->err = err;
	if (!err) {
		w->result = json_incref(result);
	} else {
		w->code = strdup(code ? code : "error");
		w->message = strdup(message ? message : amr_strerror(err));
	}
}

amr_err rpc_call_wait(rpc *r, const char *service_method, json_t *args, unsigned timeout_ms,
		      json_t **result, char **code, char **message)
{
	struct waiter w = { 0 };
	int rc = rpc_call(r, service_method, args, timeout_ms, wait_cb, &w);

	if (rc) {
		*code = strdup(rpc_code_name(rc));
		*message = strdup(rc == AMR_EINVAL ? "method must be written service/method"
						   : amr_strerror(rc));
		return rc;
	}
	if (loop_run_until(r->l, &w.done) != AMR_OK && !w.done) {
		/* Stopped by a signal: forget the call, w is about to go away. */
		for (struct pending **pp = &r->pending; *pp; pp = &(*pp)->next) {
			if ((*pp)->ctx == &w) {
				struct pending *p = *pp;

				*pp = p->next;
				loop_timer_cancel(r->l, p->timer);
				free(p);
				break;
			}
		}
		*code = strdup("interrupted");
		*message = strdup("interrupted");
		return AMR_ESTATE;
	}
	*result = w.result;
	*code = w.code;
	*message = w.message;
	return w.err;
}
