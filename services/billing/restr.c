/*
 * restr.c - the restriction module: its store and timer, the cases'
 * reading methods, the proposal, the notice and the cancel. Approval,
 * lift and retry, with the commands they send, are in restr_cmd.c.
 *
 * A case's states (docs/restrictions.md):
 *
 *   proposed --notice--> noticed --approve (on/after delivered + 20 days)-->
 *   blocking --every block done--> restricted --lift--> lifting
 *   --every unblock done--> lifted;  proposed or noticed --cancel--> cancelled
 *
 * Each step is a write transaction that changes the case and appends its
 * audit record, so both commit or neither does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acctarg.h"
#include "billrpc.h"
#include "log.h"
#include "restr_int.h"

#define LIST_PAGE     200  /* cases in a list answer by default */
#define LIST_PAGE_MAX 1000 /* and at most */

static const char *const states[] = { "proposed", "noticed", "blocking",  "restricted",
				      "lifting",  "lifted",  "cancelled", NULL };
static const char *const hows[] = { "receipt", "hand", "post", "email", "sms", NULL };

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

void restr__reply(restr *r, const char *method, rpc_req *req, int rc, const struct jv_err *err,
		  json_t *result)
{
	billrpc_reply(r->s, method, req, rc, err, result);
}

json_t *restr__step(const char *actor, const char *reason)
{
	return json_pack("{s:s, s:I, s:s}", "actor", actor, "ts", (json_int_t)svc_now(), "reason",
			 reason ? reason : "");
}

int restr__audit(restr *r, MDB_txn *txn, json_t *c, const char *actor, const char *action,
		 json_t *detail, const char *reason)
{
	json_t *hist = json_object_get(c, "history"), *rec;
	char target[48];
	int rc;

	if (!detail || json_object_set_new(detail, "reason", json_string(reason ? reason : ""))) {
		json_decref(detail);
		return AMR_ENOMEM;
	}
	if (!hist && json_object_set_new(c, "history", hist = json_array()))
		hist = NULL;
	if (!hist ||
	    json_array_append_new(hist, json_pack("{s:I, s:s, s:s, s:s}", "ts",
						  (json_int_t)svc_now(), "actor", actor, "action",
						  action, "reason", reason ? reason : ""))) {
		json_decref(detail);
		return AMR_ENOMEM;
	}
	while (json_array_size(hist) > RESTR_HISTORY_MAX)
		json_array_remove(hist, 0);
	snprintf(target, sizeof target, "billing/restriction/%lld",
		 (long long)json_integer_value(json_object_get(c, "id")));
	rec = json_pack("{s:I, s:s, s:s, s:s, s:o}", "ts", (json_int_t)svc_now(), "actor", actor,
			"action", action, "target", target, "detail", detail);
	if (!rec)
		return AMR_ENOMEM;
	rc = auditq_append(r->q, txn, rec);
	json_decref(rec);
	return rc;
}

int restr__load(restr *r, MDB_txn *txn, uint32_t id, json_t **out, struct jv_err *err)
{
	int rc = recstore_get(r->cases, txn, id, out);

	if (rc == AMR_ENOTFOUND)
		jv_fail(err, "id: there is no restriction %u", id);
	return rc;
}

static void m_get(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "id", NULL };
	restr *r = ctx;
	struct jv_err err = { "" };
	json_t *res = NULL;
	long long id;
	MDB_txn *txn;
	int rc;

	if (!(rc = jv_only(args, fields, &err)) &&
	    !(rc = jv_int(args, "id", true, 0, 1, UINT32_MAX, &id, &err)) &&
	    !(rc = kv_read_begin(ledger_kv(r->l), &txn))) {
		rc = restr__load(r, txn, (uint32_t)id, &res, &err);
		mdb_txn_abort(txn);
	}
	restr__reply(r, "restriction.get", req, rc, &err, res);
}

struct list {
	long long org, account; /* whose; account 0: any */
	int state;		/* an index of states, -1: any */
	bool open;		/* only cases neither lifted nor cancelled */
	size_t limit;
	json_t *arr;
	uint32_t last;
	bool more;
};

static bool is_open(const json_t *c)
{
	const char *s = str(c, "state");

	return s && strcmp(s, "lifted") && strcmp(s, "cancelled");
}

static int list_fn(uint32_t id, const json_t *c, void *arg)
{
	struct list *li = arg;

	if (json_integer_value(json_object_get(c, "org")) != li->org ||
	    (li->account && json_integer_value(json_object_get(c, "account")) != li->account) ||
	    (li->state >= 0 && strcmp(str(c, "state"), states[li->state])) ||
	    (li->open && !is_open(c)))
		return 0;
	if (json_array_size(li->arr) >= li->limit) {
		li->more = true;
		return 1;
	}
	li->last = id;
	return json_array_append_new(li->arr, json_deep_copy(c)) ? AMR_ENOMEM : 0;
}

static void m_list(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "org",   "account", "state", "open",
					      "after", "limit",	  NULL };
	restr *r = ctx;
	struct jv_err err = { "" };
	struct list li = { .arr = json_array() };
	long long after, limit;
	json_t *res = NULL;
	MDB_txn *txn;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_int(args, "org", true, 0, 1, MODEL_ID_MAX, &li.org, &err)) ||
	    (rc = jv_int(args, "account", false, 0, 1, MODEL_ID_MAX, &li.account, &err)) ||
	    (rc = jv_enum(args, "state", false, -1, states, &li.state, &err)) ||
	    (rc = jv_bool(args, "open", false, false, &li.open, &err)) ||
	    (rc = jv_int(args, "after", false, 0, 0, UINT32_MAX, &after, &err)) ||
	    (rc = jv_int(args, "limit", false, LIST_PAGE, 1, LIST_PAGE_MAX, &limit, &err)))
		goto out_reply;
	if (!li.arr) {
		rc = AMR_ENOMEM;
		goto out_reply;
	}
	li.limit = (size_t)limit;
	if ((rc = kv_read_begin(ledger_kv(r->l), &txn)))
		goto out_reply;
	rc = recstore_scan(r->cases, txn, (uint32_t)after, list_fn, &li);
	mdb_txn_abort(txn);
	if (!rc && !(res = json_pack("{s:O}", "restrictions", li.arr)))
		rc = AMR_ENOMEM;
	if (res && li.more)
		json_object_set_new(res, "next", json_integer(li.last));
out_reply:
	json_decref(li.arr);
	restr__reply(r, "restriction.list", req, rc, &err, res);
}

/* A proposal being made. */
struct propose {
	restr *r;
	const json_t *args;
	const char *code, *actor, *reason;
	json_t *result;
	struct jv_err *err;
};

struct open_find {
	long long account;
	const char *code;
	uint32_t id;
	char state[16]; /* a copy: the record is freed after the call */
};

static int open_fn(uint32_t id, const json_t *c, void *arg)
{
	struct open_find *f = arg;

	if (json_integer_value(json_object_get(c, "account")) != f->account ||
	    strcmp(str(c, "service"), f->code) || !is_open(c))
		return 0;
	f->id = id;
	snprintf(f->state, sizeof f->state, "%s", str(c, "state"));
	return 1;
}

/* The new case of account (record acc) from rule u. */
static json_t *new_case(struct propose *p, uint32_t account, const json_t *acc,
			const struct restr__rule *u, cal_day today)
{
	char b1[MONEY_STR_MAX], b2[MONEY_STR_MAX], day[CAL_DATE_LEN];
	json_t *c, *step = restr__step(p->actor, p->reason);

	if (step)
		json_object_set_new(step, "date", json_string(cal_day_format(today, day)));
	c = json_pack("{s:I, s:I, s:O, s:O?, s:s, s:I, s:O, s:O, s:s, s:s, s:s, s:O, s:o, s:[]}",
		      "org", (json_int_t)u->org, "account", (json_int_t)account, "number",
		      json_object_get(acc, "number"), "holder",
		      json_object_get(json_object_get(acc, "holder"), "name"), "service", p->code,
		      "service_id", (json_int_t)u->service, "premises", u->premises, "outputs",
		      u->outputs, "state", "proposed", "debt", money_format(u->overdue, b1),
		      "threshold", money_format(u->threshold, b2), "basis", u->basis, "proposed",
		      step, "history");
	return c;
}

static int propose_txn(MDB_txn *txn, void *arg)
{
	struct propose *p = arg;
	struct restr__rule u = { 0 };
	struct open_find f = { .code = p->code };
	json_t *acc = NULL, *c = NULL;
	char b1[MONEY_STR_MAX], b2[MONEY_STR_MAX];
	cal_day today = restr__today();
	uint32_t account, id;
	int rc;

	json_decref(p->result);
	p->result = NULL;
	if ((rc = acctarg_get(p->r->l, txn, p->args, &account, &acc, p->err)))
		return rc;
	f.account = account;
	if ((rc = recstore_scan(p->r->cases, txn, 0, open_fn, &f)))
		goto out_free;
	if (f.id) {
		rc = AMR_EEXIST;
		jv_fail(p->err, "service: restriction %u of %s for account %u is open already (%s)",
			f.id, p->code, account, f.state);
		goto out_free;
	}
	if ((rc = restr__rule_get(p->r, txn, account, acc, p->code, today, &u, p->err)))
		goto out_free;
	if (u.overdue <= u.threshold) {
		rc = jv_fail(p->err,
			     "account: the debt past due, %s, does not exceed two months' charges "
			     "at the norm, %s (Правила 354 п. 118)",
			     money_format(u.overdue, b1), money_format(u.threshold, b2));
		goto out_free;
	}
	if (!(c = new_case(p, account, acc, &u, today))) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	if ((rc = recstore_add(p->r->cases, txn, c, &id)) ||
	    (rc = restr__audit(p->r, txn, c, p->actor, "restriction.propose",
			       json_pack("{s:O}", "after", c), p->reason)) ||
	    (rc = recstore_put(p->r->cases, txn, id, c)))
		goto out_free;
	p->result = c;
	c = NULL;
out_free:
	json_decref(c);
	json_decref(acc);
	restr__rule_free(&u);
	return rc;
}

static void m_propose(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "account", "org",	   "number", "service",
					      "actor",	 "reason", NULL };
	struct jv_err err = { "" };
	struct propose p = { .r = ctx, .args = args, .err = &err };
	json_t *who = NULL;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_str(args, "service", true, NULL, 1, 40, &p.code, &err)) ||
	    (rc = jv_str(args, "actor", true, NULL, 1, 100, &p.actor, &err)) ||
	    (rc = jv_str(args, "reason", false, NULL, 1, 500, &p.reason, &err)))
		goto out_reply;
	if (!(who = json_deep_copy(args))) {
		rc = AMR_ENOMEM;
		goto out_reply;
	}
	json_object_del(who, "service");
	json_object_del(who, "actor");
	json_object_del(who, "reason");
	p.args = who;
	if ((rc = kv_write(ledger_kv(p.r->l), propose_txn, &p)))
		goto out_reply;
	log_info("restriction %lld proposed: account %s, %s, by %s",
		 (long long)json_integer_value(json_object_get(p.result, "id")),
		 str(p.result, "number"), p.code, p.actor);
	auditq_flush(p.r->q);
out_reply:
	json_decref(who);
	restr__reply(p.r, "restriction.propose", req, rc, &err, rc ? NULL : p.result);
	if (rc)
		json_decref(p.result);
}

/* A step on one case: notice or cancel. */
struct step {
	restr *r;
	uint32_t id;
	const char *actor, *reason;
	const char *delivered; /* notice: the day */
	int how;	       /* notice: an index of hows */
	bool cancel;	       /* cancel instead */
	json_t *result;
	struct jv_err *err;
};

static int notice_apply(struct step *t, json_t *c)
{
	char day[CAL_DATE_LEN];
	cal_day d;
	json_t *n;

	if (!cal_day_parse(t->delivered, &d))
		return jv_fail(t->err, "delivered: \"%s\" is not a date (YYYY-MM-DD)",
			       t->delivered);
	if (d > restr__today())
		return jv_fail(t->err, "delivered: %s is after today", t->delivered);
	n = restr__step(t->actor, t->reason);
	if (!n || json_object_set_new(n, "delivered", json_string(t->delivered)) ||
	    json_object_set_new(n, "how", json_string(hows[t->how])) ||
	    json_object_set_new(n, "earliest",
				json_string(cal_day_format(d + RESTR_NOTICE_DAYS, day))) ||
	    json_object_set_new(c, "notice", n) ||
	    json_object_set_new(c, "state", json_string("noticed")))
		return AMR_ENOMEM;
	return 0;
}

static int step_txn(MDB_txn *txn, void *arg)
{
	struct step *t = arg;
	json_t *before = NULL, *c = NULL;
	const char *state;
	int rc;

	json_decref(t->result);
	t->result = NULL;
	if ((rc = restr__load(t->r, txn, t->id, &before, t->err)))
		return rc;
	state = str(before, "state");
	if (strcmp(state, "proposed") && strcmp(state, "noticed")) {
		rc = AMR_ESTATE;
		jv_fail(t->err,
			"id: restriction %u is %s: only a proposed or noticed one may be %s", t->id,
			state, t->cancel ? "cancelled" : "given a notice");
		goto out_free;
	}
	if (!(c = json_deep_copy(before))) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	if (t->cancel)
		rc = json_object_set_new(c, "cancelled", restr__step(t->actor, t->reason)) ||
				     json_object_set_new(c, "state", json_string("cancelled"))
			     ? AMR_ENOMEM
			     : 0;
	else
		rc = notice_apply(t, c);
	if (rc ||
	    (rc = restr__audit(t->r, txn, c, t->actor,
			       t->cancel ? "restriction.cancel" : "restriction.notice",
			       json_pack("{s:O, s:O}", "before", before, "after", c), t->reason)) ||
	    (rc = recstore_put(t->r->cases, txn, t->id, c)))
		goto out_free;
	t->result = c;
	c = NULL;
out_free:
	json_decref(c);
	json_decref(before);
	return rc;
}

static void step_run(struct step *t, rpc_req *req, const char *method)
{
	int rc = kv_write(ledger_kv(t->r->l), step_txn, t);

	if (!rc) {
		log_info("%s: restriction %u by %s", method, t->id, t->actor);
		auditq_flush(t->r->q);
	}
	restr__reply(t->r, method, req, rc, t->err, rc ? NULL : t->result);
	if (rc)
		json_decref(t->result);
}

static void m_notice(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "id", "delivered", "how", "actor", "reason", NULL };
	struct jv_err err = { "" };
	struct step t = { .r = ctx, .err = &err };
	long long id;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_int(args, "id", true, 0, 1, UINT32_MAX, &id, &err)) ||
	    (rc = jv_str(args, "delivered", true, NULL, 10, 10, &t.delivered, &err)) ||
	    (rc = jv_enum(args, "how", true, 0, hows, &t.how, &err)) ||
	    (rc = jv_str(args, "actor", true, NULL, 1, 100, &t.actor, &err)) ||
	    (rc = jv_str(args, "reason", false, NULL, 1, 500, &t.reason, &err))) {
		restr__reply(t.r, "restriction.notice", req, rc, &err, NULL);
		return;
	}
	t.id = (uint32_t)id;
	step_run(&t, req, "restriction.notice");
}

static void m_cancel(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "id", "actor", "reason", NULL };
	struct jv_err err = { "" };
	struct step t = { .r = ctx, .err = &err, .cancel = true };
	long long id;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_int(args, "id", true, 0, 1, UINT32_MAX, &id, &err)) ||
	    (rc = jv_str(args, "actor", true, NULL, 1, 100, &t.actor, &err)) ||
	    (rc = jv_str(args, "reason", true, NULL, 1, 500, &t.reason, &err))) {
		restr__reply(t.r, "restriction.cancel", req, rc, &err, NULL);
		return;
	}
	t.id = (uint32_t)id;
	step_run(&t, req, "restriction.cancel");
}

amr_err restr_create(restr **out, struct svc *s, ledger *l, journal *j, auditq *q, notecl *nc,
		     const struct restr_opts *o)
{
	restr *r = calloc(1, sizeof *r);
	int rc;

	if (!r)
		return AMR_ENOMEM;
	r->s = s;
	r->l = l;
	r->j = j;
	r->q = q;
	r->nc = nc;
	r->o = *o;
	if ((rc = recstore_open(&r->cases, ledger_kv(l), "restr", "restriction")) ||
	    (rc = restr__settle_crashed(r)) ||
	    (nc && (rc = notecl_on(nc, "billing/restr/", restr__on_message, r)))) {
		restr_destroy(r);
		return rc;
	}
	r->m_commands = metrics_get(s->metrics, METRIC_COUNTER,
				    "amr_billing_restriction_commands_total", NULL,
				    "block and unblock commands asked of ingest for restrictions");
	r->m_restricted = metrics_get(s->metrics, METRIC_GAUGE, "amr_billing_restrictions",
				      "state=\"restricted\"",
				      "restriction cases by state, counted at each poll");
	r->m_auto_lifted = metrics_get(s->metrics, METRIC_COUNTER,
				       "amr_billing_restriction_auto_lifts_total", NULL,
				       "restrictions lifted because the debt was paid");
	r->m_polls = metrics_get(s->metrics, METRIC_COUNTER, "amr_billing_restriction_polls_total",
				 NULL, "looks at restrictions' commands and debts done");
	r->timer = loop_timer_add(s->loop, o->poll_s * 1000u, true, restr__poll, r);
	if (!r->timer) {
		restr_destroy(r);
		return AMR_ENOMEM;
	}
	*out = r;
	return AMR_OK;
}

void restr_destroy(restr *r)
{
	if (!r)
		return;
	if (r->timer)
		loop_timer_cancel(r->s->loop, r->timer);
	recstore_close(r->cases);
	free(r);
}

const struct rpc_method restr_methods[] = {
	{ "restriction.propose", m_propose,
	  "{account|org+number,service,actor,reason?}: propose restricting a debtor's service "
	  "(hot_water, electricity, gas) when the debt exceeds two months at the norm; audited" },
	{ "restriction.notice", m_notice,
	  "{id,delivered,how,actor,reason?}: the notice was delivered (receipt, hand, post, "
	  "email, sms) on that day; the restriction may happen 20 days later; audited" },
	{ "restriction.approve", restr__approve,
	  "{id,actor,reason?}: approve on or after the earliest day (not by the proposer when the "
	  "two-person rule is on): block commands go to the outputs through ingest; audited" },
	{ "restriction.lift", restr__lift,
	  "{id,actor,reason}: lift a restriction: unblock commands through ingest; audited" },
	{ "restriction.retry", restr__retry,
	  "{id,actor,reason}: ask ingest again for the failed or unknown commands of the current "
	  "step; audited" },
	{ "restriction.cancel", m_cancel,
	  "{id,actor,reason}: cancel a proposed or noticed restriction; audited" },
	{ "restriction.send_notice", restr__send_notice,
	  "{id,channels?:[email,sms],actor,reason?}: send the notice to the tenant's e-mail and "
	  "phone through amr-notify, once per channel (refs); its messages' states on the case; "
	  "audited" },
	{ "restriction.get", m_get, "{id}: a restriction case" },
	{ "restriction.list", m_list,
	  "{org,account?,state?,open?,after?,limit?}: the cases in id order" },
};
const size_t restr_nmethods = sizeof restr_methods / sizeof restr_methods[0];
