/*
 * jflat.h - a streaming reader (yajl) for the hot path of readings batches.
 *
 * A readings batch is a JSON object with a few scalars, one big array of
 * small integer-only objects (the readings) and a few short arrays (devices,
 * events). Parsing it with json_loadb() builds one jansson value per field
 * of every reading - about 770 allocations and hash insertions for 128
 * readings - only for the checks to read them back once. jflat_read() hands
 * the elements of that one array to the caller as rows of integers, read
 * straight from yajl's callbacks, and builds a jansson tree only for the
 * rest of the document (the "head").
 *
 * It is an accelerator, not a judge. It answers AMR_OK only for a text that
 * json_loadb(text, len, JSON_REJECT_DUPLICATES) accepts, with exactly the
 * values jansson would give: the head is then the tree jansson would build,
 * minus the rows member. For anything else - malformed JSON, but also
 * anything merely unusual - it declines (AMR_EINVAL) and the caller parses
 * the text with jansson, whose errors and the caller's messages stay the
 * only ones users see. It declines when:
 *   - a byte is outside printable ASCII, tab, CR, LF, or is a backslash
 *     (so every string is plain ASCII, with no escapes, NUL or UTF-8 for
 *     the two libraries to judge differently; yajl also accepts \f and \v
 *     as white space, jansson does not);
 *   - the top value is not an object, values nest more than 8 deep, or a
 *     number has a fraction or exponent (no float conversion to compare);
 *   - an object repeats a key, or a key is longer than JFLAT_KEY_MAX;
 *   - the rows member is not an array of objects whose members are all
 *     integers named in the row's fields, each at most once;
 *   - yajl refuses the text, or the caller's row callback says no.
 */
#ifndef AMR_JFLAT_H
#define AMR_JFLAT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"

#define JFLAT_ROW_FIELDS 8  /* most fields a row may have */
#define JFLAT_KEY_MAX	 63 /* longest key read (bytes) */

/* What a row's field must be: present or not, and within min..max. */
struct jflat_bound {
	bool required;	    /* a row without it is declined */
	long long min, max; /* inclusive bounds */
};

struct jflat_rows {
	const char *name;	   /* the top-level member read as rows ("readings") */
	const char *const *fields; /* its fields' names, NULL-terminated, at most 8 */
	/* Bounds of fields[i] (NULL: none). A row that breaks one is declined
	 * before row() sees it, so callers share one table with the tree
	 * path's jv_int() checks and write no range check twice. */
	const struct jflat_bound *bounds;
	/* Called once per element, in order: vals[i] holds fields[i] when bit i
	 * of present is set. Nonzero makes jflat_read() decline. */
	int (*row)(void *ctx, size_t index, const long long *vals, unsigned present);
	void *ctx; /* passed to row */
};

struct jflat_out {
	json_t *head;	/* new reference: the object without the rows member */
	bool rows_seen; /* the rows member was there (an array) */
	size_t nrows;	/* elements delivered to row() */
};

/*
 * Read text[0..len). Returns AMR_OK and fills *out (out->head is new: the
 * caller frees it); AMR_EINVAL when it declines (see above; rows may already have
 * been delivered, the caller discards them); AMR_ENOMEM. On failure
 * out->head is NULL.
 */
amr_err jflat_read(const char *text, size_t len, const struct jflat_rows *rows,
		   struct jflat_out *out);

#endif
