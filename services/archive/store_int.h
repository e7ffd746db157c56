/*
 * store_int.h - the store's handle, shared by store.c (write path) and
 * store_scan.c (reads, quarantine, retention). Not for other modules:
 * its functions carry a double underscore (store__load_state).
 */
#ifndef AMR_ARCHIVE_STORE_INT_H
#define AMR_ARCHIVE_STORE_INT_H

#include "store.h"

#define STATE_ENTRY 20 /* chan 2, flags 1, spare 1, total 4, period 4, ts 8 */
#define RAW_ENTRY   16 /* chan 2, flags 1, spare 1, total 4, delta 4, period 4 */
#define ROLL_ENTRY  10 /* chan 2, pulses 8 */
#define QUAR_VALUE  16 /* total 4, last total 4, delta 4, state 4 */

/* Bits of a quarantine record's state. */
enum {
	QUAR_RESOLVED = 1, /* rebased by an operator */
	QUAR_CLAIM = 2,	   /* STORE_QUAR_DELTA (else STORE_QUAR_DECREASED) */
};

struct upd {
	uint16_t chan;	 /* channel */
	uint64_t pulses; /* to add */
};

/* An object whose batches are refused for a gap, since when (UTC s). */
struct gap_rec {
	uint16_t obj;  /* object */
	int64_t since; /* first refusal */
};

struct gap_set {
	struct gap_rec *v; /* unsorted: few objects are ever in a gap */
	size_t n, cap;
};

struct store {
	kv *k;	       /* environment, borrowed */
	registry *reg; /* registry, borrowed */
	audit *aud;    /* audit trail, borrowed */
	MDB_dbi meta, hwm, state, raw, roll[4], quar;
	/* scratch of the write path, reused between batches */
	struct store_chan *st; /* decoded state of one object */
	size_t nst, capst;
	uint8_t *buf; /* encoded rollup values */
	size_t capbuf;
	uint8_t *rawbuf; /* encoded raw readings of one batch */
	size_t caprawbuf;
	struct upd *upd; /* rollup additions of one batch */
	size_t capupd;
	/* gaps being timed: as committed, and the commit in progress's copy */
	struct gap_set gaps, wgaps;
	int64_t gap_wait; /* seconds before a gap is given up, 0 never refuse */
	/* the commit in progress */
	struct batch *const *b;
	size_t n;
	int64_t now;
	struct store_outcome *out;
};

/* Decode one STATE_ENTRY. */
void store__decode_state(const uint8_t *p, struct store_chan *c);

/* Load object obj's state into s->st / s->nst; returns 0 or an MDB_ code. */
int store__load_state(store *s, MDB_txn *txn, uint16_t obj);

/* Write s->st back as object obj's state; returns 0 or an MDB_ code. */
int store__save_state(store *s, MDB_txn *txn, uint16_t obj);

#endif
