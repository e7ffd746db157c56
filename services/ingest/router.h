/*
 * router.h - command routing of amr-ingest: the RPC methods
 * ingest/command, ingest/command.get and ingest/commands, sending to
 * gateways, matching their results, expiry and the audit trail.
 *
 * Commands still queued or sent are kept in memory (loaded from the store
 * at start) and every change is written to the store before it is
 * announced. A command is marked "sent" in the store before it is
 * published, so a crash in between can lose a send (the command then
 * expires) but never repeat one.
 *
 * Runs on the service's loop thread.
 */
#ifndef AMR_INGEST_ROUTER_H
#define AMR_INGEST_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "events.h"
#include "outbox.h"
#include "rpc.h"
#include "ingestdb.h"
#include "svc.h"

typedef struct router router;

struct router_opts {
	long long default_ttl; /* seconds a command may wait, when the request has no ttl */
	long long max_ttl;     /* largest ttl a request may ask for */
	long long wait_s;      /* how long ingest/command waits for the result by default */
	long long keep_days;   /* finished commands are pruned after this many days */
};

/*
 * Create the router on service s, using the store, the presence known by
 * ev and the outbox (all borrowed; they must outlive the router), and load
 * the open commands from the store. Returns AMR_OK, AMR_ENOMEM or the
 * store's error.
 */
amr_err router_create(router **out, struct svc *s, ingestdb *st, events *ev, outbox *ob,
		      const struct router_opts *o);

/* Answer every request still waiting (with the state reached), stop the
 * timers and free. Call before svc_fini(). Accepts NULL. */
void router_destroy(router *r);

/* The gateway obj said it is online: send its queued commands. */
void router_gateway_online(router *r, unsigned obj);

/*
 * A result from gateway obj for command id. Returns AMR_OK (recorded),
 * AMR_EEXIST (a repeat of a result already recorded: ignored),
 * AMR_ENOTFOUND (no such command) or AMR_EINVAL (the command belongs to
 * another gateway); the caller dead-letters the last two.
 */
amr_err router_result(router *r, unsigned obj, const char *id, bool ok, const char *text);

/* The RPC methods, to pass to svc_serve() with the router as ctx. */
extern const struct rpc_method router_methods[];
extern const size_t router_nmethods;

#endif
