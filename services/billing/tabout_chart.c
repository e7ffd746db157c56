/*
 * tabout_chart.c - a report's chart on its PDF page: bars or lines over
 * the rows with axes, ticks and the series' names, or a pie of one series
 * with a legend (docs/reports.md, "PDF").
 *
 * The heights and angles come from the table's own cells, read as doubles
 * only to place them on the page; every number written beside the chart
 * (legend, values over the bars) is the table's text.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tabout_draw.h"

#define TICKS	    6  /* about this many steps up the value axis */
#define VALUES_MAX  24 /* bars with their values written over them */
#define MARKERS_MAX 60 /* points of a line drawn with a dot */
#define SWATCH	    8.0

static const double palette[][3] = {
	{ 0.31, 0.47, 0.65 }, { 0.95, 0.56, 0.17 }, { 0.88, 0.34, 0.35 }, { 0.46, 0.72, 0.70 },
	{ 0.35, 0.63, 0.31 }, { 0.93, 0.79, 0.28 }, { 0.69, 0.48, 0.63 }, { 1.00, 0.62, 0.65 },
};
#define COLOURS (sizeof palette / sizeof palette[0])

static void colour(cairo_t *cr, size_t i)
{
	cairo_set_source_rgb(cr, palette[i % COLOURS][0], palette[i % COLOURS][1],
			     palette[i % COLOURS][2]);
}

/* The cell of column c in row i, to draw (false when empty). */
static bool value(const struct tabout__pen *p, const struct tabout__report *r, size_t i, size_t c,
		  double *v)
{
	const json_t *cell = tabout__cell(r, json_array_get(r->rows, i), c);

	if (!cell)
		return false;
	*v = tabout__value(r->cols[c].type, cell, p->c);
	return true;
}

static const char *label(const struct tabout__report *r, size_t i, char *buf)
{
	const json_t *cell = tabout__cell(r, json_array_get(r->rows, i), r->chart_x);

	return cell ? tabout__text(r->cols[r->chart_x].type, cell, TABOUT__GROUPED, buf) : "";
}

/* A step of 1, 2 or 5 times a power of ten near range / TICKS. */
static double nice_step(double range)
{
	double raw = range / TICKS, mag = pow(10, floor(log10(raw))), f = raw / mag;

	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/* Tick k * step as print writes it, with the decimals the step needs. */
static void tick_text(long long k, double step, char *buf)
{
	int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
	long long scaled, mag = 1;
	char s[TABOUT_NUM_MAX];

	dec = dec > 6 ? 6 : dec;
	scaled = llround((double)k * step * pow(10, dec));
	for (int i = 0; i < dec; i++)
		mag *= 10;
	if (dec)
		snprintf(s, sizeof s, "%s%lld.%0*lld", scaled < 0 ? "-" : "", llabs(scaled) / mag,
			 dec, llabs(scaled) % mag);
	else
		snprintf(s, sizeof s, "%lld", scaled);
	tabout__decimal(s, TABOUT__GROUPED, buf);
}

/* The series' names in a row of swatches from x, y, at most w wide.
 * Returns the height taken. */
static double legend_row(struct tabout__pen *p, const struct tabout__report *r, double x, double y,
			 double w)
{
	double cx = x, cy = y, lw, lh;

	for (size_t s = 0; s < r->nseries; s++) {
		tabout__pen_lay(p, TABOUT__SMALL, r->cols[r->chart_y[s]].title, 0, PANGO_ALIGN_LEFT,
				&lw, &lh);
		if (cx > x && cx + SWATCH + 4 + lw > x + w) {
			cx = x;
			cy += lh + 3;
		}
		colour(p->cr, s);
		cairo_rectangle(p->cr, cx, cy + (lh - SWATCH) / 2, SWATCH, SWATCH);
		cairo_fill(p->cr);
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		tabout__pen_show(p, cx + SWATCH + 4, cy);
		cx += SWATCH + 4 + lw + 14;
	}
	tabout__pen_lay(p, TABOUT__SMALL, "0", 0, PANGO_ALIGN_LEFT, NULL, &lh);
	return cy - y + lh;
}

/* The range of the series, 0 included; false when there is no value. */
static bool range(const struct tabout__pen *p, const struct tabout__report *r, double *lo,
		  double *hi)
{
	bool any = false;
	double v;

	*lo = *hi = 0;
	for (size_t i = 0; i < r->nrows; i++)
		for (size_t s = 0; s < r->nseries; s++)
			if (value(p, r, i, r->chart_y[s], &v)) {
				*lo = v < *lo ? v : *lo;
				*hi = v > *hi ? v : *hi;
				any = true;
			}
	return any;
}

static void no_data(struct tabout__pen *p, double x, double y, double w)
{
	cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
	tabout__pen_text(p, TABOUT__HEAD, "Нет данных для графика", x + w / 2, y + 20, 0.5);
}

/* The plot's frame: where values and rows go on the page. */
struct frame {
	double x0, x1, y0, y1; /* the plot area */
	double lo, hi;	       /* the values at y1 and y0 */
	double slot;	       /* the width of one row */
	bool wrap;	       /* the rows' labels wrap under them, none left out */
};

static double ypos(const struct frame *f, double v)
{
	return f->y1 - (v - f->lo) / (f->hi - f->lo) * (f->y1 - f->y0);
}

/* The value axis with its ticks and grid, the row axis with its labels,
 * one in every so many when they would overlap. */
static void axes(struct tabout__pen *p, const struct tabout__report *r, struct frame *f,
		 double step)
{
	char buf[TABOUT_NUM_MAX];
	double most = 0, w, every;

	for (long long k = llround(f->lo / step); k <= llround(f->hi / step); k++) {
		double y = ypos(f, (double)k * step);

		cairo_set_source_rgb(p->cr, 0.88, 0.88, 0.88);
		cairo_set_line_width(p->cr, 0.4);
		cairo_move_to(p->cr, f->x0, y);
		cairo_line_to(p->cr, f->x1, y);
		cairo_stroke(p->cr);
		tick_text(k, step, buf);
		cairo_set_source_rgb(p->cr, 0.2, 0.2, 0.2);
		tabout__pen_lay(p, TABOUT__SMALL, buf, 0, PANGO_ALIGN_LEFT, NULL, &w);
		tabout__pen_text(p, TABOUT__SMALL, buf, f->x0 - 4, y - w / 2, 1);
	}
	cairo_set_source_rgb(p->cr, 0.2, 0.2, 0.2);
	cairo_set_line_width(p->cr, 0.8);
	cairo_move_to(p->cr, f->x0, f->y0);
	cairo_line_to(p->cr, f->x0, f->y1);
	cairo_move_to(p->cr, f->x0, ypos(f, 0));
	cairo_line_to(p->cr, f->x1, ypos(f, 0));
	cairo_stroke(p->cr);
	for (size_t i = 0; !f->wrap && i < r->nrows; i++) {
		tabout__pen_lay(p, TABOUT__SMALL, label(r, i, buf), 0, PANGO_ALIGN_LEFT, &w, NULL);
		most = w > most ? w : most;
	}
	every = f->wrap ? 1 : ceil((most + 6) / f->slot);
	for (size_t i = 0; i < r->nrows; i += (size_t)every) {
		double cx = f->x0 + ((double)i + 0.5) * f->slot;

		cairo_move_to(p->cr, cx, f->y1);
		cairo_line_to(p->cr, cx, f->y1 + 3);
		cairo_stroke(p->cr);
		if (!f->wrap) {
			tabout__pen_text(p, TABOUT__SMALL, label(r, i, buf), cx, f->y1 + 4, 0.5);
			continue;
		}
		tabout__pen_lay(p, TABOUT__SMALL, label(r, i, buf), f->slot - 4, PANGO_ALIGN_CENTER,
				NULL, NULL);
		tabout__pen_show(p, cx - (f->slot - 4) / 2, f->y1 + 4);
	}
}

/* Whether every row's label fits under its slot in at most three lines;
 * their height through *h (one line when they do not). */
static bool labels_wrap(struct tabout__pen *p, const struct tabout__report *r, double slot,
			double line_h, double *h)
{
	char buf[TABOUT_NUM_MAX];
	double most = line_h, lh;

	*h = line_h;
	if (slot < 30)
		return false;
	for (size_t i = 0; i < r->nrows; i++) {
		tabout__pen_lay(p, TABOUT__SMALL, label(r, i, buf), slot - 4, PANGO_ALIGN_CENTER,
				NULL, &lh);
		if (lh > 3 * line_h + 1)
			return false;
		most = lh > most ? lh : most;
	}
	*h = most;
	return true;
}

/* The value over a bar, the table's text: across when it fits the bar,
 * else up the bar when the bar is as wide as a line, else none. */
static void bar_value(struct tabout__pen *p, const char *s, double x, double bw, double top,
		      double bottom, bool negative)
{
	double lw, lh;

	tabout__pen_lay(p, TABOUT__SMALL, s, 0, PANGO_ALIGN_LEFT, &lw, &lh);
	cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
	if (lw <= bw + 2) {
		tabout__pen_show(p, x + bw / 2 - lw / 2, negative ? bottom + 1 : top - lh - 1);
		return;
	}
	if (lh > bw + 2)
		return;
	cairo_save(p->cr);
	if (negative) {
		cairo_translate(p->cr, x + bw / 2 + lh / 2, bottom + 2);
		cairo_rotate(p->cr, M_PI / 2);
	} else {
		cairo_translate(p->cr, x + bw / 2 - lh / 2, top - 2);
		cairo_rotate(p->cr, -M_PI / 2);
	}
	tabout__pen_show(p, 0, 0);
	cairo_restore(p->cr);
}

/* The widest value written over a bar, and so the room it needs. */
static double values_room(struct tabout__pen *p, const struct tabout__report *r)
{
	char buf[TABOUT_NUM_MAX];
	double most = 0, w;

	for (size_t i = 0; i < r->nrows; i++)
		for (size_t s = 0; s < r->nseries; s++) {
			const json_t *cell = tabout__cell(r, json_array_get(r->rows, i),
							  r->chart_y[s]);

			if (!cell)
				continue;
			tabout__pen_lay(p, TABOUT__SMALL,
					tabout__text(r->cols[r->chart_y[s]].type, cell,
						     TABOUT__GROUPED, buf),
					0, PANGO_ALIGN_LEFT, &w, NULL);
			most = w > most ? w : most;
		}
	return most + 4;
}

static void bars(struct tabout__pen *p, const struct tabout__report *r, const struct frame *f)
{
	double bw = f->slot * 0.8 / (double)r->nseries, v;
	bool values = r->nrows * r->nseries <= VALUES_MAX;
	char buf[TABOUT_NUM_MAX];

	for (size_t i = 0; i < r->nrows; i++)
		for (size_t s = 0; s < r->nseries; s++) {
			double x = f->x0 + (double)i * f->slot + f->slot * 0.1 + (double)s * bw;
			double top, bottom;
			const json_t *cell;

			if (!value(p, r, i, r->chart_y[s], &v))
				continue;
			top = fmin(ypos(f, 0), ypos(f, v));
			bottom = fmax(ypos(f, 0), ypos(f, v));
			colour(p->cr, s);
			cairo_rectangle(p->cr, x, top, bw * 0.92, bottom - top);
			cairo_fill(p->cr);
			if (!values)
				continue;
			cell = tabout__cell(r, json_array_get(r->rows, i), r->chart_y[s]);
			bar_value(p,
				  tabout__text(r->cols[r->chart_y[s]].type, cell, TABOUT__GROUPED,
					       buf),
				  x, bw * 0.92, top, bottom, v < 0);
		}
}

static void lines(struct tabout__pen *p, const struct tabout__report *r, const struct frame *f)
{
	double v;

	for (size_t s = 0; s < r->nseries; s++) {
		bool on = false;

		colour(p->cr, s);
		cairo_set_line_width(p->cr, 1.5);
		cairo_set_line_join(p->cr, CAIRO_LINE_JOIN_ROUND);
		for (size_t i = 0; i < r->nrows; i++) {
			double x = f->x0 + ((double)i + 0.5) * f->slot;

			if (!value(p, r, i, r->chart_y[s], &v)) {
				on = false; /* an empty cell breaks the line */
				continue;
			}
			if (on)
				cairo_line_to(p->cr, x, ypos(f, v));
			else
				cairo_move_to(p->cr, x, ypos(f, v));
			on = true;
		}
		cairo_stroke(p->cr);
		for (size_t i = 0; r->nrows <= MARKERS_MAX && i < r->nrows; i++)
			if (value(p, r, i, r->chart_y[s], &v)) {
				cairo_arc(p->cr, f->x0 + ((double)i + 0.5) * f->slot, ypos(f, v),
					  2.2, 0, 2 * M_PI);
				cairo_fill(p->cr);
			}
	}
}

/* Bars or lines in the box under the title. */
static void plot(struct tabout__pen *p, const struct tabout__report *r, double x, double y,
		 double w, double h)
{
	struct frame f;
	char buf[TABOUT_NUM_MAX];
	double step, most = 0, tw, lh, legend = legend_row(p, r, x, y, w) + 10, label_h;

	y += legend;
	h -= legend;
	if (!r->nrows || !range(p, r, &f.lo, &f.hi)) {
		no_data(p, x, y, w);
		return;
	}
	if (f.hi == f.lo)
		f.hi = f.lo + 1;
	if (r->kind == TABOUT__BAR && r->nrows * r->nseries <= VALUES_MAX) {
		/* room over the tallest bar (under the deepest) for its value */
		double room = values_room(p, r) / (h * 0.8), span = f.hi - f.lo;

		f.hi += f.hi > 0 ? span * room : 0;
		f.lo -= f.lo < 0 ? span * room : 0;
	}
	step = nice_step(f.hi - f.lo);
	f.lo = floor(f.lo / step) * step;
	f.hi = ceil(f.hi / step) * step;
	for (long long k = llround(f.lo / step); k <= llround(f.hi / step); k++) {
		tick_text(k, step, buf);
		tabout__pen_lay(p, TABOUT__SMALL, buf, 0, PANGO_ALIGN_LEFT, &tw, &lh);
		most = tw > most ? tw : most;
	}
	f.x0 = x + most + 8;
	f.x1 = x + w - 4;
	f.slot = (f.x1 - f.x0) / (double)r->nrows;
	if (!(f.wrap = labels_wrap(p, r, f.slot, lh, &label_h))) {
		/* the last row's label is centred under it: room for its half */
		tabout__pen_lay(p, TABOUT__SMALL, label(r, r->nrows - 1, buf), 0, PANGO_ALIGN_LEFT,
				&tw, NULL);
		f.x1 -= tw / 2;
		f.slot = (f.x1 - f.x0) / (double)r->nrows;
	}
	f.y0 = y + lh / 2;
	f.y1 = y + h - label_h - 8;
	axes(p, r, &f, step);
	if (r->kind == TABOUT__BAR)
		bars(p, r, &f);
	else
		lines(p, r, &f);
}

struct slice {
	size_t row; /* the row */
	double v;   /* its value, > 0 */
};

static int larger_first(const void *a, const void *b)
{
	double x = ((const struct slice *)a)->v, y = ((const struct slice *)b)->v;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* The pie of the one series: its rows above zero, the largest first;
 * those the legend has no room for are one grey slice. */
static void pie(struct tabout__pen *p, const struct tabout__report *r, double x, double y, double w,
		double h)
{
	size_t c = r->chart_y[0], n = 0, shown, fit;
	double total = 0, angle = -M_PI / 2, lh, legend_w = w * 0.42, cx, cy, rad, ly;
	struct slice *sl = malloc((r->nrows ? r->nrows : 1) * sizeof *sl);
	char buf[TABOUT_NUM_MAX], text[400];

	if (!sl) {
		p->nomem = true;
		return;
	}
	for (size_t i = 0; i < r->nrows; i++)
		if (value(p, r, i, c, &sl[n].v) && sl[n].v > 0) {
			sl[n].row = i;
			total += sl[n++].v;
		}
	if (!n) {
		no_data(p, x, y, w);
		goto out_free;
	}
	qsort(sl, n, sizeof *sl, larger_first);
	tabout__pen_lay(p, TABOUT__SMALL, "0", 0, PANGO_ALIGN_LEFT, NULL, &lh);
	fit = h > 0 ? (size_t)(h / (lh + 4)) : 0;
	shown = n > fit ? (fit ? fit - 1 : 0) : n;
	rad = fmin(w - legend_w - 20, h) / 2;
	cx = x + rad + 4;
	cy = y + rad;
	for (size_t k = 0; k <= shown && k < n; k++) {
		double part = k < shown ? sl[k].v : 0;

		for (size_t j = shown; k == shown && j < n; j++)
			part += sl[j].v;
		if (k < shown)
			colour(p->cr, k);
		else
			cairo_set_source_rgb(p->cr, 0.75, 0.75, 0.75);
		cairo_move_to(p->cr, cx, cy);
		cairo_arc(p->cr, cx, cy, rad, angle, angle + part / total * 2 * M_PI);
		cairo_close_path(p->cr);
		cairo_fill_preserve(p->cr);
		cairo_set_source_rgb(p->cr, 1, 1, 1);
		cairo_set_line_width(p->cr, 0.8);
		cairo_stroke(p->cr);
		angle += part / total * 2 * M_PI;
	}
	ly = y;
	for (size_t k = 0; k <= shown && k < n; k++) {
		double lx = x + w - legend_w;

		if (k < shown) {
			const json_t *cell = tabout__cell(r, json_array_get(r->rows, sl[k].row), c);
			char name[TABOUT_NUM_MAX];

			snprintf(text, sizeof text, "%.300s: %s", label(r, sl[k].row, name),
				 tabout__text(r->cols[c].type, cell, TABOUT__GROUPED, buf));
			colour(p->cr, k);
		} else {
			snprintf(text, sizeof text, "прочие: %zu", n - shown);
			cairo_set_source_rgb(p->cr, 0.75, 0.75, 0.75);
		}
		cairo_rectangle(p->cr, lx, ly + (lh - SWATCH) / 2, SWATCH, SWATCH);
		cairo_fill(p->cr);
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		tabout__pen_lay(p, TABOUT__SMALL, text, legend_w - SWATCH - 4, PANGO_ALIGN_LEFT,
				NULL, NULL);
		pango_layout_set_ellipsize(p->layout, PANGO_ELLIPSIZE_END);
		tabout__pen_show(p, lx + SWATCH + 4, ly);
		pango_layout_set_ellipsize(p->layout, PANGO_ELLIPSIZE_NONE);
		ly += lh + 4;
	}
out_free:
	free(sl);
}

void tabout__chart_draw(struct tabout__pen *p, const struct tabout__report *r, double x, double y,
			double w, double h)
{
	const char *title = *r->chart_title ? r->chart_title : r->title;
	double th;

	cairo_save(p->cr);
	cairo_rectangle(p->cr, x, y, w, h);
	cairo_clip(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	tabout__pen_lay(p, TABOUT__TITLE, title, w, PANGO_ALIGN_LEFT, NULL, &th);
	tabout__pen_show(p, x, y);
	y += th + 12;
	h -= th + 12;
	if (r->kind == TABOUT__PIE) {
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		tabout__pen_lay(p, TABOUT__HEAD, r->cols[r->chart_y[0]].title, w, PANGO_ALIGN_LEFT,
				NULL, &th);
		tabout__pen_show(p, x, y);
		pie(p, r, x, y + th + 10, w, fmin(h - th - 10, w * 0.6));
	} else {
		plot(p, r, x, y, w, fmin(h, w * 0.75));
	}
	cairo_restore(p->cr);
}
