/*
 * commands.h - the table of amrctl commands.
 */
#ifndef AMRCTL_COMMANDS_H
#define AMRCTL_COMMANDS_H

#include <stdio.h>

#include "ctl.h"

struct command {
	const char *name;	/* first word on the command line */
	int min_args, max_args; /* words after the name */
	const char *args;	/* for the usage text */
	const char *help;	/* one line */
	/* argv[0] is the command's name, argv[1..argc-1] its words */
	int (*run)(struct ctl *c, int argc, char **argv);
};

/* The command called name, or NULL. */
const struct command *commands_find(const char *name);

/* Print every command with its arguments and help. */
void commands_usage(FILE *f);

#endif
