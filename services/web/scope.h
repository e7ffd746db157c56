/*
 * scope.h - what a signed-in user may see (pure, no I/O).
 *
 * A user record may hold "objects": a list whose items are an object
 * number (1: the whole object) or the id of a device ("1.17": a flat's
 * UO-4) or of a channel ("1.17.3": one meter). The list limits a tenant,
 * an operator or an accountant; an admin always sees everything. A tenant
 * without a list sees nothing, the other roles without a list see
 * everything.
 *
 * What an item grants, by the level of what is asked (scope_sees):
 *   - a channel: an object item, its device's item or the channel's own;
 *   - a device (its state and outputs): an object item or the device's;
 *   - an object as such (its name, whether its gateway is online): any
 *     item within it. Of an object seen only in part, the summary keeps
 *     its name, state and times and loses what tells about the rest of
 *     the building: device counts, channel count, LCD, spool, address,
 *     the alarms of other devices and those of the building itself
 *     (its gateway's, with no "addr": scope_filter).
 * A limited call gets 403 {"code":"forbidden"} on any route naming what it
 * may not see (the {obj} or {id} segment, the obj=, channels= and channel=
 * query arguments, a command's device), and lists, answers and the live
 * stream hold only what it may.
 *
 * A tenant's record may also hold "accounts": the ids of the billing
 * accounts (лицевые счета) it may see through the billing routes
 * (api_billing.c): their balance, statement, invoices and receipts, and
 * nothing of any other account. Other roles have no such list.
 *
 * A tenant with accounts sees the metering through them, not through
 * "objects" (which it then does not use): amr-web asks amr-billing for
 * the channels of the accounts' premises over the days each account held
 * them (billing/account.channels) and puts each in the list with that
 * window [from, to) (scope_derive), and the UO-4 device of each meter's
 * output as a device-only item over the same window: its state and its
 * outputs (a valve cut for debt), not its other channels. A windowed item
 * grants what it names
 * only for times inside its window: a call's own moment (s->at) for what
 * is shown as it is now, and for an element carrying a time ("ts": a
 * reading, an event) that time; the archive's series and consumption are
 * cut to the window (scope_window). So a new tenant never sees the
 * previous occupant's readings, nor a former one the next occupant's.
 */
#ifndef AMR_WEB_SCOPE_H
#define AMR_WEB_SCOPE_H

#include "err.h"
#include "proto.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define SCOPE_MAX	     64		 /* items in one user's list */
#define SCOPE_MAX_ACCOUNTS   64		 /* billing accounts of one tenant */
#define SCOPE_ACCOUNT_ID_MAX 4000000000u /* billing's ids are 1..this */

struct scope {
	bool on;			      /* limited to item[0..n); false: everything */
	bool derived;			      /* item[] is from the accounts (scope_derive) */
	unsigned n;			      /* items in the list (0: nothing) */
	struct proto_id item[SCOPE_MAX];      /* sorted by obj, addr, ch; unique */
	int64_t from[SCOPE_MAX];	      /* item i's window [from, to), UTC s; */
	int64_t to[SCOPE_MAX];		      /* 0 each: open on that side */
	bool devonly[SCOPE_MAX];	      /* a device item granting the device (its */
					      /* state, its outputs), not its channels */
	int64_t at;			      /* the call's moment; 0: any time of a window */
	unsigned naccounts;		      /* a tenant's billing accounts (0: none) */
	uint32_t account[SCOPE_MAX_ACCOUNTS]; /* their ids, sorted, unique */
};

struct call;

/* True when s lets its user see obj.addr.ch: addr 0 asks for the object
 * as such, ch 0 for the device (the levels above); a windowed item only
 * when its window holds s->at (any window when at is 0). */
bool scope_sees(const struct scope *s, unsigned obj, unsigned addr, unsigned ch);

/* The same at time t (0: s->at). */
bool scope_sees_at(const struct scope *s, unsigned obj, unsigned addr, unsigned ch, int64_t t);

/*
 * The window through which s shows channel id (an id string) into
 * [*from, *to): true when it is limited to one (a tenant's derived item;
 * of two items for one channel, two separate stints, the later one),
 * false when s shows all of the channel's time (or not the channel at
 * all, which scope_check_call refuses first).
 */
bool scope_window(const struct scope *s, const char *id, int64_t *from, int64_t *to);

/*
 * A tenant's list from billing/account.channels' answer (borrowed):
 * "channels":[{"channel","from","to"|null,"output"?}]. The items of *out
 * (its accounts kept) become those channels with their windows, and the
 * devices of their outputs as device-only items, sorted; one id's
 * touching or overlapping windows are joined; at most SCOPE_MAX
 * items (the rest are dropped and counted in the return value). Sets
 * out->on and out->derived. Returns the number dropped, or -1 when the
 * answer is not one (*out unchanged).
 */
int scope_derive(const json_t *answer, struct scope *out);

/* True when s is a tenant's whose items are still to be derived from its
 * accounts (a call of its then waits for billing/account.channels). */
bool scope_pending(const struct scope *s);

/* True when a and b hold the same items with the same windows. */
bool scope_same_items(const struct scope *a, const struct scope *b);

/* The items with their windows as JSON (new reference):
 * [{"channel"|"device","from"|null,"to"|null}] (null: open on that side). */
json_t *scope_windows_json(const struct scope *s);

/* True when s lets its user see anything of object obj. */
bool scope_allows(const struct scope *s, unsigned obj);

/* True when s lets its user see all of object obj. */
bool scope_whole(const struct scope *s, unsigned obj);

/* The object of an id in its one spelling (proto_id_parse: the scope check
 * and the handlers cannot read one text two ways); 0 when it is not one. */
unsigned scope_id_obj(const char *id);

/*
 * Check a list as given by an admin: an array of 0..SCOPE_MAX items, each
 * an integer 1..PROTO_OBJ_MAX or a string id "obj", "obj.addr" or
 * "obj.addr.ch" in its one spelling. On AMR_OK *out holds them sorted
 * without repeats (out->on set); otherwise AMR_EINVAL and msg names the
 * item and the problem.
 */
amr_err scope_parse(const json_t *list, struct scope *out, char *msg, size_t size);

/* The scope of an account: role (ROLE_* bit) and its stored "objects"
 * (array or NULL, checked by scope_parse). */
void scope_of_user(unsigned role, const json_t *objects, struct scope *out);

/*
 * Check a list of billing accounts as given by an admin: an array of
 * 0..SCOPE_MAX_ACCOUNTS integers 1..SCOPE_ACCOUNT_ID_MAX without repeats.
 * On AMR_OK out->account holds them sorted (the rest of *out unchanged);
 * otherwise AMR_EINVAL, *out unchanged, and msg names the item.
 */
amr_err scope_accounts_parse(const json_t *list, struct scope *out, char *msg, size_t size);

/* True when s holds billing account id among its user's accounts. */
bool scope_has_account(const struct scope *s, long long id);

/* The accounts as a JSON array of integers (new reference). */
json_t *scope_accounts_json(const struct scope *s);

/* The list as a JSON array (new reference): objects as integers, devices
 * and channels as id strings. */
json_t *scope_json(const struct scope *s);

/*
 * Check what a call names: the route's {obj} / {id} segment, the "obj"
 * query argument and each id of "channels" and "channel". Returns 0 when
 * allowed (or the scope is off: an unlimited user's bad id is left to the
 * handler's own check); for a limited user 400 when a named id is not an
 * id in its one spelling, 403 when it names what the user may not see;
 * msg says which.
 */
int scope_check_call(const struct scope *s, const struct call *c, char *msg, size_t size);

/*
 * Cut an answer or a stream publication down to what s allows. Every
 * array member of j (e.g. "objects", "channels", "devices", "events",
 * "records", "commands") loses the elements naming what s does not allow:
 * an element names obj.addr.ch by its "id", or by its "obj" (else the
 * answer's: obj, when not 0, or j's own "obj" or "object"."obj"), "addr"
 * and "ch". Elements naming nothing are kept; an element of "alarms"
 * naming an object alone (no "addr") only when s sees all of it. An
 * object summary (j's
 * "object", the elements of "objects") of an object seen in part is
 * reduced as above. Returns false when j is about one thing s does not
 * allow ("event"), which should then not be shown at all.
 */
bool scope_filter(const struct scope *s, unsigned obj, json_t *j);

#endif
