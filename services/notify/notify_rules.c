/*
 * notify_rules.c - the rules' parameters over RPC: notify/rules (the
 * list), notify/rule.set and notify/rule.delete, each change audited on
 * amr/v1/audit with who, when and why (docs/notify.md, "Rules").
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "notify_int.h"

void notify__m_rules(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { NULL };
	notify *n = ctx;
	struct jv_err err = { "" };
	json_t *res = NULL;
	amr_err rc;

	if (!(rc = jv_only(args, fields, &err)))
		rc = rulestore_list(n->rs, &res);
	rpc_reply_jv(req, rc, &err, res);
}

/* rule.set and rule.delete: stored, then audited. */
static void step(notify *n, rpc_req *req, json_t *args, bool deleting)
{
	static const char *const set_fields[] = { "scope", "actor", "reason", "params", NULL };
	static const char *const del_fields[] = { "scope", "actor", "reason", NULL };
	struct jv_err err = { "" };
	const char *actor, *scope, *reason;
	json_t *params = NULL, *res = NULL, *a;
	char target[64];
	amr_err rc;

	if (!(rc = jv_only(args, deleting ? del_fields : set_fields, &err)) &&
	    !(rc = jv_str(args, "scope", true, NULL, 1, RULESET_SCOPE_LEN - 1, &scope, &err)) &&
	    !(rc = jv_str(args, "actor", true, NULL, 1, 64, &actor, &err)) &&
	    !(rc = jv_str(args, "reason", false, NULL, 1, 500, &reason, &err)) &&
	    !(rc = jv_object(args, "params", !deleting, &params, &err)))
		rc = deleting ? rulestore_delete(n->rs, scope, &res, &err)
			      : rulestore_set(n->rs, scope, params, actor, reason, svc_now(), &res,
					      &err);
	if (!rc) {
		snprintf(target, sizeof target, "notify/rule/%s", scope);
		a = json_pack("{s:I, s:s, s:s, s:s, s:{s:O, s:s*}}", "ts", (json_int_t)svc_now(),
			      "actor", actor, "action", deleting ? "rule.delete" : "rule.set",
			      "target", target, "detail", deleting ? "before" : "after", res,
			      "reason", reason);
		if (!a || mq_publish_json(n->s->mq, PROTO_TOPIC_AUDIT, a, 1, false))
			log_warn("audit of %s not published", target);
		json_decref(a);
		log_info("rules of %s %s by %s", scope, deleting ? "removed" : "set", actor);
		if (deleting) {
			json_decref(res);
			res = json_pack("{s:s, s:b}", "scope", scope, "deleted", 1);
		}
	}
	rpc_reply_jv(req, rc, &err, res);
}

void notify__m_rule_set(void *ctx, rpc_req *req, json_t *args)
{
	step(ctx, req, args, false);
}

void notify__m_rule_delete(void *ctx, rpc_req *req, json_t *args)
{
	step(ctx, req, args, true);
}

void notify__m_rule_effective(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "id", NULL };
	notify *n = ctx;
	struct jv_err err = { "" };
	struct proto_id id;
	const char *s;
	json_t *res = NULL;
	int parts;
	amr_err rc;

	if (!(rc = jv_only(args, fields, &err)) &&
	    !(rc = jv_str(args, "id", true, NULL, 1, PROTO_ID_LEN - 1, &s, &err))) {
		parts = proto_id_parse(s, &id);
		if (parts != 1 && parts != 3)
			rc = jv_fail(&err,
				     "id: \"%.20s\" is neither an object (2) nor a channel "
				     "(1.5.1)",
				     s);
		else if (!(res = notify__effective(n, &id)))
			rc = AMR_ENOMEM;
	}
	rpc_reply_jv(req, rc, &err, res);
}
