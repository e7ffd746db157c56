#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "utf8.h"
#include "err.h"
#include "rpc_code.h"

void call_init(struct call *c)
{
	pthread_mutex_init(&c->lock, NULL);
	atomic_init(&c->refs, 1);
}

struct call *call_ref(struct call *c)
{
	atomic_fetch_add(&c->refs, 1);
	return c;
}

void call_unref(struct call *c)
{
	if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	json_decref(c->query);
	json_decref(c->body);
	free(c->out);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

amr_err call_header(struct call *c, const char *name, const char *value)
{
	if (c->nheaders >= CALL_MAX_HEADERS)
		return AMR_EFULL;
	snprintf(c->hname[c->nheaders], sizeof c->hname[0], "%s", name);
	snprintf(c->hvalue[c->nheaders], sizeof c->hvalue[0], "%s", value);
	c->nheaders++;
	return AMR_OK;
}

/* Set the answer unless one was set; takes ownership of out. */
static void answer(struct call *c, int status, const char *ctype, char *out, size_t len)
{
	bool first;

	pthread_mutex_lock(&c->lock);
	first = !c->done;
	if (first) {
		c->status = status;
		c->out = out;
		c->out_len = len;
		snprintf(c->ctype, sizeof c->ctype, "%s", ctype);
		c->done = true;
	}
	pthread_mutex_unlock(&c->lock);
	if (!first) {
		free(out);
		return;
	}
	if (c->finish)
		c->finish(c);
}

void call_json(struct call *c, int status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	json_decref(body);
	if (!text) {
		call_error(c, 500, "internal", "out of memory");
		return;
	}
	answer(c, status, "application/json", text, strlen(text));
}

void call_error(struct call *c, int status, const char *code, const char *fmt, ...)
{
	static const char fallback[] =
		"{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";
	char msg[512];
	json_t *e;
	char *text;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* a message quoting a value cut inside a character is still an answer */
	e = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", utf8_fix(msg));
	text = e ? json_dumps(e, JSON_COMPACT) : NULL;
	json_decref(e);
	if (!text) {
		text = strdup(fallback);
		status = 500;
	}
	answer(c, status, "application/json", text, text ? strlen(text) : 0);
}

void call_text(struct call *c, int status, const char *ctype, const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy) {
		call_error(c, 500, "internal", "out of memory");
		return;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	answer(c, status, ctype, copy, len);
}

int call_rpc_status(const char *code)
{
	if (!code)
		return 503;
	switch (rpc_code_parse(code)) {
	case AMR_EINVAL:
		return 400;
	case AMR_EPERM:
		return 403;
	case AMR_ENOTFOUND:
		return 404;
	case AMR_ESTATE:
		return 409;
	case AMR_ETIMEDOUT:
		return 503;
	default:
		return 502;
	}
}

void call_rpc_error(struct call *c, const char *service, const char *code, const char *message)
{
	int status = call_rpc_status(code);

	if (status == 503)
		call_error(c, 503, "unavailable", "%s is not answering", service);
	else if (status == 502)
		call_error(c, 502, "upstream", "%s: %s", service, message ? message : "bad answer");
	else
		call_error(c, status, code, "%s", message ? message : code);
}

const char *call_query(const struct call *c, const char *name)
{
	return json_string_value(json_object_get(c->query, name));
}

bool call_answered(struct call *c)
{
	bool done;

	pthread_mutex_lock(&c->lock);
	done = c->done;
	pthread_mutex_unlock(&c->lock);
	return done;
}
