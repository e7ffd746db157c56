/*
 * smtp.h - amr-notify's e-mail channel: one message per send() to an SMTP
 * server through libcurl, keeping the contract of transport.h.
 *
 * Each send() opens its own connection (smtp:// with STARTTLS when asked,
 * or smtps://), authenticates when a user is configured, hands over one
 * message to one recipient and closes; nothing is kept between calls but
 * the configuration, so calls may run on several threads at once.
 *
 * The message (RFC 5322, CRLF line ends):
 *
 *   Date: Tue, 03 Mar 2026 10:00:00 +0000          (UTC)
 *   From: "Dispatcher" <amr@example.org>           (no name: From: <amr@...>)
 *   To: <ivan@example.org>
 *   Subject: Leak in flat 12                       (RFC 2047 words if not ASCII)
 *   Message-ID: <17.2@amr-notify>                  (msg->key: a resend keeps it)
 *   MIME-Version: 1.0
 *   Content-Type: text/plain; charset=UTF-8
 *   Content-Transfer-Encoding: base64
 *   Auto-Submitted: auto-generated                 (RFC 3834: no vacation replies)
 *
 * The body travels in base64 (76 columns), its line ends made CRLF first:
 * no line-length limit, no 8BITMIME needed on any relay, and no body line
 * can begin with "." on the wire (libcurl would dot-stuff one anyway). A
 * subject or display name that is not plain printable ASCII, or holds
 * "=?", or runs past 900 bytes, becomes RFC 2047 encoded words
 * (=?UTF-8?B?...?=, folded, never splitting a character); an ASCII name is
 * a quoted string. A duplicate of a message (the outbox resending after a
 * RETRY or a crash) carries the same Message-ID, which is how a reader or
 * a mail filter recognises it.
 *
 * Results (transport.h): the server's 250 after the data is SENT; no
 * connection, a timeout, a reply 4xx is RETRY; a reply 5xx, a refused
 * login, TLS that cannot be had or verified (STARTTLS required and not
 * offered, a bad certificate or CA file) and a message we will not send
 * (a to with CR, LF, '<', '>', ',', a space or another control
 * character, a key that cannot make a Message-ID, a subject that is not
 * one line of UTF-8, a body that is not UTF-8) are FAILED, the last ones
 * before any connection. why reads "smtp 550: RCPT failed: 550 (server:
 * 550 5.1.1 no such user)", "smtp 535: login \"alarms\" denied (server:
 * ...)" or "smtp: Failed to connect to 127.0.0.1 port 2525 ...: Couldn't
 * connect to server"; it never holds the password.
 */
#ifndef AMR_NOTIFY_SMTP_H
#define AMR_NOTIFY_SMTP_H

#include <stdbool.h>

#include "err.h"
#include "transport.h"

/* Where and how to send (every string borrowed by smtp_create, which
 * copies them). */
struct smtp_conf {
	const char *url;       /* "smtp://127.0.0.1:2525" or "smtps://host:465" */
	const char *from;      /* envelope and From: address */
	const char *from_name; /* display name, may be NULL */
	const char *user;      /* NULL: no AUTH */
	const char *password;  /* with user */
	bool starttls;	       /* require STARTTLS (CURLUSESSL_ALL) on smtp:// */
	const char *cafile;    /* NULL: the system's */
	unsigned timeout_ms;   /* whole transfer, connect included; not 0 */
};

/*
 * Initialise libcurl for the process (curl_global_init): main() calls it
 * once, before any thread starts and before smtp_create(). Returns AMR_OK,
 * AMR_ENOMEM, or AMR_EIO when libcurl cannot start (TLS library).
 */
amr_err smtp_global_init(void);

/*
 * Fill *out as the "email" channel: out->ctx is a new copy of c (the
 * caller frees it with smtp_destroy), out->send sends one message.
 * Returns AMR_OK; AMR_EINVAL when c lacks url, from or timeout_ms, the url
 * is neither smtp:// nor smtps:// (or this libcurl lacks it), from holds
 * a control character (CR, LF), a space, '<', '>' or ',' or runs past 254
 * bytes (a header injection is refused here, not at each send),
 * from_name is not one line of UTF-8, or a user comes without a password;
 * AMR_ENOMEM. Logs the reason; *out is unchanged on error. A user on
 * smtp:// without starttls is allowed (a relay on the same host) with a
 * warning: the password then travels in clear.
 */
amr_err smtp_create(struct transport *out, const struct smtp_conf *c);

/* Free what smtp_create() made and clear *t. Accepts NULL, a cleared or a
 * never filled (zeroed) transport. */
void smtp_destroy(struct transport *t);

#endif
