/*
 * kv.h - thin helpers over LMDB.
 *
 * kv_open() opens an environment (a directory), runs mdb_reader_check() to
 * clear stale readers left by a crashed process, and kv_write() runs a write
 * transaction that grows the map when it is full: the transaction is aborted,
 * the map size doubled and the function run again. The function passed to
 * kv_write() must therefore change nothing but the database (keep in-memory
 * updates until kv_write() returns AMR_OK).
 *
 * Keys are packed big-endian (kv_pack_u32() ...) so that LMDB's byte order
 * is numeric order and range scans work.
 *
 * As mdb_get() warns: data returned by LMDB is valid only until the end of
 * the transaction; copy what must outlive it.
 */
#ifndef AMR_KV_H
#define AMR_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "err.h"

typedef struct kv kv;

struct kv_opts {
	size_t map_size;      /* initial map size in bytes; 0 means 64 MiB */
	size_t max_map_size;  /* growth stops here; 0 means 1 TiB */
	unsigned max_dbs;     /* named databases; 0 means 32 */
	unsigned max_readers; /* reader slots; 0 means 126 */
	bool no_sync;	      /* MDB_NOSYNC: only for benchmarks and tests */
};

/* Open (creating if needed) the environment in directory path.
 * Returns AMR_OK, AMR_ENOMEM, AMR_EIO (directory) or AMR_EDB. */
amr_err kv_open(kv **out, const char *path, const struct kv_opts *opts);

/* Close the environment. Accepts NULL. */
void kv_close(kv *k);

/* The LMDB environment (borrowed), for what the helpers do not cover. */
MDB_env *kv_env(kv *k);

/* Open or create the named database; flags as mdb_dbi_open (MDB_CREATE is
 * added). Call once at start. Returns AMR_OK or AMR_EDB. */
amr_err kv_dbi(kv *k, const char *name, unsigned flags, MDB_dbi *dbi);

/* Begin a read-only transaction. Returns AMR_OK or AMR_EDB. */
amr_err kv_read_begin(kv *k, MDB_txn **txn);

/*
 * Run fn(txn, arg) in a write transaction and commit. fn returns 0 to
 * commit, MDB_MAP_FULL (passed on from mdb_put) to have the map grown and fn
 * run again in a new transaction, an amr_err to abort with that error, or
 * any other LMDB code or errno value to abort with its kv_err() (logged
 * here). A failed commit is converted the same way. Returns AMR_OK, fn's
 * amr_err, or kv_err() of what LMDB said: AMR_EIO when the disk refused
 * (EIO, ENOSPC...), AMR_EFULL when the map cannot grow, AMR_EDB otherwise.
 */
amr_err kv_write(kv *k, int (*fn)(MDB_txn *txn, void *arg), void *arg);

/*
 * The amr_err for a code LMDB returned: MDB_ codes and the errno values
 * LMDB passes on (it reports a failed write or fsync with errno). 0 is
 * AMR_OK; an amr_err is returned as it is. Never mistakes one domain for
 * another.
 */
amr_err kv_err(int rc);

/* Hot copy of the environment into directory path (compacted), while
 * writers go on. Returns AMR_OK, AMR_EIO or AMR_EDB. */
amr_err kv_backup(kv *k, const char *path);

/* A new, NUL-terminated copy of len bytes of LMDB data (which is not
 * NUL-terminated, so strndup() must not be used on it: ASan's strndup reads
 * up to a NUL and can run off the end of the map). Caller frees; NULL when
 * out of memory. */
char *kv_strdup(const void *data, size_t len);

/* Current map size and used bytes (for metrics). */
void kv_usage(kv *k, size_t *map_size, size_t *used);

/* Big-endian packing for keys. */
static inline void kv_pack_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void kv_pack_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void kv_pack_u64(uint8_t *p, uint64_t v)
{
	kv_pack_u32(p, (uint32_t)(v >> 32));
	kv_pack_u32(p + 4, (uint32_t)v);
}

static inline uint16_t kv_unpack_u16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t kv_unpack_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t kv_unpack_u64(const uint8_t *p)
{
	return ((uint64_t)kv_unpack_u32(p) << 32) | kv_unpack_u32(p + 4);
}

#endif
