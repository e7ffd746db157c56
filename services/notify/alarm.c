#include <stdlib.h>
#include <string.h>

#include "alarm.h"
#include "kv.h"
#include "kvjson.h"

#define LIST_LIMIT_MAX 1000

struct alarm_store {
	kv *k;
	MDB_dbi alarm, open, meta;
	size_t nopen; /* open alarms, kept beside the "open" database */
};

static int count_open(alarm_store *s)
{
	MDB_txn *txn;
	MDB_stat st;
	int rc;

	if ((rc = kv_read_begin(s->k, &txn)))
		return rc;
	rc = mdb_stat(txn, s->open, &st);
	mdb_txn_abort(txn);
	if (rc)
		return kv_err(rc);
	s->nopen = st.ms_entries;
	return AMR_OK;
}

amr_err alarm_store_open(alarm_store **out, kv *k)
{
	alarm_store *s = calloc(1, sizeof *s);
	int rc;

	if (!s)
		return AMR_ENOMEM;
	s->k = k;
	if ((rc = kv_dbi(s->k, "alarm", 0, &s->alarm)) ||
	    (rc = kv_dbi(s->k, "open", 0, &s->open)) || (rc = kv_dbi(s->k, "meta", 0, &s->meta)) ||
	    (rc = count_open(s))) {
		alarm_store_close(s);
		return rc;
	}
	*out = s;
	return AMR_OK;
}

void alarm_store_close(alarm_store *s)
{
	free(s);
}

/* Record id of txn into *out (new). */
static int get(alarm_store *s, MDB_txn *txn, uint32_t id, json_t **out)
{
	uint8_t kb[4];
	int rc;

	kv_pack_u32(kb, id);
	rc = kv_get_json(txn, s->alarm, kb, 4, out);
	return rc == MDB_NOTFOUND ? AMR_ENOTFOUND : rc ? kv_err(rc) : AMR_OK;
}

static int put(alarm_store *s, MDB_txn *txn, uint32_t id, const json_t *rec)
{
	uint8_t kb[4];

	kv_pack_u32(kb, id);
	return kv_put_json(txn, s->alarm, kb, 4, rec);
}

/* The open alarm of key: its id into *id, 0 when none. */
static int open_id(alarm_store *s, MDB_txn *txn, const char *k, uint32_t *id)
{
	MDB_val key = { strlen(k), (void *)k }, val;
	int rc = mdb_get(txn, s->open, &key, &val);

	*id = 0;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc || val.mv_size != 4)
		return rc ? rc : AMR_EDB;
	*id = kv_unpack_u32(val.mv_data);
	return 0;
}

/* One write: what it is asked and what it gives back. */
struct step {
	alarm_store *s;
	enum rules_kind kind;
	struct proto_id target;
	int64_t ts;
	const json_t *detail;
	alarm_hook hook; /* a raise's other writes */
	void *hook_arg;
	uint32_t id;	     /* by hand: the alarm */
	const char *actor;   /* by hand: who */
	const char *comment; /* an ack's comment, a clear's reason */
	bool ack;	     /* by hand: ack (else clear) */
	json_t *out;	     /* the record after the step (new) */
	bool fresh;	     /* a new alarm */
	int dopen;	     /* open alarms added (+1) or ended (-1) */
	struct jv_err *err;
};

static int next_id(alarm_store *s, MDB_txn *txn, uint32_t *id)
{
	MDB_val key = { 4, "next" }, val;
	uint8_t b[4];
	int rc = mdb_get(txn, s->meta, &key, &val);

	if (rc && rc != MDB_NOTFOUND)
		return rc;
	*id = rc ? 1 : kv_unpack_u32(val.mv_data);
	kv_pack_u32(b, *id + 1);
	val = (MDB_val){ 4, b };
	return mdb_put(txn, s->meta, &key, &val, 0);
}

static json_t *new_record(const struct step *t, uint32_t id, const char *key)
{
	char target[PROTO_ID_LEN];

	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:I, s:I, s:i, s:O}", "id",
			 (json_int_t)id, "key", key, "kind", rules_kind_name(t->kind), "severity",
			 rules_severity_name(rules_severity_of(t->kind)), "target",
			 proto_id_format(&t->target, target), "obj", (int)t->target.obj, "addr",
			 (int)t->target.addr, "ch", (int)t->target.ch, "state", "raised", "raised",
			 (json_int_t)t->ts, "last", (json_int_t)t->ts, "count", 1, "detail",
			 t->detail ? t->detail : json_object());
}

static int raise_txn(MDB_txn *txn, void *arg)
{
	struct step *t = arg;
	char key[RULES_KEY_LEN];
	MDB_val k, v;
	uint8_t b[4];
	json_t *rec = NULL;
	uint32_t id;
	int rc;

	json_decref(t->out);
	t->out = NULL;
	t->fresh = false;
	t->dopen = 0;
	rules_key(t->kind, &t->target, key);
	if ((rc = open_id(t->s, txn, key, &id)))
		return rc;
	if (id) { /* the same condition again: counted on its alarm */
		if ((rc = get(t->s, txn, id, &rec)))
			return rc;
		json_object_set_new(
			rec, "count",
			json_integer(json_integer_value(json_object_get(rec, "count")) + 1));
		if (t->ts > json_integer_value(json_object_get(rec, "last")))
			json_object_set_new(rec, "last", json_integer(t->ts));
	} else {
		if ((rc = next_id(t->s, txn, &id)))
			return rc;
		if (!(rec = new_record(t, id, key)))
			return AMR_ENOMEM;
		kv_pack_u32(b, id);
		k = (MDB_val){ strlen(key), key };
		v = (MDB_val){ 4, b };
		if ((rc = mdb_put(txn, t->s->open, &k, &v, 0))) {
			json_decref(rec);
			return rc;
		}
		t->fresh = true;
		t->dopen = 1;
	}
	if ((rc = put(t->s, txn, id, rec)) ||
	    (t->hook && (rc = t->hook(txn, rec, t->fresh, t->hook_arg)))) {
		json_decref(rec);
		return rc;
	}
	t->out = rec;
	return 0;
}

amr_err alarm_raise(alarm_store *s, enum rules_kind kind, const struct proto_id *target, int64_t ts,
		    const json_t *detail, alarm_hook hook, void *arg, json_t **out, bool *fresh)
{
	struct step t = { .s = s,
			  .kind = kind,
			  .target = *target,
			  .ts = ts,
			  .detail = detail,
			  .hook = hook,
			  .hook_arg = arg };
	amr_err rc = kv_write(s->k, raise_txn, &t);

	if (rc) {
		json_decref(t.out);
		return rc;
	}
	s->nopen += (size_t)t.dopen;
	*out = t.out;
	*fresh = t.fresh;
	return AMR_OK;
}

/* End alarm rec (open, id) in txn: cleared by who, why. */
static int end(struct step *t, MDB_txn *txn, json_t *rec, uint32_t id, const char *who,
	       const char *why)
{
	const char *key = json_string_value(json_object_get(rec, "key"));
	MDB_val k = { key ? strlen(key) : 0, (void *)key };
	int rc;

	json_object_set_new(rec, "state", json_string("cleared"));
	json_object_set_new(
		rec, "cleared",
		json_pack("{s:I, s:s, s:s*}", "ts", (json_int_t)t->ts, "by", who, "reason", why));
	if (!key || ((rc = mdb_del(txn, t->s->open, &k, NULL)) && rc != MDB_NOTFOUND))
		return key ? rc : AMR_EDB;
	t->dopen = -1;
	return put(t->s, txn, id, rec);
}

static int clear_key_txn(MDB_txn *txn, void *arg)
{
	struct step *t = arg;
	char key[RULES_KEY_LEN];
	json_t *rec = NULL;
	uint32_t id;
	int rc;

	json_decref(t->out);
	t->out = NULL;
	t->dopen = 0;
	if ((rc = open_id(t->s, txn, rules_key(t->kind, &t->target, key), &id)) || !id)
		return rc;
	if ((rc = get(t->s, txn, id, &rec)) || (rc = end(t, txn, rec, id, "condition", NULL))) {
		json_decref(rec);
		return rc;
	}
	t->out = rec;
	return 0;
}

amr_err alarm_clear_key(alarm_store *s, enum rules_kind kind, const struct proto_id *target,
			int64_t ts, json_t **out)
{
	struct step t = { .s = s, .kind = kind, .target = *target, .ts = ts };
	amr_err rc = kv_write(s->k, clear_key_txn, &t);

	if (rc) {
		json_decref(t.out);
		return rc;
	}
	s->nopen += (size_t)t.dopen;
	*out = t.out;
	return AMR_OK;
}

static int hand_txn(MDB_txn *txn, void *arg)
{
	struct step *t = arg;
	json_t *rec = NULL;
	const char *state;
	int rc;

	json_decref(t->out);
	t->out = NULL;
	t->dopen = 0;
	if ((rc = get(t->s, txn, t->id, &rec))) {
		if (rc == AMR_ENOTFOUND)
			jv_fail(t->err, "id: there is no alarm %u", t->id);
		return rc;
	}
	state = json_string_value(json_object_get(rec, "state"));
	if (t->ack && (!state || strcmp(state, "raised"))) {
		jv_fail(t->err, "id: alarm %u is %s, not raised", t->id, state ? state : "?");
		rc = AMR_ESTATE;
	} else if (!t->ack && (!state || !strcmp(state, "cleared"))) {
		jv_fail(t->err, "id: alarm %u is cleared already", t->id);
		rc = AMR_ESTATE;
	} else if (t->ack) {
		json_object_set_new(rec, "state", json_string("acknowledged"));
		json_object_set_new(rec, "ack",
				    json_pack("{s:s, s:I, s:s*}", "by", t->actor, "ts",
					      (json_int_t)t->ts, "comment", t->comment));
		rc = put(t->s, txn, t->id, rec);
	} else {
		rc = end(t, txn, rec, t->id, t->actor, t->comment);
	}
	if (rc) {
		json_decref(rec);
		return rc;
	}
	t->out = rec;
	return 0;
}

static amr_err by_hand(struct step *t, json_t **out)
{
	amr_err rc = kv_write(t->s->k, hand_txn, t);

	if (rc) {
		json_decref(t->out);
		return rc;
	}
	t->s->nopen += (size_t)t->dopen;
	*out = t->out;
	return AMR_OK;
}

amr_err alarm_ack(alarm_store *s, uint32_t id, const char *actor, const char *comment, int64_t ts,
		  json_t **out, struct jv_err *err)
{
	struct step t = { .s = s,
			  .ts = ts,
			  .id = id,
			  .actor = actor,
			  .comment = comment,
			  .ack = true,
			  .err = err };

	return by_hand(&t, out);
}

amr_err alarm_clear(alarm_store *s, uint32_t id, const char *actor, const char *reason, int64_t ts,
		    json_t **out, struct jv_err *err)
{
	struct step t = {
		.s = s, .ts = ts, .id = id, .actor = actor, .comment = reason, .err = err
	};

	return by_hand(&t, out);
}

struct note {
	alarm_store *s;
	uint32_t id;
	alarm_note_fn fn;
	void *arg;
	json_t *out;
};

static int note_txn(MDB_txn *txn, void *arg)
{
	struct note *t = arg;
	int rc;

	json_decref(t->out);
	t->out = NULL;
	if ((rc = get(t->s, txn, t->id, &t->out)) || (rc = t->fn(txn, t->out, t->arg)))
		return rc;
	return put(t->s, txn, t->id, t->out);
}

amr_err alarm_note(alarm_store *s, uint32_t id, alarm_note_fn fn, void *arg, json_t **out)
{
	struct note t = { s, id, fn, arg, NULL };
	amr_err rc = kv_write(s->k, note_txn, &t);

	if (rc) {
		json_decref(t.out);
		return rc;
	}
	*out = t.out;
	return AMR_OK;
}

amr_err alarm_get(alarm_store *s, uint32_t id, json_t **out)
{
	MDB_txn *txn;
	int rc;

	if ((rc = kv_read_begin(s->k, &txn)))
		return rc;
	rc = get(s, txn, id, out);
	mdb_txn_abort(txn);
	return rc;
}

/* True when f keeps rec. */
static bool keeps(const struct alarm_filter *f, const json_t *rec)
{
	const char *state = json_string_value(json_object_get(rec, "state"));

	if (f->state && state &&
	    (!strcmp(f->state, "open") ? !strcmp(state, "cleared") : strcmp(f->state, state)))
		return false;
	if (f->obj && (unsigned)json_integer_value(json_object_get(rec, "obj")) != f->obj)
		return false;
	if (f->severity >= 0 &&
	    rules_severity_parse(json_string_value(json_object_get(rec, "severity"))) < f->severity)
		return false;
	return f->kind < 0 ||
	       rules_kind_parse(json_string_value(json_object_get(rec, "kind"))) == f->kind;
}

amr_err alarm_list(alarm_store *s, const struct alarm_filter *f, json_t **out)
{
	unsigned limit = f->limit && f->limit <= LIST_LIMIT_MAX ? f->limit : 100;
	json_t *list = json_array(), *rec;
	uint8_t kb[4];
	MDB_val key = { 4, kb }, val;
	MDB_cursor *c = NULL;
	MDB_txn *txn = NULL;
	uint32_t last = 0;
	int rc, op;

	if (!list)
		return AMR_ENOMEM;
	if ((rc = kv_read_begin(s->k, &txn)) || (rc = kv_err(mdb_cursor_open(txn, s->alarm, &c))))
		goto out;
	/* the newest, or the first below before: SET_RANGE finds the first at
	 * or above it, so the one before that */
	op = MDB_LAST;
	if (f->before) {
		kv_pack_u32(kb, f->before);
		rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
		if (rc && rc != MDB_NOTFOUND) {
			rc = kv_err(rc);
			goto out;
		}
		op = rc ? MDB_LAST : MDB_PREV;
	}
	for (rc = mdb_cursor_get(c, &key, &val, op); rc == 0;
	     rc = mdb_cursor_get(c, &key, &val, MDB_PREV)) {
		if (json_array_size(list) == limit) {
			rc = AMR_OK;
			break;
		}
		if (!(rec = json_loadb(val.mv_data, val.mv_size, 0, NULL))) {
			rc = AMR_EDB;
			goto out;
		}
		last = kv_unpack_u32(key.mv_data);
		if (keeps(f, rec))
			json_array_append_new(list, rec);
		else
			json_decref(rec);
	}
	if (rc && rc != MDB_NOTFOUND) {
		rc = kv_err(rc);
		goto out;
	}
	if (!(*out = json_pack("{s:O}", "alarms", list))) {
		rc = AMR_ENOMEM;
		goto out;
	}
	if (rc == AMR_OK && last) /* stopped at the limit: more below */
		json_object_set_new(*out, "next", json_integer(last));
	rc = AMR_OK;
out:
	if (c)
		mdb_cursor_close(c);
	if (txn)
		mdb_txn_abort(txn);
	json_decref(list);
	return rc;
}

amr_err alarm_each_open(alarm_store *s, void (*fn)(const json_t *rec, void *arg), void *arg)
{
	MDB_cursor *c = NULL;
	MDB_txn *txn = NULL;
	MDB_val key, val;
	int rc;

	if ((rc = kv_read_begin(s->k, &txn)) || (rc = kv_err(mdb_cursor_open(txn, s->open, &c))))
		goto out;
	for (rc = mdb_cursor_get(c, &key, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		json_t *rec = NULL;

		if (val.mv_size == 4 && !get(s, txn, kv_unpack_u32(val.mv_data), &rec))
			fn(rec, arg);
		json_decref(rec);
	}
	rc = rc == MDB_NOTFOUND ? AMR_OK : kv_err(rc);
out:
	if (c)
		mdb_cursor_close(c);
	if (txn)
		mdb_txn_abort(txn);
	return rc;
}

size_t alarm_open_count(alarm_store *s)
{
	return s->nopen;
}

bool alarm_is_open(alarm_store *s, enum rules_kind kind, const struct proto_id *target)
{
	char k[RULES_KEY_LEN];
	uint32_t id = 0;
	MDB_txn *txn;

	if (kv_read_begin(s->k, &txn))
		return false;
	open_id(s, txn, rules_key(kind, target, k), &id);
	mdb_txn_abort(txn);
	return id != 0;
}
