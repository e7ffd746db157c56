/*
 * transport.h - the contract every delivery channel of amr-notify keeps
 * (e-mail over SMTP, SMS through Kannel, a webhook): what send() must do
 * and return, so that the outbox (outbox.h) can drive any of them the
 * same way (docs/notify.md, "Delivery").
 *
 * send() hands one message to the channel's server and returns only once
 * the server has taken it or refused it, within the channel's own timeout
 * (it never waits longer than that on a silent server). It runs on the
 * outbox's worker thread, never on the loop, and may block. It must:
 *   - send the message once per call; the outbox calls it again for a
 *     message whose earlier call returned TRANSPORT_RETRY, or that a crash
 *     interrupted, so the same message may be handed over twice: msg->key
 *     is its idempotency key and must travel with it where the channel
 *     can carry one (the e-mail's Message-ID, the SMS's delivery-report
 *     id, a webhook's header), so that a duplicate is recognisable;
 *   - return TRANSPORT_SENT when the server took it (SMTP 250 after the
 *     data, HTTP 2xx), TRANSPORT_RETRY for what may pass (no connection,
 *     a timeout, SMTP 4xx, HTTP 5xx or 429), TRANSPORT_FAILED for what
 *     will not (SMTP 5xx, a refused address, HTTP 4xx, a message the
 *     channel cannot carry), and in every case but SENT write a one-line
 *     reason into why (at most why_size bytes, NUL-terminated) naming what
 *     refused it ("smtp 550: mailbox unavailable");
 *   - keep no state between calls but its configuration, so that a call
 *     after a crash behaves as the first one.
 */
#ifndef AMR_NOTIFY_TRANSPORT_H
#define AMR_NOTIFY_TRANSPORT_H

#include <stddef.h>

enum transport_result {
	TRANSPORT_SENT,	  /* the server took it */
	TRANSPORT_RETRY,  /* not now: try again later */
	TRANSPORT_FAILED, /* never: give up, say why */
};

/* One message (every string borrowed, UTF-8). */
struct transport_msg {
	const char *key;     /* idempotency key, unique per message: "17.2" (alarm 17, message 2) */
	const char *to;	     /* the address: "ivan@example.org", "+79001234567", a URL */
	const char *subject; /* e-mail's subject; NULL for a channel without one */
	const char *body;    /* the text */
	/* one attached file (e-mail only), or all NULL */
	const char *att_name; /* "receipt-2026-10-17.pdf" */
	const char *att_type; /* "application/pdf" */
	const char *att_b64;  /* its bytes in base64, one line */
};

/* A channel: its name ("email", "sms", "webhook"), its configuration
 * (ctx, owned by whoever made it) and its send(). */
struct transport {
	const char *name;
	void *ctx;
	enum transport_result (*send)(void *ctx, const struct transport_msg *msg, char *why,
				      size_t why_size);
};

#endif
