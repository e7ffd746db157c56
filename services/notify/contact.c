#include <stdlib.h>
#include <string.h>

#include "contact.h"
#include "kvjson.h"
#include "proto.h"
#include "rules.h"

struct contacts {
	kv *k;
	MDB_dbi db;
};

amr_err contacts_open(contacts **out, kv *k)
{
	contacts *c = calloc(1, sizeof *c);
	amr_err rc;

	if (!c)
		return AMR_ENOMEM;
	c->k = k;
	if ((rc = kv_dbi(k, "contact", 0, &c->db))) {
		free(c);
		return rc;
	}
	*out = c;
	return AMR_OK;
}

void contacts_close(contacts *c)
{
	free(c);
}

/* An address a header or a command line cannot be split with. */
static bool plain(const char *s)
{
	return s && !strpbrk(s, "\r\n<>,;\"' ");
}

static amr_err check(const json_t *args, json_t **out, struct jv_err *err)
{
	static const char *const fields[] = { "name",	 "email", "phone", "min_severity",
					      "objects", "kinds", NULL };
	const char *name, *email, *phone;
	json_t *objects, *kinds, *e;
	int sev;
	size_t i;
	amr_err rc;

	if ((rc = jv_only(args, fields, err)) ||
	    (rc = jv_str(args, "name", true, NULL, 1, 64, &name, err)) ||
	    (rc = jv_str(args, "email", false, NULL, 3, 200, &email, err)) ||
	    (rc = jv_str(args, "phone", false, NULL, 5, 20, &phone, err)) ||
	    (rc = jv_enum(args, "min_severity", false, RULES_MAJOR, rules_severity_names, &sev,
			  err)) ||
	    (rc = jv_array(args, "objects", false, 256, &objects, err)) ||
	    (rc = jv_array(args, "kinds", false, RULES_KINDS, &kinds, err)))
		return rc;
	if (email && (!plain(email) || !strchr(email, '@') || email[0] == '@'))
		return jv_fail(err, "email: \"%.60s\" is not an e-mail address", email);
	if (phone && (phone[0] != '+' || strspn(phone + 1, "0123456789") != strlen(phone + 1)))
		return jv_fail(err, "phone: \"%.30s\" is not a phone number (+79001234567)", phone);
	json_array_foreach(objects, i, e)
		if (!json_is_integer(e) || !proto_obj_ok(json_integer_value(e)))
			return jv_fail(
				err, "objects[%zu]: expected an object number " PROTO_OBJ_RANGE, i);
	json_array_foreach(kinds, i, e)
		if (rules_kind_parse(json_string_value(e)) < 0)
			return jv_fail(err, "kinds[%zu]: not a kind of alarm", i);
	if (!(*out = json_pack("{s:s, s:s*, s:s*, s:s, s:O*, s:O*}", "name", name, "email", email,
			       "phone", phone, "min_severity", rules_severity_names[sev], "objects",
			       objects, "kinds", kinds)))
		return AMR_ENOMEM;
	return AMR_OK;
}

struct set {
	contacts *c;
	const json_t *rec;
	bool deleting;
	struct jv_err *err;
};

static int set_txn(MDB_txn *txn, void *arg)
{
	struct set *s = arg;
	const char *name = json_string_value(json_object_get(s->rec, "name"));
	MDB_val key = { strlen(name), (void *)name }, val;
	MDB_stat st;
	int rc;

	if (s->deleting) {
		rc = mdb_del(txn, s->c->db, &key, NULL);
		if (rc == MDB_NOTFOUND) {
			jv_fail(s->err, "name: there is no contact %.64s", name);
			return AMR_ENOTFOUND;
		}
		return rc;
	}
	if ((rc = mdb_stat(txn, s->c->db, &st)))
		return rc;
	if (st.ms_entries >= CONTACTS_MAX && mdb_get(txn, s->c->db, &key, &val) == MDB_NOTFOUND) {
		jv_fail(s->err, "name: there are %d contacts already", CONTACTS_MAX);
		return AMR_EFULL;
	}
	return kv_put_json(txn, s->c->db, name, strlen(name), s->rec);
}

amr_err contacts_set(contacts *c, const json_t *args, const char *actor, int64_t ts, json_t **out,
		     struct jv_err *err)
{
	json_t *rec = NULL;
	struct set s;
	amr_err rc;

	if ((rc = check(args, &rec, err)))
		return rc;
	json_object_set_new(rec, "by", json_string(actor));
	json_object_set_new(rec, "ts", json_integer(ts));
	s = (struct set){ c, rec, false, err };
	if ((rc = kv_write(c->k, set_txn, &s))) {
		json_decref(rec);
		return rc;
	}
	*out = rec;
	return AMR_OK;
}

amr_err contacts_delete(contacts *c, const char *name, struct jv_err *err)
{
	json_t *rec = json_pack("{s:s}", "name", name);
	struct set s = { c, rec, true, err };
	amr_err rc = rec ? kv_write(c->k, set_txn, &s) : AMR_ENOMEM;

	json_decref(rec);
	return rc;
}

/* Call fn for every contact of txn. */
static int each(contacts *c, MDB_txn *txn, int (*fn)(const json_t *contact, void *arg), void *arg)
{
	MDB_cursor *cur;
	MDB_val key, val;
	int rc;

	if ((rc = mdb_cursor_open(txn, c->db, &cur)))
		return rc;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); !rc;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		json_t *rec = json_loadb(val.mv_data, val.mv_size, 0, NULL);
		int e = rec ? fn(rec, arg) : 0;

		json_decref(rec);
		if (e) {
			mdb_cursor_close(cur);
			return e;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int add_fn(const json_t *contact, void *arg)
{
	return json_array_append(arg, (json_t *)contact) ? AMR_ENOMEM : 0;
}

amr_err contacts_list(contacts *c, json_t **out)
{
	json_t *list = json_array();
	MDB_txn *txn;
	int rc;

	if (!list)
		return AMR_ENOMEM;
	if ((rc = kv_read_begin(c->k, &txn))) {
		json_decref(list);
		return rc;
	}
	rc = each(c, txn, add_fn, list);
	mdb_txn_abort(txn);
	if (!rc && !(*out = json_pack("{s:o}", "contacts", list)))
		return AMR_ENOMEM;
	if (rc)
		json_decref(list);
	return rc ? kv_err(rc) : AMR_OK;
}

/* True when list (absent: everything) holds v. */
static bool among(const json_t *list, const json_t *v)
{
	const json_t *e;
	size_t i;

	if (!list)
		return true;
	json_array_foreach(list, i, e)
		if (json_equal(e, v))
			return true;
	return false;
}

struct for_alarm {
	const json_t *rec;
	int (*fn)(const json_t *contact, void *arg);
	void *arg;
};

static int match_fn(const json_t *contact, void *arg)
{
	struct for_alarm *f = arg;
	int min = rules_severity_parse(json_string_value(json_object_get(contact, "min_severity")));
	int sev = rules_severity_parse(json_string_value(json_object_get(f->rec, "severity")));

	if (sev < min ||
	    !among(json_object_get(contact, "objects"), json_object_get(f->rec, "obj")) ||
	    !among(json_object_get(contact, "kinds"), json_object_get(f->rec, "kind")))
		return 0;
	return f->fn(contact, f->arg);
}

int contacts_each_for(contacts *c, MDB_txn *txn, const json_t *rec,
		      int (*fn)(const json_t *contact, void *arg), void *arg)
{
	struct for_alarm f = { rec, fn, arg };

	return each(c, txn, match_fn, &f);
}
