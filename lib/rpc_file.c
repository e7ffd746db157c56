#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "err.h"
#include "log.h"
#include "rpc_file.h"

#define B64 sodium_base64_VARIANT_ORIGINAL

/* Everything in a chunk's answer but the base64: {"id":..,"ok":true,
 * "result":{..}} with a 64-byte id (384 bytes if all of it were escaped),
 * the name and type (each byte escaped at most to two), the sha256, four
 * integers and the keys: under 1500 bytes, counted here with room. */
#define ANSWER_OVERHEAD 4096

_Static_assert(4 * ((RPC_FILE_CHUNK_MAX + 2) / 3) + ANSWER_OVERHEAD <= RPC_MAX_ANSWER,
	       "a chunk's answer must fit under RPC_MAX_ANSWER");

static amr_err fail(struct jv_err *err, amr_err rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static amr_err fail(struct jv_err *err, amr_err rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return rc;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > RPC_FILE_NAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
			return false;
	return true;
}

static bool type_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 3 || n > RPC_FILE_TYPE_MAX || s[0] == '/' || s[0] == ' ' || !strchr(s, '/'))
		return false;
	for (const char *p = s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return true;
}

static bool sha256_ok(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == RPC_FILE_SHA256_HEX - 1 && s[n] == '\0';
}

static void hex_of(const unsigned char sum[crypto_hash_sha256_BYTES], char hex[RPC_FILE_SHA256_HEX])
{
	sodium_bin2hex(hex, RPC_FILE_SHA256_HEX, sum, crypto_hash_sha256_BYTES);
}

void rpc_file_sha256(const void *data, size_t size, char hex[RPC_FILE_SHA256_HEX])
{
	static const unsigned char none[1];
	unsigned char sum[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(sum, size ? data : none, size);
	hex_of(sum, hex);
}

/* ---- serving ---- */

amr_err rpc_file_chunk(const struct rpc_file *f, const json_t *args, json_t **result,
		       struct jv_err *err)
{
	char sha[RPC_FILE_SHA256_HEX], *b64;
	const char *want;
	long long offset, max;
	size_t len, end, b64_len;
	json_t *res;

	if (sodium_init() < 0)
		return fail(err, AMR_EIO, "libsodium did not start");
	if (!f->name || !name_ok(f->name))
		return fail(err, AMR_EPROTO,
			    "file name: 1..%d bytes without '/', '\\' or control characters",
			    RPC_FILE_NAME_MAX);
	if (!f->type || !type_ok(f->type))
		return fail(err, AMR_EPROTO, "file type: \"%.40s\" is not a media type",
			    f->type ? f->type : "");
	if (f->sha256 && !sha256_ok(f->sha256))
		return fail(err, AMR_EPROTO, "file sha256: not 64 lowercase hex digits");
	if (jv_int(args, "offset", false, 0, 0, LLONG_MAX, &offset, err) ||
	    jv_int(args, "max", false, RPC_FILE_CHUNK_MAX, 1, RPC_FILE_CHUNK_MAX, &max, err) ||
	    jv_str(args, "sha256", false, NULL, 0, 64, &want, err))
		return AMR_EINVAL;
	if (want && !sha256_ok(want))
		return fail(err, AMR_EINVAL, "sha256: expected 64 lowercase hex digits");
	if (f->size ? (unsigned long long)offset >= f->size : offset != 0)
		return fail(err, AMR_EINVAL, "offset: %lld is past the end of the file (%zu bytes)",
			    offset, f->size);
	if (f->sha256)
		memcpy(sha, f->sha256, sizeof sha);
	else
		rpc_file_sha256(f->data, f->size, sha);
	if (want && strcmp(want, sha) != 0)
		return fail(err, AMR_ESTATE,
			    "sha256: the file changed since the first chunk (it is %.12s... now); "
			    "fetch it again from offset 0",
			    sha);
	len = f->size - (size_t)offset;
	if (len > (size_t)max)
		len = (size_t)max;
	b64_len = sodium_base64_ENCODED_LEN(len, B64);
	b64 = malloc(b64_len);
	if (!b64)
		return fail(err, AMR_ENOMEM, "out of memory");
	end = (size_t)offset + len;
	sodium_bin2base64(b64, b64_len, len ? (const unsigned char *)f->data + offset : NULL, len,
			  B64);
	res = json_pack("{s:s, s:s, s:I, s:s, s:I, s:I, s:s, s:o}", "name", f->name, "type",
			f->type, "size", (json_int_t)f->size, "sha256", sha, "offset",
			(json_int_t)offset, "length", (json_int_t)len, "data", b64, "next",
			end < f->size ? json_integer((json_int_t)end) : json_null());
	free(b64);
	if (!res)
		return fail(err, AMR_ENOMEM, "out of memory");
	*result = res;
	return AMR_OK;
}

void rpc_file_reply(rpc_req *req, const struct rpc_file *f, const json_t *args)
{
	struct jv_err err = { "" };
	json_t *res = NULL;
	amr_err rc = rpc_file_chunk(f, args, &res, &err);

	if (rc == AMR_OK) {
		rpc_reply_ok(req, res);
	} else if (rc == AMR_EPROTO) {
		/* The server's own file breaks the convention: its bug. */
		log_error("rpc: request %s: cannot hand out a file: %s", rpc_req_id(req), err.msg);
		rpc_reply_rc(req, AMR_EIO, "the file cannot be handed out: %s", err.msg);
	} else {
		rpc_reply_rc(req, rc, "%s", err.msg);
	}
}

/* ---- receiving ---- */

struct rpc_file_recv {
	size_t max_size;	       /* 0: any size */
	rpc_file_sink sink;	       /* where the bytes go */
	void *ctx;		       /* its pointer */
	bool started;		       /* the first chunk was taken */
	bool over;		       /* complete, or failed */
	struct rpc_file_info info;     /* from the first chunk */
	size_t got;		       /* bytes taken so far */
	crypto_hash_sha256_state hash; /* of those bytes */
	unsigned char *buf;	       /* one decoded chunk */
	size_t cap;		       /* its size */
};

amr_err rpc_file_recv_create(rpc_file_recv **out, size_t max_size, rpc_file_sink sink, void *ctx)
{
	rpc_file_recv *rv;

	if (sodium_init() < 0)
		return AMR_EIO;
	rv = calloc(1, sizeof *rv);
	if (!rv)
		return AMR_ENOMEM;
	rv->max_size = max_size;
	rv->sink = sink;
	rv->ctx = ctx;
	crypto_hash_sha256_init(&rv->hash);
	*out = rv;
	return AMR_OK;
}

void rpc_file_recv_destroy(rpc_file_recv *rv)
{
	if (!rv)
		return;
	free(rv->buf);
	free(rv);
}

const struct rpc_file_info *rpc_file_recv_info(const rpc_file_recv *rv)
{
	return rv->started ? &rv->info : NULL;
}

/* The fields of a chunk, read and checked one by one (AMR_EPROTO). */
struct chunk {
	const char *name, *type, *sha256, *data;
	long long size, offset, length, next; /* next: -1 for null */
};

static amr_err read_chunk(const json_t *res, struct chunk *c, struct jv_err *err)
{
	json_t *next;

	if (jv_str(res, "name", true, NULL, 1, RPC_FILE_NAME_MAX, &c->name, err) ||
	    jv_str(res, "type", true, NULL, 3, RPC_FILE_TYPE_MAX, &c->type, err) ||
	    jv_int(res, "size", true, 0, 0, LLONG_MAX, &c->size, err) ||
	    jv_str(res, "sha256", true, NULL, 64, 64, &c->sha256, err) ||
	    jv_int(res, "offset", true, 0, 0, LLONG_MAX, &c->offset, err) ||
	    jv_int(res, "length", true, 0, 0, LLONG_MAX, &c->length, err) ||
	    jv_str(res, "data", true, NULL, 0, SIZE_MAX, &c->data, err))
		return AMR_EPROTO;
	if (!name_ok(c->name))
		return fail(err, AMR_EPROTO, "name: not a file name");
	if (!type_ok(c->type))
		return fail(err, AMR_EPROTO, "type: \"%.40s\" is not a media type", c->type);
	if (!sha256_ok(c->sha256))
		return fail(err, AMR_EPROTO, "sha256: not 64 lowercase hex digits");
	next = json_object_get(res, "next");
	if (json_is_null(next))
		c->next = -1;
	else if (json_is_integer(next) && json_integer_value(next) >= 0)
		c->next = json_integer_value(next);
	else
		return fail(err, AMR_EPROTO, "next: expected an offset or null");
	if ((unsigned long long)c->size > SIZE_MAX)
		return fail(err, AMR_EPROTO, "size: %lld bytes cannot be held here", c->size);
	return AMR_OK;
}

/* Is chunk c the one that follows what rv took? */
static amr_err check_place(const rpc_file_recv *rv, const struct chunk *c, struct jv_err *err)
{
	long long end;

	if (c->offset != (long long)rv->got)
		return fail(err, AMR_EPROTO, "offset: %lld, but the next byte is %zu", c->offset,
			    rv->got);
	if (c->length > c->size - c->offset)
		return fail(err, AMR_EPROTO, "length: %lld bytes from %lld go past the end (%lld)",
			    c->length, c->offset, c->size);
	end = c->offset + c->length;
	if (c->length == 0 && end < c->size)
		return fail(err, AMR_EPROTO, "length: 0 before the end of the file");
	if (end == c->size && c->next != -1)
		return fail(err, AMR_EPROTO, "next: %lld after the last byte, expected null",
			    c->next);
	if (end < c->size && c->next == -1)
		return fail(err, AMR_EPROTO, "next: null before the end, expected %lld", end);
	if (end < c->size && c->next != end)
		return fail(err, AMR_EPROTO, "next: %lld, expected %lld", c->next, end);
	return AMR_OK;
}

/* Decode c's data into rv->buf: exactly length bytes, nothing left over. */
static amr_err decode(rpc_file_recv *rv, const struct chunk *c, struct jv_err *err)
{
	size_t len = (size_t)c->length, data_len = strlen(c->data), bin_len = 0;
	const char *end = NULL;

	if (data_len != sodium_base64_ENCODED_LEN(len, B64) - 1)
		return fail(err, AMR_EPROTO, "data: %zu characters are not base64 of %zu bytes",
			    data_len, len);
	if (len > rv->cap) {
		unsigned char *b = realloc(rv->buf, len);

		if (!b)
			return fail(err, AMR_ENOMEM, "out of memory");
		rv->buf = b;
		rv->cap = len;
	}
	if (len &&
	    (sodium_base642bin(rv->buf, len, c->data, data_len, NULL, &bin_len, &end, B64) != 0 ||
	     end != c->data + data_len || bin_len != len))
		return fail(err, AMR_EPROTO, "data: not base64 of %zu bytes", len);
	return AMR_OK;
}

static amr_err take(rpc_file_recv *rv, const json_t *res, long long *next, struct jv_err *err)
{
	unsigned char sum[crypto_hash_sha256_BYTES];
	char hex[RPC_FILE_SHA256_HEX];
	struct chunk c;
	amr_err rc;

	if ((rc = read_chunk(res, &c, err)))
		return rc;
	if (!rv->started) {
		if (rv->max_size && (unsigned long long)c.size > rv->max_size)
			return fail(err, AMR_EFULL,
				    "the file is %lld bytes, more than the %zu this caller takes",
				    c.size, rv->max_size);
		snprintf(rv->info.name, sizeof rv->info.name, "%s", c.name);
		snprintf(rv->info.type, sizeof rv->info.type, "%s", c.type);
		snprintf(rv->info.sha256, sizeof rv->info.sha256, "%s", c.sha256);
		rv->info.size = (size_t)c.size;
		rv->started = true;
	} else if (strcmp(c.sha256, rv->info.sha256) != 0) {
		return fail(err, AMR_ESTATE,
			    "the file changed between chunks (sha256 %.12s... at first, %.12s... "
			    "at byte %lld); fetch it again",
			    rv->info.sha256, c.sha256, c.offset);
	} else if ((size_t)c.size != rv->info.size || strcmp(c.name, rv->info.name) != 0 ||
		   strcmp(c.type, rv->info.type) != 0) {
		return fail(err, AMR_EPROTO,
			    "the chunk at %lld has the first chunk's sha256 but not its size, "
			    "name or type",
			    c.offset);
	}
	if ((rc = check_place(rv, &c, err)) || (rc = decode(rv, &c, err)))
		return rc;
	if (c.length) {
		crypto_hash_sha256_update(&rv->hash, rv->buf, (unsigned long long)c.length);
		if (rv->sink(rv->ctx, rv->buf, (size_t)c.length) != 0)
			return fail(err, AMR_EIO, "the receiver of the bytes stopped at byte %lld",
				    c.offset);
	}
	rv->got += (size_t)c.length;
	if (rv->got < rv->info.size) {
		*next = (long long)rv->got;
		return AMR_OK;
	}
	crypto_hash_sha256_final(&rv->hash, sum);
	hex_of(sum, hex);
	if (strcmp(hex, rv->info.sha256) != 0)
		return fail(err, AMR_EPROTO,
			    "sha256: the %zu bytes received hash to %.12s..., not %.12s...",
			    rv->got, hex, rv->info.sha256);
	*next = -1;
	return AMR_OK;
}

amr_err rpc_file_recv_chunk(rpc_file_recv *rv, const json_t *result, long long *next,
			    struct jv_err *err)
{
	amr_err rc;

	if (rv->over)
		return fail(err, AMR_ESTATE, "the file is already complete or has failed");
	rc = take(rv, result, next, err);
	if (rc || *next < 0)
		rv->over = true;
	return rc;
}

/* ---- fetching over RPC ---- */

struct fetch {
	rpc *r;		     /* endpoint */
	char method[128];    /* service/method */
	json_t *args;	     /* the caller's args, offset and sha256 set per call */
	unsigned timeout_ms; /* of each call */
	rpc_file_recv *rv;   /* checks and passes on the bytes */
	rpc_file_done done;  /* end callback */
	void *ctx;	     /* sink's and done's pointer */
	bool abandoned;	     /* its waiter went away: free, call nothing */
};

static void fetch_free(struct fetch *f)
{
	rpc_file_recv_destroy(f->rv);
	json_decref(f->args);
	free(f);
}

static void on_chunk(void *ctx, int err, json_t *result, const char *code, const char *message);

/* Ask for the chunk at offset. Returns rpc_call()'s result. */
static amr_err ask(struct fetch *f, long long offset)
{
	const struct rpc_file_info *info = rpc_file_recv_info(f->rv);

	if (json_object_set_new(f->args, "offset", json_integer(offset)) ||
	    (info && json_object_set_new(f->args, "sha256", json_string(info->sha256))))
		return AMR_ENOMEM;
	return rpc_call(f->r, f->method, json_incref(f->args), f->timeout_ms, on_chunk, f);
}

static void finish(struct fetch *f, amr_err err, const char *code, const char *message)
{
	f->done(f->ctx, err, err ? NULL : rpc_file_recv_info(f->rv), code, message);
	fetch_free(f);
}

static void on_chunk(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct fetch *f = ctx;
	struct jv_err jerr = { "" };
	long long next = -1;
	amr_err rc;

	if (f->abandoned) {
		fetch_free(f);
		return;
	}
	if (err) {
		finish(f, err, code, message);
		return;
	}
	rc = rpc_file_recv_chunk(f->rv, result, &next, &jerr);
	if (rc) {
		log_info("rpc: %s: file refused: %s", f->method, jerr.msg);
		finish(f, rc, rpc_code_name(rc), jerr.msg);
		return;
	}
	if (next < 0) {
		finish(f, AMR_OK, NULL, NULL);
		return;
	}
	rc = ask(f, next);
	if (rc)
		finish(f, rc, rpc_code_name(rc), "cannot ask for the next chunk");
}

static amr_err fetch_start(rpc *r, const char *service_method, json_t *args, unsigned timeout_ms,
			   size_t max_size, rpc_file_sink sink, rpc_file_done done, void *ctx,
			   struct fetch **out)
{
	struct fetch *f = NULL;
	amr_err rc = AMR_EINVAL;

	if (!args)
		args = json_object();
	if (!json_is_object(args) || strlen(service_method) >= sizeof f->method)
		goto out_free_args;
	rc = AMR_ENOMEM;
	f = calloc(1, sizeof *f);
	if (!f)
		goto out_free_args;
	snprintf(f->method, sizeof f->method, "%s", service_method);
	f->r = r;
	f->args = args;
	f->timeout_ms = timeout_ms;
	f->done = done;
	f->ctx = ctx;
	json_object_del(args, "sha256");
	if ((rc = rpc_file_recv_create(&f->rv, max_size, sink, ctx)) || (rc = ask(f, 0))) {
		fetch_free(f);
		return rc;
	}
	*out = f;
	return AMR_OK;

out_free_args:
	json_decref(args);
	return rc;
}

amr_err rpc_file_fetch(rpc *r, const char *service_method, json_t *args, unsigned timeout_ms,
		       size_t max_size, rpc_file_sink sink, rpc_file_done done, void *ctx)
{
	struct fetch *f;

	return fetch_start(r, service_method, args, timeout_ms, max_size, sink, done, ctx, &f);
}

struct waiter {
	bool done;		    /* done ran */
	amr_err err;		    /* its err */
	struct rpc_file_info *info; /* filled on success */
	char *code;		    /* malloc'd on failure */
	char *message;		    /* malloc'd on failure */
	rpc_file_sink sink;	    /* the caller's sink */
	void *sink_ctx;		    /* and its pointer */
};

static int wait_sink(void *ctx, const void *data, size_t len)
{
	struct waiter *w = ctx;

	return w->sink(w->sink_ctx, data, len);
}

static void wait_done(void *ctx, amr_err err, const struct rpc_file_info *info, const char *code,
		      const char *message)
{
	struct waiter *w = ctx;

	w->done = true;
	w->err = err;
	if (!err) {
		*w->info = *info;
	} else {
		w->code = strdup(code ? code : rpc_code_name(err));
		w->message = strdup(message ? message : amr_strerror(err));
	}
}

amr_err rpc_file_fetch_wait(rpc *r, const char *service_method, json_t *args, unsigned timeout_ms,
			    size_t max_size, rpc_file_sink sink, void *sink_ctx,
			    struct rpc_file_info *info, char **code, char **message)
{
	struct waiter w = { .info = info, .sink = sink, .sink_ctx = sink_ctx };
	struct fetch *f;
	amr_err rc = fetch_start(r, service_method, args, timeout_ms, max_size, wait_sink,
				 wait_done, &w, &f);

	if (rc) {
		*code = strdup(rpc_code_name(rc));
		*message = strdup(rc == AMR_EINVAL ? "method must be written service/method"
						   : amr_strerror(rc));
		return rc;
	}
	if (loop_run_until(rpc_loop(r), &w.done) != AMR_OK && !w.done) {
		/* Stopped by a signal: the call still pending frees f when it
		 * ends (answer, timeout or rpc_destroy()); w goes away now. */
		f->abandoned = true;
		*code = strdup("interrupted");
		*message = strdup("interrupted");
		return AMR_ESTATE;
	}
	*code = w.code;
	*message = w.message;
	return w.err;
}
