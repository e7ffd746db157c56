/*
 * ledger.c - records, unique keys and ids in amr-billing's LMDB.
 */
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "log.h"

struct ledger {
	kv *k;			 /* the environment */
	MDB_dbi rec, uniq, meta; /* databases */
};

static int set_schema(MDB_txn *txn, void *arg)
{
	ledger *l = arg;
	MDB_val k = { 6, "schema" }, v = { 1, "1" };

	return mdb_put(txn, l->meta, &k, &v, MDB_NOOVERWRITE) == MDB_KEYEXIST
		       ? 0
		       : mdb_put(txn, l->meta, &k, &v, 0);
}

amr_err ledger_open(ledger **out, const char *dir)
{
	ledger *l = calloc(1, sizeof *l);
	amr_err rc;

	if (!l)
		return AMR_ENOMEM;
	if ((rc = kv_open(&l->k, dir, NULL)))
		goto out_free;
	if ((rc = kv_dbi(l->k, "rec", 0, &l->rec)) || (rc = kv_dbi(l->k, "uniq", 0, &l->uniq)) ||
	    (rc = kv_dbi(l->k, "meta", 0, &l->meta)) || (rc = kv_write(l->k, set_schema, l)))
		goto out_close;
	*out = l;
	return AMR_OK;
out_close:
	kv_close(l->k);
out_free:
	free(l);
	return rc;
}

void ledger_close(ledger *l)
{
	if (!l)
		return;
	kv_close(l->k);
	free(l);
}

kv *ledger_kv(ledger *l)
{
	return l->k;
}

static void key(uint8_t kb[5], enum model_kind k, uint32_t id)
{
	kb[0] = (uint8_t)k;
	kv_pack_u32(kb + 1, id);
}

amr_err ledger_get(ledger *l, MDB_txn *txn, enum model_kind k, uint32_t id, json_t **out)
{
	uint8_t kb[5];
	MDB_val mk = { 5, kb }, v;
	int rc;

	key(kb, k, id);
	rc = mdb_get(txn, l->rec, &mk, &v);
	if (rc == MDB_NOTFOUND)
		return AMR_ENOTFOUND;
	if (rc)
		return kv_err(rc);
	*out = json_loadb(v.mv_data, v.mv_size, 0, NULL);
	if (!*out) {
		log_error("ledger: %s %u: stored record does not parse", model_kind_name(k), id);
		return AMR_EDB;
	}
	return AMR_OK;
}

int ledger_put(ledger *l, MDB_txn *txn, enum model_kind k, uint32_t id, const json_t *rec)
{
	char *text = json_dumps(rec, JSON_COMPACT);
	uint8_t kb[5];
	MDB_val mk = { 5, kb }, v;
	int rc;

	if (!text)
		return AMR_ENOMEM;
	key(kb, k, id);
	v = (MDB_val){ strlen(text), text };
	rc = mdb_put(txn, l->rec, &mk, &v, 0);
	free(text);
	return rc;
}

int ledger_new_id(ledger *l, MDB_txn *txn, enum model_kind k, uint32_t *id)
{
	uint8_t kb[5] = { 'n', 'e', 'x', 't', (uint8_t)k }, vb[4];
	MDB_val mk = { 5, kb }, v;
	int rc = mdb_get(txn, l->meta, &mk, &v);
	uint32_t last = 0;

	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (!rc && v.mv_size == 4)
		last = kv_unpack_u32(v.mv_data);
	if (last >= MODEL_ID_MAX)
		return AMR_EFULL;
	kv_pack_u32(vb, ++last);
	v = (MDB_val){ 4, vb };
	if ((rc = mdb_put(txn, l->meta, &mk, &v, 0)))
		return rc;
	*id = last;
	return 0;
}

int ledger_claim(ledger *l, MDB_txn *txn, const char *name, uint32_t id, uint32_t *holder)
{
	uint8_t vb[4];
	MDB_val mk = { strlen(name), (void *)name }, v;
	int rc = mdb_get(txn, l->uniq, &mk, &v);

	if (rc == 0 && v.mv_size == 4 && kv_unpack_u32(v.mv_data) != id) {
		*holder = kv_unpack_u32(v.mv_data);
		return AMR_EEXIST;
	}
	if (rc == 0)
		return 0;
	if (rc != MDB_NOTFOUND)
		return rc;
	kv_pack_u32(vb, id);
	v = (MDB_val){ 4, vb };
	return mdb_put(txn, l->uniq, &mk, &v, 0);
}

amr_err ledger_holder(ledger *l, MDB_txn *txn, const char *name, uint32_t *id)
{
	MDB_val mk = { strlen(name), (void *)name }, v;
	int rc = mdb_get(txn, l->uniq, &mk, &v);

	if (rc == MDB_NOTFOUND)
		return AMR_ENOTFOUND;
	if (rc)
		return kv_err(rc);
	if (v.mv_size != 4)
		return AMR_EDB;
	*id = kv_unpack_u32(v.mv_data);
	return AMR_OK;
}

int ledger_release(ledger *l, MDB_txn *txn, const char *name)
{
	MDB_val mk = { strlen(name), (void *)name };
	int rc = mdb_del(txn, l->uniq, &mk, NULL);

	return rc == MDB_NOTFOUND ? 0 : rc;
}

int ledger_scan(ledger *l, MDB_txn *txn, enum model_kind k, uint32_t after,
		int (*fn)(uint32_t id, const json_t *rec, void *arg), void *arg)
{
	uint8_t kb[5];
	MDB_val mk = { 5, kb }, v;
	MDB_cursor *cur;
	int rc, op = MDB_SET_RANGE;

	if (after == UINT32_MAX)
		return 0;
	key(kb, k, after + 1);
	if ((rc = mdb_cursor_open(txn, l->rec, &cur)))
		return kv_err(rc);
	while ((rc = mdb_cursor_get(cur, &mk, &v, op)) == 0) {
		const uint8_t *p = mk.mv_data;
		json_t *rec;

		op = MDB_NEXT;
		if (mk.mv_size != 5 || p[0] != (uint8_t)k)
			break;
		if (!(rec = json_loadb(v.mv_data, v.mv_size, 0, NULL))) {
			rc = AMR_EDB;
			goto out_close;
		}
		rc = fn(kv_unpack_u32(p + 1), rec, arg);
		json_decref(rec);
		if (rc)
			goto out_close;
	}
	rc = rc == MDB_NOTFOUND || rc == 0 ? 0 : kv_err(rc);
out_close:
	mdb_cursor_close(cur);
	return rc == 1 ? 0 : rc;
}
