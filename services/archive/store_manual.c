/*
 * store_manual.c - manual readings (archive/reading.manual): a meter's
 * reading as a person or a device sent it, kept once per its sender's ref
 * with its audit record, in one transaction (store.h).
 */
#include <string.h>

#include "kvjson.h"
#include "store.h"
#include "store_int.h"

struct man {
	store *s;
	const struct store_manual *m;
	const json_t *arec;
	int64_t now;
	json_t *out;
	bool repeat;
	struct jv_err *err;
};

static int manual_txn(MDB_txn *txn, void *arg)
{
	struct man *x = arg;
	const struct store_manual *m = x->m;
	char id[PROTO_ID_LEN];
	json_t *reg = NULL;
	bool dup;
	int rc;

	/* kv_write may run this again after growing the map: start clean */
	json_decref(x->out);
	x->out = NULL;
	x->repeat = false;
	rc = kv_get_json(txn, x->s->manual, m->ref, strlen(m->ref), &x->out);
	if (rc == 0) {
		x->repeat = true;
		return AMR_ESTATE; /* nothing to write: abort, *out as kept */
	}
	if (rc != MDB_NOTFOUND)
		return rc;
	proto_id_format(&m->key, id);
	if ((rc = registry_get(x->s->reg, txn, &m->key, &reg))) {
		if (rc == AMR_ENOTFOUND)
			jv_fail(x->err, "channel: %s is not in the registry", id);
		return rc;
	}
	x->out = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s*, s:I}", "ref", m->ref,
			   "channel", id, "value", m->value, "unit",
			   json_is_string(json_object_get(reg, "unit"))
				   ? json_string_value(json_object_get(reg, "unit"))
				   : "",
			   "ts", (json_int_t)m->ts, "source", m->source, "actor", m->actor,
			   "reason", m->reason, "at", (json_int_t)x->now);
	json_decref(reg);
	if (!x->out)
		return AMR_ENOMEM;
	if ((rc = kv_put_json(txn, x->s->manual, m->ref, strlen(m->ref), x->out)))
		return rc;
	return audit_append(x->s->aud, txn, x->arec, &dup);
}

amr_err store_manual(store *s, const struct store_manual *m, const json_t *arec, int64_t now,
		     json_t **out, bool *repeat, struct jv_err *err)
{
	struct man x = { s, m, arec, now, NULL, false, err };
	int rc = kv_write(s->k, manual_txn, &x);

	if (rc == AMR_ESTATE && x.repeat)
		rc = AMR_OK;
	if (rc) {
		json_decref(x.out);
		return rc;
	}
	*out = x.out;
	*repeat = x.repeat;
	return AMR_OK;
}
