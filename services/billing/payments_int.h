/*
 * payments_int.h - what the files of the payments module share:
 * payments.c (the module, its helpers and method table), payments_entry.c
 * (payment.create, payment.reverse, account.opening), payments_report.c
 * (account.balance, account.statement), payments_import.c
 * (payment.import), payments_upload.c (files in parts) and
 * payments_suspense.c (suspense.list, suspense.assign). Not for other
 * modules: names carry the module's mark, payments__.
 */
#ifndef AMR_BILLING_PAYMENTS_INT_H
#define AMR_BILLING_PAYMENTS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "acctarg.h"
#include "payments.h"
#include "recstore.h"

/* What became of a registry line (amr_billing_payment_lines_total). */
enum payments__result {
	PAYMENTS__TAKEN,    /* a payment entry of the account it names */
	PAYMENTS__SKIPPED,  /* its reference was imported before */
	PAYMENTS__SUSPENSE, /* no such account: into the suspense list */
	PAYMENTS__REFUSED,  /* it breaks a rule of the file */
	PAYMENTS__RESULTS,
};

struct payments__uploads; /* files coming in parts (payments_upload.c) */

struct payments {
	struct svc *s;			    /* borrowed */
	ledger *l;			    /* borrowed */
	journal *j;			    /* borrowed */
	auditq *q;			    /* borrowed */
	recstore *susp;			    /* suspense lines ("susp") */
	recstore *imports;		    /* registries imported ("payimp") */
	struct payments__uploads *up;	    /* files coming in parts */
	metric *m_manual;		    /* amr_billing_payments_total{source="manual"} */
	metric *m_registry;		    /* ..{source="registry"} */
	metric *m_lines[PAYMENTS__RESULTS]; /* amr_billing_payment_lines_total */
	metric *m_open;			    /* amr_billing_suspense_open */
};

/* The name of a result ("taken", ...). */
const char *payments__result_name(enum payments__result r);

/* Answer req: result (taken) when rc is 0, else the error rc with err's
 * message; counts the call of method in amr_billing_rpc_total. */
void payments__reply(payments *p, const char *method, rpc_req *req, int rc,
		     const struct jv_err *err, json_t *result);

/* Today's local date (the site's zone, --tz) into out. */
void payments__today(char out[MODEL_DATE_LEN]);

/*
 * The date in args' field into out: required when def is NULL, else def
 * (taken as it is, "" too) when absent; a day after today is refused when
 * past_only. Returns AMR_OK
 * or AMR_EINVAL naming the field.
 */
amr_err payments__date(const json_t *args, const char *field, const char *def, bool past_only,
		       char out[MODEL_DATE_LEN], struct jv_err *err);

/* A period "YYYY-MM" in args' field (optional: "" when absent) into out.
 * Returns AMR_OK or AMR_EINVAL naming the field. */
amr_err payments__period(const json_t *args, const char *field, char out[JOURNAL_PERIOD_LEN],
			 struct jv_err *err);

/* True when s is a period "YYYY-MM" (years 1900..2999). */
bool payments__period_ok(const char *s);

/* A new journal entry {"account","date","kind","amount","actor","ts"}
 * (NULL when out of memory). */
json_t *payments__entry(uint32_t account, const char *date, enum journal_kind kind,
			money_kop amount, const char *actor);

/*
 * A new payment entry of account for a bank registry's line (a record with
 * the line's "date", "amount" (paid, positive), "reference", "bank",
 * "import", "line", and maybe "period", "payer", "suspense"), made by
 * actor; NULL when out of memory or line is malformed.
 */
json_t *payments__line_entry(const json_t *line, uint32_t account, const char *actor);

/*
 * Inside txn: put the audit record {"ts","actor","action","target",
 * "detail"} into the outbox; detail (taken) gets "reason" (may be NULL: "").
 * Returns 0 or an LMDB/amr code.
 */
int payments__audit(payments *p, MDB_txn *txn, const char *actor, const char *action,
		    const char *target, json_t *detail, const char *reason);

/* The handlers of the method table. */
void payments__create(void *ctx, rpc_req *req, json_t *args);
void payments__reverse(void *ctx, rpc_req *req, json_t *args);
void payments__opening(void *ctx, rpc_req *req, json_t *args);
void payments__balance(void *ctx, rpc_req *req, json_t *args);
void payments__statement(void *ctx, rpc_req *req, json_t *args);
void payments__import(void *ctx, rpc_req *req, json_t *args);
void payments__suspense_list(void *ctx, rpc_req *req, json_t *args);
void payments__suspense_assign(void *ctx, rpc_req *req, json_t *args);

/* ---- files in parts (payments_upload.c) ---- */

/* Returns AMR_OK, AMR_ENOMEM or AMR_EIO (libsodium did not start). */
amr_err payments__uploads_create(struct payments__uploads **out);

/* Free, dropping what is under way. Accepts NULL. */
void payments__uploads_destroy(struct payments__uploads *u);

/*
 * The file of a payment.import request: args' "text" (base64) when args
 * have no "parts", else one part of it ("upload","part","parts"), kept
 * until the last. Returns AMR_OK with either the whole file in *data
 * (new, the caller frees) and *size, or *data NULL and *progress (new) for
 * a part kept; AMR_EINVAL, AMR_ENOTFOUND, AMR_ESTATE or AMR_EFULL naming
 * the field in err; AMR_ENOMEM.
 */
amr_err payments__upload_take(struct payments__uploads *u, const json_t *args, int64_t now,
			      unsigned char **data, size_t *size, json_t **progress,
			      struct jv_err *err);

#endif
