/*
 * auditq.h - amr-billing's durable audit outbox.
 *
 * Every change is audited the way the archive audits its own: a record
 * {"ts","actor","action","target","detail":{"before","after","changes",
 * "reason"}} on amr/v1/audit. The record is put into the outbox database
 * of the ledger's environment by auditq_append() inside the transaction
 * that makes the change, so both commit or neither does: a crash can
 * never keep a change and lose its record.
 *
 *   outbox  seq u64 -> the record's JSON text, as published
 *
 * Each record carries "service":"billing" and its "seq". After the commit
 * auditq_flush() publishes what is new (QoS 1). A record leaves the outbox
 * only when it comes back on amr/v1/audit, which amr-billing subscribes to
 * (auditq_on_audit): the broker has then taken it and handed it to the
 * archive's persistent session. Until then it is published again every
 * resend interval and after every start. The archive stores a record once
 * however often it comes (docs/archive.md, "Audit"), so a repeat costs
 * nothing. Runs on the service's loop thread.
 */
#ifndef AMR_BILLING_AUDITQ_H
#define AMR_BILLING_AUDITQ_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "kv.h"
#include "svc.h"

typedef struct auditq auditq;

/*
 * Open the outbox in k (borrowed) for service s (borrowed: broker,
 * metrics, loop). publish false holds every record in the outbox (for the
 * test of a crash between a commit and its publish). resend_s: seconds
 * between publishing again what has not come back. Returns AMR_OK,
 * AMR_ENOMEM or AMR_EDB.
 */
amr_err auditq_create(auditq **out, kv *k, struct svc *s, bool publish, unsigned resend_s);

/* Stop the timer, free. Accepts NULL. */
void auditq_destroy(auditq *q);

/*
 * Inside write transaction txn: put rec (borrowed; "service" and "seq" are
 * added to it) into the outbox. Returns 0 or an LMDB/amr code for
 * kv_write().
 */
int auditq_append(auditq *q, MDB_txn *txn, json_t *rec);

/* After a commit: publish the records not yet published. */
void auditq_flush(auditq *q);

/* The amr/v1/audit handler (ctx is the auditq): a record of ours that came
 * back leaves the outbox. */
void auditq_on_audit(void *ctx, const struct mq_msg *msg);

/* Records in the outbox. */
uint64_t auditq_pending(auditq *q);

#endif
