#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "txutil.h"
#include "utf8.h"

void txbuf_add(struct txbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void txbuf_adds(struct txbuf *b, const char *s)
{
	txbuf_add(b, s, strlen(s));
}

void tx_say(char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;

	if (!why || !why_size)
		return;
	va_start(ap, fmt);
	vsnprintf(why, why_size, fmt, ap);
	va_end(ap);
}

const char *tx_loggable(const char *s, char *out, size_t n)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < n; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
	return utf8_fix(out);
}

bool tx_copy(char **dst, const char *s)
{
	*dst = s ? strdup(s) : NULL;
	return !s || *dst;
}

bool tx_scheme_built_in(const char *scheme)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	for (const char *const *p = v->protocols; p && *p; p++)
		if (!strcasecmp(*p, scheme))
			return true;
	return false;
}

bool tx_text_ok(const char *s, size_t n)
{
	for (size_t i = 0, k; i < n; i += k) {
		unsigned char c = (unsigned char)s[i];

		if (!(k = utf8_seq(s + i, n - i)))
			return false;
		/* not strchr("\t\r\n", c): it finds a NUL, the string's own end */
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
			return false;
	}
	return true;
}
