/*
 * smsread.h - what Kannel's requests to the SMS listener say, read without
 * libmicrohttpd (smsin.h has the listener and the rules; docs/notify.md,
 * "Incoming SMS"): smsin.c hands these the arguments of a request, the
 * fuzz target (tests/fuzz/fuzz_smsin.c) the same. Pure, no allocation.
 *
 * An argument is v[0..n), binary allowed, with a NUL at v[n] as
 * libmicrohttpd keeps it; v NULL when the request has none. Nothing is
 * read past v[n].
 */
#ifndef AMR_NOTIFY_SMSREAD_H
#define AMR_NOTIFY_SMSREAD_H

#include <stddef.h>

#include "smsin.h"

#define SMSREAD_RAW_MAX	  (SMSIN_TEXT_MAX * 2)	    /* bytes of text as it comes (UCS-2 doubles) */
#define SMSREAD_TEXT_ROOM (SMSREAD_RAW_MAX * 2 + 1) /* room for it once UTF-8 */

struct smsread_arg {
	const char *v; /* the value, NULL when absent */
	size_t n;      /* its bytes */
};

/* /sms/in's arguments. */
struct smsread_in {
	struct smsread_arg from, to, id, text, coding, charset;
};

/*
 * Check an incoming SMS as smsin.h says and fill m: from with its '+',
 * to, id, the text converted to UTF-8 into text[SMSREAD_TEXT_ROOM] (m->text
 * points there). Returns 0; or 400 with why[0..size) a one-line reason
 * that starts with the argument's name ("from: ..."), m then undefined.
 */
int smsread_sms(const struct smsread_in *in, struct smsin_sms *m, char *text, char *why,
		size_t size);

/* Check a delivery report (key, status, answer) as smsin.h says and fill
 * d, the answer kept to its printable ASCII, cut. Returns 0, or 400 with
 * why as above. */
int smsread_dlr(struct smsread_arg key, struct smsread_arg status, struct smsread_arg answer,
		struct smsin_dlr *d, char *why, size_t size);

#endif
