/*
 * fuzz_http.c - libFuzzer target: what amr-web's HTTP layer reads from a
 * request, services/web/httpin.c as http.c calls it (docs/reliability.md,
 * docs/web.md "Query arguments"): the query arguments as libmicrohttpd
 * hands them over decoded, the body as it arrives in pieces, the body read
 * as JSON, and the refusal each makes as call_error() sends it.
 *
 * The input: a flags byte (bit 0: the method changes state; bits 1-2: the
 * Content-Type: none, "application/json", the first field below,
 * "application/json; charset=utf-8"), the body's length (2 bytes, little
 * endian, cut to what there is), the size of the pieces it arrives in
 * (0: one piece), the body limit in 16-byte units, the body, then
 * NUL-separated fields: name, value, name, value... (a last name alone has
 * no value, as "?a" has none). Checked:
 *  - a query argument: a name of 64 bytes or more skipped; a repeated name
 *    keeps its first value; a name or value that is not UTF-8 (lib/utf8.c
 *    is the second reader, it must agree with jansson) or a value of 2048
 *    bytes or more is refused with a message naming the argument, the
 *    query left as it was; else the value kept byte for byte; the refusal
 *    answered 400, never the 500 of a message jansson cannot hold;
 *  - the body: appended whole, or refused 413 exactly when longer than the
 *    limit, nothing appended then; read in a buffer of exactly its length
 *    (ASan: nothing read past it); no body: an empty object when the
 *    method changes state, none for GET; a body of another type 415; a
 *    body taken is an object without a NUL byte; a refusal says why and is
 *    answered 400.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "call.h"
#include "httpin.h"
#include "utf8.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static bool utf8_valid(const char *s)
{
	size_t n = strlen(s), k;

	for (size_t i = 0; i < n; i += k)
		if (!(k = utf8_seq(s + i, n - i)))
			return false;
	return true;
}

/* The answer call_error() makes of a refusal: status kept, the message a
 * JSON string. */
static void check_answer(int status, const char *code, const char *msg)
{
	struct call *c = calloc(1, sizeof *c);
	json_t *j;

	CHECK(c != NULL);
	call_init(c);
	call_error(c, status, code, "%s", msg);
	CHECK(c->status == status && c->out != NULL);
	j = json_loadb(c->out, c->out_len, 0, NULL);
	CHECK(json_is_string(json_object_get(json_object_get(j, "error"), "message")));
	json_decref(j);
	call_unref(c);
}

/* One argument through httpin_query_arg(); false when refused. */
static bool check_arg(json_t *query, const char *name, const char *value)
{
	size_t before = json_object_size(query), nlen = name ? strlen(name) : 0;
	json_t *had = name ? json_object_get(query, name) : NULL;
	char *kept = had ? strdup(json_string_value(had)) : NULL;
	char why[96];
	bool ok;

	memset(why, 0x5a, sizeof why);
	why[0] = '\0';
	ok = httpin_query_arg(query, name, value, why, sizeof why);
	if (!name || nlen >= HTTPIN_NAME_MAX) {
		CHECK(ok && json_object_size(query) == before);
	} else if (!utf8_valid(name)) {
		CHECK(!ok && !strcmp(why, "a query argument's name is not UTF-8"));
	} else if (had) {
		CHECK(ok && json_object_size(query) == before);
		CHECK(!strcmp(json_string_value(json_object_get(query, name)), kept));
	} else if (value && strlen(value) >= HTTPIN_VALUE_MAX) {
		CHECK(!ok && !strncmp(why, name, nlen < 40 ? nlen : 40));
		CHECK(strstr(why, ": longer than 2047 bytes"));
	} else if (value && !utf8_valid(value)) {
		CHECK(!ok && !strncmp(why, name, nlen < 40 ? nlen : 40));
		CHECK(strstr(why, ": not UTF-8"));
	} else {
		json_t *v = json_object_get(query, name);

		CHECK(ok && json_object_size(query) == before + 1 && json_is_string(v));
		CHECK(!strcmp(json_string_value(v), value ? value : ""));
	}
	if (!ok) {
		CHECK(memchr(why, '\0', sizeof why) && why[0]);
		CHECK(json_object_size(query) == before);
		check_answer(400, "bad_request", why);
	}
	free(kept);
	return ok;
}

/* The body arriving in pieces of chunk bytes, limit max; 0 or 413. */
static int receive(const uint8_t *data, size_t len, size_t chunk, size_t max, char **body,
		   size_t *got)
{
	int rc = 0;

	for (size_t at = 0; at < len && !rc; at += chunk) {
		size_t n = len - at < chunk ? len - at : chunk, was = *got;

		rc = httpin_append(body, got, (const char *)data + at, n, max);
		CHECK(rc == 0 || rc == 413);
		CHECK(*got == (rc ? was : was + n));
	}
	CHECK(rc == (len > max ? 413 : 0));
	if (!rc)
		CHECK(*got == len && (!len || !memcmp(*body, data, len)));
	return rc;
}

static void check_body(const char *ctype, const uint8_t *data, size_t len, bool changes,
		       size_t chunk, size_t max)
{
	char *body = NULL, *exact = NULL, msg[200];
	size_t got = 0;
	json_t *out = (json_t *)1;
	int rc;

	if (receive(data, len, chunk ? chunk : len ? len : 1, max, &body, &got)) {
		free(body);
		return;
	}
	/* exactly got bytes, no terminator: a read past the length is ASan's */
	if (got) {
		CHECK((exact = malloc(got)) != NULL);
		memcpy(exact, body, got);
	}
	free(body);
	memset(msg, 0x5a, sizeof msg);
	msg[0] = '\0';
	rc = httpin_body(ctype, exact, got, changes, &out, msg, sizeof msg);
	CHECK(rc == 0 || rc == 400 || rc == 415);
	if (!got) {
		CHECK(rc == 0);
		CHECK(changes ? json_is_object(out) && json_object_size(out) == 0 : out == NULL);
	} else if (!httpin_is_json(ctype)) {
		CHECK(rc == 415 && out == NULL &&
		      !strcmp(msg, "send the body as application/json"));
	} else if (rc == 0) {
		CHECK(json_is_object(out) && !memchr(exact, '\0', got));
	} else {
		CHECK(rc == 400 && out == NULL && memchr(msg, '\0', sizeof msg) && msg[0]);
	}
	if (rc)
		check_answer(rc, rc == 415 ? "unsupported_media_type" : "bad_json", msg);
	json_decref(out);
	free(exact);
}

static void check_types(void)
{
	CHECK(httpin_is_json("application/json") && httpin_is_json("Application/JSON; x=1"));
	CHECK(!httpin_is_json(NULL) && !httpin_is_json("application/jsonp") &&
	      !httpin_is_json("text/json") && !httpin_is_json("application/js"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { NULL, "application/json", NULL,
					     "application/json; charset=utf-8" };
	static bool ready;
	const char *ctype, *p, *end;
	size_t blen, chunk, max;
	struct call *c;
	char *fields;
	unsigned flags;

	if (!ready) {
		check_types();
		ready = true;
	}
	if (size < 5)
		return 0;
	flags = data[0];
	blen = (size_t)data[1] | (size_t)data[2] << 8;
	chunk = data[3];
	max = ((size_t)data[4] + 1) * 16;
	data += 5;
	size -= 5;
	if (blen > size)
		blen = size;
	/* the fields as NUL-terminated strings, the last one too */
	CHECK((fields = malloc(size - blen + 1)) != NULL);
	memcpy(fields, data + blen, size - blen);
	fields[size - blen] = '\0';
	p = fields;
	end = fields + (size - blen);
	ctype = types[(flags >> 1) & 3];
	if (((flags >> 1) & 3) == 2) {
		ctype = p;
		p += strlen(p) + 1;
	}
	c = calloc(1, sizeof *c);
	CHECK(c != NULL);
	call_init(c);
	CHECK((c->query = json_object()) != NULL);
	while (p < end) {
		const char *name = p, *value = NULL;

		p += strlen(p) + 1;
		if (p <= end) {
			value = p;
			p += strlen(p) + 1;
		}
		if (!check_arg(c->query, name, value))
			break; /* collect_query() stops at the first refusal */
	}
	call_unref(c);
	check_body(ctype, data, blen, flags & 1, chunk, max);
	free(fields);
	return 0;
}
