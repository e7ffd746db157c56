/*
 * methods_import.c - archive/import: historical and manual readings of one
 * channel, hour by hour, stored with their audit record (import.h for the
 * arguments, store_import() for the rules, docs/archive.md "Historical and
 * manual readings").
 */
#include <stdlib.h>

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

const struct rpc_method methods_import[] = {
	{ "import", m_import,
	  "{actor,reason,source,channel,step?:hour,from,pulses:[..]}: hourly pulses from "
	  "before the channel's live readings, audited" },
};
const size_t methods_import_n = sizeof methods_import / sizeof methods_import[0];
