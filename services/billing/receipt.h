/*
 * receipt.h - a tenant's receipt (единый платёжный документ) gathered
 * from an issued invoice, its account's journal and the records it names
 * (docs/receipts.md, "What a receipt says"): the JSON recdraw.h draws.
 *
 * The money of the receipt of period P (the charge dated P's next month's
 * first day, P.to) is read from the journal:
 *   opening   every entry dated up to P's first day but the payments of
 *             that day (so the previous period's charge, dated then, is in)
 *   paid      payments and reversals dated P.from .. P.to (shown positive)
 *   charged, recalculated, adjustments, penalties
 *             the entries this invoice's issue wrote (its charge, the
 *             adjustments of its recalculation and of invoice.adjust lines,
 *             its penalty)
 *   other     any other entry dated after P.from up to P.to (added to
 *             adjustments)
 *   total     the sum of them all: the balance at the end of P.to.
 * Everything is read inside the caller's read transaction; what is handed
 * out is a new value.
 */
#ifndef AMR_BILLING_RECEIPT_H
#define AMR_BILLING_RECEIPT_H

#include <jansson.h>

#include "err.h"
#include "journal.h"
#include "jv.h"
#include "ledger.h"

/* The languages a receipt is printed in (NULL-ended): "ru", "en". */
extern const char *const receipt_langs[];

/*
 * The receipt of invoice inv (borrowed; issued) in lang, from ledger l's
 * records and journal j, into *out (new). Returns AMR_OK; AMR_ESTATE when
 * the invoice is a draft; AMR_ENOTFOUND when a record it names is gone;
 * AMR_EINVAL when the organisation's bank details cannot make a payment
 * QR code (err names the field and says what to fix); AMR_ENOMEM,
 * AMR_EDB. err says what for every error.
 */
amr_err receipt_build(ledger *l, journal *j, MDB_txn *txn, const json_t *inv, const char *lang,
		      json_t **out, struct jv_err *err);

#endif
