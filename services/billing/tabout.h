/*
 * tabout.h - a report's table out as a file: CSV, XLSX or PDF
 * (docs/reports.md, "Formats").
 *
 * A report is JSON: a title, a subtitle, columns (a key, a title and a
 * type: text, int, money, decimal, percent, date), rows keyed by the
 * columns' keys, an optional totals row, an optional chart and the page's
 * orientation. Numbers arrive as exact decimal strings ("1234.56") and are
 * written as the reader of each format expects: CSV for a spreadsheet in a
 * Russian locale ("1234,56", ';' between fields), XLSX with real numbers
 * and dates, PDF for print ("1 234,56", page numbers, the chart drawn).
 *
 * The whole report is checked before anything is written; an error names
 * the field's path ("rows[3].amount: \"12,5\" is not a decimal"). Pure:
 * no global state, safe to call from a worker thread; each call makes its
 * own cairo surface, pango font map or workbook.
 */
#ifndef AMR_BILLING_TABOUT_H
#define AMR_BILLING_TABOUT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "jv.h"

enum tabout_format {
	TABOUT_CSV,
	TABOUT_XLSX,
	TABOUT_PDF
};

struct tabout_buf {	     /* a rendered file; the caller frees with tabout_buf_free() */
	unsigned char *data; /* its bytes (new) */
	size_t size;	     /* how many */
};

/* "csv", "xlsx", "pdf" -> the format; false for anything else. */
bool tabout_format_parse(const char *name, enum tabout_format *out);

/* The file's extension and media type of f ("csv", "text/csv; charset=utf-8";
 * "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
 * "pdf", "application/pdf"). Static strings. */
const char *tabout_ext(enum tabout_format f);
const char *tabout_type(enum tabout_format f);

/* Render report (borrowed; the shape of docs/reports.md) as f into *out (new). Returns
 * AMR_OK; AMR_EINVAL naming the field when the report breaks the shape
 * ("rows[3].amount: \"12,5\" is not a decimal"), AMR_ENOMEM, AMR_EIO (a
 * library failed; err says which). *out is untouched on error. Pure: no
 * global state, safe to call from a worker thread (each call makes its
 * own cairo surface / pango font map / workbook). */
amr_err tabout_render(const json_t *report, enum tabout_format f, struct tabout_buf *out,
		      struct jv_err *err);

/* Free b's bytes and empty it. Accepts NULL or an empty one. */
void tabout_buf_free(struct tabout_buf *b);

#endif
