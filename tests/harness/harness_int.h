/*
 * harness_int.h - what harness.c and harness_probe.c share and no test
 * uses (hence the double underscore).
 */
#ifndef HARNESS_INT_H
#define HARNESS_INT_H

#include "harness.h"

/* Connect the probe to h's broker and wait until it is up; 0 or -1. */
int harness__probe_start(struct harness *h);

/* Disconnect and free the probe. Accepts a harness without one. */
void harness__probe_stop(struct harness *h);

#endif
