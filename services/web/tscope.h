/*
 * tscope.h - a tenant's view of the metering, derived from its billing
 * accounts (scope.h, docs/web.md "A tenant's scope"); loop thread.
 *
 * A tenant's session begins with its accounts only. Its first call that
 * needs the loop waits while amr-web asks amr-billing for the channels of
 * the accounts' premises over the days each account held them
 * (billing/account.channels); the answer becomes the session's items and
 * the call goes on with them. The items are asked again for every
 * tenant's session when amr-billing audits a change of an account, a
 * premises or a meter (amr/v1/audit), and every refresh_s in any case (a
 * move-out whose date passes); a session whose items changed has its live
 * streams ended, so that the portal opens them again on what it may see
 * now.
 */
#ifndef AMR_WEB_TSCOPE_H
#define AMR_WEB_TSCOPE_H

#include <stdbool.h>

#include "scope.h"
#include "web.h"

/* Called with the derivation's outcome: ok false when amr-billing did not
 * answer (the session's items stay as they were; empty at first). */
typedef void (*tscope_fn)(void *arg, bool ok);

/*
 * Derive the items of session sid from the accounts of *s, store them in
 * the session, copy them into *s (its at kept) and call fn(arg, ok) (fn
 * may be NULL). *s must live until then.
 */
void tscope_derive(struct web *w, const char *sid, struct scope *s, tscope_fn fn, void *arg);

/* Derive again for every tenant's live session. */
void tscope_refresh(struct web *w);

/* True when an audit record of this action and target changes what some
 * tenant sees (billing's account, premises and meter records). */
bool tscope_audit_matters(const char *action, const char *target);

#endif
