/*
 * restr_int.h - what the files of the restriction module share: restr.c
 * (the module, its store, the cases' reading methods, proposal, notice,
 * cancel), restr_rule.c (what the rules allow: the service, the outputs,
 * the debt against two months at the norm) and restr_cmd.c (approval,
 * lift, retry: the commands to ingest and what became of them). Not for
 * other modules: names carry the module's mark, restr__.
 */
#ifndef AMR_BILLING_RESTR_INT_H
#define AMR_BILLING_RESTR_INT_H

#include <stdint.h>

#include <jansson.h>

#include "calendar.h"
#include "money.h"
#include "recstore.h"
#include "restr.h"

#define RESTR_NOTICE_DAYS 20  /* п. 119: notice to restriction */
#define RESTR_HISTORY_MAX 100 /* steps a case keeps on itself (the audit trail has all) */

struct restr {
	struct svc *s;		  /* borrowed */
	ledger *l;		  /* borrowed */
	journal *j;		  /* borrowed */
	auditq *q;		  /* borrowed */
	recstore *cases;	  /* "restr" */
	struct restr_opts o;	  /* as created */
	uint64_t timer;		  /* the poll, 0 when none */
	unsigned in_flight;	  /* calls to ingest not yet answered */
	notecl *nc;		  /* borrowed: amr-notify, or NULL */
	unsigned notes_in_flight; /* asks of notify/send not yet answered */
	metric *m_commands;	  /* amr_billing_restriction_commands_total */
	metric *m_restricted;	  /* amr_billing_restrictions{state="restricted"} */
	metric *m_auto_lifted;	  /* amr_billing_restriction_auto_lifts_total */
	metric *m_polls;	  /* amr_billing_restriction_polls_total */
};

/* What the rules say of restricting account's service on a day. */
struct restr__rule {
	uint32_t org;	     /* the account's */
	uint32_t service;    /* the org's service of the code */
	json_t *premises;    /* [{"premises","number","building"}] held on the day (new) */
	json_t *outputs;     /* [{"premises","meter","channel","output"}] that cut it (new) */
	json_t *basis;	     /* {"norm","residents","price","tariff","version","month"} (new) */
	money_kop overdue;   /* the account's principal past due */
	money_kop month;     /* one month's charge at the norm */
	money_kop threshold; /* two of them: п. 118 */
};

/* The service codes a debt may restrict (п. 117, 119); NULL when code may
 * be restricted, else why not ("heating may never be restricted ..."). */
const char *restr__refusal(const char *code);

/*
 * Inside txn: what the rules say of restricting service code of account
 * (record acc, borrowed) on day at, into *out (free with
 * restr__rule_free). Returns 0; AMR_EINVAL or AMR_ENOTFOUND with the
 * reason, naming the field, in err; AMR_ENOMEM, AMR_EDB.
 */
int restr__rule_get(restr *r, MDB_txn *txn, uint32_t account, const json_t *acc, const char *code,
		    cal_day at, struct restr__rule *out, struct jv_err *err);

/* Inside txn: account's principal past due on day at into *out.
 * Returns 0, or an error as restr__rule_get. */
int restr__overdue(restr *r, MDB_txn *txn, uint32_t org, uint32_t account, cal_day at,
		   money_kop *out, struct jv_err *err);

/* Free what restr__rule_get gave (zeroed: nothing). */
void restr__rule_free(struct restr__rule *u);

/* Today in the site's zone. */
cal_day restr__today(void);

/* Answer req (result taken when rc is 0) and count the call. */
void restr__reply(restr *r, const char *method, rpc_req *req, int rc, const struct jv_err *err,
		  json_t *result);

/*
 * Inside txn: audit action ("restriction.propose") on case id by actor
 * with detail (taken; "reason" is added), and note the step on the case
 * (c, changed in place: its "history"). Returns 0 or an LMDB/amr code.
 */
int restr__audit(restr *r, MDB_txn *txn, json_t *c, const char *actor, const char *action,
		 json_t *detail, const char *reason);

/* A step's {"actor","ts","reason"} (new; NULL when out of memory). */
json_t *restr__step(const char *actor, const char *reason);

/* Case id, read inside txn into *out (new). AMR_ENOTFOUND names the id
 * in err. */
int restr__load(restr *r, MDB_txn *txn, uint32_t id, json_t **out, struct jv_err *err);

/* Approve, lift, retry (restr_cmd.c). */
void restr__approve(void *ctx, rpc_req *req, json_t *args);
void restr__lift(void *ctx, rpc_req *req, json_t *args);
void restr__retry(void *ctx, rpc_req *req, json_t *args);

/* restriction.send_notice: the notice by e-mail and SMS (restr_send.c). */
void restr__send_notice(void *ctx, rpc_req *req, json_t *args);

/* An outcome of a notice's message told by amr-notify (a notecl_fn). */
void restr__on_message(void *ctx, const json_t *out);

/* The poll's look at the notices' messages: those amr-notify has not
 * answered asked again (the same ref), those queued read back from its
 * delivery log. */
void restr__messages_poll(restr *r);

/* The timer's work: commands in flight asked after, paid debts lifted. */
void restr__poll(void *arg);

/* At start: a command recorded as asked of ingest with no answer kept
 * ("requesting") became "unknown". Returns 0 or an LMDB/amr code. */
int restr__settle_crashed(restr *r);

#endif
