/*
 * router.c - commands from operators to gateways and back.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jv.h"
#include "log.h"
#include "proto.h"
#include "router.h"

#define WAIT_MAX    30	 /* longest wait a request may ask for, s */
#define LIST_MAX    1000 /* most records ingest/commands returns */
#define TICK_MS	    1000 /* expiry and retry check */
#define PRUNE_EVERY 3600 /* s between prunes of finished commands */
#define PRUNE_MAX   1000 /* most records removed per prune */

struct pending {
	struct pending *next; /* list link, oldest first */
	router *r;	      /* owner */
	struct cmd c;	      /* the command as stored */
	rpc_req *req;	      /* the ingest/command call waiting for it, or NULL */
	uint64_t wait_timer;  /* when to stop waiting, 0 if none */
};

struct router {
	struct svc *s;			 /* loop, metrics */
	ingestdb *st;			 /* where commands live */
	events *ev;			 /* gateway presence */
	outbox *ob;			 /* publishing */
	struct router_opts o;		 /* options */
	struct pending *open;		 /* queued and sent commands */
	uint64_t tick;			 /* repeating timer */
	int64_t next_prune;		 /* Unix s of the next prune */
	metric *requested;		 /* commands accepted */
	metric *done, *failed, *expired; /* commands finished, by state */
};

static metric *state_metric(struct svc *s, const char *state)
{
	char labels[32];

	snprintf(labels, sizeof labels, "state=\"%s\"", state);
	return metrics_get(s->metrics, METRIC_COUNTER, "amr_ingest_command_results_total", labels,
			   "Commands finished, by final state.");
}

static int load_fn(void *ctx, const struct cmd *c)
{
	router *r = ctx;
	struct pending *p = calloc(1, sizeof *p), **tail = &r->open;

	if (!p)
		return AMR_ENOMEM;
	p->r = r;
	p->c = *c;
	while (*tail)
		tail = &(*tail)->next;
	*tail = p;
	return AMR_OK;
}

static void link_tail(router *r, struct pending *p)
{
	struct pending **tail = &r->open;

	while (*tail)
		tail = &(*tail)->next;
	p->next = NULL;
	*tail = p;
}

static void unlink_free(router *r, struct pending *p)
{
	for (struct pending **pp = &r->open; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	free(p);
}

static struct pending *find(router *r, const char *id)
{
	for (struct pending *p = r->open; p; p = p->next)
		if (strcmp(p->c.id, id) == 0)
			return p;
	return NULL;
}

/* Answer the waiting call, if any, with the state reached. */
static void answer(struct pending *p)
{
	json_t *a;

	if (!p->req)
		return;
	if (p->wait_timer)
		loop_timer_cancel(p->r->s->loop, p->wait_timer);
	p->wait_timer = 0;
	a = cmd_answer_json(&p->c);
	if (a)
		rpc_reply_ok(p->req, a);
	else
		rpc_reply_err(p->req, "internal", "out of memory");
	p->req = NULL;
}

/* Write next as the new state of p; on success adopt it. */
static int commit(router *r, struct pending *p, const struct cmd *next)
{
	int rc = ingestdb_cmd_put(r->st, next);

	if (rc) {
		log_error("command id=%s: cannot store state %s: %s", next->id,
			  cmd_state_name(next->state), amr_strerror(rc));
		return rc;
	}
	p->c = *next;
	return AMR_OK;
}

/* A command reached done, failed or expired: audit, answer, forget. */
static void finished(router *r, struct pending *p, int64_t now)
{
	metric_add(p->c.state == CMD_DONE     ? r->done
		   : p->c.state == CMD_FAILED ? r->failed
					      : r->expired,
		   1);
	log_info("command id=%s obj=%u cmd=%s %s%s%s", p->c.id, p->c.obj, cmd_kind_name(p->c.kind),
		 cmd_state_name(p->c.state), p->c.ok ? "" : ": ", p->c.ok ? "" : p->c.text);
	outbox_audit(r->ob, cmd_audit_json(&p->c, now));
	answer(p);
	unlink_free(r, p);
}

/* Mark p sent in the store, then publish it; undo the mark if the client
 * refuses the message (it stays queued and is tried again). */
static void send_cmd(router *r, struct pending *p, int64_t now)
{
	struct cmd next = p->c, back;
	json_t *msg;
	int rc;

	if (cmd_mark_sent(&next, now) || commit(r, p, &next))
		return;
	msg = cmd_gateway_json(&p->c);
	rc = msg ? outbox_command(r->ob, p->c.obj, msg) : AMR_ENOMEM;
	json_decref(msg);
	if (rc == AMR_OK) {
		log_info("command id=%s obj=%u cmd=%s sent", p->c.id, p->c.obj,
			 cmd_kind_name(p->c.kind));
		return;
	}
	back = p->c;
	back.state = CMD_QUEUED;
	back.sent = 0;
	commit(r, p, &back);
}

static void expire(router *r, struct pending *p, int64_t now)
{
	struct cmd next = p->c;

	if (cmd_expire(&next, now) || commit(r, p, &next))
		return;
	finished(r, p, now);
}

/* Every second: expire what is due, retry queued commands of online
 * gateways (a refused publish), and now and then prune old records. */
static void tick(void *arg)
{
	router *r = arg;
	int64_t now = svc_now();
	struct pending *p = r->open, *next;
	size_t removed;

	for (; p; p = next) {
		next = p->next;
		if (now >= p->c.expires)
			expire(r, p, now);
		else if (p->c.state == CMD_QUEUED &&
			 events_presence_get(r->ev, p->c.obj) == EVENTS_ONLINE)
			send_cmd(r, p, now);
	}
	if (now >= r->next_prune) {
		r->next_prune = now + PRUNE_EVERY;
		if (ingestdb_cmd_prune(r->st, now - r->o.keep_days * 86400, PRUNE_MAX, &removed) ==
			    0 &&
		    removed)
			log_info("pruned %zu finished commands older than %lld days", removed,
				 r->o.keep_days);
	}
}

amr_err router_create(router **out, struct svc *s, ingestdb *st, events *ev, outbox *ob,
		      const struct router_opts *o)
{
	router *r = calloc(1, sizeof *r);
	int rc;

	if (!r)
		return AMR_ENOMEM;
	r->s = s;
	r->st = st;
	r->ev = ev;
	r->ob = ob;
	r->o = *o;
	r->next_prune = svc_now() + 60;
	r->requested = metrics_get(s->metrics, METRIC_COUNTER, "amr_ingest_commands_total", NULL,
				   "Commands accepted by ingest/command.");
	r->done = state_metric(s, "done");
	r->failed = state_metric(s, "failed");
	r->expired = state_metric(s, "expired");
	rc = AMR_ENOMEM;
	if (!r->requested || !r->done || !r->failed || !r->expired)
		goto out_fail;
	if ((rc = ingestdb_cmd_open_each(st, load_fn, r)))
		goto out_fail;
	r->tick = loop_timer_add(s->loop, TICK_MS, true, tick, r);
	if (!r->tick) {
		rc = AMR_ENOMEM;
		goto out_fail;
	}
	*out = r;
	return AMR_OK;

out_fail:
	router_destroy(r);
	return rc;
}

void router_destroy(router *r)
{
	if (!r)
		return;
	loop_timer_cancel(r->s->loop, r->tick);
	while (r->open) {
		answer(r->open);
		unlink_free(r, r->open);
	}
	free(r);
}

void router_gateway_online(router *r, unsigned obj)
{
	int64_t now = svc_now();
	struct pending *p, *next;

	for (p = r->open; p; p = next) {
		next = p->next;
		if (p->c.obj == obj && p->c.state == CMD_QUEUED && now < p->c.expires)
			send_cmd(r, p, now);
	}
}

amr_err router_result(router *r, unsigned obj, const char *id, bool ok, const char *text)
{
	int64_t now = svc_now();
	struct pending *p = find(r, id);
	struct cmd *c;
	int rc;

	if (p) {
		struct cmd next = p->c;

		if (p->c.obj != obj)
			return AMR_EINVAL;
		if ((rc = cmd_finish(&next, ok, text, now)) || (rc = commit(r, p, &next)))
			return rc;
		finished(r, p, now);
		return AMR_OK;
	}
	/* Not open: finished already, or a late result of an expired one. */
	if (!(c = malloc(sizeof *c)))
		return AMR_ENOMEM;
	rc = ingestdb_cmd_get(r->st, id, c);
	if (rc == AMR_OK && c->obj != obj)
		rc = AMR_EINVAL;
	if (rc == AMR_OK && (rc = cmd_finish(c, ok, text, now)) == AMR_OK &&
	    (rc = ingestdb_cmd_put(r->st, c)) == AMR_OK) {
		log_warn("command id=%s obj=%u: result came after expiry, now %s", c->id, obj,
			 cmd_state_name(c->state));
		outbox_audit(r->ob, cmd_audit_json(c, now));
	}
	free(c);
	return rc;
}

/* ---- RPC methods ---- */

static void wait_over(void *arg)
{
	struct pending *p = arg;

	p->wait_timer = 0;
	answer(p);
}

static void m_command(void *ctx, rpc_req *req, json_t *args)
{
	router *r = ctx;
	struct jv_err err = { "" };
	int64_t now = svc_now();
	struct pending *p = calloc(1, sizeof *p);
	long long wait;
	int rc;

	if (!p) {
		rpc_reply_err(req, "internal", "out of memory");
		return;
	}
	p->r = r;
	if (cmd_request_parse(args, now, r->o.default_ttl, r->o.max_ttl, &p->c, &err) ||
	    jv_int(args, "wait", false, r->o.wait_s, 0, WAIT_MAX, &wait, &err)) {
		rpc_reply_err(req, "bad_request", "%s", err.msg);
		free(p);
		return;
	}
	if ((rc = ingestdb_cmd_add(r->st, &p->c))) {
		rpc_reply_err(req, "internal", "cannot record the command: %s", amr_strerror(rc));
		free(p);
		return;
	}
	link_tail(r, p);
	metric_add(r->requested, 1);
	log_info("command id=%s obj=%u cmd=%s actor=%s queued (expires %lld)", p->c.id, p->c.obj,
		 cmd_kind_name(p->c.kind), p->c.actor, (long long)p->c.expires);
	outbox_audit(r->ob, cmd_audit_json(&p->c, now));
	if (events_presence_get(r->ev, p->c.obj) == EVENTS_ONLINE)
		send_cmd(r, p, now);
	p->req = req;
	if (wait > 0)
		p->wait_timer = loop_timer_add(r->s->loop, (unsigned)wait * 1000, false, wait_over,
					       p);
	if (!p->wait_timer)
		answer(p);
}

static void m_command_get(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "id", NULL };
	router *r = ctx;
	struct jv_err err = { "" };
	const char *id;
	struct pending *p;
	struct cmd *c;
	int rc;

	if (jv_only(args, fields, &err) ||
	    jv_str(args, "id", true, NULL, 1, CMD_ID_MAX, &id, &err)) {
		rpc_reply_err(req, "bad_request", "%s", err.msg);
		return;
	}
	if ((p = find(r, id))) {
		rpc_reply_ok(req, cmd_to_json(&p->c));
		return;
	}
	if (!(c = malloc(sizeof *c))) {
		rpc_reply_err(req, "internal", "out of memory");
		return;
	}
	rc = ingestdb_cmd_get(r->st, id, c);
	if (rc == AMR_OK)
		rpc_reply_ok(req, cmd_to_json(c));
	else if (rc == AMR_ENOTFOUND)
		rpc_reply_rc(req, rc, "no command \"%s\"", id);
	else
		rpc_reply_rc(req, rc, "cannot read command %s: %s", id, amr_strerror(rc));
	free(c);
}

static void m_commands(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "obj", "limit", NULL };
	router *r = ctx;
	struct jv_err err = { "" };
	long long obj, limit;
	json_t *items;
	int rc;

	if (jv_only(args, fields, &err) ||
	    jv_int(args, "obj", false, 0, 1, PROTO_OBJ_MAX, &obj, &err) ||
	    jv_int(args, "limit", false, 50, 1, LIST_MAX, &limit, &err)) {
		rpc_reply_err(req, "bad_request", "%s", err.msg);
		return;
	}
	if ((rc = ingestdb_cmd_list(r->st, (unsigned)obj, (size_t)limit, &items))) {
		rpc_reply_err(req, "internal", "cannot list commands: %s", amr_strerror(rc));
		return;
	}
	rpc_reply_ok(req, json_pack("{s:o}", "commands", items));
}

const struct rpc_method router_methods[] = {
	{ "command", m_command,
	  "send block/unblock/zero/console to a gateway: {obj,cmd,addr,out|ch|line,actor,reason,"
	  "ttl?,wait?} -> {id,state,result?}" },
	{ "command.get", m_command_get, "one command's record: {id}" },
	{ "commands", m_commands, "recent commands, newest first: {obj?,limit?}" },
};
const size_t router_nmethods = sizeof router_methods / sizeof router_methods[0];
