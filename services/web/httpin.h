/*
 * httpin.h - what a request brings in, read without libmicrohttpd: its
 * query arguments, the body as it arrives and the body read as JSON.
 * http.c calls these from MHD's callbacks; apart from it they can be
 * tested and fuzzed alone (tests/fuzz/fuzz_http.c). Pure functions on
 * their arguments, no I/O; the body and the query object are the caller's.
 */
#ifndef AMR_WEB_HTTPIN_H
#define AMR_WEB_HTTPIN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define HTTPIN_NAME_MAX	 64   /* bytes of a query name we read, with its NUL */
#define HTTPIN_VALUE_MAX 2048 /* bytes of one query value, with its NUL */

/*
 * One query argument as libmicrohttpd hands it over, decoded (value NULL
 * for "?a" without '='), into query, an object of strings: the first of a
 * repeated name wins, a name of HTTPIN_NAME_MAX bytes or more is no
 * argument of ours and is skipped. Returns true to go on. A value of
 * HTTPIN_VALUE_MAX bytes or more, or a name or value that is not UTF-8,
 * is refused, never dropped (a dropped filter would widen the answer):
 * false, query unchanged, why[0..size) saying which argument (its name, up
 * to 40 bytes, when it is UTF-8) and why.
 */
bool httpin_query_arg(json_t *query, const char *name, const char *value, char *why, size_t size);

/* True for "application/json", alone or with parameters ("; charset=utf-8"),
 * in any case; false for NULL. */
bool httpin_is_json(const char *ctype);

/*
 * Append data[0..n) to the body received so far, *body of *len bytes
 * (malloc'd, NULL at first; not NUL-terminated). Returns 0; 413 when the
 * body would exceed max bytes, then nothing is appended; -1 when out of
 * memory.
 */
int httpin_append(char **body, size_t *len, const char *data, size_t n, size_t max);

/*
 * The body[0..len) of a request with Content-Type ctype, as its call's
 * body (*out, a new object, or NULL). len 0: an empty object for a method
 * that changes state, NULL for GET and HEAD. Otherwise the type must be
 * httpin_is_json() (else 415) and the text one JSON object (else 400);
 * msg[0..size) then says why. Returns 0, 400 or 415; never reads past len.
 */
int httpin_body(const char *ctype, const char *body, size_t len, bool changes_state, json_t **out,
		char *msg, size_t size);

#endif
