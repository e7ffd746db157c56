/*
 * notecl.c - amr-billing's client of amr-notify: asks, and the outcomes
 * handed on by their ref.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "notecl.h"
#include "proto.h"

#define ASK_LIMIT 1000 /* messages read back from the delivery log at once */

struct handler {
	const char *prefix; /* borrowed literal */
	notecl_fn fn;
	void *ctx;
};

struct notecl {
	struct svc *s; /* borrowed */
	unsigned timeout_ms;
	char topic[PROTO_TOPIC_MAX];
	struct handler h[NOTECL_HANDLERS_MAX];
	size_t n;
	metric *m_events; /* outcomes handed on */
};

static void dispatch(notecl *n, const json_t *out)
{
	const char *ref = json_string_value(json_object_get(out, "ref"));

	if (!ref || !json_string_value(json_object_get(out, "state")))
		return;
	for (size_t i = 0; i < n->n; i++)
		if (!strncmp(ref, n->h[i].prefix, strlen(n->h[i].prefix))) {
			metric_add(n->m_events, 1);
			n->h[i].fn(n->h[i].ctx, out);
			return;
		}
	log_debug("notify: an outcome of %s nobody here asked for", ref);
}

static void on_delivery(void *ctx, const struct mq_msg *msg)
{
	notecl *n = ctx;
	json_t *out = json_loadb(msg->payload, msg->len, 0, NULL);

	if (!json_is_object(out))
		log_warn("%s: not a JSON object", msg->topic);
	else
		dispatch(n, out);
	json_decref(out);
}

amr_err notecl_create(notecl **out, struct svc *s, unsigned timeout_ms)
{
	notecl *n = calloc(1, sizeof *n);
	amr_err rc;

	if (!n)
		return AMR_ENOMEM;
	n->s = s;
	n->timeout_ms = timeout_ms;
	snprintf(n->topic, sizeof n->topic, PROTO_TOPIC_ROOT "notify/delivery/%s", s->name);
	n->m_events = metrics_get(s->metrics, METRIC_COUNTER, "amr_billing_notify_outcomes_total",
				  NULL, "outcomes of messages sent through amr-notify handed on");
	if (!n->m_events) {
		free(n);
		return AMR_ENOMEM;
	}
	if ((rc = mq_subscribe(s->mq, n->topic, 1, on_delivery, n))) {
		free(n);
		return rc;
	}
	*out = n;
	return AMR_OK;
}

void notecl_destroy(notecl *n)
{
	free(n);
}

amr_err notecl_on(notecl *n, const char *prefix, notecl_fn fn, void *ctx)
{
	if (n->n >= NOTECL_HANDLERS_MAX)
		return AMR_ENOMEM;
	n->h[n->n++] = (struct handler){ prefix, fn, ctx };
	return AMR_OK;
}

amr_err notecl_send(notecl *n, json_t *args, rpc_cb cb, void *ctx)
{
	return rpc_call(n->s->rpc, "notify/send", args, n->timeout_ms, cb, ctx);
}

static void on_log(void *ctx, int err, json_t *res, const char *code, const char *message)
{
	notecl *n = ctx;
	json_t *m;
	size_t i;

	(void)code;
	if (err) {
		log_warn("notify/messages: %s", message ? message : amr_strerror(err));
		return;
	}
	json_array_foreach(json_object_get(res, "messages"), i, m)
		dispatch(n, m);
}

amr_err notecl_ask(notecl *n, const char *prefix)
{
	json_t *args = json_pack("{s:s, s:i}", "ref", prefix, "limit", ASK_LIMIT);

	if (!args)
		return AMR_ENOMEM;
	return rpc_call(n->s->rpc, "notify/messages", args, n->timeout_ms, on_log, n);
}

bool notecl_email_ok(const char *s)
{
	const char *at = s ? strchr(s, '@') : NULL;

	if (!at || at == s || !at[1])
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || strchr("<>\",;", *s))
			return false;
	return true;
}
