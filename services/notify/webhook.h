/*
 * webhook.h - amr-notify's webhook channel: each message is one HTTP POST
 * of the alarm's JSON record to the contact's URL, signed, keeping the
 * contract of transport.h (docs/notify.md, "Webhooks"):
 *
 *   POST <contact's webhook URL>
 *   Content-Type: application/json
 *   X-AMR-Key: 17.3                      the message's idempotency key
 *   X-AMR-Signature: sha256=<hex>        HMAC-SHA256 of the body, keyed
 *                                        with the shared secret
 *   {"id":17,"kind":"device_offline",..}  the alarm as notify/alarm.get has it
 *
 * A receiver checks the signature over the exact bytes of the body
 * before it believes anything in it, and drops a second message with a
 * key it has seen (the outbox sends at least once). No redirect is
 * followed. HTTP 2xx is SENT; no connection, a timeout, 429 and 5xx are
 * RETRY; any other status FAILED (why: "webhook 404: Not Found").
 */
#ifndef AMR_NOTIFY_WEBHOOK_H
#define AMR_NOTIFY_WEBHOOK_H

#include "err.h"
#include "transport.h"

#define WEBHOOK_SECRET_MIN 16 /* bytes of the shared secret at least */

struct webhook_conf {
	const char *secret;  /* the HMAC key (copied), at least WEBHOOK_SECRET_MIN bytes */
	unsigned timeout_ms; /* one POST, connecting included */
};

/* The channel into *out. Returns AMR_OK, AMR_EINVAL (a short secret, no
 * timeout) or AMR_ENOMEM. Needs smtp_global_init() (libcurl) first. */
amr_err webhook_create(struct transport *out, const struct webhook_conf *c);

/* Free its configuration (the secret wiped). Accepts NULL. */
void webhook_destroy(struct transport *t);

#endif
