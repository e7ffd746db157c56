/*
 * notify.h - amr-notify's alarm engine on the broker (docs/notify.md):
 * it reads the events (amr/v1/events/+) and the gateways' statuses
 * (amr/v1/gw/+/status), turns them into alarms by rules.h, keeps them in
 * the alarm store (alarm.h), and publishes each alarm's state on
 * amr/v1/alarms/{id}: retained while it is open; once cleared, the cleared
 * state once and then an empty retained message, so that a client that
 * subscribes later gets the open alarms only. Its methods:
 *
 *   notify/alarms      {"state"?,"obj"?,"severity"?,"kind"?,"before"?,"limit"?}
 *   notify/alarm.get   {"id"}
 *   notify/alarm.ack   {"id","actor","comment"?}  audited
 *   notify/alarm.clear {"id","actor","reason"}    audited
 *   notify/contacts, contact.set, contact.delete   who is told (audited)
 *   notify/messages    {"alarm"?,"limit"?}         the delivery log
 *   notify/rules, rule.set, rule.delete            the rules' parameters (audited)
 *   notify/rule.effective {"id"}                   what applies to a channel
 *
 * A new alarm queues its messages (message.h) for every contact it is
 * for (contact.h), as deliver.h decides, in the alarm's own transaction.
 *
 * Loop thread.
 */
#ifndef AMR_NOTIFY_NOTIFY_H
#define AMR_NOTIFY_NOTIFY_H

#include <stddef.h>

#include "alarm.h"
#include "contact.h"
#include "deliver.h"
#include "flowstore.h"
#include "outbox.h"
#include "rulestore.h"
#include "rpc.h"
#include "svc.h"

typedef struct notify notify;

struct notify_opts {
	unsigned gateway_offline_min; /* a gateway offline this long raises gateway_offline */
	unsigned spool_pct;	      /* a spool this full raises spool (0: never) */
	const char *lang;	      /* the messages' language: "ru" or "en" */
	unsigned registry_refresh_s;  /* the registry read again this often (0: 60) */
	unsigned debt_poll_s;	      /* billing's debtors asked this often (0: never) */
	const char *smtp_url;	      /* the channels' servers, for the health page */
	const char *sms_url;	      /* (NULL: not configured) */
	const char *sms_listen;	      /* the incoming SMS listener's address */
};

/* The engine on service s over store st, telling contacts cs through
 * outbox ob as dl decides, with the rules' parameters rs and the flow
 * states kept in fs (all borrowed; ob, dl and fs may be NULL): subscribes and publishes the
 * open alarms again (retained). Returns AMR_OK, AMR_ENOMEM or what the
 * subscription returned. */
amr_err notify_create(notify **out, struct svc *s, alarm_store *st, contacts *cs, outbox *ob,
		      deliver *dl, rulestore *rs, flowstore *fs, const struct notify_opts *o);

/* Stop the timer, free. Accepts NULL. */
void notify_destroy(notify *n);

struct smsin_sms;
struct smsin_dlr;

/* An SMS Kannel handed over (smsin.h's on_sms, arg the notify; smsact.c,
 * docs/notify.md "Incoming SMS"): a listed number's command carried out
 * and answered by SMS, once per Kannel id; any other number logged. */
void notify_sms_in(const struct smsin_sms *m, void *arg);

/* A delivery report (smsin.h's on_dlr, arg the notify): recorded on its
 * outbox message, and told to the service that asked for the message. */
void notify_sms_dlr(const struct smsin_dlr *d, void *arg);

/* The method table, for svc_serve() with the notify as ctx. */
extern const struct rpc_method notify_methods[];
extern const size_t notify_nmethods;

#endif
