/*
 * acctarg.h - the account a method's args name: "account" (its id), or
 * "number" with "org" (its лицевой счёт in the organisation), as every
 * method of amr-billing that takes an account reads it.
 */
#ifndef AMR_BILLING_ACCTARG_H
#define AMR_BILLING_ACCTARG_H

#include <stdint.h>

#include <jansson.h>

#include "jv.h"
#include "ledger.h"

/*
 * Inside txn: the account args name into *id and its record into *rec
 * (new; NULL to skip). Returns 0; AMR_EINVAL or AMR_ENOTFOUND naming the
 * field in err ("number: organisation 1 has no account 999"); or an
 * LMDB/amr code.
 */
int acctarg_get(ledger *l, MDB_txn *txn, const json_t *args, uint32_t *id, json_t **rec,
		struct jv_err *err);

/* The id of the account of organisation org numbered number into *id, 0
 * when there is none. Returns 0 or an LMDB/amr code. */
int acctarg_by_number(ledger *l, MDB_txn *txn, uint32_t org, const char *number, uint32_t *id);

#endif
