/*
 * deadletter.c - the record of a rejected message.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "deadletter.h"

/* Length of the valid UTF-8 sequence at p[0..n), or 0 if it is not one. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		len = 2, cp = p[0] & 0x1F;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		len = 3, cp = p[0] & 0x0F;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	/* Overlong forms, surrogates and values above U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/*
 * Copy at most max bytes of p[0..n) as valid UTF-8 into a new buffer:
 * invalid bytes become U+FFFD, a sequence is never cut. *out_len gets the
 * length, *cut whether input was left over.
 */
static char *clean_utf8(const char *p, size_t n, size_t max, size_t *out_len, bool *cut)
{
	const unsigned char *s = (const unsigned char *)p;
	char *buf = malloc(max + 4);
	size_t i = 0, o = 0;

	if (!buf)
		return NULL;
	while (i < n) {
		size_t k = utf8_seq(s + i, n - i);
		size_t need = k ? k : 3;

		if (o + need > max)
			break;
		if (k) {
			memcpy(buf + o, s + i, k);
			i += k;
		} else {
			memcpy(buf + o, "\xEF\xBF\xBD", 3);
			i++;
		}
		o += need;
	}
	*out_len = o;
	*cut = i < n;
	return buf;
}

json_t *deadletter_json(const char *topic, const char *reason, const char *detail,
			const char *payload, size_t len, size_t max)
{
	size_t kept;
	bool cut;
	char *text = clean_utf8(payload, len, max, &kept, &cut);
	json_t *d;

	if (!text)
		return NULL;
	d = json_pack("{s:s, s:s, s:s, s:s%}", "topic", topic, "reason", reason, "detail",
		      detail ? detail : "", "payload", text, kept);
	free(text);
	if (d && cut &&
	    (json_object_set_new(d, "size", json_integer((json_int_t)len)) ||
	     json_object_set_new(d, "truncated", json_true()))) {
		json_decref(d);
		return NULL;
	}
	return d;
}
