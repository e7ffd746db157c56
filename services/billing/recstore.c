/*
 * recstore.c - JSON records numbered 1.. in a database of their own.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "recstore.h"

struct recstore {
	MDB_dbi db;	  /* the database */
	const char *what; /* what a record is, for log lines */
};

amr_err recstore_open(recstore **out, kv *k, const char *name, const char *what)
{
	recstore *s = calloc(1, sizeof *s);
	amr_err rc;

	if (!s)
		return AMR_ENOMEM;
	s->what = what;
	if ((rc = kv_dbi(k, name, 0, &s->db))) {
		free(s);
		return rc;
	}
	*out = s;
	return AMR_OK;
}

void recstore_close(recstore *s)
{
	free(s);
}

int recstore_put(recstore *s, MDB_txn *txn, uint32_t id, const json_t *rec)
{
	char *text = json_dumps(rec, JSON_COMPACT);
	uint8_t kb[4];
	MDB_val k = { 4, kb }, v;
	int rc;

	if (!text)
		return AMR_ENOMEM;
	kv_pack_u32(kb, id);
	v = (MDB_val){ strlen(text), text };
	rc = mdb_put(txn, s->db, &k, &v, 0);
	free(text);
	return rc;
}

int recstore_add(recstore *s, MDB_txn *txn, json_t *rec, uint32_t *id)
{
	MDB_val k, v;
	MDB_cursor *cur;
	uint32_t last = 0;
	int rc;

	/* the next id is one past the last key: records are never deleted */
	if ((rc = mdb_cursor_open(txn, s->db, &cur)))
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (!rc && k.mv_size == 4)
		last = kv_unpack_u32(k.mv_data);
	if (last == UINT32_MAX)
		return AMR_EFULL;
	if (json_object_set_new(rec, "id", json_integer(++last)))
		return AMR_ENOMEM;
	if ((rc = recstore_put(s, txn, last, rec)))
		return rc;
	*id = last;
	return 0;
}

amr_err recstore_get(recstore *s, MDB_txn *txn, uint32_t id, json_t **out)
{
	uint8_t kb[4];
	MDB_val k = { 4, kb }, v;
	int rc;

	kv_pack_u32(kb, id);
	if ((rc = mdb_get(txn, s->db, &k, &v)))
		return rc == MDB_NOTFOUND ? AMR_ENOTFOUND : kv_err(rc);
	if (!(*out = json_loadb(v.mv_data, v.mv_size, 0, NULL))) {
		log_error("%s %u does not parse", s->what, id);
		return AMR_EDB;
	}
	return AMR_OK;
}

int recstore_scan(recstore *s, MDB_txn *txn, uint32_t after,
		  int (*fn)(uint32_t id, const json_t *rec, void *arg), void *arg)
{
	uint8_t kb[4];
	MDB_val k = { 4, kb }, v;
	MDB_cursor *cur;
	int rc, op = MDB_SET_RANGE;

	if (after == UINT32_MAX)
		return 0;
	kv_pack_u32(kb, after + 1);
	if ((rc = mdb_cursor_open(txn, s->db, &cur)))
		return kv_err(rc);
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		json_t *rec;

		op = MDB_NEXT;
		if (k.mv_size != 4 || !(rec = json_loadb(v.mv_data, v.mv_size, 0, NULL))) {
			log_error("a %s does not parse", s->what);
			rc = AMR_EDB;
			goto out_close;
		}
		rc = fn(kv_unpack_u32(k.mv_data), rec, arg);
		json_decref(rec);
		if (rc)
			goto out_close;
	}
	rc = rc == MDB_NOTFOUND || rc == 0 ? 0 : kv_err(rc);
out_close:
	mdb_cursor_close(cur);
	return rc == 1 ? 0 : rc;
}
