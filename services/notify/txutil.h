/*
 * txutil.h - what the delivery channels (smtp.c, sms.c, smsin.c) share: a
 * growing text, the one-line reason of a refusal, a log-safe copy of a
 * value, their configurations' copies, whether a text is fit to send or
 * take, and whether this libcurl speaks a scheme.
 */
#ifndef AMR_NOTIFY_TXUTIL_H
#define AMR_NOTIFY_TXUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* A growing text: zeroed to begin, free(p) to end. */
struct txbuf {
	char *p;    /* NUL-terminated; NULL until the first append */
	size_t len; /* bytes in p */
	size_t cap; /* bytes allocated */
	bool oom;   /* an append failed: later ones do nothing */
};

/* Append s[0..n), or the NUL-terminated s. */
void txbuf_add(struct txbuf *b, const char *s, size_t n);
void txbuf_adds(struct txbuf *b, const char *s);

/* Write the one-line reason into why (NULL or 0 bytes: nowhere). */
void tx_say(char *why, size_t why_size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* s fit for one log line in out: cut at n - 1 bytes, control characters
 * shown as '?', a character cut at the end dropped. Returns out. */
const char *tx_loggable(const char *s, char *out, size_t n);

/* A copy of s in *dst (NULL stays NULL); false when out of memory. */
bool tx_copy(char **dst, const char *s);

/* s[0..n) is valid UTF-8 without NUL or control characters but tab, CR
 * and LF: text a person may be sent or may have sent. */
bool tx_text_ok(const char *s, size_t n);

/* Whether this libcurl speaks scheme ("smtp", "https"). */
bool tx_scheme_built_in(const char *scheme);

#endif
