/*
 * smsin.h - amr-notify's HTTP listener for its SMS gateway, Kannel
 * (docs/notify.md, "Incoming SMS"): smsbox's sms-service fetches
 *
 *   GET /sms/in?from=%p&to=%P&text=%a&id=%I&coding=%c&charset=%C
 *
 * for every SMS a phone sends, and fetches a message's dlr-url (sms.h)
 *
 *   GET /sms/dlr?key=%KEY%&status=%d[&answer=%A]
 *
 * for each delivery report. A request is checked on the listener's own
 * thread (libmicrohttpd's): from is '+' (or nothing) and 7..15 digits,
 * id 1..SMSIN_ID_MAX of A-Z a-z 0-9 - . _ :, the text not empty, at most
 * SMSIN_TEXT_MAX bytes once it is UTF-8 (the charset says what the
 * bytes are: UTF-16BE or UCS-2 is converted, UTF-8 kept, ISO-8859-1 and
 * WINDOWS-1252 converted when not UTF-8 already; without a charset,
 * coding 2 is UCS-2; 8-bit data, coding 1, is refused), without control
 * characters but tab and line ends; a report's key as sms.h's and its
 * status one of 1, 2, 4, 8, 16. Anything else, another method or path
 * too, is answered 400 with a one-line reason and goes no further. What
 * passes is answered 200 and handed to the loop thread (loop_post), where
 * the callbacks run; when that is not possible (out of memory) 503, so
 * that Kannel tries again.
 */
#ifndef AMR_NOTIFY_SMSIN_H
#define AMR_NOTIFY_SMSIN_H

#include <stddef.h>

#include "err.h"
#include "loop.h"
#include "metrics.h"

#define SMSIN_ID_MAX   64   /* bytes of Kannel's message id */
#define SMSIN_TEXT_MAX 1600 /* bytes of an incoming text, as UTF-8 */
#define SMSIN_KEY_MAX  64   /* bytes of a delivery report's key */

typedef struct smsin smsin;

/* One incoming SMS, checked (valid for the callback only). */
struct smsin_sms {
	char from[24];		   /* "+79001234567" ('+' added when Kannel gave none) */
	char to[24];		   /* the number it was sent to, "" when not given */
	char id[SMSIN_ID_MAX + 1]; /* Kannel's id: the same on a repeat of the request */
	const char *text;	   /* UTF-8, NUL-terminated */
	size_t len;		   /* its bytes */
};

/* One delivery report, checked. */
struct smsin_dlr {
	char key[SMSIN_KEY_MAX + 1]; /* the outbox message's key, "0.17" */
	int status;	 /* 1 delivered, 2 not delivered, 4 queued, 8 accepted, 16 rejected */
	char answer[81]; /* the SMS centre's words (%A), "" when none */
};

struct smsin_conf {
	const char *listen; /* "127.0.0.1:8080": an IPv4 address and a port (0: any free one) */
	loop *l;	    /* where the callbacks run */
	void (*on_sms)(const struct smsin_sms *m, void *arg);
	void (*on_dlr)(const struct smsin_dlr *d, void *arg);
	void *arg;
	metrics *ms; /* amr_notify_sms_requests_total */
};

/* Listen as c says (borrowed; c->listen need not outlive the call).
 * Returns AMR_OK, AMR_EINVAL (listen is not HOST:PORT, logged), AMR_EIO
 * (cannot listen, logged) or AMR_ENOMEM. */
amr_err smsin_start(smsin **out, const struct smsin_conf *c);

/* The port it listens on. */
int smsin_port(const smsin *s);

/* Stop listening (a request under way is answered first), free. Accepts
 * NULL. Call before the loop is destroyed. */
void smsin_stop(smsin *s);

#endif
