/*
 * The portal's classes of the security suite (test_security.c): a tenant
 * naming another flat on every route it may call, requests without or
 * with a wrong CSRF token, every role on every route it is not listed
 * for, and sign-in guessing with the admin's way back in on loopback. The
 * routes come from services/web/www/openapi.json and its x-roles, so a
 * new route is tried without a change here.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_web_util.h"

Suite *security_web_suite(void);

static struct webt t;

static void setup(void)
{
	webt_start(&t, NULL);
}

/* Sign-in limits small enough to reach quickly; client addresses from
 * X-Forwarded-For, as behind the documented reverse proxy. */
static void setup_proxy(void)
{
	webt_start(&t, (const char *[]){ "--trust-proxy", "--login-fails-user=3",
					 "--login-fails-ip=6", "--login-window=900", NULL });
}

static void teardown(void)
{
	webt_stop(&t);
}

/* The API as openapi.json describes it (the caller decrefs). */
static json_t *openapi(void)
{
	char path[600];
	const char *src = getenv("AMR_SRC_DIR");
	json_error_t e;
	json_t *doc;

	snprintf(path, sizeof path, "%s/services/web/www/openapi.json", src ? src : ".");
	doc = json_load_file(path, 0, &e);
	ck_assert_msg(doc != NULL, "%s: %s", path, e.text);
	return doc;
}

/* Whether operation op is open to everyone (x-roles "public"). */
static bool is_public(const json_t *op)
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(op, "x-roles"), i, r)
		if (strcmp(json_string_value(r), "public") == 0)
			return true;
	return false;
}

/* Whether operation op lists role (or everyone) among its x-roles. */
static bool allows(const json_t *op, const char *role)
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(op, "x-roles"), i, r)
		if (strcmp(json_string_value(r), role) == 0)
			return true;
	return is_public(op);
}

/* What the path parameters are replaced with, in the order of names. */
struct subst {
	const char *name[8];  /* "{obj}" ... */
	const char *value[8]; /* "34" ... */
};

/* pattern with each {param} replaced as s says; false when a parameter has
 * no value there. */
static bool fill(const char *pattern, const struct subst *s, char *out, size_t size)
{
	size_t n = 0;

	for (const char *p = pattern; *p && n + 1 < size;) {
		const char *v = NULL;
		size_t len = 0;

		if (*p == '{') {
			for (int i = 0; i < 8 && s->name[i]; i++)
				if (strncmp(p, s->name[i], strlen(s->name[i])) == 0) {
					v = s->value[i];
					len = strlen(s->name[i]);
				}
			if (!v)
				return false;
			n += (size_t)snprintf(out + n, size - n, "%s", v);
			p += len;
		} else {
			out[n++] = *p++;
		}
	}
	out[n < size ? n : size - 1] = '\0';
	return true;
}

static bool changes_state(const char *method)
{
	return strcmp(method, "get") != 0 && strcmp(method, "head") != 0;
}

static void upper(const char *m, char *out, size_t size)
{
	size_t i = 0;

	for (; m[i] && i + 1 < size; i++)
		out[i] = (char)(m[i] >= 'a' && m[i] <= 'z' ? m[i] - 32 : m[i]);
	out[i] = '\0';
}

/* What a refused request would have done, had it gone through: a user
 * created (or renamed into), an admin made. */
static const char *const evil_body = "{\"user\":\"esc-evil\",\"role\":\"admin\",\"password\":"
				     "\"taken over 1\",\"objects\":null}";

START_TEST(roles_refused_where_not_listed)
{
	static const char *const roles[] = { "operator", "accountant", "tenant" };
	struct webc a = webt_admin(&t), c[3];
	json_t *doc = openapi(), *ops, *op;
	const char *pattern, *method;
	char pw[64], *before, *after;
	int tried = 0;

	for (int i = 0; i < 3; i++) {
		char name[32];

		snprintf(name, sizeof name, "sec-%s", roles[i]);
		webt_user(&a, name, roles[i], strcmp(roles[i], "tenant") ? NULL : "[1]", pw,
			  sizeof pw);
		webc_init(&c[i], &t);
		ck_assert_int_eq(webc_login(&c[i], name, pw), 200);
	}
	before = webc_body(&a, "/api/v1/users", 200);
	json_object_foreach(json_object_get(doc, "paths"), pattern, ops)
		json_object_foreach(ops, method, op) {
			for (int i = 0; i < 3; i++) {
				char own[32], path[300], m[16];
				struct subst s = { { "{obj}", "{user}", "{id}", "{method}",
						     "{alarm}", "{name}", "{scope}" },
						   { "1", own, "1", "account.list", "1", own,
						     "default" } };
				struct webr r;

				if (allows(op, roles[i]))
					continue;
				/* its own name: a change of its own role is one of them */
				snprintf(own, sizeof own, "sec-%s", roles[i]);
				ck_assert_msg(fill(pattern, &s, path, sizeof path), "%s", pattern);
				upper(method, m, sizeof m);
				r = webc_req(&c[i], m, path,
					     changes_state(method) ? evil_body : NULL, NULL, NULL);
				ck_assert_msg(r.status == 403, "%s %s as %s: %ld %s", m, path,
					      roles[i], r.status, r.body);
				webr_free(&r);
				tried++;
			}
		}
	fprintf(stderr, "role_escalation: %d requests refused\n", tried);
	ck_assert_int_ge(tried, 30);
	after = webc_body(&a, "/api/v1/users", 200);
	ck_assert_str_eq(before, after);
	ck_assert_msg(!strstr(after, "esc-evil"), "%s", after);
	free(before);
	free(after);
	for (int i = 0; i < 3; i++)
		webc_free(&c[i]);
	json_decref(doc);
	webc_free(&a);
}
END_TEST

START_TEST(csrf_missing_or_wrong_refused)
{
	struct webc a = webt_admin(&t);
	json_t *doc = openapi(), *ops, *op;
	const char *pattern, *method;
	char token[80], *before, *after;
	int tried = 0;
	struct subst s = { { "{obj}", "{user}", "{id}", "{method}", "{alarm}", "{name}",
			     "{scope}" },
			   { "1", "admin", "1", "account.list", "1", "admin", "default" } };

	snprintf(token, sizeof token, "%s", a.csrf);
	before = webc_body(&a, "/api/v1/users", 200);
	json_object_foreach(json_object_get(doc, "paths"), pattern, ops)
		json_object_foreach(ops, method, op) {
			char path[300], m[16];

			if (!changes_state(method) || !allows(op, "admin") || is_public(op))
				continue;
			ck_assert_msg(fill(pattern, &s, path, sizeof path), "%s", pattern);
			upper(method, m, sizeof m);
			for (int wrong = 0; wrong < 2; wrong++) {
				struct webr r;

				/* none sent, then one of the same length that is not it */
				snprintf(a.csrf, sizeof a.csrf, "%s", "");
				if (wrong) {
					snprintf(a.csrf, sizeof a.csrf, "%s", token);
					a.csrf[0] = a.csrf[0] == 'A' ? 'B' : 'A';
				}
				r = webc_req(&a, m, path, evil_body, NULL, NULL);
				ck_assert_msg(r.status == 403, "%s %s %s token: %ld %s", m, path,
					      wrong ? "a wrong" : "no", r.status, r.body);
				webr_free(&r);
				tried++;
			}
		}
	snprintf(a.csrf, sizeof a.csrf, "%s", token);
	fprintf(stderr, "missing_csrf: %d requests refused\n", tried);
	ck_assert_int_ge(tried, 30);
	/* nothing changed: no user made, the session not signed out */
	after = webc_body(&a, "/api/v1/users", 200);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	free(webc_body(&a, "/api/v1/me", 200));
	json_decref(doc);
	webc_free(&a);
}
END_TEST

/* Which flat 16's data the tenant of flat 17 asks for, route by route:
 * another building's object, flat 16's device and channel, another's
 * alarm and contact. */
START_TEST(tenant_cannot_reach_another_flat)
{
	static const char *const ids[][2] = { { "34", "33.16.1" }, { "34", "33.16" } };
	static const char *const queries[] = {
		"/api/v1/series?channels=33.16.1&step=raw",
		"/api/v1/series?channel=33.16.3",
		"/api/v1/consumption?channels=33.16.1",
		"/api/v1/channels?obj=34",
		"/api/v1/events?obj=34",
		"/api/v1/registry?obj=34",
		"/api/v1/alarms?obj=34",
	};
	struct webc a = webt_admin(&t), ten;
	json_t *doc = openapi(), *ops, *op;
	const char *pattern, *method;
	char pw[64];
	int tried = 0;

	webt_publish_flats(&t, 1, 716000, 717000);
	HARNESS_POLL_UNTIL(webc_shows(&a, "/api/v1/registry?obj=33", "33.16.3", "33.17.3"), 10000);
	ck_assert_msg(webc_shows(&a, "/api/v1/registry?obj=33", "33.16.3", "33.17.3"),
		      "flats 16 and 17 never appeared");
	webt_user(&a, "ten17", "tenant", "[\"33.17\"]", pw, sizeof pw);
	webc_init(&ten, &t);
	ck_assert_int_eq(webc_login(&ten, "ten17", pw), 200);
	for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++)
		json_object_foreach(json_object_get(doc, "paths"), pattern, ops)
			json_object_foreach(ops, method, op) {
				struct subst s = {
					{ "{obj}", "{id}", "{alarm}", "{name}", "{user}" },
					{ ids[k][0], ids[k][1], "1", "admin", "admin" }
				};
				char path[300], m[16];
				struct webr r;

				/* the routes of a tenant that name something */
				if (!strchr(pattern, '{') || !allows(op, "tenant") ||
				    is_public(op) || strstr(pattern, "{method}") ||
				    !fill(pattern, &s, path, sizeof path))
					continue;
				upper(method, m, sizeof m);
				r = webc_req(&ten, m, path, changes_state(method) ? "{}" : NULL,
					     NULL, NULL);
				ck_assert_msg(r.status == 403 || r.status == 404, "%s %s: %ld %s",
					      m, path, r.status, r.body);
				webt_no_flat16(path, strstr(r.body, "is not among") ? "" : r.body);
				webr_free(&r);
				tried++;
			}
	for (size_t k = 0; k < sizeof queries / sizeof queries[0]; k++) {
		struct webr r = webc_req(&ten, "GET", queries[k], NULL, NULL, NULL);

		ck_assert_msg(r.status == 403 || r.status == 404, "%s: %ld %s", queries[k],
			      r.status, r.body);
		webt_no_flat16(queries[k], strstr(r.body, "is not among") ? "" : r.body);
		webr_free(&r);
		tried++;
	}
	fprintf(stderr, "tenant_other_flat: %d requests refused\n", tried);
	ck_assert_int_ge(tried, 10);
	json_decref(doc);
	webc_free(&ten);
	webc_free(&a);
}
END_TEST

/* POST /api/v1/login as user from address xff (NULL: the connection's
 * own, loopback); its status, Retry-After into *retry when given. */
static long login_from(const char *user, const char *pw, const char *xff, long *retry)
{
	char body[256], hdr[160];
	struct webc c;
	struct webr r;
	long status;
	const char *ra;

	webc_init(&c, &t);
	snprintf(body, sizeof body, "{\"user\":\"%s\",\"password\":\"%s\"}", user, pw);
	snprintf(hdr, sizeof hdr, "X-Forwarded-For: %s", xff ? xff : "");
	r = webc_req(&c, "POST", "/api/v1/login", body, NULL, xff ? hdr : NULL);
	status = r.status;
	ra = r.headers ? strcasestr(r.headers, "\nRetry-After: ") : NULL;
	if (retry)
		*retry = ra ? atol(ra + strlen("\nRetry-After: ")) : -1;
	webr_free(&r);
	webc_free(&c);
	return status;
}

#define ATTACKER "203.0.113.7"

START_TEST(guessing_locked_out_admin_gets_in_on_loopback)
{
	long retry = 0;

	/* per user (3 at this address): then even the right password waits */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(login_from("admin", "guess one", ATTACKER, NULL), 401);
	ck_assert_int_eq(login_from("admin", t.admin_pw, ATTACKER, &retry), 429);
	ck_assert_msg(retry > 0 && retry <= 900, "Retry-After %ld", retry);
	/* per address (6): other names, the last refused before it is tried */
	for (int i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof name, "guess%d", i);
		ck_assert_int_eq(login_from(name, "guess one", ATTACKER, NULL), 401);
	}
	ck_assert_int_eq(login_from("nobody9", "guess one", ATTACKER, &retry), 429);
	ck_assert_msg(retry > 0 && retry <= 900, "Retry-After %ld", retry);
	/* a proxy that appends (nginx $proxy_add_x_forwarded_for) passes what
	 * the client wrote first: the attacker naming loopback stays itself */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(login_from("admin", "guess one", "127.0.0.1, " ATTACKER, NULL),
				 429);
	ck_assert_int_eq(login_from("admin", t.admin_pw, "127.0.0.1, " ATTACKER, NULL), 429);
	/* the way back in: the admin on the host itself, on loopback */
	ck_assert_int_eq(login_from("admin", t.admin_pw, NULL, NULL), 200);
	/* and another client behind the proxy is not locked by the attacker */
	ck_assert_int_eq(login_from("admin", t.admin_pw, "198.51.100.2", NULL), 200);
	/* the attacker still is */
	ck_assert_int_eq(login_from("admin", t.admin_pw, ATTACKER, NULL), 429);
}
END_TEST

static TCase *web_tcase(Suite *s, const char *name, void (*start)(void))
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, start, teardown);
	tcase_set_timeout(tc, 90);
	suite_add_tcase(s, tc);
	return tc;
}

Suite *security_web_suite(void)
{
	Suite *s = suite_create("security_web");

	tcase_add_test(web_tcase(s, "tenant_other_flat", setup), tenant_cannot_reach_another_flat);
	tcase_add_test(web_tcase(s, "missing_csrf", setup), csrf_missing_or_wrong_refused);
	tcase_add_test(web_tcase(s, "role_escalation", setup), roles_refused_where_not_listed);
	tcase_add_test(web_tcase(s, "login_brute_force", setup_proxy),
		       guessing_locked_out_admin_gets_in_on_loopback);
	return s;
}
