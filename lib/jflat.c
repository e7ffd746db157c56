/*
 * jflat.c - yajl callbacks that read a readings batch: rows for the big
 * array, a jansson tree for the rest. See jflat.h for what is declined and
 * why.
 */
#include <stdint.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "err.h"
#include "jflat.h"

/* Containers open at once: the top object, devices, a device, its outputs,
 * with room to spare; jansson's own limit is far above. */
#define DEPTH_MAX 8

struct reader {
	const struct jflat_rows *rows;
	size_t flen[JFLAT_ROW_FIELDS]; /* strlen of rows->fields[i] */
	int nfields;
	struct jflat_out *out;
	int rc;			     /* why a callback stopped yajl */
	int depth;		     /* containers open */
	json_t *stack[DEPTH_MAX];    /* open containers; NULL for the rows array/row */
	char key[JFLAT_KEY_MAX + 1]; /* the key whose value comes next */
	bool want_rows;		     /* the key is the rows member's name */
	bool in_rows;		     /* inside the rows array (depth 2) */
	bool in_row;		     /* inside one of its elements (depth 3) */
	int field;		     /* index of the row field whose value comes next */
	int hint;		     /* the field expected next (rows repeat one order) */
	long long vals[JFLAT_ROW_FIELDS];
	unsigned present; /* bits of vals set in this row */
	yajl_handle h;	  /* to ask where the top object ended */
	size_t end;	  /* bytes up to its closing brace */
};

/* The byte rule of jflat.h: printable ASCII, tab, LF, CR; no backslash. */
static bool plain_byte(unsigned char c)
{
	return c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0x7e && c != '\\');
}

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Nonzero if a byte of x may be below n (n <= 0x80); exact when x has no
 * byte of 0x80 or more, which the caller tests as well. */
static uint64_t may_have_below(uint64_t x, unsigned n)
{
	return (x - ONES * n) & ~x & HIGHS;
}

/*
 * True if every byte of text follows plain_byte(). Then strings have no
 * escapes, no NUL and no UTF-8, and white space is what both jansson and
 * yajl accept. Eight bytes at a time: this reads the whole batch before
 * yajl does, so it must cost little next to the parse. A word that may hold
 * a byte below 0x20, at or above 0x7f, or a backslash is looked at byte by
 * byte (pretty-printed text has newlines).
 */
static bool plain_ascii(const char *text, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, text + i, 8);
		if (((w & HIGHS) | may_have_below(w, 0x20) | may_have_below(w ^ (ONES * '\\'), 1) |
		     may_have_below(w ^ (ONES * 0x7f), 1)) == 0)
			continue;
		for (size_t k = i; k < i + 8; k++)
			if (!plain_byte((unsigned char)text[k]))
				return false;
	}
	for (; i < len; i++)
		if (!plain_byte((unsigned char)text[i]))
			return false;
	return true;
}

/* Stop yajl: declined, or out of memory. Returns 0 for yajl. */
/* True if text[from..len) is JSON white space alone. */
static bool only_space(const char *text, size_t from, size_t len)
{
	for (size_t i = from; i < len; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
			return false;
	return true;
}

static int stop(struct reader *rd, int rc)
{
	rd->rc = rc;
	return 0;
}

/* Attach a new value v (ownership taken) to the open container. */
static int add(struct reader *rd, json_t *v)
{
	json_t *parent;

	if (!v)
		return stop(rd, AMR_ENOMEM);
	if (rd->depth == 0 || rd->want_rows || rd->in_rows) {
		/* a top value that is not an object, a rows member that is not
		 * an array, or a non-integer where rows are read */
		json_decref(v);
		return stop(rd, AMR_EINVAL);
	}
	parent = rd->stack[rd->depth - 1];
	/* The key is ASCII without NUL (plain_ascii) and new in parent
	 * (on_key), so the checks of json_object_set_new() are not needed. */
	if (json_is_object(parent) ? json_object_set_new_nocheck(parent, rd->key, v)
				   : json_array_append_new(parent, v))
		return stop(rd, AMR_ENOMEM);
	return 1;
}

static int on_null(void *ctx)
{
	return add(ctx, json_null());
}

static int on_bool(void *ctx, int b)
{
	return add(ctx, json_boolean(b));
}

static int on_integer(void *ctx, long long v)
{
	struct reader *rd = ctx;

	if (!rd->in_row)
		return add(rd, json_integer(v));
	rd->vals[rd->field] = v;
	rd->present |= 1u << rd->field;
	return 1;
}

static int on_double(void *ctx, double d)
{
	return stop(ctx, AMR_EINVAL); /* no float conversions to compare */
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
	return add(ctx, json_stringn_nocheck((const char *)s, len));
}

static int on_start_map(void *ctx)
{
	struct reader *rd = ctx;
	json_t *o;

	if (rd->depth == DEPTH_MAX || rd->in_row)
		return stop(rd, AMR_EINVAL);
	if (rd->in_rows) {
		rd->in_row = true;
		rd->present = 0;
		rd->stack[rd->depth++] = NULL;
		return 1;
	}
	if (rd->depth == 0) {
		if (!(o = rd->out->head = json_object()))
			return stop(rd, AMR_ENOMEM);
	} else if (!add(rd, o = json_object())) {
		return 0;
	}
	rd->stack[rd->depth++] = o;
	return 1;
}

static int on_key(void *ctx, const unsigned char *key, size_t len)
{
	struct reader *rd = ctx;
	const struct jflat_rows *rows = rd->rows;

	if (len > JFLAT_KEY_MAX)
		return stop(rd, AMR_EINVAL);
	if (rd->in_row) {
		/* Try the field after the previous one first: a gateway writes
		 * every row in the same order, so this is one comparison. */
		for (int k = 0, i = rd->hint; k < rd->nfields; k++, i = (i + 1) % rd->nfields)
			if (rd->flen[i] == len && memcmp(rows->fields[i], key, len) == 0) {
				if (rd->present & (1u << i))
					return stop(rd, AMR_EINVAL); /* duplicate */
				rd->field = i;
				rd->hint = (i + 1) % rd->nfields;
				return 1;
			}
		return stop(rd, AMR_EINVAL); /* not a row field */
	}
	memcpy(rd->key, key, len);
	rd->key[len] = '\0';
	rd->want_rows = rd->depth == 1 && strcmp(rd->key, rows->name) == 0;
	/* jansson's JSON_REJECT_DUPLICATES, at every depth */
	if (rd->want_rows ? rd->out->rows_seen
			  : json_object_get(rd->stack[rd->depth - 1], rd->key) != NULL)
		return stop(rd, AMR_EINVAL);
	return 1;
}

/* True if every field of the row keeps rows->bounds. */
static bool in_bounds(const struct jflat_rows *rows, const long long *v, unsigned present)
{
	const struct jflat_bound *b = rows->bounds;

	for (int f = 0; b && rows->fields[f]; f++)
		if (present & (1u << f) ? v[f] < b[f].min || v[f] > b[f].max : b[f].required)
			return false;
	return true;
}

static int on_end_map(void *ctx)
{
	struct reader *rd = ctx;

	rd->depth--;
	if (rd->depth == 0)
		rd->end = yajl_get_bytes_consumed(rd->h);
	if (rd->in_row) {
		rd->in_row = false;
		if (!in_bounds(rd->rows, rd->vals, rd->present))
			return stop(rd, AMR_EINVAL);
		if (rd->rows->row(rd->rows->ctx, rd->out->nrows, rd->vals, rd->present))
			return stop(rd, AMR_EINVAL);
		rd->out->nrows++;
	}
	return 1;
}

static int on_start_array(void *ctx)
{
	struct reader *rd = ctx;
	json_t *a;

	if (rd->depth == DEPTH_MAX || rd->in_rows)
		return stop(rd, AMR_EINVAL);
	if (rd->want_rows) {
		rd->want_rows = false;
		rd->in_rows = true;
		rd->out->rows_seen = true;
		rd->stack[rd->depth++] = NULL;
		return 1;
	}
	if (!add(rd, a = json_array()))
		return 0; /* add() took a and said why */
	rd->stack[rd->depth++] = a;
	return 1;
}

static int on_end_array(void *ctx)
{
	struct reader *rd = ctx;

	rd->depth--;
	rd->in_rows = false; /* only the rows array can be open when in_rows */
	return 1;
}

static const yajl_callbacks callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_bool,
	.yajl_integer = on_integer,
	.yajl_double = on_double,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_key,
	.yajl_end_map = on_end_map,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end_array,
};

amr_err jflat_read(const char *text, size_t len, const struct jflat_rows *rows,
		   struct jflat_out *out)
{
	struct reader rd = { .rows = rows, .out = out, .rc = AMR_EINVAL };
	yajl_handle h;
	yajl_status st;

	memset(out, 0, sizeof *out);
	if (!plain_ascii(text, len))
		return AMR_EINVAL;
	if (!rows->fields[0])
		return AMR_EINVAL;
	while (rows->fields[rd.nfields]) {
		if (rd.nfields == JFLAT_ROW_FIELDS)
			return AMR_EINVAL;
		rd.flen[rd.nfields] = strlen(rows->fields[rd.nfields]);
		rd.nfields++;
	}
	/* yajl's defaults are jansson's: no comments, one value, nothing
	 * after it, strings checked. */
	if (!(h = yajl_alloc(&callbacks, NULL, &rd)))
		return AMR_ENOMEM;
	rd.h = h;
	st = yajl_parse(h, (const unsigned char *)text, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	yajl_free(h);
	/* yajl takes an unterminated string after the value ({..}") for a
	 * token still to come and says ok; jansson refuses it: only white
	 * space may follow the object. */
	if (st == yajl_status_ok && out->head && rd.depth == 0 && only_space(text, rd.end, len))
		return AMR_OK;
	json_decref(out->head);
	out->head = NULL;
	/* a callback's reason, else yajl refused the text */
	return st == yajl_status_client_canceled ? rd.rc : AMR_EINVAL;
}
