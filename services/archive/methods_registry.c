/*
 * methods_registry.c - the archive's RPC methods about what the readings are
 * and who did what: the registry (get, set, list in pages), the audit trail
 * (query, and the amr/v1/audit subscription), quarantined readings and the
 * high-water marks. The readings queries, backup and retention are in
 * methods.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "methods.h"
#include "methods_int.h"
#include "deadletter.h"
#include "err.h"
#include "log.h"
#include "proto.h"

static int id_arg(const json_t *args, struct proto_id *k, struct jv_err *err)
{
	const char *id;

	if (jv_str(args, "id", true, NULL, 1, 32, &id, err))
		return AMR_EINVAL;
	return registry_parse_id(id, k, err);
}

static void m_registry_get(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "id", NULL };
	struct methods *a = ctx;
	struct jv_err err = { "" };
	struct proto_id k;
	json_t *res = NULL;
	MDB_txn *txn;
	int rc;

	if ((rc = jv_only(args, fields, &err)) || (rc = id_arg(args, &k, &err)))
		goto out_reply;
	if ((rc = kv_read_begin(a->k, &txn)))
		goto out_reply;
	rc = registry_get(a->reg, txn, &k, &res);
	mdb_txn_abort(txn);
	if (rc == AMR_ENOTFOUND) {
		char id[PROTO_ID_LEN];

		jv_fail(&err, "id: %s is not registered", proto_id_format(&k, id));
	}
out_reply:
	if (rc)
		methods__reply_rc(req, rc, &err, "registry.get");
	else
		rpc_reply_ok(req, res);
}

/* Records in one registry.list answer: by default, and at most (a record
 * is about 300 bytes; an answer stays under RPC_MAX_ANSWER). */
#define REG_PAGE     2000
#define REG_PAGE_MAX 3000

static void m_registry_list(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "obj", "channels_only", "limit", "after", NULL };
	struct methods *a = ctx;
	struct jv_err err = { "" };
	long long obj, limit;
	const char *after = NULL;
	struct proto_id from;
	bool chans, more = false;
	json_t *arr = NULL, *res;
	MDB_txn *txn;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_int(args, "obj", false, 0, 1, PROTO_OBJ_MAX, &obj, &err)) ||
	    (rc = jv_bool(args, "channels_only", false, false, &chans, &err)) ||
	    (rc = jv_int(args, "limit", false, REG_PAGE, 1, REG_PAGE_MAX, &limit, &err)) ||
	    (rc = jv_str(args, "after", false, NULL, 1, 32, &after, &err)) ||
	    (after && (rc = registry_parse_id(after, &from, &err))))
		goto out_reply;
	if ((rc = kv_read_begin(a->k, &txn)))
		goto out_reply;
	rc = registry_list(a->reg, txn, (uint16_t)obj, chans, after ? &from : NULL, (size_t)limit,
			   &arr, &more);
	mdb_txn_abort(txn);
out_reply:
	if (rc) {
		methods__reply_rc(req, rc, &err, "registry.list");
		return;
	}
	res = json_pack("{s:o}", "records", arr);
	if (more && json_array_size(arr)) /* the next page starts after the last */
		json_object_set(
			res, "next",
			json_object_get(json_array_get(arr, json_array_size(arr) - 1), "id"));
	rpc_reply_ok(req, res);
}

/* The audit record of an operator's action; detail is taken. */
static json_t *audit_record(const char *actor, const char *action, const char *target,
			    json_t *detail)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:o}", "ts", (json_int_t)svc_now(), "actor", actor,
			 "action", action, "target", target, "detail", detail);
}

void methods__publish_audit(struct methods *a, const json_t *rec)
{
	int rc = mq_publish_json(a->svc->mq, PROTO_TOPIC_AUDIT, rec, 1, false);

	if (rc)
		log_warn("audit record not published: %s", amr_strerror(rc));
}

struct reg_set {
	struct methods *a;
	struct proto_id k;
	const json_t *args;
	json_t *after;
	json_t *rec; /* audit record */
	struct jv_err *err;
};

/* The counter of channel k as last counted (0 if never read). */
static int chan_total(store *s, MDB_txn *txn, const struct proto_id *k, uint32_t *total)
{
	struct store_chan *c = NULL;
	size_t n = 0;
	int rc = store_state(s, txn, k->obj, &c, &n);

	*total = 0;
	if (rc == AMR_ENOTFOUND)
		return AMR_OK;
	for (size_t i = 0; !rc && i < n; i++)
		if (c[i].chan == BATCH_CHAN(k->addr, k->ch))
			*total = c[i].total;
	free(c);
	return rc;
}

static int reg_set_txn(MDB_txn *txn, void *arg)
{
	struct reg_set *r = arg;
	json_t *before = NULL, *changes;
	const char *actor = json_string_value(json_object_get(r->args, "actor"));
	const char *reason = json_string_value(json_object_get(r->args, "reason"));
	uint32_t total = 0;
	char id[PROTO_ID_LEN];
	bool dup;
	int rc;

	json_decref(r->after);
	json_decref(r->rec);
	r->after = r->rec = NULL;
	if ((r->k.ch && (rc = chan_total(r->a->s, txn, &r->k, &total))) ||
	    (rc = registry_update(r->a->reg, txn, &r->k, r->args, total, svc_now(), &before,
				  &r->after, r->err)))
		return rc;
	changes = json_deep_copy(r->args);
	json_object_del(changes, "id");
	json_object_del(changes, "actor");
	json_object_del(changes, "reason");
	r->rec = audit_record(actor, "registry.set", proto_id_format(&r->k, id),
			      json_pack("{s:o, s:o, s:s}", "changes", changes, "before", before,
					"reason", reason ? reason : ""));
	if (!r->rec)
		return AMR_ENOMEM;
	return audit_append(r->a->aud, txn, r->rec, &dup);
}

static void m_registry_set(void *ctx, rpc_req *req, json_t *args)
{
	struct methods *a = ctx;
	struct jv_err err = { "" };
	struct reg_set r = { a, { 0, 0, 0 }, args, NULL, NULL, &err };
	const char *s;
	int rc;

	if ((rc = id_arg(args, &r.k, &err)) ||
	    (rc = jv_str(args, "actor", true, NULL, 1, 100, &s, &err)) ||
	    (rc = jv_str(args, "reason", false, NULL, 0, 500, &s, &err)))
		goto out_reply;
	/* retiring takes an object out of every live view: say why */
	if (json_object_get(args, "retired") && (!s || !*s)) {
		rc = jv_fail(&err,
			     "reason: required with retired (why the %s leaves, or comes "
			     "back to, the live views)",
			     r.k.addr ? "device" : "object");
		goto out_reply;
	}
	rc = kv_write(a->k, reg_set_txn, &r);
	if (!rc) {
		log_info("registry.set %s by %s", json_string_value(json_object_get(args, "id")),
			 json_string_value(json_object_get(args, "actor")));
		methods__publish_audit(a, r.rec);
	}
out_reply:
	json_decref(r.rec);
	if (rc) {
		json_decref(r.after);
		methods__reply_rc(req, rc, &err, "registry.set");
	} else {
		rpc_reply_ok(req, r.after);
	}
}

static void m_audit_query(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "from", "to", "actor", "target", "limit", NULL };
	struct methods *a = ctx;
	struct jv_err err = { "" };
	const char *actor, *target;
	long long from, to, limit;
	json_t *res = NULL;
	MDB_txn *txn;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_int(args, "from", false, 0, 0, METHODS__MAX_TIME, &from, &err)) ||
	    (rc = jv_int(args, "to", false, METHODS__MAX_TIME, 0, METHODS__MAX_TIME, &to, &err)) ||
	    (rc = jv_str(args, "actor", false, NULL, 1, 200, &actor, &err)) ||
	    (rc = jv_str(args, "target", false, NULL, 0, 200, &target, &err)) ||
	    (rc = jv_int(args, "limit", false, 1000, 1, AUDIT_MAX_QUERY, &limit, &err)))
		goto out_reply;
	if ((rc = kv_read_begin(a->k, &txn)))
		goto out_reply;
	rc = audit_query(a->aud, txn, from, to, actor, target, (size_t)limit, &res);
	mdb_txn_abort(txn);
out_reply:
	if (rc)
		methods__reply_rc(req, rc, &err, "audit.query");
	else
		rpc_reply_ok(req, res);
}

static void m_quarantine_list(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "obj", "channel", "limit", NULL };
	struct methods *a = ctx;
	struct jv_err err = { "" };
	struct proto_id k = { 0, 0, 0 };
	long long obj, limit;
	json_t *arr = NULL;
	MDB_txn *txn;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_int(args, "obj", false, 0, 1, PROTO_OBJ_MAX, &obj, &err)) ||
	    (rc = jv_int(args, "limit", false, 1000, 1, 100000, &limit, &err)) ||
	    (json_object_get(args, "channel") &&
	     (rc = methods__channel_arg(args, "channel", &k, &err))))
		goto out_reply;
	if (k.obj)
		obj = k.obj;
	if ((rc = kv_read_begin(a->k, &txn)))
		goto out_reply;
	rc = store_quarantine_list(a->s, txn, (uint16_t)obj, BATCH_CHAN(k.addr, k.ch),
				   (size_t)limit, &arr);
	mdb_txn_abort(txn);
out_reply:
	if (rc)
		methods__reply_rc(req, rc, &err, "quarantine.list");
	else
		rpc_reply_ok(req, json_pack("{s:o}", "readings", arr));
}

static void m_quarantine_rebase(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "channel", "actor", "reason", NULL };
	struct methods *a = ctx;
	struct jv_err err = { "" };
	const char *actor, *reason, *id;
	struct proto_id k;
	uint32_t total = 0;
	json_t *rec;
	bool dup;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = methods__channel_arg(args, "channel", &k, &err)) ||
	    (rc = jv_str(args, "actor", true, NULL, 1, 100, &actor, &err)) ||
	    (rc = jv_str(args, "reason", true, NULL, 1, 500, &reason, &err)))
		goto out_reply;
	id = json_string_value(json_object_get(args, "channel"));
	rc = store_quarantine_rebase(a->s, k.obj, BATCH_CHAN(k.addr, k.ch), &total);
	if (rc == AMR_ENOTFOUND)
		jv_fail(&err, "channel: %s is not quarantined now (its counter counts on)", id);
	if (rc)
		goto out_reply;
	log_info("quarantine of %s rebased to total %u by %s", id, total, actor);
	rec = audit_record(actor, "quarantine.rebase", id,
			   json_pack("{s:I, s:s}", "total", (json_int_t)total, "reason", reason));
	if (rec && audit_store(a->aud, rec, &dup) == AMR_OK)
		methods__publish_audit(a, rec);
	json_decref(rec);
out_reply:
	if (rc)
		methods__reply_rc(req, rc, &err, "quarantine.rebase");
	else
		rpc_reply_ok(req,
			     json_pack("{s:s, s:I}", "channel", id, "total", (json_int_t)total));
}

static void m_hwm(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "obj", NULL };
	struct methods *a = ctx;
	struct jv_err err = { "" };
	long long obj;
	uint64_t seq = 0;
	MDB_txn *txn;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_int(args, "obj", true, 0, 1, PROTO_OBJ_MAX, &obj, &err)))
		goto out_reply;
	if ((rc = kv_read_begin(a->k, &txn)))
		goto out_reply;
	rc = store_hwm(a->s, txn, (uint16_t)obj, &seq);
	mdb_txn_abort(txn);
out_reply:
	if (rc)
		methods__reply_rc(req, rc, &err, "hwm");
	else
		rpc_reply_ok(req, json_pack("{s:I, s:I}", "obj", (json_int_t)obj, "seq",
					    (json_int_t)seq));
}

bool methods_backup_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n < 1 || n > 64 || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    name[i]))
			return false;
	return true;
}

void methods_on_audit(void *ctx, const struct mq_msg *msg)
{
	struct methods *a = ctx;
	struct jv_err err = { "" };
	json_t *rec = jv_parse_object(msg->payload, msg->len, &err);
	bool dup = false;
	int rc = AMR_EINVAL;

	if (rec && !(rc = audit_check(rec, &err)))
		rc = audit_store(a->aud, rec, &dup);
	if (rc == AMR_OK) {
		if (!dup)
			metric_add(a->m_audit, 1);
	} else {
		json_t *dl = deadletter_json(msg->topic, "bad_audit",
					     err.msg[0] ? err.msg : amr_strerror(rc), msg->payload,
					     msg->len, 4096);

		metric_add(a->m_rejected, 1);
		log_warn("audit record refused: %s", err.msg[0] ? err.msg : amr_strerror(rc));
		if (dl)
			mq_publish_json(a->svc->mq, PROTO_TOPIC_DEADLETTER, dl, 0, false);
		json_decref(dl);
	}
	json_decref(rec);
}

const struct rpc_method methods_registry[] = {
	{ "registry.get", m_registry_get, "{id:\"1\"|\"1.5\"|\"1.5.1\"}: the record" },
	{ "registry.set", m_registry_set,
	  "{id,actor,reason?,label?,resource?,unit?,serial?,"
	  "verification_due?,initial_reading?,initial_total?,weight?|weights?,"
	  "retired? (objects, devices; with reason)}: audited update" },
	{ "registry.list", m_registry_list,
	  "{obj?,channels_only?,limit?,after?}: records in id "
	  "order, \"next\" when more follow (ask again with after)" },
	{ "audit.query", m_audit_query, "{from?,to?,actor?,target?,limit?}: audit records" },
	{ "quarantine.list", m_quarantine_list, "{obj?,channel?,limit?}: quarantined readings" },
	{ "quarantine.rebase", m_quarantine_rebase, "{channel,actor,reason}: accept the counter" },
	{ "hwm", m_hwm, "{obj}: the highest seq stored for an object" },
};
const size_t methods_registry_n = sizeof methods_registry / sizeof methods_registry[0];
