/*
 * deadletter.c - the record of a rejected message.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "deadletter.h"
#include "utf8.h"

json_t *deadletter_json(const char *topic, const char *reason, const char *detail,
			const char *payload, size_t len, size_t max)
{
	size_t kept;
	bool cut;
	char *text = utf8_clean(payload, len, max, &kept, &cut), *why, *where;
	size_t why_len, where_len;
	json_t *d;

	/* the detail may quote a value cut inside a character, the topic is
	 * what the client sent: both made valid, or the record is lost */
	why = utf8_clean(detail ? detail : "", detail ? strlen(detail) : 0, 1024, &why_len, NULL);
	where = utf8_clean(topic, strlen(topic), 1024, &where_len, NULL);
	d = text && why && where ? json_pack("{s:s, s:s, s:s, s:s%}", "topic", where, "reason",
					     reason, "detail", why, "payload", text, kept)
				 : NULL;
	free(text);
	free(why);
	free(where);
	if (!d)
		return NULL;
	if (d && cut &&
	    (json_object_set_new(d, "size", json_integer((json_int_t)len)) ||
	     json_object_set_new(d, "truncated", json_true()))) {
		json_decref(d);
		return NULL;
	}
	return d;
}
