/*
 * recdraw.c - receipts drawn into one PDF: the surface, each receipt's
 * pages (the lines split where a page ends, the totals and the QR code on
 * the last one). The layouts are in recdraw_lay.c, the blocks of a page
 * in recdraw_page.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>

#include "recdraw_page.h"

/* The PDF as cairo writes it. */
struct sink {
	unsigned char *data; /* the bytes so far (new) */
	size_t size, cap;    /* used, allocated */
	bool nomem;	     /* an allocation failed */
};

static cairo_status_t sink_write(void *arg, const unsigned char *p, unsigned int n)
{
	struct sink *s = arg;

	if (s->size + n > s->cap) {
		size_t cap = s->cap ? s->cap : 1 << 16;
		unsigned char *d;

		while (cap < s->size + n)
			cap *= 2;
		if (!(d = realloc(s->data, cap))) {
			s->nomem = true;
			return CAIRO_STATUS_WRITE_ERROR;
		}
		s->data = d;
		s->cap = cap;
	}
	memcpy(s->data + s->size, p, n);
	s->size += n;
	return CAIRO_STATUS_SUCCESS;
}

/* AMR_EIO, cairo's reason in err. */
static amr_err cairo_failed(cairo_status_t st, struct jv_err *err)
{
	jv_fail(err, "cairo: %s", cairo_status_to_string(st));
	return AMR_EIO;
}

/* made is "YYYY-MM-DDTHH:MM:SSZ" of a day that exists. */
static amr_err check_made(const char *made, struct jv_err *err)
{
	char day[CAL_DATE_LEN];
	int h, m, s, n = 0;

	if (strlen(made) == 20 && made[10] == 'T' && made[19] == 'Z' &&
	    sscanf(made + 11, "%2d:%2d:%2dZ%n", &h, &m, &s, &n) == 3 && n == 9 && h < 24 &&
	    m < 60 && s < 60 && made[13] == ':' && made[16] == ':') {
		memcpy(day, made, 10);
		day[10] = '\0';
		if (cal_day_parse(day, NULL))
			return AMR_OK;
	}
	return jv_fail(err, "made: \"%s\" is not a time YYYY-MM-DDTHH:MM:SSZ", made);
}

/* The rows of r's table in the order drawn: its lines in order but the
 * ОДН ones, then a section row (-1) and the ОДН lines. Returns how many. */
static size_t rows_of(const struct recdraw__receipt *r, int *rows)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nlines; i++)
		if (r->lines[i].basis != RECDRAW__ODN)
			rows[n++] = (int)i;
	for (size_t i = 0; i < r->nlines; i++) {
		if (r->lines[i].basis != RECDRAW__ODN)
			continue;
		if (n == 0 || rows[n - 1] < 0 || r->lines[rows[n - 1]].basis != RECDRAW__ODN)
			rows[n++] = RECDRAW__ROW_SECTION;
		rows[n++] = (int)i;
	}
	return n;
}

/* Whether row is an ОДН line: a page that starts with one heads it with
 * the section again. */
static bool odn_row(const struct recdraw__draw *d, int row)
{
	return row >= 0 && d->r->lines[row].basis == RECDRAW__ODN;
}

/*
 * Split r's rows over pages: page p holds rows [first[p], first[p + 1]);
 * the totals go after the last row, on a page of their own when they do
 * not fit under it. Returns the number of pages.
 */
static int paginate(struct recdraw__draw *d, const int *rows, size_t n, size_t *first)
{
	double avail = RECDRAW__FOOTER_TOP - d->table_top, used = 0, bottom;
	double section = recdraw__row(d, RECDRAW__ROW_SECTION, 0, false);
	int pages = 0;

	/* most receipts fit one page by far: then nothing is laid out twice */
	for (size_t i = 0; i < n; i++)
		used += recdraw__row_max(d, rows[i]);
	first[0] = 0;
	first[1] = n;
	if (used + recdraw__bottom_max(d) <= avail)
		return 1;
	used = 0;
	recdraw__bottom(d, 0, false, &bottom, NULL);
	for (size_t i = 0; i < n; i++) {
		double h = recdraw__row(d, rows[i], 0, false);

		if (i > first[pages] && used + h > avail - RECDRAW__GOES_ON_H) {
			first[++pages] = i;
			used = odn_row(d, rows[i]) ? section : 0;
		}
		used += h;
	}
	/* the last page: its rows and the totals under them */
	if (n > first[pages] && used + bottom > avail)
		first[++pages] = n;
	first[++pages] = n;
	return pages;
}

static amr_err draw_receipt(struct recdraw__draw *d, struct jv_err *err)
{
	size_t first[RECDRAW__ROWS_MAX + 2], n;
	int *row = d->rows;
	double top;
	amr_err rc;

	n = rows_of(d->r, row);
	/* the top is the same on every page: the first one's measures them */
	top = recdraw__top(d, true);
	d->table_top = top + recdraw__table_head(d, 0, false);
	d->pages = paginate(d, row, n, first);
	for (d->page = 0; d->page < d->pages; d->page++) {
		double y = d->page ? recdraw__top(d, true) : top;
		bool last = d->page == d->pages - 1;

		if (first[d->page + 1] > first[d->page]) {
			y += recdraw__table_head(d, y, true);
			if (d->page > 0 && odn_row(d, row[first[d->page]]))
				y += recdraw__row(d, RECDRAW__ROW_SECTION, y, true);
			for (size_t i = first[d->page]; i < first[d->page + 1]; i++)
				y += recdraw__row(d, row[i], y, true);
		}
		if (last) {
			if ((rc = recdraw__bottom(d, y, true, NULL, err)))
				return rc;
		} else {
			recdraw__goes_on(d, y);
		}
		recdraw__footer(d);
		cairo_show_page(d->cr);
	}
	return AMR_OK;
}

amr_err recdraw_pdf(const json_t *receipts, const char *made, struct recdraw_buf *out,
		    struct jv_err *err)
{
	struct recdraw__draw d = { 0 };
	struct recdraw__receipt *r;
	struct sink sink = { 0 };
	cairo_surface_t *pdf;
	size_t n;
	amr_err rc = AMR_OK;

	if (!json_is_array(receipts))
		return jv_fail(err, "receipts: expected an array of receipts");
	if (made && (rc = check_made(made, err)))
		return rc;
	if (!(r = malloc(sizeof *r)) || !(d.rows = malloc(RECDRAW__ROWS_MAX * sizeof *d.rows))) {
		free(r);
		return AMR_ENOMEM;
	}
	/* every receipt is checked before a page is drawn */
	n = json_array_size(receipts);
	for (size_t i = 0; i < n; i++)
		if ((rc = recdraw__read(json_array_get(receipts, i), i, r, err)))
			goto out_free_receipt;
	pdf = cairo_pdf_surface_create_for_stream(sink_write, &sink, RECDRAW__PAGE_W,
						  RECDRAW__PAGE_H);
	if (made)
		cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATE_DATE, made);
	cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATOR, "amr-billing");
	d.cr = cairo_create(pdf);
	if ((rc = recdraw__layouts_new(&d, err)))
		goto out_free_surface;
	d.r = r;
	for (size_t i = 0; i < n && !rc; i++) {
		(void)recdraw__read(json_array_get(receipts, i), i, r, err); /* it passed above */
		rc = draw_receipt(&d, err);
	}
	cairo_surface_finish(pdf);
	if (!rc && (sink.nomem || cairo_status(d.cr) == CAIRO_STATUS_NO_MEMORY))
		rc = AMR_ENOMEM;
	else if (!rc && cairo_surface_status(pdf) != CAIRO_STATUS_SUCCESS)
		rc = cairo_failed(cairo_surface_status(pdf), err);
	else if (!rc && cairo_status(d.cr) != CAIRO_STATUS_SUCCESS)
		rc = cairo_failed(cairo_status(d.cr), err);
out_free_surface:
	recdraw__layouts_free(&d);
	cairo_destroy(d.cr);
	cairo_surface_destroy(pdf);
	if (!rc) {
		out->data = sink.data;
		out->size = sink.size;
		sink.data = NULL;
	}
	free(sink.data);
out_free_receipt:
	free(d.rows);
	free(r);
	return rc;
}

void recdraw_buf_free(struct recdraw_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->size = 0;
}
