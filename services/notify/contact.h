/*
 * contact.h - who is told of which alarms, kept in amr-notify's LMDB
 * environment (docs/notify.md, "Who gets what"):
 *
 *   contact  name -> {"name","user"?,"email"?,"phone"?,"webhook"?,
 *                     "sms_from"?,"min_severity","objects"?,"kinds"?,
 *                     "resources"?,"channels"?,"quiet"?,"escalate"?,
 *                     "hourly_limit"?,"by","ts"}
 *
 * A contact gets a message on each channel it has an address for (of its
 * "channels", all when absent), for every new alarm of at least
 * min_severity, of one of its objects, kinds and resources (all when
 * absent; an alarm of no one resource, a UO-4's, is for every resource).
 * When and how often it is told (quiet hours, escalation, the hourly
 * limit) is deliver.h's. Loop thread.
 */
#ifndef AMR_NOTIFY_CONTACT_H
#define AMR_NOTIFY_CONTACT_H

#include <stdbool.h>

#include <jansson.h>

#include "err.h"
#include "jv.h"
#include "kv.h"

#define CONTACTS_MAX 1000 /* contacts in all */

typedef struct contacts contacts;

/* The channels a contact may name: "email", "sms", "webhook", NULL. */
extern const char *const contacts_channels[];

/* An e-mail address a header cannot be split with; a phone number, '+'
 * and 7..15 digits. */
bool contacts_email_ok(const char *email);
bool contacts_phone_ok(const char *phone);

/* "HH:MM" as minutes of the day, -1 when it is not one. */
int contacts_hhmm(const char *s);

/* The contacts in environment k (borrowed). Returns AMR_OK, AMR_ENOMEM or
 * AMR_EDB. */
amr_err contacts_open(contacts **out, kv *k);

/* Free. Accepts NULL. */
void contacts_close(contacts *c);

/*
 * Check and store contact args ({"name","email"?,"phone"?,
 * "min_severity"?,"objects"?,"kinds"?}, borrowed) as set by actor at ts;
 * the stored record into *out (new). Returns AMR_OK; AMR_EINVAL naming the
 * field in err; AMR_EFULL (CONTACTS_MAX); AMR_ENOMEM, AMR_EIO, AMR_EDB.
 */
amr_err contacts_set(contacts *c, const json_t *args, const char *actor, int64_t ts, json_t **out,
		     struct jv_err *err);

/* Remove contact name. Returns AMR_OK or AMR_ENOTFOUND (err says so), or
 * as contacts_set(). */
amr_err contacts_delete(contacts *c, const char *name, struct jv_err *err);

/* Inside txn: contact name into *out (new). Returns AMR_OK,
 * AMR_ENOTFOUND, AMR_EIO or AMR_EDB. */
amr_err contacts_get(contacts *c, MDB_txn *txn, const char *name, json_t **out);

/* Every contact, by name, as {"contacts":[..]} into *out (new). */
amr_err contacts_list(contacts *c, json_t **out);

/* Inside txn: call fn(contact, arg) for every contact alarm rec
 * (borrowed) is for, in name order; fn returns 0 to go on, anything else
 * to stop with it. Returns 0, fn's code or an LMDB code. */
int contacts_each_for(contacts *c, MDB_txn *txn, const json_t *rec,
		      int (*fn)(const json_t *contact, void *arg), void *arg);

/* True when alarm rec (borrowed) is for contact: of at least its
 * min_severity, of its objects, resources and kinds. */
bool contacts_wants(const json_t *contact, const json_t *rec);

/* The whitelist of SMS commands (docs/notify.md, "Incoming SMS"): the
 * first contact, by name, whose "phone" or one of whose "sms_from" is
 * phone, into *out (new). Returns AMR_OK, AMR_ENOTFOUND, AMR_ENOMEM or
 * AMR_EDB. */
amr_err contacts_by_phone(contacts *c, const char *phone, json_t **out);

#endif
