/*
 * recdraw_page.c - the blocks of a receipt's page (Правила 354 п. 69):
 * the payee with its bank details, the title with the month, the payer
 * (лицевой счёт, ФИО, premises) with the sum to pay, the table of lines
 * (service, basis, readings, quantity, price, amount), the totals with
 * the QR code, the notice, the footer. Every text is one of the call's
 * layouts, set and shown; a long name wraps within its column, up to a
 * few lines, then ends with an ellipsis, so that nothing overlaps.
 */
#include <stdio.h>
#include <string.h>

#include "recdraw_page.h"

#define X0	(RECDRAW__MARGIN)
#define CW	(RECDRAW__PAGE_W - 2 * RECDRAW__MARGIN) /* the width written on */
#define MM	2.834646				/* points in a millimetre */
#define QR_SIDE (40 * MM)				/* the QR code with its quiet zone */
#define PADX	2.5					/* a cell's padding */
#define PADY	2.0
#define VALUE_W 120 /* the totals' column of amounts */
#define TEXT	512 /* bytes of a composed text */

/* The table's columns: width (the last takes the rest), head, alignment. */
static const struct {
	double w;
	enum recdraw__label head;
	PangoAlignment align;
} cols[] = {
	{ 150, RECDRAW__L_COL_SERVICE, PANGO_ALIGN_LEFT },
	{ 70, RECDRAW__L_COL_BASIS, PANGO_ALIGN_LEFT },
	{ 56, RECDRAW__L_COL_METER, PANGO_ALIGN_LEFT },
	{ 50, RECDRAW__L_COL_PREV, PANGO_ALIGN_RIGHT },
	{ 50, RECDRAW__L_COL_CUR, PANGO_ALIGN_RIGHT },
	{ 56, RECDRAW__L_COL_QTY, PANGO_ALIGN_RIGHT },
	{ 48, RECDRAW__L_COL_PRICE, PANGO_ALIGN_RIGHT },
	{ CW - 480, RECDRAW__L_COL_AMOUNT, PANGO_ALIGN_RIGHT },
};

#define NCOLS (sizeof cols / sizeof *cols)

/* Append "  label value" (or "label: value" when colon) to buf when value
 * is there. */
static void add(char *buf, const char *label, const char *value, bool colon)
{
	size_t n = strlen(buf);

	if (!value)
		return;
	recdraw__fmt(buf + n, TEXT - n, "%s%s%s %s", n ? "   " : "", label, colon ? ":" : "",
		     value);
}

static const char *L(const struct recdraw__draw *d, enum recdraw__label l)
{
	return recdraw__label(d->r->lang, l);
}

static void rule(struct recdraw__draw *d, double x, double y, double w, double width)
{
	cairo_set_source_rgb(d->cr, 0, 0, 0);
	cairo_set_line_width(d->cr, width);
	cairo_move_to(d->cr, x, y);
	cairo_line_to(d->cr, x + w, y);
	cairo_stroke(d->cr);
}

static void frame(struct recdraw__draw *d, double y, double w, double h, double width)
{
	cairo_set_source_rgb(d->cr, 0, 0, 0);
	cairo_set_line_width(d->cr, width);
	cairo_rectangle(d->cr, X0, y, w, h);
	cairo_stroke(d->cr);
}

/* The payee: name, ИНН/КПП, bank details, address and contacts. */
static double payee(struct recdraw__draw *d, double y, bool show)
{
	const char *const *p = d->r->payee;
	char buf[TEXT] = "", acc[TEXT];
	double y0 = y;

	y += recdraw__text(d, RECDRAW__S_NAME, X0, y, CW, PANGO_ALIGN_LEFT, 2, show,
			   p[RECDRAW__P_NAME]);
	add(buf, L(d, RECDRAW__L_INN), p[RECDRAW__P_INN], false);
	add(buf, L(d, RECDRAW__L_KPP), p[RECDRAW__P_KPP], false);
	recdraw__fmt(acc, sizeof acc, "%s %s %s", p[RECDRAW__P_ACCOUNT], L(d, RECDRAW__L_IN_BANK),
		     p[RECDRAW__P_BANK]);
	add(buf, L(d, RECDRAW__L_ACCOUNT), acc, false);
	y += recdraw__text(d, RECDRAW__S_TEXT, X0, y + 1, CW, PANGO_ALIGN_LEFT, 2, show, buf) + 1;
	buf[0] = '\0';
	add(buf, L(d, RECDRAW__L_BIK), p[RECDRAW__P_BIK], false);
	add(buf, L(d, RECDRAW__L_CORR), p[RECDRAW__P_CORR], false);
	y += recdraw__text(d, RECDRAW__S_TEXT, X0, y, CW, PANGO_ALIGN_LEFT, 1, show, buf);
	buf[0] = '\0';
	add(buf, L(d, RECDRAW__L_ADDRESS), p[RECDRAW__P_ADDRESS], true);
	add(buf, L(d, RECDRAW__L_PHONE), p[RECDRAW__P_PHONE], true);
	add(buf, L(d, RECDRAW__L_EMAIL), p[RECDRAW__P_EMAIL], true);
	add(buf, L(d, RECDRAW__L_SITE), p[RECDRAW__P_WEBSITE], true);
	if (buf[0])
		y += recdraw__text(d, RECDRAW__S_TEXT, X0, y, CW, PANGO_ALIGN_LEFT, 2, show, buf);
	return y - y0;
}

/* One premises: its address, then area, residents, share, days held. */
static double premises(struct recdraw__draw *d, const struct recdraw__premises *pr, double x,
		       double y, double w, bool show)
{
	char buf[TEXT] = "", num[RECDRAW__NUM_MAX + 16], from[CAL_DATE_LEN], to[CAL_DATE_LEN];
	double y0 = y;

	if (pr->address || pr->number) {
		recdraw__fmt(buf, sizeof buf, "%s: %s%s%s", L(d, RECDRAW__L_ADDRESS),
			     pr->address ? pr->address : L(d, RECDRAW__L_FLAT),
			     pr->address ? "" : " ", pr->address ? "" : pr->number);
		y += recdraw__text(d, RECDRAW__S_TEXT, x, y, w, PANGO_ALIGN_LEFT, 2, show, buf);
	}
	buf[0] = '\0';
	if (pr->has_area) {
		recdraw__qty_text(&pr->area, num);
		strcat(num, " ");
		strcat(num, recdraw__unit(d->r->lang, "m2"));
		add(buf, L(d, RECDRAW__L_AREA), num, false);
	}
	if (pr->residents >= 0) {
		recdraw__fmt(num, sizeof num, "%lld %s", pr->residents, L(d, RECDRAW__L_PERSONS));
		add(buf, L(d, RECDRAW__L_RESIDENTS), num, false);
	}
	add(buf, L(d, RECDRAW__L_SHARE), pr->share, false);
	if (pr->from != CAL_DAY_NONE && pr->to != CAL_DAY_NONE && pr->to > pr->from) {
		char held[64];

		/* `to` is the day after the last one held */
		recdraw__fmt(held, sizeof held, "%s–%s", recdraw__date_text(pr->from, from),
			     recdraw__date_text(pr->to - 1, to));
		if (pr->days >= 0)
			recdraw__fmt(held + strlen(held), sizeof held - strlen(held), " (%lld %s)",
				     pr->days, L(d, RECDRAW__L_DAYS));
		add(buf, L(d, RECDRAW__L_HELD), held, false);
	}
	if (buf[0])
		y += recdraw__text(d, RECDRAW__S_SMALL, x, y, w, PANGO_ALIGN_LEFT, 2, show, buf);
	return y - y0;
}

/* The sum to pay (or that there is none), right of the payer. */
static double to_pay(struct recdraw__draw *d, double x, double y, double w, bool show)
{
	const struct recdraw__receipt *r = d->r;
	char num[RECDRAW__NUM_MAX], buf[TEXT];
	double y0 = y;

	if (r->to_pay) {
		y += recdraw__text(d, RECDRAW__S_BOLD, x, y, w, PANGO_ALIGN_RIGHT, 1, show,
				   L(d, RECDRAW__L_TOTAL));
		recdraw__fmt(buf, sizeof buf, "%s ₽", recdraw__money_text(r->total, num));
		y += recdraw__text(d, RECDRAW__S_BIG, x, y, w, PANGO_ALIGN_RIGHT, 1, show, buf);
		if (r->due != CAL_DAY_NONE) {
			char due[CAL_DATE_LEN];

			recdraw__fmt(buf, sizeof buf, "%s %s", L(d, RECDRAW__L_DUE),
				     recdraw__date_text(r->due, due));
			y += recdraw__text(d, RECDRAW__S_BOLD, x, y, w, PANGO_ALIGN_RIGHT, 1, show,
					   buf);
		}
		return y - y0;
	}
	y += recdraw__text(d, RECDRAW__S_BIG, x, y, w, PANGO_ALIGN_RIGHT, 1, show,
			   L(d, RECDRAW__L_NOTHING));
	if (r->total < 0) {
		recdraw__fmt(buf, sizeof buf, "%s %s ₽", L(d, RECDRAW__L_OVERPAID),
			     recdraw__money_text(-r->total, num));
		y += recdraw__text(d, RECDRAW__S_BOLD, x, y, w, PANGO_ALIGN_RIGHT, 1, show, buf);
	}
	return y - y0;
}

double recdraw__top(struct recdraw__draw *d, bool show)
{
	const struct recdraw__receipt *r = d->r;
	char buf[TEXT], month[64];
	double y = RECDRAW__MARGIN, top, ly, ry, lw = CW * 0.6;

	y += payee(d, y, show) + 3;
	if (show)
		rule(d, X0, y, CW, 0.8);
	y += 5;
	recdraw__fmt(buf, sizeof buf, "%s %s", L(d, RECDRAW__L_TITLE),
		     recdraw__month_text(r->lang, r->period_y, r->period_m, month));
	recdraw__text(d, RECDRAW__S_TITLE, X0, y, CW - 150, PANGO_ALIGN_LEFT, 1, show, buf);
	recdraw__fmt(buf, sizeof buf, "%s %s", L(d, RECDRAW__L_DOC), r->id);
	recdraw__text(d, RECDRAW__S_SMALL, X0 + CW - 150, y + 4, 150, PANGO_ALIGN_RIGHT, 1, show,
		      buf);
	y += d->lh[RECDRAW__S_TITLE] + 4;
	/* the payer, left; the sum to pay, right */
	top = y;
	ly = top + 4;
	ly += recdraw__text(d, RECDRAW__S_SMALL, X0 + 6, ly, lw, PANGO_ALIGN_LEFT, 1, show,
			    L(d, RECDRAW__L_PERS_ACC));
	ly += recdraw__text(d, RECDRAW__S_BIG, X0 + 6, ly, lw, PANGO_ALIGN_LEFT, 1, show,
			    r->number);
	recdraw__fmt(buf, sizeof buf, "%s: %s", L(d, RECDRAW__L_PAYER), r->holder);
	ly += recdraw__text(d, RECDRAW__S_BOLD, X0 + 6, ly + 1, lw, PANGO_ALIGN_LEFT, 1, show,
			    buf) +
	      2;
	for (size_t i = 0; i < r->npremises; i++)
		ly += premises(d, &r->premises[i], X0 + 6, ly, lw, show) + 1;
	ry = top + 4 + to_pay(d, X0 + lw + 12, top + 4, CW - lw - 18, show);
	y = (ly > ry ? ly : ry) + 4;
	if (show)
		frame(d, top, CW, y - top, 0.8);
	return y + 6;
}

double recdraw__table_head(struct recdraw__draw *d, double y, bool show)
{
	double x = X0, h = d->lh[RECDRAW__S_HEAD] + 2 * PADY;

	if (!show)
		return h;
	cairo_set_source_rgb(d->cr, 0.88, 0.88, 0.88);
	cairo_rectangle(d->cr, X0, y, CW, h);
	cairo_fill(d->cr);
	for (size_t c = 0; c < NCOLS; c++) {
		recdraw__text(d, RECDRAW__S_HEAD, x + PADX, y + PADY, cols[c].w - 2 * PADX,
			      cols[c].align, 1, true, L(d, cols[c].head));
		x += cols[c].w;
	}
	rule(d, X0, y + h, CW, 0.6);
	return h;
}

/* A reading's value, or "" when there is none. */
static const char *reading_text(const struct money_qty *q, char *buf)
{
	if (q->dec < 0)
		return "";
	return recdraw__qty_text(q, buf);
}

/* The single-line cells of line l at y: the readings, a meter a line,
 * the quantity, the price, the amount. Returns the readings' height. */
static double cells(struct recdraw__draw *d, const struct recdraw__line *l, double y, bool show)
{
	double x2 = X0 + cols[0].w + cols[1].w, x = x2 + cols[2].w + cols[3].w + cols[4].w;
	double lh = d->lh[RECDRAW__S_CELL];
	char num[RECDRAW__NUM_MAX + 32];
	const char *unit = l->unit ? recdraw__unit(d->r->lang, l->unit) : NULL;

	if (!show)
		return lh * (double)(l->nreadings ? l->nreadings : 1);
	for (size_t k = 0; k < l->nreadings; k++) {
		const struct recdraw__reading *rd = &l->readings[k];
		double ry = y + lh * (double)k, rx = x2;

		recdraw__text(d, RECDRAW__S_CELL, rx + PADX, ry, cols[2].w - 2 * PADX,
			      PANGO_ALIGN_LEFT, 1, true, rd->serial ? rd->serial : "");
		rx += cols[2].w;
		recdraw__text(d, RECDRAW__S_CELL, rx + PADX, ry, cols[3].w - 2 * PADX,
			      PANGO_ALIGN_RIGHT, 1, true, reading_text(&rd->start, num));
		rx += cols[3].w;
		recdraw__text(d, RECDRAW__S_CELL, rx + PADX, ry, cols[4].w - 2 * PADX,
			      PANGO_ALIGN_RIGHT, 1, true, reading_text(&rd->end, num));
	}
	if (l->has_qty) {
		recdraw__qty_text(&l->qty, num);
		if (unit) {
			strcat(num, " ");
			strcat(num, unit);
		}
		recdraw__text(d, RECDRAW__S_CELL, x + PADX, y, cols[5].w - 2 * PADX,
			      PANGO_ALIGN_RIGHT, 1, true, num);
	}
	x += cols[5].w;
	if (l->has_price)
		recdraw__text(d, RECDRAW__S_CELL, x + PADX, y, cols[6].w - 2 * PADX,
			      PANGO_ALIGN_RIGHT, 1, true, recdraw__price_text(l->price, num));
	x += cols[6].w;
	recdraw__text(d, RECDRAW__S_CELL_BOLD, x + PADX, y, cols[7].w - 2 * PADX, PANGO_ALIGN_RIGHT,
		      1, true, recdraw__money_text(l->amount, num));
	return lh * (double)(l->nreadings ? l->nreadings : 1);
}

/* A percentage (1/100 %) as "50" or "12,5" into buf (16 bytes). */
static char *pct_text(int32_t p, char *buf)
{
	if (p % 100)
		recdraw__fmt(buf, 16, "%d,%02d", p / 100, p % 100);
	else
		recdraw__fmt(buf, 16, "%d", p / 100);
	return buf;
}

/* The note under a line's name: an instalment's terms and the line's
 * reason, into buf (TEXT bytes); NULL when it has neither. */
static const char *note(const struct recdraw__draw *d, const struct recdraw__line *l, char *buf)
{
	const struct recdraw__instalment *in = &l->inst;
	char a[MONEY_STR_MAX + 16], b[MONEY_STR_MAX + 16], r[16];
	size_t n;

	buf[0] = '\0';
	if (in->has && in->part < 0)
		recdraw__fmt(buf, TEXT, "%s %s %lld %s %02d.%04d, %s %s",
			     recdraw__money_text(in->amount, a), L(d, RECDRAW__L_INST_OVER),
			     in->months, L(d, RECDRAW__L_INST_MONTHS), in->from_m, in->from_y,
			     pct_text(in->rate, r), L(d, RECDRAW__L_INST_RATE));
	else if (in->has)
		recdraw__fmt(buf, TEXT, "%s %lld %s %lld%s%s, %s %s; %s %s",
			     L(d, RECDRAW__L_INST_PART), in->part, L(d, RECDRAW__L_OF), in->months,
			     in->early ? ", " : "", in->early ? L(d, RECDRAW__L_INST_EARLY) : "",
			     L(d, RECDRAW__L_INST_INTEREST), recdraw__money_text(in->interest, a),
			     L(d, RECDRAW__L_INST_LEFT), recdraw__money_text(in->left, b));
	n = strlen(buf);
	if (l->reason)
		recdraw__fmt(buf + n, TEXT - n, "%s%s", n ? "; " : "", l->reason);
	return buf[0] ? buf : NULL;
}

double recdraw__row(struct recdraw__draw *d, int row, double y, bool show)
{
	const struct recdraw__line *l;
	char name[TEXT], basis[TEXT], nb[TEXT], pb[16];
	const char *under;
	double w0 = cols[0].w - 2 * PADX, h, hb, hc;

	if (row == RECDRAW__ROW_SECTION) {
		h = 2 * PADY + d->lh[RECDRAW__S_CELL_BOLD];
		if (show) {
			cairo_set_source_rgb(d->cr, 0.94, 0.94, 0.94);
			cairo_rectangle(d->cr, X0, y, CW, h);
			cairo_fill(d->cr);
			recdraw__text(d, RECDRAW__S_CELL_BOLD, X0 + PADX, y + PADY, CW - 2 * PADX,
				      PANGO_ALIGN_LEFT, 1, true, L(d, RECDRAW__L_ODN_SECTION));
			rule(d, X0, y + h, CW, 0.3);
		}
		return h;
	}
	l = &d->r->lines[row];
	recdraw__fmt(name, sizeof name, "%s%s%s%s", l->name, l->zone ? " (" : "",
		     l->zone ? recdraw__zone(d->r->lang, l->zone) : "", l->zone ? ")" : "");
	h = recdraw__text(d, RECDRAW__S_CELL, X0 + PADX, y + PADY, w0, PANGO_ALIGN_LEFT, 3, show,
			  name);
	if ((under = note(d, l, nb)))
		h += recdraw__text(d, RECDRAW__S_NOTE, X0 + PADX, y + PADY + h, w0,
				   PANGO_ALIGN_LEFT, 3, show, under);
	recdraw__fmt(basis, sizeof basis, "%s", recdraw__basis(d->r->lang, l->basis));
	if (l->percent >= 0)
		recdraw__fmt(basis + strlen(basis), sizeof basis - strlen(basis), " %s %%",
			     pct_text(l->percent, pb));
	if (l->month_y)
		recdraw__fmt(basis + strlen(basis), sizeof basis - strlen(basis), " %s %02d.%04d",
			     L(d, RECDRAW__L_FOR), l->month_m, l->month_y);
	hb = recdraw__text(d, RECDRAW__S_CELL, X0 + cols[0].w + PADX, y + PADY,
			   cols[1].w - 2 * PADX, PANGO_ALIGN_LEFT, 2, show, basis);
	hc = cells(d, l, y + PADY, show);
	h = h > hb ? h : hb;
	h = (h > hc ? h : hc) + 2 * PADY;
	if (show) {
		cairo_set_source_rgb(d->cr, 0.6, 0.6, 0.6);
		cairo_set_line_width(d->cr, 0.3);
		cairo_move_to(d->cr, X0, y + h);
		cairo_line_to(d->cr, X0 + CW, y + h);
		cairo_stroke(d->cr);
	}
	return h;
}

double recdraw__row_max(const struct recdraw__draw *d, int row)
{
	const struct recdraw__line *l;
	double name, lh = d->lh[RECDRAW__S_CELL];
	char nb[TEXT];

	if (row == RECDRAW__ROW_SECTION)
		return 2 * PADY + d->lh[RECDRAW__S_CELL_BOLD];
	l = &d->r->lines[row];
	/* what recdraw__row allows: 3 lines of name, 3 of note, 2 of basis */
	name = 3 * lh + (note(d, l, nb) ? 3 * d->lh[RECDRAW__S_NOTE] : 0);
	if (name < (double)l->nreadings * lh)
		name = (double)l->nreadings * lh;
	return 2 * PADY + name;
}

double recdraw__bottom_max(const struct recdraw__draw *d)
{
	double totals = 5 + 6 * (d->lh[RECDRAW__S_TEXT] + 1) + 3 + 2 * d->lh[RECDRAW__S_TITLE] +
			d->lh[RECDRAW__S_BOLD] + 5;
	double qr = QR_SIDE + 1 + 2 * d->lh[RECDRAW__S_SMALL];

	return 6 + (totals > qr ? totals : qr) + 6 +
	       (d->r->notice ? 8 * d->lh[RECDRAW__S_BOLD] + 16 : 0);
}

/* "label .......... value" across w at y; returns its height. */
static double pair(struct recdraw__draw *d, enum recdraw__style st, double y, double w,
		   const char *label, const char *value, bool show)
{
	double h = recdraw__text(d, st, X0 + 6, y, w - 12 - VALUE_W, PANGO_ALIGN_LEFT, 1, show,
				 label);

	recdraw__text(d, st, X0 + w - 6 - VALUE_W, y, VALUE_W, PANGO_ALIGN_RIGHT, 1, show, value);
	return h;
}

/* A money box row, when the amount is there. */
static double amount(struct recdraw__draw *d, double y, double w, const char *label,
		     const struct recdraw__money *m, bool show)
{
	char num[RECDRAW__NUM_MAX];

	if (!m->has)
		return 0;
	return pair(d, RECDRAW__S_TEXT, y, w, label, recdraw__money_text(m->value, num), show) + 1;
}

/* The totals box at y, w wide; returns its height. */
static double totals(struct recdraw__draw *d, double y, double w, bool show)
{
	const struct recdraw__receipt *r = d->r;
	char label[TEXT], num[RECDRAW__NUM_MAX], buf[TEXT], date[CAL_DATE_LEN], month[64];
	struct recdraw__money opening = r->opening;
	double y0 = y;

	y += 5;
	if (opening.has) {
		/* a negative opening balance is an overpayment */
		recdraw__fmt(label, sizeof label, "%s",
			     L(d, opening.value < 0 ? RECDRAW__L_OVERPAID : RECDRAW__L_OPENING));
		if (r->opening_date != CAL_DAY_NONE)
			recdraw__fmt(label + strlen(label), sizeof label - strlen(label), " %s %s",
				     L(d, RECDRAW__L_ON),
				     recdraw__date_text(r->opening_date, date));
		opening.value = opening.value < 0 ? -opening.value : opening.value;
		y += amount(d, y, w, label, &opening, show);
	}
	y += amount(d, y, w, L(d, RECDRAW__L_PAID), &r->paid, show);
	recdraw__fmt(label, sizeof label, "%s %s", L(d, RECDRAW__L_CHARGED),
		     recdraw__month_text(r->lang, r->period_y, r->period_m, month));
	y += amount(d, y, w, label, &r->charged, show);
	y += amount(d, y, w, L(d, RECDRAW__L_RECALCULATED), &r->recalculated, show);
	y += amount(d, y, w, L(d, RECDRAW__L_ADJUSTMENTS), &r->adjustments, show);
	y += amount(d, y, w, L(d, RECDRAW__L_PENALTIES), &r->penalties, show);
	if (show)
		rule(d, X0 + 6, y + 1, w - 12, 0.5);
	y += 3;
	if (r->to_pay) {
		recdraw__fmt(buf, sizeof buf, "%s ₽", recdraw__money_text(r->total, num));
		y += pair(d, RECDRAW__S_TITLE, y, w, L(d, RECDRAW__L_TOTAL), buf, show);
		if (r->due != CAL_DAY_NONE) {
			recdraw__fmt(buf, sizeof buf, "%s %s", L(d, RECDRAW__L_DUE),
				     recdraw__date_text(r->due, date));
			y += recdraw__text(d, RECDRAW__S_BOLD, X0 + 6, y, w - 12, PANGO_ALIGN_RIGHT,
					   1, show, buf);
		}
	} else {
		y += pair(d, RECDRAW__S_TITLE, y, w, L(d, RECDRAW__L_NOTHING), "", show);
		if (r->total < 0) {
			recdraw__fmt(buf, sizeof buf, "%s ₽",
				     recdraw__money_text(-r->total, num));
			y += pair(d, RECDRAW__S_BOLD, y, w, L(d, RECDRAW__L_OVERPAID), buf, show);
		}
	}
	y += 5;
	if (show)
		frame(d, y0, w, y - y0, 1);
	return y - y0;
}

amr_err recdraw__bottom(struct recdraw__draw *d, double y, bool show, double *h, struct jv_err *err)
{
	double bw = CW - QR_SIDE - 10, qx = X0 + CW - QR_SIDE, yb, qb;
	amr_err rc;

	y += 6;
	yb = y + totals(d, y, bw, show);
	if (show && (rc = recdraw__qr(d->cr, d->r->qr, qx, y, QR_SIDE, err)))
		return rc;
	qb = y + QR_SIDE + 1 +
	     recdraw__text(d, RECDRAW__S_SMALL, qx, y + QR_SIDE + 1, QR_SIDE, PANGO_ALIGN_CENTER, 2,
			   show, L(d, RECDRAW__L_QR));
	yb = (yb > qb ? yb : qb) + 6;
	if (d->r->notice) {
		double t = recdraw__text(d, RECDRAW__S_BOLD, X0 + 6, yb + 5, CW - 12,
					 PANGO_ALIGN_LEFT, 8, show, d->r->notice);

		if (show)
			frame(d, yb, CW, t + 10, 1.5);
		yb += t + 10 + 6;
	}
	if (h)
		*h = yb - (y - 6);
	return AMR_OK;
}

void recdraw__goes_on(struct recdraw__draw *d, double y)
{
	recdraw__text(d, RECDRAW__S_NOTE, X0, y + 3, CW, PANGO_ALIGN_RIGHT, 1, true,
		      L(d, RECDRAW__L_GOES_ON));
}

void recdraw__footer(struct recdraw__draw *d)
{
	char buf[TEXT];

	recdraw__fmt(buf, sizeof buf, "%s %s · %s %s · %s %d %s %d", L(d, RECDRAW__L_PERS_ACC),
		     d->r->number, L(d, RECDRAW__L_DOC), d->r->id, L(d, RECDRAW__L_PAGE),
		     d->page + 1, L(d, RECDRAW__L_OF), d->pages);
	rule(d, X0, RECDRAW__FOOTER_TOP + 4, CW, 0.3);
	recdraw__text(d, RECDRAW__S_SMALL, X0, RECDRAW__FOOTER_TOP + 7, CW, PANGO_ALIGN_CENTER, 1,
		      true, buf);
}
