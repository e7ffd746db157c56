/*
 * fuzz_smsin.c - libFuzzer target: what Kannel's requests to amr-notify's
 * SMS listener say, services/notify/smsread.c as smsin.c calls it
 * (docs/notify.md "Incoming SMS", smsin.h; docs/reliability.md).
 *
 * The input: a byte choosing /sms/in (even) or /sms/dlr (odd), then the
 * arguments separated by 0xff bytes (an SMS is no UTF-8 0xff, but a
 * UCS-2 text may hold one: a field is also ended by the input's end):
 * from, to, id, text, coding, charset for an SMS; key, status, answer
 * for a report. A field that is one 0xfe byte is absent. Each value is
 * given as libmicrohttpd keeps it, in a buffer of exactly its bytes and a
 * NUL (ASan: nothing read past it). Checked:
 *  - an SMS taken: from is '+' and the 7..15 digits given; to and id as
 *    given and of their characters; the text valid UTF-8 (lib/utf8.c),
 *    no control character but tab, CR and LF, 1..SMSIN_TEXT_MAX bytes,
 *    NUL-terminated at its length, and the input again once converted
 *    back: UTF-16BE when the charset says UTF-16BE or UCS-2 (or, without
 *    one, coding 2), the bytes themselves when UTF-8, Latin-1 when the
 *    charset says so; coding 1 never taken;
 *  - a report taken: its key as given, a status of 1, 2, 4, 8, 16 from
 *    the digits given, the answer the printable ASCII of the given, cut;
 *  - a refusal: a one-line reason starting with the argument's name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smsread.h"
#include "utf8.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

#define NARGS 6

static const char *const sms_names[] = { "from", "to", "id", "text", "coding", "charset" };
static const char *const dlr_names[] = { "key", "status", "answer" };

static bool is(struct smsread_arg a, const char *s)
{
	return a.v && a.n == strlen(s) && !strncasecmp(a.v, s, a.n);
}

static bool all_of(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(set, s[i]))
			return false;
	return true;
}

/* A refusal: one line starting with one of names and ": ". */
static void check_why(const char *why, size_t size, const char *const *names, size_t n)
{
	bool named = false;

	CHECK(memchr(why, '\0', size) && !strchr(why, '\n'));
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(names[i]);

		named |= !strncmp(why, names[i], k) && why[k] == ':' && why[k + 1] == ' ';
	}
	CHECK(named);
}

/* Decode UTF-8 s[0..n) one code point at a time into f(u). */
static unsigned next_cp(const unsigned char **p)
{
	const unsigned char *s = *p;
	unsigned u;
	size_t k;

	if (s[0] < 0x80)
		u = s[0], k = 1;
	else if (s[0] < 0xe0)
		u = s[0] & 0x1f, k = 2;
	else if (s[0] < 0xf0)
		u = s[0] & 0x0f, k = 3;
	else
		u = s[0] & 0x07, k = 4;
	for (size_t i = 1; i < k; i++)
		u = u << 6 | (s[i] & 0x3f);
	*p = s + k;
	return u;
}

/* The UTF-8 text, converted back, is the input. */
static void check_back(const struct smsin_sms *m, struct smsread_arg t, bool utf16, bool latin1)
{
	const unsigned char *p = (const unsigned char *)m->text, *end = p + m->len;
	const unsigned char *in = (const unsigned char *)t.v;
	size_t o = 0;

	if (!utf16 && !latin1) {
		CHECK(m->len == t.n && !memcmp(m->text, t.v, t.n));
		return;
	}
	while (p < end) {
		unsigned u = next_cp(&p);

		if (latin1) {
			CHECK(u < 0x100 && o < t.n && in[o] == u);
			o++;
		} else if (u >= 0x10000) {
			unsigned hi = 0xd800 + ((u - 0x10000) >> 10), lo = 0xdc00 + (u & 0x3ff);

			CHECK(o + 4 <= t.n);
			CHECK(in[o] == hi >> 8 && in[o + 1] == (hi & 0xff));
			CHECK(in[o + 2] == lo >> 8 && in[o + 3] == (lo & 0xff));
			o += 4;
		} else {
			CHECK(o + 2 <= t.n && in[o] == u >> 8 && in[o + 1] == (u & 0xff));
			o += 2;
		}
	}
	CHECK(o == t.n);
}

static void check_sms(const struct smsread_arg *a)
{
	static char text[SMSREAD_TEXT_ROOM];
	struct smsread_in in = { a[0], a[1], a[2], a[3], a[4], a[5] };
	struct smsin_sms m;
	char why[160];
	struct smsread_arg from = a[0];
	bool utf16, latin1 = false;
	int rc;

	memset(why, 0x5a, sizeof why);
	why[0] = '\0';
	rc = smsread_sms(&in, &m, text, why, sizeof why);
	if (rc) {
		CHECK(rc == 400);
		check_why(why, sizeof why, sms_names, NARGS);
		return;
	}
	if (from.n && from.v[0] == '+')
		from.v++, from.n--;
	CHECK(from.n >= 7 && from.n <= 15 && all_of(from.v, from.n, "0123456789"));
	CHECK(m.from[0] == '+' && strlen(m.from) == from.n + 1 &&
	      !memcmp(m.from + 1, from.v, from.n));
	if (a[1].v)
		CHECK(strlen(m.to) == a[1].n && !memcmp(m.to, a[1].v, a[1].n));
	else
		CHECK(m.to[0] == '\0');
	CHECK(all_of(m.to, strlen(m.to),
		     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+"));
	CHECK(a[2].v && strlen(m.id) == a[2].n && a[2].n >= 1 && a[2].n <= SMSIN_ID_MAX &&
	      !memcmp(m.id, a[2].v, a[2].n));
	CHECK(!is(a[4], "1"));
	/* the text */
	CHECK(m.text == text && m.len >= 1 && m.len <= SMSIN_TEXT_MAX && text[m.len] == '\0');
	for (size_t i = 0, k; i < m.len; i += k) {
		unsigned char ch = (unsigned char)text[i];

		CHECK((k = utf8_seq(text + i, m.len - i)) > 0);
		CHECK(ch >= 0x20 || ch == '\t' || ch == '\r' || ch == '\n');
		CHECK(ch != 0x7f);
	}
	utf16 = a[5].v && a[5].n ? is(a[5], "UTF-16BE") || is(a[5], "UCS-2") : is(a[4], "2");
	if (!utf16 && (is(a[5], "ISO-8859-1") || is(a[5], "WINDOWS-1252")))
		latin1 = m.len != a[3].n || memcmp(m.text, a[3].v, a[3].n);
	check_back(&m, a[3], utf16, latin1);
}

static void check_dlr(const struct smsread_arg *a)
{
	struct smsin_dlr d;
	char why[160];
	size_t o = 0;
	int rc, st = 0;

	memset(why, 0x5a, sizeof why);
	why[0] = '\0';
	rc = smsread_dlr(a[0], a[1], a[2], &d, why, sizeof why);
	if (rc) {
		CHECK(rc == 400);
		check_why(why, sizeof why, dlr_names, 3);
		return;
	}
	CHECK(a[0].v && a[0].n >= 1 && a[0].n <= SMSIN_KEY_MAX);
	CHECK(strlen(d.key) == a[0].n && !memcmp(d.key, a[0].v, a[0].n));
	CHECK(a[1].v && a[1].n >= 1 && a[1].n <= 2 && all_of(a[1].v, a[1].n, "0123456789"));
	for (size_t i = 0; i < a[1].n; i++)
		st = st * 10 + a[1].v[i] - '0';
	CHECK(d.status == st && (st == 1 || st == 2 || st == 4 || st == 8 || st == 16));
	for (size_t i = 0; a[2].v && i < a[2].n && o < sizeof d.answer - 1; i++)
		if (a[2].v[i] >= 0x20 && a[2].v[i] < 0x7f)
			CHECK(d.answer[o++] == a[2].v[i]);
	CHECK(d.answer[o] == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smsread_arg a[NARGS] = { { NULL, 0 } };
	char *copy[NARGS] = { NULL };
	bool dlr;
	size_t at = 1;

	if (size < 1)
		return 0;
	dlr = data[0] & 1;
	for (int i = 0; i < NARGS && at <= size; i++) {
		const uint8_t *end = memchr(data + at, 0xff, size - at);
		size_t n = end ? (size_t)(end - (data + at)) : size - at;

		if (!(n == 1 && data[at] == 0xfe)) {
			CHECK((copy[i] = malloc(n + 1)) != NULL);
			memcpy(copy[i], data + at, n);
			copy[i][n] = '\0';
			a[i].v = copy[i];
			a[i].n = n;
		}
		at += n + 1;
	}
	if (dlr)
		check_dlr(a);
	else
		check_sms(a);
	for (int i = 0; i < NARGS; i++)
		free(copy[i]);
	return 0;
}
