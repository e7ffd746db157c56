/*
 * amr-ingest - the edge of the system: checks everything gateways publish,
 * forwards canonical batches, normalises presence and device events, and
 * routes operators' commands to gateways (docs/ingest.md).
 *
 * main() only wires: options, store, state, handlers, RPC, run, close.
 */
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "events.h"
#include "ingest.h"
#include "log.h"
#include "outbox.h"
#include "router.h"
#include "ingestdb.h"
#include "svc.h"
#include "telemetry.h"

struct options {
	const char *data_dir;	  /* LMDB environment directory */
	long long max_payload;	  /* bytes */
	long long max_entries;	  /* readings/devices/events per batch */
	long long horizon_days;	  /* oldest ts accepted */
	long long ts_ahead;	  /* newest ts accepted, s ahead */
	long long deadletter_max; /* payload bytes kept in a deadletter copy */
	struct router_opts cmd;	  /* command options */
};

int main(int argc, char **argv)
{
	struct options o = { 0 };
	const struct config_opt opts[] = {
		{ "data-dir", "AMR_INGEST_DATA_DIR", CONFIG_STR, NULL, 1, 4095,
		  "LMDB directory (default $AMR_DATA_DIR/ingest, AMR_DATA_DIR defaults to ./var)",
		  &o.data_dir, NULL },
		{ "max-payload", "AMR_INGEST_MAX_PAYLOAD", CONFIG_INT, "262144", 1024, 16777216,
		  "largest telemetry batch accepted, bytes", &o.max_payload, NULL },
		{ "max-entries", "AMR_INGEST_MAX_ENTRIES", CONFIG_INT, "1024", 1, 65536,
		  "most readings, devices or events in one batch", &o.max_entries, NULL },
		{ "horizon-days", "AMR_INGEST_HORIZON_DAYS", CONFIG_INT,
		  PROTO_STR(TELEMETRY_HORIZON_DAYS), 1, TELEMETRY_HORIZON_DAYS_MAX,
		  "oldest batch or event time accepted, days before now", &o.horizon_days, NULL },
		{ "ts-ahead", "AMR_INGEST_TS_AHEAD", CONFIG_INT, PROTO_STR(TELEMETRY_TS_AHEAD), 0,
		  TELEMETRY_TS_AHEAD_MAX, "newest batch or event time accepted, seconds after now",
		  &o.ts_ahead, NULL },
		{ "deadletter-max", "AMR_INGEST_DEADLETTER_MAX", CONFIG_INT, "4096", 256, 16777216,
		  "payload bytes kept in a deadletter copy", &o.deadletter_max, NULL },
		{ "cmd-ttl", "AMR_INGEST_CMD_TTL", CONFIG_INT, "3600", 1, 2592000,
		  "seconds a command waits for its gateway when the request gives no ttl",
		  &o.cmd.default_ttl, NULL },
		{ "cmd-ttl-max", "AMR_INGEST_CMD_TTL_MAX", CONFIG_INT, "604800", 1, 2592000,
		  "largest ttl a command request may ask for, seconds", &o.cmd.max_ttl, NULL },
		{ "cmd-wait", "AMR_INGEST_CMD_WAIT", CONFIG_INT, "4", 0, 30,
		  "seconds ingest/command waits for the gateway's result before answering",
		  &o.cmd.wait_s, NULL },
		{ "cmd-keep-days", "AMR_INGEST_CMD_KEEP_DAYS", CONFIG_INT, "90", 1, 3650,
		  "finished commands are removed after this many days", &o.cmd.keep_days, NULL },
	};
	struct svc s;
	struct validate_opts vo;
	char dir[4096];
	ingestdb *st = NULL;
	events *ev = NULL;
	outbox *ob = NULL;
	router *r = NULL;
	ingest *in = NULL;
	int rc = svc_init(&s, "ingest",
			  "amr-ingest: checks what gateways send and routes commands to them", argc,
			  argv, opts, sizeof opts / sizeof opts[0], NULL);

	if (rc != SVC_CONTINUE)
		return rc;
	rc = 1;
	if (o.cmd.default_ttl > o.cmd.max_ttl) {
		log_error("cmd-ttl %lld is above cmd-ttl-max %lld", o.cmd.default_ttl,
			  o.cmd.max_ttl);
		goto out_fini;
	}
	if (o.data_dir)
		snprintf(dir, sizeof dir, "%s", o.data_dir);
	else if (svc_data_dir(dir, sizeof dir, "ingest"))
		goto out_fini;
	vo.max_payload = (size_t)o.max_payload;
	vo.max_entries = (size_t)o.max_entries;
	vo.horizon_s = o.horizon_days * 86400;
	vo.ahead_s = o.ts_ahead;

	if (ingestdb_open(&st, dir, svc_now()) || events_create(&ev) ||
	    outbox_create(&ob, &s, (size_t)o.deadletter_max) ||
	    router_create(&r, &s, st, ev, ob, &o.cmd) ||
	    ingest_create(&in, &s, &vo, st, ev, ob, r) ||
	    svc_serve(&s, router_methods, router_nmethods, r)) {
		log_error("cannot start (data in %s)", dir);
		goto out_close;
	}
	log_info("data in %s, horizon %lld days, payload limit %lld bytes", dir, o.horizon_days,
		 o.max_payload);
	rc = svc_run(&s) ? 1 : 0;

out_close:
	router_destroy(r);
	ingest_destroy(in);
	outbox_destroy(ob);
	events_destroy(ev);
	ingestdb_close(st);
out_fini:
	svc_fini(&s);
	return rc;
}
