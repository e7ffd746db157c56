/*
 * report.h - the accounting reports of amr-billing over RPC
 * (docs/reports.md, "The reports"):
 *
 *   report {"report":"turnover"|"charges"|"payments"|"debtors"|"balance"|"readings",
 *           ..its args.., "format"?:"json", "lang"?:"ru"|"en"}
 *
 * Each report is a table (columns, rows, totals, a chart) read in one
 * read transaction from the journal, the run's invoices or the debts;
 * nothing here changes anything. Runs on the service's loop thread.
 */
#ifndef AMR_BILLING_REPORT_H
#define AMR_BILLING_REPORT_H

#include <stddef.h>

#include "archcl.h"
#include "invstore.h"
#include "journal.h"
#include "filejob.h"
#include "ledger.h"
#include "rpc.h"
#include "svc.h"

typedef struct report report;

/* The reports over ledger l, journal j, invoices is and archives a, their
 * files rendered by fj (all borrowed) on service s. Returns AMR_OK,
 * AMR_ENOMEM or AMR_EDB. */
amr_err report_create(report **out, struct svc *s, ledger *l, journal *j, invstore *is, archcl *a,
		      filejob *fj);

/* Free. Accepts NULL. */
void report_destroy(report *r);

/* The method table, for svc_serve() with the report as ctx. */
extern const struct rpc_method report_methods[];
extern const size_t report_nmethods;

#endif
