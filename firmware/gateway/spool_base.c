/*
 * spool_base.c - what the spool keeps per channel rather than per batch:
 * the baselines (written with each batch by spool_append()), dropped when
 * a device moves away, and the marks of zero commands under way
 * (spool.h).
 */
#include <stdbool.h>
#include <stdlib.h>

#include "err.h"
#include "spool.h"
#include "spool_int.h"

/* What walk_base() reports: baselines to base, zero marks to zero. */
struct base_walk {
	void (*base)(void *ctx, unsigned addr, unsigned ch, uint32_t total);
	void (*zero)(void *ctx, unsigned addr, unsigned ch);
	void *ctx;
};

static int walk_base(spool *s, const struct base_walk *w)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, d;
	int rc;

	if (kv_read_begin(s->k, &txn) != AMR_OK)
		return AMR_EDB;
	if (mdb_cursor_open(txn, s->base, &cur) != 0) {
		mdb_txn_abort(txn);
		return AMR_EDB;
	}
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		const uint8_t *key = k.mv_data;

		if (w->base && k.mv_size == 2 && d.mv_size == 4)
			w->base(w->ctx, key[0], key[1], kv_unpack_u32(d.mv_data));
		else if (w->zero && k.mv_size == 3 && key[2] == 'z')
			w->zero(w->ctx, key[0], key[1]);
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc == MDB_NOTFOUND ? AMR_OK : AMR_EDB;
}

int spool_baselines(spool *s, void (*fn)(void *ctx, unsigned addr, unsigned ch, uint32_t total),
		    void *ctx)
{
	return walk_base(s, &(struct base_walk){ fn, NULL, ctx });
}

struct forget_arg {
	spool *s;
	unsigned addr;
};

static int do_forget(MDB_txn *txn, void *arg)
{
	struct forget_arg *fa = arg;

	for (unsigned ch = 1; ch <= 4; ch++) {
		uint8_t bk[3] = { (uint8_t)fa->addr, (uint8_t)ch, 'z' };
		int rc = mdb_del(txn, fa->s->base, &(MDB_val){ 2, bk }, NULL);

		if ((rc && rc != MDB_NOTFOUND) ||
		    ((rc = mdb_del(txn, fa->s->base, &(MDB_val){ 3, bk }, NULL)) &&
		     rc != MDB_NOTFOUND))
			return rc;
	}
	return 0;
}

int spool_forget(spool *s, unsigned addr)
{
	struct forget_arg fa = { s, addr };

	return kv_write(s->k, do_forget, &fa);
}

struct zero_arg {
	spool *s;
	uint8_t key[3]; /* addr, ch, 'z' */
	bool on;	/* set or clear */
};

static int do_zeroing(MDB_txn *txn, void *arg)
{
	struct zero_arg *za = arg;
	MDB_val k = { 3, za->key };
	int rc;

	if (za->on)
		return mdb_put(txn, za->s->base, &k, &(MDB_val){ 0, "" }, 0);
	rc = mdb_del(txn, za->s->base, &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int spool_zeroing(spool *s, unsigned addr, unsigned ch, bool on)
{
	struct zero_arg za = { s, { (uint8_t)addr, (uint8_t)ch, 'z' }, on };

	return kv_write(s->k, do_zeroing, &za) == AMR_OK ? AMR_OK : AMR_EDB;
}

int spool_zeroings(spool *s, void (*fn)(void *ctx, unsigned addr, unsigned ch), void *ctx)
{
	return walk_base(s, &(struct base_walk){ NULL, fn, ctx });
}
