#include <stdlib.h>
#include <string.h>

#include "flowstore.h"

#define VERSION 1
#define HEAD	8 /* version, size */

struct flowstore {
	kv *k;
	MDB_dbi db;
};

amr_err flowstore_open(flowstore **out, kv *k)
{
	flowstore *f = calloc(1, sizeof *f);
	amr_err rc;

	if (!f)
		return AMR_ENOMEM;
	f->k = k;
	if ((rc = kv_dbi(k, "flow", 0, &f->db))) {
		free(f);
		return rc;
	}
	*out = f;
	return AMR_OK;
}

void flowstore_close(flowstore *f)
{
	free(f);
}

static void key_of(const struct proto_id *id, uint8_t k[4])
{
	k[0] = (uint8_t)(id->obj >> 8);
	k[1] = (uint8_t)id->obj;
	k[2] = id->addr;
	k[3] = id->ch;
}

amr_err flowstore_each(flowstore *f,
		       void (*fn)(const struct proto_id *id, const struct flow_state *st,
				  void *arg),
		       void *arg)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc;

	if ((rc = kv_read_begin(f->k, &txn)))
		return rc;
	if ((rc = mdb_cursor_open(txn, f->db, &cur))) {
		mdb_txn_abort(txn);
		return kv_err(rc);
	}
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); !rc;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		const uint8_t *k = key.mv_data;
		struct proto_id id;
		struct flow_state st;

		if (key.mv_size != 4 || val.mv_size != HEAD + sizeof st ||
		    kv_unpack_u32(val.mv_data) != VERSION ||
		    kv_unpack_u32((const uint8_t *)val.mv_data + 4) != sizeof st)
			continue; /* another build's: learnt again */
		id = (struct proto_id){ (uint16_t)((k[0] << 8) | k[1]), k[2], k[3] };
		memcpy(&st, (const uint8_t *)val.mv_data + HEAD, sizeof st);
		fn(&id, &st, arg);
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc == MDB_NOTFOUND ? AMR_OK : kv_err(rc);
}

struct put {
	flowstore *f;
	const struct proto_id *id;
	const struct flow_state *const *st;
	size_t n;
};

static int put_txn(MDB_txn *txn, void *arg)
{
	struct put *p = arg;
	uint8_t k[4], v[HEAD + sizeof(struct flow_state)];
	int rc;

	for (size_t i = 0; i < p->n; i++) {
		MDB_val key = { sizeof k, k }, val = { sizeof v, v };

		key_of(&p->id[i], k);
		kv_pack_u32(v, VERSION);
		kv_pack_u32(v + 4, (uint32_t)sizeof(struct flow_state));
		memcpy(v + HEAD, p->st[i], sizeof(struct flow_state));
		if ((rc = mdb_put(txn, p->f->db, &key, &val, 0)))
			return rc;
	}
	return 0;
}

amr_err flowstore_put(flowstore *f, const struct proto_id *id, const struct flow_state *const *st,
		      size_t n)
{
	struct put p = { f, id, st, n };

	return n ? kv_write(f->k, put_txn, &p) : AMR_OK;
}
