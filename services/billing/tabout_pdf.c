/*
 * tabout_pdf.c - a report as a PDF with cairo and pango: A4, the title and
 * subtitle, the table with its header on every page, numbers right-aligned
 * as print writes them ("1 234,56"), "стр. 1 из 3" at the foot of each
 * page, then the chart on a page of its own (docs/reports.md, "PDF").
 *
 * Two passes: the first measures every row and breaks the table into
 * pages, so that the second knows the number of pages when it draws the
 * first page's number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>

#include "tabout_draw.h"

#define A4_SHORT 595.276 /* A4, points */
#define A4_LONG	 841.890
#define MARGIN	 36.0 /* around the page */
#define FOOTER	 18.0 /* under the table: the page number */
#define PAD_X	 3.0  /* inside a cell */
#define PAD_Y	 2.0
#define WORD_MIN 60.0 /* a text column is not narrowed below this */
#define GAP	 6.0  /* under the title and the subtitle */

/* The PDF as cairo writes it. */
struct sink {
	unsigned char *data; /* the bytes so far (new) */
	size_t size, cap;    /* used and allocated */
	bool nomem;	     /* an allocation failed */
};

static cairo_status_t sink_write(void *closure, const unsigned char *d, unsigned int n)
{
	struct sink *s = closure;

	if (s->size + n > s->cap) {
		size_t cap = s->cap ? s->cap : 65536;
		unsigned char *p;

		while (cap < s->size + n)
			cap *= 2;
		if (!(p = realloc(s->data, cap))) {
			s->nomem = true;
			return CAIRO_STATUS_WRITE_ERROR;
		}
		s->data = p;
		s->cap = cap;
	}
	memcpy(s->data + s->size, d, n);
	s->size += n;
	return CAIRO_STATUS_SUCCESS;
}

PangoLayout *tabout__pen_lay(struct tabout__pen *p, enum tabout__font f, const char *s,
			     double width, PangoAlignment align, double *w, double *h)
{
	int pw, ph;

	pango_layout_set_font_description(p->layout, p->font[f]);
	pango_layout_set_width(p->layout, width > 0 ? (int)(width * PANGO_SCALE) : -1);
	pango_layout_set_wrap(p->layout, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(p->layout, align);
	pango_layout_set_text(p->layout, s, -1);
	pango_layout_get_size(p->layout, &pw, &ph);
	if (w)
		*w = (double)pw / PANGO_SCALE;
	if (h)
		*h = (double)ph / PANGO_SCALE;
	return p->layout;
}

void tabout__pen_show(struct tabout__pen *p, double x, double y)
{
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, p->layout);
}

double tabout__pen_text(struct tabout__pen *p, enum tabout__font f, const char *s, double x,
			double y, double xalign)
{
	double w;

	tabout__pen_lay(p, f, s, 0, PANGO_ALIGN_LEFT, &w, NULL);
	tabout__pen_show(p, x - w * xalign, y);
	return w;
}

/* The table's geometry, from the first pass. */
struct grid {
	double page_w, page_h;	      /* the page */
	double colw[TABOUT_COLS_MAX]; /* the columns' widths */
	double header_h;	      /* the header row's height */
	double top;		      /* where the table starts on the first page */
	double *row_h;		      /* each line's height (new): the rows, the totals */
	size_t nlines;		      /* rows and totals */
	size_t *first;		      /* the first line of each page (new) */
	size_t npages;		      /* pages of the table */
};

/* Line i of the table: a row, or the totals after the last. */
static const json_t *line(const struct tabout__report *r, size_t i)
{
	return i < r->nrows ? json_array_get(r->rows, i) : r->totals;
}

static const char *cell_text(const struct tabout__report *r, const json_t *o, size_t c, char *buf)
{
	const json_t *v = tabout__cell(r, o, c);

	return v ? tabout__text(tabout__cell_type(r, o, c), v, TABOUT__GROUPED, buf) : "";
}

/* Text cells wrap; the others stay on one line, right-aligned (dates
 * too, so that a column of them lines up). */
static bool wraps(const struct tabout__col *c)
{
	return c->type == TABOUT__TEXT;
}

/* The widest word of s in font f. */
static double widest_word(struct tabout__pen *p, enum tabout__font f, const char *s)
{
	char word[256];
	double most = 0, w;

	while (*s) {
		size_t n = strcspn(s, " ");

		snprintf(word, sizeof word, "%.*s", (int)(n < 255 ? n : 255), s);
		tabout__pen_lay(p, f, word, 0, PANGO_ALIGN_LEFT, &w, NULL);
		most = w > most ? w : most;
		s += n;
		s += strspn(s, " ");
	}
	return most;
}

/* The columns' widths over the page's width: each as wide as its widest
 * cell. When they do not fit, text columns are narrowed (their cells
 * wrap) down to WORD_MIN, numbers never; when there is room, a number's
 * header that would wrap gets it first, then all share what is left. */
static void col_widths(struct tabout__pen *p, const struct tabout__report *r, struct grid *g)
{
	double want[TABOUT_COLS_MAX], least[TABOUT_COLS_MAX], full[TABOUT_COLS_MAX];
	double avail = g->page_w - 2 * MARGIN, fixed = 0, text = 0, text_least = 0, sum = 0;
	double need = 0;
	char buf[TABOUT_NUM_MAX];

	for (size_t c = 0; c < r->ncols; c++) {
		double word = widest_word(p, TABOUT__BOLD, r->cols[c].title), most, w;

		tabout__pen_lay(p, TABOUT__BOLD, r->cols[c].title, 0, PANGO_ALIGN_LEFT, &full[c],
				NULL);
		most = wraps(&r->cols[c]) ? full[c] : word;
		for (size_t i = 0; i < g->nlines; i++) {
			tabout__pen_lay(p, i < r->nrows ? TABOUT__BODY : TABOUT__BOLD,
					cell_text(r, line(r, i), c, buf), 0, PANGO_ALIGN_LEFT, &w,
					NULL);
			most = w > most ? w : most;
		}
		want[c] = most + 2 * PAD_X;
		full[c] = full[c] + 2 * PAD_X > want[c] ? full[c] + 2 * PAD_X : want[c];
		least[c] = wraps(&r->cols[c]) ? (word > WORD_MIN ? word : WORD_MIN) + 2 * PAD_X
					      : want[c];
		least[c] = least[c] > want[c] ? want[c] : least[c];
		if (wraps(&r->cols[c])) {
			text += want[c];
			text_least += least[c];
		} else {
			fixed += want[c];
			need += full[c] - want[c];
		}
	}
	for (size_t c = 0; c < r->ncols; c++) {
		double room = avail - fixed - text;

		g->colw[c] = want[c];
		if (room < 0 && wraps(&r->cols[c]) && text > text_least) {
			/* narrow the text columns alike, none below its least */
			room = avail - fixed - text_least;
			room = room > 0 ? room : 0;
			g->colw[c] = least[c] + (want[c] - least[c]) * room / (text - text_least);
		} else if (room > 0 && need > 0) {
			g->colw[c] += (full[c] - want[c]) * (room < need ? room / need : 1);
		}
		sum += g->colw[c];
	}
	/* spread what is left, or squeeze a table wider than any page */
	for (size_t c = 0; c < r->ncols; c++)
		g->colw[c] *= avail / sum;
}

/* Measure the header and every line, then break the lines into pages. */
static amr_err measure(struct tabout__pen *p, const struct tabout__report *r, struct grid *g)
{
	double title_h, sub_h = 0, body_h, bold_h, y, bottom = g->page_h - MARGIN - FOOTER;
	char buf[TABOUT_NUM_MAX];

	g->nlines = r->nrows + (r->totals != NULL);
	if (!(g->row_h = calloc(g->nlines + 1, sizeof *g->row_h)) ||
	    !(g->first = calloc(g->nlines + 1, sizeof *g->first)))
		return AMR_ENOMEM;
	col_widths(p, r, g);
	tabout__pen_lay(p, TABOUT__TITLE, r->title, g->page_w - 2 * MARGIN, PANGO_ALIGN_LEFT, NULL,
			&title_h);
	if (*r->subtitle)
		tabout__pen_lay(p, TABOUT__HEAD, r->subtitle, g->page_w - 2 * MARGIN,
				PANGO_ALIGN_LEFT, NULL, &sub_h);
	g->top = MARGIN + title_h + GAP + (sub_h ? sub_h + GAP : 0);
	tabout__pen_lay(p, TABOUT__BODY, "0", 0, PANGO_ALIGN_LEFT, NULL, &body_h);
	tabout__pen_lay(p, TABOUT__BOLD, "0", 0, PANGO_ALIGN_LEFT, NULL, &bold_h);
	for (size_t c = 0; c < r->ncols; c++) {
		double h;

		tabout__pen_lay(p, TABOUT__BOLD, r->cols[c].title, g->colw[c] - 2 * PAD_X,
				PANGO_ALIGN_LEFT, NULL, &h);
		g->header_h = h > g->header_h ? h : g->header_h;
	}
	g->header_h += 2 * PAD_Y;
	for (size_t i = 0; i < g->nlines; i++) {
		enum tabout__font f = i < r->nrows ? TABOUT__BODY : TABOUT__BOLD;
		double most = f == TABOUT__BODY ? body_h : bold_h, h;

		for (size_t c = 0; c < r->ncols; c++) {
			if (!wraps(&r->cols[c]))
				continue;
			tabout__pen_lay(p, f, cell_text(r, line(r, i), c, buf),
					g->colw[c] - 2 * PAD_X, PANGO_ALIGN_LEFT, NULL, &h);
			most = h > most ? h : most;
		}
		g->row_h[i] = most + 2 * PAD_Y;
	}
	/* a page takes lines while they fit under its header, at least one */
	g->npages = 1;
	y = g->top + g->header_h;
	for (size_t i = 0; i < g->nlines; i++) {
		if (y + g->row_h[i] > bottom && i > g->first[g->npages - 1]) {
			g->first[g->npages++] = i;
			y = MARGIN + g->header_h;
		}
		y += g->row_h[i];
	}
	g->first[g->npages] = g->nlines;
	return AMR_OK;
}

static void rule(cairo_t *cr, double x0, double y0, double x1, double y1, double grey, double lw)
{
	cairo_set_source_rgb(cr, grey, grey, grey);
	cairo_set_line_width(cr, lw);
	cairo_move_to(cr, x0, y0);
	cairo_line_to(cr, x1, y1);
	cairo_stroke(cr);
}

/* One line of the table (the header when o is NULL) at y, h high. */
static void draw_line(struct tabout__pen *p, const struct tabout__report *r, const struct grid *g,
		      const json_t *o, enum tabout__font f, double y, double h)
{
	double x = MARGIN, right = g->page_w - MARGIN;
	char buf[TABOUT_NUM_MAX];

	if (!o) {
		cairo_set_source_rgb(p->cr, 0.90, 0.92, 0.95);
		cairo_rectangle(p->cr, MARGIN, y, right - MARGIN, h);
		cairo_fill(p->cr);
	}
	for (size_t c = 0; c < r->ncols; c++) {
		const char *s = o ? cell_text(r, o, c, buf) : r->cols[c].title;
		double w = g->colw[c] - 2 * PAD_X;

		cairo_set_source_rgb(p->cr, 0, 0, 0);
		if (!o || wraps(&r->cols[c])) {
			tabout__pen_lay(p, f, s, w,
					wraps(&r->cols[c]) ? PANGO_ALIGN_LEFT : PANGO_ALIGN_RIGHT,
					NULL, NULL);
			tabout__pen_show(p, x + PAD_X, y + PAD_Y);
		} else {
			tabout__pen_text(p, f, s, x + g->colw[c] - PAD_X, y + PAD_Y, 1);
		}
		if (c)
			rule(p->cr, x, y, x, y + h, 0.80, 0.4);
		x += g->colw[c];
	}
	rule(p->cr, MARGIN, y + h, right, y + h, o ? 0.80 : 0.30, o ? 0.4 : 0.8);
}

static void footer(struct tabout__pen *p, const struct grid *g, size_t page, size_t pages)
{
	char s[64];

	snprintf(s, sizeof s, "стр. %zu из %zu", page, pages);
	cairo_set_source_rgb(p->cr, 0.3, 0.3, 0.3);
	tabout__pen_text(p, TABOUT__SMALL, s, g->page_w - MARGIN, g->page_h - MARGIN - 8, 1);
}

static void draw(struct tabout__pen *p, const struct tabout__report *r, const struct grid *g)
{
	size_t pages = g->npages + r->chart;
	double h;

	for (size_t pg = 0; pg < g->npages; pg++) {
		double y = pg ? MARGIN : g->top;

		if (!pg) {
			cairo_set_source_rgb(p->cr, 0, 0, 0);
			tabout__pen_lay(p, TABOUT__TITLE, r->title, g->page_w - 2 * MARGIN,
					PANGO_ALIGN_LEFT, NULL, &h);
			tabout__pen_show(p, MARGIN, MARGIN);
			if (*r->subtitle) {
				tabout__pen_lay(p, TABOUT__HEAD, r->subtitle,
						g->page_w - 2 * MARGIN, PANGO_ALIGN_LEFT, NULL,
						NULL);
				tabout__pen_show(p, MARGIN, MARGIN + h + GAP);
			}
		}
		draw_line(p, r, g, NULL, TABOUT__BOLD, y, g->header_h);
		y += g->header_h;
		for (size_t i = g->first[pg]; i < g->first[pg + 1]; i++) {
			bool totals = i >= r->nrows;

			if (totals)
				rule(p->cr, MARGIN, y, g->page_w - MARGIN, y, 0.3, 0.8);
			draw_line(p, r, g, line(r, i), totals ? TABOUT__BOLD : TABOUT__BODY, y,
				  g->row_h[i]);
			y += g->row_h[i];
		}
		footer(p, g, pg + 1, pages);
		cairo_show_page(p->cr);
	}
	if (r->chart) {
		tabout__chart_draw(p, r, MARGIN, MARGIN, g->page_w - 2 * MARGIN,
				   g->page_h - 2 * MARGIN - FOOTER);
		footer(p, g, pages, pages);
		cairo_show_page(p->cr);
	}
}

/* The pen's fonts, a pango context of its own font map at 72 dpi (a
 * point is a unit), metrics unhinted so that the PDF's layout does not
 * depend on a screen. */
static amr_err pen_open(struct tabout__pen *p, PangoFontMap **fm)
{
	static const char *const fonts[TABOUT__FONTS] = {
		[TABOUT__BODY] = TABOUT_FONT " 8",	  [TABOUT__BOLD] = TABOUT_FONT " Bold 8",
		[TABOUT__SMALL] = TABOUT_FONT " 7",	  [TABOUT__HEAD] = TABOUT_FONT " 10",
		[TABOUT__TITLE] = TABOUT_FONT " Bold 14",
	};
	cairo_font_options_t *opt;
	PangoContext *ctx;

	if (!(*fm = pango_cairo_font_map_new()))
		return AMR_ENOMEM;
	pango_cairo_font_map_set_resolution(PANGO_CAIRO_FONT_MAP(*fm), 72);
	if (!(ctx = pango_font_map_create_context(*fm)))
		return AMR_ENOMEM;
	if ((opt = cairo_font_options_create())) {
		cairo_font_options_set_hint_metrics(opt, CAIRO_HINT_METRICS_OFF);
		cairo_font_options_set_hint_style(opt, CAIRO_HINT_STYLE_NONE);
		pango_cairo_context_set_font_options(ctx, opt);
		cairo_font_options_destroy(opt);
	}
	pango_cairo_update_context(p->cr, ctx);
	p->layout = pango_layout_new(ctx);
	g_object_unref(ctx);
	for (int i = 0; i < TABOUT__FONTS; i++)
		if (!(p->font[i] = pango_font_description_from_string(fonts[i])))
			return AMR_ENOMEM;
	return p->layout ? AMR_OK : AMR_ENOMEM;
}

static void pen_close(struct tabout__pen *p, PangoFontMap *fm)
{
	for (int i = 0; i < TABOUT__FONTS; i++)
		if (p->font[i])
			pango_font_description_free(p->font[i]);
	if (p->layout)
		g_object_unref(p->layout);
	if (fm)
		g_object_unref(fm);
}

amr_err tabout__pdf(const struct tabout__report *r, struct tabout_buf *out, struct jv_err *err)
{
	struct sink sink = { 0 };
	struct grid g = { 0 };
	struct tabout__pen p = { 0 };
	PangoFontMap *fm = NULL;
	cairo_surface_t *surface;
	cairo_status_t st;
	amr_err rc;

	g.page_w = r->landscape ? A4_LONG : A4_SHORT;
	g.page_h = r->landscape ? A4_SHORT : A4_LONG;
	surface = cairo_pdf_surface_create_for_stream(sink_write, &sink, g.page_w, g.page_h);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, r->title);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "amr-billing");
	if (r->made)
		cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, r->made);
	p.cr = cairo_create(surface);
	if (!(p.c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0))) {
		rc = AMR_ENOMEM;
		goto out_destroy;
	}
	if ((rc = pen_open(&p, &fm)) || (rc = measure(&p, r, &g)))
		goto out_close;
	draw(&p, r, &g);
	st = cairo_status(p.cr);
	cairo_surface_finish(surface);
	st = st ? st : cairo_surface_status(surface);
	if (sink.nomem || p.nomem || st == CAIRO_STATUS_NO_MEMORY)
		rc = AMR_ENOMEM;
	else if (st) {
		jv_fail(err, "pdf: cairo: %s", cairo_status_to_string(st));
		rc = AMR_EIO;
	}
out_close:
	pen_close(&p, fm);
	freelocale(p.c);
out_destroy:
	cairo_destroy(p.cr);
	cairo_surface_destroy(surface);
	free(g.row_h);
	free(g.first);
	if (rc == AMR_ENOMEM)
		jv_fail(err, "pdf: out of memory");
	if (rc) {
		free(sink.data);
		return rc;
	}
	out->data = sink.data;
	out->size = sink.size;
	return AMR_OK;
}
