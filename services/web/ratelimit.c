#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ratelimit.h"

struct entry {
	char key[96];	/* "" when free */
	int64_t start;	/* window start */
	unsigned fails; /* failures in the window */
};

struct rl {
	pthread_mutex_t lock; /* guards the table */
	struct entry *e;      /* capacity entries */
	size_t capacity;      /* table size */
	unsigned max_fails;   /* failures allowed in a window */
	unsigned window_s;    /* window length */
};

amr_err rl_create(rl **out, size_t capacity, unsigned max_fails, unsigned window_s)
{
	rl *r;

	if (!capacity || !max_fails || !window_s)
		return AMR_EINVAL;
	r = calloc(1, sizeof *r);
	if (!r || !(r->e = calloc(capacity, sizeof *r->e))) {
		free(r);
		return AMR_ENOMEM;
	}
	pthread_mutex_init(&r->lock, NULL);
	r->capacity = capacity;
	r->max_fails = max_fails;
	r->window_s = window_s;
	*out = r;
	return AMR_OK;
}

void rl_destroy(rl *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->e);
	free(r);
}

static struct entry *find(rl *r, const char *key)
{
	for (size_t i = 0; i < r->capacity; i++)
		if (r->e[i].key[0] && strncmp(r->e[i].key, key, sizeof r->e[i].key - 1) == 0)
			return &r->e[i];
	return NULL;
}

unsigned rl_check(rl *r, const char *key, int64_t now)
{
	struct entry *e;
	unsigned wait = 0;

	pthread_mutex_lock(&r->lock);
	e = find(r, key);
	if (e && now - e->start < r->window_s && e->fails >= r->max_fails)
		wait = (unsigned)(e->start + r->window_s - now);
	pthread_mutex_unlock(&r->lock);
	return wait;
}

void rl_fail(rl *r, const char *key, int64_t now)
{
	struct entry *e;

	pthread_mutex_lock(&r->lock);
	e = find(r, key);
	if (!e) {
		/* A free slot, else the oldest window. */
		e = &r->e[0];
		for (size_t i = 0; i < r->capacity; i++) {
			if (!r->e[i].key[0]) {
				e = &r->e[i];
				break;
			}
			if (r->e[i].start < e->start)
				e = &r->e[i];
		}
		snprintf(e->key, sizeof e->key, "%s", key);
		e->start = now;
		e->fails = 0;
	}
	if (now - e->start >= r->window_s) {
		e->start = now;
		e->fails = 0;
	}
	e->fails++;
	pthread_mutex_unlock(&r->lock);
}

void rl_reset(rl *r, const char *key)
{
	struct entry *e;

	pthread_mutex_lock(&r->lock);
	e = find(r, key);
	if (e)
		memset(e, 0, sizeof *e);
	pthread_mutex_unlock(&r->lock);
}
