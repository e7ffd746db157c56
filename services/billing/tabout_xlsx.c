/*
 * tabout_xlsx.c - a report as an XLSX workbook with libxlsxwriter: one
 * sheet, the title, the subtitle, the header, the rows and the totals,
 * numbers as numbers and dates as dates, and the chart as the
 * spreadsheet's own (docs/reports.md, "XLSX").
 *
 * Debian 12's libxlsxwriter (1.1.4) writes only to a named file, so the
 * workbook goes to a file made with mkstemp in $TMPDIR, read back and
 * removed before returning.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "tabout_int.h"

#define DEC_FORMATS 10 /* decimals 0..9, each its own number format */
#define WIDTH_MIN   6  /* a column's width, characters */
#define WIDTH_MAX   60
#define HEADER_MAX  24 /* a longer header wraps rather than widen its column */
#define FIRST_ROW   3  /* the rows start under the title, subtitle and header */
#define SHEET	    "Отчёт"

/* The cell formats of one sheet, normal [0] and bold [1] (the totals);
 * made when first used, owned by the workbook. */
struct formats {
	lxw_workbook *wb;
	lxw_format *title, *header;
	lxw_format *text[2], *integer[2], *money[2], *date[2];
	lxw_format *dec[2][DEC_FORMATS];
	bool nomem; /* a format could not be made */
};

static lxw_format *format(struct formats *f, lxw_format **slot, bool bold, const char *num)
{
	if (*slot)
		return *slot;
	if (!(*slot = workbook_add_format(f->wb))) {
		f->nomem = true;
		return NULL;
	}
	if (bold)
		format_set_bold(*slot);
	if (num)
		format_set_num_format(*slot, num);
	return *slot;
}

/* The format of a cell v (not NULL) of column type t. */
static lxw_format *cell_format(struct formats *f, enum tabout__type t, const json_t *v, bool bold)
{
	const char *s = json_string_value(v), *dot;
	char num[32] = "#,##0";
	size_t frac = 0;

	switch (t) {
	case TABOUT__INT:
		return format(f, &f->integer[bold], bold, "0");
	case TABOUT__MONEY:
		return format(f, &f->money[bold], bold, "#,##0.00");
	case TABOUT__DATE:
		return format(f, &f->date[bold], bold, "DD.MM.YYYY");
	case TABOUT__DECIMAL:
	case TABOUT__PERCENT:
		/* shown with the decimals the report gave */
		if ((dot = strchr(s, '.')))
			frac = strlen(dot + 1);
		if (frac) {
			strcat(num, ".");
			for (size_t i = 0; i < frac; i++)
				strcat(num, "0");
		}
		return format(f, &f->dec[bold][frac], bold, num);
	default:
		return format(f, &f->text[bold], bold, NULL);
	}
}

/* Write one row (or the totals, bold) at sheet row at. */
static lxw_error row(lxw_worksheet *ws, struct formats *f, const struct tabout__report *r,
		     const json_t *o, lxw_row_t at, bool bold, locale_t c)
{
	lxw_error e = LXW_NO_ERROR;

	for (size_t i = 0; i < r->ncols && !e; i++) {
		enum tabout__type t = tabout__cell_type(r, o, i);
		const json_t *v = tabout__cell(r, o, i);
		lxw_format *fmt;
		const char *s;

		if (!v) {
			if (bold)
				e = worksheet_write_blank(ws, at, (lxw_col_t)i,
							  format(f, &f->text[1], true, NULL));
			continue;
		}
		if (!(fmt = cell_format(f, t, v, bold)))
			return LXW_ERROR_MEMORY_MALLOC_FAILED;
		s = json_string_value(v);
		if (t == TABOUT__TEXT) {
			e = worksheet_write_string(ws, at, (lxw_col_t)i, s, fmt);
		} else if (t == TABOUT__DATE) {
			lxw_datetime d = { atoi(s), atoi(s + 5), atoi(s + 8), 0, 0, 0 };

			e = worksheet_write_datetime(ws, at, (lxw_col_t)i, &d, fmt);
		} else {
			/* The exact decimal string becomes a double only here, as the
			 * spreadsheet's number: the nearest double to it, which Excel
			 * shows back as the same decimal (up to 15 digits). */
			e = worksheet_write_number(ws, at, (lxw_col_t)i, tabout__value(t, v, c),
						   fmt);
		}
	}
	return e;
}

/* Characters of UTF-8 text s (its bytes that do not continue one). */
static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* The widths of the columns: the longest cell as shown, or the header's
 * up to HEADER_MAX. */
static void widths(lxw_worksheet *ws, const struct tabout__report *r)
{
	char buf[TABOUT_NUM_MAX];

	for (size_t c = 0; c < r->ncols; c++) {
		size_t w = chars(r->cols[c].title);

		w = w > HEADER_MAX ? HEADER_MAX : w;
		for (size_t i = 0; i <= r->nrows; i++) {
			const json_t *o = i < r->nrows ? json_array_get(r->rows, i) : r->totals;
			const json_t *v = o ? tabout__cell(r, o, c) : NULL;
			size_t n;

			if (!v)
				continue;
			n = chars(
				tabout__text(tabout__cell_type(r, o, c), v, TABOUT__GROUPED, buf));
			w = n > w ? n : w;
		}
		w += 2;
		w = w < WIDTH_MIN ? WIDTH_MIN : w > WIDTH_MAX ? WIDTH_MAX : w;
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, (double)w, NULL);
	}
}

/* "2026-11-03T10:00:00Z" (checked) as a time_t, for the document's date. */
static time_t made(const char *s)
{
	struct tm tm = { 0 };

	if (!s)
		return 0;
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	tm.tm_hour = atoi(s + 11);
	tm.tm_min = atoi(s + 14);
	tm.tm_sec = atoi(s + 17);
	return timegm(&tm);
}

/* The report's chart as the spreadsheet's own, right of the table, over
 * the sheet's cells (so it follows an edit of them). */
static lxw_error chart(lxw_workbook *wb, lxw_worksheet *ws, const struct tabout__report *r)
{
	static const uint8_t types[] = { [TABOUT__BAR] = LXW_CHART_COLUMN,
					 [TABOUT__LINE] = LXW_CHART_LINE,
					 [TABOUT__PIE] = LXW_CHART_PIE };
	lxw_row_t first = FIRST_ROW, last = FIRST_ROW + (lxw_row_t)r->nrows - 1;
	lxw_col_t x = (lxw_col_t)r->chart_x;
	lxw_chart *ch;

	if (!r->chart || !r->nrows)
		return LXW_NO_ERROR;
	if (!(ch = workbook_add_chart(wb, types[r->kind])))
		return LXW_ERROR_MEMORY_MALLOC_FAILED;
	for (size_t i = 0; i < r->nseries; i++) {
		lxw_chart_series *s = chart_add_series(ch, NULL, NULL);
		lxw_col_t y = (lxw_col_t)r->chart_y[i];

		if (!s)
			return LXW_ERROR_MEMORY_MALLOC_FAILED;
		chart_series_set_categories(s, SHEET, first, x, last, x);
		chart_series_set_values(s, SHEET, first, y, last, y);
		chart_series_set_name_range(s, SHEET, FIRST_ROW - 1, y);
	}
	chart_title_set_name(ch, *r->chart_title ? r->chart_title : r->title);
	chart_legend_set_position(ch, LXW_CHART_LEGEND_BOTTOM);
	return worksheet_insert_chart(ws, FIRST_ROW - 1, (lxw_col_t)r->ncols + 1, ch);
}

/* The sheet's contents. Returns the first error of libxlsxwriter. */
static lxw_error sheet(lxw_workbook *wb, struct formats *f, const struct tabout__report *r,
		       locale_t c)
{
	lxw_worksheet *ws = workbook_add_worksheet(wb, SHEET);
	lxw_row_t at = FIRST_ROW;
	lxw_error e;

	if (!ws || !(f->title = workbook_add_format(wb)) || !(f->header = workbook_add_format(wb)))
		return LXW_ERROR_MEMORY_MALLOC_FAILED;
	format_set_bold(f->title);
	format_set_font_size(f->title, 14);
	format_set_bold(f->header);
	format_set_text_wrap(f->header);
	format_set_align(f->header, LXW_ALIGN_VERTICAL_TOP);
	format_set_bottom(f->header, LXW_BORDER_THIN);
	if ((e = worksheet_write_string(ws, 0, 0, r->title, f->title)) ||
	    (*r->subtitle && (e = worksheet_write_string(ws, 1, 0, r->subtitle, NULL))))
		return e;
	for (size_t i = 0; i < r->ncols; i++)
		if ((e = worksheet_write_string(ws, FIRST_ROW - 1, (lxw_col_t)i, r->cols[i].title,
						f->header)))
			return e;
	for (size_t i = 0; i < r->nrows; i++, at++)
		if ((e = row(ws, f, r, json_array_get(r->rows, i), at, false, c)))
			return e;
	if (r->totals && (e = row(ws, f, r, r->totals, at, true, c)))
		return e;
	widths(ws, r);
	worksheet_freeze_panes(ws, FIRST_ROW, 0);
	if (f->nomem)
		return LXW_ERROR_MEMORY_MALLOC_FAILED;
	return chart(wb, ws, r);
}

/* The whole of the file open on fd into *out (new). */
static amr_err slurp(int fd, struct tabout_buf *out, struct jv_err *err)
{
	struct stat st;
	unsigned char *data;
	size_t got = 0;

	if (fstat(fd, &st) || lseek(fd, 0, SEEK_SET) < 0) {
		jv_fail(err, "xlsx: reading the workbook back: %s", strerror(errno));
		return AMR_EIO;
	}
	if (!(data = malloc(st.st_size ? (size_t)st.st_size : 1))) {
		jv_fail(err, "xlsx: out of memory");
		return AMR_ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(data);
			jv_fail(err, "xlsx: reading the workbook back: %s",
				n ? strerror(errno) : "short file");
			return AMR_EIO;
		}
		got += (size_t)n;
	}
	out->data = data;
	out->size = got;
	return AMR_OK;
}

amr_err tabout__xlsx(const struct tabout__report *r, struct tabout_buf *out, struct jv_err *err)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	lxw_workbook_options opt = { 0 };
	lxw_doc_properties props = { 0 };
	struct formats f = { 0 };
	locale_t c;
	lxw_error e;
	amr_err rc;
	int fd;

	dir = dir && *dir ? dir : "/tmp";
	snprintf(path, sizeof path, "%s/amr-tabout-XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0) {
		jv_fail(err, "xlsx: a temporary file in %s: %s", dir, strerror(errno));
		return AMR_EIO;
	}
	if (!(c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0))) {
		rc = AMR_ENOMEM;
		jv_fail(err, "xlsx: out of memory");
		goto out_unlink;
	}
	opt.tmpdir = (char *)dir;
	if (!(f.wb = workbook_new_opt(path, &opt))) {
		rc = AMR_ENOMEM;
		jv_fail(err, "xlsx: out of memory");
		goto out_freelocale;
	}
	props.title = (char *)r->title;
	props.subject = (char *)r->subtitle;
	props.author = "amr-billing";
	props.created = made(r->made);
	workbook_set_properties(f.wb, &props);
	e = sheet(f.wb, &f, r, c);
	/* closing writes the file, and frees the workbook even after an error */
	if (e)
		workbook_close(f.wb);
	else
		e = workbook_close(f.wb);
	if (e) {
		rc = e == LXW_ERROR_MEMORY_MALLOC_FAILED ? AMR_ENOMEM : AMR_EIO;
		jv_fail(err, "xlsx: libxlsxwriter: %s", lxw_strerror(e));
		goto out_freelocale;
	}
	rc = slurp(fd, out, err);
out_freelocale:
	freelocale(c);
out_unlink:
	unlink(path);
	close(fd);
	return rc;
}
