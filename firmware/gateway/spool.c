#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "spool.h"
#include "upbatch.h"

struct spool {
	kv *k;		      /* environment (borrowed) */
	MDB_dbi batches;      /* u64 seq -> batch JSON text */
	MDB_dbi base;	      /* [addr, ch] -> u32 baseline total */
	MDB_dbi meta;	      /* "next", "acked", "sent" -> u64 */
	unsigned capacity;    /* most batches kept */
	unsigned pending;     /* batches stored */
	uint64_t next;	      /* next seq to give */
	uint64_t acked;	      /* highest ack */
	uint64_t sent;	      /* sent mark */
	unsigned long merges; /* merges since open */
};

static int put_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t v)
{
	uint8_t b[8];
	MDB_val k = { strlen(key), (void *)key }, d = { 8, b };

	kv_pack_u64(b, v);
	return mdb_put(txn, dbi, &k, &d, 0);
}

static uint64_t get_u64(MDB_txn *txn, MDB_dbi dbi, const char *key)
{
	MDB_val k = { strlen(key), (void *)key }, d;

	if (mdb_get(txn, dbi, &k, &d) != 0 || d.mv_size != 8)
		return 0;
	return kv_unpack_u64(d.mv_data);
}

int spool_open(spool **out, kv *k, unsigned capacity)
{
	spool *s;
	MDB_txn *txn;
	MDB_stat st;
	int rc;

	if (capacity < 4)
		return AMR_EINVAL;
	s = calloc(1, sizeof *s);
	if (!s)
		return AMR_ENOMEM;
	s->k = k;
	s->capacity = capacity;
	if ((rc = kv_dbi(k, "batches", 0, &s->batches)) != AMR_OK ||
	    (rc = kv_dbi(k, "base", 0, &s->base)) != AMR_OK ||
	    (rc = kv_dbi(k, "meta", 0, &s->meta)) != AMR_OK)
		goto out_free;
	if ((rc = kv_read_begin(k, &txn)) != AMR_OK)
		goto out_free;
	s->next = get_u64(txn, s->meta, "next");
	s->acked = get_u64(txn, s->meta, "acked");
	s->sent = get_u64(txn, s->meta, "sent");
	if (mdb_stat(txn, s->batches, &st) == 0)
		s->pending = (unsigned)st.ms_entries;
	mdb_txn_abort(txn);
	if (s->next == 0)
		s->next = 1;
	log_info("spool: %u batches pending, next seq %llu, acked %llu, capacity %u", s->pending,
		 (unsigned long long)s->next, (unsigned long long)s->acked, capacity);
	*out = s;
	return AMR_OK;

out_free:
	free(s);
	return rc;
}

void spool_close(spool *s)
{
	free(s);
}

int spool_baselines(spool *s, void (*fn)(void *ctx, unsigned addr, unsigned ch, uint32_t total),
		    void *ctx)
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

		if (k.mv_size == 2 && d.mv_size == 4)
			fn(ctx, key[0], key[1], kv_unpack_u32(d.mv_data));
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc == MDB_NOTFOUND ? AMR_OK : AMR_EDB;
}

static char *dump(const json_t *b)
{
	return json_dumps(b, JSON_COMPACT);
}

struct merge_arg {
	spool *s;
};

/* Merge the two oldest batches above the sent mark into the newer key. */
static int do_merge(MDB_txn *txn, void *arg)
{
	struct merge_arg *ma = arg;
	uint8_t first[8], second[8];
	MDB_cursor *cur;
	MDB_val ka, da, kb, db, kx;
	json_t *a = NULL, *b = NULL, *m = NULL;
	char *text = NULL;
	int rc;

	kv_pack_u64(first, ma->s->sent + 1);
	if ((rc = mdb_cursor_open(txn, ma->s->batches, &cur)) != 0)
		return rc;
	ka = (MDB_val){ 8, first };
	rc = mdb_cursor_get(cur, &ka, &da, MDB_SET_RANGE);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &kb, &db, MDB_NEXT);
	if (rc == MDB_NOTFOUND) {
		rc = AMR_EFULL;
		goto out;
	}
	if (rc)
		goto out;
	a = json_loadb(da.mv_data, da.mv_size, 0, NULL);
	b = json_loadb(db.mv_data, db.mv_size, 0, NULL);
	m = a && b ? upbatch_merge(a, b) : NULL;
	text = m ? dump(m) : NULL;
	if (!text) {
		rc = AMR_ENOMEM;
		goto out;
	}
	/* Copy the keys: they point into pages the writes below may move. */
	memcpy(first, ka.mv_data, 8);
	memcpy(second, kb.mv_data, 8);
	kx = (MDB_val){ 8, first };
	rc = mdb_put(txn, ma->s->batches, &(MDB_val){ 8, second }, &(MDB_val){ strlen(text), text },
		     0);
	if (rc)
		goto out;
	rc = mdb_del(txn, ma->s->batches, &kx, NULL);
out:
	mdb_cursor_close(cur);
	free(text);
	json_decref(a);
	json_decref(b);
	json_decref(m);
	return rc;
}

struct append_arg {
	spool *s;
	uint64_t seq;		/* seq of the batch */
	const char *text;	/* its text */
	const json_t *readings; /* for the baselines */
	bool sending;		/* move the sent mark too */
};

static int do_append(MDB_txn *txn, void *arg)
{
	struct append_arg *aa = arg;
	uint8_t key[8];
	size_t i;
	json_t *r;
	int rc;

	kv_pack_u64(key, aa->seq);
	rc = mdb_put(txn, aa->s->batches, &(MDB_val){ 8, key },
		     &(MDB_val){ strlen(aa->text), (void *)aa->text }, 0);
	if (rc)
		return rc;
	json_array_foreach(aa->readings, i, r) {
		uint8_t bk[2], bv[4];

		bk[0] = (uint8_t)json_integer_value(json_object_get(r, "addr"));
		bk[1] = (uint8_t)json_integer_value(json_object_get(r, "ch"));
		kv_pack_u32(bv, (uint32_t)json_integer_value(json_object_get(r, "total")));
		rc = mdb_put(txn, aa->s->base, &(MDB_val){ 2, bk }, &(MDB_val){ 4, bv }, 0);
		if (rc)
			return rc;
	}
	if ((rc = put_u64(txn, aa->s->meta, "next", aa->seq + 1)) != 0)
		return rc;
	if (aa->sending)
		rc = put_u64(txn, aa->s->meta, "sent", aa->seq);
	return rc;
}

int spool_append(spool *s, json_t *b, bool sending, uint64_t *seq)
{
	struct append_arg aa = { s, s->next, NULL, json_object_get(b, "readings"), sending };
	char *text;
	int rc;

	while (s->pending >= s->capacity) {
		struct merge_arg ma = { s };

		rc = kv_write(s->k, do_merge, &ma);
		if (rc != AMR_OK) {
			if (rc == AMR_EFULL)
				log_warn("spool: full (%u batches), none unsent to merge",
					 s->pending);
			return rc;
		}
		s->pending--;
		s->merges++;
		log_info("spool: full, merged the two oldest unsent batches (%lu merges)",
			 s->merges);
	}
	/* "prev" chains the batches, so the archive can tell a gap (a batch
	 * the broker lost) from a repeat. */
	if (json_object_set_new(b, "seq", json_integer((json_int_t)aa.seq)) != 0 ||
	    json_object_set_new(b, "prev", json_integer((json_int_t)(aa.seq - 1))) != 0)
		return AMR_ENOMEM;
	text = dump(b);
	if (!text)
		return AMR_ENOMEM;
	aa.text = text;
	rc = kv_write(s->k, do_append, &aa);
	free(text);
	if (rc != AMR_OK)
		return rc;
	s->next = aa.seq + 1;
	s->pending++;
	if (sending)
		s->sent = aa.seq;
	*seq = aa.seq;
	return AMR_OK;
}

struct forget_arg {
	spool *s;
	unsigned addr;
};

static int do_forget(MDB_txn *txn, void *arg)
{
	struct forget_arg *fa = arg;

	for (unsigned ch = 1; ch <= 4; ch++) {
		uint8_t bk[2] = { (uint8_t)fa->addr, (uint8_t)ch };
		int rc = mdb_del(txn, fa->s->base, &(MDB_val){ 2, bk }, NULL);

		if (rc && rc != MDB_NOTFOUND)
			return rc;
	}
	return 0;
}

int spool_forget(spool *s, unsigned addr)
{
	struct forget_arg fa = { s, addr };

	return kv_write(s->k, do_forget, &fa);
}

struct ack_arg {
	spool *s;
	uint64_t seq;	  /* the ack */
	unsigned dropped; /* out: batches deleted */
	unsigned moved;	  /* out: batches given new seqs */
	uint64_t next;	  /* out: next seq */
};

/* Give every stored batch a new seq above the ack, in order. */
static int renumber(MDB_txn *txn, struct ack_arg *aa)
{
	MDB_cursor *cur;
	MDB_val k, d;
	uint64_t seq = aa->seq + 1;
	int rc;

	/* Take the oldest each time: keys above the ack sort after the rest. */
	while ((rc = mdb_cursor_open(txn, aa->s->batches, &cur)) == 0) {
		uint8_t key[8];
		json_t *b;
		char *text;

		rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST);
		if (rc == 0 && kv_unpack_u64(k.mv_data) > aa->seq)
			rc = MDB_NOTFOUND;
		if (rc) {
			mdb_cursor_close(cur);
			break;
		}
		b = json_loadb(d.mv_data, d.mv_size, 0, NULL);
		if (!b || json_object_set_new(b, "seq", json_integer((json_int_t)seq)) != 0 ||
		    json_object_set_new(b, "prev", json_integer((json_int_t)(seq - 1))) != 0 ||
		    !(text = dump(b))) {
			json_decref(b);
			mdb_cursor_close(cur);
			return AMR_ENOMEM;
		}
		json_decref(b);
		rc = mdb_cursor_del(cur, 0);
		mdb_cursor_close(cur);
		kv_pack_u64(key, seq);
		if (rc == 0)
			rc = mdb_put(txn, aa->s->batches, &(MDB_val){ 8, key },
				     &(MDB_val){ strlen(text), text }, 0);
		free(text);
		if (rc)
			return rc;
		seq++;
		aa->moved++;
	}
	if (rc != MDB_NOTFOUND)
		return rc;
	aa->next = seq;
	if ((rc = put_u64(txn, aa->s->meta, "sent", aa->seq)) != 0)
		return rc;
	return put_u64(txn, aa->s->meta, "next", seq);
}

static int do_ack(MDB_txn *txn, void *arg)
{
	struct ack_arg *aa = arg;
	MDB_cursor *cur;
	MDB_val k, d;
	int rc;

	aa->dropped = aa->moved = 0;
	aa->next = aa->s->next;
	if (aa->seq >= aa->s->next) {
		/* The archive's mark is from before this spool: its batches were
		 * never stored there, so they move above the mark. */
		if ((rc = renumber(txn, aa)) != 0)
			return rc;
	} else {
		if ((rc = mdb_cursor_open(txn, aa->s->batches, &cur)) != 0)
			return rc;
		while ((rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST)) == 0 &&
		       kv_unpack_u64(k.mv_data) <= aa->seq) {
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				break;
			aa->dropped++;
		}
		mdb_cursor_close(cur);
		if (rc && rc != MDB_NOTFOUND)
			return rc;
	}
	return put_u64(txn, aa->s->meta, "acked", aa->seq);
}

int spool_ack(spool *s, uint64_t seq)
{
	struct ack_arg aa = { s, seq, 0, 0, 0 };
	int rc;

	if (seq <= s->acked && seq < s->next)
		return AMR_OK; /* duplicate or older ack */
	rc = kv_write(s->k, do_ack, &aa);
	if (rc != AMR_OK)
		return rc;
	if (seq >= s->next) {
		log_warn("spool: ack %llu is above every seq given (%llu): %u pending "
			 "batches renumbered from %llu",
			 (unsigned long long)seq, (unsigned long long)s->next - 1, aa.moved,
			 (unsigned long long)seq + 1);
		s->sent = seq;
		s->next = aa.next;
	} else {
		s->pending -= aa.dropped;
	}
	s->acked = seq;
	return AMR_OK;
}

struct sent_arg {
	spool *s;
	uint64_t seq;
};

static int do_sent(MDB_txn *txn, void *arg)
{
	struct sent_arg *sa = arg;

	return put_u64(txn, sa->s->meta, "sent", sa->seq);
}

int spool_mark_sent(spool *s, uint64_t seq)
{
	struct sent_arg sa = { s, seq };
	int rc;

	if (seq <= s->sent)
		return AMR_OK;
	if ((rc = kv_write(s->k, do_sent, &sa)) != AMR_OK)
		return rc;
	s->sent = seq;
	return AMR_OK;
}

int spool_next(spool *s, uint64_t after, uint64_t *seq, char **text)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	uint8_t key[8];
	MDB_val k = { 8, key }, d;
	int rc;

	if (kv_read_begin(s->k, &txn) != AMR_OK)
		return AMR_EDB;
	if (mdb_cursor_open(txn, s->batches, &cur) != 0) {
		mdb_txn_abort(txn);
		return AMR_EDB;
	}
	kv_pack_u64(key, after + 1);
	rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE);
	if (rc == 0) {
		*seq = kv_unpack_u64(k.mv_data);
		*text = kv_strdup(d.mv_data, d.mv_size);
		rc = *text ? AMR_OK : AMR_ENOMEM;
	} else {
		rc = rc == MDB_NOTFOUND ? AMR_ENOTFOUND : AMR_EDB;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc;
}

unsigned spool_pending(const spool *s)
{
	return s->pending;
}
unsigned spool_capacity(const spool *s)
{
	return s->capacity;
}
uint64_t spool_acked(const spool *s)
{
	return s->acked;
}
uint64_t spool_sent(const spool *s)
{
	return s->sent;
}
uint64_t spool_last_seq(const spool *s)
{
	return s->next - 1;
}
unsigned long spool_merges(const spool *s)
{
	return s->merges;
}
