/*
 * rpc_file.h - files larger than one MQTT message (receipts, reports,
 * backups) over RPC, in chunks; the convention is docs/protocol.md's
 * "Files over RPC".
 *
 * A method that hands out a file answers one chunk per request. Besides
 * its own fields, the request's args may carry
 *   "offset"  where the chunk starts (an integer, default 0)
 *   "max"     at most this many bytes (1..RPC_FILE_CHUNK_MAX, the default)
 *   "sha256"  the first chunk's sha256: the server answers "conflict" if
 *             its file is no longer that one
 * and the result is
 *   {"name":"receipt-2025-11.pdf","type":"application/pdf","size":N,
 *    "sha256":"<64 hex digits, of the whole file>","offset":O,"length":L,
 *    "data":"<base64 of bytes O..O+L-1>","next":O+L, or null after the last}
 *
 * Everything on the wire stays JSON: the bytes travel in base64 (RFC 4648,
 * standard alphabet, padded), and a chunk's answer always fits under
 * RPC_MAX_ANSWER. The caller asks again from "next" until it is null,
 * sending the first chunk's sha256 each time, and checks the offsets, the
 * sizes and the sha256 of the whole: a file whose sha256 changes between
 * chunks ends the fetch with "conflict", never as a file mixed from two
 * versions. Base64 and SHA-256 are libsodium's.
 *
 * All functions run on the loop thread of the rpc they use (the pure
 * ones, rpc_file_chunk() and the receiver, on any one thread).
 */
#ifndef AMR_RPC_FILE_H
#define AMR_RPC_FILE_H

#include <stddef.h>

#include <jansson.h>

#include "jv.h"
#include "rpc.h"

#define RPC_FILE_CHUNK_MAX  737280 /* bytes in a chunk: 983040 in base64 */
#define RPC_FILE_NAME_MAX   255	   /* bytes of a file name */
#define RPC_FILE_TYPE_MAX   127	   /* bytes of a media type */
#define RPC_FILE_SHA256_HEX 65	   /* a SHA-256 in hex, with its NUL */

/* The fields the convention adds to a method's args, for its jv_only()
 * list: { "invoice", RPC_FILE_ARGS, NULL }. */
#define RPC_FILE_ARGS "offset", "max", "sha256"

/* ---- serving ---- */

/* A whole file, as a method hands it out. Everything is borrowed. */
struct rpc_file {
	const void *data;   /* its bytes (may be NULL when size is 0) */
	size_t size;	    /* how many */
	const char *name;   /* to save it under: 1..255 bytes of UTF-8 without
			     * '/', '\\' or control characters, not . or .. */
	const char *type;   /* media type, e.g. "application/pdf": 3..127
			     * printable ASCII characters with a '/' */
	const char *sha256; /* its SHA-256 in lowercase hex, or NULL: then it
			     * is computed for each chunk (a file handed out
			     * in many chunks is better hashed once) */
};

/* The SHA-256 of data[0..size) as 64 lowercase hex digits and a NUL. */
void rpc_file_sha256(const void *data, size_t size, char hex[RPC_FILE_SHA256_HEX]);

/*
 * The chunk of f that args (borrowed; fields other than the convention's
 * are ignored) asks for, as a new result object in *result. Returns AMR_OK;
 * AMR_EINVAL when offset, max or sha256 is bad (not an integer, negative,
 * past the end; err names the field); AMR_ESTATE when args' sha256 is not
 * f's (the file changed since the caller's first chunk); AMR_EPROTO when f
 * itself breaks the convention (its name, type or sha256; err says which);
 * AMR_ENOMEM or AMR_EIO (libsodium did not start). *result is untouched on
 * error.
 */
amr_err rpc_file_chunk(const struct rpc_file *f, const json_t *args, json_t **result,
		       struct jv_err *err);

/* Answer req with that chunk, or with the error: bad_request (the message
 * names the field), conflict, internal. Frees req, as rpc_reply_ok(). */
void rpc_file_reply(rpc_req *req, const struct rpc_file *f, const json_t *args);

/* ---- fetching ---- */

/* What the first chunk said of the file. */
struct rpc_file_info {
	char name[RPC_FILE_NAME_MAX + 1]; /* file name, checked as above */
	char type[RPC_FILE_TYPE_MAX + 1]; /* media type */
	size_t size;			  /* bytes of the whole file */
	char sha256[RPC_FILE_SHA256_HEX]; /* its SHA-256, lowercase hex */
};

/*
 * Where fetched bytes go: in order from offset 0, each byte once, before
 * the whole is verified. A sink that writes to disk should write to a
 * temporary file and keep it only when the fetch ends with AMR_OK.
 * Returns 0, or non-zero to stop the fetch (which then fails with AMR_EIO).
 */
typedef int (*rpc_file_sink)(void *ctx, const void *data, size_t len);

/* The receiving end of one file, fed chunk answers by whoever makes the
 * calls; pure (no RPC), so it is tested without a broker. */
typedef struct rpc_file_recv rpc_file_recv;

/* A receiver of one file of at most max_size bytes (0: any size) whose
 * bytes go to sink(ctx, ...). Returns AMR_OK, AMR_ENOMEM or AMR_EIO. */
amr_err rpc_file_recv_create(rpc_file_recv **out, size_t max_size, rpc_file_sink sink, void *ctx);

/* Accepts NULL. */
void rpc_file_recv_destroy(rpc_file_recv *rv);

/*
 * Take the result (borrowed) of the request for the next chunk: the first
 * must be at offset 0. Returns AMR_OK with the offset to ask for next in
 * *next, or -1 once the file is complete and its sha256 verified. Errors:
 * AMR_ESTATE when the chunk's sha256 is not the first chunk's (the file
 * changed: fetch it again); AMR_EFULL when the file is over max_size;
 * AMR_EPROTO when the chunk breaks the convention (a field missing or out
 * of range, an offset that is not the next byte, data that is not base64 of
 * length bytes, "next" that is not offset + length, or null only at the
 * end, a whole that does not match its sha256); AMR_EIO when the sink
 * stopped; AMR_ENOMEM. err says what. After an error, or once complete,
 * every call fails with AMR_ESTATE.
 */
amr_err rpc_file_recv_chunk(rpc_file_recv *rv, const json_t *result, long long *next,
			    struct jv_err *err);

/* What the first chunk said (borrowed), or NULL before it. */
const struct rpc_file_info *rpc_file_recv_info(const rpc_file_recv *rv);

/* End of a fetch: err is AMR_OK and info (borrowed for the call) the
 * file's, or the error with its code and message, as an rpc_cb gets them;
 * a receiver's error has the code rpc_code_name(err) (conflict for a file
 * that changed, too_large, bad_answer, internal). */
typedef void (*rpc_file_done)(void *ctx, amr_err err, const struct rpc_file_info *info,
			      const char *code, const char *message);

/*
 * Fetch a whole file from service_method, chunk after chunk: each call
 * carries args (takes it; NULL means {}; a "max" in it is kept) with "offset"
 * and, after the first, "sha256"; each has timeout_ms. The bytes go to
 * sink(ctx, ...) through a receiver (above) and done(ctx, ...) runs once,
 * on the loop thread, at the end. Returns AMR_OK, or the error of the first
 * rpc_call() (then neither sink nor done is called).
 */
amr_err rpc_file_fetch(rpc *r, const char *service_method, json_t *args, unsigned timeout_ms,
		       size_t max_size, rpc_file_sink sink, rpc_file_done done, void *ctx);

/*
 * Fetch and wait, running the loop (amrctl, tests). On success fills *info.
 * On failure *code and *message get new strings (the caller frees them).
 * Returns the err of done or of rpc_file_fetch(), or AMR_ESTATE with the
 * code "interrupted" when the loop was stopped first (the sink is then
 * called no more).
 */
amr_err rpc_file_fetch_wait(rpc *r, const char *service_method, json_t *args, unsigned timeout_ms,
			    size_t max_size, rpc_file_sink sink, void *sink_ctx,
			    struct rpc_file_info *info, char **code, char **message);

#endif
