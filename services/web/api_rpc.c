/*
 * api_rpc.c - routes answered by the archive over RPC (loop thread):
 * series, consumption and the registry; api_rpc() for every handler
 * (api_ops.c has commands and console, api_audit.c the audit trail). A service that does not answer within --rpc-timeout-ms
 * gives 503 {"code":"unavailable","message":"<service> is not answering"}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "proto.h"
#include "scope.h"
#include "err.h"
#include "jv.h"
#include "log.h"

/* Channels in one series request: a whole object, every input of every
 * address (the archive answers each channel on its own, so the answer
 * grows with the channels asked for, not past what one RPC carries). */
#define MAX_SERIES (PROTO_ADDR_MAX * PROTO_CH_MAX)
#define MAX_TIME   (1LL << 40)

struct rpc_wait {
	struct web *w;	  /* service */
	struct call *c;	  /* call (one reference held) */
	char service[32]; /* for the error message */
	void (*on_ok)(struct web *w, struct call *c, json_t *result);
};

static void rpc_done(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct rpc_wait *rw = ctx;

	if (err) {
		if (call_rpc_status(code) == 503)
			metric_add(rw->w->m.unavailable, 1);
		call_rpc_error(rw->c, rw->service, code, message);
	} else if (rw->on_ok) {
		rw->on_ok(rw->w, rw->c, result);
	} else {
		call_json(rw->c, 200, json_incref(result));
	}
	call_unref(rw->c);
	free(rw);
}

void api_rpc(struct web *w, struct call *c, const char *method, json_t *args, unsigned timeout_ms,
	     void (*on_ok)(struct web *w, struct call *c, json_t *result))
{
	struct rpc_wait *rw = calloc(1, sizeof *rw);
	size_t n = strcspn(method, "/");

	if (!rw) {
		json_decref(args);
		call_error(c, 500, "internal", "out of memory");
		return;
	}
	*rw = (struct rpc_wait){ w, call_ref(c), "", on_ok };
	snprintf(rw->service, sizeof rw->service, "%.*s", (int)n, method);
	if (view_service_online(w->view, rw->service) == 0) {
		json_decref(args);
		metric_add(w->m.unavailable, 1);
		call_error(c, 503, "unavailable", "%s is not answering (its status says offline)",
			   rw->service);
		call_unref(c);
		free(rw);
		return;
	}
	if (rpc_call(w->svc->rpc, method, args, timeout_ms, rpc_done, rw)) {
		call_error(c, 500, "internal", "cannot send the request to %s", rw->service);
		call_unref(c);
		free(rw);
	}
}

static unsigned timeout(struct web *w)
{
	return (unsigned)w->o.rpc_timeout_ms;
}

/* "obj.addr.ch" within the bounds of proto.h. */
static bool channel_id_ok(const char *id)
{
	return proto_id_parse(id, NULL) == 3;
}

/* channels=a,b,c (or channel=a) into a JSON array of ids. */
static json_t *channels_arg(struct call *c)
{
	const char *s = call_query(c, "channels");
	json_t *arr = json_array();
	char buf[MAX_SERIES * 12], *save = NULL, *tok; /* "65000.127.4," each */

	if (!s)
		s = call_query(c, "channel");
	if (!s || !*s) {
		call_error(c, 400, "bad_request", "channels: missing; e.g. channels=1.5.1,1.5.2");
		json_decref(arr);
		return NULL;
	}
	if (strlen(s) >= sizeof buf) {
		call_error(c, 400, "bad_request", "channels: at most %d at once (a whole object)",
			   MAX_SERIES);
		json_decref(arr);
		return NULL;
	}
	snprintf(buf, sizeof buf, "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!channel_id_ok(tok)) {
			call_error(c, 400, "bad_request",
				   "channels: \"%.32s\" is not a channel "
				   "(obj.addr.ch)",
				   tok);
			json_decref(arr);
			return NULL;
		}
		json_array_append_new(arr, json_string(tok));
	}
	if (json_array_size(arr) > MAX_SERIES) {
		call_error(c, 400, "bad_request", "channels: at most %d at once (a whole object)",
			   MAX_SERIES);
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static int span_args(struct call *c, long long *from, long long *to)
{
	if (api_query_int(c, "from", -1, 0, MAX_TIME, from) ||
	    api_query_int(c, "to", -1, 0, MAX_TIME, to))
		return -1;
	if (*from < 0 || *to < 0) {
		call_error(c, 400, "bad_request", "from, to: both are required (UTC seconds)");
		return -1;
	}
	if (*to <= *from) {
		call_error(c, 400, "bad_request", "to: %lld is not after from %lld", *to, *from);
		return -1;
	}
	return 0;
}

static int choice(struct call *c, const char *name, const char *const *allowed, int def)
{
	const char *s = call_query(c, name);

	if (!s)
		return def;
	for (int i = 0; allowed[i]; i++)
		if (!strcmp(s, allowed[i]))
			return i;
	call_error(c, 400, "bad_request", "%s: \"%.32s\" is not one of the allowed values", name,
		   s);
	return -1;
}

/* Cut [*from, *to) to the window through which c's scope shows channel
 * id (a tenant's: scope.h); false when nothing of the span is left. */
static bool cut_to_window(const struct call *c, const char *id, long long *from, long long *to)
{
	int64_t wf, wt;

	if (!scope_window(&c->scope, id, &wf, &wt))
		return true;
	if (wf > *from)
		*from = wf;
	if (wt && wt < *to)
		*to = wt;
	return *to > *from;
}

/* The series of a channel the tenant did not hold over the span: nothing
 * of it is theirs to see ("held": false), in the archive's shape. */
static json_t *series_not_held(json_t *id, long long from, long long to, const char *step, bool csv)
{
	if (csv)
		return json_pack("{s:s}", "csv",
				 "channel,unit,t,time_utc,time_local,pulses,quantity\n");
	return json_pack("{s:O, s:s, s:I, s:I, s:i, s:s, s:[], s:b}", "channel", id, "step", step,
			 "from", (json_int_t)from, "to", (json_int_t)to, "pulses", 0, "quantity",
			 "0", "points", "held", 0);
}

/* One series request fanned out to the archive, one RPC per channel. */
struct fan {
	struct web *w;	 /* service */
	struct call *c;	 /* call (one reference held) */
	json_t *results; /* answers by channel position */
	int left;	 /* answers still to come */
	bool csv;	 /* join CSV texts */
	bool failed;	 /* an error was answered */
};

struct fan_part {
	struct fan *f; /* the request */
	size_t i;      /* position */
};

static void fan_answer(struct fan *f)
{
	if (f->csv) {
		size_t i, size = 1;
		json_t *e;
		char *text, *p;

		json_array_foreach(f->results, i, e)
			size += strlen(json_string_value(json_object_get(e, "csv")) ?: "") + 1;
		if (!(text = malloc(size))) {
			call_error(f->c, 500, "internal", "out of memory");
			return;
		}
		p = text;
		json_array_foreach(f->results, i, e) {
			const char *csv = json_string_value(json_object_get(e, "csv")) ?: "";

			if (i > 0 && strchr(csv, '\n')) /* one header line for all */
				csv = strchr(csv, '\n') + 1;
			p += sprintf(p, "%s", csv);
		}
		call_header(f->c, "Content-Disposition", "attachment; filename=\"series.csv\"");
		call_text(f->c, 200, "text/csv; charset=utf-8", text, (size_t)(p - text));
		free(text);
		return;
	}
	call_json(f->c, 200, json_pack("{s:O}", "series", f->results));
}

/* Drop one of the outstanding parts; the last one answers and frees. */
static void fan_release(struct fan *f)
{
	if (--f->left)
		return;
	if (!f->failed)
		fan_answer(f);
	json_decref(f->results);
	call_unref(f->c);
	free(f);
}

static void fan_done(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct fan_part *part = ctx;
	struct fan *f = part->f;

	if (err && !f->failed) {
		f->failed = true;
		if (call_rpc_status(code) == 503)
			metric_add(f->w->m.unavailable, 1);
		call_rpc_error(f->c, "archive", code, message);
	} else if (!err) {
		json_array_set(f->results, part->i, result);
	}
	free(part);
	fan_release(f);
}

void api_series(void *ctx, struct call *c)
{
	static const char *const steps[] = { "raw", "hour", "day", "month", NULL };
	static const char *const formats[] = { "json", "csv", NULL };
	struct web *w = ctx;
	long long from, to;
	json_t *chans, *e;
	struct fan *f;
	int step, format;
	size_t i;

	if (!(chans = channels_arg(c)))
		return;
	if (span_args(c, &from, &to) || (step = choice(c, "step", steps, 1)) < 0 ||
	    (format = choice(c, "format", formats, 0)) < 0) {
		json_decref(chans);
		return;
	}
	if (view_service_online(w->view, "archive") == 0) {
		json_decref(chans);
		metric_add(w->m.unavailable, 1);
		call_error(c, 503, "unavailable",
			   "archive is not answering (its status says offline)");
		return;
	}
	if (!(f = calloc(1, sizeof *f))) {
		json_decref(chans);
		call_error(c, 500, "internal", "out of memory");
		return;
	}
	*f = (struct fan){ w, call_ref(c), json_array(), 1, format == 1, false };
	json_array_foreach(chans, i, e) {
		long long t0 = from, t1 = to;
		struct fan_part *part;
		json_t *args;

		if (!cut_to_window(c, json_string_value(e), &t0, &t1)) {
			json_array_append_new(
				f->results, series_not_held(e, from, to, steps[step], format == 1));
			continue;
		}
		part = calloc(1, sizeof *part);
		args = json_pack("{s:O, s:I, s:I, s:s, s:s}", "channel", e, "from", (json_int_t)t0,
				 "to", (json_int_t)t1, "step", steps[step], "format",
				 formats[format]);
		json_array_append_new(f->results, json_null());
		if (part && args) {
			*part = (struct fan_part){ f, i };
			f->left++;
			if (!rpc_call(w->svc->rpc, "archive/series", args, timeout(w), fan_done,
				      part))
				continue;
			f->left--;
			args = NULL; /* rpc_call took it */
		}
		free(part);
		json_decref(args);
		if (!f->failed) {
			f->failed = true;
			call_error(c, 500, "internal", "cannot send the request to archive");
		}
	}
	json_decref(chans);
	fan_release(f); /* this function's own part */
}

void api_consumption(void *ctx, struct call *c)
{
	struct web *w = ctx;
	long long from, to;
	json_t *chans;

	if (!(chans = channels_arg(c)))
		return;
	if (span_args(c, &from, &to)) {
		json_decref(chans);
		return;
	}
	for (size_t i = 0; i < json_array_size(chans); i++) {
		const char *id = json_string_value(json_array_get(chans, i));

		if (!cut_to_window(c, id, &from, &to)) { /* one span for all: each one's */
			call_error(c, 403, "forbidden",
				   "channels: %s did not measure premises of %s over this span "
				   "(with the others asked)",
				   id, c->user);
			json_decref(chans);
			return;
		}
	}
	api_rpc(w, c, "archive/consumption",
		json_pack("{s:o, s:I, s:I}", "channels", chans, "from", (json_int_t)from, "to",
			  (json_int_t)to),
		timeout(w), NULL);
}

void api_scoped(struct web *w, struct call *c, json_t *result)
{
	json_t *j = json_incref(result);
	unsigned obj = 0;

	(void)w;
	if (c->m.route && strstr(c->m.route->pattern, "{obj}") && c->m.nparams > 0)
		obj = scope_id_obj(c->m.params[0]);
	scope_filter(&c->scope, obj, j);
	call_json(c, 200, j);
}

static bool registry_id_ok(const char *id);

/*
 * The registry's page cursor is the last id a page held, which may be of
 * what a limited user may not see: handing it over would let the user
 * walk every id. For such users it goes sealed (nonce and secretbox of the
 * id under a key made at start, in hex), which tells nothing and comes
 * back as "after"; a restart makes old cursors unreadable (400).
 */
#define CURSOR_HEX \
	(2 * (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + PROTO_ID_LEN) + 1)

static void cursor_seal(const struct web *w, const char *id, char out[CURSOR_HEX])
{
	unsigned char box[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + PROTO_ID_LEN];
	unsigned char plain[PROTO_ID_LEN] = { 0 };

	snprintf((char *)plain, sizeof plain, "%s", id);
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, plain, sizeof plain, box,
			      w->cursor_key);
	sodium_bin2hex(out, CURSOR_HEX, box, sizeof box);
}

/* The id of a sealed cursor into id; false when it is not one of ours. */
static bool cursor_open(const struct web *w, const char *hex, char id[PROTO_ID_LEN])
{
	unsigned char box[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + PROTO_ID_LEN];
	size_t n = 0;

	if (strlen(hex) != CURSOR_HEX - 1 ||
	    sodium_hex2bin(box, sizeof box, hex, strlen(hex), NULL, &n, NULL) || n != sizeof box ||
	    crypto_secretbox_open_easy((unsigned char *)id, box + crypto_secretbox_NONCEBYTES,
				       sizeof box - crypto_secretbox_NONCEBYTES, box,
				       w->cursor_key))
		return false;
	id[PROTO_ID_LEN - 1] = '\0';
	return registry_id_ok(id);
}

/* A registry page for a limited user: only its records, the cursor sealed. */
static void registry_scoped(struct web *w, struct call *c, json_t *result)
{
	json_t *j = json_incref(result);
	const char *next = json_string_value(json_object_get(j, "next"));
	char sealed[CURSOR_HEX];

	scope_filter(&c->scope, 0, j);
	if (next) {
		cursor_seal(w, next, sealed);
		json_object_set_new(j, "next", json_string(sealed));
	}
	call_json(c, 200, j);
}

void api_registry_list(void *ctx, struct call *c)
{
	struct web *w = ctx;
	const char *after = call_query(c, "after");
	char opened[PROTO_ID_LEN];
	long long obj, limit;
	json_t *args;

	if (api_query_int(c, "obj", 0, 0, PROTO_OBJ_MAX, &obj) ||
	    api_query_int(c, "limit", 2000, 1, 3000, &limit))
		return;
	if (after && c->scope.on && !registry_id_ok(after)) {
		if (!cursor_open(w, after, opened)) {
			call_error(
				c, 400, "bad_request",
				"after: not a cursor of this server (list again from the start)");
			return;
		}
		after = opened;
	}
	if (after && !registry_id_ok(after)) {
		call_error(c, 400, "bad_request", "after: \"%.32s\" is not an id", after);
		return;
	}
	args = json_pack("{s:I, s:b}", "limit", (json_int_t)limit, "channels_only",
			 call_query(c, "channels_only") != NULL);
	if (args && obj)
		json_object_set_new(args, "obj", json_integer(obj));
	if (args && after)
		json_object_set_new(args, "after", json_string(after));
	api_rpc(w, c, "archive/registry.list", args, timeout(w),
		c->scope.on ? registry_scoped : NULL);
}

static bool registry_id_ok(const char *id)
{
	return proto_id_parse(id, NULL) > 0;
}

void api_registry_get(void *ctx, struct call *c)
{
	struct web *w = ctx;

	if (!registry_id_ok(c->m.params[0])) {
		call_error(c, 400, "bad_request", "id: \"%s\" is not obj, obj.addr or obj.addr.ch",
			   c->m.params[0]);
		return;
	}
	api_rpc(w, c, "archive/registry.get", json_pack("{s:s}", "id", c->m.params[0]), timeout(w),
		NULL);
}

/* The archive answered the new record: show it at once and pass it on. */
static void registry_set_ok(struct web *w, struct call *c, json_t *rec)
{
	json_t *up = view_on_registry(w->view, rec, svc_now());

	if (up)
		sse_publish(w->hub, (unsigned)json_integer_value(json_object_get(up, "obj")),
			    "channel", up);
	json_decref(up);
	if (view_take_reload(w->view)) { /* retired or back: the lists change */
		json_t *empty = json_object();

		if (empty)
			sse_publish(w->hub, 0, "reload", empty);
		json_decref(empty);
	}
	call_json(c, 200, json_incref(rec));
}

void api_registry_set(void *ctx, struct call *c)
{
	static const char *const fields[] = {
		"label",	   "resource",	    "unit",   "serial",	 "verification_due",
		"initial_reading", "initial_total", "weight", "weights", "outputs",
		"reason",	   "retired",	    NULL
	};
	static const char *const resources[] = { "unknown",	"cold_water", "hot_water",
						 "electricity", "heat",	      "gas",
						 NULL };
	static const char *const units[] = { "m3", "kWh", "MWh", "Gcal", "GJ", "l", "pulse", NULL };
	struct web *w = ctx;
	struct jv_err err = { "" };
	const char *s;
	json_t *o, *args;
	long long n;
	bool b;
	int i;

	if (!registry_id_ok(c->m.params[0])) {
		call_error(c, 400, "bad_request", "id: \"%s\" is not obj, obj.addr or obj.addr.ch",
			   c->m.params[0]);
		return;
	}
	if (jv_only(c->body, fields, &err) ||
	    jv_str(c->body, "label", false, NULL, 0, 200, &s, &err) ||
	    jv_enum(c->body, "resource", false, 0, resources, &i, &err) ||
	    jv_enum(c->body, "unit", false, 0, units, &i, &err) ||
	    jv_str(c->body, "serial", false, NULL, 0, 64, &s, &err) ||
	    jv_str(c->body, "verification_due", false, NULL, 0, 10, &s, &err) ||
	    jv_str(c->body, "initial_reading", false, NULL, 1, 30, &s, &err) ||
	    jv_int(c->body, "initial_total", false, 0, 0, UINT32_MAX, &n, &err) ||
	    jv_object(c->body, "weight", false, &o, &err) ||
	    jv_array(c->body, "weights", false, 32, &o, &err) ||
	    jv_object(c->body, "outputs", false, &o, &err) ||
	    jv_str(c->body, "reason", false, NULL, 0, 200, &s, &err) ||
	    jv_bool(c->body, "retired", false, false, &b, &err)) {
		call_error(c, 400, "bad_request", "%s", err.msg);
		return;
	}
	if (json_object_size(c->body) == 0 ||
	    (json_object_size(c->body) == 1 && json_object_get(c->body, "reason"))) {
		call_error(c, 400, "bad_request", "nothing to change");
		return;
	}
	if (!(args = json_deep_copy(c->body))) {
		call_error(c, 500, "internal", "out of memory");
		return;
	}
	json_object_set_new(args, "id", json_string(c->m.params[0]));
	json_object_set_new(args, "actor", json_string(c->user));
	api_rpc(w, c, "archive/registry.set", args, timeout(w), registry_set_ok);
}
