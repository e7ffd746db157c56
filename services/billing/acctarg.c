/*
 * acctarg.c - the account a method's args name: by id, or by its
 * лицевой счёт number in an organisation.
 */
#include <stdio.h>

#include "acctarg.h"

int acctarg_by_number(ledger *l, MDB_txn *txn, uint32_t org, const char *number, uint32_t *id)
{
	json_t *probe = json_pack("{s:I, s:s}", "org", (json_int_t)org, "number", number);
	const char *what;
	char key[128];
	int rc;

	if (!probe)
		return AMR_ENOMEM;
	model_unique_key(MODEL_ACCOUNT, probe, key, sizeof key, &what);
	json_decref(probe);
	rc = ledger_holder(l, txn, key, id);
	if (rc == AMR_ENOTFOUND)
		*id = 0;
	return rc == AMR_ENOTFOUND ? 0 : rc;
}

int acctarg_get(ledger *l, MDB_txn *txn, const json_t *args, uint32_t *id, json_t **rec,
		struct jv_err *err)
{
	const char *number;
	long long acc, org;
	json_t *r = NULL;
	int rc;

	if ((rc = jv_int(args, "account", false, 0, 1, MODEL_ID_MAX, &acc, err)) ||
	    (rc = jv_str(args, "number", false, NULL, 1, 30, &number, err)) ||
	    (rc = jv_int(args, "org", !!number, 0, 1, MODEL_ID_MAX, &org, err)))
		return rc;
	if (!acc && !number)
		return jv_fail(err, "account: missing (give the account's id, or its number with "
				    "org)");
	if (acc && number)
		return jv_fail(err, "number: give the account or its number, not both");
	if (number) {
		if ((rc = acctarg_by_number(l, txn, (uint32_t)org, number, id)))
			return rc;
		if (!*id) {
			jv_fail(err, "number: organisation %lld has no account %s", org, number);
			return AMR_ENOTFOUND;
		}
	} else {
		*id = (uint32_t)acc;
	}
	rc = ledger_get(l, txn, MODEL_ACCOUNT, *id, &r);
	if (rc == AMR_ENOTFOUND) {
		jv_fail(err, "account: there is no account %u", *id);
		return AMR_ENOTFOUND;
	}
	if (rc)
		return rc;
	if (rec)
		*rec = r;
	else
		json_decref(r);
	return 0;
}
