#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <MQTTAsync.h>

#include "err.h"
#include "log.h"
#include "mq.h"
#include "tcp_nodelay.h"

struct sub {
	char *filter; /* MQTT filter, owned */
	int qos;      /* requested QoS */
	mq_msg_cb cb; /* handler */
	void *ctx;    /* handler's pointer */
};

struct qmsg {
	struct qmsg *next; /* FIFO link */
	char *topic;	   /* owned */
	char *payload;	   /* owned, NUL-terminated copy */
	size_t len;	   /* payload length */
	int qos;	   /* delivered QoS */
	bool retained;	   /* retained flag */
};

struct hook {
	mq_event_cb cb; /* called after a session's subscriptions */
	void *ctx;	/* its pointer */
};

struct mq {
	loop *l;	  /* where handlers run */
	MQTTAsync client; /* Paho handle */
	struct mq_opts o; /* options, strings owned */
	char *url;	  /* tcp://host:port */
	struct sub *subs; /* remembered subscriptions */
	size_t nsubs;
	pthread_mutex_t lock;	  /* guards the incoming queue */
	pthread_cond_t space;	  /* signalled when the queue shrinks */
	struct qmsg *head, *tail; /* incoming messages */
	size_t qlen;		  /* messages in the queue */
	bool drain_posted;	  /* a drain is pending on the loop */
	atomic_bool closing;	  /* mq_destroy() has begun */
	atomic_bool connected;	  /* session up (for any thread) */
	bool session_up;	  /* loop thread's view of the session */
	unsigned backoff_ms;	  /* next initial-connect retry delay */
	uint64_t retry_timer;	  /* pending connect retry, 0 if none */
	atomic_ullong received;	  /* messages received */
	struct hook *hooks;	  /* mq_on_session() callbacks */
	size_t nhooks;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

bool mq_topic_matches(const char *filter, const char *topic)
{
	/* A filter starting with a wildcard never matches a $-topic. */
	if (topic[0] == '$' && (filter[0] == '+' || filter[0] == '#'))
		return false;
	for (;;) {
		if (filter[0] == '#' && filter[1] == '\0')
			return true;
		if (filter[0] == '+') {
			while (*topic && *topic != '/')
				topic++;
			filter++;
		} else {
			while (*filter && *filter != '/' && *filter == *topic) {
				filter++;
				topic++;
			}
			if ((*filter && *filter != '/') || (*topic && *topic != '/'))
				return false;
		}
		if (*filter == '\0' && *topic == '\0')
			return true;
		/* "a/#" also matches "a" */
		if (*topic == '\0' && filter[0] == '/' && filter[1] == '#' && filter[2] == '\0')
			return true;
		if (*filter != '/' || *topic != '/')
			return false;
		filter++;
		topic++;
	}
}

static void free_qmsg(struct qmsg *q)
{
	free(q->topic);
	free(q->payload);
	free(q);
}

/* Loop thread: hand queued messages to their handlers. */
static void drain(void *arg)
{
	mq *m = arg;
	struct qmsg *q;

	pthread_mutex_lock(&m->lock);
	q = m->head;
	m->head = m->tail = NULL;
	m->qlen = 0;
	m->drain_posted = false;
	pthread_cond_broadcast(&m->space);
	pthread_mutex_unlock(&m->lock);

	while (q) {
		struct qmsg *next = q->next;
		struct mq_msg msg = { q->topic, q->payload, q->len, q->qos, q->retained };
		bool handled = false;

		for (size_t i = 0; i < m->nsubs; i++) {
			if (mq_topic_matches(m->subs[i].filter, q->topic)) {
				m->subs[i].cb(m->subs[i].ctx, &msg);
				handled = true;
			}
		}
		if (!handled)
			log_warn("mq: no handler for %s, message dropped", q->topic);
		free_qmsg(q);
		q = next;
	}
}

/* Paho thread. */
static int on_arrived(void *ctx, char *topic, int topic_len, MQTTAsync_message *pm)
{
	mq *m = ctx;
	struct qmsg *q;
	size_t tlen = topic_len > 0 ? (size_t)topic_len : strlen(topic);

	if (atomic_load(&m->closing))
		return 0; /* not acknowledged: the broker keeps it for our session */
	q = calloc(1, sizeof *q);
	if (!q || !(q->topic = malloc(tlen + 1)) ||
	    !(q->payload = malloc((size_t)pm->payloadlen + 1))) {
		if (q)
			free(q->topic);
		free(q);
		return 0; /* Paho will offer it again */
	}
	memcpy(q->topic, topic, tlen);
	q->topic[tlen] = '\0';
	memcpy(q->payload, pm->payload, (size_t)pm->payloadlen);
	q->payload[pm->payloadlen] = '\0';
	q->len = (size_t)pm->payloadlen;
	q->qos = pm->qos;
	q->retained = pm->retained != 0;

	pthread_mutex_lock(&m->lock);
	while (m->qlen >= (size_t)m->o.max_queue && !atomic_load(&m->closing))
		pthread_cond_wait(&m->space, &m->lock);
	if (atomic_load(&m->closing)) {
		pthread_mutex_unlock(&m->lock);
		free_qmsg(q);
		return 0;
	}
	if (m->tail)
		m->tail->next = q;
	else
		m->head = q;
	m->tail = q;
	m->qlen++;
	if (!m->drain_posted && loop_post(m->l, drain, m, NULL) == AMR_OK)
		m->drain_posted = true;
	pthread_mutex_unlock(&m->lock);

	atomic_fetch_add(&m->received, 1);
	MQTTAsync_freeMessage(&pm);
	MQTTAsync_free(topic);
	return 1;
}

static void send_subscribe(mq *m, const struct sub *s)
{
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	int rc = MQTTAsync_subscribe(m->client, s->filter, s->qos, &ro);

	if (rc != MQTTASYNC_SUCCESS)
		log_warn("mq: subscribe %s failed: paho rc=%d", s->filter, rc);
}

/* Loop thread: a session is up (first connect or automatic reconnect). */
static void session_up(void *arg)
{
	mq *m = arg;

	if (m->session_up || !MQTTAsync_isConnected(m->client))
		return;
	m->session_up = true;
	m->backoff_ms = 500;
	log_info("mq: connected to %s as %s", m->url, m->o.client_id);
	for (size_t i = 0; i < m->nsubs; i++)
		send_subscribe(m, &m->subs[i]);
	for (size_t i = 0; i < m->nhooks; i++)
		m->hooks[i].cb(m->hooks[i].ctx);
	if (m->o.on_connect)
		m->o.on_connect(m->o.ctx);
}

static void session_down(void *arg)
{
	mq *m = arg;

	if (!m->session_up)
		return;
	m->session_up = false;
	log_warn("mq: connection to %s lost, reconnecting", m->url);
	if (m->o.on_disconnect)
		m->o.on_disconnect(m->o.ctx);
}

static void on_connected(void *ctx, char *cause)
{
	mq *m = ctx;

	(void)cause;
	if (atomic_load(&m->closing))
		return;
	atomic_store(&m->connected, true);
	loop_post(m->l, session_up, m, NULL);
}

static void on_lost(void *ctx, char *cause)
{
	mq *m = ctx;

	(void)cause;
	atomic_store(&m->connected, false);
	if (!atomic_load(&m->closing))
		loop_post(m->l, session_down, m, NULL);
}

static void on_connect_ok(void *ctx, MQTTAsync_successData *d)
{
	(void)d;
	on_connected(ctx, NULL);
}

static void start_connect(mq *m);

static void retry_connect(void *arg)
{
	mq *m = arg;

	m->retry_timer = 0;
	if (!atomic_load(&m->connected))
		start_connect(m);
}

/* Loop thread: the first connect failed; Paho's automatic reconnect only
 * covers lost sessions, so retry here with back-off. */
static void connect_failed(void *arg)
{
	mq *m = arg;
	unsigned delay = m->backoff_ms;

	if (m->retry_timer || atomic_load(&m->connected))
		return;
	log_warn("mq: cannot connect to %s, retrying in %u ms", m->url, delay);
	m->backoff_ms = delay * 2 > 30000 ? 30000 : delay * 2;
	if ((m->retry_timer = loop_timer_add(m->l, delay, false, retry_connect, m)))
		return;
	/* Without its timer the client would never try again: try at once
	 * (out of memory is the only cause, and each try waits for Paho). */
	log_error("mq: no timer for the retry (out of memory); retrying at once");
	start_connect(m);
}

static void on_connect_fail(void *ctx, MQTTAsync_failureData *d)
{
	mq *m = ctx;

	if (d && d->message)
		log_debug("mq: connect failed: %s", d->message);
	if (!atomic_load(&m->closing))
		loop_post(m->l, connect_failed, m, NULL);
}

static void start_connect(mq *m)
{
	MQTTAsync_connectOptions co = MQTTAsync_connectOptions_initializer;
	MQTTAsync_willOptions will = MQTTAsync_willOptions_initializer;
	MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
	int rc;

	co.keepAliveInterval = m->o.keepalive;
	co.cleansession = m->o.clean_session;
	co.maxInflight = m->o.max_inflight;
	co.automaticReconnect = 1;
	co.minRetryInterval = 1;
	co.maxRetryInterval = 30;
	co.connectTimeout = 10;
	co.username = m->o.user;
	co.password = m->o.password;
	co.onSuccess = on_connect_ok;
	co.onFailure = on_connect_fail;
	co.context = m;
	if (m->o.cafile) {
		ssl.trustStore = m->o.cafile;
		ssl.enableServerCertAuth = 1;
		ssl.verify = 1;
		ssl.sslVersion = MQTT_SSL_VERSION_TLS_1_2;
		co.ssl = &ssl;
	}
	if (m->o.will_topic) {
		will.topicName = m->o.will_topic;
		will.message = m->o.will_payload ? m->o.will_payload : "";
		will.retained = m->o.will_retain;
		will.qos = 1;
		co.will = &will;
	}
	rc = MQTTAsync_connect(m->client, &co);
	if (rc != MQTTASYNC_SUCCESS) {
		log_debug("mq: connect call refused: paho rc=%d", rc);
		connect_failed(m);
	}
}

amr_err mq_create(mq **out, loop *l, const struct mq_opts *opts)
{
	MQTTAsync_createOptions cro = MQTTAsync_createOptions_initializer;
	mq *m;
	int rc;

	if (!opts->host || !opts->client_id || opts->port <= 0 || opts->port > 65535)
		return AMR_EINVAL;
	/* Also what links lib/tcp_nodelay.c into every program using this. */
	if (!tcp_nodelay_init())
		log_warn("mq: AMR_TCP_NODELAY=0: Nagle's algorithm left on (benchmarks only)");
	m = calloc(1, sizeof *m);
	if (!m)
		return AMR_ENOMEM;
	m->l = l;
	m->o = *opts;
	m->o.host = dup_or_null(opts->host);
	m->o.user = dup_or_null(opts->user);
	m->o.password = dup_or_null(opts->password);
	m->o.cafile = dup_or_null(opts->cafile);
	m->o.client_id = dup_or_null(opts->client_id);
	m->o.will_topic = dup_or_null(opts->will_topic);
	m->o.will_payload = dup_or_null(opts->will_payload);
	if (!m->o.keepalive)
		m->o.keepalive = 30;
	if (!m->o.max_inflight)
		m->o.max_inflight = 1000;
	if (!m->o.max_buffered)
		m->o.max_buffered = 100000;
	if (!m->o.max_queue)
		m->o.max_queue = 10000;
	m->backoff_ms = 500;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->space, NULL);
	if (asprintf(&m->url, "%s://%s:%d", opts->cafile ? "ssl" : "tcp", opts->host, opts->port) <
	    0) {
		m->url = NULL;
		rc = AMR_ENOMEM;
		goto out_free;
	}

	cro.sendWhileDisconnected = 1;
	cro.maxBufferedMessages = m->o.max_buffered;
	cro.MQTTVersion = MQTTVERSION_3_1_1;
	cro.allowDisconnectedSendAtAnyTime = 1;
	cro.deleteOldestMessages = 0;
	rc = MQTTAsync_createWithOptions(&m->client, m->url, m->o.client_id,
					 MQTTCLIENT_PERSISTENCE_NONE, NULL, &cro);
	if (rc != MQTTASYNC_SUCCESS) {
		log_error("mq: cannot create client %s for %s: paho rc=%d", m->o.client_id, m->url,
			  rc);
		rc = AMR_EMQ;
		goto out_free;
	}
	if (MQTTAsync_setCallbacks(m->client, m, on_lost, on_arrived, NULL) != MQTTASYNC_SUCCESS ||
	    MQTTAsync_setConnected(m->client, m, on_connected) != MQTTASYNC_SUCCESS) {
		rc = AMR_EMQ;
		goto out_destroy_client;
	}
	start_connect(m);
	*out = m;
	return AMR_OK;

out_destroy_client:
	MQTTAsync_destroy(&m->client);
out_free:
	m->client = NULL;
	mq_destroy(m);
	return rc;
}

void mq_destroy(mq *m)
{
	struct qmsg *q;

	if (!m)
		return;
	atomic_store(&m->closing, true);
	pthread_mutex_lock(&m->lock);
	pthread_cond_broadcast(&m->space);
	pthread_mutex_unlock(&m->lock);
	if (m->retry_timer)
		loop_timer_cancel(m->l, m->retry_timer);
	if (m->client) {
		if (MQTTAsync_isConnected(m->client)) {
			MQTTAsync_disconnectOptions dop = MQTTAsync_disconnectOptions_initializer;

			dop.timeout = 1000;
			MQTTAsync_disconnect(m->client, &dop);
			/* Let in-flight publishes (the offline status) go out. */
			for (int i = 0; i < 100 && MQTTAsync_isConnected(m->client); i++) {
				struct timespec ts = { 0, 10 * 1000000L };

				nanosleep(&ts, NULL);
			}
		}
		MQTTAsync_destroy(&m->client);
	}
	for (q = m->head; q;) {
		struct qmsg *next = q->next;

		free_qmsg(q);
		q = next;
	}
	for (size_t i = 0; i < m->nsubs; i++)
		free(m->subs[i].filter);
	free(m->subs);
	free(m->hooks);
	free(m->url);
	free((char *)m->o.host);
	free((char *)m->o.user);
	free((char *)m->o.password);
	free((char *)m->o.cafile);
	free((char *)m->o.client_id);
	free((char *)m->o.will_topic);
	free((char *)m->o.will_payload);
	pthread_cond_destroy(&m->space);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

amr_err mq_subscribe(mq *m, const char *filter, int qos, mq_msg_cb cb, void *ctx)
{
	struct sub *s = realloc(m->subs, (m->nsubs + 1) * sizeof *s);

	if (!s)
		return AMR_ENOMEM;
	m->subs = s;
	s = &m->subs[m->nsubs];
	s->filter = strdup(filter);
	if (!s->filter)
		return AMR_ENOMEM;
	s->qos = qos;
	s->cb = cb;
	s->ctx = ctx;
	m->nsubs++;
	if (m->session_up)
		send_subscribe(m, s);
	return AMR_OK;
}

amr_err mq_publish(mq *m, const char *topic, const void *payload, size_t len, int qos, bool retain)
{
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	int rc;

	if (len > 256u * 1024 * 1024 || qos < 0 || qos > 1)
		return AMR_EINVAL;
	rc = MQTTAsync_send(m->client, topic, (int)len, len ? payload : NULL, qos, retain, &ro);
	switch (rc) {
	case MQTTASYNC_SUCCESS:
		return AMR_OK;
	case MQTTASYNC_MAX_BUFFERED_MESSAGES:
	case MQTTASYNC_MAX_MESSAGES_INFLIGHT:
	case MQTTASYNC_MAX_BUFFERED:
		log_warn("mq: publish on %s refused: client buffer full", topic);
		return AMR_EFULL;
	case MQTTASYNC_BAD_UTF8_STRING:
	case MQTTASYNC_BAD_QOS:
		return AMR_EINVAL;
	default:
		log_warn("mq: publish on %s failed: paho rc=%d", topic, rc);
		return AMR_EMQ;
	}
}

amr_err mq_publish_json(mq *m, const char *topic, const json_t *value, int qos, bool retain)
{
	char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
	int rc;

	if (!text)
		return AMR_ENOMEM;
	rc = mq_publish(m, topic, text, strlen(text), qos, retain);
	free(text);
	return rc;
}

bool mq_connected(const mq *m)
{
	return atomic_load(&((mq *)m)->connected);
}

bool mq_session_up(const mq *m)
{
	return m->session_up;
}

amr_err mq_on_session(mq *m, mq_event_cb cb, void *ctx)
{
	struct hook *h = realloc(m->hooks, (m->nhooks + 1) * sizeof *h);

	if (!h)
		return AMR_ENOMEM;
	m->hooks = h;
	m->hooks[m->nhooks++] = (struct hook){ cb, ctx };
	return AMR_OK;
}

const char *mq_client_id(const mq *m)
{
	return m->o.client_id;
}

unsigned long long mq_received(const mq *m)
{
	return atomic_load(&((mq *)m)->received);
}
