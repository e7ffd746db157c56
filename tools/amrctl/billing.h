/*
 * billing.h - amrctl's `billing` subcommand (docs/amrctl.md, "Billing").
 */
#ifndef AMRCTL_BILLING_H
#define AMRCTL_BILLING_H

#include "ctl.h"
#include "subcmd.h"

/* `billing KIND [ID] [FIELD=ID ...]`: argv[0] is "billing". Returns an
 * AMRCTL_ exit status. */
int billing_cmd(struct ctl *c, int argc, char **argv);

#endif
