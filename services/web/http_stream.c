/*
 * http_stream.c - GET /api/v1/stream: the live stream's HTTP side. The
 * hub (sse.c) feeds the client; MHD reads it through stream_read() until
 * the hub ends it (sign-out, a changed scope, an expired session).
 */
#include <stdlib.h>

#include "auth.h"
#include "call.h"
#include "http_int.h"
#include "proto.h"
#include "scope.h"
#include "sse.h"
#include "web.h"

struct stream_ctx {
	struct web *w;	/* for the gauge */
	sse_client *cl; /* the client */
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream_ctx *s = cls;
	ssize_t n = sse_client_read(s->cl, buf, max);

	return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
}

static void stream_free(void *cls)
{
	struct stream_ctx *s = cls;

	sse_client_free(s->cl);
	metric_set(s->w->m.sse_clients, (int64_t)sse_count(s->w->hub));
	free(s);
}

/* GET /api/v1/stream[?obj=N]: the live stream. */
enum MHD_Result http__start_stream(struct conn *k)
{
	http *h = k->h;
	const char *objs = call_query(k->c, "obj");
	struct proto_id id = { 0, 0, 0 };
	struct stream_ctx *s;
	struct MHD_Response *r;
	enum MHD_Result ret;
	int rc;

	if (objs && *objs && proto_id_parse(objs, &id) != 1)
		return http__error(k, 400, "bad_request", "obj: expected " PROTO_OBJ_RANGE);
	if (!(s = calloc(1, sizeof *s)))
		return MHD_NO;
	s->w = h->w;
	if ((rc = sse_client_open_scoped(h->w->hub, id.obj, &k->c->scope, k->c->user, k->mc,
					 &s->cl))) {
		free(s);
		if (rc == AMR_EEXIST)
			return http__error(k, 429, "rate_limited",
					   "too many live streams of this user; close one first");
		return http__error(k, 503, "unavailable",
				   rc == AMR_EFULL ? "too many live streams; try again later"
						   : "shutting down");
	}
	sse_client_session(s->cl, k->c->sid); /* its end ends the stream */
	if (scope_pending(&k->c->scope)) {
		struct auth_session now;

		/* a tenant's items came in since authorize(): this stream has
		 * none, so it ends at once and the browser opens it again */
		if (!auth_lookup(h->w->auth, k->c->sid, svc_now(), &now) &&
		    !scope_pending(&now.scope))
			sse_close_session(h->w->hub, k->c->sid);
	}
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 8192, stream_read, s, stream_free);
	if (!r) {
		sse_client_free(s->cl);
		free(s);
		return MHD_NO;
	}
	metric_set(h->w->m.sse_clients, (int64_t)sse_count(h->w->hub));
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	http__security_headers(h, r, true);
	http__count(h, 200);
	ret = MHD_queue_response(k->mc, 200, r);
	MHD_destroy_response(r);
	return ret;
}
