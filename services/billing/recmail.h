/*
 * recmail.h - issued receipts e-mailed to the tenants through amr-notify
 * (docs/receipts.md, "By e-mail"):
 *
 *   receipts.email {"building","period","actor","reason"?}: every issued
 *                  invoice of the period whose account has an e-mail
 *                  address gets its receipt PDF (the one billing/receipt
 *                  hands out) as an attachment, once per invoice; audited
 *   receipts.sent  {"building","period"}: each invoice's message state
 *
 *   recmail  invoice id "2026-10/1/17" -> {"invoice","account","number",
 *            "to","ref","state","reason"?,"ts","actor","bytes"?,"sha256"?}
 *
 * The answer comes at once; the PDFs are drawn by the render workers
 * (filejob.h) a few at a time, each then asked of notify/send under the
 * ref billing/receipt/<invoice>/email, which amr-notify sends once. A
 * message is "drawing" until amr-notify has it, then "queued", "sent" or
 * "failed" as it tells (amr/v1/notify/delivery/billing). Runs on the
 * service's loop thread.
 */
#ifndef AMR_BILLING_RECMAIL_H
#define AMR_BILLING_RECMAIL_H

#include "auditq.h"
#include "invstore.h"
#include "ledger.h"
#include "notecl.h"
#include "recrpc.h"
#include "rpc.h"
#include "svc.h"

typedef struct recmail recmail;

/*
 * The module over ledger l, invoices is, receipts rr (its renderer),
 * amr-notify nc and the audit outbox q of service s (all borrowed), every
 * poll_s seconds looking after the messages not settled. Messages a
 * crash left "drawing" are drawn and asked again. Returns AMR_OK,
 * AMR_ENOMEM or AMR_EDB.
 */
amr_err recmail_create(recmail **out, struct svc *s, ledger *l, invstore *is, recrpc *rr,
		       notecl *nc, auditq *q, unsigned poll_s);

/* Stop the timer, free. Accepts NULL. Messages being drawn stay
 * "drawing" in the store, for the next start. */
void recmail_destroy(recmail *m);

/* The method table, for svc_serve() with the recmail as ctx. */
extern const struct rpc_method recmail_methods[];
extern const size_t recmail_nmethods;

#endif
