/*
 * http_int.h - what the files of the HTTP server share: http.c (the
 * daemon, sessions, routing, static files) and http_stream.c (the live
 * stream's answer). Not for other modules: names carry the module's
 * mark, http__.
 */
#ifndef AMR_WEB_HTTP_INT_H
#define AMR_WEB_HTTP_INT_H

#include <pthread.h>
#include <stdbool.h>

#include <microhttpd.h>

#include "http.h"

struct http {
	struct web *w;		    /* service */
	const struct route *routes; /* table (borrowed) */
	size_t nroutes;		    /* rows */
	struct MHD_Daemon *d;	    /* the daemon */
	pthread_mutex_t lock;	    /* guards the waiting list */
	struct conn *waiting;	    /* suspended calls */
	bool stopping;		    /* http_stop() runs */
	char *cert;		    /* PEM text, TLS only */
	char *key;		    /* PEM text, TLS only */
	int port;		    /* bound port */
};

/* Per request (MHD's con_cls). */
struct conn {
	http *h;		   /* server */
	struct MHD_Connection *mc; /* MHD's connection */
	struct call *c;		   /* the API call, or NULL */
	char *body;		   /* request body so far */
	size_t len;		   /* its length */
	int refuse;		   /* HTTP status to answer at the end, 0 = none */
	bool waiting;		   /* suspended until the answer */
	struct conn *next;	   /* in h->waiting */
};

/* The headers every answer carries (CSP, nosniff, ...); api: an API's. */
void http__security_headers(http *h, struct MHD_Response *r, bool api);

/* Count an answer of status in the requests' metric. */
void http__count(http *h, unsigned status);

/* Answer k with {"error":{"code","message"}} and status now. */
enum MHD_Result http__error(struct conn *k, unsigned status, const char *code, const char *message);

/* GET /api/v1/stream[?obj=N]: answer k with its Server-Sent Events. */
enum MHD_Result http__start_stream(struct conn *k);

#endif
