/*
 * api_ops.c - what operators do (loop thread): block, unblock and zero
 * commands through ingest/command with the signed-in user as actor, the
 * object's command history and the gateway console (api_audit.c has the
 * audit trail).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "err.h"
#include "jv.h"
#include "log.h"
#include "proto.h"

#define INGEST_TIMEOUT_MS 7000 /* ingest waits up to 4 s for the gateway */

static unsigned timeout(struct web *w)
{
	return (unsigned)w->o.rpc_timeout_ms;
}

/* ingest answered {"id","state","result"?}: a done block/unblock is the
 * output's state now; show it on the stream, then answer as ingest did. */
static void command_ok(struct web *w, struct call *c, json_t *result)
{
	json_t *rec = json_deep_copy(result), *up = NULL;

	if (rec && json_object_update_missing(rec, c->body) == 0 &&
	    json_object_set_new(rec, "obj", json_integer(strtol(c->m.params[0], NULL, 10))) == 0)
		up = view_on_command(w->view, rec, svc_now());
	if (up)
		sse_publish(w->hub, (unsigned)json_integer_value(json_object_get(up, "obj")),
			    "device", up);
	json_decref(up);
	json_decref(rec);
	call_json(c, 200, json_incref(result));
}

void api_command(void *ctx, struct call *c)
{
	static const char *const fields[] = { "cmd", "addr", "out", "ch", "reason", NULL };
	static const char *const cmds[] = { "block", "unblock", "zero", NULL };
	struct web *w = ctx;
	struct jv_err err = { "" };
	long long addr, out, ch;
	unsigned obj;
	const char *reason;
	int cmd;
	json_t *args;

	if (api_obj_param(c, &obj))
		return;
	if (jv_only(c->body, fields, &err) || jv_enum(c->body, "cmd", true, 0, cmds, &cmd, &err) ||
	    jv_int(c->body, "addr", true, 0, 1, PROTO_ADDR_MAX, &addr, &err) ||
	    jv_int(c->body, "out", cmd != 2, 0, 1, 4, &out, &err) ||
	    jv_int(c->body, "ch", cmd == 2, 0, 1, 4, &ch, &err) ||
	    jv_str(c->body, "reason", true, NULL, 1, 200, &reason, &err)) {
		call_error(c, 400, "bad_request", "%s", err.msg);
		return;
	}
	if ((cmd == 2 && json_object_get(c->body, "out")) ||
	    (cmd != 2 && json_object_get(c->body, "ch"))) {
		call_error(c, 400, "bad_request", "%s: not a field of %s", cmd == 2 ? "out" : "ch",
			   cmds[cmd]);
		return;
	}
	if (!scope_sees(&c->scope, obj, (unsigned)addr, 0)) {
		call_error(c, 403, "forbidden", "device %u.%lld is not among what %s may see", obj,
			   addr, c->user);
		return;
	}
	/* Zeroing a counter changes what is billed: admins only. */
	if (cmd == 2 && c->role != ROLE_ADMIN) {
		call_error(c, 403, "forbidden", "zero: only an admin may zero a counter");
		return;
	}
	args = json_pack("{s:I, s:s, s:I, s:s, s:s}", "obj", (json_int_t)obj, "cmd", cmds[cmd],
			 "addr", (json_int_t)addr, "actor", c->user, "reason", reason);
	if (args)
		json_object_set_new(args, cmd == 2 ? "ch" : "out",
				    json_integer(cmd == 2 ? ch : out));
	api_rpc(w, c, "ingest/command", args, INGEST_TIMEOUT_MS, command_ok);
}

void api_commands(void *ctx, struct call *c)
{
	struct web *w = ctx;
	long long limit;
	unsigned obj;

	if (api_obj_param(c, &obj) || api_query_int(c, "limit", 50, 1, 1000, &limit))
		return;
	api_rpc(w, c, "ingest/commands",
		json_pack("{s:I, s:I}", "obj", (json_int_t)obj, "limit", (json_int_t)limit),
		timeout(w), c->scope.on ? api_scoped : NULL);
}

void api_console(void *ctx, struct call *c)
{
	static const char *const fields[] = { "line", "reason", NULL };
	struct web *w = ctx;
	struct jv_err err = { "" };
	const char *line, *reason;
	unsigned obj;
	json_t *args;

	if (api_obj_param(c, &obj))
		return;
	if (jv_only(c->body, fields, &err) ||
	    jv_str(c->body, "line", true, NULL, 1, PROTO_CONSOLE_LINE_MAX, &line, &err) ||
	    jv_str(c->body, "reason", false, NULL, 1, 200, &reason, &err)) {
		call_error(c, 400, "bad_request", "%s", err.msg);
		return;
	}
	for (const char *p = line; *p; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
			call_error(c, 400, "bad_request",
				   "line: printable ASCII only, one command");
			return;
		}
	}
	args = json_pack("{s:I, s:s, s:s, s:s, s:i}", "obj", (json_int_t)obj, "cmd", "console",
			 "line", line, "actor", c->user, "wait", 4);
	if (args && reason)
		json_object_set_new(args, "reason", json_string(reason));
	api_rpc(w, c, "ingest/command", args, INGEST_TIMEOUT_MS, NULL);
}
