/*
 * notify_int.h - what the files of the engine share: notify.c (the
 * events, statuses and graces) and notify_rpc.c (the methods). Not for
 * other modules: names carry the module's mark, notify__.
 */
#ifndef AMR_NOTIFY_NOTIFY_INT_H
#define AMR_NOTIFY_NOTIFY_INT_H

#include "metrics.h"
#include "contact.h"
#include "deliver.h"
#include "flowstore.h"
#include "labels.h"
#include "notify.h"
#include "outbox.h"
#include "proto.h"
#include "rulestore.h"
#include "tzone.h"

struct notify {
	struct svc *s;		  /* borrowed */
	alarm_store *st;	  /* borrowed */
	contacts *cs;		  /* borrowed */
	outbox *ob;		  /* borrowed, may be NULL: nothing is sent */
	deliver *dl;		  /* borrowed, NULL when ob is: who is told, when */
	labels *lb;		  /* the flats' and meters' names, the registry's records */
	rulestore *rs;		  /* borrowed: the rules' parameters */
	const tzone_rules *tz;	  /* the site's zone: the night window */
	struct flow_chan **chans; /* the channels' flow states, hashed */
	size_t nchans;
	struct flow_chan *dirty; /* those changed since they were stored */
	flowstore *fs;		 /* borrowed, may be NULL: in memory only */
	struct debt_poll *debt;	 /* billing's debtors asked, NULL: never */
	struct notify_opts o;
	uint64_t timer;			  /* the graces' tick */
	int64_t grace[PROTO_OBJ_MAX + 1]; /* offline since; 0 online; < 0 raised */
	metric *m_raised, *m_cleared, *m_open, *m_events, *m_told, *m_readings, *m_registry;
	struct smsact *sa;	      /* incoming SMS (smsact.c) */
	int8_t gw[PROTO_OBJ_MAX + 1]; /* gateway said: 0 nothing, 1 online, 2 offline */
};

/* Raise kind on target at ts with detail (borrowed, may be NULL): the
 * alarm stored, its messages queued, its state published. */
void notify__raise(notify *n, enum rules_kind kind, const struct proto_id *t, int64_t ts,
		   const json_t *detail);

/* Clear the open alarm of kind on target, the condition ended at ts;
 * nothing when none is open. */
void notify__clear(notify *n, enum rules_kind kind, const struct proto_id *t, int64_t ts);

/* The parameters of channel or object id as the registry and the rules
 * say now (notify_flow.c). */
void notify__params(notify *n, const struct proto_id *id, struct ruleset_params *p);

/* What applies to object or channel id now: {"id","params","from",
 * and for a channel "resource","unit","weight","pulses_h"} (new; NULL
 * when out of memory; notify_flow.c). */
json_t *notify__effective(notify *n, const struct proto_id *id);

/* The flow rules (notify_flow.c): subscribe amr/v1/readings/+; tick the
 * stuck checks; free the states. */
amr_err notify__flow_start(notify *n);
void notify__flow_tick(notify *n, int64_t now);
void notify__flow_free(notify *n);

/* The registry read again (notify_flow.c): verification dates looked
 * at. */
void notify__registry_read(void *arg);

/* The debt rule (notify_debt.c): billing asked now and every poll_s
 * (0: never); stopped (a call under way frees its state when answered). */
amr_err notify__debt_start(notify *n, unsigned poll_s);
void notify__debt_stop(notify *n);

/* notify/rules, rule.set, rule.delete (notify_rules.c). */
void notify__m_rules(void *ctx, rpc_req *req, json_t *args);
void notify__m_rule_set(void *ctx, rpc_req *req, json_t *args);
void notify__m_rule_delete(void *ctx, rpc_req *req, json_t *args);
void notify__m_rule_effective(void *ctx, rpc_req *req, json_t *args);

typedef struct smsact smsact;

/* Incoming SMS (smsact.c): the state, made by notify_create. */
amr_err notify__smsact_create(notify *n);
void notify__smsact_destroy(notify *n);

/* Publish the audit record of actor's step action on alarm rec, with
 * detail key: text (notify_rpc.c). */
void notify__audit(notify *n, const char *actor, const char *action, const json_t *rec,
		   const char *key, const char *text);

#define NOTIFY_REF_MAX 120 /* bytes of a ref of notify/send */

/* notify/send (notify_send.c): another service's e-mail or SMS, once
 * per ref. */
void notify__m_send(void *ctx, rpc_req *req, json_t *args);

/* Tell the service its ref names of outcome rec of its message
 * (outbox_on_done's function; notify_send.c). */
void notify__delivery(const json_t *rec, void *arg);

/* Tell the broker of alarm rec (borrowed): retained while open; once
 * cleared, the cleared state and then an empty retained message. */
void notify__publish(notify *n, const json_t *rec);

#endif
