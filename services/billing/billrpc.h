/*
 * billrpc.h - amr-billing's RPC methods (amr/v1/rpc/billing/...,
 * docs/billing.md "RPC methods").
 *
 * For every kind of record (org, building, premises, account, service,
 * meter, group, tariff, tariff.version): <kind>.create, <kind>.update,
 * <kind>.get and <kind>.list. A change is checked whole (model.h, the
 * records it names, the rules between records: one channel on one
 * premises at a time, versions of a tariff that never overlap) and is
 * refused with an error naming the field, changing nothing; or it is
 * stored together with its audit record in one transaction (auditq.h)
 * and the record is published after the commit.
 */
#ifndef AMR_BILLING_BILLRPC_H
#define AMR_BILLING_BILLRPC_H

#include <stdbool.h>
#include <stddef.h>

#include "auditq.h"
#include "ledger.h"
#include "rpc.h"
#include "svc.h"

typedef struct billrpc billrpc;

/* Methods over ledger l (borrowed), audited through q (borrowed), on
 * service s (borrowed). Returns AMR_OK or AMR_ENOMEM. */
amr_err billrpc_create(billrpc **out, struct svc *s, ledger *l, auditq *q);

/* Free. Accepts NULL. */
void billrpc_destroy(billrpc *b);

/* The method table, for svc_serve() with the billrpc as ctx. */
/* Count a call of method ("org.create", "debtors") of service s by
 * result, in amr_billing_rpc_total: every method of amr-billing does. */
void billrpc_count(struct svc *s, const char *method, bool ok);

/* Answer req of method: result (taken) when rc is 0, else the error rc
 * with err's message (or rc's text); counted as billrpc_count() does. */
void billrpc_reply(struct svc *s, const char *method, rpc_req *req, int rc,
		   const struct jv_err *err, json_t *result);

extern const struct rpc_method billrpc_methods[];
extern const size_t billrpc_nmethods;

#endif
