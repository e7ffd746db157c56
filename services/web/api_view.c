/*
 * api_view.c - answers from the in-memory view (loop thread): objects,
 * channels, events, services, and the service's own health and metrics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "err.h"
#include "log.h"
#include "proto.h"

void api_objects(void *ctx, struct call *c)
{
	struct web *w = ctx;
	json_t *j = view_objects_json(w->view, svc_now());

	scope_filter(&c->scope, 0, j);
	call_json(c, 200, j);
}

void api_object(void *ctx, struct call *c)
{
	struct web *w = ctx;
	unsigned obj;
	json_t *j;

	if (api_obj_param(c, &obj))
		return;
	if (!(j = view_object_json(w->view, obj, svc_now()))) {
		call_error(c, 404, "not_found", "object %u has not been heard from", obj);
		return;
	}
	scope_filter(&c->scope, obj, j);
	call_json(c, 200, j);
}

void api_channels(void *ctx, struct call *c)
{
	struct web *w = ctx;
	long long obj;
	json_t *j;

	if (api_query_int(c, "obj", 0, 0, PROTO_OBJ_MAX, &obj))
		return;
	j = view_channels_json(w->view, (unsigned)obj, svc_now());
	scope_filter(&c->scope, 0, j);
	call_json(c, 200, j);
}

void api_events(void *ctx, struct call *c)
{
	struct web *w = ctx;
	long long obj, limit;
	json_t *j;

	if (api_query_int(c, "obj", 0, 0, PROTO_OBJ_MAX, &obj) ||
	    api_query_int(c, "limit", 100, 1, 1000, &limit))
		return;
	j = json_pack("{s:o*}", "events", view_events_json(w->view, (unsigned)obj, (size_t)limit));
	scope_filter(&c->scope, 0, j);
	call_json(c, 200, j);
}

/* Pings of every service, collected before the answer. */
struct pings {
	struct web *w;	/* service */
	struct call *c; /* the call (one reference held) */
	json_t *out;	/* the answer being built */
	int left;	/* pings not answered yet */
};

struct ping {
	struct pings *all; /* the collection */
	char name[32];	   /* service pinged */
	uint64_t sent;	   /* loop_now_ms() at the call */
	bool help;	   /* asked <service>/help, not ping */
};

/* {"name","methods":[..]}: what a service serves, its help without the
 * methods every service has; [] for one that does nothing yet. */
static json_t *serves(const char *name, const json_t *result)
{
	static const char *const common[] = { "ping", "metrics", "help" };
	json_t *list = json_array(), *m;
	size_t i;

	json_array_foreach(json_object_get(result, "methods"), i, m) {
		const char *s = json_string_value(json_object_get(m, "method"));
		bool own = s != NULL;

		for (size_t k = 0; own && k < sizeof common / sizeof common[0]; k++)
			own = strcmp(s, common[k]) != 0;
		if (own)
			json_array_append_new(list, json_string(s));
	}
	return json_pack("{s:s, s:o*}", "name", name, "methods", list);
}

static void ping_done(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct ping *p = ctx;
	struct pings *all = p->all;
	json_t *e;

	if (p->help) {
		if (err == AMR_OK)
			json_array_append_new(json_object_get(all->out, "serves"),
					      serves(p->name, result));
		goto out_free_ping;
	}
	e = json_pack("{s:s, s:b, s:I}", "name", p->name, "ok", err == AMR_OK, "ms",
		      (json_int_t)(loop_now_ms() - p->sent));
	if (e && err == AMR_OK)
		json_object_set(e, "version", json_object_get(result, "version"));
	else if (e)
		json_object_set_new(e, "error", json_string(message ? message : ""));
	json_array_append_new(json_object_get(all->out, "ping"), e);
out_free_ping:
	free(p);
	if (--all->left)
		return;
	call_json(all->c, 200, all->out);
	call_unref(all->c);
	free(all);
}

void api_services(void *ctx, struct call *c)
{
	static const char *const names[] = { "archive", "ingest", "billing", "notify", "web" };
	struct web *w = ctx;
	json_t *j = view_services_json(w->view, mq_connected(w->svc->mq), svc_now());
	struct pings *all;

	if (!j) {
		call_error(c, 500, "internal", "out of memory");
		return;
	}
	if (!call_query(c, "ping")) {
		call_json(c, 200, j);
		return;
	}
	if (!(all = calloc(1, sizeof *all))) {
		json_decref(j);
		call_error(c, 500, "internal", "out of memory");
		return;
	}
	json_object_set_new(j, "ping", json_array());
	json_object_set_new(j, "serves", json_array());
	*all = (struct pings){ w, c, j, 1 };
	call_ref(c);
	for (size_t i = 0; i < 2 * (sizeof names / sizeof names[0]); i++) {
		struct ping *p = calloc(1, sizeof *p);
		char method[48];

		if (!p)
			break;
		p->all = all;
		p->help = i % 2;
		snprintf(p->name, sizeof p->name, "%s", names[i / 2]);
		snprintf(method, sizeof method, "%s/%s", names[i / 2], p->help ? "help" : "ping");
		p->sent = loop_now_ms();
		if (p->help && !strcmp(p->name, "web")) {
			/* this service serves the portal over HTTP, not over RPC */
			json_t *e = serves(p->name, NULL);

			json_object_set_new(e, "routes", json_integer((json_int_t)api_nroutes));
			json_array_append_new(json_object_get(j, "serves"), e);
			free(p);
			continue;
		}
		all->left++;
		if (rpc_call(w->svc->rpc, method, NULL, 2000, ping_done, p)) {
			all->left--;
			free(p);
		}
	}
	/* the reference of this function: answers when no ping could be sent */
	if (--all->left == 0) {
		call_json(c, 200, all->out);
		call_unref(c);
		free(all);
	}
}

void api_healthz(void *ctx, struct call *c)
{
	struct web *w = ctx;
	bool up = mq_connected(w->svc->mq);

	call_json(c, up ? 200 : 503,
		  json_pack("{s:s, s:b, s:b, s:I}", "status", up ? "ok" : "degraded", "broker", up,
			    "seeded", w->seeded, "now", (json_int_t)svc_now()));
}

void api_metrics(void *ctx, struct call *c)
{
	struct web *w = ctx;
	char *text;

	metric_set(w->m.sessions, (int64_t)auth_count(w->auth));
	metric_set(w->m.sse_clients, (int64_t)sse_count(w->hub));
	if (!(text = metrics_render(w->svc->metrics))) {
		call_error(c, 500, "internal", "out of memory");
		return;
	}
	call_text(c, 200, "text/plain; version=0.0.4", text, strlen(text));
	free(text);
}
