/*
 * filejob.h - files amr-billing renders (receipts, reports), made on
 * worker threads and kept a while for their chunks (docs/protocol.md,
 * "Files over RPC"; docs/receipts.md, "Delivery").
 *
 * A method gathers what a file shows into JSON on the loop thread (LMDB
 * reads are quick) and hands it here with a render function: the
 * drawing, which takes long for a building's receipts, runs on a worker
 * thread, so the service goes on answering meanwhile. The file is named
 * by the SHA-256 of what it shows (its JSON, the render function's option,
 * its name and type), and remembers the request that asked for it: a
 * request for a next chunk is cut from it without the data gathered
 * again (filejob_serve_next()), a first request finds it when what it
 * shows is the same, and a file whose data changed (a payment came in)
 * is a new one, which a caller's sha256 then tells apart ("conflict").
 * Requests for a file being rendered wait for that one rendering.
 *
 * Everything but the render functions runs on the loop thread.
 */
#ifndef AMR_BILLING_FILEJOB_H
#define AMR_BILLING_FILEJOB_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "jv.h"
#include "rpc.h"
#include "svc.h"

typedef struct filejob filejob;

/*
 * Make the file in (borrowed) shows, with the render function's option
 * opt, into *data (new, malloc'd) and *size. Runs on a worker thread:
 * touches nothing but in and its own memory. Returns AMR_OK, or an amr
 * code with err saying what (AMR_EINVAL for data the renderer refuses).
 */
typedef amr_err (*filejob_render)(const json_t *in, int opt, unsigned char **data, size_t *size,
				  struct jv_err *err);

/* What a file is: how to render it and what to call it. */
struct filejob_file {
	filejob_render render; /* the renderer */
	int opt;	       /* its option (a format) */
	const char *name;      /* to save it under, as rpc_file.h asks */
	const char *type;      /* its media type */
	const char *method;    /* the method asked, for filejob_serve_next() */
};

/*
 * The jobs of service s (borrowed): workers threads render (1..8), and up
 * to keep_bytes of rendered files are kept for keep_ms after their last
 * use. Returns AMR_OK, AMR_ENOMEM, or AMR_EIO when a thread cannot start.
 */
amr_err filejob_create(filejob **out, struct svc *s, unsigned workers, size_t keep_bytes,
		       unsigned keep_ms);

/* Stop the workers (a rendering under way is finished first) and answer
 * every request still waiting with "unavailable". Accepts NULL. */
void filejob_destroy(filejob *fj);

/*
 * Answer req (takes) with the chunk its args (borrowed; the RPC_FILE_ARGS
 * fields are read) ask of file f showing in (takes): at once when that
 * file is kept, else once it is rendered. A render error is the answer
 * (bad_request for AMR_EINVAL with the renderer's message, internal
 * otherwise); so are a bad offset or a sha256 that is not this file's.
 */
void filejob_serve(filejob *fj, rpc_req *req, const json_t *args, json_t *in,
		   const struct filejob_file *f);

/*
 * What filejob_make() hands back, on the loop thread: rc AMR_OK with the
 * file's bytes and their SHA-256 in hex (borrowed for the call), or the
 * rendering's error with its message (AMR_ESTATE: the service is
 * stopping, nothing was drawn).
 */
typedef void (*filejob_done)(void *ctx, amr_err rc, const char *msg, const unsigned char *data,
			     size_t size, const char *sha256);

/*
 * The file f showing in (takes) for the service's own use (a receipt to
 * e-mail): cb(ctx, ..) exactly once, when it is rendered, or at once,
 * before this returns, when the same file is kept. The file is the one
 * filejob_serve() gives for the same in and f, byte for byte. Returns
 * AMR_OK, or AMR_ENOMEM (cb not called, in freed).
 */
amr_err filejob_make(filejob *fj, json_t *in, const struct filejob_file *f, filejob_done cb,
		     void *ctx);

/*
 * A request for a next chunk (its args carry the first chunk's sha256)
 * answered from the file kept for the same method and args (the chunk's
 * fields aside) when that file is the one the sha256 names, without
 * gathering its data again: the fetch goes on with the file it began
 * with. Returns true when req was answered (taken), false when it was
 * not (req untouched: gather and call filejob_serve()).
 */
bool filejob_serve_next(filejob *fj, rpc_req *req, const char *method, const json_t *args);

#endif
