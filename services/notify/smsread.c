#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smsread.h"
#include "txutil.h"

/* 1..max of the characters of set. */
static bool only(struct smsread_arg a, size_t max, const char *set)
{
	if (!a.v || a.n == 0 || a.n > max)
		return false;
	for (size_t i = 0; i < a.n; i++)
		if (!a.v[i] || !strchr(set, a.v[i]))
			return false;
	return true;
}

/* a is the text s (case ignored when nocase). */
static bool is(struct smsread_arg a, const char *s, bool nocase)
{
	return a.v && a.n == strlen(s) &&
	       !(nocase ? strncasecmp(a.v, s, a.n) : memcmp(a.v, s, a.n));
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/* Append code point u as UTF-8 at o. */
static size_t put_utf8(char *o, unsigned u)
{
	if (u < 0x80) {
		o[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		o[0] = (char)(0xc0 | u >> 6);
		o[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	if (u < 0x10000) {
		o[0] = (char)(0xe0 | u >> 12);
		o[1] = (char)(0x80 | ((u >> 6) & 0x3f));
		o[2] = (char)(0x80 | (u & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | u >> 18);
	o[1] = (char)(0x80 | ((u >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((u >> 6) & 0x3f));
	o[3] = (char)(0x80 | (u & 0x3f));
	return 4;
}

/* UTF-16BE p[0..n) as UTF-8 into out (room for n * 2 + 1); its length, or
 * -1 when it is not UTF-16 (odd, a lone surrogate). */
static long from_utf16be(const unsigned char *p, size_t n, char *out)
{
	size_t o = 0;

	if (n % 2)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		unsigned u = (unsigned)p[i] << 8 | p[i + 1];

		if (u >= 0xdc00 && u <= 0xdfff)
			return -1;
		if (u >= 0xd800 && u <= 0xdbff) {
			unsigned lo = i + 3 < n ? ((unsigned)p[i + 2] << 8 | p[i + 3]) : 0;

			if (lo < 0xdc00 || lo > 0xdfff)
				return -1;
			u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		}
		o += put_utf8(out + o, u);
	}
	out[o] = '\0';
	return (long)o;
}

/* Latin-1 p[0..n) as UTF-8 into out (room for n * 2 + 1). */
static long from_latin1(const unsigned char *p, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++)
		o += put_utf8(out + o, p[i]);
	out[o] = '\0';
	return (long)o;
}

int smsread_sms(const struct smsread_in *in, struct smsin_sms *m, char *text, char *why,
		size_t size)
{
	struct smsread_arg digits = in->from;
	const struct smsread_arg *t = &in->text, *cs = &in->charset, *coding = &in->coding;
	bool utf16;
	long len;

	if (digits.v && digits.n && digits.v[0] == '+') {
		digits.v++;
		digits.n--;
	}
	if (!only(digits, 15, "0123456789") || digits.n < 7)
		return snprintf(why, size, "from: not + and 7 to 15 digits"), 400;
	if (in->to.v && in->to.n && !only(in->to, 20, ALNUM "+"))
		return snprintf(why, size, "to: not up to 20 letters and digits"), 400;
	if (!only(in->id, SMSIN_ID_MAX, ALNUM "-._:"))
		return snprintf(why, size, "id: not 1 to %d of A-Z a-z 0-9 - . _ :", SMSIN_ID_MAX),
		       400;
	if (!t->v || t->n == 0)
		return snprintf(why, size, "text: missing or empty"), 400;
	if (t->n > SMSREAD_RAW_MAX)
		return snprintf(why, size, "text: over %d bytes", SMSREAD_RAW_MAX), 400;
	if (coding->v && coding->n && !is(*coding, "0", false) && !is(*coding, "1", false) &&
	    !is(*coding, "2", false))
		return snprintf(why, size, "coding: not 0, 1 or 2"), 400;
	if (is(*coding, "1", false))
		return snprintf(why, size, "coding: 8-bit data is not a text"), 400;
	/* the charset says how the bytes are; coding=2 without one is UCS-2
	 * as the SMS carried it (a smsbox that converted says UTF-8) */
	utf16 = cs->v && cs->n ? is(*cs, "UTF-16BE", true) || is(*cs, "UCS-2", true)
			       : is(*coding, "2", false);
	if (utf16)
		len = from_utf16be((const unsigned char *)t->v, t->n, text);
	else if (tx_text_ok(t->v, t->n))
		len = (memcpy(text, t->v, t->n), text[t->n] = '\0', (long)t->n);
	else if (is(*cs, "ISO-8859-1", true) || is(*cs, "WINDOWS-1252", true))
		len = from_latin1((const unsigned char *)t->v, t->n, text);
	else
		len = -1;
	if (len < 0 || !tx_text_ok(text, (size_t)len))
		return snprintf(why, size, "text: not %s, or holds control characters",
				utf16 ? "UTF-16BE" : "UTF-8"),
		       400;
	if ((size_t)len > SMSIN_TEXT_MAX)
		return snprintf(why, size, "text: over %d bytes", SMSIN_TEXT_MAX), 400;
	snprintf(m->from, sizeof m->from, "+%.*s", (int)digits.n, digits.v);
	snprintf(m->to, sizeof m->to, "%.*s", in->to.v ? (int)in->to.n : 0,
		 in->to.v ? in->to.v : "");
	snprintf(m->id, sizeof m->id, "%.*s", (int)in->id.n, in->id.v);
	m->text = text;
	m->len = (size_t)len;
	return 0;
}

int smsread_dlr(struct smsread_arg key, struct smsread_arg status, struct smsread_arg answer,
		struct smsin_dlr *d, char *why, size_t size)
{
	int st;

	if (!only(key, SMSIN_KEY_MAX, ALNUM "._~-"))
		return snprintf(why, size, "key: not 1 to %d of A-Z a-z 0-9 . _ ~ -",
				SMSIN_KEY_MAX),
		       400;
	st = 0;
	if (only(status, 2, "0123456789"))
		for (size_t i = 0; i < status.n; i++)
			st = st * 10 + (status.v[i] - '0');
	if (st != 1 && st != 2 && st != 4 && st != 8 && st != 16)
		return snprintf(why, size, "status: not 1, 2, 4, 8 or 16"), 400;
	memset(d, 0, sizeof *d);
	snprintf(d->key, sizeof d->key, "%.*s", (int)key.n, key.v);
	d->status = st;
	/* the SMS centre's words: printable ASCII only, cut */
	for (size_t i = 0, o = 0; answer.v && i < answer.n && o < sizeof d->answer - 1; i++)
		if (answer.v[i] >= 0x20 && answer.v[i] < 0x7f)
			d->answer[o++] = answer.v[i];
	return 0;
}
