/*
 * recdraw_lay.c - the text of receipts laid out with pango: a font map,
 * a context and a layout a style, made once a call; and the texts that
 * recur (labels, the payee, service names, prices: a building's receipts
 * share most of them) kept laid out, so that each is shaped once a call
 * and only drawn again. A text is kept by its style, width, lines,
 * alignment and bytes, until KEPT_MAX are kept; the rest use the style's
 * layout, laid out each time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recdraw_page.h"

#define SLOTS	 4096	     /* the table of kept texts (a power of two) */
#define KEPT_MAX (SLOTS / 2) /* at most this many kept */

/* A text kept laid out. */
struct recdraw__laid {
	char *key;	  /* style, width, lines, alignment and text (new); NULL: free */
	PangoLayout *lay; /* laid out (a reference of ours) */
	double h;	  /* its height */
};

/* The font of each style (pango's description). */
static const char *const fonts[RECDRAW__STYLES] = {
	[RECDRAW__S_SMALL] = "DejaVu Sans 6",	      [RECDRAW__S_TEXT] = "DejaVu Sans 7.5",
	[RECDRAW__S_BOLD] = "DejaVu Sans Bold 7.5",   [RECDRAW__S_NAME] = "DejaVu Sans Bold 10.5",
	[RECDRAW__S_TITLE] = "DejaVu Sans Bold 12.5", [RECDRAW__S_BIG] = "DejaVu Sans Bold 16",
	[RECDRAW__S_CELL] = "DejaVu Sans 7",	      [RECDRAW__S_CELL_BOLD] = "DejaVu Sans Bold 7",
	[RECDRAW__S_NOTE] = "DejaVu Sans Oblique 6",  [RECDRAW__S_HEAD] = "DejaVu Sans Bold 6.5",
};

/* A layout of style st (new), or NULL. */
static PangoLayout *layout_new(struct recdraw__draw *d, enum recdraw__style st)
{
	PangoFontDescription *fd = pango_font_description_from_string(fonts[st]);
	PangoLayout *l = fd ? pango_layout_new(d->ctx) : NULL;

	if (l) {
		pango_layout_set_font_description(l, fd);
		pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	}
	pango_font_description_free(fd);
	return l;
}

amr_err recdraw__layouts_new(struct recdraw__draw *d, struct jv_err *err)
{
	cairo_font_options_t *fo;
	int w, h;

	if (!(d->fontmap = pango_cairo_font_map_new()))
		return jv_fail(err, "pango: no font map"), AMR_EIO;
	/* a point is a unit of the PDF's user space */
	pango_cairo_font_map_set_resolution(PANGO_CAIRO_FONT_MAP(d->fontmap), 72);
	if (!(d->ctx = pango_font_map_create_context(d->fontmap)))
		return jv_fail(err, "pango: no context"), AMR_EIO;
	/* metrics as the font has them, not fitted to a screen's pixels */
	if (!(fo = cairo_font_options_create()))
		return AMR_ENOMEM;
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(d->ctx, fo);
	cairo_font_options_destroy(fo);
	pango_cairo_update_context(d->cr, d->ctx);
	if (!(d->laid = calloc(SLOTS, sizeof *d->laid)))
		return AMR_ENOMEM;
	for (int i = 0; i < RECDRAW__STYLES; i++) {
		if (!(d->lay[i] = layout_new(d, i)))
			return jv_fail(err, "pango: no layout for \"%s\"", fonts[i]), AMR_EIO;
		pango_layout_set_text(d->lay[i], "Ag", -1);
		pango_layout_get_size(d->lay[i], &w, &h);
		d->lh[i] = (double)h / PANGO_SCALE;
	}
	return AMR_OK;
}

void recdraw__layouts_free(struct recdraw__draw *d)
{
	for (size_t i = 0; d->laid && i < SLOTS; i++)
		if (d->laid[i].key) {
			free(d->laid[i].key);
			g_object_unref(d->laid[i].lay);
		}
	free(d->laid);
	for (int i = 0; i < RECDRAW__STYLES; i++)
		if (d->lay[i])
			g_object_unref(d->lay[i]);
	if (d->ctx)
		g_object_unref(d->ctx);
	if (d->fontmap)
		g_object_unref(d->fontmap);
}

/* FNV-1a of s. */
static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Lay s out on l as asked. */
static void set(PangoLayout *l, const char *s, double w, PangoAlignment align, int lines)
{
	pango_layout_set_text(l, s, -1);
	pango_layout_set_width(l, (int)(w * PANGO_SCALE));
	pango_layout_set_ellipsize(l, lines ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
	pango_layout_set_height(l, lines ? -lines : -1);
	pango_layout_set_alignment(l, align);
}

/* The kept layout of key, laid out now when it is new; NULL when the
 * table is full (or memory is short: the text is then laid out each
 * time). */
static struct recdraw__laid *kept(struct recdraw__draw *d, enum recdraw__style st, const char *key,
				  const char *s, double w, PangoAlignment align, int lines)
{
	size_t i = hash(key) & (SLOTS - 1);
	struct recdraw__laid *e;
	int pw, ph;

	for (; d->laid[i].key; i = (i + 1) & (SLOTS - 1))
		if (!strcmp(d->laid[i].key, key))
			return &d->laid[i];
	if (d->nlaid >= KEPT_MAX)
		return NULL;
	e = &d->laid[i];
	if (!(e->lay = layout_new(d, st)) || !(e->key = strdup(key))) {
		if (e->lay)
			g_object_unref(e->lay);
		e->lay = NULL;
		return NULL;
	}
	set(e->lay, s, w, align, lines);
	pango_layout_get_size(e->lay, &pw, &ph);
	e->h = (double)ph / PANGO_SCALE;
	d->nlaid++;
	return e;
}

double recdraw__text(struct recdraw__draw *d, enum recdraw__style st, double x, double y, double w,
		     PangoAlignment align, int lines, bool show, const char *s)
{
	char key[512];
	struct recdraw__laid *e = NULL;
	PangoLayout *l = d->lay[st];
	double h;
	int n, pw, ph;

	if (!*s)
		return d->lh[st];
	n = snprintf(key, sizeof key, "%d %d %d %d %s", st, (int)(w * 100), lines, align, s);
	if (n > 0 && (size_t)n < sizeof key)
		e = kept(d, st, key, s, w, align, lines);
	if (e) {
		l = e->lay;
		h = e->h;
	} else {
		set(l, s, w, align, lines);
		pango_layout_get_size(l, &pw, &ph);
		h = (double)ph / PANGO_SCALE;
	}
	if (show) {
		double grey = st == RECDRAW__S_NOTE || st == RECDRAW__S_SMALL ? 0.3 : 0;

		cairo_set_source_rgb(d->cr, grey, grey, grey);
		cairo_move_to(d->cr, x, y);
		pango_cairo_show_layout(d->cr, l);
	}
	return h;
}
