/*
 * subcmd.h - the table of amrctl's subcommands.
 */
#ifndef AMRCTL_SUBCMD_H
#define AMRCTL_SUBCMD_H

#include <stdio.h>

#include "ctl.h"

/* Exit statuses: what a script can tell apart. */
#define AMRCTL_OK      0 /* done */
#define AMRCTL_FAILED  1 /* refused, failed, expired, unreachable */
#define AMRCTL_USAGE   2 /* a bad command line: nothing was sent */
#define AMRCTL_PENDING 3 /* a command accepted but not done yet (queued or sent) */

struct subcmd {
	const char *name;	/* first word on the command line */
	int min_args, max_args; /* words after the name */
	const char *args;	/* for the usage text */
	const char *help;	/* one line */
	/* argv[0] is the command's name, argv[1..argc-1] its words */
	int (*run)(struct ctl *c, int argc, char **argv);
};

/* The command called name, or NULL. */
const struct subcmd *subcmd_find(const char *name);

/* Print every command with its arguments and help. */
void subcmd_usage(FILE *f);

#endif
