/*
 * utf8.h - keeping text valid UTF-8 where it is cut or comes from outside.
 *
 * jansson takes only valid UTF-8: a message that quotes a value cut at a
 * byte count (printf's "%.32s" can stop inside a character) or a payload
 * from the field would make json_pack fail, and an answer or a dead-letter
 * record would be lost for "out of memory". These make such text valid
 * first. Pure functions, no allocation but utf8_clean's.
 */
#ifndef AMR_UTF8_H
#define AMR_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* The length of the valid UTF-8 sequence at p[0..n) (1..4), or 0 when p
 * starts no valid sequence (a stray byte, a cut, overlong, a surrogate or
 * above U+10FFFF). n must be at least 1. */
size_t utf8_seq(const char *p, size_t n);

/* Make NUL-terminated s valid UTF-8 in place: a sequence cut at its end is
 * dropped and any other invalid byte becomes '?'. Returns s. */
char *utf8_fix(char *s);

/*
 * Copy at most max bytes of p[0..n) as valid UTF-8 into a new buffer
 * (NUL-terminated; the caller frees it): invalid bytes become U+FFFD and a
 * sequence is never cut. *out_len gets its length, *cut (when not NULL)
 * whether input was left over. NULL when out of memory.
 */
char *utf8_clean(const char *p, size_t n, size_t max, size_t *out_len, bool *cut);

#endif
