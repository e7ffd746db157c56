/*
 * api_audit.c - the audit trail (admin, loop thread) from
 * archive/audit.query: oldest first as the archive keeps it, or newest
 * first by walking back through time windows, in pages (a cursor "before"
 * that the answer's "next" gives) and as CSV.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "csvfield.h"
#include "err.h"
#include "tzone.h"

#define MAX_TIME	   (1LL << 40)
#define AUDIT_PAGE	   1000	  /* records asked for in one window */
#define AUDIT_FIRST_WINDOW 3600	  /* s: the newest hour first */
#define AUDIT_MAX_STEPS	   64	  /* windows asked for one answer */
#define AUDIT_MAX_JSON	   1000	  /* records in one JSON answer */
#define AUDIT_MAX_CSV	   10000  /* records in one CSV file */
#define AUDIT_MAX_SKIP	   100000 /* records of one second a cursor passes over */

/* The records (borrowed) from position skip on as CSV: a new string, or
 * NULL when memory ran out. Times in UTC and in the site's zone; detail as
 * JSON without the reason, which has its own column. */
static char *records_csv(const json_t *records, size_t skip)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fputs("ts,time_utc,time_local,actor,action,target,reason,detail\n", f);
	for (size_t i = skip; i < json_array_size(records); i++) {
		const json_t *r = json_array_get(records, i);
		json_int_t ts = json_integer_value(json_object_get(r, "ts"));
		json_t *detail = json_deep_copy(json_object_get(r, "detail"));
		const char *reason = json_string_value(json_object_get(detail, "reason"));
		char utc[32], local[TZONE_ISO_LEN], *dj;
		time_t tt = (time_t)ts;
		struct tm tm;

		gmtime_r(&tt, &tm);
		strftime(utc, sizeof utc, "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(f, "%lld,%s,%s,", (long long)ts, utc, tzone_iso(ts, local, sizeof local));
		csvfield_put_text(f, json_string_value(json_object_get(r, "actor")) ?: "");
		fputc(',', f);
		csvfield_put_text(f, json_string_value(json_object_get(r, "action")) ?: "");
		fputc(',', f);
		csvfield_put_text(f, json_string_value(json_object_get(r, "target")) ?: "");
		fputc(',', f);
		csvfield_put_text(f, reason ?: "");
		fputc(',', f);
		json_object_del(detail, "reason"); /* written above, in its column */
		dj = json_object_size(detail) ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS)
					      : NULL;
		csvfield_put_text(f, dj ?: "");
		fputc('\n', f);
		free(dj);
		json_decref(detail);
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* Answer records (borrowed) from position skip on as an attachment. */
static void answer_csv(struct call *c, const json_t *records, size_t skip)
{
	char *text = records_csv(records, skip);

	if (!text) {
		call_error(c, 500, "internal", "out of memory");
		return;
	}
	call_header(c, "Content-Disposition", "attachment; filename=\"audit.csv\"");
	call_text(c, 200, "text/csv; charset=utf-8", text, strlen(text));
	free(text);
}

/* archive/audit.query answered a span oldest first: as CSV. */
static void asc_csv(struct web *w, struct call *c, json_t *result)
{
	(void)w;
	answer_csv(c, json_object_get(result, "records"), 0);
}

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
 *
 * Pages: a cursor "T.k" stands for the records before the last one shown,
 * T its second and k how many records of that second were shown (newest
 * first within a second too, as the walk takes a window's records in
 * reverse). The next page walks from T + 1 and passes over those k.
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
	size_t limit;	 /* records wanted, the skipped ones included */
	size_t skip;	 /* records of the cursor's second shown before */
	bool csv;	 /* answer CSV */
	int steps;	 /* windows asked so far */
};

static void walk_free(struct audit_walk *a)
{
	json_decref(a->filter);
	json_decref(a->records);
	call_unref(a->c);
	free(a);
}

/* The cursor after the records found: the oldest one's second and how
 * many of that second they hold. */
static void next_cursor(const json_t *records, char *buf, size_t size)
{
	size_t n = json_array_size(records), k = 0;
	json_int_t t = json_integer_value(json_object_get(json_array_get(records, n - 1), "ts"));

	while (k < n &&
	       json_integer_value(json_object_get(json_array_get(records, n - 1 - k), "ts")) == t)
		k++;
	snprintf(buf, size, "%lld.%zu", (long long)t, k);
}

static void walk_answer(struct audit_walk *a, bool more)
{
	char next[48];
	json_t *page, *ans;

	if (a->csv) {
		answer_csv(a->c, a->records, a->skip);
		walk_free(a);
		return;
	}
	page = json_array();
	for (size_t i = a->skip; page && i < json_array_size(a->records); i++)
		json_array_append(page, json_array_get(a->records, i));
	ans = page ? json_pack("{s:o, s:b, s:s}", "records", page, "more", more, "order", "desc")
		   : NULL;
	if (ans && more && json_array_size(a->records)) {
		next_cursor(a->records, next, sizeof next);
		json_object_set_new(ans, "next", json_string(next));
	}
	if (ans)
		call_json(a->c, 200, ans);
	else
		call_error(a->c, 500, "internal", "out of memory");
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

/* "T.k" of a "next" into *t and *k; false when it is not one. */
static bool cursor_parse(const char *s, long long *t, long long *k)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	*t = strtoll(s, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9' || *t > MAX_TIME)
		return false;
	*k = strtoll(end + 1, &end, 10);
	return *end == '\0' && *k >= 1 && *k <= AUDIT_MAX_SKIP;
}

void api_audit(void *ctx, struct call *c)
{
	static const char *const orders[] = { "asc", "desc", NULL };
	struct web *w = ctx;
	long long from, to, limit, before_t = 0, before_k = 0;
	const char *actor = call_query(c, "actor"), *target = call_query(c, "target");
	const char *order = call_query(c, "order"), *format = call_query(c, "format");
	const char *before = call_query(c, "before");
	struct audit_walk *a;
	json_t *filter;
	bool csv;

	if (format && strcmp(format, "json") && strcmp(format, "csv")) {
		call_error(c, 400, "bad_request", "format: \"%.16s\" is not json or csv", format);
		return;
	}
	csv = format && !strcmp(format, "csv");
	if (api_query_int(c, "from", 0, 0, MAX_TIME, &from) ||
	    api_query_int(c, "to", MAX_TIME, 0, MAX_TIME, &to) ||
	    api_query_int(c, "limit", csv ? AUDIT_MAX_CSV : 200, 1,
			  csv ? AUDIT_MAX_CSV : AUDIT_MAX_JSON, &limit))
		return;
	if (order && strcmp(order, orders[0]) && strcmp(order, orders[1])) {
		call_error(c, 400, "bad_request", "order: \"%.16s\" is not asc or desc", order);
		return;
	}
	if (before && (!order || strcmp(order, "desc"))) {
		call_error(c, 400, "bad_request", "before: pages go newest first, with order=desc");
		return;
	}
	if (before && !cursor_parse(before, &before_t, &before_k)) {
		call_error(c, 400, "bad_request",
			   "before: \"%.32s\" is not a cursor (the \"next\" of an answer)", before);
		return;
	}
	if (before && before_t + 1 < to)
		to = before_t + 1; /* that second's newest before_k were shown */
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
		api_rpc(w, c, "archive/audit.query", filter, timeout(w), csv ? asc_csv : NULL);
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
				  (size_t)(limit + before_k),
				  (size_t)before_k,
				  csv,
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
