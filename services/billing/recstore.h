/*
 * recstore.h - JSON records numbered 1.. in the order they came, in a
 * database of their own in amr-billing's environment: the suspense lines
 * of bank registries (невыясненные платежи, database "susp") and the
 * registries imported (database "payimp"), docs/billing.md "Payments".
 *
 *   <name>  id u32 -> the record's JSON
 *
 * Records are never deleted, so ids are never reused: the next is one past
 * the last. The store lives in the ledger's environment, so a record and
 * the change it belongs to commit together; every function runs inside the
 * caller's transaction. As mdb_get warns: nothing read stays valid after
 * the transaction, so records are handed out as new JSON values.
 */
#ifndef AMR_BILLING_RECSTORE_H
#define AMR_BILLING_RECSTORE_H

#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "kv.h"

typedef struct recstore recstore;

/* The store in database name (opened, created) of environment k
 * (borrowed); what says what a record is, for log lines ("suspense
 * line"). Returns AMR_OK, AMR_ENOMEM or AMR_EDB. */
amr_err recstore_open(recstore **out, kv *k, const char *name, const char *what);

/* Free. Accepts NULL. */
void recstore_close(recstore *s);

/* Inside write transaction txn: store rec (borrowed; "id" is set in it)
 * under the next id. Returns 0 with *id, or an LMDB/amr code for
 * kv_write(). */
int recstore_add(recstore *s, MDB_txn *txn, json_t *rec, uint32_t *id);

/* Record id (a new value, the caller frees). Returns AMR_OK, AMR_ENOTFOUND,
 * AMR_ENOMEM or AMR_EDB. */
amr_err recstore_get(recstore *s, MDB_txn *txn, uint32_t id, json_t **out);

/* Store rec (borrowed) as record id again (its new state). Returns 0 or an
 * LMDB/amr code. */
int recstore_put(recstore *s, MDB_txn *txn, uint32_t id, const json_t *rec);

/*
 * Call fn(id, rec, arg) for the records with ids above after, in id order;
 * rec is borrowed for the call. fn returns 0 to go on, 1 to stop, anything
 * else to stop with that code. Returns 0, fn's code, AMR_ENOMEM or AMR_EDB.
 */
int recstore_scan(recstore *s, MDB_txn *txn, uint32_t after,
		  int (*fn)(uint32_t id, const json_t *rec, void *arg), void *arg);

#endif
