/* Unit tests of lib/rpc_file.c without a broker: chunks made by the
 * serving side, taken apart by the receiving side, and every way a chunk
 * or a request can be wrong. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "err.h"
#include "rpc.h"
#include "rpc_file.h"

struct membuf {
	unsigned char *p; /* bytes received */
	size_t n;	  /* how many */
	int calls;	  /* sink calls */
	int refuse_at;	  /* refuse the call with this number (1-based), 0: never */
};

static int mem_sink(void *ctx, const void *data, size_t len)
{
	struct membuf *m = ctx;

	if (++m->calls == m->refuse_at)
		return -1;
	m->p = realloc(m->p, m->n + len);
	ck_assert_ptr_nonnull(m->p);
	memcpy(m->p + m->n, data, len);
	m->n += len;
	return 0;
}

static unsigned char *random_file(size_t n)
{
	unsigned char *p = malloc(n ? n : 1);

	ck_assert_ptr_nonnull(p);
	randombytes_buf(p, n);
	return p;
}

/* The chunk of f at offset (max bytes at most, 0: the default), with want
 * as the sha256 argument when not NULL; a new result, or NULL with *rc. */
static json_t *chunk_at(const struct rpc_file *f, long long offset, long long max, const char *want,
			int *rc, struct jv_err *err)
{
	json_t *args = json_pack("{s:I}", "offset", (json_int_t)offset), *res = NULL;

	if (max)
		json_object_set_new(args, "max", json_integer(max));
	if (want)
		json_object_set_new(args, "sha256", json_string(want));
	*rc = rpc_file_chunk(f, args, &res, err);
	json_decref(args);
	return res;
}

/* Fetch f through a receiver, chunk after chunk, as rpc_file_fetch() does;
 * returns the receiver's last result. */
static int fetch_all(const struct rpc_file *f, long long max, struct membuf *m, int *chunks,
		     struct jv_err *err)
{
	rpc_file_recv *rv;
	long long next = 0;
	int rc;

	ck_assert_int_eq(rpc_file_recv_create(&rv, 0, mem_sink, m), AMR_OK);
	ck_assert_ptr_null(rpc_file_recv_info(rv));
	*chunks = 0;
	do {
		const struct rpc_file_info *info = rpc_file_recv_info(rv);
		json_t *res = chunk_at(f, next, max, info ? info->sha256 : NULL, &rc, err);

		ck_assert_msg(rc == AMR_OK, "chunk at %lld: %s", next, err->msg);
		rc = rpc_file_recv_chunk(rv, res, &next, err);
		json_decref(res);
		(*chunks)++;
	} while (rc == AMR_OK && next >= 0);
	if (rc == AMR_OK) {
		ck_assert_str_eq(rpc_file_recv_info(rv)->name, f->name);
		ck_assert_uint_eq(rpc_file_recv_info(rv)->size, f->size);
	}
	rpc_file_recv_destroy(rv);
	return rc;
}

START_TEST(a_random_file_comes_back_byte_for_byte)
{
	static const long long maxes[] = { 0, 1, 3, 4096, 65537 };
	size_t size = 300007;
	unsigned char *data = random_file(size);
	struct rpc_file f = { data, size, "report.xlsx", "application/octet-stream", NULL };
	char hex[RPC_FILE_SHA256_HEX];
	struct membuf all = { 0 };
	struct jv_err err = { "" };
	int n;

	for (size_t i = 0; i < sizeof maxes / sizeof maxes[0]; i++) {
		long long max = maxes[i];
		size_t per = max ? (size_t)max : RPC_FILE_CHUNK_MAX;
		struct membuf m = { 0 };
		int chunks;

		/* a few bytes a chunk: keep the file short */
		f.size = max == 1 ? 1000 : max == 3 ? 3001 : size;
		ck_assert_int_eq(fetch_all(&f, max, &m, &chunks, &err), AMR_OK);
		ck_assert_uint_eq(m.n, f.size);
		ck_assert(memcmp(m.p, data, f.size) == 0);
		ck_assert_int_eq(chunks, (int)((f.size + per - 1) / per));
		free(m.p);
	}
	/* A server that computed the sha256 once hands it out with each chunk. */
	rpc_file_sha256(data, size, hex);
	f.sha256 = hex;
	f.size = size;
	ck_assert_int_eq(fetch_all(&f, 1000, &all, &n, &err), AMR_OK);
	ck_assert_int_eq(n, 301);
	ck_assert(memcmp(all.p, data, size) == 0);
	free(all.p);
	free(data);
}
END_TEST

START_TEST(a_chunk_says_what_the_convention_says)
{
	struct rpc_file f = { "abcdefgh", 8, "r.pdf", "application/pdf", NULL };
	struct jv_err err = { "" };
	char hex[RPC_FILE_SHA256_HEX];
	json_t *c;
	int rc;

	/* SHA-256 of "abc" (FIPS 180-2's example) */
	rpc_file_sha256("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	rpc_file_sha256(f.data, f.size, hex);

	c = chunk_at(&f, 0, 3, NULL, &rc, &err);
	ck_assert_int_eq(rc, AMR_OK);
	ck_assert_str_eq(json_string_value(json_object_get(c, "name")), "r.pdf");
	ck_assert_str_eq(json_string_value(json_object_get(c, "type")), "application/pdf");
	ck_assert_int_eq(json_integer_value(json_object_get(c, "size")), 8);
	ck_assert_str_eq(json_string_value(json_object_get(c, "sha256")), hex);
	ck_assert_int_eq(json_integer_value(json_object_get(c, "offset")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(c, "length")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(c, "data")), "YWJj"); /* "abc" */
	ck_assert_int_eq(json_integer_value(json_object_get(c, "next")), 3);
	json_decref(c);

	/* The last chunk: what is left, and next is null. */
	c = chunk_at(&f, 6, 3, hex, &rc, &err);
	ck_assert_int_eq(rc, AMR_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(c, "length")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(c, "data")), "Z2g="); /* "gh" */
	ck_assert(json_is_null(json_object_get(c, "next")));
	json_decref(c);

	/* A sha256 the server already knows is the one sent. */
	f.sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
	c = chunk_at(&f, 0, 0, NULL, &rc, &err);
	ck_assert_str_eq(json_string_value(json_object_get(c, "sha256")), f.sha256);
	ck_assert_int_eq(json_integer_value(json_object_get(c, "length")), 8);
	json_decref(c);
}
END_TEST

START_TEST(an_empty_file_is_one_empty_chunk)
{
	struct rpc_file f = { NULL, 0, "empty.csv", "text/csv", NULL };
	struct jv_err err = { "" };
	struct membuf m = { 0 };
	json_t *c;
	int rc, chunks;

	c = chunk_at(&f, 0, 0, NULL, &rc, &err);
	ck_assert_int_eq(rc, AMR_OK);
	ck_assert_str_eq(json_string_value(json_object_get(c, "data")), "");
	ck_assert(json_is_null(json_object_get(c, "next")));
	ck_assert_str_eq(json_string_value(json_object_get(c, "sha256")),
			 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	json_decref(c);
	ck_assert_int_eq(fetch_all(&f, 0, &m, &chunks, &err), AMR_OK);
	ck_assert_int_eq(chunks, 1);
	ck_assert_uint_eq(m.n, 0);
	ck_assert_int_eq(m.calls, 0);
	c = chunk_at(&f, 1, 0, NULL, &rc, &err);
	ck_assert_int_eq(rc, AMR_EINVAL);
	ck_assert_str_eq(err.msg, "offset: 1 is past the end of the file (0 bytes)");
}
END_TEST

/* Requests the server refuses with bad_request, each naming its field. */
static const struct {
	const char *args;    /* the request's args */
	const char *message; /* what err says */
} bad_args[] = {
	{ "{\"offset\":-1}", "offset: -1 is out of range 0..9223372036854775807" },
	{ "{\"offset\":10}", "offset: 10 is past the end of the file (10 bytes)" },
	{ "{\"offset\":11}", "offset: 11 is past the end of the file (10 bytes)" },
	{ "{\"offset\":1.5}", "offset: expected an integer, got number with a fraction" },
	{ "{\"offset\":\"3\"}", "offset: expected an integer, got string" },
	{ "{\"offset\":null}", "offset: expected an integer, got null" },
	{ "{\"max\":0}", "max: 0 is out of range 1..737280" },
	{ "{\"max\":737281}", "max: 737281 is out of range 1..737280" },
	{ "{\"sha256\":\"abc\"}", "sha256: expected 64 lowercase hex digits" },
	{ "{\"sha256\":7}", "sha256: expected a string, got integer" },
};

START_TEST(bad_requests_name_the_field)
{
	struct rpc_file f = { "0123456789", 10, "x.bin", "application/octet-stream", NULL };
	struct jv_err err = { "" };
	json_t *args = json_loads(bad_args[_i].args, 0, NULL), *res = NULL;

	ck_assert_ptr_nonnull(args);
	ck_assert_int_eq(rpc_file_chunk(&f, args, &res, &err), AMR_EINVAL);
	ck_assert_ptr_null(res);
	ck_assert_str_eq(err.msg, bad_args[_i].message);
	json_decref(args);
}
END_TEST

START_TEST(a_server_file_that_breaks_the_convention_is_its_own_fault)
{
	static const char *const names[] = { "a/b", "..", ".", "", "tab\there", "back\\slash" };
	static const char *const types[] = { "pdf", "/pdf", "text/csv\n", "" };
	struct rpc_file f = { "x", 1, "ok.bin", "application/octet-stream", NULL };
	struct jv_err err = { "" };
	json_t *args = json_object(), *res = NULL;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		f.name = names[i];
		ck_assert_int_eq(rpc_file_chunk(&f, args, &res, &err), AMR_EPROTO);
	}
	f.name = "ok.bin";
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		f.type = types[i];
		ck_assert_int_eq(rpc_file_chunk(&f, args, &res, &err), AMR_EPROTO);
	}
	f.type = "text/csv; charset=utf-8";
	f.sha256 = "ABC";
	ck_assert_int_eq(rpc_file_chunk(&f, args, &res, &err), AMR_EPROTO);
	f.sha256 = NULL;
	ck_assert_int_eq(rpc_file_chunk(&f, args, &res, &err), AMR_OK);
	json_decref(res);
	json_decref(args);
}
END_TEST

START_TEST(a_file_that_changed_is_refused_by_server_and_receiver)
{
	size_t size = 10000;
	unsigned char *a = random_file(size), *b = malloc(size);
	struct rpc_file fa = { a, size, "r.pdf", "application/pdf", NULL }, fb = fa;
	char first[RPC_FILE_SHA256_HEX];
	struct jv_err err = { "" };
	struct membuf m = { 0 };
	rpc_file_recv *rv;
	long long next;
	json_t *c;
	int rc;

	memcpy(b, a, size);
	b[size - 1] ^= 1; /* one bit, at the end */
	fb.data = b;

	/* The server asked with the first chunk's sha256 refuses. */
	c = chunk_at(&fa, 0, 4000, NULL, &rc, &err);
	ck_assert_int_eq(rc, AMR_OK);
	strcpy(first, json_string_value(json_object_get(c, "sha256")));
	json_decref(c);
	ck_assert_ptr_null(chunk_at(&fb, 4000, 4000, first, &rc, &err));
	ck_assert_int_eq(rc, AMR_ESTATE);
	ck_assert_ptr_nonnull(strstr(err.msg, "sha256: the file changed"));
	ck_assert_str_eq(rpc_code_name(rc), "conflict");

	/* A server that ignores the sha256 argument: the receiver sees the
	 * change in the second chunk and keeps nothing of it. */
	ck_assert_int_eq(rpc_file_recv_create(&rv, 0, mem_sink, &m), AMR_OK);
	c = chunk_at(&fa, 0, 4000, NULL, &rc, &err);
	ck_assert_int_eq(rpc_file_recv_chunk(rv, c, &next, &err), AMR_OK);
	json_decref(c);
	ck_assert_int_eq(next, 4000);
	c = chunk_at(&fb, 4000, 4000, NULL, &rc, &err);
	ck_assert_int_eq(rpc_file_recv_chunk(rv, c, &next, &err), AMR_ESTATE);
	ck_assert_ptr_nonnull(strstr(err.msg, "the file changed between chunks"));
	ck_assert_uint_eq(m.n, 4000);
	/* and takes nothing more */
	ck_assert_int_eq(rpc_file_recv_chunk(rv, c, &next, &err), AMR_ESTATE);
	json_decref(c);
	rpc_file_recv_destroy(rv);
	free(m.p);
	free(a);
	free(b);
}
END_TEST

/* A valid first chunk of a 10-byte file, 4 bytes, changed by edit. */
static int feed_edited(const char *field, json_t *value, size_t max_size, struct membuf *m,
		       struct jv_err *err)
{
	struct rpc_file f = { "0123456789", 10, "x.bin", "application/octet-stream", NULL };
	rpc_file_recv *rv;
	long long next = 0;
	json_t *c;
	int rc;

	c = chunk_at(&f, 0, 4, NULL, &rc, err);
	ck_assert_int_eq(rc, AMR_OK);
	if (value)
		json_object_set_new(c, field, value);
	else
		json_object_del(c, field);
	ck_assert_int_eq(rpc_file_recv_create(&rv, max_size, mem_sink, m), AMR_OK);
	rc = rpc_file_recv_chunk(rv, c, &next, err);
	json_decref(c);
	rpc_file_recv_destroy(rv);
	return rc;
}

/* Edits of a good chunk, and what the receiver says of each. */
static const struct {
	const char *field; /* changed */
	const char *value; /* to this JSON, or NULL: removed */
	const char *says;  /* in err */
} bad_chunks[] = {
	{ "offset", "4", "offset: 4, but the next byte is 0" },
	{ "length", "5", "next: 4, expected 5" },
	{ "length", "11", "length: 11 bytes from 0 go past the end (10)" },
	{ "length", "0", "length: 0 before the end of the file" },
	{ "data", "\"MDEy\"", "data: 4 characters are not base64 of 4 bytes" },
	{ "data", "\"MDEy!!==\"", "data: not base64 of 4 bytes" },
	{ "data", "\"MDEyMw\"", "data: 6 characters are not base64 of 4 bytes" },
	{ "next", "5", "next: 5, expected 4" },
	{ "next", "null", "next: null before the end, expected 4" },
	{ "next", "\"4\"", "next: expected an offset or null" },
	{ "next", NULL, "next: expected an offset or null" },
	{ "size", "4", "next: 4 after the last byte, expected null" },
	{ "size", "-1", "size: -1 is out of range" },
	{ "sha256", "\"ABCDEF\"", "sha256: length 6 is out of range 64..64" },
	{ "name", "\"../../etc/passwd\"", "name: not a file name" },
	{ "type", "\"pdf\"", "type: \"pdf\" is not a media type" },
	{ "data", NULL, "data: missing" },
};

START_TEST(a_chunk_that_breaks_the_convention_is_refused)
{
	struct jv_err err = { "" };
	struct membuf m = { 0 };
	json_t *v = bad_chunks[_i].value ? json_loads(bad_chunks[_i].value, JSON_DECODE_ANY, NULL)
					 : NULL;

	ck_assert(!bad_chunks[_i].value || v);
	ck_assert_int_eq(feed_edited(bad_chunks[_i].field, v, 0, &m, &err), AMR_EPROTO);
	ck_assert_msg(strstr(err.msg, bad_chunks[_i].says), "%s: %s", bad_chunks[_i].field,
		      err.msg);
	ck_assert_int_eq(m.calls, 0); /* nothing went to the sink */
}
END_TEST

START_TEST(a_whole_that_does_not_match_its_sha256_is_corrupt)
{
	struct rpc_file f = { "0123456789", 10, "x.bin", "application/octet-stream", NULL };
	struct jv_err err = { "" };
	struct membuf m = { 0 };
	rpc_file_recv *rv;
	long long next;
	json_t *c;
	int rc;

	ck_assert_int_eq(rpc_file_recv_create(&rv, 0, mem_sink, &m), AMR_OK);
	c = chunk_at(&f, 0, 0, NULL, &rc, &err);
	/* base64 of "0123456788": another byte, well-formed */
	json_object_set_new(c, "data", json_string("MDEyMzQ1Njc4OA=="));
	ck_assert_int_eq(rpc_file_recv_chunk(rv, c, &next, &err), AMR_EPROTO);
	ck_assert_ptr_nonnull(strstr(err.msg, "sha256: the 10 bytes received hash to"));
	ck_assert_str_eq(rpc_code_name(AMR_EPROTO), "bad_answer");
	json_decref(c);
	rpc_file_recv_destroy(rv);
	free(m.p);
}
END_TEST

START_TEST(a_file_over_the_callers_limit_or_a_sink_that_stops)
{
	struct jv_err err = { "" };
	struct membuf m = { 0 };

	ck_assert_int_eq(feed_edited("name", json_string("x.bin"), 9, &m, &err), AMR_EFULL);
	ck_assert_str_eq(err.msg, "the file is 10 bytes, more than the 9 this caller takes");
	ck_assert_int_eq(m.calls, 0);
	m.refuse_at = 1;
	ck_assert_int_eq(feed_edited("name", json_string("x.bin"), 10, &m, &err), AMR_EIO);
	ck_assert_str_eq(err.msg, "the receiver of the bytes stopped at byte 0");
}
END_TEST

/* The largest chunk, with the longest name, type and id there can be and
 * every character of them escaped, still fits in one answer. */
START_TEST(the_largest_answer_fits_under_the_limit)
{
	size_t size = RPC_FILE_CHUNK_MAX + 10;
	unsigned char *data = random_file(size);
	char name[RPC_FILE_NAME_MAX + 1], type[RPC_FILE_TYPE_MAX + 1], id[RPC_MAX_ID + 1];
	struct rpc_file f = { data, size, name, type, NULL };
	struct jv_err err = { "" };
	json_t *c, *answer;
	char *text;
	int rc;

	memset(name, '"', RPC_FILE_NAME_MAX);
	name[RPC_FILE_NAME_MAX] = '\0';
	memset(type, '\\', RPC_FILE_TYPE_MAX);
	type[1] = '/';
	type[RPC_FILE_TYPE_MAX] = '\0';
	memset(id, '\x01', RPC_MAX_ID); /* escaped as \u0001 */
	id[RPC_MAX_ID] = '\0';
	c = chunk_at(&f, 0, 0, NULL, &rc, &err);
	ck_assert_msg(rc == AMR_OK, "%s", err.msg);
	ck_assert_int_eq(json_integer_value(json_object_get(c, "length")), RPC_FILE_CHUNK_MAX);
	answer = json_pack("{s:s, s:b, s:o}", "id", id, "ok", 1, "result", c);
	text = json_dumps(answer, JSON_COMPACT);
	ck_assert_uint_le(strlen(text), RPC_MAX_ANSWER);
	ck_assert_uint_gt(strlen(text), 980000); /* and the chunk is not timid */
	free(text);
	json_decref(answer);
	free(data);
}
END_TEST

Suite *rpc_file_suite(void)
{
	Suite *s = suite_create("rpc_file");
	TCase *tc = tcase_create("chunks");

	tcase_add_test(tc, a_random_file_comes_back_byte_for_byte);
	tcase_add_test(tc, a_chunk_says_what_the_convention_says);
	tcase_add_test(tc, an_empty_file_is_one_empty_chunk);
	tcase_add_loop_test(tc, bad_requests_name_the_field, 0,
			    sizeof bad_args / sizeof bad_args[0]);
	tcase_add_test(tc, a_server_file_that_breaks_the_convention_is_its_own_fault);
	tcase_add_test(tc, a_file_that_changed_is_refused_by_server_and_receiver);
	tcase_add_loop_test(tc, a_chunk_that_breaks_the_convention_is_refused, 0,
			    sizeof bad_chunks / sizeof bad_chunks[0]);
	tcase_add_test(tc, a_whole_that_does_not_match_its_sha256_is_corrupt);
	tcase_add_test(tc, a_file_over_the_callers_limit_or_a_sink_that_stops);
	tcase_add_test(tc, the_largest_answer_fits_under_the_limit);
	suite_add_tcase(s, tc);
	return s;
}
