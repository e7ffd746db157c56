/*
 * tabout_check.c - a report's JSON checked whole before any file is
 * written, and its cells as text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tabout_int.h"

static const char *const types[] = { "text", "int", "money", "decimal", "percent", "date", NULL };
static const char *const kinds[] = { "bar", "line", "pie", NULL };
static const char *const orientations[] = { "portrait", "landscape", NULL };

/* err's message (from a jv_ reader, "key: missing") under a path:
 * "columns[2].key: missing". Returns AMR_EINVAL. */
static amr_err under(struct jv_err *err, const char *fmt, ...)
{
	char path[80], msg[sizeof err->msg];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof msg, "%s", err->msg);
	return jv_fail(err, "%s.%s", path, msg);
}

/*
 * s is a decimal as the reports write it: an optional '-', 1 to 18 digits
 * (no leading zero but "0" itself), optionally '.' and 1 to 9 digits.
 * *frac gets the decimals written. No exponent, no comma, no spaces.
 */
static bool decimal(const char *s, int *frac)
{
	size_t n = 0, f = 0;

	if (*s == '-')
		s++;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n < 1 || n > 18 || (n > 1 && s[0] == '0'))
		return false;
	s += n;
	if (*s == '.') {
		s++;
		while (s[f] >= '0' && s[f] <= '9')
			f++;
		if (f < 1 || f > 9)
			return false;
		s += f;
	}
	*frac = (int)f;
	return *s == '\0';
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* s is "YYYY-MM-DD", a day of the calendar; its parts into y, m, d. */
static bool date(const char *s, int *y, int *m, int *d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	char tail;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	if (sscanf(s, "%4d-%2d-%2d%c", y, m, d, &tail) != 3)
		return false;
	if (*y < 1900 || *m < 1 || *m > 12 || *d < 1)
		return false;
	return *d <= mdays[*m - 1] + (*m == 2 && leap(*y));
}

/* "2026-11-03T10:00:00Z": the time a report was made, in UTC. */
static bool made_time(const char *s)
{
	int y, mo, d, h, mi, sec;

	if (strlen(s) != 20 || s[10] != 'T' || s[19] != 'Z' || s[13] != ':' || s[16] != ':')
		return false;
	for (int i = 11; i < 19; i++)
		if (i != 13 && i != 16 && (s[i] < '0' || s[i] > '9'))
			return false;
	{
		char day[11];

		memcpy(day, s, 10);
		day[10] = '\0';
		if (!date(day, &y, &mo, &d))
			return false;
	}
	if (sscanf(s + 11, "%2d:%2d:%2d", &h, &mi, &sec) != 3)
		return false;
	return h < 24 && mi < 60 && sec < 60;
}

/* One cell v (not NULL, not null) of column col; path names it. */
static amr_err cell(const struct tabout__col *col, const json_t *v, const char *path,
		    struct jv_err *err)
{
	const char *s = json_string_value(v);
	int frac, y, m, d;

	if (col->type == TABOUT__INT) {
		if (!json_is_integer(v))
			return jv_fail(err, "%s: expected an integer, got %s", path,
				       jv_type_name(v));
		if (json_integer_value(v) > TABOUT_INT_MAX ||
		    json_integer_value(v) < -TABOUT_INT_MAX)
			return jv_fail(err, "%s: %lld is out of range -%lld..%lld", path,
				       (long long)json_integer_value(v), TABOUT_INT_MAX,
				       TABOUT_INT_MAX);
		return AMR_OK;
	}
	if (!s)
		return jv_fail(err, "%s: expected a string, got %s", path, jv_type_name(v));
	if (strlen(s) != json_string_length(v))
		return jv_fail(err, "%s: contains a NUL character", path);
	switch (col->type) {
	case TABOUT__MONEY:
		if (!decimal(s, &frac))
			return jv_fail(err, "%s: \"%.40s\" is not a decimal", path, s);
		if (frac != 2)
			return jv_fail(err, "%s: \"%.40s\" is not money: exactly 2 decimals", path,
				       s);
		return AMR_OK;
	case TABOUT__DECIMAL:
	case TABOUT__PERCENT:
		if (!decimal(s, &frac))
			return jv_fail(err, "%s: \"%.40s\" is not a decimal", path, s);
		return AMR_OK;
	case TABOUT__DATE:
		if (!date(s, &y, &m, &d))
			return jv_fail(err, "%s: \"%.40s\" is not a date (YYYY-MM-DD)", path, s);
		return AMR_OK;
	default:
		return AMR_OK;
	}
}

static int column(const struct tabout__report *r, const char *key)
{
	for (size_t c = 0; c < r->ncols; c++)
		if (!strcmp(r->cols[c].key, key))
			return (int)c;
	return -1;
}

/* A row (or the totals): an object whose keys are columns' keys and whose
 * cells are of their columns' types. */
static amr_err row(struct tabout__report *r, const json_t *o, const char *path, struct jv_err *err)
{
	const char *key;
	json_t *v;
	char at[120];
	int c;

	if (!json_is_object(o))
		return jv_fail(err, "%s: expected an object, got %s", path, jv_type_name(o));
	json_object_foreach((json_t *)o, key, v) {
		snprintf(at, sizeof at, "%s.%.60s", path, key);
		if ((c = column(r, key)) < 0)
			return jv_fail(err, "%s: not a column's key", at);
		if (o == r->totals && c == 0 && r->cols[c].type != TABOUT__TEXT &&
		    json_is_string(v) && json_string_length(v) <= TABOUT_LABEL_MAX &&
		    cell(&r->cols[c], v, at, err)) {
			r->label[c] = true; /* a label of the totals, not a value */
			err->msg[0] = 0;
			continue;
		}
		if (!json_is_null(v) && cell(&r->cols[c], v, at, err))
			return AMR_EINVAL;
	}
	return AMR_OK;
}

static amr_err columns(const json_t *report, struct tabout__report *r, struct jv_err *err)
{
	static const char *const fields[] = { "key", "title", "type", NULL };
	json_t *arr, *col;
	size_t i;
	int type;

	if (jv_array(report, "columns", true, TABOUT_COLS_MAX, &arr, err))
		return AMR_EINVAL;
	if (!json_array_size(arr))
		return jv_fail(err, "columns: empty; a report has at least one column");
	json_array_foreach(arr, i, col) {
		struct tabout__col *c = &r->cols[i];

		if (!json_is_object(col))
			return jv_fail(err, "columns[%zu]: expected an object, got %s", i,
				       jv_type_name(col));
		if (jv_only(col, fields, err) ||
		    jv_str(col, "key", true, NULL, 1, 64, &c->key, err) ||
		    jv_str(col, "title", true, NULL, 0, 200, &c->title, err) ||
		    jv_enum(col, "type", true, 0, types, &type, err))
			return under(err, "columns[%zu]", i);
		c->type = (enum tabout__type)type;
		if (column(r, c->key) >= 0)
			return jv_fail(err, "columns[%zu].key: \"%s\" is used twice", i, c->key);
		r->ncols = i + 1;
	}
	return AMR_OK;
}

/* A column's key in chart's field (a string); its index into *out. */
static amr_err chart_key(const struct tabout__report *r, const json_t *v, const char *path,
			 size_t *out, struct jv_err *err)
{
	int c;

	if (!v)
		return jv_fail(err, "%s: missing", path);
	if (!json_is_string(v))
		return jv_fail(err, "%s: expected a column's key, got %s", path, jv_type_name(v));
	if ((c = column(r, json_string_value(v))) < 0)
		return jv_fail(err, "%s: \"%.60s\" is not a column's key", path,
			       json_string_value(v));
	*out = (size_t)c;
	return AMR_OK;
}

static amr_err chart(const json_t *report, struct tabout__report *r, struct jv_err *err)
{
	static const char *const fields[] = { "kind", "x", "y", "title", NULL };
	json_t *ch, *ys, *y;
	char path[32];
	size_t i;
	int kind;

	if (jv_object(report, "chart", false, &ch, err))
		return AMR_EINVAL;
	if (!ch)
		return AMR_OK;
	if (jv_only(ch, fields, err) || jv_enum(ch, "kind", true, 0, kinds, &kind, err) ||
	    jv_str(ch, "title", false, "", 0, 200, &r->chart_title, err) ||
	    jv_array(ch, "y", true, TABOUT_SERIES_MAX, &ys, err))
		return under(err, "chart");
	r->kind = (enum tabout__chart)kind;
	if (chart_key(r, json_object_get(ch, "x"), "chart.x", &r->chart_x, err))
		return AMR_EINVAL;
	if (!json_array_size(ys))
		return jv_fail(err, "chart.y: empty; a chart has at least one series");
	if (r->kind == TABOUT__PIE && json_array_size(ys) > 1)
		return jv_fail(err, "chart.y: %zu series; a pie shows one", json_array_size(ys));
	json_array_foreach(ys, i, y) {
		snprintf(path, sizeof path, "chart.y[%zu]", i);
		if (chart_key(r, y, path, &r->chart_y[i], err))
			return AMR_EINVAL;
		if (!tabout__numeric(r->cols[r->chart_y[i]].type))
			return jv_fail(err, "%s: \"%s\" is a %s column; a series needs numbers",
				       path, r->cols[r->chart_y[i]].key,
				       types[r->cols[r->chart_y[i]].type]);
	}
	r->nseries = json_array_size(ys);
	r->chart = true;
	return AMR_OK;
}

amr_err tabout__check(const json_t *report, struct tabout__report *r, struct jv_err *err)
{
	static const char *const fields[] = { "title", "subtitle",    "columns", "rows", "totals",
					      "chart", "orientation", "made",	 NULL };
	json_t *rows, *totals, *o;
	int orientation;
	char path[32];
	size_t i;

	memset(r, 0, sizeof *r);
	if (!json_is_object(report))
		return jv_fail(err, "report: expected an object, got %s", jv_type_name(report));
	if (jv_only(report, fields, err) ||
	    jv_str(report, "title", true, NULL, 1, 300, &r->title, err) ||
	    jv_str(report, "subtitle", false, "", 0, 300, &r->subtitle, err) ||
	    jv_str(report, "made", false, NULL, 0, 40, &r->made, err) ||
	    jv_enum(report, "orientation", false, 0, orientations, &orientation, err))
		return AMR_EINVAL;
	if (r->made && !made_time(r->made))
		return jv_fail(err, "made: \"%s\" is not a time in UTC (YYYY-MM-DDThh:mm:ssZ)",
			       r->made);
	r->landscape = orientation == 1;
	if (columns(report, r, err) ||
	    jv_array(report, "rows", true, TABOUT_ROWS_MAX, &rows, err) ||
	    jv_object(report, "totals", false, &totals, err))
		return AMR_EINVAL;
	json_array_foreach(rows, i, o) {
		snprintf(path, sizeof path, "rows[%zu]", i);
		if (row(r, o, path, err))
			return AMR_EINVAL;
	}
	r->totals = totals; /* row() tells the totals by it */
	if (totals && row(r, totals, "totals", err))
		return AMR_EINVAL;
	r->rows = rows;
	r->nrows = json_array_size(rows);
	r->totals = totals;
	return chart(report, r, err);
}

const json_t *tabout__cell(const struct tabout__report *r, const json_t *row, size_t c)
{
	const json_t *v = json_object_get(row, r->cols[c].key);

	return json_is_null(v) ? NULL : v;
}

enum tabout__type tabout__cell_type(const struct tabout__report *r, const json_t *row, size_t c)
{
	return row == r->totals && r->label[c] ? TABOUT__TEXT : r->cols[c].type;
}

bool tabout__numeric(enum tabout__type t)
{
	return t == TABOUT__INT || t == TABOUT__MONEY || t == TABOUT__DECIMAL ||
	       t == TABOUT__PERCENT;
}

const char *tabout__decimal(const char *s, enum tabout__style style, char *buf)
{
	size_t n = 0, digits;
	char *o = buf;

	if (*s == '-')
		*o++ = *s++;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	digits = n;
	for (size_t i = 0; i < n; i++) {
		if (style == TABOUT__GROUPED && i && digits % 3 == 0)
			*o++ = ' ';
		*o++ = s[i];
		digits--;
	}
	if (s[n] == '.') {
		*o++ = ',';
		strcpy(o, s + n + 1);
	} else {
		*o = '\0';
	}
	return buf;
}

const char *tabout__text(enum tabout__type t, const json_t *v, enum tabout__style s, char *buf)
{
	const char *str = json_string_value(v);
	char num[TABOUT_NUM_MAX];

	switch (t) {
	case TABOUT__INT:
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		return tabout__decimal(num, s, buf);
	case TABOUT__MONEY:
	case TABOUT__DECIMAL:
	case TABOUT__PERCENT:
		return tabout__decimal(str, s, buf);
	case TABOUT__DATE:
		snprintf(buf, TABOUT_NUM_MAX, "%.2s.%.2s.%.4s", str + 8, str + 5, str);
		return buf;
	default:
		return str;
	}
}

double tabout__value(enum tabout__type t, const json_t *v, locale_t c)
{
	if (t == TABOUT__INT)
		return (double)json_integer_value(v);
	return strtod_l(json_string_value(v), NULL, c);
}
