/*
 * api_rules.c - amr-notify's alarm rules through the portal (loop
 * thread; docs/web.md, "Alarm rules"): the parameters per scope
 * (default, a resource, an object, a channel), set and removed by an
 * admin with a reason (notify stores, checks and audits them, the
 * signed-in user as actor), and what applies to one object or channel.
 * A user limited to some objects sees the rules of what it sees: every
 * default and resource scope, an object's only with the whole object,
 * a channel's when it sees the channel.
 */
#include <string.h>

#include "api.h"
#include "jv.h"
#include "proto.h"
#include "scope.h"

static unsigned timeout(struct web *w)
{
	return (unsigned)w->o.rpc_timeout_ms;
}

/* True when c's user may see the rules of scope s (a scope's name as
 * notify keeps it): a name that is no id (default, a resource) always;
 * an object only whole, a channel when seen. */
static bool visible(const struct call *c, const char *s)
{
	struct proto_id id;
	int parts;

	if (!c->scope.on)
		return true;
	if (!s)
		return false;
	parts = proto_id_parse(s, &id);
	if (!parts)
		return true;
	if (parts == 1)
		return scope_whole(&c->scope, id.obj);
	return scope_sees(&c->scope, id.obj, id.addr, id.ch);
}

/* notify/rules answered: the list, cut to what the user may see. */
static void list_ok(struct web *w, struct call *c, json_t *result)
{
	json_t *j = json_deep_copy(result), *arr = json_object_get(j, "rules");
	size_t i = 0;

	(void)w;
	while (i < json_array_size(arr))
		if (!visible(c,
			     json_string_value(json_object_get(json_array_get(arr, i), "scope"))))
			json_array_remove(arr, i);
		else
			i++;
	call_json(c, j ? 200 : 500, j);
}

void api_rules(void *ctx, struct call *c)
{
	struct web *w = ctx;

	api_rpc(w, c, "notify/rules", json_object(), timeout(w), list_ok);
}

/* PUT and DELETE /api/v1/notify/rules/{scope}: the body checked here for
 * its shape (params, a reason: a person's change says why), the
 * parameters by notify, whose bad_request names the one that is wrong. */
void api_rule_step(void *ctx, struct call *c)
{
	static const char *const set_fields[] = { "params", "reason", NULL };
	static const char *const del_fields[] = { "reason", NULL };
	bool deleting = !strcmp(c->m.route->method, "DELETE");
	struct web *w = ctx;
	struct jv_err err = { "" };
	const char *reason;
	json_t *params = NULL, *args;

	if (!json_is_object(c->body)) {
		call_error(c, 400, "bad_request",
			   "body: {\"params\":{..},\"reason\"} (JSON object)");
		return;
	}
	if (jv_only(c->body, deleting ? del_fields : set_fields, &err) ||
	    jv_object(c->body, "params", !deleting, &params, &err) ||
	    jv_str(c->body, "reason", true, NULL, 1, 500, &reason, &err)) {
		call_error(c, 400, "bad_request", "%s", err.msg);
		return;
	}
	args = json_pack("{s:s, s:s, s:s}", "scope", c->m.params[0], "actor", c->user, "reason",
			 reason);
	if (args && params)
		json_object_set(args, "params", params);
	if (!args) {
		call_error(c, 500, "internal", "out of memory");
		return;
	}
	api_rpc(w, c, deleting ? "notify/rule.delete" : "notify/rule.set", args, timeout(w), NULL);
}

/* GET /api/v1/notify/rules/effective/{id}: http.c's scope check let a
 * limited user name only what it sees; an object's own parameters (its
 * gateway's, its debt threshold) tell of the whole building, so only
 * with the whole object. notify says when id is neither an object nor a
 * channel. */
void api_rule_effective(void *ctx, struct call *c)
{
	struct web *w = ctx;
	const char *s = c->m.params[0];
	struct proto_id id;

	if (c->scope.on && proto_id_parse(s, &id) == 1 && !scope_whole(&c->scope, id.obj)) {
		call_error(c, 403, "forbidden", "object %u is not wholly among the objects of %s",
			   id.obj, c->user);
		return;
	}
	api_rpc(w, c, "notify/rule.effective", json_pack("{s:s}", "id", s), timeout(w), NULL);
}
