/*
 * validate.c - field-by-field check of a telemetry batch and its canonical
 * form. See validate.h for the rules.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jflat.h"
#include "utf8.h"
#include "jv.h"
#include "proto.h"
#include "telemetry.h"
#include "validate.h"

#define DETAIL_KEYS_MAX 8
#define DETAIL_KEY_LEN	32
#define DETAIL_STR_LEN	64

static const char *const batch_fields[] = { "seq",     "prev",	 "ts",	"readings",
					    "devices", "events", "obj", NULL };
static const char *const device_fields[] = { "addr", "ok", "mains", "batt_mv", "outputs", NULL };

/* Channels seen, one bit per ch 1..4 for each addr 0..127. */
typedef unsigned char chan_set[PROTO_ADDR_MAX + 1];

void validate_result_clear(struct validate_result *r)
{
	json_decref(r->batch);
	json_decref(r->dropped);
	free(r->canonical);
	memset(r, 0, sizeof *r);
}

/* Reject the whole batch: set reason and detail, return AMR_EINVAL. */
static int reject(struct validate_result *r, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int reject(struct validate_result *r, const char *reason, const char *fmt, ...)
{
	va_list ap;

	r->reason = reason;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof r->detail, fmt, ap);
	va_end(ap);
	return AMR_EINVAL;
}

/* Put where (e.g. "events[2].") in front of e's message; returns AMR_EINVAL. */
static int at(struct jv_err *e, const char *where)
{
	char msg[sizeof e->msg];

	memcpy(msg, e->msg, sizeof msg);
	return jv_fail(e, "%s%s", where, msg);
}

/* Check a timestamp field of o against the window; the message names where. */
static int check_ts(const json_t *o, const char *where, const struct validate_opts *opt,
		    int64_t now, long long *ts, struct jv_err *e)
{
	const struct telemetry_window w = { opt->horizon_s, opt->ahead_s };

	return telemetry_ts(o, where, &w, now, ts, e);
}

/* An extra event field is a short scalar; it travels in the event's detail. */
static int check_extra(const char *key, const json_t *v, const char *where, struct jv_err *e)
{
	size_t klen = strlen(key);

	if (klen == 0 || klen > DETAIL_KEY_LEN)
		return jv_fail(e, "%s%s: field names are 1..%d characters", where, key,
			       DETAIL_KEY_LEN);
	for (size_t i = 0; i < klen; i++) {
		char c = key[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return jv_fail(e, "%s%s: field names use a-z, 0-9 and _", where, key);
	}
	if (json_is_integer(v) || json_is_boolean(v))
		return AMR_OK;
	if (json_is_string(v) && strlen(json_string_value(v)) != json_string_length(v))
		return jv_fail(e, "%s%s: contains a NUL character", where, key);
	if (json_is_string(v) && json_string_length(v) <= DETAIL_STR_LEN)
		return AMR_OK;
	return jv_fail(e, "%s%s: expected an integer, a boolean or a string of at most %d bytes",
		       where, key, DETAIL_STR_LEN);
}

/* The fields docs/protocol.md names for some event types: in their ranges
 * when present (from and total of a counter event), or required (out and
 * blocked of output_changed, from of address_changed, peer and line of
 * console_action, from of object_changed). */
static int check_named(const json_t *ev, int type, struct jv_err *e)
{
	const char *s;
	long long v;
	bool b;

	switch (type) {
	case PROTO_EV_COUNTER_ZEROED:
	case PROTO_EV_COUNTER_DECREASED:
		/* from is read again by check_event(), for the readings' rule */
		return telemetry_counter_fields(ev, &v, e);
	case PROTO_EV_ADDRESS_CHANGED:
		return jv_int(ev, "from", true, 0, 1, PROTO_ADDR_MAX, &v, e) ? AMR_EINVAL : AMR_OK;
	case PROTO_EV_OBJECT_CHANGED:
		/* the object number the gateway's batches had before this one */
		return jv_int(ev, "from", true, 0, 1, PROTO_OBJ_MAX, &v, e) ? AMR_EINVAL : AMR_OK;
	case PROTO_EV_CONSOLE_ACTION:
		/* who typed what: the peer's address and the command line */
		if (jv_str(ev, "peer", true, NULL, 1, DETAIL_STR_LEN, &s, e) ||
		    jv_str(ev, "line", true, NULL, 1, DETAIL_STR_LEN, &s, e))
			return AMR_EINVAL;
		return AMR_OK;
	case PROTO_EV_OUTPUT_CHANGED:
		if (jv_int(ev, "out", true, 0, 1, 4, &v, e) ||
		    jv_bool(ev, "blocked", true, false, &b, e))
			return AMR_EINVAL;
		return AMR_OK;
	default:
		return AMR_OK;
	}
}

/* Check one event; on success note a counter event in c. */
static int check_event(const json_t *ev, const char *where, const struct validate_opts *opt,
		       int64_t now, struct telemetry_chans *c, struct jv_err *e)
{
	static const char *const known[] = { "type", "addr", "ch", "ts", NULL };
	const char *key;
	json_t *v;
	int type;
	long long addr = 0, ch = 0, ts;
	size_t extra = 0;
	bool counter;

	if (!json_is_object(ev))
		return jv_fail(e, "%.*s: expected an object", (int)strlen(where) - 1, where);
	if (jv_enum(ev, "type", true, 0, proto_gateway_events, &type, e))
		return at(e, where);
	type += PROTO_EV_DEVICE_OFFLINE;
	if (check_ts(ev, where, opt, now, &ts, e))
		return AMR_EINVAL;
	if (type == PROTO_EV_GATEWAY_BOOT || type == PROTO_EV_CONSOLE_ACTION ||
	    type == PROTO_EV_OBJECT_CHANGED) {
		if (json_object_get(ev, "addr"))
			return jv_fail(e, "%saddr: not allowed in %s", where,
				       proto_event_name((enum proto_event)type));
	} else if (jv_int(ev, "addr", true, 0, 1, PROTO_ADDR_MAX, &addr, e)) {
		return at(e, where);
	}
	counter = type == PROTO_EV_COUNTER_ZEROED || type == PROTO_EV_COUNTER_DECREASED;
	if (jv_int(ev, "ch", counter, 0, 1, PROTO_CH_MAX, &ch, e) || check_named(ev, type, e))
		return at(e, where);
	json_object_foreach((json_t *)ev, key, v) {
		bool is_known = false;
		for (int i = 0; known[i]; i++)
			is_known |= strcmp(key, known[i]) == 0;
		if (is_known)
			continue;
		if (++extra > DETAIL_KEYS_MAX)
			return jv_fail(e, "%smore than %d extra fields", where, DETAIL_KEYS_MAX);
		if (check_extra(key, v, where, e))
			return AMR_EINVAL;
	}
	if (counter) {
		long long from;

		telemetry_counter_fields(ev, &from, e); /* checked by check_named() */
		telemetry_counter_add(c, (unsigned)addr, (unsigned)ch, from);
	}
	return AMR_OK;
}

/* A device's optional "outputs": the coils of outputs 1..4, each 0 or 1. */
static int check_outputs(const json_t *d, const char *where, struct jv_err *e)
{
	const json_t *arr = json_object_get(d, "outputs"), *v;
	size_t i;

	if (!arr)
		return AMR_OK;
	if (json_array_size(arr) != 4)
		goto out_bad;
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v) ||
		    (json_integer_value(v) != 0 && json_integer_value(v) != 1))
			goto out_bad;
	}
	return AMR_OK;

out_bad:
	return jv_fail(e, "%soutputs: expected 4 values of 0 or 1", where);
}

static int check_device(const json_t *d, const char *where, chan_set seen, struct jv_err *e)
{
	long long addr, mv;
	bool b;

	if (!json_is_object(d))
		return jv_fail(e, "%.*s: expected an object", (int)strlen(where) - 1, where);
	if (jv_only(d, device_fields, e) ||
	    jv_int(d, "addr", true, 0, 1, PROTO_ADDR_MAX, &addr, e) ||
	    jv_bool(d, "ok", true, false, &b, e) || jv_bool(d, "mains", false, true, &b, e) ||
	    jv_int(d, "batt_mv", false, 0, 0, 65535, &mv, e))
		return at(e, where);
	if (check_outputs(d, where, e))
		return AMR_EINVAL;
	if (seen[addr])
		return jv_fail(e, "%saddr: %lld appears twice", where, addr);
	seen[addr] = 1;
	return AMR_OK;
}

/*
 * Check the entries of the optional array field name one by one; remove the
 * bad ones from the array and record them in r->dropped. kind is 'e' for
 * events, 'd' for devices.
 */
static int check_entries(json_t *batch, const char *name, char kind,
			 const struct validate_opts *opt, int64_t now, struct telemetry_chans *c,
			 struct validate_result *r)
{
	json_t *arr = json_object_get(batch, name);
	chan_set seen = { 0 };
	size_t i = 0, orig = 0;

	if (!arr)
		return AMR_OK;
	if (!json_is_array(arr))
		return reject(r, "bad_field", "%s: expected an array", name);
	if (json_array_size(arr) > opt->max_entries)
		return reject(r, "too_many", "%s: %zu entries exceed the limit of %zu", name,
			      json_array_size(arr), opt->max_entries);
	while (i < json_array_size(arr)) {
		json_t *entry = json_array_get(arr, i);
		struct jv_err e = { "" };
		char where[32];
		json_t *drop;
		int rc;

		snprintf(where, sizeof where, "%s[%zu].", name, orig++);
		rc = kind == 'e' ? check_event(entry, where, opt, now, c, &e)
				 : check_device(entry, where, seen, &e);
		if (rc == AMR_OK) {
			i++;
			continue;
		}
		if (!r->dropped && !(r->dropped = json_array()))
			return reject(r, "internal", "out of memory");
		/* the detail may quote a value cut inside a character */
		drop = json_pack("{s:s, s:s, s:O}", "reason",
				 kind == 'e' ? "bad_event" : "bad_device", "detail",
				 utf8_fix(e.msg), "entry", entry);
		if (!drop || json_array_append_new(r->dropped, drop) || json_array_remove(arr, i))
			return reject(r, "internal", "out of memory");
	}
	return AMR_OK;
}

/* The rules between a reading and the rest of the batch (telemetry.h). */
static int check_reading(const struct telemetry_reading *rd, size_t i, struct telemetry_chans *c,
			 struct validate_result *r)
{
	struct jv_err e = { "" };

	if (telemetry_reading_check(c, rd, i, &e))
		return reject(r, "bad_reading", "%s", e.msg);
	return AMR_OK;
}

/* The readings of a parsed tree, field by field, then check_reading(). */
static int check_readings(const json_t *batch, const struct validate_opts *opt,
			  struct telemetry_chans *c, struct validate_result *r)
{
	json_t *arr = json_object_get(batch, "readings");
	size_t i;
	json_t *item;

	if (!arr)
		return AMR_OK;
	if (!json_is_array(arr))
		return reject(r, "bad_field", "readings: expected an array");
	if (json_array_size(arr) > opt->max_entries)
		return reject(r, "too_many", "readings: %zu entries exceed the limit of %zu",
			      json_array_size(arr), opt->max_entries);
	json_array_foreach(arr, i, item) {
		struct jv_err e = { "" };
		struct telemetry_reading rd;
		int rc;

		if (telemetry_reading_tree(item, i, &rd, &e))
			return reject(r, "bad_reading", "%s", e.msg);
		if ((rc = check_reading(&rd, i, c, r)))
			return rc;
	}
	r->readings = json_array_size(arr);
	return AMR_OK;
}

/*
 * The canonical text. When nothing was dropped, the received text is
 * already the validated batch (duplicate keys were refused at parse), so
 * obj and rx are spliced in before its closing brace instead of dumping
 * the tree again. Otherwise the pruned tree is dumped.
 */
static int canonical(const char *text, size_t len, unsigned obj, bool has_obj, int64_t now,
		     struct validate_result *r)
{
	char tail[64];
	size_t end = len;
	int n;

	if (r->dropped) {
		if (json_object_set_new(r->batch, "obj", json_integer(obj)) ||
		    json_object_set_new(r->batch, "rx", json_integer(now)))
			return AMR_ENOMEM;
		r->canonical = json_dumps(r->batch, JSON_COMPACT);
		if (!r->canonical)
			return AMR_ENOMEM;
		r->canonical_len = strlen(r->canonical);
		return AMR_OK;
	}
	while (end > 0 && strchr(" \t\r\n", text[end - 1]))
		end--;
	/* The parser accepted an object with at least seq: it ends in '}'. */
	if (end < 2 || text[end - 1] != '}')
		return AMR_EINVAL;
	if (has_obj)
		n = snprintf(tail, sizeof tail, ",\"rx\":%lld}", (long long)now);
	else
		n = snprintf(tail, sizeof tail, ",\"obj\":%u,\"rx\":%lld}", obj, (long long)now);
	r->canonical = malloc(end - 1 + (size_t)n + 1);
	if (!r->canonical)
		return AMR_ENOMEM;
	memcpy(r->canonical, text, end - 1);
	memcpy(r->canonical + end - 1, tail, (size_t)n + 1);
	r->canonical_len = end - 1 + (size_t)n;
	return AMR_OK;
}

/*
 * The rules of r->batch other than its readings: the fields allowed, obj,
 * seq, prev, ts, then events and devices, whose bad entries are dropped.
 * Events first: a counter event lets a reading's delta exceed its total,
 * and fills counters for that.
 */
static int check_head(const struct validate_opts *o, unsigned obj, int64_t now,
		      struct telemetry_chans *c, struct validate_result *r)
{
	struct jv_err e = { "" };
	long long tobj;
	int rc;

	if (jv_only(r->batch, batch_fields, &e))
		return reject(r, "bad_field", "%s", e.msg);
	if (jv_int(r->batch, "obj", false, obj, 0, PROTO_SEQ_MAX, &tobj, &e))
		return reject(r, "wrong_obj", "%s", e.msg);
	if (tobj != (long long)obj)
		return reject(r, "wrong_obj", "obj: %lld does not match the topic's %u", tobj, obj);
	if (telemetry_seq(r->batch, &r->seq, &r->prev, &e))
		return reject(r, "bad_seq", "%s", e.msg);
	if (check_ts(r->batch, "", o, now, &r->ts, &e))
		return reject(r, "bad_ts", "%s", e.msg);
	if ((rc = check_entries(r->batch, "events", 'e', o, now, c, r)) ||
	    (rc = check_entries(r->batch, "devices", 'd', o, now, c, r)))
		return rc;
	return AMR_OK;
}

int validate_batch_tree(const struct validate_opts *o, unsigned obj, int64_t now, const char *text,
			size_t len, struct validate_result *r)
{
	struct jv_err e = { "" };
	struct telemetry_chans c;
	int rc;

	telemetry_chans_init(&c);
	if (len > o->max_payload)
		return reject(r, "too_large", "payload of %zu bytes exceeds the limit of %zu", len,
			      o->max_payload);
	/* Duplicate keys are refused: the text itself is forwarded (canonical()).
	 * A \u0000 is read, so that the entry holding it is dropped (its string
	 * checks refuse a NUL) rather than the whole batch. */
	r->batch = jv_parse_object_nul(text, len, &e);
	if (!r->batch)
		return reject(r, "bad_json", "%s", e.msg);
	if ((rc = check_head(o, obj, now, &c, r)) || (rc = check_readings(r->batch, o, &c, r)))
		goto out_drop_batch;
	rc = canonical(text, len, obj, json_object_get(r->batch, "obj") != NULL, now, r);
	if (rc) {
		rc = reject(r, "internal", "cannot build the canonical batch: %s",
			    amr_strerror(rc));
		goto out_drop_batch;
	}
	/* The readings are in the canonical text; r->batch is the rest (as
	 * read by validate_batch()'s streaming path). */
	json_object_del(r->batch, "readings");
	return AMR_OK;

out_drop_batch:
	json_decref(r->batch);
	r->batch = NULL;
	json_decref(r->dropped);
	r->dropped = NULL;
	return rc;
}

/* The readings of the streaming path, each checked against the bounds
 * as it arrives; the rules between readings wait for the events. */
struct rows {
	const struct validate_opts *o;
	struct telemetry_reading *v; /* malloc'd */
	size_t cap;
};

static int on_row(void *ctx, size_t i, const long long *v, unsigned present)
{
	struct rows *rs = ctx;

	/* jflat has checked telemetry_reading_bounds. */
	if (i >= rs->o->max_entries)
		return -1;
	if (i == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 256;
		struct telemetry_reading *nv = realloc(rs->v, cap * sizeof *nv);

		if (!nv)
			return -1;
		rs->v = nv;
		rs->cap = cap;
	}
	telemetry_reading_row(&rs->v[i], v, present);
	return 0;
}

/*
 * The streaming path: the readings as rows (jflat.h), the rest as a small
 * tree checked by the same functions as the tree path. It accepts only a
 * batch that passes every rule with nothing dropped; for anything else it
 * returns nonzero with *r cleared, and validate_batch_tree() decides, so
 * every rejection and every dropped entry is reported by one code path.
 */
static int read_fast(const struct validate_opts *o, unsigned obj, int64_t now, const char *text,
		     size_t len, struct validate_result *r)
{
	struct rows rs = { .o = o };
	const struct jflat_rows rows = { "readings", telemetry_reading_fields,
					 telemetry_reading_bounds, on_row, &rs };
	struct jflat_out out;
	struct telemetry_chans c;
	int rc;

	telemetry_chans_init(&c);
	if ((rc = jflat_read(text, len, &rows, &out)))
		goto out_free_rows;
	r->batch = out.head;
	if ((rc = check_head(o, obj, now, &c, r)))
		goto out_clear;
	if (r->dropped) {
		rc = AMR_EINVAL; /* the tree path dumps what is left */
		goto out_clear;
	}
	for (size_t i = 0; i < out.nrows; i++)
		if ((rc = check_reading(&rs.v[i], i, &c, r)))
			goto out_clear;
	r->readings = out.nrows;
	if ((rc = canonical(text, len, obj, json_object_get(r->batch, "obj") != NULL, now, r)))
		goto out_clear;
	r->fast = true;
	free(rs.v);
	return AMR_OK;

out_clear:
	validate_result_clear(r);
out_free_rows:
	free(rs.v);
	return rc;
}

amr_err validate_batch(const struct validate_opts *o, unsigned obj, int64_t now, const char *text,
		       size_t len, struct validate_result *r)
{
	if (len <= o->max_payload && read_fast(o, obj, now, text, len, r) == AMR_OK)
		return AMR_OK;
	return validate_batch_tree(o, obj, now, text, len, r);
}
