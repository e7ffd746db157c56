/*
 * api_auth.c - sign-in, sign-out, the own session and user management.
 * These handlers run on the HTTP thread (argon2id takes tens of
 * milliseconds and must not hold up the loop); users.h, auth.h and
 * ratelimit.h are thread-safe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api.h"
#include "err.h"
#include "files.h"
#include "jv.h"
#include "log.h"
#include "proto.h"

/* A user's password or rights changed: end its sessions and live streams,
 * so that nothing goes on under what it may no longer do. */
static void end_user(struct web *w, const char *name)
{
	auth_drop_user(w->auth, name);
	sse_close_owner(w->hub, name);
}

static const char *const roles[] = { "admin", "operator", "accountant", "tenant", NULL };

void web_audit(struct web *w, const char *actor, const char *action, const char *target,
	       json_t *detail)
{
	json_t *rec = json_pack("{s:I, s:s, s:s, s:s, s:o}", "ts", (json_int_t)svc_now(), "actor",
				actor, "action", action, "target", target, "detail",
				detail ? detail : json_object());
	int rc = rec ? mq_publish_json(w->svc->mq, PROTO_TOPIC_AUDIT, rec, 1, false) : AMR_ENOMEM;

	if (rc)
		log_warn("audit %s %s by %s not published: %s", action, target, actor,
			 amr_strerror(rc));
	else
		metric_add(w->m.audit, 1);
	json_decref(rec);
}

/* What the page learns of session s: who, the CSRF token, what it may
 * see (objects, and a tenant's billing accounts) and the site's zone
 * (new reference). */
static json_t *session_json(struct web *w, const struct auth_session *s)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s}", "user", s->user, "role",
			      route_role_name(s->role), "csrf", s->csrf, "objects",
			      s->scope.on ? scope_json(&s->scope) : json_null(), "accounts",
			      s->role == ROLE_TENANT ? scope_accounts_json(&s->scope) : json_null(),
			      "tz", w->o.tz);

	/* a tenant's meters through its accounts, each over the days it held them */
	if (j && s->scope.derived)
		json_object_set_new(j, "meters", scope_windows_json(&s->scope));
	return j;
}

static void bad_request(struct call *c, const struct jv_err *err)
{
	call_error(c, 400, "bad_request", "%s", err->msg);
}

static void set_cookie(struct web *w, struct call *c, const char *sid)
{
	char cookie[256];

	auth_cookie_value(sid, c->tls, (unsigned)w->o.session_max, cookie, sizeof cookie);
	call_header(c, "Set-Cookie", cookie);
}

void api_login(void *ctx, struct call *c)
{
	static const char *const fields[] = { "user", "password", NULL };
	struct web *w = ctx;
	struct jv_err err = { "" };
	struct auth_session s;
	const char *user, *pw;
	char ukey[160], ikey[96], wait_s[16], msg[96];
	unsigned wait, role = 0;
	struct scope scope = { .on = false };
	int64_t now = svc_now();

	if (jv_only(c->body, fields, &err) ||
	    jv_str(c->body, "user", true, NULL, 1, USERS_MAX_NAME, &user, &err) ||
	    jv_str(c->body, "password", true, NULL, 1, USERS_MAX_PASSWORD, &pw, &err)) {
		bad_request(c, &err);
		return;
	}
	snprintf(ikey, sizeof ikey, "ip:%s", c->ip);
	if (users_check_name(user, msg, sizeof msg)) {
		/* no such user can exist: a failure of the address, and the name
		 * (whatever bytes it holds) stays out of the log */
		rl_fail(w->rl_ip, ikey, now);
		metric_add(w->m.login_failed, 1);
		log_info("sign-in from %s with an impossible user name refused", c->ip);
		call_error(c, 401, "unauthorized", "wrong user or password");
		return;
	}
	/* a user's failures count per address: a stranger elsewhere cannot
	 * lock the dispatcher out (the address limit bounds each guesser) */
	snprintf(ukey, sizeof ukey, "u:%s@%s", user, c->ip);
	wait = rl_check(w->rl_user, ukey, now);
	if (!wait)
		wait = rl_check(w->rl_ip, ikey, now);
	if (wait) {
		metric_add(w->m.login_limited, 1);
		snprintf(wait_s, sizeof wait_s, "%u", wait);
		call_header(c, "Retry-After", wait_s);
		log_info("sign-in of \"%s\" from %s refused: too many failures", user, c->ip);
		call_error(c, 429, "rate_limited", "too many failed sign-ins; try again in %u s",
			   wait);
		return;
	}
	if (users_verify_scope(w->users, user, pw, &role, &scope)) {
		rl_fail(w->rl_user, ukey, now);
		rl_fail(w->rl_ip, ikey, now);
		metric_add(w->m.login_failed, 1);
		log_info("sign-in of \"%s\" from %s failed", user, c->ip);
		web_audit(w, user, "login.failed", "web", json_pack("{s:s}", "ip", c->ip));
		call_error(c, 401, "unauthorized", "wrong user or password");
		return;
	}
	rl_reset(w->rl_user, ukey);
	auth_login_scoped(w->auth, user, role, &scope, now, &s);
	metric_add(w->m.login_ok, 1);
	log_info("user %s (%s) signed in from %s", user, route_role_name(role), c->ip);
	web_audit(w, user, "login", "web", json_pack("{s:s}", "ip", c->ip));
	set_cookie(w, c, s.sid);
	call_json(c, 200, session_json(w, &s));
	sodium_memzero(&s, sizeof s);
}

void api_logout(void *ctx, struct call *c)
{
	struct web *w = ctx;

	auth_logout(w->auth, c->sid);
	sse_close_session(w->hub, c->sid);
	web_audit(w, c->user, "logout", "web", json_pack("{s:s}", "ip", c->ip));
	set_cookie(w, c, "");
	call_json(c, 200, json_object());
}

void api_me(void *ctx, struct call *c)
{
	struct web *w = ctx;
	struct auth_session s;

	if (auth_lookup(w->auth, c->sid, svc_now(), &s)) {
		call_error(c, 401, "unauthorized", "sign in first");
		return;
	}
	call_json(c, 200, session_json(w, &s));
	sodium_memzero(&s, sizeof s);
}

void api_me_password(void *ctx, struct call *c)
{
	static const char *const fields[] = { "old", "new", NULL };
	struct web *w = ctx;
	struct jv_err err = { "" };
	const char *old, *pw;
	unsigned role, wait;
	char msg[160], ukey[96], wait_s[16];
	int64_t now = svc_now();

	if (jv_only(c->body, fields, &err) ||
	    jv_str(c->body, "old", true, NULL, 1, USERS_MAX_PASSWORD, &old, &err) ||
	    jv_str(c->body, "new", true, NULL, 1, USERS_MAX_PASSWORD, &pw, &err)) {
		bad_request(c, &err);
		return;
	}
	if (users_check_password(pw, msg, sizeof msg)) {
		call_error(c, 400, "bad_request", "new %s", msg);
		return;
	}
	/* a stolen session must not guess the password it would need to keep
	 * the account: the sign-in limit counts these guesses too */
	snprintf(ukey, sizeof ukey, "pw:%s", c->user);
	if ((wait = rl_check(w->rl_user, ukey, now))) {
		snprintf(wait_s, sizeof wait_s, "%u", wait);
		call_header(c, "Retry-After", wait_s);
		call_error(c, 429, "rate_limited",
			   "too many wrong old passwords; try again in %u s", wait);
		return;
	}
	if (users_verify(w->users, c->user, old, &role)) {
		rl_fail(w->rl_user, ukey, now);
		web_audit(w, c->user, "user.password.failed", c->user, NULL);
		call_error(c, 403, "forbidden", "the old password is wrong");
		return;
	}
	rl_reset(w->rl_user, ukey);
	if (users_set_password(w->users, c->user, pw, svc_now())) {
		call_error(c, 500, "internal", "the password could not be stored");
		return;
	}
	end_user(w, c->user);
	web_audit(w, c->user, "user.password", c->user, json_pack("{s:s}", "by", "self"));
	set_cookie(w, c, "");
	call_json(c, 200, json_pack("{s:b}", "signed_out", 1));
}

void api_users_list(void *ctx, struct call *c)
{
	struct web *w = ctx;
	json_t *arr = users_list(w->users);

	if (!arr) {
		call_error(c, 500, "internal", "cannot read users");
		return;
	}
	call_json(c, 200, json_pack("{s:o}", "users", arr));
}

/* Status for a users_* error. */
static void users_error(struct call *c, int rc, const char *name, const char *msg)
{
	if (rc == AMR_EINVAL)
		call_error(c, 400, "bad_request", "%s",
			   msg[0] ? msg : "bad user, role or password");
	else if (rc == AMR_EEXIST)
		call_error(c, 409, "conflict", "user %s exists", name);
	else if (rc == AMR_ENOTFOUND)
		call_error(c, 404, "not_found", "no user %s", name);
	else
		call_error(c, 500, "internal", "users: %s", amr_strerror(rc));
}

/* The role bit of user name after an update setting role (-1: kept); 0
 * when there is no such user. */
static unsigned role_after(struct web *w, const char *name, int role)
{
	json_t *rec;
	unsigned bit;

	if (role >= 0)
		return 1u << role;
	rec = users_get(w->users, name);
	bit = route_role_parse(json_string_value(json_object_get(rec, "role")));
	json_decref(rec);
	return bit;
}

/* Check a list of billing accounts given for a user of role (its bit; 0:
 * an unknown user, left to the update to refuse) into *scope; answers 400
 * and returns -1 when refused. Only a tenant is limited to accounts: the
 * staff's billing pages see every account their role may. */
static int accounts_refused(struct call *c, const json_t *accounts, unsigned role,
			    struct scope *scope)
{
	char msg[160];

	if (!accounts || json_is_null(accounts))
		return 0;
	if (scope_accounts_parse(accounts, scope, msg, sizeof msg)) {
		call_error(c, 400, "bad_request", "%s", msg);
		return -1;
	}
	if (role && role != ROLE_TENANT) {
		call_error(c, 400, "bad_request",
			   "accounts: only a tenant is limited to billing accounts");
		return -1;
	}
	return 0;
}

void api_users_create(void *ctx, struct call *c)
{
	static const char *const fields[] = { "user",	 "role",     "password",
					      "objects", "accounts", NULL };
	struct web *w = ctx;
	struct jv_err err = { "" };
	const char *name, *pw;
	const json_t *objects = json_object_get(c->body, "objects");
	const json_t *accounts = json_object_get(c->body, "accounts");
	char msg[160] = "", gen[17];
	struct scope scope = { 0 };
	json_t *detail;
	int role, rc;

	if (jv_only(c->body, fields, &err) ||
	    jv_str(c->body, "user", true, NULL, 1, USERS_MAX_NAME, &name, &err) ||
	    jv_enum(c->body, "role", true, 0, roles, &role, &err) ||
	    jv_str(c->body, "password", false, NULL, 1, USERS_MAX_PASSWORD, &pw, &err)) {
		bad_request(c, &err);
		return;
	}
	if (users_check_name(name, msg, sizeof msg) ||
	    (pw && users_check_password(pw, msg, sizeof msg)) ||
	    (objects && !json_is_null(objects) && scope_parse(objects, &scope, msg, sizeof msg))) {
		call_error(c, 400, "bad_request", "%s", msg);
		return;
	}
	if (objects && !json_is_null(objects) && (1u << role) == ROLE_ADMIN) {
		call_error(c, 400, "bad_request", "objects: an admin sees every object");
		return;
	}
	if (accounts_refused(c, accounts, 1u << role, &scope))
		return;
	if (!pw) {
		users_random_password(gen, sizeof gen);
		pw = gen;
	}
	rc = users_create_limited(w->users, name, 1u << role, pw,
				  json_is_null(objects) ? NULL : objects,
				  json_is_null(accounts) ? NULL : accounts, svc_now());
	if (rc) {
		users_error(c, rc, name, msg);
		return;
	}
	log_info("user %s created with role %s by %s", name, roles[role], c->user);
	detail = json_pack("{s:s}", "role", roles[role]);
	if (detail && objects && !json_is_null(objects))
		json_object_set_new(detail, "objects", scope_json(&scope));
	if (detail && accounts && !json_is_null(accounts))
		json_object_set_new(detail, "accounts", scope_accounts_json(&scope));
	web_audit(w, c->user, "user.create", name, detail);
	call_json(c, 201,
		  json_pack("{s:s, s:s, s:s*, s:o, s:o}", "user", name, "role", roles[role],
			    "password", pw == gen ? gen : NULL, "objects",
			    objects && !json_is_null(objects) ? scope_json(&scope) : json_null(),
			    "accounts",
			    accounts && !json_is_null(accounts) ? scope_accounts_json(&scope)
								: json_null()));
	sodium_memzero(gen, sizeof gen);
}

void api_users_update(void *ctx, struct call *c)
{
	static const char *const fields[] = { "role", "disabled", "objects", "accounts", NULL };
	struct web *w = ctx;
	struct jv_err err = { "" };
	const char *name = c->m.params[0];
	const json_t *objects = json_object_get(c->body, "objects");
	const json_t *accounts = json_object_get(c->body, "accounts");
	int role = -1, rc;
	bool disabled = false, has_dis = json_object_get(c->body, "disabled") != NULL;
	char msg[160];
	struct scope scope = { 0 };
	json_t *rec;

	if (jv_only(c->body, fields, &err) ||
	    jv_enum(c->body, "role", false, -1, roles, &role, &err) ||
	    jv_bool(c->body, "disabled", false, false, &disabled, &err)) {
		bad_request(c, &err);
		return;
	}
	if (role < 0 && !has_dis && !objects && !accounts) {
		call_error(c, 400, "bad_request",
			   "give \"role\", \"disabled\", \"objects\" or \"accounts\"");
		return;
	}
	if (objects && !json_is_null(objects) && scope_parse(objects, &scope, msg, sizeof msg)) {
		call_error(c, 400, "bad_request", "%s", msg);
		return;
	}
	if (objects && !json_is_null(objects) && role_after(w, name, role) == ROLE_ADMIN) {
		call_error(c, 400, "bad_request", "objects: an admin sees every object");
		return;
	}
	if (accounts_refused(c, accounts, role_after(w, name, role), &scope))
		return;
	if (!strcmp(name, c->user) && ((has_dis && disabled) || (role >= 0 && role != 0))) {
		call_error(c, 409, "conflict", "you cannot disable or demote yourself");
		return;
	}
	rc = users_update_limited(w->users, name, role >= 0 ? 1u << role : 0,
				  has_dis ? disabled : -1, objects, accounts, svc_now());
	if (rc) {
		users_error(c, rc, name, "");
		return;
	}
	end_user(w, name);
	web_audit(w, c->user, "user.update", name, json_deep_copy(c->body));
	rec = users_get(w->users, name);
	call_json(c, 200, rec);
}

void api_users_password(void *ctx, struct call *c)
{
	static const char *const fields[] = { "password", NULL };
	struct web *w = ctx;
	struct jv_err err = { "" };
	const char *name = c->m.params[0], *pw;
	char msg[160] = "", gen[17];
	int rc;

	if (jv_only(c->body, fields, &err) ||
	    jv_str(c->body, "password", false, NULL, 1, USERS_MAX_PASSWORD, &pw, &err)) {
		bad_request(c, &err);
		return;
	}
	if (pw && users_check_password(pw, msg, sizeof msg)) {
		call_error(c, 400, "bad_request", "%s", msg);
		return;
	}
	if (!pw) {
		users_random_password(gen, sizeof gen);
		pw = gen;
	}
	rc = users_set_password(w->users, name, pw, svc_now());
	if (rc) {
		users_error(c, rc, name, msg);
		return;
	}
	end_user(w, name);
	web_audit(w, c->user, "user.password", name, json_pack("{s:s}", "by", "admin"));
	call_json(c, 200,
		  json_pack("{s:s, s:s*}", "user", name, "password", pw == gen ? gen : NULL));
	sodium_memzero(gen, sizeof gen);
}

void api_openapi(void *ctx, struct call *c)
{
	struct web *w = ctx;
	char path[4096];
	FILE *f;
	char *buf;
	long len;

	snprintf(path, sizeof path, "%s/openapi.json", w->o.www_dir);
	if (!(f = fopen(path, "rb"))) {
		call_error(c, 404, "not_found", "openapi.json is missing from the www directory");
		return;
	}
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) <= 0 || len > 1 << 20 ||
	    fseek(f, 0, SEEK_SET) || !(buf = malloc((size_t)len))) {
		fclose(f);
		call_error(c, 500, "internal", "cannot read openapi.json");
		return;
	}
	if (fread(buf, 1, (size_t)len, f) == (size_t)len)
		call_text(c, 200, "application/json", buf, (size_t)len);
	else
		call_error(c, 500, "internal", "cannot read openapi.json");
	free(buf);
	fclose(f);
}
