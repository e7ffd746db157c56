/*
 * fuzz_route.c - libFuzzer target: amr-web's route matching and what a
 * call names (services/web/route.c, scope.c, api.c's query helper;
 * docs/reliability.md).
 *
 * The input is one request line, "METHOD /path?a=1&b=2": the path as
 * libmicrohttpd hands it over decoded, the query split into arguments
 * as http.c's collect_query() keeps them (the first of a name wins, only
 * UTF-8). Against the real table, api_routes:
 *  - route_find() answers OK, ROUTE_NO_PATH or ROUTE_NO_METHOD; on OK the
 *    row has the method, as many segments as the path, a {param} per
 *    pattern brace, each 1..ROUTE_MAX_PARAM-1 bytes without '/', '%' or a
 *    control character;
 *  - scope_check_call() for a tenant limited to object 1, device 2.5 and
 *    channel 3.7.1 answers 0, 400 or 403 with a message; when it lets the
 *    call through, every id the call names (its {obj}/{id} segment, obj=,
 *    channels=, channel=) is one the tenant sees, and in one of its
 *    objects;
 *  - api_query_int() on "limit" takes an integer in its range or answers
 *    400.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api.h"
#include "call.h"
#include "proto.h"
#include "route.h"
#include "scope.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static struct scope tenant;

static void setup(void)
{
	json_t *list = json_pack("[i, s, s]", 1, "2.5", "3.7.1");
	char msg[128];

	CHECK(scope_parse(list, &tenant, msg, sizeof msg) == AMR_OK);
	json_decref(list);
}

static size_t segments(const char *p)
{
	size_t n = 0;

	for (; *p; p++)
		n += *p == '/';
	return n;
}

static void check_match(const char *method, const char *path, const struct route_match *m)
{
	size_t braces = 0;

	CHECK(m->route >= api_routes && m->route < api_routes + api_nroutes);
	CHECK(!strcmp(m->route->method, method));
	CHECK(segments(m->route->pattern) == segments(path));
	for (const char *p = m->route->pattern; (p = strchr(p, '{')); p++)
		braces++;
	CHECK(m->nparams >= 0 && (size_t)m->nparams == braces && m->nparams <= ROUTE_MAX_PARAMS);
	for (int i = 0; i < m->nparams; i++) {
		size_t n = strnlen(m->params[i], ROUTE_MAX_PARAM);

		CHECK(n >= 1 && n < ROUTE_MAX_PARAM);
		for (size_t k = 0; k < n; k++) {
			unsigned char ch = (unsigned char)m->params[i][k];

			CHECK(ch != '/' && ch != '%' && ch >= 0x20 && ch != 0x7f);
		}
	}
}

/* The tenant sees what the call named: one id. */
static void check_seen(const char *id, size_t len)
{
	char buf[32];
	struct proto_id k;
	bool mine = false;

	CHECK(len < sizeof buf);
	memcpy(buf, id, len);
	buf[len] = '\0';
	CHECK(proto_id_parse(buf, &k) > 0);
	CHECK(scope_sees(&tenant, k.obj, k.addr, k.ch));
	for (unsigned i = 0; i < tenant.n; i++)
		mine |= tenant.item[i].obj == k.obj;
	CHECK(mine);
}

static void check_list_seen(const char *q)
{
	for (;;) {
		size_t n = strcspn(q, ",");

		check_seen(q, n);
		if (!q[n])
			return;
		q += n + 1;
	}
}

static void check_scope(struct call *c)
{
	static const char *const lists[] = { "obj", "channels", "channel" };
	char msg[160];
	int rc;

	memset(msg, 0x5a, sizeof msg);
	msg[0] = '\0';
	rc = scope_check_call(&tenant, c, msg, sizeof msg);
	CHECK(rc == 0 || rc == 400 || rc == 403);
	if (rc) {
		CHECK(memchr(msg, '\0', sizeof msg) && msg[0] != '\0');
		return;
	}
	if (c->m.route) {
		int idx = 0;

		for (const char *p = c->m.route->pattern; (p = strchr(p, '{')); p++, idx++) {
			if (!strncmp(p, "{obj}", 5) || !strncmp(p, "{id}", 4)) {
				check_seen(c->m.params[idx], strlen(c->m.params[idx]));
				break;
			}
		}
	}
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		const char *q = call_query(c, lists[i]);

		if (q)
			check_list_seen(q);
	}
}

static void check_limit(struct call *c)
{
	const char *s = call_query(c, "limit");
	long long v = -1;
	int rc = api_query_int(c, "limit", 100, 1, 1000, &v);

	if (rc == 0) {
		CHECK(v >= 1 && v <= 1000 && (!s || !*s || v == strtoll(s, NULL, 10)));
		CHECK(c->status == 0);
	} else {
		CHECK(rc == -1 && c->status == 400 && c->out != NULL);
	}
}

/* http.c's collect_query(): name=value pairs split on '&', the first of
 * a name kept, names of 64 bytes or more ignored; a name or value that is
 * not UTF-8 refuses the call (false). */
static bool read_query(struct call *c, char *q)
{
	for (char *save = NULL, *kv = strtok_r(q, "&", &save); kv;
	     kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');

		if (eq)
			*eq = '\0';
		if (strlen(kv) >= 64 || json_object_get(c->query, kv))
			continue;
		/* json_object_set_new() takes the value even when it fails */
		if (json_object_set_new(c->query, kv, json_string(eq ? eq + 1 : "")))
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct call *c;
	char *text, *sp, *q;
	int rc;

	if (!ready) {
		setup();
		ready = true;
	}
	if (size > 4096 || memchr(data, '\0', size))
		return 0;
	text = malloc(size + 1);
	CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	sp = strchr(text, ' ');
	if (!sp || (size_t)(sp - text) >= sizeof c->method || strlen(sp + 1) >= sizeof c->path) {
		free(text);
		return 0;
	}
	*sp = '\0';
	c = calloc(1, sizeof *c);
	CHECK(c != NULL);
	call_init(c);
	CHECK((c->query = json_object()) != NULL);
	strcpy(c->method, text);
	if ((q = strchr(sp + 1, '?'))) {
		*q = '\0';
		if (!read_query(c, q + 1))
			goto out;
	}
	strcpy(c->path, sp + 1);

	rc = route_find(api_routes, api_nroutes, c->method, c->path, &c->m);
	CHECK(rc == AMR_OK || rc == ROUTE_NO_PATH || rc == ROUTE_NO_METHOD);
	if (rc == AMR_OK)
		check_match(c->method, c->path, &c->m);
	else
		memset(&c->m, 0, sizeof c->m);
	c->role = ROLE_TENANT;
	check_scope(c);
	check_limit(c);
out:
	call_unref(c);
	free(text);
	return 0;
}
