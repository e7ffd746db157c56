/*
 * mq.h - MQTT client for services and gateways, over Eclipse Paho C's
 * MQTTAsync.
 *
 * What it adds to Paho:
 *  - a persistent session (clean session off) with a last will, automatic
 *    reconnect with back-off, including when the very first connect fails;
 *  - subscriptions remembered and renewed on every reconnect, each with its
 *    own handler;
 *  - incoming messages handed to the service on its loop thread (loop.h), so
 *    a service needs no locks around its state. The queue between Paho's
 *    thread and the loop is bounded: when the service falls behind, Paho's
 *    receive thread waits, TCP pushes back and the broker queues;
 *  - Paho's in-flight window (default 10) and offline buffer (default 100)
 *    raised and set from the configuration.
 *
 * DELIVERY: Paho acknowledges a QoS 1 message (PUBACK) as soon as it is
 * queued for the service, BEFORE the service has handled it. A crash between
 * the two loses a message the broker considers delivered. This is why the
 * end-to-end guarantee of DESIGN.md 4.3 lives in the gateway's spool and the
 * archive's acknowledgement, not in MQTT.
 *
 * KNOWN PAHO RACE: with Debian's Paho 1.3.12, a connection that drops within
 * milliseconds of being made, while the SUBSCRIBEs of the new session are
 * in flight, once made AddressSanitizer report a use-after-free between two
 * of Paho's own threads (a topic copy freed by its send thread, read by its
 * receive thread; no frame of ours). It was seen again when a connection
 * with messages in flight was lost (a test killing the broker). A service
 * that dies of it is restarted by its supervisor (systemd Restart=always,
 * compose restart policies) and loses nothing (DESIGN.md 4.3); the test
 * runs suppress ASan's reports inside Paho's own calls (tests/asan.supp).
 *
 * LATENCY: the connection to the broker has TCP_NODELAY set, as the
 * broker's side has (`set_tcp_nodelay true` in every Mosquitto
 * configuration we ship and in tests/harness). With Nagle's algorithm on
 * either side, each small packet that follows another waits for the
 * peer's delayed acknowledgement: an RPC round trip took about 90 ms on
 * loopback, and takes about 0.3 ms without (docs/benchmarks.md, "RPC
 * round trip"). Paho 1.3.12 has no option for it, so libamr interposes
 * connect() for the whole process: a stopgap described, and to be removed,
 * in tcp_nodelay.h.
 *
 * Thread safety: mq_publish() may be called from any thread; the rest from
 * the loop thread.
 */
#ifndef AMR_MQ_H
#define AMR_MQ_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "loop.h"

typedef struct mq mq;

struct mq_msg {
	const char *topic;   /* NUL-terminated topic name */
	const char *payload; /* payload bytes, with a NUL added after len */
	size_t len;	     /* payload length, without the added NUL */
	int qos;	     /* QoS it was delivered with */
	bool retained;	     /* true if it came from the broker's retained store */
};

/* Called on the loop thread; msg is borrowed for the call only. */
typedef void (*mq_msg_cb)(void *ctx, const struct mq_msg *msg);
typedef void (*mq_event_cb)(void *ctx);

struct mq_opts {
	const char *host;	   /* broker host */
	int port;		   /* broker port */
	const char *user;	   /* NULL for anonymous */
	const char *password;	   /* NULL for none */
	const char *cafile;	   /* CA certificate (PEM): TLS with the server's
				      certificate verified; NULL: plain TCP */
	const char *client_id;	   /* unique per broker */
	bool clean_session;	   /* false (default): persistent session */
	int keepalive;		   /* seconds; 0 means 30 */
	int max_inflight;	   /* QoS 1 messages in flight; 0 means 1000 */
	int max_buffered;	   /* offline buffer; 0 means 100000 */
	int max_queue;		   /* incoming queue before Paho waits; 0 means 10000 */
	const char *will_topic;	   /* NULL for no will */
	const char *will_payload;  /* will text */
	bool will_retain;	   /* retain the will (status topics do) */
	mq_event_cb on_connect;	   /* after each (re)connect and resubscribe */
	mq_event_cb on_disconnect; /* when the connection is lost */
	void *ctx;		   /* passed to on_connect / on_disconnect */
};

/*
 * Create a client on loop l and start connecting. Strings in opts are
 * copied. Returns AMR_OK, AMR_ENOMEM, AMR_EINVAL or AMR_EMQ.
 */
amr_err mq_create(mq **out, loop *l, const struct mq_opts *opts);

/*
 * Disconnect cleanly (the will is not published) and free. Messages still
 * queued for the service are dropped. Accepts NULL.
 */
void mq_destroy(mq *m);

/*
 * Subscribe filter at qos, now if connected and again after every
 * reconnect; cb gets every message whose topic matches filter.
 *
 * Register handlers before the loop first runs: a persistent session's
 * queued messages arrive right after connecting, and a message that no
 * handler matches when the loop dispatches it is dropped (with a warning).
 * Returns AMR_OK, AMR_ENOMEM or AMR_EMQ.
 */
amr_err mq_subscribe(mq *m, const char *filter, int qos, mq_msg_cb cb, void *ctx);

/*
 * Publish payload[0..len) on topic. While disconnected the message waits in
 * Paho's buffer (max_buffered). Returns AMR_OK, AMR_EFULL when the buffer or
 * in-flight window is full, AMR_EINVAL or AMR_EMQ.
 */
amr_err mq_publish(mq *m, const char *topic, const void *payload, size_t len, int qos, bool retain);

/* Publish a JSON value (borrowed), compact. Same returns as mq_publish(). */
amr_err mq_publish_json(mq *m, const char *topic, const json_t *value, int qos, bool retain);

/* True while a session with the broker is up. */
bool mq_connected(const mq *m);

/*
 * Loop thread: true once the session is up and its subscriptions have been
 * sent again; false before the first connect and while reconnecting. A
 * message published while this is false may reach the broker before the
 * subscriptions do (Paho sends its offline buffer as soon as it connects),
 * so an answer to it can come back before anyone listens.
 */
bool mq_session_up(const mq *m);

/*
 * Loop thread: call cb(ctx) after each session's subscriptions are sent,
 * before opts.on_connect: for layers on top of mq that hold messages until
 * then (rpc.h holds its calls). Returns AMR_OK or AMR_ENOMEM.
 */
amr_err mq_on_session(mq *m, mq_event_cb cb, void *ctx);

/* The client id given at creation (borrowed). */
const char *mq_client_id(const mq *m);

/* Messages received so far (for metrics). */
unsigned long long mq_received(const mq *m);

/* True if topic matches the MQTT filter (with + and # wildcards). */
bool mq_topic_matches(const char *filter, const char *topic);

#endif
