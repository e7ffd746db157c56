#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "proto.h"
#include "err.h"
#include "route.h"
#include "scope.h"

bool scope_allows(const struct scope *s, unsigned obj)
{
	if (!s || !s->on)
		return true;
	for (unsigned i = 0; i < s->n; i++)
		if (s->obj[i] == obj)
			return true;
	return false;
}

unsigned scope_id_obj(const char *id)
{
	struct proto_id k;

	return proto_id_parse(id, &k) ? k.obj : 0;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

amr_err scope_parse(const json_t *list, struct scope *out, char *msg, size_t size)
{
	struct scope s = { .on = true };
	size_t i;
	json_t *e;

	if (!json_is_array(list) || json_array_size(list) > SCOPE_MAX) {
		snprintf(msg, size, "objects: expected an array of at most %d object numbers",
			 SCOPE_MAX);
		return AMR_EINVAL;
	}
	json_array_foreach(list, i, e) {
		json_int_t v = json_integer_value(e);

		if (!json_is_integer(e) || !proto_obj_ok(v)) {
			snprintf(msg, size,
				 "objects[%zu]: expected an object number " PROTO_OBJ_RANGE, i);
			return AMR_EINVAL;
		}
		s.obj[s.n++] = (unsigned)v;
	}
	qsort(s.obj, s.n, sizeof s.obj[0], cmp_unsigned);
	for (i = 1; i < s.n; i++)
		if (s.obj[i] == s.obj[i - 1]) {
			snprintf(msg, size, "objects: %u is given twice", s.obj[i]);
			return AMR_EINVAL;
		}
	*out = s;
	return AMR_OK;
}

void scope_of_user(unsigned role, const json_t *objects, struct scope *out)
{
	char msg[96];

	*out = (struct scope){ .on = false };
	if (role == ROLE_ADMIN)
		return;
	if (objects && !json_is_null(objects)) {
		if (scope_parse(objects, out, msg, sizeof msg))
			*out = (struct scope){ .on = true }; /* a damaged list shows nothing */
		return;
	}
	if (role == ROLE_TENANT)
		out->on = true; /* a tenant sees only its own */
}

json_t *scope_json(const struct scope *s)
{
	json_t *a = json_array();

	for (unsigned i = 0; a && i < s->n; i++)
		json_array_append_new(a, json_integer(s->obj[i]));
	return a;
}

/* The index of segment {obj} or {id} in pattern, or -1. */
static int obj_param_index(const char *pattern)
{
	int idx = 0;

	for (const char *p = pattern; (p = strchr(p, '{')); p++, idx++)
		if (!strncmp(p, "{obj}", 5) || !strncmp(p, "{id}", 4))
			return idx;
	return -1;
}

/* One id named by a call (what: where it came from). */
static int check_id(const struct scope *s, const char *what, const char *id, size_t len,
		    unsigned *refused, char *msg, size_t size)
{
	char buf[24];
	struct proto_id k;
	unsigned obj;

	if (len >= sizeof buf ||
	    (memcpy(buf, id, len), buf[len] = '\0', !proto_id_parse(buf, &k))) {
		snprintf(msg, size, "%s: \"%.*s\" is not an id (obj, obj.addr or obj.addr.ch)",
			 what, (int)(len < 32 ? len : 32), id);
		return 400;
	}
	obj = k.obj;
	if (!scope_allows(s, obj)) {
		*refused = obj;
		return 403;
	}
	return 0;
}

/* Each id of a comma-separated list (an empty item is no id either). */
static int check_list(const struct scope *s, const char *what, const char *q, unsigned *refused,
		      char *msg, size_t size)
{
	int rc;

	for (;;) {
		size_t n = strcspn(q, ",");

		if ((rc = check_id(s, what, q, n, refused, msg, size)))
			return rc;
		if (!q[n])
			return 0;
		q += n + 1;
	}
}

int scope_check_call(const struct scope *s, const struct call *c, char *msg, size_t size)
{
	static const char *const lists[] = { "obj", "channels", "channel" };
	unsigned refused = 0;
	const char *q;
	int idx, rc = 0;

	if (!s || !s->on)
		return 0;
	if (c->m.route && (idx = obj_param_index(c->m.route->pattern)) >= 0 && idx < c->m.nparams)
		rc = check_id(s, "id", c->m.params[idx], strlen(c->m.params[idx]), &refused, msg,
			      size);
	for (size_t i = 0; !rc && i < sizeof lists / sizeof lists[0]; i++)
		if ((q = call_query(c, lists[i])))
			rc = check_list(s, lists[i], q, &refused, msg, size);
	if (rc == 403)
		snprintf(msg, size, "object %u is not among the objects of %s", refused, c->user);
	return rc;
}

/* The object an element names, or 0. */
static unsigned elem_obj(const json_t *e)
{
	const json_t *o = json_object_get(e, "obj");

	if (json_is_integer(o))
		return (unsigned)json_integer_value(o);
	return scope_id_obj(json_string_value(json_object_get(e, "id")));
}

void scope_filter(const struct scope *s, json_t *obj)
{
	const char *key;
	json_t *arr;

	if (!s || !s->on || !json_is_object(obj))
		return;
	json_object_foreach(obj, key, arr) {
		size_t i = 0;

		if (!json_is_array(arr))
			continue;
		while (i < json_array_size(arr)) {
			json_t *e = json_array_get(arr, i);
			unsigned o = elem_obj(e);

			if (json_is_object(e) &&
			    (o || json_object_get(e, "obj") || json_object_get(e, "id")) &&
			    !scope_allows(s, o))
				json_array_remove(arr, i);
			else
				i++;
		}
	}
}
