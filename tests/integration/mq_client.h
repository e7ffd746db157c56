/*
 * mq_client.h - a test's own MQTT client on a loop the test thread runs:
 * connect (optionally persistent, with a will), count what arrives, make
 * sure a subscription is in place. Shared by the lib/mq and lib/rpc
 * suites.
 */
#ifndef AMR_TEST_MQ_CLIENT_H
#define AMR_TEST_MQ_CLIENT_H

#include <stdbool.h>

#include "harness.h"
#include "loop.h"
#include "mq.h"
#include "rpc.h"

struct client {
	loop *l;	   /* its loop, run by the test thread */
	mq *m;		   /* its connection */
	rpc *r;		   /* its RPC endpoint, when made */
	bool up;	   /* connected */
	bool wake;	   /* loop_run_until flag */
	int got;	   /* messages received */
	char first[256];   /* first payload */
	char last[256];	   /* last payload */
	struct harness *h; /* the test's broker */
};

/* Handlers and the wake-up the client's loop uses (for RUN_UNTIL). */
void mqc_on_up(void *ctx);
void mqc_on_msg(void *ctx, const struct mq_msg *msg);
void mqc_wake_up(void *arg);

/* Run c's loop until cond holds or ms pass. */
#define RUN_UNTIL(c, cond, ms) HARNESS_LOOP_UNTIL((c)->l, mqc_wake_up, (c), &(c)->wake, cond, ms)

/* Connect to h's broker; sub, when given, is subscribed before the loop
 * first runs, so messages queued for a persistent session find their
 * handler. */
void client_open(struct client *c, struct harness *h, const char *id, bool clean, const char *will,
		 const char *sub);

/* Wait until the broker has c's subscription to topic. */
void client_sync(struct client *c, const char *topic);

/* Close c (its rpc endpoint too, when made). */
void client_close(struct client *c);

#endif
