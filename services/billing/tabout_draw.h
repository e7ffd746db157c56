/*
 * tabout_draw.h - what the PDF's table (tabout_pdf.c) and its chart
 * (tabout_chart.c) share: a pen that measures and draws text with pango
 * on a cairo context. Coordinates are PDF points (1/72 inch); floating
 * point here is for coordinates only, never for the report's numbers.
 */
#ifndef AMR_BILLING_TABOUT_DRAW_H
#define AMR_BILLING_TABOUT_DRAW_H

#include <cairo.h>
#include <pango/pangocairo.h>

#include "tabout_int.h"

#define TABOUT_FONT "DejaVu Sans"

/* The fonts of a page. */
enum tabout__font {
	TABOUT__BODY,  /* the table's cells */
	TABOUT__BOLD,  /* its header and totals */
	TABOUT__SMALL, /* the chart's ticks and labels, the page numbers */
	TABOUT__HEAD,  /* the subtitle, the chart's title */
	TABOUT__TITLE, /* the report's title */
	TABOUT__FONTS
};

struct tabout__pen {
	cairo_t *cr;				   /* the page being drawn */
	PangoLayout *layout;			   /* reused for every text */
	PangoFontDescription *font[TABOUT__FONTS]; /* by enum tabout__font */
	locale_t c;				   /* a "C" locale for tabout__value() */
	bool nomem;				   /* an allocation failed while drawing */
};

/* Lay text s out in font f: on one line when width <= 0, else wrapped at
 * width (a word longer than that is broken), aligned as align. Returns
 * the layout (borrowed from the pen); its size in points through w, h. */
PangoLayout *tabout__pen_lay(struct tabout__pen *p, enum tabout__font f, const char *s,
			     double width, PangoAlignment align, double *w, double *h);

/* Draw what tabout__pen_lay() laid out last with its top left at x, y. */
void tabout__pen_show(struct tabout__pen *p, double x, double y);

/* Draw s in font f on one line at x, y: its left (xalign 0), centre (0.5)
 * or right (1) at x, its top at y. Returns its width. */
double tabout__pen_text(struct tabout__pen *p, enum tabout__font f, const char *s, double x,
			double y, double xalign);

/* The chart of r (r->chart set) in the box x, y, w, h: its title, the
 * series' names, axes with ticks or a pie with its legend. */
void tabout__chart_draw(struct tabout__pen *p, const struct tabout__report *r, double x, double y,
			double w, double h);

#endif
