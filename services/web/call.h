/*
 * call.h - one HTTP request on its way through the API, and its answer.
 *
 * http.c fills the request part (method, path, route match, query, parsed
 * JSON body, client address, the signed-in user) and hands the call to the
 * route's handler, on the HTTP thread or on the loop thread (route.h). The
 * handler answers exactly once with call_json(), call_error(), call_text()
 * or call_rpc_error(), now or later (after an RPC answer). Answers after the
 * first are ignored, so a call cut short by shutdown is safe to answer.
 *
 * Errors always have the shape {"error":{"code":"..","message":".."}}.
 *
 * Thread safety: the answer functions may run on any thread; the request
 * part is read-only once the handler runs.
 */
#ifndef AMR_WEB_CALL_H
#define AMR_WEB_CALL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "route.h"
#include "scope.h"

#define CALL_MAX_HEADERS 4

struct call {
	/* request: filled by http.c, read-only for handlers */
	char method[8];	      /* "GET", "POST", ... */
	char path[256];	      /* decoded path, no query */
	struct route_match m; /* matched route and {param} values */
	json_t *query;	      /* query arguments, object of strings (new) */
	json_t *body;	      /* JSON body object or NULL (new) */
	char ip[64];	      /* client address */
	char user[65];	      /* signed-in user, "" when none */
	unsigned role;	      /* ROLE_* bit of user, 0 when none */
	char sid[65];	      /* session id, "" when none */
	struct scope scope;   /* objects the user may see (scope.h) */
	bool tls;	      /* served over TLS */

	/* answer: set once by the call_* functions */
	int status;			    /* HTTP status */
	char *out;			    /* body bytes (new) */
	size_t out_len;			    /* body length */
	char ctype[64];			    /* Content-Type */
	char hname[CALL_MAX_HEADERS][32];   /* extra headers: names */
	char hvalue[CALL_MAX_HEADERS][256]; /* and values */
	int nheaders;			    /* extra headers set */

	/* plumbing: borrowed, http.c frees it */
	pthread_mutex_t lock;		/* guards done */
	bool done;			/* answered */
	atomic_int refs;		/* HTTP side and handler side */
	void (*finish)(struct call *c); /* run once after the answer is set */
	void *priv;			/* http.c's connection state */
	void *pending;			/* handler's state while it waits (e.g. fan-out) */
};

/* Initialise the plumbing of a zeroed call (refs = 1, lock). */
void call_init(struct call *c);

/* Take one more reference: a handler that answers later (after an RPC)
 * holds one until it has answered. Returns c. */
struct call *call_ref(struct call *c);

/* Drop one reference; the last frees query, body, out and c itself
 * (c must have been malloc'd). Accepts NULL. */
void call_unref(struct call *c);

/* Add a header to the answer (before answering). Returns AMR_OK or
 * AMR_EFULL. name and value are copied (value up to 255 bytes). */
amr_err call_header(struct call *c, const char *name, const char *value);

/* Answer with JSON (takes body; NULL answers 500). */
void call_json(struct call *c, int status, json_t *body);

/* Answer {"error":{"code":code,"message":...}} with status. */
void call_error(struct call *c, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Answer with text[0..len) (copied) of content type ctype. */
void call_text(struct call *c, int status, const char *ctype, const char *text, size_t len);

/*
 * Answer with an RPC failure of service, by the err its code reads back as
 * (rpc_code_parse()): AMR_ETIMEDOUT ("timeout", "unavailable") becomes
 * 503 {"code":"unavailable","message":"<service> is not answering"},
 * AMR_EINVAL (bad_request) 400, AMR_ENOTFOUND (not_found, unknown_method)
 * 404, AMR_ESTATE (conflict) 409, AMR_EPERM (forbidden) 403, anything else
 * 502 "upstream".
 */
void call_rpc_error(struct call *c, const char *service, const char *code, const char *message);

/* The HTTP status for an RPC error code (as call_rpc_error maps it). */
int call_rpc_status(const char *code);

/* A query argument (borrowed) or NULL. */
const char *call_query(const struct call *c, const char *name);

/* True once answered. */
bool call_answered(struct call *c);

#endif
