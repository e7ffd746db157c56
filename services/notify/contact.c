#include <stdlib.h>
#include <string.h>

#include "contact.h"
#include "kvjson.h"
#include "proto.h"
#include "rules.h"

const char *const contacts_channels[] = { "email", "sms", "webhook", NULL };

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

/* "HH:MM" into minutes of the day; -1 when it is not one. */
int contacts_hhmm(const char *s)
{
	if (!s || strlen(s) != 5 || s[2] != ':' || strspn(s, "0123456789:") != 5)
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');

	return h < 24 && m < 60 ? h * 60 + m : -1;
}

bool contacts_email_ok(const char *email)
{
	return email && plain(email) && strchr(email, '@') && email[0] != '@';
}

bool contacts_phone_ok(const char *p)
{
	size_t n = p ? strlen(p) : 0;

	return n >= 8 && n <= 16 && p[0] == '+' && strspn(p + 1, "0123456789") == n - 1;
}

/* err's message as one of field what's: "quiet.from: ..". */
static amr_err within(struct jv_err *err, const char *what)
{
	char m[sizeof err->msg];

	memcpy(m, err->msg, sizeof m);
	return jv_fail(err, "%s.%s", what, m);
}

/* quiet {"from","to","override"?} into *out (new). */
static amr_err check_quiet(const json_t *args, json_t **out, struct jv_err *err)
{
	static const char *const fields[] = { "from", "to", "override", NULL };
	const json_t *q = json_object_get(args, "quiet");
	const char *from, *to;
	int sev;
	amr_err rc;

	*out = NULL;
	if (!q || json_is_null(q))
		return AMR_OK;
	if (!json_is_object(q))
		return jv_fail(err, "quiet: expected {\"from\":\"22:00\",\"to\":\"07:00\"}");
	if ((rc = jv_only(q, fields, err)) ||
	    (rc = jv_str(q, "from", true, NULL, 5, 5, &from, err)) ||
	    (rc = jv_str(q, "to", true, NULL, 5, 5, &to, err)) ||
	    (rc = jv_enum(q, "override", false, RULES_CRITICAL, rules_severity_names, &sev, err)))
		return within(err, "quiet");
	if (contacts_hhmm(from) < 0 || contacts_hhmm(to) < 0 || !strcmp(from, to))
		return jv_fail(err, "quiet: \"%s\"..\"%s\" is not a span of hours (22:00..07:00)",
			       from, to);
	*out = json_pack("{s:s, s:s, s:s}", "from", from, "to", to, "override",
			 rules_severity_names[sev]);
	return *out ? AMR_OK : AMR_ENOMEM;
}

/* escalate {"after_min","to"} of contact name into *out (new). */
static amr_err check_escalate(const json_t *args, const char *name, json_t **out,
			      struct jv_err *err)
{
	static const char *const fields[] = { "after_min", "to", NULL };
	const json_t *e = json_object_get(args, "escalate");
	const char *to;
	long long after;
	amr_err rc;

	*out = NULL;
	if (!e || json_is_null(e))
		return AMR_OK;
	if (!json_is_object(e))
		return jv_fail(err, "escalate: expected {\"after_min\":15,\"to\":\"petr\"}");
	if ((rc = jv_only(e, fields, err)) ||
	    (rc = jv_int(e, "after_min", true, 0, 1, 1440, &after, err)) ||
	    (rc = jv_str(e, "to", true, NULL, 1, 64, &to, err)))
		return within(err, "escalate");
	if (!strcmp(to, name))
		return jv_fail(err, "escalate.to: a contact cannot escalate to itself");
	*out = json_pack("{s:I, s:s}", "after_min", (json_int_t)after, "to", to);
	return *out ? AMR_OK : AMR_ENOMEM;
}

/* Each element of list a string of choices (NULL-terminated). */
static amr_err check_names(const json_t *list, const char *field, const char *const *choices,
			   struct jv_err *err)
{
	const json_t *e;
	size_t i;

	json_array_foreach(list, i, e) {
		const char *v = json_string_value(e);
		size_t j;

		for (j = 0; v && choices[j] && strcmp(choices[j], v); j++)
			;
		if (!v || !choices[j])
			return jv_fail(err, "%s[%zu]: not one of the names it takes", field, i);
	}
	return AMR_OK;
}

static amr_err check(const json_t *args, json_t **out, struct jv_err *err)
{
	static const char *const fields[] = { "name",	      "user",	      "email",
					      "phone",	      "webhook",      "sms_from",
					      "min_severity", "objects",      "kinds",
					      "resources",    "channels",     "quiet",
					      "escalate",     "hourly_limit", NULL };
	const char *name, *user, *email, *phone, *hook;
	json_t *objects, *kinds, *res, *chans, *from, *quiet = NULL, *esc = NULL, *e;
	long long limit;
	int sev;
	size_t i;
	amr_err rc;

	if ((rc = jv_only(args, fields, err)) ||
	    (rc = jv_str(args, "name", true, NULL, 1, 64, &name, err)) ||
	    (rc = jv_str(args, "user", false, NULL, 1, 64, &user, err)) ||
	    (rc = jv_str(args, "email", false, NULL, 3, 200, &email, err)) ||
	    (rc = jv_str(args, "phone", false, NULL, 5, 20, &phone, err)) ||
	    (rc = jv_str(args, "webhook", false, NULL, 8, 300, &hook, err)) ||
	    (rc = jv_array(args, "sms_from", false, 8, &from, err)) ||
	    (rc = jv_enum(args, "min_severity", false, RULES_MAJOR, rules_severity_names, &sev,
			  err)) ||
	    (rc = jv_array(args, "objects", false, 256, &objects, err)) ||
	    (rc = jv_array(args, "kinds", false, RULES_KINDS, &kinds, err)) ||
	    (rc = jv_array(args, "resources", false, 8, &res, err)) ||
	    (rc = jv_array(args, "channels", false, 3, &chans, err)) ||
	    (rc = jv_int(args, "hourly_limit", false, 0, 1, 1000, &limit, err)) ||
	    (rc = check_names(res, "resources", proto_resources, err)) ||
	    (rc = check_names(chans, "channels", contacts_channels, err)))
		return rc;
	if (email && !contacts_email_ok(email))
		return jv_fail(err, "email: \"%.60s\" is not an e-mail address", email);
	if (phone && !contacts_phone_ok(phone))
		return jv_fail(err, "phone: \"%.30s\" is not a phone number (+79001234567)", phone);
	if (hook && (!plain(hook) || (strncmp(hook, "http://", 7) && strncmp(hook, "https://", 8))))
		return jv_fail(err, "webhook: \"%.60s\" is not an http:// or https:// URL", hook);
	json_array_foreach(from, i, e)
		if (!contacts_phone_ok(json_string_value(e)))
			return jv_fail(err, "sms_from[%zu]: not a phone number (+79001234567)", i);
	json_array_foreach(objects, i, e)
		if (!json_is_integer(e) || !proto_obj_ok(json_integer_value(e)))
			return jv_fail(
				err, "objects[%zu]: expected an object number " PROTO_OBJ_RANGE, i);
	json_array_foreach(kinds, i, e)
		if (rules_kind_parse(json_string_value(e)) < 0)
			return jv_fail(err, "kinds[%zu]: not a kind of alarm", i);
	if ((rc = check_quiet(args, &quiet, err)) || (rc = check_escalate(args, name, &esc, err)))
		return rc;
	if (!(*out = json_pack("{s:s, s:s*, s:s*, s:s*, s:s*, s:O*, s:s, s:O*, s:O*, s:O*, s:O*, "
			       "s:o*, s:o*}",
			       "name", name, "user", user, "email", email, "phone", phone,
			       "webhook", hook, "sms_from", from, "min_severity",
			       rules_severity_names[sev], "objects", objects, "kinds", kinds,
			       "resources", res, "channels", chans, "quiet", quiet, "escalate",
			       esc)))
		return AMR_ENOMEM;
	if (limit)
		json_object_set_new(*out, "hourly_limit", json_integer(limit));
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

amr_err contacts_get(contacts *c, MDB_txn *txn, const char *name, json_t **out)
{
	MDB_val key = { strlen(name), (void *)name }, val;
	int rc = mdb_get(txn, c->db, &key, &val);

	if (rc)
		return rc == MDB_NOTFOUND ? AMR_ENOTFOUND : AMR_EDB;
	*out = json_loadb(val.mv_data, val.mv_size, 0, NULL);
	return *out ? AMR_OK : AMR_EIO;
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

bool contacts_wants(const json_t *contact, const json_t *rec)
{
	int min = rules_severity_parse(json_string_value(json_object_get(contact, "min_severity")));
	int sev = rules_severity_parse(json_string_value(json_object_get(rec, "severity")));
	const json_t *res = json_object_get(json_object_get(rec, "detail"), "resource");

	/* an alarm of no one resource (a UO-4, a gateway) is for every one */
	return sev >= min &&
	       among(json_object_get(contact, "objects"), json_object_get(rec, "obj")) &&
	       (!res || among(json_object_get(contact, "resources"), res)) &&
	       among(json_object_get(contact, "kinds"), json_object_get(rec, "kind"));
}

static int match_fn(const json_t *contact, void *arg)
{
	struct for_alarm *f = arg;

	return contacts_wants(contact, f->rec) ? f->fn(contact, f->arg) : 0;
}

int contacts_each_for(contacts *c, MDB_txn *txn, const json_t *rec,
		      int (*fn)(const json_t *contact, void *arg), void *arg)
{
	struct for_alarm f = { rec, fn, arg };

	return each(c, txn, match_fn, &f);
}

struct by_phone {
	const char *phone;
	json_t *found;
};

static int phone_fn(const json_t *contact, void *arg)
{
	struct by_phone *b = arg;
	const char *p = json_string_value(json_object_get(contact, "phone"));
	const json_t *e;
	size_t i;

	if (p && !strcmp(p, b->phone))
		goto found;
	json_array_foreach(json_object_get(contact, "sms_from"), i, e)
		if (json_is_string(e) && !strcmp(json_string_value(e), b->phone))
			goto found;
	return 0;
found:
	b->found = json_deep_copy(contact);
	return b->found ? 1 : AMR_ENOMEM;
}

amr_err contacts_by_phone(contacts *c, const char *phone, json_t **out)
{
	struct by_phone b = { phone, NULL };
	MDB_txn *txn;
	int rc;

	*out = NULL;
	if ((rc = kv_read_begin(c->k, &txn)))
		return rc;
	rc = each(c, txn, phone_fn, &b);
	mdb_txn_abort(txn);
	if (rc == 1) {
		*out = b.found;
		return AMR_OK;
	}
	return rc ? (rc == AMR_ENOMEM ? AMR_ENOMEM : kv_err(rc)) : AMR_ENOTFOUND;
}
