/*
 * run.h - the monthly billing run and its invoices over RPC
 * (docs/billing.md, "The billing run", "Invoices").
 *
 *   run.draft {building, period, actor}          every account's invoice of the
 *                                                month, computed and stored as the draft
 *   run.issue {building, period, actor, reason?} the draft frozen: invoices issued,
 *                                                journal charges, one transaction
 *   run.get, run.list, invoice.get, invoice.list, building.balance
 *
 * A draft reads the building's records, asks the archives (archcl.h) for
 * the consumption of every channel, and answers once every archive has
 * answered; the handler returns at once and the loop goes on meanwhile.
 * Every change is stored with its audit record in one transaction, as
 * billrpc.c does. Runs on the service's loop thread.
 */
#ifndef AMR_BILLING_RUN_H
#define AMR_BILLING_RUN_H

#include <stddef.h>

#include "archcl.h"
#include "auditq.h"
#include "invstore.h"
#include "journal.h"
#include "ledger.h"
#include "rpc.h"
#include "svc.h"

typedef struct runsvc runsvc;

/* The run's methods over ledger l, invoices is, journal j, audit q and
 * archives a (all borrowed) on service s. Returns AMR_OK or AMR_ENOMEM. */
amr_err run_create(runsvc **out, struct svc *s, ledger *l, invstore *is, journal *j, auditq *q,
		   archcl *a);

/* Free; a draft still waiting for archives is answered with "shutdown".
 * Accepts NULL. */
void run_destroy(runsvc *m);

/* The method table, for svc_serve() with the runsvc as ctx. */
extern const struct rpc_method run_methods[];
extern const size_t run_nmethods;

#endif
