/*
 * sse.h - Server-Sent Events clients of the live stream.
 *
 * Each client has a byte queue fed by the loop thread (sse_publish,
 * sse_heartbeat) and drained by the HTTP thread that sends its response
 * (sse_client_read). When the queue is empty the reader asks for its
 * connection to be suspended; a publish resumes it. A queue that would grow
 * past max_queue bytes (a client that does not read) closes that client:
 * a slow client cannot eat memory, and the browser's EventSource reconnects
 * and reloads its snapshot.
 *
 * The module knows nothing of HTTP: suspend and resume are callbacks given
 * at creation (http.c passes MHD_suspend_connection and
 * MHD_resume_connection).
 *
 * Thread safety: every function may be called from any thread; the hub
 * lock is taken before a client's lock.
 */
#ifndef AMR_WEB_SSE_H
#define AMR_WEB_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "err.h"
#include "scope.h"

typedef struct sse sse;
typedef struct sse_client sse_client;

typedef void (*sse_conn_fn)(void *conn);

/* Returns AMR_OK, AMR_EINVAL or AMR_ENOMEM. */
amr_err sse_create(sse **out, size_t max_clients, size_t max_queue, sse_conn_fn suspend,
		   sse_conn_fn resume);

/* Free the hub; every client must have been freed. Accepts NULL. */
void sse_destroy(sse *h);

/* Add a client for object obj (0: every object) on connection conn.
 * Returns AMR_OK, AMR_EFULL (max_clients), AMR_ESTATE (closing) or
 * AMR_ENOMEM. */
amr_err sse_client_open(sse *h, unsigned obj, void *conn, sse_client **out);

/* The same for a user limited to scope (copied; NULL or off: every
 * object): it gets only publications of what scope allows, and of
 * the ones for every object (obj 0) only "reload" (no service states).
 * owner (a user name, copied; NULL: none) is counted against the limit of
 * sse_limit_owner: AMR_EEXIST when the owner has that many streams. */
amr_err sse_client_open_scoped(sse *h, unsigned obj, const struct scope *scope, const char *owner,
			       void *conn, sse_client **out);

/* The session a client's stream belongs to (copied; "" or NULL: none), so
 * that its end ends the stream (sse_close_session, sse_close_stale). */
void sse_client_session(sse_client *c, const char *sid);

/* End the streams of owner (a user whose sessions or rights changed), or
 * of session sid (signed out); returns how many ended. */
size_t sse_close_owner(sse *h, const char *owner);
size_t sse_close_session(sse *h, const char *sid);

/* End every stream whose session alive(ctx, sid) says is gone (expired);
 * called from the heartbeat. Returns how many ended. */
size_t sse_close_stale(sse *h, bool (*alive)(void *ctx, const char *sid), void *ctx);

/* At most n streams of one owner at once (0: no limit, the default), so
 * that one user cannot take every stream or connection of an address. */
void sse_limit_owner(sse *h, size_t n);

/* Copy up to max queued bytes into buf. Returns the count; 0 after
 * suspending the connection (nothing queued); -1 when the client is closed
 * (end of stream). */
ssize_t sse_client_read(sse_client *c, char *buf, size_t max);

/* Remove and free a client (its response is gone). */
void sse_client_free(sse_client *c);

/* Queue "event: <event>\ndata: <data as compact JSON>\n\n" for the
 * clients of obj (and those of every object); a client that sees obj only
 * in part gets data cut to its scope (scope_filter), or nothing when data
 * is about what it may not see. */
void sse_publish(sse *h, unsigned obj, const char *event, const json_t *data);

/* Queue a comment line to every client, so proxies keep the connection. */
void sse_heartbeat(sse *h);

/* Close every client (end of stream) and refuse new ones. */
void sse_close_all(sse *h);

/* Clients connected. */
size_t sse_count(sse *h);

/* Clients closed for being too slow. */
unsigned long long sse_dropped(sse *h);

#endif
