#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "err.h"

struct slot {
	struct auth_session s; /* sid[0] == 0 when free */
	int64_t used;	       /* last request */
};

struct auth {
	pthread_mutex_t lock; /* guards the slots */
	struct slot *slots;   /* max slots */
	size_t max;	      /* table size */
	unsigned idle_s;      /* idle timeout */
	unsigned max_s;	      /* absolute timeout */
};

amr_err auth_create(auth **out, size_t max_sessions, unsigned idle_s, unsigned max_s)
{
	auth *a;

	if (!max_sessions || !idle_s || !max_s)
		return AMR_EINVAL;
	a = calloc(1, sizeof *a);
	if (!a || !(a->slots = calloc(max_sessions, sizeof *a->slots))) {
		free(a);
		return AMR_ENOMEM;
	}
	pthread_mutex_init(&a->lock, NULL);
	a->max = max_sessions;
	a->idle_s = idle_s;
	a->max_s = max_s;
	*out = a;
	return AMR_OK;
}

void auth_destroy(auth *a)
{
	if (!a)
		return;
	sodium_memzero(a->slots, a->max * sizeof *a->slots);
	pthread_mutex_destroy(&a->lock);
	free(a->slots);
	free(a);
}

static void random_hex(char out[AUTH_HEX])
{
	unsigned char bin[32];

	randombytes_buf(bin, sizeof bin);
	sodium_bin2hex(out, AUTH_HEX, bin, sizeof bin);
}

static bool expired(const auth *a, const struct slot *sl, int64_t now)
{
	return now - sl->used > a->idle_s || now - sl->s.created > a->max_s;
}

amr_err auth_login(auth *a, const char *user, unsigned role, int64_t now, struct auth_session *out)
{
	return auth_login_scoped(a, user, role, NULL, now, out);
}

amr_err auth_login_scoped(auth *a, const char *user, unsigned role, const struct scope *scope,
			  int64_t now, struct auth_session *out)
{
	struct slot *sl;

	pthread_mutex_lock(&a->lock);
	sl = &a->slots[0];
	for (size_t i = 0; i < a->max; i++) {
		struct slot *c = &a->slots[i];

		if (!c->s.sid[0] || expired(a, c, now)) {
			sl = c;
			break;
		}
		if (c->used < sl->used)
			sl = c;
	}
	memset(sl, 0, sizeof *sl);
	random_hex(sl->s.sid);
	random_hex(sl->s.csrf);
	snprintf(sl->s.user, sizeof sl->s.user, "%s", user);
	sl->s.role = role;
	sl->s.created = now;
	if (scope)
		sl->s.scope = *scope;
	sl->used = now;
	*out = sl->s;
	pthread_mutex_unlock(&a->lock);
	return AMR_OK;
}

static bool valid_hex(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == AUTH_HEX - 1;
}

/* The slot of sid, compared in constant time; caller holds the lock. */
static struct slot *find(auth *a, const char *sid)
{
	struct slot *hit = NULL;

	if (!sid || !valid_hex(sid))
		return NULL;
	for (size_t i = 0; i < a->max; i++)
		if (a->slots[i].s.sid[0] &&
		    sodium_memcmp(a->slots[i].s.sid, sid, AUTH_HEX - 1) == 0)
			hit = &a->slots[i];
	return hit;
}

amr_err auth_lookup(auth *a, const char *sid, int64_t now, struct auth_session *out)
{
	struct slot *sl;
	int rc = AMR_ENOTFOUND;

	pthread_mutex_lock(&a->lock);
	sl = find(a, sid);
	if (sl && expired(a, sl, now)) {
		memset(sl, 0, sizeof *sl);
	} else if (sl) {
		sl->used = now;
		*out = sl->s;
		rc = AMR_OK;
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

amr_err auth_rescope(auth *a, const char *sid, const struct scope *scope, bool *changed)
{
	struct slot *sl;
	int rc = AMR_ENOTFOUND;

	pthread_mutex_lock(&a->lock);
	if ((sl = find(a, sid))) {
		struct scope *s = &sl->s.scope;

		*changed = !s->derived || !scope_same_items(s, scope);
		s->on = true;
		s->derived = true;
		s->n = scope->n;
		memcpy(s->item, scope->item, sizeof s->item);
		memcpy(s->from, scope->from, sizeof s->from);
		memcpy(s->to, scope->to, sizeof s->to);
		memcpy(s->devonly, scope->devonly, sizeof s->devonly);
		rc = AMR_OK;
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

size_t auth_tenant_sessions(auth *a, int64_t now, char (*sid)[AUTH_HEX], struct scope *scope,
			    size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->max && n < max; i++) {
		const struct slot *sl = &a->slots[i];

		if (!sl->s.sid[0] || expired(a, sl, now) || !sl->s.scope.naccounts)
			continue;
		memcpy(sid[n], sl->s.sid, AUTH_HEX);
		scope[n++] = sl->s.scope;
	}
	pthread_mutex_unlock(&a->lock);
	return n;
}

bool auth_alive(auth *a, const char *sid, int64_t now)
{
	struct slot *sl;
	bool alive;

	pthread_mutex_lock(&a->lock);
	sl = find(a, sid);
	alive = sl && !expired(a, sl, now);
	pthread_mutex_unlock(&a->lock);
	return alive;
}

void auth_logout(auth *a, const char *sid)
{
	struct slot *sl;

	pthread_mutex_lock(&a->lock);
	sl = find(a, sid);
	if (sl)
		memset(sl, 0, sizeof *sl);
	pthread_mutex_unlock(&a->lock);
}

size_t auth_drop_user(auth *a, const char *user)
{
	size_t n = 0;

	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->max; i++) {
		if (a->slots[i].s.sid[0] && strcmp(a->slots[i].s.user, user) == 0) {
			memset(&a->slots[i], 0, sizeof a->slots[i]);
			n++;
		}
	}
	pthread_mutex_unlock(&a->lock);
	return n;
}

size_t auth_count(auth *a)
{
	size_t n = 0;

	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->max; i++)
		n += a->slots[i].s.sid[0] != 0;
	pthread_mutex_unlock(&a->lock);
	return n;
}

bool auth_csrf_ok(const struct auth_session *s, const char *token)
{
	return token && strlen(token) == AUTH_HEX - 1 && s->csrf[0] &&
	       sodium_memcmp(s->csrf, token, AUTH_HEX - 1) == 0;
}

amr_err auth_cookie_sid(const char *cookie, char sid[AUTH_HEX])
{
	const char *p = cookie;
	size_t klen = strlen(AUTH_COOKIE);

	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, AUTH_COOKIE, klen) == 0 && p[klen] == '=') {
			size_t n = strcspn(p + klen + 1, "; ");

			if (n != AUTH_HEX - 1)
				return AMR_ENOTFOUND;
			memcpy(sid, p + klen + 1, n);
			sid[n] = '\0';
			return valid_hex(sid) ? AMR_OK : AMR_ENOTFOUND;
		}
		p = strchr(p, ';');
	}
	return AMR_ENOTFOUND;
}

void auth_cookie_value(const char *sid, bool secure, unsigned max_age, char *buf, size_t size)
{
	snprintf(buf, size, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%u%s", AUTH_COOKIE,
		 sid, sid[0] ? max_age : 0, secure ? "; Secure" : "");
}
