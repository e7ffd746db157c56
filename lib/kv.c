#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "kv.h"
#include "log.h"

struct kv {
	MDB_env *env;	     /* the environment */
	char *path;	     /* its directory, for messages */
	size_t max_map_size; /* growth limit */
};

amr_err kv_open(kv **out, const char *path, const struct kv_opts *opts)
{
	struct kv_opts o = opts ? *opts : (struct kv_opts){ 0 };
	unsigned flags = MDB_NOTLS;
	MDB_envinfo info;
	int dead = 0, rc;
	kv *k;

	if (!o.map_size)
		o.map_size = 64u << 20;
	if (!o.max_map_size)
		o.max_map_size = (size_t)1 << 40;
	if (!o.max_dbs)
		o.max_dbs = 32;
	if (!o.max_readers)
		o.max_readers = 126;
	if (o.no_sync)
		flags |= MDB_NOSYNC;
	if (mkdir(path, 0750) != 0 && errno != EEXIST) {
		log_error("kv: cannot create %s: %s", path, strerror(errno));
		return AMR_EIO;
	}
	k = calloc(1, sizeof *k);
	if (!k || !(k->path = strdup(path))) {
		free(k);
		return AMR_ENOMEM;
	}
	k->max_map_size = o.max_map_size;
	if ((rc = mdb_env_create(&k->env)) != 0)
		goto out_fail;
	if ((rc = mdb_env_set_maxdbs(k->env, o.max_dbs)) != 0 ||
	    (rc = mdb_env_set_maxreaders(k->env, o.max_readers)) != 0 ||
	    (rc = mdb_env_set_mapsize(k->env, o.map_size)) != 0)
		goto out_close_env;
	if ((rc = mdb_env_open(k->env, path, flags, 0640)) != 0)
		goto out_close_env;
	/* A process killed while reading leaves its slot taken. */
	if ((rc = mdb_reader_check(k->env, &dead)) != 0)
		goto out_close_env;
	if (dead)
		log_info("kv: %s: cleared %d stale reader slots", path, dead);
	/* The map may have grown past o.map_size in an earlier run: 0 takes
	 * the size the last writer recorded, which may also be below
	 * o.map_size (a smaller limit then): never start below o.map_size. */
	if ((rc = mdb_env_set_mapsize(k->env, 0)) != 0)
		goto out_close_env;
	mdb_env_info(k->env, &info);
	if (info.me_mapsize < o.map_size && (rc = mdb_env_set_mapsize(k->env, o.map_size)) != 0)
		goto out_close_env;
	*out = k;
	return AMR_OK;

out_close_env:
	mdb_env_close(k->env);
out_fail:
	log_error("kv: cannot open %s: %s", path, mdb_strerror(rc));
	free(k->path);
	free(k);
	return AMR_EDB;
}

void kv_close(kv *k)
{
	if (!k)
		return;
	mdb_env_close(k->env);
	free(k->path);
	free(k);
}

MDB_env *kv_env(kv *k)
{
	return k->env;
}

amr_err kv_dbi(kv *k, const char *name, unsigned flags, MDB_dbi *dbi)
{
	MDB_txn *txn;
	int rc;

	if ((rc = mdb_txn_begin(k->env, NULL, 0, &txn)) != 0)
		goto out_fail;
	if ((rc = mdb_dbi_open(txn, name, flags | MDB_CREATE, dbi)) != 0) {
		mdb_txn_abort(txn);
		goto out_fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto out_fail;
	return AMR_OK;
out_fail:
	log_error("kv: %s: cannot open database %s: %s", k->path, name, mdb_strerror(rc));
	return AMR_EDB;
}

/* Begin a transaction, adopting a map grown by another process. */
static int begin(kv *k, unsigned flags, MDB_txn **txn)
{
	int rc = mdb_txn_begin(k->env, NULL, flags, txn);

	if (rc == MDB_MAP_RESIZED) {
		if ((rc = mdb_env_set_mapsize(k->env, 0)) == 0)
			rc = mdb_txn_begin(k->env, NULL, flags, txn);
	}
	return rc;
}

amr_err kv_read_begin(kv *k, MDB_txn **txn)
{
	int rc = begin(k, MDB_RDONLY, txn);

	if (rc) {
		log_error("kv: %s: read transaction: %s", k->path, mdb_strerror(rc));
		return AMR_EDB;
	}
	return AMR_OK;
}

static int grow(kv *k)
{
	MDB_envinfo info;
	size_t next;
	int rc;

	mdb_env_info(k->env, &info);
	next = info.me_mapsize * 2;
	if (next > k->max_map_size || next < info.me_mapsize) {
		log_error("kv: %s: map is full at %zu bytes (limit %zu)", k->path, info.me_mapsize,
			  k->max_map_size);
		return MDB_MAP_FULL;
	}
	if ((rc = mdb_env_set_mapsize(k->env, next)) != 0) {
		log_error("kv: %s: cannot grow map to %zu: %s", k->path, next, mdb_strerror(rc));
		return rc;
	}
	log_info("kv: %s: map grown to %zu bytes", k->path, next);
	return 0;
}

amr_err kv_write(kv *k, int (*fn)(MDB_txn *txn, void *arg), void *arg)
{
	for (;;) {
		MDB_txn *txn;
		int rc = begin(k, 0, &txn);

		if (rc) {
			log_error("kv: %s: write transaction: %s", k->path, mdb_strerror(rc));
			return AMR_EDB;
		}
		rc = fn(txn, arg);
		if (rc) {
			mdb_txn_abort(txn);
		} else {
			rc = mdb_txn_commit(txn);
		}
		if (rc == 0)
			return AMR_OK;
		if (rc == MDB_MAP_FULL) {
			/* No transaction is open now, so the map may be resized. */
			if (grow(k) == 0)
				continue;
			return AMR_EFULL;
		}
		if (amr_is_err(rc))
			return rc; /* fn's own amr_err */
		log_error("kv: %s: write failed: %s", k->path, mdb_strerror(rc));
		return kv_err(rc);
	}
}

amr_err kv_err(int rc)
{
	if (amr_is_err(rc))
		return rc;
	switch (rc) {
	case MDB_NOTFOUND:
		return AMR_ENOTFOUND;
	case MDB_KEYEXIST:
		return AMR_EEXIST;
	case MDB_MAP_FULL:
		return AMR_EFULL;
	case ENOMEM:
		return AMR_ENOMEM;
	case EIO:
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
	case EROFS:
	case EBADF:
	case EACCES:
	case EPERM:
		return AMR_EIO;
	default:
		return AMR_EDB;
	}
}

amr_err kv_backup(kv *k, const char *path)
{
	int rc;

	if (mkdir(path, 0750) != 0 && errno != EEXIST) {
		log_error("kv: cannot create backup directory %s: %s", path, strerror(errno));
		return AMR_EIO;
	}
	rc = mdb_env_copy2(k->env, path, MDB_CP_COMPACT);
	if (rc) {
		log_error("kv: backup of %s to %s failed: %s", k->path, path, mdb_strerror(rc));
		return AMR_EDB;
	}
	log_info("kv: backup of %s written to %s", k->path, path);
	return AMR_OK;
}

char *kv_strdup(const void *data, size_t len)
{
	char *s = malloc(len + 1);

	if (s) {
		memcpy(s, data, len);
		s[len] = '\0';
	}
	return s;
}

void kv_usage(kv *k, size_t *map_size, size_t *used)
{
	MDB_envinfo info;
	MDB_stat st;

	mdb_env_info(k->env, &info);
	mdb_env_stat(k->env, &st);
	*map_size = info.me_mapsize;
	*used = (info.me_last_pgno + 1) * (size_t)st.ms_psize;
}
