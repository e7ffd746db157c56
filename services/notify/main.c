/*
 * amr-notify - the alarm engine: alarms from the events and the gateways'
 * statuses, one per condition and target, kept in LMDB and told on
 * amr/v1/alarms/{id} (docs/notify.md). main() only wires: options, the
 * store, the engine, its methods.
 */
#include <stdio.h>

#include "alarm.h"
#include "config.h"
#include "log.h"
#include "notify.h"
#include "svc.h"

struct options {
	const char *data_dir;	   /* LMDB environment directory */
	long long gateway_offline; /* minutes offline before the alarm */
	long long spool_pct;	   /* % of a spool's capacity that raises spool */
};

int main(int argc, char **argv)
{
	struct options o = { 0 };
	const struct config_opt opts[] = {
		{ "data-dir", "AMR_NOTIFY_DATA_DIR", CONFIG_STR, NULL, 1, 4095,
		  "LMDB directory (default $AMR_DATA_DIR/notify, AMR_DATA_DIR defaults to ./var)",
		  &o.data_dir, NULL },
		{ "gateway-offline-min", "AMR_NOTIFY_GATEWAY_OFFLINE_MIN", CONFIG_INT, "10", 0,
		  1440,
		  "minutes a gateway may be offline before gateway_offline is raised (0: at once)",
		  &o.gateway_offline, NULL },
		{ "spool-pct", "AMR_NOTIFY_SPOOL_PCT", CONFIG_INT, "80", 0, 100,
		  "a gateway's spool this full (% of its capacity) raises spool; 0: never",
		  &o.spool_pct, NULL },
	};
	struct notify_opts no;
	alarm_store *st = NULL;
	notify *n = NULL;
	struct svc s;
	char dir[4096];
	int rc = svc_init(
		&s, "notify",
		"amr-notify: alarms from events and gateways' statuses, one per condition "
		"and target, kept and told on amr/v1/alarms/{id}",
		argc, argv, opts, sizeof opts / sizeof opts[0], NULL);

	if (rc != SVC_CONTINUE)
		return rc;
	rc = 1;
	if (o.data_dir)
		snprintf(dir, sizeof dir, "%s", o.data_dir);
	else if (svc_data_dir(dir, sizeof dir, "notify"))
		goto out_fini;
	no = (struct notify_opts){ (unsigned)o.gateway_offline, (unsigned)o.spool_pct };
	if (alarm_store_open(&st, dir) || notify_create(&n, &s, st, &no) ||
	    svc_serve(&s, notify_methods, notify_nmethods, n)) {
		log_error("cannot start (data in %s)", dir);
		goto out_close;
	}
	log_info("data in %s, %zu alarms open", dir, alarm_open_count(st));
	rc = svc_run(&s) ? 1 : 0;
out_close:
	notify_destroy(n);
	alarm_store_close(st);
out_fini:
	svc_fini(&s);
	return rc;
}
