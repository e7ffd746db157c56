#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "jv.h"

amr_err jv_fail(struct jv_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return AMR_EINVAL;
}

const char *jv_type_name(const json_t *v)
{
	if (!v)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

/* Common start of every reader: the field, or NULL with *rc set. */
static json_t *field_of(const json_t *obj, const char *field, bool required, int *rc,
			struct jv_err *err)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, field) : NULL;

	*rc = AMR_OK;
	if (!json_is_object(obj))
		*rc = jv_fail(err, "%s: the enclosing value is not an object", field);
	else if (!v && required)
		*rc = jv_fail(err, "%s: missing", field);
	return v;
}

amr_err jv_int(const json_t *obj, const char *field, bool required, long long def, long long min,
	       long long max, long long *out, struct jv_err *err)
{
	int rc;
	json_t *v = field_of(obj, field, required, &rc, err);
	long long n;

	if (rc)
		return rc;
	if (!v) {
		*out = def;
		return AMR_OK;
	}
	if (!json_is_integer(v))
		return jv_fail(err, "%s: expected an integer, got %s", field, jv_type_name(v));
	n = json_integer_value(v);
	if (n < min || n > max)
		return jv_fail(err, "%s: %lld is out of range %lld..%lld", field, n, min, max);
	*out = n;
	return AMR_OK;
}

amr_err jv_str(const json_t *obj, const char *field, bool required, const char *def, size_t minlen,
	       size_t maxlen, const char **out, struct jv_err *err)
{
	int rc;
	json_t *v = field_of(obj, field, required, &rc, err);
	size_t len;

	if (rc)
		return rc;
	if (!v) {
		*out = def;
		return AMR_OK;
	}
	if (!json_is_string(v))
		return jv_fail(err, "%s: expected a string, got %s", field, jv_type_name(v));
	len = json_string_length(v);
	if (strlen(json_string_value(v)) != len)
		return jv_fail(err, "%s: contains a NUL character", field);
	if (len < minlen || len > maxlen)
		return jv_fail(err, "%s: length %zu is out of range %zu..%zu", field, len, minlen,
			       maxlen);
	*out = json_string_value(v);
	return AMR_OK;
}

amr_err jv_enum(const json_t *obj, const char *field, bool required, int def,
		const char *const *choices, int *out, struct jv_err *err)
{
	const char *s;
	char list[160] = "";
	size_t used = 0;
	int rc = jv_str(obj, field, required, NULL, 0, 256, &s, err);

	if (rc)
		return rc;
	if (!s) {
		*out = def;
		return AMR_OK;
	}
	for (int i = 0; choices[i]; i++) {
		if (strcmp(s, choices[i]) == 0) {
			*out = i;
			return AMR_OK;
		}
		if (used < sizeof list)
			used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
						 i ? ", " : "", choices[i]);
	}
	return jv_fail(err, "%s: \"%.40s\" is not one of %s", field, s, list);
}

amr_err jv_bool(const json_t *obj, const char *field, bool required, bool def, bool *out,
		struct jv_err *err)
{
	int rc;
	json_t *v = field_of(obj, field, required, &rc, err);

	if (rc)
		return rc;
	if (!v) {
		*out = def;
		return AMR_OK;
	}
	if (!json_is_boolean(v))
		return jv_fail(err, "%s: expected true or false, got %s", field, jv_type_name(v));
	*out = json_is_true(v);
	return AMR_OK;
}

amr_err jv_array(const json_t *obj, const char *field, bool required, size_t maxlen, json_t **out,
		 struct jv_err *err)
{
	int rc;
	json_t *v = field_of(obj, field, required, &rc, err);

	if (rc)
		return rc;
	if (!v) {
		*out = NULL;
		return AMR_OK;
	}
	if (!json_is_array(v))
		return jv_fail(err, "%s: expected an array, got %s", field, jv_type_name(v));
	if (json_array_size(v) > maxlen)
		return jv_fail(err, "%s: %zu elements, at most %zu allowed", field,
			       json_array_size(v), maxlen);
	*out = v;
	return AMR_OK;
}

amr_err jv_object(const json_t *obj, const char *field, bool required, json_t **out,
		  struct jv_err *err)
{
	int rc;
	json_t *v = field_of(obj, field, required, &rc, err);

	if (rc)
		return rc;
	if (!v) {
		*out = NULL;
		return AMR_OK;
	}
	if (!json_is_object(v))
		return jv_fail(err, "%s: expected an object, got %s", field, jv_type_name(v));
	*out = v;
	return AMR_OK;
}

amr_err jv_only(const json_t *obj, const char *const *allowed, struct jv_err *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return jv_fail(err, "expected an object, got %s", jv_type_name(obj));
	json_object_foreach((json_t *)obj, key, v) {
		size_t i;

		for (i = 0; allowed[i]; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (!allowed[i])
			return jv_fail(err, "%.60s: unknown field", key);
	}
	return AMR_OK;
}

static json_t *parse_object(const char *text, size_t len, size_t flags, struct jv_err *err)
{
	json_error_t je;
	const char *nul = memchr(text, '\0', len);
	json_t *v;

	/* A NUL byte is never JSON, but jansson skips one after a number
	 * ([2<NUL>] reads as [2]): the text would then be forwarded with it. */
	if (nul) {
		jv_fail(err, "malformed JSON: a NUL byte at offset %zu", (size_t)(nul - text));
		return NULL;
	}
	v = json_loadb(text, len, JSON_REJECT_DUPLICATES | flags, &je);
	if (!v) {
		jv_fail(err, "malformed JSON at line %d column %d: %s", je.line, je.column,
			je.text);
		return NULL;
	}
	if (!json_is_object(v)) {
		jv_fail(err, "expected a JSON object, got %s", jv_type_name(v));
		json_decref(v);
		return NULL;
	}
	return v;
}

json_t *jv_parse_object(const char *text, size_t len, struct jv_err *err)
{
	return parse_object(text, len, 0, err);
}

json_t *jv_parse_object_nul(const char *text, size_t len, struct jv_err *err)
{
	return parse_object(text, len, JSON_ALLOW_NUL, err);
}
