/*
 * api.h - the archive's RPC methods (amr/v1/rpc/archive/<method>) and its
 * audit subscription. Arguments are checked with jv.h: unknown fields and
 * bad values are refused with a message naming the field, and change
 * nothing. The methods are listed in docs/archive.md.
 */
#ifndef AMR_ARCHIVE_API_H
#define AMR_ARCHIVE_API_H

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

/* Everything the handlers use; all borrowed except the backup state. */
struct api {
	struct svc *svc;	  /* loop, mq, metrics */
	kv *k;			  /* environment */
	store *s;		  /* readings */
	registry *reg;		  /* registry */
	audit *aud;		  /* audit trail */
	long long fresh_s;	  /* "fresh" if read within this many seconds */
	long long retention_days; /* raw readings kept this long */
	const char *backup_dir;	  /* archive/backup writes under here */
	bool backup_running;	  /* one backup at a time */
	metric *m_audit;	  /* audit records stored */
	metric *m_rejected;	  /* messages refused */
};

/* The readings queries, backup and retention (api.c). */
extern const struct rpc_method api_methods[];
extern const size_t api_nmethods;

/* The registry, audit trail, quarantine and marks (api_registry.c). */
extern const struct rpc_method api_registry_methods[];
extern const size_t api_registry_nmethods;

/* Register the api's metrics. Returns AMR_OK or AMR_ENOMEM. */
amr_err api_init(struct api *a);

/* mq handler for amr/v1/audit (ctx is the api). */
void api_on_audit(void *ctx, const struct mq_msg *msg);

/* Delete raw readings older than the retention (loop timer callback). */
void api_retention_tick(void *ctx);

/* Check a backup name: 1..64 of [A-Za-z0-9._-], not starting with '.'. */
bool api_backup_name_ok(const char *name);

#endif
