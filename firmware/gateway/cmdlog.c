#include <stdlib.h>
#include <string.h>

#include "cmdlog.h"
#include "err.h"

struct cmdlog {
	kv *k;	       /* environment (borrowed) */
	MDB_dbi ids;   /* id -> u64 order + answer text */
	MDB_dbi order; /* u64 order -> id */
	unsigned keep; /* ids kept */
};

int cmdlog_open(cmdlog **out, kv *k, unsigned keep)
{
	cmdlog *c = calloc(1, sizeof *c);
	int rc;

	if (!c)
		return AMR_ENOMEM;
	c->k = k;
	c->keep = keep ? keep : 1000;
	if ((rc = kv_dbi(k, "cmd_ids", 0, &c->ids)) != AMR_OK ||
	    (rc = kv_dbi(k, "cmd_order", 0, &c->order)) != AMR_OK) {
		free(c);
		return rc;
	}
	*out = c;
	return AMR_OK;
}

void cmdlog_close(cmdlog *c)
{
	free(c);
}

int cmdlog_get(cmdlog *c, const char *id, char **answer)
{
	MDB_txn *txn;
	MDB_val key = { strlen(id), (void *)id }, d;
	int rc;

	if (kv_read_begin(c->k, &txn) != AMR_OK)
		return AMR_EDB;
	rc = mdb_get(txn, c->ids, &key, &d);
	if (rc == 0 && d.mv_size >= 8) {
		*answer = kv_strdup((const char *)d.mv_data + 8, d.mv_size - 8);
		rc = *answer ? AMR_OK : AMR_ENOMEM;
	} else {
		rc = rc == MDB_NOTFOUND ? AMR_ENOTFOUND : AMR_EDB;
	}
	mdb_txn_abort(txn);
	return rc;
}

struct put_arg {
	cmdlog *c;
	const char *id;
	const char *answer;
};

static int do_put(MDB_txn *txn, void *arg)
{
	struct put_arg *pa = arg;
	MDB_val key = { strlen(pa->id), (void *)pa->id }, d, ok, od;
	size_t alen = strlen(pa->answer);
	uint64_t n = 1;
	uint8_t ord[8];
	MDB_cursor *cur;
	MDB_stat st;
	char *buf;
	int rc;

	rc = mdb_get(txn, pa->c->ids, &key, &d);
	if (rc == 0 && d.mv_size >= 8) {
		memcpy(ord, d.mv_data, 8); /* keep its place in the order */
	} else {
		if ((rc = mdb_cursor_open(txn, pa->c->order, &cur)) != 0)
			return rc;
		if (mdb_cursor_get(cur, &ok, &od, MDB_LAST) == 0 && ok.mv_size == 8)
			n = kv_unpack_u64(ok.mv_data) + 1;
		mdb_cursor_close(cur);
		kv_pack_u64(ord, n);
		if ((rc = mdb_put(txn, pa->c->order, &(MDB_val){ 8, ord }, &key, 0)) != 0)
			return rc;
	}
	buf = malloc(8 + alen);
	if (!buf)
		return AMR_ENOMEM;
	memcpy(buf, ord, 8);
	memcpy(buf + 8, pa->answer, alen);
	rc = mdb_put(txn, pa->c->ids, &key, &(MDB_val){ 8 + alen, buf }, 0);
	free(buf);
	if (rc)
		return rc;
	/* Forget the oldest beyond keep. */
	if ((rc = mdb_stat(txn, pa->c->order, &st)) != 0)
		return rc;
	if (st.ms_entries > pa->c->keep) {
		if ((rc = mdb_cursor_open(txn, pa->c->order, &cur)) != 0)
			return rc;
		rc = mdb_cursor_get(cur, &ok, &od, MDB_FIRST);
		if (rc == 0) {
			char old[256];
			size_t olen = od.mv_size < sizeof old ? od.mv_size : sizeof old;

			memcpy(old, od.mv_data, olen);
			rc = mdb_cursor_del(cur, 0);
			if (rc == 0)
				rc = mdb_del(txn, pa->c->ids, &(MDB_val){ olen, old }, NULL);
		}
		mdb_cursor_close(cur);
		if (rc && rc != MDB_NOTFOUND)
			return rc;
	}
	return 0;
}

int cmdlog_put(cmdlog *c, const char *id, const char *answer)
{
	struct put_arg pa = { c, id, answer };

	return kv_write(c->k, do_put, &pa);
}
