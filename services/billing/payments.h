/*
 * payments.h - money coming in and the accounts' balances: payments entered
 * by an accountant, bank registries imported, the suspense list of payments
 * nobody was found for, reversals, opening balances, balances and
 * statements (amr/v1/rpc/billing/..., docs/billing.md "Payments").
 *
 * Every change is checked whole and refused with an error naming the field
 * or the line, changing nothing; or it is written to the journal
 * (journal.h) together with its audit record (auditq.h) in one
 * transaction, and the record is published after the commit. A bank's
 * reference is claimed once per organisation and bank, so a registry
 * imported twice changes nothing the second time.
 */
#ifndef AMR_BILLING_PAYMENTS_H
#define AMR_BILLING_PAYMENTS_H

#include <stddef.h>

#include "auditq.h"
#include "journal.h"
#include "ledger.h"
#include "rpc.h"
#include "svc.h"

typedef struct payments payments;

/* The methods over ledger l and journal j (both borrowed), audited through
 * q (borrowed), on service s (borrowed: metrics, loop). Opens the suspense
 * and import databases. Returns AMR_OK, AMR_ENOMEM or AMR_EDB. */
amr_err payments_create(payments **out, struct svc *s, ledger *l, journal *j, auditq *q);

/* Free (files still coming in parts are dropped). Accepts NULL. */
void payments_destroy(payments *p);

/* The method table, for svc_serve() with the payments as ctx. */
extern const struct rpc_method payments_methods[];
extern const size_t payments_nmethods;

#endif
