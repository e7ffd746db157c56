/*
 * recrpc.h - amr-billing's methods that hand out receipts
 * (docs/receipts.md, "Delivery"):
 *
 *   receipt  {"invoice"} or {"account","period","building"?}, "lang"?,
 *            "format"?: "pdf" (default, a file in chunks) | "json"
 *   receipts {"building","period","lang"?,"format"?}: every issued
 *            invoice of the building's period, one page each in premises
 *            order, as one PDF
 *
 * Both only read. The receipts' data is gathered on the loop thread; the
 * PDF is drawn by a filejob worker (filejob.h).
 */
#ifndef AMR_BILLING_RECRPC_H
#define AMR_BILLING_RECRPC_H

#include <stddef.h>

#include "filejob.h"
#include "invstore.h"
#include "journal.h"
#include "ledger.h"
#include "restr.h"
#include "rpc.h"
#include "svc.h"

typedef struct recrpc recrpc;

/* Methods over ledger l, journal j, invoices is, rendering with fj, the
 * restrictions rs whose warnings the receipts carry (all borrowed; rs may
 * be NULL), on service s. Returns AMR_OK or AMR_ENOMEM. */
amr_err recrpc_create(recrpc **out, struct svc *s, ledger *l, journal *j, invstore *is, filejob *fj,
		      restr *rs);

/* Free. Accepts NULL. */
void recrpc_destroy(recrpc *r);

/*
 * Inside txn: the PDF of issued invoice inv's receipt (in Russian) as
 * billing/receipt draws it, byte for byte: what it shows into *in (new;
 * "receipts"[0] is the receipt's JSON) and how it is drawn into f, its
 * name written into name (size bytes, 96 will do; f points at it).
 * Returns 0, or receipt_build()'s errors with err saying what.
 */
int recrpc_receipt_file(recrpc *r, MDB_txn *txn, const json_t *inv, json_t **in,
			struct filejob_file *f, char *name, size_t size, struct jv_err *err);

/* The renderer r draws with (borrowed). */
filejob *recrpc_filejob(const recrpc *r);

/* The method table, for svc_serve() with the recrpc as ctx. */
extern const struct rpc_method recrpc_methods[];
extern const size_t recrpc_nmethods;

#endif
