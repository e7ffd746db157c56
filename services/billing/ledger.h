/*
 * ledger.h - amr-billing's LMDB environment: its records, their unique
 * keys and the numbering of ids.
 *
 *   rec     kind u8 | id u32           -> the record's JSON text
 *   uniq    a unique key (model.h)     -> id u32 of the record holding it
 *   meta    "schema"                   -> "1"
 *           "next" | kind u8           -> the last id given, u32
 *
 * Ids are big-endian, so records of a kind come in id order. The audit
 * outbox lives in the same environment (auditq.h), so that a change and
 * its audit record commit together. Write through kv_write() on
 * ledger_kv(); every function here runs inside the caller's transaction.
 * As mdb_get warns: nothing read stays valid after the transaction, so
 * records are handed out as new JSON values.
 */
#ifndef AMR_BILLING_LEDGER_H
#define AMR_BILLING_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "kv.h"
#include "model.h"

typedef struct ledger ledger;

/* Open (creating) the environment in directory dir. Returns AMR_OK,
 * AMR_ENOMEM, AMR_EIO or AMR_EDB. */
amr_err ledger_open(ledger **out, const char *dir);

/* Close. Accepts NULL. */
void ledger_close(ledger *l);

/* The environment (borrowed). */
kv *ledger_kv(ledger *l);

/* The record kind k id (a new value, the caller frees). Returns AMR_OK,
 * AMR_ENOTFOUND, AMR_ENOMEM or AMR_EDB. */
amr_err ledger_get(ledger *l, MDB_txn *txn, enum model_kind k, uint32_t id, json_t **out);

/* Store rec (borrowed) as kind k id. Returns 0 or an LMDB/amr code for
 * kv_write() to handle (MDB_MAP_FULL grows the map). */
int ledger_put(ledger *l, MDB_txn *txn, enum model_kind k, uint32_t id, const json_t *rec);

/* The next id of kind k, taken. Returns 0 or an LMDB/amr code. */
int ledger_new_id(ledger *l, MDB_txn *txn, enum model_kind k, uint32_t *id);

/* Make key unique to id: AMR_EEXIST with *holder when another record holds
 * it already (holding it already is fine). Returns 0 or an LMDB/amr code. */
int ledger_claim(ledger *l, MDB_txn *txn, const char *key, uint32_t id, uint32_t *holder);

/* The id of the record holding key into *id (a lookup: nothing is
 * claimed). Returns AMR_OK, AMR_ENOTFOUND or AMR_EDB. */
amr_err ledger_holder(ledger *l, MDB_txn *txn, const char *key, uint32_t *id);

/* Let key go (nothing when nobody holds it). Returns 0 or an LMDB code. */
int ledger_release(ledger *l, MDB_txn *txn, const char *key);

/*
 * Call fn(id, rec, arg) for the records of kind k with ids above after, in
 * id order; rec is borrowed for the call. fn returns 0 to go on, 1 to stop,
 * anything else to stop with that code. Returns 0, fn's code, AMR_ENOMEM
 * or AMR_EDB.
 */
int ledger_scan(ledger *l, MDB_txn *txn, enum model_kind k, uint32_t after,
		int (*fn)(uint32_t id, const json_t *rec, void *arg), void *arg);

#endif
