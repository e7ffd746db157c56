/*
 * billreport.h - amrctl's `billing report` (docs/amrctl.md, "Billing"):
 * an accounting report printed as a table, or fetched as a file.
 */
#ifndef AMRCTL_BILLREPORT_H
#define AMRCTL_BILLREPORT_H

#include "ctl.h"

/* `billing report KIND [KEY=VALUE ..] [--format F] [-o FILE]`: argv[0]
 * is "report". Returns an AMRCTL_ exit status. */
int billreport_cmd(struct ctl *c, int argc, char **argv);

#endif
