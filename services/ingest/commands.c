/*
 * commands.c - the command request check, record and state machine.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "err.h"
#include "proto.h"
#include "validate.h"

static const char *const kind_names[] = { "block", "unblock", "zero", "console", NULL };
static const char *const state_names[] = { "queued", "sent", "done", "failed", "expired", NULL };

static const char *const request_fields[] = { "obj",   "cmd",	 "addr", "out",	 "ch", "line",
					      "actor", "reason", "ttl",	 "wait", NULL };

bool cmd_terminal(enum cmd_state s)
{
	return s == CMD_DONE || s == CMD_FAILED || s == CMD_EXPIRED;
}

const char *cmd_state_name(enum cmd_state s)
{
	return (unsigned)s <= CMD_EXPIRED ? state_names[s] : "unknown";
}

const char *cmd_kind_name(enum cmd_kind k)
{
	return (unsigned)k <= CMD_CONSOLE ? kind_names[k] : "unknown";
}

/* Copy at most max bytes of s into dst, cut on a UTF-8 boundary. */
static void copy_text(char *dst, size_t max, const char *s)
{
	size_t n = strlen(s);

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* A text a person typed: no control characters. */
static int check_printable(const char *field, const char *s, bool ascii, struct jv_err *err)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || (ascii && *p > 0x7e))
			return jv_fail(err, "%s: character 0x%02x is not allowed", field, *p);
	}
	return AMR_OK;
}

/* A field the command does not use must be absent. */
static int refuse(const json_t *args, const char *field, const char *cmd, struct jv_err *err)
{
	if (json_object_get(args, field))
		return jv_fail(err, "%s: not used by %s", field, cmd);
	return AMR_OK;
}

amr_err cmd_request_parse(const json_t *args, int64_t now, long long default_ttl, long long max_ttl,
			  struct cmd *c, struct jv_err *err)
{
	const char *actor, *reason, *line;
	long long obj, addr, out, ch, ttl;
	int kind;

	memset(c, 0, sizeof *c);
	if (jv_only(args, request_fields, err) ||
	    jv_int(args, "obj", true, 0, 1, PROTO_OBJ_MAX, &obj, err) ||
	    jv_enum(args, "cmd", true, 0, kind_names, &kind, err) ||
	    jv_str(args, "actor", true, NULL, 1, CMD_ACTOR_MAX, &actor, err) ||
	    check_printable("actor", actor, false, err) ||
	    jv_str(args, "reason", kind != CMD_CONSOLE, "", kind == CMD_CONSOLE ? 0 : 1,
		   CMD_REASON_MAX, &reason, err) ||
	    check_printable("reason", reason, false, err) ||
	    jv_int(args, "ttl", false, default_ttl, 1, max_ttl, &ttl, err))
		return AMR_EINVAL;
	c->obj = (unsigned)obj;
	c->kind = (enum cmd_kind)kind;
	switch (c->kind) {
	case CMD_BLOCK:
	case CMD_UNBLOCK:
		if (jv_int(args, "addr", true, 0, 1, PROTO_ADDR_MAX, &addr, err) ||
		    jv_int(args, "out", true, 0, 1, 4, &out, err) ||
		    refuse(args, "ch", kind_names[kind], err) ||
		    refuse(args, "line", kind_names[kind], err))
			return AMR_EINVAL;
		c->addr = (int)addr;
		c->out = (int)out;
		break;
	case CMD_ZERO:
		if (jv_int(args, "addr", true, 0, 1, PROTO_ADDR_MAX, &addr, err) ||
		    jv_int(args, "ch", true, 0, 1, 4, &ch, err) ||
		    refuse(args, "out", "zero", err) || refuse(args, "line", "zero", err))
			return AMR_EINVAL;
		c->addr = (int)addr;
		c->ch = (int)ch;
		break;
	case CMD_CONSOLE:
		if (jv_str(args, "line", true, NULL, 1, CMD_LINE_MAX, &line, err) ||
		    check_printable("line", line, true, err) ||
		    refuse(args, "addr", "console", err) || refuse(args, "out", "console", err) ||
		    refuse(args, "ch", "console", err))
			return AMR_EINVAL;
		copy_text(c->line, CMD_LINE_MAX, line);
		break;
	}
	copy_text(c->actor, CMD_ACTOR_MAX, actor);
	copy_text(c->reason, CMD_REASON_MAX, reason);
	c->state = CMD_QUEUED;
	c->created = now;
	c->expires = now + ttl;
	return AMR_OK;
}

amr_err cmd_result_parse(const json_t *res, const char **id, bool *ok, const char **text,
			 struct jv_err *err)
{
	const char *output, *error;

	/* Output and error are cut when stored, so any length is taken. */
	if (jv_str(res, "id", true, NULL, 1, CMD_ID_MAX, id, err) ||
	    jv_bool(res, "ok", true, false, ok, err) ||
	    jv_str(res, "output", false, "", 0, SIZE_MAX, &output, err) ||
	    jv_str(res, "error", false, "", 0, SIZE_MAX, &error, err))
		return AMR_EINVAL;
	*text = *ok ? output : error;
	return AMR_OK;
}

amr_err cmd_mark_sent(struct cmd *c, int64_t now)
{
	if (c->state != CMD_QUEUED)
		return AMR_ESTATE;
	c->state = CMD_SENT;
	c->sent = now;
	return AMR_OK;
}

amr_err cmd_finish(struct cmd *c, bool ok, const char *text, int64_t now)
{
	if (c->state == CMD_DONE || c->state == CMD_FAILED)
		return AMR_EEXIST;
	c->state = ok ? CMD_DONE : CMD_FAILED;
	c->ok = ok;
	c->finished = now;
	copy_text(c->text, CMD_TEXT_MAX, text);
	return AMR_OK;
}

amr_err cmd_expire(struct cmd *c, int64_t now)
{
	if (cmd_terminal(c->state) || now < c->expires)
		return AMR_ESTATE;
	c->state = CMD_EXPIRED;
	c->ok = false;
	c->finished = now;
	snprintf(c->text, sizeof c->text, "%s",
		 c->sent ? "no result from the gateway before the command expired"
			 : "the gateway did not come online before the command expired");
	return AMR_OK;
}

/* Add the target fields of c (addr/out/ch/line) to o. Returns 0 or -1. */
static int add_target(json_t *o, const struct cmd *c)
{
	if ((c->addr && json_object_set_new(o, "addr", json_integer(c->addr))) ||
	    (c->out && json_object_set_new(o, "out", json_integer(c->out))) ||
	    (c->ch && json_object_set_new(o, "ch", json_integer(c->ch))) ||
	    (c->kind == CMD_CONSOLE && json_object_set_new(o, "line", json_string(c->line))))
		return -1;
	return 0;
}

/* {"ok":..,"output"|"error":..}, or NULL when not finished. */
static json_t *result_json(const struct cmd *c)
{
	if (c->state != CMD_DONE && c->state != CMD_FAILED && c->state != CMD_EXPIRED)
		return NULL;
	return json_pack("{s:b, s:s}", "ok", c->ok, c->ok ? "output" : "error", c->text);
}

json_t *cmd_to_json(const struct cmd *c)
{
	json_t *o = json_pack("{s:s, s:I, s:s}", "id", c->id, "obj", (json_int_t)c->obj, "cmd",
			      cmd_kind_name(c->kind));
	json_t *res = result_json(c);

	if (!o || add_target(o, c) || json_object_set_new(o, "actor", json_string(c->actor)) ||
	    json_object_set_new(o, "reason", json_string(c->reason)) ||
	    json_object_set_new(o, "state", json_string(cmd_state_name(c->state))) ||
	    json_object_set_new(o, "created", json_integer(c->created)) ||
	    json_object_set_new(o, "expires", json_integer(c->expires)) ||
	    (c->sent && json_object_set_new(o, "sent", json_integer(c->sent))) ||
	    (c->finished && json_object_set_new(o, "finished", json_integer(c->finished))) ||
	    (res && json_object_set(o, "result", res))) {
		json_decref(o);
		o = NULL;
	}
	json_decref(res);
	return o;
}

amr_err cmd_from_json(const json_t *j, struct cmd *c)
{
	struct jv_err err = { "" };
	const char *id, *actor, *reason, *line, *text = "";
	long long obj, addr, out, ch, created, expires, sent, finished;
	int kind, state;
	json_t *res;
	bool ok = false;

	memset(c, 0, sizeof *c);
	if (jv_str(j, "id", true, NULL, 1, CMD_ID_MAX, &id, &err) ||
	    jv_int(j, "obj", true, 0, 1, PROTO_OBJ_MAX, &obj, &err) ||
	    jv_enum(j, "cmd", true, 0, kind_names, &kind, &err) ||
	    jv_int(j, "addr", false, 0, 0, PROTO_ADDR_MAX, &addr, &err) ||
	    jv_int(j, "out", false, 0, 0, 4, &out, &err) ||
	    jv_int(j, "ch", false, 0, 0, 4, &ch, &err) ||
	    jv_str(j, "line", false, "", 0, CMD_LINE_MAX, &line, &err) ||
	    jv_str(j, "actor", true, NULL, 0, CMD_ACTOR_MAX, &actor, &err) ||
	    jv_str(j, "reason", true, NULL, 0, CMD_REASON_MAX, &reason, &err) ||
	    jv_enum(j, "state", true, 0, state_names, &state, &err) ||
	    jv_int(j, "created", true, 0, 0, INT64_MAX, &created, &err) ||
	    jv_int(j, "expires", true, 0, 0, INT64_MAX, &expires, &err) ||
	    jv_int(j, "sent", false, 0, 0, INT64_MAX, &sent, &err) ||
	    jv_int(j, "finished", false, 0, 0, INT64_MAX, &finished, &err) ||
	    jv_object(j, "result", false, &res, &err))
		return AMR_EINVAL;
	if (res && (jv_bool(res, "ok", true, false, &ok, &err) ||
		    jv_str(res, ok ? "output" : "error", true, NULL, 0, CMD_TEXT_MAX, &text, &err)))
		return AMR_EINVAL;
	copy_text(c->id, CMD_ID_MAX, id);
	c->obj = (unsigned)obj;
	c->kind = (enum cmd_kind)kind;
	c->addr = (int)addr;
	c->out = (int)out;
	c->ch = (int)ch;
	copy_text(c->line, CMD_LINE_MAX, line);
	copy_text(c->actor, CMD_ACTOR_MAX, actor);
	copy_text(c->reason, CMD_REASON_MAX, reason);
	c->state = (enum cmd_state)state;
	c->created = created;
	c->expires = expires;
	c->sent = sent;
	c->finished = finished;
	c->ok = ok;
	copy_text(c->text, CMD_TEXT_MAX, text);
	return AMR_OK;
}

json_t *cmd_gateway_json(const struct cmd *c)
{
	json_t *o = json_pack("{s:s, s:s}", "id", c->id, "cmd", cmd_kind_name(c->kind));

	if (!o || add_target(o, c) || json_object_set_new(o, "expires", json_integer(c->expires))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *cmd_answer_json(const struct cmd *c)
{
	json_t *o = json_pack("{s:s, s:s}", "id", c->id, "state", cmd_state_name(c->state));
	json_t *res = result_json(c);

	if (o && res && json_object_set(o, "result", res)) {
		json_decref(o);
		o = NULL;
	}
	json_decref(res);
	return o;
}

json_t *cmd_audit_json(const struct cmd *c, int64_t ts)
{
	char target[32];
	json_t *detail, *a;

	if (c->kind == CMD_CONSOLE)
		snprintf(target, sizeof target, "%u", c->obj);
	else
		snprintf(target, sizeof target, "%u.%d.%d", c->obj, c->addr,
			 c->kind == CMD_ZERO ? c->ch : c->out);
	detail = json_pack("{s:s, s:s, s:s, s:I}", "id", c->id, "reason", c->reason, "state",
			   cmd_state_name(c->state), "expires", (json_int_t)c->expires);
	if (!detail ||
	    (c->kind == CMD_CONSOLE && json_object_set_new(detail, "line", json_string(c->line))) ||
	    (cmd_terminal(c->state) && !c->ok &&
	     json_object_set_new(detail, "error", json_string(c->text)))) {
		json_decref(detail);
		return NULL;
	}
	a = json_pack("{s:I, s:s, s:s, s:s, s:o}", "ts", (json_int_t)ts, "actor", c->actor,
		      "action", cmd_kind_name(c->kind), "target", target, "detail", detail);
	return a;
}

void cmd_id_format(char id[CMD_ID_MAX + 1], uint64_t n)
{
	snprintf(id, CMD_ID_MAX + 1, "c%" PRIu64, n);
}

amr_err cmd_id_parse(const char *id, uint64_t *n)
{
	uint64_t v = 0;
	const char *p = id + 1;

	if (id[0] != 'c' || *p < '1' || *p > '9')
		return AMR_EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
			return AMR_EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*n = v;
	return AMR_OK;
}
