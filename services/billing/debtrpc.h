/*
 * debtrpc.h - amr-billing's methods on debt: an account's debt at a day
 * with its penalties and ages, and the organisation's debtors
 * (docs/billing.md, "An account's debt" and "Debtors").
 *
 *   account.debt {"account","date"?,"pieces"?}
 *   debtors      {"org","date"?,"building"?,"group"?,"min_debt"?,"limit"?}
 *
 * Both only read: nothing here changes money.
 */
#ifndef AMR_BILLING_DEBTRPC_H
#define AMR_BILLING_DEBTRPC_H

#include <stddef.h>

#include "jv.h"
#include "journal.h"
#include "ledger.h"
#include "rpc.h"
#include "svc.h"

typedef struct debtrpc debtrpc;

/* Methods over ledger l and journal j (both borrowed), on service s.
 * Returns AMR_OK or AMR_ENOMEM. */
amr_err debtrpc_create(debtrpc **out, struct svc *s, ledger *l, journal *j);

/* Free. Accepts NULL. */
void debtrpc_destroy(debtrpc *d);

/*
 * The debtors list args asks for ({"org","date"?,"building"?,"group"?,
 * "min_debt"?,"limit"?}, borrowed: any other field is refused), read from
 * ledger l and journal j inside read transaction txn, as billing/debtors
 * answers it, into *out (new). Returns AMR_OK; AMR_EINVAL or
 * AMR_ENOTFOUND with the reason in err; AMR_ENOMEM, AMR_EDB.
 */
int debtrpc_debtors(ledger *l, journal *j, MDB_txn *txn, const json_t *args, json_t **out,
		    struct jv_err *err);

/* The method table, for svc_serve() with the debtrpc as ctx. */
extern const struct rpc_method debtrpc_methods[];
extern const size_t debtrpc_nmethods;

#endif
