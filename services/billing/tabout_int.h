/*
 * tabout_int.h - what the files of tabout share: the report once checked
 * (tabout_check.c) and the writers of each format (tabout_csv.c,
 * tabout_xlsx.c, tabout_pdf.c and its chart, tabout_chart.c).
 */
#ifndef AMR_BILLING_TABOUT_INT_H
#define AMR_BILLING_TABOUT_INT_H

#include <locale.h>

#include "tabout.h"

#define TABOUT_COLS_MAX	  64		     /* columns of a report */
#define TABOUT_ROWS_MAX	  200000	     /* rows of a report */
#define TABOUT_SERIES_MAX 8		     /* series of a chart */
#define TABOUT_NUM_MAX	  64		     /* bytes of any number as written, NUL included */
#define TABOUT_LABEL_MAX  200		     /* bytes of a label in the totals */
#define TABOUT_INT_MAX	  1000000000000000LL /* |int| a spreadsheet holds exactly */

enum tabout__type {
	TABOUT__TEXT,
	TABOUT__INT,
	TABOUT__MONEY,
	TABOUT__DECIMAL,
	TABOUT__PERCENT,
	TABOUT__DATE
};

enum tabout__chart {
	TABOUT__BAR,
	TABOUT__LINE,
	TABOUT__PIE
};

struct tabout__col {
	const char *key;	/* the rows' key (borrowed from the report) */
	const char *title;	/* the header (borrowed) */
	enum tabout__type type; /* what its cells hold */
};

/* A report that passed tabout__check(): every cell is of its column's
 * type. Everything is borrowed from the report's JSON. */
struct tabout__report {
	const char *title;			  /* the report's title */
	const char *subtitle;			  /* "" when none */
	const char *made;			  /* "2026-11-03T10:00:00Z" or NULL */
	bool landscape;				  /* the PDF's pages */
	struct tabout__col cols[TABOUT_COLS_MAX]; /* the columns, in order */
	size_t ncols;				  /* how many */
	const json_t *rows;			  /* the rows: an array of objects */
	size_t nrows;				  /* how many */
	const json_t *totals;			  /* the totals row, or NULL */
	bool label[TABOUT_COLS_MAX];		  /* the totals' first cell is a label */
	bool chart;				  /* a chart is asked for */
	enum tabout__chart kind;		  /* which */
	size_t chart_x;				  /* the labels' column */
	size_t chart_y[TABOUT_SERIES_MAX];	  /* the series' columns */
	size_t nseries;				  /* how many */
	const char *chart_title;		  /* "" when none */
};

/* How a number is written: for a spreadsheet's CSV ("-1234,56") or for
 * print ("-1 234,56", a space between thousands). */
enum tabout__style {
	TABOUT__PLAIN,
	TABOUT__GROUPED
};

/* Check report whole into *r. Returns AMR_OK or AMR_EINVAL naming the
 * field's path; *r is then partly filled and must not be used. */
amr_err tabout__check(const json_t *report, struct tabout__report *r, struct jv_err *err);

/* The cell of column c in row (an object of rows, or the totals), NULL
 * when missing or null. Borrowed. */
const json_t *tabout__cell(const struct tabout__report *r, const json_t *row, size_t c);

/* The type a row's (or the totals') cell c is written as: its column's,
 * or text for the totals' label in the first column ("Итого" under a
 * column of dates). */
enum tabout__type tabout__cell_type(const struct tabout__report *r, const json_t *row, size_t c);

/* Cell v (checked, not NULL) of a column of type t as text: a text cell's
 * own string (borrowed), or a number or date written in style s into buf
 * (TABOUT_NUM_MAX bytes): decimal comma, DD.MM.YYYY. */
const char *tabout__text(enum tabout__type t, const json_t *v, enum tabout__style s, char *buf);

/* The decimal s ("-1234.56", checked) with a decimal comma, in style s:
 * "-1234,56" or "-1 234,56", into buf (TABOUT_NUM_MAX bytes). Returns buf. */
const char *tabout__decimal(const char *s, enum tabout__style style, char *buf);

/* The number of a numeric cell v (checked, not NULL) as a double, read
 * in locale c (a "C" locale the caller made: the decimal point is '.'
 * whatever the process's locale is). The nearest double to the decimal:
 * what a spreadsheet's cell holds, or a coordinate to draw; never used
 * for arithmetic on amounts. */
double tabout__value(enum tabout__type t, const json_t *v, locale_t c);

/* True for the types written as numbers (right-aligned, charted). */
bool tabout__numeric(enum tabout__type t);

/* The writers, over a checked report, into *out (new). Each returns
 * AMR_OK, AMR_ENOMEM or AMR_EIO with err naming the library's failure;
 * *out is untouched on error. */
amr_err tabout__csv(const struct tabout__report *r, struct tabout_buf *out, struct jv_err *err);
amr_err tabout__xlsx(const struct tabout__report *r, struct tabout_buf *out, struct jv_err *err);
amr_err tabout__pdf(const struct tabout__report *r, struct tabout_buf *out, struct jv_err *err);

#endif
