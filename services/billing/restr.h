/*
 * restr.h - restricting a debtor's supply (Правила 354 п. 117-120): a case
 * per account and service, from an accountant's proposal through the
 * notice and its 20 days, an operator's approval, the block commands to
 * the UO-4 outputs of the premises' meters, to the lift when the debt is
 * paid (docs/restrictions.md).
 *
 *   restr  id u32 -> the case's JSON (recstore.h)
 *
 * The commands go through ingest (ingest/command), which records and
 * sends them; a case keeps each command's id and state. A command whose
 * outcome is not known (ingest did not answer, or it expired after it was
 * sent) is "unknown" and is never sent again by itself: only a person
 * retries it. Runs on the service's loop thread.
 */
#ifndef AMR_BILLING_RESTR_H
#define AMR_BILLING_RESTR_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <lmdb.h>

#include "auditq.h"
#include "err.h"
#include "journal.h"
#include "ledger.h"
#include "notecl.h"
#include "rpc.h"
#include "svc.h"

typedef struct restr restr;

/* How the module is run. */
struct restr_opts {
	bool two_person;    /* the approver may not be the proposer */
	unsigned poll_s;    /* seconds between looking at commands in flight and debts */
	unsigned ingest_ms; /* how long ingest has to answer a command */
};

/*
 * The module over ledger l, journal j and outbox q of service s, sending
 * notices through nc (all borrowed; nc may be NULL: none sent): opens its
 * store, hands nc the outcomes of its messages, marks a command that a crash left between
 * being recorded and ingest's answer "unknown", and starts the timer.
 * Returns AMR_OK, AMR_ENOMEM or AMR_EDB.
 */
amr_err restr_create(restr **out, struct svc *s, ledger *l, journal *j, auditq *q, notecl *nc,
		     const struct restr_opts *o);

/* Stop the timer, free. Accepts NULL. */
void restr_destroy(restr *r);

/*
 * Inside txn: set receipt's "notice" (receipt: a receipt_build() JSON of
 * account, in lang "ru" or "en") to the warning of every restriction of
 * the account that is proposed or noticed (restr_notice.c); nothing when
 * there is none, or r is NULL. Returns 0, AMR_ENOMEM or an LMDB code.
 */
int restr_receipt_notice(restr *r, MDB_txn *txn, uint32_t account, const char *lang,
			 json_t *receipt);

/* The method table, for svc_serve() with the restr as ctx. */
extern const struct rpc_method restr_methods[];
extern const size_t restr_nmethods;

#endif
