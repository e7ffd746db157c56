/*
 * store_meta.c - what the archive records about itself in "meta": its
 * schema, from when hours have coverage, and the zone it was created with.
 *
 * Schema "1" archives (before coverage) are upgraded in place when opened:
 * the new databases (hcover, import) are created empty, and "cover_from"
 * is set to the start of the hour after the upgrade, so queries know that
 * earlier hours have no coverage of their own (query.h: they are judged
 * by their hourly pulses). A new archive has coverage from 0. A schema
 * this program does not know (a newer one) is refused.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "log.h"
#include "store.h"
#include "store_int.h"

static int check_meta(store *s, const char *key, const char *want)
{
	MDB_txn *txn;
	MDB_val k = { strlen(key), (void *)key }, v;
	int rc;

	if (kv_read_begin(s->k, &txn))
		return AMR_EDB;
	rc = mdb_get(txn, s->meta, &k, &v);
	if (rc == 0 && (v.mv_size != strlen(want) || memcmp(v.mv_data, want, v.mv_size))) {
		log_error("store: archive was created with %s %.*s, not %s; "
			  "give the same --%s",
			  key, (int)v.mv_size, (char *)v.mv_data, want, key);
		mdb_txn_abort(txn);
		return AMR_EINVAL;
	}
	mdb_txn_abort(txn);
	if (rc == MDB_NOTFOUND) {
		MDB_txn *w;

		v = (MDB_val){ strlen(want), (void *)want };
		if (mdb_txn_begin(kv_env(s->k), NULL, 0, &w))
			return AMR_EDB;
		if ((rc = mdb_put(w, s->meta, &k, &v, 0))) {
			mdb_txn_abort(w);
			goto out_fail;
		}
		/* a failed commit has already freed the transaction */
		if ((rc = mdb_txn_commit(w)))
			goto out_fail;
		return AMR_OK;
	}
	return rc ? AMR_EDB : AMR_OK;
out_fail:
	log_error("store: cannot record %s %s: %s", key, want, mdb_strerror(rc));
	return kv_err(rc);
}

struct schema {
	store *s;
	const char *old; /* the schema found, NULL for a new archive */
	int64_t cover_from;
};

static int put_text(MDB_txn *txn, MDB_dbi dbi, const char *key, const char *val)
{
	MDB_val k = { strlen(key), (void *)key }, v = { strlen(val), (void *)val };

	return mdb_put(txn, dbi, &k, &v, 0);
}

static int schema_txn(MDB_txn *txn, void *arg)
{
	struct schema *sc = arg;
	char from[24];
	int rc;

	snprintf(from, sizeof from, "%" PRId64, sc->cover_from);
	if ((rc = put_text(txn, sc->s->meta, "schema", STORE_SCHEMA)))
		return rc;
	return put_text(txn, sc->s->meta, "cover_from", from);
}

/* The meta value of key as text into buf; 0, MDB_NOTFOUND or a code. */
static int get_text(store *s, const char *key, char *buf, size_t size)
{
	MDB_txn *txn;
	MDB_val k = { strlen(key), (void *)key }, v;
	int rc;

	if (kv_read_begin(s->k, &txn))
		return AMR_EDB;
	if ((rc = mdb_get(txn, s->meta, &k, &v)) == 0)
		snprintf(buf, size, "%.*s", (int)(v.mv_size < size ? v.mv_size : size - 1),
			 (const char *)v.mv_data);
	mdb_txn_abort(txn);
	return rc;
}

amr_err store__meta_open(store *s, const char *tz)
{
	struct schema sc = { s, NULL, 0 };
	char schema[16], from[24];
	int rc = get_text(s, "schema", schema, sizeof schema);

	if (rc && rc != MDB_NOTFOUND)
		return AMR_EDB;
	if (rc == 0 && strcmp(schema, STORE_SCHEMA) == 0) {
		char *end;

		if (get_text(s, "cover_from", from, sizeof from) ||
		    (s->cover_from = strtoll(from, &end, 10)) < 0 || *end) {
			log_error("store: meta cover_from is missing or not a time");
			return AMR_EDB;
		}
		return check_meta(s, "tz", tz);
	}
	if (rc == 0 && strcmp(schema, "1") != 0) {
		log_error("store: archive schema %s is not one this program knows (%s); "
			  "run the amr-archive that wrote it",
			  schema, STORE_SCHEMA);
		return AMR_EINVAL;
	}
	if (rc == 0) {
		sc.old = schema;
		sc.cover_from = tb_start(TB_HOUR, (int64_t)time(NULL)) + 3600;
	}
	if ((rc = kv_write(s->k, schema_txn, &sc)))
		return rc;
	s->cover_from = sc.cover_from;
	if (sc.old)
		log_info("store: archive schema %s upgraded to %s: hours from %" PRId64
			 " have coverage, earlier ones are judged by their pulses",
			 sc.old, STORE_SCHEMA, sc.cover_from);
	return check_meta(s, "tz", tz);
}
