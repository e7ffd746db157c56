/*
 * mail_util.h - the SMTP catcher of the e-mail tests: mail-catcher.py
 * (python3-aiosmtpd) on a free loopback port, started with
 * harness_spawn() (its output in <dir>/python3.log, where it says
 * "ready"), so harness_stop() stops it with everything else. It stores
 * message n as <dir>/mail/n.eml, its envelope as n.env (JSON).
 */
#ifndef AMR_TEST_MAIL_UTIL_H
#define AMR_TEST_MAIL_UTIL_H

#include <stdbool.h>

#include <jansson.h>

#include "harness.h"

#define PYTHON "/usr/bin/python3" /* Debian's, which has python3-aiosmtpd */

struct catcher {
	struct harness *h;
	char dir[300]; /* where it stores what it got */
	int port;      /* where it listens */
};

/* Make <h->dir>/mail and pick a free port; nothing runs yet. */
void catcher_init(struct catcher *c, struct harness *h);

/* Start it with extra options (NULL-terminated, may be NULL: "--auth",
 * "user:pass", "--fail-rcpt", "addr:550") and wait until it listens. */
void catcher_start(struct catcher *c, const char *const *extra);

/* True when message n (1, 2, ..) is stored; how many are. */
bool catcher_stored(const struct catcher *c, int n);
int catcher_count(const struct catcher *c);

/* File name of the catcher's directory, whole (new, NUL-terminated). */
char *catcher_slurp(const struct catcher *c, const char *name);

/* Message n once stored (waits up to 10 s) as a mail reader shows it
 * (new): {"subject","from","to","message_id","date_ok","body","attachments",
 * "defects","words_whole"} (mail_util.c). */
json_t *catcher_read(struct catcher *c, int n);

#endif
