/*
 * route.h - the API route table and its matcher (pure, no I/O).
 *
 * A route is a method, a path pattern with {name} segments, the roles that
 * may call it, where its handler runs (at once on the HTTP thread, or on the
 * service's loop thread) and the handler. route_find() matches a request
 * against a table; the table itself lives in api.c, and docs/web.md and
 * openapi.json describe the same routes (a unit test checks the three agree).
 */
#ifndef AMR_WEB_ROUTE_H
#define AMR_WEB_ROUTE_H

#include <stddef.h>

/* Roles, as bits so a route lists who may call it. */
enum {
	ROLE_ADMIN = 1,
	ROLE_OPERATOR = 2,
	ROLE_ACCOUNTANT = 4,
	ROLE_TENANT = 8,
};
#define ROLES_PUBLIC 0u /* no session needed */
#define ROLES_ANY    (ROLE_ADMIN | ROLE_OPERATOR | ROLE_ACCOUNTANT | ROLE_TENANT)
#define ROLES_STAFF  (ROLE_ADMIN | ROLE_OPERATOR | ROLE_ACCOUNTANT)
#define ROLES_OPS    (ROLE_ADMIN | ROLE_OPERATOR)
/* Views of objects: every role, a tenant only on its own objects (scope.h) */
#define ROLES_VIEW   ROLES_ANY

enum route_where {
	ROUTE_NOW,    /* handler runs on the HTTP thread and answers before it returns */
	ROUTE_LOOP,   /* handler runs on the loop thread and may answer later */
	ROUTE_SPAN,   /* the same, reading a span of the past: a tenant's windows */
		      /* cut it, not the call's moment (scope.h) */
	ROUTE_STREAM, /* the live stream: http.c answers with Server-Sent Events */
};

struct call;
typedef void (*route_fn)(void *ctx, struct call *c);

struct route {
	const char *method;	/* "GET", "POST", "PUT", "PATCH", "DELETE" */
	const char *pattern;	/* "/api/v1/objects/{obj}" */
	unsigned roles;		/* ROLE_* bits; ROLES_PUBLIC for everyone */
	enum route_where where; /* thread the handler runs on */
	route_fn fn;		/* handler */
	const char *summary;	/* one line, for logs and docs */
};

/* A path parameter is 1..ROUTE_MAX_PARAM-1 bytes of ASCII letters, digits
 * and ". _ -"; one named {name} (a contact's, which people write in their
 * own language: "диспетчер") also takes UTF-8 letters (bytes 0x80..0xff)
 * and spaces, the path as libmicrohttpd decoded it. Never "/", "%" or a
 * control character. */
#define ROUTE_MAX_PARAMS 4
#define ROUTE_MAX_PARAM	 66 /* a contact's name: 64 bytes */

struct route_match {
	const struct route *route;			/* the matched row */
	int nparams;					/* {name} segments filled */
	char params[ROUTE_MAX_PARAMS][ROUTE_MAX_PARAM]; /* their values, in order */
};

/* route_find() results besides AMR_OK. */
enum {
	ROUTE_NO_PATH = 100,   /* no pattern matches the path: 404 */
	ROUTE_NO_METHOD = 101, /* a pattern matches, not with this method: 405 */
};

/*
 * Match method and path (decoded, without the query) against t[0..n).
 * A {name} segment matches 1..63 characters of [A-Za-z0-9._-]. On AMR_OK
 * *m has the route and the segment values; otherwise ROUTE_NO_PATH or
 * ROUTE_NO_METHOD and *m is unspecified.
 */
int route_find(const struct route *t, size_t n, const char *method, const char *path,
	       struct route_match *m);

/* The role bit of "admin", "operator", "accountant", "tenant"; 0 if none. */
unsigned route_role_parse(const char *name);

/* The name of one role bit; "" for anything else. Static storage. */
const char *route_role_name(unsigned role);

#endif
