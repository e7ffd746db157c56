#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "err.h"
#include "log.h"

#define AUDIT_MAX_NAME 200 /* actor and target bytes */

struct audit {
	kv *k; /* borrowed */
	MDB_dbi main, actor, target, seen;
};

amr_err audit_open(audit **out, kv *k)
{
	audit *a = calloc(1, sizeof *a);

	if (!a)
		return AMR_ENOMEM;
	a->k = k;
	if (kv_dbi(k, "audit", 0, &a->main) || kv_dbi(k, "audit_actor", 0, &a->actor) ||
	    kv_dbi(k, "audit_target", 0, &a->target) || kv_dbi(k, "audit_seen", 0, &a->seen)) {
		free(a);
		return AMR_EDB;
	}
	*out = a;
	return AMR_OK;
}

void audit_close(audit *a)
{
	free(a);
}

amr_err audit_check(const json_t *rec, struct jv_err *err)
{
	const char *s;
	long long ts;
	json_t *detail;

	if (!json_is_object(rec))
		return jv_fail(err, "audit record: expected an object");
	if (jv_int(rec, "ts", true, 0, 0, 1LL << 40, &ts, err) ||
	    jv_str(rec, "actor", true, NULL, 1, AUDIT_MAX_NAME, &s, err) ||
	    jv_str(rec, "action", true, NULL, 1, 100, &s, err) ||
	    jv_str(rec, "target", false, "", 0, AUDIT_MAX_NAME, &s, err) ||
	    jv_object(rec, "detail", false, &detail, err))
		return AMR_EINVAL;
	return AMR_OK;
}

/* FNV-1a, 64 bits. */
static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int put_index(MDB_txn *txn, MDB_dbi dbi, const char *name, const uint8_t tail[16])
{
	size_t len = strlen(name);
	uint8_t kb[AUDIT_MAX_NAME + 17];
	MDB_val k = { len + 17, kb }, v = { 0, NULL };

	memcpy(kb, name, len);
	kb[len] = 0;
	memcpy(kb + len + 1, tail, 16);
	return mdb_put(txn, dbi, &k, &v, 0);
}

static int next_number(audit *a, MDB_txn *txn, uint64_t *n)
{
	uint8_t nb[8];
	MDB_val k = { 1, "n" }, v;
	int rc = mdb_get(txn, a->seen, &k, &v);

	if (rc && rc != MDB_NOTFOUND)
		return rc;
	*n = (rc == 0 && v.mv_size == 8 ? kv_unpack_u64(v.mv_data) : 0) + 1;
	kv_pack_u64(nb, *n);
	v = (MDB_val){ 8, nb };
	return mdb_put(txn, a->seen, &k, &v, 0);
}

amr_err audit_append(audit *a, MDB_txn *txn, const json_t *rec, bool *dup)
{
	char *text = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
	uint8_t hb[8], kb[16];
	MDB_val hk = { 8, hb }, empty = { 0, NULL }, k = { 16, kb }, v;
	const char *target = json_string_value(json_object_get(rec, "target"));
	uint64_t n = 0;
	int rc;

	*dup = false;
	if (!text)
		return AMR_ENOMEM;
	kv_pack_u64(hb, hash(text, strlen(text)));
	rc = mdb_put(txn, a->seen, &hk, &empty, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST) {
		*dup = true;
		rc = 0;
		goto out_free_text;
	}
	if (rc)
		goto out_free_text;
	/* n counts records; it lives under the 1-byte key "n" (hashes have 8) */
	if ((rc = next_number(a, txn, &n)))
		goto out_free_text;
	kv_pack_u64(kb, (uint64_t)json_integer_value(json_object_get(rec, "ts")));
	kv_pack_u64(kb + 8, n);
	k = (MDB_val){ 16, kb };
	v = (MDB_val){ strlen(text), text };
	if ((rc = mdb_put(txn, a->main, &k, &v, 0)) ||
	    (rc = put_index(txn, a->actor, json_string_value(json_object_get(rec, "actor")), kb)) ||
	    (rc = put_index(txn, a->target, target ? target : "", kb)))
		goto out_free_text;
out_free_text:
	free(text);
	return rc;
}

struct one {
	audit *a;
	const json_t *rec;
	bool dup;
};

static int store_one(MDB_txn *txn, void *arg)
{
	struct one *o = arg;

	return audit_append(o->a, txn, o->rec, &o->dup);
}

amr_err audit_store(audit *a, const json_t *rec, bool *dup)
{
	struct one o = { a, rec, false };
	int rc = kv_write(a->k, store_one, &o);

	*dup = o.dup;
	return rc;
}

/* Does the stored record match the filters it was not found by? */
static bool matches(const json_t *rec, const char *actor, const char *target)
{
	const char *s;

	if (actor && (!(s = json_string_value(json_object_get(rec, "actor"))) || strcmp(s, actor)))
		return false;
	if (target &&
	    (!(s = json_string_value(json_object_get(rec, "target"))) || strcmp(s, target)))
		return false;
	return true;
}

amr_err audit_query(audit *a, MDB_txn *txn, int64_t from, int64_t to, const char *actor,
		    const char *target, size_t limit, json_t **out)
{
	const char *name = actor ? actor : target;
	MDB_dbi dbi = actor ? a->actor : target ? a->target : a->main;
	size_t plen = name ? strlen(name) + 1 : 0;
	uint8_t kb[AUDIT_MAX_NAME + 17] = { 0 };
	MDB_val k, v;
	MDB_cursor *cur;
	json_t *res = json_pack("{s:[]}", "records"), *arr;
	int rc, op = MDB_SET_RANGE;

	if (!res)
		return AMR_ENOMEM;
	if (plen > AUDIT_MAX_NAME + 1)
		goto out_done;
	arr = json_object_get(res, "records");
	if (name)
		memcpy(kb, name, plen);
	kv_pack_u64(kb + plen, (uint64_t)(from < 0 ? 0 : from));
	k = (MDB_val){ plen + 16, kb };
	if (mdb_cursor_open(txn, dbi, &cur)) {
		json_decref(res);
		return AMR_EDB;
	}
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		const uint8_t *p = k.mv_data;
		MDB_val mk = { 16, (void *)(p + plen) }, mv;
		json_t *rec;

		op = MDB_NEXT;
		if (k.mv_size != plen + 16 || (plen && memcmp(p, kb, plen)) ||
		    (int64_t)kv_unpack_u64(p + plen) >= to)
			break;
		if (name) {
			if (mdb_get(txn, a->main, &mk, &mv))
				continue;
		} else {
			mv = v;
		}
		if (!(rec = json_loadb(mv.mv_data, mv.mv_size, 0, NULL)))
			continue;
		if (!matches(rec, actor, target)) {
			json_decref(rec);
			continue;
		}
		if (json_array_size(arr) >= limit) {
			json_decref(rec);
			json_object_set_new(res, "more", json_true());
			break;
		}
		json_array_append_new(arr, rec);
	}
	mdb_cursor_close(cur);
out_done:
	*out = res;
	return AMR_OK;
}
