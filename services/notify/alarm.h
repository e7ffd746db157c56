/*
 * alarm.h - the alarms amr-notify raised, acknowledged and cleared, kept
 * in its LMDB environment (docs/notify.md, "Alarms"):
 *
 *   alarm  id u32 -> the alarm's JSON
 *   open   key "kind/target" -> id u32, while it is raised or acknowledged
 *   meta   "next" -> the next id u32
 *
 * An alarm is one condition on one target, however often the condition
 * repeats: a raise of a key that is open counts on the open alarm
 * ("count", "last"); only a raise after the alarm was cleared makes a new
 * one. Its record:
 *
 *   {"id":7,"key":"device_offline/1.5","kind":"device_offline",
 *    "severity":"major","target":"1.5","obj":1,"addr":5,"ch":0,
 *    "state":"raised"|"acknowledged"|"cleared","raised":T,"last":T,
 *    "count":3,"detail":{..},"ack":{"by","ts","comment"},
 *    "cleared":{"ts","by","reason"},"escalated":[{"ts","from","to"}]}
 *
 * ("ack" and "cleared" once they happened; "by" of a clear is "condition"
 * when the condition ended it). Every change commits before it is
 * returned, so what the caller publishes has been stored. Loop thread.
 */
#ifndef AMR_NOTIFY_ALARM_H
#define AMR_NOTIFY_ALARM_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "jv.h"
#include "kv.h"
#include "rules.h"

typedef struct alarm_store alarm_store;

/* The store in environment k (borrowed; amr-notify's, shared with the
 * outbox). Returns AMR_OK, AMR_ENOMEM or AMR_EDB. */
amr_err alarm_store_open(alarm_store **out, kv *k);

/* Close. Accepts NULL. */
void alarm_store_close(alarm_store *s);

/* What else a raise writes in its transaction (the messages it owes):
 * rec the record as stored (borrowed), fresh when it is a new alarm.
 * Returns 0 or a code for kv_write(), which then aborts the raise. */
typedef int (*alarm_hook)(MDB_txn *txn, const json_t *rec, bool fresh, void *arg);

/*
 * Raise kind on target at ts with detail (borrowed, may be NULL): the open
 * alarm of that key counts once more, or a new one begins; hook (may be
 * NULL) writes beside it in the same transaction. *out: the record (new);
 * *fresh: true when it is a new alarm. Returns AMR_OK, the hook's code,
 * AMR_ENOMEM, AMR_EIO, AMR_EFULL or AMR_EDB.
 */
amr_err alarm_raise(alarm_store *s, enum rules_kind kind, const struct proto_id *target, int64_t ts,
		    const json_t *detail, alarm_hook hook, void *arg, json_t **out, bool *fresh);

/* Clear the open alarm of kind on target: the condition ended at ts.
 * *out: the record (new), NULL when none was open. Returns as
 * alarm_raise(). */
amr_err alarm_clear_key(alarm_store *s, enum rules_kind kind, const struct proto_id *target,
			int64_t ts, json_t **out);

/*
 * A person's step on alarm id at ts: acknowledge it (comment) or clear it
 * (reason). *out: the record (new). Returns AMR_OK; AMR_ENOTFOUND (no
 * such alarm) or AMR_ESTATE (acknowledging one that is not raised,
 * clearing one already cleared) with err saying so; or as alarm_raise().
 */
amr_err alarm_ack(alarm_store *s, uint32_t id, const char *actor, const char *comment, int64_t ts,
		  json_t **out, struct jv_err *err);
amr_err alarm_clear(alarm_store *s, uint32_t id, const char *actor, const char *reason, int64_t ts,
		    json_t **out, struct jv_err *err);

/* An addition to alarm id's record that is not a step of its lifecycle
 * (its escalation): fn edits rec (borrowed) inside the write transaction
 * txn, may write beside it, and returns 0 to store it or a code that
 * aborts it all (AMR_ESTATE: nothing to do). */
typedef int (*alarm_note_fn)(MDB_txn *txn, json_t *rec, void *arg);

/* Apply fn to alarm id; the record as stored into *out (new). Returns
 * AMR_OK, fn's code, AMR_ENOTFOUND, AMR_ENOMEM, AMR_EIO or AMR_EDB. */
amr_err alarm_note(alarm_store *s, uint32_t id, alarm_note_fn fn, void *arg, json_t **out);

/* Alarm id into *out (new). Returns AMR_OK, AMR_ENOTFOUND, AMR_ENOMEM or
 * AMR_EDB. */
amr_err alarm_get(alarm_store *s, uint32_t id, json_t **out);

/* What a list keeps: 0 / NULL / -1 for any. */
struct alarm_filter {
	const char *state; /* "raised", "acknowledged", "cleared", "open" (the first two) */
	unsigned obj;	   /* alarms of this object */
	int severity;	   /* at least this severity (enum rules_severity) */
	int kind;	   /* of this kind (enum rules_kind) */
	uint32_t before;   /* ids below this one: the next page */
	unsigned limit;	   /* at most this many (1..1000) */
};

/* The alarms f keeps, newest first, as {"alarms":[..],"next":id|absent}
 * into *out (new). Returns AMR_OK, AMR_ENOMEM or AMR_EDB. */
amr_err alarm_list(alarm_store *s, const struct alarm_filter *f, json_t **out);

/* Call fn(rec, arg) for every open alarm (rec borrowed for the call), in
 * id order. Returns AMR_OK, AMR_ENOMEM or AMR_EDB. */
amr_err alarm_each_open(alarm_store *s, void (*fn)(const json_t *rec, void *arg), void *arg);

/* True when the alarm of kind on target is open (raised or
 * acknowledged); false also when the store cannot be read. */
bool alarm_is_open(alarm_store *s, enum rules_kind kind, const struct proto_id *target);

/* The number of open alarms (for metrics). */
size_t alarm_open_count(alarm_store *s);

#endif
