/*
 * billpay.h - amrctl's words for amr-billing's money (docs/amrctl.md,
 * "Billing"): `billing payments import`, `billing statement`, `billing
 * balance`, `billing pay` and `billing suspense`.
 */
#ifndef AMRCTL_BILLPAY_H
#define AMRCTL_BILLPAY_H

#include <stdbool.h>

#include "ctl.h"

/* True when word (the one after "billing") is one of these commands. */
bool billpay_is(const char *word);

/* Run `billing WORD ...`: argv[0] is "billing", argv[1] the word. Returns
 * an AMRCTL_ exit status. */
int billpay_cmd(struct ctl *c, int argc, char **argv);

#endif
