/*
 * deliver.h - who is told of an alarm, on which channel and when
 * (docs/notify.md, "Who gets what"). A new alarm goes to every contact it
 * is for (contact.h) on each of the contact's channels that the outbox
 * drives, in the alarm's own transaction, except that
 *
 *   - during a contact's quiet hours ("quiet":{"from","to","override"})
 *     an alarm below the override severity waits for their end (the
 *     message is queued to be sent then; a webhook is never quiet);
 *   - past a contact's "hourly_limit" messages in one clock hour on one
 *     channel, the rest are held and folded into one digest message sent
 *     when the hour is over;
 *   - an alarm told to a contact with "escalate":{"after_min","to"} that
 *     is still raised (nobody acknowledged or cleared it) after_min
 *     minutes later goes to contact "to" as well, at once whatever its
 *     quiet hours, and is marked "escalated" on the alarm; "to"'s own
 *     escalate goes on from there, each contact at most once per alarm.
 *
 * Kept in amr-notify's LMDB environment, so nothing owed is lost on a
 * kill:
 *
 *   escalate  due u64, alarm u32, contact name -> ""
 *   digest    contact name, NUL, channel -> {"hour":T,"n":N,
 *             "held":[subject..],"more":M}
 *
 * Loop thread.
 */
#ifndef AMR_NOTIFY_DELIVER_H
#define AMR_NOTIFY_DELIVER_H

#include <stdint.h>

#include <jansson.h>

#include "alarm.h"
#include "contact.h"
#include "kv.h"
#include "outbox.h"

#define DELIVER_HELD_MAX      20 /* subjects a digest lists; beyond, a count */
#define DELIVER_ESCALATE_HOPS 5	 /* contacts an alarm escalates through at most */

typedef struct deliver deliver;

/* Delivery over outbox ob to contacts cs of the alarms of st, in
 * environment k (all borrowed), the words in lang. Returns AMR_OK,
 * AMR_ENOMEM or AMR_EDB. */
amr_err deliver_open(deliver **out, kv *k, contacts *cs, outbox *ob, alarm_store *st,
		     const char *lang);

/* Free. Accepts NULL. */
void deliver_close(deliver *d);

/* Inside new alarm rec's transaction txn (rec borrowed): queue its
 * messages and escalations as of now. Returns 0, AMR_ENOMEM or an LMDB
 * code. The caller kicks the outbox once it is committed. */
int deliver_alarm_txn(deliver *d, MDB_txn *txn, const json_t *rec, int64_t now);

/* What is due at now: escalations of alarms nobody acknowledged, digests
 * of hours that are over. Calls changed(rec, arg) with each alarm record
 * that changed (escalated), to be published. */
void deliver_tick(deliver *d, int64_t now, void (*changed)(const json_t *rec, void *arg),
		  void *arg);

#endif
