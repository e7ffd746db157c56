/*
 * ratelimit.h - failed sign-in attempts counted per key (a user name, a
 * client address) in fixed windows.
 *
 * A key with max_fails failures inside window_s seconds is refused until
 * its window ends; a success resets the key. The table holds at most
 * capacity keys; when it is full the key with the oldest window is
 * forgotten. Time is passed in, so tests need no clock.
 *
 * Thread safety: every function may be called from any thread.
 */
#ifndef AMR_WEB_RATELIMIT_H
#define AMR_WEB_RATELIMIT_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rl rl;

/* Returns AMR_OK, AMR_EINVAL (zero capacity, max_fails or window) or
 * AMR_ENOMEM. */
amr_err rl_create(rl **out, size_t capacity, unsigned max_fails, unsigned window_s);

/* Accepts NULL. */
void rl_destroy(rl *r);

/* Seconds until key may try again; 0 when it may try now. */
unsigned rl_check(rl *r, const char *key, int64_t now);

/* Count a failure of key at now. */
void rl_fail(rl *r, const char *key, int64_t now);

/* Forget key's failures (after a success). */
void rl_reset(rl *r, const char *key);

#endif
