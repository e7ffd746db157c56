/*
 * methods_import.c - archive/import: historical and manual readings of one
 * channel, hour by hour, stored with their audit record (import.h for the
 * arguments, store_import() for the rules, docs/archive.md "Historical and
 * manual readings").
 */
#include <stdlib.h>
#include <string.h>

#include "methods.h"
#include "methods_int.h"
#include "import.h"
#include "log.h"

static void m_import(void *ctx, rpc_req *req, json_t *args)
{
	struct methods *a = ctx;
	struct jv_err err = { "" };
	struct import_req r;
	struct store_import im;
	json_t *rec = NULL;
	int64_t now = svc_now();
	bool created = false;
	int rc;

	if ((rc = import_parse(args, now, &r, &err)))
		goto out_reply;
	if (!(rec = import_audit(&r, now))) {
		rc = AMR_ENOMEM;
		goto out_reply;
	}
	/* readings received but not committed yet are stored first, so the
	 * check against the channel's live readings sees them */
	if (a->w && (rc = writer_flush(a->w)))
		goto out_reply;
	im = (struct store_import){ r.key, r.from, r.to, r.n, r.pulses, r.total, r.source, rec };
	if ((rc = store_import(a->s, &im, now, &created, &err)))
		goto out_reply;
	log_info("import %s: %zu hours from %lld, %llu pulses, source %s, by %s%s", r.id, r.n,
		 (long long)r.from, (unsigned long long)r.total, r.source, r.actor,
		 created ? " (channel registered)" : "");
	methods__publish_audit(a, rec);
out_reply:
	if (rc)
		methods__reply_rc(req, rc, &err, "import");
	else
		rpc_reply_ok(req, json_pack("{s:s, s:I, s:I, s:I, s:I, s:s}", "channel", r.id,
					    "from", (json_int_t)r.from, "to", (json_int_t)r.to,
					    "hours", (json_int_t)r.n, "pulses", (json_int_t)r.total,
					    "source", r.source));
	json_decref(rec);
	import_req_free(&r);
}

/* An exact decimal: 1..12 digits, then '.' and 1..6 digits or nothing. */
static bool decimal_ok(const char *v)
{
	size_t whole = strspn(v, "0123456789"), frac;

	if (whole == 0 || whole > 12)
		return false;
	if (!v[whole])
		return true;
	frac = strspn(v + whole + 1, "0123456789");
	return v[whole] == '.' && frac >= 1 && frac <= 6 && !v[whole + 1 + frac];
}

/* A ref or a source: printable ASCII without spaces. */
static bool token_ok(const char *s)
{
	for (; *s; s++)
		if (*s <= 0x20 || *s >= 0x7f)
			return false;
	return true;
}

static void m_manual(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "actor", "source", "ref",	   "channel",
					      "value", "ts",	 "reason", NULL };
	struct methods *a = ctx;
	struct jv_err err = { "" };
	struct store_manual m = { .reason = NULL };
	json_t *rec = NULL, *arec = NULL;
	int64_t now = svc_now();
	long long ts = now;
	bool repeat = false;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_str(args, "actor", true, NULL, 1, 100, &m.actor, &err)) ||
	    (rc = jv_str(args, "source", true, NULL, 1, 64, &m.source, &err)) ||
	    (rc = jv_str(args, "ref", true, NULL, 1, 100, &m.ref, &err)) ||
	    (rc = methods__channel_arg(args, "channel", &m.key, &err)) ||
	    (rc = jv_str(args, "value", true, NULL, 1, 24, &m.value, &err)) ||
	    (rc = jv_int(args, "ts", false, now, 0, now + 300, &ts, &err)) ||
	    (rc = jv_str(args, "reason", false, NULL, 1, 500, &m.reason, &err)))
		goto out_reply;
	if (!token_ok(m.source) || !token_ok(m.ref)) {
		rc = jv_fail(&err, "%s: printable ASCII without spaces expected",
			     token_ok(m.source) ? "ref" : "source");
		goto out_reply;
	}
	if (!decimal_ok(m.value)) {
		rc = jv_fail(&err,
			     "value: \"%.30s\" is not an exact decimal (123.456: up to 12 digits, "
			     "'.', up to 6)",
			     m.value);
		goto out_reply;
	}
	m.ts = ts;
	arec = json_pack("{s:I, s:s, s:s, s:s, s:{s:s, s:s, s:I, s:s, s:s*}}", "ts",
			 (json_int_t)now, "actor", m.actor, "action", "archive.reading.manual",
			 "target", json_string_value(json_object_get(args, "channel")), "detail",
			 "ref", m.ref, "value", m.value, "read", (json_int_t)m.ts, "source",
			 m.source, "reason", m.reason);
	if (!arec) {
		rc = AMR_ENOMEM;
		goto out_reply;
	}
	if ((rc = store_manual(a->s, &m, arec, now, &rec, &repeat, &err)))
		goto out_reply;
	if (repeat) {
		log_info("manual reading %s: a repeat, kept before; nothing changed", m.ref);
	} else {
		log_info("manual reading %s of %s: %s, source %s, by %s", m.ref,
			 json_string_value(json_object_get(rec, "channel")), m.value, m.source,
			 m.actor);
		methods__publish_audit(a, arec);
	}
	json_object_set_new(rec, "repeat", json_boolean(repeat));
out_reply:
	if (rc)
		methods__reply_rc(req, rc, &err, "reading.manual");
	else
		rpc_reply_ok(req, json_incref(rec));
	json_decref(rec);
	json_decref(arec);
}

const struct rpc_method methods_import[] = {
	{ "import", m_import,
	  "{actor,reason,source,channel,step?:hour,from,pulses:[..]}: hourly pulses from "
	  "before the channel's live readings, audited" },
	{ "reading.manual", m_manual,
	  "{actor,source,ref,channel,value,ts?,reason?}: a meter's reading sent by a person or "
	  "a device, kept once per ref, audited" },
};
const size_t methods_import_n = sizeof methods_import / sizeof methods_import[0];
