/*
 * billrun.h - amrctl's billing run commands (docs/amrctl.md, "Billing"):
 * `billing run`, `billing issue` and `billing invoice`.
 */
#ifndef AMRCTL_BILLRUN_H
#define AMRCTL_BILLRUN_H

#include "ctl.h"

/* `billing run --building B --period P`: make the draft, print its
 * summary. argv[0] is "run". Returns an AMRCTL_ exit status. */
int billrun_run(struct ctl *c, int argc, char **argv);

/* `billing issue --building B --period P --reason ..`: issue the draft. */
int billrun_issue(struct ctl *c, int argc, char **argv);

/* `billing invoice ACCOUNT --period P`: the account's invoices of P. */
int billrun_invoice(struct ctl *c, int argc, char **argv);

/* `billing adjust INVOICE AMOUNT --reason ..`: a correction of an issued
 * invoice, billed on the next run (billing/invoice.adjust). */
int billrun_adjust(struct ctl *c, int argc, char **argv);

#endif
