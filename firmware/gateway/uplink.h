/*
 * uplink.h - the gateway's MQTT side (DESIGN.md 4.1-4.3).
 *
 * Connects as "amr-gw-{obj}" with the will {"online":false} retained on
 * amr/v1/gw/{obj}/status, subscribes to amr/v1/gw/{obj}/ack and /cmd, and
 * publishes the spool's batches on amr/v1/gw/{obj}/up in seq order, at most
 * `window` unacknowledged at a time. After every (re)connect, and when no
 * ack has come for resend_s seconds, it starts again from the oldest
 * unacknowledged batch; the archive ignores what it already has.
 *
 * Batches the spool holds of object numbers the gateway had before go the
 * same way under their own number: .../{old}/up, acknowledged on
 * .../{old}/ack (docs/gateway.md, "Changing the object number").
 *
 * Runs on the loop thread.
 */
#ifndef GW_UPLINK_H
#define GW_UPLINK_H

#include <stdbool.h>

#include <jansson.h>

#include "loop.h"
#include "mq.h"
#include "spool.h"

typedef struct uplink uplink;

struct uplink_opts {
	loop *l;	  /* the loop */
	spool *sp;	  /* batches (borrowed) */
	const char *host; /* broker */
	int port;
	const char *user; /* NULL: anonymous */
	const char *password;
	const char *cafile; /* broker's CA (PEM): TLS; NULL: plain TCP */
	unsigned obj;	    /* object number for the topics */
	unsigned window;    /* unacknowledged batches in flight */
	unsigned resend_s;  /* resend after this long without an ack */
	void (*on_cmd)(void *ctx, const struct mq_msg *m); /* a message on .../cmd */
	void (*on_connect)(void *ctx);			   /* session up */
	void *ctx;
};

/* Create and start connecting (o and its strings borrowed for the call).
 * AMR_OK, AMR_ENOMEM, AMR_EMQ. */
int uplink_create(uplink **out, const struct uplink_opts *o);

/* Publish {"online":false}, disconnect, free. Accepts NULL. */
void uplink_destroy(uplink *u);

/* Publish what the spool holds and the window allows (after a new batch). */
void uplink_pump(uplink *u);

/* True while connected. */
bool uplink_connected(const uplink *u);

/* "host:port, connected" for ipconfig. */
void uplink_describe(const uplink *u, char *buf, size_t len);

/* Publish the retained status (borrowed) if it differs from the last one
 * (or always when force). AMR_OK or the mq_publish error. */
int uplink_status(uplink *u, const json_t *status, bool force);

/* Publish a command answer on .../cmd/result (borrowed). */
int uplink_result(uplink *u, const json_t *answer);

/* Drop the connection now and connect again after delay_ms. */
void uplink_reconnect(uplink *u, unsigned delay_ms);

/* True if the window lets a new batch go out at once (for spool_append). */
bool uplink_can_send(const uplink *u);

#endif
