/*
 * recdraw.h - tenants' receipts (единый платёжный документ) drawn as one
 * PDF, an A4 page a receipt, with the payment QR code (docs/receipts.md,
 * "The receipt").
 *
 * The input is a JSON array of receipt objects (what amr-billing gathers
 * from an issued invoice; the shape is in docs/receipts.md): the payee,
 * the account and its premises, the invoice's lines, the money box, an
 * optional notice, the QR code's text (qrpay.h) and whether there is
 * anything to pay. The text is drawn with pango in DejaVu Sans, the QR
 * code with libqrencode (8-bit mode, error correction M) as cairo
 * rectangles. A receipt with more lines than a page holds goes on over
 * further pages, the header repeated; the totals and the QR code are on
 * its last page.
 *
 * Pure: no files, no clock when a creation date is given. Thread-safe:
 * each call has its own surface, font map and layouts.
 */
#ifndef AMR_BILLING_RECDRAW_H
#define AMR_BILLING_RECDRAW_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "jv.h"
#include "money.h"

#define RECDRAW_LINES_MAX    200 /* lines of one receipt */
#define RECDRAW_PREMISES_MAX 8	 /* premises of one receipt */
#define RECDRAW_READINGS_MAX 8	 /* meters of one line */
#define RECDRAW_MONEY_MAX    64	 /* money as printed, with its separators */

/* Money as a receipt prints it, "12 345,67", into buf (RECDRAW_MONEY_MAX
 * bytes). Returns buf. */
char *recdraw_money(money_kop v, char *buf);

/* A PDF in memory. */
struct recdraw_buf {
	unsigned char *data; /* the bytes (new; recdraw_buf_free()) */
	size_t size;	     /* how many */
};

/*
 * Draw receipts (borrowed: a JSON array of receipt objects), one A4 page
 * each in the array's order (more when one has many lines), into *out
 * (new). made: the PDF's creation date "YYYY-MM-DDTHH:MM:SSZ" (borrowed),
 * or NULL for cairo's now; with it, drawing the same receipts again gives
 * the same text. Every receipt is checked before anything is drawn.
 * Returns AMR_OK; AMR_EINVAL naming the field ("receipts[2].lines[0].amount:
 * ...") when a receipt breaks the shape or made is not such a date;
 * AMR_ENOMEM; AMR_EIO when cairo, pango or libqrencode failed (err says
 * which). *out is untouched on error.
 */
amr_err recdraw_pdf(const json_t *receipts, const char *made, struct recdraw_buf *out,
		    struct jv_err *err);

/* Free b's bytes and empty it. Accepts NULL. */
void recdraw_buf_free(struct recdraw_buf *b);

#endif
