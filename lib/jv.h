/*
 * jv.h - typed field readers over jansson, with range checks.
 *
 * Each reader takes an object, a field name and bounds, and on failure
 * writes a message that names the field into err (e.g. "addr: 300 is out of
 * range 1..127", "seq: missing", "ts: expected an integer, got string") and
 * returns AMR_EINVAL; *out is then unchanged. Returned strings and values are
 * borrowed from the object.
 */
#ifndef AMR_JV_H
#define AMR_JV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct jv_err {
	char msg[200]; /* the message, "" when nothing failed */
};

/* Integer field in min..max. Missing: AMR_EINVAL if required, else AMR_OK
 * with *out set to def. */
amr_err jv_int(const json_t *obj, const char *field, bool required, long long def, long long min,
	       long long max, long long *out, struct jv_err *err);

/* String field with length minlen..maxlen bytes, valid UTF-8 (jansson
 * guarantees it). Missing: AMR_EINVAL if required, else *out = def. */
amr_err jv_str(const json_t *obj, const char *field, bool required, const char *def, size_t minlen,
	       size_t maxlen, const char **out, struct jv_err *err);

/* String field that must be one of choices (NULL-terminated); *out gets its
 * index. */
amr_err jv_enum(const json_t *obj, const char *field, bool required, int def,
		const char *const *choices, int *out, struct jv_err *err);

/* Boolean field. */
amr_err jv_bool(const json_t *obj, const char *field, bool required, bool def, bool *out,
		struct jv_err *err);

/* Array field with at most maxlen elements (borrowed). Missing and not
 * required: *out = NULL. */
amr_err jv_array(const json_t *obj, const char *field, bool required, size_t maxlen, json_t **out,
		 struct jv_err *err);

/* Object field (borrowed). Missing and not required: *out = NULL. */
amr_err jv_object(const json_t *obj, const char *field, bool required, json_t **out,
		  struct jv_err *err);

/* AMR_EINVAL, naming the first field of obj that is not in allowed
 * (NULL-terminated), so commands with unknown fields are refused. */
amr_err jv_only(const json_t *obj, const char *const *allowed, struct jv_err *err);

/* Parse text[0..len) as one JSON object. On failure err says where
 * ("line 1 column 7: unexpected token"). Returns a new reference or NULL. */
json_t *jv_parse_object(const char *text, size_t len, struct jv_err *err);

/* The same, taking \u0000 inside strings, for a caller that checks every
 * string (jv_str refuses one holding a NUL) and drops the entry that has
 * one instead of refusing the whole text. */
json_t *jv_parse_object_nul(const char *text, size_t len, struct jv_err *err);

/* The name of v's JSON type, for messages: "object", "array", "string",
 * "integer", "number with a fraction", "boolean", "null"; "nothing" for
 * NULL. Static storage. */
const char *jv_type_name(const json_t *v);

/* Set err's message with a printf format; returns AMR_EINVAL. */
amr_err jv_fail(struct jv_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
