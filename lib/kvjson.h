/*
 * kvjson.h - JSON values in LMDB (kv.h): a record stored compact under
 * its key and read back whole. Apart from kv.c so that what needs LMDB
 * without jansson (the gateway's command log) links without it.
 */
#ifndef AMR_KVJSON_H
#define AMR_KVJSON_H

#include <stddef.h>

#include <jansson.h>
#include <lmdb.h>

/* Store JSON value v (borrowed), compact, under key[0..klen) of dbi in
 * txn. Returns 0, AMR_ENOMEM or mdb_put's code (for kv_write). */
int kv_put_json(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, const json_t *v);

/* The JSON value under key[0..klen) of dbi in txn into *out (new).
 * Returns 0, MDB_NOTFOUND, AMR_EDB (not JSON) or mdb_get's code. */
int kv_get_json(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, json_t **out);

#endif
