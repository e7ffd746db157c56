/*
 * scope.h - the objects a signed-in user may see (pure, no I/O).
 *
 * A user record may hold "objects": [1, 5] (users.h). The list limits a
 * tenant, an operator or an accountant to those objects; an admin always
 * sees every object. A tenant without a list sees no object at all, the
 * other roles without a list see every object. A limited call gets 403
 * {"code":"forbidden"} on any route naming another object (the {obj} or
 * {id} segment, the obj= and channels= query arguments), and lists
 * (objects, channels, events, registry, the live stream) hold only its
 * objects.
 */
#ifndef AMR_WEB_SCOPE_H
#define AMR_WEB_SCOPE_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define SCOPE_MAX 64 /* objects in one user's list */

struct scope {
	bool on;		 /* limited to obj[0..n); false: every object */
	unsigned n;		 /* objects in the list (0: none) */
	unsigned obj[SCOPE_MAX]; /* ascending, unique, 1..PROTO_OBJ_MAX */
};

struct call;

/* True when s lets its user see object obj. */
bool scope_allows(const struct scope *s, unsigned obj);

/* The object of an id in its one spelling (proto_id_parse: the scope check
 * and the handlers cannot read one text two ways); 0 when it is not one. */
unsigned scope_id_obj(const char *id);

/*
 * Check a list of objects as given by an admin: an array of 0..SCOPE_MAX
 * integers 1..PROTO_OBJ_MAX. On AMR_OK *out holds them sorted without repeats
 * (out->on set); otherwise AMR_EINVAL and msg names the problem.
 */
amr_err scope_parse(const json_t *list, struct scope *out, char *msg, size_t size);

/* The scope of an account: role (ROLE_* bit) and its stored "objects"
 * (array or NULL, checked by scope_parse). */
void scope_of_user(unsigned role, const json_t *objects, struct scope *out);

/* The list as a JSON array (new reference). */
json_t *scope_json(const struct scope *s);

/*
 * Check the objects a call names: the route's {obj} / {id} segment, the
 * "obj" query argument and each id of "channels" and "channel". Returns 0
 * when allowed (or the scope is off: an unlimited user's bad id is left to
 * the handler's own check); for a limited user 400 when a named id is not
 * an id in its one spelling, 403 when it names another object; msg says
 * which.
 */
int scope_check_call(const struct scope *s, const struct call *c, char *msg, size_t size);

/* Remove from every array member of obj (e.g. "objects", "channels",
 * "events", "records") the elements whose "obj" number or "id" names an
 * object s does not allow. Elements with neither are kept. */
void scope_filter(const struct scope *s, json_t *obj);

#endif
