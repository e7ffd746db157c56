#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "proto.h"
#include "spool.h"
#include "spool_int.h"
#include "upbatch.h"

static void pack_key(uint8_t *p, uint16_t obj, uint64_t seq)
{
	kv_pack_u16(p, obj);
	kv_pack_u64(p + 2, seq);
}

static int put_chain(MDB_txn *txn, const spool *s, uint16_t obj, uint64_t next, uint64_t acked,
		     uint64_t sent)
{
	uint8_t k[2], v[CHAIN];

	kv_pack_u16(k, obj);
	kv_pack_u64(v, next);
	kv_pack_u64(v + 8, acked);
	kv_pack_u64(v + 16, sent);
	return mdb_put(txn, s->chains, &(MDB_val){ 2, k }, &(MDB_val){ CHAIN, v }, 0);
}

static struct chain *find(const spool *s, unsigned obj)
{
	for (size_t i = 0; i < s->nch; i++)
		if (s->ch[i].obj == obj)
			return &s->ch[i];
	return NULL;
}

static uint64_t get_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, bool *found)
{
	MDB_val k = { strlen(key), (void *)key }, d;

	if (mdb_get(txn, dbi, &k, &d) != 0 || d.mv_size != 8)
		return 0;
	*found = true;
	return kv_unpack_u64(d.mv_data);
}

/*
 * A spool of before object chains: batches keyed by seq alone, and
 * "next", "acked", "sent" in meta. They become the chain of s->obj, the
 * object the gateway is started as (the settings do not say which number
 * they were made under). 8-byte keys sort before every 10-byte key of an
 * object >= 1 (their first two bytes are 0 below 2^48), so the oldest
 * key is taken until none is left.
 */
static int migrate(MDB_txn *txn, void *arg)
{
	spool *s = arg;
	bool legacy = false;
	uint64_t next = get_u64(txn, s->meta, "next", &legacy);
	uint64_t acked = get_u64(txn, s->meta, "acked", &legacy);
	uint64_t sent = get_u64(txn, s->meta, "sent", &legacy);
	uint8_t objkey[2];
	MDB_cursor *cur;
	MDB_val k, d;
	unsigned moved = 0;
	int rc;

	if ((rc = mdb_cursor_open(txn, s->batches, &cur)) != 0)
		return rc;
	while ((rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST)) == 0 && k.mv_size == 8) {
		uint8_t key[KEY];
		char *text = kv_strdup(d.mv_data, d.mv_size);

		if (!text) {
			rc = AMR_ENOMEM;
			break;
		}
		pack_key(key, s->obj, kv_unpack_u64(k.mv_data));
		if ((rc = mdb_cursor_del(cur, 0)) == 0)
			rc = mdb_put(txn, s->batches, &(MDB_val){ KEY, key },
				     &(MDB_val){ strlen(text), text }, 0);
		free(text);
		if (rc)
			break;
		moved++;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (!legacy && !moved)
		return 0;
	log_info("spool: %u batches of before object chains taken as object %u's", moved, s->obj);
	if ((rc = put_chain(txn, s, s->obj, next ? next : 1, acked, sent)) != 0)
		return rc;
	kv_pack_u16(objkey, s->obj);
	if ((rc = mdb_put(txn, s->meta, &(MDB_val){ 3, "obj" }, &(MDB_val){ 2, objkey }, 0)) != 0)
		return rc;
	for (const char *const *m = (const char *const[]){ "next", "acked", "sent", NULL }; *m;
	     m++) {
		rc = mdb_del(txn, s->meta, &(MDB_val){ strlen(*m), (void *)*m }, NULL);
		if (rc && rc != MDB_NOTFOUND)
			return rc;
	}
	return 0;
}

static int add_chain(spool *s, const struct chain *c)
{
	struct chain *n = realloc(s->ch, (s->nch + 1) * sizeof *n);

	if (!n)
		return AMR_ENOMEM;
	s->ch = n;
	s->ch[s->nch++] = *c;
	return AMR_OK;
}

/* The chains and counts on flash into s; the spool's own first. */
static int load(spool *s)
{
	struct chain own = { s->obj, 1, 0, 0, 0 };
	MDB_txn *txn;
	MDB_cursor *cur = NULL, *bcur = NULL;
	MDB_val k, d;
	int rc;

	if ((rc = add_chain(s, &own)) != AMR_OK)
		return rc;
	if (kv_read_begin(s->k, &txn) != AMR_OK)
		return AMR_EDB;
	if (mdb_get(txn, s->meta, &(MDB_val){ 3, "obj" }, &d) == 0 && d.mv_size == 2)
		s->last_obj = kv_unpack_u16(d.mv_data);
	if ((rc = mdb_cursor_open(txn, s->chains, &cur)) != 0)
		cur = NULL;
	for (int op = MDB_FIRST; rc == 0 && (rc = mdb_cursor_get(cur, &k, &d, op)) == 0;
	     op = MDB_NEXT) {
		struct chain c = { 0 };

		if (k.mv_size != 2 || d.mv_size != CHAIN)
			continue;
		c.obj = kv_unpack_u16(k.mv_data);
		c.next = kv_unpack_u64(d.mv_data);
		c.acked = kv_unpack_u64((const uint8_t *)d.mv_data + 8);
		c.sent = kv_unpack_u64((const uint8_t *)d.mv_data + 16);
		if (c.obj == s->obj)
			s->ch[0] = c;
		else if ((rc = add_chain(s, &c)) != AMR_OK)
			break;
	}
	if (rc == MDB_NOTFOUND && (rc = mdb_cursor_open(txn, s->batches, &bcur)) != 0)
		bcur = NULL;
	for (int op = MDB_FIRST; bcur && rc == 0 && (rc = mdb_cursor_get(bcur, &k, &d, op)) == 0;
	     op = MDB_NEXT) {
		struct chain *c = k.mv_size == KEY ? find(s, kv_unpack_u16(k.mv_data)) : NULL;

		s->pending++;
		if (c)
			c->pending++;
	}
	/* a read-only transaction's cursors outlive it: close them */
	mdb_cursor_close(bcur);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (s->ch[0].next == 0)
		s->ch[0].next = 1;
	return rc == MDB_NOTFOUND ? AMR_OK : rc == AMR_ENOMEM ? rc : AMR_EDB;
}

int spool_open(spool **out, kv *k, unsigned capacity, unsigned obj)
{
	spool *s;
	int rc;

	if (capacity < 4 || !proto_obj_ok(obj))
		return AMR_EINVAL;
	s = calloc(1, sizeof *s);
	if (!s)
		return AMR_ENOMEM;
	s->k = k;
	s->capacity = capacity;
	s->obj = (uint16_t)obj;
	if ((rc = kv_dbi(k, "batches", 0, &s->batches)) != AMR_OK ||
	    (rc = kv_dbi(k, "base", 0, &s->base)) != AMR_OK ||
	    (rc = kv_dbi(k, "meta", 0, &s->meta)) != AMR_OK ||
	    (rc = kv_dbi(k, "chains", 0, &s->chains)) != AMR_OK ||
	    (rc = kv_write(k, migrate, s)) != AMR_OK || (rc = load(s)) != AMR_OK)
		goto out_free;
	log_info("spool: object %u, %u batches pending (%u of its own), next seq %llu, acked "
		 "%llu, capacity %u",
		 obj, s->pending, s->ch[0].pending, (unsigned long long)s->ch[0].next,
		 (unsigned long long)s->ch[0].acked, capacity);
	for (size_t i = 1; i < s->nch; i++)
		if (s->ch[i].pending)
			log_info("spool: %u batches of object %u wait for its ack",
				 s->ch[i].pending, s->ch[i].obj);
	*out = s;
	return AMR_OK;

out_free:
	free(s->ch);
	free(s);
	return rc;
}

void spool_close(spool *s)
{
	if (!s)
		return;
	free(s->ch);
	free(s);
}

static char *dump(const json_t *b)
{
	return json_dumps(b, JSON_COMPACT);
}

/* The spool's object in a key found by a cursor. */
static bool ours(const MDB_val *k, uint16_t obj)
{
	return k->mv_size == KEY && kv_unpack_u16(k->mv_data) == obj;
}

/* Merge the two oldest batches of the spool's object above its sent mark
 * into the newer key. */
static int do_merge(MDB_txn *txn, void *arg)
{
	spool *s = arg;
	uint8_t first[KEY], second[KEY];
	MDB_cursor *cur;
	MDB_val ka, da, kb, db, kx;
	json_t *a = NULL, *b = NULL, *m = NULL;
	char *text = NULL;
	int rc;

	pack_key(first, s->obj, s->ch[0].sent + 1);
	if ((rc = mdb_cursor_open(txn, s->batches, &cur)) != 0)
		return rc;
	ka = (MDB_val){ KEY, first };
	rc = mdb_cursor_get(cur, &ka, &da, MDB_SET_RANGE);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &kb, &db, MDB_NEXT);
	if (rc == MDB_NOTFOUND || (rc == 0 && (!ours(&ka, s->obj) || !ours(&kb, s->obj)))) {
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
	memcpy(first, ka.mv_data, KEY);
	memcpy(second, kb.mv_data, KEY);
	kx = (MDB_val){ KEY, first };
	rc = mdb_put(txn, s->batches, &(MDB_val){ KEY, second }, &(MDB_val){ strlen(text), text },
		     0);
	if (rc)
		goto out;
	rc = mdb_del(txn, s->batches, &kx, NULL);
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
	spool *s = aa->s;
	struct chain *c = &s->ch[0];
	uint8_t key[KEY], objkey[2];
	size_t i;
	json_t *r;
	int rc;

	pack_key(key, s->obj, aa->seq);
	rc = mdb_put(txn, s->batches, &(MDB_val){ KEY, key },
		     &(MDB_val){ strlen(aa->text), (void *)aa->text }, 0);
	if (rc)
		return rc;
	json_array_foreach(aa->readings, i, r) {
		uint8_t bk[2], bv[4];

		bk[0] = (uint8_t)json_integer_value(json_object_get(r, "addr"));
		bk[1] = (uint8_t)json_integer_value(json_object_get(r, "ch"));
		kv_pack_u32(bv, (uint32_t)json_integer_value(json_object_get(r, "total")));
		rc = mdb_put(txn, s->base, &(MDB_val){ 2, bk }, &(MDB_val){ 4, bv }, 0);
		if (rc)
			return rc;
	}
	kv_pack_u16(objkey, s->obj);
	if ((rc = mdb_put(txn, s->meta, &(MDB_val){ 3, "obj" }, &(MDB_val){ 2, objkey }, 0)) != 0)
		return rc;
	return put_chain(txn, s, s->obj, aa->seq + 1, c->acked, aa->sending ? aa->seq : c->sent);
}

/* The event of a batch whose deltas count from totals sent as another
 * object (docs/protocol.md, "Object numbers"). */
static int mark_obj_changed(spool *s, json_t *b)
{
	json_t *ev = json_pack("{s:s,s:O,s:i}", "type", proto_event_name(PROTO_EV_OBJECT_CHANGED),
			       "ts", json_object_get(b, "ts"), "from", (int)s->last_obj);

	if (!ev || json_array_append_new(json_object_get(b, "events"), ev) != 0)
		return AMR_ENOMEM;
	return AMR_OK;
}

int spool_append(spool *s, json_t *b, bool sending, uint64_t *seq)
{
	struct chain *c = &s->ch[0];
	struct append_arg aa = { s, c->next, NULL, json_object_get(b, "readings"), sending };
	char *text;
	int rc;

	while (s->pending >= s->capacity) {
		rc = kv_write(s->k, do_merge, s);
		if (rc != AMR_OK) {
			if (rc == AMR_EFULL)
				log_warn("spool: full (%u batches), none unsent to merge",
					 s->pending);
			return rc;
		}
		s->pending--;
		c->pending--;
		s->merges++;
		log_info("spool: full, merged the two oldest unsent batches (%lu merges)",
			 s->merges);
	}
	/* "prev" chains the batches, so the archive can tell a gap (a batch
	 * the broker lost) from a repeat. */
	if (json_object_set_new(b, "seq", json_integer((json_int_t)aa.seq)) != 0 ||
	    json_object_set_new(b, "prev", json_integer((json_int_t)(aa.seq - 1))) != 0)
		return AMR_ENOMEM;
	if (s->last_obj && s->last_obj != s->obj && (rc = mark_obj_changed(s, b)) != AMR_OK)
		return rc;
	text = dump(b);
	if (!text)
		return AMR_ENOMEM;
	aa.text = text;
	rc = kv_write(s->k, do_append, &aa);
	free(text);
	if (rc != AMR_OK)
		return rc;
	if (s->last_obj && s->last_obj != s->obj)
		log_info("spool: seq %llu is object %u's first batch after object %u's",
			 (unsigned long long)aa.seq, s->obj, s->last_obj);
	s->last_obj = s->obj;
	c->next = aa.seq + 1;
	c->pending++;
	s->pending++;
	if (sending)
		c->sent = aa.seq;
	*seq = aa.seq;
	return AMR_OK;
}

struct ack_arg {
	spool *s;
	struct chain *c;  /* the object's chain */
	uint64_t seq;	  /* the ack */
	unsigned dropped; /* out: batches deleted */
	unsigned moved;	  /* out: batches given new seqs */
	uint64_t next;	  /* out: next seq */
};

/* The oldest batch of c's object in *k, *d; 0 or an MDB_ code. */
static int oldest(MDB_cursor *cur, const struct chain *c, MDB_val *k, MDB_val *d)
{
	uint8_t key[KEY];
	int rc;

	pack_key(key, c->obj, 0);
	*k = (MDB_val){ KEY, key };
	rc = mdb_cursor_get(cur, k, d, MDB_SET_RANGE);
	return rc == 0 && !ours(k, c->obj) ? MDB_NOTFOUND : rc;
}

/* Give every stored batch of the object a new seq above the ack, in order. */
static int renumber(MDB_txn *txn, struct ack_arg *aa)
{
	MDB_cursor *cur;
	MDB_val k, d;
	uint64_t seq = aa->seq + 1;
	int rc;

	/* Take the oldest each time: keys above the ack sort after the rest. */
	while ((rc = mdb_cursor_open(txn, aa->s->batches, &cur)) == 0) {
		uint8_t key[KEY];
		json_t *b;
		char *text;

		rc = oldest(cur, aa->c, &k, &d);
		if (rc == 0 && kv_unpack_u64((const uint8_t *)k.mv_data + 2) > aa->seq)
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
		pack_key(key, aa->c->obj, seq);
		if (rc == 0)
			rc = mdb_put(txn, aa->s->batches, &(MDB_val){ KEY, key },
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
	return put_chain(txn, aa->s, aa->c->obj, seq, aa->seq, aa->seq);
}

static int do_ack(MDB_txn *txn, void *arg)
{
	struct ack_arg *aa = arg;
	MDB_cursor *cur;
	MDB_val k, d;
	int rc;

	aa->dropped = aa->moved = 0;
	aa->next = aa->c->next;
	if (aa->seq >= aa->c->next) {
		/* The archive's mark is from before this spool: its batches were
		 * never stored there, so they move above the mark. */
		return renumber(txn, aa);
	}
	if ((rc = mdb_cursor_open(txn, aa->s->batches, &cur)) != 0)
		return rc;
	while ((rc = oldest(cur, aa->c, &k, &d)) == 0 &&
	       kv_unpack_u64((const uint8_t *)k.mv_data + 2) <= aa->seq) {
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		aa->dropped++;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	return put_chain(txn, aa->s, aa->c->obj, aa->c->next, aa->seq, aa->c->sent);
}

int spool_ack(spool *s, unsigned obj, uint64_t seq)
{
	struct chain *c = find(s, obj);
	struct ack_arg aa = { s, c, seq, 0, 0, 0 };
	int rc;

	if (!c || (seq <= c->acked && seq < c->next))
		return AMR_OK; /* none of ours, duplicate or older ack */
	/* renumbered above the ack, the batches and the next one must stay
	 * within what ingest accepts, or the object would be stopped for ever */
	if (seq >= c->next && seq > (uint64_t)PROTO_SEQ_MAX - 1 - c->pending) {
		log_warn("spool: object %u: ack %llu refused: %u pending batches renumbered above "
			 "it, and the next, would pass %lld, the highest seq ingest accepts; the "
			 "archive's mark of the object is broken (docs/archive.md)",
			 obj, (unsigned long long)seq, c->pending, PROTO_SEQ_MAX);
		return AMR_EINVAL;
	}
	rc = kv_write(s->k, do_ack, &aa);
	if (rc != AMR_OK)
		return rc;
	if (seq >= c->next) {
		log_warn("spool: object %u: ack %llu is above every seq given (%llu): %u pending "
			 "batches renumbered from %llu",
			 obj, (unsigned long long)seq, (unsigned long long)c->next - 1, aa.moved,
			 (unsigned long long)seq + 1);
		c->sent = seq;
		c->next = aa.next;
	} else {
		c->pending -= aa.dropped;
		s->pending -= aa.dropped;
	}
	c->acked = seq;
	return AMR_OK;
}

struct sent_arg {
	spool *s;
	struct chain *c;
	uint64_t seq;
};

static int do_sent(MDB_txn *txn, void *arg)
{
	struct sent_arg *sa = arg;

	return put_chain(txn, sa->s, sa->c->obj, sa->c->next, sa->c->acked, sa->seq);
}

int spool_mark_sent(spool *s, unsigned obj, uint64_t seq)
{
	struct chain *c = find(s, obj);
	struct sent_arg sa = { s, c, seq };
	int rc;

	if (!c || seq <= c->sent)
		return AMR_OK;
	if ((rc = kv_write(s->k, do_sent, &sa)) != AMR_OK)
		return rc;
	c->sent = seq;
	return AMR_OK;
}

int spool_next(spool *s, unsigned obj, uint64_t after, uint64_t *seq, char **text)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	uint8_t key[KEY];
	MDB_val k = { KEY, key }, d;
	int rc;

	if (!proto_obj_ok(obj))
		return AMR_ENOTFOUND;
	if (kv_read_begin(s->k, &txn) != AMR_OK)
		return AMR_EDB;
	if (mdb_cursor_open(txn, s->batches, &cur) != 0) {
		mdb_txn_abort(txn);
		return AMR_EDB;
	}
	pack_key(key, (uint16_t)obj, after + 1);
	rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE);
	if (rc == 0 && !ours(&k, (uint16_t)obj))
		rc = MDB_NOTFOUND;
	if (rc == 0) {
		*seq = kv_unpack_u64((const uint8_t *)k.mv_data + 2);
		*text = kv_strdup(d.mv_data, d.mv_size);
		rc = *text ? AMR_OK : AMR_ENOMEM;
	} else {
		rc = rc == MDB_NOTFOUND ? AMR_ENOTFOUND : AMR_EDB;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc;
}

size_t spool_others(const spool *s, unsigned *objs, size_t max)
{
	size_t n = 0;

	for (size_t i = 1; i < s->nch; i++) {
		if (!s->ch[i].pending)
			continue;
		if (n < max)
			objs[n] = s->ch[i].obj;
		n++;
	}
	return n;
}

unsigned spool_obj(const spool *s)
{
	return s->obj;
}
unsigned spool_pending(const spool *s)
{
	return s->pending;
}
unsigned spool_pending_of(const spool *s, unsigned obj)
{
	const struct chain *c = find(s, obj);

	return c ? c->pending : 0;
}
unsigned spool_capacity(const spool *s)
{
	return s->capacity;
}
uint64_t spool_acked(const spool *s, unsigned obj)
{
	const struct chain *c = find(s, obj);

	return c ? c->acked : 0;
}
uint64_t spool_sent(const spool *s, unsigned obj)
{
	const struct chain *c = find(s, obj);

	return c ? c->sent : 0;
}
uint64_t spool_last_seq(const spool *s, unsigned obj)
{
	const struct chain *c = find(s, obj);

	return c ? c->next - 1 : 0;
}
unsigned long spool_merges(const spool *s)
{
	return s->merges;
}
