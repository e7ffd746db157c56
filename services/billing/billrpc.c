/*
 * billrpc.c - create, update, get and list every kind of record, checked
 * and audited in the transaction of the change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billrpc.h"
#include "billrules.h"
#include "log.h"
#include "model.h"

#define LIST_PAGE     500  /* records in a list answer by default */
#define LIST_PAGE_MAX 2000 /* and at most (a record is under 500 bytes) */

struct billrpc {
	struct svc *s; /* borrowed */
	ledger *l;     /* borrowed */
	auditq *q;     /* borrowed */
};

amr_err billrpc_create(billrpc **out, struct svc *s, ledger *l, auditq *q)
{
	billrpc *b = calloc(1, sizeof *b);

	if (!b)
		return AMR_ENOMEM;
	b->s = s;
	b->l = l;
	b->q = q;
	*out = b;
	return AMR_OK;
}

void billrpc_destroy(billrpc *b)
{
	free(b);
}

void billrpc_count(struct svc *s, const char *method, bool ok)
{
	char labels[128];

	snprintf(labels, sizeof labels, "method=\"%s\",result=\"%s\"", method, ok ? "ok" : "error");
	metric_add(metrics_get(s->metrics, METRIC_COUNTER, "amr_billing_rpc_total", labels,
			       "RPC calls of amr-billing's methods, by method and result."),
		   1);
}

void billrpc_reply(struct svc *s, const char *method, rpc_req *req, int rc,
		   const struct jv_err *err, json_t *result)
{
	billrpc_count(s, method, !rc);
	if (!rc) {
		rpc_reply_ok(req, result);
		return;
	}
	json_decref(result);
	if (err->msg[0])
		rpc_reply_rc(req, rc, "%s", err->msg);
	else
		rpc_reply_rc(req, rc, "%s: %s", method, amr_strerror(rc));
}

/* Count a call of kind k's verb. */
static void count(billrpc *b, enum model_kind k, const char *verb, bool ok)
{
	char method[64];

	snprintf(method, sizeof method, "%s.%s", model_kind_name(k), verb);
	billrpc_count(b->s, method, ok);
}

static void reply_rc(rpc_req *req, int rc, const struct jv_err *err, const char *what)
{
	if (err->msg[0])
		rpc_reply_rc(req, rc, "%s", err->msg);
	else
		rpc_reply_rc(req, rc, "%s: %s", what, amr_strerror(rc));
}

struct change {
	billrpc *b;
	enum model_kind k;
	const json_t *args; /* the request's args (borrowed) */
	bool create;	    /* create, else update */
	uint32_t id;	    /* update: the record; create: the id given */
	json_t *after;	    /* the record as stored */
	json_t *audit;	    /* its audit record */
	bool unchanged;	    /* an update that changed nothing */
	struct jv_err *err; /* the reason of a refusal */
};

static const char *str(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

/* The record as the request would make it: args for a create, the stored
 * record with args merged for an update (null takes a field away). */
static json_t *proposed(const json_t *before, const json_t *args)
{
	json_t *rec = before ? json_deep_copy(before) : json_object(), *v;
	const char *key;

	if (!rec)
		return NULL;
	json_object_foreach((json_t *)args, key, v) {
		if (!strcmp(key, "id") || !strcmp(key, "actor") || !strcmp(key, "reason") ||
		    !strcmp(key, "created") || !strcmp(key, "updated"))
			continue;
		if (json_is_null(v) && before)
			json_object_del(rec, key);
		else
			json_object_set_new(rec, key, json_deep_copy(v));
	}
	return rec;
}

/* detail.changes: what the request set (args without id, actor, reason). */
static json_t *changes(const json_t *args)
{
	json_t *ch = json_deep_copy(args);

	json_object_del(ch, "id");
	json_object_del(ch, "actor");
	json_object_del(ch, "reason");
	return ch;
}

static int change_txn(MDB_txn *txn, void *arg)
{
	struct change *c = arg;
	json_t *before = NULL, *rec = NULL, *detail;
	struct model_refs refs;
	struct billrules rules;
	char key[300], okey[300], target[64];
	const char *what = NULL, *reason = str(c->args, "reason");
	uint32_t holder = 0;
	bool has_key, had_key = false;
	int64_t now = svc_now();
	int rc;

	json_decref(c->after);
	json_decref(c->audit);
	c->after = c->audit = NULL;
	c->unchanged = false;
	if (!c->create) {
		rc = ledger_get(c->b->l, txn, c->k, c->id, &before);
		if (rc == AMR_ENOTFOUND)
			return jv_fail(c->err, "id: there is no %s %u", model_kind_name(c->k),
				       c->id);
		if (rc)
			return rc;
	}
	if (!(rec = proposed(before, c->args))) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	rules = (struct billrules){ c->b->l, c->k, c->create, c->id, c->err };
	if ((rc = model_check(c->k, rec, &refs, c->err)) ||
	    (rc = billrules_check(&rules, txn, before, rec, &refs)))
		goto out_free;
	if (before && json_equal(before, rec)) {
		c->unchanged = true;
		c->after = rec;
		rec = NULL;
		goto out_free;
	}
	if (c->create && (rc = ledger_new_id(c->b->l, txn, c->k, &c->id)))
		goto out_free;
	has_key = model_unique_key(c->k, rec, key, sizeof key, &what);
	if (before)
		had_key = model_unique_key(c->k, before, okey, sizeof okey, &what);
	if (had_key && (!has_key || strcmp(key, okey)) && (rc = ledger_release(c->b->l, txn, okey)))
		goto out_free;
	if (has_key && (rc = ledger_claim(c->b->l, txn, key, c->id, &holder))) {
		if (rc == AMR_EEXIST) /* answered as conflict */
			jv_fail(c->err, "%s (%s %u)", what, model_kind_name(c->k), holder);
		goto out_free;
	}
	json_object_set_new(rec, "id", json_integer(c->id));
	if (c->create)
		json_object_set_new(rec, "created", json_integer(now));
	json_object_set_new(rec, "updated", json_integer(now));
	if ((rc = ledger_put(c->b->l, txn, c->k, c->id, rec)))
		goto out_free;
	snprintf(target, sizeof target, "billing/%s/%u", model_kind_name(c->k), c->id);
	detail = json_pack("{s:O?, s:O, s:s}", "before", before, "after", rec, "reason",
			   reason ? reason : "");
	if (detail && !c->create)
		json_object_set_new(detail, "changes", changes(c->args));
	c->audit = json_pack("{s:I, s:s, s:s+, s:s, s:o*}", "ts", (json_int_t)now, "actor",
			     str(c->args, "actor"), "action", model_kind_name(c->k),
			     c->create ? ".create" : ".update", "target", target, "detail", detail);
	if (!c->audit) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	if ((rc = auditq_append(c->b->q, txn, c->audit)))
		goto out_free;
	c->after = rec;
	rec = NULL;
out_free:
	json_decref(rec);
	json_decref(before);
	return rc;
}

static void do_change(billrpc *b, enum model_kind k, bool create, rpc_req *req, json_t *args)
{
	struct jv_err err = { "" };
	struct change c = { b, k, args, create, 0, NULL, NULL, false, &err };
	const char *s;
	long long id = 0;
	int rc;

	if ((!create && (rc = jv_int(args, "id", true, 0, 1, MODEL_ID_MAX, &id, &err))) ||
	    (rc = jv_str(args, "actor", true, NULL, 1, 100, &s, &err)) ||
	    (rc = jv_str(args, "reason", !create, NULL, create ? 0 : 1, 500, &s, &err)))
		goto out_reply;
	c.id = (uint32_t)id;
	rc = kv_write(ledger_kv(b->l), change_txn, &c);
	if (!rc && !c.unchanged) {
		log_info("%s.%s %u by %s", model_kind_name(k), create ? "create" : "update", c.id,
			 str(args, "actor"));
		auditq_flush(b->q);
	}
out_reply:
	count(b, k, create ? "create" : "update", rc == 0);
	json_decref(c.audit);
	if (rc) {
		json_decref(c.after);
		reply_rc(req, rc, &err, model_kind_name(k));
	} else {
		rpc_reply_ok(req, c.after);
	}
}

static void do_get(billrpc *b, enum model_kind k, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "id", NULL };
	struct jv_err err = { "" };
	json_t *rec = NULL;
	long long id;
	MDB_txn *txn;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_int(args, "id", true, 0, 1, MODEL_ID_MAX, &id, &err)) ||
	    (rc = kv_read_begin(ledger_kv(b->l), &txn)))
		goto out_reply;
	rc = ledger_get(b->l, txn, k, (uint32_t)id, &rec);
	mdb_txn_abort(txn);
	if (rc == AMR_ENOTFOUND)
		jv_fail(&err, "id: there is no %s %lld", model_kind_name(k), id);
out_reply:
	count(b, k, "get", rc == 0);
	if (rc)
		reply_rc(req, rc, &err, model_kind_name(k));
	else
		rpc_reply_ok(req, rec);
}

/* The filters a list takes: a member equal to the value, or an array
 * holding it (directly or as the member of the same name of an element). */
static const char *const filters[] = { "org", "building", "premises", "service", "tariff", NULL };

struct list {
	const json_t *args;
	json_t *arr;
	size_t limit;
	uint32_t last;
	bool more;
};

static bool holds(const json_t *v, const char *name, const json_t *want)
{
	size_t i;
	json_t *e;

	if (json_equal(v, want))
		return true;
	json_array_foreach(v, i, e)
		if (json_equal(e, want) || json_equal(json_object_get(e, name), want))
			return true;
	return false;
}

static int list_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct list *li = arg;

	for (size_t i = 0; filters[i]; i++) {
		json_t *want = json_object_get(li->args, filters[i]);

		if (want && !holds(json_object_get(rec, filters[i]), filters[i], want))
			return 0;
	}
	if (json_array_size(li->arr) >= li->limit) {
		li->more = true;
		return 1;
	}
	li->last = id;
	return json_array_append_new(li->arr, json_deep_copy(rec)) ? AMR_ENOMEM : 0;
}

static void do_list(billrpc *b, enum model_kind k, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "after",	  "limit",   "org",    "building",
					      "premises", "service", "tariff", NULL };
	struct jv_err err = { "" };
	struct list li = { args, json_array(), 0, 0, false };
	long long after, limit, v;
	json_t *res = NULL;
	MDB_txn *txn;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_int(args, "after", false, 0, 0, MODEL_ID_MAX, &after, &err)) ||
	    (rc = jv_int(args, "limit", false, LIST_PAGE, 1, LIST_PAGE_MAX, &limit, &err)))
		goto out_reply;
	for (size_t i = 0; filters[i]; i++)
		if ((rc = jv_int(args, filters[i], false, 0, 1, MODEL_ID_MAX, &v, &err)))
			goto out_reply;
	if (!li.arr) {
		rc = AMR_ENOMEM;
		goto out_reply;
	}
	li.limit = (size_t)limit;
	if ((rc = kv_read_begin(ledger_kv(b->l), &txn)))
		goto out_reply;
	rc = ledger_scan(b->l, txn, k, (uint32_t)after, list_fn, &li);
	mdb_txn_abort(txn);
	if (!rc) {
		res = json_pack("{s:O}", "records", li.arr);
		if (res && li.more)
			json_object_set_new(res, "next", json_integer(li.last));
		if (!res)
			rc = AMR_ENOMEM;
	}
out_reply:
	json_decref(li.arr);
	count(b, k, "list", rc == 0);
	if (rc)
		reply_rc(req, rc, &err, model_kind_name(k));
	else
		rpc_reply_ok(req, res);
}

#define KIND_METHODS(fn, K)                                     \
	static void fn##_create(void *c, rpc_req *r, json_t *a) \
	{                                                       \
		do_change(c, K, true, r, a);                    \
	}                                                       \
	static void fn##_update(void *c, rpc_req *r, json_t *a) \
	{                                                       \
		do_change(c, K, false, r, a);                   \
	}                                                       \
	static void fn##_get(void *c, rpc_req *r, json_t *a)    \
	{                                                       \
		do_get(c, K, r, a);                             \
	}                                                       \
	static void fn##_list(void *c, rpc_req *r, json_t *a)   \
	{                                                       \
		do_list(c, K, r, a);                            \
	}

KIND_METHODS(org, MODEL_ORG)
KIND_METHODS(building, MODEL_BUILDING)
KIND_METHODS(premises, MODEL_PREMISES)
KIND_METHODS(account, MODEL_ACCOUNT)
KIND_METHODS(service, MODEL_SERVICE)
KIND_METHODS(meter, MODEL_METER)
KIND_METHODS(group, MODEL_GROUP)
KIND_METHODS(tariff, MODEL_TARIFF)
KIND_METHODS(version, MODEL_TARIFF_VERSION)
KIND_METHODS(calendar, MODEL_CALENDAR)
KIND_METHODS(rate, MODEL_RATE)

#define ROWS(name, fn, what)                                                                        \
	{ name ".create", fn##_create, "{actor,reason?," what "}: create; audited" },               \
		{ name ".update", fn##_update,                                                      \
		  "{id,actor,reason,fields to change (null removes)}: update; audited" },           \
		{ name ".get", fn##_get, "{id}: the record" },                                      \
	{                                                                                           \
		name ".list", fn##_list,                                                            \
			"{after?,limit?,org?,building?,premises?,service?,tariff?}: records in id " \
			"order, \"next\" when more follow"                                          \
	}

const struct rpc_method billrpc_methods[] = {
	ROWS("org", org, "name,inn,kpp?,account,bank,bik,corr_account,address?,phone?,..."),
	ROWS("building", building, "org,address,tz,objects?,house_meters?"),
	ROWS("premises", premises, "building,number,kind,area,residents,entrance?,floor?"),
	ROWS("account", account, "org,number,holder,email?,phone?,premises?"),
	ROWS("service", service, "org,code,name,unit,metered?"),
	ROWS("meter", meter, "premises,service,channel,source?,from,to?,serial?"),
	ROWS("group", group, "org,name,kind,premises?,accounts?"),
	ROWS("tariff", tariff, "org,service,name,kind"),
	ROWS("tariff.version", version, "tariff,from,to?,price?|prices,zones|norm,price_over"),
	ROWS("calendar", calendar, "org,date,working,note?"),
	ROWS("rate", rate, "org,kind,from,to?,rate?,note?"),
};
const size_t billrpc_nmethods = sizeof billrpc_methods / sizeof billrpc_methods[0];
