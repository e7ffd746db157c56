#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "err.h"
#include "route.h"
#include "scope.h"

/* True when item i's window holds t (0: any time). */
static bool holds(const struct scope *s, unsigned i, int64_t t)
{
	return !t || ((!s->from[i] || t >= s->from[i]) && (!s->to[i] || t < s->to[i]));
}

bool scope_sees(const struct scope *s, unsigned obj, unsigned addr, unsigned ch)
{
	return scope_sees_at(s, obj, addr, ch, 0);
}

bool scope_sees_at(const struct scope *s, unsigned obj, unsigned addr, unsigned ch, int64_t t)
{
	if (!s || !s->on)
		return true;
	for (unsigned i = 0; i < s->n; i++) {
		const struct proto_id *k = &s->item[i];

		if (k->obj != obj || !holds(s, i, t ? t : s->at))
			continue;
		if (!k->addr || !addr)
			return true; /* the whole object, or the object as such */
		if (k->addr == addr && ((!k->ch && (!ch || !s->devonly[i])) || (ch && k->ch == ch)))
			return true;
	}
	return false;
}

bool scope_allows(const struct scope *s, unsigned obj)
{
	return scope_sees(s, obj, 0, 0);
}

bool scope_whole(const struct scope *s, unsigned obj)
{
	if (!s || !s->on)
		return true;
	for (unsigned i = 0; i < s->n; i++)
		if (s->item[i].obj == obj && !s->item[i].addr)
			return true;
	return false;
}

unsigned scope_id_obj(const char *id)
{
	struct proto_id k;

	return id && proto_id_parse(id, &k) ? k.obj : 0;
}

static int cmp_id(const void *a, const void *b)
{
	const struct proto_id *x = a, *y = b;

	if (x->obj != y->obj)
		return x->obj < y->obj ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->ch < y->ch ? -1 : x->ch > y->ch;
}

amr_err scope_parse(const json_t *list, struct scope *out, char *msg, size_t size)
{
	struct scope s = { .on = true };
	char id[PROTO_ID_LEN];
	size_t i;
	json_t *e;

	if (!json_is_array(list) || json_array_size(list) > SCOPE_MAX) {
		snprintf(msg, size,
			 "objects: expected an array of at most %d objects, devices or channels",
			 SCOPE_MAX);
		return AMR_EINVAL;
	}
	json_array_foreach(list, i, e) {
		struct proto_id k = { 0 };

		if (json_is_integer(e) && proto_obj_ok(json_integer_value(e))) {
			k.obj = (uint16_t)json_integer_value(e);
		} else if (!json_is_string(e) || !proto_id_parse(json_string_value(e), &k)) {
			snprintf(msg, size,
				 "objects[%zu]: expected an object number " PROTO_OBJ_RANGE
				 " or an id \"obj.addr\" or \"obj.addr.ch\"",
				 i);
			return AMR_EINVAL;
		}
		s.item[s.n++] = k;
	}
	qsort(s.item, s.n, sizeof s.item[0], cmp_id);
	for (i = 1; i < s.n; i++)
		if (!cmp_id(&s.item[i], &s.item[i - 1])) {
			snprintf(msg, size, "objects: %s is given twice",
				 proto_id_format(&s.item[i], id));
			return AMR_EINVAL;
		}
	*out = s;
	return AMR_OK;
}

void scope_of_user(unsigned role, const json_t *objects, struct scope *out)
{
	char msg[128];

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
	char id[PROTO_ID_LEN];

	for (unsigned i = 0; a && i < s->n; i++)
		json_array_append_new(a, s->item[i].addr
						 ? json_string(proto_id_format(&s->item[i], id))
						 : json_integer(s->item[i].obj));
	return a;
}

bool scope_window(const struct scope *s, const char *id, int64_t *from, int64_t *to)
{
	struct proto_id k;
	bool found = false;

	if (!s || !s->on || !s->derived || proto_id_parse(id, &k) != 3)
		return false;
	for (unsigned i = 0; i < s->n; i++) {
		const struct proto_id *x = &s->item[i];

		if (x->obj != k.obj || x->addr != k.addr || x->ch != k.ch ||
		    (found && s->from[i] < *from))
			continue;
		*from = s->from[i];
		*to = s->to[i];
		found = true;
	}
	return found;
}

/* An item of a derivation: a channel (or an output's device) over
 * [from, to), 0 open. */
struct win {
	struct proto_id id;
	int64_t from, to;
};

/* w[*n] from entry e's "key" id of parts parts (3 a channel, 2 a device
 * of "obj.addr.out"), over [from, to); false when it names none. */
static bool win_of(const json_t *e, const char *key, int parts, int64_t from, int64_t to,
		   struct win *w)
{
	const char *id = json_string_value(json_object_get(e, key));

	if (!id || proto_id_parse(id, &w->id) != 3)
		return false; /* a channel of another spelling is no channel of ours */
	if (parts == 2)
		w->id.ch = 0; /* the output's device */
	w->from = from;
	w->to = to;
	return true;
}

static int cmp_win(const void *a, const void *b)
{
	const struct win *x = a, *y = b;
	int c = cmp_id(&x->id, &y->id);

	return c ? c : (x->from > y->from) - (x->from < y->from);
}

/* The end of w as a time that compares: open is the latest. */
static int64_t end_of(const struct win *w)
{
	return w->to ? w->to : INT64_MAX;
}

int scope_derive(const json_t *answer, struct scope *out)
{
	const json_t *list = json_object_get(answer, "channels");
	size_t i, n = 0, cap = json_array_size(list);
	struct win *w;
	json_t *e;
	int dropped = 0;

	if (!json_is_array(list) || !(w = calloc(cap ? 2 * cap : 1, sizeof *w)))
		return -1;
	json_array_foreach(list, i, e) {
		const json_t *f = json_object_get(e, "from"), *t = json_object_get(e, "to");
		int64_t from = json_integer_value(f), to = json_integer_value(t);

		if (!json_is_integer(f) || from < 0 || (!json_is_null(t) && !json_is_integer(t)) ||
		    (to && to <= from) || !win_of(e, "channel", 3, from, to, &w[n]))
			continue;
		n++;
		if (win_of(e, "output", 2, from, to, &w[n]))
			n++;
	}
	qsort(w, n, sizeof w[0], cmp_win);
	out->on = out->derived = true;
	out->n = 0;
	for (i = 0; i < n; i++) {
		unsigned k = out->n;

		if (k && !cmp_id(&out->item[k - 1], &w[i].id) &&
		    (!out->to[k - 1] || w[i].from <= out->to[k - 1])) {
			struct win prev = { out->item[k - 1], out->from[k - 1], out->to[k - 1] };

			if (end_of(&w[i]) > end_of(&prev))
				out->to[k - 1] = w[i].to;
			continue; /* touching or overlapping: one stint */
		}
		if (k == SCOPE_MAX) {
			dropped++;
			continue;
		}
		out->item[k] = w[i].id;
		out->from[k] = w[i].from;
		out->to[k] = w[i].to;
		out->devonly[k] = !w[i].id.ch;
		out->n++;
	}
	free(w);
	return dropped;
}

bool scope_pending(const struct scope *s)
{
	return s && s->naccounts && !s->derived;
}

bool scope_same_items(const struct scope *a, const struct scope *b)
{
	if (a->on != b->on || a->n != b->n)
		return false;
	for (unsigned i = 0; i < a->n; i++)
		if (cmp_id(&a->item[i], &b->item[i]) || a->from[i] != b->from[i] ||
		    a->to[i] != b->to[i] || a->devonly[i] != b->devonly[i])
			return false;
	return true;
}

json_t *scope_windows_json(const struct scope *s)
{
	json_t *a = json_array();
	char id[PROTO_ID_LEN];

	for (unsigned i = 0; a && i < s->n; i++)
		json_array_append_new(
			a, json_pack("{s:s, s:o, s:o}", s->item[i].ch ? "channel" : "device",
				     proto_id_format(&s->item[i], id), "from",
				     s->from[i] ? json_integer(s->from[i]) : json_null(), "to",
				     s->to[i] ? json_integer(s->to[i]) : json_null()));
	return a;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

amr_err scope_accounts_parse(const json_t *list, struct scope *out, char *msg, size_t size)
{
	uint32_t ids[SCOPE_MAX_ACCOUNTS];
	unsigned n = 0;
	size_t i;
	json_t *e;

	if (!json_is_array(list) || json_array_size(list) > SCOPE_MAX_ACCOUNTS) {
		snprintf(msg, size, "accounts: expected an array of at most %d billing account ids",
			 SCOPE_MAX_ACCOUNTS);
		return AMR_EINVAL;
	}
	json_array_foreach(list, i, e) {
		json_int_t v = json_integer_value(e);

		if (!json_is_integer(e) || v < 1 || v > SCOPE_ACCOUNT_ID_MAX) {
			snprintf(msg, size, "accounts[%zu]: expected a billing account id 1..%u", i,
				 SCOPE_ACCOUNT_ID_MAX);
			return AMR_EINVAL;
		}
		ids[n++] = (uint32_t)v;
	}
	qsort(ids, n, sizeof ids[0], cmp_u32);
	for (i = 1; i < n; i++)
		if (ids[i] == ids[i - 1]) {
			snprintf(msg, size, "accounts: %u is given twice", ids[i]);
			return AMR_EINVAL;
		}
	memcpy(out->account, ids, n * sizeof ids[0]);
	out->naccounts = n;
	return AMR_OK;
}

bool scope_has_account(const struct scope *s, long long id)
{
	for (unsigned i = 0; s && i < s->naccounts; i++)
		if (s->account[i] == id)
			return true;
	return false;
}

json_t *scope_accounts_json(const struct scope *s)
{
	json_t *a = json_array();

	for (unsigned i = 0; a && i < s->naccounts; i++)
		json_array_append_new(a, json_integer(s->account[i]));
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

/* One id named by a call (what: where it came from); *refused gets it
 * when s does not allow it. */
static int check_id(const struct scope *s, const char *what, const char *id, size_t len,
		    struct proto_id *refused, char *msg, size_t size)
{
	char buf[24];
	struct proto_id k;

	if (len >= sizeof buf ||
	    (memcpy(buf, id, len), buf[len] = '\0', !proto_id_parse(buf, &k))) {
		snprintf(msg, size, "%s: \"%.*s\" is not an id (obj, obj.addr or obj.addr.ch)",
			 what, (int)(len < 32 ? len : 32), id);
		return 400;
	}
	if (!scope_sees(s, k.obj, k.addr, k.ch)) {
		*refused = k;
		return 403;
	}
	return 0;
}

/* Each id of a comma-separated list (an empty item is no id either). */
static int check_list(const struct scope *s, const char *what, const char *q,
		      struct proto_id *refused, char *msg, size_t size)
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
	struct proto_id refused = { 0 };
	char id[PROTO_ID_LEN];
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
	if (rc == 403 && (!refused.addr || !scope_allows(s, refused.obj)))
		snprintf(msg, size, "object %u is not among the objects of %s", refused.obj,
			 c->user);
	else if (rc == 403)
		snprintf(msg, size, "%s %s is not among what %s may see",
			 refused.ch ? "channel" : "device", proto_id_format(&refused, id), c->user);
	return rc;
}

/* The number member key of e, or 0. */
static unsigned num(const json_t *e, const char *key)
{
	const json_t *v = json_object_get(e, key);
	json_int_t n = json_integer_value(v);

	return json_is_integer(v) && n > 0 && n <= PROTO_OBJ_MAX ? (unsigned)n : 0;
}

/* What element e names (within object ctx); false when it names nothing. */
static bool elem_id(const json_t *e, unsigned ctx, struct proto_id *k)
{
	const json_t *id = json_object_get(e, "id");
	unsigned obj = num(e, "obj");

	*k = (struct proto_id){ 0 };
	if (json_is_string(id)) {
		if (!proto_id_parse(json_string_value(id), k))
			*k = (struct proto_id){ 0 }; /* names nothing we show: refused below */
		return true;
	}
	if (!obj && (json_object_get(e, "obj") || !ctx))
		return json_object_get(e, "obj") != NULL; /* a bad obj is nothing to show */
	k->obj = (uint16_t)(obj ? obj : ctx);
	k->addr = (uint8_t)num(e, "addr");
	k->ch = (uint8_t)num(e, "ch");
	if ((json_object_get(e, "addr") && !proto_addr_ok(num(e, "addr"))) ||
	    (json_object_get(e, "ch") && (!k->addr || !proto_ch_ok(num(e, "ch")))))
		*k = (struct proto_id){ 0 }; /* a bad address is nothing to show */
	return true;
}

/* The time element e is about ("ts": a reading's, an event's), or 0. */
static int64_t time_of(const json_t *e)
{
	const json_t *t = json_object_get(e, "ts");

	return json_is_integer(t) && json_integer_value(t) > 0 ? json_integer_value(t) : 0;
}

/* The fields of an object summary that tell about the whole building. */
static const char *const summary_building[] = { "devices", "channels", "lcd", "spool", "ip", "fw" };

/* Reduce summary j of object obj to what s allows of it. */
static void filter_summary(const struct scope *s, unsigned obj, json_t *j)
{
	if (!json_is_object(j) || !(obj = num(j, "obj") ? num(j, "obj") : obj) ||
	    scope_whole(s, obj))
		return;
	for (size_t i = 0; i < sizeof summary_building / sizeof summary_building[0]; i++)
		json_object_del(j, summary_building[i]);
	scope_filter(s, obj, j); /* its "alarms" */
}

bool scope_filter(const struct scope *s, unsigned obj, json_t *j)
{
	struct proto_id k;
	const char *key;
	json_t *v;

	if (!s || !s->on || !json_is_object(j))
		return true;
	if (!obj)
		obj = num(j, "obj") ? num(j, "obj") : num(json_object_get(j, "object"), "obj");
	if ((v = json_object_get(j, "event")) && elem_id(v, obj, &k) &&
	    !scope_sees_at(s, k.obj, k.addr, k.ch, time_of(v)))
		return false;
	filter_summary(s, obj, json_object_get(j, "object"));
	json_object_foreach(j, key, v) {
		size_t i = 0;
		bool summaries = !strcmp(key, "objects"), alarms = !strcmp(key, "alarms");

		if (!json_is_array(v))
			continue;
		while (i < json_array_size(v)) {
			json_t *e = json_array_get(v, i);

			if (json_is_object(e) && elem_id(e, summaries ? 0 : obj, &k) &&
			    (!scope_sees_at(s, k.obj, k.addr, k.ch, time_of(e)) ||
			     (alarms && !k.addr && !scope_whole(s, k.obj)))) {
				json_array_remove(v, i);
				continue;
			}
			if (summaries)
				filter_summary(s, 0, e);
			i++;
		}
	}
	return true;
}
