/*
 * billrules.h - the rules between amr-billing's records (docs/billing.md,
 * "The model"), checked inside the transaction of a change.
 */
#ifndef AMR_BILLING_BILLRULES_H
#define AMR_BILLING_BILLRULES_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "jv.h"
#include "ledger.h"
#include "model.h"

/* The change being checked. */
struct billrules {
	ledger *l;	    /* the records (borrowed) */
	enum model_kind k;  /* the kind changed */
	bool create;	    /* a new record, else an update */
	uint32_t id;	    /* the record updated (0 or its new id when created) */
	struct jv_err *err; /* the reason of a refusal */
};

/*
 * Check rec (the record as the change would store it; before the stored
 * one of an update, or NULL) and the references refs model_check() found,
 * against the other records, in txn. Returns 0, AMR_EINVAL with the reason
 * in c->err naming the field, or an LMDB/amr code.
 */
int billrules_check(const struct billrules *c, MDB_txn *txn, const json_t *before,
		    const json_t *rec, const struct model_refs *refs);

#endif
