/*
 * users.h - the portal's user accounts, in the web service's own LMDB
 * environment (database "users", key = user name, value = JSON record
 * {"name","role","hash","disabled","created","updated","objects"?,
 * "accounts"?}). "objects" is the optional list of objects the user may
 * see, "accounts" a tenant's billing accounts (scope.h).
 *
 * Passwords are hashed with argon2id (libsodium crypto_pwhash_str_alg,
 * ops 2 and 64 MiB: above OWASP's minimum of 2 passes and 19 MiB). A
 * sign-in for an unknown or disabled user still runs one verification
 * against a dummy hash, so the answer time does not tell which users exist.
 *
 * Thread safety: every function may be called from any thread (LMDB
 * serialises writers; readers use their own transactions).
 */
#ifndef AMR_WEB_USERS_H
#define AMR_WEB_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "scope.h"

typedef struct users users;

#define USERS_MAX_NAME	   64
#define USERS_MIN_PASSWORD 10
#define USERS_MAX_PASSWORD 128

/* Open (creating) the environment in dir. sodium_init() must have run.
 * Returns AMR_OK, AMR_ENOMEM, AMR_EIO or AMR_EDB. */
amr_err users_open(users **out, const char *dir);

/* Close. Accepts NULL. */
void users_close(users *u);

/* Number of accounts. Returns AMR_OK or AMR_EDB. */
amr_err users_count(users *u, size_t *n);

/* Check a user name: 1..64 of a-z 0-9 . _ -, starting with a letter or
 * digit. Writes the reason into msg. Returns AMR_OK or AMR_EINVAL. */
amr_err users_check_name(const char *name, char *msg, size_t size);

/* Check a password: 10..128 bytes. Returns AMR_OK or AMR_EINVAL. */
amr_err users_check_password(const char *pw, char *msg, size_t size);

/* Create name with role (one ROLE_* bit) and password. Returns AMR_OK,
 * AMR_EINVAL (name, role or password), AMR_EEXIST, AMR_ENOMEM or AMR_EDB;
 * nothing is stored on error. */
amr_err users_create(users *u, const char *name, unsigned role, const char *password, int64_t now);

/* The same with a list of objects (array checked by scope_parse; NULL:
 * none). AMR_EINVAL also for a bad list. */
amr_err users_create_scoped(users *u, const char *name, unsigned role, const char *password,
			    const json_t *objects, int64_t now);

/* The same with a list of billing accounts too (scope_accounts_parse;
 * NULL: none). */
amr_err users_create_limited(users *u, const char *name, unsigned role, const char *password,
			     const json_t *objects, const json_t *accounts, int64_t now);

/* Verify a sign-in. On AMR_OK *role gets the user's role. AMR_ENOTFOUND
 * for an unknown or disabled user or a wrong password (one answer for the
 * three); AMR_EDB, AMR_ENOMEM. */
amr_err users_verify(users *u, const char *name, const char *password, unsigned *role);

/* The same; on AMR_OK *scope also gets the objects the user may see
 * (scope_of_user of its role and list) and, for a tenant, its accounts. */
amr_err users_verify_scope(users *u, const char *name, const char *password, unsigned *role,
			   struct scope *scope);

/* Set a new password. Returns AMR_OK, AMR_EINVAL, AMR_ENOTFOUND, AMR_EDB. */
amr_err users_set_password(users *u, const char *name, const char *password, int64_t now);

/* Change role (0 keeps it) and disabled (-1 keeps it). Returns AMR_OK,
 * AMR_EINVAL, AMR_ENOTFOUND, AMR_EDB. */
amr_err users_update(users *u, const char *name, unsigned role, int disabled, int64_t now);

/* The same in one transaction with the list of objects: objects NULL
 * keeps it, JSON null removes it, an array (scope_parse) replaces it. */
int users_update_scoped(users *u, const char *name, unsigned role, int disabled,
			const json_t *objects, int64_t now);

/* The same with the list of accounts: accounts NULL keeps it, JSON null
 * removes it, an array (scope_accounts_parse) replaces it. */
int users_update_limited(users *u, const char *name, unsigned role, int disabled,
			 const json_t *objects, const json_t *accounts, int64_t now);

/* The record of name without its hash (new reference), or NULL when there
 * is none. */
json_t *users_get(users *u, const char *name);

/* Every account without hashes: a new array reference, or NULL. */
json_t *users_list(users *u);

/* A random password of len-1 characters from an alphabet without
 * look-alikes, NUL-terminated, into buf[len]. */
void users_random_password(char *buf, size_t len);

#endif
