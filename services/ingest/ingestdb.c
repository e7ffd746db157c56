/*
 * ingestdb.c - commands and gateway presence of amr-ingest in LMDB.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "kv.h"
#include "log.h"
#include "ingestdb.h"

struct ingestdb {
	kv *k;		 /* the environment */
	MDB_dbi cmd;	 /* n -> record */
	MDB_dbi cmd_obj; /* obj, n -> "" */
	MDB_dbi open;	 /* n -> "" while queued or sent */
	MDB_dbi gw;	 /* obj -> presence byte */
	MDB_dbi meta;	 /* "next_id" -> u64 */
	int64_t seed;	 /* first command number of a new ingestdb */
};

static const char next_id_key[] = "next_id";

amr_err ingestdb_open(ingestdb **out, const char *dir, int64_t now)
{
	ingestdb *s = calloc(1, sizeof *s);
	int rc;

	if (!s)
		return AMR_ENOMEM;
	s->seed = now * 1000;
	if ((rc = kv_open(&s->k, dir, NULL)))
		goto out_free;
	if ((rc = kv_dbi(s->k, "cmd", 0, &s->cmd)) ||
	    (rc = kv_dbi(s->k, "cmd_obj", 0, &s->cmd_obj)) ||
	    (rc = kv_dbi(s->k, "open", 0, &s->open)) || (rc = kv_dbi(s->k, "gw", 0, &s->gw)) ||
	    (rc = kv_dbi(s->k, "meta", 0, &s->meta)))
		goto out_close;
	*out = s;
	return AMR_OK;

out_close:
	kv_close(s->k);
out_free:
	free(s);
	return rc;
}

void ingestdb_close(ingestdb *s)
{
	if (!s)
		return;
	kv_close(s->k);
	free(s);
}

/* Write the record, index and open-set entries of c under number n. */
static int put_cmd(ingestdb *s, MDB_txn *txn, const struct cmd *c, uint64_t n)
{
	uint8_t key[8], okey[10];
	MDB_val k = { sizeof key, key }, ok = { sizeof okey, okey }, empty = { 0, "" }, v;
	json_t *j = cmd_to_json(c);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	int rc;

	json_decref(j);
	if (!text)
		return AMR_ENOMEM;
	kv_pack_u64(key, n);
	kv_pack_u16(okey, (uint16_t)c->obj);
	kv_pack_u64(okey + 2, n);
	v.mv_size = strlen(text);
	v.mv_data = text;
	if ((rc = mdb_put(txn, s->cmd, &k, &v, 0)) ||
	    (rc = mdb_put(txn, s->cmd_obj, &ok, &empty, 0)))
		goto out_free_text;
	if (cmd_terminal(c->state)) {
		rc = mdb_del(txn, s->open, &k, NULL);
		if (rc == MDB_NOTFOUND)
			rc = 0;
	} else {
		rc = mdb_put(txn, s->open, &k, &empty, 0);
	}
out_free_text:
	free(text);
	return rc;
}

struct add_arg {
	ingestdb *s;   /* the ingestdb */
	struct cmd *c; /* command getting an id */
};

static int add_fn(MDB_txn *txn, void *arg)
{
	struct add_arg *a = arg;
	MDB_val k = { sizeof next_id_key - 1, (void *)next_id_key }, v;
	uint8_t next[8];
	uint64_t n;
	int rc = mdb_get(txn, a->s->meta, &k, &v);

	if (rc == MDB_NOTFOUND)
		n = (uint64_t)a->s->seed;
	else if (rc)
		return rc;
	else if (v.mv_size != 8)
		return MDB_CORRUPTED;
	else
		n = kv_unpack_u64(v.mv_data);
	kv_pack_u64(next, n + 1);
	v.mv_size = sizeof next;
	v.mv_data = next;
	if ((rc = mdb_put(txn, a->s->meta, &k, &v, 0)))
		return rc;
	cmd_id_format(a->c->id, n);
	return put_cmd(a->s, txn, a->c, n);
}

amr_err ingestdb_cmd_add(ingestdb *s, struct cmd *c)
{
	struct add_arg a = { s, c };

	return kv_write(s->k, add_fn, &a);
}

struct put_arg {
	ingestdb *s;	     /* the ingestdb */
	const struct cmd *c; /* command to rewrite */
	uint64_t n;	     /* its number */
};

static int put_fn(MDB_txn *txn, void *arg)
{
	struct put_arg *a = arg;
	uint8_t key[8];
	MDB_val k = { sizeof key, key }, v;
	int rc;

	kv_pack_u64(key, a->n);
	rc = mdb_get(txn, a->s->cmd, &k, &v);
	if (rc == MDB_NOTFOUND)
		return AMR_ENOTFOUND;
	if (rc)
		return rc;
	return put_cmd(a->s, txn, a->c, a->n);
}

amr_err ingestdb_cmd_put(ingestdb *s, const struct cmd *c)
{
	struct put_arg a = { s, c, 0 };

	if (cmd_id_parse(c->id, &a.n))
		return AMR_EINVAL;
	return kv_write(s->k, put_fn, &a);
}

/* Parse a stored record into *c. */
static int decode(const MDB_val *v, struct cmd *c)
{
	json_t *j = json_loadb(v->mv_data, v->mv_size, 0, NULL);
	int rc = j ? cmd_from_json(j, c) : AMR_EINVAL;

	json_decref(j);
	return rc ? AMR_EPROTO : AMR_OK;
}

amr_err ingestdb_cmd_get(ingestdb *s, const char *id, struct cmd *c)
{
	uint8_t key[8];
	MDB_val k = { sizeof key, key }, v;
	MDB_txn *txn;
	uint64_t n;
	int rc;

	if (cmd_id_parse(id, &n))
		return AMR_ENOTFOUND;
	kv_pack_u64(key, n);
	if ((rc = kv_read_begin(s->k, &txn)))
		return rc;
	rc = mdb_get(txn, s->cmd, &k, &v);
	if (rc == MDB_NOTFOUND)
		rc = AMR_ENOTFOUND;
	else if (rc)
		rc = AMR_EDB;
	else if ((rc = decode(&v, c)))
		log_error("store: command %s: unreadable record", id);
	mdb_txn_abort(txn);
	return rc;
}

amr_err ingestdb_cmd_open_each(ingestdb *s, int (*fn)(void *ctx, const struct cmd *c), void *ctx)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v, rec;
	struct cmd *c = malloc(sizeof *c);
	int rc, op = MDB_FIRST;

	if (!c)
		return AMR_ENOMEM;
	if ((rc = kv_read_begin(s->k, &txn)))
		goto out_free;
	if ((rc = mdb_cursor_open(txn, s->open, &cur))) {
		rc = AMR_EDB;
		goto out_abort;
	}
	while ((rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op)) == 0) {
		op = MDB_NEXT;
		if (mdb_get(txn, s->cmd, &k, &rec) || decode(&rec, c)) {
			log_error("store: open command without a readable record, skipped");
			continue;
		}
		if ((rc = fn(ctx, c)))
			break;
	}
	if (rc == MDB_NOTFOUND)
		rc = AMR_OK;
	else if (rc < 0)
		rc = AMR_EDB;
	mdb_cursor_close(cur);
out_abort:
	mdb_txn_abort(txn);
out_free:
	free(c);
	return rc;
}

/* Append the stored record under key k (u64) to items. */
static int append_record(MDB_txn *txn, MDB_dbi dbi, const uint8_t *key, json_t *items)
{
	MDB_val k = { 8, (void *)key }, v;
	json_t *j;

	if (mdb_get(txn, dbi, &k, &v))
		return AMR_OK; /* index without record: nothing to show */
	j = json_loadb(v.mv_data, v.mv_size, 0, NULL);
	if (!j)
		return AMR_OK;
	return json_array_append_new(items, j) ? AMR_ENOMEM : AMR_OK;
}

amr_err ingestdb_cmd_list(ingestdb *s, unsigned obj, size_t limit, json_t **items)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	uint8_t from[10];
	MDB_val k = { sizeof from, from }, v;
	json_t *arr = json_array();
	int rc;

	if (!arr)
		return AMR_ENOMEM;
	if ((rc = kv_read_begin(s->k, &txn)))
		goto out_free;
	if (mdb_cursor_open(txn, obj ? s->cmd_obj : s->cmd, &cur)) {
		rc = AMR_EDB;
		goto out_abort;
	}
	if (obj) {
		/* Just past the gateway's last key, then backwards. */
		kv_pack_u16(from, (uint16_t)obj);
		memset(from + 2, 0xff, 8);
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		rc = mdb_cursor_get(cur, &k, &v, rc == 0 ? MDB_PREV : MDB_LAST);
	} else {
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	}
	while (rc == 0 && json_array_size(arr) < limit) {
		if (obj) {
			if (k.mv_size != 10 || kv_unpack_u16(k.mv_data) != obj)
				break;
			rc = append_record(txn, s->cmd, (uint8_t *)k.mv_data + 2, arr);
		} else {
			rc = append_record(txn, s->cmd, k.mv_data, arr);
		}
		if (rc)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	}
	rc = rc == MDB_NOTFOUND || rc == 0 ? AMR_OK : rc > 0 ? rc : AMR_EDB;
	mdb_cursor_close(cur);
out_abort:
	mdb_txn_abort(txn);
out_free:
	if (rc)
		json_decref(arr);
	else
		*items = arr;
	return rc;
}

struct prune_arg {
	ingestdb *s;	/* the ingestdb */
	int64_t before; /* finished before this */
	size_t max;	/* most to remove */
	size_t removed; /* removed in this transaction */
};

static int prune_fn(MDB_txn *txn, void *arg)
{
	struct prune_arg *a = arg;
	struct cmd *c = malloc(sizeof *c);
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	a->removed = 0;
	if (!c)
		return AMR_ENOMEM;
	if ((rc = mdb_cursor_open(txn, a->s->cmd, &cur)))
		goto out_free;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && a->removed < a->max;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint8_t okey[10];
		MDB_val ok = { sizeof okey, okey };

		if (decode(&v, c) || !cmd_terminal(c->state) || c->finished >= a->before)
			continue;
		kv_pack_u16(okey, (uint16_t)c->obj);
		memcpy(okey + 2, k.mv_data, 8);
		if ((rc = mdb_del(txn, a->s->cmd_obj, &ok, NULL)) && rc != MDB_NOTFOUND)
			break;
		if ((rc = mdb_cursor_del(cur, 0)))
			break;
		a->removed++;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	mdb_cursor_close(cur);
out_free:
	free(c);
	return rc;
}

amr_err ingestdb_cmd_prune(ingestdb *s, int64_t before, size_t max, size_t *removed)
{
	struct prune_arg a = { s, before, max, 0 };
	int rc = kv_write(s->k, prune_fn, &a);

	*removed = rc ? 0 : a.removed;
	return rc;
}

struct presence_arg {
	ingestdb *s;  /* the ingestdb */
	unsigned obj; /* gateway */
	bool online;  /* its presence */
};

static int presence_fn(MDB_txn *txn, void *arg)
{
	struct presence_arg *a = arg;
	uint8_t key[2], byte = a->online;
	MDB_val k = { sizeof key, key }, v = { 1, &byte };

	kv_pack_u16(key, (uint16_t)a->obj);
	return mdb_put(txn, a->s->gw, &k, &v, 0);
}

amr_err ingestdb_presence_set(ingestdb *s, unsigned obj, bool online)
{
	struct presence_arg a = { s, obj, online };

	return kv_write(s->k, presence_fn, &a);
}

amr_err ingestdb_presence_each(ingestdb *s, int (*fn)(void *ctx, unsigned obj, bool online),
			       void *ctx)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, op = MDB_FIRST;

	if ((rc = kv_read_begin(s->k, &txn)))
		return rc;
	if (mdb_cursor_open(txn, s->gw, &cur)) {
		mdb_txn_abort(txn);
		return AMR_EDB;
	}
	while ((rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size != 2 || v.mv_size != 1)
			continue;
		if ((rc = fn(ctx, kv_unpack_u16(k.mv_data), *(uint8_t *)v.mv_data != 0)))
			break;
	}
	if (rc == MDB_NOTFOUND)
		rc = AMR_OK;
	else if (rc < 0)
		rc = AMR_EDB;
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc;
}
