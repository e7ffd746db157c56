/*
 * gw_spool_fixture.h - what the gateway spool's suites share: a spool in a
 * temporary directory, the gateway's state in RAM that a cut loses, and
 * an "archive" that stores each batch once by seq and counts its deltas,
 * so that a test can check pulse conservation.
 */
#ifndef AMR_TEST_GW_SPOOL_FIXTURE_H
#define AMR_TEST_GW_SPOOL_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../firmware/gateway/delta.h"
#include "../../firmware/gateway/spool.h"
#include "kv.h"

/* The archive as DESIGN.md 4.3 has it: stores a batch once, by seq. */
struct archive {
	uint64_t mark;	    /* highest seq stored */
	long long sum[8];   /* deltas of channels 1..4 of address 1 (and 2) */
	long long first[8]; /* total in the first batch of a channel, -1 */
	long long last[8];  /* latest total */
	unsigned stored, dups;
};

extern char dir[64];	  /* the spool's directory */
extern kv *k;		  /* its environment */
extern spool *sp;	  /* the spool */
extern unsigned obj;	  /* the object number it is opened for */
extern struct archive ar; /* what reached the "archive" */
extern struct delta dl;	  /* the gateway's state in RAM, lost at every cut */

/* Empty the archive. */
void archive_init(void);

/* The archive receives one batch's text. */
void archive_take(const char *text, size_t len);

/* Open and close the spool (capacity in batches). */
void open_spool(unsigned capacity);
void close_spool(void);

/* A cut: the gateway starts again from what the spool holds (baselines
 * and zero marks). */
void restart(unsigned capacity);

/* Read device totals tot[0..3] of address 1 and store one batch; its seq
 * in *seq. Returns spool_append()'s code. */
int make_batch(const uint32_t *tot, bool sending, uint64_t *seq);

/* Publish every stored batch above after to the archive; the last seq. */
uint64_t publish_from(uint64_t after);

/* Check's fixture: a new directory and spool; removed after. */
void spool_setup(void);
void spool_teardown(void);

/* Every pulse of tot reached the archive once. */
void check_conservation(const uint32_t *tot);

#endif
