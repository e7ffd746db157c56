/*
 * api_audit.c - the audit trail (admin, loop thread) from
 * archive/audit.query: oldest first as the archive keeps it, or newest
 * first by walking back through time windows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "err.h"

#define MAX_TIME	   (1LL << 40)
#define AUDIT_PAGE	   1000 /* records asked for in one window */
#define AUDIT_FIRST_WINDOW 3600 /* s: the newest hour first */
#define AUDIT_MAX_STEPS	   64	/* windows asked for one answer */

static unsigned timeout(struct web *w)
{
	return (unsigned)w->o.rpc_timeout_ms;
}

/*
 * Newest first. The archive answers a span oldest first and cuts it at a
 * limit, so the newest records are found by asking for windows that walk
 * back from "to": a window with more than AUDIT_PAGE records is asked
 * again narrower; one that fits is taken whole (newest first) and the next
 * window, further back, is wider. Stops at "limit" records or at "from".
 */
struct audit_walk {
	struct web *w;	 /* service */
	struct call *c;	 /* call (one reference held) */
	json_t *filter;	 /* actor/target arguments (owned) */
	json_t *records; /* found so far, newest first (owned) */
	long long from;	 /* oldest time asked for */
	long long hi;	 /* the next window ends here (exclusive) */
	long long lo;	 /* the window on its way starts here */
	long long win;	 /* width of the next window, s */
	size_t limit;	 /* records wanted */
	int steps;	 /* windows asked so far */
};

static void walk_free(struct audit_walk *a)
{
	json_decref(a->filter);
	json_decref(a->records);
	call_unref(a->c);
	free(a);
}

static void walk_answer(struct audit_walk *a, bool more)
{
	call_json(
		a->c, 200,
		json_pack("{s:O, s:b, s:s}", "records", a->records, "more", more, "order", "desc"));
	walk_free(a);
}

static void walk_step(struct audit_walk *a);

static void walk_done(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct audit_walk *a = ctx;
	json_t *recs = json_object_get(result, "records");
	bool cut = json_is_true(json_object_get(result, "more"));
	size_t n;

	if (err) {
		if (call_rpc_status(code) == 503)
			metric_add(a->w->m.unavailable, 1);
		call_rpc_error(a->c, "archive", code, message);
		walk_free(a);
		return;
	}
	if (cut && a->hi - a->lo > 1) { /* too many in this window: narrower */
		a->win = (a->hi - a->lo) / 8 > 0 ? (a->hi - a->lo) / 8 : 1;
		walk_step(a);
		return;
	}
	/* A single second with more than a page keeps its oldest page. */
	for (n = json_array_size(recs); n > 0 && json_array_size(a->records) < a->limit; n--)
		json_array_append(a->records, json_array_get(recs, n - 1));
	if (json_array_size(a->records) >= a->limit) {
		walk_answer(a, n > 0 || cut || a->lo > a->from);
		return;
	}
	if (a->lo <= a->from) {
		walk_answer(a, cut);
		return;
	}
	a->hi = a->lo;
	a->win = a->win < MAX_TIME / 4 ? a->win * 4 : MAX_TIME;
	walk_step(a);
}

static void walk_step(struct audit_walk *a)
{
	json_t *args;

	if (++a->steps > AUDIT_MAX_STEPS) { /* bounded work; say there is more */
		walk_answer(a, true);
		return;
	}
	a->lo = a->hi - a->win > a->from ? a->hi - a->win : a->from;
	args = json_pack("{s:I, s:I, s:i}", "from", (json_int_t)a->lo, "to", (json_int_t)a->hi,
			 "limit", AUDIT_PAGE);
	if (!args || json_object_update(args, a->filter) ||
	    rpc_call(a->w->svc->rpc, "archive/audit.query", args, timeout(a->w), walk_done, a)) {
		call_error(a->c, 500, "internal", "cannot send the request to archive");
		walk_free(a);
	}
}

void api_audit(void *ctx, struct call *c)
{
	static const char *const orders[] = { "asc", "desc", NULL };
	struct web *w = ctx;
	long long from, to, limit;
	const char *actor = call_query(c, "actor"), *target = call_query(c, "target");
	const char *order = call_query(c, "order");
	struct audit_walk *a;
	json_t *filter;

	if (api_query_int(c, "from", 0, 0, MAX_TIME, &from) ||
	    api_query_int(c, "to", MAX_TIME, 0, MAX_TIME, &to) ||
	    api_query_int(c, "limit", 200, 1, 1000, &limit))
		return;
	if (order && strcmp(order, orders[0]) && strcmp(order, orders[1])) {
		call_error(c, 400, "bad_request", "order: \"%.16s\" is not asc or desc", order);
		return;
	}
	if (to <= from) {
		call_error(c, 400, "bad_request", "to: %lld is not after from %lld", to, from);
		return;
	}
	if (!(filter = json_object()))
		goto out_oom;
	if (actor && *actor)
		json_object_set_new(filter, "actor", json_string(actor));
	if (target && *target)
		json_object_set_new(filter, "target", json_string(target));
	if (!order || !strcmp(order, "asc")) {
		json_object_set_new(filter, "from", json_integer(from));
		json_object_set_new(filter, "to", json_integer(to));
		json_object_set_new(filter, "limit", json_integer(limit));
		api_rpc(w, c, "archive/audit.query", filter, timeout(w), NULL);
		return;
	}
	if (view_service_online(w->view, "archive") == 0) {
		json_decref(filter);
		metric_add(w->m.unavailable, 1);
		call_error(c, 503, "unavailable",
			   "archive is not answering (its status says offline)");
		return;
	}
	if (!(a = calloc(1, sizeof *a)))
		goto out_free_filter;
	*a = (struct audit_walk){ w,
				  call_ref(c),
				  filter,
				  json_array(),
				  from,
				  to,
				  to,
				  AUDIT_FIRST_WINDOW,
				  (size_t)limit,
				  0 };
	if (!a->records) {
		walk_free(a); /* frees filter */
		goto out_oom;
	}
	walk_step(a);
	return;
out_free_filter:
	json_decref(filter);
out_oom:
	call_error(c, 500, "internal", "out of memory");
}
