#include <stdlib.h>
#include <string.h>

#include "utf8.h"

size_t utf8_seq(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, cp = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, cp = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates and values above U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* True when s[0..n) is the start of a sequence longer than n (a cut). */
static bool cut_at_end(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t want = u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : u[0] >= 0xC2 ? 2 : 0;

	if (want <= n || u[0] > 0xF4)
		return false;
	for (size_t i = 1; i < n; i++)
		if ((u[i] & 0xC0) != 0x80)
			return false;
	return true;
}

char *utf8_fix(char *s)
{
	size_t n = strlen(s), i = 0;

	while (i < n) {
		size_t k = utf8_seq(s + i, n - i);

		if (k) {
			i += k;
		} else if (cut_at_end(s + i, n - i)) {
			s[i] = '\0';
			break;
		} else {
			s[i++] = '?';
		}
	}
	return s;
}

char *utf8_clean(const char *p, size_t n, size_t max, size_t *out_len, bool *cut)
{
	char *buf = malloc(max + 4);
	size_t i = 0, o = 0;

	if (!buf)
		return NULL;
	while (i < n) {
		size_t k = utf8_seq(p + i, n - i);
		size_t need = k ? k : 3;

		if (o + need > max)
			break;
		if (k) {
			memcpy(buf + o, p + i, k);
			i += k;
		} else {
			memcpy(buf + o, "\xEF\xBF\xBD", 3);
			i++;
		}
		o += need;
	}
	buf[o] = '\0';
	*out_len = o;
	if (cut)
		*cut = i < n;
	return buf;
}
