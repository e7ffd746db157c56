/*
 * invstore.c - runs, invoices and premises' months in amr-billing's LMDB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invstore.h"
#include "log.h"

#define PER	 7	       /* "YYYY-MM" in a key, no NUL */
#define RUN_KEY	 (4 + PER)     /* building | period */
#define INV_KEY	 (RUN_KEY + 4) /* building | period | account */
#define PREM_KEY (RUN_KEY + 8) /* building | period | premises | service */

struct invstore {
	MDB_dbi runs, inv, inv_acc, rprem, rpend, radj; /* databases */
};

amr_err invstore_open(invstore **out, kv *k)
{
	invstore *s = calloc(1, sizeof *s);
	amr_err rc;

	if (!s)
		return AMR_ENOMEM;
	if ((rc = kv_dbi(k, "runs", 0, &s->runs)) || (rc = kv_dbi(k, "inv", 0, &s->inv)) ||
	    (rc = kv_dbi(k, "inv_acc", 0, &s->inv_acc)) ||
	    (rc = kv_dbi(k, "rprem", 0, &s->rprem)) || (rc = kv_dbi(k, "rpend", 0, &s->rpend)) ||
	    (rc = kv_dbi(k, "radj", 0, &s->radj))) {
		free(s);
		return rc;
	}
	*out = s;
	return AMR_OK;
}

void invstore_close(invstore *s)
{
	free(s);
}

char *invstore_id_format(char *buf, const char *period, uint32_t building, uint32_t account)
{
	snprintf(buf, INVSTORE_ID_LEN, "%.7s/%u/%u", period, building, account);
	return buf;
}

static bool id_num(const char *s, const char *end, uint32_t *out)
{
	unsigned long long v = 0;

	if (s == end || *s == '0' || end - s > 10)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v < 1 || v > 4000000000ULL)
		return false;
	*out = (uint32_t)v;
	return true;
}

bool invstore_id_parse(const char *id, char *period, uint32_t *building, uint32_t *account)
{
	const char *a = strchr(id, '/'), *b = a ? strchr(a + 1, '/') : NULL;
	struct month m;
	struct jv_err err;
	char per[MONTH_LEN];

	if (!a || !b || a - id != PER)
		return false;
	memcpy(per, id, PER);
	per[PER] = 0;
	if (month_parse(per, "id", &m, &err) || !id_num(a + 1, b, building) ||
	    !id_num(b + 1, b + 1 + strlen(b + 1), account))
		return false;
	memcpy(period, per, MONTH_LEN);
	return true;
}

static void pack_run(uint8_t *kb, uint32_t building, const char *period)
{
	kv_pack_u32(kb, building);
	memcpy(kb + 4, period, PER);
}

static int get_json(MDB_txn *txn, MDB_dbi dbi, void *kb, size_t klen, json_t **out)
{
	MDB_val k = { klen, kb }, v;
	int rc = mdb_get(txn, dbi, &k, &v);

	if (rc == MDB_NOTFOUND)
		return AMR_ENOTFOUND;
	if (rc)
		return kv_err(rc);
	if (!(*out = json_loadb(v.mv_data, v.mv_size, 0, NULL))) {
		log_error("invstore: a stored record does not parse");
		return AMR_EDB;
	}
	return AMR_OK;
}

static int put_json(MDB_txn *txn, MDB_dbi dbi, void *kb, size_t klen, const json_t *rec)
{
	char *text = json_dumps(rec, JSON_COMPACT);
	MDB_val k = { klen, kb }, v;
	int rc;

	if (!text)
		return AMR_ENOMEM;
	v = (MDB_val){ strlen(text), text };
	rc = mdb_put(txn, dbi, &k, &v, 0);
	free(text);
	return rc;
}

/*
 * Walk dbi from key start[0..slen) while keys begin with prefix[0..plen),
 * calling fn(key, value as JSON, arg); skip_first skips a key equal to
 * start (the previous page's last). fn's codes as a scan's.
 */
static int walk(MDB_txn *txn, MDB_dbi dbi, const uint8_t *start, size_t slen, const uint8_t *prefix,
		size_t plen, bool skip_first,
		int (*fn)(const MDB_val *k, const json_t *rec, void *arg), void *arg)
{
	MDB_val k = { slen, (void *)start }, v;
	MDB_cursor *cur;
	int rc, op = slen ? MDB_SET_RANGE : MDB_FIRST;

	if ((rc = mdb_cursor_open(txn, dbi, &cur)))
		return kv_err(rc);
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		json_t *rec = NULL;

		op = MDB_NEXT;
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen))
			break;
		if (skip_first && k.mv_size == slen && !memcmp(k.mv_data, start, slen))
			continue;
		if (v.mv_size > 1 && !(rec = json_loadb(v.mv_data, v.mv_size, 0, NULL))) {
			log_error("invstore: a stored record does not parse");
			rc = AMR_EDB;
			goto out_close;
		}
		rc = fn(&k, rec, arg);
		json_decref(rec);
		if (rc)
			goto out_close;
	}
	rc = rc == MDB_NOTFOUND || rc == 0 ? 0 : kv_err(rc);
out_close:
	mdb_cursor_close(cur);
	return rc == 1 ? 0 : rc;
}

int invstore_run_get(invstore *s, MDB_txn *txn, uint32_t building, const char *period, json_t **out)
{
	uint8_t kb[RUN_KEY];

	pack_run(kb, building, period);
	return get_json(txn, s->runs, kb, sizeof kb, out);
}

int invstore_run_put(invstore *s, MDB_txn *txn, uint32_t building, const char *period,
		     const json_t *run)
{
	uint8_t kb[RUN_KEY];

	pack_run(kb, building, period);
	return put_json(txn, s->runs, kb, sizeof kb, run);
}

struct rec_fn {
	int (*fn)(const json_t *rec, void *arg);
	void *arg;
};

static int rec_only(const MDB_val *k, const json_t *rec, void *arg)
{
	struct rec_fn *r = arg;

	(void)k;
	return rec ? r->fn(rec, r->arg) : 0;
}

int invstore_run_scan(invstore *s, MDB_txn *txn, uint32_t building,
		      int (*fn)(const json_t *run, void *arg), void *arg)
{
	uint8_t kb[4] = { 0 };
	struct rec_fn r = { fn, arg };

	kv_pack_u32(kb, building);
	return walk(txn, s->runs, kb, 4, kb, building ? 4 : 0, false, rec_only, &r);
}

static void pack_acc(uint8_t *kb, uint32_t account, const char *period, uint32_t building)
{
	kv_pack_u32(kb, account);
	memcpy(kb + 4, period, PER);
	kv_pack_u32(kb + 4 + PER, building);
}

struct clear {
	MDB_txn *txn;
	invstore *s;
	int rc;
};

static int clear_inv(const MDB_val *k, const json_t *rec, void *arg)
{
	struct clear *c = arg;
	const uint8_t *p = k->mv_data;
	uint8_t ab[INV_KEY];
	MDB_val ak = { INV_KEY, ab };
	int rc;

	(void)rec;
	pack_acc(ab, kv_unpack_u32(p + RUN_KEY), (const char *)p + 4, kv_unpack_u32(p));
	rc = mdb_del(c->txn, c->s->inv_acc, &ak, NULL);
	return rc && rc != MDB_NOTFOUND ? rc : 0;
}

/* Delete every key of dbi starting with prefix[0..plen). */
static int del_prefix(MDB_txn *txn, MDB_dbi dbi, const uint8_t *prefix, size_t plen)
{
	MDB_val k = { plen, (void *)prefix }, v;
	MDB_cursor *cur;
	int rc;

	if ((rc = mdb_cursor_open(txn, dbi, &cur)))
		return rc;
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)) == 0 && k.mv_size >= plen &&
	       !memcmp(k.mv_data, prefix, plen)) {
		if ((rc = mdb_cursor_del(cur, 0)))
			break;
		k = (MDB_val){ plen, (void *)prefix };
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

int invstore_clear(invstore *s, MDB_txn *txn, uint32_t building, const char *period)
{
	uint8_t kb[RUN_KEY];
	struct clear c = { txn, s, 0 };
	int rc;

	pack_run(kb, building, period);
	if ((rc = walk(txn, s->inv, kb, sizeof kb, kb, sizeof kb, false, clear_inv, &c)) ||
	    (rc = del_prefix(txn, s->inv, kb, sizeof kb)))
		return rc;
	return del_prefix(txn, s->rprem, kb, sizeof kb);
}

/* building, period and account of an invoice, read back. */
static bool inv_keys(const json_t *inv, uint32_t *building, const char **period, uint32_t *account)
{
	json_int_t b = json_integer_value(json_object_get(inv, "building"));
	json_int_t a = json_integer_value(json_object_get(inv, "account"));

	*period = json_string_value(json_object_get(inv, "period"));
	if (b < 1 || a < 1 || b > 4000000000LL || a > 4000000000LL || !*period ||
	    strlen(*period) != PER)
		return false;
	*building = (uint32_t)b;
	*account = (uint32_t)a;
	return true;
}

int invstore_invoice_put(invstore *s, MDB_txn *txn, const json_t *inv)
{
	uint8_t kb[INV_KEY], ab[INV_KEY];
	MDB_val ak = { INV_KEY, ab }, av = { 0, "" };
	uint32_t building, account;
	const char *period;
	int rc;

	if (!inv_keys(inv, &building, &period, &account))
		return AMR_EINVAL;
	pack_run(kb, building, period);
	kv_pack_u32(kb + RUN_KEY, account);
	if ((rc = put_json(txn, s->inv, kb, sizeof kb, inv)))
		return rc;
	pack_acc(ab, account, period, building);
	return mdb_put(txn, s->inv_acc, &ak, &av, 0);
}

int invstore_invoice_get(invstore *s, MDB_txn *txn, uint32_t building, const char *period,
			 uint32_t account, json_t **out)
{
	uint8_t kb[INV_KEY];

	pack_run(kb, building, period);
	kv_pack_u32(kb + RUN_KEY, account);
	return get_json(txn, s->inv, kb, sizeof kb, out);
}

struct inv_walk {
	invstore *s;
	MDB_txn *txn;
	const struct invstore_filter *f;
	int (*fn)(const json_t *inv, void *arg);
	void *arg;
};

static bool wanted(const struct invstore_filter *f, uint32_t building, const char *period)
{
	return (!f->building || f->building == building) &&
	       (!f->period || !memcmp(f->period, period, PER));
}

static int inv_fn(const MDB_val *k, const json_t *rec, void *arg)
{
	struct inv_walk *w = arg;
	const uint8_t *p = k->mv_data;

	if (k->mv_size != INV_KEY || !rec || !wanted(w->f, kv_unpack_u32(p), (const char *)p + 4))
		return 0;
	return w->fn(rec, w->arg);
}

static int acc_fn(const MDB_val *k, const json_t *rec, void *arg)
{
	struct inv_walk *w = arg;
	const uint8_t *p = k->mv_data;
	uint32_t building = kv_unpack_u32(p + 4 + PER);
	json_t *inv = NULL;
	int rc;

	(void)rec;
	if (k->mv_size != INV_KEY || !wanted(w->f, building, (const char *)p + 4))
		return 0;
	rc = invstore_invoice_get(w->s, w->txn, building, (const char *)p + 4, kv_unpack_u32(p),
				  &inv);
	if (rc == AMR_ENOTFOUND)
		return 0;
	if (!rc)
		rc = w->fn(inv, w->arg);
	json_decref(inv);
	return rc;
}

int invstore_invoice_scan(invstore *s, MDB_txn *txn, const struct invstore_filter *f,
			  int (*fn)(const json_t *inv, void *arg), void *arg)
{
	struct inv_walk w = { s, txn, f, fn, arg };
	uint8_t start[INV_KEY] = { 0 }, prefix[RUN_KEY];
	char per[MONTH_LEN];
	uint32_t b = 0, a = 0;
	size_t slen = 0, plen = 0;
	bool after = f->after && invstore_id_parse(f->after, per, &b, &a);

	if (f->account) {
		kv_pack_u32(prefix, f->account);
		plen = 4;
		kv_pack_u32(start, f->account);
		slen = 4;
		if (after && a == f->account) {
			pack_acc(start, a, per, b);
			slen = INV_KEY;
		} else if (f->period) {
			memcpy(start + 4, f->period, PER);
			slen = 4 + PER;
		}
		return walk(txn, s->inv_acc, start, slen, prefix, plen, after, acc_fn, &w);
	}
	if (f->building) {
		kv_pack_u32(prefix, f->building);
		plen = 4;
		if (f->period) {
			memcpy(prefix + 4, f->period, PER);
			plen = RUN_KEY;
		}
		memcpy(start, prefix, plen);
		slen = plen;
	}
	if (after && (!f->building || b == f->building)) {
		pack_run(start, b, per);
		kv_pack_u32(start + RUN_KEY, a);
		slen = INV_KEY;
	}
	return walk(txn, s->inv, start, slen, prefix, plen, after, inv_fn, &w);
}

static void pack_prem(uint8_t *kb, uint32_t building, const char *period, uint32_t premises,
		      uint32_t service)
{
	pack_run(kb, building, period);
	kv_pack_u32(kb + RUN_KEY, premises);
	kv_pack_u32(kb + RUN_KEY + 4, service);
}

int invstore_prem_put(invstore *s, MDB_txn *txn, uint32_t building, const char *period,
		      uint32_t premises, uint32_t service, const json_t *rec)
{
	uint8_t kb[PREM_KEY];

	pack_prem(kb, building, period, premises, service);
	return put_json(txn, s->rprem, kb, sizeof kb, rec);
}

int invstore_prem_get(invstore *s, MDB_txn *txn, uint32_t building, const char *period,
		      uint32_t premises, uint32_t service, json_t **out)
{
	uint8_t kb[PREM_KEY];

	pack_prem(kb, building, period, premises, service);
	return get_json(txn, s->rprem, kb, sizeof kb, out);
}

struct prem_walk {
	int (*fn)(uint32_t premises, uint32_t service, const json_t *rec, void *arg);
	void *arg;
};

static int prem_fn(const MDB_val *k, const json_t *rec, void *arg)
{
	struct prem_walk *w = arg;
	const uint8_t *p = k->mv_data;

	if (k->mv_size != PREM_KEY || !rec)
		return 0;
	return w->fn(kv_unpack_u32(p + RUN_KEY), kv_unpack_u32(p + RUN_KEY + 4), rec, w->arg);
}

int invstore_prem_scan(invstore *s, MDB_txn *txn, uint32_t building, const char *period,
		       int (*fn)(uint32_t premises, uint32_t service, const json_t *rec, void *arg),
		       void *arg)
{
	uint8_t kb[RUN_KEY];
	struct prem_walk w = { fn, arg };

	pack_run(kb, building, period);
	return walk(txn, s->rprem, kb, sizeof kb, kb, sizeof kb, false, prem_fn, &w);
}

#define PEND_KEY (12 + PER) /* building | premises | service | period */

static void pack_pend(uint8_t *kb, uint32_t building, uint32_t premises, uint32_t service,
		      const char *period)
{
	kv_pack_u32(kb, building);
	kv_pack_u32(kb + 4, premises);
	kv_pack_u32(kb + 8, service);
	memcpy(kb + 12, period, PER);
}

/* 1 when key k is in dbi, 0 when not, else the LMDB code. */
static int has(MDB_txn *txn, MDB_dbi dbi, MDB_val *k)
{
	MDB_val v;
	int rc = mdb_get(txn, dbi, k, &v);

	return rc == MDB_NOTFOUND ? 0 : rc ? rc : 1;
}

int invstore_pending_has(invstore *s, MDB_txn *txn, uint32_t building, uint32_t premises,
			 uint32_t service, const char *period)
{
	uint8_t kb[PEND_KEY];
	MDB_val k = { PEND_KEY, kb };

	pack_pend(kb, building, premises, service, period);
	return has(txn, s->rpend, &k);
}

int invstore_pending_set(invstore *s, MDB_txn *txn, uint32_t building, uint32_t premises,
			 uint32_t service, const char *period, bool del)
{
	uint8_t kb[PEND_KEY];
	MDB_val k = { PEND_KEY, kb }, v = { 0, "" };
	int rc;

	pack_pend(kb, building, premises, service, period);
	if (!del)
		return mdb_put(txn, s->rpend, &k, &v, 0);
	rc = mdb_del(txn, s->rpend, &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

struct pend_walk {
	int (*fn)(uint32_t premises, uint32_t service, const char *period, void *arg);
	void *arg;
};

static int pend_fn(const MDB_val *k, const json_t *rec, void *arg)
{
	struct pend_walk *w = arg;
	const uint8_t *p = k->mv_data;
	char per[MONTH_LEN];

	(void)rec;
	if (k->mv_size != PEND_KEY)
		return 0;
	memcpy(per, p + 12, PER);
	per[PER] = 0;
	return w->fn(kv_unpack_u32(p + 4), kv_unpack_u32(p + 8), per, w->arg);
}

int invstore_pending_scan(invstore *s, MDB_txn *txn, uint32_t building,
			  int (*fn)(uint32_t premises, uint32_t service, const char *period,
				    void *arg),
			  void *arg)
{
	uint8_t kb[4];
	struct pend_walk w = { fn, arg };

	kv_pack_u32(kb, building);
	return walk(txn, s->rpend, kb, 4, kb, 4, false, pend_fn, &w);
}

#define ADJ_KEY 16 /* building | account | seq */

static void pack_adj(uint8_t *kb, uint32_t building, uint32_t account, uint64_t seq)
{
	kv_pack_u32(kb, building);
	kv_pack_u32(kb + 4, account);
	kv_pack_u64(kb + 8, seq);
}

int invstore_adjust_add(invstore *s, MDB_txn *txn, uint32_t building, uint32_t account, json_t *adj)
{
	uint8_t zero[4] = { 0 }, sb[8], kb[ADJ_KEY];
	MDB_val k = { 4, zero }, v;
	uint64_t last = 0;
	int rc = mdb_get(txn, s->radj, &k, &v);

	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (!rc && v.mv_size == 8)
		last = kv_unpack_u64(v.mv_data);
	kv_pack_u64(sb, ++last);
	v = (MDB_val){ 8, sb };
	if ((rc = mdb_put(txn, s->radj, &k, &v, 0)))
		return rc;
	if (json_object_set_new(adj, "seq", json_integer((json_int_t)last)))
		return AMR_ENOMEM;
	pack_adj(kb, building, account, last);
	return put_json(txn, s->radj, kb, sizeof kb, adj);
}

int invstore_adjust_has(invstore *s, MDB_txn *txn, uint32_t building, uint32_t account,
			uint64_t seq)
{
	uint8_t kb[ADJ_KEY];
	MDB_val k = { ADJ_KEY, kb };

	pack_adj(kb, building, account, seq);
	return has(txn, s->radj, &k);
}

int invstore_adjust_del(invstore *s, MDB_txn *txn, uint32_t building, uint32_t account,
			uint64_t seq)
{
	uint8_t kb[ADJ_KEY];
	MDB_val k = { ADJ_KEY, kb };
	int rc;

	pack_adj(kb, building, account, seq);
	rc = mdb_del(txn, s->radj, &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int invstore_adjust_scan(invstore *s, MDB_txn *txn, uint32_t building,
			 int (*fn)(const json_t *adj, void *arg), void *arg)
{
	uint8_t kb[4];
	struct rec_fn r = { fn, arg };

	kv_pack_u32(kb, building);
	return walk(txn, s->radj, kb, 4, kb, 4, false, rec_only, &r);
}
