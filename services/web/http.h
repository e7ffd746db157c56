/*
 * http.h - the HTTP edge of amr-web, over libmicrohttpd.
 *
 * MHD runs its own thread pool (epoll). For each request http.c checks the
 * method, the size and type of the body, parses JSON, finds the route
 * (route.h), the session (auth.h), the role and the CSRF token, then runs
 * the handler: at once on the MHD thread (ROUTE_NOW), or on the service's
 * loop thread (ROUTE_LOOP): the connection is suspended
 * (MHD_suspend_connection), the call is posted with loop_post(), and the
 * answer resumes it (MHD_resume_connection) whenever it comes, for example
 * after an RPC answer or its timeout. An MHD thread never waits for the
 * loop. Paths that are not routes are static files from --www-dir, and
 * /vendor/chart.js/ from --chart-dir. Every response carries the security
 * headers (Content-Security-Policy with frame-ancestors 'none',
 * X-Content-Type-Options, X-Frame-Options, Referrer-Policy, and HSTS over
 * TLS).
 */
#ifndef AMR_WEB_HTTP_H
#define AMR_WEB_HTTP_H

#include "err.h"
#include "route.h"
#include "web.h"

/* Start listening on w->o.bind:port with the route table t[0..n)
 * (borrowed). Returns AMR_OK, AMR_EINVAL (bad address, unreadable TLS
 * files), AMR_ENOMEM or AMR_EIO (MHD could not start). */
amr_err http_start(http **out, struct web *w, const struct route *t, size_t n);

/*
 * Stop: end every stream, answer every call still waiting with 503, stop
 * MHD (its threads are joined). Handlers answering later are ignored.
 * Accepts NULL.
 */
void http_stop(http *h);

/* The port actually bound (useful with port 0). */
int http_port(const http *h);

#endif
