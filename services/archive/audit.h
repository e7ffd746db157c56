/*
 * audit.h - the append-only audit trail (amr/v1/audit).
 *
 * Every record {"ts":T,"actor":"..","action":"..","target":"..","detail":{..}}
 * is stored once, as received, and never changed or deleted. Databases:
 *
 *   audit         ts u64 | n u64                 -> the record's JSON text
 *   audit_actor   actor | 0 | ts u64 | n u64     -> (empty) index
 *   audit_target  target | 0 | ts u64 | n u64    -> (empty) index
 *   audit_seen    hash u64 of the canonical text -> (empty)
 *
 * n numbers records in arrival order. A record received twice (QoS 1
 * redelivery, or the archive's own records coming back from the broker) has
 * the same canonical text (keys sorted) and is stored once.
 */
#ifndef AMR_ARCHIVE_AUDIT_H
#define AMR_ARCHIVE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "jv.h"
#include "kv.h"

typedef struct audit audit;

#define AUDIT_MAX_QUERY 10000 /* records in one answer */

/* Open the audit databases in k (borrowed). Returns AMR_OK, AMR_ENOMEM or
 * AMR_EDB. */
amr_err audit_open(audit **out, kv *k);

/* Free. Accepts NULL. */
void audit_close(audit *a);

/* Check a record's shape: ts integer, actor and action non-empty strings,
 * target string, detail object if present. Returns AMR_OK or AMR_EINVAL. */
amr_err audit_check(const json_t *rec, struct jv_err *err);

/* Inside write transaction txn, append rec (borrowed, checked) unless it is
 * already stored (*dup true). Returns 0 or an MDB_/AMR_ code. */
amr_err audit_append(audit *a, MDB_txn *txn, const json_t *rec, bool *dup);

/* Append in a transaction of its own. Returns AMR_OK, AMR_EINVAL or AMR_EDB. */
amr_err audit_store(audit *a, const json_t *rec, bool *dup);

/* Records with ts in [from, to), of actor and target when not NULL,
 * oldest first, at most limit: a new JSON object {"records":[..]} with
 * "more":true when cut at limit. Returns AMR_OK, AMR_ENOMEM or AMR_EDB. */
amr_err audit_query(audit *a, MDB_txn *txn, int64_t from, int64_t to, const char *actor,
		    const char *target, size_t limit, json_t **out);

#endif
