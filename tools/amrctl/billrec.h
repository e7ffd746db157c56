/*
 * billrec.h - `amrctl billing receipt|receipts`: tenants' receipts as PDF
 * files (docs/receipts.md).
 */
#ifndef AMRCTL_BILLREC_H
#define AMRCTL_BILLREC_H

#include "ctl.h"

/* billing receipt ACCOUNT --period P [-o FILE]: one account's receipt;
 * with --org, ACCOUNT is its лицевой счёт number there. */
int billrec_receipt(struct ctl *c, int argc, char **argv);

/* billing receipts --building B --period P [-o FILE]: a building's. */
int billrec_receipts(struct ctl *c, int argc, char **argv);

#endif
