/*
 * ctl.h - what every amrctl command shares: the broker connection, one RPC
 * call with its error printed, JSON output, time arguments.
 */
#ifndef AMRCTL_CTL_H
#define AMRCTL_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "loop.h"
#include "mq.h"
#include "rpc.h"

struct ctl {
	struct config_common common; /* broker options */
	long long timeout_ms;	     /* answer timeout */
	bool compact;		     /* print JSON on one line */
	bool csv;		     /* series as CSV */
	const char *step;	     /* series resolution */
	const char *from;	     /* period start (see ctl_time) */
	const char *to;		     /* period end */
	const char *reason;	     /* why, for commands that change things */
	long long org;		     /* billing: the organisation (0: none given) */
	const char *bank;	     /* billing: the bank of a registry */
	bool apply;		     /* billing: apply a registry, not preview it */
	const char *date;	     /* billing: a payment's date, a balance's */
	const char *period;	     /* billing: the month a payment pays */
	const char *source;	     /* archive import: where the readings come from */
	const char *actor;	     /* archive import: who, instead of amrctl:<user> */
	long long building;	     /* billing: the building of a run */
	const char *format;	     /* billing report: json, csv, xlsx or pdf */
	const char *lang;	     /* billing: receipts' and reports' language */
	loop *l;		     /* our loop */
	mq *m;			     /* broker client */
	rpc *r;			     /* RPC endpoint */
	bool up;		     /* connected */
	bool timed_out;		     /* gave up waiting */
	bool wake;		     /* makes loop_run_until() return */
};

/* Connect and wait for the session; prints the error itself.
 * Returns 0 or -1. */
int ctl_connect(struct ctl *c);

/* Free the connection. */
void ctl_close(struct ctl *c);

/* Call method with args (taken). On success returns 0 and a new reference
 * in *result; otherwise prints "amrctl: method: code: message" and returns
 * the exit status (1). */
int ctl_call(struct ctl *c, const char *method, json_t *args, json_t **result);

/*
 * Fetch the file method hands out in chunks (args taken; NULL: {}) into
 * out, checked as a whole before it is kept: the bytes go to
 * out.part-<pid>, renamed onto out only when every chunk and the sha256
 * agree, removed otherwise; "-" writes them to stdout as they come. Then
 * prints {"file","name","type","size","sha256"}. Connects itself; prints
 * its errors. Returns 0 or 1 (an exit status).
 */
int ctl_get_file(struct ctl *c, const char *method, json_t *args, const char *out);

/* Print v as JSON (indented unless --compact). */
void ctl_print(const struct ctl *c, const json_t *v);

/*
 * Parse a time argument: Unix seconds ("1763600000"), "now", or relative to
 * now ("-6h", "-7d", "-30m", "-90s"). Returns 0 and *t, or -1.
 */
int ctl_time(const char *s, int64_t now, int64_t *t);

/* The person running the command, for audit records ("amrctl:<user>"). */
const char *ctl_actor(void);

#endif
