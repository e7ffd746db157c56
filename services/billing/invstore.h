/*
 * invstore.h - the billing run's records in amr-billing's LMDB
 * environment: runs, invoices and the premises' months (docs/billing.md,
 * "Data").
 *
 *   runs    building u32 | period "YYYY-MM"                   -> the run's JSON
 *   inv     building u32 | period | account u32               -> an invoice's JSON
 *   inv_acc account u32 | period | building u32               -> "" (index)
 *   rprem   building u32 | period | premises u32 | service u32 -> a premises' month
 *   rpend   building u32 | premises u32 | service u32 | period -> "" (to recalculate)
 *   radj    building u32 | account u32 | seq u64 -> an adjustment waiting for a run
 *           0 u32 -> the last seq given
 *
 * An invoice's id is "<period>/<building>/<account>" ("2026-10/1/17"):
 * one invoice per account, building and period, so drafting a run again
 * gives the same ids. A premises' month is what the run billed of one
 * premises and service for the whole month (basis, quantity, lines,
 * holders): the history the average and the recalculation read. Every
 * function runs inside the caller's transaction; what is handed out is a
 * new value, since LMDB's data is valid only until the transaction ends.
 */
#ifndef AMR_BILLING_INVSTORE_H
#define AMR_BILLING_INVSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "kv.h"
#include "month.h"

typedef struct invstore invstore;

#define INVSTORE_ID_LEN 32 /* "2026-10/4000000000/4000000000" and its NUL */

/* The run's databases in environment k (borrowed). Returns AMR_OK,
 * AMR_ENOMEM or AMR_EDB. */
amr_err invstore_open(invstore **out, kv *k);

/* Free. Accepts NULL. */
void invstore_close(invstore *s);

/* An invoice's id into buf (INVSTORE_ID_LEN bytes). Returns buf. */
char *invstore_id_format(char *buf, const char *period, uint32_t building, uint32_t account);

/* Read an invoice id; false when it is not one. period gets MONTH_LEN
 * bytes. */
bool invstore_id_parse(const char *id, char *period, uint32_t *building, uint32_t *account);

/* The run of building and period (new value). Returns AMR_OK,
 * AMR_ENOTFOUND, AMR_ENOMEM or AMR_EDB. */
int invstore_run_get(invstore *s, MDB_txn *txn, uint32_t building, const char *period,
		     json_t **out);

/* Store run (borrowed). Returns 0 or an LMDB/amr code for kv_write(). */
int invstore_run_put(invstore *s, MDB_txn *txn, uint32_t building, const char *period,
		     const json_t *run);

/* Call fn(run, arg) for the runs of building (0: every building) in
 * building and period order; run is borrowed for the call. fn returns 0
 * to go on, 1 to stop, else stops with that code. Returns 0, fn's code or
 * an amr code. */
int invstore_run_scan(invstore *s, MDB_txn *txn, uint32_t building,
		      int (*fn)(const json_t *run, void *arg), void *arg);

/* Delete the invoices and premises' months of building's period (its
 * draft, before a new one is stored). Returns 0 or an LMDB/amr code. */
int invstore_clear(invstore *s, MDB_txn *txn, uint32_t building, const char *period);

/* Store an invoice (borrowed), keyed by its "building", "period" and
 * "account". Returns 0 or an LMDB/amr code. */
int invstore_invoice_put(invstore *s, MDB_txn *txn, const json_t *inv);

/* The invoice (new value). Returns AMR_OK, AMR_ENOTFOUND or an amr code. */
int invstore_invoice_get(invstore *s, MDB_txn *txn, uint32_t building, const char *period,
			 uint32_t account, json_t **out);

/* Which invoices a scan hands out. */
struct invstore_filter {
	uint32_t building;  /* 0: every building */
	const char *period; /* NULL: every period */
	uint32_t account;   /* 0: every account (then the order is building, period,
			      account; with an account, period then building) */
	const char *after;  /* NULL, or the id the previous page ended with */
};

/* Call fn(inv, arg) for the invoices f lets through, in the order above;
 * inv is borrowed for the call. fn's codes as invstore_run_scan(). */
int invstore_invoice_scan(invstore *s, MDB_txn *txn, const struct invstore_filter *f,
			  int (*fn)(const json_t *inv, void *arg), void *arg);

/* Store a premises' month (borrowed). Returns 0 or an LMDB/amr code. */
int invstore_prem_put(invstore *s, MDB_txn *txn, uint32_t building, const char *period,
		      uint32_t premises, uint32_t service, const json_t *rec);

/* A premises' month (new value). Returns AMR_OK, AMR_ENOTFOUND or an amr
 * code. */
int invstore_prem_get(invstore *s, MDB_txn *txn, uint32_t building, const char *period,
		      uint32_t premises, uint32_t service, json_t **out);

/* Call fn(premises, service, rec, arg) for the premises' months of
 * building's period in premises and service order; codes as above. */
int invstore_prem_scan(invstore *s, MDB_txn *txn, uint32_t building, const char *period,
		       int (*fn)(uint32_t premises, uint32_t service, const json_t *rec, void *arg),
		       void *arg);

/* Note (or forget, del) that building's premises' service of period was
 * billed by average or norm and waits for readings. Returns 0 or an
 * LMDB/amr code. */
int invstore_pending_set(invstore *s, MDB_txn *txn, uint32_t building, uint32_t premises,
			 uint32_t service, const char *period, bool del);

/* Whether that month (or adjustment seq, below) is waiting still: 1, 0,
 * or an LMDB code. */
int invstore_pending_has(invstore *s, MDB_txn *txn, uint32_t building, uint32_t premises,
			 uint32_t service, const char *period);
int invstore_adjust_has(invstore *s, MDB_txn *txn, uint32_t building, uint32_t account,
			uint64_t seq);

/* Call fn(premises, service, period, arg) for building's waiting months in
 * premises, service and period order; codes as above. */
int invstore_pending_scan(invstore *s, MDB_txn *txn, uint32_t building,
			  int (*fn)(uint32_t premises, uint32_t service, const char *period,
				    void *arg),
			  void *arg);

/* Inside write txn: keep adjustment adj (borrowed; "seq" is set in it) of
 * building's account until a run bills it. Returns 0 or an LMDB/amr
 * code. */
int invstore_adjust_add(invstore *s, MDB_txn *txn, uint32_t building, uint32_t account,
			json_t *adj);

/* Forget adjustment seq of building's account (billed). Returns 0 or an
 * LMDB code. */
int invstore_adjust_del(invstore *s, MDB_txn *txn, uint32_t building, uint32_t account,
			uint64_t seq);

/* Call fn(adj, arg) for building's waiting adjustments in account and seq
 * order; codes as above. */
int invstore_adjust_scan(invstore *s, MDB_txn *txn, uint32_t building,
			 int (*fn)(const json_t *adj, void *arg), void *arg);

#endif
