/*
 * reset.h - `amr-web --reset-password USER`: the way back in when the
 * admin password is lost. Sets a new random password for USER in the
 * users' LMDB environment (safe while amr-web runs: LMDB takes writers
 * from several processes), prints it once on stdout, sends an audit
 * record "user.password" {"by":"reset"} to amr/v1/audit (waiting up to 5 s
 * for the broker; without one the log line is the only record) and
 * returns the exit code. A disabled user is enabled again.
 */
#ifndef AMR_WEB_RESET_H
#define AMR_WEB_RESET_H

#include "web.h"

/* True when argv asks for a reset (so main() picks a client id of its own
 * and does not take over amr-web's MQTT session). */
bool reset_requested(int argc, char **argv);

/* Reset user's password in w->users (open) and audit it through
 * w->svc (initialised, not running). Returns the process exit code. */
int reset_password(struct web *w, const char *user);

#endif
