/*
 * tabout_csv.c - a report as CSV for a spreadsheet in a Russian locale:
 * UTF-8 with a byte order mark, ';' between fields, CRLF, a decimal
 * comma, dates DD.MM.YYYY (docs/reports.md, "CSV").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tabout_int.h"

/* Field s, quoted (RFC 4180, quotes doubled) when it holds ';', '"', CR
 * or LF. A text that starts with = + - @ or a tab gets a leading
 * apostrophe, so that a spreadsheet shows it rather than running it as a
 * formula (as lib/csvfield.h does for ',' files). */
static void field(FILE *f, const char *s, bool text)
{
	bool quote = strpbrk(s, ";\"\r\n") != NULL;

	if (quote)
		fputc('"', f);
	if (text && *s && strchr("=+-@\t", *s))
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	if (quote)
		fputc('"', f);
}

static void line(FILE *f, const struct tabout__report *r, const json_t *row)
{
	char buf[TABOUT_NUM_MAX];

	for (size_t c = 0; c < r->ncols; c++) {
		const json_t *v = tabout__cell(r, row, c);

		if (c)
			fputc(';', f);
		if (v)
			field(f, tabout__text(tabout__cell_type(r, row, c), v, TABOUT__PLAIN, buf),
			      tabout__cell_type(r, row, c) == TABOUT__TEXT);
	}
	fputs("\r\n", f);
}

amr_err tabout__csv(const struct tabout__report *r, struct tabout_buf *out, struct jv_err *err)
{
	char *data = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&data, &size);
	bool bad;

	if (!f)
		goto out_nomem;
	fputs("\xEF\xBB\xBF", f);
	for (size_t c = 0; c < r->ncols; c++) {
		if (c)
			fputc(';', f);
		field(f, r->cols[c].title, true);
	}
	fputs("\r\n", f);
	for (size_t i = 0; i < r->nrows; i++)
		line(f, r, json_array_get(r->rows, i));
	if (r->totals)
		line(f, r, r->totals);
	bad = ferror(f) != 0;
	if (fclose(f) || bad) {
		free(data);
		goto out_nomem;
	}
	out->data = (unsigned char *)data;
	out->size = size;
	return AMR_OK;
out_nomem:
	jv_fail(err, "csv: out of memory");
	return AMR_ENOMEM;
}
