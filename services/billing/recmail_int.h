/*
 * recmail_int.h - what the files of the receipts' e-mail share: recmail.c
 * (the store, the pipeline, the poll) and recmail_rpc.c (the methods).
 * Not for other modules: names carry the module's mark, recmail__.
 */
#ifndef AMR_BILLING_RECMAIL_INT_H
#define AMR_BILLING_RECMAIL_INT_H

#include <jansson.h>
#include <lmdb.h>

#include "recmail.h"

#define REF_PREFIX "billing/receipt/"
#define KEY_PREFIX 48 /* "2026-10/4000000000/" and more */

struct recmail {
	struct svc *s; /* borrowed, as the next five */
	ledger *l;
	invstore *is;
	recrpc *rr;
	notecl *nc;
	auditq *q;
	MDB_dbi db;	  /* "recmail" */
	unsigned poll_s;  /* between looks at what is not settled */
	uint64_t timer;	  /* the poll */
	json_t *todo;	  /* invoice ids to draw and ask, in order */
	json_t *busy;	  /* invoice id -> true: in the pipeline */
	json_t *open;	  /* "period/building/" -> true: messages not settled there */
	metric *m_asked;  /* amr_billing_receipt_emails_total{result="asked"} */
	metric *m_failed; /* ... {result="failed"} */
};

/* Invoice id's record inside txn into *out (new). Returns 0,
 * AMR_ENOTFOUND, AMR_EDB. */
int recmail__get(recmail *m, MDB_txn *txn, const char *id, json_t **out);

/* Store rec (borrowed) as invoice id's. Returns 0 or an amr code. */
int recmail__put(recmail *m, MDB_txn *txn, const char *id, const json_t *rec);

/* fn(id, rec (borrowed), arg) for the records whose ids start with
 * prefix ("": all), in id order; fn returns 0 to go on, else the scan
 * stops with its code. */
int recmail__scan(recmail *m, MDB_txn *txn, const char *prefix,
		  int (*fn)(const char *id, const json_t *rec, void *arg), void *arg);

/* "2026-10/1/17" -> "2026-10/1/" into buf. */
void recmail__prefix_of(const char *id, char buf[KEY_PREFIX]);

/* Take messages from todo into the pipeline while there is room. */
void recmail__pump(recmail *m);

/* An outcome told by amr-notify (a notecl_fn). */
void recmail__on_message(void *ctx, const json_t *out);

#endif
