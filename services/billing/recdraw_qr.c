/*
 * recdraw_qr.c - a receipt's payment QR code drawn as vectors.
 *
 * The text is UTF-8 (ГОСТ Р 56042-2014's character set 2), so it is
 * encoded whole in 8-bit mode, error correction M (15 % of the code may
 * be lost: a crease, a stain).
 *
 * Each row of modules is one stroke a module wide with butt ends, dashed
 * by the row's runs: a dash is exactly the rectangle of a run of dark
 * modules. The same rectangles as one filled path cost cairo's PDF
 * surface nearly twice the work of a whole page (it tessellates them and
 * prints eight numbers a rectangle), and a building's receipts are drawn
 * by the thousand (docs/benchmarks.md).
 */
#include <errno.h>
#include <string.h>

#include <qrencode.h>

#include "recdraw_int.h"

#define QUIET	  4   /* modules of light margin on each side (ISO/IEC 18004) */
#define WIDTH_MAX 177 /* modules across the largest code, version 40 */

amr_err recdraw__qr(cairo_t *cr, const char *text, double x, double y, double side,
		    struct jv_err *err)
{
	double dash[WIDTH_MAX + 3]; /* a row's runs, dark and light in turn */
	QRcode *qr;
	double m;
	int w;

	errno = 0;
	qr = QRcode_encodeData((int)strlen(text), (const unsigned char *)text, 0, QR_ECLEVEL_M);
	if (!qr) {
		if (errno == ENOMEM)
			return AMR_ENOMEM;
		return jv_fail(err, "qrencode: %s (%zu bytes)", strerror(errno), strlen(text)),
		       AMR_EIO;
	}
	w = qr->width;
	m = side / (w + 2 * QUIET);
	cairo_save(cr);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_rectangle(cr, x, y, side, side);
	cairo_fill(cr);
	/* in modules, the rows' middles on whole numbers */
	cairo_translate(cr, x, y + m / 2);
	cairo_scale(cr, m, m);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
	for (int r = 0; r < w; r++) {
		const unsigned char *row = qr->data + (size_t)r * w;
		int n = 0, c = 0;

		while (c < w) {
			int on = 0, off = 0;

			while (c + on < w && (row[c + on] & 1))
				on++;
			while (c + on + off < w && !(row[c + on + off] & 1))
				off++;
			dash[n++] = on;
			dash[n++] = off;
			c += on + off;
		}
		if (n == 2 && dash[0] == 0)
			continue;
		cairo_set_dash(cr, dash, n, 0);
		cairo_move_to(cr, QUIET, QUIET + r);
		cairo_rel_line_to(cr, w, 0);
		cairo_stroke(cr);
	}
	cairo_restore(cr);
	QRcode_free(qr);
	return AMR_OK;
}
