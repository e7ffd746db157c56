/*
 * recdraw_page.h - the blocks of a receipt's page (recdraw_page.c), as
 * recdraw.c lays them out: the top (payee, title, payer), the table's
 * head and rows, the bottom (totals, QR code, notice), the footer. Each
 * block measures itself without drawing (show false), so that a receipt
 * is split over pages before its first page is drawn. Not for other
 * modules.
 */
#ifndef AMR_BILLING_RECDRAW_PAGE_H
#define AMR_BILLING_RECDRAW_PAGE_H

#include <stdbool.h>

#include <pango/pangocairo.h>

#include "recdraw_int.h"

#define RECDRAW__PAGE_W	     595.276 /* A4, points */
#define RECDRAW__PAGE_H	     841.890
#define RECDRAW__MARGIN	     28.35		     /* 10 mm */
#define RECDRAW__FOOTER_TOP  (RECDRAW__PAGE_H - 38)  /* where the footer starts */
#define RECDRAW__GOES_ON_H   14			     /* the line "continued on the next page" */
#define RECDRAW__ROWS_MAX    (RECDRAW_LINES_MAX + 1) /* the lines and the ОДН section */
#define RECDRAW__ROW_SECTION (-1)		     /* a row that heads the ОДН lines */

enum recdraw__style {
	RECDRAW__S_SMALL,     /* captions */
	RECDRAW__S_TEXT,      /* the payee's and payer's details */
	RECDRAW__S_BOLD,      /* the notice, the due date */
	RECDRAW__S_NAME,      /* the payee's name */
	RECDRAW__S_TITLE,     /* the title, the total */
	RECDRAW__S_BIG,	      /* the account number, the sum to pay */
	RECDRAW__S_CELL,      /* the table */
	RECDRAW__S_CELL_BOLD, /* the amounts, the section */
	RECDRAW__S_NOTE,      /* a line's reason */
	RECDRAW__S_HEAD,      /* the table's head */
	RECDRAW__STYLES
};

struct recdraw__laid;

/* One call's drawing state. */
struct recdraw__draw {
	cairo_t *cr;			   /* on the PDF surface */
	PangoFontMap *fontmap;		   /* the call's own */
	PangoContext *ctx;		   /* of fontmap, for cr */
	PangoLayout *lay[RECDRAW__STYLES]; /* one a style, for texts not kept */
	struct recdraw__laid *laid;	   /* texts kept laid out (recdraw_lay.c) */
	size_t nlaid;			   /* how many */
	const struct recdraw__receipt *r;  /* the receipt drawn */
	int *rows;			   /* its rows: line indexes or ROW_SECTION */
	double lh[RECDRAW__STYLES];	   /* a line's height in each style */
	double table_top;		   /* where its rows start on each page */
	int page, pages;		   /* the page drawn (0..) of how many */
};

/* The call's font map, context and layouts (new), over d->cr. Returns
 * AMR_OK, AMR_ENOMEM or AMR_EIO (pango failed). */
amr_err recdraw__layouts_new(struct recdraw__draw *d, struct jv_err *err);

/* Free what recdraw__layouts_new made; what it left NULL too. */
void recdraw__layouts_free(struct recdraw__draw *d);

/*
 * Text s in style st at (x, y), w wide (the alignment's width), at most
 * lines lines (then an ellipsis; 0: as many as it takes). Drawn when
 * show; returns its height either way ("" is a line high, drawn as
 * nothing).
 */
double recdraw__text(struct recdraw__draw *d, enum recdraw__style st, double x, double y, double w,
		     PangoAlignment align, int lines, bool show, const char *s);

/* Draw (show) or measure the top of the page; returns where it ends. */
double recdraw__top(struct recdraw__draw *d, bool show);

/* The table's head at y; returns its height. */
double recdraw__table_head(struct recdraw__draw *d, double y, bool show);

/* Row (a line's index, or RECDRAW__ROW_SECTION) at y; returns its height. */
double recdraw__row(struct recdraw__draw *d, int row, double y, bool show);

/* The most row can take, without laying it out. */
double recdraw__row_max(const struct recdraw__draw *d, int row);

/* The most the bottom (recdraw__bottom) can take, without laying it out. */
double recdraw__bottom_max(const struct recdraw__draw *d);

/* The totals, the QR code and the notice at y, their height into *h
 * (may be NULL). Returns AMR_OK, or recdraw__qr()'s error when shown. */
amr_err recdraw__bottom(struct recdraw__draw *d, double y, bool show, double *h,
			struct jv_err *err);

/* "Continued on the next page" at y. */
void recdraw__goes_on(struct recdraw__draw *d, double y);

/* The footer: the account, the document, the page of pages. */
void recdraw__footer(struct recdraw__draw *d);

#endif
