/*
 * harness_probe.c - the test's own MQTT client (the "probe"): its inbox,
 * subscriptions confirmed through the broker, publishing, RPC requests and
 * barriers. harness.c starts and stops it with the broker.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "harness_int.h"
#include "loop.h"
#include "mq.h"

struct msg {
	char *topic;   /* owned */
	char *payload; /* owned, NUL-terminated */
};

struct probe;

struct probe_sub {
	struct probe *p; /* owner */
	size_t idx;	 /* index in filters */
};

struct probe {
	loop *l;	      /* the probe's loop, run by thread */
	mq *m;		      /* its client */
	pthread_t thread;     /* runs the loop */
	pthread_mutex_t lock; /* guards msgs and filters */
	pthread_cond_t cond;  /* signalled on every message */
	struct msg *msgs;     /* inbox */
	size_t n, cap;
	char *filters[64];	   /* subscribed filters */
	struct probe_sub subs[64]; /* handler contexts, one per filter */
	size_t nfilters;
	bool up;		 /* connected at least once */
	bool connected;		 /* a session is up now */
	unsigned long sync_sent; /* last token published on SYNC_TOPIC */
	unsigned long sync_seen; /* highest token that came back */
	unsigned long rpc_seq;	 /* ids of harness_rpc() requests */
};

/* The probe's own topic, outside amr/ so that no program sees it: a token
 * published there comes back after everything the broker did for the
 * probe's earlier packets (see probe_sync()). */
#define SYNC_TOPIC "harness/sync"

static void on_probe_msg(void *ctx, const struct mq_msg *msg)
{
	struct probe_sub *sub = ctx;
	struct probe *p = sub->p;

	pthread_mutex_lock(&p->lock);
	/* A message matching several filters is kept once, by the first. */
	for (size_t i = 0; i < sub->idx; i++) {
		if (mq_topic_matches(p->filters[i], msg->topic)) {
			pthread_mutex_unlock(&p->lock);
			return;
		}
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct msg *m = realloc(p->msgs, cap * sizeof *m);

		if (!m) {
			pthread_mutex_unlock(&p->lock);
			return;
		}
		p->msgs = m;
		p->cap = cap;
	}
	p->msgs[p->n].topic = strdup(msg->topic);
	p->msgs[p->n].payload = strdup(msg->payload);
	p->n++;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void on_probe_sync(void *ctx, const struct mq_msg *msg)
{
	struct probe *p = ctx;
	unsigned long token = strtoul(msg->payload, NULL, 10);

	pthread_mutex_lock(&p->lock);
	if (token > p->sync_seen)
		p->sync_seen = token;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void on_probe_up(void *ctx)
{
	struct probe *p = ctx;

	pthread_mutex_lock(&p->lock);
	p->up = true;
	p->connected = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void on_probe_down(void *ctx)
{
	struct probe *p = ctx;

	pthread_mutex_lock(&p->lock);
	p->connected = false;
	pthread_mutex_unlock(&p->lock);
}

/* Deadline ms from now, for pthread_cond_timedwait. */
static struct timespec deadline_in(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/*
 * Publish a new token on SYNC_TOPIC and wait up to ms for it to come back.
 * The broker handles one client's packets in order, so when the token is
 * back, every SUBSCRIBE the probe sent before it is in force and the
 * retained messages it brought are in the inbox. The token is published
 * again every 200 ms, which covers the probe's first subscription to
 * SYNC_TOPIC itself. Returns 0, or -1 when the probe is disconnected or
 * the token did not come back in time.
 */
static int probe_sync(struct probe *p, int ms)
{
	struct timespec end = deadline_in(ms), now;
	unsigned long token;
	char text[32];
	int rc = -1;

	pthread_mutex_lock(&p->lock);
	token = ++p->sync_sent;
	pthread_mutex_unlock(&p->lock);
	snprintf(text, sizeof text, "%lu", token);
	for (;;) {
		struct timespec retry = deadline_in(200);

		pthread_mutex_lock(&p->lock);
		if (!p->connected) {
			pthread_mutex_unlock(&p->lock);
			return -1;
		}
		pthread_mutex_unlock(&p->lock);
		mq_publish(p->m, SYNC_TOPIC, text, strlen(text), 0, false);
		pthread_mutex_lock(&p->lock);
		while (p->sync_seen < token && p->connected &&
		       pthread_cond_timedwait(&p->cond, &p->lock, &retry) != ETIMEDOUT)
			;
		rc = p->sync_seen >= token ? 0 : -1;
		pthread_mutex_unlock(&p->lock);
		clock_gettime(CLOCK_REALTIME, &now);
		if (rc == 0 || !before(&now, &end))
			return rc;
	}
}

static void *probe_thread(void *arg)
{
	struct probe *p = arg;

	loop_run(p->l);
	return NULL;
}

int harness__probe_start(struct harness *h)
{
	struct probe *p = calloc(1, sizeof *p);
	struct mq_opts o = { 0 };
	char id[64];

	if (!p)
		return -1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	snprintf(id, sizeof id, "harness-probe-%d", (int)getpid());
	o.host = "127.0.0.1";
	o.port = h->mqtt_port;
	o.client_id = id;
	o.clean_session = true;
	o.on_connect = on_probe_up;
	o.on_disconnect = on_probe_down;
	o.ctx = p;
	/* Registered before the loop runs: subscribed at every (re)connect. */
	if (loop_create(&p->l) || mq_create(&p->m, p->l, &o) ||
	    mq_subscribe(p->m, SYNC_TOPIC, 0, on_probe_sync, p) ||
	    pthread_create(&p->thread, NULL, probe_thread, p)) {
		fprintf(stderr, "harness: cannot start the probe client\n");
		return -1;
	}
	h->probe = p;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < 100 && !p->up; i++) {
		struct timespec ts = deadline_in(100);

		pthread_cond_timedwait(&p->cond, &p->lock, &ts);
	}
	pthread_mutex_unlock(&p->lock);
	return p->up ? 0 : -1;
}

void harness__probe_stop(struct harness *h)
{
	struct probe *p = h->probe;

	if (!p)
		return;
	loop_stop(p->l);
	pthread_join(p->thread, NULL);
	mq_destroy(p->m);
	loop_destroy(p->l);
	for (size_t i = 0; i < p->n; i++) {
		free(p->msgs[i].topic);
		free(p->msgs[i].payload);
	}
	for (size_t i = 0; i < p->nfilters; i++)
		free(p->filters[i]);
	free(p->msgs);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
	h->probe = NULL;
}

struct sub_req {
	struct probe *p; /* probe */
	size_t idx;	 /* the filter's index */
	char *filter;	 /* owned until handed to the list */
	bool done;	 /* set by the loop thread */
};

static void do_subscribe(void *arg)
{
	struct sub_req *r = arg;

	mq_subscribe(r->p->m, r->filter, 1, on_probe_msg, &r->p->subs[r->idx]);
	pthread_mutex_lock(&r->p->lock);
	r->done = true;
	pthread_cond_broadcast(&r->p->cond);
	pthread_mutex_unlock(&r->p->lock);
}

int harness_subscribe(struct harness *h, const char *filter)
{
	struct probe *p = h->probe;
	struct sub_req r = { p, 0, NULL, false };

	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->nfilters; i++) {
		if (strcmp(p->filters[i], filter) == 0) {
			pthread_mutex_unlock(&p->lock);
			return 0;
		}
	}
	if (p->nfilters == 64) {
		pthread_mutex_unlock(&p->lock);
		return -1;
	}
	r.idx = p->nfilters;
	p->subs[r.idx] = (struct probe_sub){ p, r.idx };
	r.filter = p->filters[p->nfilters++] = strdup(filter);
	pthread_mutex_unlock(&p->lock);
	if (loop_post(p->l, do_subscribe, &r, NULL))
		return -1;
	pthread_mutex_lock(&p->lock);
	while (!r.done)
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	/* The subscription is in force (and its retained messages are in) once
	 * a token published after it comes back. Without a session (the broker
	 * is down) it is made at the reconnect; nothing to wait for here. */
	probe_sync(p, 5000);
	return 0;
}

int harness_sync(struct harness *h, int ms)
{
	return probe_sync(h->probe, ms);
}

void harness_poke(struct harness *h)
{
	struct probe *p = h->probe;
	bool up;

	pthread_mutex_lock(&p->lock);
	up = p->connected;
	pthread_mutex_unlock(&p->lock);
	if (up) /* else it would wait in Paho's buffer */
		mq_publish(p->m, SYNC_TOPIC, "0", 1, 0, false);
}

char *harness_rpc(struct harness *h, const char *method, const char *args, int ms)
{
	struct probe *p = h->probe;
	char reply[64], id[32], needle[48], *req;
	unsigned long n;
	int len, rc;

	pthread_mutex_lock(&p->lock);
	n = ++p->rpc_seq;
	pthread_mutex_unlock(&p->lock);
	snprintf(reply, sizeof reply, "amr/v1/rpc/reply/harness-%d", (int)getpid());
	snprintf(id, sizeof id, "h%lu", n);
	snprintf(needle, sizeof needle, "\"id\":\"%s\"", id);
	if (harness_subscribe(h, reply))
		return NULL;
	len = asprintf(&req, "{\"id\":\"%s\",\"reply\":\"%s\",\"args\":%s}", id, reply,
		       args ? args : "{}");
	if (len < 0)
		return NULL;
	{
		char topic[160];

		snprintf(topic, sizeof topic, "amr/v1/rpc/%s", method);
		rc = harness_publish(h, topic, req, 1, false);
	}
	free(req);
	return rc ? NULL : harness_wait_message(h, reply, needle, ms);
}

long long harness_metric(struct harness *h, const char *service, const char *name)
{
	char method[80], *answer;
	const char *text, *p;
	size_t len = strlen(name);
	long long v = -1;
	json_t *a;

	snprintf(method, sizeof method, "%s/metrics", service);
	if (!(answer = harness_rpc(h, method, NULL, 10000)))
		return -1;
	a = json_loads(answer, 0, NULL);
	free(answer);
	text = json_string_value(json_object_get(json_object_get(a, "result"), "text"));
	for (p = text; p && (p = strstr(p, name)); p += len)
		if ((p == text || p[-1] == '\n') && p[len] == ' ') {
			v = atoll(p + len + 1);
			break;
		}
	json_decref(a);
	return v;
}

int harness_barrier(struct harness *h, const char *service, int ms)
{
	char method[80], *answer;

	snprintf(method, sizeof method, "%s/ping", service);
	answer = harness_rpc(h, method, NULL, ms);
	if (!answer)
		return -1;
	free(answer);
	return 0;
}

int harness_wait_service(struct harness *h, const char *service, int ms)
{
	int rc = -1;

	HARNESS_POLL_UNTIL((rc = harness_barrier(h, service, 100)) == 0, ms);
	return rc;
}

int harness_publish(struct harness *h, const char *topic, const char *payload, int qos, bool retain)
{
	struct probe *p = h->probe;

	return mq_publish(p->m, topic, payload, strlen(payload), qos, retain) ? -1 : 0;
}

char *harness_wait_message(struct harness *h, const char *filter, const char *needle, int ms)
{
	struct probe *p = h->probe;
	struct timespec deadline;
	size_t seen = 0;
	char *found = NULL;

	if (harness_subscribe(h, filter))
		return NULL;
	deadline = deadline_in(ms);
	pthread_mutex_lock(&p->lock);
	for (;;) {
		for (; seen < p->n; seen++) {
			if (mq_topic_matches(filter, p->msgs[seen].topic) &&
			    (!needle || strstr(p->msgs[seen].payload, needle))) {
				found = strdup(p->msgs[seen].payload);
				goto out;
			}
		}
		if (pthread_cond_timedwait(&p->cond, &p->lock, &deadline) == ETIMEDOUT) {
			/* One last look at what came in meanwhile. */
			if (seen == p->n)
				break;
		}
	}
out:
	pthread_mutex_unlock(&p->lock);
	return found;
}

void harness_clear_inbox(struct harness *h)
{
	struct probe *p = h->probe;

	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->n; i++) {
		free(p->msgs[i].topic);
		free(p->msgs[i].payload);
	}
	p->n = 0;
	pthread_mutex_unlock(&p->lock);
}
