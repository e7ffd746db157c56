#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "sse.h"

struct sse_client {
	sse *h;		      /* hub */
	sse_client *next;     /* in the hub's list */
	unsigned obj;	      /* filter, 0 for all */
	struct scope scope;   /* objects the user may see */
	char owner[65];	      /* user name, "" for none */
	char sid[65];	      /* session, "" for none */
	void *conn;	      /* the connection (borrowed) */
	pthread_mutex_t lock; /* guards the fields below */
	char *buf;	      /* queued bytes */
	size_t len;	      /* bytes in buf */
	size_t off;	      /* bytes already sent */
	size_t cap;	      /* allocated */
	bool suspended;	      /* connection suspended by the reader */
	bool closing;	      /* end the stream */
};

struct sse {
	pthread_mutex_t lock;	    /* guards the list */
	sse_client *clients;	    /* connected */
	size_t n;		    /* how many */
	size_t max_clients;	    /* limit */
	size_t max_per_owner;	    /* streams of one owner, 0: no limit */
	size_t max_queue;	    /* bytes per client */
	bool closing;		    /* refusing new clients */
	unsigned long long dropped; /* closed for being slow */
	sse_conn_fn suspend;	    /* suspend a connection */
	sse_conn_fn resume;	    /* resume it */
};

amr_err sse_create(sse **out, size_t max_clients, size_t max_queue, sse_conn_fn suspend,
		   sse_conn_fn resume)
{
	sse *h;

	if (!max_clients || max_queue < 1024 || !suspend || !resume)
		return AMR_EINVAL;
	if (!(h = calloc(1, sizeof *h)))
		return AMR_ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	h->max_clients = max_clients;
	h->max_queue = max_queue;
	h->suspend = suspend;
	h->resume = resume;
	*out = h;
	return AMR_OK;
}

void sse_destroy(sse *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* Append text to c's queue; caller holds c->lock. False when it would
 * pass the limit (the client is then closed). */
static bool enqueue(sse_client *c, const char *text, size_t len)
{
	if (c->closing)
		return true;
	if (c->off && c->off == c->len)
		c->off = c->len = 0;
	if (c->len - c->off + len > c->h->max_queue) {
		c->closing = true;
		free(c->buf);
		c->buf = NULL;
		c->len = c->off = c->cap = 0;
		return false;
	}
	if (c->len + len > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		char *p;

		if (c->off) { /* slide what is left to the front first */
			memmove(c->buf, c->buf + c->off, c->len - c->off);
			c->len -= c->off;
			c->off = 0;
		}
		while (cap < c->len + len)
			cap *= 2;
		if (cap != c->cap) {
			if (!(p = realloc(c->buf, cap))) {
				c->closing = true;
				return false;
			}
			c->buf = p;
			c->cap = cap;
		}
	}
	memcpy(c->buf + c->len, text, len);
	c->len += len;
	return true;
}

/* Wake the client's connection if the reader suspended it; caller holds
 * c->lock. */
static void wake(sse_client *c)
{
	if (c->suspended) {
		c->suspended = false;
		c->h->resume(c->conn);
	}
}

amr_err sse_client_open(sse *h, unsigned obj, void *conn, sse_client **out)
{
	return sse_client_open_scoped(h, obj, NULL, NULL, conn, out);
}

void sse_limit_owner(sse *h, size_t n)
{
	pthread_mutex_lock(&h->lock);
	h->max_per_owner = n;
	pthread_mutex_unlock(&h->lock);
}

/* Streams of owner; caller holds h->lock. */
static size_t owned(const sse *h, const char *owner)
{
	size_t n = 0;

	for (const sse_client *c = h->clients; c; c = c->next)
		n += !strcmp(c->owner, owner);
	return n;
}

amr_err sse_client_open_scoped(sse *h, unsigned obj, const struct scope *scope, const char *owner,
			       void *conn, sse_client **out)
{
	static const char hello[] = "retry: 3000\n: hello\n\n";
	sse_client *c;
	int rc = AMR_OK;

	if (!(c = calloc(1, sizeof *c)))
		return AMR_ENOMEM;
	c->h = h;
	c->obj = obj;
	if (scope)
		c->scope = *scope;
	snprintf(c->owner, sizeof c->owner, "%s", owner ? owner : "");
	c->conn = conn;
	pthread_mutex_init(&c->lock, NULL);
	enqueue(c, hello, sizeof hello - 1);
	pthread_mutex_lock(&h->lock);
	if (h->closing)
		rc = AMR_ESTATE;
	else if (h->n >= h->max_clients)
		rc = AMR_EFULL;
	else if (c->owner[0] && h->max_per_owner && owned(h, c->owner) >= h->max_per_owner)
		rc = AMR_EEXIST;
	if (!rc) {
		c->next = h->clients;
		h->clients = c;
		h->n++;
	}
	pthread_mutex_unlock(&h->lock);
	if (rc) {
		pthread_mutex_destroy(&c->lock);
		free(c->buf);
		free(c);
		return rc;
	}
	*out = c;
	return AMR_OK;
}

ssize_t sse_client_read(sse_client *c, char *buf, size_t max)
{
	ssize_t n;

	pthread_mutex_lock(&c->lock);
	if (c->closing) {
		n = -1;
	} else if (c->off == c->len) {
		c->suspended = true;
		c->h->suspend(c->conn);
		n = 0;
	} else {
		n = (ssize_t)(c->len - c->off < max ? c->len - c->off : max);
		memcpy(buf, c->buf + c->off, (size_t)n);
		c->off += (size_t)n;
	}
	pthread_mutex_unlock(&c->lock);
	return n;
}

void sse_client_session(sse_client *c, const char *sid)
{
	pthread_mutex_lock(&c->h->lock);
	snprintf(c->sid, sizeof c->sid, "%s", sid ? sid : "");
	pthread_mutex_unlock(&c->h->lock);
}

/* End client c's stream; caller holds the hub's lock. */
static void end_stream(sse_client *c)
{
	pthread_mutex_lock(&c->lock);
	c->closing = true;
	wake(c);
	pthread_mutex_unlock(&c->lock);
}

/* End the streams whose owner (by_sid false) or session is key. */
static size_t close_matching(sse *h, const char *key, bool by_sid)
{
	size_t n = 0;

	if (!h || !key || !*key)
		return 0;
	pthread_mutex_lock(&h->lock);
	for (sse_client *c = h->clients; c; c = c->next)
		if (!strcmp(by_sid ? c->sid : c->owner, key)) {
			end_stream(c);
			n++;
		}
	pthread_mutex_unlock(&h->lock);
	return n;
}

size_t sse_close_owner(sse *h, const char *owner)
{
	return close_matching(h, owner, false);
}

size_t sse_close_session(sse *h, const char *sid)
{
	return close_matching(h, sid, true);
}

size_t sse_close_stale(sse *h, bool (*alive)(void *ctx, const char *sid), void *ctx)
{
	size_t n = 0;

	if (!h)
		return 0;
	pthread_mutex_lock(&h->lock);
	for (sse_client *c = h->clients; c; c = c->next)
		if (c->sid[0] && !alive(ctx, c->sid)) {
			end_stream(c);
			n++;
		}
	pthread_mutex_unlock(&h->lock);
	return n;
}

void sse_client_free(sse_client *c)
{
	sse *h;

	if (!c)
		return;
	h = c->h;
	pthread_mutex_lock(&h->lock);
	for (sse_client **pp = &h->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			h->n--;
			break;
		}
	}
	pthread_mutex_unlock(&h->lock);
	pthread_mutex_destroy(&c->lock);
	free(c->buf);
	free(c);
}

/* "event: <event>\ndata: <data>\n\n" (malloc'd, *len its length), or NULL. */
static char *frame(const char *event, const json_t *data, size_t *len)
{
	char *body = json_dumps(data, JSON_COMPACT), *text = NULL;
	size_t size = body ? strlen(event) + strlen(body) + sizeof "event: \ndata: \n\n" : 0;
	int n = 0;

	if (body && (text = malloc(size)) &&
	    ((n = snprintf(text, size, "event: %s\ndata: %s\n\n", event, body)) < 0 ||
	     (size_t)n >= size)) {
		free(text);
		text = NULL;
	}
	if (text)
		*len = (size_t)n;
	free(body);
	return text;
}

/* Queue text for c; caller holds the hub's lock. */
static void deliver(sse_client *c, const char *text, size_t len)
{
	pthread_mutex_lock(&c->lock);
	if (!enqueue(c, text, len))
		c->h->dropped++;
	wake(c);
	pthread_mutex_unlock(&c->lock);
}

/* Queue text (data as event) for every client matching obj (0: all
 * clients); scoped clients get obj 0 only when to_scoped, and data cut to
 * their scope when they see obj only in part (data NULL: nothing to cut). */
static void broadcast(sse *h, unsigned obj, bool to_scoped, const char *text, size_t len,
		      const char *event, const json_t *data)
{
	pthread_mutex_lock(&h->lock);
	for (sse_client *c = h->clients; c; c = c->next) {
		json_t *own;
		char *part;
		size_t n;

		if (obj && c->obj && c->obj != obj)
			continue;
		if (c->scope.on && (obj ? !scope_allows(&c->scope, obj) : !to_scoped))
			continue;
		if (!obj || !data || scope_whole(&c->scope, obj)) {
			deliver(c, text, len);
			continue;
		}
		own = json_deep_copy(data);
		if (own && scope_filter(&c->scope, obj, own) && (part = frame(event, own, &n))) {
			deliver(c, part, n);
			free(part);
		}
		json_decref(own);
	}
	pthread_mutex_unlock(&h->lock);
}

void sse_publish(sse *h, unsigned obj, const char *event, const json_t *data)
{
	size_t len;
	char *text = frame(event, data, &len);

	if (text)
		broadcast(h, obj, strcmp(event, "reload") == 0, text, len, event, data);
	free(text);
}

void sse_heartbeat(sse *h)
{
	static const char hb[] = ": heartbeat\n\n";

	broadcast(h, 0, true, hb, sizeof hb - 1, NULL, NULL);
}

void sse_close_all(sse *h)
{
	pthread_mutex_lock(&h->lock);
	h->closing = true;
	for (sse_client *c = h->clients; c; c = c->next)
		end_stream(c);
	pthread_mutex_unlock(&h->lock);
}

size_t sse_count(sse *h)
{
	size_t n;

	pthread_mutex_lock(&h->lock);
	n = h->n;
	pthread_mutex_unlock(&h->lock);
	return n;
}

unsigned long long sse_dropped(sse *h)
{
	unsigned long long n;

	pthread_mutex_lock(&h->lock);
	n = h->dropped;
	pthread_mutex_unlock(&h->lock);
	return n;
}
