#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "err.h"
#include "kv.h"
#include "log.h"
#include "route.h"
#include "users.h"

#define OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE /* 2 passes */
#define MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE /* 64 MiB */

struct users {
	kv *k;				    /* the environment */
	MDB_dbi dbi;			    /* "users" */
	char dummy[crypto_pwhash_STRBYTES]; /* hash verified for unknown users */
};

static int hash_password(const char *pw, char out[crypto_pwhash_STRBYTES])
{
	if (crypto_pwhash_str_alg(out, pw, strlen(pw), OPSLIMIT, MEMLIMIT,
				  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		log_error("argon2id hashing failed (out of memory?)");
		return AMR_ENOMEM;
	}
	return AMR_OK;
}

amr_err users_open(users **out, const char *dir)
{
	char pw[24];
	users *u = calloc(1, sizeof *u);
	int rc;

	if (!u)
		return AMR_ENOMEM;
	if ((rc = kv_open(&u->k, dir, NULL)) || (rc = kv_dbi(u->k, "users", 0, &u->dbi)))
		goto out_free;
	users_random_password(pw, sizeof pw);
	if ((rc = hash_password(pw, u->dummy)))
		goto out_free;
	*out = u;
	return AMR_OK;
out_free:
	users_close(u);
	return rc;
}

void users_close(users *u)
{
	if (!u)
		return;
	kv_close(u->k);
	free(u);
}

amr_err users_count(users *u, size_t *n)
{
	MDB_txn *txn;
	MDB_stat st;
	int rc;

	if (kv_read_begin(u->k, &txn))
		return AMR_EDB;
	rc = mdb_stat(txn, u->dbi, &st);
	mdb_txn_abort(txn);
	if (rc)
		return AMR_EDB;
	*n = st.ms_entries;
	return AMR_OK;
}

amr_err users_check_name(const char *name, char *msg, size_t size)
{
	size_t len = name ? strlen(name) : 0;

	if (len < 1 || len > USERS_MAX_NAME) {
		snprintf(msg, size, "user: expected 1..%d characters", USERS_MAX_NAME);
		return AMR_EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];
		int alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');

		if (!alnum && (i == 0 || (ch != '.' && ch != '_' && ch != '-'))) {
			snprintf(msg, size,
				 "user: \"%.64s\" may hold only a-z, 0-9, '.', '_', '-' "
				 "and must start with a letter or digit",
				 name);
			return AMR_EINVAL;
		}
	}
	return AMR_OK;
}

amr_err users_check_password(const char *pw, char *msg, size_t size)
{
	size_t len = pw ? strlen(pw) : 0;

	if (len < USERS_MIN_PASSWORD || len > USERS_MAX_PASSWORD) {
		snprintf(msg, size, "password: expected %d..%d characters", USERS_MIN_PASSWORD,
			 USERS_MAX_PASSWORD);
		return AMR_EINVAL;
	}
	return AMR_OK;
}

/* The stored record of name (new reference) in txn, or NULL. */
static json_t *load(users *u, MDB_txn *txn, const char *name)
{
	MDB_val key = { strlen(name), (void *)name }, val;

	if (mdb_get(txn, u->dbi, &key, &val))
		return NULL;
	return json_loadb(val.mv_data, val.mv_size, 0, NULL);
}

static int store(users *u, MDB_txn *txn, const char *name, const json_t *rec)
{
	char *text = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
	MDB_val key = { strlen(name), (void *)name }, val;
	int rc;

	if (!text)
		return AMR_ENOMEM;
	val.mv_size = strlen(text);
	val.mv_data = text;
	rc = mdb_put(txn, u->dbi, &key, &val, 0);
	free(text);
	if (rc == MDB_MAP_FULL)
		return rc;
	return rc ? AMR_EDB : AMR_OK;
}

/* One change of one record, run inside kv_write. */
struct change {
	users *u;
	const char *name;
	bool create;	/* must not exist yet */
	json_t *fields; /* set on the record (borrowed) */
	int64_t now;
};

static int change_txn(MDB_txn *txn, void *arg)
{
	struct change *ch = arg;
	json_t *rec = load(ch->u, txn, ch->name);
	int rc;

	if (ch->create && rec) {
		json_decref(rec);
		return AMR_EEXIST;
	}
	if (!ch->create && !rec)
		return AMR_ENOTFOUND;
	if (!rec && !(rec = json_pack("{s:s, s:I, s:b}", "name", ch->name, "created",
				      (json_int_t)ch->now, "disabled", 0)))
		return AMR_ENOMEM;
	json_object_update(rec, ch->fields);
	if (json_is_null(json_object_get(rec, "objects")))
		json_object_del(rec, "objects");
	if (json_is_null(json_object_get(rec, "accounts")))
		json_object_del(rec, "accounts");
	json_object_set_new(rec, "updated", json_integer(ch->now));
	rc = store(ch->u, txn, ch->name, rec);
	json_decref(rec);
	return rc;
}

static int change(users *u, const char *name, bool create, json_t *fields, int64_t now)
{
	struct change ch = { u, name, create, fields, now };
	int rc;

	if (!fields)
		return AMR_ENOMEM;
	rc = kv_write(u->k, change_txn, &ch);
	json_decref(fields);
	return rc;
}

amr_err users_create(users *u, const char *name, unsigned role, const char *password, int64_t now)
{
	return users_create_scoped(u, name, role, password, NULL, now);
}

/* The stored form of a list: sorted, without repeats (new reference), or
 * NULL when it is not a valid list. */
static json_t *objects_value(const json_t *objects)
{
	struct scope s;
	char msg[96];

	if (json_is_null(objects))
		return json_null();
	if (scope_parse(objects, &s, msg, sizeof msg))
		return NULL;
	return scope_json(&s);
}

/* The stored form of a list of accounts (as objects_value). */
static json_t *accounts_value(const json_t *accounts)
{
	struct scope s = { 0 };
	char msg[96];

	if (json_is_null(accounts))
		return json_null();
	if (scope_accounts_parse(accounts, &s, msg, sizeof msg))
		return NULL;
	return scope_accounts_json(&s);
}

/* Put the stored forms of objects and accounts (each NULL: not given) in
 * f; false when one is not a valid list. */
static bool set_lists(json_t *f, const json_t *objects, const json_t *accounts)
{
	json_t *list;

	if (objects &&
	    (!(list = objects_value(objects)) || json_object_set_new(f, "objects", list)))
		return false;
	if (accounts &&
	    (!(list = accounts_value(accounts)) || json_object_set_new(f, "accounts", list)))
		return false;
	return true;
}

amr_err users_create_scoped(users *u, const char *name, unsigned role, const char *password,
			    const json_t *objects, int64_t now)
{
	return users_create_limited(u, name, role, password, objects, NULL, now);
}

amr_err users_create_limited(users *u, const char *name, unsigned role, const char *password,
			     const json_t *objects, const json_t *accounts, int64_t now)
{
	char msg[160], hash[crypto_pwhash_STRBYTES];
	json_t *f;
	int rc;

	if (users_check_name(name, msg, sizeof msg) || !route_role_name(role)[0] ||
	    users_check_password(password, msg, sizeof msg))
		return AMR_EINVAL;
	if (!(f = json_object()))
		return AMR_ENOMEM;
	if (!set_lists(f, objects, accounts)) {
		json_decref(f);
		return AMR_EINVAL;
	}
	if ((rc = hash_password(password, hash))) {
		json_decref(f);
		return rc;
	}
	json_object_set_new(f, "role", json_string(route_role_name(role)));
	json_object_set_new(f, "hash", json_string(hash));
	rc = change(u, name, true, f, now);
	sodium_memzero(hash, sizeof hash);
	return rc;
}

amr_err users_verify(users *u, const char *name, const char *password, unsigned *role)
{
	struct scope s;

	return users_verify_scope(u, name, password, role, &s);
}

amr_err users_verify_scope(users *u, const char *name, const char *password, unsigned *role,
			   struct scope *scope)
{
	char msg[160], hash[crypto_pwhash_STRBYTES];
	const char *stored = NULL;
	json_t *rec = NULL;
	MDB_txn *txn;
	bool usable = false;
	int ok;

	if (!users_check_name(name, msg, sizeof msg) && !kv_read_begin(u->k, &txn)) {
		rec = load(u, txn, name);
		mdb_txn_abort(txn);
	}
	stored = json_string_value(json_object_get(rec, "hash"));
	if (stored && strlen(stored) < sizeof hash &&
	    !json_is_true(json_object_get(rec, "disabled")) &&
	    route_role_parse(json_string_value(json_object_get(rec, "role"))))
		usable = true;
	snprintf(hash, sizeof hash, "%s", usable ? stored : u->dummy);
	ok = password && strlen(password) <= USERS_MAX_PASSWORD &&
	     crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
	if (ok && usable) {
		*role = route_role_parse(json_string_value(json_object_get(rec, "role")));
		scope_of_user(*role, json_object_get(rec, "objects"), scope);
		/* a damaged list shows no account */
		if (*role == ROLE_TENANT && json_object_get(rec, "accounts") &&
		    scope_accounts_parse(json_object_get(rec, "accounts"), scope, msg, sizeof msg))
			scope->naccounts = 0;
		if (scope->naccounts) /* its accounts, not its objects (scope_derive) */
			scope->n = 0;
	}
	json_decref(rec);
	return ok && usable ? AMR_OK : AMR_ENOTFOUND;
}

amr_err users_set_password(users *u, const char *name, const char *password, int64_t now)
{
	char msg[160], hash[crypto_pwhash_STRBYTES];
	int rc;

	if (users_check_name(name, msg, sizeof msg) ||
	    users_check_password(password, msg, sizeof msg))
		return AMR_EINVAL;
	if ((rc = hash_password(password, hash)))
		return rc;
	rc = change(u, name, false, json_pack("{s:s}", "hash", hash), now);
	sodium_memzero(hash, sizeof hash);
	return rc;
}

amr_err users_update(users *u, const char *name, unsigned role, int disabled, int64_t now)
{
	return users_update_scoped(u, name, role, disabled, NULL, now);
}

int users_update_scoped(users *u, const char *name, unsigned role, int disabled,
			const json_t *objects, int64_t now)
{
	return users_update_limited(u, name, role, disabled, objects, NULL, now);
}

int users_update_limited(users *u, const char *name, unsigned role, int disabled,
			 const json_t *objects, const json_t *accounts, int64_t now)
{
	char msg[160];
	json_t *f = json_object();

	if (!f)
		return AMR_ENOMEM;
	if (users_check_name(name, msg, sizeof msg) || (role && !route_role_name(role)[0]) ||
	    !set_lists(f, objects, accounts)) {
		json_decref(f);
		return AMR_EINVAL;
	}
	if (role)
		json_object_set_new(f, "role", json_string(route_role_name(role)));
	if (disabled >= 0)
		json_object_set_new(f, "disabled", json_boolean(disabled));
	return change(u, name, false, f, now);
}

static json_t *public_record(json_t *rec)
{
	if (rec)
		json_object_del(rec, "hash");
	return rec;
}

json_t *users_get(users *u, const char *name)
{
	char msg[160];
	json_t *rec = NULL;
	MDB_txn *txn;

	if (users_check_name(name, msg, sizeof msg) || kv_read_begin(u->k, &txn))
		return NULL;
	rec = load(u, txn, name);
	mdb_txn_abort(txn);
	return public_record(rec);
}

json_t *users_list(users *u)
{
	json_t *arr = json_array();
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val key, val;
	int rc;

	if (!arr || kv_read_begin(u->k, &txn)) {
		json_decref(arr);
		return NULL;
	}
	if (mdb_cursor_open(txn, u->dbi, &cur)) {
		mdb_txn_abort(txn);
		json_decref(arr);
		return NULL;
	}
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		json_t *rec = json_loadb(val.mv_data, val.mv_size, 0, NULL);

		if (rec)
			json_array_append_new(arr, public_record(rec));
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return arr;
}

void users_random_password(char *buf, size_t len)
{
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

	for (size_t i = 0; i + 1 < len; i++)
		buf[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	if (len)
		buf[len - 1] = '\0';
}
