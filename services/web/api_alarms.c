/*
 * api_alarms.c - amr-notify's alarms, contacts and delivery log through
 * the portal (loop thread; docs/web.md, "Alarms"). amr-notify checks
 * and stores; here the routes add who may see and change what: a user
 * limited to some objects sees (and acknowledges, clears) the alarms of
 * what it may see (a tenant: its own flat's devices and meters; the
 * building's own alarms only with the whole object); a contact is an admin's to set, or its own user's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "err.h"
#include "jv.h"
#include "log.h"
#include "proto.h"
#include "scope.h"

static unsigned timeout(struct web *w)
{
	return (unsigned)w->o.rpc_timeout_ms;
}

/* The member key of rec in 0..max, or 0. */
static unsigned part(const json_t *rec, const char *key, long long max)
{
	json_int_t n = json_integer_value(json_object_get(rec, key));

	return n > 0 && n <= max ? (unsigned)n : 0;
}

/* True when c's user may see alarm rec: every alarm for an unlimited
 * user; for a limited one an alarm of a device or a meter its scope
 * shows (a tenant: its flat's), and one of the building itself (its
 * gateway, its spool) only when it sees the whole object - as
 * scope_filter cuts the summaries and the stream. */
static bool visible(const struct call *c, const json_t *rec)
{
	unsigned obj = part(rec, "obj", PROTO_OBJ_MAX), addr = part(rec, "addr", PROTO_ADDR_MAX);

	if (!c->scope.on)
		return true;
	if (!obj)
		return false;
	if (!addr)
		return scope_whole(&c->scope, obj);
	return scope_sees(&c->scope, obj, addr, part(rec, "ch", PROTO_CH_MAX));
}

/* notify/alarms answered: the page, cut to what the user may see. */
static void list_ok(struct web *w, struct call *c, json_t *result)
{
	json_t *j = json_deep_copy(result), *arr = json_object_get(j, "alarms");
	size_t i = 0;

	(void)w;
	while (i < json_array_size(arr))
		if (!visible(c, json_array_get(arr, i)))
			json_array_remove(arr, i);
		else
			i++;
	call_json(c, j ? 200 : 500, j);
}

/* A short plain word of a query argument into args (notify checks it
 * against its names and says which field is wrong). */
static int word_arg(struct call *c, json_t *args, const char *name)
{
	const char *s = call_query(c, name);

	if (!s)
		return 0;
	for (const char *p = s; *p; p++) {
		if ((*p < 'a' || *p > 'z') && *p != '_') {
			call_error(c, 400, "bad_request", "%s: \"%.32s\" is not one of its names",
				   name, s);
			return -1;
		}
	}
	if (!*s || strlen(s) > 32) {
		call_error(c, 400, "bad_request", "%s: \"%.32s\" is not one of its names", name, s);
		return -1;
	}
	json_object_set_new(args, name, json_string(s));
	return 0;
}

void api_alarms(void *ctx, struct call *c)
{
	struct web *w = ctx;
	long long obj, before, limit;
	json_t *args = json_object();

	if (!args) {
		call_error(c, 500, "internal", "out of memory");
		return;
	}
	if (api_query_int(c, "obj", 0, 1, PROTO_OBJ_MAX, &obj) ||
	    api_query_int(c, "before", 0, 1, UINT32_MAX, &before) ||
	    api_query_int(c, "limit", 100, 1, 1000, &limit) || word_arg(c, args, "state") ||
	    word_arg(c, args, "severity") || word_arg(c, args, "kind")) {
		json_decref(args);
		return;
	}
	if (obj)
		json_object_set_new(args, "obj", json_integer(obj));
	if (before)
		json_object_set_new(args, "before", json_integer(before));
	json_object_set_new(args, "limit", json_integer(limit));
	api_rpc(w, c, "notify/alarms", args, timeout(w), list_ok);
}

/* The route's {alarm}: 1..UINT32_MAX in decimal. Answers 400, returns -1
 * when it is not one. */
static int alarm_param(struct call *c, long long *id)
{
	const char *s = c->m.params[0];
	char *end;

	*id = strtoll(s, &end, 10);
	if (*s < '1' || *s > '9' || *end || *id > UINT32_MAX) {
		call_error(c, 400, "bad_request", "alarm: \"%.32s\" is not an alarm number", s);
		return -1;
	}
	return 0;
}

/* Alarm id as notify/alarm.get answered, when c's user may see it: then
 * (it may go on to ack or clear it) 0; else 404 answered and -1, as for
 * an alarm that is not there (a limited user learns nothing of others). */
static int check_visible(struct call *c, const json_t *rec)
{
	if (visible(c, rec))
		return 0;
	call_error(c, 404, "not_found", "alarm: there is no alarm %s among what %s may see",
		   c->m.params[0], c->user);
	return -1;
}

static void get_ok(struct web *w, struct call *c, json_t *rec)
{
	(void)w;
	if (!check_visible(c, rec))
		call_json(c, 200, json_incref(rec));
}

void api_alarm(void *ctx, struct call *c)
{
	struct web *w = ctx;
	long long id;

	if (!alarm_param(c, &id))
		api_rpc(w, c, "notify/alarm.get", json_pack("{s:I}", "id", (json_int_t)id),
			timeout(w), get_ok);
}

/* The alarm is one the user may see: acknowledge or clear it, as the
 * route says, with the signed-in user as actor (notify audits it). */
static void step_ok(struct web *w, struct call *c, json_t *rec)
{
	bool ack = strstr(c->m.route->pattern, "/ack") != NULL;
	const char *text = json_string_value(json_object_get(c->body, ack ? "comment" : "reason"));
	json_t *args;

	if (check_visible(c, rec))
		return;
	if (!(args = json_pack("{s:O, s:s}", "id", json_object_get(rec, "id"), "actor", c->user))) {
		call_error(c, 502, "upstream", "notify answered an alarm without its id");
		return;
	}
	if (text)
		json_object_set_new(args, ack ? "comment" : "reason", json_string(text));
	api_rpc(w, c, ack ? "notify/alarm.ack" : "notify/alarm.clear", args, timeout(w), NULL);
}

void api_alarm_step(void *ctx, struct call *c)
{
	static const char *const ack_fields[] = { "comment", NULL };
	static const char *const clear_fields[] = { "reason", NULL };
	bool ack = strstr(c->m.route->pattern, "/ack") != NULL;
	struct web *w = ctx;
	struct jv_err err = { "" };
	const char *s;
	long long id;

	if (alarm_param(c, &id))
		return;
	if (jv_only(c->body, ack ? ack_fields : clear_fields, &err) ||
	    jv_str(c->body, ack ? "comment" : "reason", !ack, NULL, ack ? 0 : 1, 500, &s, &err)) {
		call_error(c, 400, "bad_request", "%s", err.msg);
		return;
	}
	api_rpc(w, c, "notify/alarm.get", json_pack("{s:I}", "id", (json_int_t)id), timeout(w),
		step_ok);
}

/* The contacts of c's user: every one for an admin, else those whose
 * "user" is the user. */
static void contacts_ok(struct web *w, struct call *c, json_t *result)
{
	json_t *j = json_deep_copy(result), *arr = json_object_get(j, "contacts");
	size_t i = 0;

	(void)w;
	while (c->role != ROLE_ADMIN && i < json_array_size(arr)) {
		const char *u = json_string_value(json_object_get(json_array_get(arr, i), "user"));

		if (!u || strcmp(u, c->user))
			json_array_remove(arr, i);
		else
			i++;
	}
	call_json(c, j ? 200 : 500, j);
}

void api_contacts(void *ctx, struct call *c)
{
	struct web *w = ctx;

	api_rpc(w, c, "notify/contacts", json_object(), timeout(w), contacts_ok);
}

/* Contact {name} among notify's list (borrowed), or NULL. */
static json_t *contact_named(json_t *result, const char *name)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(result, "contacts"), i, e)
		if (!strcmp(json_string_value(json_object_get(e, "name")) ?: "", name))
			return e;
	return NULL;
}

/* A user who is not an admin changes only its own contact, one whose
 * "user" is the user (a new one becomes its). Answers 403 and returns -1
 * otherwise. */
static int own_contact(struct call *c, json_t *result)
{
	json_t *had = contact_named(result, c->m.params[0]);
	const char *u = had ? json_string_value(json_object_get(had, "user")) : c->user;

	if (c->role == ROLE_ADMIN)
		return 0;
	if (!u || strcmp(u, c->user)) {
		call_error(c, 403, "forbidden", "contact %s is not %s's own", c->m.params[0],
			   c->user);
		return -1;
	}
	return 0;
}

static void set_ok(struct web *w, struct call *c, json_t *result)
{
	json_t *args;

	if (own_contact(c, result) || !(args = json_deep_copy(c->body))) {
		if (!call_answered(c))
			call_error(c, 500, "internal", "out of memory");
		return;
	}
	json_object_set_new(args, "name", json_string(c->m.params[0]));
	json_object_set_new(args, "actor", json_string(c->user));
	api_rpc(w, c, "notify/contact.set", args, timeout(w), NULL);
}

void api_contact_set(void *ctx, struct call *c)
{
	static const char *const fields[] = {
		"user",	 "email",     "phone",	  "webhook", "sms_from", "min_severity", "objects",
		"kinds", "resources", "channels", "quiet",   "escalate", "hourly_limit", NULL
	};
	struct web *w = ctx;
	struct jv_err err = { "" };
	const char *user;

	if (!json_is_object(c->body)) {
		call_error(c, 400, "bad_request", "body: a contact's fields (JSON object)");
		return;
	}
	if (jv_only(c->body, fields, &err) ||
	    jv_str(c->body, "user", false, NULL, 1, 64, &user, &err)) {
		call_error(c, 400, "bad_request", "%s", err.msg);
		return;
	}
	if (c->role != ROLE_ADMIN && (!user || strcmp(user, c->user))) {
		call_error(c, 403, "forbidden",
			   "user: %s may set only a contact of its own "
			   "(\"user\":\"%s\")",
			   c->user, c->user);
		return;
	}
	/* a user seeing part of the system would hear of the rest */
	if (c->role != ROLE_ADMIN && c->scope.on) {
		call_error(c, 403, "forbidden",
			   "%s sees some objects only: an admin sets its contact", c->user);
		return;
	}
	api_rpc(w, c, "notify/contacts", json_object(), timeout(w), set_ok);
}

static void delete_ok(struct web *w, struct call *c, json_t *result)
{
	if (!contact_named(result, c->m.params[0])) {
		call_error(c, 404, "not_found", "name: there is no contact %s", c->m.params[0]);
		return;
	}
	if (own_contact(c, result))
		return;
	api_rpc(w, c, "notify/contact.delete",
		json_pack("{s:s, s:s}", "name", c->m.params[0], "actor", c->user), timeout(w),
		NULL);
}

void api_contact_delete(void *ctx, struct call *c)
{
	struct web *w = ctx;

	api_rpc(w, c, "notify/contacts", json_object(), timeout(w), delete_ok);
}

void api_messages(void *ctx, struct call *c)
{
	struct web *w = ctx;
	long long alarm, limit;
	json_t *args;

	if (api_query_int(c, "alarm", 0, 1, UINT32_MAX, &alarm) ||
	    api_query_int(c, "limit", 100, 1, 1000, &limit))
		return;
	/* every contact's addresses and every object's alarms */
	if (c->scope.on) {
		call_error(c, 403, "forbidden",
			   "%s sees some objects only: the delivery log is of every object",
			   c->user);
		return;
	}
	args = json_pack("{s:I}", "limit", (json_int_t)limit);
	if (args && alarm)
		json_object_set_new(args, "alarm", json_integer(alarm));
	api_rpc(w, c, "notify/messages", args, timeout(w), NULL);
}

/* The delivery channels for the health page: no object's data in it. */
void api_delivery_channels(void *ctx, struct call *c)
{
	struct web *w = ctx;

	api_rpc(w, c, "notify/channels", json_object(), timeout(w), NULL);
}
