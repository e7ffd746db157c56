/*
 * rpc.h - request/response between services over MQTT (DESIGN.md 4.4).
 *
 * Request on amr/v1/rpc/{service}/{method}:
 *   {"id":"<unique>","reply":"amr/v1/rpc/reply/<client-id>","args":{...}}
 * Answer on the reply topic:
 *   {"id":"..","ok":true,"result":{...}}
 *   {"id":"..","ok":false,"error":{"code":"not_found","message":".."}}
 *
 * A caller always has a timeout; a missing answer becomes the error
 * "<service> is not answering" (code "timeout"), never a hang. Concurrent
 * calls are matched by id. All functions run on the loop thread.
 */
#ifndef AMR_RPC_H
#define AMR_RPC_H

#include <stdbool.h>

#include <jansson.h>

#include "jv.h"
#include "loop.h"
#include "mq.h"
#include "proto.h"
#include "rpc_code.h"

#define RPC_TOPIC_PREFIX PROTO_TOPIC_RPC
#define RPC_REPLY_PREFIX PROTO_TOPIC_RPC_REPLY
#define RPC_MAX_ID	 64

typedef struct rpc rpc;
typedef struct rpc_req rpc_req;

/*
 * A method handler. args is borrowed (valid for the call). The handler takes
 * req and must end it with exactly one rpc_reply_ok() or rpc_reply_err(),
 * now or later (a deferred answer, e.g. after a gateway replied).
 */
typedef void (*rpc_handler)(void *ctx, rpc_req *req, json_t *args);

struct rpc_method {
	const char *name; /* method name, e.g. "latest" or "registry.get" */
	rpc_handler fn;	  /* handler */
	const char *help; /* one line, listed by <service>/help */
};

/*
 * Answer callback of a call. On success err is AMR_OK and result is the
 * borrowed "result" value. On failure err is rpc_code_parse(code)
 * (rpc_code.h): AMR_ETIMEDOUT for "timeout" (no answer), AMR_EPROTO for
 * "bad_answer" (an answer that cannot be read) or a code the table does not
 * know, AMR_EINVAL for "bad_request", and so on; code and message describe
 * it. Everything is borrowed for the call.
 */
typedef void (*rpc_cb)(void *ctx, int err, json_t *result, const char *code, const char *message);

/* Create the RPC endpoint of client m: it subscribes to its reply topic.
 * Returns AMR_OK or AMR_ENOMEM. */
amr_err rpc_create(rpc **out, mq *m, loop *l);

/* The loop r runs on (borrowed). */
loop *rpc_loop(const rpc *r);

/* Free; calls still waiting are answered with a "shutdown" error.
 * Accepts NULL. */
void rpc_destroy(rpc *r);

/*
 * Serve methods[0..n) of service (the table is borrowed and must outlive r):
 * subscribes to amr/v1/rpc/{service}/+ once; further tables for the same
 * service join the first. "help" is answered from the tables.
 * Unknown methods, malformed requests and non-object args get an error
 * answer when a reply topic can be read, and are logged otherwise.
 */
amr_err rpc_serve(rpc *r, const char *service, const struct rpc_method *methods, size_t n,
		  void *ctx);

/* Bytes of the largest answer sent. The broker drops a bigger message
 * together with the publisher's connection (Mosquitto's
 * message_size_limit, 1 MiB in deploy/mosquitto/conf.d/limits.conf), so a
 * bigger answer is replaced by the error "too_large" naming its size. */
#define RPC_MAX_ANSWER 1000000

/* Answer req with result (takes it; NULL means {}), free req. */
void rpc_reply_ok(rpc_req *req, json_t *result);

/* Answer req with an error, free req. code is one of rpc_code.h's table
 * (docs/protocol.md): bad_request, not_found, conflict, forbidden,
 * unavailable, internal... */
void rpc_reply_err(rpc_req *req, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Answer req with the failure err (an amr_err), sent as its code in
 * rpc_code.h's table, rpc_code_name(err); free req. */
void rpc_reply_rc(rpc_req *req, amr_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The end of most handlers: result (taken) when rc is 0, else the error
 * rc with err's message, or rc's own text when err says nothing; free req. */
void rpc_reply_jv(rpc_req *req, amr_err rc, const struct jv_err *err, json_t *result);

/* The request's id (borrowed, valid until the reply). */
const char *rpc_req_id(const rpc_req *req);

/*
 * Call "service/method" with args (takes it; NULL means {}).
 * cb runs exactly once, on the loop thread: with the answer, or with
 * AMR_ETIMEDOUT after timeout_ms. Returns AMR_OK, AMR_EINVAL (bad name),
 * AMR_ENOMEM (no memory, or the timeout's timer could not be set) or the
 * error of mq_publish(); then cb is not called, nothing was sent and nothing
 * is left pending. A call made while the broker session is not up (before
 * the first connect, while reconnecting) is held and sent once the
 * session's reply subscription has gone out (mq_session_up()), so its
 * answer cannot come back before anyone listens; its timeout runs from the
 * call. If it then cannot be sent, cb gets that error.
 */
amr_err rpc_call(rpc *r, const char *service_method, json_t *args, unsigned timeout_ms, rpc_cb cb,
		 void *ctx);

/*
 * Call and wait, running the loop until the answer or the timeout (for
 * amrctl and tests). On success *result gets a new reference. On failure
 * *code and *message get new strings (the caller frees them): those of
 * rpc_cb, or when the call could not be made rpc_code_name() of
 * rpc_call()'s return. Returns the err of rpc_cb or of rpc_call().
 */
amr_err rpc_call_wait(rpc *r, const char *service_method, json_t *args, unsigned timeout_ms,
		      json_t **result, char **code, char **message);

#endif
