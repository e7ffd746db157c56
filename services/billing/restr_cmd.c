/*
 * restr_cmd.c - the steps of a restriction that move outputs: approval
 * (block), lift (unblock, by a person or when the debt is paid) and a
 * person's retry, the calls to ingest they make, and the poll that follows
 * the commands to their end.
 *
 * A case keeps a command per output and step, in "block" or "unblock":
 *
 *   {"output","meter","channel","state","attempt","actor","requested",
 *    "id"?,"finished"?,"error"?}
 *
 * A command is written "requesting" in the step's transaction, before
 * ingest is asked, as ingest writes "sent" before it publishes: a crash
 * can lose an ask but never make one twice. Ingest's answer gives its id
 * and state (queued, sent, done, failed); the poll asks ingest for the
 * ones not finished. Whatever may or may not have reached the output is
 * "unknown": ingest did not answer the ask, billing stopped before it did,
 * or the command expired after it was sent. Nothing here asks again by
 * itself; restriction.retry is a person's decision. An ask ingest did not
 * answer may still reach it later (the broker keeps it for ingest's
 * session), so the poll looks for an unknown command among ingest's
 * commands of the object by its reason, which names the case and the
 * attempt: found, its real state replaces "unknown".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proto.h"
#include "restr_int.h"

#define INGEST_WAIT_S 2 /* ingest waits this long for the gateway's result */

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool is(const json_t *o, const char *k, const char *v)
{
	const char *s = str(o, k);

	return s && !strcmp(s, v);
}

/* Which list a case's state moves: "block" or "unblock", NULL: none. */
static const char *step_cmd(const json_t *c)
{
	if (is(c, "state", "blocking") || is(c, "state", "restricted"))
		return "block";
	if (is(c, "state", "lifting") || is(c, "state", "lifted"))
		return "unblock";
	return NULL;
}

/* A new "requesting" command of cmd for each output of case c. */
static json_t *new_commands(const json_t *c, const char *actor)
{
	json_t *arr = json_array(), *o;
	size_t i;

	json_array_foreach(json_object_get(c, "outputs"), i, o) {
		if (!arr || json_array_append_new(
				    arr, json_pack("{s:O, s:O, s:O, s:s, s:i, s:s, s:I}", "output",
						   json_object_get(o, "output"), "meter",
						   json_object_get(o, "meter"), "channel",
						   json_object_get(o, "channel"), "state",
						   "requesting", "attempt", 1, "actor", actor,
						   "requested", (json_int_t)svc_now()))) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* After a command's change: a step whose commands are all done is over. */
static int advance(json_t *c)
{
	const char *cmd = step_cmd(c);
	json_t *e;
	size_t i;

	if (!cmd || !json_array_size(json_object_get(c, cmd)))
		return 0;
	json_array_foreach(json_object_get(c, cmd), i, e)
		if (!is(e, "state", "done"))
			return 0;
	if (is(c, "state", "blocking"))
		return json_object_set_new(c, "state", json_string("restricted")) ? AMR_ENOMEM : 0;
	if (is(c, "state", "lifting"))
		return json_object_set_new(c, "state", json_string("lifted")) ? AMR_ENOMEM : 0;
	return 0;
}

/* What one answer about a command says. */
struct settle {
	restr *r;
	uint32_t id;	    /* the case */
	char cmd[8];	    /* "block" or "unblock" */
	size_t idx;	    /* the command's place in that list */
	json_int_t attempt; /* the attempt asked about */
	char ingest_id[64]; /* ingest's id of it ("" before ingest answered) */
	const char *state;  /* what it is now */
	char error[300];    /* why it failed or is unknown, "" */
	char reason[200];   /* an unknown one's reason, looked for among ingest's */
	bool changed;	    /* the case changed */
};

/* May a command in state from become to? Finished ones stay, except an
 * unknown that ingest later knows the end of. */
static bool may_become(const char *from, const char *to)
{
	if (!strcmp(from, to) || !strcmp(from, "done") || !strcmp(from, "failed"))
		return false;
	if (!strcmp(from, "unknown"))
		return strcmp(to, "requesting") != 0;
	return true;
}

static int settle_txn(MDB_txn *txn, void *arg)
{
	struct settle *t = arg;
	struct jv_err err = { "" };
	json_t *c = NULL, *e;
	int rc;

	t->changed = false;
	if ((rc = restr__load(t->r, txn, t->id, &c, &err)))
		return rc;
	e = json_array_get(json_object_get(c, t->cmd), t->idx);
	if (!e || json_integer_value(json_object_get(e, "attempt")) != t->attempt ||
	    !may_become(str(e, "state"), t->state) ||
	    (str(e, "id") && t->ingest_id[0] && strcmp(str(e, "id"), t->ingest_id))) {
		json_decref(c);
		return 0; /* an answer about an attempt given up, or nothing new */
	}
	if (!t->error[0])
		json_object_del(e, "error"); /* an unknown that turned out well */
	if (json_object_set_new(e, "state", json_string(t->state)) ||
	    (t->ingest_id[0] && json_object_set_new(e, "id", json_string(t->ingest_id))) ||
	    (t->error[0] && json_object_set_new(e, "error", json_string(t->error))) ||
	    (strcmp(t->state, "queued") && strcmp(t->state, "sent") &&
	     json_object_set_new(e, "finished", json_integer(svc_now()))) ||
	    (rc = advance(c)) ||
	    (rc = restr__audit(t->r, txn, c, str(e, "actor"), "restriction.command",
			       json_pack("{s:s, s:O, s:O?, s:s, s:s}", "cmd", t->cmd, "output",
					 json_object_get(e, "output"), "id",
					 json_object_get(e, "id"), "state", t->state, "error",
					 t->error),
			       t->error[0] ? t->error : NULL)) ||
	    (rc = recstore_put(t->r->cases, txn, t->id, c))) {
		json_decref(c);
		return rc ? rc : AMR_ENOMEM;
	}
	t->changed = true;
	json_decref(c);
	return 0;
}

static void settle(struct settle *t)
{
	int rc = kv_write(ledger_kv(t->r->l), settle_txn, t);

	if (rc) {
		log_error("restriction %u: cannot record %s of %s: %s", t->id, t->state, t->cmd,
			  amr_strerror(rc));
		return;
	}
	if (t->changed) {
		log_info("restriction %u: %s %zu is %s%s%s", t->id, t->cmd, t->idx + 1, t->state,
			 t->error[0] ? ": " : "", t->error);
		auditq_flush(t->r->q);
	}
}

/* Ingest's state of a command as a case records it: an expired command
 * that was sent may have reached the output. */
static const char *ingest_state(const json_t *res)
{
	const char *s = str(res, "state");

	if (!s)
		return "unknown";
	if (!strcmp(s, "expired"))
		return json_object_get(res, "sent") ? "unknown" : "failed";
	if (!strcmp(s, "queued") || !strcmp(s, "sent") || !strcmp(s, "done") ||
	    !strcmp(s, "failed"))
		return s;
	return "unknown";
}

static void on_answer(void *ctx, int err, json_t *res, const char *code, const char *message)
{
	struct settle *t = ctx;

	t->r->in_flight--;
	if (err == AMR_ESTATE && code && !strcmp(code, "shutdown")) {
		free(t); /* stays as it is: the next start settles it */
		return;
	}
	if (!err) {
		const json_t *r = json_object_get(res, "result");

		snprintf(t->ingest_id, sizeof t->ingest_id, "%s",
			 str(res, "id") ? str(res, "id") : "");
		t->state = ingest_state(res);
		if (str(r, "error"))
			snprintf(t->error, sizeof t->error, "%s", str(r, "error"));
		else if (!strcmp(t->state, "failed") && !json_object_get(res, "sent"))
			snprintf(t->error, sizeof t->error,
				 "expired before the gateway was online to take it");
		else if (!strcmp(t->state, "unknown"))
			snprintf(t->error, sizeof t->error,
				 "ingest sent it, and it expired without an answer");
	} else if (err == AMR_ETIMEDOUT && !t->ingest_id[0]) {
		t->state = "unknown";
		snprintf(t->error, sizeof t->error,
			 "ingest did not answer: it may or may not have recorded the command");
	} else if (t->ingest_id[0]) {
		log_warn("restriction %u: ingest/command.get %s: %s", t->id, t->ingest_id,
			 message ? message : amr_strerror(err));
		free(t); /* asked again at the next poll */
		return;
	} else {
		t->state = "failed";
		snprintf(t->error, sizeof t->error, "ingest refused it: %s",
			 message ? message : amr_strerror(err));
	}
	settle(t);
	free(t);
}

/* The reason a command is sent with: it names the case and the attempt,
 * so that the command can be found among ingest's when its ask went
 * unanswered. */
static void reason_of(const json_t *c, const json_t *e, char *buf, size_t size)
{
	snprintf(buf, size, "debt: restriction %lld (attempt %lld) of account %s, %s",
		 (long long)json_integer_value(json_object_get(c, "id")),
		 (long long)json_integer_value(json_object_get(e, "attempt")), str(c, "number"),
		 str(c, "service"));
}

/* A command found among ingest's: what the unknown one became. */
static void on_found(void *ctx, int err, json_t *res, const char *code, const char *message)
{
	struct settle *t = ctx;
	const json_t *v;
	size_t i;

	(void)code;
	t->r->in_flight--;
	if (err) {
		log_warn("restriction %u: ingest/commands: %s", t->id,
			 message ? message : amr_strerror(err));
		free(t);
		return;
	}
	json_array_foreach(json_object_get(res, "commands"), i, v) {
		if (!is(v, "cmd", t->cmd) || !is(v, "reason", t->reason))
			continue;
		snprintf(t->ingest_id, sizeof t->ingest_id, "%s", str(v, "id") ? str(v, "id") : "");
		t->state = ingest_state(v);
		if (str(json_object_get(v, "result"), "error"))
			snprintf(t->error, sizeof t->error, "%s",
				 str(json_object_get(v, "result"), "error"));
		if (strcmp(t->state, "unknown"))
			settle(t);
		break;
	}
	free(t);
}

/* Ask ingest about command idx of cmd in case c: a new command when it is
 * "requesting", else its state. */
static void ask(restr *r, const json_t *c, const char *cmd, size_t idx)
{
	const json_t *e = json_array_get(json_object_get(c, cmd), idx);
	struct settle *t = calloc(1, sizeof *t);
	struct proto_id o = { 0 };
	char reason[200];
	json_t *args;
	int rc;

	if (!t)
		return;
	t->r = r;
	t->id = (uint32_t)json_integer_value(json_object_get(c, "id"));
	snprintf(t->cmd, sizeof t->cmd, "%s", cmd);
	t->idx = idx;
	t->attempt = json_integer_value(json_object_get(e, "attempt"));
	proto_id_parse(str(e, "output"), &o);
	reason_of(c, e, reason, sizeof reason);
	if (is(e, "state", "unknown") && !str(e, "id")) {
		snprintf(t->reason, sizeof t->reason, "%s", reason);
		args = json_pack("{s:i, s:i}", "obj", o.obj, "limit", 1000);
		rc = args ? rpc_call(r->s->rpc, "ingest/commands", args, r->o.ingest_ms, on_found,
				     t)
			  : AMR_ENOMEM;
	} else if (!is(e, "state", "requesting")) {
		snprintf(t->ingest_id, sizeof t->ingest_id, "%s", str(e, "id"));
		args = json_pack("{s:s}", "id", str(e, "id"));
		rc = args ? rpc_call(r->s->rpc, "ingest/command.get", args, r->o.ingest_ms,
				     on_answer, t)
			  : AMR_ENOMEM;
	} else {
		args = json_pack("{s:i, s:s, s:i, s:i, s:s, s:s, s:i}", "obj", o.obj, "cmd", cmd,
				 "addr", o.addr, "out", o.ch, "actor", str(e, "actor"), "reason",
				 reason, "wait", INGEST_WAIT_S);
		rc = args ? rpc_call(r->s->rpc, "ingest/command", args, r->o.ingest_ms, on_answer,
				     t)
			  : AMR_ENOMEM;
		metric_add(r->m_commands, 1);
	}
	if (!rc) {
		r->in_flight++;
		return;
	}
	/* nothing was sent, and on_answer will not be called */
	if (is(e, "state", "requesting")) {
		t->state = "failed";
		snprintf(t->error, sizeof t->error, "ingest could not be asked: %s",
			 amr_strerror(rc));
		settle(t);
	}
	free(t);
}

/* Ask ingest for each of case c's commands in the given states. */
static void ask_all(restr *r, const json_t *c, bool requesting, bool open)
{
	static const char *const cmds[] = { "block", "unblock" };

	for (size_t k = 0; k < 2; k++) {
		json_t *e;
		size_t i;

		json_array_foreach(json_object_get(c, cmds[k]), i, e) {
			bool req = is(e, "state", "requesting");
			bool in_flight = is(e, "state", "queued") || is(e, "state", "sent") ||
					 is(e, "state", "unknown");

			if ((requesting && req) || (open && in_flight))
				ask(r, c, cmds[k], i);
		}
	}
}

/* A step that moves outputs. */
struct move {
	restr *r;
	uint32_t id;
	const char *actor, *reason;
	enum {
		MOVE_APPROVE,
		MOVE_LIFT,
		MOVE_RETRY
	} kind;
	bool automatic; /* a lift because the debt was paid */
	json_t *result;
	struct jv_err *err;
};

static int approve_check(struct move *m, MDB_txn *txn, json_t *c)
{
	struct restr__rule u = { 0 };
	const json_t *n = json_object_get(c, "notice");
	const char *by = str(json_object_get(c, "proposed"), "actor");
	char b1[MONEY_STR_MAX], b2[MONEY_STR_MAX], day[CAL_DATE_LEN];
	json_t *acc = NULL;
	cal_day earliest;
	int rc;

	if (!is(c, "state", "noticed")) {
		jv_fail(m->err, "id: restriction %u is %s: it needs a notice delivered first",
			m->id, str(c, "state"));
		return AMR_ESTATE;
	}
	cal_day_parse(str(n, "earliest"), &earliest);
	if (restr__today() < earliest) {
		jv_fail(m->err,
			"id: restriction %u may happen on %s at the earliest: 20 days "
			"after the notice delivered on %s (Правила 354 п. 119)",
			m->id, str(n, "earliest"), str(n, "delivered"));
		return AMR_ESTATE;
	}
	if (m->r->o.two_person && by && !strcmp(by, m->actor)) {
		jv_fail(m->err,
			"actor: the two-person rule: %s proposed restriction %u, so "
			"someone else approves it",
			by, m->id);
		return AMR_EPERM;
	}
	if ((rc = ledger_get(m->r->l, txn, MODEL_ACCOUNT,
			     (uint32_t)json_integer_value(json_object_get(c, "account")), &acc)))
		return rc;
	rc = restr__rule_get(m->r, txn, (uint32_t)json_integer_value(json_object_get(c, "account")),
			     acc, str(c, "service"), restr__today(), &u, m->err);
	json_decref(acc);
	if (rc)
		return rc;
	if (u.overdue <= u.threshold) {
		jv_fail(m->err,
			"id: the debt past due is %s on %s, no longer above two months at "
			"the norm, %s (Правила 354 п. 118): cancel the restriction",
			money_format(u.overdue, b1), cal_day_format(restr__today(), day),
			money_format(u.threshold, b2));
		rc = AMR_ESTATE;
	} else if (json_object_set(c, "outputs", u.outputs) ||
		   json_object_set_new(c, "debt_approved",
				       json_string(money_format(u.overdue, b1))))
		rc = AMR_ENOMEM;
	restr__rule_free(&u);
	return rc;
}

/* Retry: the step's failed and unknown commands become new attempts. */
static int retry_apply(struct move *m, json_t *c)
{
	const char *cmd = step_cmd(c);
	size_t i, n = 0;
	json_t *e;

	if (!cmd || is(c, "state", "restricted") || is(c, "state", "lifted")) {
		jv_fail(m->err, "id: restriction %u is %s: nothing to retry", m->id,
			str(c, "state"));
		return AMR_ESTATE;
	}
	json_array_foreach(json_object_get(c, cmd), i, e) {
		if (!is(e, "state", "failed") && !is(e, "state", "unknown"))
			continue;
		if (json_object_set_new(
			    e, "attempt",
			    json_integer(json_integer_value(json_object_get(e, "attempt")) + 1)) ||
		    json_object_set_new(e, "state", json_string("requesting")) ||
		    json_object_set_new(e, "actor", json_string(m->actor)) ||
		    json_object_set_new(e, "requested", json_integer(svc_now())))
			return AMR_ENOMEM;
		json_object_del(e, "id");
		json_object_del(e, "error");
		json_object_del(e, "finished");
		n++;
	}
	if (!n) {
		jv_fail(m->err, "id: restriction %u has no failed or unknown %s command", m->id,
			cmd);
		return AMR_ESTATE;
	}
	return 0;
}

static int move_apply(struct move *m, MDB_txn *txn, json_t *c)
{
	json_t *cmds;
	int rc;

	switch (m->kind) {
	case MOVE_APPROVE:
		if ((rc = approve_check(m, txn, c)))
			return rc;
		cmds = new_commands(c, m->actor);
		return !cmds || json_object_set_new(c, "block", cmds) ||
				       json_object_set_new(c, "approved",
							   restr__step(m->actor, m->reason)) ||
				       json_object_set_new(c, "state", json_string("blocking"))
			       ? AMR_ENOMEM
			       : 0;
	case MOVE_LIFT:
		if (!is(c, "state", "blocking") && !is(c, "state", "restricted")) {
			jv_fail(m->err,
				"id: restriction %u is %s: only a blocking or restricted "
				"one is lifted",
				m->id, str(c, "state"));
			return AMR_ESTATE;
		}
		cmds = new_commands(c, m->actor);
		rc = !cmds || json_object_set_new(c, "unblock", cmds) ||
		     json_object_set_new(c, "lift", restr__step(m->actor, m->reason)) ||
		     json_object_set_new(c, "state", json_string("lifting"));
		if (!rc && m->automatic)
			rc = json_object_set_new(json_object_get(c, "lift"), "automatic",
						 json_true());
		return rc ? AMR_ENOMEM : 0;
	default:
		return retry_apply(m, c);
	}
}

static int move_txn(MDB_txn *txn, void *arg)
{
	static const char *const actions[] = { "restriction.approve", "restriction.lift",
					       "restriction.retry" };
	struct move *m = arg;
	json_t *before = NULL, *c = NULL;
	int rc;

	json_decref(m->result);
	m->result = NULL;
	if ((rc = restr__load(m->r, txn, m->id, &before, m->err)))
		return rc;
	if (!(c = json_deep_copy(before)))
		rc = AMR_ENOMEM;
	if (rc || (rc = move_apply(m, txn, c)) ||
	    (rc = restr__audit(m->r, txn, c, m->actor, actions[m->kind],
			       json_pack("{s:O, s:O}", "before", before, "after", c), m->reason)) ||
	    (rc = recstore_put(m->r->cases, txn, m->id, c))) {
		json_decref(c);
		json_decref(before);
		return rc;
	}
	m->result = c;
	json_decref(before);
	return 0;
}

/* Run step m; on success ask ingest for its commands. */
static int move_run(struct move *m)
{
	int rc = kv_write(ledger_kv(m->r->l), move_txn, m);

	if (rc)
		return rc;
	log_info("restriction %u: %s by %s", m->id, str(m->result, "state"), m->actor);
	auditq_flush(m->r->q);
	ask_all(m->r, m->result, true, false);
	return 0;
}

static void move_method(void *ctx, rpc_req *req, json_t *args, int kind, const char *method)
{
	static const char *const fields[] = { "id", "actor", "reason", NULL };
	struct jv_err err = { "" };
	struct move m = { .r = ctx, .err = &err, .kind = kind };
	long long id;
	int rc;

	if (!(rc = jv_only(args, fields, &err)) &&
	    !(rc = jv_int(args, "id", true, 0, 1, UINT32_MAX, &id, &err)) &&
	    !(rc = jv_str(args, "actor", true, NULL, 1, 100, &m.actor, &err)) &&
	    !(rc = jv_str(args, "reason", kind != MOVE_APPROVE, NULL, 1, 500, &m.reason, &err))) {
		m.id = (uint32_t)id;
		rc = move_run(&m);
	}
	restr__reply(m.r, method, req, rc, &err, rc ? NULL : m.result);
	if (rc)
		json_decref(m.result);
}

void restr__approve(void *ctx, rpc_req *req, json_t *args)
{
	move_method(ctx, req, args, MOVE_APPROVE, "restriction.approve");
}

void restr__lift(void *ctx, rpc_req *req, json_t *args)
{
	move_method(ctx, req, args, MOVE_LIFT, "restriction.lift");
}

void restr__retry(void *ctx, rpc_req *req, json_t *args)
{
	move_method(ctx, req, args, MOVE_RETRY, "restriction.retry");
}

/* What a poll found to do. */
struct poll {
	restr *r;
	MDB_txn *txn;
	cal_day today;
	json_t *ask;  /* cases with commands to ask after */
	json_t *paid; /* ids of restricted cases whose debt is paid */
	long long restricted;
};

static int poll_fn(uint32_t id, const json_t *c, void *arg)
{
	struct poll *p = arg;
	struct jv_err err = { "" };
	money_kop overdue;

	if (json_object_get(c, "block") || json_object_get(c, "unblock"))
		if (json_array_append(p->ask, (json_t *)c))
			return AMR_ENOMEM;
	if (!is(c, "state", "blocking") && !is(c, "state", "restricted"))
		return 0;
	p->restricted += is(c, "state", "restricted");
	if (restr__overdue(p->r, p->txn, (uint32_t)json_integer_value(json_object_get(c, "org")),
			   (uint32_t)json_integer_value(json_object_get(c, "account")), p->today,
			   &overdue, &err)) {
		log_warn("restriction %u: the debt cannot be computed: %s", id,
			 err.msg[0] ? err.msg : "error");
		return 0;
	}
	return overdue <= 0 && json_array_append_new(p->paid, json_integer(id)) ? AMR_ENOMEM : 0;
}

void restr__poll(void *arg)
{
	restr *r = arg;
	struct poll p = {
		.r = r, .today = restr__today(), .ask = json_array(), .paid = json_array()
	};
	size_t i;
	json_t *v;
	int rc = 0;

	restr__messages_poll(r);
	if (r->in_flight || !p.ask || !p.paid)
		goto out_free; /* the last poll's questions are still out */
	if ((rc = kv_read_begin(ledger_kv(r->l), &p.txn)))
		goto out_free;
	rc = recstore_scan(r->cases, p.txn, 0, poll_fn, &p);
	mdb_txn_abort(p.txn);
	if (rc)
		goto out_free;
	metric_set(r->m_restricted, p.restricted);
	json_array_foreach(p.ask, i, v)
		ask_all(r, v, false, true);
	json_array_foreach(p.paid, i, v) {
		struct jv_err err = { "" };
		struct move m = { .r = r,
				  .err = &err,
				  .kind = MOVE_LIFT,
				  .automatic = true,
				  .id = (uint32_t)json_integer_value(v),
				  .actor = "billing",
				  .reason = "the debt is paid (Правила 354 п. 120)" };

		if ((rc = move_run(&m)))
			log_warn("restriction %u: cannot lift: %s", m.id,
				 err.msg[0] ? err.msg : amr_strerror(rc));
		else
			metric_add(r->m_auto_lifted, 1);
		json_decref(m.result);
	}
	metric_add(r->m_polls, 1);
out_free:
	if (rc)
		log_error("restrictions: the poll failed: %s", amr_strerror(rc));
	json_decref(p.ask);
	json_decref(p.paid);
}

static int crashed_fn(uint32_t id, const json_t *c, void *arg)
{
	static const char *const cmds[] = { "block", "unblock" };
	json_t *list = arg;

	for (size_t k = 0; k < 2; k++) {
		json_t *e;
		size_t i;

		json_array_foreach(json_object_get(c, cmds[k]), i, e)
			if (is(e, "state", "requesting") &&
			    json_array_append_new(list, json_pack("{s:I, s:s, s:I, s:O}", "id",
								  (json_int_t)id, "cmd", cmds[k],
								  "idx", (json_int_t)i, "attempt",
								  json_object_get(e, "attempt"))))
				return AMR_ENOMEM;
	}
	return 0;
}

int restr__settle_crashed(restr *r)
{
	json_t *list = json_array(), *v;
	MDB_txn *txn;
	size_t i;
	int rc;

	if (!list)
		return AMR_ENOMEM;
	if (!(rc = kv_read_begin(ledger_kv(r->l), &txn))) {
		rc = recstore_scan(r->cases, txn, 0, crashed_fn, list);
		mdb_txn_abort(txn);
	}
	json_array_foreach(list, i, v) {
		struct settle t = { .r = r, .state = "unknown" };

		if (rc)
			break;
		t.id = (uint32_t)json_integer_value(json_object_get(v, "id"));
		snprintf(t.cmd, sizeof t.cmd, "%s", str(v, "cmd"));
		t.idx = (size_t)json_integer_value(json_object_get(v, "idx"));
		t.attempt = json_integer_value(json_object_get(v, "attempt"));
		snprintf(t.error, sizeof t.error,
			 "billing stopped before ingest answered: it may or may not have "
			 "recorded the command");
		if ((rc = kv_write(ledger_kv(r->l), settle_txn, &t)))
			break;
	}
	json_decref(list);
	return rc;
}
