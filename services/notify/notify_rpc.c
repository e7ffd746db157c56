/*
 * notify_rpc.c - the alarm methods of amr-notify: the list, one alarm,
 * and a person's acknowledgement or clear, each audited on amr/v1/audit
 * with who, when and why.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "notify_int.h"

static const char *const states[] = { "raised", "acknowledged", "cleared", "open", NULL };
static void m_alarms(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "state",	"obj",	 "severity", "kind",
					      "before", "limit", NULL };
	notify *n = ctx;
	struct jv_err err = { "" };
	struct alarm_filter f = { NULL, 0, -1, -1, 0, 100 };
	long long obj, before, limit;
	int state, sev, kind;
	json_t *res = NULL;
	amr_err rc;

	if (!(rc = jv_only(args, fields, &err)) &&
	    !(rc = jv_enum(args, "state", false, -1, states, &state, &err)) &&
	    !(rc = jv_int(args, "obj", false, 0, 1, PROTO_OBJ_MAX, &obj, &err)) &&
	    !(rc = jv_enum(args, "severity", false, -1, rules_severity_names, &sev, &err)) &&
	    !(rc = jv_enum(args, "kind", false, -1, rules_kind_names, &kind, &err)) &&
	    !(rc = jv_int(args, "before", false, 0, 1, UINT32_MAX, &before, &err)) &&
	    !(rc = jv_int(args, "limit", false, 100, 1, 1000, &limit, &err))) {
		f = (struct alarm_filter){ state >= 0 ? states[state] : NULL,
					   (unsigned)obj,
					   sev,
					   kind,
					   (uint32_t)before,
					   (unsigned)limit };
		rc = alarm_list(n->st, &f, &res);
	}
	rpc_reply_jv(req, rc, &err, res);
}

static void m_get(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "id", NULL };
	notify *n = ctx;
	struct jv_err err = { "" };
	json_t *res = NULL;
	long long id;
	amr_err rc;

	if (!(rc = jv_only(args, fields, &err)) &&
	    !(rc = jv_int(args, "id", true, 0, 1, UINT32_MAX, &id, &err)) &&
	    (rc = alarm_get(n->st, (uint32_t)id, &res)) == AMR_ENOTFOUND)
		jv_fail(&err, "id: there is no alarm %lld", id);
	rpc_reply_jv(req, rc, &err, res);
}

/* The audit record of a person's step on alarm rec. */
void notify__audit(notify *n, const char *actor, const char *action, const json_t *rec,
		   const char *key, const char *text)
{
	char target[48];
	json_t *a;

	snprintf(target, sizeof target, "notify/alarm/%lld",
		 (long long)json_integer_value(json_object_get(rec, "id")));
	a = json_pack("{s:I, s:s, s:s, s:s, s:{s:O?, s:s*}}", "ts", (json_int_t)svc_now(), "actor",
		      actor, "action", action, "target", target, "detail", "key",
		      json_object_get(rec, "key"), key, text);
	if (!a || mq_publish_json(n->s->mq, PROTO_TOPIC_AUDIT, a, 1, false))
		log_warn("audit of %s %s not published", action, target);
	json_decref(a);
}

/* alarm.ack and alarm.clear: the person's step, stored, told, audited. */
static void by_hand(notify *n, rpc_req *req, json_t *args, bool ack)
{
	static const char *const ack_fields[] = { "id", "actor", "comment", NULL };
	static const char *const clear_fields[] = { "id", "actor", "reason", NULL };
	struct jv_err err = { "" };
	const char *actor, *text;
	json_t *res = NULL;
	long long id;
	amr_err rc;

	if (!(rc = jv_only(args, ack ? ack_fields : clear_fields, &err)) &&
	    !(rc = jv_int(args, "id", true, 0, 1, UINT32_MAX, &id, &err)) &&
	    !(rc = jv_str(args, "actor", true, NULL, 1, 64, &actor, &err)) &&
	    !(rc = jv_str(args, ack ? "comment" : "reason", !ack, NULL, ack ? 0 : 1, 500, &text,
			  &err))) {
		rc = ack ? alarm_ack(n->st, (uint32_t)id, actor, text, svc_now(), &res, &err)
			 : alarm_clear(n->st, (uint32_t)id, actor, text, svc_now(), &res, &err);
		if (!rc) {
			log_info("alarm %lld %s by %s", id, ack ? "acknowledged" : "cleared",
				 actor);
			notify__publish(n, res);
			notify__audit(n, actor, ack ? "alarm.ack" : "alarm.clear", res,
				      ack ? "comment" : "reason", text);
		}
	}
	rpc_reply_jv(req, rc, &err, res);
}

static void m_ack(void *ctx, rpc_req *req, json_t *args)
{
	by_hand(ctx, req, args, true);
}

static void m_clear(void *ctx, rpc_req *req, json_t *args)
{
	by_hand(ctx, req, args, false);
}

static void m_contacts(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { NULL };
	notify *n = ctx;
	struct jv_err err = { "" };
	json_t *res = NULL;
	amr_err rc;

	if (!(rc = jv_only(args, fields, &err)))
		rc = contacts_list(n->cs, &res);
	rpc_reply_jv(req, rc, &err, res);
}

/* contact.set and contact.delete: stored, then audited. */
static void contact_step(notify *n, rpc_req *req, json_t *args, bool deleting)
{
	static const char *const del_fields[] = { "name", "actor", NULL };
	struct jv_err err = { "" };
	const char *actor = NULL, *name = NULL;
	json_t *res = NULL, *rest = json_deep_copy(args), *a;
	char target[96];
	amr_err rc;

	if (!rest) {
		rpc_reply_rc(req, AMR_ENOMEM, "out of memory");
		return;
	}
	json_object_del(rest, "actor");
	if (!(rc = jv_str(args, "actor", true, NULL, 1, 64, &actor, &err))) {
		if (deleting && !(rc = jv_only(args, del_fields, &err)) &&
		    !(rc = jv_str(args, "name", true, NULL, 1, 64, &name, &err)) &&
		    !(rc = contacts_delete(n->cs, name, &err)))
			res = json_pack("{s:s, s:b}", "name", name, "deleted", 1);
		else if (!deleting)
			rc = contacts_set(n->cs, rest, actor, svc_now(), &res, &err);
	}
	if (!rc) {
		snprintf(target, sizeof target, "notify/contact/%s",
			 json_string_value(json_object_get(res, "name")));
		a = json_pack("{s:I, s:s, s:s, s:s, s:O}", "ts", (json_int_t)svc_now(), "actor",
			      actor, "action", deleting ? "contact.delete" : "contact.set",
			      "target", target, "detail", res);
		if (!a || mq_publish_json(n->s->mq, PROTO_TOPIC_AUDIT, a, 1, false))
			log_warn("audit of %s not published", target);
		json_decref(a);
	}
	json_decref(rest);
	rpc_reply_jv(req, rc, &err, res);
}

static void m_contact_set(void *ctx, rpc_req *req, json_t *args)
{
	contact_step(ctx, req, args, false);
}

static void m_contact_delete(void *ctx, rpc_req *req, json_t *args)
{
	contact_step(ctx, req, args, true);
}

static void m_messages(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "alarm", "ref", "limit", NULL };
	notify *n = ctx;
	struct jv_err err = { "" };
	struct outbox_filter f = { 0 };
	json_t *res = NULL;
	long long alarm, limit;
	amr_err rc;

	if (!(rc = jv_only(args, fields, &err)) &&
	    !(rc = jv_int(args, "alarm", false, 0, 1, UINT32_MAX, &alarm, &err)) &&
	    !(rc = jv_str(args, "ref", false, NULL, 1, NOTIFY_REF_MAX, &f.ref, &err)) &&
	    !(rc = jv_int(args, "limit", false, 100, 1, 1000, &limit, &err))) {
		f.alarm = (uint32_t)alarm;
		f.limit = (unsigned)limit;
		rc = n->ob ? outbox_list(n->ob, &f, &res)
			   : ((res = json_pack("{s:[]}", "messages")) ? AMR_OK : AMR_ENOMEM);
	}
	rpc_reply_jv(req, rc, &err, res);
}

/* url without its user and password (smtp://user:pw@host -> smtp://host),
 * into out; "" for NULL. */
static const char *no_userinfo(const char *url, char *out, size_t n)
{
	const char *at, *s = url ? strstr(url, "://") : NULL;

	if (!url)
		return "";
	at = s ? strchr(s + 3, '@') : NULL;
	if (at && at < s + 3 + strcspn(s + 3, "/"))
		snprintf(out, n, "%.*s%s", (int)(s + 3 - url), url, at + 1);
	else
		snprintf(out, n, "%s", url);
	return out;
}

static void m_channels(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { NULL };
	notify *n = ctx;
	struct jv_err err = { "" };
	json_t *res = NULL, *e;
	char buf[400];
	size_t i;
	amr_err rc;

	if (!(rc = jv_only(args, fields, &err))) {
		res = n->ob ? outbox_health(n->ob)
			    : json_pack("{s:[], s:i}", "channels", "queued", 0);
		json_array_foreach(json_object_get(res, "channels"), i, e) {
			const char *ch = json_string_value(json_object_get(e, "channel"));

			if (!strcmp(ch, "email"))
				json_object_set_new(
					e, "server",
					json_string(no_userinfo(n->o.smtp_url, buf, sizeof buf)));
			else if (!strcmp(ch, "sms"))
				json_object_set_new(
					e, "server",
					json_string(no_userinfo(n->o.sms_url, buf, sizeof buf)));
		}
		if (res)
			json_object_set_new(res, "sms_in",
					    n->o.sms_listen ? json_string(n->o.sms_listen)
							    : json_null());
		rc = res ? AMR_OK : AMR_ENOMEM;
	}
	rpc_reply_jv(req, rc, &err, res);
}

const struct rpc_method notify_methods[] = {
	{ "alarms", m_alarms,
	  "{state?,obj?,severity?,kind?,before?,limit?}: alarms newest first (state open: raised or "
	  "acknowledged; severity: at least), \"next\" when more follow" },
	{ "alarm.get", m_get, "{id}: one alarm" },
	{ "alarm.ack", m_ack, "{id,actor,comment?}: acknowledge a raised alarm; audited" },
	{ "alarm.clear", m_clear, "{id,actor,reason}: clear an alarm by hand; audited" },
	{ "contacts", m_contacts, "{}: who is told of which alarms" },
	{ "contact.set", m_contact_set,
	  "{name,actor,user?,email?,phone?,webhook?,sms_from?,min_severity?,objects?,kinds?,"
	  "resources?,channels?,quiet?,escalate?,hourly_limit?}: add or change a contact; audited" },
	{ "contact.delete", m_contact_delete, "{name,actor}: remove a contact; audited" },
	{ "messages", m_messages,
	  "{alarm?,ref?,limit?}: the messages owed and sent, newest first, with their state "
	  "(ref: those whose ref starts so)" },
	{ "rules", notify__m_rules, "{}: the rules' parameters set per scope" },
	{ "rule.set", notify__m_rule_set,
	  "{scope,actor,reason?,params}: set a scope's parameters (default, a resource, an object "
	  "or a channel), replacing them whole; audited" },
	{ "rule.effective", notify__m_rule_effective,
	  "{id}: the parameters that apply to an object or a channel now, the scope each comes "
	  "from, and a channel's thresholds in pulses" },
	{ "rule.delete", notify__m_rule_delete,
	  "{scope,actor,reason?}: remove a scope's "
	  "parameters; audited" },
	{ "channels", m_channels,
	  "{}: each delivery channel's server and tries since the start (sent, retried, failed, "
	  "the last success and error), the messages owed and the incoming SMS listener" },
	{ "send", notify__m_send,
	  "{ref,channel,to,subject?,body,attachment?,actor}: send another service's message "
	  "(e-mail or SMS) once per ref; its outcomes on amr/v1/notify/delivery/<service>" },
};
const size_t notify_nmethods = sizeof notify_methods / sizeof notify_methods[0];
