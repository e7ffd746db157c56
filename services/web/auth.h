/*
 * auth.h - signed-in sessions, kept in memory (a restart of amr-web signs
 * everyone out), and their CSRF tokens.
 *
 * A session id and its CSRF token are 32 random bytes (randombytes_buf) in
 * hex. The id travels only in the cookie "amr_sid" (HttpOnly,
 * SameSite=Strict, Secure over TLS); the token is handed to the page in the
 * login answer and /api/v1/me and must come back in the X-CSRF-Token header
 * of every state-changing request. Ids and tokens are compared with
 * sodium_memcmp. A session ends after idle_s without a request, after
 * max_s in any case, at sign-out, or when its user is disabled or gets a
 * new password; the oldest session goes when max_sessions is reached.
 *
 * Thread safety: every function may be called from any thread.
 */
#ifndef AMR_WEB_AUTH_H
#define AMR_WEB_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "scope.h"

#define AUTH_COOKIE "amr_sid"
#define AUTH_HEX    65 /* 64 hex digits and NUL */

typedef struct auth auth;

struct auth_session {
	char sid[AUTH_HEX];  /* session id */
	char csrf[AUTH_HEX]; /* CSRF token */
	char user[65];	     /* user name */
	unsigned role;	     /* ROLE_* bit */
	int64_t created;     /* Unix seconds */
	struct scope scope;  /* objects the user may see (scope.h) */
};

/* Returns AMR_OK, AMR_EINVAL (a zero bound) or AMR_ENOMEM. sodium_init()
 * must have run. */
amr_err auth_create(auth **out, size_t max_sessions, unsigned idle_s, unsigned max_s);

/* Accepts NULL. */
void auth_destroy(auth *a);

/* Open a session for user, seeing every object; *out gets a copy.
 * Returns AMR_OK. */
amr_err auth_login(auth *a, const char *user, unsigned role, int64_t now, struct auth_session *out);

/* The same, limited to scope (copied; NULL: every object). A change of the
 * user's objects ends its sessions (auth_drop_user), so a session keeps the
 * scope it began with. */
amr_err auth_login_scoped(auth *a, const char *user, unsigned role, const struct scope *scope,
			  int64_t now, struct auth_session *out);

/* Find the live session sid and mark it used at now; *out gets a copy.
 * Returns AMR_OK or AMR_ENOTFOUND (unknown, expired or malformed). */
amr_err auth_lookup(auth *a, const char *sid, int64_t now, struct auth_session *out);

/* True when session sid is live at now (not marked used: a live stream
 * is no activity of its user). */
bool auth_alive(auth *a, const char *sid, int64_t now);

/*
 * Give session sid the items of scope (its derived view of the metering,
 * scope.h; the session's accounts stay). Returns AMR_OK with *changed
 * true when the items differ from what it had, AMR_ENOTFOUND when the
 * session is gone.
 */
amr_err auth_rescope(auth *a, const char *sid, const struct scope *scope, bool *changed);

/*
 * The live sessions whose scope is derived from accounts (a tenant's,
 * scope.h), at most max: their ids into sid[] and scopes into scope[].
 * Returns how many.
 */
size_t auth_tenant_sessions(auth *a, int64_t now, char (*sid)[AUTH_HEX], struct scope *scope,
			    size_t max);

/* End session sid (unknown ids are ignored). */
void auth_logout(auth *a, const char *sid);

/* End every session of user; returns how many ended. */
size_t auth_drop_user(auth *a, const char *user);

/* Live sessions (for metrics). */
size_t auth_count(auth *a);

/* True when token equals the session's CSRF token (constant time). */
bool auth_csrf_ok(const struct auth_session *s, const char *token);

/* Find amr_sid=<64 hex> in a Cookie header into sid. Returns AMR_OK or
 * AMR_ENOTFOUND. */
amr_err auth_cookie_sid(const char *cookie, char sid[AUTH_HEX]);

/* The Set-Cookie value for sid (empty sid: one that deletes the cookie). */
void auth_cookie_value(const char *sid, bool secure, unsigned max_age, char *buf, size_t size);

#endif
