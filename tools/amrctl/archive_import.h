/*
 * archive_import.h - amrctl's `archive import` subcommand (docs/amrctl.md,
 * "Historical readings").
 */
#ifndef AMRCTL_ARCHIVE_IMPORT_H
#define AMRCTL_ARCHIVE_IMPORT_H

#include "ctl.h"
#include "subcmd.h"

/* `archive import FILE` with --source, --reason and maybe --actor: argv[0]
 * is "archive". Returns an AMRCTL_ exit status. */
int archive_import_cmd(struct ctl *c, int argc, char **argv);

#endif
