/*
 * amr-archive - the data server and system of record: stores readings
 * batches with their rollups, the registry and the audit trail in LMDB, and
 * answers queries over RPC. See docs/archive.md.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "methods.h"
#include "audit.h"
#include "err.h"
#include "kv.h"
#include "log.h"
#include "proto.h"
#include "registry.h"
#include "store.h"
#include "svc.h"
#include "tbucket.h"
#include "telemetry.h"
#include "writer.h"

struct options {
	const char *data_dir;	  /* LMDB environment directory */
	const char *tz;		  /* site time zone */
	const char *backup;	  /* --backup DIR: copy and exit */
	const char *backup_dir;	  /* where archive/backup writes */
	long long commit_ms;	  /* group commit wait */
	long long commit_batches; /* group commit size */
	long long retention_days; /* raw readings kept */
	long long fresh_s;	  /* freshness of latest values */
	long long gap_wait;	  /* seconds a gap is refused before it is given up */
	long long horizon_days;	  /* oldest ts accepted, days before rx */
	long long ts_ahead;	  /* newest ts accepted, s after rx */
	long long max_map_mb;	  /* the LMDB map grows up to this */
};

/* --backup DIR: a hot copy of the environment, then exit. */
static int backup_command(const char *data_dir, const char *dir)
{
	kv *k;
	int rc;

	if ((rc = kv_open(&k, data_dir, NULL))) {
		fprintf(stderr, "amr-archive: cannot open %s: %s\n", data_dir, amr_strerror(rc));
		return 1;
	}
	rc = kv_backup(k, dir);
	kv_close(k);
	if (rc) {
		fprintf(stderr, "amr-archive: backup to %s failed: %s\n", dir, amr_strerror(rc));
		return 1;
	}
	printf("backup of %s written to %s/data.mdb\n", data_dir, dir);
	return 0;
}

/* True when argv asks for --backup (a command, not the daemon). */
static bool backup_requested(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--backup") == 0 || strncmp(argv[i], "--backup=", 9) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	const struct config_opt opts[] = {
		{ "data-dir", "AMR_ARCHIVE_DIR", CONFIG_STR, NULL, 1, 400,
		  "LMDB directory (default $AMR_DATA_DIR/archive, AMR_DATA_DIR defaults to ./var)",
		  &o.data_dir, NULL },
		{ "tz", "AMR_TZ", CONFIG_STR, "Europe/Moscow", 1, 60,
		  "site time zone for daily and monthly rollups (fixed when the archive is created)",
		  &o.tz, NULL },
		{ "commit-ms", "AMR_ARCHIVE_COMMIT_MS", CONFIG_INT, "20", 1, 100,
		  "longest wait from a batch's arrival to its commit, ms", &o.commit_ms, NULL },
		{ "commit-batches", "AMR_ARCHIVE_COMMIT_BATCHES", CONFIG_INT, "256", 1, 100000,
		  "commit at once when this many batches are pending", &o.commit_batches, NULL },
		{ "raw-retention-days", "AMR_ARCHIVE_RETENTION_DAYS", CONFIG_INT, "400", 1, 100000,
		  "raw readings older than this are deleted (rollups are kept for ever)",
		  &o.retention_days, NULL },
		{ "fresh-s", "AMR_ARCHIVE_FRESH_S", CONFIG_INT, "3600", 1, 100000000,
		  "archive/latest calls a channel fresh if read within this many seconds",
		  &o.fresh_s, NULL },
		{ "gap-wait", "AMR_ARCHIVE_GAP_WAIT", CONFIG_INT, "90", 0, 604800,
		  "seconds a batch whose prev is above the mark (a missing batch) is refused "
		  "before the gap is given up and the batch stored (0: never refuse)",
		  &o.gap_wait, NULL },
		{ "horizon-days", "AMR_ARCHIVE_HORIZON_DAYS", CONFIG_INT,
		  PROTO_STR(TELEMETRY_HORIZON_DAYS), 1, TELEMETRY_HORIZON_DAYS_MAX,
		  "oldest batch time accepted, days before ingest received it (as ingest's "
		  "--horizon-days)",
		  &o.horizon_days, NULL },
		{ "ts-ahead", "AMR_ARCHIVE_TS_AHEAD", CONFIG_INT, PROTO_STR(TELEMETRY_TS_AHEAD), 0,
		  TELEMETRY_TS_AHEAD_MAX,
		  "newest batch time accepted, seconds after ingest received it (as ingest's "
		  "--ts-ahead)",
		  &o.ts_ahead, NULL },
		{ "max-map-mb", "AMR_ARCHIVE_MAX_MAP_MB", CONFIG_INT, "1048576", 1, 1073741824,
		  "the LMDB map (starting at 64 MiB) doubles when full up to this many MiB; "
		  "past it batches are refused, not acknowledged",
		  &o.max_map_mb, NULL },
		{ "backup-dir", "AMR_ARCHIVE_BACKUP_DIR", CONFIG_STR, NULL, 1, 400,
		  "directory of archive/backup copies (default $AMR_DATA_DIR/backup)",
		  &o.backup_dir, NULL },
		{ "backup", NULL, CONFIG_STR, NULL, 1, 400,
		  "write a hot compacted copy of the archive into this directory and exit",
		  &o.backup, NULL },
	};
	struct writer_opts wo;
	struct kv_opts ko = { 0 };
	char data_dir[512], backup_dir[512];
	struct svc svc;
	struct methods api = { 0 };
	registry *reg = NULL;
	store *st = NULL;
	audit *aud = NULL;
	writer *w = NULL;
	kv *k = NULL;
	int rc, code = 1;

	if (backup_requested(argc, argv)) {
		/* no broker session: it would take over the running daemon's */
		struct config_common common;
		struct config_opt table[SVC_MAX_OPTS];
		const struct config_opt rows[] = { CONFIG_COMMON_ROWS(&common) };
		size_t n = sizeof opts / sizeof opts[0];

		memcpy(table, opts, sizeof opts);
		memcpy(table + n, rows, sizeof rows);
		rc = config_parse(table, n + sizeof rows / sizeof rows[0], argc, argv,
				  "Hot backup of the archive.", NULL);
		if (rc)
			return rc == CONFIG_HELP ? 0 : 2;
		log_init("amr-archive", log_level_parse(common.log_level));
		if (o.data_dir)
			snprintf(data_dir, sizeof data_dir, "%s", o.data_dir);
		else if (svc_data_dir(data_dir, sizeof data_dir, "archive"))
			return 2;
		return backup_command(data_dir, o.backup);
	}
	rc = svc_init(&svc, "archive",
		      "Data server: readings, rollups, registry, audit, "
		      "queries.",
		      argc, argv, opts, sizeof opts / sizeof opts[0], NULL);
	if (rc != SVC_CONTINUE)
		return rc;
	if (o.data_dir)
		snprintf(data_dir, sizeof data_dir, "%s", o.data_dir);
	else if (svc_data_dir(data_dir, sizeof data_dir, "archive"))
		goto out_fini;
	if (o.backup_dir)
		snprintf(backup_dir, sizeof backup_dir, "%s", o.backup_dir);
	else if (svc_data_dir(backup_dir, sizeof backup_dir, "backup"))
		goto out_fini;
	if (tb_init(o.tz)) {
		log_error("--tz %s: unknown zone or not a whole number of hours from UTC", o.tz);
		goto out_fini;
	}
	/* a limit below the usual start is the whole map from the start */
	ko.max_map_size = (size_t)o.max_map_mb << 20;
	ko.map_size = ko.max_map_size < (64u << 20) ? ko.max_map_size : 64u << 20;
	if (kv_open(&k, data_dir, &ko) || registry_open(&reg, k) || audit_open(&aud, k) ||
	    store_open(&st, k, reg, aud, o.tz))
		goto out_close;
	store_gap_wait_set(st, o.gap_wait);
	wo = (struct writer_opts){ (unsigned)o.commit_ms,
				   (size_t)o.commit_batches,
				   (size_t)o.commit_batches * 512,
				   { o.horizon_days * 86400, o.ts_ahead } };
	if (writer_create(&w, st, k, &svc, &wo))
		goto out_close;
	api = (struct methods){ .svc = &svc,
				.k = k,
				.s = st,
				.reg = reg,
				.aud = aud,
				.w = w,
				.fresh_s = o.fresh_s,
				.retention_days = o.retention_days,
				.backup_dir = backup_dir };
	if (methods_init(&api) ||
	    mq_subscribe(svc.mq, proto_topic_filter(PROTO_T_READINGS), 1, writer_on_readings, w) ||
	    mq_subscribe(svc.mq, PROTO_TOPIC_AUDIT, 1, methods_on_audit, &api) ||
	    svc_serve(&svc, methods_readings, methods_readings_n, &api) ||
	    svc_serve(&svc, methods_registry, methods_registry_n, &api) ||
	    svc_serve(&svc, methods_import, methods_import_n, &api))
		goto out_close;
	if (!loop_timer_add(svc.loop, 60 * 1000, false, methods_retention_tick, &api) ||
	    !loop_timer_add(svc.loop, 3600 * 1000, true, methods_retention_tick, &api))
		goto out_close;
	log_info("archive in %s, time zone %s, commit within %lld ms, gap wait %lld s, map up to "
		 "%lld MiB",
		 data_dir, o.tz, o.commit_ms, o.gap_wait, o.max_map_mb);
	code = svc_run(&svc) ? 1 : 0;
out_close:
	writer_destroy(w);
	audit_close(aud);
	store_close(st);
	registry_close(reg);
	kv_close(k);
out_fini:
	svc_fini(&svc);
	return code;
}
