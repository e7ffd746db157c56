/* Routing, roles, the OpenAPI description against the route table, the
 * answer shapes of call.c and the static-file path check. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "call.h"
#include "err.h"
#include "files.h"
#include "route.h"
#include "test_web.h"

START_TEST(route_matches_params)
{
	struct route_match m;

	ck_assert_int_eq(route_find(api_routes, api_nroutes, "GET", "/api/v1/objects/12", &m),
			 AMR_OK);
	ck_assert_str_eq(m.route->pattern, "/api/v1/objects/{obj}");
	ck_assert_int_eq(m.nparams, 1);
	ck_assert_str_eq(m.params[0], "12");
	ck_assert_int_eq(route_find(api_routes, api_nroutes, "PATCH", "/api/v1/registry/1.5.1", &m),
			 AMR_OK);
	ck_assert_str_eq(m.params[0], "1.5.1");
	ck_assert_uint_eq(m.route->roles, ROLE_ADMIN);
	ck_assert_int_eq(
		route_find(api_routes, api_nroutes, "POST", "/api/v1/users/op-1/password", &m),
		AMR_OK);
	ck_assert_str_eq(m.params[0], "op-1");
}
END_TEST

/* A contact's name is the people's words: Cyrillic and spaces in {name} */
START_TEST(route_takes_a_name_in_russian)
{
	struct route_match m;

	ck_assert_int_eq(route_find(api_routes, api_nroutes, "PUT",
				    "/api/v1/notify/contacts/старший диспетчер", &m),
			 AMR_OK);
	ck_assert_str_eq(m.params[0], "старший диспетчер");
	ck_assert_int_eq(route_find(api_routes, api_nroutes, "DELETE",
				    "/api/v1/notify/contacts/инженер-2", &m),
			 AMR_OK);
	ck_assert_str_eq(m.params[0], "инженер-2");
}
END_TEST

START_TEST(route_refuses)
{
	/* table-driven: method, path, expected result */
	static const struct {
		const char *method, *path;
		int rc;
	} cases[] = {
		{ "GET", "/api/v1/nothing", ROUTE_NO_PATH },
		{ "DELETE", "/api/v1/objects", ROUTE_NO_METHOD },
		{ "GET", "/api/v1/login", ROUTE_NO_METHOD },
		{ "GET", "/api/v1/objects/", ROUTE_NO_PATH },
		{ "GET", "/api/v1/objects/1/2/3", ROUTE_NO_PATH },
		{ "GET", "/api/v1/objects/a b", ROUTE_NO_PATH },
		{ "GET", "/api/v1/objects/\xd0\x9a\xd0\xb2",
		  ROUTE_NO_PATH }, /* text only in {name} */
		{ "PUT", "/api/v1/notify/contacts/a/b", ROUTE_NO_PATH },
		{ "PUT", "/api/v1/notify/contacts/a%2fb", ROUTE_NO_PATH },
		{ "PUT", "/api/v1/notify/contacts/a\tb", ROUTE_NO_PATH },
		{ "GET", "/api/v1/objects/..%2f", ROUTE_NO_PATH },
		{ "GET", "/api/v1/objects//", ROUTE_NO_PATH },
		{ "GET", "/api/v1/objectsX", ROUTE_NO_PATH },
		{ "GET",
		  "/api/v1/users/0123456789012345678901234567890123456789012345678901234567890123456789",
		  ROUTE_NO_PATH },
	};
	struct route_match m;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(route_find(api_routes, api_nroutes, cases[i].method, cases[i].path,
					 &m) == cases[i].rc,
			      "%s %s", cases[i].method, cases[i].path);
}
END_TEST

START_TEST(route_roles)
{
	struct route_match m;

	ck_assert_uint_eq(route_role_parse("admin"), ROLE_ADMIN);
	ck_assert_uint_eq(route_role_parse("tenant"), ROLE_TENANT);
	ck_assert_uint_eq(route_role_parse("root"), 0);
	ck_assert_uint_eq(route_role_parse(NULL), 0);
	ck_assert_str_eq(route_role_name(ROLE_ACCOUNTANT), "accountant");
	ck_assert_str_eq(route_role_name(ROLE_ADMIN | ROLE_OPERATOR), "");
	/* who may do what: the rules the portal relies on */
	ck_assert_int_eq(
		route_find(api_routes, api_nroutes, "POST", "/api/v1/objects/1/console", &m),
		AMR_OK);
	ck_assert_uint_eq(m.route->roles, ROLE_ADMIN);
	ck_assert_int_eq(
		route_find(api_routes, api_nroutes, "POST", "/api/v1/objects/1/commands", &m),
		AMR_OK);
	ck_assert(!(m.route->roles & (ROLE_ACCOUNTANT | ROLE_TENANT)));
	/* a tenant reads its own objects' series (scope.h), not the services */
	ck_assert_int_eq(route_find(api_routes, api_nroutes, "GET", "/api/v1/series", &m), AMR_OK);
	ck_assert(m.route->roles & ROLE_TENANT);
	ck_assert_int_eq(route_find(api_routes, api_nroutes, "GET", "/api/v1/services", &m),
			 AMR_OK);
	ck_assert(!(m.route->roles & ROLE_TENANT));
	ck_assert_int_eq(route_find(api_routes, api_nroutes, "PATCH", "/api/v1/registry/1.1.1", &m),
			 AMR_OK);
	ck_assert_uint_eq(m.route->roles, ROLE_ADMIN);
	ck_assert_int_eq(route_find(api_routes, api_nroutes, "POST", "/api/v1/login", &m), AMR_OK);
	ck_assert_uint_eq(m.route->roles, ROLES_PUBLIC);
	/* only sign-in, health, metrics and the description are public */
	for (size_t i = 0; i < api_nroutes; i++)
		if (api_routes[i].roles == ROLES_PUBLIC)
			ck_assert_msg(
				!strcmp(api_routes[i].pattern, "/api/v1/login") ||
					!strcmp(api_routes[i].pattern, "/healthz") ||
					!strcmp(api_routes[i].pattern, "/metrics") ||
					!strcmp(api_routes[i].pattern, "/api/v1/openapi.json"),
				"%s is public", api_routes[i].pattern);
}
END_TEST

static const char *lower(const char *m, char *buf)
{
	size_t i = 0;

	for (; m[i] && i < 15; i++)
		buf[i] = (char)(m[i] >= 'A' && m[i] <= 'Z' ? m[i] + 32 : m[i]);
	buf[i] = '\0';
	return buf;
}

START_TEST(openapi_matches_routes)
{
	char path[4096], low[16];
	const char *src = getenv("AMR_SRC_DIR");
	json_error_t je;
	json_t *doc, *paths, *ops;
	const char *p;
	size_t nops = 0;

	snprintf(path, sizeof path, "%s/services/web/www/openapi.json", src ? src : ".");
	doc = json_load_file(path, 0, &je);
	ck_assert_msg(doc != NULL, "%s: %s", path, je.text);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "openapi")), "3.0.3");
	paths = json_object_get(doc, "paths");
	/* every route is described, with its roles */
	for (size_t i = 0; i < api_nroutes; i++) {
		json_t *op = json_object_get(json_object_get(paths, api_routes[i].pattern),
					     lower(api_routes[i].method, low));
		json_t *roles, *r;
		size_t k;
		unsigned bits = 0;

		ck_assert_msg(op != NULL, "%s %s is not in openapi.json", api_routes[i].method,
			      api_routes[i].pattern);
		roles = json_object_get(op, "x-roles");
		json_array_foreach(roles, k, r)
			bits |= route_role_parse(json_string_value(r));
		ck_assert_msg(bits == api_routes[i].roles, "%s %s: x-roles differ",
			      api_routes[i].method, api_routes[i].pattern);
	}
	/* and nothing else is */
	json_object_foreach(paths, p, ops) {
		const char *m;
		json_t *op;

		json_object_foreach(ops, m, op) {
			int found = 0;

			for (size_t i = 0; i < api_nroutes; i++)
				found |= !strcmp(api_routes[i].pattern, p) &&
					 !strcmp(lower(api_routes[i].method, low), m);
			ck_assert_msg(found, "openapi.json has %s %s, the server does not", m, p);
			nops++;
		}
	}
	ck_assert_uint_eq(nops, api_nroutes);
	json_decref(doc);
}
END_TEST

/* call.c: answers are set once, errors have the documented shape */
static int finished;
static void on_finish(struct call *c)
{
	(void)c;
	finished++;
}

START_TEST(call_answers_once)
{
	struct call *c = calloc(1, sizeof *c);
	json_t *j;

	call_init(c);
	c->finish = on_finish;
	finished = 0;
	call_error(c, 503, "unavailable", "%s is not answering", "archive");
	call_json(c, 200, json_object()); /* ignored */
	ck_assert_int_eq(finished, 1);
	ck_assert_int_eq(c->status, 503);
	j = json_loadb(c->out, c->out_len, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
			 "unavailable");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "message")),
			 "archive is not answering");
	json_decref(j);
	call_unref(c);
}
END_TEST

START_TEST(call_rpc_status_map)
{
	ck_assert_int_eq(call_rpc_status("timeout"), 503);
	ck_assert_int_eq(call_rpc_status("unavailable"), 503);
	ck_assert_int_eq(call_rpc_status("bad_request"), 400);
	ck_assert_int_eq(call_rpc_status("not_found"), 404);
	ck_assert_int_eq(call_rpc_status("unknown_method"), 404);
	ck_assert_int_eq(call_rpc_status("conflict"), 409);
	ck_assert_int_eq(call_rpc_status("forbidden"), 403);
	ck_assert_int_eq(call_rpc_status("internal"), 502);
	ck_assert_int_eq(call_rpc_status("too_large"), 502);
	ck_assert_int_eq(call_rpc_status("bad_answer"), 502);
	ck_assert_int_eq(call_rpc_status("frobnicated"), 502);
	ck_assert_int_eq(call_rpc_status(NULL), 503);
}
END_TEST

START_TEST(files_paths)
{
	static const struct {
		const char *path;
		bool ok;
	} cases[] = {
		{ "/index.html", true },
		{ "/js/app.js", true },
		{ "/chunks/helpers.segment.js", true },
		{ "/../etc/passwd", false },
		{ "/js/../../x", false },
		{ "/.hidden", false },
		{ "/js//a.js", false },
		{ "/js/", false },
		{ "", false },
		{ "relative.html", false },
		{ "/a\\b", false },
		{ "/a b", false },
		{ "/%2e%2e/x", false },
		{ "/js/./a.js", false },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(files_path_ok(cases[i].path) == cases[i].ok, "%s", cases[i].path);
	ck_assert_str_eq(files_type("/a/b.js"), "text/javascript; charset=utf-8");
	ck_assert_str_eq(files_type("/x.css"), "text/css; charset=utf-8");
	ck_assert_str_eq(files_type("/x"), "application/octet-stream");
}
END_TEST

Suite *web_route_suite(void)
{
	Suite *s = suite_create("web_route");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, route_matches_params);
	tcase_add_test(tc, route_refuses);
	tcase_add_test(tc, route_takes_a_name_in_russian);
	tcase_add_test(tc, route_roles);
	tcase_add_test(tc, openapi_matches_routes);
	tcase_add_test(tc, call_answers_once);
	tcase_add_test(tc, call_rpc_status_map);
	tcase_add_test(tc, files_paths);
	suite_add_tcase(s, tc);
	return s;
}
