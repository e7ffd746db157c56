/*
 * notecl.h - amr-billing's client of amr-notify (docs/notify.md,
 * "Messages for other services"): a message asked of notify/send, and the
 * outcomes told on amr/v1/notify/delivery/billing handed to whoever asked
 * for messages whose ref starts so ("billing/restr/", "billing/receipt/").
 *
 * A message's ref is its idempotency key: asking again with a ref seen
 * before sends nothing, so a caller that does not know whether amr-notify
 * got its ask (no answer, a crash) simply asks again. Outcomes that
 * billing missed while it was down are read back from notify/messages
 * (notecl_ask()). Runs on the service's loop thread.
 */
#ifndef AMR_BILLING_NOTECL_H
#define AMR_BILLING_NOTECL_H

#include <stdbool.h>

#include <jansson.h>

#include "err.h"
#include "rpc.h"
#include "svc.h"

typedef struct notecl notecl;

#define NOTECL_HANDLERS_MAX 4 /* ref prefixes handed to someone */

/*
 * An outcome of a message: out is {"ref","state","channel","to","why"?,
 * "id"?,"attempts"?} (borrowed for the call), from a delivery event or
 * from the delivery log.
 */
typedef void (*notecl_fn)(void *ctx, const json_t *out);

/*
 * The client of service s (borrowed), amr-notify's calls bounded by
 * timeout_ms; subscribes to amr/v1/notify/delivery/<s->name>. Returns
 * AMR_OK, AMR_ENOMEM or mq_subscribe()'s error.
 */
amr_err notecl_create(notecl **out, struct svc *s, unsigned timeout_ms);

/* Free. Accepts NULL. */
void notecl_destroy(notecl *n);

/* Hand the outcomes of refs starting with prefix (borrowed, a literal)
 * to fn(ctx, ..). Returns AMR_OK, or AMR_ENOMEM when the table is full. */
amr_err notecl_on(notecl *n, const char *prefix, notecl_fn fn, void *ctx);

/* notify/send with args (taken: {"ref","channel","to","subject"?,"body",
 * "attachment"?,"actor"}); cb as rpc_call() says. */
amr_err notecl_send(notecl *n, json_t *args, rpc_cb cb, void *ctx);

/* Ask the delivery log for the messages whose ref starts with prefix
 * and hand each to its handler, as if its outcome had just been told.
 * Returns what rpc_call() returns. */
amr_err notecl_ask(notecl *n, const char *prefix);

/* An address amr-notify takes for an e-mail: something@something, no
 * space, control character, bracket, quote, comma or semicolon. */
bool notecl_email_ok(const char *s);

#endif
