/*
 * acctchan.h - the archive channels of some accounts' premises over the
 * days each account held them (docs/billing.md, "The channels of
 * accounts"):
 *
 *   account.channels {"accounts":[id..]}
 *     -> {"channels":[{"channel","from","to"|null,"account","premises",
 *                      "service","meter","output"?}], "missing":[id..]}
 *
 * amr-web asks it for a tenant's accounts and shows the tenant those
 * channels over those spans only. Reads only.
 */
#ifndef AMR_BILLING_ACCTCHAN_H
#define AMR_BILLING_ACCTCHAN_H

#include <stddef.h>

#include "ledger.h"
#include "rpc.h"
#include "svc.h"

typedef struct acctchan acctchan;

/* The method over ledger l (borrowed), on service s. Returns AMR_OK or
 * AMR_ENOMEM. */
amr_err acctchan_create(acctchan **out, struct svc *s, ledger *l);

/* Free. Accepts NULL. */
void acctchan_destroy(acctchan *a);

/* The method table, for svc_serve() with the acctchan as ctx. */
extern const struct rpc_method acctchan_methods[];
extern const size_t acctchan_nmethods;

#endif
