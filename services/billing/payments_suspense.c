/*
 * payments_suspense.c - the payments of bank registries nobody was found
 * for (невыясненные платежи): listed (suspense.list), and each assigned
 * once to the account an accountant found for it (suspense.assign), which
 * makes its payment entry, dated the day it was paid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "payments_int.h"

#define LIST_PAGE     500  /* lines in a list answer by default */
#define LIST_PAGE_MAX 2000 /* and at most */

static const char *const states[] = { "open", "assigned", NULL };

struct list {
	long long org; /* whose */
	int state;     /* an index of states, -1: any */
	size_t limit;  /* lines in the answer */
	json_t *arr;   /* the lines */
	uint32_t last; /* the last id in arr */
	bool more;     /* more follow */
};

static int list_fn(uint32_t id, const json_t *rec, void *arg)
{
	struct list *li = arg;

	if (json_integer_value(json_object_get(rec, "org")) != li->org ||
	    (li->state >= 0 &&
	     strcmp(json_string_value(json_object_get(rec, "state")), states[li->state])))
		return 0;
	if (json_array_size(li->arr) >= li->limit) {
		li->more = true;
		return 1;
	}
	li->last = id;
	return json_array_append_new(li->arr, json_deep_copy(rec)) ? AMR_ENOMEM : 0;
}

void payments__suspense_list(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "org", "state", "after", "limit", NULL };
	payments *p = ctx;
	struct jv_err err = { "" };
	struct list li = { .arr = json_array() };
	long long after, limit;
	json_t *res = NULL;
	MDB_txn *txn;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_int(args, "org", true, 0, 1, MODEL_ID_MAX, &li.org, &err)) ||
	    (rc = jv_enum(args, "state", false, -1, states, &li.state, &err)) ||
	    (rc = jv_int(args, "after", false, 0, 0, UINT32_MAX, &after, &err)) ||
	    (rc = jv_int(args, "limit", false, LIST_PAGE, 1, LIST_PAGE_MAX, &limit, &err)))
		goto out_reply;
	if (!li.arr) {
		rc = AMR_ENOMEM;
		goto out_reply;
	}
	li.limit = (size_t)limit;
	if ((rc = kv_read_begin(ledger_kv(p->l), &txn)))
		goto out_reply;
	rc = recstore_scan(p->susp, txn, (uint32_t)after, list_fn, &li);
	mdb_txn_abort(txn);
	if (!rc && !(res = json_pack("{s:O}", "records", li.arr)))
		rc = AMR_ENOMEM;
	if (res && li.more)
		json_object_set_new(res, "next", json_integer(li.last));
out_reply:
	json_decref(li.arr);
	payments__reply(p, "suspense.list", req, rc, &err, res);
}

struct assign {
	payments *p;
	const json_t *args;	    /* the request's (borrowed) */
	uint32_t id;		    /* the suspense line */
	const char *actor, *reason; /* borrowed from args */
	json_t *result;		    /* {"suspense","entry"} */
	struct jv_err *err;	    /* why it was refused */
};

/* The account args name: by id, or by number within the line's org. */
static int assign_account(struct assign *c, MDB_txn *txn, const json_t *line, uint32_t *account)
{
	json_t *who = json_deep_copy(c->args), *rec = NULL;
	long long org = json_integer_value(json_object_get(line, "org")), its;
	int rc;

	if (!who)
		return AMR_ENOMEM;
	json_object_del(who, "id");
	if (json_object_get(who, "number") && !json_object_get(who, "org"))
		json_object_set_new(who, "org", json_integer(org));
	rc = acctarg_get(c->p->l, txn, who, account, &rec, c->err);
	json_decref(who);
	if (rc)
		return rc;
	its = json_integer_value(json_object_get(rec, "org"));
	json_decref(rec);
	if (its != org)
		return jv_fail(c->err,
			       "account: account %u belongs to organisation %lld; the payment came "
			       "to organisation %lld",
			       *account, its, org);
	return 0;
}

static int assign_txn(MDB_txn *txn, void *arg)
{
	struct assign *c = arg;
	json_t *before = NULL, *after = NULL, *e = NULL;
	const json_t *was;
	char target[64];
	uint32_t account;
	uint64_t seq;
	int rc;

	json_decref(c->result);
	c->result = NULL;
	rc = recstore_get(c->p->susp, txn, c->id, &before);
	if (rc == AMR_ENOTFOUND) {
		jv_fail(c->err, "id: there is no suspense line %u", c->id);
		return AMR_ENOTFOUND;
	}
	if (rc)
		return rc;
	if ((was = json_object_get(before, "assigned"))) {
		jv_fail(c->err,
			"id: suspense line %u is assigned already (to account %lld, entry "
			"%lld)",
			c->id, (long long)json_integer_value(json_object_get(was, "account")),
			(long long)json_integer_value(json_object_get(was, "seq")));
		rc = AMR_ESTATE;
		goto out_free;
	}
	if ((rc = assign_account(c, txn, before, &account)))
		goto out_free;
	if (!(e = payments__line_entry(before, account, c->actor)) ||
	    json_object_set_new(e, "suspense", json_integer(c->id)) ||
	    json_object_set_new(e, "reason", json_string(c->reason))) {
		rc = e ? AMR_ENOMEM : AMR_EDB;
		goto out_free;
	}
	if ((rc = journal_add(c->p->j, txn, e, &seq)))
		goto out_free;
	if (!(after = json_deep_copy(before)) ||
	    json_object_set_new(after, "state", json_string("assigned")) ||
	    json_object_set_new(after, "assigned",
				json_pack("{s:I, s:I, s:s, s:s, s:I}", "account",
					  (json_int_t)account, "seq", (json_int_t)seq, "actor",
					  c->actor, "reason", c->reason, "ts",
					  (json_int_t)svc_now()))) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	snprintf(target, sizeof target, "billing/suspense/%u", c->id);
	if ((rc = recstore_put(c->p->susp, txn, c->id, after)) ||
	    (rc = payments__audit(
		     c->p, txn, c->actor, "suspense.assign", target,
		     json_pack("{s:O, s:O, s:O}", "before", before, "after", after, "entry", e),
		     c->reason)))
		goto out_free;
	if (!(c->result = json_pack("{s:O, s:O}", "suspense", after, "entry", e)))
		rc = AMR_ENOMEM;
out_free:
	json_decref(e);
	json_decref(after);
	json_decref(before);
	return rc;
}

void payments__suspense_assign(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "id",    "account", "number", "org",
					      "actor", "reason",  NULL };
	struct jv_err err = { "" };
	struct assign c = { .p = ctx, .args = args, .err = &err };
	long long id;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_int(args, "id", true, 0, 1, UINT32_MAX, &id, &err)) ||
	    (rc = jv_str(args, "actor", true, NULL, 1, 100, &c.actor, &err)) ||
	    (rc = jv_str(args, "reason", true, NULL, 1, 500, &c.reason, &err)))
		goto out_reply;
	c.id = (uint32_t)id;
	if ((rc = kv_write(ledger_kv(c.p->l), assign_txn, &c)))
		goto out_reply;
	log_info("suspense.assign: line %u to account %lld, by %s", c.id,
		 (long long)json_integer_value(
			 json_object_get(json_object_get(c.result, "entry"), "account")),
		 c.actor);
	metric_add(c.p->m_registry, 1);
	metric_add(c.p->m_open, -1);
	auditq_flush(c.p->q);
out_reply:
	payments__reply(c.p, "suspense.assign", req, rc, &err, rc ? NULL : c.result);
	if (rc)
		json_decref(c.result);
}
