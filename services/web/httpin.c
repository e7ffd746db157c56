#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpin.h"
#include "jv.h"

bool httpin_query_arg(json_t *query, const char *name, const char *value, char *why, size_t size)
{
	json_t *v, *k;

	if (!name || strlen(name) >= HTTPIN_NAME_MAX)
		return true;
	/* jansson keeps only UTF-8: a name it cannot hold is no key of the object */
	if (!(k = json_string(name))) {
		snprintf(why, size, "a query argument's name is not UTF-8");
		return false;
	}
	json_decref(k);
	if (json_object_get(query, name))
		return true;
	if (value && strlen(value) >= HTTPIN_VALUE_MAX) {
		snprintf(why, size, "%.40s: longer than %d bytes", name, HTTPIN_VALUE_MAX - 1);
		return false;
	}
	if (!(v = json_string(value ? value : ""))) {
		snprintf(why, size, "%.40s: not UTF-8", name);
		return false;
	}
	json_object_set_new(query, name, v);
	return true;
}

bool httpin_is_json(const char *ctype)
{
	return ctype && strncasecmp(ctype, "application/json", 16) == 0 &&
	       (ctype[16] == '\0' || ctype[16] == ';' || ctype[16] == ' ');
}

int httpin_append(char **body, size_t *len, const char *data, size_t n, size_t max)
{
	char *p;

	if (n > max || *len > max - n)
		return 413;
	if (!n)
		return 0;
	if (!(p = realloc(*body, *len + n)))
		return -1;
	memcpy(p + *len, data, n);
	*body = p;
	*len += n;
	return 0;
}

int httpin_body(const char *ctype, const char *body, size_t len, bool changes_state, json_t **out,
		char *msg, size_t size)
{
	struct jv_err err = { "" };

	*out = NULL;
	if (!len) {
		if (changes_state)
			*out = json_object();
		return 0;
	}
	if (!httpin_is_json(ctype)) {
		snprintf(msg, size, "send the body as application/json");
		return 415;
	}
	if (!(*out = jv_parse_object(body, len, &err))) {
		snprintf(msg, size, "%s", err.msg);
		return 400;
	}
	return 0;
}
