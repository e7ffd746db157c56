/*
 * methods.h - the archive's RPC methods (amr/v1/rpc/archive/<method>) and its
 * audit subscription. Arguments are checked with jv.h: unknown fields and
 * bad values are refused with a message naming the field, and change
 * nothing. The methods are listed in docs/archive.md.
 */
#ifndef AMR_ARCHIVE_METHODS_H
#define AMR_ARCHIVE_METHODS_H

#include <stdbool.h>
#include <stddef.h>

#include "audit.h"
#include "err.h"
#include "kv.h"
#include "mq.h"
#include "registry.h"
#include "rpc.h"
#include "store.h"
#include "svc.h"
#include "writer.h"

/* Everything the handlers use; all borrowed except the backup state. */
struct methods {
	struct svc *svc;	  /* loop, mq, metrics */
	kv *k;			  /* environment */
	store *s;		  /* readings */
	registry *reg;		  /* registry */
	audit *aud;		  /* audit trail */
	writer *w;		  /* pending batches, committed before an import */
	long long fresh_s;	  /* "fresh" if read within this many seconds */
	long long retention_days; /* raw readings kept this long */
	const char *backup_dir;	  /* archive/backup writes under here */
	bool backup_running;	  /* one backup at a time */
	metric *m_audit;	  /* audit records stored */
	metric *m_rejected;	  /* messages refused */
};

/* The readings queries, backup and retention (methods.c). */
extern const struct rpc_method methods_readings[];
extern const size_t methods_readings_n;

/* The registry, audit trail, quarantine and marks (methods_registry.c). */
extern const struct rpc_method methods_registry[];
extern const size_t methods_registry_n;

/* Historical and manual readings (methods_import.c). */
extern const struct rpc_method methods_import[];
extern const size_t methods_import_n;

/* Register the api's metrics. Returns AMR_OK or AMR_ENOMEM. */
amr_err methods_init(struct methods *a);

/* mq handler for amr/v1/audit (ctx is the api). */
void methods_on_audit(void *ctx, const struct mq_msg *msg);

/* Delete raw readings older than the retention (loop timer callback). */
void methods_retention_tick(void *ctx);

/* Check a backup name: 1..64 of [A-Za-z0-9._-], not starting with '.'. */
bool methods_backup_name_ok(const char *name);

#endif
