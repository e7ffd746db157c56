/*
 * events.c - per-gateway presence and device state, and the normalised
 * events that follow from a batch or a status message.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "events.h"
#include "proto.h"
#include "validate.h"

/* Device state bits. */
enum {
	DEV_OK_KNOWN = 1,    /* responding state seen */
	DEV_OK = 2,	     /* responding */
	DEV_MAINS_KNOWN = 4, /* mains state seen */
	DEV_MAINS = 8,	     /* mains present */
};

/* Seqs whose events went out above the archive's last ack: a resend of
 * one of them is told from a new batch after one the archive refused. At
 * least the gateway's window (100 by default); an older one falls out and
 * its events would go out again if it came back. */
#define RECENT_SEQS 512

struct gw {
	long long high_seq;		       /* highest batch seq seen */
	long long acked;		       /* highest seq the archive acknowledged */
	long long recent[RECENT_SEQS];	       /* seqs above acked seen, 0: free */
	unsigned next;			       /* recent's slot to use next */
	signed char presence;		       /* enum events_presence */
	unsigned char dev[PROTO_ADDR_MAX + 1]; /* DEV_ bits per address */
};

struct events {
	struct gw *gws[PROTO_OBJ_MAX + 1]; /* by object number, lazily allocated */
};

amr_err events_create(events **out)
{
	events *ev = calloc(1, sizeof *ev);

	if (!ev)
		return AMR_ENOMEM;
	*out = ev;
	return AMR_OK;
}

void events_destroy(events *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i <= PROTO_OBJ_MAX; i++)
		free(ev->gws[i]);
	free(ev);
}

/* The state of obj, created on first use; NULL when out of memory. */
static struct gw *gw_of(events *ev, unsigned obj)
{
	struct gw *g = ev->gws[obj];

	if (!g) {
		g = calloc(1, sizeof *g);
		if (!g)
			return NULL;
		g->presence = EVENTS_UNKNOWN;
		ev->gws[obj] = g;
	}
	return g;
}

/* Build a normalised event; detail is taken (NULL means {}). New reference. */
static json_t *make_event(unsigned obj, const char *type, long long addr, long long ch,
			  long long ts, long long seq, json_t *detail)
{
	json_t *e = json_pack("{s:I, s:s}", "obj", (json_int_t)obj, "type", type);

	if (!detail)
		detail = json_object();
	if (!e || !detail)
		goto out_fail;
	if ((addr && json_object_set_new(e, "addr", json_integer(addr))) ||
	    (ch && json_object_set_new(e, "ch", json_integer(ch))) ||
	    json_object_set_new(e, "ts", json_integer(ts)) ||
	    (seq && json_object_set_new(e, "seq", json_integer(seq))))
		goto out_fail;
	if (json_object_set_new(e, "detail", detail))
		goto out_fail_event;
	return e;

out_fail:
	json_decref(detail);
out_fail_event:
	json_decref(e);
	return NULL;
}

static int emit_event(unsigned obj, const char *type, long long addr, long long ch, long long ts,
		      long long seq, json_t *detail, events_emit_fn emit, void *ctx)
{
	json_t *e = make_event(obj, type, addr, ch, ts, seq, detail);

	if (!e)
		return AMR_ENOMEM;
	emit(ctx, obj, e);
	json_decref(e);
	return AMR_OK;
}

/*
 * Apply a two-state change (responding, mains) to a device's bits. Returns
 * true when it is news: the state was unknown or different.
 */
static bool flip(unsigned char *bits, unsigned known, unsigned on, bool value)
{
	bool news = !(*bits & known) || !!(*bits & on) != value;

	*bits |= (unsigned char)known;
	if (value)
		*bits |= (unsigned char)on;
	else
		*bits &= (unsigned char)~on;
	return news;
}

/* The state change a gateway event type stands for, if any. */
static bool event_state(const char *type, unsigned *known, unsigned *on, bool *value)
{
	static const struct {
		enum proto_event type;
		unsigned known, on;
		bool value;
	} map[] = {
		{ PROTO_EV_DEVICE_OFFLINE, DEV_OK_KNOWN, DEV_OK, false },
		{ PROTO_EV_DEVICE_ONLINE, DEV_OK_KNOWN, DEV_OK, true },
		{ PROTO_EV_MAINS_LOST, DEV_MAINS_KNOWN, DEV_MAINS, false },
		{ PROTO_EV_MAINS_RESTORED, DEV_MAINS_KNOWN, DEV_MAINS, true },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (proto_event_parse(type) == map[i].type) {
			*known = map[i].known;
			*on = map[i].on;
			*value = map[i].value;
			return true;
		}
	}
	return false;
}

/* One validated gateway event: everything but type/addr/ch/ts is detail. */
static int gateway_event(struct gw *g, unsigned obj, const json_t *in, long long seq,
			 events_emit_fn emit, void *ctx)
{
	const char *type = json_string_value(json_object_get(in, "type"));
	long long addr = json_integer_value(json_object_get(in, "addr"));
	long long ch = json_integer_value(json_object_get(in, "ch"));
	long long ts = json_integer_value(json_object_get(in, "ts"));
	unsigned known, on;
	bool value;
	json_t *detail = json_object(), *v;
	const char *key;

	if (!detail)
		return AMR_ENOMEM;
	if (addr && event_state(type, &known, &on, &value) &&
	    !flip(&g->dev[addr], known, on, value)) {
		json_decref(detail);
		return AMR_OK; /* the known state already says so */
	}
	json_object_foreach((json_t *)in, key, v) {
		if (strcmp(key, "type") && strcmp(key, "addr") && strcmp(key, "ch") &&
		    strcmp(key, "ts") && json_object_set(detail, key, v)) {
			json_decref(detail);
			return AMR_ENOMEM;
		}
	}
	return emit_event(obj, type, addr, ch, ts, seq, detail, emit, ctx);
}

/* Changes shown by one "devices" entry that no gateway event reported. */
static int device_snapshot(struct gw *g, unsigned obj, const json_t *d, long long seq, long long ts,
			   events_emit_fn emit, void *ctx)
{
	long long addr = json_integer_value(json_object_get(d, "addr"));
	bool ok = json_is_true(json_object_get(d, "ok"));
	json_t *mains = json_object_get(d, "mains");
	unsigned char *bits = &g->dev[addr];
	bool first = !(*bits & DEV_OK_KNOWN);
	int rc;

	/* First sight of a responding device is not news; of a silent one it is. */
	if (flip(bits, DEV_OK_KNOWN, DEV_OK, ok) && !(first && ok)) {
		rc = emit_event(
			obj,
			proto_event_name(ok ? PROTO_EV_DEVICE_ONLINE : PROTO_EV_DEVICE_OFFLINE),
			addr, 0, ts, seq, json_pack("{s:s}", "source", "devices"), emit, ctx);
		if (rc)
			return rc;
	}
	/* A device without mains does not answer, so only a responding one's
	 * mains flag means anything. */
	if (!ok || !mains)
		return AMR_OK;
	first = !(*bits & DEV_MAINS_KNOWN);
	if (flip(bits, DEV_MAINS_KNOWN, DEV_MAINS, json_is_true(mains)) &&
	    !(first && json_is_true(mains)))
		return emit_event(obj,
				  proto_event_name(json_is_true(mains) ? PROTO_EV_MAINS_RESTORED
								       : PROTO_EV_MAINS_LOST),
				  addr, 0, ts, seq, json_pack("{s:s}", "source", "devices"), emit,
				  ctx);
	return AMR_OK;
}

/* True when batch seq of g came before: acknowledged by the archive, or
 * seen since its last ack. */
static bool seen(const struct gw *g, long long seq)
{
	if (seq <= g->acked)
		return true;
	for (unsigned i = 0; i < RECENT_SEQS; i++)
		if (g->recent[i] == seq)
			return true;
	return false;
}

static void remember(struct gw *g, long long seq)
{
	if (seq > g->high_seq)
		g->high_seq = seq;
	for (unsigned i = 0; i < RECENT_SEQS; i++)
		if (g->recent[i] <= g->acked) { /* free, or acknowledged since */
			g->recent[i] = seq;
			return;
		}
	g->recent[g->next] = seq; /* all above the ack: the oldest slot goes */
	g->next = (g->next + 1) % RECENT_SEQS;
}

void events_acked(events *ev, unsigned obj, long long seq)
{
	struct gw *g = obj >= 1 && obj <= PROTO_OBJ_MAX ? gw_of(ev, obj) : NULL;

	if (g && seq > g->acked)
		g->acked = seq;
}

amr_err events_batch(events *ev, unsigned obj, const json_t *batch, long long seq, long long ts,
		     bool *resend, events_emit_fn emit, void *ctx)
{
	struct gw *g = gw_of(ev, obj);
	json_t *arr, *item;
	size_t i;
	int rc;

	if (!g)
		return AMR_ENOMEM;
	*resend = seen(g, seq);
	if (*resend)
		return AMR_OK;
	remember(g, seq);
	arr = json_object_get(batch, "events");
	json_array_foreach(arr, i, item) {
		if ((rc = gateway_event(g, obj, item, seq, emit, ctx)))
			return rc;
	}
	arr = json_object_get(batch, "devices");
	json_array_foreach(arr, i, item) {
		if ((rc = device_snapshot(g, obj, item, seq, ts, emit, ctx)))
			return rc;
	}
	return AMR_OK;
}

/* Put where in front of err's message; returns AMR_EINVAL. */
static int prefixed(struct jv_err *err, const char *where)
{
	char msg[sizeof err->msg];

	memcpy(msg, err->msg, sizeof msg);
	return jv_fail(err, "%s%s", where, msg);
}

amr_err events_status(events *ev, unsigned obj, const json_t *status, int64_t now, bool *online,
		      bool *changed, events_emit_fn emit, void *ctx, struct jv_err *err)
{
	const char *fw, *ip;
	json_t *devices, *spool, *detail;
	long long n;
	bool on;
	struct gw *g;

	if (jv_bool(status, "online", true, false, &on, err) ||
	    jv_str(status, "fw", false, NULL, 0, 32, &fw, err) ||
	    jv_str(status, "ip", false, NULL, 0, 64, &ip, err) ||
	    jv_object(status, "devices", false, &devices, err) ||
	    jv_object(status, "spool", false, &spool, err))
		return AMR_EINVAL;
	if (devices && (jv_int(devices, "polled", false, 0, 0, PROTO_ADDR_MAX, &n, err) ||
			jv_int(devices, "responding", false, 0, 0, PROTO_ADDR_MAX, &n, err)))
		return prefixed(err, "devices.");
	if (spool && jv_int(spool, "pending", false, 0, 0, PROTO_SEQ_MAX, &n, err))
		return prefixed(err, "spool.");
	if (!(g = gw_of(ev, obj)))
		return AMR_ENOMEM;
	*online = on;
	*changed = g->presence != (on ? EVENTS_ONLINE : EVENTS_OFFLINE);
	if (!*changed)
		return AMR_OK;
	detail = json_object();
	if (!detail || (fw && json_object_set_new(detail, "fw", json_string(fw))) ||
	    (ip && json_object_set_new(detail, "ip", json_string(ip))) ||
	    (devices && json_object_set(detail, "devices", devices))) {
		json_decref(detail);
		return AMR_ENOMEM;
	}
	g->presence = on ? EVENTS_ONLINE : EVENTS_OFFLINE;
	return emit_event(obj,
			  proto_event_name(on ? PROTO_EV_GATEWAY_ONLINE : PROTO_EV_GATEWAY_OFFLINE),
			  0, 0, now, 0, detail, emit, ctx);
}

amr_err events_presence_set(events *ev, unsigned obj, enum events_presence p)
{
	struct gw *g = gw_of(ev, obj);

	if (!g)
		return AMR_ENOMEM;
	g->presence = (signed char)p;
	return AMR_OK;
}

enum events_presence events_presence_get(const events *ev, unsigned obj)
{
	const struct gw *g = obj <= PROTO_OBJ_MAX ? ev->gws[obj] : NULL;

	return g ? (enum events_presence)g->presence : EVENTS_UNKNOWN;
}

long long events_high_seq(const events *ev, unsigned obj)
{
	const struct gw *g = obj <= PROTO_OBJ_MAX ? ev->gws[obj] : NULL;

	return g ? g->high_seq : 0;
}
